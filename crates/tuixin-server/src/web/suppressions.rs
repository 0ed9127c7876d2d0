//! `/suppressions`: the list with filters and paging, adding and removing entries (forms with
//! CSRF tokens), and the export links; through the same calls the API makes.

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tuixin_store::SuppressionFilter;

use super::auth::{Viewer, check_csrf, viewer};
use super::{Page, error_page, local_path, render, url_encode, visible};
use crate::api::suppressions::{DeleteEntry, PutEntry, delete, stream, upsert};
use crate::api::views::Suppression;
use crate::api::{decode_cursor, encode_cursor};
use crate::app::App;
use crate::error::ApiError;
use crate::token::TokenScope;

/// Entries per page.
const PAGE: usize = 50;

/// `GET /suppressions` query: the filters and the page.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// An address (exact, any spelling) or a domain.
    #[serde(default)]
    pub q: String,
    /// Only this reason.
    #[serde(default)]
    pub reason: String,
    /// Only this scope.
    #[serde(default)]
    pub scope: String,
    /// Only this source.
    #[serde(default)]
    pub source: String,
    /// The previous page's cursor.
    #[serde(default)]
    pub cursor: String,
    /// What was just done (`added`, `removed`), to say so.
    #[serde(default)]
    pub done: String,
}

impl ListQuery {
    /// The filters as a query string (without the cursor), for links.
    fn filters(&self) -> String {
        format!(
            "q={}&reason={}&scope={}&source={}",
            url_encode(self.q.trim()),
            url_encode(&self.reason),
            url_encode(&self.scope),
            url_encode(&self.source)
        )
    }
}

/// One row of the list, ready to show.
pub struct Row {
    /// The entry as stored (its address goes back in the remove form).
    pub entry: Suppression,
    /// The address, shown.
    pub address: String,
    /// The description, shown.
    pub description: String,
    /// The source, shown.
    pub source: String,
    /// The link to the address's page.
    pub href: String,
}

/// The suppression list page.
#[derive(Template)]
#[template(path = "suppressions.html")]
pub struct SuppressionsPage {
    /// The layout.
    pub page: Page,
    /// The filters as asked.
    pub query: ListQuery,
    /// The reasons to filter by.
    pub reasons: &'static [&'static str],
    /// This page's entries.
    pub rows: Vec<Row>,
    /// The link to the next page, if there is one.
    pub next: Option<String>,
    /// The export links.
    pub export_csv: String,
    /// The NDJSON export link.
    pub export_jsonl: String,
    /// A notice about what was just done (a UI string key), if anything.
    pub notice: Option<&'static str>,
    /// Whether the viewer may change the list.
    pub can_write: bool,
    /// An error in the filters, if any.
    pub error: Option<String>,
}

/// The reasons an entry can have.
pub const REASONS: &[&str] =
    &["hard_bounce", "soft_bounce_threshold", "complaint", "unsubscribe", "manual", "provider"];

fn some(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// The store filter for a query: an address in `q` is looked up by itself (see [`list`]), a
/// domain filters by domain.
fn filter_of(query: &ListQuery) -> Result<SuppressionFilter, ApiError> {
    let q = query.q.trim().trim_start_matches('@');
    let domain = if q.is_empty() || q.contains('@') { None } else { Some(q.to_ascii_lowercase()) };
    if let Some(domain) = &domain {
        tuixin_store::address_key(&format!("x@{domain}"))
            .map_err(|e| ApiError::invalid("q", e.to_string()))?;
    }
    if let Some(scope) = some(&query.scope)
        && !tuixin_store::valid_scope(&scope)
    {
        return Err(ApiError::invalid("scope", format!("invalid scope {scope:?}")));
    }
    Ok(SuppressionFilter {
        reason: some(&query.reason),
        source: some(&query.source),
        scope: some(&query.scope),
        domain,
        after: some(&query.cursor)
            .map(|c| decode_cursor::<(i64, String, String)>(&c))
            .transpose()?,
        ..SuppressionFilter::default()
    })
}

fn row(entry: Suppression) -> Row {
    let href = format!("/addresses/{}", url_encode(&entry.address));
    Row {
        address: visible(&entry.address),
        description: visible(&entry.description),
        source: visible(&entry.source),
        entry,
        href,
    }
}

/// `GET /suppressions`.
pub async fn list(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let v = match viewer(&app, &headers, &uri, TokenScope::Read).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let notice = match query.done.as_str() {
        "added" => Some("suppressions.added"),
        "removed" => Some("suppressions.removed"),
        _ => None,
    };
    let base = format!("/suppressions/export?{}", query.filters());
    let mut page = SuppressionsPage {
        page: v.page("suppressions"),
        reasons: REASONS,
        rows: Vec::new(),
        next: None,
        export_csv: format!("{base}&format=csv"),
        export_jsonl: format!("{base}&format=jsonl"),
        notice,
        can_write: v.caller.scope >= TokenScope::Write,
        error: None,
        query,
    };
    let mut filter = match filter_of(&page.query) {
        Ok(f) => f,
        Err(e) => {
            page.error = Some(e.message);
            return render(&page);
        }
    };
    let q = page.query.q.trim().to_owned();
    let result = if q.contains('@') {
        // One address: its entries, through the filters that apply to them.
        let f = filter.clone();
        app.blocking(move |store| {
            let report = store.address(&q).map_err(|e| ApiError::from_store(e, "q"))?;
            Ok(report
                .map(|r| r.suppressions)
                .unwrap_or_default()
                .into_iter()
                .filter(|s| f.reason.as_ref().is_none_or(|x| *x == s.reason))
                .filter(|s| f.scope.as_ref().is_none_or(|x| *x == s.scope))
                .filter(|s| f.source.as_ref().is_none_or(|x| *x == s.source))
                .collect::<Vec<_>>())
        })
        .await
    } else {
        filter.limit = Some(PAGE + 1);
        app.blocking(move |store| store.suppressions(&filter).map_err(ApiError::from)).await
    };
    match result {
        Ok(mut rows) => {
            if rows.len() > PAGE {
                rows.truncate(PAGE);
                page.next = rows.last().map(|r| {
                    let cursor = encode_cursor(&(r.created_at, &r.address_key, &r.scope));
                    format!("/suppressions?{}&cursor={cursor}", page.query.filters())
                });
            }
            page.rows = rows.into_iter().map(|r| row(r.into())).collect();
        }
        Err(e)
            if e.status == StatusCode::UNPROCESSABLE_ENTITY
                || e.status == StatusCode::BAD_REQUEST =>
        {
            page.error = Some(e.message);
        }
        Err(e) => return e.into_response(),
    }
    render(&page)
}

/// `GET /suppressions/export?format=csv|jsonl&...filters`: the whole list matching the
/// filters, as the API's export streams it, as a download.
pub async fn export(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<ExportQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let v = match viewer(&app, &headers, &uri, TokenScope::Read).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let Ok(Query(query)) = query else {
        return error_page(v.page("suppressions"), StatusCode::UNPROCESSABLE_ENTITY, "bad query");
    };
    let mut filter = match filter_of(&query.list) {
        Ok(f) => f,
        Err(e) => return error_page(v.page("suppressions"), e.status, e.message),
    };
    filter.after = None;
    let csv = query.format != "jsonl";
    let mut response = stream(&app, filter, csv);
    let name = if csv { "suppressions.csv" } else { "suppressions.jsonl" };
    if let Ok(value) = format!("attachment; filename=\"{name}\"").parse() {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// `GET /suppressions/export` query.
#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    /// `csv` (default) or `jsonl`.
    #[serde(default)]
    pub format: String,
    /// The list's filters.
    #[serde(flatten)]
    pub list: ListQuery,
}

/// `POST /suppressions/add` form.
#[derive(Debug, Default, Deserialize)]
pub struct AddForm {
    /// The CSRF token.
    #[serde(default)]
    pub csrf: String,
    /// The address.
    #[serde(default)]
    pub address: String,
    /// The scope (`all` when empty).
    #[serde(default)]
    pub scope: String,
    /// Why.
    #[serde(default)]
    pub note: String,
    /// When it stops blocking: a date (`YYYY-MM-DD`, midnight UTC) or an RFC 3339 time.
    #[serde(default)]
    pub expires: String,
}

/// The message for a refused change, in the viewer's language where the API's code has one.
fn refused(v: &Viewer, e: ApiError) -> Response {
    let page = v.page("suppressions");
    let text = match (e.code, e.field.as_deref()) {
        ("locked", _) => format!("{} ({})", page.t("suppressions.locked"), e.message),
        ("invalid", Some("note")) => page.t("suppressions.note_needed").to_owned(),
        ("not_found", _) => format!("{} ({})", page.t("suppressions.not_found"), e.message),
        _ => e.message.clone(),
    };
    error_page(page, e.status, text)
}

fn back_to(back: &str, done: &str) -> Response {
    let ours = back.starts_with("/suppressions") || back.starts_with("/addresses/");
    let back = if local_path(back) && ours { back } else { "/suppressions" };
    let (path, query) = back.split_once('?').unwrap_or((back, ""));
    let mut params: Vec<&str> =
        query.split('&').filter(|p| !p.is_empty() && !p.starts_with("done=")).collect();
    let done = format!("done={done}");
    params.push(&done);
    let location = format!("{path}?{}", params.join("&"));
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// `POST /suppressions/add`: suppresses an address by hand.
pub async fn add(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    form: Result<Form<AddForm>, FormRejection>,
) -> Response {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let v = match viewer(&app, &headers, &uri, TokenScope::Write).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    if let Err(response) = check_csrf(&v, &form.csrf) {
        return response;
    }
    let expires = form.expires.trim();
    let expires_at = if expires.is_empty() {
        None
    } else if expires.len() == 10 {
        Some(format!("{expires}T00:00:00Z"))
    } else {
        Some(expires.to_owned())
    };
    let entry = PutEntry { scope: some(&form.scope), note: some(&form.note), expires_at };
    let caller = v.caller.clone();
    let address = form.address.trim().to_owned();
    match app.blocking(move |store| upsert(store, &caller, &address, &entry)).await {
        Ok(_) => back_to("/suppressions", "added"),
        Err(e) => refused(&v, e),
    }
}

/// `POST /suppressions/remove` form.
#[derive(Debug, Default, Deserialize)]
pub struct RemoveForm {
    /// The CSRF token.
    #[serde(default)]
    pub csrf: String,
    /// The address.
    #[serde(default)]
    pub address: String,
    /// The scope to remove from (every scope when empty).
    #[serde(default)]
    pub scope: String,
    /// Why (required).
    #[serde(default)]
    pub note: String,
    /// The list page to go back to.
    #[serde(default)]
    pub back: String,
}

/// `POST /suppressions/remove`: removes an entry with a note (a locked one needs an admin
/// token; the page says so when refused).
pub async fn remove(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    form: Result<Form<RemoveForm>, FormRejection>,
) -> Response {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let v = match viewer(&app, &headers, &uri, TokenScope::Write).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    if let Err(response) = check_csrf(&v, &form.csrf) {
        return response;
    }
    if let Err(e) = tuixin_store::address_key(&form.address) {
        return refused(&v, ApiError::from_store(e, "address"));
    }
    let entry = DeleteEntry { scope: some(&form.scope), note: some(&form.note) };
    let caller = v.caller.clone();
    let address = form.address.clone();
    match app.blocking(move |store| delete(store, &caller, &address, &entry)).await {
        Ok(_) => back_to(&form.back, "removed"),
        Err(e) => refused(&v, e),
    }
}

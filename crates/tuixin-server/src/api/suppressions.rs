//! The suppression list: list and search with cursor paging, the whole list streamed as CSV or
//! NDJSON by `Accept`, one address read/added/removed, and synchronous batches.

use std::sync::Arc;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tuixin::lifecycle::Scope;
use tuixin_store::{Store, StoreError, SuppressionFilter, SuppressionRow};
use utoipa::{IntoParams, ToSchema};

use super::views::{BatchOutcome, BatchResult, Suppression, SuppressionPage};
use crate::app::App;
use crate::error::{ApiError, ErrorBody, ErrorDetail};
use crate::token::{Caller, TokenScope};

/// `GET /v1/suppressions` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this reason (`hard_bounce`, `complaint`, ...).
    pub reason: Option<String>,
    /// Only this source (`policy`, a token name, ...).
    pub source: Option<String>,
    /// Only this scope.
    pub scope: Option<String>,
    /// Only addresses at this domain.
    pub domain: Option<String>,
    /// Made at or after this time (RFC 3339).
    pub since: Option<String>,
    /// Made before this time (RFC 3339).
    pub until: Option<String>,
    /// Entries per page, 1 to 1000 (default 100); ignored by the CSV/NDJSON export.
    pub limit: Option<i64>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

fn filter_of(query: &ListQuery) -> Result<SuppressionFilter, ApiError> {
    if let Some(scope) = &query.scope
        && !tuixin_store::valid_scope(scope)
    {
        return Err(ApiError::invalid("scope", format!("invalid scope {scope:?}")));
    }
    if let Some(domain) = &query.domain {
        tuixin_store::address_key(&format!("x@{domain}"))
            .map_err(|e| ApiError::invalid("domain", e.to_string()))?;
    }
    let after =
        query.cursor.as_deref().map(super::decode_cursor::<(i64, String, String)>).transpose()?;
    Ok(SuppressionFilter {
        reason: query.reason.clone(),
        source: query.source.clone(),
        scope: query.scope.clone(),
        domain: query.domain.clone(),
        since: super::time_param(query.since.as_deref(), "since")?,
        until: super::time_param(query.until.as_deref(), "until")?,
        after,
        limit: None,
    })
}

/// What the client asked the list as.
enum Export {
    Json,
    Csv,
    Ndjson,
}

fn export_of(headers: &HeaderMap) -> Export {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    if accept.contains("text/csv") {
        Export::Csv
    } else if accept.contains("application/x-ndjson") {
        Export::Ndjson
    } else {
        Export::Json
    }
}

/// The CSV header of the export.
pub const CSV_HEADER: &str = "address,scope,reason,bounce_reason,source,description,created_at,updated_at,expires_at,event_id,locked,review\n";

fn csv_rows(rows: &[SuppressionRow]) -> Vec<u8> {
    let mut out = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    for r in rows {
        let s = Suppression::from(r.clone());
        let _ = out.write_record([
            s.address.as_str(),
            &s.scope,
            &s.reason,
            s.bounce_reason.as_deref().unwrap_or(""),
            &s.source,
            &s.description,
            &s.created_at,
            &s.updated_at,
            s.expires_at.as_deref().unwrap_or(""),
            s.event_id.as_deref().unwrap_or(""),
            if s.locked { "true" } else { "false" },
            if s.review { "true" } else { "false" },
        ]);
    }
    out.into_inner().unwrap_or_default()
}

fn ndjson_rows(rows: &[SuppressionRow]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in rows {
        let _ = serde_json::to_writer(&mut out, &Suppression::from(r.clone()));
        out.push(b'\n');
    }
    out
}

/// Streams every entry matching `filter`, page by page from a blocking thread.
pub(crate) fn stream(app: &App, mut filter: SuppressionFilter, csv: bool) -> Response {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, StoreError>>(4);
    let store: Arc<Store> = app.store.clone();
    tokio::task::spawn_blocking(move || {
        if csv && tx.blocking_send(Ok(Bytes::from_static(CSV_HEADER.as_bytes()))).is_err() {
            return;
        }
        filter.limit = Some(1000);
        loop {
            match store.suppressions(&filter) {
                Ok(rows) => {
                    let chunk = if csv { csv_rows(&rows) } else { ndjson_rows(&rows) };
                    if !chunk.is_empty() && tx.blocking_send(Ok(Bytes::from(chunk))).is_err() {
                        return;
                    }
                    match rows.last() {
                        Some(last) if rows.len() == 1000 => {
                            filter.after = Some((
                                last.created_at,
                                last.address_key.clone(),
                                last.scope.clone(),
                            ))
                        }
                        _ => return,
                    }
                }
                Err(e) => {
                    // The client sees the body cut short, never a complete-looking export.
                    tracing::error!(error = %e, "export failed");
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
        }
    });
    let body =
        futures_util::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|item| (item, rx)) },
        );
    let kind = if csv { "text/csv; charset=utf-8" } else { "application/x-ndjson" };
    ([(header::CONTENT_TYPE, kind)], Body::from_stream(body)).into_response()
}

/// Lists and searches the suppression list, oldest first, a page at a time; with `Accept:
/// text/csv` or `application/x-ndjson` the whole list matching the filters is streamed.
#[utoipa::path(get, path = "/v1/suppressions", params(ListQuery), tag = "suppressions",
    responses(
        (status = 200, description = "A page (JSON), or the whole export (CSV, NDJSON)", 
            content((SuppressionPage = "application/json"), (String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 400, description = "A cursor this API did not give", body = ErrorBody),
        (status = 401, description = "No or bad token", body = ErrorBody),
        (status = 403, description = "The token lacks the read scope", body = ErrorBody),
        (status = 422, description = "An invalid filter or limit", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn list(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    app.authorize(&headers, TokenScope::Read).await?;
    let Query(query) = query.map_err(|e| ApiError::invalid("query", e.body_text()))?;
    let mut filter = filter_of(&query)?;
    match export_of(&headers) {
        Export::Csv => return Ok(stream(&app, filter, true)),
        Export::Ndjson => return Ok(stream(&app, filter, false)),
        Export::Json => {}
    }
    let limit = super::page_limit(query.limit)?;
    // One more than the page tells whether another page follows.
    filter.limit = Some(limit + 1);
    let mut rows =
        app.blocking(move |store| store.suppressions(&filter).map_err(ApiError::from)).await?;
    let next_cursor = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|r| super::encode_cursor(&(r.created_at, &r.address_key, &r.scope)))
    } else {
        None
    };
    let data = rows.into_iter().map(Suppression::from).collect();
    Ok(Json(SuppressionPage { data, next_cursor }).into_response())
}

/// The entries of one address (in every scope): 404 when it has none.
#[utoipa::path(get, path = "/v1/suppressions/{address}", tag = "suppressions",
    params(("address" = String, Path, description = "The address")),
    responses(
        (status = 200, description = "Its entries", body = [Suppression]),
        (status = 401, description = "No or bad token", body = ErrorBody),
        (status = 403, description = "The token lacks the read scope", body = ErrorBody),
        (status = 404, description = "Not suppressed", body = ErrorBody),
        (status = 422, description = "Invalid address", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn get_one(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(address): Path<String>,
) -> Result<Json<Vec<Suppression>>, ApiError> {
    app.authorize(&headers, TokenScope::Read).await?;
    tuixin_store::address_key(&address).map_err(|e| ApiError::from_store(e, "address"))?;
    let shown = address.clone();
    let report = app.blocking(move |store| store.address(&address).map_err(ApiError::from)).await?;
    let entries: Vec<Suppression> = report
        .map(|r| r.suppressions.into_iter().map(Suppression::from).collect())
        .unwrap_or_default();
    if entries.is_empty() {
        return Err(ApiError::not_found(format!("{shown} is not suppressed")));
    }
    Ok(Json(entries))
}

/// `PUT /v1/suppressions/{address}` body (all optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PutEntry {
    /// The scope to suppress in (default `all`).
    pub scope: Option<String>,
    /// Why, for the audit trail and people.
    pub note: Option<String>,
    /// When the entry stops blocking (RFC 3339); never when absent.
    pub expires_at: Option<String>,
}

/// `DELETE /v1/suppressions/{address}` query (or JSON body).
#[derive(Debug, Default, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteEntry {
    /// The scope to remove from; every scope when absent.
    pub scope: Option<String>,
    /// Why (required).
    pub note: Option<String>,
}

fn parse_scope(scope: Option<&str>) -> Result<Scope, ApiError> {
    let scope = scope.unwrap_or("all");
    scope.parse().map_err(|_| ApiError::invalid("scope", format!("invalid scope {scope:?}")))
}

/// Adds a manual entry (blocking `store`).
pub(crate) fn upsert(
    store: &Store,
    caller: &Caller,
    address: &str,
    entry: &PutEntry,
) -> Result<Suppression, ApiError> {
    let scope = parse_scope(entry.scope.as_deref())?;
    let expires_at = super::time_param(entry.expires_at.as_deref(), "expires_at")?;
    let note = entry.note.as_deref().unwrap_or("");
    let row = store
        .add_manual(address, &scope, note, expires_at, &caller.name, crate::time::now())
        .map_err(|e| ApiError::from_store(e, "address"))?;
    Ok(row.into())
}

/// Removes entries (blocking `store`): in one scope, or in every scope the address has one;
/// with no change at all when one of them is locked and the caller is no admin.
pub(crate) fn delete(
    store: &Store,
    caller: &Caller,
    address: &str,
    entry: &DeleteEntry,
) -> Result<Vec<Suppression>, ApiError> {
    let note = entry.note.as_deref().unwrap_or("").trim();
    if note.is_empty() {
        return Err(ApiError::invalid("note", "a note saying why is required"));
    }
    let admin = caller.scope >= TokenScope::Admin;
    let now = crate::time::now();
    let scopes: Vec<Scope> = match &entry.scope {
        Some(scope) => vec![parse_scope(Some(scope))?],
        None => {
            let report = store.address(address).map_err(|e| ApiError::from_store(e, "address"))?;
            let entries = report.map(|r| r.suppressions).unwrap_or_default();
            if entries.is_empty() {
                return Err(ApiError::not_found(format!("{address} is not suppressed")));
            }
            if !admin && let Some(locked) = entries.iter().find(|e| e.locked) {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "locked",
                    format!(
                        "the {} entry in scope {} is locked: removing it needs an admin token",
                        locked.reason, locked.scope
                    ),
                ));
            }
            entries.iter().filter_map(|e| e.scope.parse().ok()).collect()
        }
    };
    let mut removed = Vec::new();
    for scope in &scopes {
        let row = store
            .remove(address, scope, &caller.name, admin, note, now)
            .map_err(|e| ApiError::from_store(e, "address"))?;
        removed.push(row.into());
    }
    Ok(removed)
}

/// Suppresses an address by hand (reason `manual`); the entry as stored.
#[utoipa::path(put, path = "/v1/suppressions/{address}", tag = "suppressions",
    params(("address" = String, Path, description = "The address")),
    request_body = PutEntry,
    responses(
        (status = 200, description = "The entry", body = Suppression),
        (status = 400, description = "Not JSON", body = ErrorBody),
        (status = 401, description = "No or bad token", body = ErrorBody),
        (status = 403, description = "The token lacks the write scope", body = ErrorBody),
        (status = 409, description = "A locked entry is in its place", body = ErrorBody),
        (status = 422, description = "Invalid address, scope or expiry", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn put_one(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(address): Path<String>,
    body: Bytes,
) -> Result<Json<Suppression>, ApiError> {
    let caller = app.authorize(&headers, TokenScope::Write).await?;
    let entry: PutEntry = if body.iter().all(u8::is_ascii_whitespace) {
        PutEntry::default()
    } else {
        super::json_body(&body)?
    };
    let row = app.blocking(move |store| upsert(store, &caller, &address, &entry)).await?;
    Ok(Json(row))
}

/// Removes an address's entry in `scope` (every scope when absent), with a `note`; a locked
/// entry (a complaint) needs an admin token.
#[utoipa::path(delete, path = "/v1/suppressions/{address}", tag = "suppressions",
    params(("address" = String, Path, description = "The address"), DeleteEntry),
    responses(
        (status = 200, description = "The entries removed", body = [Suppression]),
        (status = 401, description = "No or bad token", body = ErrorBody),
        (status = 403, description = "The token lacks the write scope", body = ErrorBody),
        (status = 404, description = "No such entry", body = ErrorBody),
        (status = 409, description = "Locked: an admin token is needed", body = ErrorBody),
        (status = 422, description = "Invalid address or scope, or no note", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn delete_one(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(address): Path<String>,
    query: Result<Query<DeleteEntry>, axum::extract::rejection::QueryRejection>,
    body: Bytes,
) -> Result<Json<Vec<Suppression>>, ApiError> {
    let caller = app.authorize(&headers, TokenScope::Write).await?;
    let Query(mut entry) = query.map_err(|e| ApiError::invalid("query", e.body_text()))?;
    if !body.iter().all(u8::is_ascii_whitespace) {
        let from_body: DeleteEntry = super::json_body(&body)?;
        entry.scope = entry.scope.or(from_body.scope);
        entry.note = entry.note.or(from_body.note);
    }
    tuixin_store::address_key(&address).map_err(|e| ApiError::from_store(e, "address"))?;
    let removed = app.blocking(move |store| delete(store, &caller, &address, &entry)).await?;
    Ok(Json(removed))
}

/// One upsert of a batch.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BatchUpsert {
    /// The address.
    pub address: String,
    /// The scope (default `all`).
    pub scope: Option<String>,
    /// Why.
    pub note: Option<String>,
    /// When it stops blocking (RFC 3339).
    pub expires_at: Option<String>,
}

/// One delete of a batch.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BatchDelete {
    /// The address.
    pub address: String,
    /// The scope (every scope when absent).
    pub scope: Option<String>,
    /// Why (required).
    pub note: Option<String>,
}

/// `POST /v1/suppressions/batch` body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Batch {
    /// Entries to add.
    #[serde(default)]
    pub upsert: Vec<BatchUpsert>,
    /// Entries to remove.
    #[serde(default)]
    pub delete: Vec<BatchDelete>,
}

fn outcome(
    op: &str,
    address: String,
    result: Result<Option<Suppression>, ApiError>,
) -> BatchOutcome {
    match result {
        Ok(entry) => BatchOutcome { op: op.to_owned(), address, status: 200, entry, error: None },
        Err(e) => BatchOutcome {
            op: op.to_owned(),
            address,
            status: e.status.as_u16(),
            entry: None,
            error: Some(ErrorDetail {
                code: e.code.to_owned(),
                message: e.message,
                field: e.field,
            }),
        },
    }
}

/// Adds and removes up to 1000 entries at once; each operation has its own outcome.
#[utoipa::path(post, path = "/v1/suppressions/batch", request_body = Batch, tag = "suppressions",
    responses(
        (status = 200, description = "One outcome per operation", body = BatchResult),
        (status = 400, description = "Not JSON", body = ErrorBody),
        (status = 401, description = "No or bad token", body = ErrorBody),
        (status = 403, description = "The token lacks the write scope", body = ErrorBody),
        (status = 422, description = "More than 1000 operations", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn batch(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<BatchResult>, ApiError> {
    let caller = app.authorize(&headers, TokenScope::Write).await?;
    let batch: Batch = super::json_body(&body)?;
    let n = batch.upsert.len() + batch.delete.len();
    if n > 1000 {
        return Err(ApiError::invalid(
            "body",
            format!("at most 1000 operations per batch, not {n}"),
        ));
    }
    let results = app
        .blocking(move |store| {
            let mut results = Vec::with_capacity(n);
            for u in batch.upsert {
                let entry = PutEntry { scope: u.scope, note: u.note, expires_at: u.expires_at };
                let r = upsert(store, &caller, &u.address, &entry).map(Some);
                if matches!(&r, Err(e) if e.status == StatusCode::SERVICE_UNAVAILABLE) {
                    return Err(r.err().unwrap_or_else(|| ApiError::internal("unreachable")));
                }
                results.push(outcome("upsert", u.address, r));
            }
            for d in batch.delete {
                let entry = DeleteEntry { scope: d.scope, note: d.note };
                let r = delete(store, &caller, &d.address, &entry).map(|mut v| v.pop());
                if matches!(&r, Err(e) if e.status == StatusCode::SERVICE_UNAVAILABLE) {
                    return Err(r.err().unwrap_or_else(|| ApiError::internal("unreachable")));
                }
                results.push(outcome("delete", d.address, r));
            }
            Ok(results)
        })
        .await?;
    Ok(Json(BatchResult { results }))
}

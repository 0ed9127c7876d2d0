//! `/events/{id}` (the record, its rule and evidence, its codes explained as `tuixin explain`
//! does, the raw bounce) and `/addresses/{address}` (state per scope, counters, the timeline
//! of events and audit rows). Every byte of bounce text is shown as text, with control and
//! bidi characters made visible.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tuixin::{Code, Reason, Registry};

use super::auth::viewer;
use super::{Lang, Page, error_page, render, url_encode, visible};
use crate::api::views::{Audit, Suppression, TimelineItem};
use crate::app::App;
use crate::error::ApiError;
use crate::time::rfc3339;
use crate::token::TokenScope;

/// Bytes of a raw bounce shown on the page at most (the download has all of it).
pub const RAW_SHOWN: usize = 64 * 1024;

/// One field: a name and its value as text.
pub struct Field {
    /// The name.
    pub name: String,
    /// The value, shown as text.
    pub value: String,
}

/// A code explained.
pub struct Explained {
    /// The code as written.
    pub code: String,
    /// Its short name.
    pub title: String,
    /// What it says.
    pub meaning: String,
    /// What usually causes it.
    pub cause: String,
    /// What to do.
    pub action: String,
}

/// The event page.
#[derive(Template)]
#[template(path = "event.html")]
pub struct EventPage {
    /// The layout.
    pub page: Page,
    /// The event id.
    pub id: String,
    /// The recipient, shown.
    pub recipient: String,
    /// The link to the recipient's page, when it is an address.
    pub address_href: Option<String>,
    /// Provenance: source, times, raw id.
    pub provenance: Vec<Field>,
    /// The record's fields (but headers, rule and evidence).
    pub fields: Vec<Field>,
    /// The reason's title and advice in the page's language.
    pub reason: Option<(String, String)>,
    /// The rule that decided.
    pub rule: String,
    /// The rule's kind.
    pub rulekind: String,
    /// The text the rule matched.
    pub evidence: String,
    /// The codes explained.
    pub codes: Vec<Explained>,
    /// The headers kept with the record.
    pub headers: Vec<Field>,
    /// The raw bounce as text (bounded), if kept.
    pub raw: Option<String>,
    /// Whether `raw` was cut at [`RAW_SHOWN`] bytes.
    pub raw_cut: bool,
    /// The raw download link.
    pub raw_href: String,
}

fn text_of(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => visible(s),
        serde_json::Value::Null => String::new(),
        other => visible(&other.to_string()),
    }
}

fn core_lang(lang: Lang) -> tuixin::Lang {
    match lang {
        Lang::En => tuixin::Lang::En,
        Lang::Zh => tuixin::Lang::Zh,
    }
}

/// The reply code and enhanced status code of a record, explained from the registry.
fn explain(record: &serde_json::Value, lang: Lang) -> Vec<Explained> {
    let registry = Registry::builtin();
    let mut out: Vec<Explained> = Vec::new();
    for field in ["replycode", "deliverystatus"] {
        let Some(text) = record.get(field).and_then(|v| v.as_str()) else { continue };
        let Ok(code) = Code::parse(text.trim()) else { continue };
        let e = registry.explain(code, core_lang(lang));
        if out.iter().any(|o| o.code == e.code) {
            continue;
        }
        out.push(Explained {
            code: visible(&e.code),
            title: e.title,
            meaning: e.meaning,
            cause: e.cause,
            action: e.action,
        });
    }
    out
}

/// `GET /events/{id}`.
pub async fn event(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    let v = match viewer(&app, &headers, &uri, TokenScope::Read).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let key = id.clone();
    let found = app
        .blocking(move |store| {
            let Some(event) = store.event(&key)? else { return Ok(None) };
            let raw = match &event.raw_id {
                Some(raw) => store.raw(raw)?,
                None => None,
            };
            Ok(Some((event, raw)))
        })
        .await;
    let page = v.page("");
    let (event, raw) = match found {
        Ok(Some(found)) => found,
        Ok(None) => {
            let message = format!("{} {}", page.t("event.not_found"), visible(&id));
            return error_page(page, StatusCode::NOT_FOUND, message);
        }
        Err(e) => return e.into_response(),
    };
    let record = &event.record;
    let str_of = |name: &str| record.get(name).and_then(|v| v.as_str()).unwrap_or("").to_owned();
    let skip = ["headers", "rule", "rulekind", "evidence"];
    let fields = match record.as_object() {
        Some(map) => map
            .iter()
            .filter(|(k, _)| !skip.contains(&k.as_str()))
            .map(|(k, v)| Field { name: visible(k), value: text_of(v) })
            .collect(),
        None => Vec::new(),
    };
    let headers_kept = match record.get("headers").and_then(|h| h.as_object()) {
        Some(map) => {
            map.iter().map(|(k, v)| Field { name: visible(k), value: text_of(v) }).collect()
        }
        None => Vec::new(),
    };
    let reason = Reason::from_name(&str_of("reason")).map(|r| {
        let text = r.text(core_lang(v.lang));
        (text.title.clone(), text.advice.clone())
    });
    let recipient = str_of("recipient");
    let address_href =
        event.address_key.as_ref().map(|_| format!("/addresses/{}", url_encode(&recipient)));
    let (raw, raw_cut) = match raw {
        Some(bytes) => {
            let cut = bytes.len() > RAW_SHOWN;
            let shown = &bytes[..bytes.len().min(RAW_SHOWN)];
            (Some(visible(&String::from_utf8_lossy(shown))), cut)
        }
        None => (None, false),
    };
    let provenance = vec![
        Field { name: page.t("event.source").to_owned(), value: visible(&event.source) },
        Field { name: page.t("event.at").to_owned(), value: rfc3339(event.at) },
        Field { name: page.t("event.received_at").to_owned(), value: rfc3339(event.received_at) },
        Field {
            name: page.t("event.raw_id").to_owned(),
            value: event.raw_id.clone().unwrap_or_else(|| "—".to_owned()),
        },
    ];
    render(&EventPage {
        codes: explain(record, v.lang),
        raw_href: format!("/events/{}/raw", url_encode(&event.id)),
        id: visible(&event.id),
        recipient: visible(&recipient),
        address_href,
        provenance,
        fields,
        reason,
        rule: visible(&str_of("rule")),
        rulekind: visible(&str_of("rulekind")),
        evidence: visible(&str_of("evidence")),
        headers: headers_kept,
        raw,
        raw_cut,
        page,
    })
}

/// `GET /events/{id}/raw`: the raw bounce as a download (never rendered by the browser).
pub async fn event_raw(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    let v = match viewer(&app, &headers, &uri, TokenScope::Read).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let bytes = app
        .blocking(move |store| {
            let Some(event) = store.event(&id)? else { return Ok(None) };
            match event.raw_id {
                Some(raw) => Ok(store.raw(&raw)?),
                None => Ok(None),
            }
        })
        .await;
    match bytes {
        Ok(Some(bytes)) => (
            [
                (header::CONTENT_TYPE, "message/rfc822"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"bounce.eml\""),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => {
            let page = v.page("");
            let message = page.t("event.no_raw");
            error_page(page, StatusCode::NOT_FOUND, message)
        }
        Err(e) => e.into_response(),
    }
}

/// One timeline row with its link.
pub struct TimelineRow {
    /// The event.
    pub item: TimelineItem,
    /// The link to its page.
    pub href: String,
}

/// One audit row with the link to its event, if any.
pub struct AuditLine {
    /// The row.
    pub audit: Audit,
    /// The link to its event.
    pub href: Option<String>,
}

/// The address page.
#[derive(Template)]
#[template(path = "address.html")]
pub struct AddressPage {
    /// The layout.
    pub page: Page,
    /// The address as first received.
    pub address: String,
    /// Its entries, one per scope.
    pub entries: Vec<Suppression>,
    /// The lifecycle state's fields (counters, expiry).
    pub state: Vec<Field>,
    /// Its events.
    pub timeline: Vec<TimelineRow>,
    /// Its audit rows.
    pub audit: Vec<AuditLine>,
    /// The link to the list filtered to it.
    pub list_href: String,
    /// The address as stored, for the remove forms.
    pub raw_address: String,
    /// Whether the viewer may change the list.
    pub can_write: bool,
    /// What was just done (a UI string key), if anything.
    pub notice: Option<&'static str>,
}

fn visible_entry(mut s: Suppression) -> Suppression {
    s.address = visible(&s.address);
    s.description = visible(&s.description);
    s.source = visible(&s.source);
    s.scope = visible(&s.scope);
    s
}

/// `GET /addresses/{address}`.
pub async fn address(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    Path(address): Path<String>,
) -> Response {
    let v = match viewer(&app, &headers, &uri, TokenScope::Read).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let asked = address.clone();
    let report = app
        .blocking(move |store| {
            store.address(&address).map_err(|e| ApiError::from_store(e, "address"))
        })
        .await;
    let page = v.page("");
    let report = match report {
        Ok(Some(r)) => r,
        Ok(None) => {
            let message = format!("{} {}", page.t("address.unknown"), visible(&asked));
            return error_page(page, StatusCode::NOT_FOUND, message);
        }
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            return error_page(page, e.status, visible(&e.message));
        }
        Err(e) => return e.into_response(),
    };
    // The entries are in their own table; times are shown as times.
    let state = match report.state.as_object() {
        Some(map) => map
            .iter()
            .filter(|(k, _)| k.as_str() != "suppressions")
            .map(|(k, v)| {
                let time = k.ends_with("_at") || k.starts_with("last_");
                let value = match v.as_i64() {
                    Some(ts) if time => rfc3339(ts),
                    _ if v.is_null() => "—".to_owned(),
                    _ => text_of(v),
                };
                Field { name: visible(k), value }
            })
            .collect(),
        None => Vec::new(),
    };
    let timeline = report
        .events
        .into_iter()
        .map(|e| {
            let href = format!("/events/{}", url_encode(&e.id));
            let mut item = TimelineItem::from(e);
            item.source = visible(&item.source);
            item.deliverystatus = visible(&item.deliverystatus);
            TimelineRow { item, href }
        })
        .collect();
    let audit = report
        .audit
        .into_iter()
        .map(|a| {
            let href = a.event_id.as_ref().map(|id| format!("/events/{}", url_encode(id)));
            let mut audit = Audit::from(a);
            audit.note = visible(&audit.note);
            audit.actor = visible(&audit.actor);
            AuditLine { audit, href }
        })
        .collect();
    let notice = uri.query().is_some_and(|q| q.split('&').any(|p| p == "done=removed"));
    render(&AddressPage {
        list_href: format!("/suppressions?q={}", url_encode(&report.address)),
        raw_address: report.address.clone(),
        can_write: v.caller.scope >= TokenScope::Write,
        notice: notice.then_some("suppressions.removed"),
        address: visible(&report.address),
        entries: report.suppressions.into_iter().map(|s| visible_entry(s.into())).collect(),
        state,
        timeline,
        audit,
        page,
    })
}

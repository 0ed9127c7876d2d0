//! `GET /v1/alerts`: sender, message and infrastructure alerts; `POST /v1/alerts/{id}/ack`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::views::{Alert, AlertList};
use crate::app::App;
use crate::error::{ApiError, ErrorBody};
use crate::token::TokenScope;

/// `GET /v1/alerts` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// Only alerts still open (default true).
    pub open: Option<bool>,
    /// At most this many, 1 to 1000 (default 100).
    pub limit: Option<i64>,
}

/// Alerts, newest first.
#[utoipa::path(get, path = "/v1/alerts", params(AlertQuery), tag = "alerts",
    responses(
        (status = 200, description = "The alerts", body = AlertList),
        (status = 401, description = "No or bad token", body = ErrorBody),
        (status = 403, description = "The token lacks the read scope", body = ErrorBody),
        (status = 422, description = "An invalid limit", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn list(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    query: Result<Query<AlertQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<AlertList>, ApiError> {
    app.authorize(&headers, TokenScope::Read).await?;
    let Query(query) = query.map_err(|e| ApiError::invalid("query", e.body_text()))?;
    let limit = super::page_limit(query.limit)?;
    let open = query.open.unwrap_or(true);
    let policy = app.policy();
    let rows = app
        .blocking(move |store| {
            store.alerts(open, crate::time::now(), &policy.alerts, limit).map_err(ApiError::from)
        })
        .await?;
    Ok(Json(AlertList { data: rows.into_iter().map(Alert::from).collect() }))
}

/// `POST /v1/alerts/{id}/ack` body.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AckBody {
    /// Why, or what was done about it (required).
    pub note: Option<String>,
}

/// Acknowledges an alert with a note (kept in the audit trail); acknowledging it again changes
/// nothing and answers the alert as it is.
#[utoipa::path(post, path = "/v1/alerts/{id}/ack", tag = "alerts", request_body = AckBody,
    params(("id" = String, Path, description = "The alert id")),
    responses(
        (status = 200, description = "The alert, acknowledged", body = Alert),
        (status = 400, description = "Not JSON", body = ErrorBody),
        (status = 401, description = "No or bad token", body = ErrorBody),
        (status = 403, description = "The token lacks the write scope", body = ErrorBody),
        (status = 404, description = "No such alert", body = ErrorBody),
        (status = 422, description = "No note", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn ack(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Alert>, ApiError> {
    let caller = app.authorize(&headers, TokenScope::Write).await?;
    let body: AckBody = if body.iter().all(u8::is_ascii_whitespace) {
        AckBody::default()
    } else {
        super::json_body(&body)?
    };
    let note = body.note.unwrap_or_default().trim().to_owned();
    if note.is_empty() {
        return Err(ApiError::invalid("note", "a note saying why is required"));
    }
    let shown = id.clone();
    let alert = app
        .blocking(move |store| {
            store.ack_alert(&id, &caller.name, &note, crate::time::now()).map_err(ApiError::from)
        })
        .await?;
    alert
        .map(|a| Json(Alert::from(a)))
        .ok_or_else(|| ApiError::not_found(format!("no alert {shown}")))
}

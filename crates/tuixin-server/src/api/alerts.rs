//! `GET /v1/alerts`: sender, message and infrastructure alerts.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use utoipa::IntoParams;

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

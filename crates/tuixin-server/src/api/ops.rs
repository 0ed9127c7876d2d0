//! Operations: `GET /healthz` (no token), `GET /metrics` (Prometheus text), and the OpenAPI
//! document.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use super::views::Health;
use crate::app::App;
use crate::error::{ApiError, ErrorBody};
use crate::token::TokenScope;

/// The process is up and serving (no token needed).
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Up", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok".to_owned() })
}

/// Prometheus metrics: requests by route and status, latency, events ingested, suppressions by
/// reason.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses(
        (status = 200, description = "Prometheus text format", content_type = "text/plain", body = String),
        (status = 401, description = "No or bad token", body = ErrorBody),
        (status = 403, description = "The token lacks the read scope", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn metrics(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    app.authorize(&headers, TokenScope::Read).await?;
    let by_reason =
        app.blocking(|store| store.suppressions_by_reason().map_err(ApiError::from)).await?;
    // Reasons whose entries are all gone read 0, not their last count.
    for reason in
        ["hard_bounce", "soft_bounce_threshold", "complaint", "unsubscribe", "manual", "provider"]
    {
        metrics::gauge!("tuixin_suppressions", "reason" => reason).set(0.0);
    }
    for (reason, n) in by_reason {
        metrics::gauge!("tuixin_suppressions", "reason" => reason).set(n as f64);
    }
    let text = crate::telemetry::render();
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
}

/// This API's OpenAPI 3.1 document.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "operations",
    responses(
        (status = 200, description = "The OpenAPI document", body = Object),
        (status = 401, description = "No or bad token", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn openapi(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Json<utoipa::openapi::OpenApi>, ApiError> {
    app.authorize(&headers, TokenScope::Check).await?;
    Ok(Json(crate::openapi::document()))
}

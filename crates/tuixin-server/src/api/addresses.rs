//! `GET /v1/addresses/{address}`: one address's state, entries, timeline and audit trail.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;

use super::views::{AddressView, Audit, Suppression, TimelineItem};
use crate::app::App;
use crate::error::{ApiError, ErrorBody};
use crate::token::TokenScope;

/// Everything known of one address: 404 when it was never seen.
#[utoipa::path(get, path = "/v1/addresses/{address}", tag = "addresses",
    params(("address" = String, Path, description = "The address")),
    responses(
        (status = 200, description = "The address", body = AddressView),
        (status = 401, description = "No or bad token", body = ErrorBody),
        (status = 403, description = "The token lacks the read scope", body = ErrorBody),
        (status = 404, description = "Never seen", body = ErrorBody),
        (status = 422, description = "Invalid address", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn get_one(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(address): Path<String>,
) -> Result<Json<AddressView>, ApiError> {
    app.authorize(&headers, TokenScope::Read).await?;
    tuixin_store::address_key(&address).map_err(|e| ApiError::from_store(e, "address"))?;
    let shown = address.clone();
    let report = app.blocking(move |store| store.address(&address).map_err(ApiError::from)).await?;
    let report = report.ok_or_else(|| ApiError::not_found(format!("{shown} was never seen")))?;
    Ok(Json(AddressView {
        key: report.key,
        address: report.address,
        allowed: report.suppressions.is_empty(),
        state: report.state,
        suppressions: report.suppressions.into_iter().map(Suppression::from).collect(),
        timeline: report.events.into_iter().map(TimelineItem::from).collect(),
        audit: report.audit.into_iter().map(Audit::from).collect(),
    }))
}

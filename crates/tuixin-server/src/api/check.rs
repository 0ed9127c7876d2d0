//! `GET /v1/check` and `POST /v1/check`: may I send to these addresses?

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::views::{CheckResult, CheckResults};
use crate::app::App;
use crate::error::{ApiError, ErrorBody};
use crate::token::TokenScope;

/// Addresses one batch check may ask about.
pub const MAX_BATCH: usize = 1000;

/// `GET /v1/check` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckQuery {
    /// The address to check.
    pub address: String,
    /// The kind of mail: `all` (default), `transactional`, `marketing`, or a stream.
    pub scope: Option<String>,
}

/// `POST /v1/check` body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CheckBatch {
    /// Up to 1000 addresses.
    pub addresses: Vec<String>,
    /// The kind of mail: `all` (default), `transactional`, `marketing`, or a stream.
    pub scope: Option<String>,
}

async fn run(
    app: &App,
    addresses: Vec<String>,
    scope: String,
    field: &'static str,
) -> Result<Vec<CheckResult>, ApiError> {
    if !tuixin_store::valid_scope(&scope) {
        return Err(ApiError::invalid("scope", format!("invalid scope {scope:?}")));
    }
    // Name the first invalid address precisely (its index in a batch).
    for (i, address) in addresses.iter().enumerate() {
        if let Err(e) = tuixin_store::address_key(address) {
            let at = if field == "address" { field.to_owned() } else { format!("{field}[{i}]") };
            return Err(ApiError::from_store(e, &at));
        }
    }
    let now = crate::time::now();
    let outcomes = if app.store.is_postgres() {
        app.blocking(move |store| store.check(&addresses, &scope, now).map_err(ApiError::from))
            .await?
    } else {
        // A SQLite lookup is an index probe or two in the page cache, and a WAL reader never
        // waits for the writer: run here, it costs microseconds, where handing it to a
        // blocking thread and back cost more than the lookup (measured: 21,000 -> 28,000
        // checks/s, p99 6.1 -> 4-5 ms; BENCHMARKS.md).
        app.store.check(&addresses, &scope, now).map_err(ApiError::from)?
    };
    Ok(outcomes.into_iter().map(CheckResult::from).collect())
}

/// May I send to this address? Always 200 for a valid address: `allowed`, and why not.
#[utoipa::path(get, path = "/v1/check", params(CheckQuery), tag = "check",
    responses(
        (status = 200, description = "The answer", body = CheckResult),
        (status = 401, description = "No or bad token", body = ErrorBody),
        (status = 422, description = "Invalid address or scope", body = ErrorBody),
        (status = 503, description = "Store unavailable; retry after Retry-After", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn check_one(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    query: Result<Query<CheckQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<CheckResult>, ApiError> {
    app.authorize(&headers, TokenScope::Check).await?;
    let Query(query) = query.map_err(|e| ApiError::invalid("address", e.body_text()))?;
    let scope = query.scope.unwrap_or_else(|| "all".to_owned());
    let mut results = run(&app, vec![query.address], scope, "address").await?;
    results.pop().map(Json).ok_or_else(|| ApiError::internal("no answer"))
}

/// May I send to these addresses? Up to 1000 at once, answered in order.
#[utoipa::path(post, path = "/v1/check", request_body = CheckBatch, tag = "check",
    responses(
        (status = 200, description = "One answer per address", body = CheckResults),
        (status = 400, description = "Not JSON", body = ErrorBody),
        (status = 401, description = "No or bad token", body = ErrorBody),
        (status = 422, description = "An invalid address or scope, or more than 1000 addresses", body = ErrorBody),
        (status = 503, description = "Store unavailable; retry after Retry-After", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn check_batch(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<CheckResults>, ApiError> {
    app.authorize(&headers, TokenScope::Check).await?;
    let batch: CheckBatch = super::json_body(&body)?;
    if batch.addresses.len() > MAX_BATCH {
        return Err(ApiError::invalid(
            "addresses",
            format!("at most {MAX_BATCH} addresses per call, not {}", batch.addresses.len()),
        ));
    }
    let scope = batch.scope.unwrap_or_else(|| "all".to_owned());
    let results = run(&app, batch.addresses, scope, "addresses").await?;
    Ok(Json(CheckResults { results }))
}

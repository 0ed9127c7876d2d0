//! `GET/PUT /v1/policy`: the lifecycle knobs in force; a new policy is checked like `tuixin
//! policy check`, kept in the store and used from the next request on.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use tuixin::lifecycle::Policy;

use crate::app::{App, POLICY_SETTING};
use crate::error::{ApiError, ErrorBody};
use crate::token::TokenScope;

fn as_json(policy: &Policy) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(policy).map_err(|e| ApiError::internal(e.to_string()))
}

/// The policy in force, as JSON.
#[utoipa::path(get, path = "/v1/policy", tag = "policy",
    responses(
        (status = 200, description = "The policy", body = Object),
        (status = 401, description = "No or bad token", body = ErrorBody),
        (status = 403, description = "The token lacks the read scope", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn get(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    app.authorize(&headers, TokenScope::Read).await?;
    Ok(Json(as_json(&app.policy())?))
}

/// Sets the policy: JSON (or TOML with `Content-Type: application/toml`) holding only the
/// fields it changes, laid over the built-in policy; the policy now in force is answered.
#[utoipa::path(put, path = "/v1/policy", tag = "policy",
    request_body(content = Object, content_type = "application/json"),
    responses(
        (status = 200, description = "The policy now in force", body = Object),
        (status = 400, description = "Not JSON (or TOML)", body = ErrorBody),
        (status = 401, description = "No or bad token", body = ErrorBody),
        (status = 403, description = "The token lacks the admin scope", body = ErrorBody),
        (status = 422, description = "Not a valid policy", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn put(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let caller = app.authorize(&headers, TokenScope::Admin).await?;
    let is_toml = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("toml"));
    let text = if is_toml {
        String::from_utf8(body.to_vec())
            .map_err(|_| ApiError::malformed("the TOML body is not UTF-8"))?
    } else {
        let value: toml::Value = super::json_body(&body)?;
        if !value.is_table() {
            return Err(ApiError::invalid("body", "the policy must be a JSON object"));
        }
        toml::to_string(&value).map_err(|e| ApiError::invalid("body", e.to_string()))?
    };
    let policy = Policy::from_toml(&text).map_err(|e| ApiError::invalid("body", e.to_string()))?;
    let kept = policy.to_toml();
    app.blocking(move |store| store.set_setting(POLICY_SETTING, &kept).map_err(ApiError::from))
        .await?;
    tracing::info!(actor = %caller.name, "policy changed");
    let answer = as_json(&policy)?;
    *app.policy.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(policy);
    Ok(Json(answer))
}

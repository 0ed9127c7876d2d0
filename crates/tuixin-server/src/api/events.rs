//! Events: the list with cursor paging, one event, and the raw bounce it came from.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tuixin_store::EventFilter;
use utoipa::IntoParams;

use super::views::{Event, EventPage};
use crate::app::App;
use crate::error::{ApiError, ErrorBody};
use crate::token::TokenScope;

/// `GET /v1/events` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Only this address (any spelling of it).
    pub address: Option<String>,
    /// Only this reason (`userunknown`, ...).
    pub reason: Option<String>,
    /// Only this category (`recipient`, `sender`, ...).
    pub category: Option<String>,
    /// Events at or after this time (RFC 3339).
    pub since: Option<String>,
    /// Events before this time (RFC 3339).
    pub until: Option<String>,
    /// Only recipients holding this text (any case): part of an address or of a domain.
    pub q: Option<String>,
    /// Events per page, 1 to 1000 (default 100).
    pub limit: Option<i64>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// Lists events, oldest received first, a page at a time.
#[utoipa::path(get, path = "/v1/events", params(EventQuery), tag = "events",
    responses(
        (status = 200, description = "A page of events", body = EventPage),
        (status = 400, description = "A cursor this API did not give", body = ErrorBody),
        (status = 401, description = "No or bad token", body = ErrorBody),
        (status = 403, description = "The token lacks the read scope", body = ErrorBody),
        (status = 422, description = "An invalid filter or limit", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn list(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    query: Result<Query<EventQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<EventPage>, ApiError> {
    app.authorize(&headers, TokenScope::Read).await?;
    let Query(query) = query.map_err(|e| ApiError::invalid("query", e.body_text()))?;
    if let Some(address) = &query.address {
        tuixin_store::address_key(address).map_err(|e| ApiError::from_store(e, "address"))?;
    }
    let limit = super::page_limit(query.limit)?;
    if query.q.as_deref().is_some_and(|q| q.len() > 320) {
        return Err(ApiError::invalid("q", "q may have at most 320 bytes"));
    }
    let filter = EventFilter {
        address: query.address.clone(),
        reason: query.reason.clone(),
        category: query.category.clone(),
        since: super::time_param(query.since.as_deref(), "since")?,
        until: super::time_param(query.until.as_deref(), "until")?,
        q: query.q.clone().filter(|q| !q.trim().is_empty()),
        after: query.cursor.as_deref().map(super::decode_cursor::<(i64, String)>).transpose()?,
        limit: Some(limit + 1),
    };
    let mut rows = app.blocking(move |store| store.events(&filter).map_err(ApiError::from)).await?;
    let next_cursor = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|r| super::encode_cursor(&(r.received_at, &r.id)))
    } else {
        None
    };
    Ok(Json(EventPage { data: rows.into_iter().map(Event::from).collect(), next_cursor }))
}

/// One event: its record and provenance.
#[utoipa::path(get, path = "/v1/events/{id}", tag = "events",
    params(("id" = String, Path, description = "The event id")),
    responses(
        (status = 200, description = "The event", body = Event),
        (status = 401, description = "No or bad token", body = ErrorBody),
        (status = 403, description = "The token lacks the read scope", body = ErrorBody),
        (status = 404, description = "No such event", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn get_one(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Event>, ApiError> {
    app.authorize(&headers, TokenScope::Read).await?;
    let shown = id.clone();
    let row = app.blocking(move |store| store.event(&id).map_err(ApiError::from)).await?;
    row.map(|r| Json(r.into())).ok_or_else(|| ApiError::not_found(format!("no event {shown}")))
}

/// The raw input an event came from (the bounce message as received), while it is kept.
#[utoipa::path(get, path = "/v1/events/{id}/raw", tag = "events",
    params(("id" = String, Path, description = "The event id")),
    responses(
        (status = 200, description = "The raw bounce", content_type = "message/rfc822", body = String),
        (status = 401, description = "No or bad token", body = ErrorBody),
        (status = 403, description = "The token lacks the read scope", body = ErrorBody),
        (status = 404, description = "No such event, or its raw input was pruned", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn raw(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    app.authorize(&headers, TokenScope::Read).await?;
    let shown = id.clone();
    let bytes = app
        .blocking(move |store| {
            let Some(event) = store.event(&id)? else { return Ok(None) };
            match event.raw_id {
                Some(raw) => Ok(store.raw(&raw)?),
                None => Ok(None),
            }
        })
        .await?;
    let bytes =
        bytes.ok_or_else(|| ApiError::not_found(format!("no raw input kept for event {shown}")))?;
    // Served as an attachment in its own type, so no browser renders hostile bounce HTML.
    Ok((
        [
            (header::CONTENT_TYPE, "message/rfc822"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"bounce.eml\""),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        bytes,
    )
        .into_response())
}

//! The frame's own page: the language switch (the overview is `overview.rs`).

use axum::extract::Query;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{Lang, local_path};

/// `GET /lang` query.
#[derive(Debug, Deserialize)]
pub struct SwitchQuery {
    /// The language to switch to (`en`, `zh`).
    pub to: Option<String>,
    /// The local path to go back to.
    pub back: Option<String>,
}

/// `GET /lang?to=zh&back=/suppressions`: keeps the choice in the `lang` cookie and goes back
/// (only to a path on this site).
pub async fn switch_language(headers: HeaderMap, Query(q): Query<SwitchQuery>) -> Response {
    let lang =
        q.to.as_deref().and_then(Lang::from_tag).unwrap_or_else(|| Lang::of_request(&headers));
    let back = q.back.filter(|b| local_path(b)).unwrap_or_else(|| "/".to_owned());
    let cookie = format!("lang={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.tag());
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, back)]).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

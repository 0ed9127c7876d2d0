//! The frame's own pages: the overview placeholder (helper "stats" draws the real one) and
//! the language switch.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::auth::viewer;
use super::{Lang, Page, local_path, render};
use crate::app::App;
use crate::token::TokenScope;

/// The overview page (a placeholder until the health figures are drawn).
#[derive(Template)]
#[template(path = "overview.html")]
pub struct OverviewPage {
    /// The layout.
    pub page: Page,
}

/// `GET /`: the overview.
pub async fn overview(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri) -> Response {
    match viewer(&app, &headers, &uri, TokenScope::Read).await {
        Ok(v) => render(&OverviewPage { page: v.page("overview") }),
        Err(response) => response,
    }
}

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

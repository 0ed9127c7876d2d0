//! `/alerts`: the open alerts and the recent ones, as the API lists them.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};

use super::auth::viewer;
use super::{Page, render, visible};
use crate::api::views::Alert;
use crate::app::App;
use crate::error::ApiError;
use crate::token::TokenScope;

/// Alerts listed in each table at most.
const SHOWN: usize = 200;

/// The alerts page.
#[derive(Template)]
#[template(path = "alerts.html")]
pub struct AlertsPage {
    /// The layout.
    pub page: Page,
    /// Alerts open now.
    pub open: Vec<Alert>,
    /// Every alert, newest first (open and closed).
    pub all: Vec<Alert>,
}

/// `GET /alerts`.
pub async fn alerts(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri) -> Response {
    let v = match viewer(&app, &headers, &uri, TokenScope::Read).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let policy = app.policy();
    let result = app
        .blocking(move |store| {
            let now = crate::time::now();
            let open = store.alerts(true, now, &policy.alerts, SHOWN)?;
            let all = store.alerts(false, now, &policy.alerts, SHOWN)?;
            Ok::<_, ApiError>((open, all))
        })
        .await;
    let shown = |a: tuixin_store::AlertRow| {
        let mut a = Alert::from(a);
        a.key = visible(&a.key);
        a
    };
    match result {
        Ok((open, all)) => render(&AlertsPage {
            page: v.page("alerts"),
            open: open.into_iter().map(shown).collect(),
            all: all.into_iter().map(shown).collect(),
        }),
        Err(e) => e.into_response(),
    }
}

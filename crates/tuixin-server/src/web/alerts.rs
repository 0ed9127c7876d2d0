//! `/alerts`: the open alerts and the recent ones, as the API lists them.

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::auth::{check_csrf, viewer};
use super::{Page, error_page, render, visible};
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
    /// Whether the viewer may acknowledge alerts (a `write` token).
    pub can_ack: bool,
    /// What the last form did (a UI string key), if anything.
    pub notice: Option<&'static str>,
}

/// `GET /alerts` query: what the form that led here did.
#[derive(Debug, Default, Deserialize)]
pub struct AlertsQuery {
    /// `acked` after an acknowledgement.
    #[serde(default)]
    pub done: String,
}

/// `POST /alerts/ack` form.
#[derive(Debug, Default, Deserialize)]
pub struct AckForm {
    /// The alert's id.
    #[serde(default)]
    pub id: String,
    /// Why it is acknowledged (required).
    #[serde(default)]
    pub note: String,
    /// The form's CSRF token.
    #[serde(default)]
    pub csrf: String,
}

/// `POST /alerts/ack`: acknowledges an alert with a note, as `POST /v1/alerts/{id}/ack` does,
/// then back to the alerts.
pub async fn ack(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    form: Result<Form<AckForm>, FormRejection>,
) -> Response {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let v = match viewer(&app, &headers, &uri, TokenScope::Write).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    if let Err(response) = check_csrf(&v, &form.csrf) {
        return response;
    }
    let page = v.page("alerts");
    let note = form.note.trim().to_owned();
    if note.is_empty() {
        let text = page.t("alerts.note_needed").to_owned();
        return error_page(page, StatusCode::UNPROCESSABLE_ENTITY, text);
    }
    let actor = v.caller.name.clone();
    let id = form.id.clone();
    let done = app
        .blocking(move |store| {
            store.ack_alert(&id, &actor, &note, crate::time::now()).map_err(ApiError::from)
        })
        .await;
    match done {
        Ok(Some(_)) => {
            (StatusCode::SEE_OTHER, [(header::LOCATION, "/alerts?done=acked")]).into_response()
        }
        Ok(None) => {
            let text = format!("{} ({})", page.t("alerts.not_found"), visible(&form.id));
            error_page(page, StatusCode::NOT_FOUND, text)
        }
        Err(e) => e.into_response(),
    }
}

/// `GET /alerts`.
pub async fn alerts(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    Query(query): Query<AlertsQuery>,
) -> Response {
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
            can_ack: v.caller.scope >= TokenScope::Write,
            notice: (query.done == "acked").then_some("alerts.acked"),
        }),
        Err(e) => e.into_response(),
    }
}

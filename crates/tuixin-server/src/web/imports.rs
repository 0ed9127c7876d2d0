//! Imports from the page: `POST /suppressions/import` takes a CSV or JSONL file from a form
//! and starts the same background job as `POST /v1/imports`; `/imports/{id}` shows how it goes
//! and the rows it refused.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::auth::{check_csrf, viewer};
use super::{Page, error_page, render, visible};
use crate::api::imports::{ImportJobView, spool, start};
use crate::app::App;
use crate::error::ApiError;
use crate::token::TokenScope;

/// An import job's page.
#[derive(Template)]
#[template(path = "import.html")]
pub struct ImportPage {
    /// The layout.
    pub page: Page,
    /// The job, its failures' words made visible.
    pub job: ImportJobView,
    /// Whether it is still queued or running (the page then reloads itself).
    pub running: bool,
}

/// `POST /suppressions/import`: a multipart form with `csrf` and `file` (in that order).
pub async fn upload(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    mut form: Multipart,
) -> Response {
    let v = match viewer(&app, &headers, &uri, TokenScope::Write).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let mut csrf = String::new();
    let mut file = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                return ApiError::malformed(format!("the form broke off: {e}")).into_response();
            }
        };
        match field.name() {
            Some("csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("file") => {
                // The form token comes first: nothing is kept for a form without it.
                if let Err(response) = check_csrf(&v, &csrf) {
                    return response;
                }
                match spool(field, app.settings.max_import_bytes).await {
                    Ok(f) => file = Some(f),
                    Err(e) => return e.into_response(),
                }
            }
            _ => {}
        }
    }
    if let Err(response) = check_csrf(&v, &csrf) {
        return response;
    }
    let Some(file) = file else {
        let page = v.page("suppressions");
        let text = page.t("imports.no_file").to_owned();
        return error_page(page, StatusCode::UNPROCESSABLE_ENTITY, text);
    };
    match start(&app, &v.caller.name, file).await {
        Ok(job) => (StatusCode::SEE_OTHER, [(header::LOCATION, format!("/imports/{}", job.id))])
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /imports/{id}`: the job's status, counts and refused rows.
pub async fn job(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    let v = match viewer(&app, &headers, &uri, TokenScope::Read).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let key = id.clone();
    let found = app.blocking(move |store| store.import_job(&key).map_err(ApiError::from)).await;
    let page: Page = v.page("suppressions");
    match found {
        Ok(Some(job)) => {
            let mut job = ImportJobView::from(job);
            for failure in &mut job.failures {
                failure.error = visible(&failure.error);
            }
            job.error = job.error.as_deref().map(visible);
            let running = matches!(job.status.as_str(), "queued" | "running");
            render(&ImportPage { page, job, running })
        }
        Ok(None) => {
            let text = format!("{} ({})", page.t("imports.not_found"), visible(&id));
            error_page(page, StatusCode::NOT_FOUND, text)
        }
        Err(e) => e.into_response(),
    }
}

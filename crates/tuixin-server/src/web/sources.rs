//! `/sources`: the ingestion health of each source, as `GET /v1/stats/sources` gives it, with
//! a status per source (failing inputs in the last day, quiet for a day, or ok).

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};

use super::auth::viewer;
use super::{Page, render, visible};
use crate::api::stats::SourceStatus;
use crate::app::App;
use crate::error::ApiError;
use crate::token::TokenScope;

/// One source's row.
pub struct SourceRow {
    /// Its health, texts made visible.
    pub health: SourceStatus,
    /// `failing`, `quiet` or `ok`.
    pub status: &'static str,
}

/// The sources page.
#[derive(Template)]
#[template(path = "sources.html")]
pub struct SourcesPage {
    /// The layout.
    pub page: Page,
    /// Every source, by name.
    pub sources: Vec<SourceRow>,
}

/// A source's status: failing when an input failed in the last day, quiet when no event came
/// in it, else ok.
pub fn status_of(health: &SourceStatus) -> &'static str {
    if health.failures_24h > 0 {
        "failing"
    } else if health.events_24h == 0 {
        "quiet"
    } else {
        "ok"
    }
}

/// `GET /sources`.
pub async fn sources(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri) -> Response {
    let v = match viewer(&app, &headers, &uri, TokenScope::Read).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let rows =
        app.blocking(|store| store.stats_sources(crate::time::now()).map_err(ApiError::from)).await;
    match rows {
        Ok(rows) => render(&SourcesPage {
            page: v.page("sources"),
            sources: rows
                .into_iter()
                .map(|row| {
                    let mut health = SourceStatus::from(row);
                    health.source = visible(&health.source);
                    if let Some(f) = &mut health.last_failure {
                        f.origin = visible(&f.origin);
                        f.error = visible(&f.error);
                    }
                    SourceRow { status: status_of(&health), health }
                })
                .collect(),
        }),
        Err(e) => e.into_response(),
    }
}

//! `tuixin serve`: the HTTP API v1 over the bounce store. Senders ask it "may I mail this
//! address?", people and scripts read and change the suppression list, upload bounces, read
//! events, set the policy. Every route but `/healthz` needs a bearer token.
//!
//! The store is synchronous; every store call runs on tokio's blocking threads.

pub mod api;
pub mod app;
pub mod error;
pub mod openapi;
pub mod rate;
pub mod svg;
pub mod telemetry;
pub mod time;
pub mod token;
pub mod web;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use tokio::net::TcpListener;

pub use app::{App, Settings};
pub use error::ApiError;

/// The API's routes over the shared state, with the limits and the request tracking.
pub fn router(app: Arc<App>) -> Router {
    use api::*;
    let limit = app.settings.max_body_bytes;
    let timeout = app.settings.request_timeout;
    let concurrent = app.settings.max_concurrent;
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .route("/v1/openapi.json", get(ops::openapi))
        .route("/v1/check", get(check::check_one).post(check::check_batch))
        .route("/v1/suppressions", get(suppressions::list))
        .route("/v1/suppressions/batch", post(suppressions::batch))
        .route(
            "/v1/suppressions/{address}",
            get(suppressions::get_one).put(suppressions::put_one).delete(suppressions::delete_one),
        )
        .route("/v1/events", get(events::list))
        .route("/v1/events/{id}", get(events::get_one))
        .route("/v1/events/{id}/raw", get(events::raw))
        .route("/v1/addresses/{address}", get(addresses::get_one))
        .route("/v1/ingest/messages", post(ingest::messages_handler))
        .route("/v1/policy", get(policy::get).put(policy::put))
        .route("/v1/alerts", get(alerts::list))
        // Statistics (helper "stats").
        .route("/v1/stats/summary", get(stats::summary))
        .route("/v1/stats/timeseries", get(stats::timeseries))
        .route("/v1/stats/sources", get(stats::sources))
        // The web page (helper "web"): its own routes, with the page security headers.
        .merge(web::routes())
        .fallback(|| async { ApiError::not_found("no such route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not take that method",
            )
        })
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn(telemetry::track))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(tower::limit::ConcurrencyLimitLayer::new(concurrent))
        .with_state(app)
}

/// Serves the API on `listener` until `shutdown` resolves; then stops accepting, lets the
/// requests in flight finish, and returns.
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    telemetry::install();
    if let Some(handle) = telemetry::install() {
        let handle = handle.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
            loop {
                tick.tick().await;
                handle.run_upkeep();
            }
        });
    }
    axum::serve(listener, router(app)).with_graceful_shutdown(shutdown).await
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: no new connections; finishing requests in flight");
}

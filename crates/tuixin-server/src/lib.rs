//! `tuixin serve`: the HTTP API v1 over the bounce store. Senders ask it "may I mail this
//! address?", people and scripts read and change the suppression list, upload bounces, read
//! events, set the policy. Every route but `/healthz` needs a bearer token.
//!
//! The store is synchronous; every store call runs on tokio's blocking threads.

pub mod api;
pub mod app;
pub mod commit;
pub mod error;
pub mod imap;
pub mod import;
pub mod openapi;
pub mod rate;
pub mod smtp;
pub mod svg;
pub mod telemetry;
pub mod time;
pub mod token;
pub mod web;
pub mod webhooks;

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
    let max_uri = app.settings.max_uri_bytes;
    let max_head = app.settings.max_header_bytes;
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
        .route("/v1/ingest/logs", post(logs::logs_handler))
        .route("/v1/webhooks/{provider}", post(crate::webhooks::receive::receive))
        .route("/v1/policy", get(policy::get).put(policy::put))
        .route("/v1/alerts", get(alerts::list))
        // Import jobs (helper "api").
        .route("/v1/imports", post(imports::create))
        .route("/v1/imports/{id}", get(imports::get_one))
        // Alert acknowledgement (helper "api").
        .route("/v1/alerts/{id}/ack", post(alerts::ack))
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
        .layer(axum::middleware::from_fn(move |request, next| {
            head_bounds(max_uri, max_head, request, next)
        }))
        .layer(axum::middleware::from_fn(telemetry::track))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(axum::middleware::from_fn(json_errors))
        .layer(tower::limit::ConcurrencyLimitLayer::new(concurrent))
        .with_state(app)
}

/// Serves the API on `listener` until `shutdown` resolves; then stops accepting, lets the
/// requests in flight finish, and returns. A connection that sends no complete request head
/// within the header read timeout (idle, or slow on purpose) is closed; at most
/// `max_connections` are open at once.
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto;

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
    let settings = app.settings.clone();
    let upkeep = tokio::spawn(upkeep(app.clone()));
    let service = hyper_util::service::TowerToHyperService::new(router(app));
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout)
        .max_buf_size(settings.max_header_bytes.max(8192));
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(u32::try_from(settings.max_header_bytes).unwrap_or(u32::MAX))
        .keep_alive_interval(settings.header_read_timeout)
        .keep_alive_timeout(settings.header_read_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(settings.max_connections.max(1)));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = shutdown.as_mut() => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = shutdown.as_mut() => break,
        };
        let _ = stream.set_nodelay(true);
        let (builder, service, watcher) = (builder.clone(), service.clone(), graceful.watcher());
        let wait = settings.header_read_timeout;
        tokio::spawn(async move {
            // The protocol is told by the first bytes, before HTTP/1's header read timeout
            // starts: a connection that sends nothing at all is closed here.
            let mut first = [0u8; 1];
            if !matches!(tokio::time::timeout(wait, stream.peek(&mut first)).await, Ok(Ok(1..))) {
                drop(slot);
                return;
            }
            let connection =
                builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned();
            if let Err(e) = watcher.watch(connection).await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    upkeep.abort();
    graceful.shutdown().await;
    Ok(())
}

/// Runs the store's upkeep every `upkeep_interval` (the first round at once); a round that
/// fails (the store unavailable) is logged and the next one tried in its turn.
async fn upkeep(app: Arc<App>) {
    let mut tick = tokio::time::interval(app.settings.upkeep_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let round = app.clone();
        match tokio::task::spawn_blocking(move || round.upkeep()).await {
            Ok(Ok(done)) if done != app::Upkeep::default() => tracing::info!(
                lifted = done.lifted,
                raw_pruned = done.pruned,
                import_jobs_failed = done.failed_jobs,
                "upkeep"
            ),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "upkeep failed; trying again next round"),
            Err(e) => tracing::warn!(error = %e, "upkeep stopped"),
        }
    }
}

/// Gives an error answer made outside the handlers (an extractor's rejection, the request
/// timeout) the API's JSON shape, keeping its status and words.
async fn json_errors(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let response = next.run(request).await;
    let status = response.status();
    // Only bare errors (axum's and tower's plain-text rejections) are rewritten; a JSON error
    // or a web page's HTML error page is already what its caller reads.
    let bare = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !bare {
        return response;
    }
    let code = match status {
        StatusCode::BAD_REQUEST => "malformed",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal",
        _ => "error",
    };
    let retry_after = response.headers().get(axum::http::header::RETRY_AFTER).cloned();
    let words = axum::body::to_bytes(response.into_body(), 4096).await.unwrap_or_default();
    let words = String::from_utf8_lossy(&words).trim().to_owned();
    let message = if words.is_empty() {
        status.canonical_reason().unwrap_or("error").to_owned()
    } else {
        words
    };
    let mut response = ApiError::new(status, code, message).into_response();
    if let Some(value) = retry_after {
        response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
    }
    response
}

/// 414 for a request whose URI is longer than `max_uri` bytes, 431 for one whose headers
/// have more than `max_head` bytes (hyper's read buffer, set to the same size, cuts off a head
/// much larger than that before it is parsed).
async fn head_bounds(
    max_uri: usize,
    max_head: usize,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let length = request.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if length > max_uri {
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("the request's URI has {length} bytes; at most {max_uri} are taken"),
        )
        .into_response();
    }
    let head: usize =
        request.headers().iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum();
    if head > max_head {
        return ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            format!("the request's headers have {head} bytes; at most {max_head} are taken"),
        )
        .into_response();
    }
    next.run(request).await
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

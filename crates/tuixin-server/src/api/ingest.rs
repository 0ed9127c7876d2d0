//! `POST /v1/ingest/messages`: bounce mail uploaded as one message (`message/rfc822`) or an mbox
//! (`application/mbox`), decoded (on every core) and stored in one transaction before the 200.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use rayon::prelude::*;
use tuixin::{Classifier, Decoder};
use tuixin_store::{FailedInput, Input};

use super::views::{IngestFailure, IngestResult};
use crate::app::App;
use crate::error::{ApiError, ErrorBody};
use crate::token::TokenScope;

/// Splits an upload into messages by its content type.
fn messages(body: &[u8], content_type: &str) -> Result<Vec<Vec<u8>>, ApiError> {
    let kind = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match kind.as_str() {
        "" | "message/rfc822" | "message/global" | "application/octet-stream" | "text/plain" => {
            Ok(vec![body.to_vec()])
        }
        "application/mbox" => {
            let reader = std::io::Cursor::new(body);
            let out: Vec<Vec<u8>> = mail_parser::mailbox::mbox::MessageIterator::new(reader)
                .filter_map(Result::ok)
                .map(|m| m.unwrap_contents())
                .collect();
            if out.is_empty() && !body.is_empty() {
                return Err(ApiError::malformed(
                    "the mbox holds no message (no line starts with \"From \")",
                ));
            }
            Ok(out)
        }
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("send message/rfc822 or application/mbox, not {kind}"),
        )),
    }
}

/// Stores bounce mail: each message is decoded into records, and the messages with their
/// records go into the store in one transaction (the same bounce again changes nothing).
#[utoipa::path(post, path = "/v1/ingest/messages", tag = "ingest",
    request_body(description = "One bounce message, or an mbox of them", content((String = "message/rfc822"), (String = "application/mbox"))),
    responses(
        (status = 200, description = "What was stored", body = IngestResult),
        (status = 400, description = "An mbox with no message", body = ErrorBody),
        (status = 401, description = "No or bad token", body = ErrorBody),
        (status = 403, description = "The token lacks the write scope", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 415, description = "Neither message/rfc822 nor application/mbox", body = ErrorBody),
        (status = 503, description = "Store unavailable: nothing stored; retry after Retry-After", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn messages_handler(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<IngestResult>, ApiError> {
    app.authorize(&headers, TokenScope::Write).await?;
    let body = body.map_err(|e| ApiError::body(&e, app.settings.max_body_bytes))?;
    let content_type =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let messages = messages(&body, content_type)?;
    let policy = app.policy();
    let (summary, failures) = app
        .blocking(move |store| {
            let decoder = Decoder::new(Classifier::builtin());
            let now = crate::time::now();
            let mut inputs = Vec::with_capacity(messages.len());
            let mut failures = Vec::new();
            let count = messages.len();
            // An upload of many messages is decoded (and each hashed and compressed for the
            // store) on every core (rayon's pool), in order.
            let work = |raw: &Vec<u8>| (decoder.decode(raw), tuixin_store::PackedRaw::new(raw));
            let decoded: Vec<_> = if count > 1 {
                messages.par_iter().map(work).collect()
            } else {
                messages.iter().map(work).collect()
            };
            for (i, (raw, (decoded, packed))) in messages.into_iter().zip(decoded).enumerate() {
                match decoded {
                    Ok(records) => inputs.push(Input {
                        raw,
                        records,
                        source: "http".to_owned(),
                        origin: format!("upload message {}/{count}", i + 1),
                        received_at: now,
                        packed: Some(packed),
                    }),
                    Err(e) => failures.push(IngestFailure { message: i + 1, error: e.to_string() }),
                }
            }
            // The messages that gave no event, for the source's ingestion health.
            let failed: Vec<FailedInput> = failures
                .iter()
                .map(|f| FailedInput {
                    source: "http".to_owned(),
                    origin: format!("upload message {}/{count}", f.message),
                    received_at: now,
                    error: f.error.clone(),
                })
                .collect();
            let summary =
                store.ingest_reporting(&inputs, &failed, &policy, now).map_err(ApiError::from)?;
            Ok((summary, failures))
        })
        .await?;
    metrics::counter!("tuixin_events_ingested_total").increment(summary.new_events as u64);
    Ok(Json(IngestResult {
        messages: summary.inputs + failures.len(),
        records: summary.records,
        new_events: summary.new_events,
        duplicates: summary.duplicates,
        invalid_addresses: summary.invalid_addresses,
        suppressions_added: summary.suppressions_added,
        suppressions_lifted: summary.suppressions_lifted,
        alerts_opened: summary.alerts_opened,
        failures,
    }))
}

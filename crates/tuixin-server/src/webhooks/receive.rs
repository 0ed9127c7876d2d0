//! The webhook handler: find the provider's webhook, check the call its way, read the payload
//! into records, store them, answer what was stored.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::Serialize;
use serde_json::Value;
use tuixin::Classifier;
use tuixin::esp::{Provider, read_payload};
use tuixin_store::{FailedInput, Input};
use utoipa::ToSchema;

use super::Webhook;
use super::sns::Envelope;
use super::verify::{self, Refused};
use crate::app::App;
use crate::error::{ApiError, ErrorBody};

/// Unreadable events listed in an answer at most (all are counted).
const LISTED_ERRORS: usize = 100;

/// Seconds between two refusals of one provider written to the store as ingestion failures
/// (so a flood of forged calls cannot fill it); every refusal is counted in the metrics.
const REFUSAL_RECORD_INTERVAL: i64 = 10;

/// What a webhook call did.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookResult {
    /// The provider.
    pub provider: String,
    /// Events in the payload that gave records.
    pub events: usize,
    /// Records read from them (one per recipient).
    pub records: usize,
    /// Events stored for the first time.
    pub new_events: usize,
    /// Records already stored (a redelivered call).
    pub duplicates: usize,
    /// Suppression entries added.
    pub suppressions_added: usize,
    /// Suppression entries lifted.
    pub suppressions_lifted: usize,
    /// Events of no interest here (opens, clicks, ...).
    pub ignored: usize,
    /// Events that looked like results but could not be read.
    pub unreadable: usize,
    /// The first of those, by position in the payload.
    pub errors: Vec<WebhookItemError>,
}

/// An event of the payload that could not be read.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookItemError {
    /// Its position in the payload, from 0.
    pub index: usize,
    /// What is wrong with it.
    pub error: String,
}

/// Receives an ESP's webhook call: checked its provider's way (401 when not genuine or
/// stale), read (400 naming what is wrong), stored once (a redelivery answers 200 and adds no
/// event). Amazon SNS subscription confirmations are confirmed; Azure Event Grid validation
/// events are answered.
#[utoipa::path(post, path = "/v1/webhooks/{provider}", tag = "ingest",
    params(("provider" = String, Path, description = "`ses`, `sendgrid`, `mailgun`, `postmark`, `sparkpost`, `mailjet`, `brevo`, `resend`, `postal` or `azure`")),
    request_body(description = "The provider's payload, as it sends it", content((Object = "application/json"))),
    responses(
        (status = 200, description = "What was stored", body = WebhookResult),
        (status = 400, description = "The payload cannot be read", body = ErrorBody),
        (status = 401, description = "Not signed, wrongly signed, stale, or wrong credentials", body = ErrorBody),
        (status = 404, description = "Unknown provider, or none configured for it", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 502, description = "An SNS subscription could not be confirmed at its SubscribeURL", body = ErrorBody),
        (status = 503, description = "Store unavailable: nothing stored; retry after Retry-After", body = ErrorBody),
    ))]
pub async fn receive(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let webhook = find(&app, &name)?;
    let provider = webhook.provider;
    let body = body.map_err(|e| ApiError::body(&e, app.settings.max_body_bytes))?;
    let now = crate::time::now();
    let checked = check(webhook, &query, &headers, &body, now).await;
    let envelope = match checked {
        Ok(envelope) => envelope,
        Err(refused) => return Err(refuse(&app, provider, refused, now).await),
    };
    if let Some(envelope) = envelope {
        match envelope.kind.as_str() {
            "SubscriptionConfirmation" => {
                let sns = webhook.sns.as_ref().expect("SES webhooks check SNS");
                sns.confirm(&envelope).await.map_err(|e| {
                    ApiError::new(
                        StatusCode::BAD_GATEWAY,
                        "internal",
                        format!("could not confirm the subscription: {e}"),
                    )
                })?;
                tracing::info!(topic = %envelope.topic_arn, "SNS subscription confirmed");
                return Ok(
                    Json(serde_json::json!({"confirmed": envelope.topic_arn})).into_response()
                );
            }
            "UnsubscribeConfirmation" => {
                tracing::info!(topic = %envelope.topic_arn, "SNS subscription ended");
                return Ok(
                    Json(serde_json::json!({"unsubscribed": envelope.topic_arn})).into_response()
                );
            }
            _ => {}
        }
    }
    if provider == Provider::Azure
        && let Some(code) = azure_validation(&body)
    {
        return Ok(Json(serde_json::json!({"validationResponse": code})).into_response());
    }
    let policy = app.policy();
    let source = format!("webhook:{}", provider.name());
    // Reading is CPU work, off the async threads; storing goes through the group commit.
    let read_source = source.clone();
    let read = tokio::task::spawn_blocking(move || {
        let payload = match read_payload(provider, &body, Classifier::builtin()) {
            Ok(payload) => payload,
            Err(e) => return Err((e.to_string(), e.is_too_large())),
        };
        // The body is one input holding every event's records; its origin names the
        // provider's own types of the events (the raw view shows the rest).
        let records: Vec<tuixin::Record> =
            payload.events.iter().flat_map(|event| event.records.iter().cloned()).collect();
        let mut inputs = Vec::new();
        if !records.is_empty() {
            let mut kinds: Vec<&str> = payload.events.iter().map(|e| e.kind.as_str()).collect();
            kinds.dedup();
            let mut origin = format!("webhook: {}", kinds.join(", "));
            if origin.len() > 300 {
                let cut = (0..=300).rev().find(|&i| origin.is_char_boundary(i)).unwrap_or(0);
                origin.truncate(cut);
                origin.push_str(", ...");
            }
            let mut input = Input {
                raw: body.to_vec(),
                records,
                source: read_source.clone(),
                origin,
                received_at: now,
                packed: None,
            };
            input.pack();
            inputs.push(input);
        }
        let failed: Vec<FailedInput> = payload
            .errors
            .iter()
            .map(|e| FailedInput {
                source: read_source.clone(),
                origin: format!("webhook event {}", e.index),
                received_at: now,
                error: e.why.clone(),
            })
            .collect();
        Ok((inputs, failed, payload.events.len(), payload.ignored, payload.errors))
    })
    .await
    .map_err(|e| ApiError::internal(format!("reading the payload failed: {e}")))?;
    let (inputs, failed, events, ignored, errors) = match read {
        Ok(read) => read,
        Err((why, too_large)) => {
            let failed = FailedInput {
                source,
                origin: "webhook".to_owned(),
                received_at: now,
                error: why.clone(),
            };
            app.committer.ingest(Vec::new(), vec![failed], policy).await?;
            let message = format!("the {} payload cannot be read: {why}", provider.name());
            return Err(if too_large {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
            } else {
                ApiError::malformed(message)
            });
        }
    };
    let summary = app.committer.ingest(inputs, failed, policy).await?;
    metrics::counter!("tuixin_webhook_events_total", "provider" => provider.name())
        .increment(events as u64);
    Ok(Json(WebhookResult {
        provider: provider.name().to_owned(),
        events,
        records: summary.records,
        new_events: summary.new_events,
        duplicates: summary.duplicates,
        suppressions_added: summary.suppressions_added,
        suppressions_lifted: summary.suppressions_lifted,
        ignored,
        unreadable: errors.len(),
        errors: errors
            .into_iter()
            .take(LISTED_ERRORS)
            .map(|e| WebhookItemError { index: e.index, error: e.why })
            .collect(),
    })
    .into_response())
}

/// The provider's configured webhook; 404 for an unknown provider or one not configured.
fn find<'a>(app: &'a App, name: &str) -> Result<&'a Webhook, ApiError> {
    let provider: Provider = name
        .parse()
        .map_err(|_| ApiError::not_found(format!("no webhook provider {name:.100}")))?;
    app.settings.webhooks.get(provider).ok_or_else(|| {
        ApiError::not_found(format!("no [webhooks.{}] is configured", provider.name()))
    })
}

/// Checks the call: shared credentials where configured, then the provider's signature. For
/// SES, the checked SNS envelope.
async fn check(
    webhook: &Webhook,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
    now: i64,
) -> Result<Option<Envelope>, Refused> {
    let config = &webhook.config;
    if let (Some(user), Some(password)) = (&config.username, &config.password) {
        let (u, p) = basic_auth(headers).ok_or(Refused::Credentials)?;
        // Both compared, whatever the first gives.
        if !(verify::same(&u, user) & verify::same(&p, password)) {
            return Err(Refused::Credentials);
        }
    }
    if let Some(token) = &config.token {
        // In `Authorization: Bearer` or `?token=` (where a provider lets one set only the URL).
        let given = [bearer(headers), query.get("token").cloned()];
        if !given.iter().flatten().any(|given| verify::same(given, token)) {
            return Err(Refused::Credentials);
        }
    }
    let header = |name: &'static str| -> Result<&str, Refused> {
        headers.get(name).and_then(|v| v.to_str().ok()).ok_or(Refused::Missing(name))
    };
    let timestamp = |text: &str, name: &'static str| -> Result<i64, Refused> {
        let at = text.trim().parse::<i64>().map_err(|_| Refused::Malformed(name))?;
        verify::fresh(at, now, webhook.max_age).map(|()| at)
    };
    match webhook.provider {
        Provider::Ses => {
            let looks_like_sns = headers.contains_key("x-amz-sns-message-type")
                || serde_json::from_slice::<Value>(body)
                    .is_ok_and(|v| v.get("Signature").is_some());
            // SES events that come another way (EventBridge, Firehose) are taken on the shared
            // credentials alone, when some are configured.
            if !looks_like_sns && (config.password.is_some() || config.token.is_some()) {
                return Ok(None);
            }
            let envelope =
                Envelope::read(body).map_err(|_| Refused::Missing("the SNS signature"))?;
            if !config.topic_arns.is_empty() && !config.topic_arns.contains(&envelope.topic_arn) {
                return Err(Refused::NotConfigured("TopicArn"));
            }
            let at =
                crate::time::parse(&envelope.timestamp).ok_or(Refused::Malformed("Timestamp"))?;
            verify::fresh(at, now, webhook.max_age)?;
            webhook.sns.as_ref().expect("SES webhooks check SNS").verify(&envelope).await?;
            Ok(Some(envelope))
        }
        Provider::SendGrid => {
            let at = header("x-twilio-email-event-webhook-timestamp")?;
            timestamp(at, "X-Twilio-Email-Event-Webhook-Timestamp")?;
            let signature = header("x-twilio-email-event-webhook-signature")?;
            verify::sendgrid(
                config.public_key.as_deref().unwrap_or_default(),
                at,
                signature,
                body,
            )?;
            Ok(None)
        }
        Provider::Mailgun => {
            let value: Value =
                serde_json::from_slice(body).map_err(|_| Refused::Missing("signature"))?;
            let field = |name: &'static str| -> Result<String, Refused> {
                match &value["signature"][name] {
                    Value::String(s) => Ok(s.clone()),
                    Value::Number(n) => Ok(n.to_string()),
                    _ => Err(Refused::Missing(name)),
                }
            };
            let (at, token, signature) =
                (field("timestamp")?, field("token")?, field("signature")?);
            timestamp(&at, "signature.timestamp")?;
            verify::mailgun(
                config.signing_key.as_deref().unwrap_or_default(),
                &at,
                &token,
                &signature,
            )?;
            if !webhook.first_use(&token, body, now) {
                return Err(Refused::Replayed);
            }
            Ok(None)
        }
        Provider::Resend => {
            let (id, at, signature) =
                (header("svix-id")?, header("svix-timestamp")?, header("svix-signature")?);
            timestamp(at, "svix-timestamp")?;
            verify::svix(config.secret.as_deref().unwrap_or_default(), id, at, signature, body)?;
            Ok(None)
        }
        Provider::Postal => {
            let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
            verify::postal(
                config.public_key.as_deref().unwrap_or_default(),
                get("x-postal-signature-256"),
                get("x-postal-signature"),
                body,
            )?;
            Ok(None)
        }
        // Checked above by the credentials that `from_config` requires of them.
        _ => Ok(None),
    }
}

/// Counts a refused call, writes it (at most one per provider every few seconds) as an
/// ingestion failure so `/sources` shows it, and makes the 401.
async fn refuse(app: &Arc<App>, provider: Provider, refused: Refused, now: i64) -> ApiError {
    static LAST: [AtomicI64; 16] = [const { AtomicI64::new(0) }; 16];
    let why = refused.to_string();
    metrics::counter!("tuixin_webhook_refused_total", "provider" => provider.name()).increment(1);
    tracing::warn!(provider = provider.name(), why = %why, "webhook call refused");
    let slot = &LAST[Provider::ALL.iter().position(|p| *p == provider).unwrap_or(0) % 16];
    let last = slot.load(Ordering::Relaxed);
    if now - last >= REFUSAL_RECORD_INTERVAL
        && slot.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    {
        let failed = FailedInput {
            source: format!("webhook:{}", provider.name()),
            origin: "webhook".to_owned(),
            received_at: now,
            error: format!("refused: {why}"),
        };
        // A store that cannot take it does not change the answer.
        let _ = app.committer.ingest(Vec::new(), vec![failed], app.policy()).await;
    }
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", format!("webhook call refused: {why}"))
}

/// The user and password of `Authorization: Basic`.
fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// The token of `Authorization: Bearer`.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
}

/// The code of an Azure Event Grid subscription validation event, when the body is one.
fn azure_validation(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let events = match &value {
        Value::Array(events) => events.as_slice(),
        single => std::slice::from_ref(single),
    };
    events.iter().find_map(|event| {
        let kind = event.get("eventType").or_else(|| event.get("type"))?.as_str()?;
        (kind == "Microsoft.EventGrid.SubscriptionValidationEvent")
            .then(|| event["data"]["validationCode"].as_str().map(str::to_owned))
            .flatten()
    })
}

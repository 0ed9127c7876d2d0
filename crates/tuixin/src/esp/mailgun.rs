//! Mailgun's webhooks, as its "Webhooks" and "Events" pages describe them:
//! `{"signature": {timestamp, token, signature}, "event-data": {...}}`; a bare event object
//! (what the Events API returns, and older exports) is read too.
//!
//! `event-data.event` says what happened:
//! - `failed`: `severity` `permanent` (Mailgun gave up: failed) or `temporary` (it will retry:
//!   delayed); `reason` is Mailgun's own (`bounce`, `generic`, `espblock`, `old` for a message
//!   retried until it expired, `suppress-bounce`/`suppress-unsubscribe`/`suppress-complaint`
//!   for a send refused because the address is on a suppression list);
//!   `delivery-status.{code, message, description, mx-host, enhanced-code}` are the server's
//!   reply.
//! - `delivered`: `delivery-status` holds the acceptance.
//! - `complained`: a complaint (`abuse`).
//! - `unsubscribed`: the recipient unsubscribed (action `unsubscribed`).
//! - `accepted`, `opened`, `clicked`, `stored`, `rejected`, `list_member_uploaded` and the like:
//!   of no interest here.
//!
//! `recipient` is the address; `timestamp` Unix seconds (with a fraction);
//! `message.headers.{message-id, from, subject}` and `envelope.sender` describe the original.

use serde_json::Value;

use super::{Found, Problem, Read, delivery, first_text, message_id, text};
use crate::reason::Reason;

/// Whether an event looks like Mailgun's.
pub(super) fn claims(event: &Value) -> bool {
    if let Some(data) = event.get("event-data") {
        return data.is_object();
    }
    event.get("event").is_some()
        && event.get("recipient").is_some()
        && (event.get("log-level").is_some() || event.get("delivery-status").is_some())
}

/// The server's reply: code and message (or description where the message is empty).
fn diagnostic(status: &Value) -> String {
    let code = text(status, "code");
    let words = first_text(status, &["message", "description"]);
    let code = if code == "0" { String::new() } else { code };
    match (code.is_empty(), words.is_empty()) {
        (true, _) => words,
        (false, true) => code,
        // Mailgun's message often starts with the code already.
        (false, false) if words.starts_with(&code) => words,
        (false, false) => format!("{code} {words}"),
    }
}

/// Reads one Mailgun event.
pub(super) fn read(event: &Value) -> Result<Read, Problem> {
    if !event.is_object() {
        return Err(Problem::Shape("an event that is not a JSON object".into()));
    }
    let data = match event.get("event-data") {
        Some(data) if data.is_object() => data,
        Some(_) => return Err(Problem::Shape("\"event-data\" is not an object".into())),
        None if event.get("event").is_some() => event,
        None => return Err(Problem::Shape("no \"event-data\" field".into())),
    };
    let kind = data
        .get("event")
        .and_then(Value::as_str)
        .ok_or_else(|| Problem::Shape("no \"event-data.event\" field".into()))?;
    let recipient = text(data, "recipient");
    let status = data.get("delivery-status").unwrap_or(&Value::Null);
    let mut found = Found::default();
    found.original.message_id = message_id(&text(data, "/message/headers/message-id"));
    found.original.subject = text(data, "/message/headers/subject");
    found.original.addresser =
        crate::decode::address::clean(&match text(data, "/envelope/sender") {
            s if s.is_empty() => text(data, "/message/headers/from"),
            s => s,
        });
    let mut d = match kind {
        "failed" => {
            let severity = text(data, "severity");
            let reason = text(data, "reason");
            found.kind =
                if severity.is_empty() { "failed".into() } else { format!("failed/{severity}") };
            let action = if severity == "temporary" { "delayed" } else { "failed" };
            let mut d = delivery(&recipient, action, &diagnostic(status));
            d.status = text(status, "enhanced-code");
            d.rhost = text(status, "mx-host").trim_end_matches('.').to_ascii_lowercase();
            if reason.starts_with("suppress-") {
                d.reason = Some(Reason::Suppressed);
            }
            found.fallback = match reason.as_str() {
                "old" if action == "failed" => Some(Reason::Expired),
                "espblock" => Some(Reason::Blocked),
                _ => None,
            };
            d
        }
        "delivered" => {
            found.kind = "delivered".into();
            let mut d = delivery(&recipient, "delivered", &diagnostic(status));
            d.rhost = text(status, "mx-host").trim_end_matches('.').to_ascii_lowercase();
            d
        }
        "complained" => {
            found.kind = "complained".into();
            let mut d = delivery(&recipient, "", "");
            d.reason = Some(Reason::Feedback);
            d.feedback_type = "abuse".into();
            d
        }
        "unsubscribed" => {
            found.kind = "unsubscribed".into();
            delivery(&recipient, "unsubscribed", "")
        }
        _ => return Ok(Read::Ignored),
    };
    if recipient.is_empty() {
        return Err(Problem::Item(format!("a {kind} event without \"recipient\"")));
    }
    d.date = super::date(data, "timestamp");
    found.deliveries.push(d);
    Ok(Read::Event(Box::new(found)))
}

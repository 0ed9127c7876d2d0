//! Brevo's (formerly Sendinblue) webhooks, as its "Transactional webhooks" and "Marketing
//! webhooks" pages describe them: one object a call (an array is read too), `event` saying
//! what happened, `email` the address, `reason` the server's words, `message-id` the
//! original's Message-ID, `subject`, and the time as `ts_event` (Unix seconds), `ts`,
//! `ts_epoch` (milliseconds) or `date`/`date_event`.
//!
//! - `hard_bounce` and `soft_bounce`: failed (a hard bounce whose words say nothing is taken
//!   as an unknown user; a soft one is never hard).
//! - `blocked`: Brevo did not send because the address is on its block list: failed,
//!   suppressed.
//! - `invalid_email`: Brevo did not send to an address it found invalid: failed.
//! - `deferred`: delayed. `delivered`: delivered. `spam` and `complaint`: a complaint.
//! - `unsubscribed` (transactional) and `unsubscribe` (marketing): the recipient unsubscribed
//!   (action `unsubscribed`).
//! - `request` (sent), `opened`, `unique_opened`, `proxy_open`, `click`, `error` (Brevo's own
//!   sending error, before any server): of no interest here.

use serde_json::Value;

use super::{Found, Problem, Read, delivery, first_date, message_id, required, text};
use crate::reason::Reason;

/// Whether an event looks like Brevo's.
pub(super) fn claims(event: &Value) -> bool {
    event.get("event").is_some()
        && event.get("email").is_some()
        && (event.get("ts_event").is_some()
            || event.get("message-id").is_some()
            || event.get("ts_epoch").is_some()
            || event.get("camp_id").is_some())
}

/// Reads one Brevo event.
pub(super) fn read(event: &Value) -> Result<Read, Problem> {
    let kind = required(event, "event")?;
    let email = text(event, "email");
    let why = text(event, "reason");
    let mut found = Found { kind: kind.to_owned(), ..Found::default() };
    found.original.message_id = message_id(&text(event, "message-id"));
    found.original.subject = text(event, "subject");
    let mut d = match kind {
        "hard_bounce" | "hardBounce" => {
            found.fallback = Some(Reason::UserUnknown);
            delivery(&email, "failed", &why)
        }
        "soft_bounce" | "softBounce" => delivery(&email, "failed", &why),
        "invalid_email" | "invalidEmail" => {
            found.fallback = Some(Reason::UserUnknown);
            delivery(&email, "failed", &why)
        }
        "blocked" => {
            let mut d = delivery(&email, "failed", &why);
            d.reason = Some(Reason::Suppressed);
            d
        }
        "deferred" => delivery(&email, "delayed", &why),
        "delivered" => delivery(&email, "delivered", &why),
        "spam" | "complaint" => {
            let mut d = delivery(&email, "", "");
            d.reason = Some(Reason::Feedback);
            d.feedback_type = "abuse".into();
            d
        }
        // Transactional webhooks say `unsubscribed`, marketing ones `unsubscribe`.
        "unsubscribed" | "unsubscribe" => delivery(&email, "unsubscribed", ""),
        _ => return Ok(Read::Ignored),
    };
    if email.is_empty() {
        return Err(Problem::Item(format!("a {kind} event without \"email\"")));
    }
    d.date = first_date(event, &["ts_event", "ts", "ts_epoch", "date_event", "date"]);
    found.deliveries.push(d);
    Ok(Read::Event(Box::new(found)))
}

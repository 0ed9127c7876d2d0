//! SendGrid's Event Webhook, as its "Event Webhook reference" describes it: a JSON array of
//! events, each with `email`, `event`, `timestamp` (Unix seconds), `sg_event_id`,
//! `sg_message_id` and the original's `smtp-id` (its Message-ID).
//!
//! - `bounce`: `type` `bounce` (the receiving server refused for good) or `blocked` (it refused
//!   this message, often for the sender's reputation); `reason` is the server's reply, `status`
//!   the enhanced code, `bounce_classification` SendGrid's own reading (Invalid Address,
//!   Technical, Content, Reputation, Frequency or Volume, Mailbox Unavailable, Unclassified),
//!   used only where no rule reads the words. Failed.
//! - `dropped`: SendGrid did not send. `reason` `Bounced Address`, `Unsubscribed Address` and
//!   `Spam Reporting Address` mean the address is on one of SendGrid's suppression lists:
//!   failed with reason `suppressed`; other reasons (`Invalid`, `Spam Content`, ...) are
//!   classified by their words.
//! - `deferred`: the receiving server asked to retry; `response` is its reply. Delayed.
//! - `delivered`: `response` is the server's acceptance. Delivered.
//! - `spamreport`: a complaint (`abuse`).
//! - `unsubscribe`, `group_unsubscribe`: the recipient unsubscribed (action `unsubscribed`,
//!   which the lifecycle suppresses for marketing).
//! - `processed`, `open`, `click`, `group_resubscribe`: of no interest here.

use serde_json::Value;

use super::{Found, Problem, Read, delivery, first_text, message_id, required, text};
use crate::reason::Reason;

/// Whether an event looks like SendGrid's.
pub(super) fn claims(event: &Value) -> bool {
    event.get("event").is_some()
        && event.get("email").is_some()
        && (event.get("sg_event_id").is_some()
            || event.get("sg_message_id").is_some()
            || event.get("smtp-id").is_some())
}

/// Reads one SendGrid event.
pub(super) fn read(event: &Value) -> Result<Read, Problem> {
    let kind = required(event, "event")?;
    let email = text(event, "email");
    let date = super::date(event, "timestamp");
    let mut found = Found::default();
    found.original.message_id = message_id(&first_text(event, &["smtp-id", "sg_message_id"]));
    let mut d = match kind {
        "bounce" => {
            let subtype = text(event, "type");
            found.kind =
                if subtype.is_empty() { "bounce".into() } else { format!("bounce/{subtype}") };
            // SendGrid's own classification decides only where no rule reads the words; an
            // invalid address is hard only for a bounce, never for a block.
            found.fallback = match text(event, "bounce_classification").as_str() {
                "Invalid Address" if subtype != "blocked" => Some(Reason::UserUnknown),
                "Reputation" => Some(Reason::BadReputation),
                "Content" => Some(Reason::SpamDetected),
                "Frequency or Volume" => Some(Reason::Speeding),
                _ if subtype == "blocked" => Some(Reason::Blocked),
                _ => None,
            };
            let mut d = delivery(&email, "failed", &text(event, "reason"));
            d.status = text(event, "status");
            d
        }
        "dropped" => {
            let why = text(event, "reason");
            found.kind = format!("dropped/{why}");
            let mut d = delivery(&email, "failed", &why);
            if matches!(
                why.to_ascii_lowercase().as_str(),
                "bounced address" | "unsubscribed address" | "spam reporting address"
            ) {
                d.reason = Some(Reason::Suppressed);
            }
            d
        }
        "deferred" => {
            found.kind = "deferred".into();
            let mut d = delivery(&email, "delayed", &first_text(event, &["response", "reason"]));
            d.status = text(event, "status");
            d
        }
        "delivered" => {
            found.kind = "delivered".into();
            delivery(&email, "delivered", &text(event, "response"))
        }
        "spamreport" => {
            found.kind = "spamreport".into();
            let mut d = delivery(&email, "", "");
            d.reason = Some(Reason::Feedback);
            d.feedback_type = "abuse".into();
            d
        }
        // The recipient unsubscribed (from everything, or from one unsubscribe group).
        "unsubscribe" | "group_unsubscribe" => {
            found.kind = kind.into();
            delivery(&email, "unsubscribed", "")
        }
        _ => return Ok(Read::Ignored),
    };
    if email.is_empty() {
        return Err(Problem::Item(format!("a {kind} event without \"email\"")));
    }
    d.date = date;
    found.deliveries.push(d);
    Ok(Read::Event(Box::new(found)))
}

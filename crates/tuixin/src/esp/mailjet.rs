//! Mailjet's Event API, as its "Event API" guide describes it: one event object a call, or an
//! array of them when grouping is on. `event` says what happened; `email` is the address,
//! `time` Unix seconds, `MessageID`/`Message_GUID` Mailjet's ids of the message.
//!
//! - `bounce`: `hard_bounce` true or false, `blocked` (Mailjet will block the address from
//!   now on), `error_related_to` (recipient, domain, content, spam, system, mailjet) and
//!   `error` from Mailjet's error table (`user unknown`, `mailbox inactive`, `quota exceeded`,
//!   `invalid domain`, `no mail host`, `relay/access denied`, `sender blocked`, `content
//!   blocked`, `policy issue`, `system issue`, `protocol issue`, `connection issue`, ...),
//!   `comment` the server's words where Mailjet kept them. Failed.
//! - `blocked`: Mailjet did not send. `error` `preblocked` means the address is on its block
//!   list (suppressed); `duplicate in campaign` is no fault of the address (of no interest);
//!   others are classified by their words.
//! - `spam`: a complaint (`abuse`). `sent`: delivered, `smtp_reply` the acceptance.
//! - `unsub`: the recipient unsubscribed (action `unsubscribed`).
//! - `open`, `click`: of no interest here.
//!
//! The server's words (`comment`) are classified first; Mailjet's `error` is the diagnostic
//! where there are none, and its table decides where no rule reads either. A bounce Mailjet
//! does not call hard is never made hard by its table.

use serde_json::Value;

use super::{Found, Problem, Read, delivery, first_text, message_id, required, text};
use crate::reason::Reason;

/// Whether an event looks like Mailjet's.
pub(super) fn claims(event: &Value) -> bool {
    event.get("event").is_some()
        && event.get("email").is_some()
        && (event.get("MessageID").is_some()
            || event.get("Message_GUID").is_some()
            || event.get("mj_message_id").is_some()
            || event.get("mj_campaign_id").is_some())
}

/// What an entry of Mailjet's error table says, where the words say nothing.
fn error_reason(error: &str, hard: bool) -> Option<Reason> {
    let reason = match error {
        "user unknown" => Reason::UserUnknown,
        "invalid domain" | "no mail host" => Reason::HostUnknown,
        "mailbox inactive" => Reason::Suspend,
        "quota exceeded" => Reason::MailboxFull,
        "relay/access denied" => Reason::NoRelaying,
        "sender blocked" => Reason::Blocked,
        "content blocked" | "spam preblocked" => Reason::SpamDetected,
        "policy issue" => Reason::PolicyViolation,
        "system issue" => Reason::SystemError,
        "protocol issue" => Reason::SyntaxError,
        "connection issue" | "timeout" => Reason::NetworkError,
        "greylisted" => Reason::Speeding,
        "preblocked" => Reason::Suppressed,
        _ => return None,
    };
    // A soft bounce is not made hard by the table's wording.
    (hard || !reason.is_hard(true)).then_some(reason)
}

/// Reads one Mailjet event.
pub(super) fn read(event: &Value) -> Result<Read, Problem> {
    let kind = required(event, "event")?;
    let email = text(event, "email");
    let error = text(event, "error").to_ascii_lowercase();
    let related = text(event, "error_related_to");
    let mut found = Found::default();
    found.original.message_id = message_id(&first_text(event, &["Message_GUID", "MessageID"]));
    let mut d = match kind {
        "bounce" => {
            let hard = event.get("hard_bounce").and_then(Value::as_bool).unwrap_or(false);
            found.kind = format!("bounce/{related}/{error}");
            found.fallback = error_reason(&error, hard);
            let words = first_text(event, &["comment", "error"]);
            delivery(&email, "failed", &words)
        }
        "blocked" => {
            if error == "duplicate in campaign" {
                return Ok(Read::Ignored);
            }
            found.kind = format!("blocked/{related}/{error}");
            found.fallback = error_reason(&error, false);
            let mut d = delivery(&email, "failed", &first_text(event, &["comment", "error"]));
            if error == "preblocked" {
                d.reason = Some(Reason::Suppressed);
            }
            d
        }
        "spam" => {
            found.kind = "spam".into();
            let mut d = delivery(&email, "", "");
            d.reason = Some(Reason::Feedback);
            d.feedback_type = "abuse".into();
            d
        }
        "sent" => {
            found.kind = "sent".into();
            let reply = text(event, "smtp_reply");
            // `sent (250 2.0.0 OK ...)`: the reply inside Mailjet's wrapping.
            let reply = reply
                .strip_prefix("sent (")
                .and_then(|r| r.strip_suffix(')'))
                .map_or(reply.clone(), str::to_owned);
            delivery(&email, "delivered", &reply)
        }
        "unsub" => {
            found.kind = "unsub".into();
            delivery(&email, "unsubscribed", "")
        }
        _ => return Ok(Read::Ignored),
    };
    if email.is_empty() {
        return Err(Problem::Item(format!("a {kind} event without \"email\"")));
    }
    d.date = super::date(event, "time");
    found.deliveries.push(d);
    Ok(Read::Event(Box::new(found)))
}

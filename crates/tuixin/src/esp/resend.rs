//! Resend's webhooks, as its "Webhooks" event pages describe them:
//! `{"type": "email.bounced", "created_at": "...", "data": {...}}`.
//!
//! `data.to` (an array) names the recipients, `data.from` the sender, `data.subject`,
//! `data.email_id` Resend's id of the message, `data.created_at`/`created_at` the time.
//! - `email.bounced`: `data.bounce.{message, type, subType}`; Resend sends through Amazon SES
//!   and passes on its types (Permanent, Transient, Undetermined; General, NoEmail,
//!   Suppressed, ...), read as SES's are. Failed.
//! - `email.delivery_delayed`: delayed. `email.delivered`: delivered.
//! - `email.complained`: a complaint (`abuse`).
//! - `email.failed`: Resend could not send (`data.failed.reason`): failed, classified by its
//!   words. `email.suppressed`: Resend did not send to an address on its suppression list
//!   (`data.suppressed.message`): failed, suppressed.
//! - `email.sent`, `email.opened`, `email.clicked`, `email.scheduled`, `email.received`,
//!   `contact.*`, `domain.*`: of no interest here.

use serde_json::Value;

use super::{
    Found, Problem, Read, addresses, cap_recipients, delivery, first_date, first_text, message_id,
    required, text,
};
use crate::reason::Reason;

/// Whether an event looks like Resend's.
pub(super) fn claims(event: &Value) -> bool {
    event.get("type").and_then(Value::as_str).is_some_and(|t| t.starts_with("email."))
        && event.get("data").is_some_and(Value::is_object)
}

/// Reads one Resend event.
pub(super) fn read(event: &Value) -> Result<Read, Problem> {
    let kind = required(event, "type")?;
    let data = event.get("data").unwrap_or(&Value::Null);
    let mut found = Found { kind: kind.to_owned(), ..Found::default() };
    found.original.message_id = message_id(&text(data, "email_id"));
    found.original.subject = text(data, "subject");
    found.original.addresser = crate::decode::address::clean(&text(data, "from"));
    let (action, words, forced) = match kind {
        "email.bounced" => {
            let main = text(data, "/bounce/type");
            let sub = text(data, "/bounce/subType");
            found.kind = format!("email.bounced/{main}/{sub}");
            found.fallback = super::ses::fallback(&main, &sub);
            let forced = matches!(sub.as_str(), "Suppressed" | "OnAccountSuppressionList")
                .then_some(Reason::Suppressed);
            ("failed", text(data, "/bounce/message"), forced)
        }
        "email.delivery_delayed" => ("delayed", String::new(), None),
        "email.delivered" => ("delivered", String::new(), None),
        "email.complained" => ("", String::new(), Some(Reason::Feedback)),
        "email.failed" => {
            ("failed", first_text(data, &["/failed/reason", "/failed/message"]), None)
        }
        "email.suppressed" => (
            "failed",
            first_text(data, &["/suppressed/message", "/suppressed/type"]),
            Some(Reason::Suppressed),
        ),
        _ => return Ok(Read::Ignored),
    };
    let date = first_date(event, &["created_at"]).or_else(|| first_date(data, &["created_at"]));
    for address in addresses(data.get("to")) {
        let mut d = delivery(&address, action, &words);
        d.reason = forced;
        if forced == Some(Reason::Feedback) {
            d.feedback_type = "abuse".into();
        }
        d.date = date;
        found.deliveries.push(d);
    }
    if found.deliveries.is_empty() {
        return Err(Problem::Item(format!("a {kind} event without \"data.to\"")));
    }
    cap_recipients(&mut found);
    Ok(Read::Event(Box::new(found)))
}

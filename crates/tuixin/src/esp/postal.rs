//! Postal's webhooks, as its "Webhooks" page describes them (with the envelope Postal sends:
//! `{"event": "MessageSent", "timestamp": ..., "payload": {...}, "uuid": "..."}`).
//!
//! Message status events carry `payload.{status, details, output, timestamp, message}`, with
//! `message.{to, from, subject, message_id}`:
//! - `MessageSent` (status `Sent`): delivered; `output` is the server's acceptance.
//! - `MessageDelayed` (`SoftFail`): delayed. `MessageDeliveryFailed` (`HardFail`): failed;
//!   `output` is the server's reply, `details` Postal's words around it.
//! - `MessageHeld` (`Held`): Postal keeps the message (suppression list, spam check, a
//!   development server): delayed, and held (`onhold`) unless the words say why.
//! - `MessageBounced`: a bounce mail came back for `payload.original_message`; Postal passes
//!   no words of it, so it is failed with no reason decided.
//! - `MessageLinkClicked`, `MessageLoaded`, `DomainDNSError`, `SendLimitApproaching`,
//!   `SendLimitExceeded`: of no interest here.

use serde_json::Value;

use super::{
    Found, Problem, Read, addresses, cap_recipients, delivery, first_date, message_id, required,
    text,
};
use crate::reason::Reason;

/// Whether an event looks like Postal's.
pub(super) fn claims(event: &Value) -> bool {
    event.get("event").and_then(Value::as_str).is_some()
        && event.get("payload").is_some_and(Value::is_object)
}

/// The host Postal names in its details: `... sent by SMTP to HOST (ip) ...`.
fn host_in(details: &str) -> String {
    let Some(at) = details.find(" to ") else {
        return String::new();
    };
    let host = details[at + 4..].split_whitespace().next().unwrap_or("");
    if host.contains('.') && !host.contains('@') {
        host.trim_end_matches(['.', ',']).to_ascii_lowercase()
    } else {
        String::new()
    }
}

/// Reads one Postal event.
pub(super) fn read(event: &Value) -> Result<Read, Problem> {
    let kind = required(event, "event")?;
    let payload = event
        .get("payload")
        .filter(|p| p.is_object())
        .ok_or_else(|| Problem::Shape("no \"payload\" object".into()))?;
    let (action, fallback) = match kind {
        "MessageSent" => ("delivered", None),
        "MessageDelayed" => ("delayed", None),
        "MessageDeliveryFailed" => ("failed", None),
        "MessageHeld" => ("delayed", Some(Reason::OnHold)),
        "MessageBounced" => ("failed", None),
        _ => return Ok(Read::Ignored),
    };
    let message =
        payload.get("message").or_else(|| payload.get("original_message")).unwrap_or(&Value::Null);
    let status = text(payload, "status");
    let mut found = Found {
        kind: if status.is_empty() { kind.to_owned() } else { format!("{kind}/{status}") },
        fallback,
        ..Found::default()
    };
    found.original.message_id = message_id(&text(message, "message_id"));
    found.original.subject = text(message, "subject");
    found.original.addresser = crate::decode::address::clean(&text(message, "from"));
    let details = text(payload, "details");
    let output = text(payload, "output");
    // The server's own reply where there is one, else Postal's account of what happened.
    let words = if output.is_empty() { details.clone() } else { output };
    let date = first_date(payload, &["timestamp"]).or_else(|| first_date(event, &["timestamp"]));
    let rhost = host_in(&details);
    for address in addresses(message.get("to")) {
        let mut d = delivery(&address, action, if kind == "MessageBounced" { "" } else { &words });
        d.rhost.clone_from(&rhost);
        d.date = date;
        found.deliveries.push(d);
    }
    if found.deliveries.is_empty() {
        return Err(Problem::Item(format!("a {kind} event without \"message.to\"")));
    }
    cap_recipients(&mut found);
    Ok(Read::Event(Box::new(found)))
}

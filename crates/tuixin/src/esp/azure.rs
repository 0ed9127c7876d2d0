//! Azure Communication Services email events, as the Event Grid schema of
//! `Microsoft.Communication.EmailDeliveryReportReceived` describes them: an Event Grid array
//! (`eventType`, `eventTime`, `data`) or CloudEvents (`type`, `time`, `data`).
//!
//! `data.recipient` is the address, `data.sender` the sender, `data.status` what happened
//! (anything but Delivered is a failure), `data.deliveryStatusDetails.statusMessage` the
//! words, `data.internetMessageId` the original's Message-ID (`data.messageId` is Azure's
//! operation id, used where there is none), `data.deliveryAttemptTimeStamp` the time.
//! - `Delivered`: delivered. `Expanded` (a distribution list was expanded): of no interest.
//! - `Bounced`: failed (taken as an unknown address where the words say nothing).
//! - `Suppressed`: Azure did not send, the address is on its suppression list: failed,
//!   suppressed.
//! - `Quarantined`, `FilteredSpam`: failed, as spam where the words say nothing.
//! - `Failed` and any other: failed, classified by the words alone.
//!
//! `Microsoft.EventGrid.SubscriptionValidationEvent` (answered by the server) and engagement
//! events are of no interest here.

use serde_json::Value;

use super::{Found, Problem, Read, delivery, first_date, first_text, message_id, text};
use crate::reason::Reason;

/// The event's type in either schema.
fn event_type(event: &Value) -> Option<&str> {
    event.get("eventType").or_else(|| event.get("type")).and_then(Value::as_str)
}

/// Whether an event looks like an Azure Event Grid or CloudEvents event.
pub(super) fn claims(event: &Value) -> bool {
    event_type(event).is_some_and(|t| t.starts_with("Microsoft."))
}

/// Reads one Azure event.
pub(super) fn read(event: &Value) -> Result<Read, Problem> {
    if !event.is_object() {
        return Err(Problem::Shape("an event that is not a JSON object".into()));
    }
    let kind = event_type(event)
        .ok_or_else(|| Problem::Shape("no \"eventType\" (or CloudEvents \"type\") field".into()))?;
    if kind != "Microsoft.Communication.EmailDeliveryReportReceived" {
        return Ok(Read::Ignored);
    }
    let data = event.get("data").unwrap_or(&Value::Null);
    let status = text(data, "status");
    let (action, fallback, forced) = match status.as_str() {
        "Delivered" => ("delivered", None, None),
        "Expanded" => return Ok(Read::Ignored),
        "Bounced" => ("failed", Some(Reason::UserUnknown), None),
        "Suppressed" => ("failed", None, Some(Reason::Suppressed)),
        "Quarantined" | "FilteredSpam" => ("failed", Some(Reason::SpamDetected), None),
        "" => return Err(Problem::Item("a delivery report without \"data.status\"".into())),
        _ => ("failed", None, None),
    };
    let mut found = Found {
        kind: format!("EmailDeliveryReportReceived/{status}"),
        fallback,
        ..Found::default()
    };
    found.original.message_id = message_id(&first_text(data, &["internetMessageId", "messageId"]));
    found.original.addresser = crate::decode::address::clean(&text(data, "sender"));
    let recipient = text(data, "recipient");
    if recipient.is_empty() {
        return Err(Problem::Item("a delivery report without \"data.recipient\"".into()));
    }
    let words = text(data, "/deliveryStatusDetails/statusMessage");
    let mut d = delivery(&recipient, action, &words);
    d.reason = forced;
    d.date = first_date(data, &["deliveryAttemptTimeStamp", "deliveryAttemptTimestamp"])
        .or_else(|| first_date(event, &["eventTime", "time"]));
    found.deliveries.push(d);
    Ok(Read::Event(Box::new(found)))
}

//! Postmark's webhooks, as its "Bounce webhook", "Spam complaint webhook" and "Delivery
//! webhook" pages describe them: one object a call, `RecordType` saying which.
//!
//! - `Bounce`: `Type` (and the numeric `TypeCode`) from Postmark's bounce types: HardBounce,
//!   Transient (delayed), SoftBounce, DnsError, SpamNotification, VirusNotification, Blocked,
//!   BadEmailAddress, ManuallyDeactivated (Postmark did not send: suppressed), DMARCPolicy,
//!   AddressChange, AutoResponder, ChallengeVerification, Unknown; `Email` the address,
//!   `Details` the server's words (`smtp;550 5.1.1 ...`), `BouncedAt`, `MessageID` (Postmark's
//!   id of the message), `From`, `Subject`. Subscribe, Unsubscribe, OpenRelayTest,
//!   InboundError, SMTPApiError, TemplateRenderingFailed, Unconfirmed: of no interest.
//! - `SpamComplaint`: a complaint (`abuse`), same fields.
//! - `Delivery`: `Recipient`, `DeliveredAt`, `Details` (the server's acceptance).
//! - `SubscriptionChange` with `SuppressSending` true for `ManualSuppression`: the recipient
//!   unsubscribed (action `unsubscribed`, dated `ChangedAt`).
//! - `Open`, `Click`, other `SubscriptionChange`s: of no interest here.

use serde_json::Value;

use super::{Found, Problem, Read, delivery, first_text, message_id, required, text};
use crate::reason::Reason;

/// Whether an event looks like Postmark's.
pub(super) fn claims(event: &Value) -> bool {
    event.get("RecordType").is_some_and(Value::is_string)
}

/// Reads one Postmark event.
pub(super) fn read(event: &Value) -> Result<Read, Problem> {
    let record_type = required(event, "RecordType")?;
    let email = first_text(event, &["Email", "Recipient"]);
    let details = first_text(event, &["Details", "Description"]);
    let mut found = Found::default();
    found.original.message_id = message_id(&text(event, "MessageID"));
    found.original.subject = text(event, "Subject");
    found.original.addresser = crate::decode::address::clean(&text(event, "From"));
    let d = match record_type {
        "Bounce" => {
            let kind = text(event, "Type");
            found.kind = format!("Bounce/{kind}");
            let (action, fallback, forced) = match kind.as_str() {
                "HardBounce" => ("failed", Some(Reason::UserUnknown), None),
                "BadEmailAddress" => ("failed", Some(Reason::UserUnknown), None),
                "Transient" => ("delayed", None, None),
                "SoftBounce" | "Unknown" | "ChallengeVerification" => ("failed", None, None),
                "DnsError" => ("failed", Some(Reason::NetworkError), None),
                "SpamNotification" => ("failed", Some(Reason::SpamDetected), None),
                "VirusNotification" => ("failed", Some(Reason::VirusDetected), None),
                "Blocked" => ("failed", Some(Reason::Blocked), None),
                "DMARCPolicy" => ("failed", Some(Reason::AuthFailure), None),
                "AddressChange" => ("failed", Some(Reason::HasMoved), None),
                "ManuallyDeactivated" => ("failed", None, Some(Reason::Suppressed)),
                "AutoResponder" => ("", None, Some(Reason::Vacation)),
                "SpamComplaint" => ("", None, Some(Reason::Feedback)),
                "" => return Err(Problem::Item("a bounce without \"Type\"".into())),
                _ => return Ok(Read::Ignored),
            };
            found.fallback = fallback;
            let mut d = delivery(&email, action, &details);
            d.reason = forced;
            if forced == Some(Reason::Feedback) {
                d.feedback_type = "abuse".into();
            }
            d.date = super::date(event, "BouncedAt");
            d
        }
        "SpamComplaint" => {
            found.kind = "SpamComplaint".into();
            let mut d = delivery(&email, "", "");
            d.reason = Some(Reason::Feedback);
            d.feedback_type = "abuse".into();
            d.date = super::date(event, "BouncedAt");
            d
        }
        "Delivery" => {
            found.kind = "Delivery".into();
            let mut d = delivery(&email, "delivered", &details);
            d.date = super::date(event, "DeliveredAt");
            d
        }
        // Sending suppressed because the recipient unsubscribed (a manual suppression); the
        // other reasons arrive as their own Bounce and SpamComplaint events, and a change
        // that lifts a suppression is of no interest here.
        "SubscriptionChange"
            if event.get("SuppressSending").and_then(Value::as_bool) == Some(true)
                && text(event, "SuppressionReason") == "ManualSuppression" =>
        {
            found.kind = "SubscriptionChange/ManualSuppression".into();
            let mut d = delivery(&email, "unsubscribed", "");
            d.date = super::date(event, "ChangedAt");
            d
        }
        _ => return Ok(Read::Ignored),
    };
    if email.is_empty() {
        return Err(Problem::Item(format!("a {record_type} without \"Email\" or \"Recipient\"")));
    }
    found.deliveries.push(d);
    Ok(Read::Event(Box::new(found)))
}

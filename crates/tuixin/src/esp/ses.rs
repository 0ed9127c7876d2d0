//! Amazon SES notifications, as SES's "notification contents" and "event publishing" pages
//! describe them.
//!
//! Three wrappers around one notification: SNS's envelope (`Type: Notification`, the
//! notification as a JSON *string* in `Message`), EventBridge's (`detail-type`, the event in
//! `detail`), or none (event publishing to Firehose, or a notification saved as it is).
//! `notificationType` (SNS notifications) or `eventType` (event publishing) says what
//! happened:
//! - `Bounce`: `bounce.bounceType` Permanent, Transient or Undetermined with `bounceSubType`
//!   (General, NoEmail, Suppressed, OnAccountSuppressionList, MailboxFull, MessageTooLarge,
//!   ContentRejected, AttachmentRejected), `bouncedRecipients[].{emailAddress, action, status,
//!   diagnosticCode}`, `reportingMTA`, `timestamp`. A send SES refused because the address is
//!   on a suppression list is `failed` with reason `suppressed`.
//! - `Complaint`: `complainedRecipients[].emailAddress`, `complaintFeedbackType` (absent when
//!   the mailbox provider sends none: taken as `abuse`), `complaintSubType`
//!   (`OnAccountSuppressionList`: SES did not send, the address is suppressed for an earlier
//!   complaint).
//! - `Delivery`: `delivery.recipients[]`, `smtpResponse`, `reportingMTA`, `timestamp`.
//! - `DeliveryDelay`: `deliveryDelay.delayType`, `delayedRecipients[].{emailAddress, status,
//!   diagnosticCode}`, `timestamp`.
//! - `Reject`: SES found a virus and sent nothing: every `mail.destination` fails.
//! - Send, Open, Click, Rendering Failure, Subscription, `AmazonSnsSubscriptionSucceeded`, and
//!   SNS's subscription handshakes are of no interest here.
//!
//! `mail.source` is the sender, `mail.commonHeaders.{messageId, subject}` the original's
//! Message-ID and subject (SES's own `mail.messageId` where the headers are not included).

use serde_json::Value;

use super::{Found, Problem, Read, addresses, cap_recipients, delivery, message_id, text};
use crate::reason::Reason;

/// Whether an event looks like SES's (any of its wrappers).
pub(super) fn claims(event: &Value) -> bool {
    let sns = event.get("Type").and_then(Value::as_str).is_some()
        && (event.get("TopicArn").is_some() || event.get("Message").is_some())
        && event.get("SignatureVersion").is_some();
    let bare = |v: &Value| {
        (v.get("notificationType").is_some() || v.get("eventType").is_some())
            && v.get("mail").is_some_and(Value::is_object)
    };
    sns || bare(event)
        || (event.get("detail-type").is_some() && event.get("detail").is_some_and(bare))
}

/// The notification inside its wrapper: `Ok(None)` for an SNS handshake.
fn unwrap(event: &Value) -> Result<Option<Value>, Problem> {
    if let Some(kind) = event.get("Type").and_then(Value::as_str) {
        return match kind {
            "Notification" => {
                let message = event
                    .get("Message")
                    .and_then(Value::as_str)
                    .ok_or_else(|| Problem::Item("an SNS notification without Message".into()))?;
                let inner: Value = serde_json::from_str(message)
                    .map_err(|e| Problem::Item(format!("SNS Message is not JSON: {e}")))?;
                Ok(Some(inner))
            }
            "SubscriptionConfirmation" | "UnsubscribeConfirmation" => Ok(None),
            other => Err(Problem::Item(format!("unknown SNS message type {other:?}"))),
        };
    }
    if event.get("detail-type").is_some()
        && let Some(detail) = event.get("detail")
    {
        return Ok(Some(detail.clone()));
    }
    Ok(Some(event.clone()))
}

/// Reads one SES event.
pub(super) fn read(event: &Value) -> Result<Read, Problem> {
    if !event.is_object() {
        return Err(Problem::Shape("an event that is not a JSON object".into()));
    }
    let Some(note) = unwrap(event)? else {
        return Ok(Read::Ignored);
    };
    let kind = note
        .get("notificationType")
        .or_else(|| note.get("eventType"))
        .and_then(Value::as_str)
        .ok_or_else(|| Problem::Shape("no \"notificationType\" or \"eventType\" field".into()))?;
    let mail = note.get("mail").unwrap_or(&Value::Null);
    let mut found = Found::default();
    found.original.addresser = crate::decode::address::clean(&text(mail, "source"));
    found.original.message_id = message_id(&match text(mail, "/commonHeaders/messageId") {
        id if id.is_empty() => text(mail, "messageId"),
        id => id,
    });
    found.original.subject = text(mail, "/commonHeaders/subject");
    match kind {
        "Bounce" => {
            let bounce = note.get("bounce").unwrap_or(&Value::Null);
            let main = text(bounce, "bounceType");
            let sub = text(bounce, "bounceSubType");
            found.kind = format!("Bounce/{main}/{sub}");
            let lhost = text(bounce, "reportingMTA").trim_start_matches("dns;").trim().to_owned();
            let date = super::date(bounce, "timestamp");
            let suppressed = matches!(sub.as_str(), "Suppressed" | "OnAccountSuppressionList");
            found.fallback = fallback(&main, &sub);
            for r in bounce.get("bouncedRecipients").and_then(Value::as_array).into_iter().flatten()
            {
                let action = match text(r, "action") {
                    a if a.is_empty() => "failed".to_owned(),
                    a => a.to_ascii_lowercase(),
                };
                let mut d = delivery(&text(r, "emailAddress"), &action, &text(r, "diagnosticCode"));
                d.status = text(r, "status");
                d.lhost.clone_from(&lhost);
                d.date = date;
                if suppressed {
                    d.reason = Some(Reason::Suppressed);
                }
                found.deliveries.push(d);
            }
        }
        "Complaint" => {
            let complaint = note.get("complaint").unwrap_or(&Value::Null);
            let feedback = match text(complaint, "complaintFeedbackType") {
                t if t.is_empty() => "abuse".to_owned(),
                t => t,
            };
            let sub = text(complaint, "complaintSubType");
            found.kind = if sub.is_empty() {
                format!("Complaint/{feedback}")
            } else {
                format!("Complaint/{feedback}/{sub}")
            };
            let date = super::date(complaint, "timestamp");
            for address in addresses(complaint.get("complainedRecipients")) {
                let mut d = if sub == "OnAccountSuppressionList" {
                    let mut d = delivery(&address, "failed", "");
                    d.reason = Some(Reason::Suppressed);
                    d
                } else {
                    let mut d = delivery(&address, "", "");
                    d.reason = Some(Reason::Feedback);
                    d.feedback_type.clone_from(&feedback);
                    d
                };
                d.date = date;
                found.deliveries.push(d);
            }
        }
        "Delivery" => {
            let done = note.get("delivery").unwrap_or(&Value::Null);
            found.kind = "Delivery".into();
            let response = text(done, "smtpResponse");
            let lhost = text(done, "reportingMTA");
            let date = super::date(done, "timestamp");
            for address in addresses(done.get("recipients")) {
                let mut d = delivery(&address, "delivered", &response);
                d.lhost.clone_from(&lhost);
                d.date = date;
                found.deliveries.push(d);
            }
        }
        "DeliveryDelay" => {
            let delay = note.get("deliveryDelay").unwrap_or(&Value::Null);
            let delay_type = text(delay, "delayType");
            found.kind = format!("DeliveryDelay/{delay_type}");
            found.fallback = match delay_type.as_str() {
                "MailboxFull" => Some(Reason::MailboxFull),
                "SpamDetected" => Some(Reason::SpamDetected),
                "IPFailure" => Some(Reason::Blocked),
                "TransientCommunicationFailure" => Some(Reason::NetworkError),
                "RecipientServerError" => Some(Reason::SystemError),
                _ => None,
            };
            let lhost = text(delay, "reportingMTA").trim_start_matches("dns;").trim().to_owned();
            let date = super::date(delay, "timestamp");
            for r in delay.get("delayedRecipients").and_then(Value::as_array).into_iter().flatten()
            {
                let mut d =
                    delivery(&text(r, "emailAddress"), "delayed", &text(r, "diagnosticCode"));
                d.status = text(r, "status");
                d.lhost.clone_from(&lhost);
                d.date = date;
                found.deliveries.push(d);
            }
        }
        "Reject" => {
            let reject = note.get("reject").unwrap_or(&Value::Null);
            found.kind = "Reject".into();
            found.fallback = Some(Reason::VirusDetected);
            let why = text(reject, "reason");
            let date = super::date(mail, "timestamp");
            for address in addresses(mail.get("destination")) {
                let mut d = delivery(&address, "failed", &why);
                d.date = date;
                found.deliveries.push(d);
            }
        }
        _ => return Ok(Read::Ignored),
    }
    cap_recipients(&mut found);
    Ok(Read::Event(Box::new(found)))
}

/// What SES's bounce type and subtype say, for a bounce whose words no rule reads. Only a
/// `Permanent` bounce may be hard; `Undetermined` and unknown subtypes say nothing.
pub(super) fn fallback(main: &str, sub: &str) -> Option<Reason> {
    match (main, sub) {
        (_, "MailboxFull") => Some(Reason::MailboxFull),
        (_, "MessageTooLarge") => Some(Reason::MesgTooBig),
        (_, "ContentRejected") => Some(Reason::ContentError),
        (_, "AttachmentRejected") => Some(Reason::PolicyViolation),
        (_, "Suppressed" | "OnAccountSuppressionList") => Some(Reason::Suppressed),
        ("Permanent", "NoEmail" | "General") => Some(Reason::UserUnknown),
        _ => None,
    }
}

//! SparkPost's event webhooks, as its "Webhooks" and "Events" pages describe them: an array
//! of `{"msys": {"message_event" | "track_event" | "gen_event" | "unsubscribe_event" |
//! "relay_event" | "ab_test_event" | "ingest_event": {...}}}`; an empty `msys` is the ping a
//! new webhook is tested with.
//!
//! The event's `type` says what happened: `bounce` and `out_of_band` (failed), `delay`
//! (delayed), `delivery`, `spam_complaint` (with `fbtype`), `policy_rejection` (SparkPost
//! refused to send), `list_unsubscribe` and `link_unsubscribe` (action `unsubscribed`).
//! `injection`, opens, clicks and generation events are of no interest here. `rcpt_to` is the address, `raw_reason` the server's words (`reason` where
//! there is no raw one), `error_code` the reply code, `timestamp` Unix seconds (a string),
//! `message_id` SparkPost's id of the message, `friendly_from` the sender, `subject`.
//!
//! `bounce_class` is SparkPost's classification (10 invalid recipient, 20-24 soft bounces,
//! 25 admin failure, 30 no RCPT, 40 generic, 50-54 blocks, 60 auto-reply, 70 transient, 80
//! subscribe, 90 unsubscribe, 100 challenge-response); it decides only where the words say
//! nothing our rules read.

use serde_json::Value;

use super::{Found, Problem, Read, delivery, first_text, message_id, text};
use crate::reason::Reason;

/// Whether an event looks like SparkPost's.
pub(super) fn claims(event: &Value) -> bool {
    event.get("msys").is_some_and(Value::is_object)
}

/// What a bounce class says, where the words say nothing; only class 10 is hard.
fn class_reason(class: &str) -> Option<Reason> {
    Some(match class {
        "10" => Reason::UserUnknown,
        "21" => Reason::NetworkError,
        "22" => Reason::MailboxFull,
        "23" => Reason::MesgTooBig,
        "24" => Reason::Expired,
        "25" => Reason::Suppressed,
        "50" | "51" => Reason::Blocked,
        "52" => Reason::SpamDetected,
        "53" => Reason::PolicyViolation,
        "54" => Reason::NoRelaying,
        "60" => Reason::Vacation,
        "100" => Reason::Filtered,
        _ => return None,
    })
}

/// Reads one SparkPost event.
pub(super) fn read(event: &Value) -> Result<Read, Problem> {
    let msys = event
        .get("msys")
        .and_then(Value::as_object)
        .ok_or_else(|| Problem::Shape("no \"msys\" object".into()))?;
    let Some(inner) = msys.values().next() else {
        // The test ping of a new webhook.
        return Ok(Read::Ignored);
    };
    let kind = inner
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| Problem::Item("an event without \"type\"".into()))?;
    let rcpt = text(inner, "rcpt_to");
    let why = first_text(inner, &["raw_reason", "reason"]);
    let class = text(inner, "bounce_class");
    let mut found = Found::default();
    found.original.message_id = message_id(&text(inner, "message_id"));
    found.original.subject = text(inner, "subject");
    found.original.addresser =
        crate::decode::address::clean(&first_text(inner, &["friendly_from", "msg_from"]));
    let mut d = match kind {
        "bounce" | "out_of_band" => {
            found.kind = format!("{kind}/{class}");
            found.fallback = class_reason(&class);
            let action = if class == "70" { "delayed" } else { "failed" };
            let mut d = delivery(&rcpt, action, &why);
            d.reply_code = text(inner, "error_code");
            d
        }
        "delay" => {
            found.kind = "delay".into();
            found.fallback = class_reason(&class);
            let mut d = delivery(&rcpt, "delayed", &why);
            d.reply_code = text(inner, "error_code");
            d
        }
        "policy_rejection" => {
            found.kind = "policy_rejection".into();
            found.fallback = Some(Reason::PolicyViolation);
            let mut d = delivery(&rcpt, "failed", &why);
            d.reply_code = text(inner, "error_code");
            d
        }
        "delivery" => {
            found.kind = "delivery".into();
            delivery(&rcpt, "delivered", "")
        }
        "spam_complaint" => {
            let fbtype = match text(inner, "fbtype") {
                t if t.is_empty() => "abuse".to_owned(),
                t => t,
            };
            found.kind = format!("spam_complaint/{fbtype}");
            let mut d = delivery(&rcpt, "", "");
            d.reason = Some(Reason::Feedback);
            d.feedback_type = fbtype;
            d
        }
        // An unsubscribe_event: the List-Unsubscribe header or a link in the message.
        "list_unsubscribe" | "link_unsubscribe" => {
            found.kind = kind.into();
            delivery(&rcpt, "unsubscribed", "")
        }
        _ => return Ok(Read::Ignored),
    };
    if rcpt.is_empty() {
        return Err(Problem::Item(format!("a {kind} event without \"rcpt_to\"")));
    }
    d.date = super::date(inner, "timestamp");
    found.deliveries.push(d);
    Ok(Read::Event(Box::new(found)))
}

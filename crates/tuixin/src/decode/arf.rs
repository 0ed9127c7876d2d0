//! Feedback-loop complaints: RFC 5965 Abuse Reporting Format (`message/feedback-report`).

use super::address;
use super::delivery::{Delivery, Report, squeeze};
use super::dsn;
use super::mail::{AttachedOriginal, Mail, find_header};
use super::original::Original;
use crate::reason::Reason;

/// One record per complained-about recipient; `None` when the mail holds no feedback report.
pub(crate) fn decode(mail: &Mail<'_>, text: &str, original: &mut Original) -> Option<Report> {
    let Some(part) = mail.parts_of_type(&["message/feedback-report"]).next() else {
        return microsoft_jmrp(mail, text).or_else(|| unsubscribe_request(mail, original));
    };
    let body = part.contents();
    let fields = dsn::text(body);
    let report = dsn::parse(&fields);
    let fields = &report.message;
    let feedback_type = fields.get("feedback-type").unwrap_or("abuse").to_ascii_lowercase();
    if let Some(from) =
        fields.get("original-mail-from").map(address::clean).filter(|a| !a.is_empty())
    {
        original.addresser = from;
    }
    let mut recipients: Vec<String> = fields
        .all("original-rcpt-to")
        .flat_map(|v| address::find_addresses(v).into_iter().map(|f| f.address.to_owned()))
        .collect();
    if recipients.is_empty() {
        // Opt-out reports name the address to take off the list.
        recipients.extend(
            fields
                .all("removal-recipient")
                .flat_map(|v| address::find_addresses(v).into_iter().map(|f| f.address.to_owned())),
        );
    }
    if recipients.is_empty() {
        // A complaint about a message whose recipient the report hides is still a complaint.
        recipients.push(original.recipient.clone());
    }
    let diagnostic = squeeze(text.lines().find(|l| !l.trim().is_empty()).unwrap_or(""));
    let rhost = fields.get("source-ip").unwrap_or("").to_owned();
    let lhost = fields.typed("reporting-mta").unwrap_or("").to_ascii_lowercase();
    let deliveries = recipients
        .into_iter()
        .map(|recipient| Delivery {
            recipient,
            diagnostic: diagnostic.clone(),
            feedback_type: feedback_type.clone(),
            rhost: rhost.clone(),
            lhost: lhost.clone(),
            reason: Some(Reason::Feedback),
            ..Delivery::default()
        })
        .collect::<Vec<_>>();
    (!deliveries.is_empty()).then_some(Report { decoded_by: "ARF", deliveries })
}

/// Microsoft's older complaint format (JMRP, from Hotmail/Outlook.com): no feedback-report part,
/// the complained-about message attached, its recipient in `X-HmXmrOriginalRecipient`.
fn microsoft_jmrp(mail: &Mail<'_>, text: &str) -> Option<Report> {
    let Some(AttachedOriginal::Message(attached)) = mail.attached_original() else {
        return None;
    };
    let recipient = find_header(attached, "X-HmXmrOriginalRecipient").filter(|r| !r.is_empty())?;
    let diagnostic = squeeze(text.lines().find(|l| !l.trim().is_empty()).unwrap_or(""));
    Some(Report {
        decoded_by: "ARF",
        deliveries: vec![Delivery {
            recipient,
            diagnostic,
            feedback_type: "abuse".to_owned(),
            reason: Some(Reason::Feedback),
            ..Delivery::default()
        }],
    })
}

/// A mailbox client's unsubscribe request sent to a List-Unsubscribe `mailto:` address (Apple
/// Mail marks its own with `X-Apple-Unsubscribe: true`): an opt-out by the person it comes from.
fn unsubscribe_request(mail: &Mail<'_>, original: &mut Original) -> Option<Report> {
    if !mail.header("X-Apple-Unsubscribe").is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
        return None;
    }
    let recipient = address::clean(&mail.header("From").unwrap_or_default());
    if recipient.is_empty() {
        return None;
    }
    original.addresser = address::clean(&mail.header("To").unwrap_or_default());
    Some(Report {
        decoded_by: "ARF",
        deliveries: vec![Delivery {
            recipient,
            feedback_type: "opt-out".to_owned(),
            reason: Some(Reason::Feedback),
            ..Delivery::default()
        }],
    })
}

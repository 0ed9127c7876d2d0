//! Feedback-loop complaints: RFC 5965 Abuse Reporting Format (`message/feedback-report`).

use super::address;
use super::delivery::{Delivery, Report, squeeze};
use super::dsn;
use super::mail::Mail;
use super::original::Original;
use crate::reason::Reason;

/// One record per complained-about recipient; `None` when the mail holds no feedback report.
pub(crate) fn decode(mail: &Mail<'_>, original: &mut Original) -> Option<Report> {
    let body = mail.parts_of_type(&["message/feedback-report"]).next()?.contents();
    let report = dsn::parse(body);
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
        // A complaint about a message whose recipient the report hides is still a complaint.
        recipients.push(original.recipient.clone());
    }
    let text = mail.text();
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

//! Message disposition notifications (RFC 8098). A read receipt says nothing of delivery; but a
//! notice that an automatic action discarded the message unread (a Sieve `reject`, RFC 5429,
//! which Dovecot's Pigeonhole and Cyrus send as an MDN) is the recipient's filter refusing it.

use super::address;
use super::delivery::{Delivery, Report, squeeze, truncate};
use super::dsn;
use super::mail::Mail;
use crate::classify::RuleKind;
use crate::reason::Reason;
use crate::record::Record;

/// The longest diagnostic taken from a refusal's prose.
const MAX_DIAGNOSTIC: usize = 1000;

/// A record for the recipient of an MDN that says an automatic action deleted the message
/// (`Disposition: automatic-action/...; deleted`, or RFC 2298's `denied`/`failed`); `None` for
/// read receipts and every other disposition.
pub(crate) fn decode(mail: &Mail<'_>, region: &str) -> Option<Report> {
    let mdn = ["message/disposition-notification", "message/global-disposition-notification"];
    let part = mail.parts_of_type(&mdn).next()?;
    let fields = dsn::text(part.contents());
    let report = dsn::parse(&fields);
    // One group of fields: with its Final-Recipient it is read as a recipient's group.
    let fields = report.recipients.first().unwrap_or(&report.message);
    let disposition = fields.get("disposition")?.to_ascii_lowercase();
    let (mode, kind) = disposition.split_once(';')?;
    let automatic = mode.trim_start().starts_with("automatic-action");
    // The disposition type, before any `/modifier` (RFC 2298 had `denied` and `failed`).
    let kind = kind.trim().split(['/', ' ']).next().unwrap_or("");
    if !automatic || !matches!(kind, "deleted" | "denied" | "failed") {
        return None;
    }
    let recipient = ["final-recipient", "original-recipient"]
        .iter()
        .filter_map(|name| fields.typed(name))
        .map(address::clean)
        .find(|a| !a.is_empty())?;
    // What the refusal says: Pigeonhole's "Your message to <x> was automatically rejected:"
    // and the script's reason after it.
    let mut diagnostic = squeeze(region);
    truncate(&mut diagnostic, MAX_DIAGNOSTIC);
    // `Reporting-UA: mail.example.org; Dovecot Mail Delivery Agent`: the host, then the agent.
    let lhost = fields.get("reporting-ua").unwrap_or("").to_ascii_lowercase();
    Some(Report {
        decoded_by: "MDN",
        deliveries: vec![Delivery {
            recipient,
            action: "failed".to_owned(),
            diagnostic,
            lhost: lhost.split(';').next().unwrap_or("").trim().to_owned(),
            ..Delivery::default()
        }],
    })
}

/// A refusal whose words name no cause (a script's own text): the recipient's filter refused
/// the message (`filtered`), as the MDN's disposition says.
pub(crate) fn settle(record: &mut Record) {
    if matches!(record.reason, Reason::OnHold | Reason::Undefined) {
        record.reason = Reason::Filtered;
        record.category = Reason::Filtered.category();
        record.hardbounce = false;
        record.rule = "decoder.mdn".to_owned();
        record.rulekind = RuleKind::Decoder;
        record.evidence = "Disposition: automatic-action; deleted".to_owned();
    }
}

//! Automatic replies (RFC 3834): vacation and out-of-office notices. The recipient is the
//! person who is away; the addresser is the one the reply went to.

use super::address;
use super::delivery::{Delivery, Report, squeeze, truncate};
use super::mail::Mail;
use super::original::Original;
use crate::reason::Reason;

/// Subject prefixes of auto-replies in the languages seen in the wild.
const SUBJECTS: &[&str] = &[
    "auto:", "auto reply", "auto-reply", "autoreply", "automatic reply", "autorespons",
    "auto response", "out of office", "out of the office", "away from", "away until",
    "on vacation", "vacation", "abwesenheit", "automatische antwort", "réponse automatique",
    "respuesta automática", "risposta automatica", "自动回复", "自動回覆", "自動応答", "不在",
];

/// Whether the headers say this is an automatic reply.
pub(crate) fn claims(mail: &Mail<'_>) -> bool {
    let auto_submitted = mail.header("Auto-Submitted").unwrap_or_default().to_ascii_lowercase();
    if auto_submitted.starts_with("auto-replied") {
        return true;
    }
    if ["X-Autoreply", "X-Autorespond", "X-Auto-Reply"].iter().any(|h| mail.has_header(h)) {
        return true;
    }
    let subject = mail.subject().to_lowercase();
    let subject = subject.trim();
    let suppress = mail.has_header("X-Auto-Response-Suppress")
        || mail.header("Precedence").is_some_and(|p| p.eq_ignore_ascii_case("auto_reply"));
    SUBJECTS.iter().any(|s| subject.starts_with(s))
        && (suppress || !auto_submitted.is_empty() || subject.contains(':'))
}

/// The auto-reply as one record.
pub(crate) fn decode(mail: &Mail<'_>, text: &str, original: &mut Original) -> Option<Report> {
    let recipient = address::clean(&mail.header("From").unwrap_or_default());
    if recipient.is_empty() {
        return None;
    }
    original.addresser = address::clean(&mail.header("To").unwrap_or_default());
    let mut diagnostic = squeeze(text);
    truncate(&mut diagnostic, 500);
    Some(Report {
        decoded_by: "RFC3834",
        deliveries: vec![Delivery {
            recipient,
            diagnostic,
            reason: Some(Reason::Vacation),
            ..Delivery::default()
        }],
    })
}

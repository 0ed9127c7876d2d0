//! fml, the Japanese mailing-list manager: notices to a sender that the list refused a post
//! ("You are not a member of this mailing list <list@...>") or dropped it as a loop
//! ("Duplicated Message-ID in <list@...>"). The list is the recipient that refused.

use super::Lhost;
use crate::Reason;
use crate::decode::address;
use crate::decode::delivery::{Delivery, Report, squeeze};
use crate::decode::mail::Mail;
use crate::decode::original::Original;

/// fml's notices, recognized by its `X-MLServer` header.
pub(crate) struct Fml;

/// fml's wording and what each notice means.
const NOTICES: &[(&str, Reason)] = &[
    ("are not a member", Reason::Rejected),
    ("not member", Reason::Rejected),
    ("duplicated message-id", Reason::SystemError),
    ("loop alert", Reason::SystemError),
    ("command error", Reason::SyntaxError),
];

impl Lhost for Fml {
    fn name(&self) -> &'static str {
        "FML"
    }

    fn claims(&self, mail: &Mail<'_>) -> bool {
        mail.header("X-MLServer").is_some_and(|v| v.to_ascii_lowercase().contains("fml"))
    }

    fn decode(
        &self,
        mail: &Mail<'_>,
        text: &str,
        _region: &str,
        original: &mut Original,
    ) -> Option<Report> {
        // The first paragraph, whatever the line ends.
        let paragraph = text
            .lines()
            .skip_while(|l| l.trim().is_empty())
            .take_while(|l| !l.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        let paragraph = paragraph.as_str();
        let lower = format!("{} {}", mail.subject(), paragraph).to_ascii_lowercase();
        let reason = NOTICES.iter().find(|(w, _)| lower.contains(w)).map(|(_, r)| *r)?;
        let recipient = address::clean(paragraph);
        if recipient.is_empty() {
            return None;
        }
        if original.addresser.is_empty() {
            original.addresser = address::clean(&mail.header("To").unwrap_or_default());
        }
        Some(Report {
            decoded_by: self.name(),
            deliveries: vec![Delivery {
                recipient,
                diagnostic: squeeze(paragraph),
                reason: Some(reason),
                action: "failed".to_owned(),
                ..Delivery::default()
            }],
        })
    }
}

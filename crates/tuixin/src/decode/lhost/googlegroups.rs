//! Google Groups: a post that a group refused ("the group you tried to contact may not exist, or
//! you may not have permission to post messages to the group"), sent by Gmail's mailer-daemon in
//! the poster's language with the group in `X-Failed-Recipients`. The group refused the sender.

use super::Lhost;
use crate::Reason;
use crate::decode::address::find_addresses;
use crate::decode::delivery::{Delivery, Report, squeeze};
use crate::decode::mail::Mail;
use crate::decode::original::Original;

/// Google Groups' refusals, recognized by Google's sender and the failed-recipients header.
pub(crate) struct GoogleGroups;

impl Lhost for GoogleGroups {
    fn name(&self) -> &'static str {
        "GoogleGroups"
    }

    fn claims(&self, mail: &Mail<'_>) -> bool {
        let from = mail.sender_lower();
        (from.contains("@googlemail.com") || from.contains("@google.com"))
            && mail.has_header("X-Failed-Recipients")
    }

    fn decode(
        &self,
        mail: &Mail<'_>,
        _text: &str,
        region: &str,
        _original: &mut Original,
    ) -> Option<Report> {
        let failed = mail.headers_named("X-Failed-Recipients");
        let groups: Vec<String> = failed
            .iter()
            .flat_map(|v| find_addresses(v).into_iter().map(|f| f.address.to_owned()))
            .collect();
        // Google's help link marks the notice as a Groups one in every language it is sent in.
        // (A Gmail bounce for a group address that does not exist has no such link.)
        if !region.contains("groups.google.com") || groups.is_empty() {
            return None;
        }
        // The explanation: the paragraphs after the greeting, before the list of causes.
        let lines: String = region.lines().map(|l| format!("{}\n", l.trim_end())).collect();
        let diagnostic = squeeze(lines.trim().split("\n\n").nth(1).unwrap_or(""));
        Some(Report {
            decoded_by: self.name(),
            deliveries: groups
                .into_iter()
                .map(|recipient| Delivery {
                    recipient,
                    action: "failed".to_owned(),
                    diagnostic: diagnostic.clone(),
                    reason: Some(Reason::Rejected),
                    ..Delivery::default()
                })
                .collect(),
        })
    }
}

//! The record: one failed (or reported) recipient of one bounce.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::classify::RuleKind;
use crate::reason::{Category, Reason};

/// What a bounce says about one recipient. Field names are Sisimai 5's, so pipelines built for
/// its output keep working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    /// The input the bounce came from (a path, or `-` for stdin); set by the caller.
    pub origin: String,
    /// 1-based index of the message inside its input (an mbox holds many).
    pub message: usize,
    /// The address that could not be reached.
    pub recipient: String,
    /// The sender of the original message.
    pub addresser: String,
    /// The domain of the addresser.
    pub senderdomain: String,
    /// The domain of the recipient.
    pub destination: String,
    /// The address the message was rewritten or forwarded to, where the bounce names one
    /// besides the recipient the sender used (a DSN's Final-Recipient beside its
    /// Original-Recipient, Postfix's `expanded from`, Exim's `generated from`).
    pub alias: String,
    /// failed, delayed, delivered, relayed or expanded.
    pub action: String,
    /// The enhanced status code the bounce carries, e.g. `5.1.1`; empty when it carries none.
    pub deliverystatus: String,
    /// The SMTP reply code the bounce carries, e.g. `550`; empty when it carries none.
    pub replycode: String,
    /// The SMTP command that failed (RCPT, DATA, MAIL, ...), where the bounce says.
    pub command: String,
    /// The remote server's own words.
    pub diagnosticcode: String,
    /// The kind of diagnostic: `SMTP`, `X-Postfix`, `X-UNIX`, ...
    pub diagnostictype: String,
    /// The remote host that refused the message.
    pub rhost: String,
    /// The local host that wrote the bounce.
    pub lhost: String,
    /// The feedback type of an ARF report (abuse, fraud, ...).
    pub feedbacktype: String,
    /// The Message-ID of the original message.
    pub messageid: String,
    /// The subject of the original message.
    pub subject: String,
    /// The List-Id of the original message.
    pub listid: String,
    /// When the bounce happened, in Unix seconds (0 when unknown).
    pub timestamp: i64,
    /// The time zone offset of that date, e.g. `+0900`.
    pub timezoneoffset: String,
    /// The decoder that read the bounce.
    pub decodedby: String,
    /// A stable id of (addresser, recipient, timestamp).
    pub token: String,
    /// Why the message bounced.
    pub reason: Reason,
    /// True when the address itself is bad and should be removed.
    pub hardbounce: bool,
    /// Whose problem it is: recipient, sender, message, network, complaint, autoreply, other.
    pub category: Category,
    /// The id of the rule that decided the reason.
    pub rule: String,
    /// The kind of knowledge that decided: `text` (the server's words), `code` (the status or
    /// reply code alone), `provider`, `bounce-text`, `decoder`, `user` or `none`.
    pub rulekind: RuleKind,
    /// The text (or code) that the rule matched.
    pub evidence: String,
    /// The `X-` headers of the original message (campaign and subscriber ids live there).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

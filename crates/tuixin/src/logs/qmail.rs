//! qmail-send's log.
//!
//! As `qmail-log(5)` describes it, qmail-send announces each attempt as `starting delivery D:
//! msg M to local|remote RCPT` and ends it with `delivery D: success|failure|deferral: TEXT`,
//! where TEXT is the delivery program's report with spaces written as `_` and line ends as `/`
//! (`Remote_host_said:_550_5.1.1_unknown_user/Giving_up_on_192.0.2.1./`) and the status code at
//! the end as `(#5.1.1)`. `info msg M: bytes N from <sender> qp P uid U` names the sender and
//! `end msg M` closes the message. Lines carry a TAI64N label (`@4000000065...`, multilog) or
//! a Unix time (`1701925806.123456`, splogger), maybe after a syslog prefix.

use std::collections::HashMap;

use super::queue::QueueMap;
use super::{Format, Found, LogLimits, split_syslog};
use crate::decode::address;
use crate::decode::delivery::Delivery;
use crate::decode::original::Original;

/// An attempt that has started and not yet ended.
#[derive(Debug, Clone)]
struct Attempt {
    msg: String,
    recipient: String,
}

/// The qmail reader's state: the senders of messages, the attempts under way.
pub(crate) struct Qmail {
    year: Option<u16>,
    limits: LogLimits,
    senders: QueueMap<String>,
    attempts: HashMap<String, Attempt>,
}

impl Qmail {
    /// A reader that gives `year` to syslog dates without one.
    pub fn new(year: Option<u16>, limits: LogLimits) -> Qmail {
        Qmail {
            year,
            limits,
            senders: QueueMap::new(limits.max_queue_ids),
            attempts: HashMap::new(),
        }
    }
}

/// A TAI64N label (`@` and 24 hex digits) or a Unix time with fraction at the start: the date
/// and the rest.
fn qmail_time(text: &str) -> Option<(mail_parser::DateTime, &str)> {
    let (word, rest) = text.split_once(' ')?;
    let seconds = if let Some(hex) = word.strip_prefix('@') {
        if hex.len() != 24 {
            return None;
        }
        let tai = u64::from_str_radix(hex.get(..16)?, 16).ok()?;
        // TAI64 labels count from 2^62, and TAI is ahead of UTC by 10 s at its epoch.
        i64::try_from(tai.checked_sub((1 << 62) + 10)?).ok()?
    } else {
        let (whole, fraction) = word.split_once('.')?;
        if !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        whole.parse().ok()?
    };
    Some((mail_parser::DateTime::from_timestamp(seconds), rest))
}

/// qmail's report text as it was written: `_` as spaces, a `/` that ends a line as a space.
fn unescape(text: &str) -> String {
    let text = text.replace('_', " ");
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        // A line end is a `/` at the end, or before the next line's capital or digit; a `/`
        // inside a word (a URL, `5.1.1/`) stays.
        let ends_line = c == '/'
            && bytes
                .get(i + 1)
                .is_none_or(|&n| n.is_ascii_uppercase() || n.is_ascii_digit() || n == b' ');
        out.push(if ends_line { ' ' } else { c });
    }
    out.trim().to_owned()
}

impl Format for Qmail {
    fn feed(&mut self, line_no: usize, line: &str, out: &mut Vec<Found>) -> Result<(), String> {
        let (date, text) = match qmail_time(line) {
            Some((date, rest)) => (Some(date), rest),
            None => {
                let syslog = split_syslog(line, self.year);
                match qmail_time(syslog.message) {
                    Some((date, rest)) => (Some(date), rest),
                    None => (syslog.date, syslog.message),
                }
            }
        };
        if let Some(rest) = text.strip_prefix("starting delivery ") {
            // `D: msg M to local|remote RCPT`
            let mut words = rest.split(' ');
            let (Some(number), Some("msg"), Some(msg), Some("to"), Some(_), Some(rcpt)) = (
                words.next(),
                words.next(),
                words.next(),
                words.next(),
                words.next(),
                words.next(),
            ) else {
                return Err("a starting delivery line of another shape".into());
            };
            let number = number.trim_end_matches(':');
            if self.attempts.len() >= self.limits.max_queue_ids
                && !self.attempts.contains_key(number)
            {
                // More concurrent attempts than any qmail runs: a log with lost end lines.
                self.attempts.clear();
            }
            self.attempts.insert(
                number.to_owned(),
                Attempt { msg: msg.to_owned(), recipient: rcpt.to_owned() },
            );
        } else if let Some(rest) = text.strip_prefix("delivery ") {
            let Some((number, rest)) = rest.split_once(": ") else {
                return Err("a delivery line with no result".into());
            };
            let (result, report) = rest.split_once(": ").unwrap_or((rest, ""));
            let action = match result {
                "success" => "delivered",
                "failure" => "failed",
                "deferral" => "delayed",
                other => return Err(format!("unknown delivery result {other:?}")),
            };
            let Some(attempt) = self.attempts.remove(number) else {
                // Its start was before the log began: no recipient to give it.
                return Err(format!("delivery {number} has no starting line"));
            };
            let mut original = Original::default();
            if let Some(sender) = self.senders.get(&attempt.msg) {
                original.addresser = address::clean(sender);
            }
            let delivery = Delivery {
                recipient: attempt.recipient,
                action: action.to_owned(),
                diagnostic: unescape(report),
                date,
                ..Delivery::default()
            };
            out.push(Found { line: line_no, delivery, original });
        } else if let Some(rest) = text.strip_prefix("info msg ") {
            let Some((msg, rest)) = rest.split_once(": ") else { return Ok(()) };
            if let Some(from) = rest.split(" from ").nth(1) {
                let sender = from.split(' ').next().unwrap_or("");
                *self.senders.entry(msg) = sender.to_owned();
            }
        } else if let Some(msg) = text.strip_prefix("end msg ") {
            self.senders.remove(msg.trim());
        }
        Ok(())
    }

    fn finish(&mut self, _out: &mut Vec<Found>) {}
}

#[cfg(test)]
mod tests {
    use crate::logs::{LogFormat, read_log};
    use crate::reason::Reason;

    /// Lines in the shapes of qmail-log(5), with multilog's TAI64N labels.
    const LOG: &str = "\
@400000006933f5a2000000aa new msg 393220
@400000006933f5a2000000ab info msg 393220: bytes 1840 from <news@example.net> qp 4242 uid 1000
@400000006933f5a2000000ac starting delivery 17: msg 393220 to remote alice@example.org
@400000006933f5a2000000ad starting delivery 18: msg 393220 to remote bob@example.org
@400000006933f5a2000000ae starting delivery 19: msg 393220 to remote carol@example.com
@400000006933f5a3000000aa delivery 17: success: 192.0.2.10_accepted_message./Remote_host_said:_250_2.0.0_Ok:_queued_as_9F8E7D6C/
@400000006933f5a3000000ab delivery 18: failure: 192.0.2.10_does_not_like_recipient./Remote_host_said:_550_5.1.1_<bob@example.org>:_Recipient_address_rejected:_User_unknown/Giving_up_on_192.0.2.10./
@400000006933f5a3000000ac delivery 19: deferral: Sorry,_I_wasn't_able_to_establish_an_SMTP_connection._(#4.4.1)/
@400000006933f5a3000000ad delivery 20: failure: Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/
@400000006933f5a3000000ae end msg 393220
";

    #[test]
    fn delivery_lines_are_tied_to_their_start() {
        let (records, errors) = read_log(LogFormat::Qmail, LOG.as_bytes());
        let got: Vec<_> = records
            .iter()
            .map(|r| (r.message, r.recipient.as_str(), r.action.as_str(), r.reason, r.hardbounce))
            .collect();
        assert_eq!(
            got,
            [
                (6, "alice@example.org", "delivered", Reason::Delivered, false),
                (7, "bob@example.org", "failed", Reason::UserUnknown, true),
                (8, "carol@example.com", "delayed", Reason::NetworkError, false),
            ]
        );
        let bob = &records[1];
        assert_eq!((bob.replycode.as_str(), bob.deliverystatus.as_str()), ("550", "5.1.1"));
        assert_eq!(bob.addresser, "news@example.net");
        assert_eq!(bob.command, "RCPT");
        assert!(bob.diagnosticcode.contains("Remote host said: 550 5.1.1 <bob@example.org>:"));
        assert_eq!(bob.timestamp, 0x6933f5a3 - 10);
        assert_eq!(records[2].deliverystatus, "4.4.1");
        // A delivery whose start is not in the log is counted, not guessed.
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 9);
    }

    #[test]
    fn splogger_lines_are_read_too() {
        let log = "\
Dec  7 05:50:01 mx qmail: 1796622601.123456 starting delivery 3: msg 77 to local bob@example.org
Dec  7 05:50:01 mx qmail: 1796622601.223456 delivery 3: failure: Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/
";
        let (records, errors) = read_log(LogFormat::Qmail, log.as_bytes());
        assert!(errors.is_empty());
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].reason, Reason::UserUnknown);
        assert_eq!(records[0].timestamp, 1_796_622_601);
    }
}

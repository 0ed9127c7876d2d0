//! Exim's main log.
//!
//! As the Exim specification's chapter "Log files" describes it, each line starts with the date
//! (`2026-12-07 05:50:06`, with `.mmm` under `+millisec` and a zone under `log_timezone`), an
//! optional `[pid]` (`+pid`), the message id, and a flag: `<=` arrival, `=>` delivery, `->` a
//! further address of the same delivery, `*>` a delivery suppressed by `-N`, `**` a failed
//! address and `==` a deferred one. The address follows, with the address it was generated
//! from in angle brackets where they differ, then fields (`R=router T=transport H=host [ip]`)
//! and, for failures and deferrals, `: ` and the error: `SMTP error from remote mail server
//! after RCPT TO:<x>: 550 ...`, `Unrouteable address`, or `retry timeout exceeded` when the
//! retry rules give up. Lines written through syslog (`exim[pid]: ...`) lack the date and are
//! read the same way.

use super::queue::QueueMap;
use super::{Format, Found, LogLimits, parse_rfc3339, split_syslog};
use crate::decode::address;
use crate::decode::delivery::Delivery;
use crate::decode::original::Original;
use crate::reason::Reason;

/// What an arrival line said of a message.
#[derive(Debug, Default)]
struct Message {
    sender: String,
    message_id: String,
}

/// The Exim reader's state: the arrivals of messages not yet completed.
pub(crate) struct Exim {
    year: Option<u16>,
    queue: QueueMap<Message>,
}

impl Exim {
    /// A reader that gives `year` to syslog dates without one.
    pub fn new(year: Option<u16>, limits: LogLimits) -> Exim {
        Exim { year, queue: QueueMap::new(limits.max_queue_ids) }
    }
}

/// Exim's own date at the start of a line (`2026-12-07 05:50:06[.mmm][ +zzzz]`) and the rest.
fn exim_date(line: &str) -> Option<(mail_parser::DateTime, &str)> {
    let mut date = parse_rfc3339(line.get(..19)?)?;
    let mut rest = &line[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        rest = frac.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let zone = rest.strip_prefix(' ').filter(|z| {
        z.len() >= 5
            && matches!(z.as_bytes()[0], b'+' | b'-')
            && z.as_bytes()[1..5].iter().all(u8::is_ascii_digit)
    });
    if let Some(zone) = zone {
        date.tz_before_gmt = zone.starts_with('-');
        date.tz_hour = zone[1..3].parse().ok()?;
        date.tz_minute = zone[3..5].parse().ok()?;
        rest = &zone[5..];
    }
    Some((date, rest.strip_prefix(' ')?))
}

/// An Exim message id: three dash-separated parts of letters and digits (`1abcDE-0001Ab-Cd`,
/// or the longer form of Exim 4.97 and later).
fn is_message_id(word: &str) -> bool {
    let mut parts = 0;
    for part in word.split('-') {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return false;
        }
        parts += 1;
    }
    parts == 3 && (16..=32).contains(&word.len())
}

/// Where the first `": "` outside double quotes is (the error after the fields).
fn error_start(text: &str) -> Option<usize> {
    let mut quoted = false;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b':' if !quoted && bytes.get(i + 1) == Some(&b' ') => return Some(i),
            _ => {}
        }
    }
    None
}

/// The value of a `KEY=value` field among the fields (the host of `H=host [ip]`).
fn field<'a>(fields: &'a str, key: &str) -> &'a str {
    fields
        .split(' ')
        .find_map(|word| word.strip_prefix(key).and_then(|w| w.strip_prefix('=')))
        .map_or("", |v| v.trim_end_matches(':'))
}

/// A `C="..."` confirmation's text (the server's reply to the delivery).
fn confirmation(fields: &str) -> &str {
    fields
        .find(" C=\"")
        .map(|at| &fields[at + 4..])
        .and_then(|rest| rest.find('"').map(|end| &rest[..end]))
        .unwrap_or("")
}

impl Format for Exim {
    fn feed(&mut self, line_no: usize, line: &str, out: &mut Vec<Found>) -> Result<(), String> {
        let (date, mut rest) = match exim_date(line) {
            Some((date, rest)) => (Some(date), rest),
            None => {
                let syslog = split_syslog(line, self.year);
                (syslog.date, syslog.message)
            }
        };
        if rest.starts_with('[')
            && let Some((pid, after)) = rest.split_once("] ")
            && pid[1..].bytes().all(|b| b.is_ascii_digit())
        {
            rest = after;
        }
        let mut words = rest.splitn(3, ' ');
        let (Some(id), Some(flag)) = (words.next(), words.next()) else { return Ok(()) };
        if !is_message_id(id) {
            return Ok(());
        }
        let body = words.next().unwrap_or("");
        let action = match flag {
            "<=" => {
                let sender = body.split(' ').next().unwrap_or("");
                let message_id = field(body, "id");
                let message = self.queue.entry(id);
                message.sender = sender.to_owned();
                message.message_id = message_id.to_owned();
                return Ok(());
            }
            "=>" | "->" => "delivered",
            "**" => "failed",
            "==" => "delayed",
            "Completed" => {
                self.queue.remove(id);
                return Ok(());
            }
            _ => return Ok(()),
        };
        if body.is_empty() {
            return Err(format!("{flag} with no address"));
        }
        let (head, error) = match error_start(body) {
            Some(at) if action != "delivered" => (&body[..at], body[at + 2..].trim()),
            _ => (body, ""),
        };
        if action != "delivered" && error.is_empty() {
            return Err(format!("{flag} line with no error text"));
        }
        // `address [<parent>] fields...`
        let mut head_words = head.split(' ');
        let first = head_words.next().unwrap_or("");
        let parent = head_words
            .next()
            .filter(|w| w.starts_with('<') && w.ends_with('>'))
            .map_or("", |w| &w[1..w.len() - 1]);
        let (recipient, alias) =
            if parent.is_empty() || parent == first { (first, "") } else { (parent, first) };
        let recipient = address::clean(recipient);
        if recipient.is_empty() {
            // A pipe or file (`|/usr/bin/prog`, `/var/mail/x`) with no address it came from,
            // or a local address without a domain name (`root@localhost`): nobody to record.
            if action == "delivered" || first.starts_with(['|', '/', ':']) || first.contains('@') {
                return Ok(());
            }
            return Err(format!("no recipient address in {first:?}"));
        }
        let mut delivery = Delivery {
            recipient,
            alias: alias.to_owned(),
            action: action.to_owned(),
            rhost: field(head, "H").to_owned(),
            date,
            ..Delivery::default()
        };
        if action == "delivered" {
            delivery.diagnostic = confirmation(head).to_owned();
        } else {
            delivery.diagnostic = error.to_owned();
            if action == "failed" && crate::decode::freetext::says_gave_up(error) {
                delivery.reason = Some(Reason::Expired);
            }
        }
        let mut original = Original::default();
        if let Some(message) = self.queue.get(id) {
            original.addresser = address::clean(&message.sender);
            original.message_id = message.message_id.trim_matches(['<', '>']).to_owned();
        }
        out.push(Found { line: line_no, delivery, original });
        Ok(())
    }

    fn finish(&mut self, _out: &mut Vec<Found>) {}
}

#[cfg(test)]
mod tests {
    use crate::logs::{LogFormat, read_log};
    use crate::reason::Reason;

    /// Lines in the shapes of the Exim specification's chapter "Log files".
    const LOG: &str = "\
2026-12-07 05:50:01 1vAbCd-000Ef1-Gh <= news@example.net H=app.example.net [192.0.2.5] P=esmtp S=1840 id=20261207.abc@example.net
2026-12-07 05:50:02 1vAbCd-000Ef1-Gh => alice@example.org R=dnslookup T=remote_smtp H=mx.example.org [192.0.2.10] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes C=\"250 2.0.0 Ok: queued as 9F8E7D6C\"
2026-12-07 05:50:02 1vAbCd-000Ef1-Gh -> alice2@example.org R=dnslookup T=remote_smtp H=mx.example.org [192.0.2.10] C=\"250 2.0.0 Ok: queued as 9F8E7D6C\"
2026-12-07 05:50:03 1vAbCd-000Ef1-Gh ** bob@example.org R=dnslookup T=remote_smtp H=mx.example.org [192.0.2.10]: SMTP error from remote mail server after RCPT TO:<bob@example.org>: 550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in virtual mailbox table
2026-12-07 05:50:03 1vAbCd-000Ef1-Gh == carol@example.com R=dnslookup T=remote_smtp defer (-44) H=mx.example.com [198.51.100.7]: SMTP error from remote mail server after RCPT TO:<carol@example.com>: 452 4.2.2 Mailbox full
2026-12-07 05:50:04 1vAbCd-000Ef1-Gh ** dan@nonexistent.example: Unrouteable address
2026-12-12 05:50:04.123 +0900 [4242] 1vAbCd-000Ef1-Gh ** carol@example.com: retry timeout exceeded
2026-12-12 05:50:04 1vAbCd-000Ef1-Gh ** eve@example.net <e@example.net> R=redirect: Unrouteable address
2026-12-12 05:50:05 1vAbCd-000Ef1-Gh Completed
2026-12-12 05:50:05 1vAbCd-000Ef1-Gh ** broken
2026-12-12 05:50:06 1vAbCd-000Ef1-Gh ** root@localhost: Unrouteable address
";

    #[test]
    fn flagged_lines_give_one_record_each() {
        let (records, errors) = read_log(LogFormat::Exim, LOG.as_bytes());
        let got: Vec<_> = records
            .iter()
            .map(|r| (r.message, r.recipient.as_str(), r.action.as_str(), r.reason, r.hardbounce))
            .collect();
        assert_eq!(
            got,
            [
                (2, "alice@example.org", "delivered", Reason::Delivered, false),
                (3, "alice2@example.org", "delivered", Reason::Delivered, false),
                (4, "bob@example.org", "failed", Reason::UserUnknown, true),
                (5, "carol@example.com", "delayed", Reason::MailboxFull, false),
                (6, "dan@nonexistent.example", "failed", Reason::HostUnknown, true),
                (7, "carol@example.com", "failed", Reason::Expired, false),
                (8, "e@example.net", "failed", Reason::HostUnknown, true),
            ]
        );
        let bob = &records[2];
        assert_eq!((bob.replycode.as_str(), bob.deliverystatus.as_str()), ("550", "5.1.1"));
        assert_eq!(bob.command, "RCPT");
        assert_eq!(bob.rhost, "mx.example.org");
        assert_eq!(bob.addresser, "news@example.net");
        assert_eq!(bob.messageid, "20261207.abc@example.net");
        assert_eq!(records[0].diagnosticcode, "250 2.0.0 Ok: queued as 9F8E7D6C");
        assert_eq!(records[5].timezoneoffset, "+0900");
        assert_eq!(records[6].alias, "eve@example.net");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 10);
    }

    #[test]
    fn syslog_lines_are_read_too() {
        let line = "Dec  7 05:50:03 mx exim[123]: 1vAbCd-000Ef1-Gh ** bob@example.org R=dnslookup T=remote_smtp H=mx.example.org [192.0.2.10]: SMTP error from remote mail server after RCPT TO:<bob@example.org>: 550 5.1.1 User unknown";
        let (records, _) = read_log(LogFormat::Exim, line.as_bytes());
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].reason, Reason::UserUnknown);
    }
}

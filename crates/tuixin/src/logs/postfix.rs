//! Postfix's mail log.
//!
//! The delivery agents (`smtp`, `lmtp`, `local`, `virtual`, `pipe`, `error`, and `qmgr` for mail
//! it defers itself) write one line per recipient and attempt, as Postfix's `log_adhoc()` forms
//! it: `QID: to=<rcpt>, [orig_to=<addr>, ]relay=host[ip]:port, [conn_use=N, ]delay=N,
//! delays=a/b/c/d, dsn=X.Y.Z, status=sent|bounced|deferred|expired (TEXT)`, where TEXT quotes a
//! remote server as `host H[ip] said: 550 5.1.1 ... (in reply to RCPT TO command)`. Around
//! them: `qmgr`'s `QID: from=<sender>, size=N, nrcpt=N (queue active)` names the sender,
//! `cleanup`'s `QID: message-id=<id>` the Message-ID, the SMTP client's session-level `QID: host
//! H[ip] said: 4xx ... (in reply to MAIL FROM command)` a reply that ended a session without a
//! recipient line of its own, and `qmgr`'s `QID: from=<sender>, status=expired, returned to
//! sender` that the message's deferred recipients are given up on. `QID: removed` ends the
//! message.

use super::queue::QueueMap;
use super::{Format, Found, LogLimits, split_syslog};
use crate::decode::delivery::{Delivery, codes_in};
use crate::decode::original::Original;
use crate::reason::Reason;

/// A recipient deferred and not yet delivered or bounced, for the message's expiry line.
#[derive(Debug, Clone)]
struct Pending {
    delivery: Delivery,
}

/// What earlier lines said of one queued message.
#[derive(Debug, Default)]
struct Message {
    sender: String,
    message_id: String,
    /// The last session-level reply (`host H[ip] said: ...`): its words and host.
    session: Option<(String, String)>,
    pending: Vec<Pending>,
}

/// The Postfix reader's state.
pub(crate) struct Postfix {
    year: Option<u16>,
    limits: LogLimits,
    queue: QueueMap<Message>,
}

impl Postfix {
    /// A reader that gives `year` to dates without one.
    pub fn new(year: Option<u16>, limits: LogLimits) -> Postfix {
        Postfix { year, limits, queue: QueueMap::new(limits.max_queue_ids) }
    }

    fn original(&self, qid: &str) -> Original {
        let mut original = Original::default();
        if let Some(message) = self.queue.get(qid) {
            original.addresser = crate::decode::address::clean(&message.sender);
            original.message_id.clone_from(&message.message_id);
        }
        original
    }
}

/// A Postfix queue id: short (hexadecimal) or long (`enable_long_queue_ids`) form, letters and
/// digits only.
fn is_queue_id(word: &str) -> bool {
    (5..=32).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The host name of `host[ip]:port` or `host[ip]` (empty for `none`, `local` and other
/// transports without a host).
fn host_of(relay: &str) -> &str {
    match relay.split_once('[') {
        Some((host, _)) if host != "none" => host,
        _ => "",
    }
}

/// A remote server's reply quoted as `host H[ip] said: TEXT`: the host and the reply.
fn said(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix("host ")?;
    let (host, reply) = rest.split_once(" said: ")?;
    (!host.contains(' ')).then(|| (host_of(host), reply))
}

/// What a recipient line says: its recipient, status word, text and fields.
struct ResultLine<'a> {
    to: &'a str,
    orig_to: &'a str,
    relay: &'a str,
    dsn: &'a str,
    status: &'a str,
    text: &'a str,
}

/// Reads `rcpt>, field=value, ..., status=WORD (TEXT)` (what follows `QID: to=<`).
fn result_line(rest: &str) -> Result<ResultLine<'_>, String> {
    let (to, fields) = match rest.find(">, ") {
        Some(end) => (&rest[..end], &rest[end + 3..]),
        None => return Err("no end to the to=<...> address".into()),
    };
    let Some(at) = fields.find("status=").filter(|&at| at == 0 || fields[..at].ends_with(", "))
    else {
        return Err("no status= field".into());
    };
    let (head, tail) = (&fields[..at], &fields[at + "status=".len()..]);
    let mut line = ResultLine { to, orig_to: "", relay: "", dsn: "", status: "", text: "" };
    for field in head.split(", ") {
        let Some((key, value)) = field.split_once('=') else { continue };
        match key {
            "orig_to" => line.orig_to = value.trim_start_matches('<').trim_end_matches('>'),
            "relay" => line.relay = value,
            "dsn" => line.dsn = value,
            _ => {}
        }
    }
    let word_end = tail.find([' ', ',']).unwrap_or(tail.len());
    line.status = &tail[..word_end];
    let after = &tail[word_end..];
    if let Some(text) = after.strip_prefix(" (") {
        // The text runs to the line's last `)`; a cut line has none, and keeps all it has.
        line.text = text.strip_suffix(')').unwrap_or(text);
    }
    Ok(line)
}

impl Format for Postfix {
    fn feed(&mut self, line_no: usize, line: &str, out: &mut Vec<Found>) -> Result<(), String> {
        let syslog = split_syslog(line, self.year);
        let Some((qid, rest)) = syslog.message.split_once(": ") else { return Ok(()) };
        if !is_queue_id(qid) {
            return Ok(());
        }
        if let Some(rest) = rest.strip_prefix("to=<") {
            let result = result_line(rest)?;
            let (action, reason) = match result.status {
                "sent" => ("delivered", None),
                "bounced" => ("failed", None),
                // `soft_bounce = yes` turns a bounce into a deferral and says so.
                "deferred" | "SOFTBOUNCE" => ("delayed", None),
                "expired" => ("failed", Some(Reason::Expired)),
                // Address verification probes (`sendmail -bv`, `reject_unverified_*`) deliver
                // nothing: not a result.
                "deliverable" | "undeliverable" => return Ok(()),
                other => return Err(format!("unknown status {other:?}")),
            };
            let mut delivery = Delivery {
                recipient: if result.orig_to.is_empty() { result.to } else { result.orig_to }
                    .to_owned(),
                alias: if result.orig_to.is_empty() { "" } else { result.to }.to_owned(),
                action: action.to_owned(),
                status: result.dsn.to_owned(),
                rhost: host_of(result.relay).to_owned(),
                lhost: syslog.host.to_owned(),
                date: syslog.date,
                reason,
                ..Delivery::default()
            };
            if let Some((host, reply)) = said(result.text) {
                delivery.diagnostic = reply.to_owned();
                delivery.diagnostic_type = "SMTP".to_owned();
                if !host.is_empty() {
                    delivery.rhost = host.to_owned();
                }
            } else {
                delivery.diagnostic = result.text.to_owned();
                let (reply, status) = codes_in(result.text);
                if reply.is_none() && status.is_none() {
                    delivery.diagnostic_type = "X-Postfix".to_owned();
                }
                // The reply that ended the session (logged on a line of its own) is the remote
                // server's words for a failure the recipient line only summarises.
                let session = (action != "delivered" && reply.is_none())
                    .then(|| self.queue.get(qid).and_then(|m| m.session.clone()))
                    .flatten();
                if let Some((text, host)) = session {
                    delivery.diagnostic = text;
                    delivery.diagnostic_type = "SMTP".to_owned();
                    if !host.is_empty() {
                        delivery.rhost = host;
                    }
                }
            }
            let original = self.original(qid);
            let max_pending = self.limits.max_pending_recipients;
            if action == "delayed" {
                let message = self.queue.entry(qid);
                message.pending.retain(|p| {
                    p.delivery.alias != delivery.alias || p.delivery.recipient != delivery.recipient
                });
                if message.pending.len() < max_pending {
                    message.pending.push(Pending { delivery: delivery.clone() });
                }
            } else if let Some(message) = self.queue.get_mut(qid) {
                message.pending.retain(|p| {
                    p.delivery.alias != delivery.alias || p.delivery.recipient != delivery.recipient
                });
            }
            out.push(Found { line: line_no, delivery, original });
        } else if let Some(rest) = rest.strip_prefix("from=<") {
            let Some((sender, tail)) = rest.split_once(">, ") else { return Ok(()) };
            if tail.starts_with("status=expired") {
                // The queue gave up on the message: each recipient still deferred has failed.
                let original = self.original(qid);
                let pending = self.queue.remove(qid).map(|m| m.pending).unwrap_or_default();
                for p in pending {
                    let mut delivery = p.delivery;
                    delivery.action = "failed".to_owned();
                    delivery.reason = Some(Reason::Expired);
                    delivery.date = syslog.date;
                    out.push(Found { line: line_no, delivery, original: original.clone() });
                }
            } else if tail.starts_with("size=") {
                self.queue.entry(qid).sender = sender.to_owned();
            }
        } else if let Some(id) = rest.strip_prefix("message-id=") {
            self.queue.entry(qid).message_id = id.trim_matches(['<', '>']).to_owned();
        } else if let Some((host, reply)) = said(rest) {
            self.queue.entry(qid).session = Some((reply.to_owned(), host.to_owned()));
        } else if rest == "removed" {
            self.queue.remove(qid);
        }
        Ok(())
    }

    fn finish(&mut self, _out: &mut Vec<Found>) {}
}

#[cfg(test)]
mod tests {
    use crate::logs::{LogFormat, read_log};
    use crate::reason::Reason;

    /// Lines in the shapes Postfix 3.x writes them (log_adhoc.c, qmgr_active.c, smtp_trouble.c).
    const LOG: &str = "\
Dec  7 05:50:01 mx postfix/pickup[801]: 4A1B2C3D4E: uid=1000 from=<news>
Dec  7 05:50:01 mx postfix/cleanup[802]: 4A1B2C3D4E: message-id=<20261207055001.4A1B2C3D4E@mx.example.net>
Dec  7 05:50:01 mx postfix/qmgr[803]: 4A1B2C3D4E: from=<news@example.net>, size=1840, nrcpt=3 (queue active)
Dec  7 05:50:02 mx postfix/smtp[804]: 4A1B2C3D4E: to=<alice@example.org>, relay=mx.example.org[192.0.2.10]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9F8E7D6C)
Dec  7 05:50:02 mx postfix/smtp[804]: 4A1B2C3D4E: to=<bob@example.org>, relay=mx.example.org[192.0.2.10]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.10] said: 550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))
Dec  7 05:50:03 mx postfix/smtp[805]: 4A1B2C3D4E: to=<carol@example.com>, orig_to=<c@example.net>, relay=mx.example.com[198.51.100.7]:25, delay=2, delays=0.1/0/1/0.9, dsn=4.2.2, status=deferred (host mx.example.com[198.51.100.7] said: 452 4.2.2 <carol@example.com>: Mailbox full (in reply to RCPT TO command))
Dec  7 05:50:03 mx postfix/bounce[806]: 4A1B2C3D4E: sender non-delivery notification: 5B6C7D8E9F
Dec 12 05:50:03 mx postfix/qmgr[803]: 4A1B2C3D4E: from=<news@example.net>, status=expired, returned to sender
Dec 12 05:50:03 mx postfix/qmgr[803]: 4A1B2C3D4E: removed
";

    #[test]
    fn recipient_lines_give_one_record_each() {
        let (records, errors) = read_log(LogFormat::Postfix, LOG.as_bytes());
        assert!(errors.is_empty(), "{errors:?}");
        let summary: Vec<_> = records
            .iter()
            .map(|r| (r.message, r.recipient.as_str(), r.action.as_str(), r.reason, r.hardbounce))
            .collect();
        assert_eq!(
            summary,
            [
                (4, "alice@example.org", "delivered", Reason::Delivered, false),
                (5, "bob@example.org", "failed", Reason::UserUnknown, true),
                (6, "c@example.net", "delayed", Reason::MailboxFull, false),
                (8, "c@example.net", "failed", Reason::Expired, false),
            ]
        );
        let bob = &records[1];
        assert_eq!((bob.deliverystatus.as_str(), bob.replycode.as_str()), ("5.1.1", "550"));
        assert_eq!(bob.command, "RCPT");
        assert_eq!(bob.rhost, "mx.example.org");
        assert_eq!(bob.addresser, "news@example.net");
        assert_eq!(bob.messageid, "20261207055001.4A1B2C3D4E@mx.example.net");
        assert!(bob.diagnosticcode.starts_with("550 5.1.1 <bob@example.org>: Recipient"));
        assert_eq!(bob.decodedby, "log.postfix");
        // orig_to is the address the sender used; the rewritten one is kept beside it.
        assert_eq!(records[2].alias, "carol@example.com");
        // The expiry keeps the last deferral's words.
        assert!(records[3].diagnosticcode.contains("Mailbox full"));
    }

    #[test]
    fn a_session_level_reply_speaks_for_the_recipients_after_it() {
        let log = "\
2026-12-07T06:00:00.000001+00:00 mx postfix/smtp[7]: 7C0FFEE123: host mx1.example.org[192.0.2.1] said: 421 4.7.0 Try again later, closing connection. (in reply to MAIL FROM command)
2026-12-07T06:00:01.000001+00:00 mx postfix/smtp[7]: 7C0FFEE123: to=<dan@example.org>, relay=mx2.example.org[192.0.2.2]:25, delay=31, delays=0/0/31/0, dsn=4.4.1, status=deferred (connect to mx2.example.org[192.0.2.2]:25: Connection timed out)
";
        let (records, errors) = read_log(LogFormat::Postfix, log.as_bytes());
        assert!(errors.is_empty());
        assert_eq!(records.len(), 1);
        let dan = &records[0];
        assert_eq!(dan.action, "delayed");
        assert_eq!(dan.replycode, "421");
        assert_eq!(dan.command, "MAIL");
        assert_eq!(dan.rhost, "mx1.example.org");
        assert!(!dan.hardbounce);
        assert_eq!(dan.timestamp, 1_796_623_201);
    }

    #[test]
    fn postfix_own_texts_are_classified_too() {
        let log = "\
Dec  7 06:01:00 mx postfix/local[9]: 1234ABCDEF: to=<nobody@mx.example.net>, relay=local, delay=0.01, delays=0/0/0/0, dsn=5.1.1, status=bounced (unknown user: \"nobody\")
Dec  7 06:01:01 mx postfix/smtp[9]: 1234ABCDF0: to=<x@nonexistent.example>, relay=none, delay=0.1, delays=0/0/0.1/0, dsn=5.4.4, status=bounced (Host or domain name not found. Name service error for name=nonexistent.example type=A: Host not found)
Dec  7 06:01:02 mx postfix/smtp[9]: 1234ABCDF1: to=<y@example.org>, relay=none, delay=30, delays=0/0/30/0, dsn=4.4.1, status=deferred (connect to mx.example.org[192.0.2.10]:25: Connection refused)
Dec  7 06:01:03 mx postfix/local[9]: 1234ABCDF2: to=<root@localhost>, relay=local, delay=0.01, delays=0/0/0/0, dsn=5.1.1, status=bounced (unknown user: \"root\")
Dec  7 06:01:04 mx postfix/smtp[9]: 1234ABCDF3: to=<z@example.org>, relay=mx.example.org[192.0.2.10]:25, delay=1, delays=0/0/0.5/0.5, dsn=4.1.1, status=SOFTBOUNCE (host mx.example.org[192.0.2.10] said: 550 5.1.1 <z@example.org>: Recipient address rejected: User unknown (in reply to RCPT TO command))
";
        let (records, _) = read_log(LogFormat::Postfix, log.as_bytes());
        let got: Vec<_> =
            records.iter().map(|r| (r.action.as_str(), r.reason, r.hardbounce)).collect();
        assert_eq!(
            got,
            [
                ("failed", Reason::UserUnknown, true),
                ("failed", Reason::HostUnknown, true),
                ("delayed", Reason::NetworkError, false),
                // soft_bounce: retried, though the server's words say the user is unknown.
                ("delayed", Reason::UserUnknown, true),
            ]
        );
        assert_eq!(records[0].diagnostictype, "X-Postfix");
    }

    #[test]
    fn other_lines_are_skipped_and_broken_result_lines_counted() {
        let log = "\
Dec  7 06:02:00 mx postfix/smtpd[1]: connect from unknown[203.0.113.9]
Dec  7 06:02:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[203.0.113.9]: 554 5.7.1 <z@example.net>: Relay access denied; from=<s@example.com> to=<z@example.net> proto=ESMTP helo=<x>
Dec  7 06:02:01 mx postfix/smtp[2]: ABCDE12345: to=<a@example.org>, relay=none, delay=1
Dec  7 06:02:01 mx postfix/smtp[2]: ABCDE12346: to=<a@example.org>, relay=none, dsn=5.0.0, status=exploded (boom)
\u{0}\u{1}\u{2}garbage\u{ff}
";
        let (records, errors) = read_log(LogFormat::Postfix, log.as_bytes());
        assert!(records.is_empty());
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4]);
        assert!(errors[1].to_string().contains("exploded"));
    }
}

//! Sendmail's mail log.
//!
//! Sendmail logs each delivery attempt (Sendmail Installation and Operation Guide, "Log
//! Information") as `QID: to=RCPT[,RCPT...], [ctladdr=ADDR (uid/gid), ]delay=HH:MM:SS,
//! xdelay=HH:MM:SS, mailer=esmtp, pri=N, relay=host. [ip], dsn=X.Y.Z, stat=STATUS`, where STATUS
//! is `Sent (server's reply)`, `Deferred: cause` or the failure (`User unknown`, `Service
//! unavailable`, `Host unknown (Name server: ...)`). The arrival line `QID: from=<sender>,
//! size=N, class=N, nrcpts=N, msgid=<id>, ...` names the sender and Message-ID, and a line
//! `QID: <rcpt>... text` carries the words of an error for one recipient, where the `stat=`
//! summary has fewer.

use super::queue::QueueMap;
use super::{Format, Found, LogLimits, split_syslog};
use crate::decode::address;
use crate::decode::delivery::{Delivery, codes_in};
use crate::decode::original::Original;

/// What earlier lines said of a message.
#[derive(Debug, Default)]
struct Message {
    sender: String,
    message_id: String,
    /// The `<rcpt>... text` lines not yet used by a `to=` line.
    replies: Vec<(String, String)>,
}

/// The Sendmail reader's state.
pub(crate) struct Sendmail {
    year: Option<u16>,
    limits: LogLimits,
    queue: QueueMap<Message>,
}

impl Sendmail {
    /// A reader that gives `year` to dates without one.
    pub fn new(year: Option<u16>, limits: LogLimits) -> Sendmail {
        Sendmail { year, limits, queue: QueueMap::new(limits.max_queue_ids) }
    }
}

/// A Sendmail queue id: letters and digits (`9B7CF1D0A01`, `x7H3kA1B012345`).
fn is_queue_id(word: &str) -> bool {
    (5..=32).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The value of `key=` among `, `-separated fields (`stat=` runs to the end of the line).
fn field<'a>(fields: &'a str, key: &str) -> Option<&'a str> {
    let mut at = 0;
    loop {
        let rest = &fields[at..];
        if let Some(value) = rest.strip_prefix(key).and_then(|r| r.strip_prefix('=')) {
            if key == "stat" {
                return Some(value);
            }
            return Some(value.split_once(", ").map_or(value, |(v, _)| v));
        }
        at += rest.find(", ")? + 2;
    }
}

/// The recipients of a `to=` value: comma-separated, each maybe in angle brackets.
fn recipients(value: &str) -> Vec<String> {
    value.split(',').map(address::clean).filter(|a| !a.is_empty()).collect()
}

impl Format for Sendmail {
    fn feed(&mut self, line_no: usize, line: &str, out: &mut Vec<Found>) -> Result<(), String> {
        let syslog = split_syslog(line, self.year);
        let Some((qid, rest)) = syslog.message.split_once(": ") else { return Ok(()) };
        if !is_queue_id(qid) {
            return Ok(());
        }
        if rest.starts_with("from=") {
            let message = self.queue.entry(qid);
            message.sender = field(rest, "from").unwrap_or("").to_owned();
            message.message_id =
                field(rest, "msgid").unwrap_or("").trim_matches(['<', '>']).to_owned();
            return Ok(());
        }
        if rest.starts_with('<')
            && let Some((rcpt, text)) = rest.split_once(">... ")
        {
            let max = self.limits.max_pending_recipients;
            let message = self.queue.entry(qid);
            let rcpt = address::clean(&rcpt[1..]);
            message.replies.retain(|(r, _)| *r != rcpt);
            if message.replies.len() < max {
                message.replies.push((rcpt, text.to_owned()));
            }
            return Ok(());
        }
        if !rest.starts_with("to=") {
            return Ok(());
        }
        let Some(stat) = field(rest, "stat") else { return Err("no stat= field".into()) };
        let to = recipients(field(rest, "to").unwrap_or(""));
        if to.is_empty() {
            return Err("no recipient address in to=".into());
        }
        let dsn = field(rest, "dsn").unwrap_or("");
        let (action, text) = if let Some(sent) = stat.strip_prefix("Sent") {
            ("delivered", sent.trim().trim_start_matches('(').trim_end_matches(')'))
        } else if let Some(deferred) = stat.strip_prefix("Deferred") {
            ("delayed", deferred.trim_start_matches(':').trim())
        } else if stat.eq_ignore_ascii_case("queued") || stat.starts_with("queued ") {
            // Queued for a later run: nothing was attempted.
            return Ok(());
        } else if dsn.starts_with('4') {
            ("delayed", stat)
        } else {
            ("failed", stat)
        };
        let relay = field(rest, "relay").unwrap_or("");
        let rhost = relay.split(' ').next().unwrap_or("").trim_end_matches('.');
        let rhost = if rhost.starts_with('[') || rhost.is_empty() { "" } else { rhost };
        let mut original = Original::default();
        let message = self.queue.get_mut(qid);
        let mut replies = Vec::new();
        if let Some(message) = message {
            original.addresser = address::clean(&message.sender);
            original.message_id.clone_from(&message.message_id);
            for rcpt in &to {
                if let Some(i) = message.replies.iter().position(|(r, _)| r == rcpt) {
                    replies.push(Some(message.replies.swap_remove(i).1));
                } else {
                    replies.push(None);
                }
            }
        }
        for (i, recipient) in to.into_iter().enumerate() {
            let mut diagnostic = text.to_owned();
            // The recipient's own error line has the server's words and code where `stat=`
            // has only Sendmail's summary.
            if let Some(Some(reply)) = replies.get(i)
                && action != "delivered"
                && codes_in(&diagnostic).0.is_none()
                && codes_in(reply).0.is_some()
            {
                diagnostic.clone_from(reply);
            }
            let delivery = Delivery {
                recipient,
                action: action.to_owned(),
                status: dsn.to_owned(),
                diagnostic,
                rhost: rhost.to_owned(),
                lhost: syslog.host.to_owned(),
                date: syslog.date,
                ..Delivery::default()
            };
            out.push(Found { line: line_no, delivery, original: original.clone() });
        }
        Ok(())
    }

    fn finish(&mut self, _out: &mut Vec<Found>) {}
}

#[cfg(test)]
mod tests {
    use crate::logs::{LogFormat, read_log};
    use crate::reason::Reason;

    /// Lines in the shapes of the Sendmail Installation and Operation Guide.
    const LOG: &str = "\
Dec  7 05:50:01 mx sm-mta[801]: 5B7HQ1aB000801: from=<news@example.net>, size=1840, class=0, nrcpts=3, msgid=<20261207.abc@example.net>, proto=ESMTP, daemon=MTA, relay=app.example.net [192.0.2.5]
Dec  7 05:50:02 mx sm-mta[802]: 5B7HQ1aB000801: to=<alice@example.org>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=121840, relay=mx.example.org. [192.0.2.10], dsn=2.0.0, stat=Sent (9F8E7D6C Message accepted for delivery)
Dec  7 05:50:02 mx sm-mta[802]: 5B7HQ1aB000801: <bob@example.org>... 550 5.1.1 <bob@example.org>... User unknown
Dec  7 05:50:02 mx sm-mta[802]: 5B7HQ1aB000801: to=<bob@example.org>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=121840, relay=mx.example.org. [192.0.2.10], dsn=5.1.1, stat=User unknown
Dec  7 05:50:03 mx sm-mta[803]: 5B7HQ1aB000801: to=carol@example.com,dan@example.com, ctladdr=<news@example.net> (1000/1000), delay=00:00:02, xdelay=00:00:01, mailer=esmtp, pri=121840, relay=mx.example.com. [198.51.100.7], dsn=4.0.0, stat=Deferred: Connection refused by mx.example.com.
Dec  7 05:50:04 mx sm-mta[804]: 5B7HQ1aB000802: to=<eve@nonexistent.example>, delay=00:00:00, xdelay=00:00:00, mailer=esmtp, pri=30000, relay=nonexistent.example, dsn=5.1.2, stat=Host unknown (Name server: nonexistent.example: host not found)
Dec  7 05:50:05 mx sm-mta[805]: 5B7HQ1aB000803: to=<frank@example.org>, delay=00:00:00, mailer=esmtp, pri=30000
";

    #[test]
    fn to_lines_give_one_record_per_recipient() {
        let (records, errors) = read_log(LogFormat::Sendmail, LOG.as_bytes());
        let got: Vec<_> = records
            .iter()
            .map(|r| (r.message, r.recipient.as_str(), r.action.as_str(), r.reason, r.hardbounce))
            .collect();
        assert_eq!(
            got,
            [
                (2, "alice@example.org", "delivered", Reason::Delivered, false),
                (4, "bob@example.org", "failed", Reason::UserUnknown, true),
                (5, "carol@example.com", "delayed", Reason::NetworkError, false),
                (5, "dan@example.com", "delayed", Reason::NetworkError, false),
                (6, "eve@nonexistent.example", "failed", Reason::HostUnknown, true),
            ]
        );
        let bob = &records[1];
        assert_eq!((bob.replycode.as_str(), bob.deliverystatus.as_str()), ("550", "5.1.1"));
        assert_eq!(bob.rhost, "mx.example.org");
        assert_eq!(bob.addresser, "news@example.net");
        assert_eq!(bob.messageid, "20261207.abc@example.net");
        assert_eq!(records[0].diagnosticcode, "9F8E7D6C Message accepted for delivery");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 7);
    }
}

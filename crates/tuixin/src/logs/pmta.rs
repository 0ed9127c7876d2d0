//! PowerMTA's accounting file: CSV (RFC 4180) whose first line names the fields.
//!
//! The first column is always `type`: `d` delivered, `b` bounced, `t` and `tq` transient
//! (deferred), `rb` a remote (out-of-band) bounce, `rs` a remote status, `f` a feedback-loop
//! report, `r` a reception (no result). The fields read are `rcpt`, `orig`, `timeLogged`,
//! `dsnAction`, `dsnStatus` (`5.1.1 (bad destination mailbox address)`), `dsnDiag`
//! (`smtp;550 5.1.1 ...`), `dsnMta` (`mx.example.org (192.0.2.10)`) and, where configured,
//! `header_Message-Id` and `header_Subject`. A file may hold several header lines (files joined
//! after rotation): each one names the fields of the lines after it.

use super::{Format, Found, parse_rfc3339};
use crate::decode::address;
use crate::decode::delivery::Delivery;
use crate::decode::original::Original;
use crate::reason::Reason;

/// Most fields a header line may name.
const MAX_FIELDS: usize = 1024;

/// The PowerMTA reader's state: the field names of the last header line.
#[derive(Debug, Default)]
pub(crate) struct Pmta {
    fields: Vec<String>,
}

/// One CSV line's fields (RFC 4180 quoting; a value may not span lines).
fn split_csv(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted => {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            }
            '"' if at_start => quoted = true,
            ',' if !quoted => {
                fields.push(std::mem::take(&mut field));
                at_start = true;
                if fields.len() > MAX_FIELDS {
                    return Err(format!("more than {MAX_FIELDS} fields"));
                }
                continue;
            }
            c => field.push(c),
        }
        at_start = false;
    }
    if quoted {
        return Err("a quoted value does not end on its line".into());
    }
    fields.push(field);
    Ok(fields)
}

/// `timeLogged`: Unix seconds, or a date as `2026-12-07 05:50:06-0800` / RFC 3339.
fn parse_time(value: &str) -> Option<mail_parser::DateTime> {
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse().ok().map(mail_parser::DateTime::from_timestamp);
    }
    parse_rfc3339(&value.replace(" +", "+").replace(" -", "-"))
}

impl Format for Pmta {
    fn feed(&mut self, line_no: usize, line: &str, out: &mut Vec<Found>) -> Result<(), String> {
        if line.trim().is_empty() {
            return Ok(());
        }
        let values = split_csv(line)?;
        if values[0].eq_ignore_ascii_case("type") {
            self.fields = values;
            return Ok(());
        }
        let kind = values[0].as_str();
        let (action, reason) = match kind {
            "d" | "delivery" => ("delivered", None),
            "b" | "bounce" | "rb" | "remoteBounce" => ("failed", None),
            "t" | "tq" | "transient" | "transient-queue" => ("delayed", None),
            "rs" | "remoteStatus" => ("", None),
            "f" | "feedback-loop" => ("", Some(Reason::Feedback)),
            // Receptions and types that are no delivery result.
            _ => return Ok(()),
        };
        if self.fields.is_empty() {
            return Err("a record before any header line names its fields".into());
        }
        let get = |name: &str| -> &str {
            self.fields
                .iter()
                .position(|f| f.eq_ignore_ascii_case(name))
                .and_then(|i| values.get(i))
                .map_or("", |v| v.trim())
        };
        let recipient = address::clean(get("rcpt"));
        if recipient.is_empty() && reason.is_none() {
            return Err("no rcpt".into());
        }
        // The DSN's own action where it has one (`relayed`, `expanded` are deliveries).
        let action = match get("dsnAction").to_ascii_lowercase().as_str() {
            "failed" => "failed",
            "delayed" => "delayed",
            "delivered" | "relayed" | "expanded" => "delivered",
            _ => action,
        };
        let diag = get("dsnDiag");
        let (diagnostic_type, diagnostic) = match diag.split_once(';') {
            Some((kind, text)) if !kind.contains(' ') => (kind.trim().to_ascii_uppercase(), text),
            _ => (String::new(), diag),
        };
        let original = Original {
            addresser: address::clean(get("orig")),
            message_id: get("header_Message-Id").trim_matches(['<', '>']).to_owned(),
            subject: get("header_Subject").to_owned(),
            ..Original::default()
        };
        let delivery = Delivery {
            recipient,
            action: action.to_owned(),
            status: get("dsnStatus").split(' ').next().unwrap_or("").to_owned(),
            diagnostic: diagnostic.trim().to_owned(),
            diagnostic_type,
            rhost: get("dsnMta").split(' ').next().unwrap_or("").to_owned(),
            feedback_type: get("feedbackType").to_owned(),
            date: parse_time(get("timeLogged")),
            reason,
            ..Delivery::default()
        };
        out.push(Found { line: line_no, delivery, original });
        Ok(())
    }

    fn finish(&mut self, _out: &mut Vec<Found>) {}
}

#[cfg(test)]
mod tests {
    use super::split_csv;
    use crate::logs::{LogFormat, read_log};
    use crate::reason::Reason;

    #[test]
    fn records_are_read_by_the_header_lines_names() {
        // In the shape of PowerMTA's user guide, "Accounting records".
        let log = "\
b,1796622600,news@example.net,early@example.org
type,timeLogged,orig,rcpt,dsnAction,dsnStatus,dsnDiag,dsnMta,bounceCat,vmta,header_Message-Id
d,2026-12-07 05:50:02+0000,news@example.net,alice@example.org,relayed,2.0.0 (success),smtp;250 2.0.0 Ok: queued as 9F8E7D6C,mx.example.org (192.0.2.10),,vmta1,<20261207.abc@example.net>
b,2026-12-07 05:50:03+0000,news@example.net,bob@example.org,failed,5.1.1 (bad destination mailbox address),\"smtp;550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown, sorry\",mx.example.org (192.0.2.10),bad-mailbox,vmta1,
t,2026-12-07 05:50:04+0000,news@example.net,carol@example.com,delayed,4.2.2 (mailbox full),smtp;452 4.2.2 Mailbox full,mx.example.com (198.51.100.7),quota-issues,vmta1,
r,2026-12-07 05:50:05+0000,news@example.net,dan@example.org,,,,,,vmta1,
b,2026-12-07 05:50:06+0000,news@example.net,\"eve@example.org
";
        let (records, errors) = read_log(LogFormat::Pmta, log.as_bytes());
        let got: Vec<_> = records
            .iter()
            .map(|r| (r.message, r.recipient.as_str(), r.action.as_str(), r.reason, r.hardbounce))
            .collect();
        assert_eq!(
            got,
            [
                (3, "alice@example.org", "delivered", Reason::Delivered, false),
                (4, "bob@example.org", "failed", Reason::UserUnknown, true),
                (5, "carol@example.com", "delayed", Reason::MailboxFull, false),
            ]
        );
        let bob = &records[1];
        assert_eq!((bob.replycode.as_str(), bob.deliverystatus.as_str()), ("550", "5.1.1"));
        assert_eq!(bob.diagnostictype, "SMTP");
        assert_eq!(bob.rhost, "mx.example.org");
        assert_eq!(bob.addresser, "news@example.net");
        assert_eq!(bob.timestamp, 1_796_622_603);
        assert!(bob.diagnosticcode.ends_with("User unknown, sorry"));
        assert_eq!(records[0].messageid, "20261207.abc@example.net");
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [1, 7]);
    }

    #[test]
    fn csv_quoting() {
        assert_eq!(split_csv("a,\"b,c\",\"d\"\"e\",").unwrap(), ["a", "b,c", "d\"e", ""]);
        assert!(split_csv("a,\"b").is_err());
    }
}

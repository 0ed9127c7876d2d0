//! Bare SMTP replies, one a line: `550 5.1.1 <x@y.example>: Recipient address rejected`.
//!
//! A multi-line reply (`550-5.7.1 first`, ..., `550 5.7.1 last`, RFC 5321 section 4.2) is one
//! result, on the line it starts. Replies of the 2yz class are deliveries, 4yz delays, 5yz
//! failures; 3yz replies (`354 End data with <CR><LF>.<CR><LF>`) are no result. The recipient is
//! the address the reply names (in angle brackets first), where it names one.

use super::{Format, Found};
use crate::decode::address::find_addresses;
use crate::decode::delivery::Delivery;

/// Most lines of one multi-line reply that are kept; later ones are dropped.
const MAX_REPLY_LINES: usize = 64;

/// A multi-line reply being read: its first line's number, its code, its lines so far.
#[derive(Debug)]
struct Open {
    line: usize,
    code: String,
    text: String,
    lines: usize,
}

/// The reader's state: a multi-line reply not yet ended.
#[derive(Debug, Default)]
pub(crate) struct SmtpReply {
    open: Option<Open>,
}

/// The reply code of a reply line and the separator after it (`' '`, `'-'` or none).
fn reply_code(line: &str) -> Option<(&str, Option<u8>)> {
    let b = line.as_bytes();
    if b.len() < 3 || !b[..3].iter().all(u8::is_ascii_digit) {
        return None;
    }
    match b.get(3) {
        None => Some((&line[..3], None)),
        Some(&sep @ (b' ' | b'-')) => Some((&line[..3], Some(sep))),
        Some(_) => None,
    }
}

/// The recipient a reply names: the first address in angle brackets, else the first address.
fn recipient_in(text: &str) -> String {
    let found = find_addresses(text);
    let bracketed =
        found.iter().find(|f| text[..f.start].ends_with('<') && text[f.end..].starts_with('>'));
    bracketed.or(found.first()).map(|f| f.address.to_owned()).unwrap_or_default()
}

fn emit(open: Open, out: &mut Vec<Found>) {
    let action = match open.code.as_bytes()[0] {
        b'2' => "delivered",
        b'4' => "delayed",
        b'5' => "failed",
        _ => return,
    };
    let delivery = Delivery {
        recipient: recipient_in(&open.text),
        action: action.to_owned(),
        reply_code: open.code,
        diagnostic_type: "SMTP".to_owned(),
        diagnostic: open.text,
        ..Delivery::default()
    };
    out.push(Found { line: open.line, delivery, ..Found::default() });
}

impl Format for SmtpReply {
    fn feed(&mut self, line_no: usize, line: &str, out: &mut Vec<Found>) -> Result<(), String> {
        let line = line.trim();
        let Some((code, separator)) = reply_code(line) else {
            // Any other line ends a multi-line reply that was left open.
            if let Some(open) = self.open.take() {
                emit(open, out);
            }
            return Ok(());
        };
        let continues = self.open.as_ref().is_some_and(|o| o.code == code);
        if !continues && let Some(open) = self.open.take() {
            emit(open, out);
        }
        let valid = matches!(code.as_bytes()[0], b'2'..=b'5') && code.as_bytes()[1] <= b'5';
        if !valid {
            return Err(format!("{code} is not an SMTP reply code"));
        }
        let open = self.open.get_or_insert_with(|| Open {
            line: line_no,
            code: code.to_owned(),
            text: String::new(),
            lines: 0,
        });
        if open.lines < MAX_REPLY_LINES {
            if !open.text.is_empty() {
                open.text.push(' ');
            }
            open.text.push_str(line);
            open.lines += 1;
        }
        if separator != Some(b'-') {
            let open = self.open.take().expect("opened above");
            emit(open, out);
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<Found>) {
        if let Some(open) = self.open.take() {
            emit(open, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::logs::{LogFormat, read_log};
    use crate::reason::Reason;

    #[test]
    fn each_reply_is_a_record() {
        let replies = "\
550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in local recipient table
452 4.2.2 The email account that you tried to reach is over quota.
250 2.0.0 Ok: queued as 4A1B2C3D4E
354 End data with <CR><LF>.<CR><LF>
550-5.7.1 [192.0.2.1] Our system has detected that this message is
550-5.7.1 likely unsolicited mail. To reduce the amount of spam sent to Gmail,
550 5.7.1 this message has been blocked.
";
        let (records, errors) = read_log(LogFormat::SmtpReply, replies.as_bytes());
        assert!(errors.is_empty());
        let got: Vec<_> = records
            .iter()
            .map(|r| {
                (r.message, r.recipient.as_str(), r.action.as_str(), r.replycode.as_str(), r.reason)
            })
            .collect();
        assert_eq!(
            got,
            [
                (1, "nobody@example.org", "failed", "550", Reason::UserUnknown),
                (2, "", "delayed", "452", Reason::MailboxFull),
                (3, "", "delivered", "250", Reason::Delivered),
                (5, "", "failed", "550", Reason::SpamDetected),
            ]
        );
        assert!(records[0].hardbounce);
        assert!(!records[1].hardbounce);
        assert_eq!(records[0].deliverystatus, "5.1.1");
        assert!(records[3].diagnosticcode.contains("likely unsolicited mail. To reduce"));
    }

    #[test]
    fn a_reply_left_open_at_the_end_is_still_read_and_junk_is_counted() {
        let (records, errors) =
            read_log(LogFormat::SmtpReply, b"hello\n999 what\n421-4.7.0 Try again");
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].action, "delayed");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 2);
    }
}

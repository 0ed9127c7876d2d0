//! Decoding a bounce: bytes of one message in, one record per recipient out.
//!
//! The decoders are tried from the most to the least specific: feedback reports (ARF), standard
//! delivery status notifications (RFC 3464 / 6533), plain-text bounces, then automatic replies.
//! A message that is none of these gives no record: that is a result, not an error.

pub(crate) mod address;
mod arf;
mod autoreply;
pub(crate) mod delivery;
mod dsn;
pub(crate) mod freetext;
mod html;
mod lhost;
mod line;
mod mail;
mod mdn;
pub(crate) mod original;
mod rfc3464;

use std::borrow::Cow;

use crate::classify::Classifier;
use crate::record::Record;
use delivery::Report;
pub use line::Diagnosis;
use mail::{AttachedOriginal, Mail};
use original::Original;

/// Why a message could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input holds no bytes, or only whitespace.
    #[error("empty input")]
    Empty,
    /// No message header could be found.
    #[error("not an email message: no header found")]
    NotAMessage,
    /// The message nests MIME parts or messages deeper than the limit allows.
    #[error("MIME nesting {depth} deep, deeper than the limit of {limit}")]
    TooDeep {
        /// How deep the message nests (at least).
        depth: usize,
        /// The limit.
        limit: usize,
    },
    /// A header line is longer than the limit allows.
    #[error("a header line of {length} bytes, longer than the limit of {limit}")]
    HeaderLineTooLong {
        /// The line's length in bytes.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// The message has more MIME parts than the limit allows.
    #[error("{parts} MIME parts, more than the limit of {limit}")]
    TooManyParts {
        /// The parts the message has.
        parts: usize,
        /// The limit.
        limit: usize,
    },
}

/// Bounds on the work done for one message. Going past one truncates or refuses; nothing is
/// worse than linear in the input's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of one message that are decoded. A longer message is decoded from its first bytes:
    /// the headers, the human text and the report come first, the returned message last.
    pub max_message_bytes: usize,
    /// MIME parts of one message (nested messages' parts included); more is an error.
    pub max_parts: usize,
    /// Depth of MIME nesting (multiparts and attached messages); deeper is an error.
    pub max_depth: usize,
    /// Bytes of one header line (folded lines counted whole); longer is an error.
    pub max_header_line: usize,
    /// Recipients kept from one message; further ones are dropped.
    pub max_recipients: usize,
    /// Bytes of diagnostic text kept for one recipient.
    pub max_diagnostic_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_message_bytes: 32 << 20,
            max_parts: 10_000,
            max_depth: 200,
            max_header_line: 4 << 20,
            max_recipients: 100_000,
            max_diagnostic_bytes: 4096,
        }
    }
}

/// How deep a bounce that returns another bounce is followed.
const MAX_NESTED_BOUNCES: usize = 2;

/// Decodes one message with the built-in rules and default limits: every recipient the
/// bounce reports, or none if it is not a bounce.
pub fn decode(bytes: &[u8]) -> Result<Vec<Record>, DecodeError> {
    Decoder::default().decode(bytes)
}

/// A decoder with its rules and limits.
#[derive(Debug, Clone, Copy)]
pub struct Decoder<'c> {
    classifier: &'c Classifier,
    limits: Limits,
}

impl Default for Decoder<'static> {
    fn default() -> Self {
        Decoder { classifier: Classifier::builtin(), limits: Limits::default() }
    }
}

impl<'c> Decoder<'c> {
    /// A decoder that classifies with the given rules.
    pub fn new(classifier: &'c Classifier) -> Decoder<'c> {
        Decoder { classifier, limits: Limits::default() }
    }

    /// The same decoder with other limits.
    pub fn with_limits(self, limits: Limits) -> Decoder<'c> {
        Decoder { limits, ..self }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Decodes one message: every recipient the bounce reports, or none if it is not a bounce.
    pub fn decode(&self, bytes: &[u8]) -> Result<Vec<Record>, DecodeError> {
        let bytes = &bytes[..cut_at_line(bytes, self.limits.max_message_bytes)];
        let bytes = normalize(bytes);
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(DecodeError::Empty);
        }
        let pasted = !has_header(&bytes);
        let with_header: Vec<u8>;
        let bytes: &[u8] = if pasted {
            // A bounce's text without its header (pasted from a mail client): read it as the
            // body of a message with an empty header block.
            with_header = [b"\n".as_slice(), &bytes].concat();
            &with_header
        } else {
            &bytes
        };
        let longest = longest_header_line(bytes);
        if longest > self.limits.max_header_line {
            return Err(DecodeError::HeaderLineTooLong {
                length: longest,
                limit: self.limits.max_header_line,
            });
        }
        let message = mail::parse(bytes).ok_or(DecodeError::NotAMessage)?;
        if message.headers().is_empty() && !pasted {
            return Err(DecodeError::NotAMessage);
        }
        if message.parts.len() > self.limits.max_parts {
            return Err(DecodeError::TooManyParts {
                parts: message.parts.len(),
                limit: self.limits.max_parts,
            });
        }
        let depth = nesting_depth(&message, self.limits.max_depth);
        if depth > self.limits.max_depth {
            return Err(DecodeError::TooDeep { depth, limit: self.limits.max_depth });
        }
        let mail = if pasted { Mail::pasted(message) } else { Mail::new(message) };
        let records = decode_mail(mail, 0, self);
        if pasted && records.is_empty() {
            // Text without a header that names no failed recipient is no message at all.
            return Err(DecodeError::NotAMessage);
        }
        Ok(records)
    }
}

/// The longest line of the header block (up to the first empty line), folded lines included.
fn longest_header_line(bytes: &[u8]) -> usize {
    let mut longest = 0;
    let mut current = 0;
    let mut rest = bytes;
    let lines = std::iter::from_fn(|| {
        if rest.is_empty() {
            return None;
        }
        let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let line = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or_default();
        Some(line)
    });
    for line in lines {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line.starts_with(b" ") || line.starts_with(b"\t") {
            current += line.len();
        } else {
            current = line.len();
        }
        longest = longest.max(current);
    }
    longest
}

/// How deep a message nests multiparts and attached messages, counted up to just past `limit`.
fn nesting_depth(message: &mail_parser::Message<'_>, limit: usize) -> usize {
    use mail_parser::PartType;
    let mut deepest = 0;
    // (message, part id, depth), walked without recursion.
    let mut stack: Vec<(&mail_parser::Message<'_>, usize, usize)> = vec![(message, 0, 0)];
    while let Some((message, part, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        if deepest > limit {
            break;
        }
        match message.parts.get(part).map(|p| &p.body) {
            Some(PartType::Multipart(children)) => {
                stack.extend(children.iter().map(|&c| (message, c as usize, depth + 1)));
            }
            Some(PartType::Message(inner)) => stack.push((inner, 0, depth + 1)),
            _ => {}
        }
    }
    deepest
}

/// Where to cut a message at most `max` bytes long: after the last line end within the limit.
fn cut_at_line(bytes: &[u8], max: usize) -> usize {
    if bytes.len() <= max {
        return bytes.len();
    }
    memchr::memrchr(b'\n', &bytes[..max]).map_or(max, |at| at + 1)
}

fn decode_mail(mail: Mail<'_>, depth: usize, decoder: &Decoder<'_>) -> Vec<Record> {
    let disposition = mail.is_disposition_notification();
    let text = mail.text();
    let attached = mail.attached_original();
    // The text before a copy of the returned message is what the bounce itself says.
    // A returned message attached as a part is the original; the text may still quote one.
    let inline = original::inline_original(&text, attached.is_none());
    let region = &text[..inline.map_or(text.len(), |(end, _)| end)];
    let mut original = match &attached {
        Some(AttachedOriginal::Message(message)) => Original::from_message(message),
        Some(AttachedOriginal::Headers(bytes)) => Original::from_bytes(bytes).unwrap_or_default(),
        None => inline
            .and_then(|(_, start)| Original::from_bytes(text[start..].as_bytes()))
            .unwrap_or_default(),
    };

    if disposition {
        // A read receipt says nothing of delivery and is no bounce; an automatic action that
        // deleted the message unread (a Sieve reject) is a refusal.
        let Some(report) = mdn::decode(&mail, region) else {
            return Vec::new();
        };
        let mut records = records(&mail, report, region, &mut original, decoder);
        records.iter_mut().for_each(mdn::settle);
        return records;
    }
    let is_bounce = freetext::claims(&mail, &text);
    let mut report: Option<Report> = arf::decode(&mail, &text, &mut original)
        .or_else(|| lhost::decode(&mail, &text, region, &mut original))
        .or_else(|| rfc3464::decode(&mail, &text, region, &mut original))
        .or_else(|| if is_bounce { freetext::decode(&mail, region) } else { None });

    if report.is_none() && is_bounce {
        // A notice that returns another bounce (a forwarded or wrapped one): read the inner one.
        if let Some(AttachedOriginal::Message(inner)) = &attached
            && depth < MAX_NESTED_BOUNCES
            && let Some(inner) = mail::parse(inner.raw_message())
        {
            let records = decode_mail(Mail::new(inner), depth + 1, decoder);
            if !records.is_empty() {
                return records;
            }
        }
        // A bounce that names no recipient failed for the recipient of the message it returns.
        if !original.recipient.is_empty() {
            report = Some(freetext::for_recipient(region, &original.recipient));
        }
    }
    if report.is_none()
        && !(is_bounce && freetext::says_failed(&mail, region))
        && autoreply::claims(&mail)
    {
        report = autoreply::decode(&mail, &text, &mut original);
    }

    let Some(report) = report else {
        return Vec::new();
    };
    records(&mail, report, region, &mut original, decoder)
}

/// The records of what a decoder read from a notice, one per recipient within the limits.
fn records(
    mail: &Mail<'_>,
    report: Report,
    region: &str,
    original: &mut Original,
    decoder: &Decoder<'_>,
) -> Vec<Record> {
    if original.addresser.is_empty() {
        // A bounce goes back to the sender: its To names the addresser when the original is gone.
        original.addresser = address::clean(&mail.header("To").unwrap_or_default());
    }
    let limits = decoder.limits;
    let warning = std::cell::OnceCell::new();
    let is_warning = || *warning.get_or_init(|| freetext::is_delay_warning(mail, region));
    let notice = delivery::Notice {
        decoded_by: report.decoded_by,
        original,
        date: mail.message.date().copied(),
        // The bounce's prose speaks for its only recipient; with several, it may be another's.
        prose: if report.deliveries.len() == 1 { region } else { "" },
        warning: &is_warning,
    };
    report
        .deliveries
        .into_iter()
        .take(limits.max_recipients)
        .map(|d| d.into_record(&notice, decoder.classifier, &limits))
        .filter(|r| !r.recipient.is_empty() || r.reason == crate::Reason::Feedback)
        .collect()
}

/// Whether a message's text opens with a header block: a header field (`Name: value`) among
/// its first lines, before any empty line. A line that is no header field (a stray `Bad
/// Header: v`, junk bytes) before it does not make the message headerless; the text of a bounce
/// pasted without its header does not have one. The input is [`normalize`]d.
fn has_header(bytes: &[u8]) -> bool {
    /// Lines looked at for the first header field.
    const FIRST_LINES: usize = 8;
    let mut rest = bytes;
    for _ in 0..FIRST_LINES {
        let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let line = &rest[..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return false;
        }
        if is_header_field(line) {
            return true;
        }
        match rest.get(end + 1..) {
            Some(next) => rest = next,
            None => return false,
        }
    }
    false
}

/// Whether an input opens with a message header; one without is read as the text of a bounce
/// pasted on its own (and gives records only where that text names failed recipients).
pub fn opens_with_header(bytes: &[u8]) -> bool {
    // The first lines are all that is looked at.
    let head = &bytes[..cut_at_line(bytes, 64 << 10)];
    has_header(&normalize(head))
}

/// A header field's line: a name of letters, digits, `-` and `_` (what real header names use of
/// RFC 5322's ftext; `<a@b>: host said: 550` is a pasted bounce's line, not a field), a colon,
/// a value.
fn is_header_field(line: &[u8]) -> bool {
    let name_len = line.iter().take(256).position(|&b| b == b':');
    name_len.is_some_and(|n| {
        n > 0 && line[..n].iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// Line ends as mail-parser reads them (CR-only files become LF), without a byte-order mark,
/// blank lines before the header or an mbox `From ` line.
fn normalize(bytes: &[u8]) -> Cow<'_, [u8]> {
    let mut bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    // Blank or whitespace-only lines before the first header (left by tools that cut mail out
    // of a log or a mailbox): the header starts at the first line with text.
    let text_starts = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    let line_starts =
        bytes[..text_starts].iter().rposition(|&b| b == b'\n' || b == b'\r').map_or(0, |at| at + 1);
    bytes = &bytes[line_starts..];
    if bytes.starts_with(b"From ") {
        let end = bytes.iter().position(|&b| b == b'\n' || b == b'\r').unwrap_or(bytes.len());
        bytes = &bytes[end..];
        while let Some((&first, rest)) = bytes.split_first() {
            if first == b'\r' || first == b'\n' {
                bytes = rest;
                if first == b'\n' || rest.first() != Some(&b'\n') {
                    break;
                }
            } else {
                break;
            }
        }
    }
    // Only a CR that is not part of CRLF needs the copy below; most mail has none.
    let lone_cr = {
        let mut rest = bytes;
        let mut found = false;
        while let Some(at) = memchr::memchr(b'\r', rest) {
            if rest.get(at + 1) != Some(&b'\n') {
                found = true;
                break;
            }
            rest = &rest[at + 2..];
        }
        found
    };
    if !lone_cr {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\r' {
            out.push(b'\n');
            if bytes.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
        } else {
            out.push(b);
        }
        i += 1;
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ends_and_mbox_lines_are_normalized() {
        assert_eq!(&*normalize(b"From a@b Mon\nSubject: x\n"), b"Subject: x\n");
        assert_eq!(&*normalize(b"Subject: x\rFrom: y\r\rbody\r"), b"Subject: x\nFrom: y\n\nbody\n");
        assert!(matches!(normalize(b"Subject: x\r\n\r\n"), Cow::Borrowed(_)));
    }

    const EXIM_TEXT: &str = "This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n  b@example.org\n    SMTP error from remote mail server after RCPT TO:<b@example.org>:\n    550 5.1.1 <b@example.org>: Recipient address rejected: User unknown\n";

    fn recipients(bytes: &[u8]) -> Vec<(String, crate::Reason)> {
        decode(bytes).unwrap().into_iter().map(|r| (r.recipient, r.reason)).collect()
    }

    #[test]
    fn a_header_after_blank_lines_a_bom_or_a_stray_line_is_read() {
        let message = format!(
            "From: Mail Delivery System <Mailer-Daemon@mx.example.net>\nTo: a@example.jp\nSubject: Mail delivery failed: returning message to sender\n\n{EXIM_TEXT}"
        );
        let want = vec![("b@example.org".to_owned(), crate::Reason::UserUnknown)];
        for prefix in ["", "\n\n", " \n\t\n", "\u{feff}", "Bad Header: v\n", "X\u{1}Y: v\n"] {
            assert_eq!(recipients(format!("{prefix}{message}").as_bytes()), want, "{prefix:?}");
        }
    }

    #[test]
    fn a_pasted_bounce_text_without_header_is_read() {
        assert!(!opens_with_header(EXIM_TEXT.as_bytes()));
        let want = vec![("b@example.org".to_owned(), crate::Reason::UserUnknown)];
        assert_eq!(recipients(EXIM_TEXT.as_bytes()), want);
        // Text without a header that is no bounce is still no message.
        let note = b"Hi,\nplease write to b@example.org about lunch.\n";
        assert_eq!(decode(note), Err(DecodeError::NotAMessage));
    }

    #[test]
    fn an_exim_bounce_marked_auto_replied_is_a_bounce_for_the_address_the_sender_used() {
        // Exim marks its bounces `Auto-Submitted: auto-replied`; a failed pipe names the
        // address that led to it on the line below.
        let pipe = "From: Mail Delivery System <Mailer-Daemon@mx.example.net>\nTo: a@example.jp\nSubject: Mail delivery failed: returning message to sender\nAuto-Submitted: auto-replied\n\nA message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n  pipe to |/usr/local/bin/handler\n    generated by help@example.net\n    Child process of address_pipe transport returned 69 from command:\n    /usr/local/bin/handler\n";
        let records = decode(pipe.as_bytes()).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].recipient, "help@example.net");
        assert_ne!(records[0].reason, crate::Reason::Vacation);
        // A redirected address: the record is for the address the sender wrote.
        let alias = pipe.replace(
            "  pipe to |/usr/local/bin/handler\n    generated by help@example.net\n    Child process of address_pipe transport returned 69 from command:\n    /usr/local/bin/handler\n",
            "  c@example.com\n    (generated from help@example.net)\n    SMTP error from remote mail server after RCPT TO:<c@example.com>:\n    550 5.1.1 User unknown\n",
        );
        let records = decode(alias.as_bytes()).unwrap();
        let got: Vec<_> =
            records.iter().map(|r| (r.recipient.as_str(), r.alias.as_str())).collect();
        assert_eq!(got, [("help@example.net", "c@example.com")]);
        assert_eq!(records[0].reason, crate::Reason::UserUnknown);
    }

    #[test]
    fn postfix_expanded_from_names_the_address_the_sender_used() {
        let text = "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\nTo: a@example.jp\nSubject: Undelivered Mail Returned to Sender\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n<c@mx.example.net> (expanded from <help@example.net>): unknown user: \"c\"\n";
        let records = decode(text.as_bytes()).unwrap();
        assert_eq!(
            (records[0].recipient.as_str(), records[0].alias.as_str()),
            ("help@example.net", "c@mx.example.net")
        );
        assert_eq!(records[0].reason, crate::Reason::UserUnknown);
    }

    #[test]
    fn a_local_program_s_exit_status_is_a_mailer_error() {
        // Postfix's DSN for a command that exited 1: the exit status text is Postfix's
        // sys_exits wording, and the program failed.
        let dsn = "From: MAILER-DAEMON@mx.example.net\nTo: a@example.jp\nSubject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nThe mail system\n\n<p@example.net>: Command died with status 1\n\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; p@example.net\nAction: failed\nStatus: 5.3.0\nDiagnostic-Code: x-unix; unknown mail system error 1\n\n--b--\n";
        assert_eq!(
            recipients(dsn.as_bytes()),
            vec![("p@example.net".to_owned(), crate::Reason::MailerError)]
        );
    }

    #[test]
    fn an_unroutable_address_in_the_reporting_host_s_own_domain_is_an_unknown_user() {
        // Exim says "Unrouteable address" for an unknown local part of a domain it serves and
        // for a domain that does not exist; the reporting host tells them apart.
        let exim = |rcpt: &str| {
            format!(
                "From: Mail Delivery System <Mailer-Daemon@mx.example.net>\nTo: a@example.jp\nSubject: Mail delivery failed: returning message to sender\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nA message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n  {rcpt}\n    Unrouteable address\n\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\nAction: failed\nFinal-Recipient: rfc822;{rcpt}\nStatus: 5.0.0\n\n--b--\n"
            )
        };
        let reason = |rcpt: &str| decode(exim(rcpt).as_bytes()).unwrap()[0].reason;
        assert_eq!(reason("nosuch@example.net"), crate::Reason::UserUnknown);
        assert_eq!(reason("someone@nowhere.invalid"), crate::Reason::HostUnknown);
    }

    #[test]
    fn utf8_text_under_a_seven_bit_label_is_read_as_utf8() {
        let text = "From: postmaster@mx.example.net\nTo: a@example.jp\nSubject: Undeliverable\nMIME-Version: 1.0\nContent-Type: text/plain; charset=ISO-2022-JP\n\n收件人邮箱空间已满\nb@example.org\n";
        assert_eq!(
            recipients(text.as_bytes()),
            vec![("b@example.org".to_owned(), crate::Reason::MailboxFull)]
        );
    }

    #[test]
    fn a_queue_given_up_on_is_expired_where_only_the_code_named_a_cause() {
        // Sendmail's expiry bounce: the last reply names no cause in words, the notice says it
        // gave up.
        let dsn = "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\nTo: a@example.jp\nSubject: Returned mail: see transcript for details\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nThe original message was received at Mon, 7 Dec 2026 01:00:00 GMT\n\n   ----- The following addresses had permanent fatal errors -----\n<b@example.org>\n    (reason: 451 4.3.0 Service temporarily unavailable, try again later)\n\n   ----- Transcript of session follows -----\n<b@example.org>... Deferred: 451 4.3.0 Service temporarily unavailable, try again later\nMessage could not be delivered for 5 days\nMessage will be deleted from queue\n\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\nFinal-Recipient: RFC822; b@example.org\nAction: failed\nStatus: 4.4.7\nDiagnostic-Code: SMTP; 451 4.3.0 Service temporarily unavailable, try again later\n\n--b--\n";
        let records = decode(dsn.as_bytes()).unwrap();
        assert_eq!(
            (records[0].reason, records[0].rulekind),
            (crate::Reason::Expired, crate::RuleKind::Text)
        );
    }

    /// The files of a review of this session's decoder changes, each a case it found wrong.
    #[test]
    fn cases_from_the_review_of_the_decoder() {
        // Two addresses an alias expanded to are two failures, both for the address the sender
        // used.
        let dsn = "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\nTo: a@example.jp\nSubject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nThe mail system\n\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; x@example.net\nOriginal-Recipient: rfc822;list@example.net\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n\nFinal-Recipient: rfc822; y@example.com\nOriginal-Recipient: rfc822;list@example.net\nAction: failed\nStatus: 5.2.2\nDiagnostic-Code: smtp; 552 5.2.2 mailbox full\n\n--b--\n";
        let got: Vec<_> = decode(dsn.as_bytes())
            .unwrap()
            .into_iter()
            .map(|r| (r.recipient, r.alias, r.reason))
            .collect();
        assert_eq!(
            got,
            [
                ("list@example.net".into(), "x@example.net".into(), crate::Reason::UserUnknown),
                ("list@example.net".into(), "y@example.com".into(), crate::Reason::MailboxFull),
            ]
        );
        // A report's `Action: failed` is final whatever warning words its prose has.
        let expired = dsn
            .replace(
                "The mail system",
                "Your message has been delayed for 5 days and could not be delivered; we gave up.",
            )
            .replace("Original-Recipient: rfc822;list@example.net\n", "")
            .replace(
                "Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown",
                "Status: 4.4.7\nDiagnostic-Code: smtp; 451 4.4.7 message expired",
            );
        let records = decode(expired.as_bytes()).unwrap();
        assert_eq!(
            (records[0].action.as_str(), records[0].reason),
            ("failed", crate::Reason::Expired)
        );
        // Postfix's text pasted alone starts with `<a@b>:`, which is no header field.
        let pasted = "<b@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1\n    <b@example.org>: Recipient address rejected: User unknown (in reply to RCPT\n    TO command)\n";
        assert_eq!(
            recipients(pasted.as_bytes()),
            vec![("b@example.org".to_owned(), crate::Reason::UserUnknown)]
        );
        // A note about a failed mail, with no server's code, is no bounce.
        let note =
            "Hi Bob,\n\nmy mail to alice@example.org could not be delivered, can you check?\n";
        assert_eq!(decode(note.as_bytes()), Err(DecodeError::NotAMessage));
        // Only Exim's own forms name the address a delivery was made from.
        let prose = "From: Mail Delivery System <Mailer-Daemon@mx.example.net>\nTo: a@example.jp\nSubject: Mail delivery failed\n\nThe following address failed:\n\n  b@example.org\n  This notice was generated by postmaster@example.net\n    550 5.1.1 User unknown\n";
        let records = decode(prose.as_bytes()).unwrap();
        assert_eq!(
            (records[0].recipient.as_str(), records[0].alias.as_str()),
            ("b@example.org", "")
        );
        // Junk bytes under a 7-bit label are read as what they are, the rest kept.
        let junk = b"From: postmaster@mx.example.net\nTo: a@example.jp\nSubject: Undeliverable\nContent-Type: text/plain; charset=ISO-2022-JP\n\n\xff\xfe\n<b@example.org>: 550 5.1.1 user unknown\n";
        assert_eq!(
            recipients(junk),
            vec![("b@example.org".to_owned(), crate::Reason::UserUnknown)]
        );
    }

    #[test]
    fn a_read_receipt_is_no_bounce() {
        let mdn = "From: postmaster@example.com\nTo: a@example.jp\nSubject: Disposition notification: report\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=disposition-notification; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nYour message\n\n  To: b@example.com\n  Subject: report\n\nwas read on Tuesday.\n\n--b\nContent-Type: message/disposition-notification\n\nReporting-UA: mail.example.com\nFinal-Recipient: rfc822;b@example.com\nDisposition: automatic-action/MDN-sent-automatically; displayed\n\n--b--\n";
        assert_eq!(decode(mdn.as_bytes()), Ok(Vec::new()));
    }

    /// A Sieve `reject` as RFC 5429 and Pigeonhole send it: an MDN whose disposition says an
    /// automatic action deleted the message, the script's reason in its text part.
    fn sieve_reject(reason: &str) -> String {
        format!(
            "From: Mail Delivery Subsystem <MAILER-DAEMON@mail.example.org>\nTo: a@example.jp\nSubject: Automatically rejected mail\nAuto-Submitted: auto-replied (rejected)\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=disposition-notification; boundary=\"b\"\n\n--b\nContent-Type: text/plain; charset=utf-8\n\nYour message to <b@example.org> was automatically rejected:\n{reason}\n\n--b\nContent-Type: message/disposition-notification\n\nReporting-UA: mail.example.org; Dovecot Mail Delivery Agent\nFinal-Recipient: rfc822; b@example.org\nOriginal-Message-ID: <m1@example.jp>\nDisposition: automatic-action/MDN-sent-automatically; deleted\n\n--b--\n"
        )
    }

    #[test]
    fn a_sieve_reject_is_the_recipient_s_filter_refusing() {
        let records = decode(sieve_reject("I do not accept mail from you.").as_bytes()).unwrap();
        assert_eq!(records.len(), 1);
        let r = &records[0];
        assert_eq!((r.recipient.as_str(), r.action.as_str()), ("b@example.org", "failed"));
        assert_eq!(r.reason, crate::Reason::Filtered);
        assert!(!r.hardbounce);
        assert_eq!(r.lhost, "mail.example.org");
        assert!(
            r.diagnosticcode.contains("I do not accept mail from you."),
            "{}",
            r.diagnosticcode
        );
        // The script's words decide where they name a cause.
        let full = decode(sieve_reject("Mailbox is full: quota exceeded.").as_bytes()).unwrap();
        assert_eq!(full[0].reason, crate::Reason::MailboxFull);
        // A person deleting the message unread (manual action) is no refusal.
        let manual = sieve_reject("x")
            .replace("automatic-action/MDN-sent-automatically", "manual-action/MDN-sent-manually");
        assert_eq!(decode(manual.as_bytes()), Ok(Vec::new()));
    }

    #[test]
    fn repeated_report_blocks_give_one_record_and_action_words_are_normalised() {
        let block = "Final-Recipient: rfc822; b@example.org\nAction: failure\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\n";
        let dsn = format!(
            "From: MAILER-DAEMON@mx.example.net\nTo: a@example.jp\nSubject: Delivery Status Notification (Failure)\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nDelivery failed.\n\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n{block}\n{block}\n--b--\n"
        );
        let records = decode(dsn.as_bytes()).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].action, "failed");
    }

    #[test]
    fn junk_is_an_error_not_a_panic() {
        assert_eq!(decode(b""), Err(DecodeError::Empty));
        assert_eq!(decode(b" \n"), Err(DecodeError::Empty));
        assert_eq!(decode(&[0xff, 0x00, 0x13, 0x37]), Err(DecodeError::NotAMessage));
        assert_eq!(decode(b"just some text\nwithout headers\n"), Err(DecodeError::NotAMessage));
    }
}

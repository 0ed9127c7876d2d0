//! What a bounce tells of the message it returns: sender, Message-ID, Subject, List-Id, Date
//! and the `X-` headers where senders keep campaign and subscriber ids.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};

use mail_parser::{DateTime, HeaderName, Message};

use super::address;
use super::mail;

/// The original message's identifying fields.
#[derive(Debug, Clone, Default)]
pub(crate) struct Original {
    pub addresser: String,
    pub recipient: String,
    pub message_id: String,
    pub subject: String,
    pub list_id: String,
    pub date: Option<DateTime>,
    pub headers: BTreeMap<String, String>,
}

/// Most `X-` headers kept from one original message.
const MAX_X_HEADERS: usize = 64;

impl Original {
    /// Reads the fields of a parsed message.
    pub fn from_message(message: &Message<'_>) -> Original {
        let mut original = Original::default();
        let mut from_seen = false;
        for header in message.headers() {
            let text = || mail::value_text(message, header);
            // The parser names the common headers; the others are `Other` with their own text.
            let (is_from, is_sender) = match &header.name {
                HeaderName::From => (true, true),
                HeaderName::ReturnPath | HeaderName::Sender => (false, true),
                HeaderName::Other(name) => (false, name.eq_ignore_ascii_case("x-envelope-from")),
                _ => (false, false),
            };
            if is_sender {
                // From first; the envelope headers only where From gives no address.
                if original.addresser.is_empty() || (is_from && !from_seen) {
                    let address = address::clean(&text());
                    if !address.is_empty() {
                        original.addresser = address;
                    }
                }
                from_seen |= is_from;
                continue;
            }
            match &header.name {
                HeaderName::To if original.recipient.is_empty() => {
                    original.recipient = address::clean(&text());
                }
                HeaderName::MessageId if original.message_id.is_empty() => {
                    original.message_id = message_id(&text());
                }
                HeaderName::Subject if original.subject.is_empty() => original.subject = text(),
                HeaderName::ListId if original.list_id.is_empty() => original.list_id = text(),
                HeaderName::Date if original.date.is_none() => {
                    original.date = header.value().as_datetime().copied();
                }
                HeaderName::Other(name)
                    if name.len() > 2
                        && name.as_bytes()[..2].eq_ignore_ascii_case(b"x-")
                        && original.headers.len() < MAX_X_HEADERS
                        && !original.headers.contains_key(name.as_ref()) =>
                {
                    original.headers.insert(name.to_string(), text());
                }
                _ => {}
            }
        }
        // A From header without an address (`From: MAILER-DAEMON`) says nothing of the sender.
        original
    }

    /// Reads the fields of a message or header block given as bytes.
    pub fn from_bytes(bytes: &[u8]) -> Option<Original> {
        mail::parse_headers(bytes).map(|m| Original::from_message(&m))
    }
}

fn message_id(text: &str) -> String {
    text.trim().trim_start_matches('<').trim_end_matches('>').to_owned()
}

/// Where a quoted original starts in a plain-text bounce: the start of the line that announces
/// it (the end of what the bounce itself says), and the start of its header block.
/// `unannounced`: also look for a header block that no line announces (for notices that do not
/// attach the message as a part).
pub(crate) fn inline_original(text: &str, unannounced: bool) -> Option<(usize, usize)> {
    // Searched in an ASCII-lowercased copy (same offsets): a case-sensitive search of a few
    // literals runs on SIMD prefilters, many times faster than a case-insensitive automaton.
    let found = crate::text::with_lowercase(text, |lower| {
        MARKERS
            .find_iter(lower)
            .find(|m| stands_alone(lower, m.start(), ORIGINAL_MARKERS[m.pattern().as_usize()]))
    });
    let marker = match found {
        Some(found) => found.start(),
        None => match rule_before_headers(text) {
            Some(at) => at,
            None => {
                let at = unannounced.then(|| bare_header_block(text)).flatten()?;
                return Some((at, at));
            }
        },
    };
    let marker_line = text[..marker].rfind('\n').map_or(0, |at| at + 1);
    // The header block begins on a following line of the form `Name: value`.
    let mut offset = text[marker..].find('\n')? + marker + 1;
    for line in text[offset..].split_inclusive('\n') {
        let trimmed = line.trim_end();
        if is_header_line(trimmed) {
            return Some((marker_line, offset));
        }
        if !trimmed.is_empty()
            && !trimmed.starts_with(['-', '=', '*', '_', '>'])
            && line.len() > 200
        {
            return None;
        }
        offset += line.len();
    }
    None
}

/// Where a line of dashes (or `=`, `_`) stands right above a header block: the returned message
/// of notices that announce it with no words (au's "Each of the following recipients was
/// rejected by a remote mail server." then `-----` and the original's `Received:`).
fn rule_before_headers(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut found: Option<usize> = None;
    for rule in [&b"----------"[..], b"==========", b"__________"] {
        for at in memchr::memmem::find_iter(bytes, rule) {
            if found.is_some_and(|f| f <= at) {
                break;
            }
            let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |n| n + 1);
            let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |n| at + n);
            let line = text[start..end].trim();
            if !line.bytes().all(|b| b == rule[0]) {
                continue;
            }
            let next = text[(end + 1).min(text.len())..].lines().next().unwrap_or("");
            if is_header_line(next.trim_end()) {
                found = Some(start);
                break;
            }
        }
    }
    found
}

/// Where a returned message's header block stands in the text with nothing to announce it:
/// three header lines or more in a row (folded lines included), one of them a field that only
/// a real message carries (`Received`, `Message-ID`, ...), never the summary a notice writes
/// of the message (`To:`, `Subject:`, `Sent:`).
fn bare_header_block(text: &str) -> Option<usize> {
    const OWN: [&str; 6] =
        ["received", "return-path", "message-id", "mime-version", "dkim-signature", "content-type"];
    let mut offset = 0;
    let mut block: Option<(usize, usize, bool)> = None; // (start, fields, has a message's own)
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if is_header_line(trimmed) {
            let own = trimmed
                .split_once(':')
                .is_some_and(|(name, _)| OWN.iter().any(|o| name.eq_ignore_ascii_case(o)));
            let (start, fields, has_own) = block.unwrap_or((offset, 0, false));
            block = Some((start, fields + 1, has_own || own));
        } else if !(block.is_some() && line.starts_with([' ', '\t']) && !trimmed.is_empty()) {
            block = None;
        }
        if let Some((start, fields, true)) = block
            && fields >= 3
        {
            return Some(start);
        }
        offset += line.len();
    }
    None
}

/// The markers below (lowercase), matched in one pass over lowercased text.
static MARKERS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostFirst)
        .build(ORIGINAL_MARKERS)
        .expect("the markers are plain literals")
});

/// Lines that announce the returned message in plain-text bounces of common MTAs.
const ORIGINAL_MARKERS: &[&str] = &[
    "this is a copy of the message",
    "this is a copy of your message",
    "below this line is a copy of the message",
    "message headers follow",
    "original message follows",
    "original message headers",
    "headers of the original message",
    "header of the original message",
    "----- original message -----",
    "------ original message ------",
    "-------original message",
    "unsent message below",
    "undelivered message headers",
    "-- returned message --",
    "------- returned message --------",
    "------ returned mail ------",
    "----- message header follows -----",
    "content-type: message/rfc822",
    "copy of message follows",
    "message text follows",
    "original-message:",
    // Only alone on its line (a sentence may say it in passing): see `stands_alone`.
    ALONE_MARKER,
];

/// A marker that counts only as a line of its own.
const ALONE_MARKER: &str = "original message:";

/// Whether a marker found at `at` in `text` may announce the original: the markers that are
/// words of a sentence too count only alone on their line.
fn stands_alone(text: &str, at: usize, marker: &str) -> bool {
    if marker != ALONE_MARKER {
        return true;
    }
    let start = text[..at].rfind('\n').map_or(0, |n| n + 1);
    let end = text[at..].find('\n').map_or(text.len(), |n| at + n);
    text[start..end].trim().len() == marker.len()
}

fn is_header_line(line: &str) -> bool {
    let Some((name, _)) = line.split_once(':') else {
        return false;
    };
    !name.is_empty()
        && name.len() < 64
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && [
            "received", "return-path", "from", "to", "subject", "date", "message-id",
            "mime-version", "content-type", "x-", "delivered-to", "reply-to", "sender",
            "dkim-signature", "cc", "authentication-results", "arc-", "list-", "user-agent",
            "thread-", "envelope-to",
        ]
        .iter()
        .any(|h| {
            name.len() >= h.len() && name.as_bytes()[..h.len()].eq_ignore_ascii_case(h.as_bytes())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fields_senders_use() {
        let raw = b"From: Shop <news@shop.example>\nTo: a@example.com\nSubject: Sale\nMessage-ID: <abc@shop.example>\nList-Id: <news.shop.example>\nX-Campaign-Id: 42\nDate: Thu, 1 Feb 2024 10:00:00 +0900\n\nbody\n";
        let o = Original::from_bytes(raw).unwrap();
        assert_eq!(o.addresser, "news@shop.example");
        assert_eq!(o.recipient, "a@example.com");
        assert_eq!(o.message_id, "abc@shop.example");
        assert_eq!(o.subject, "Sale");
        assert_eq!(o.list_id, "<news.shop.example>");
        assert_eq!(o.headers.get("X-Campaign-Id").map(String::as_str), Some("42"));
        assert_eq!(o.date.unwrap().to_timestamp(), 1706749200);
    }

    #[test]
    fn header_names_that_are_not_ascii_do_not_panic() {
        let o = Original::from_bytes("\u{fffd}r: x\nX-Id: 7\nSubject: s\n\n".as_bytes()).unwrap();
        assert_eq!(o.headers.get("X-Id").map(String::as_str), Some("7"));
    }

    #[test]
    fn finds_the_quoted_original_after_its_marker() {
        let text = "Sorry.\n\n------ This is a copy of the message, including all the headers. ------\n\nReturn-path: <a@b.example>\nSubject: hi\n\nbody\n";
        let (end, start) = inline_original(text, true).unwrap();
        assert!(text[start..].starts_with("Return-path:"));
        assert_eq!(text[..end].trim(), "Sorry.");
        assert!(inline_original("no copy here\nSubject: x\n", true).is_none());
    }

    #[test]
    fn a_marker_alone_on_its_line_ends_the_notice_there() {
        let text = "Error: No valid recipients\nfor this MM\nOriginal Message:\nFrom: a@example.jp\nTo: b@example.org\n";
        let (end, start) = inline_original(text, true).unwrap();
        assert_eq!(&text[..end], "Error: No valid recipients\nfor this MM\n");
        assert!(text[start..].starts_with("From:"));
        // Said in passing, it announces nothing.
        assert!(
            inline_original("Your original message: see below b@example.org\n", true).is_none()
        );
    }

    #[test]
    fn markers_are_lowercase_for_the_lowercased_search() {
        assert!(ORIGINAL_MARKERS.iter().all(|m| *m == m.to_ascii_lowercase()));
    }

    #[test]
    fn a_bare_rule_above_headers_starts_the_original() {
        let text = "Each of the following recipients was rejected.\n-------------------------\nReceived: from a by b\nSubject: hi\n\nbody\n";
        let (end, start) = inline_original(text, true).unwrap();
        assert_eq!(&text[..end], "Each of the following recipients was rejected.\n");
        assert!(text[start..].starts_with("Received:"));
        // A rule with prose under it is not a returned message.
        assert_eq!(inline_original("Sorry.\n----------\nPlease try later.\n", true), None);
    }
}

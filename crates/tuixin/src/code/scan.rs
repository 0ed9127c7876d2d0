//! Finding reply codes and enhanced status codes in free text.
//!
//! One pass over the bytes, linear in the input. A code counts only where it stands on its own:
//! `550-5.1.1`, `#5.1.1`, `(5.7.1)`, `smtp; 550` match; `10.5.1.1` (an IP address), `1,250` and
//! `v5.1.12a` do not.

use super::{Code, EnhancedStatus, ReplyCode};

/// A code found in text, with its byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// The code.
    pub code: Code,
    /// Byte offset where the code starts.
    pub start: usize,
    /// Byte offset just past the code.
    pub end: usize,
}

/// Every reply code and enhanced status code in `text`, in order of appearance.
pub fn find_codes(text: &str) -> Vec<Found> {
    codes(text).collect()
}

/// The codes in a text, in order, found as they are asked for.
pub fn codes(text: &str) -> impl Iterator<Item = Found> + '_ {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            if !bytes[i].is_ascii_digit() {
                i += 1;
                continue;
            }
            let start = i;
            let run_end = digit_run_end(bytes, start);
            i = run_end;
            if opens_code(bytes, start) {
                if let Some((status, end)) = enhanced_at(bytes, start, run_end) {
                    i = end;
                    if names_a_version(bytes, start) {
                        // `Lotus Notes Release 5.0.8`, `amavisd-new/2.11.0`: a program's
                        // version in a header or a banner, not a status.
                        continue;
                    }
                    return Some(Found { code: Code::Enhanced(status), start, end });
                }
                // `#555` is a colour or a number; `#5.1.1` (qmail) is a status code.
                let hash = start > 0 && bytes[start - 1] == b'#';
                if run_end - start == 3 && !hash && closes_code(bytes, run_end) {
                    let value = u16::from(bytes[start] - b'0') * 100
                        + u16::from(bytes[start + 1] - b'0') * 10
                        + u16::from(bytes[start + 2] - b'0');
                    if let Some(code) = ReplyCode::new(value) {
                        return Some(Found { code: Code::Reply(code), start, end: run_end });
                    }
                }
            }
        }
        None
    })
}

/// Whether the number at `start` is a program's version by what stands before it: a word such
/// as `Release` or `version`, or a program's name joined by a slash (`Postfix/3.1.2`).
fn names_a_version(bytes: &[u8], start: usize) -> bool {
    const WORDS: &[&[u8]] =
        &[b"release", b"version", b"ver", b"rel", b"build", b"revision", b"rev"];
    if start >= 2 && bytes[start - 1] == b'/' && bytes[start - 2].is_ascii_alphabetic() {
        return true;
    }
    let mut end = start;
    while end > 0 && matches!(bytes[end - 1], b' ' | b'\t' | b':' | b'.') {
        end -= 1;
    }
    let mut word_start = end;
    while word_start > 0 && bytes[word_start - 1].is_ascii_alphabetic() && end - word_start < 9 {
        word_start -= 1;
    }
    let word = &bytes[word_start..end];
    (word_start == 0 || !bytes[word_start - 1].is_ascii_alphanumeric())
        && WORDS.iter().any(|w| w.eq_ignore_ascii_case(word))
}

fn digit_run_end(bytes: &[u8], start: usize) -> usize {
    let mut end = start;
    while end < bytes.len() && bytes[end].is_ascii_digit() {
        end += 1;
    }
    end
}

fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// A number separator (`.` `,` `:`) joins two digit runs into one number, date or address.
fn is_joiner(byte: u8) -> bool {
    matches!(byte, b'.' | b',' | b':')
}

fn opens_code(bytes: &[u8], start: usize) -> bool {
    match start.checked_sub(1).map(|p| bytes[p]) {
        None => true,
        // `SIZE=222`, `id=550`: a parameter's value, not a code.
        Some(b'.' | b'=') => false,
        Some(prev) if is_word(prev) => false,
        Some(prev) if is_joiner(prev) => !(start >= 2 && bytes[start - 2].is_ascii_digit()),
        Some(_) => true,
    }
}

fn closes_code(bytes: &[u8], end: usize) -> bool {
    match bytes.get(end) {
        None => true,
        Some(&next) if is_word(next) => false,
        Some(&next) if is_joiner(next) => !bytes.get(end + 1).is_some_and(u8::is_ascii_digit),
        Some(_) => true,
    }
}

/// `class.subject.detail` starting at `start`, whose first digit run ends at `run_end`.
fn enhanced_at(bytes: &[u8], start: usize, run_end: usize) -> Option<(EnhancedStatus, usize)> {
    if run_end - start != 1 || bytes.get(run_end) != Some(&b'.') {
        return None;
    }
    let subject_start = run_end + 1;
    let subject_end = digit_run_end(bytes, subject_start);
    if !(1..=3).contains(&(subject_end - subject_start)) || bytes.get(subject_end) != Some(&b'.') {
        return None;
    }
    let detail_start = subject_end + 1;
    let detail_end = digit_run_end(bytes, detail_start);
    if !(1..=3).contains(&(detail_end - detail_start)) || !closes_code(bytes, detail_end) {
        return None;
    }
    let text = std::str::from_utf8(&bytes[start..detail_end]).ok()?;
    let status: EnhancedStatus = text.parse().ok()?;
    Some((status, detail_end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<String> {
        find_codes(text).iter().map(|f| f.code.to_string()).collect()
    }

    #[test]
    fn finds_codes_in_the_forms_servers_write() {
        assert_eq!(
            codes("550-5.1.1 The email account that you tried to reach does not exist."),
            ["550", "5.1.1"]
        );
        assert_eq!(codes("Remote server returned '550 #5.1.1 not found'"), ["550", "5.1.1"]);
        assert_eq!(codes("rejected (5.7.1)."), ["5.7.1"]);
        assert_eq!(codes("smtp;550 5.7.509 Access denied"), ["550", "5.7.509"]);
        assert_eq!(codes("421 4.7.32 From not aligned"), ["421", "4.7.32"]);
        assert_eq!(codes("赞赏。421 Service not available"), ["421"]);
        assert_eq!(codes("Status: 5.2.2"), ["5.2.2"]);
        assert_eq!(codes("code 554."), ["554"]);
    }

    #[test]
    fn ignores_numbers_that_are_not_codes() {
        assert!(codes("host 10.5.1.1 said").is_empty());
        assert!(codes("[192.168.2.1]").is_empty());
        assert!(codes("sent 1,250 messages at 10:45:21 on 2026-11-29").is_empty());
        assert!(codes("version v5.1.1a and 5.1.1.4").is_empty());
        assert!(codes("code 999 and 170 and 3.1.1").is_empty());
        assert!(codes("color: #555; SIZE=222").is_empty());
        assert!(codes("4.1.X is a subject, not a code").is_empty());
        assert!(codes("X-Mailer: Lotus Notes Release 5.0.8 June 18, 2001").is_empty());
        assert!(codes("(Release 5.0.12  |February 13, 2003)").is_empty());
        assert!(codes("amavisd-new/2.11.0, version: 4.0.1, Ver. 5.1.2").is_empty());
        assert_eq!(codes("release 550 5.1.1 user unknown"), ["550", "5.1.1"]);
        assert_eq!(codes("550/5.1.1 rcpt rejected"), ["550", "5.1.1"]);
    }

    #[test]
    fn reports_byte_ranges() {
        let text = "x 550 5.1.1";
        let found = find_codes(text);
        assert_eq!(&text[found[0].start..found[0].end], "550");
        assert_eq!(&text[found[1].start..found[1].end], "5.1.1");
    }
}

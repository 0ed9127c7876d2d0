//! Finding email addresses in text.

/// An address found in text, with its byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Found<'a> {
    pub address: &'a str,
    pub start: usize,
    pub end: usize,
}

/// Bytes that may stand in an unquoted local part (RFC 5322 atext, and dots).
static LOCAL_CHARS: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(c, b'!' | b'#'..=b'\'' | b'*' | b'+')
            || matches!(c, b'/' | b'=' | b'?' | b'^' | b'_' | b'`' | b'{' | b'|' | b'}' | b'~')
            || matches!(c, b'.' | b'-');
        b += 1;
    }
    table
};

fn is_local_char(b: u8) -> bool {
    LOCAL_CHARS[usize::from(b)]
}

fn is_domain_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_'
}

/// The longest local part taken for an address: RFC 5321 allows 64 octets, senders' VERP and
/// tracking addresses go past it, nothing real comes near this.
const MAX_LOCAL: usize = 256;
/// The longest domain taken for an address (RFC 1035: 255 octets).
const MAX_DOMAIN: usize = 255;

/// A letter of an alphabetic script that internationalized addresses use (RFC 6531: `jörg@`,
/// `андрей@`, `bücher.example`): Latin, Greek, Cyrillic. Ideographs and fullwidth punctuation
/// are not taken, so that prose written right before an address (`收件人：a@b`) stays out.
fn is_intl_letter(c: char) -> bool {
    ('\u{c0}'..'\u{530}').contains(&c) && c.is_alphabetic()
}

/// Where the letter that ends just before `end` starts, if it is an international one and
/// starts at or after `floor`.
fn intl_letter_before(text: &str, end: usize, floor: usize) -> Option<usize> {
    let start = text[..end].char_indices().next_back()?.0;
    (start >= floor && text[start..end].chars().next().is_some_and(is_intl_letter)).then_some(start)
}

/// Where the international letter at `start` ends, if there is one.
fn intl_letter_at(text: &str, start: usize) -> Option<usize> {
    let c = text.get(start..)?.chars().next()?;
    is_intl_letter(c).then(|| start + c.len_utf8())
}

/// Every `local@domain.tld` in the text, in order. Linear in the text's length.
pub(crate) fn find_addresses(text: &str) -> Vec<Found<'_>> {
    addresses(text).collect()
}

/// The addresses of a text one by one, in order.
fn addresses(text: &str) -> impl Iterator<Item = Found<'_>> {
    let bytes = text.as_bytes();
    let mut search_from = 0;
    std::iter::from_fn(move || {
        while let Some(offset) =
            bytes.get(search_from..).and_then(|rest| memchr::memchr(b'@', rest))
        {
            let at = search_from + offset;
            let mut start = at;
            if at > search_from + 1 && bytes[at - 1] == b'"' {
                // A quoted local part: `"neko..nyaan"@example.org`.
                if let Some(open) = memchr::memrchr(b'"', &bytes[search_from..at - 1]) {
                    start = search_from + open;
                }
            }
            if start == at {
                while start > search_from && at - start <= MAX_LOCAL {
                    if is_local_char(bytes[start - 1]) {
                        start -= 1;
                    } else if let Some(lead) = intl_letter_before(text, start, search_from) {
                        start = lead;
                    } else {
                        break;
                    }
                }
                while start < at && matches!(bytes[start], b'.' | b'\'' | b'/') {
                    start += 1;
                }
            }
            let mut end = at + 1;
            while end < bytes.len() && end - at <= MAX_DOMAIN {
                if is_domain_char(bytes[end]) {
                    end += 1;
                } else if let Some(next) = intl_letter_at(text, end) {
                    end = next;
                } else {
                    break;
                }
            }
            while end > at + 1 && matches!(bytes[end - 1], b'.' | b'-' | b'_') {
                end -= 1;
            }
            let domain = &text[at + 1..end];
            if start < at
                && at - start <= MAX_LOCAL
                && domain.len() <= MAX_DOMAIN
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.contains("..")
            {
                search_from = end;
                return Some(Found { address: &text[start..end], start, end });
            }
            search_from = at + 1;
        }
        None
    })
}

/// The address inside `<...>`, quotes or a `mailto:`, trimmed; empty when there is none.
pub(crate) fn clean(text: &str) -> String {
    addresses(text).next().map(|f| f.address.to_owned()).unwrap_or_default()
}

/// The domain part of an address, lowercased.
pub(crate) fn domain_of(address: &str) -> String {
    address.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_chars_are_atext_and_dots() {
        let atext = b"!#$%&'*+-./=?^_`{|}~";
        for b in 0..=255u8 {
            assert_eq!(is_local_char(b), b.is_ascii_alphanumeric() || atext.contains(&b), "{b}");
        }
    }

    fn all(text: &str) -> Vec<&str> {
        find_addresses(text).iter().map(|f| f.address).collect()
    }

    #[test]
    fn finds_addresses_in_brackets_and_prose() {
        assert_eq!(all("<kijitora@example.jp>: host said"), ["kijitora@example.jp"]);
        assert_eq!(all("to a.b+c@mx.example.co.jp. Thanks"), ["a.b+c@mx.example.co.jp"]);
        assert_eq!(all("RCPT TO:<x@y.org> and 'z@w.net'"), ["x@y.org", "z@w.net"]);
        assert_eq!(all("<\"neko..nyaan\"@example.org>..."), ["\"neko..nyaan\"@example.org"]);
        assert_eq!(
            all("<=?utf-8?B?8J+QiPCfkIg=?=@example.org>"),
            ["=?utf-8?B?8J+QiPCfkIg=?=@example.org"]
        );
        assert!(all("user@localhost and @ alone and a@b").is_empty());
        // Internationalized addresses (RFC 6531), but not the prose glued before an address.
        assert_eq!(all("<jörg@utf8.example>: SMTPUTF8 is required"), ["jörg@utf8.example"]);
        assert_eq!(
            all("андрей@пример.example and müller@bücher.example"),
            ["андрей@пример.example", "müller@bücher.example"]
        );
        assert_eq!(all("收件人：chen@163.com"), ["chen@163.com"]);
        // Runs past any real address's length are none.
        let long = format!("{}@{}.example", "é".repeat(2000), "ж".repeat(2000));
        assert!(all(&long).is_empty());
    }

    #[test]
    fn cleans_and_splits() {
        assert_eq!(clean("rfc822; <A@Example.COM>"), "A@Example.COM");
        assert_eq!(domain_of("A@Example.COM"), "example.com");
        assert_eq!(clean("no address"), "");
    }
}

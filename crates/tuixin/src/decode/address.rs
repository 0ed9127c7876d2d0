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
                while start > search_from && is_local_char(bytes[start - 1]) {
                    start -= 1;
                }
                while start < at && matches!(bytes[start], b'.' | b'\'' | b'/') {
                    start += 1;
                }
            }
            let mut end = at + 1;
            while end < bytes.len() && is_domain_char(bytes[end]) {
                end += 1;
            }
            while end > at + 1 && matches!(bytes[end - 1], b'.' | b'-' | b'_') {
                end -= 1;
            }
            let domain = &text[at + 1..end];
            if start < at
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
    }

    #[test]
    fn cleans_and_splits() {
        assert_eq!(clean("rfc822; <A@Example.COM>"), "A@Example.COM");
        assert_eq!(domain_of("A@Example.COM"), "example.com");
        assert_eq!(clean("no address"), "");
    }
}

//! Finding email addresses in text.

/// An address found in text, with its byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Found<'a> {
    pub address: &'a str,
    pub start: usize,
    pub end: usize,
}

fn is_local_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~.-".contains(&b)
}

fn is_domain_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_'
}

/// Every `local@domain.tld` in the text, in order. Linear in the text's length.
pub(crate) fn find_addresses(text: &str) -> Vec<Found<'_>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut search_from = 0;
    while let Some(offset) = memchr_at(bytes, b'@', search_from) {
        let at = offset;
        let mut start = at;
        if at > search_from + 1 && bytes[at - 1] == b'"' {
            // A quoted local part: `"neko..nyaan"@example.org`.
            if let Some(open) = bytes[search_from..at - 1].iter().rposition(|&b| b == b'"') {
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
        if start < at && domain.contains('.') && !domain.starts_with('.') && !domain.contains("..")
        {
            found.push(Found { address: &text[start..end], start, end });
            search_from = end;
        } else {
            search_from = at + 1;
        }
    }
    found
}

fn memchr_at(bytes: &[u8], needle: u8, from: usize) -> Option<usize> {
    bytes.get(from..)?.iter().position(|&b| b == needle).map(|p| p + from)
}

/// The address inside `<...>`, quotes or a `mailto:`, trimmed; empty when there is none.
pub(crate) fn clean(text: &str) -> String {
    find_addresses(text).first().map(|f| f.address.to_owned()).unwrap_or_default()
}

/// The domain part of an address, lowercased.
pub(crate) fn domain_of(address: &str) -> String {
    address.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

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

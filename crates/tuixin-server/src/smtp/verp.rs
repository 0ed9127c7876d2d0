//! Envelope recipients: which ones this server takes (its bounce domains and addresses, never a
//! relay), and the VERP reader that finds the bounced address inside one
//! (`bounces+alice=example.org@bounce.example.com` is a bounce for `alice@example.org`).

/// Bytes of an envelope address at most (RFC 5321 §4.5.3.1: 64 for the local part, 255 for
/// the domain); longer ones are never ours.
pub const MAX_ADDRESS_BYTES: usize = 320;

/// The recipients this server takes mail for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BounceRecipients {
    /// Domains whose every local part is a bounce address (stored lowercased).
    domains: Vec<String>,
    /// Whole addresses that are bounce addresses (stored lowercased).
    addresses: Vec<String>,
    /// Characters that separate the bounce mailbox from the VERP part (`+` by default).
    separators: Vec<char>,
}

impl BounceRecipients {
    /// The recipients of these domains (any local part) and these addresses, with VERP read
    /// after any of `separators` (an empty list means `+`).
    pub fn new(domains: &[String], addresses: &[String], separators: &[char]) -> BounceRecipients {
        let clean = |s: &String| s.trim().trim_end_matches('.').to_ascii_lowercase();
        BounceRecipients {
            domains: domains.iter().map(clean).filter(|d| !d.is_empty()).collect(),
            addresses: addresses.iter().map(clean).filter(|a| a.contains('@')).collect(),
            separators: if separators.is_empty() { vec!['+'] } else { separators.to_vec() },
        }
    }

    /// True when no domain and no address is configured: such a listener would take nothing.
    pub fn is_empty(&self) -> bool {
        self.domains.is_empty() && self.addresses.is_empty()
    }

    /// True when mail to `address` is ours to take: its domain is a bounce domain, or it is
    /// one of the bounce addresses (either may carry a VERP part). Everything else is refused,
    /// so the listener is never a relay.
    pub fn accepts(&self, address: &str) -> bool {
        if address.len() > MAX_ADDRESS_BYTES {
            return false;
        }
        let Some((local, domain)) = address.rsplit_once('@') else {
            return false;
        };
        if local.is_empty() || domain.is_empty() || address.bytes().any(|b| b <= b' ') {
            return false;
        }
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        if self.domains.contains(&domain) {
            return true;
        }
        // A bounce address with a VERP part: `bounces+...@host` is ours when `bounces@host` is.
        let base = match self.split(local) {
            Some((mailbox, _)) => mailbox,
            None => local,
        };
        let whole = format!("{}@{domain}", base.to_ascii_lowercase());
        let plain = format!("{}@{domain}", local.to_ascii_lowercase());
        self.addresses.contains(&whole) || self.addresses.contains(&plain)
    }

    /// The bounced address a VERP recipient carries (`bounces+alice=example.org@b.example` ->
    /// `alice@example.org`), or None when the address carries none.
    pub fn verp(&self, address: &str) -> Option<String> {
        if address.len() > MAX_ADDRESS_BYTES {
            return None;
        }
        let (local, _) = address.rsplit_once('@')?;
        let (_, encoded) = self.split(local)?;
        decode(encoded)
    }

    /// Splits a local part at the first separator after which a VERP part follows.
    fn split<'a>(&self, local: &'a str) -> Option<(&'a str, &'a str)> {
        local.char_indices().filter(|(_, c)| self.separators.contains(c)).find_map(|(i, c)| {
            let (mailbox, rest) = (&local[..i], &local[i + c.len_utf8()..]);
            (!mailbox.is_empty() && decode(rest).is_some()).then_some((mailbox, rest))
        })
    }
}

/// Reads `alice=example.org` as `alice@example.org`: the last `=` stands for the `@` (a local
/// part may hold `=` itself; a domain never does). None when the result is no plausible address.
pub fn decode(encoded: &str) -> Option<String> {
    let (local, domain) = encoded.rsplit_once('=')?;
    let plausible_domain = domain.len() <= 255
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    let plausible_local = !local.is_empty()
        && local.len() <= 64
        && !local
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || "<>()[]\\,;:@\"".contains(c));
    (plausible_domain && plausible_local).then(|| format!("{local}@{domain}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipients() -> BounceRecipients {
        BounceRecipients::new(
            &["Bounce.Example.com".to_owned()],
            &["returns@mail.example.net".to_owned()],
            &[],
        )
    }

    #[test]
    fn takes_any_local_part_of_a_bounce_domain_and_nothing_else() {
        let r = recipients();
        assert!(r.accepts("bounces@bounce.example.com"));
        assert!(r.accepts("anything+alice=example.org@BOUNCE.example.com"));
        assert!(r.accepts("x@bounce.example.com."));
        assert!(!r.accepts("victim@example.org"));
        assert!(!r.accepts("bounces@sub.bounce.example.com"));
        assert!(!r.accepts("bounces@bounce.example.com.evil.test"));
        assert!(!r.accepts("@bounce.example.com"));
        assert!(!r.accepts("bounce.example.com"));
        assert!(!r.accepts(""));
    }

    #[test]
    fn takes_exact_addresses_with_or_without_verp() {
        let r = recipients();
        assert!(r.accepts("Returns@mail.example.net"));
        assert!(r.accepts("returns+bob=example.org@mail.example.net"));
        assert!(!r.accepts("other@mail.example.net"));
        // A separator without a VERP part behind it is just a different mailbox.
        assert!(!r.accepts("returns+tag@mail.example.net"));
    }

    #[test]
    fn reads_verp() {
        let r = recipients();
        assert_eq!(
            r.verp("bounces+alice=example.org@bounce.example.com").as_deref(),
            Some("alice@example.org")
        );
        // The last `=` is the `@`.
        assert_eq!(r.verp("b+a=b=example.org@x.test").as_deref(), Some("a=b@example.org"));
        assert_eq!(r.verp("bounces@bounce.example.com"), None);
        assert_eq!(r.verp("bounces+tag@bounce.example.com"), None);
        assert_eq!(r.verp("bounces+alice=localhost@bounce.example.com"), None);
        assert_eq!(r.verp("+alice=example.org@bounce.example.com"), None);
        assert_eq!(r.verp("bounces+=example.org@bounce.example.com"), None);
        assert_eq!(r.verp("bounces+a b=example.org@bounce.example.com"), None);
    }

    #[test]
    fn other_separators_when_configured() {
        let r = BounceRecipients::new(&["b.example".to_owned()], &[], &['-', '+']);
        // The first separator splits, as Postfix's recipient_delimiter does.
        assert_eq!(
            r.verp("bounces-mary-ann=example.org@b.example").as_deref(),
            Some("mary-ann@example.org")
        );
        assert_eq!(
            r.verp("bounces+dave=example.org@b.example").as_deref(),
            Some("dave@example.org")
        );
        assert_eq!(r.verp("no-reply@b.example"), None);
        // The default knows only `+`.
        assert_eq!(recipients().verp("bounces-carol=example.org@b.example"), None);
    }

    #[test]
    fn hostile_input_is_refused_not_panicked_on() {
        let r = recipients();
        let long = format!("{}@bounce.example.com", "a".repeat(400));
        assert!(!r.accepts(&long));
        assert_eq!(r.verp(&long), None);
        for s in ["=", "+=", "a+=@", "é+ü=ß.example@bounce.example.com", "\0@\0", "a+b=c.d"] {
            let _ = r.accepts(s);
            let _ = r.verp(s);
        }
    }
}

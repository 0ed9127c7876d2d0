//! Addresses as the store compares them: the domain lowercased and IDNA-encoded, the local part
//! case-insensitive (SERVICE.md §3 "Addresses"); the address as received is kept beside.

use crate::StoreError;

/// The longest address accepted (RFC 5321: 64 + 1 + 255, rounded to the path limit).
const MAX_ADDRESS: usize = 320;

/// An address's key: `local@domain`, the local part lowercased, the domain in lowercase ASCII
/// (IDNA). Two spellings of one mailbox have one key.
pub fn address_key(address: &str) -> Result<String, StoreError> {
    let invalid = |why| StoreError::InvalidAddress { address: address.to_owned(), why };
    let trimmed = address.trim();
    let trimmed =
        trimmed.strip_prefix('<').and_then(|a| a.strip_suffix('>')).unwrap_or(trimmed).trim();
    if trimmed.is_empty() {
        return Err(invalid("empty"));
    }
    if trimmed.len() > MAX_ADDRESS {
        return Err(invalid("longer than 320 bytes"));
    }
    if trimmed.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(invalid("contains a space or a control character"));
    }
    let Some((local, domain)) = trimmed.rsplit_once('@') else {
        return Err(invalid("no @"));
    };
    if local.is_empty() {
        return Err(invalid("nothing before the @"));
    }
    if local.len() > 64 {
        return Err(invalid("local part longer than 64 bytes"));
    }
    if domain.is_empty() {
        return Err(invalid("no domain after the @"));
    }
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    let plain = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'.';
    let ascii = if domain.starts_with('[') && domain.ends_with(']') {
        // An address literal ([192.0.2.1]) is compared as written, lowercased.
        domain.to_ascii_lowercase()
    } else if domain.bytes().all(plain) && !domain.to_ascii_lowercase().contains("xn--") {
        // The common case, without the IDNA machinery: letters, digits, hyphens and dots are
        // what IDNA would give back lowercased (a label starting or ending with a hyphen is
        // checked as it would be).
        let lower = domain.to_ascii_lowercase();
        if lower
            .split('.')
            .any(|label| label.starts_with('-') || label.ends_with('-') || label.len() > 63)
        {
            return Err(invalid("the domain is not a valid domain name"));
        }
        if lower.split('.').any(|label| label.is_empty()) {
            return Err(invalid("the domain has an empty label"));
        }
        if !lower.contains('.') && lower != "localhost" {
            return Err(invalid("the domain has no dot"));
        }
        lower
    } else {
        let ascii = idna::domain_to_ascii(domain)
            .map_err(|_| invalid("the domain is not a valid domain name"))?;
        if ascii.is_empty() || !ascii.contains('.') && ascii != "localhost" {
            return Err(invalid("the domain has no dot"));
        }
        if ascii.split('.').any(|label| label.is_empty()) {
            return Err(invalid("the domain has an empty label"));
        }
        ascii
    };
    Ok(format!("{}@{ascii}", local.to_lowercase()))
}

/// The domain part of a key.
pub fn key_domain(key: &str) -> &str {
    key.rsplit_once('@').map_or("", |(_, d)| d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_mailbox_share_a_key() {
        let key = address_key("Alice@Example.ORG").unwrap();
        assert_eq!(key, "alice@example.org");
        assert_eq!(address_key(" <alice@example.org.> ").unwrap(), key);
        assert_eq!(address_key("user@Bücher.example").unwrap(), "user@xn--bcher-kva.example");
        assert_eq!(
            address_key("user@xn--bcher-kva.example").unwrap(),
            "user@xn--bcher-kva.example"
        );
        assert_eq!(address_key("用户@例子.测试").unwrap(), "用户@xn--fsqu00a.xn--0zwm56d");
    }

    #[test]
    fn invalid_addresses_are_refused_with_a_reason() {
        for bad in [
            "", "alice", "@example.org", "alice@", "a b@example.org", "alice@example..org",
            "alice@exa mple.org", "alice@nodot",
        ] {
            let error = address_key(bad).unwrap_err();
            assert!(matches!(error, StoreError::InvalidAddress { .. }), "{bad:?}: {error}");
        }
        assert!(address_key(&format!("{}@example.org", "a".repeat(65))).is_err());
        assert!(address_key("a@-example.org").is_err());
        assert!(address_key("a@example-.org").is_err());
    }

    #[test]
    fn the_ascii_fast_path_agrees_with_idna() {
        for domain in [
            "Example.ORG", "mail-1.example.co.uk", "xn--bcher-kva.example",
            "XN--BCHER-KVA.example", "a.b.c.d.e",
        ] {
            let fast = address_key(&format!("x@{domain}")).unwrap();
            let idna = idna::domain_to_ascii(domain).unwrap();
            assert_eq!(fast, format!("x@{idna}"), "{domain}");
        }
    }
}

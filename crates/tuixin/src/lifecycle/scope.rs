//! Scopes: which kinds of mail a suppression stops, and which entries block a check.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What kind of mail a suppression applies to, or a check asks about.
///
/// Blocking follows the strength of an entry: `all` > `transactional` > `marketing`. An entry
/// blocks a check for its own scope and for every weaker one, so a check for `transactional` is
/// blocked by `all` and `transactional` entries and a check for `marketing` by all three. A
/// named stream stands on its own (like Postmark's per-stream suppressions): a check for it is
/// blocked by `all` and by entries for that stream only, and its entries block nothing else. A
/// check for `all` ("may I send every kind of mail?") is blocked by `all` entries only.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Scope {
    /// Every kind of mail.
    All,
    /// Mail the recipient asked for: receipts, password resets, notices.
    Transactional,
    /// Newsletters, campaigns, bulk mail.
    Marketing,
    /// A named stream (`[a-z0-9][a-z0-9_.-]{0,63}`), independent of the others.
    Stream(String),
}

/// A scope name that is not `all`, `transactional`, `marketing` or a valid stream name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid scope {0:?}: expected all, transactional, marketing or a stream name of 1-64 characters a-z 0-9 _ . - starting with a letter or digit"
)]
pub struct ScopeError(pub String);

impl Scope {
    /// True when an entry of this scope blocks a check for `checked`.
    pub fn blocks(&self, checked: &Scope) -> bool {
        match (self, checked) {
            (Scope::All, _) => true,
            (Scope::Transactional, Scope::Transactional | Scope::Marketing) => true,
            (Scope::Marketing, Scope::Marketing) => true,
            (Scope::Stream(a), Scope::Stream(b)) => a == b,
            _ => false,
        }
    }

    /// The scope's name as written in files, URLs and the database.
    pub fn as_str(&self) -> &str {
        match self {
            Scope::All => "all",
            Scope::Transactional => "transactional",
            Scope::Marketing => "marketing",
            Scope::Stream(name) => name,
        }
    }
}

fn is_stream_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    (1..=64).contains(&bytes.len())
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes.iter().all(|&b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-')
        })
}

impl FromStr for Scope {
    type Err = ScopeError;

    fn from_str(s: &str) -> Result<Scope, ScopeError> {
        match s {
            "all" => Ok(Scope::All),
            "transactional" => Ok(Scope::Transactional),
            "marketing" => Ok(Scope::Marketing),
            name if is_stream_name(name) => Ok(Scope::Stream(name.to_owned())),
            other => Err(ScopeError(other.to_owned())),
        }
    }
}

impl TryFrom<String> for Scope {
    type Error = ScopeError;

    fn try_from(s: String) -> Result<Scope, ScopeError> {
        s.parse()
    }
}

impl From<Scope> for String {
    fn from(scope: Scope) -> String {
        match scope {
            Scope::Stream(name) => name,
            other => other.as_str().to_owned(),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(name: &str) -> Scope {
        name.parse().unwrap()
    }

    #[test]
    fn names_parse_and_print_back() {
        for name in ["all", "transactional", "marketing", "news", "a", "x.y_z-1", &"a".repeat(64)] {
            assert_eq!(s(name).to_string(), name);
        }
        assert_eq!(s("news"), Scope::Stream("news".into()));
        for bad in ["", "News", "-x", "_x", "a b", "ä", &"a".repeat(65), "a/b"] {
            assert!(bad.parse::<Scope>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn blocking_follows_the_design_table() {
        let (all, tx, mk, news, other) =
            (s("all"), s("transactional"), s("marketing"), s("news"), s("other"));
        // transactional is blocked by all and transactional entries
        assert!(all.blocks(&tx) && tx.blocks(&tx) && !mk.blocks(&tx) && !news.blocks(&tx));
        // marketing by all three
        assert!(all.blocks(&mk) && tx.blocks(&mk) && mk.blocks(&mk) && !news.blocks(&mk));
        // a named stream by all and itself
        assert!(all.blocks(&news) && news.blocks(&news));
        assert!(!tx.blocks(&news) && !mk.blocks(&news) && !other.blocks(&news));
        // all by all only
        assert!(all.blocks(&all) && !tx.blocks(&all) && !mk.blocks(&all) && !news.blocks(&all));
    }

    #[test]
    fn serde_uses_the_name() {
        assert_eq!(serde_json::to_string(&s("news")).unwrap(), "\"news\"");
        assert_eq!(serde_json::from_str::<Scope>("\"marketing\"").unwrap(), Scope::Marketing);
        assert!(serde_json::from_str::<Scope>("\"Bad Name\"").is_err());
    }
}

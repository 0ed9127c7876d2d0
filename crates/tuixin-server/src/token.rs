//! API tokens: making one (`tuixin_<id>_<secret>`, stored as the SHA-256 of the secret), the
//! scopes, and checking a presented token in constant time against the stored hash.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tuixin_store::{Store, TokenRow};

/// What a token may do; each scope includes those below it (`admin` > `write` > `read` > `check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TokenScope {
    /// `GET/POST /v1/check` only.
    Check,
    /// Reading lists, events, addresses, stats, alerts, the policy, metrics.
    Read,
    /// Changing the suppression list and ingesting bounces.
    Write,
    /// The policy, and entries only an admin may remove (complaints).
    Admin,
}

impl TokenScope {
    /// Every scope, lowest first.
    pub const ALL: [TokenScope; 4] =
        [TokenScope::Check, TokenScope::Read, TokenScope::Write, TokenScope::Admin];

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Check => "check",
            TokenScope::Read => "read",
            TokenScope::Write => "write",
            TokenScope::Admin => "admin",
        }
    }
}

impl std::str::FromStr for TokenScope {
    type Err = TokenError;
    fn from_str(s: &str) -> Result<TokenScope, TokenError> {
        TokenScope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s.trim())
            .ok_or_else(|| TokenError::BadScope(s.to_owned()))
    }
}

/// Why a token could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// A scope name that is not one.
    #[error("unknown token scope {0:?}: use check, read, write or admin")]
    BadScope(String),
    /// No scope given.
    #[error("a token needs at least one scope (check, read, write, admin)")]
    NoScope,
    /// An empty or over-long name.
    #[error("a token name must be 1 to 100 printable characters")]
    BadName,
    /// The system's random source failed.
    #[error("no randomness for a token secret: {0}")]
    Random(String),
}

/// Parses `check,read,...` into scopes.
pub fn parse_scopes(text: &str) -> Result<Vec<TokenScope>, TokenError> {
    let mut out: Vec<TokenScope> = text
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    out.sort();
    out.dedup();
    if out.is_empty() {
        return Err(TokenError::NoScope);
    }
    Ok(out)
}

/// A token just made: the secret to show once, and the row to store.
pub struct NewToken {
    /// The whole token, `tuixin_<id>_<secret>`: shown once, never stored.
    pub token: String,
    /// What is stored.
    pub row: TokenRow,
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// The stored form of a secret.
fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Makes a token with this name and scopes at time `now` (not yet stored).
pub fn make(name: &str, scopes: &[TokenScope], now: i64) -> Result<NewToken, TokenError> {
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(TokenError::BadName);
    }
    if scopes.is_empty() {
        return Err(TokenError::NoScope);
    }
    let mut id = [0u8; 6];
    let mut secret = [0u8; 32];
    getrandom::fill(&mut id).map_err(|e| TokenError::Random(e.to_string()))?;
    getrandom::fill(&mut secret).map_err(|e| TokenError::Random(e.to_string()))?;
    let (id, secret) = (hex(&id), hex(&secret));
    Ok(NewToken {
        token: format!("tuixin_{id}_{secret}"),
        row: TokenRow {
            id,
            name: name.to_owned(),
            scopes: scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            secret_sha256: secret_hash(&secret),
            created_at: now,
            revoked_at: None,
        },
    })
}

/// Who made a request, as a checked token says.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's id.
    pub id: String,
    /// The token's name (the actor in audit rows).
    pub name: String,
    /// Its highest scope.
    pub scope: TokenScope,
}

/// Why a presented token was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// No token, or one that matches no live token.
    Unauthorized,
    /// A live token without the scope the call needs.
    Forbidden,
}

struct Known {
    name: String,
    hash: [u8; 32],
    scope: TokenScope,
}

struct Cache {
    tokens: HashMap<String, Known>,
    loaded: Option<Instant>,
}

/// The live tokens, read from the store and re-read at most every `refresh` (so a token made
/// or revoked with the CLI while the server runs is seen within that time).
#[derive(Clone)]
pub struct Tokens {
    cache: Arc<RwLock<Cache>>,
    refresh: Duration,
}

impl Tokens {
    /// An empty cache, loaded on first use.
    pub fn new(refresh: Duration) -> Tokens {
        Tokens {
            cache: Arc::new(RwLock::new(Cache { tokens: HashMap::new(), loaded: None })),
            refresh,
        }
    }

    /// Whether the cache should be re-read from the store now.
    pub fn stale(&self) -> bool {
        let cache = self.cache.read().unwrap_or_else(|e| e.into_inner());
        cache.loaded.is_none_or(|at| at.elapsed() >= self.refresh)
    }

    /// Re-reads the live tokens from the store (blocking: call from a blocking thread).
    pub fn reload(&self, store: &Store) -> Result<(), tuixin_store::StoreError> {
        let rows = store.tokens()?;
        let mut tokens = HashMap::new();
        for row in rows.into_iter().filter(|r| r.revoked_at.is_none()) {
            let mut hash = [0u8; 32];
            if row.secret_sha256.len() != 64 {
                continue;
            }
            for (i, byte) in hash.iter_mut().enumerate() {
                *byte = u8::from_str_radix(&row.secret_sha256[i * 2..i * 2 + 2], 16).unwrap_or(0);
            }
            let scope = row.scopes.iter().filter_map(|s| s.parse().ok()).max();
            if let Some(scope) = scope {
                tokens.insert(row.id, Known { name: row.name, hash, scope });
            }
        }
        let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
        cache.tokens = tokens;
        cache.loaded = Some(Instant::now());
        Ok(())
    }

    /// The live token with this id, as a caller (for a web session signed in with it).
    pub fn caller(&self, id: &str) -> Option<Caller> {
        let cache = self.cache.read().unwrap_or_else(|e| e.into_inner());
        cache.tokens.get(id).map(|known| Caller {
            id: id.to_owned(),
            name: known.name.clone(),
            scope: known.scope,
        })
    }

    /// Checks an `Authorization` header value against the live tokens for a call that needs
    /// `needed`. The secret's hash is compared in constant time.
    pub fn authorize(&self, header: Option<&str>, needed: TokenScope) -> Result<Caller, Denied> {
        let token = header
            .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or(Denied::Unauthorized)?;
        let rest = token.strip_prefix("tuixin_").ok_or(Denied::Unauthorized)?;
        let (id, secret) = rest.split_once('_').ok_or(Denied::Unauthorized)?;
        let presented: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        let cache = self.cache.read().unwrap_or_else(|e| e.into_inner());
        let known = cache.tokens.get(id).ok_or(Denied::Unauthorized)?;
        if !bool::from(known.hash.ct_eq(&presented)) {
            return Err(Denied::Unauthorized);
        }
        if known.scope < needed {
            return Err(Denied::Forbidden);
        }
        Ok(Caller { id: id.to_owned(), name: known.name.clone(), scope: known.scope })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_sorted_and_refuse_unknown_names() {
        assert_eq!(
            parse_scopes("write, check").unwrap(),
            vec![TokenScope::Check, TokenScope::Write]
        );
        assert!(matches!(parse_scopes("read,root"), Err(TokenError::BadScope(s)) if s == "root"));
        assert!(matches!(parse_scopes(""), Err(TokenError::NoScope)));
    }

    #[test]
    fn a_made_token_is_stored_only_as_its_hash_and_two_are_never_alike() {
        let a = make("ci", &[TokenScope::Read], 0).unwrap();
        let b = make("ci", &[TokenScope::Read], 0).unwrap();
        assert_ne!(a.token, b.token);
        let secret = a.token.rsplit('_').next().unwrap();
        assert_eq!(secret.len(), 64);
        assert!(!a.row.secret_sha256.contains(secret));
        assert_eq!(a.row.secret_sha256, secret_hash(secret));
    }
}

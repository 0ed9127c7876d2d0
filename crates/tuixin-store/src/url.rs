//! Database URLs: which backend, where, and how to show the URL without its password.

use crate::StoreError;

/// Where the store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    /// A SQLite file.
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL URL (`postgres://` or `postgresql://`), kept whole for the driver.
    Postgres(String),
}

impl DbUrl {
    /// Reads a URL: a file path, `sqlite:PATH` (also `sqlite://PATH`), or `postgres://...` /
    /// `postgresql://...`.
    pub fn parse(url: &str) -> Result<DbUrl, StoreError> {
        let bad = |why: &str| StoreError::BadUrl { url: redact(url), why: why.to_owned() };
        if url.trim().is_empty() {
            return Err(bad("empty"));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(url.to_owned()));
        }
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(bad("no file after sqlite:"));
            }
            return Ok(DbUrl::Sqlite(path.into()));
        }
        if let Some((scheme, _)) = url.split_once("://") {
            return Err(bad(&format!("unknown scheme {scheme:?}")));
        }
        Ok(DbUrl::Sqlite(url.into()))
    }

    /// The URL as it may be shown: a PostgreSQL password is replaced by `***`.
    pub fn display(&self) -> String {
        match self {
            DbUrl::Sqlite(path) => path.display().to_string(),
            DbUrl::Postgres(url) => redact(url),
        }
    }
}

/// `url` with the password of its user-info part (`user:password@`) and any `password=`
/// parameter replaced by `***`.
pub fn redact(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(scheme_end) = out.find("://") {
        let rest = &out[scheme_end + 3..];
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        if let Some(at) = rest[..authority_end].rfind('@')
            && let Some(colon) = rest[..at].find(':')
        {
            let start = scheme_end + 3 + colon + 1;
            let end = scheme_end + 3 + at;
            out.replace_range(start..end, "***");
        }
    }
    // Query parameters: password=..., up to the next `&`.
    let lower = out.to_ascii_lowercase();
    if let Some(pos) = lower.find("password=") {
        let start = pos + "password=".len();
        let end = out[start..].find('&').map_or(out.len(), |e| start + e);
        out.replace_range(start..end, "***");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_by_url() {
        assert_eq!(DbUrl::parse("x.db").unwrap(), DbUrl::Sqlite("x.db".into()));
        assert_eq!(DbUrl::parse("sqlite:/tmp/x.db").unwrap(), DbUrl::Sqlite("/tmp/x.db".into()));
        assert_eq!(DbUrl::parse("sqlite:///tmp/x.db").unwrap(), DbUrl::Sqlite("/tmp/x.db".into()));
        assert!(matches!(DbUrl::parse("postgresql://h/db").unwrap(), DbUrl::Postgres(_)));
        assert!(matches!(DbUrl::parse("mysql://h/db"), Err(StoreError::BadUrl { .. })));
        assert!(matches!(DbUrl::parse(""), Err(StoreError::BadUrl { .. })));
    }

    #[test]
    fn passwords_never_shown() {
        assert_eq!(redact("postgres://u:s3cret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            redact("postgres://h/db?user=u&password=s3cret&x=1"),
            "postgres://h/db?user=u&password=***&x=1"
        );
        let error = DbUrl::parse("mysql://u:s3cret@h/db").unwrap_err().to_string();
        assert!(!error.contains("s3cret"), "{error}");
    }
}

//! The suppression list as stored: entries, check outcomes and list filters.

use serde::Serialize;

use crate::event::Timestamp;

/// One suppression entry, with the fields an export carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuppressionRow {
    /// The address as first received.
    pub address: String,
    /// The address's key (how it is compared).
    #[serde(skip)]
    pub address_key: String,
    /// The scope: `all`, `transactional`, `marketing` or a stream.
    pub scope: String,
    /// Why: `hard_bounce`, `soft_bounce_threshold`, `complaint`, `unsubscribe`, `manual`,
    /// `provider`.
    pub reason: String,
    /// The record's reason (`userunknown`, ...) where a bounce caused it.
    pub bounce_reason: Option<String>,
    /// Who caused it: `policy`, `provider:<name>`, a user or token name.
    pub source: String,
    /// A line for people.
    pub description: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// When it stops blocking, if ever.
    pub expires_at: Option<Timestamp>,
    /// The event that caused it.
    pub event_id: Option<String>,
    /// Only an admin may remove it (complaints).
    pub locked: bool,
    /// Flagged for review (a not-spam report on a complaint).
    pub review: bool,
}

/// The answer to "may I send to this address in this scope?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckOutcome {
    /// The address as asked.
    pub address: String,
    /// The scope asked for.
    pub scope: String,
    /// True when no entry blocks it.
    pub allowed: bool,
    /// The entry that blocks it.
    #[serde(flatten)]
    pub blocked_by: Option<SuppressionRow>,
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct SuppressionFilter {
    /// Only this reason.
    pub reason: Option<String>,
    /// Only this source.
    pub source: Option<String>,
    /// Only this scope.
    pub scope: Option<String>,
    /// Only addresses at this domain (any spelling).
    pub domain: Option<String>,
    /// Created at or after.
    pub since: Option<Timestamp>,
    /// Created before.
    pub until: Option<Timestamp>,
    /// Only addresses whose key or spelling holds this text (any case), e.g. a domain's part.
    pub q: Option<String>,
    /// The order.
    pub sort: SuppressionSort,
    /// Resume after this (created_at, address key, scope), the previous page's last row
    /// (created_at is not looked at when sorting by address).
    pub after: Option<(Timestamp, String, String)>,
    /// At most this many (default 1000).
    pub limit: Option<usize>,
}

/// The order a list of entries comes in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SuppressionSort {
    /// Oldest first (`created_at`).
    #[default]
    CreatedAt,
    /// Newest first (`-created_at`).
    CreatedAtDesc,
    /// By address (its key), then scope (`address`).
    Address,
}

impl SuppressionSort {
    /// Reads `created_at`, `-created_at` or `address`.
    pub fn parse(text: &str) -> Option<SuppressionSort> {
        Some(match text {
            "created_at" => SuppressionSort::CreatedAt,
            "-created_at" => SuppressionSort::CreatedAtDesc,
            "address" => SuppressionSort::Address,
            _ => return None,
        })
    }

    /// Its name as [`SuppressionSort::parse`] reads it.
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionSort::CreatedAt => "created_at",
            SuppressionSort::CreatedAtDesc => "-created_at",
            SuppressionSort::Address => "address",
        }
    }
}

/// `text` as a LIKE pattern matching it anywhere, with `%`, `_` and `\` taken literally
/// (`ESCAPE '\'`), lowercased.
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Whether `scope` is a scope name: `all`, `transactional`, `marketing` or a stream.
pub fn valid_scope(scope: &str) -> bool {
    scope.parse::<tuixin::lifecycle::Scope>().is_ok()
}

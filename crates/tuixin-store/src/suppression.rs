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
    /// Resume after this (created_at, address key, scope).
    pub after: Option<(Timestamp, String, String)>,
    /// At most this many (default 1000).
    pub limit: Option<usize>,
}

/// Whether `scope` is a scope name: `all`, `transactional`, `marketing` or a stream.
pub fn valid_scope(scope: &str) -> bool {
    scope.parse::<tuixin::lifecycle::Scope>().is_ok()
}

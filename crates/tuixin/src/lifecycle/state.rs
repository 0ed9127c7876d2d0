//! What the lifecycle remembers about one address: its suppressions and its bounce counters.

use serde::{Deserialize, Serialize};

use super::{Scope, Timestamp};
use crate::Reason;

/// Seconds in a UTC day.
pub(crate) const DAY: i64 = 86_400;

/// The UTC day (days since the epoch) a time falls on.
pub(crate) fn day_of(at: Timestamp) -> i64 {
    at.div_euclid(DAY)
}

/// Why an address is suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionReason {
    /// A permanent failure: the address does not exist or takes no mail.
    HardBounce,
    /// Soft bounces (or suspensions) reached the policy's threshold.
    SoftBounceThreshold,
    /// The recipient complained (a feedback-loop report).
    Complaint,
    /// The recipient unsubscribed.
    Unsubscribe,
    /// Added by a person (CLI, API, web page, import).
    Manual,
    /// Mirrored from a sending provider's own suppression list.
    Provider,
}

impl SuppressionReason {
    /// Every reason, in declaration order.
    pub const ALL: [SuppressionReason; 6] = [
        SuppressionReason::HardBounce,
        SuppressionReason::SoftBounceThreshold,
        SuppressionReason::Complaint,
        SuppressionReason::Unsubscribe,
        SuppressionReason::Manual,
        SuppressionReason::Provider,
    ];

    /// The snake_case name used in files, exports and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionReason::HardBounce => "hard_bounce",
            SuppressionReason::SoftBounceThreshold => "soft_bounce_threshold",
            SuppressionReason::Complaint => "complaint",
            SuppressionReason::Unsubscribe => "unsubscribe",
            SuppressionReason::Manual => "manual",
            SuppressionReason::Provider => "provider",
        }
    }

    /// The reason with this name, if there is one.
    pub fn from_name(name: &str) -> Option<SuppressionReason> {
        SuppressionReason::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl std::fmt::Display for SuppressionReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of the suppression list: an address may not be mailed in `scope`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// The kinds of mail it stops.
    pub scope: Scope,
    /// Why.
    pub reason: SuppressionReason,
    /// The bounce reason that led to it (`userunknown`, ...), where a bounce did.
    pub bounce_reason: Option<Reason>,
    /// Who or what made it: the event's source (`smtp`, `webhook:ses`), `provider:<name>` for
    /// a mirrored entry, or the actor of a manual one.
    pub source: String,
    /// One line for people: what happened.
    pub description: String,
    /// When it began (the event's own time for policy entries).
    pub created_at: Timestamp,
    /// When it last changed (extended, flagged).
    pub updated_at: Timestamp,
    /// When it stops blocking; `None` = until removed.
    pub expires_at: Option<Timestamp>,
    /// The event that made it, where one did.
    pub event_id: Option<String>,
    /// Removable only by an admin, with a note (complaints).
    pub locked: bool,
    /// Flagged for a person to look at (e.g. a `not-spam` report after a complaint).
    pub review: bool,
}

impl Suppression {
    /// True while it blocks: not yet expired at `now`.
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.expires_at.is_none_or(|expires| now < expires)
    }
}

/// One UTC day on which a counter counted, with the latest bounce time seen that day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountedDay {
    /// Days since the epoch (UTC).
    pub day: i64,
    /// The latest bounce of that day, in Unix seconds.
    pub at: Timestamp,
    /// Bounces counted that day: 1 with the day cap, every bounce without it.
    #[serde(default = "one")]
    pub events: u32,
}

fn one() -> u32 {
    1
}

/// Bounce days counted towards a threshold, oldest first, one entry per UTC day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Counter {
    /// The counted days, sorted by day.
    pub days: Vec<CountedDay>,
    /// Days an entry is kept (the policy's horizon when it was last counted); the sweep drops
    /// older ones.
    pub keep_days: u32,
}

impl Counter {
    /// How many days counted in the `window_days` ending on the UTC day of `at`.
    pub fn count_at(&self, at: Timestamp, window_days: u32) -> u32 {
        let end = day_of(at);
        let start = end - i64::from(window_days) + 1;
        self.days.iter().filter(|d| (start..=end).contains(&d.day)).count() as u32
    }

    /// How many bounces in the `window_days` ending on the UTC day of `at` (no day cap).
    pub fn events_at(&self, at: Timestamp, window_days: u32) -> u32 {
        let end = day_of(at);
        let start = end - i64::from(window_days) + 1;
        self.days.iter().filter(|d| (start..=end).contains(&d.day)).map(|d| d.events).sum()
    }

    /// True when nothing is counted.
    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }
}

/// Where an address stands (SERVICE.md §3: active -> watch -> suppressed -> active).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressStatus {
    /// Nothing counted, nothing blocking.
    Active,
    /// Bounces are being counted towards a threshold.
    Watch,
    /// Some suppression is in force.
    Suppressed,
}

/// Everything the lifecycle keeps about one address. `Default` is an address never seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AddressState {
    /// Its suppressions, at most one per scope, sorted by scope.
    pub suppressions: Vec<Suppression>,
    /// Soft-bounce days (mailbox full, filtered, expired, temporary failures).
    pub soft: Counter,
    /// Days the mailbox was reported suspended or disabled.
    pub suspend: Counter,
    /// The latest delivery seen (event time).
    pub last_delivery: Option<Timestamp>,
    /// The latest event time seen for the address, of any kind.
    pub last_event: Option<Timestamp>,
}

impl AddressState {
    /// The suppression held for exactly `scope`, if any (expired or not).
    pub fn suppression(&self, scope: &Scope) -> Option<&Suppression> {
        self.suppressions.iter().find(|s| &s.scope == scope)
    }

    /// Where the address stands at `now`.
    pub fn status(&self, now: Timestamp) -> AddressStatus {
        if self.suppressions.iter().any(|s| s.is_active(now)) {
            AddressStatus::Suppressed
        } else if self.is_watched() {
            AddressStatus::Watch
        } else {
            AddressStatus::Active
        }
    }

    /// True when some counter has counted days: the address is being watched.
    pub fn is_watched(&self) -> bool {
        !self.soft.is_empty() || !self.suspend.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_utc_and_floor_before_the_epoch() {
        assert_eq!(day_of(0), 0);
        assert_eq!(day_of(DAY - 1), 0);
        assert_eq!(day_of(DAY), 1);
        assert_eq!(day_of(-1), -1);
    }

    #[test]
    fn reasons_have_snake_case_names() {
        for reason in SuppressionReason::ALL {
            let json = serde_json::to_string(&reason).unwrap();
            assert_eq!(json, format!("\"{}\"", reason.as_str()));
            assert_eq!(SuppressionReason::from_name(reason.as_str()), Some(reason));
        }
    }

    #[test]
    fn a_never_seen_address_round_trips_through_json() {
        let state = AddressState::default();
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(serde_json::from_str::<AddressState>(&json).unwrap(), state);
        // fields added later default when an older row lacks them
        assert_eq!(serde_json::from_str::<AddressState>("{}").unwrap(), state);
    }
}

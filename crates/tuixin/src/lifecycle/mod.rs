//! The lifecycle: what bounce events do to the suppression list (SERVICE.md §3), as pure
//! functions over an address's state. No I/O: the store loads an [`AddressState`], calls
//! [`apply`] (or [`sweep`], [`add_manual`], [`remove`]) and writes back the new state and one
//! audit row per [`Action`].
//!
//! Choices where the design table is silent, with what SES and Postmark operators expect:
//! - **Event time.** Windows and day caps use the bounce's own time (`LifecycleEvent::at`); a
//!   date more than an hour after receipt is distrusted. Events may arrive out of order: a
//!   bounce counts on its own UTC day, a window is any `window_days` span holding that day, a
//!   suppression lasts from the latest bounce of the span that reached the threshold, and an
//!   expiry is never moved backwards. A bounce older than a known delivery is not counted.
//!   The same events in any order give the same counted days and, after a [`sweep`], the same
//!   suppressions.
//! - **Counters are per address**, not per scope: a full mailbox is full for every stream. The
//!   policy says in which scope each kind of suppression goes (`scope`, or `event` for the
//!   scope of the mail that bounced).
//! - **Streams** are independent lists (Postmark's message streams): only `all` reaches them.
//! - **One entry per scope.** The same reason merges (earliest start, longest expiry); another
//!   reason replaces it only when locked or longer-lasting; a locked complaint is never
//!   replaced by the policy, and a person's `add_manual` may not replace it either.
//! - **Delays** never count (SES and Postmark do not suppress on delays) but the sender's,
//!   message's and network's delays feed alerts: rate limits show up as delays first.
//! - **`expired`** counts as soft as §3's table says, though its record category is `network`:
//!   the queue gave up after days of retries, and five such days without a delivery between
//!   are a dead destination.
//! - **Removal** always needs a note; a locked entry needs an admin; removing a threshold entry
//!   clears the counts behind it so the next bounce does not suppress again at once.
//! - **Mirrors** of a provider's list get source `provider:<name>` where a webhook names the
//!   provider (`webhook:ses` -> `provider:ses`), `provider:upstream` where a bounce mail or log
//!   line reported it.
//! - **The allowlist** stops every automatic suppression (also mirrors of a provider's list);
//!   counting goes on, and an `Allowlisted` action records what would have happened.

mod alert;
mod apply;
mod event;
mod policy;
mod scope;
mod state;

/// Seconds since the Unix epoch, UTC.
pub type Timestamp = i64;

pub use alert::{
    AlertCategory, AlertObservation, AlertWindow, MinuteCount, alert_key, alert_observations,
    close_if_quiet, observe,
};
pub use apply::{
    Action, LifecycleError, Transition, add_entry, add_manual, apply, blocking, remove, sweep,
};
pub use event::{EventKind, FUTURE_SKEW, LifecycleEvent};
pub use policy::{
    AlertPolicy, Allowlist, ComplaintPolicy, CounterPolicy, DEFAULT_POLICY_TOML, DeliveryPolicy,
    HardPolicy, NEVER_SUPPRESS, POLICY_VERSION, Policy, PolicyError, ScopeKnobs, ScopeSetting,
    ScopeThreshold, Treatment, UnsubscribePolicy, UpstreamPolicy,
};
pub use scope::{Scope, ScopeError};
pub use state::{AddressState, AddressStatus, CountedDay, Counter, Suppression, SuppressionReason};

#[cfg(test)]
mod tests;

#[cfg(test)]
mod properties;

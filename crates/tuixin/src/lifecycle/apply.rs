//! The lifecycle as pure functions: an event (or a person's request) and the address's state
//! in, the new state and the actions to audit out.

use serde::Serialize;

use super::alert::{AlertCategory, alert_key};
use super::event::{EventKind, LifecycleEvent};
use super::policy::{CounterKind, CounterPolicy, Policy, ScopeSetting, Treatment};
use super::state::{
    AddressState, CountedDay, Counter, DAY, Suppression, SuppressionReason, day_of,
};
use super::{Scope, Timestamp};

/// One change the lifecycle made; the store writes each as an audit row. More kinds may come:
/// match with a wildcard arm, or use [`Action::name`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// A suppression was added, replaced, or extended: the entry as it now stands.
    Suppress(Suppression),
    /// A suppression was removed (a delivery, an expiry, a person).
    Lift {
        /// Its scope.
        scope: Scope,
        /// Its reason.
        reason: SuppressionReason,
        /// Why it was lifted.
        note: String,
    },
    /// A new soft-bounce day was counted; `count` days now fall in the window.
    CountSoft {
        /// Counted days in the window ending on the event's day.
        count: u32,
    },
    /// A new suspension day was counted.
    CountSuspend {
        /// Counted days in the window ending on the event's day.
        count: u32,
    },
    /// A delivery (or a removal) cleared the counted days.
    ResetSoft,
    /// The event feeds an alert window (it never suppresses).
    Alert {
        /// Whose problem.
        category: AlertCategory,
        /// The window's key: `sending|provider`, the campaign, or the provider.
        key: String,
    },
    /// A suppression was flagged for a person to look at.
    FlagForReview {
        /// Its scope.
        scope: Scope,
    },
    /// The event goes to the review queue (onhold, undefined).
    Review,
    /// The event would have suppressed, but the address is on the allowlist.
    Allowlisted {
        /// The scope it would have suppressed in.
        scope: Scope,
        /// The reason it would have had.
        reason: SuppressionReason,
    },
    /// The event is stored and changes nothing.
    StoreOnly,
}

impl Action {
    /// The action's snake_case name, as audit rows give it.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Suppress(_) => "suppress",
            Action::Lift { .. } => "lift",
            Action::CountSoft { .. } => "count_soft",
            Action::CountSuspend { .. } => "count_suspend",
            Action::ResetSoft => "reset_soft",
            Action::Alert { .. } => "alert",
            Action::FlagForReview { .. } => "flag_for_review",
            Action::Review => "review",
            Action::Allowlisted { .. } => "allowlisted",
            Action::StoreOnly => "store_only",
        }
    }
}

/// The outcome of one step: the state to store and what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The address's new state.
    pub state: AddressState,
    /// What changed, in order. `apply` always returns at least one (`StoreOnly` when nothing
    /// changed); `sweep` returns none when it only dropped old counts.
    pub actions: Vec<Action>,
}

/// A request of a person that the lifecycle refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    /// Nothing is suppressed in that scope.
    #[error("no suppression in scope {0}")]
    NotFound(Scope),
    /// The entry is locked (a complaint): an admin must remove it.
    #[error("the suppression in scope {0} is locked: removing it needs an admin")]
    Locked(Scope),
    /// Removal needs a note saying why.
    #[error("a note saying why is required")]
    NoteRequired,
    /// A manual entry whose expiry is not in the future.
    #[error("the expiry {expires_at} is not after now ({now})")]
    ExpiryInPast {
        /// The expiry asked for.
        expires_at: Timestamp,
        /// The time of the request.
        now: Timestamp,
    },
}

/// What `event` does to an address in `state` under `policy`. Pure and deterministic.
pub fn apply(state: &AddressState, event: &LifecycleEvent, policy: &Policy) -> Transition {
    let mut next = state.clone();
    let mut actions = Vec::new();
    let treatment = match event.kind {
        EventKind::Delivery => Treatment::Delivery,
        EventKind::Complaint => Treatment::Complaint,
        EventKind::UpstreamSuppressed => Treatment::Upstream,
        EventKind::Unsubscribe | EventKind::Other => Treatment::Store,
        // A delay is a warning, the message is still queued: it never counts, but the
        // sender's, message's and network's delays (rate limits, greylisting) feed alerts.
        EventKind::Delay => match policy.treatment(event.reason) {
            t @ (Treatment::AlertSender
            | Treatment::AlertMessage
            | Treatment::AlertInfrastructure) => t,
            _ => Treatment::Store,
        },
        EventKind::Bounce | EventKind::AutoReply => policy.treatment(event.reason),
    };
    if event.kind == EventKind::Unsubscribe {
        let scope = policy.unsubscribe.scope.resolve(&event.scope);
        let s = entry(
            event,
            scope,
            SuppressionReason::Unsubscribe,
            policy.unsubscribe.expires_days,
            "unsubscribed".into(),
        );
        suppress(&mut next, s, event, policy, &mut actions);
    }
    match treatment {
        Treatment::Hard => {
            let permanent = match event.class {
                Some(5) => true,
                Some(_) => false,
                None => event.hard,
            };
            // `weak` is the code alone or no rule; only the code alone may be trusted.
            let strong = !event.weak || (policy.hard.trust_code_alone && event.class.is_some());
            if permanent && strong {
                let scope = policy.hard.scope.resolve(&event.scope);
                let description = format!("hard bounce: {}", event.reason);
                let s = entry(
                    event,
                    scope,
                    SuppressionReason::HardBounce,
                    policy.hard.expires_days,
                    description,
                );
                suppress(&mut next, s, event, policy, &mut actions);
            } else {
                count(&mut next, CounterKind::Soft, event, policy, &mut actions);
            }
        }
        Treatment::Soft => count(&mut next, CounterKind::Soft, event, policy, &mut actions),
        Treatment::Suspend => count(&mut next, CounterKind::Suspend, event, policy, &mut actions),
        Treatment::Complaint => complaint(&mut next, event, policy, &mut actions),
        Treatment::Delivery => delivery(&mut next, event.at, policy, &mut actions),
        Treatment::Upstream if policy.upstream.mirror => {
            let scope = policy.upstream.scope.resolve(&event.scope);
            // An ESP's webhook names the provider; a bounce mail or log line does not.
            let provider = event
                .source
                .strip_prefix("webhook:")
                .filter(|name| !name.trim().is_empty())
                .unwrap_or("upstream");
            let mut s = entry(
                event,
                scope,
                SuppressionReason::Provider,
                0,
                format!("on the suppression list of {provider}"),
            );
            s.source = format!("provider:{provider}");
            suppress(&mut next, s, event, policy, &mut actions);
        }
        Treatment::Upstream | Treatment::Store => {}
        Treatment::AlertSender => actions.push(alert(AlertCategory::Sender, event)),
        Treatment::AlertMessage => actions.push(alert(AlertCategory::Message, event)),
        Treatment::AlertInfrastructure => actions.push(alert(AlertCategory::Infrastructure, event)),
        Treatment::Review => actions.push(Action::Review),
    }
    next.last_event = Some(next.last_event.map_or(event.at, |t| t.max(event.at)));
    if actions.is_empty() {
        actions.push(Action::StoreOnly);
    }
    Transition { state: next, actions }
}

fn alert(category: AlertCategory, event: &LifecycleEvent) -> Action {
    Action::Alert { category, key: alert_key(category, event) }
}

/// A new policy entry made by `event`.
fn entry(
    event: &LifecycleEvent,
    scope: Scope,
    reason: SuppressionReason,
    expires_days: u32,
    description: String,
) -> Suppression {
    Suppression {
        scope,
        reason,
        bounce_reason: Some(event.reason),
        source: event.source.to_owned(),
        description,
        created_at: event.at,
        updated_at: event.at,
        expires_at: expiry(event.at, expires_days),
        event_id: Some(event.id.to_owned()),
        locked: false,
        review: false,
    }
}

fn expiry(from: Timestamp, days: u32) -> Option<Timestamp> {
    (days > 0).then(|| from.saturating_add(i64::from(days) * DAY))
}

/// Puts a policy entry in place unless the address is allowlisted.
fn suppress(
    next: &mut AddressState,
    new: Suppression,
    event: &LifecycleEvent,
    policy: &Policy,
    actions: &mut Vec<Action>,
) {
    if policy.allowlist.contains(event.address) {
        actions.push(Action::Allowlisted { scope: new.scope, reason: new.reason });
        return;
    }
    if let Some(action) = put(next, new) {
        actions.push(action);
    }
}

/// Puts `new` in its scope's slot: the same reason merges (the earliest start, the latest
/// update, the longest expiry, never shortened); an entry run out before `new` began is
/// replaced; another reason is replaced only by a locked entry or one that outlasts it; a
/// locked entry is never replaced automatically.
fn put(state: &mut AddressState, new: Suppression) -> Option<Action> {
    let Some(i) = state.suppressions.iter().position(|s| s.scope == new.scope) else {
        let at = state.suppressions.partition_point(|s| s.scope < new.scope);
        state.suppressions.insert(at, new.clone());
        return Some(Action::Suppress(new));
    };
    let old = &state.suppressions[i];
    // An entry that had run out before the new one began is replaced, not merged into.
    let dead = old.expires_at.is_some_and(|e| e <= new.created_at);
    let replacement = if old.reason == new.reason && !dead {
        let first = if new.created_at < old.created_at { &new } else { old };
        let latest = if new.updated_at > old.updated_at { &new } else { old };
        Suppression {
            scope: old.scope.clone(),
            reason: old.reason,
            bounce_reason: latest.bounce_reason,
            source: first.source.clone(),
            description: first.description.clone(),
            created_at: first.created_at,
            updated_at: old.updated_at.max(new.updated_at),
            expires_at: match (old.expires_at, new.expires_at) {
                (Some(a), Some(b)) => Some(a.max(b)),
                _ => None,
            },
            event_id: first.event_id.clone(),
            locked: old.locked || new.locked,
            review: old.review,
        }
    } else {
        let outlasts = match (old.expires_at, new.expires_at) {
            (Some(_), None) => true,
            (Some(a), Some(b)) => b > a,
            (None, _) => false,
        };
        if old.locked || !(new.locked || dead || outlasts) {
            return None;
        }
        new
    };
    if replacement == *old {
        return None;
    }
    state.suppressions[i] = replacement.clone();
    Some(Action::Suppress(replacement))
}

fn counter(state: &mut AddressState, which: CounterKind) -> &mut Counter {
    match which {
        CounterKind::Soft => &mut state.soft,
        CounterKind::Suspend => &mut state.suspend,
    }
}

/// Counts a bounce into a counter and suppresses when some window holding its day reaches the
/// threshold. Order-insensitive: the same events in any order leave the same counted days and,
/// after a sweep, the same suppressions.
fn count(
    next: &mut AddressState,
    which: CounterKind,
    event: &LifecycleEvent,
    policy: &Policy,
    actions: &mut Vec<Action>,
) {
    let thresholds = policy.thresholds(which);
    let cfg = &thresholds[0];
    let at = event.at;
    // A bounce from before a delivery we already know of says nothing about the address now.
    if cfg.reset_on_delivery && next.last_delivery.is_some_and(|d| at <= d) {
        return;
    }
    let seen = next.last_event;
    let newest_day = day_of(seen.map_or(at, |t| t.max(at)));
    let horizon = thresholds.iter().map(CounterPolicy::horizon_days).max().unwrap_or(1);
    let day = day_of(at);
    if day <= newest_day - horizon {
        // Older than anything a window of ours can still hold.
        return;
    }
    let c = counter(next, which);
    c.keep_days = u32::try_from(horizon).unwrap_or(u32::MAX);
    let pos = c.days.partition_point(|d| d.day < day);
    let new_day = match c.days.iter_mut().find(|d| d.day == day) {
        Some(existing) => {
            existing.at = existing.at.max(at);
            // Without the day cap every bounce counts; with it, the same bounce read twice
            // leaves the state as it was.
            if !cfg.day_cap {
                existing.events = existing.events.saturating_add(1);
            }
            !cfg.day_cap
        }
        None => {
            c.days.insert(pos, CountedDay { day, at, events: 1 });
            true
        }
    };
    c.days.retain(|d| d.day > newest_day - horizon);
    if new_day {
        let count = if cfg.day_cap {
            c.count_at(at, cfg.window_days)
        } else {
            c.events_at(at, cfg.window_days)
        };
        actions.push(match which {
            CounterKind::Soft => Action::CountSoft { count },
            CounterKind::Suspend => Action::CountSuspend { count },
        });
    }
    let after = if cfg.reset_on_delivery { next.last_delivery } else { None };
    for cfg in &thresholds {
        let Some((latest, days)) = best_span(&counter(next, which).days, Some(day), cfg, after)
        else {
            continue;
        };
        let expires_at = expiry(latest, cfg.expires_days);
        if let (Some(expires), Some(seen)) = (expires_at, seen)
            && expires <= seen
        {
            // Read so late that it would already have run out.
            continue;
        }
        let what = match which {
            CounterKind::Soft => format!("{days} soft bounces ({})", event.reason),
            CounterKind::Suspend => {
                format!("mailbox reported suspended ({}) on {days} days", event.reason)
            }
        };
        let description = format!("{what} within {} days", cfg.window_days);
        let scope = cfg.scope.resolve(&event.scope);
        let reason = SuppressionReason::SoftBounceThreshold;
        let mut s = entry(event, scope, reason, cfg.expires_days, description);
        s.created_at = latest;
        s.updated_at = latest;
        s.expires_at = expires_at;
        suppress(next, s, event, policy, actions);
    }
}

/// Of the windows of `window_days` (those holding the day `around`, or all), the one reaching
/// the threshold whose latest bounce is the latest, counting only bounces after `after` (days
/// with the day cap, events without): that bounce's time and the count in its window. Linear:
/// the days are sorted, so each window's latest bounce is its last day's.
fn best_span(
    days: &[CountedDay],
    around: Option<i64>,
    cfg: &CounterPolicy,
    after: Option<Timestamp>,
) -> Option<(Timestamp, u64)> {
    let window = i64::from(cfg.window_days);
    let days: Vec<&CountedDay> = days.iter().filter(|d| after.is_none_or(|a| d.at > a)).collect();
    let weight = |d: &CountedDay| if cfg.day_cap { 1 } else { u64::from(d.events.max(1)) };
    let mut best: Option<(Timestamp, u64)> = None;
    let (mut end, mut sum) = (0, 0u64);
    for start in &days {
        let limit = start.day.saturating_add(window);
        while end < days.len() && days[end].day < limit {
            sum += weight(days[end]);
            end += 1;
        }
        let holds = around.is_none_or(|day| start.day <= day && day < limit);
        if holds && sum >= u64::from(cfg.threshold) {
            let latest = days[end - 1].at;
            if best.is_none_or(|(t, _)| latest > t) {
                best = Some((latest, sum));
            }
        }
        sum -= weight(start);
    }
    best
}

/// A delivery clears the days counted before it and settles every threshold suppression on
/// the bounces after the latest delivery: lifted when they no longer reach a threshold, its
/// expiry recomputed from them when they do. The same events in any order end the same way.
fn delivery(next: &mut AddressState, at: Timestamp, policy: &Policy, actions: &mut Vec<Action>) {
    next.last_delivery = Some(next.last_delivery.map_or(at, |d| d.max(at)));
    let mut reset = false;
    for (counter, cfg) in [(&mut next.soft, &policy.soft), (&mut next.suspend, &policy.suspend)] {
        if cfg.reset_on_delivery {
            let before = counter.days.len();
            counter.days.retain(|d| d.at > at);
            reset |= counter.days.len() != before;
        }
    }
    if reset {
        actions.push(Action::ResetSoft);
    }
    if !policy.delivery.lift_threshold {
        return;
    }
    let after = next.last_delivery;
    let mut support: Vec<(ScopeSetting, Option<Timestamp>)> = Vec::new();
    for (kind, days) in
        [(CounterKind::Soft, &next.soft.days), (CounterKind::Suspend, &next.suspend.days)]
    {
        for cfg in policy.thresholds(kind) {
            if let Some((latest, _)) = best_span(days, None, &cfg, after) {
                support.push((cfg.scope.clone(), expiry(latest, cfg.expires_days)));
            }
        }
    }
    next.suppressions.retain_mut(|s| {
        if s.reason != SuppressionReason::SoftBounceThreshold || s.locked {
            return true;
        }
        // The thresholds that suppress in this scope (`event` may be any scope).
        let held: Vec<Option<Timestamp>> = support
            .iter()
            .filter(|(setting, _)| match setting {
                ScopeSetting::Event => true,
                ScopeSetting::Fixed(scope) => *scope == s.scope,
            })
            .map(|(_, expires)| *expires)
            .collect();
        if held.is_empty() {
            actions.push(Action::Lift {
                scope: s.scope.clone(),
                reason: s.reason,
                note: "a later message was delivered".into(),
            });
            return false;
        }
        let expires_at =
            if held.contains(&None) { None } else { held.iter().flatten().max().copied() };
        if s.expires_at != expires_at {
            s.expires_at = expires_at;
            s.updated_at = s.updated_at.max(at);
            actions.push(Action::Suppress(s.clone()));
        }
        true
    });
}

fn complaint(
    next: &mut AddressState,
    event: &LifecycleEvent,
    policy: &Policy,
    actions: &mut Vec<Action>,
) {
    let feedback = event.feedback_type.trim();
    if feedback.eq_ignore_ascii_case("not-spam") || feedback.eq_ignore_ascii_case("not_spam") {
        for s in &mut next.suppressions {
            if s.reason == SuppressionReason::Complaint && !s.review {
                s.review = true;
                s.updated_at = s.updated_at.max(event.at);
                actions.push(Action::FlagForReview { scope: s.scope.clone() });
            }
        }
        return;
    }
    let scope = policy.complaint.scope.resolve(&event.scope);
    let kind = if feedback.is_empty() { "none" } else { feedback };
    let mut s = entry(
        event,
        scope,
        SuppressionReason::Complaint,
        policy.complaint.expires_days,
        format!("complaint ({kind})"),
    );
    s.locked = policy.complaint.locked;
    suppress(next, s, event, policy, actions);
}

/// The suppression that blocks mail of `scope` at `now`, if any: an expired entry never blocks.
/// Where several block, the one lasting longest (no expiry first), `all` before narrower ones.
pub fn blocking<'s>(
    state: &'s AddressState,
    scope: &Scope,
    now: Timestamp,
) -> Option<&'s Suppression> {
    state
        .suppressions
        .iter()
        .filter(|s| s.scope.blocks(scope) && s.is_active(now))
        .max_by_key(|s| (s.expires_at.unwrap_or(Timestamp::MAX), s.scope == Scope::All))
}

/// Drops suppressions expired at `now` (one `Lift` each) and counted days older than their
/// counter keeps.
pub fn sweep(state: &AddressState, now: Timestamp) -> Transition {
    let mut next = state.clone();
    let mut actions = Vec::new();
    next.suppressions.retain(|s| {
        let expired = !s.is_active(now);
        if expired {
            actions.push(Action::Lift {
                scope: s.scope.clone(),
                reason: s.reason,
                note: "expired".into(),
            });
        }
        !expired
    });
    for c in [&mut next.soft, &mut next.suspend] {
        let oldest_kept = day_of(now) - i64::from(c.keep_days);
        c.days.retain(|d| d.day > oldest_kept);
    }
    Transition { state: next, actions }
}

/// A person suppresses the address in `scope` (reason `manual`), replacing any entry there
/// except a locked one. The allowlist does not apply: a person decided.
pub fn add_manual(
    state: &AddressState,
    scope: &Scope,
    note: &str,
    expires_at: Option<Timestamp>,
    actor: &str,
    now: Timestamp,
) -> Result<Transition, LifecycleError> {
    if let Some(expires_at) = expires_at
        && expires_at <= now
    {
        return Err(LifecycleError::ExpiryInPast { expires_at, now });
    }
    let mut next = state.clone();
    if let Some(old) = next.suppression(scope)
        && old.locked
        && old.is_active(now)
    {
        return Err(LifecycleError::Locked(scope.clone()));
    }
    let note = note.trim();
    let new = Suppression {
        scope: scope.clone(),
        reason: SuppressionReason::Manual,
        bounce_reason: None,
        source: actor.to_owned(),
        description: if note.is_empty() { format!("added by {actor}") } else { note.to_owned() },
        created_at: now,
        updated_at: now,
        expires_at,
        event_id: None,
        locked: false,
        review: false,
    };
    next.suppressions.retain(|s| &s.scope != scope);
    let at = next.suppressions.partition_point(|s| &s.scope < scope);
    next.suppressions.insert(at, new.clone());
    Ok(Transition { state: next, actions: vec![Action::Suppress(new)] })
}

/// A person puts a ready-made entry in place (an import row, an API upsert with a reason of
/// its own), replacing any entry in its scope except an active locked one.
pub fn add_entry(
    state: &AddressState,
    entry: Suppression,
    now: Timestamp,
) -> Result<Transition, LifecycleError> {
    let mut next = state.clone();
    if let Some(old) = next.suppression(&entry.scope)
        && old.locked
        && old.is_active(now)
        && *old != entry
    {
        return Err(LifecycleError::Locked(entry.scope.clone()));
    }
    next.suppressions.retain(|s| s.scope != entry.scope);
    let at = next.suppressions.partition_point(|s| s.scope < entry.scope);
    next.suppressions.insert(at, entry.clone());
    Ok(Transition { state: next, actions: vec![Action::Suppress(entry)] })
}

/// A person removes the entry for exactly `scope`. A note is always required; a locked entry
/// needs `admin`. Removing a threshold entry also clears the counted days behind it, so the
/// next bounce starts a fresh count instead of suppressing again at once.
pub fn remove(
    state: &AddressState,
    scope: &Scope,
    actor: &str,
    admin: bool,
    note: &str,
    now: Timestamp,
) -> Result<Transition, LifecycleError> {
    let _ = actor; // the store writes the actor into the audit row
    let old = state.suppression(scope).ok_or_else(|| LifecycleError::NotFound(scope.clone()))?;
    if old.locked && !admin {
        return Err(LifecycleError::Locked(scope.clone()));
    }
    if note.trim().is_empty() {
        return Err(LifecycleError::NoteRequired);
    }
    let mut next = state.clone();
    let reason = old.reason;
    next.suppressions.retain(|s| &s.scope != scope);
    let mut actions =
        vec![Action::Lift { scope: scope.clone(), reason, note: note.trim().to_owned() }];
    if reason == SuppressionReason::SoftBounceThreshold && next.is_watched() {
        next.soft.days.retain(|d| d.at > now);
        next.suspend.days.retain(|d| d.at > now);
        actions.push(Action::ResetSoft);
    }
    Ok(Transition { state: next, actions })
}

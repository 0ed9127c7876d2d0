//! Alert windows: sender, message and infrastructure problems counted across many addresses.
//!
//! The store keeps one [`AlertWindow`] per (category, key) and passes every event through
//! [`observe`] for each window the event feeds ([`alert_observations`]): alert events count as
//! hits, every event as traffic, so "2 % of that provider's traffic" has a denominator. A
//! window opens an alert at `events` hits, or at `percent` of its traffic once it saw
//! `min_traffic` events, within `window_minutes`; an open alert is extended by each hit and
//! closes after `quiet_hours` without one ([`close_if_quiet`], or the next `observe`).

use serde::{Deserialize, Serialize};

use super::Timestamp;
use super::event::{EventKind, LifecycleEvent};
use super::policy::{AlertPolicy, Policy, Treatment};

/// Whose problem an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertCategory {
    /// The sender's reputation, authentication, rate or policy, at one receiving provider.
    Sender,
    /// The content of one campaign.
    Message,
    /// The network or a receiving system.
    Infrastructure,
}

impl AlertCategory {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertCategory::Sender => "sender",
            AlertCategory::Message => "message",
            AlertCategory::Infrastructure => "infrastructure",
        }
    }
}

/// The key of the window an event of `category` feeds: `sending|provider` for sender alerts,
/// the campaign for message alerts (the sending domain when no campaign is known), the
/// receiving provider for infrastructure alerts. Lowercased; `-` stands for an unknown part.
pub fn alert_key(category: AlertCategory, event: &LifecycleEvent) -> String {
    let part = |s: &str| {
        let s = s.trim();
        if s.is_empty() { "-".to_owned() } else { s.to_lowercase() }
    };
    match category {
        AlertCategory::Sender => format!("{}|{}", part(event.sending), part(event.provider)),
        AlertCategory::Message if !event.campaign.trim().is_empty() => {
            event.campaign.trim().to_owned()
        }
        AlertCategory::Message => part(event.sending),
        AlertCategory::Infrastructure => part(event.provider),
    }
}

/// One window an event feeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertObservation {
    /// The window's category.
    pub category: AlertCategory,
    /// The window's key.
    pub key: String,
    /// True when the event is a hit (an alert event of that category), false for traffic only.
    pub hit: bool,
}

/// Every window `event` feeds: one per category, a hit where the policy sends the event's
/// reason to that category's alert. Complaints, unsubscribes and upstream suppressions are not
/// mail traffic to a provider and feed none.
pub fn alert_observations(event: &LifecycleEvent, policy: &Policy) -> Vec<AlertObservation> {
    if matches!(
        event.kind,
        EventKind::Complaint
            | EventKind::Unsubscribe
            | EventKind::UpstreamSuppressed
            | EventKind::Other
    ) {
        return Vec::new();
    }
    let treatment = policy.treatment(event.reason);
    [
        (AlertCategory::Sender, Treatment::AlertSender),
        (AlertCategory::Message, Treatment::AlertMessage),
        (AlertCategory::Infrastructure, Treatment::AlertInfrastructure),
    ]
    .into_iter()
    .map(|(category, t)| AlertObservation {
        category,
        key: alert_key(category, event),
        hit: treatment == t && event.kind != EventKind::Delivery,
    })
    .collect()
}

/// Hits and traffic of one minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinuteCount {
    /// Minutes since the epoch.
    pub minute: i64,
    /// Alert events.
    pub hits: u32,
    /// All events.
    pub traffic: u32,
}

/// The state of one alert window. `Default` is a window that saw nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlertWindow {
    /// Per-minute counts within the window, oldest first.
    pub minutes: Vec<MinuteCount>,
    /// An alert is open.
    pub open: bool,
    /// When the open alert opened.
    pub opened_at: Option<Timestamp>,
    /// The latest hit seen.
    pub last_hit: Option<Timestamp>,
    /// Hits since the alert opened.
    pub hits_while_open: u64,
}

impl AlertWindow {
    /// Hits and traffic within the `window_minutes` ending at `at`.
    pub fn totals(&self, at: Timestamp, window_minutes: u32) -> (u64, u64) {
        let end = at.div_euclid(60);
        let start = end.saturating_sub(i64::from(window_minutes)).saturating_add(1);
        self.minutes
            .iter()
            .filter(|m| (start..=end).contains(&m.minute))
            .fold((0, 0), |(h, t), m| (h + u64::from(m.hits), t + u64::from(m.traffic)))
    }
}

/// Closes an open alert that had no hit for `quiet_hours` by `now`; true when it closed.
pub fn close_if_quiet(
    window: &AlertWindow,
    now: Timestamp,
    policy: &AlertPolicy,
) -> (AlertWindow, bool) {
    let mut next = window.clone();
    let quiet = i64::from(policy.quiet_hours) * 3_600;
    let closed = next.open && next.last_hit.is_none_or(|hit| now.saturating_sub(hit) >= quiet);
    if closed {
        next.open = false;
        next.opened_at = None;
        next.hits_while_open = 0;
    }
    (next, closed)
}

/// Adds one event at `at` to the window; true when this event opened an alert. An event older
/// than the window (behind the newest minute seen) is not counted.
pub fn observe(
    window: &AlertWindow,
    at: Timestamp,
    hit: bool,
    policy: &AlertPolicy,
) -> (AlertWindow, bool) {
    let (mut next, _) = close_if_quiet(window, at, policy);
    let minute = at.div_euclid(60);
    let span = i64::from(policy.window_minutes);
    let newest = next.minutes.last().map_or(minute, |m| m.minute.max(minute));
    if minute <= newest.saturating_sub(span) {
        return (next, false);
    }
    let pos = next.minutes.partition_point(|m| m.minute < minute);
    match next.minutes.get_mut(pos) {
        Some(m) if m.minute == minute => {
            m.traffic = m.traffic.saturating_add(1);
            m.hits = m.hits.saturating_add(u32::from(hit));
        }
        _ => next.minutes.insert(pos, MinuteCount { minute, hits: u32::from(hit), traffic: 1 }),
    }
    next.minutes.retain(|m| m.minute > newest.saturating_sub(span));
    if !hit {
        return (next, false);
    }
    next.last_hit = Some(next.last_hit.map_or(at, |h| h.max(at)));
    if next.open {
        next.hits_while_open += 1;
        return (next, false);
    }
    let (hits, traffic) = next.totals(at, policy.window_minutes);
    let by_count = hits >= u64::from(policy.events);
    let by_rate = traffic >= u64::from(policy.min_traffic.max(1))
        && (hits as f64) * 100.0 >= policy.percent * traffic as f64;
    if by_count || by_rate {
        next.open = true;
        next.opened_at = Some(at);
        next.hits_while_open = hits;
        return (next, true);
    }
    (next, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Reason;
    use crate::lifecycle::Scope;

    const T0: Timestamp = 1_767_225_600;

    fn feed(
        window: &AlertWindow,
        events: impl IntoIterator<Item = (Timestamp, bool)>,
        p: &AlertPolicy,
    ) -> (AlertWindow, usize) {
        let mut w = window.clone();
        let mut opened = 0;
        for (at, hit) in events {
            let (next, o) = observe(&w, at, hit, p);
            w = next;
            opened += usize::from(o);
        }
        (w, opened)
    }

    #[test]
    fn twenty_hits_in_an_hour_open_one_alert_and_nineteen_do_not() {
        let p = Policy::default_policy().alerts;
        let (w, opened) = feed(&AlertWindow::default(), (0..19).map(|i| (T0 + i * 60, true)), &p);
        assert_eq!((opened, w.open), (0, false));
        let (w, opened) = feed(&w, (19..40).map(|i| (T0 + i * 60, true)), &p);
        assert_eq!(opened, 1, "opens once, then extends");
        assert!(w.open && w.opened_at == Some(T0 + 19 * 60));
        assert_eq!(w.hits_while_open, 40);
        // the same twenty hits spread over more than an hour open nothing
        let (w, opened) = feed(&AlertWindow::default(), (0..20).map(|i| (T0 + i * 240, true)), &p);
        assert_eq!((opened, w.open), (0, false));
    }

    #[test]
    fn two_percent_of_enough_traffic_opens_an_alert() {
        let p = Policy::default_policy().alerts;
        let traffic = (0..98).map(|i| (T0 + i * 30, false));
        let (w, opened) = feed(&AlertWindow::default(), traffic, &p);
        assert_eq!(opened, 0);
        let (w, opened) = feed(&w, [(T0 + 3000, true)], &p);
        assert_eq!(opened, 0, "1 of 99 is under 2 %, and under min_traffic");
        let (w, opened) = feed(&w, [(T0 + 3010, true)], &p);
        assert_eq!(opened, 1, "2 of 100 is 2 %");
        assert!(w.open);
        // with too little traffic the rate alone opens nothing
        let (w, opened) = feed(&AlertWindow::default(), [(T0, true), (T0 + 1, false)], &p);
        assert_eq!((opened, w.open), (0, false));
    }

    #[test]
    fn an_alert_closes_after_a_quiet_day_and_can_open_again() {
        let p = Policy::default_policy().alerts;
        let (w, _) = feed(&AlertWindow::default(), (0..20).map(|i| (T0 + i, true)), &p);
        assert!(w.open);
        let last = T0 + 19;
        assert!(!close_if_quiet(&w, last + 24 * 3600 - 1, &p).1);
        let (closed, did) = close_if_quiet(&w, last + 24 * 3600, &p);
        assert!(did && !closed.open);
        // traffic alone does not keep it open; hits after the quiet day open a new one
        let later = last + 25 * 3600;
        let (w2, opened) = feed(&w, (0..20).map(|i| (later + i, true)), &p);
        assert_eq!(opened, 1);
        assert_eq!(w2.opened_at, Some(later + 19));
    }

    #[test]
    fn an_event_older_than_the_window_is_not_counted() {
        let p = Policy::default_policy().alerts;
        let (w, _) = feed(&AlertWindow::default(), [(T0 + 7200, false)], &p);
        let (w2, opened) = feed(&w, (0..30).map(|i| (T0 + i, true)), &p);
        assert_eq!((opened, w2.totals(T0 + 7200, 60)), (0, (0, 1)));
    }

    #[test]
    fn events_feed_one_window_per_category_with_a_hit_where_their_reason_alerts() {
        let policy = Policy::default_policy();
        let event = LifecycleEvent {
            id: "e",
            address: "a@gmail.com",
            at: T0,
            source: "smtp",
            kind: EventKind::Bounce,
            reason: Reason::Blocked,
            hard: false,
            class: Some(5),
            weak: false,
            scope: Scope::All,
            feedback_type: "",
            sending: "Mail.Sender.TEST",
            provider: "gmail.com",
            campaign: "",
        };
        let obs = alert_observations(&event, &policy);
        assert_eq!(obs.len(), 3);
        assert_eq!(
            obs[0],
            AlertObservation {
                category: AlertCategory::Sender,
                key: "mail.sender.test|gmail.com".into(),
                hit: true
            }
        );
        assert!(!obs[1].hit && !obs[2].hit);
        assert_eq!(obs[1].key, "mail.sender.test");
        let full = LifecycleEvent { reason: Reason::MailboxFull, ..event.clone() };
        assert!(alert_observations(&full, &policy).iter().all(|o| !o.hit));
        let complaint =
            LifecycleEvent { kind: EventKind::Complaint, reason: Reason::Feedback, ..event };
        assert!(alert_observations(&complaint, &policy).is_empty());
    }
}

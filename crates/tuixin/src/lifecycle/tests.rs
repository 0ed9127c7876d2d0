//! Behaviour of the lifecycle under the default policy.

use super::*;
use crate::Reason;

const DAY: Timestamp = 86_400;
/// 2026-01-01T00:00:00Z
const T0: Timestamp = 1_767_225_600;

fn event(kind: EventKind, reason: Reason, at: Timestamp) -> LifecycleEvent<'static> {
    LifecycleEvent {
        id: "ev",
        address: "alice@example.org",
        at,
        source: "smtp",
        kind,
        reason,
        hard: reason.is_hard(true),
        class: Some(5),
        weak: false,
        scope: Scope::All,
        feedback_type: "",
        sending: "mail.sender.test",
        provider: "example.org",
        campaign: "",
    }
}

fn bounce(reason: Reason, at: Timestamp) -> LifecycleEvent<'static> {
    event(EventKind::Bounce, reason, at)
}

fn soft(at: Timestamp) -> LifecycleEvent<'static> {
    LifecycleEvent { class: Some(4), ..bounce(Reason::MailboxFull, at) }
}

fn run(events: &[LifecycleEvent<'_>], policy: &Policy) -> (AddressState, Vec<Action>) {
    let mut state = AddressState::default();
    let mut actions = Vec::new();
    for e in events {
        let t = apply(&state, e, policy);
        state = t.state;
        actions.extend(t.actions);
    }
    (state, actions)
}

fn blocked(state: &AddressState, scope: &str, now: Timestamp) -> Option<SuppressionReason> {
    blocking(state, &scope.parse().unwrap(), now).map(|s| s.reason)
}

#[test]
fn a_strong_permanent_hard_bounce_suppresses_everything_for_good() {
    let p = Policy::default_policy();
    let (state, actions) = run(&[bounce(Reason::UserUnknown, T0)], &p);
    let s = blocking(&state, &Scope::Transactional, T0 + 3650 * DAY).unwrap();
    assert_eq!(
        (s.reason, &s.scope, s.expires_at),
        (SuppressionReason::HardBounce, &Scope::All, None)
    );
    assert_eq!(s.bounce_reason, Some(Reason::UserUnknown));
    assert_eq!(s.event_id.as_deref(), Some("ev"));
    assert!(matches!(actions.as_slice(), [Action::Suppress(_)]));
}

#[test]
fn the_same_reason_from_a_4xx_or_a_weak_rule_only_counts() {
    let p = Policy::default_policy();
    for e in [
        LifecycleEvent { class: Some(4), ..bounce(Reason::UserUnknown, T0) },
        LifecycleEvent { weak: true, ..bounce(Reason::UserUnknown, T0) },
        LifecycleEvent { class: Some(4), hard: false, ..bounce(Reason::HostUnknown, T0) },
    ] {
        let (state, actions) = run(&[e], &p);
        assert_eq!(blocked(&state, "marketing", T0), None);
        assert_eq!(actions, vec![Action::CountSoft { count: 1 }]);
    }
}

#[test]
fn five_soft_days_in_thirty_suppress_for_thirty_days() {
    let p = Policy::default_policy();
    let days: Vec<_> = (0..5).map(|i| soft(T0 + i * 6 * DAY)).collect();
    let (state, actions) = run(&days[..4], &p);
    assert_eq!(blocked(&state, "all", T0 + 24 * DAY), None);
    assert_eq!(actions.last(), Some(&Action::CountSoft { count: 4 }));
    let (state, _) = run(&days, &p);
    let s = blocking(&state, &Scope::Marketing, T0 + 24 * DAY).unwrap();
    assert_eq!(s.reason, SuppressionReason::SoftBounceThreshold);
    assert_eq!(s.expires_at, Some(T0 + 24 * DAY + 30 * DAY));
    assert_eq!(s.bounce_reason, Some(Reason::MailboxFull));
    // expired suppressions stop blocking at once
    assert!(blocked(&state, "all", T0 + 54 * DAY - 1).is_some());
    assert_eq!(blocked(&state, "all", T0 + 54 * DAY), None);
}

#[test]
fn soft_days_spread_wider_than_the_window_never_suppress() {
    let p = Policy::default_policy();
    let events: Vec<_> = (0..20).map(|i| soft(T0 + i * 8 * DAY)).collect();
    let (state, _) = run(&events, &p);
    assert!(state.suppressions.is_empty());
}

#[test]
fn a_retry_storm_on_one_day_counts_once() {
    let p = Policy::default_policy();
    let storm: Vec<_> = (0..50).map(|i| soft(T0 + 3600 + i * 60)).collect();
    let (state, actions) = run(&storm, &p);
    assert_eq!(state.soft.days.len(), 1);
    assert!(state.suppressions.is_empty());
    assert_eq!(actions.iter().filter(|a| matches!(a, Action::CountSoft { .. })).count(), 1);
}

#[test]
fn a_delivery_between_resets_the_count_and_lifts_only_threshold_entries() {
    let p = Policy::default_policy();
    let mut events: Vec<_> = (0..4).map(|i| soft(T0 + i * DAY)).collect();
    events.push(event(EventKind::Delivery, Reason::Delivered, T0 + 4 * DAY));
    events.extend((5..9).map(|i| soft(T0 + i * DAY)));
    let (state, actions) = run(&events, &p);
    assert!(state.suppressions.is_empty(), "{:?}", state.suppressions);
    assert!(actions.contains(&Action::ResetSoft));
    assert_eq!(state.soft.count_at(T0 + 8 * DAY, 30), 4);

    // threshold lifted; hard bounce, complaint and unsubscribe stay
    let mut events: Vec<_> = (0..5).map(|i| soft(T0 + i * DAY)).collect();
    let mut complaint = event(EventKind::Complaint, Reason::Feedback, T0);
    complaint.feedback_type = "abuse";
    events.push(complaint);
    events.push(LifecycleEvent {
        scope: "news".parse().unwrap(),
        ..event(EventKind::Unsubscribe, Reason::Undefined, T0)
    });
    let p2 = Policy::from_toml("[unsubscribe]\nscope = \"event\"\n").unwrap();
    let (state, _) = run(&events, &p2);
    assert_eq!(blocked(&state, "all", T0 + 5 * DAY), Some(SuppressionReason::SoftBounceThreshold));
    let t = apply(&state, &event(EventKind::Delivery, Reason::Delivered, T0 + 6 * DAY), &p2);
    assert!(
        t.actions.iter().any(|a| matches!(
            a,
            Action::Lift { reason: SuppressionReason::SoftBounceThreshold, .. }
        ))
    );
    assert_eq!(blocked(&t.state, "all", T0 + 6 * DAY), None);
    assert_eq!(blocked(&t.state, "marketing", T0 + 6 * DAY), Some(SuppressionReason::Complaint));
    assert_eq!(blocked(&t.state, "news", T0 + 6 * DAY), Some(SuppressionReason::Unsubscribe));

    let (hard, _) = run(&[bounce(Reason::UserUnknown, T0)], &p);
    let t = apply(&hard, &event(EventKind::Delivery, Reason::Delivered, T0 + DAY), &p);
    assert_eq!(blocked(&t.state, "all", T0 + DAY), Some(SuppressionReason::HardBounce));
}

#[test]
fn a_late_delivery_from_before_the_bounces_lifts_nothing() {
    let p = Policy::default_policy();
    let events: Vec<_> = (1..6).map(|i| soft(T0 + i * DAY)).collect();
    let (state, _) = run(&events, &p);
    let t = apply(&state, &event(EventKind::Delivery, Reason::Delivered, T0), &p);
    assert_eq!(
        blocked(&t.state, "all", T0 + 6 * DAY),
        Some(SuppressionReason::SoftBounceThreshold)
    );
    assert_eq!(t.state.soft.days.len(), 5);
}

#[test]
fn suspend_twice_in_thirty_days_suppresses_for_180() {
    let p = Policy::default_policy();
    let s1 = LifecycleEvent { hard: false, ..bounce(Reason::Suspend, T0) };
    let s2 = LifecycleEvent { at: T0 + 10 * DAY, ..s1.clone() };
    let (state, actions) = run(std::slice::from_ref(&s1), &p);
    assert!(state.suppressions.is_empty());
    assert_eq!(actions, vec![Action::CountSuspend { count: 1 }]);
    let (state, _) = run(&[s1, s2], &p);
    let s = blocking(&state, &Scope::All, T0 + 10 * DAY).unwrap();
    assert_eq!(s.reason, SuppressionReason::SoftBounceThreshold);
    assert_eq!(s.bounce_reason, Some(Reason::Suspend));
    assert_eq!(s.expires_at, Some(T0 + 190 * DAY));
}

#[test]
fn complaints_suppress_marketing_locked_and_not_spam_flags_them() {
    let p = Policy::default_policy();
    let mut c = event(EventKind::Complaint, Reason::Feedback, T0);
    c.feedback_type = "abuse";
    let (state, _) = run(&[c.clone()], &p);
    let s = blocking(&state, &Scope::Marketing, T0).unwrap();
    assert_eq!((s.reason, s.locked, s.expires_at), (SuppressionReason::Complaint, true, None));
    assert_eq!(blocked(&state, "transactional", T0), None);

    let not_spam = LifecycleEvent { feedback_type: "not-spam", at: T0 + DAY, ..c.clone() };
    let t = apply(&state, &not_spam, &p);
    assert_eq!(t.actions, vec![Action::FlagForReview { scope: Scope::Marketing }]);
    assert!(t.state.suppression(&Scope::Marketing).unwrap().review);
    assert!(blocking(&t.state, &Scope::Marketing, T0 + DAY).is_some());

    // not-spam alone never suppresses
    let (state, actions) = run(&[not_spam], &p);
    assert!(state.suppressions.is_empty());
    assert_eq!(actions, vec![Action::StoreOnly]);

    // removal: admin and a note
    let scope = Scope::Marketing;
    assert_eq!(
        remove(&t.state, &scope, "bob", false, "asked", T0),
        Err(LifecycleError::Locked(scope.clone()))
    );
    assert_eq!(remove(&t.state, &scope, "root", true, " ", T0), Err(LifecycleError::NoteRequired));
    let removed = remove(&t.state, &scope, "root", true, "customer called", T0).unwrap();
    assert!(removed.state.suppressions.is_empty());
    assert_eq!(
        removed.actions,
        vec![Action::Lift {
            scope,
            reason: SuppressionReason::Complaint,
            note: "customer called".into()
        }]
    );
}

#[test]
fn sender_message_and_network_faults_alert_and_never_suppress() {
    let p = Policy::default_policy();
    let (state, actions) = run(&[bounce(Reason::Blocked, T0)], &p);
    assert!(state.suppressions.is_empty() && !state.is_watched());
    assert_eq!(
        actions,
        vec![Action::Alert {
            category: AlertCategory::Sender,
            key: "mail.sender.test|example.org".into()
        }]
    );
    let spam = LifecycleEvent { campaign: "spring-sale", ..bounce(Reason::SpamDetected, T0) };
    assert_eq!(
        run(&[spam], &p).1,
        vec![Action::Alert { category: AlertCategory::Message, key: "spring-sale".into() }]
    );
    assert_eq!(
        run(&[bounce(Reason::NetworkError, T0)], &p).1,
        vec![Action::Alert { category: AlertCategory::Infrastructure, key: "example.org".into() }]
    );
}

#[test]
fn upstream_suppressions_are_mirrored_not_counted() {
    let p = Policy::default_policy();
    let e = LifecycleEvent { source: "webhook:ses", hard: false, ..bounce(Reason::Suppressed, T0) };
    let (state, _) = run(&[e], &p);
    let s = blocking(&state, &Scope::All, T0).unwrap();
    assert_eq!(
        (s.reason, s.source.as_str(), s.expires_at),
        (SuppressionReason::Provider, "provider:ses", None)
    );
    assert!(!state.is_watched());
    let by_mail = LifecycleEvent { hard: false, ..bounce(Reason::Suppressed, T0) };
    let (state, _) = run(&[by_mail], &p);
    assert_eq!(state.suppression(&Scope::All).unwrap().source, "provider:upstream");
}

#[test]
fn vacation_is_stored_and_undecided_goes_to_review() {
    let p = Policy::default_policy();
    assert_eq!(
        run(&[event(EventKind::AutoReply, Reason::Vacation, T0)], &p).1,
        vec![Action::StoreOnly]
    );
    assert_eq!(run(&[bounce(Reason::OnHold, T0)], &p).1, vec![Action::Review]);
    assert_eq!(run(&[bounce(Reason::Undefined, T0)], &p).1, vec![Action::Review]);
    let delay =
        LifecycleEvent { class: Some(4), ..event(EventKind::Delay, Reason::MailboxFull, T0) };
    let (state, actions) = run(&[delay], &p);
    assert_eq!((state.is_watched(), actions), (false, vec![Action::StoreOnly]));
}

#[test]
fn the_allowlist_stops_automatic_entries_but_not_manual_ones() {
    let p = Policy::from_toml("[allowlist]\ndomains = [\"example.org\"]\n").unwrap();
    let (state, actions) = run(&[bounce(Reason::UserUnknown, T0)], &p);
    assert!(state.suppressions.is_empty());
    assert_eq!(
        actions,
        vec![Action::Allowlisted { scope: Scope::All, reason: SuppressionReason::HardBounce }]
    );
    let t = add_manual(&state, &Scope::All, "by hand", None, "cli:alice", T0).unwrap();
    assert_eq!(blocked(&t.state, "all", T0), Some(SuppressionReason::Manual));
}

#[test]
fn manual_entries_expire_and_refuse_to_replace_a_locked_one() {
    let state = AddressState::default();
    assert!(matches!(
        add_manual(&state, &Scope::All, "", Some(T0), "a", T0),
        Err(LifecycleError::ExpiryInPast { .. })
    ));
    let t = add_manual(&state, &Scope::Marketing, "", Some(T0 + DAY), "cli:alice", T0).unwrap();
    let s = t.state.suppression(&Scope::Marketing).unwrap();
    assert_eq!((s.source.as_str(), s.description.as_str()), ("cli:alice", "added by cli:alice"));
    assert!(blocked(&t.state, "marketing", T0 + DAY - 1).is_some());
    assert_eq!(blocked(&t.state, "marketing", T0 + DAY), None);
    let swept = sweep(&t.state, T0 + DAY);
    assert!(swept.state.suppressions.is_empty());
    assert!(matches!(
        swept.actions.as_slice(),
        [Action::Lift { reason: SuppressionReason::Manual, .. }]
    ));

    let mut c = event(EventKind::Complaint, Reason::Feedback, T0);
    c.feedback_type = "abuse";
    let (state, _) = run(&[c], &Policy::default_policy());
    assert_eq!(
        add_manual(&state, &Scope::Marketing, "", None, "a", T0),
        Err(LifecycleError::Locked(Scope::Marketing))
    );
    assert_eq!(
        remove(&AddressState::default(), &Scope::All, "a", true, "x", T0),
        Err(LifecycleError::NotFound(Scope::All))
    );
}

#[test]
fn an_old_bounce_read_late_counts_on_its_own_day_only() {
    let p = Policy::default_policy();
    // four recent soft days, then one from 40 days before them: it is outside their window
    let mut events: Vec<_> = (40..44).map(|i| soft(T0 + i * DAY)).collect();
    events.push(soft(T0));
    let (state, _) = run(&events, &p);
    assert!(state.suppressions.is_empty());
    // the same five days in reverse order suppress exactly as in order
    let forward: Vec<_> = (0..5).map(|i| soft(T0 + i * DAY)).collect();
    let backward: Vec<_> = forward.iter().rev().cloned().collect();
    let (a, _) = run(&forward, &p);
    let (b, _) = run(&backward, &p);
    assert_eq!(a.suppressions, b.suppressions);
    assert_eq!(a.soft, b.soft);
    // a late old bounce never moves an expiry backwards
    let mut more = forward.clone();
    more.push(soft(T0 + 20 * DAY));
    let (c, _) = run(&more, &p);
    let expires = c.suppression(&Scope::All).unwrap().expires_at;
    assert_eq!(expires, Some(T0 + 50 * DAY));
    let t = apply(&c, &soft(T0 + 2 * DAY + 3600), &p);
    assert_eq!(t.state.suppression(&Scope::All).unwrap().expires_at, expires);
}

#[test]
fn removing_a_threshold_entry_starts_a_fresh_count() {
    let p = Policy::default_policy();
    let events: Vec<_> = (0..5).map(|i| soft(T0 + i * DAY)).collect();
    let (state, _) = run(&events, &p);
    let t = remove(&state, &Scope::All, "cli:alice", false, "mailbox fixed", T0 + 5 * DAY).unwrap();
    assert!(t.actions.contains(&Action::ResetSoft));
    let after = apply(&t.state, &soft(T0 + 6 * DAY), &p);
    assert!(after.state.suppressions.is_empty());
}

#[test]
fn a_scope_may_be_suppressed_earlier_than_the_counters_own_scope() {
    let p =
        Policy::from_toml("[scopes.marketing.soft]\nthreshold = 3\nexpires_days = 60\n").unwrap();
    let days: Vec<_> = (0..5).map(|i| soft(T0 + i * DAY)).collect();
    let (state, _) = run(&days[..3], &p);
    let s = blocking(&state, &Scope::Marketing, T0 + 2 * DAY).unwrap();
    assert_eq!(
        (s.reason, &s.scope, s.expires_at),
        (SuppressionReason::SoftBounceThreshold, &Scope::Marketing, Some(T0 + 62 * DAY))
    );
    assert_eq!(blocked(&state, "transactional", T0 + 2 * DAY), None);
    let (state, _) = run(&days, &p);
    assert_eq!(
        blocked(&state, "transactional", T0 + 4 * DAY),
        Some(SuppressionReason::SoftBounceThreshold)
    );
    assert_eq!(state.suppressions.len(), 2);
    // a delivery settles both
    let t = apply(&state, &event(EventKind::Delivery, Reason::Delivered, T0 + 5 * DAY), &p);
    assert!(t.state.suppressions.is_empty());
    // and the policy shows and reads back with its scope table
    let text = p.to_toml();
    assert!(text.contains("[scopes.marketing.soft]"), "{text}");
    assert_eq!(Policy::from_toml(&text).unwrap(), p);
    // a scope's threshold is checked like the counter's, and named by its path
    let e = Policy::from_toml("[scopes.news.suspend]\nthreshold = 0\n").unwrap_err();
    assert_eq!(e.to_string(), "line 2: scopes.news.suspend.threshold: must be at least 1");
    let e = Policy::from_toml("[scopes.news.soft]\nscope = \"all\"\n").unwrap_err();
    assert!(e.to_string().contains("unknown field `scope`"), "{e}");
    let e = Policy::from_toml("[scopes.\"Bad Scope\".soft]\nthreshold = 2\n").unwrap_err();
    assert!(e.to_string().contains("invalid scope"), "{e}");
}

#[test]
fn trusting_the_code_alone_suppresses_a_bare_5xx_hard_reason() {
    let p = Policy::from_toml("[hard]\ntrust_code_alone = true\n").unwrap();
    let bare = LifecycleEvent { weak: true, ..bounce(Reason::UserUnknown, T0) };
    assert_eq!(
        blocked(&run(std::slice::from_ref(&bare), &p).0, "all", T0),
        Some(SuppressionReason::HardBounce)
    );
    // still not from a 4xx, nor without any code
    let temp = LifecycleEvent { class: Some(4), ..bare.clone() };
    assert_eq!(blocked(&run(&[temp], &p).0, "all", T0), None);
    let no_code = LifecycleEvent { class: None, ..bare };
    assert_eq!(blocked(&run(&[no_code], &p).0, "all", T0), None);
}

#[test]
fn a_repeat_extends_an_entry_and_one_after_it_ran_out_starts_afresh() {
    let p = Policy::default_policy();
    let first: Vec<_> = (0..5).map(|i| soft(T0 + i * DAY)).collect();
    let (state, _) = run(&first, &p);
    let s = state.suppression(&Scope::All).unwrap().clone();
    assert_eq!(
        (s.created_at, s.updated_at, s.expires_at),
        (T0 + 4 * DAY, T0 + 4 * DAY, Some(T0 + 34 * DAY))
    );
    // a sixth day while suppressed: later update, later expiry, same start
    let t = apply(&state, &soft(T0 + 5 * DAY), &p);
    let s = t.state.suppression(&Scope::All).unwrap();
    assert_eq!(
        (s.created_at, s.updated_at, s.expires_at),
        (T0 + 4 * DAY, T0 + 5 * DAY, Some(T0 + 35 * DAY))
    );
    assert!(matches!(t.actions.as_slice(), [Action::CountSoft { count: 6 }, Action::Suppress(_)]));
    // five new days after it ran out (not yet swept): a new entry
    let later: Vec<_> = (60..65).map(|i| soft(T0 + i * DAY)).collect();
    let mut all = first.clone();
    all.extend(later);
    let (state, _) = run(&all, &p);
    let s = state.suppression(&Scope::All).unwrap();
    assert_eq!((s.created_at, s.expires_at), (T0 + 64 * DAY, Some(T0 + 94 * DAY)));
}

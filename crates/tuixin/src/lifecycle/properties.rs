//! Property tests: what must hold for any events, in any order, under any valid policy tried.

use proptest::prelude::*;

use super::event::test_record;
use super::*;
use crate::{Category, Reason, Record, RuleKind};

const DAY: Timestamp = 86_400;
/// 2026-01-01T00:00:00Z
const T0: Timestamp = 1_767_225_600;

/// The facts a record carries that the lifecycle reads.
#[derive(Debug, Clone)]
struct Facts {
    reason: Reason,
    action: &'static str,
    status: &'static str,
    kind: RuleKind,
    feedback: &'static str,
    at: Timestamp,
}

impl Facts {
    fn record(&self) -> Record {
        let mut r = test_record(self.reason, self.action, self.status, "", self.kind);
        r.timestamp = self.at;
        r.feedbacktype = self.feedback.to_owned();
        r
    }
}

fn reason() -> impl Strategy<Value = Reason> {
    proptest::sample::select(Reason::ALL.to_vec())
}

fn facts_with(reason: impl Strategy<Value = Reason>, days: i64) -> impl Strategy<Value = Facts> {
    (
        reason,
        proptest::sample::select(vec!["failed", "failed", "delayed", "delivered", "relayed"]),
        proptest::sample::select(vec!["5.1.1", "4.2.2", "5.7.1", "4.4.7", "2.0.0", ""]),
        proptest::sample::select(RuleKind::ALL.to_vec()),
        proptest::sample::select(vec!["", "abuse", "not-spam", "fraud"]),
        0..days * DAY,
    )
        .prop_map(|(reason, action, status, kind, feedback, offset)| Facts {
            reason,
            action,
            status,
            kind,
            feedback,
            at: T0 + offset,
        })
}

/// Policies a user might write, all valid.
fn policy() -> impl Strategy<Value = Policy> {
    proptest::sample::select(vec![
        "",
        "[soft]\nthreshold = 1\nday_cap = false\n",
        "[soft]\nthreshold = 2\nwindow_days = 3\nexpires_days = 0\n[suspend]\nthreshold = 1\n",
        "[complaint]\nscope = \"all\"\nlocked = false\n[unsubscribe]\nscope = \"event\"\n",
        "[reasons]\nmailboxfull = \"hard\"\nexpired = \"store\"\nblocked = \"review\"\n",
        "[delivery]\nlift_threshold = false\n[soft]\nreset_on_delivery = false\n",
        "[allowlist]\ndomains = [\"example.org\"]\n",
        "[scopes.marketing.soft]\nthreshold = 2\n[scopes.news.suspend]\nthreshold = 1\nexpires_days = 0\n",
    ])
    .prop_map(|text| Policy::from_toml(text).unwrap())
}

fn run_facts(
    state: &AddressState,
    facts: &[Facts],
    policy: &Policy,
) -> (AddressState, Vec<Action>) {
    let mut state = state.clone();
    let mut actions = Vec::new();
    for (i, f) in facts.iter().enumerate() {
        let record = f.record();
        let id = format!("ev{i}");
        let event = LifecycleEvent::from_record(&record, &id, "smtp", T0 + 400 * DAY);
        let t = apply(&state, &event, policy);
        state = t.state;
        actions.extend(t.actions);
    }
    (state, actions)
}

/// Sender, message and network reasons (by the record's category), but for the two the
/// design table treats otherwise: `suppressed` (a provider's list, mirrored) and `expired`
/// (counted as soft).
fn never_suppresses(reason: Reason) -> bool {
    matches!(reason.category(), Category::Sender | Category::Message | Category::Network)
        && !matches!(reason, Reason::Suppressed | Reason::Expired)
}

fn suppressed_view(state: &AddressState) -> Vec<(Scope, SuppressionReason, Option<Timestamp>)> {
    state.suppressions.iter().map(|s| (s.scope.clone(), s.reason, s.expires_at)).collect()
}

#[test]
fn the_never_suppress_list_is_the_design_tables() {
    let by_category: Vec<Reason> =
        Reason::ALL.iter().copied().filter(|r| never_suppresses(*r)).collect();
    for reason in &by_category {
        assert!(NEVER_SUPPRESS.contains(reason), "{reason}");
    }
    // and the receiving system's faults besides
    for reason in NEVER_SUPPRESS.iter().filter(|r| !by_category.contains(r)) {
        assert_eq!(reason.category(), Category::Other, "{reason}");
    }
}

proptest! {
    #[test]
    fn no_sender_message_or_network_event_ever_suppresses(
        history in prop::collection::vec(facts_with(reason(), 90), 0..12),
        event in facts_with(proptest::sample::select(NEVER_SUPPRESS.to_vec()), 90),
        policy in policy(),
    ) {
        let (state, _) = run_facts(&AddressState::default(), &history, &policy);
        let (after, actions) = run_facts(&state, std::slice::from_ref(&event), &policy);
        prop_assert!(!actions.iter().any(|a| matches!(a, Action::Suppress(_) | Action::Allowlisted { .. })), "{actions:?}");
        prop_assert_eq!(&after.suppressions, &state.suppressions);
        prop_assert!(never_suppresses(event.reason) || NEVER_SUPPRESS.contains(&event.reason));
    }

    #[test]
    fn many_soft_bounces_on_one_day_count_once(
        times in prop::collection::vec(0..DAY, 1..40),
        day in 0i64..60,
        prior in prop::collection::vec(facts_with(Just(Reason::MailboxFull), 60), 0..6),
    ) {
        let policy = Policy::default_policy();
        let (state, _) = run_facts(&AddressState::default(), &prior, &policy);
        let storm: Vec<Facts> = times.iter().map(|t| Facts {
            reason: Reason::MailboxFull, action: "failed", status: "4.2.2", kind: RuleKind::Text,
            feedback: "", at: T0 + day * DAY + t,
        }).collect();
        let (after, actions) = run_facts(&state, &storm, &policy);
        let counts = actions.iter().filter(|a| matches!(a, Action::CountSoft { .. })).count();
        prop_assert!(counts <= 1, "{actions:?}");
        prop_assert!(after.soft.days.len() <= state.soft.days.len() + 1);
        let on_day = after.soft.days.iter().filter(|d| d.day == (T0 + day * DAY) / DAY).count();
        prop_assert!(on_day <= 1);
    }

    #[test]
    fn a_delivery_lifts_only_threshold_suppressions(
        history in prop::collection::vec(facts_with(reason(), 60), 0..16),
        at in 0..90 * DAY,
        policy in policy(),
    ) {
        let (state, _) = run_facts(&AddressState::default(), &history, &policy);
        let delivery = Facts { reason: Reason::Delivered, action: "delivered", status: "2.0.0", kind: RuleKind::Decoder, feedback: "", at: T0 + at };
        let (after, actions) = run_facts(&state, &[delivery], &policy);
        for s in &state.suppressions {
            if s.reason != SuppressionReason::SoftBounceThreshold {
                prop_assert_eq!(after.suppression(&s.scope), Some(s));
            }
        }
        for a in &actions {
            if let Action::Lift { reason, .. } = a {
                prop_assert_eq!(*reason, SuppressionReason::SoftBounceThreshold);
            }
        }
        prop_assert!(after.suppressions.len() <= state.suppressions.len());
    }

    #[test]
    fn complaint_suppressions_survive_deliveries_and_bounces(
        later in prop::collection::vec(facts_with(reason(), 90), 0..20),
    ) {
        let policy = Policy::default_policy();
        let complaint = Facts { reason: Reason::Feedback, action: "failed", status: "", kind: RuleKind::Decoder, feedback: "abuse", at: T0 };
        let (state, _) = run_facts(&AddressState::default(), &[complaint], &policy);
        let (after, _) = run_facts(&state, &later, &policy);
        let s = after.suppression(&Scope::Marketing).expect("the complaint stays");
        prop_assert_eq!(s.reason, SuppressionReason::Complaint);
        prop_assert!(s.locked);
        prop_assert!(blocking(&after, &Scope::Marketing, T0 + 1000 * DAY).is_some());
    }

    #[test]
    fn the_same_event_read_twice_changes_nothing_more(
        history in prop::collection::vec(facts_with(reason(), 60), 0..16),
        again in any::<prop::sample::Index>(),
    ) {
        // The store drops a duplicate by its id; if one slips through, the day cap and the
        // merge of equal entries still leave the state as it was.
        let policy = Policy::default_policy();
        let (state, _) = run_facts(&AddressState::default(), &history, &policy);
        if !history.is_empty() {
            let f = &history[again.index(history.len())];
            let (twice, _) = run_facts(&state, std::slice::from_ref(f), &policy);
            prop_assert_eq!(twice.suppressions, state.suppressions);
            prop_assert_eq!(twice.soft, state.soft);
            prop_assert_eq!(twice.suspend, state.suspend);
        }
    }

    #[test]
    fn apply_is_deterministic(
        history in prop::collection::vec(facts_with(reason(), 60), 0..16),
        policy in policy(),
    ) {
        let a = run_facts(&AddressState::default(), &history, &policy);
        let b = run_facts(&AddressState::default(), &history, &policy);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn bounces_and_deliveries_in_any_order_end_the_same(
        (events, shuffled) in prop::collection::vec(
            facts_with(proptest::sample::select(vec![
                Reason::MailboxFull, Reason::Filtered, Reason::Suspend, Reason::Expired,
                Reason::UserUnknown, Reason::Delivered, Reason::Blocked,
            ]), 120),
            1..24,
        )
        .prop_map(|events| {
            // A delivery is a delivery; everything else a failure report.
            events.into_iter().map(|mut f| {
                f.action = if f.reason == Reason::Delivered { "delivered" } else { "failed" };
                f
            }).collect::<Vec<_>>()
        })
        .prop_flat_map(|events| (Just(events.clone()), Just(events).prop_shuffle())),
        policy in proptest::sample::select(vec![
            "", "[soft]\nthreshold = 2\nwindow_days = 3\n[suspend]\nthreshold = 1\n",
            "[scopes.marketing.soft]\nthreshold = 2\nwindow_days = 10\nexpires_days = 90\n",
        ]).prop_map(|t| Policy::from_toml(t).unwrap()),
    ) {
        let (a, _) = run_facts(&AddressState::default(), &events, &policy);
        let (b, _) = run_facts(&AddressState::default(), &shuffled, &policy);
        let now = events.iter().map(|f| f.at).max().unwrap() + 1;
        let (a, b) = (sweep(&a, now).state, sweep(&b, now).state);
        prop_assert_eq!(suppressed_view(&a), suppressed_view(&b));
        prop_assert_eq!(a.soft.days, b.soft.days);
        prop_assert_eq!(a.suspend.days, b.suspend.days);
        prop_assert_eq!(a.last_delivery, b.last_delivery);
    }

    #[test]
    fn an_expired_suppression_never_blocks(
        history in prop::collection::vec(facts_with(reason(), 60), 0..16),
        now in 0..400 * DAY,
        checked in proptest::sample::select(vec!["all", "transactional", "marketing", "news"]),
        policy in policy(),
    ) {
        let (state, _) = run_facts(&AddressState::default(), &history, &policy);
        let now = T0 + now;
        let scope: Scope = checked.parse().unwrap();
        match blocking(&state, &scope, now) {
            Some(s) => {
                prop_assert!(s.expires_at.is_none_or(|e| now < e));
                prop_assert!(s.scope.blocks(&scope));
            }
            None => {
                for s in &state.suppressions {
                    prop_assert!(!s.scope.blocks(&scope) || s.expires_at.is_some_and(|e| e <= now));
                }
            }
        }
        // the sweep removes exactly what no longer blocks
        let swept = sweep(&state, now).state;
        prop_assert!(swept.suppressions.iter().all(|s| s.is_active(now)));
        prop_assert_eq!(blocking(&swept, &scope, now), blocking(&state, &scope, now));
    }
}

proptest! {
    #[test]
    fn any_times_and_facts_never_panic(
        times in prop::collection::vec(any::<i64>(), 1..12),
        reasons in prop::collection::vec(reason(), 12),
        kinds in prop::collection::vec(proptest::sample::select(vec![
            EventKind::Bounce, EventKind::Delay, EventKind::Delivery, EventKind::Complaint,
            EventKind::Unsubscribe, EventKind::UpstreamSuppressed, EventKind::AutoReply, EventKind::Other,
        ]), 12),
        class in proptest::option::of(0u8..10),
        now in any::<i64>(),
        policy in policy(),
    ) {
        let mut state = AddressState::default();
        let mut window = AlertWindow::default();
        for (i, at) in times.iter().enumerate() {
            let event = LifecycleEvent {
                id: "e", address: "a@example.org", at: *at, source: "webhook:x", kind: kinds[i],
                reason: reasons[i], hard: i % 2 == 0, class, weak: i % 3 == 0, scope: Scope::All,
                feedback_type: "", sending: "", provider: "", campaign: "",
            };
            state = apply(&state, &event, &policy).state;
            for o in alert_observations(&event, &policy) {
                window = observe(&window, event.at, o.hit, &policy.alerts).0;
            }
        }
        let _ = blocking(&state, &Scope::Marketing, now);
        let _ = sweep(&state, now);
        let _ = close_if_quiet(&window, now, &policy.alerts);
        let _ = add_manual(&state, &Scope::All, "n", Some(now.saturating_add(1)), "a", now);
        let _ = remove(&state, &Scope::All, "a", true, "n", now);
    }
}

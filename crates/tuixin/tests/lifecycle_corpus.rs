//! The lifecycle over the public corpus: every bounce of `../shared/corpus/set-of-emails`
//! decoded, turned into events and applied per address with the built-in policy, then what the
//! issue asks of the suppression list checked address by address.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tuixin::lifecycle::{
    AddressState, EventKind, LifecycleEvent, NEVER_SUPPRESS, Policy, Scope, SuppressionReason,
    apply, blocking,
};
use tuixin::{Reason, Record, RuleKind};

/// When the corpus is read in (after every bounce's own date).
const RECEIVED: i64 = 1_800_000_000;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("the corpus at {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() { files(&path, out) } else { out.push(path) }
    }
}

fn records() -> Vec<(String, Record)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/set-of-emails/maildir");
    let mut paths = Vec::new();
    files(&root, &mut paths);
    assert!(paths.len() > 500, "the corpus holds {} files", paths.len());
    let mut out = Vec::new();
    for path in paths {
        let bytes = std::fs::read(&path).unwrap();
        let name = path.strip_prefix(&root).unwrap().display().to_string();
        for (i, record) in tuixin::decode(&bytes).unwrap_or_default().into_iter().enumerate() {
            out.push((format!("{name}#{i}"), record));
        }
    }
    out
}

fn permanent(record: &Record) -> bool {
    let class = [&record.deliverystatus, &record.replycode]
        .into_iter()
        .find_map(|c| c.trim().chars().next().filter(|c| matches!(c, '2' | '4' | '5')));
    class.map_or(record.hardbounce, |c| c == '5')
}

#[test]
fn the_corpus_through_the_builtin_policy() {
    let policy = Policy::builtin();
    let records = records();
    let mut by_address: BTreeMap<String, Vec<&(String, Record)>> = BTreeMap::new();
    for item in &records {
        by_address.entry(item.1.recipient.to_lowercase()).or_default().push(item);
    }
    let mut states: BTreeMap<String, AddressState> = BTreeMap::new();
    let run = |states: &mut BTreeMap<String, AddressState>| {
        for (address, items) in &by_address {
            let mut state = states.get(address).cloned().unwrap_or_default();
            for (id, record) in items {
                let event = LifecycleEvent::from_record(record, id, "file", RECEIVED);
                state = apply(&state, &event, policy).state;
            }
            states.insert(address.clone(), state);
        }
    };
    run(&mut states);

    let (mut hard, mut alert_only, mut complaints) = (0, 0, 0);
    for (address, items) in &by_address {
        let state = &states[address];
        let strong_hard = items.iter().any(|(_, r)| {
            r.hardbounce
                && permanent(r)
                && !matches!(r.rulekind, RuleKind::Code | RuleKind::None)
                && r.action.eq_ignore_ascii_case("failed")
                && r.reason != Reason::Suppressed
        });
        if strong_hard {
            hard += 1;
            let s = blocking(state, &Scope::Transactional, RECEIVED)
                .unwrap_or_else(|| panic!("{address}: a hard bounce, not suppressed: {state:?}"));
            assert_eq!(s.scope, Scope::All, "{address}");
        }
        if items.iter().all(|(_, r)| NEVER_SUPPRESS.contains(&r.reason)) {
            alert_only += 1;
            assert!(
                state.suppressions.is_empty(),
                "{address}: suppressed for {:?}",
                state.suppressions
            );
            assert!(!state.is_watched(), "{address}");
        }
        let complaint = items.iter().any(|(id, r)| {
            let event = LifecycleEvent::from_record(r, id, "file", RECEIVED);
            event.kind == EventKind::Complaint && !r.feedbacktype.eq_ignore_ascii_case("not-spam")
        });
        if complaint {
            complaints += 1;
            let s = blocking(state, &Scope::Marketing, RECEIVED)
                .unwrap_or_else(|| panic!("{address}: a complaint, not suppressed: {state:?}"));
            assert!(matches!(
                s.reason,
                SuppressionReason::Complaint | SuppressionReason::HardBounce
            ));
            if s.reason == SuppressionReason::Complaint {
                assert!(s.locked);
            }
        }
    }
    // The corpus holds all three kinds in numbers (a change that empties one shows here).
    assert!(hard >= 100, "{hard} addresses with a hard bounce");
    assert!(alert_only >= 50, "{alert_only} addresses with only sender, message or network faults");
    assert!(complaints >= 5, "{complaints} addresses that complained");

    // Read again: nothing changes.
    let before = states.clone();
    run(&mut states);
    assert_eq!(states, before);
}

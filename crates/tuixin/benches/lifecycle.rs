//! The lifecycle per event, as the store runs it: the address's state read from its JSON
//! column, `apply`, the new state written back; and `blocking`, the check before every send.
//! Run with `cargo bench -p tuixin --bench lifecycle`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tuixin::Reason;
use tuixin::lifecycle::{AddressState, EventKind, LifecycleEvent, Policy, Scope, apply, blocking};

const DAY: i64 = 86_400;
const T0: i64 = 1_767_225_600;

fn event(reason: Reason, class: u8, at: i64) -> LifecycleEvent<'static> {
    LifecycleEvent {
        id: "0123456789abcdef",
        address: "alice@example.org",
        at,
        source: "smtp",
        kind: EventKind::Bounce,
        reason,
        hard: reason.is_hard(class == 5),
        class: Some(class),
        weak: false,
        scope: Scope::All,
        feedback_type: "",
        sending: "mail.sender.test",
        provider: "example.org",
        campaign: "",
    }
}

fn bench(c: &mut Criterion) {
    let policy = Policy::builtin();
    // A watched address: four soft days, and a complaint entry.
    let mut watched = AddressState::default();
    for i in 0..4 {
        watched = apply(&watched, &event(Reason::MailboxFull, 4, T0 + i * DAY), policy).state;
    }
    let complaint = LifecycleEvent {
        kind: EventKind::Complaint,
        reason: Reason::Feedback,
        feedback_type: "abuse",
        ..event(Reason::Feedback, 5, T0)
    };
    watched = apply(&watched, &complaint, policy).state;
    let watched_json = serde_json::to_string(&watched).unwrap();
    let hard = event(Reason::UserUnknown, 5, T0 + 5 * DAY);
    let soft = event(Reason::MailboxFull, 4, T0 + 5 * DAY);

    let mut group = c.benchmark_group("lifecycle");
    group.throughput(Throughput::Elements(1));
    group.bench_function("apply hard bounce, new address", |b| {
        b.iter(|| apply(black_box(&AddressState::default()), black_box(&hard), policy))
    });
    group.bench_function("apply 5th soft day (suppresses)", |b| {
        b.iter(|| apply(black_box(&watched), black_box(&soft), policy))
    });
    group.bench_function("state from JSON, apply, state to JSON", |b| {
        b.iter(|| {
            let state: AddressState = serde_json::from_str(black_box(&watched_json)).unwrap();
            let t = apply(&state, black_box(&soft), policy);
            serde_json::to_string(&t.state).unwrap()
        })
    });
    let suppressed = apply(&watched, &soft, policy).state;
    group.bench_function("blocking (two entries)", |b| {
        b.iter(|| blocking(black_box(&suppressed), black_box(&Scope::Transactional), T0).is_some())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! `Store::check` on a SQLite database of 1,000,000 suppressions: lookups per second, in
//! process, on one thread. The database is built once (through `Store::import`, so through the
//! lifecycle) into `$BENCH_DIR` (default /tmp/tuixin-bench) and reused.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tuixin::lifecycle::{Scope, SuppressionReason};
use tuixin_store::{ImportEntry, Store};

const ENTRIES: usize = 1_000_000;
const NOW: i64 = 1_780_000_000;

fn address(i: usize) -> String {
    format!("user{i}@d{}.example.org", i % 9973)
}

fn database() -> Store {
    let dir = std::env::var("BENCH_DIR").unwrap_or_else(|_| "/tmp/tuixin-bench".into());
    std::fs::create_dir_all(&dir).unwrap();
    let path = format!("{dir}/check-1m.db");
    let fresh = !std::path::Path::new(&path).exists();
    let store = Store::open(&path).unwrap();
    if fresh {
        for start in (0..ENTRIES).step_by(50_000) {
            let entries: Vec<ImportEntry> = (start..start + 50_000)
                .map(|i| ImportEntry {
                    line: i + 2,
                    address: address(i),
                    scope: if i % 4 == 0 { Scope::Marketing } else { Scope::All },
                    reason: if i % 4 == 0 {
                        SuppressionReason::Complaint
                    } else {
                        SuppressionReason::HardBounce
                    },
                    created_at: Some(NOW - (i as i64 % 86_400)),
                    description: "550 5.1.1 user unknown".into(),
                })
                .collect();
            store.import(&entries, "bench", NOW).unwrap();
        }
    }
    assert_eq!(store.counts().unwrap().suppressions as usize, ENTRIES);
    store
}

fn check(c: &mut Criterion) {
    let store = database();
    // Half suppressed addresses, half never seen, spread over the key space.
    let batch: Vec<String> =
        (0..1000)
            .map(|i| {
                if i % 2 == 0 {
                    address(i * 997 % ENTRIES)
                } else {
                    format!("nobody{i}@example.net")
                }
            })
            .collect();
    let mut group = c.benchmark_group("check");
    group.throughput(Throughput::Elements(batch.len() as u64));
    group.bench_function("1000 addresses, one call", |b| {
        b.iter(|| black_box(store.check(black_box(&batch), "transactional", NOW).unwrap()))
    });
    group.throughput(Throughput::Elements(1));
    let one = vec![address(123_457)];
    group.bench_function("one address per call", |b| {
        b.iter(|| black_box(store.check(black_box(&one), "marketing", NOW).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, check);
criterion_main!(benches);

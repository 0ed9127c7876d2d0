//! Statistics on a database of stored events (1,000,000 from `bench/store.sh 1000000`, or any
//! other): the summary over every event, over one day, a month of daily and a day of hourly
//! buckets, and the sources' health. The database is named by `TUIXIN_BENCH_STATS_DB` (a
//! SQLite path or a PostgreSQL URL); `bench/stats.sh` builds one and runs this.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tuixin::lifecycle::Policy;
use tuixin_store::{Interval, StatsRange, Store, SummaryQuery};

/// After every event the bench scripts generate (dated November 2026).
const NOW: i64 = 1_796_083_200;
/// 2026-11-01T00:00:00Z.
const NOV_1: i64 = 1_793_491_200;
const DAY: i64 = 86_400;

fn stats(c: &mut Criterion) {
    let Ok(url) = std::env::var("TUIXIN_BENCH_STATS_DB") else {
        eprintln!("TUIXIN_BENCH_STATS_DB not set: run bench/stats.sh");
        return;
    };
    let store = Store::open(&url).unwrap();
    let events = store.counts().unwrap().events;
    let alerts = &Policy::builtin().alerts;
    let all = StatsRange { since: 0, until: NOW + DAY, source: None };
    let day = StatsRange { since: NOV_1 + 9 * DAY, until: NOV_1 + 10 * DAY, source: None };
    let summary = store
        .stats_summary(&SummaryQuery { range: all.clone(), scope: None, top: 10 }, alerts, NOW)
        .unwrap();
    eprintln!(
        "{url}: {events} events; the summary of all counts {} ({} bounces, {} suppressions in force)",
        summary.outcomes.events, summary.outcomes.bounces, summary.suppressions_total
    );
    let mut group = c.benchmark_group("stats");
    group.sample_size(10);
    group.bench_function("summary, every event", |b| {
        let q = SummaryQuery { range: all.clone(), scope: None, top: 10 };
        b.iter(|| black_box(store.stats_summary(&q, alerts, NOW).unwrap()))
    });
    group.bench_function("summary, one day", |b| {
        let q = SummaryQuery { range: day.clone(), scope: None, top: 10 };
        b.iter(|| black_box(store.stats_summary(&q, alerts, NOW).unwrap()))
    });
    group.bench_function("timeseries, 30 days by day", |b| {
        let month = StatsRange { since: NOV_1, until: NOV_1 + 30 * DAY, source: None };
        b.iter(|| black_box(store.stats_timeseries(&month, Interval::Day).unwrap()))
    });
    group.bench_function("timeseries, one day by hour", |b| {
        b.iter(|| black_box(store.stats_timeseries(&day, Interval::Hour).unwrap()))
    });
    group.bench_function("sources", |b| b.iter(|| black_box(store.stats_sources(NOW).unwrap())));
    group.finish();
}

criterion_group!(benches, stats);
criterion_main!(benches);

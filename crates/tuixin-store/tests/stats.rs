//! Statistics on every backend: a summary's counts, rates and thresholds, time series that add
//! up to the summary, and the health of each source, over real decoded bounces.

mod backends;

use std::collections::BTreeMap;

use tuixin::lifecycle::Policy;
use tuixin_store::{
    FailedInput, Input, Interval, StatsRange, Store, StoreError, SummaryQuery, ThresholdLevel,
};

/// 2026-11-01T00:00:00Z.
const NOV_1: i64 = 1_793_491_200;
const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;
/// When everything in these tests is received: 2026-11-06T00:00:00Z.
const RECEIVED: i64 = NOV_1 + 5 * DAY;

/// A Postfix DSN for one recipient with this action and status, dated `day` November 2026 at
/// `hour`:43.
fn dsn(
    id: usize,
    rcpt: &str,
    action: &str,
    status: &str,
    words: &str,
    day: u32,
    hour: u32,
) -> Vec<u8> {
    format!(
        "From: MAILER-DAEMON@mta.shop.example.com (Mail Delivery System)\r
Date: Tue, {day:02} Nov 2026 {hour:02}:43:20 +0000\r
Subject: Delivery status\r
To: news-bounces@shop.example.com\r
MIME-Version: 1.0\r
Content-Type: multipart/report; report-type=delivery-status; boundary=\"B{id}\"\r
Message-Id: <q{id}@mta.shop.example.com>\r
\r
--B{id}\r
Content-Type: text/plain; charset=us-ascii\r
\r
This is the mail system at host mta.shop.example.com.\r
\r
<{rcpt}>: {words}\r
\r
--B{id}\r
Content-Type: message/delivery-status\r
\r
Reporting-MTA: dns; mta.shop.example.com\r
X-Postfix-Queue-ID: Q{id}\r
Arrival-Date: Tue, {day:02} Nov 2026 {hour:02}:43:18 +0000\r
\r
Final-Recipient: rfc822; {rcpt}\r
Action: {action}\r
Status: {status}\r
Remote-MTA: dns; mx.example.org\r
Diagnostic-Code: smtp; {words}\r
\r
--B{id}\r
Content-Type: text/rfc822-headers\r
\r
From: news@shop.example.com\r
To: {rcpt}\r
Subject: December news\r
Message-Id: <news-{id}@shop.example.com>\r
\r
--B{id}--\r
"
    )
    .into_bytes()
}

fn input(raw: Vec<u8>, source: &str, received_at: i64) -> Input {
    let records = tuixin::decode(&raw).unwrap();
    assert_eq!(records.len(), 1, "{}", String::from_utf8_lossy(&raw));
    Input {
        raw,
        records,
        source: source.to_owned(),
        origin: "test".to_owned(),
        received_at,
        packed: None,
    }
}

/// The bundled ARF complaint, dated 3 November 2026.
fn complaint(source: &str) -> Input {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/arf-complaint.eml");
    let text =
        std::fs::read_to_string(path).unwrap().replace("Thu, 20 Feb 2025", "Tue, 03 Nov 2026");
    input(text.into_bytes(), source, RECEIVED)
}

/// 40 deliveries over SMTP logs' source `smtp`; over `imap:box`, 3 hard bounces and 2 soft
/// ones at bad.example, a delay and a complaint. Spread over 3 and 4 November.
fn mailing() -> Vec<Input> {
    let mut out = Vec::new();
    for i in 0..40 {
        let raw = dsn(
            i,
            &format!("u{i}@good.example"),
            "delivered",
            "2.0.0",
            "250 2.0.0 Ok: queued as X",
            3,
            10 + (i % 4) as u32,
        );
        out.push(input(raw, "smtp", RECEIVED));
    }
    for i in 0..3 {
        let raw = dsn(
            100 + i,
            &format!("gone{i}@bad.example"),
            "failed",
            "5.1.1",
            "550 5.1.1 User unknown in virtual mailbox table",
            3,
            11,
        );
        out.push(input(raw, "imap:box", RECEIVED));
    }
    for i in 0..2 {
        let raw = dsn(
            200 + i,
            &format!("full{i}@bad.example"),
            "failed",
            "4.2.2",
            "452 4.2.2 Mailbox is full",
            4,
            9,
        );
        out.push(input(raw, "imap:box", RECEIVED));
    }
    let raw = dsn(
        300,
        "slow@slow.example",
        "delayed",
        "4.4.1",
        "connect to mx.slow.example: Connection timed out",
        4,
        9,
    );
    out.push(input(raw, "imap:box", RECEIVED));
    out.push(complaint("imap:box"));
    out
}

fn november(source: Option<&str>) -> StatsRange {
    StatsRange { since: NOV_1, until: NOV_1 + 30 * DAY, source: source.map(str::to_owned) }
}

fn map(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn load(store: &Store) {
    store.ingest(&mailing(), Policy::builtin(), RECEIVED).unwrap();
}

#[test]
fn a_summary_counts_outcomes_reasons_suppressions_and_the_rates_against_the_thresholds() {
    for backend in backends::all() {
        let store = backend.open();
        load(&store);
        let name = backend.name;
        let query = SummaryQuery { range: november(None), scope: None, top: 10 };
        let s = store.stats_summary(&query, &Policy::builtin().alerts, RECEIVED).unwrap();
        let o = s.outcomes;
        assert_eq!(
            (o.events, o.deliveries, o.bounces, o.hard_bounces, o.delays, o.complaints, o.other),
            (47, 40, 5, 3, 1, 1, 0),
            "{name}: {o:?}"
        );
        assert_eq!(
            s.by_action,
            map(&[("delivered", 40), ("failed", 5), ("delayed", 1), ("none", 1)]),
            "{name}"
        );
        assert_eq!(
            s.by_category,
            map(&[("other", 40), ("recipient", 5), ("network", 1), ("complaint", 1)]),
            "{name}"
        );
        assert_eq!(
            s.by_reason,
            map(&[
                ("delivered", 40),
                ("userunknown", 3),
                ("mailboxfull", 2),
                ("expired", 1),
                ("feedback", 1)
            ]),
            "{name}"
        );
        // bad.example has the bounces, so it leads; then the delay's domain.
        let domains: Vec<(&str, i64, i64)> = s
            .top_domains
            .iter()
            .map(|d| (d.domain.as_str(), d.outcomes.bounces, d.outcomes.events))
            .collect();
        assert_eq!(domains[0], ("bad.example", 5, 5), "{name}: {domains:?}");
        assert_eq!(domains[1], ("slow.example", 0, 1), "{name}: {domains:?}");
        assert!(domains.contains(&("good.example", 0, 40)), "{name}: {domains:?}");
        // Three hard bounces suppress (scope all), the complaint too (scope marketing).
        assert_eq!(s.suppressions, map(&[("hard_bounce", 3), ("complaint", 1)]), "{name}");
        assert_eq!(s.suppressions_total, 4);
        // 3 hard bounces in 45 messages sent: 6.7 %, past SES's 5 % review, short of its 10 %
        // pause. 1 complaint in 40 deliveries: 2.5 %, past every complaint threshold.
        let rate = o.bounce_rate().unwrap();
        assert!((rate - 3.0 / 45.0).abs() < 1e-12, "{name}: {rate}");
        assert!((o.complaint_rate().unwrap() - 1.0 / 40.0).abs() < 1e-12);
        let crossed: BTreeMap<&str, Option<bool>> =
            s.thresholds.iter().map(|t| (t.threshold.id, t.crossed)).collect();
        assert_eq!(crossed["ses_bounce_rate_review"], Some(true), "{name}");
        assert_eq!(crossed["ses_bounce_rate_pause"], Some(false), "{name}");
        assert_eq!(crossed["gmail_spam_rate_limit"], Some(true), "{name}");
        assert_eq!(crossed["ses_complaint_rate_pause"], Some(true), "{name}");
        assert_eq!(s.thresholds.len(), 7);
        assert!(s.thresholds.iter().any(|t| t.threshold.level == ThresholdLevel::Limit));

        // Only the marketing scope: the complaint's entry.
        let marketing = SummaryQuery { scope: Some("marketing".into()), ..query.clone() };
        let m = store.stats_summary(&marketing, &Policy::builtin().alerts, RECEIVED).unwrap();
        assert_eq!(m.suppressions, map(&[("complaint", 1)]), "{name}");
        // Long after: the entries still hold (no expiry), the events are outside the range.
        let later = SummaryQuery {
            range: StatsRange { since: NOV_1 + 40 * DAY, until: NOV_1 + 50 * DAY, source: None },
            ..query.clone()
        };
        let l =
            store.stats_summary(&later, &Policy::builtin().alerts, RECEIVED + 45 * DAY).unwrap();
        assert_eq!(l.outcomes.events, 0, "{name}");
        assert_eq!(l.suppressions_total, 4, "{name}");
        assert!(l.thresholds.iter().all(|t| t.value.is_none() && t.crossed.is_none()), "{name}");
    }
}

#[test]
fn with_no_delivery_seen_the_rates_are_unknown_not_a_hundred_percent() {
    for backend in backends::all() {
        let store = backend.open();
        load(&store);
        // Only the bounces' source: bounces and a complaint, no delivery.
        let query = SummaryQuery { range: november(Some("imap:box")), scope: None, top: 3 };
        let s = store.stats_summary(&query, &Policy::builtin().alerts, RECEIVED).unwrap();
        assert_eq!((s.outcomes.events, s.outcomes.deliveries, s.outcomes.hard_bounces), (7, 0, 3));
        assert_eq!(s.outcomes.sends(), None, "{}", backend.name);
        assert_eq!(s.outcomes.bounce_rate(), None);
        assert_eq!(s.outcomes.complaint_rate(), None);
        assert!(s.thresholds.iter().all(|t| t.crossed.is_none()), "{}", backend.name);
        // The deliveries' source alone: rates of zero, nothing crossed.
        let smtp = SummaryQuery { range: november(Some("smtp")), ..query };
        let s = store.stats_summary(&smtp, &Policy::builtin().alerts, RECEIVED).unwrap();
        assert_eq!(s.outcomes.events, 40);
        assert_eq!(s.outcomes.bounce_rate(), Some(0.0));
        assert!(s.thresholds.iter().all(|t| t.crossed == Some(false)), "{}", backend.name);
    }
}

#[test]
fn time_series_have_every_bucket_and_add_up_to_the_summary() {
    for backend in backends::all() {
        let store = backend.open();
        load(&store);
        let name = backend.name;
        // Hours of 3 and 4 November.
        let range = StatsRange { since: NOV_1 + 2 * DAY, until: NOV_1 + 4 * DAY, source: None };
        let hours = store.stats_timeseries(&range, Interval::Hour).unwrap();
        assert_eq!(hours.buckets.len(), 48, "{name}");
        assert_eq!(hours.buckets[0].start, NOV_1 + 2 * DAY);
        assert!(hours.buckets.windows(2).all(|w| w[1].start - w[0].start == HOUR));
        // 3 November 10:43 holds 10 deliveries; 11:43 holds 10 more and the 3 hard bounces.
        let at = |h: i64| &hours.buckets[h as usize];
        assert_eq!(at(10).outcomes.deliveries, 10, "{name}");
        assert_eq!((at(11).outcomes.deliveries, at(11).outcomes.hard_bounces), (10, 3), "{name}");
        assert_eq!(at(11).by_reason, map(&[("delivered", 10), ("userunknown", 3)]), "{name}");
        assert_eq!(at(24 + 9).by_category, map(&[("recipient", 2), ("network", 1)]), "{name}");
        assert_eq!(at(0).outcomes.events, 0);
        let summary = store
            .stats_summary(
                &SummaryQuery { range: range.clone(), scope: None, top: 0 },
                &Policy::builtin().alerts,
                RECEIVED,
            )
            .unwrap();
        assert!(summary.top_domains.is_empty());
        for series in [hours, store.stats_timeseries(&range, Interval::Day).unwrap()] {
            let mut reasons = BTreeMap::new();
            let mut events = 0;
            for b in &series.buckets {
                events += b.outcomes.events;
                for (k, v) in &b.by_reason {
                    *reasons.entry(k.clone()).or_insert(0) += v;
                }
            }
            assert_eq!(events, summary.outcomes.events, "{name}");
            assert_eq!(reasons, summary.by_reason, "{name}");
        }
        // A range not on the hour starts its first bucket on the hour before.
        let odd = StatsRange {
            since: NOV_1 + 2 * DAY + 10 * HOUR + 30 * 60,
            until: NOV_1 + 2 * DAY + 12 * HOUR,
            source: Some("smtp".into()),
        };
        let series = store.stats_timeseries(&odd, Interval::Hour).unwrap();
        assert_eq!(series.buckets.len(), 2, "{name}");
        assert_eq!(series.buckets[0].start, NOV_1 + 2 * DAY + 10 * HOUR);
        assert_eq!(series.buckets[0].outcomes.deliveries, 10, "{name}: 10:43 is after 10:30");
    }
}

#[test]
fn bad_ranges_are_refused_with_the_field_at_fault() {
    let backend = backends::sqlite();
    let store = backend.open();
    let year = StatsRange { since: NOV_1, until: NOV_1 + 366 * DAY, source: None };
    match store.stats_timeseries(&year, Interval::Hour) {
        Err(StoreError::InvalidQuery { field: "interval", why }) => {
            assert!(why.contains("2000"), "{why}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(store.stats_timeseries(&year, Interval::Day).unwrap().buckets.len(), 366);
    let backwards = StatsRange { since: NOV_1, until: NOV_1, source: None };
    assert!(matches!(
        store.stats_timeseries(&backwards, Interval::Day),
        Err(StoreError::InvalidQuery { field: "until", .. })
    ));
    let query = SummaryQuery { range: november(None), scope: Some("Bad Scope".into()), top: 5 };
    assert!(matches!(
        store.stats_summary(&query, &Policy::builtin().alerts, RECEIVED),
        Err(StoreError::InvalidScope(_))
    ));
}

#[test]
fn each_source_shows_its_latest_event_its_last_day_and_its_failed_inputs() {
    for backend in backends::all() {
        let store = backend.open();
        let name = backend.name;
        // smtp: deliveries received two days before now; imap:box: bounces received now, and
        // two messages that were no bounce; log:postfix: only a failure.
        let now = RECEIVED + 2 * DAY;
        store.ingest(&mailing()[..40], Policy::builtin(), RECEIVED).unwrap();
        let failed = |source: &str, origin: &str, at: i64| FailedInput {
            source: source.into(),
            origin: origin.into(),
            received_at: at,
            error: format!("{origin}: not a bounce <script>alert(1)</script>"),
        };
        let mut bounces = mailing().split_off(40);
        for b in &mut bounces {
            b.received_at = now;
        }
        store
            .ingest_reporting(
                &bounces,
                &[
                    failed("imap:box", "UID 7", now - 3 * DAY),
                    failed("imap:box", "UID 9", now - HOUR),
                ],
                Policy::builtin(),
                now,
            )
            .unwrap();
        store
            .ingest_reporting(
                &[],
                &[failed("log:postfix", "mail.log:12", now)],
                Policy::builtin(),
                now,
            )
            .unwrap();
        let sources = store.stats_sources(now).unwrap();
        let names: Vec<&str> = sources.iter().map(|s| s.source.as_str()).collect();
        assert_eq!(names, ["imap:box", "log:postfix", "smtp"], "{name}");
        let (imap, log, smtp) = (&sources[0], &sources[1], &sources[2]);
        assert_eq!(smtp.last_received_at, Some(RECEIVED), "{name}");
        assert_eq!(smtp.events_24h, 0, "{name}: received two days ago");
        assert!(smtp.last_event_at.is_some_and(|at| at < RECEIVED));
        assert_eq!((smtp.failures, smtp.last_failure.as_ref()), (0, None));
        assert_eq!(imap.events_24h, 7, "{name}");
        assert_eq!(imap.last_received_at, Some(now));
        assert_eq!((imap.failures, imap.failures_24h), (2, 1), "{name}");
        let last = imap.last_failure.as_ref().unwrap();
        assert_eq!((last.origin.as_str(), last.received_at), ("UID 9", now - HOUR), "{name}");
        assert!(last.error.contains("<script>"), "kept as text, escaped where shown");
        assert_eq!((log.events_24h, log.last_received_at, log.failures), (0, None, 1), "{name}");
        // Failed inputs go with the raw inputs' retention.
        store.prune_raw(now - DAY).unwrap();
        let imap = &store.stats_sources(now).unwrap()[0];
        assert_eq!(imap.failures, 1, "{name}");
    }
}

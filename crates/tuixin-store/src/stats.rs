//! Statistics over the stored events: what happened in a time range (by outcome, action,
//! category, reason and receiving domain), the rates the mailbox providers watch with their
//! thresholds, counts per hour or day, and the health of each input source.
//!
//! Events are counted by **their own time** (`events.at`: the bounce's own date where it has
//! one and that date is not more than an hour after receipt, else the time it was received),
//! the time the lifecycle uses. Ingestion health per source goes by the time of receipt.
//!
//! Each event counts by what it reports about its address, as the lifecycle reads it
//! ([`EventKind::of`]): a bounce, a delay, a delivery, a complaint or something else. Its
//! category is the core's mapping of its reason ([`Reason::category`]).

use std::collections::BTreeMap;

use serde::Serialize;
use tuixin::Reason;
use tuixin::lifecycle::{AlertPolicy, EventKind};

use crate::StoreError;
use crate::event::Timestamp;
use crate::sql::{Dialect, Tx, Value};
use crate::store::Store;

/// Buckets a time series may have at most.
pub const MAX_BUCKETS: i64 = 2_000;

/// Receiving domains a summary may list at most.
pub const MAX_TOP: usize = 100;

/// Sources the health view lists at most.
const MAX_SOURCES: usize = 1_000;

/// Which events statistics count: those whose own time is in `[since, until)`, of one source
/// or of all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsRange {
    /// The first second counted.
    pub since: Timestamp,
    /// The first second not counted.
    pub until: Timestamp,
    /// Only events from this source (`file`, `http`, `imap:bounces`, ...).
    pub source: Option<String>,
}

impl StatsRange {
    fn check(&self) -> Result<(), StoreError> {
        if self.since < 0 {
            return Err(StoreError::InvalidQuery { field: "since", why: "before 1970".into() });
        }
        if self.until <= self.since {
            return Err(StoreError::InvalidQuery {
                field: "until",
                why: "the range ends before it starts".into(),
            });
        }
        Ok(())
    }

    /// ` WHERE at >= $first AND at < $first+1 [AND source = $first+2]` and its values.
    fn clause(&self, first: usize) -> (String, Vec<Value>) {
        let mut sql = format!(" WHERE at >= ${} AND at < ${}", first, first + 1);
        let mut params = vec![self.since.into(), self.until.into()];
        if let Some(source) = &self.source {
            sql.push_str(&format!(" AND source = ${}", first + 2));
            params.push(source.into());
        }
        (sql, params)
    }
}

/// Events counted by what they report about their address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Outcomes {
    /// Every event.
    pub events: i64,
    /// Failure reports (bounces), hard or soft.
    pub bounces: i64,
    /// Bounces that say the address itself is bad.
    pub hard_bounces: i64,
    /// Delay warnings (the message is still queued).
    pub delays: i64,
    /// Deliveries (DSN 2.x.x, a log's `status=sent`, an ESP's delivery event).
    pub deliveries: i64,
    /// Complaints (feedback-loop reports other than `not-spam`).
    pub complaints: i64,
    /// Everything else: not-spam reports, auto-replies, unsubscribes, upstream suppressions,
    /// relays.
    pub other: i64,
}

impl Outcomes {
    /// Counts `n` events of one kind.
    fn add(&mut self, kind: EventKind, hard: bool, feedback: &str, n: i64) {
        self.events += n;
        match kind {
            EventKind::Bounce => {
                self.bounces += n;
                if hard {
                    self.hard_bounces += n;
                }
            }
            EventKind::Delay => self.delays += n,
            EventKind::Delivery => self.deliveries += n,
            EventKind::Complaint if !feedback.trim().eq_ignore_ascii_case("not-spam") => {
                self.complaints += n
            }
            _ => self.other += n,
        }
    }

    /// Messages whose fate is known, delivered or bounced: the denominator of the bounce rate.
    /// None while no delivery is known: deliveries are known only from delivered events, and a
    /// store that sees only bounces cannot tell how many messages were sent.
    pub fn sends(&self) -> Option<i64> {
        (self.deliveries > 0).then_some(self.deliveries + self.bounces)
    }

    /// Hard bounces per message sent (Amazon SES's bounce rate counts hard bounces only).
    pub fn bounce_rate(&self) -> Option<f64> {
        self.sends().map(|sends| self.hard_bounces as f64 / sends as f64)
    }

    /// Complaints per message delivered (Gmail's spam rate is per message delivered).
    pub fn complaint_rate(&self) -> Option<f64> {
        (self.deliveries > 0).then(|| self.complaints as f64 / self.deliveries as f64)
    }
}

/// A rate the providers watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RateMetric {
    /// Hard bounces per message sent.
    BounceRate,
    /// Complaints per message delivered.
    ComplaintRate,
}

/// How serious crossing a threshold is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdLevel {
    /// The provider starts to look (a review, "stay below").
    Warning,
    /// The provider acts (pauses sending, rejects or junks the mail).
    Limit,
}

/// A published threshold on a rate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Threshold {
    /// A stable id (`gmail_spam_rate_limit`, ...).
    pub id: &'static str,
    /// Whose threshold it is.
    pub provider: &'static str,
    /// Which rate it is on.
    pub metric: RateMetric,
    /// Warning or limit.
    pub level: ThresholdLevel,
    /// The rate (a fraction: 0.001 is 0.1 %) at or above which it is crossed.
    pub rate: f64,
}

/// The thresholds senders watch (REFERENCE.md, "Thresholds senders watch"): Gmail's
/// user-reported spam rate below 0.10 %, never 0.30 %; Yahoo's complaints below 0.3 %; Amazon
/// SES's bounce rate review at 5 % and pause at 10 %, complaint rate review at 0.1 % and pause
/// at 0.5 %.
pub const THRESHOLDS: &[Threshold] = &[
    Threshold {
        id: "gmail_spam_rate_warning",
        provider: "Gmail",
        metric: RateMetric::ComplaintRate,
        level: ThresholdLevel::Warning,
        rate: 0.001,
    },
    Threshold {
        id: "gmail_spam_rate_limit",
        provider: "Gmail",
        metric: RateMetric::ComplaintRate,
        level: ThresholdLevel::Limit,
        rate: 0.003,
    },
    Threshold {
        id: "yahoo_complaint_rate_limit",
        provider: "Yahoo",
        metric: RateMetric::ComplaintRate,
        level: ThresholdLevel::Limit,
        rate: 0.003,
    },
    Threshold {
        id: "ses_bounce_rate_review",
        provider: "Amazon SES",
        metric: RateMetric::BounceRate,
        level: ThresholdLevel::Warning,
        rate: 0.05,
    },
    Threshold {
        id: "ses_bounce_rate_pause",
        provider: "Amazon SES",
        metric: RateMetric::BounceRate,
        level: ThresholdLevel::Limit,
        rate: 0.10,
    },
    Threshold {
        id: "ses_complaint_rate_review",
        provider: "Amazon SES",
        metric: RateMetric::ComplaintRate,
        level: ThresholdLevel::Warning,
        rate: 0.001,
    },
    Threshold {
        id: "ses_complaint_rate_pause",
        provider: "Amazon SES",
        metric: RateMetric::ComplaintRate,
        level: ThresholdLevel::Limit,
        rate: 0.005,
    },
];

/// A threshold against the rate measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ThresholdCheck {
    /// The threshold.
    pub threshold: Threshold,
    /// The rate measured (None: unknown, no delivery seen).
    pub value: Option<f64>,
    /// Whether the rate is at or above the threshold (None: unknown).
    pub crossed: Option<bool>,
}

/// Every threshold against `outcomes`' rates.
pub fn check_thresholds(outcomes: &Outcomes) -> Vec<ThresholdCheck> {
    THRESHOLDS
        .iter()
        .map(|t| {
            let value = match t.metric {
                RateMetric::BounceRate => outcomes.bounce_rate(),
                RateMetric::ComplaintRate => outcomes.complaint_rate(),
            };
            ThresholdCheck { threshold: *t, value, crossed: value.map(|v| v >= t.rate) }
        })
        .collect()
}

/// One receiving domain's events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainCount {
    /// The recipient's domain as the bounce names it (lowercase).
    pub domain: String,
    /// Its events by outcome.
    pub outcomes: Outcomes,
}

/// What happened in a time range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The range counted.
    pub since: Timestamp,
    /// The end of the range (not counted).
    pub until: Timestamp,
    /// The one source counted, if only one.
    pub source: Option<String>,
    /// The scope whose suppressions are counted, if only one.
    pub scope: Option<String>,
    /// Events by outcome.
    pub outcomes: Outcomes,
    /// Events by the record's action (`failed`, `delayed`, `delivered`, ...; `none` for a
    /// report that names none, such as a complaint).
    pub by_action: BTreeMap<String, i64>,
    /// Events by their reason's category (`recipient`, `sender`, `message`, `network`, ...).
    pub by_category: BTreeMap<String, i64>,
    /// Events by reason (`userunknown`, `mailboxfull`, ..., `delivered`).
    pub by_reason: BTreeMap<String, i64>,
    /// The receiving domains with the most bounces and delays (then events), most first.
    pub top_domains: Vec<DomainCount>,
    /// Suppression entries in force now, by reason (`hard_bounce`, `soft_bounce_threshold`,
    /// `complaint`, ...).
    pub suppressions: BTreeMap<String, i64>,
    /// Suppression entries in force now.
    pub suppressions_total: i64,
    /// Alerts open now.
    pub open_alerts: i64,
    /// The providers' thresholds against this range's rates.
    pub thresholds: Vec<ThresholdCheck>,
}

/// What a summary counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryQuery {
    /// The events counted.
    pub range: StatsRange,
    /// Only suppression entries of this scope.
    pub scope: Option<String>,
    /// How many receiving domains to list (at most [`MAX_TOP`]).
    pub top: usize,
}

/// The width of a time series' buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Interval {
    /// One UTC hour.
    Hour,
    /// One UTC day.
    Day,
}

impl Interval {
    /// Seconds in one bucket.
    pub fn seconds(self) -> i64 {
        match self {
            Interval::Hour => 3_600,
            Interval::Day => 86_400,
        }
    }

    /// `hour` or `day`.
    pub fn as_str(self) -> &'static str {
        match self {
            Interval::Hour => "hour",
            Interval::Day => "day",
        }
    }
}

impl std::str::FromStr for Interval {
    type Err = StoreError;

    fn from_str(text: &str) -> Result<Interval, StoreError> {
        match text {
            "hour" => Ok(Interval::Hour),
            "day" => Ok(Interval::Day),
            other => Err(StoreError::InvalidQuery {
                field: "interval",
                why: format!("{other:?} is not hour or day"),
            }),
        }
    }
}

/// One bucket of a time series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bucket {
    /// Its first second (a UTC hour or midnight).
    pub start: Timestamp,
    /// Its events by outcome.
    pub outcomes: Outcomes,
    /// Its events by category.
    pub by_category: BTreeMap<String, i64>,
    /// Its events by reason.
    pub by_reason: BTreeMap<String, i64>,
}

/// Counts per hour or day over a range: every bucket, empty ones too, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeSeries {
    /// The bucket width.
    pub interval: Interval,
    /// The buckets; the first starts at or before the range's start.
    pub buckets: Vec<Bucket>,
}

/// The ingestion health of one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceHealth {
    /// The source (`file`, `http`, `smtp`, `imap:<name>`, ...).
    pub source: String,
    /// When its latest event was received.
    pub last_received_at: Option<Timestamp>,
    /// That event's own time.
    pub last_event_at: Option<Timestamp>,
    /// Events received from it in the 24 hours before now.
    pub events_24h: i64,
    /// Inputs from it that gave no event (unreadable, or no bounce) in the 24 hours before now.
    pub failures_24h: i64,
    /// Such inputs while they are kept.
    pub failures: i64,
    /// The latest such input: when, which and why.
    pub last_failure: Option<FailureRow>,
}

/// An input that was received but gave no event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailureRow {
    /// When it was received.
    pub received_at: Timestamp,
    /// Which input (a path, an upload's message number, a mailbox UID).
    pub origin: String,
    /// Why it gave no event.
    pub error: String,
}

/// An input that was received but could not be read or decoded, to record beside a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedInput {
    /// Where it came from (as [`crate::Input::source`]).
    pub source: String,
    /// Which input (as [`crate::Input::origin`]).
    pub origin: String,
    /// When it was received.
    pub received_at: Timestamp,
    /// Why it gave no event.
    pub error: String,
}

/// Bytes of an error or origin kept at most.
const MAX_TEXT: usize = 1_000;

fn truncated(text: &str) -> String {
    if text.len() <= MAX_TEXT {
        return text.to_owned();
    }
    let mut end = MAX_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Writes failed inputs in the caller's transaction.
pub(crate) fn record_failures(tx: &mut dyn Tx, failed: &[FailedInput]) -> Result<(), StoreError> {
    let rows = failed
        .iter()
        .map(|f| {
            vec![
                f.source.as_str().into(),
                truncated(&f.origin).into(),
                f.received_at.into(),
                truncated(&f.error).into(),
            ]
        })
        .collect();
    crate::sql::insert_rows(
        tx,
        "INSERT INTO ingest_failures (source, origin, received_at, error)",
        rows,
        "",
    )?;
    Ok(())
}

/// The columns every count groups by, after any leading ones.
const GROUPS: &str = "action, reason, hardbounce, feedbacktype";

/// One grouped row's kind, reason and category; the action and the feedback type as stored.
struct Group {
    kind: EventKind,
    hard: bool,
    action: String,
    reason: String,
    category: &'static str,
    feedback: String,
    count: i64,
}

/// Reads `action, reason, hardbounce, feedbacktype, count` from `row[at..]`.
fn group(row: &mut [Value], at: usize) -> Group {
    let mut action = row[at].take_text().trim().to_ascii_lowercase();
    if action.is_empty() {
        // A feedback report or an auto-reply names no action.
        action.push_str("none");
    }
    let reason = row[at + 1].take_text();
    let parsed = Reason::from_name(&reason).unwrap_or(Reason::Undefined);
    Group {
        kind: EventKind::of(if action == "none" { "" } else { &action }, parsed),
        hard: row[at + 2].int() != 0,
        category: parsed.category().as_str(),
        action,
        reason,
        feedback: row[at + 3].take_text(),
        count: row[at + 4].int(),
    }
}

/// The events table as the range queries read it. SQLite is told to use the statistics index:
/// without table statistics its planner prefers `events_source` for a source filter and then
/// reads every row of that source, record and all; the statistics index has the source too and
/// answers from the index alone. PostgreSQL's planner finds that index-only scan by itself.
fn stats_events(tx: &dyn Tx) -> &'static str {
    match tx.dialect() {
        Dialect::Sqlite => "events INDEXED BY events_stats",
        Dialect::Postgres => "events",
    }
}

fn bump(map: &mut BTreeMap<String, i64>, key: &str, n: i64) {
    *map.entry(key.to_owned()).or_default() += n;
}

impl Store {
    /// What happened in a range: events by outcome, action, category, reason and receiving
    /// domain, the rates against the providers' thresholds, and (as of `now`) the suppression
    /// entries in force and the alerts open.
    pub fn stats_summary(
        &self,
        query: &SummaryQuery,
        alerts: &AlertPolicy,
        now: Timestamp,
    ) -> Result<Summary, StoreError> {
        query.range.check()?;
        if let Some(scope) = &query.scope
            && !crate::valid_scope(scope)
        {
            return Err(StoreError::InvalidScope(scope.clone()));
        }
        let top = query.top.min(MAX_TOP);
        let (filter, params) = query.range.clause(1);
        let by_groups = |tx: &dyn Tx| {
            format!(
                "SELECT destination, {GROUPS}, count(*) FROM {}{filter} GROUP BY destination, {GROUPS}",
                stats_events(tx)
            )
        };
        let (scope_filter, mut scope_params) = match &query.scope {
            Some(scope) => (" AND scope = $2", vec![scope.into()]),
            None => ("", Vec::new()),
        };
        scope_params.insert(0, now.into());
        let suppressions_sql = format!(
            "SELECT reason, count(*) FROM suppressions WHERE (expires_at IS NULL OR expires_at > $1){scope_filter} GROUP BY reason"
        );
        let quiet_since = now - i64::from(alerts.quiet_hours) * 3600;
        let (rows, suppressions, open_alerts) = self.read(|tx| {
            let rows = tx.query(&by_groups(tx), &params)?;
            let suppressions = tx.query(&suppressions_sql, &scope_params)?;
            let open = tx
                .query_opt(
                    "SELECT count(*) FROM alerts WHERE closed_at IS NULL AND last_at > $1",
                    &[quiet_since.into()],
                )?
                .map_or(0, |row| row[0].int());
            Ok((rows, suppressions, open))
        })?;
        let mut summary = Summary {
            since: query.range.since,
            until: query.range.until,
            source: query.range.source.clone(),
            scope: query.scope.clone(),
            outcomes: Outcomes::default(),
            by_action: BTreeMap::new(),
            by_category: BTreeMap::new(),
            by_reason: BTreeMap::new(),
            top_domains: Vec::new(),
            suppressions: BTreeMap::new(),
            suppressions_total: 0,
            open_alerts,
            thresholds: Vec::new(),
        };
        let mut domains: BTreeMap<String, Outcomes> = BTreeMap::new();
        for mut row in rows {
            let domain = row[0].take_text().to_ascii_lowercase();
            let g = group(&mut row, 1);
            summary.outcomes.add(g.kind, g.hard, &g.feedback, g.count);
            bump(&mut summary.by_action, &g.action, g.count);
            bump(&mut summary.by_category, g.category, g.count);
            bump(&mut summary.by_reason, &g.reason, g.count);
            if !domain.is_empty() {
                domains.entry(domain).or_default().add(g.kind, g.hard, &g.feedback, g.count);
            }
        }
        let mut domains: Vec<DomainCount> = domains
            .into_iter()
            .map(|(domain, outcomes)| DomainCount { domain, outcomes })
            .collect();
        domains.sort_by(|a, b| {
            let key = |d: &DomainCount| (d.outcomes.bounces + d.outcomes.delays, d.outcomes.events);
            key(b).cmp(&key(a)).then_with(|| a.domain.cmp(&b.domain))
        });
        domains.truncate(top);
        summary.top_domains = domains;
        for mut row in suppressions {
            let n = row[1].int();
            summary.suppressions_total += n;
            bump(&mut summary.suppressions, &row[0].take_text(), n);
        }
        summary.thresholds = check_thresholds(&summary.outcomes);
        Ok(summary)
    }

    /// Counts per UTC hour or day over a range, every bucket present (at most
    /// [`MAX_BUCKETS`]).
    pub fn stats_timeseries(
        &self,
        range: &StatsRange,
        interval: Interval,
    ) -> Result<TimeSeries, StoreError> {
        range.check()?;
        let width = interval.seconds();
        let first = range.since - range.since.rem_euclid(width);
        let count = (range.until - 1 - first) / width + 1;
        if count > MAX_BUCKETS {
            return Err(StoreError::InvalidQuery {
                field: "interval",
                why: format!(
                    "the range holds {count} {}s, more than the {MAX_BUCKETS} a series may have: ask a shorter range or a wider interval",
                    interval.as_str()
                ),
            });
        }
        let (filter, mut params) = range.clause(3);
        params.insert(0, first.into());
        params.insert(1, width.into());
        let rows = self.read(|tx| {
            let sql = format!(
                "SELECT (at - $1) / $2, {GROUPS}, count(*) FROM {}{filter} GROUP BY 1, 2, 3, 4, 5",
                stats_events(tx)
            );
            tx.query(&sql, &params)
        })?;
        let mut buckets: Vec<Bucket> = (0..count)
            .map(|i| Bucket {
                start: first + i * width,
                outcomes: Outcomes::default(),
                by_category: BTreeMap::new(),
                by_reason: BTreeMap::new(),
            })
            .collect();
        for mut row in rows {
            let i = row[0].int();
            let g = group(&mut row, 1);
            let Some(bucket) = usize::try_from(i).ok().and_then(|i| buckets.get_mut(i)) else {
                continue;
            };
            bucket.outcomes.add(g.kind, g.hard, &g.feedback, g.count);
            bump(&mut bucket.by_category, g.category, g.count);
            bump(&mut bucket.by_reason, &g.reason, g.count);
        }
        Ok(TimeSeries { interval, buckets })
    }

    /// The ingestion health of every source that gave an event or a failed input, by name.
    pub fn stats_sources(&self, now: Timestamp) -> Result<Vec<SourceHealth>, StoreError> {
        let day_ago = now - 86_400;
        self.read(|tx| {
            // The distinct sources by skipping through the index, one probe per source.
            let sources = tx.query(
                &format!(
                    "WITH RECURSIVE s(source) AS (
                        SELECT min(source) FROM events
                        UNION ALL
                        SELECT (SELECT min(source) FROM events WHERE source > s.source) FROM s WHERE s.source IS NOT NULL
                    ) SELECT source FROM s WHERE source IS NOT NULL LIMIT {MAX_SOURCES}"
                ),
                &[],
            )?;
            let failures = tx.query(
                "SELECT source, count(*), sum(CASE WHEN received_at >= $1 THEN 1 ELSE 0 END) FROM ingest_failures GROUP BY source",
                &[day_ago.into()],
            )?;
            let mut out: BTreeMap<String, SourceHealth> = BTreeMap::new();
            let blank = |source: &str| SourceHealth {
                source: source.to_owned(),
                last_received_at: None,
                last_event_at: None,
                events_24h: 0,
                failures_24h: 0,
                failures: 0,
                last_failure: None,
            };
            for mut row in sources {
                let source = row[0].take_text();
                let mut health = blank(&source);
                if let Some(latest) = tx.query_opt(
                    "SELECT received_at, at FROM events WHERE source = $1 ORDER BY received_at DESC LIMIT 1",
                    &[source.as_str().into()],
                )? {
                    health.last_received_at = latest[0].opt_int();
                    health.last_event_at = latest[1].opt_int();
                }
                health.events_24h = tx
                    .query_opt(
                        "SELECT count(*) FROM events WHERE source = $1 AND received_at >= $2",
                        &[source.as_str().into(), day_ago.into()],
                    )?
                    .map_or(0, |row| row[0].int());
                out.insert(source, health);
            }
            for mut row in failures {
                let source = row[0].take_text();
                let last = tx
                    .query_opt(
                        "SELECT received_at, origin, error FROM ingest_failures WHERE source = $1 ORDER BY received_at DESC, id DESC LIMIT 1",
                        &[source.as_str().into()],
                    )?
                    .map(|mut r| FailureRow {
                        received_at: r[0].int(),
                        origin: r[1].take_text(),
                        error: r[2].take_text(),
                    });
                let health = out.entry(source.clone()).or_insert_with(|| blank(&source));
                health.failures = row[1].int();
                health.failures_24h = row[2].int();
                health.last_failure = last;
            }
            Ok(out.into_values().collect())
        })
    }
}

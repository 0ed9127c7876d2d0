//! `GET /v1/stats/summary`, `GET /v1/stats/timeseries` and `GET /v1/stats/sources`: the
//! dashboard's figures. Events count by their own time (the bounce's date, else when it was
//! received); rates are unknown (null) while no delivery is known.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use tuixin_store::{
    DomainCount, Interval, Outcomes, SourceHealth, StatsRange, Summary, SummaryQuery,
    ThresholdCheck, ThresholdLevel, TimeSeries,
};
use utoipa::{IntoParams, ToSchema};

use crate::app::App;
use crate::error::{ApiError, ErrorBody};
use crate::time::rfc3339;
use crate::token::TokenScope;

/// The range asked when none is: the 7 days before now.
pub const DEFAULT_DAYS: i64 = 7;

/// Receiving domains a summary lists when not told.
pub const DEFAULT_TOP: usize = 10;

/// `GET /v1/stats/summary` query.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryParams {
    /// Count events at or after this time (RFC 3339 or Unix seconds; default 7 days before
    /// `until`).
    pub since: Option<String>,
    /// Count events before this time (default now).
    pub until: Option<String>,
    /// Only events from this source (`http`, `file`, `smtp`, `imap:<name>`, ...).
    pub source: Option<String>,
    /// Only suppression entries of this scope.
    pub scope: Option<String>,
    /// How many receiving domains to list, 0 to 100 (default 10).
    pub top: Option<i64>,
}

/// `GET /v1/stats/timeseries` query.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SeriesParams {
    /// Count events at or after this time (default 7 days before `until`).
    pub since: Option<String>,
    /// Count events before this time (default now).
    pub until: Option<String>,
    /// `hour` or `day` (default `day`); at most 2000 buckets.
    pub interval: Option<String>,
    /// What each bucket's `value` is: `events` (default), `bounces`, `hard_bounces`, `delays`,
    /// `deliveries`, `complaints`, `bounce_rate`, `complaint_rate`.
    pub metric: Option<String>,
    /// What each bucket's `groups` count by: `category` (default) or `reason`.
    pub group_by: Option<String>,
    /// Only events from this source.
    pub source: Option<String>,
}

/// Events by what they report, and the rates the providers watch.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutcomeCounts {
    /// Every event.
    pub events: i64,
    /// Failure reports, hard or soft.
    pub bounces: i64,
    /// Bounces that say the address itself is bad.
    pub hard_bounces: i64,
    /// Delay warnings.
    pub delays: i64,
    /// Deliveries (known only from delivered events: DSN 2.x.x, log `status=sent`, ...).
    pub deliveries: i64,
    /// Complaints (feedback reports other than `not-spam`).
    pub complaints: i64,
    /// Other events (not-spam reports, auto-replies, unsubscribes, relays).
    pub other: i64,
    /// Messages whose fate is known (deliveries + bounces); null while no delivery is known.
    pub sends: Option<i64>,
    /// Hard bounces per message sent (Amazon SES's definition); null while unknown.
    pub bounce_rate: Option<f64>,
    /// Complaints per message delivered (Gmail's definition); null while unknown.
    pub complaint_rate: Option<f64>,
}

impl From<Outcomes> for OutcomeCounts {
    fn from(o: Outcomes) -> OutcomeCounts {
        OutcomeCounts {
            events: o.events,
            bounces: o.bounces,
            hard_bounces: o.hard_bounces,
            delays: o.delays,
            deliveries: o.deliveries,
            complaints: o.complaints,
            other: o.other,
            sends: o.sends(),
            bounce_rate: o.bounce_rate(),
            complaint_rate: o.complaint_rate(),
        }
    }
}

/// A provider's threshold against the rate measured.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ThresholdStatus {
    /// A stable id (`ses_bounce_rate_review`, `gmail_spam_rate_limit`, ...).
    pub id: String,
    /// Whose threshold: `Gmail`, `Yahoo`, `Amazon SES`.
    pub provider: String,
    /// `bounce_rate` or `complaint_rate`.
    pub metric: String,
    /// `warning` (the provider looks) or `limit` (the provider acts).
    pub level: String,
    /// The threshold, a fraction (0.001 is 0.1 %).
    pub threshold: f64,
    /// The rate measured; null while unknown.
    pub value: Option<f64>,
    /// At or above the threshold; null while the rate is unknown.
    pub crossed: Option<bool>,
}

impl From<&ThresholdCheck> for ThresholdStatus {
    fn from(t: &ThresholdCheck) -> ThresholdStatus {
        let metric = match t.threshold.metric {
            tuixin_store::RateMetric::BounceRate => "bounce_rate",
            tuixin_store::RateMetric::ComplaintRate => "complaint_rate",
        };
        ThresholdStatus {
            id: t.threshold.id.to_owned(),
            provider: t.threshold.provider.to_owned(),
            metric: metric.to_owned(),
            level: match t.threshold.level {
                ThresholdLevel::Warning => "warning",
                ThresholdLevel::Limit => "limit",
            }
            .to_owned(),
            threshold: t.threshold.rate,
            value: t.value,
            crossed: t.crossed,
        }
    }
}

/// One receiving domain's events.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DomainStats {
    /// The recipient's domain.
    pub domain: String,
    /// Its events by outcome and its rates.
    pub outcomes: OutcomeCounts,
}

impl From<DomainCount> for DomainStats {
    fn from(d: DomainCount) -> DomainStats {
        DomainStats { domain: d.domain, outcomes: d.outcomes.into() }
    }
}

/// What happened in a time range, and the list and alerts as they are now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatsSummary {
    /// The first time counted.
    pub since: String,
    /// The first time not counted.
    pub until: String,
    /// The one source counted, if asked.
    pub source: Option<String>,
    /// The one scope whose suppressions are counted, if asked.
    pub scope: Option<String>,
    /// Events by outcome, and the rates.
    pub outcomes: OutcomeCounts,
    /// Events by action (`failed`, `delayed`, `delivered`, `none`, ...).
    pub by_action: BTreeMap<String, i64>,
    /// Events by category (`recipient`, `sender`, `message`, `network`, `complaint`, ...).
    pub by_category: BTreeMap<String, i64>,
    /// Events by reason (`userunknown`, `mailboxfull`, ...).
    pub by_reason: BTreeMap<String, i64>,
    /// The receiving domains with the most bounces and delays.
    pub top_domains: Vec<DomainStats>,
    /// Suppression entries in force now, by reason (`hard_bounce`, `complaint`, ...).
    pub suppressions: BTreeMap<String, i64>,
    /// Suppression entries in force now.
    pub suppressions_total: i64,
    /// Alerts open now.
    pub open_alerts: i64,
    /// Each provider threshold against this range's rates.
    pub thresholds: Vec<ThresholdStatus>,
}

impl From<Summary> for StatsSummary {
    fn from(s: Summary) -> StatsSummary {
        StatsSummary {
            since: rfc3339(s.since),
            until: rfc3339(s.until),
            source: s.source,
            scope: s.scope,
            outcomes: s.outcomes.into(),
            by_action: s.by_action,
            by_category: s.by_category,
            by_reason: s.by_reason,
            top_domains: s.top_domains.into_iter().map(DomainStats::from).collect(),
            suppressions: s.suppressions,
            suppressions_total: s.suppressions_total,
            open_alerts: s.open_alerts,
            thresholds: s.thresholds.iter().map(ThresholdStatus::from).collect(),
        }
    }
}

/// One bucket of a series.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SeriesBucket {
    /// Its first second (a UTC hour, or midnight).
    pub start: String,
    /// The metric asked for; null for a rate while unknown.
    pub value: Option<f64>,
    /// Its events by outcome, and its rates.
    pub outcomes: OutcomeCounts,
    /// Its events by the `group_by` asked for.
    pub groups: BTreeMap<String, i64>,
}

/// Counts per hour or day: every bucket, empty ones too, oldest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatsSeries {
    /// `hour` or `day`.
    pub interval: String,
    /// What `value` is.
    pub metric: String,
    /// What `groups` count by.
    pub group_by: String,
    /// The buckets.
    pub buckets: Vec<SeriesBucket>,
}

/// An input that gave no event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SourceFailure {
    /// When it was received.
    pub received_at: String,
    /// Which input.
    pub origin: String,
    /// Why it gave no event.
    pub error: String,
}

/// The ingestion health of one source.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SourceStatus {
    /// The source.
    pub source: String,
    /// When its latest event was received.
    pub last_received_at: Option<String>,
    /// That event's own time.
    pub last_event_at: Option<String>,
    /// Events received in the last 24 hours.
    pub events_24h: i64,
    /// Inputs that gave no event in the last 24 hours.
    pub failures_24h: i64,
    /// Inputs that gave no event, while kept (as long as raw inputs).
    pub failures: i64,
    /// The latest of them.
    pub last_failure: Option<SourceFailure>,
}

impl From<SourceHealth> for SourceStatus {
    fn from(s: SourceHealth) -> SourceStatus {
        SourceStatus {
            source: s.source,
            last_received_at: s.last_received_at.map(rfc3339),
            last_event_at: s.last_event_at.map(rfc3339),
            events_24h: s.events_24h,
            failures_24h: s.failures_24h,
            failures: s.failures,
            last_failure: s.last_failure.map(|f| SourceFailure {
                received_at: rfc3339(f.received_at),
                origin: f.origin,
                error: f.error,
            }),
        }
    }
}

/// Every source's ingestion health.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SourceList {
    /// By source name.
    pub data: Vec<SourceStatus>,
}

/// The range of a query: `until` default now, `since` default 7 days before it.
fn range_of(
    since: Option<&str>,
    until: Option<&str>,
    source: Option<&String>,
    now: i64,
) -> Result<StatsRange, ApiError> {
    let until = super::time_param(until, "until")?.unwrap_or(now);
    let since = super::time_param(since, "since")?.unwrap_or(until - DEFAULT_DAYS * 86_400);
    if since < 0 {
        return Err(ApiError::invalid("since", "since must not be before 1970"));
    }
    if until <= since {
        return Err(ApiError::invalid("until", "until must be after since"));
    }
    if let Some(source) = source
        && (source.is_empty() || source.len() > 64)
    {
        return Err(ApiError::invalid("source", "source must be 1 to 64 bytes"));
    }
    Ok(StatsRange { since, until, source: source.cloned() })
}

/// Reads and checks a summary query (for the API and the overview page).
pub fn summary_query(params: &SummaryParams, now: i64) -> Result<SummaryQuery, ApiError> {
    let range =
        range_of(params.since.as_deref(), params.until.as_deref(), params.source.as_ref(), now)?;
    if let Some(scope) = &params.scope
        && !tuixin_store::valid_scope(scope)
    {
        return Err(ApiError::invalid("scope", format!("invalid scope {scope:?}")));
    }
    let top = match params.top {
        None => DEFAULT_TOP,
        Some(n) if (0..=tuixin_store::MAX_TOP as i64).contains(&n) => n as usize,
        Some(n) => {
            return Err(ApiError::invalid(
                "top",
                format!("top must be 0 to {}, not {n}", tuixin_store::MAX_TOP),
            ));
        }
    };
    Ok(SummaryQuery { range, scope: params.scope.clone(), top })
}

/// What a series' `value` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Every event.
    Events,
    /// Bounces.
    Bounces,
    /// Hard bounces.
    HardBounces,
    /// Delays.
    Delays,
    /// Deliveries.
    Deliveries,
    /// Complaints.
    Complaints,
    /// Hard bounces per message sent.
    BounceRate,
    /// Complaints per delivery.
    ComplaintRate,
}

impl Metric {
    const NAMES: &[(&str, Metric)] = &[
        ("events", Metric::Events),
        ("bounces", Metric::Bounces),
        ("hard_bounces", Metric::HardBounces),
        ("delays", Metric::Delays),
        ("deliveries", Metric::Deliveries),
        ("complaints", Metric::Complaints),
        ("bounce_rate", Metric::BounceRate),
        ("complaint_rate", Metric::ComplaintRate),
    ];

    /// The metric of this bucket's outcomes.
    pub fn of(self, o: &Outcomes) -> Option<f64> {
        let count = |n: i64| Some(n as f64);
        match self {
            Metric::Events => count(o.events),
            Metric::Bounces => count(o.bounces),
            Metric::HardBounces => count(o.hard_bounces),
            Metric::Delays => count(o.delays),
            Metric::Deliveries => count(o.deliveries),
            Metric::Complaints => count(o.complaints),
            Metric::BounceRate => o.bounce_rate(),
            Metric::ComplaintRate => o.complaint_rate(),
        }
    }
}

/// A checked series query.
#[derive(Debug, Clone)]
pub struct SeriesQuery {
    /// The events counted.
    pub range: StatsRange,
    /// The bucket width.
    pub interval: Interval,
    /// What `value` is, with its name.
    pub metric: (&'static str, Metric),
    /// `category` or `reason`.
    pub group_by: &'static str,
}

/// Reads and checks a series query (for the API and the overview page).
pub fn series_query(params: &SeriesParams, now: i64) -> Result<SeriesQuery, ApiError> {
    let range =
        range_of(params.since.as_deref(), params.until.as_deref(), params.source.as_ref(), now)?;
    let interval = match params.interval.as_deref() {
        None | Some("day") => Interval::Day,
        Some("hour") => Interval::Hour,
        Some(other) => {
            return Err(ApiError::invalid(
                "interval",
                format!("interval must be hour or day, not {other:?}"),
            ));
        }
    };
    let metric = match params.metric.as_deref() {
        None => Metric::NAMES[0],
        Some(name) => *Metric::NAMES.iter().find(|(n, _)| *n == name).ok_or_else(|| {
            let names: Vec<&str> = Metric::NAMES.iter().map(|(n, _)| *n).collect();
            ApiError::invalid("metric", format!("metric must be one of {}", names.join(", ")))
        })?,
    };
    let group_by = match params.group_by.as_deref() {
        None | Some("category") => "category",
        Some("reason") => "reason",
        Some(other) => {
            return Err(ApiError::invalid(
                "group_by",
                format!("group_by must be category or reason, not {other:?}"),
            ));
        }
    };
    let buckets = (range.until - 1 - (range.since - range.since.rem_euclid(interval.seconds())))
        / interval.seconds()
        + 1;
    if buckets > tuixin_store::MAX_BUCKETS {
        return Err(ApiError::invalid(
            "interval",
            format!(
                "the range holds {buckets} {}s, more than {}: ask a shorter range or interval=day",
                interval.as_str(),
                tuixin_store::MAX_BUCKETS
            ),
        ));
    }
    Ok(SeriesQuery { range, interval, metric, group_by })
}

/// The answer to a series query.
pub fn series_view(query: &SeriesQuery, series: TimeSeries) -> StatsSeries {
    StatsSeries {
        interval: series.interval.as_str().to_owned(),
        metric: query.metric.0.to_owned(),
        group_by: query.group_by.to_owned(),
        buckets: series
            .buckets
            .into_iter()
            .map(|b| SeriesBucket {
                start: rfc3339(b.start),
                value: query.metric.1.of(&b.outcomes),
                outcomes: b.outcomes.into(),
                groups: if query.group_by == "reason" { b.by_reason } else { b.by_category },
            })
            .collect(),
    }
}

fn query_error(e: axum::extract::rejection::QueryRejection) -> ApiError {
    ApiError::invalid("query", e.body_text())
}

/// What happened in a time range: events by outcome, action, category, reason and receiving
/// domain; bounce and complaint rates against Gmail's, Yahoo's and Amazon SES's thresholds;
/// suppression entries in force and alerts open now.
#[utoipa::path(get, path = "/v1/stats/summary", params(SummaryParams), tag = "stats",
    responses(
        (status = 200, description = "The figures", body = StatsSummary),
        (status = 401, description = "No or bad token", body = ErrorBody),
        (status = 403, description = "The token lacks the read scope", body = ErrorBody),
        (status = 422, description = "An invalid time, range, scope, source or top", body = ErrorBody),
        (status = 503, description = "Store unavailable; retry after Retry-After", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn summary(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    query: Result<Query<SummaryParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<StatsSummary>, ApiError> {
    app.authorize(&headers, TokenScope::Read).await?;
    let Query(params) = query.map_err(query_error)?;
    let now = crate::time::now();
    let query = summary_query(&params, now)?;
    let policy = app.policy();
    let summary = app
        .blocking(move |store| {
            store.stats_summary(&query, &policy.alerts, now).map_err(ApiError::from)
        })
        .await?;
    Ok(Json(summary.into()))
}

/// Counts per UTC hour or day over a range (every bucket, empty ones too), with a chosen
/// metric per bucket and the events by category or reason.
#[utoipa::path(get, path = "/v1/stats/timeseries", params(SeriesParams), tag = "stats",
    responses(
        (status = 200, description = "The series", body = StatsSeries),
        (status = 401, description = "No or bad token", body = ErrorBody),
        (status = 403, description = "The token lacks the read scope", body = ErrorBody),
        (status = 422, description = "An invalid time, range, interval, metric or group_by, or too many buckets", body = ErrorBody),
        (status = 503, description = "Store unavailable; retry after Retry-After", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn timeseries(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    query: Result<Query<SeriesParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<StatsSeries>, ApiError> {
    app.authorize(&headers, TokenScope::Read).await?;
    let Query(params) = query.map_err(query_error)?;
    let query = series_query(&params, crate::time::now())?;
    let asked = query.clone();
    let series = app
        .blocking(move |store| {
            store.stats_timeseries(&asked.range, asked.interval).map_err(ApiError::from)
        })
        .await?;
    Ok(Json(series_view(&query, series)))
}

/// The ingestion health of every source: its latest event, its events in the last 24 hours,
/// and its inputs that gave no event.
#[utoipa::path(get, path = "/v1/stats/sources", tag = "stats",
    responses(
        (status = 200, description = "Every source", body = SourceList),
        (status = 401, description = "No or bad token", body = ErrorBody),
        (status = 403, description = "The token lacks the read scope", body = ErrorBody),
        (status = 503, description = "Store unavailable; retry after Retry-After", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn sources(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Json<SourceList>, ApiError> {
    app.authorize(&headers, TokenScope::Read).await?;
    let rows = app
        .blocking(move |store| store.stats_sources(crate::time::now()).map_err(ApiError::from))
        .await?;
    Ok(Json(SourceList { data: rows.into_iter().map(SourceStatus::from).collect() }))
}

//! `/`: the health overview. The figures of `GET /v1/stats/summary` for a range (the last 7
//! days unless asked), the providers' thresholds with the crossed ones marked, bounce and
//! complaint rates over time as server-drawn SVG, events by category, reason and receiving
//! domain, the suppression list by reason, and the alerts open now.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tuixin_store::{Interval, MAX_BUCKETS, RateMetric, THRESHOLDS, ThresholdLevel};

use super::auth::viewer;
use super::{Page, error_page, render, visible};
use crate::api::stats::{StatsSummary, SummaryParams, ThresholdStatus, summary_query};
use crate::api::views::Alert;
use crate::app::App;
use crate::error::ApiError;
use crate::svg::{Line, LineChart, Rule, bars, percent};
use crate::time::rfc3339;
use crate::token::TokenScope;

/// The ranges offered as links, in days.
const RANGES: &[i64] = &[1, 7, 30, 90];

/// Open alerts shown at most (the alerts page has them all).
const ALERTS_SHOWN: usize = 10;

/// Reasons shown as bars at most.
const REASONS_SHOWN: usize = 15;

/// `GET /` query: an explicit range (as the API's), or the last `days` days.
#[derive(Debug, Default, Deserialize)]
pub struct OverviewQuery {
    /// The last this many days (default 7), when no `since` is given.
    pub days: Option<i64>,
    /// From this time (RFC 3339 or Unix seconds).
    pub since: Option<String>,
    /// Until this time (default now).
    pub until: Option<String>,
    /// Only events from this source.
    pub source: Option<String>,
}

/// One figure: its id, its label key, its value as text and as a machine-readable value.
pub struct Figure {
    /// The element id (`fig-events`, ...).
    pub id: &'static str,
    /// The UI string key of its label.
    pub label: &'static str,
    /// As shown.
    pub shown: String,
    /// The `value` attribute: the number as the API gives it, empty when unknown.
    pub value: String,
    /// Marked as past a threshold.
    pub crossed: bool,
}

/// One row of the thresholds table.
pub struct ThresholdRow {
    /// The threshold as the API gives it.
    pub status: ThresholdStatus,
    /// The threshold as a percentage.
    pub threshold_shown: String,
    /// The rate measured as a percentage, empty when unknown.
    pub value_shown: String,
    /// `crossed`, `below` or `unknown`.
    pub state: &'static str,
}

/// A receiving domain's row.
pub struct DomainRow {
    /// The domain, made visible.
    pub domain: String,
    /// Events, bounces, hard bounces, delays, complaints, deliveries.
    pub counts: [i64; 6],
}

/// The overview page.
#[derive(Template)]
#[template(path = "overview.html")]
pub struct OverviewPage {
    /// The layout.
    pub page: Page,
    /// The range as shown.
    pub since: String,
    /// Its end as shown.
    pub until: String,
    /// The one source counted, if any (made visible).
    pub source: Option<String>,
    /// The range links: days and whether current.
    pub ranges: Vec<(i64, bool)>,
    /// The headline figures.
    pub figures: Vec<Figure>,
    /// The thresholds.
    pub thresholds: Vec<ThresholdRow>,
    /// The bounce-rate chart (SVG), if the range fits a series.
    pub bounce_chart: Option<String>,
    /// The complaint-rate chart (SVG).
    pub complaint_chart: Option<String>,
    /// Whether any rate is known (else the charts say why they are empty).
    pub rates_known: bool,
    /// Events by category (SVG bars), none when empty.
    pub category_bars: Option<String>,
    /// Events by reason (SVG bars).
    pub reason_bars: Option<String>,
    /// The receiving domains.
    pub domains: Vec<DomainRow>,
    /// Suppression entries in force by reason: reason, count, the list filtered by it.
    pub suppressions: Vec<(String, i64, String)>,
    /// Alerts open now (the first few).
    pub alerts: Vec<Alert>,
    /// Alerts open now.
    pub open_alerts: i64,
}

fn count(id: &'static str, label: &'static str, n: i64) -> Figure {
    Figure { id, label, shown: n.to_string(), value: n.to_string(), crossed: false }
}

fn rate(
    id: &'static str,
    label: &'static str,
    rate: Option<f64>,
    crossed: bool,
    unknown: &str,
) -> Figure {
    Figure {
        id,
        label,
        shown: rate.map_or_else(|| unknown.to_owned(), percent),
        value: rate.map(|r| r.to_string()).unwrap_or_default(),
        crossed,
    }
}

/// Rules for a chart of `metric`: each threshold on it once (the same value from two
/// providers is drawn once, named after both).
fn rules(metric: RateMetric) -> Vec<Rule> {
    let mut out: Vec<Rule> = Vec::new();
    for t in THRESHOLDS.iter().filter(|t| t.metric == metric) {
        let class = match t.level {
            ThresholdLevel::Warning => "rule-warning",
            ThresholdLevel::Limit => "rule-limit",
        };
        match out.iter_mut().find(|r| r.value == t.rate) {
            Some(rule) => rule.label = format!("{}, {}", rule.label, t.provider),
            None => out.push(Rule { label: t.provider.to_owned(), class, value: t.rate }),
        }
    }
    out
}

/// `GET /`.
pub async fn overview(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<OverviewQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let v = match viewer(&app, &headers, &uri, TokenScope::Read).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let page = v.page("overview");
    let q = match query {
        Ok(Query(q)) => q,
        Err(e) => return error_page(page, StatusCode::UNPROCESSABLE_ENTITY, e.body_text()),
    };
    let now = crate::time::now();
    let days = q.days.unwrap_or(crate::api::stats::DEFAULT_DAYS);
    if !(1..=3660).contains(&days) {
        return error_page(page, StatusCode::UNPROCESSABLE_ENTITY, "days: 1 to 3660");
    }
    let until = q.until.clone();
    let since = match (&q.since, &until) {
        (Some(s), _) => Some(s.clone()),
        (None, Some(u)) => crate::time::parse(u).map(|u| (u - days * 86_400).to_string()),
        (None, None) => Some((now - days * 86_400).to_string()),
    };
    let params =
        SummaryParams { since, until, source: q.source.clone(), scope: None, top: Some(10) };
    let query = match summary_query(&params, now) {
        Ok(query) => query,
        Err(e) => return error_page(page, e.status, e.message),
    };
    let range = query.range.clone();
    let policy = app.policy();
    let result = app
        .blocking(move |store| {
            let summary = store.stats_summary(&query, &policy.alerts, now)?;
            let interval = if range.until - range.since <= 2 * 86_400 {
                Interval::Hour
            } else {
                Interval::Day
            };
            let buckets = (range.until - range.since) / interval.seconds() + 2;
            let series = if buckets <= MAX_BUCKETS {
                Some(store.stats_timeseries(&range, interval)?)
            } else {
                None
            };
            let alerts = store.alerts(true, now, &policy.alerts, ALERTS_SHOWN)?;
            Ok::<_, ApiError>((summary, series, alerts))
        })
        .await;
    let (summary, series, alerts) = match result {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    let explicit_range = q.since.is_some() || q.until.is_some();
    render(&page_of(page, summary.into(), series, alerts, days, explicit_range))
}

fn page_of(
    page: Page,
    s: StatsSummary,
    series: Option<tuixin_store::TimeSeries>,
    alerts: Vec<tuixin_store::AlertRow>,
    days: i64,
    explicit_range: bool,
) -> OverviewPage {
    let o = &s.outcomes;
    let unknown = page.t("overview.unknown");
    let crossed =
        |metric: &str| s.thresholds.iter().any(|t| t.metric == metric && t.crossed == Some(true));
    let figures = vec![
        count("fig-events", "overview.events", o.events),
        count("fig-deliveries", "overview.deliveries", o.deliveries),
        count("fig-bounces", "overview.bounces", o.bounces),
        count("fig-hard-bounces", "overview.hard_bounces", o.hard_bounces),
        count("fig-delays", "overview.delays", o.delays),
        count("fig-complaints", "overview.complaints", o.complaints),
        rate(
            "fig-bounce-rate",
            "overview.bounce_rate",
            o.bounce_rate,
            crossed("bounce_rate"),
            unknown,
        ),
        rate(
            "fig-complaint-rate",
            "overview.complaint_rate",
            o.complaint_rate,
            crossed("complaint_rate"),
            unknown,
        ),
        count("fig-suppressions", "overview.suppressions", s.suppressions_total),
        count("fig-open-alerts", "overview.open_alerts", s.open_alerts),
    ];
    let thresholds = s
        .thresholds
        .iter()
        .map(|t| ThresholdRow {
            threshold_shown: percent(t.threshold),
            value_shown: t.value.map(percent).unwrap_or_default(),
            state: match t.crossed {
                Some(true) => "crossed",
                Some(false) => "below",
                None => "unknown",
            },
            status: t.clone(),
        })
        .collect();
    let (mut bounce_chart, mut complaint_chart, mut rates_known) = (None, None, false);
    if let Some(series) = series {
        let hourly = series.interval == Interval::Hour;
        let labels: Vec<String> = series
            .buckets
            .iter()
            .map(|b| {
                let t = rfc3339(b.start);
                if hourly { format!("{} {}", &t[5..10], &t[11..16]) } else { t[5..10].to_owned() }
            })
            .collect();
        let bounce: Vec<Option<f64>> =
            series.buckets.iter().map(|b| b.outcomes.bounce_rate()).collect();
        let complaint: Vec<Option<f64>> =
            series.buckets.iter().map(|b| b.outcomes.complaint_rate()).collect();
        rates_known = bounce.iter().chain(&complaint).any(Option::is_some);
        bounce_chart = Some(
            LineChart {
                title: page.t("overview.bounce_rate").to_owned(),
                x_labels: labels.clone(),
                lines: vec![Line {
                    label: page.t("overview.bounce_rate").to_owned(),
                    class: "line-bounce",
                    values: bounce,
                }],
                rules: rules(RateMetric::BounceRate),
                format: percent,
            }
            .render(),
        );
        complaint_chart = Some(
            LineChart {
                title: page.t("overview.complaint_rate").to_owned(),
                x_labels: labels,
                lines: vec![Line {
                    label: page.t("overview.complaint_rate").to_owned(),
                    class: "line-complaint",
                    values: complaint,
                }],
                rules: rules(RateMetric::ComplaintRate),
                format: percent,
            }
            .render(),
        );
    }
    let sorted = |map: &std::collections::BTreeMap<String, i64>, max: usize| {
        let mut rows: Vec<(String, i64)> = map.iter().map(|(k, v)| (k.clone(), *v)).collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        rows.truncate(max);
        rows
    };
    let categories = sorted(&s.by_category, usize::MAX);
    let reasons = sorted(&s.by_reason, REASONS_SHOWN);
    let category_bars = (!categories.is_empty())
        .then(|| bars(page.t("overview.by_category"), &categories, "bar-category"));
    let reason_bars =
        (!reasons.is_empty()).then(|| bars(page.t("overview.by_reason"), &reasons, "bar-reason"));
    let domains = s
        .top_domains
        .iter()
        .map(|d| DomainRow {
            domain: visible(&d.domain),
            counts: [
                d.outcomes.events, d.outcomes.bounces, d.outcomes.hard_bounces, d.outcomes.delays,
                d.outcomes.complaints, d.outcomes.deliveries,
            ],
        })
        .collect();
    OverviewPage {
        since: s.since.clone(),
        until: s.until.clone(),
        source: s.source.as_deref().map(visible),
        ranges: RANGES.iter().map(|d| (*d, !explicit_range && *d == days)).collect(),
        figures,
        thresholds,
        bounce_chart,
        complaint_chart,
        rates_known,
        category_bars,
        reason_bars,
        domains,
        suppressions: sorted(&s.suppressions, usize::MAX)
            .into_iter()
            .map(|(reason, n)| {
                let href = format!("/suppressions?reason={}", super::url_encode(&reason));
                (visible(&reason), n, href)
            })
            .collect(),
        alerts: alerts
            .into_iter()
            .map(|a| {
                let mut a = Alert::from(a);
                a.key = visible(&a.key);
                a
            })
            .collect(),
        open_alerts: s.open_alerts,
        page,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::Lang;

    #[test]
    fn every_figure_label_and_threshold_rule_has_both_languages() {
        // The labels are keys held in data, which the templates' key scan does not see.
        let page =
            |lang| Page { lang, nav: "overview", path: "/".into(), csrf: String::new(), who: None };
        let summary = tuixin_store::Summary {
            since: 0,
            until: 86_400,
            source: None,
            scope: None,
            outcomes: Default::default(),
            by_action: Default::default(),
            by_category: Default::default(),
            by_reason: Default::default(),
            top_domains: Vec::new(),
            suppressions: Default::default(),
            suppressions_total: 0,
            open_alerts: 0,
            thresholds: tuixin_store::check_thresholds(&Default::default()),
        };
        for lang in [Lang::En, Lang::Zh] {
            let shown = page_of(page(lang), summary.clone().into(), None, Vec::new(), 7, false);
            assert_eq!(shown.figures.len(), 10);
            for f in &shown.figures {
                let text = shown.page.t(f.label);
                assert!(!text.is_empty() && text != "?", "{lang:?} {}", f.label);
            }
            // No delivery: the rates say unknown, and nothing is marked crossed.
            let rate = shown.figures.iter().find(|f| f.id == "fig-bounce-rate").unwrap();
            assert_eq!((rate.value.as_str(), rate.crossed), ("", false));
            assert_eq!(rate.shown, shown.page.t("overview.unknown"));
            assert!(shown.thresholds.iter().all(|t| t.state == "unknown"));
        }
        // SES's and Gmail's 0.1 % complaint thresholds are one rule, named after both.
        let complaint = rules(RateMetric::ComplaintRate);
        assert_eq!(complaint.len(), 3, "0.1 %, 0.3 %, 0.5 %");
        assert!(
            complaint.iter().any(|r| r.label.contains("Gmail") && r.label.contains("Amazon SES"))
        );
    }
}

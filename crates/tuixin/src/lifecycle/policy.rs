//! The lifecycle policy: every knob of SERVICE.md §3 as data, read from TOML and checked.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{Scope, ScopeError};
use crate::{Category, Reason};

/// The default policy, compiled in.
pub const DEFAULT_POLICY_TOML: &str = include_str!("../../data/policy/default.toml");

/// The policy format this build reads.
pub const POLICY_VERSION: u32 = 1;

/// The reasons SERVICE.md §3 says must never suppress an address: the sender's, the message's
/// and the network's faults. A policy may send them only to alerts, the store or review.
pub const NEVER_SUPPRESS: &[Reason] = &[
    Reason::Blocked,
    Reason::BadReputation,
    Reason::AuthFailure,
    Reason::RequirePtr,
    Reason::Speeding,
    Reason::TooManyConn,
    Reason::Rejected,
    Reason::NoRelaying,
    Reason::SecurityError,
    Reason::PolicyViolation,
    Reason::SpamDetected,
    Reason::VirusDetected,
    Reason::MesgTooBig,
    Reason::ExceedLimit,
    Reason::ContentError,
    Reason::NotCompliantRfc,
    Reason::NetworkError,
    Reason::FailedStartTls,
    Reason::SystemError,
    Reason::SystemFull,
    Reason::MailerError,
    Reason::SyntaxError,
];

/// What the policy does with a bounce of a given reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Treatment {
    /// Suppress at once when permanent (5xx) and decided by a strong rule; else count as soft.
    Hard,
    /// Count towards the soft-bounce threshold.
    Soft,
    /// Count towards the suspension threshold.
    Suspend,
    /// Suppress as a complaint.
    Complaint,
    /// Treat as a delivery: reset counters, lift threshold suppressions.
    Delivery,
    /// Mirror the sending provider's suppression.
    Upstream,
    /// Never suppress; feed a sender alert keyed by (sending domain or IP, receiving provider).
    AlertSender,
    /// Never suppress; feed a message alert keyed by campaign.
    AlertMessage,
    /// Never suppress; feed an infrastructure alert keyed by receiving provider.
    AlertInfrastructure,
    /// Store the event, change nothing.
    Store,
    /// Store the event and put it in the review queue.
    Review,
}

impl Treatment {
    /// True for treatments that may end in a suppression.
    pub fn may_suppress(self) -> bool {
        matches!(
            self,
            Treatment::Hard
                | Treatment::Soft
                | Treatment::Suspend
                | Treatment::Complaint
                | Treatment::Upstream
        )
    }
}

/// Where a suppression goes: a fixed scope, or `event` = the scope the event's mail was sent in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ScopeSetting {
    /// The event's own scope (`all` when the event does not know it).
    Event,
    /// Always this scope.
    Fixed(Scope),
}

impl ScopeSetting {
    /// The scope for an event of scope `event`.
    pub fn resolve(&self, event: &Scope) -> Scope {
        match self {
            ScopeSetting::Event => event.clone(),
            ScopeSetting::Fixed(scope) => scope.clone(),
        }
    }
}

impl FromStr for ScopeSetting {
    type Err = ScopeError;

    fn from_str(s: &str) -> Result<ScopeSetting, ScopeError> {
        if s == "event" { Ok(ScopeSetting::Event) } else { s.parse().map(ScopeSetting::Fixed) }
    }
}

impl TryFrom<String> for ScopeSetting {
    type Error = ScopeError;

    fn try_from(s: String) -> Result<ScopeSetting, ScopeError> {
        s.parse()
    }
}

impl From<ScopeSetting> for String {
    fn from(setting: ScopeSetting) -> String {
        match setting {
            ScopeSetting::Event => "event".into(),
            ScopeSetting::Fixed(scope) => scope.into(),
        }
    }
}

/// Hard bounces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HardPolicy {
    /// Where a hard bounce suppresses.
    pub scope: ScopeSetting,
    /// Days until the suppression expires; 0 = never (until removed).
    pub expires_days: u32,
    /// A permanent hard reason decided by the status code alone (no wording recognised)
    /// suppresses at once too, as SES and Postmark do on any permanent bounce; by default it
    /// only counts as soft.
    #[serde(default)]
    pub trust_code_alone: bool,
}

/// A day-capped bounce counter and the suppression it leads to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CounterPolicy {
    /// Counted days within the window that suppress.
    pub threshold: u32,
    /// The window, in days, the counted days must fall in.
    pub window_days: u32,
    /// Days the suppression lasts after the latest counted bounce; 0 = never expires.
    pub expires_days: u32,
    /// Where the suppression goes.
    pub scope: ScopeSetting,
    /// A delivery clears the days counted before it.
    pub reset_on_delivery: bool,
    /// At most one count per address per UTC day.
    pub day_cap: bool,
}

impl CounterPolicy {
    /// Days of counted bounces kept behind the newest event: every window whose suppression
    /// could still be in force (window + expiry + a day for rounding); the window alone when
    /// the suppression never expires.
    pub fn horizon_days(&self) -> i64 {
        let expires = if self.expires_days == 0 { 0 } else { i64::from(self.expires_days) + 1 };
        i64::from(self.window_days) + expires
    }
}

/// A scope's own threshold for one counter; fields left out are the counter's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeThreshold {
    /// Counted days within the window that suppress in this scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<u32>,
    /// The window, in days.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window_days: Option<u32>,
    /// Days the suppression lasts after the latest counted bounce; 0 = never expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_days: Option<u32>,
}

/// The knobs one scope sets for itself: counters may suppress it earlier (or later) than
/// their own scope, e.g. marketing after 3 soft days while everything else waits for 5.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeKnobs {
    /// The soft counter's threshold for this scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub soft: Option<ScopeThreshold>,
    /// The suspension counter's threshold for this scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspend: Option<ScopeThreshold>,
}

/// Deliveries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryPolicy {
    /// A delivery lifts `soft_bounce_threshold` suppressions made from bounces before it.
    pub lift_threshold: bool,
}

/// Complaints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintPolicy {
    /// Where a complaint suppresses.
    pub scope: ScopeSetting,
    /// Complaint suppressions are removable by an admin only, with a note.
    pub locked: bool,
    /// Days until the suppression expires; 0 = never.
    pub expires_days: u32,
}

/// Unsubscribes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnsubscribePolicy {
    /// Where an unsubscribe suppresses.
    pub scope: ScopeSetting,
    /// Days until the suppression expires; 0 = never.
    pub expires_days: u32,
}

/// Suppressions reported by the sending provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamPolicy {
    /// Mirror them into our list (with source `provider:<name>`).
    pub mirror: bool,
    /// Where the mirror goes.
    pub scope: ScopeSetting,
}

/// Sender, message and infrastructure alerts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertPolicy {
    /// Alert events within the window that open an alert.
    pub events: u32,
    /// Or this percentage of the key's traffic within the window.
    pub percent: f64,
    /// The percentage rule applies once the window saw at least this many events of the key.
    pub min_traffic: u32,
    /// The window, in minutes.
    pub window_minutes: u32,
    /// An open alert closes after this many hours without an alert event.
    pub quiet_hours: u32,
}

/// Addresses and domains never suppressed automatically (manual entries still work).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowlist {
    /// Whole addresses, compared case-insensitively.
    pub addresses: Vec<String>,
    /// Domains; each covers its subdomains too.
    pub domains: Vec<String>,
}

impl Allowlist {
    /// True when `address` is on the list, by itself or by its domain. Compared without case
    /// (Unicode), angle brackets or a final dot; a domain written in Unicode does not match
    /// its `xn--` form, so the store should pass its normalised address key.
    pub fn contains(&self, address: &str) -> bool {
        let clean = |s: &str| {
            s.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .trim_end_matches('.')
                .to_lowercase()
        };
        let address = clean(address);
        if self.addresses.iter().any(|a| clean(a) == address) {
            return true;
        }
        let Some((_, domain)) = address.rsplit_once('@') else { return false };
        self.domains.iter().any(|listed| {
            let listed = clean(listed);
            !listed.is_empty()
                && (domain == listed
                    || domain.strip_suffix(listed.as_str()).is_some_and(|head| head.ends_with('.')))
        })
    }
}

/// The whole lifecycle policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The format version (1).
    pub version: u32,
    /// Hard bounces.
    pub hard: HardPolicy,
    /// Soft bounces: mailbox full, filtered, expired, temporary or weakly decided hard reasons.
    pub soft: CounterPolicy,
    /// Suspended or disabled mailboxes.
    pub suspend: CounterPolicy,
    /// Deliveries.
    pub delivery: DeliveryPolicy,
    /// Complaints.
    pub complaint: ComplaintPolicy,
    /// Unsubscribes.
    pub unsubscribe: UnsubscribePolicy,
    /// The sending provider's own suppressions.
    pub upstream: UpstreamPolicy,
    /// Alert thresholds.
    pub alerts: AlertPolicy,
    /// Never auto-suppressed.
    pub allowlist: Allowlist,
    /// What each bounce reason does.
    pub reasons: BTreeMap<Reason, Treatment>,
    /// Per-scope thresholds, by scope.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub scopes: BTreeMap<Scope, ScopeKnobs>,
}

/// Which bounce counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CounterKind {
    Soft,
    Suspend,
}

impl CounterKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            CounterKind::Soft => "soft",
            CounterKind::Suspend => "suspend",
        }
    }
}

/// A policy file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Not TOML, an unknown field, or a value of the wrong type.
    #[error("line {line}, column {column}{}: {message}", field_suffix(.field))]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The dotted field path, where known.
        field: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// A value that parses but cannot work.
    #[error("{}{field}: {message}", line_prefix(*.line))]
    Invalid {
        /// The dotted field path, e.g. `soft.threshold`.
        field: String,
        /// 1-based line in the file, when the file sets that field.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
}

fn field_suffix(field: &Option<String>) -> String {
    field.as_ref().map(|f| format!(" ({f})")).unwrap_or_default()
}

fn line_prefix(line: Option<usize>) -> String {
    line.map(|l| format!("line {l}: ")).unwrap_or_default()
}

impl Policy {
    /// The built-in policy (SERVICE.md §3).
    pub fn default_policy() -> Policy {
        Policy::from_toml("").expect("the built-in policy is valid (checked by tests)")
    }

    /// The built-in policy, parsed once.
    pub fn builtin() -> &'static Policy {
        static BUILTIN: std::sync::LazyLock<Policy> =
            std::sync::LazyLock::new(Policy::default_policy);
        &BUILTIN
    }

    /// A policy from a TOML file: the fields it sets replace the built-in ones, tables merge
    /// key by key (so a file may hold only what it changes), and the result is checked.
    pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        let mut base = parse_table(DEFAULT_POLICY_TOML, "")?;
        let user = parse_table(text, text)?;
        merge(base.get_mut(), user.get_ref().clone());
        let policy = Policy::deserialize(toml::de::Deserializer::from(base)).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            let (line, column) = position(text, span.start);
            PolicyError::Syntax {
                line,
                column,
                field: path_at(user.get_ref(), &span).map(|p| p.join(".")),
                message: e.message().trim().to_owned(),
            }
        })?;
        policy.validate().map_err(|(path, message)| PolicyError::Invalid {
            line: span_of(user.get_ref(), &path).map(|span| position(text, span.start).0),
            field: path.join("."),
            message,
        })?;
        Ok(policy)
    }

    /// The policy as TOML (every field, no comments).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a policy always serializes")
    }

    /// Every threshold a counter is judged by: its own, then each scope's (with the scope
    /// fixed and the counter's day cap and reset).
    pub(crate) fn thresholds(&self, kind: CounterKind) -> Vec<CounterPolicy> {
        let base = match kind {
            CounterKind::Soft => &self.soft,
            CounterKind::Suspend => &self.suspend,
        };
        let mut all = vec![base.clone()];
        for (scope, knobs) in &self.scopes {
            let own = match kind {
                CounterKind::Soft => &knobs.soft,
                CounterKind::Suspend => &knobs.suspend,
            };
            if let Some(own) = own {
                all.push(CounterPolicy {
                    threshold: own.threshold.unwrap_or(base.threshold),
                    window_days: own.window_days.unwrap_or(base.window_days),
                    expires_days: own.expires_days.unwrap_or(base.expires_days),
                    scope: ScopeSetting::Fixed(scope.clone()),
                    ..base.clone()
                });
            }
        }
        all
    }

    /// What a bounce of `reason` does under this policy.
    pub fn treatment(&self, reason: Reason) -> Treatment {
        self.reasons.get(&reason).copied().unwrap_or(Treatment::Review)
    }

    fn validate(&self) -> Result<(), (Vec<String>, String)> {
        let err = |path: &[&str], message: String| {
            Err((path.iter().map(|s| s.to_string()).collect(), message))
        };
        if self.version != POLICY_VERSION {
            return err(
                &["version"],
                format!(
                    "unsupported version {}: this tuixin reads version {POLICY_VERSION}",
                    self.version
                ),
            );
        }
        const MAX_DAYS: u32 = 36_500;
        let mut counters: Vec<(Vec<String>, CounterPolicy)> = Vec::new();
        for kind in [CounterKind::Soft, CounterKind::Suspend] {
            for (i, cfg) in self.thresholds(kind).into_iter().enumerate() {
                let path = match &cfg.scope {
                    ScopeSetting::Fixed(scope) if i > 0 => {
                        vec!["scopes".to_owned(), scope.to_string(), kind.name().to_owned()]
                    }
                    _ => vec![kind.name().to_owned()],
                };
                counters.push((path, cfg));
            }
        }
        for (path, counter) in &counters {
            let err = |field: &str, message: String| {
                let mut path = path.clone();
                path.push(field.to_owned());
                Err((path, message))
            };
            if counter.threshold == 0 {
                return err("threshold", "must be at least 1".into());
            }
            if !(1..=MAX_DAYS).contains(&counter.window_days) {
                return err("window_days", format!("must be 1 to {MAX_DAYS}"));
            }
            if counter.expires_days > MAX_DAYS {
                return err("expires_days", format!("must be 0 (never) to {MAX_DAYS}"));
            }
            if counter.day_cap && u64::from(counter.threshold) > u64::from(counter.window_days) {
                return err(
                    "threshold",
                    format!(
                        "{} day-capped counts can never fall within {} days",
                        counter.threshold, counter.window_days
                    ),
                );
            }
        }
        for (path, days) in [
            (["hard", "expires_days"], self.hard.expires_days),
            (["complaint", "expires_days"], self.complaint.expires_days),
            (["unsubscribe", "expires_days"], self.unsubscribe.expires_days),
        ] {
            if days > MAX_DAYS {
                return err(&path, format!("must be 0 (never) to {MAX_DAYS}"));
            }
        }
        let a = &self.alerts;
        if a.events == 0 {
            return err(&["alerts", "events"], "must be at least 1".into());
        }
        if !(a.percent > 0.0 && a.percent <= 100.0) {
            return err(&["alerts", "percent"], "must be above 0 and at most 100".into());
        }
        if !(1..=7 * 24 * 60).contains(&a.window_minutes) {
            return err(&["alerts", "window_minutes"], "must be 1 to 10080 (a week)".into());
        }
        if !(1..=24 * 365).contains(&a.quiet_hours) {
            return err(&["alerts", "quiet_hours"], "must be 1 to 8760 (a year)".into());
        }
        for (i, address) in self.allowlist.addresses.iter().enumerate() {
            let ok = address.rsplit_once('@').is_some_and(|(l, d)| !l.is_empty() && !d.is_empty());
            if !ok {
                return err(
                    &["allowlist", "addresses", &i.to_string()],
                    format!("{address:?} is not an address"),
                );
            }
        }
        for (i, domain) in self.allowlist.domains.iter().enumerate() {
            let d = domain.trim();
            if d.is_empty() || d.contains('@') || d.contains(char::is_whitespace) {
                return err(
                    &["allowlist", "domains", &i.to_string()],
                    format!("{domain:?} is not a domain"),
                );
            }
        }
        for reason in Reason::ALL {
            let Some(&treatment) = self.reasons.get(reason) else {
                return err(&["reasons", reason.as_str()], "has no treatment".into());
            };
            if treatment.may_suppress() && NEVER_SUPPRESS.contains(reason) {
                let whose = match reason.category() {
                    Category::Sender => "the sender's",
                    Category::Message => "the message's",
                    _ => "the network's or the receiving system's",
                };
                return err(
                    &["reasons", reason.as_str()],
                    format!(
                        "{reason} is {whose} fault and must never suppress an address: use alert_sender, alert_message, alert_infrastructure, store or review"
                    ),
                );
            }
        }
        Ok(())
    }
}

fn parse_table<'i>(text: &'i str, shown: &str) -> Result<Spanned<DeTable<'i>>, PolicyError> {
    DeTable::parse(text).map_err(|e| {
        let (line, column) = position(shown, e.span().map_or(0, |s| s.start));
        PolicyError::Syntax { line, column, field: None, message: e.message().trim().to_owned() }
    })
}

/// Lays `over` onto `base`: tables merge key by key, anything else replaces.
fn merge<'i>(base: &mut DeTable<'i>, over: DeTable<'i>) {
    for (key, value) in over {
        let name: &str = key.get_ref();
        let both_tables = value.get_ref().is_table()
            && base.get(name).is_some_and(|old| old.get_ref().is_table());
        if both_tables {
            let Some(old) = base.get_mut(name) else { continue };
            if let (DeValue::Table(old), DeValue::Table(new)) = (old.get_mut(), value.into_inner())
            {
                merge(old, new);
            }
        } else {
            // The file's own key, so errors point into the file.
            base.remove(name);
            base.insert(key, value);
        }
    }
}

/// 1-based line and column of a byte offset.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The span of the key at `path` in the file's table.
fn span_of(table: &DeTable<'_>, path: &[String]) -> Option<Range<usize>> {
    let (first, rest) = path.split_first()?;
    let (key, value) = table.get_key_value(first.as_str())?;
    if rest.is_empty() {
        return Some(key.span());
    }
    match value.get_ref() {
        DeValue::Table(inner) => span_of(inner, rest),
        DeValue::Array(items) => {
            let index: usize = rest[0].parse().ok()?;
            let item = items.get(index)?;
            if rest.len() == 1 { Some(item.span()) } else { None }
        }
        _ => Some(key.span()),
    }
}

/// The dotted path of the entry whose key or value holds `span`, in the file's table.
fn path_at(table: &DeTable<'_>, span: &Range<usize>) -> Option<Vec<String>> {
    for (key, value) in table {
        let name = key.get_ref().to_string();
        let inside = |r: Range<usize>| r.start <= span.start && span.end <= r.end.max(r.start + 1);
        if let DeValue::Table(inner) = value.get_ref()
            && let Some(mut rest) = path_at(inner, span)
        {
            rest.insert(0, name);
            return Some(rest);
        }
        if inside(key.span()) || inside(value.span()) {
            return Some(vec![name]);
        }
    }
    None
}

impl fmt::Display for Treatment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = serde_json::to_value(self).ok();
        f.write_str(name.as_ref().and_then(|v| v.as_str()).unwrap_or("?"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_is_valid_and_follows_the_design_table() {
        let p = Policy::default_policy();
        assert_eq!(p.hard.scope, ScopeSetting::Fixed(Scope::All));
        assert_eq!(p.hard.expires_days, 0);
        assert!(!p.hard.trust_code_alone);
        assert_eq!((p.soft.threshold, p.soft.window_days, p.soft.expires_days), (5, 30, 30));
        assert_eq!(
            (p.suspend.threshold, p.suspend.window_days, p.suspend.expires_days),
            (2, 30, 180)
        );
        assert!(p.soft.day_cap && p.suspend.day_cap && p.soft.reset_on_delivery);
        assert_eq!(p.complaint.scope, ScopeSetting::Fixed(Scope::Marketing));
        assert!(p.complaint.locked);
        assert_eq!(p.unsubscribe.scope, ScopeSetting::Fixed(Scope::Marketing));
        assert_eq!(
            (p.alerts.events, p.alerts.percent, p.alerts.window_minutes, p.alerts.quiet_hours),
            (20, 2.0, 60, 24)
        );
        for reason in Reason::ALL {
            assert!(p.reasons.contains_key(reason), "{reason} has no treatment");
        }
        assert_eq!(p.treatment(Reason::UserUnknown), Treatment::Hard);
        assert_eq!(p.treatment(Reason::MailboxFull), Treatment::Soft);
        assert_eq!(p.treatment(Reason::Suspend), Treatment::Suspend);
        assert_eq!(p.treatment(Reason::Blocked), Treatment::AlertSender);
        assert_eq!(p.treatment(Reason::SpamDetected), Treatment::AlertMessage);
        assert_eq!(p.treatment(Reason::NetworkError), Treatment::AlertInfrastructure);
        assert_eq!(p.treatment(Reason::OnHold), Treatment::Review);
        assert_eq!(p.treatment(Reason::Vacation), Treatment::Store);
    }

    #[test]
    fn a_file_changes_only_what_it_sets() {
        let p =
            Policy::from_toml("[soft]\nthreshold = 3\n[reasons]\nfiltered = \"store\"\n").unwrap();
        let d = Policy::default_policy();
        assert_eq!(p.soft.threshold, 3);
        assert_eq!(p.soft.window_days, d.soft.window_days);
        assert_eq!(p.treatment(Reason::Filtered), Treatment::Store);
        assert_eq!(p.treatment(Reason::MailboxFull), Treatment::Soft);
        assert_eq!(p.suspend, d.suspend);
    }

    #[test]
    fn to_toml_reads_back_as_the_same_policy() {
        let d = Policy::default_policy();
        assert_eq!(Policy::from_toml(&d.to_toml()).unwrap(), d);
        let changed = Policy::from_toml("[allowlist]\ndomains = [\"example.org\"]\n").unwrap();
        assert_eq!(Policy::from_toml(&changed.to_toml()).unwrap(), changed);
    }

    #[test]
    fn errors_name_the_line_and_the_field() {
        let e = Policy::from_toml("# mine\n[soft]\nthreshold = 0\n").unwrap_err();
        assert_eq!(e.to_string(), "line 3: soft.threshold: must be at least 1");

        let e = Policy::from_toml("[soft]\nthresold = 4\n").unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("line 2, column 1"), "{text}");
        assert!(text.contains("thresold"), "{text}");

        let e = Policy::from_toml("\n[soft]\nwindow_days = \"thirty\"\n").unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("line 3, column 15 (soft.window_days)"), "{text}");

        let e = Policy::from_toml("[soft\n").unwrap_err();
        assert!(e.to_string().starts_with("line 1"), "{e}");

        let e = Policy::from_toml("[reasons]\nuserunknwn = \"hard\"\n").unwrap_err();
        assert!(e.to_string().starts_with("line 2"), "{e}");

        let e = Policy::from_toml("[complaint]\nscope = \"Marketing\"\n").unwrap_err();
        assert!(e.to_string().contains("invalid scope"), "{e}");

        let e = Policy::from_toml("version = 2\n").unwrap_err();
        assert!(e.to_string().starts_with("line 1: version: unsupported version 2"), "{e}");
    }

    #[test]
    fn sender_message_and_network_reasons_may_never_suppress() {
        for reason in NEVER_SUPPRESS {
            for treatment in ["hard", "soft", "suspend", "complaint", "upstream"] {
                let text = format!("[reasons]\n{reason} = \"{treatment}\"\n");
                let e = Policy::from_toml(&text).unwrap_err();
                assert!(e.to_string().contains("must never suppress"), "{e}");
            }
            let ok = format!("[reasons]\n{reason} = \"review\"\n");
            assert!(Policy::from_toml(&ok).is_ok());
        }
    }

    #[test]
    fn allowlist_matches_addresses_and_domains_with_subdomains() {
        let list = Allowlist {
            addresses: vec!["Boss@Example.COM".into()],
            domains: vec!["example.org".into()],
        };
        assert!(list.contains("boss@example.com"));
        assert!(list.contains("anyone@example.org"));
        assert!(list.contains("anyone@mail.EXAMPLE.org"));
        assert!(!list.contains("anyone@badexample.org"));
        assert!(!list.contains("other@example.com"));
        assert!(!list.contains("no-at-sign"));
        assert!(list.contains("<Boss@example.com>"));
        assert!(list.contains("x@Example.Org."));
        let unicode = Allowlist { addresses: vec![], domains: vec!["Bücher.example".into()] };
        assert!(unicode.contains("a@BÜCHER.example"));
    }
}

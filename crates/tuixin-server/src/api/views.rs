//! The JSON shapes the API answers with (RFC 3339 UTC times, snake_case), from the store's rows.

use serde::Serialize;
use tuixin_store::{AlertRow, AuditRow, CheckOutcome, EventRow, SuppressionRow, TimelineEvent};
use utoipa::ToSchema;

use crate::time::rfc3339;

/// The answer to "may I send to this address?".
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckResult {
    /// The address as asked.
    pub address: String,
    /// True when no entry blocks it in this scope.
    pub allowed: bool,
    /// The scope asked for.
    pub scope: String,
    /// Why it is suppressed: `hard_bounce`, `soft_bounce_threshold`, `complaint`, `unsubscribe`,
    /// `manual`, `provider`.
    pub reason: Option<String>,
    /// The bounce reason behind it (`userunknown`, ...).
    pub bounce_reason: Option<String>,
    /// The scope of the entry that blocks it.
    pub suppressed_scope: Option<String>,
    /// Who suppressed it: `policy`, `provider:<name>`, a token or user name.
    pub source: Option<String>,
    /// A line for people.
    pub description: Option<String>,
    /// Since when.
    pub since: Option<String>,
    /// Until when, if it expires.
    pub expires_at: Option<String>,
    /// The event that caused it.
    pub event_id: Option<String>,
}

impl From<CheckOutcome> for CheckResult {
    fn from(o: CheckOutcome) -> CheckResult {
        let by = o.blocked_by;
        CheckResult {
            address: o.address,
            allowed: o.allowed,
            scope: o.scope,
            reason: by.as_ref().map(|b| b.reason.clone()),
            bounce_reason: by.as_ref().and_then(|b| b.bounce_reason.clone()),
            suppressed_scope: by.as_ref().map(|b| b.scope.clone()),
            source: by.as_ref().map(|b| b.source.clone()),
            description: by.as_ref().map(|b| b.description.clone()),
            since: by.as_ref().map(|b| rfc3339(b.created_at)),
            expires_at: by.as_ref().and_then(|b| b.expires_at.map(rfc3339)),
            event_id: by.and_then(|b| b.event_id),
        }
    }
}

/// The answers to a batch check, in the order asked.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckResults {
    /// One per address.
    pub results: Vec<CheckResult>,
}

/// One suppression entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct Suppression {
    /// The address as first received.
    pub address: String,
    /// `all`, `transactional`, `marketing` or a stream.
    pub scope: String,
    /// Why: `hard_bounce`, `soft_bounce_threshold`, `complaint`, `unsubscribe`, `manual`, `provider`.
    pub reason: String,
    /// The bounce reason behind it.
    pub bounce_reason: Option<String>,
    /// Who made it.
    pub source: String,
    /// A line for people.
    pub description: String,
    /// When it was made.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// When it stops blocking, if ever.
    pub expires_at: Option<String>,
    /// The event that caused it.
    pub event_id: Option<String>,
    /// Only an admin may remove it (complaints).
    pub locked: bool,
    /// Flagged for review (a not-spam report on a complaint).
    pub review: bool,
}

impl From<SuppressionRow> for Suppression {
    fn from(r: SuppressionRow) -> Suppression {
        Suppression {
            address: r.address,
            scope: r.scope,
            reason: r.reason,
            bounce_reason: r.bounce_reason,
            source: r.source,
            description: r.description,
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
            expires_at: r.expires_at.map(rfc3339),
            event_id: r.event_id,
            locked: r.locked,
            review: r.review,
        }
    }
}

/// A page of suppression entries.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuppressionPage {
    /// The entries, oldest first.
    pub data: Vec<Suppression>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A stored event: the record plus where and when it came from.
#[derive(Debug, Serialize, ToSchema)]
pub struct Event {
    /// The event id.
    pub id: String,
    /// Where it came from (`http`, `file`, `smtp`, ...).
    pub source: String,
    /// When it was received.
    pub received_at: String,
    /// The event's own time.
    pub at: String,
    /// The recipient's address key, when it is an address.
    pub address_key: Option<String>,
    /// The raw input's id, while it is kept (`GET /v1/events/{id}/raw`).
    pub raw_id: Option<String>,
    /// The record's fields, as `tuixin parse` prints them.
    #[schema(value_type = Object)]
    pub record: serde_json::Value,
}

impl From<EventRow> for Event {
    fn from(r: EventRow) -> Event {
        Event {
            id: r.id,
            source: r.source,
            received_at: rfc3339(r.received_at),
            at: rfc3339(r.at),
            address_key: r.address_key,
            raw_id: r.raw_id,
            record: r.record,
        }
    }
}

/// A page of events.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    /// The events, oldest received first.
    pub data: Vec<Event>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// One event on an address's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineItem {
    /// The event id.
    pub id: String,
    /// Its time.
    pub at: String,
    /// Its reason.
    pub reason: String,
    /// Its enhanced status code.
    pub deliverystatus: String,
    /// Where it came from.
    pub source: String,
}

impl From<TimelineEvent> for TimelineItem {
    fn from(e: TimelineEvent) -> TimelineItem {
        TimelineItem {
            id: e.id,
            at: rfc3339(e.at),
            reason: e.reason,
            deliverystatus: e.deliverystatus,
            source: e.source,
        }
    }
}

/// One audit row: who changed what, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct Audit {
    /// When.
    pub at: String,
    /// Who: `policy`, a token or user name.
    pub actor: String,
    /// What.
    pub action: String,
    /// The scope it concerned.
    pub scope: Option<String>,
    /// The event behind it.
    pub event_id: Option<String>,
    /// Why.
    pub note: String,
}

impl From<AuditRow> for Audit {
    fn from(a: AuditRow) -> Audit {
        Audit {
            at: rfc3339(a.at),
            actor: a.actor,
            action: a.action,
            scope: a.scope,
            event_id: a.event_id,
            note: a.note,
        }
    }
}

/// Everything known of one address.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddressView {
    /// How the address is compared (domain lowercased and IDNA-encoded, local part folded).
    pub key: String,
    /// The address as first received.
    pub address: String,
    /// True when it has no suppression entry (in any scope).
    pub allowed: bool,
    /// The lifecycle state: counters and suppressions.
    #[schema(value_type = Object)]
    pub state: serde_json::Value,
    /// Its suppression entries.
    pub suppressions: Vec<Suppression>,
    /// Its events, oldest first.
    pub timeline: Vec<TimelineItem>,
    /// Its audit rows, oldest first.
    pub audit: Vec<Audit>,
}

/// A sender, message or infrastructure alert.
#[derive(Debug, Serialize, ToSchema)]
pub struct Alert {
    /// Its id.
    pub id: String,
    /// `sender`, `message` or `infrastructure`.
    pub category: String,
    /// What it is about (sending domain and provider, campaign, ...).
    pub key: String,
    /// When it opened.
    pub opened_at: String,
    /// Its latest event.
    pub last_at: String,
    /// Events while open.
    pub events: i64,
    /// When it closed, if it has.
    pub closed_at: Option<String>,
    /// When someone acknowledged it, if anyone has.
    pub acked_at: Option<String>,
}

impl From<AlertRow> for Alert {
    fn from(a: AlertRow) -> Alert {
        Alert {
            id: a.id,
            category: a.category,
            key: a.key,
            opened_at: rfc3339(a.opened_at),
            last_at: rfc3339(a.last_at),
            events: a.events,
            closed_at: a.closed_at.map(rfc3339),
            acked_at: a.acked_at.map(rfc3339),
        }
    }
}

/// The alerts asked for.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertList {
    /// Newest first.
    pub data: Vec<Alert>,
}

/// What an upload of bounce mail did.
#[derive(Debug, Serialize, ToSchema)]
pub struct IngestResult {
    /// Messages received.
    pub messages: usize,
    /// Records (failed recipients) found in them.
    pub records: usize,
    /// Events stored for the first time.
    pub new_events: usize,
    /// Records already stored (the same bounce again).
    pub duplicates: usize,
    /// Records whose recipient is no valid address (stored, no lifecycle).
    pub invalid_addresses: usize,
    /// Suppression entries added.
    pub suppressions_added: usize,
    /// Suppression entries lifted.
    pub suppressions_lifted: usize,
    /// Alerts opened.
    pub alerts_opened: usize,
    /// Messages that could not be decoded (they are not stored).
    pub failures: Vec<IngestFailure>,
}

/// A message of an upload that was not stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct IngestFailure {
    /// Its place in the upload, from 1.
    pub message: usize,
    /// Why.
    pub error: String,
}

/// The outcome of one operation of a batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchOutcome {
    /// `upsert` or `delete`.
    pub op: String,
    /// The address.
    pub address: String,
    /// The HTTP status this operation alone would have had.
    pub status: u16,
    /// The entry as stored (upsert) or as removed (delete).
    pub entry: Option<Suppression>,
    /// Why it failed.
    pub error: Option<crate::error::ErrorDetail>,
}

/// The outcomes of a batch, upserts first, in the order given.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResult {
    /// One per operation.
    pub results: Vec<BatchOutcome>,
}

/// The service is up.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
}

//! Events: a record plus its provenance, and the id that makes ingest idempotent.

use serde::Serialize;
use sha2::{Digest, Sha256};
use tuixin::Record;

/// Seconds since the Unix epoch, UTC.
pub type Timestamp = i64;

/// One input to ingest: the bytes as received, the records decoded from them, and where and
/// when they came from.
#[derive(Debug, Clone)]
pub struct Input {
    /// The raw input (a whole message, a log line, a webhook body).
    pub raw: Vec<u8>,
    /// The records decoded from it (none for a message that is no bounce).
    pub records: Vec<Record>,
    /// Where it came from: `file`, `smtp`, `imap:<name>`, `log:postfix`, `webhook:ses`, ...
    pub source: String,
    /// Which input: a path (with the message's index in an mbox), a queue id, a mailbox UID.
    pub origin: String,
    /// When it was received.
    pub received_at: Timestamp,
    /// The raw input hashed and compressed ahead of time by [`Input::pack`] (on the caller's
    /// decoding threads); when None the store does it while it writes.
    pub packed: Option<crate::PackedRaw>,
}

impl Input {
    /// Hashes and compresses the raw input now, so the store's single writer need not.
    pub fn pack(&mut self) {
        if self.packed.is_none() {
            self.packed = Some(crate::PackedRaw::new(&self.raw));
        }
    }
}

/// The id of a raw input: the hash of its bytes, so the same input stored twice is one row.
pub fn raw_id(raw: &[u8]) -> String {
    hex(&Sha256::digest(raw)[..16])
}

/// The id of the event a record becomes: a hash of what identifies the bounce (the original
/// message's id, the recipient, action, status, reply code, diagnostic and time). The same
/// bounce read twice, from any source, has the same id. A record with neither a message id nor
/// a time is told apart by its raw input too, lest two different bounces collapse into one.
pub fn event_id(record: &Record, raw_id: &str) -> String {
    let mut hash = Sha256::new();
    let recipient =
        crate::address::address_key(&record.recipient).unwrap_or_else(|_| record.recipient.clone());
    let timestamp = record.timestamp.to_string();
    let weak = record.messageid.is_empty() && record.timestamp == 0;
    for field in [
        record.messageid.as_str(),
        &recipient,
        &record.action,
        &record.deliverystatus,
        &record.replycode,
        &record.diagnosticcode,
        &timestamp,
        &record.feedbacktype,
        if weak { raw_id } else { "" },
    ] {
        hash.update((field.len() as u64).to_le_bytes());
        hash.update(field.as_bytes());
    }
    hex(&hash.finalize()[..16])
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

/// What one ingest did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IngestSummary {
    /// Inputs given.
    pub inputs: usize,
    /// Records in them.
    pub records: usize,
    /// Events stored for the first time.
    pub new_events: usize,
    /// Records that were already stored events (the same bounce again).
    pub duplicates: usize,
    /// Records whose recipient is no valid address: stored as events, no lifecycle.
    pub invalid_addresses: usize,
    /// Suppression entries added.
    pub suppressions_added: usize,
    /// Suppression entries lifted.
    pub suppressions_lifted: usize,
    /// Alerts opened.
    pub alerts_opened: usize,
}

impl IngestSummary {
    /// Adds another batch's counts.
    pub fn add(&mut self, other: &IngestSummary) {
        self.inputs += other.inputs;
        self.records += other.records;
        self.new_events += other.new_events;
        self.duplicates += other.duplicates;
        self.invalid_addresses += other.invalid_addresses;
        self.suppressions_added += other.suppressions_added;
        self.suppressions_lifted += other.suppressions_lifted;
        self.alerts_opened += other.alerts_opened;
    }
}

/// A stored event, as lists and exports show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRow {
    /// The event id.
    pub id: String,
    /// Where it came from.
    pub source: String,
    /// When it was received.
    pub received_at: Timestamp,
    /// The event's time (the record's own, else when received).
    pub at: Timestamp,
    /// The address key (None when the recipient is no valid address).
    pub address_key: Option<String>,
    /// The raw input it came from, while it is kept.
    pub raw_id: Option<String>,
    /// The record's fields, as `tuixin parse` prints them.
    pub record: serde_json::Value,
}

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only this address (any spelling of it).
    pub address: Option<String>,
    /// Only this reason (`userunknown`, ...).
    pub reason: Option<String>,
    /// Only this category (`recipient`, `sender`, ...).
    pub category: Option<String>,
    /// Events at or after this time.
    pub since: Option<Timestamp>,
    /// Events before this time.
    pub until: Option<Timestamp>,
    /// Resume after this (received_at, id): the previous page's last row.
    pub after: Option<(Timestamp, String)>,
    /// At most this many (default 1000).
    pub limit: Option<usize>,
}

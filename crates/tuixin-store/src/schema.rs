//! The schema, one logical schema written for both backends, and its versions.
//!
//! Version N is the N-th entry of [`MIGRATIONS`]. SQLite keeps the version in `PRAGMA
//! user_version` (rusqlite_migration's bookkeeping) and both keep it in `meta.schema_version`.
//! A database whose version is newer than [`SCHEMA_VERSION`] is refused and never altered.

use std::sync::LazyLock;

/// The newest schema version this build knows.
pub const SCHEMA_VERSION: i64 = 7;

/// SQLite's `application_id` for a tuixin database ("tuix").
pub const APPLICATION_ID: i64 = 0x7475_6978;

/// Each version's statements, with `{INT}`, `{BLOB}` and `{SERIAL}` standing for the types
/// that differ between the backends.
const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6, V7];

const V1: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- Every input as received (a whole bounce message, a log line, a webhook body), named by the
-- hash of its bytes; pruned after raw_retention_days.
CREATE TABLE raw_inputs (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    origin TEXT NOT NULL,
    received_at {INT} NOT NULL,
    size {INT} NOT NULL,
    bytes {BLOB} NOT NULL
);
CREATE INDEX raw_inputs_received_at ON raw_inputs (received_at);
-- One record plus its provenance. id: hash of what identifies the bounce.
CREATE TABLE events (
    id TEXT PRIMARY KEY,
    address_key TEXT,
    recipient TEXT NOT NULL,
    at {INT} NOT NULL,
    source TEXT NOT NULL,
    received_at {INT} NOT NULL,
    raw_id TEXT REFERENCES raw_inputs (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    reason TEXT NOT NULL,
    category TEXT NOT NULL,
    hardbounce {INT} NOT NULL,
    deliverystatus TEXT NOT NULL,
    replycode TEXT NOT NULL,
    diagnosticcode TEXT NOT NULL,
    senderdomain TEXT NOT NULL,
    destination TEXT NOT NULL,
    messageid TEXT NOT NULL,
    feedbacktype TEXT NOT NULL,
    rule TEXT NOT NULL,
    rulekind TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX events_address ON events (address_key, at);
CREATE INDEX events_at ON events (at);
CREATE INDEX events_received ON events (received_at, id);
CREATE INDEX events_reason ON events (reason, at);
CREATE INDEX events_raw ON events (raw_id);
-- The lifecycle state of one address (counters, suppressions), as the core library's JSON.
CREATE TABLE addresses (
    key TEXT PRIMARY KEY,
    address TEXT NOT NULL,
    state TEXT NOT NULL,
    first_seen {INT} NOT NULL,
    updated_at {INT} NOT NULL
);
-- The suppression list: at most one entry per address and scope.
CREATE TABLE suppressions (
    address_key TEXT NOT NULL,
    scope TEXT NOT NULL,
    address TEXT NOT NULL,
    domain TEXT NOT NULL,
    reason TEXT NOT NULL,
    bounce_reason TEXT,
    source TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at {INT} NOT NULL,
    updated_at {INT} NOT NULL,
    expires_at {INT},
    event_id TEXT,
    locked {INT} NOT NULL DEFAULT 0,
    review {INT} NOT NULL DEFAULT 0,
    PRIMARY KEY (address_key, scope)
);
CREATE INDEX suppressions_created ON suppressions (created_at, address_key);
CREATE INDEX suppressions_domain ON suppressions (domain);
CREATE INDEX suppressions_reason ON suppressions (reason);
CREATE INDEX suppressions_expires ON suppressions (expires_at);
-- Every state change: who, what, which event, why.
CREATE TABLE audit (
    id {SERIAL},
    at {INT} NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    address_key TEXT,
    scope TEXT,
    event_id TEXT,
    note TEXT NOT NULL
);
CREATE INDEX audit_address ON audit (address_key, at);
-- The counting window behind each (category, key)'s alerts, as the core library's JSON.
CREATE TABLE alert_windows (
    category TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT NOT NULL,
    updated_at {INT} NOT NULL,
    PRIMARY KEY (category, key)
);
-- Sender, message and infrastructure alerts: one row per alert opened.
CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    category TEXT NOT NULL,
    key TEXT NOT NULL,
    opened_at {INT} NOT NULL,
    last_at {INT} NOT NULL,
    events {INT} NOT NULL,
    closed_at {INT},
    acked_at {INT}
);
CREATE INDEX alerts_key ON alerts (category, key, opened_at);
";

/// Version 2: API tokens for `tuixin serve`, kept as the SHA-256 of their secret.
const V2: &str = "
CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL,
    created_at {INT} NOT NULL,
    revoked_at {INT}
);
";

/// Version 3: the web page's sign-in sessions, kept as the SHA-256 of their id, each with its
/// token (a revoked token ends them) and the secret its forms' CSRF tokens are made from.
const V3: &str = "
CREATE TABLE sessions (
    id_sha256 TEXT PRIMARY KEY,
    token_id TEXT NOT NULL,
    csrf_secret TEXT NOT NULL,
    created_at {INT} NOT NULL,
    expires_at {INT} NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_token ON sessions (token_id);
";

/// Version 4: import jobs of `POST /v1/imports`: status, counts, the first failures, and a
/// heartbeat by which a job whose server went away is told from one still running.
const V4: &str = "
CREATE TABLE import_jobs (
    id TEXT PRIMARY KEY,
    actor TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at {INT} NOT NULL,
    started_at {INT},
    finished_at {INT},
    heartbeat_at {INT} NOT NULL,
    rows_read {INT} NOT NULL DEFAULT 0,
    imported {INT} NOT NULL DEFAULT 0,
    refused {INT} NOT NULL DEFAULT 0,
    failures TEXT NOT NULL DEFAULT '[]',
    error TEXT
);
CREATE INDEX import_jobs_status ON import_jobs (status, heartbeat_at);
";

/// Version 5: statistics. An index holding every column the summary and the time series count
/// by, so they read the index alone, never the rows (each row carries its whole record); an
/// index for the latest events of each source; one for the suppression entries in force by
/// reason; and the inputs that could not be read or decoded, for ingestion health per source.
const V5: &str = "
CREATE INDEX events_stats ON events (at, source, action, reason, hardbounce, feedbacktype, destination);
-- events_stats begins with `at`: the index on `at` alone is one more write per event for nothing.
DROP INDEX events_at;
CREATE INDEX events_source ON events (source, received_at);
-- The suppression entries in force by reason, from the index alone.
CREATE INDEX suppressions_stats ON suppressions (reason, expires_at, scope);
-- Inputs that were received but gave no event (unreadable, or no bounce), kept as long as
-- raw inputs.
CREATE TABLE ingest_failures (
    id {SERIAL},
    source TEXT NOT NULL,
    origin TEXT NOT NULL,
    received_at {INT} NOT NULL,
    error TEXT NOT NULL
);
CREATE INDEX ingest_failures_source ON ingest_failures (source, received_at);
CREATE INDEX ingest_failures_received ON ingest_failures (received_at);
";

/// Version 6: raw inputs may be kept compressed; `encoding` says how (`identity`, `deflate`).
const V6: &str = "
ALTER TABLE raw_inputs ADD COLUMN encoding TEXT NOT NULL DEFAULT 'identity';
";

/// Version 7: leases, so that one job (an IMAP mailbox's poller) runs on one server at a time
/// when several share a database: the holder renews before `expires_at`; another may take the
/// lease only after it.
const V7: &str = "
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at {INT} NOT NULL
);
";

fn render(sql: &str, int: &str, blob: &str, serial: &str) -> String {
    sql.replace("{INT}", int).replace("{BLOB}", blob).replace("{SERIAL}", serial)
}

/// Each version's statements for SQLite.
pub static SQLITE: LazyLock<Vec<String>> = LazyLock::new(|| {
    MIGRATIONS
        .iter()
        .enumerate()
        .map(|(i, sql)| {
            format!(
                "{}\nINSERT INTO meta (key, value) VALUES ('schema_version', '{v}') ON CONFLICT (key) DO UPDATE SET value = excluded.value;\nPRAGMA application_id = {APPLICATION_ID};",
                render(sql, "INTEGER", "BLOB", "INTEGER PRIMARY KEY AUTOINCREMENT"),
                v = i + 1
            )
        })
        .collect()
});

/// Each version's statements for PostgreSQL.
pub static POSTGRES: LazyLock<Vec<String>> = LazyLock::new(|| {
    MIGRATIONS
        .iter()
        .enumerate()
        .map(|(i, sql)| {
            format!(
                "{}\nINSERT INTO meta (key, value) VALUES ('schema_version', '{v}') ON CONFLICT (key) DO UPDATE SET value = excluded.value;",
                render(sql, "BIGINT", "BYTEA", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
                v = i + 1
            )
        })
        .collect()
});

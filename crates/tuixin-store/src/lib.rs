//! The tuixin store: bounce events, address states and the suppression list, over SQLite (the
//! embedded default) or PostgreSQL (several servers sharing one database), chosen by URL.
//!
//! The API is synchronous. SQLite is synchronous anyway (an async wrapper would only move each
//! call to a blocking thread), the CLI is synchronous, and `tuixin serve` will call the store
//! from `tokio::task::spawn_blocking`, as it must for SQLite. For PostgreSQL the store drives
//! `tokio-postgres` through a pool (`deadpool-postgres`) on a small current-thread runtime of
//! its own, so the one API serves both backends; it must not be called from inside an async
//! task (use `spawn_blocking`).
//!
//! Every SQL statement lives in this crate; callers see typed rows and summaries.

mod address;
mod alerts;
mod error;
mod event;
mod ingest;
mod jobs;
mod lease;
mod lifecycle;
mod lookup;
mod manual;
mod postgres;
mod raw;
mod schema;
mod sessions;
mod sql;
mod sqlite;
mod stats;
mod store;
mod suppression;
mod tokens;
mod url;

pub use address::address_key;
pub use error::StoreError;
pub use event::{EventFilter, EventRow, IngestSummary, Input, Timestamp, event_id, raw_id};
pub use jobs::{ImportJob, JobStatus, MAX_JOB_FAILURES};
pub use manual::{AddressReport, AlertRow, AuditRow, ImportEntry, ImportFailure, TimelineEvent};
pub use raw::PackedRaw;
pub use schema::SCHEMA_VERSION;
pub use sessions::SessionRow;
pub use stats::{
    Bucket, DomainCount, FailedInput, FailureRow, Interval, MAX_BUCKETS, MAX_TOP, Outcomes,
    RateMetric, SourceHealth, StatsRange, Summary, SummaryQuery, THRESHOLDS, Threshold,
    ThresholdCheck, ThresholdLevel, TimeSeries, check_thresholds,
};
pub use store::{Counts, Migrated, OpenOptions, Store};
pub use suppression::{
    CheckOutcome, SuppressionFilter, SuppressionRow, SuppressionSort, valid_scope,
};
pub use tokens::TokenRow;
pub use url::{DbUrl, redact};

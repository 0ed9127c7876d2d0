//! The `Store`: the one place that knows SQL. Opens either backend by URL, migrates, ingests
//! batches in one transaction, answers checks and lists.

use std::time::Duration;

use tuixin::lifecycle::{Policy, Scope};

use crate::StoreError;
use crate::address::{address_key, key_domain};
use crate::event::{EventFilter, EventRow, IngestSummary, Input, Timestamp, event_id};
use crate::postgres::PgDb;
use crate::schema::SCHEMA_VERSION;
use crate::sql::{Tx, Value};
use crate::sqlite::SqliteDb;
use crate::stats::FailedInput;
use crate::suppression::{
    CheckOutcome, SuppressionFilter, SuppressionRow, SuppressionSort, contains_pattern,
};
use crate::url::DbUrl;

/// How a store is opened.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// How long to wait for another process's lock on a SQLite file before giving up.
    pub busy_timeout: Duration,
    /// Apply pending migrations on open.
    pub migrate: bool,
    /// Create a SQLite file that does not exist yet (else: [`StoreError::Missing`]).
    pub create: bool,
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions { busy_timeout: Duration::from_secs(5), migrate: true, create: true }
    }
}

enum Backend {
    Sqlite(SqliteDb),
    Postgres(PgDb),
}

/// The store of bounce events, address states and the suppression list.
pub struct Store {
    url: DbUrl,
    backend: Backend,
}

/// What a migration did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migrated {
    /// The schema version before.
    pub from: i64,
    /// The schema version after.
    pub to: i64,
}

impl Store {
    /// Opens the store at `url` (a file path, `sqlite:PATH`, `postgres://...`), creating a
    /// SQLite file when missing, and applies pending migrations.
    pub fn open(url: &str) -> Result<Store, StoreError> {
        Store::open_with(url, &OpenOptions::default())
    }

    /// Opens the store with the given options.
    pub fn open_with(url: &str, options: &OpenOptions) -> Result<Store, StoreError> {
        let url = DbUrl::parse(url)?;
        let backend = match &url {
            DbUrl::Sqlite(path) => {
                if !options.create && !path.exists() {
                    return Err(StoreError::Missing { path: path.display().to_string() });
                }
                Backend::Sqlite(SqliteDb::open(path, options.busy_timeout)?)
            }
            DbUrl::Postgres(url) => Backend::Postgres(PgDb::open(url)?),
        };
        let store = Store { url, backend };
        if options.migrate {
            store.migrate()?;
        }
        Ok(store)
    }

    /// The URL as it may be shown (no password).
    pub fn display_url(&self) -> String {
        self.url.display()
    }

    /// True for PostgreSQL, false for SQLite.
    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// The schema version the database holds.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        match &self.backend {
            Backend::Sqlite(db) => db.version(),
            Backend::Postgres(db) => db.version(),
        }
    }

    /// Brings the schema up to this build's version; a newer database is refused, unchanged.
    pub fn migrate(&self) -> Result<Migrated, StoreError> {
        let from = self.schema_version()?;
        if from > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                db: self.display_url(),
                found: from,
                known: SCHEMA_VERSION,
            });
        }
        match &self.backend {
            Backend::Sqlite(db) => db.migrate()?,
            Backend::Postgres(db) => db.migrate()?,
        }
        Ok(Migrated { from, to: self.schema_version()? })
    }

    /// Runs `f` in one write transaction: all of it is committed or none. On PostgreSQL it may
    /// run more than once (after a serialization failure or deadlock), so `f` must not keep
    /// effects outside the transaction.
    pub(crate) fn write<T>(
        &self,
        mut f: impl FnMut(&mut dyn Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match &self.backend {
            Backend::Sqlite(db) => db.write(f),
            Backend::Postgres(db) => db.write(&mut f),
        }
    }

    /// Runs `f` in one read transaction.
    pub(crate) fn read<T>(
        &self,
        mut f: impl FnMut(&mut dyn Tx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match &self.backend {
            Backend::Sqlite(db) => db.read(f),
            Backend::Postgres(db) => db.read(&mut f),
        }
    }

    /// Stores a batch of inputs in ONE transaction (group commit): their raw bytes, one event
    /// per record (a bounce already stored is counted as a duplicate and changes nothing), and
    /// the lifecycle of every address a new event concerns.
    pub fn ingest(
        &self,
        batch: &[Input],
        policy: &Policy,
        now: Timestamp,
    ) -> Result<IngestSummary, StoreError> {
        self.ingest_reporting(batch, &[], policy, now)
    }

    /// As [`Store::ingest`], and records in the same transaction the inputs that arrived
    /// beside the batch but could not be read or decoded (for ingestion health per source).
    pub fn ingest_reporting(
        &self,
        batch: &[Input],
        failed: &[FailedInput],
        policy: &Policy,
        now: Timestamp,
    ) -> Result<IngestSummary, StoreError> {
        // Raw inputs the caller packed are used as they are; the rest are packed here, before
        // the transaction.
        let packed: Vec<std::borrow::Cow<'_, crate::PackedRaw>> = batch
            .iter()
            .map(|input| match &input.packed {
                Some(p) => std::borrow::Cow::Borrowed(p),
                None => std::borrow::Cow::Owned(crate::PackedRaw::new(&input.raw)),
            })
            .collect();
        let prepared = prepare(batch, &packed);
        self.write(|tx| {
            let summary = crate::ingest::run(tx, batch, &packed, &prepared, policy, now)?;
            crate::stats::record_failures(tx, failed)?;
            Ok(summary)
        })
    }

    /// Several callers' inputs in one transaction (group commit: one commit, one sync to disk,
    /// and one set of statements for all of them), under one policy; each caller's part
    /// (`jobs`: ranges of `inputs`) counted on its own, as [`Store::ingest`] counts it except
    /// that alerts opened are counted in no part. All are stored or none is.
    pub fn ingest_group(
        &self,
        inputs: &[Input],
        jobs: &[std::ops::Range<usize>],
        failed: &[FailedInput],
        policy: &Policy,
        now: Timestamp,
    ) -> Result<Vec<IngestSummary>, StoreError> {
        let packed: Vec<std::borrow::Cow<'_, crate::PackedRaw>> = inputs
            .iter()
            .map(|input| match &input.packed {
                Some(p) => std::borrow::Cow::Borrowed(p),
                None => std::borrow::Cow::Owned(crate::PackedRaw::new(&input.raw)),
            })
            .collect();
        let prepared = prepare(inputs, &packed);
        let each = self.write(|tx| {
            let (_, each) = crate::ingest::run_each(tx, inputs, &packed, &prepared, policy, now)?;
            crate::stats::record_failures(tx, failed)?;
            Ok(each)
        })?;
        Ok(jobs
            .iter()
            .map(|range| {
                let mut summary = IngestSummary::default();
                for part in &each[range.clone()] {
                    summary.add(part);
                }
                summary
            })
            .collect())
    }

    /// Deletes raw inputs (and records of failed inputs) received before `before` (events
    /// keep their records); how many raw inputs.
    pub fn prune_raw(&self, before: Timestamp) -> Result<u64, StoreError> {
        self.write(|tx| {
            tx.execute("DELETE FROM ingest_failures WHERE received_at < $1", &[before.into()])?;
            tx.execute("DELETE FROM raw_inputs WHERE received_at < $1", &[before.into()])
        })
    }

    /// Whether each address may be mailed in `scope` at time `now`: an entry blocks while it
    /// has not expired.
    pub fn check(
        &self,
        addresses: &[String],
        scope: &str,
        now: Timestamp,
    ) -> Result<Vec<CheckOutcome>, StoreError> {
        let checked: Scope =
            scope.parse().map_err(|_| StoreError::InvalidScope(scope.to_owned()))?;
        let keys = addresses.iter().map(|a| address_key(a)).collect::<Result<Vec<_>, _>>()?;
        let sql = format!(
            "SELECT {SUPPRESSION_COLUMNS} FROM suppressions WHERE address_key = $1 AND (expires_at IS NULL OR expires_at > $2)"
        );
        self.read(|tx| {
            let mut out = Vec::with_capacity(keys.len());
            for (address, key) in addresses.iter().zip(&keys) {
                let rows = tx.query(&sql, &[key.into(), now.into()])?;
                // As the lifecycle's `blocking`: the longest-lasting entry, `all` first.
                let blocked_by = rows
                    .into_iter()
                    .map(suppression_row)
                    .filter(|row| row.scope.parse::<Scope>().is_ok_and(|s| s.blocks(&checked)))
                    .max_by_key(|row| {
                        (row.expires_at.unwrap_or(Timestamp::MAX), row.scope == "all")
                    });
                out.push(CheckOutcome {
                    address: address.clone(),
                    scope: scope.to_owned(),
                    allowed: blocked_by.is_none(),
                    blocked_by,
                });
            }
            Ok(out)
        })
    }

    /// Events matching `filter`, oldest received first (a page of at most `limit`).
    pub fn events(&self, filter: &EventFilter) -> Result<Vec<EventRow>, StoreError> {
        let mut q = Query::default();
        if let Some(address) = &filter.address {
            q.and("address_key = ?", address_key(address)?);
        }
        if let Some(reason) = &filter.reason {
            q.and("reason = ?", reason.as_str());
        }
        if let Some(category) = &filter.category {
            q.and("category = ?", category.as_str());
        }
        if let Some(since) = filter.since {
            q.and("at >= ?", since);
        }
        if let Some(until) = filter.until {
            q.and("at < ?", until);
        }
        if let Some(text) = &filter.q {
            let pattern = contains_pattern(text);
            q.and_all(
                "(address_key LIKE ? ESCAPE '\\' OR lower(recipient) LIKE ? ESCAPE '\\')",
                vec![pattern.as_str().into(), pattern.as_str().into()],
            );
        }
        if let Some((received_at, id)) = &filter.after {
            let values = vec![(*received_at).into(), (*received_at).into(), id.into()];
            q.and_all("(received_at > ? OR (received_at = ? AND id > ?))", values);
        }
        let limit = filter.limit.unwrap_or(1000) as i64;
        let sql = format!(
            "SELECT id, source, received_at, at, address_key, raw_id, record FROM events{} ORDER BY received_at, id LIMIT {limit}",
            q.clause()
        );
        let rows = self.read(|tx| tx.query(&sql, &q.params))?;
        rows.into_iter()
            .map(|mut row| {
                let record =
                    serde_json::from_str(row[6].text()).map_err(|e| StoreError::Corrupt {
                        db: self.display_url(),
                        table: "events",
                        cause: e.to_string(),
                    })?;
                Ok(EventRow {
                    id: row[0].take_text(),
                    source: row[1].take_text(),
                    received_at: row[2].int(),
                    at: row[3].int(),
                    address_key: row[4].opt_text(),
                    raw_id: row[5].opt_text(),
                    record,
                })
            })
            .collect()
    }

    /// The raw input with this id, while it is kept.
    pub fn raw(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let row = self.read(|tx| {
            tx.query_opt("SELECT bytes, encoding FROM raw_inputs WHERE id = $1", &[id.into()])
        })?;
        match row {
            None => Ok(None),
            Some(mut row) => {
                let encoding = row[1].take_text();
                crate::raw::unpack(&self.display_url(), &encoding, row[0].take_bytes()).map(Some)
            }
        }
    }

    /// Suppression entries matching `filter`, in its order (a page of at most `limit`).
    pub fn suppressions(
        &self,
        filter: &SuppressionFilter,
    ) -> Result<Vec<SuppressionRow>, StoreError> {
        let mut q = Query::default();
        if let Some(reason) = &filter.reason {
            q.and("reason = ?", reason.as_str());
        }
        if let Some(source) = &filter.source {
            q.and("source = ?", source.as_str());
        }
        if let Some(scope) = &filter.scope {
            q.and("scope = ?", scope.as_str());
        }
        if let Some(domain) = &filter.domain {
            let key = address_key(&format!("x@{domain}"))?;
            q.and("domain = ?", key_domain(&key));
        }
        if let Some(since) = filter.since {
            q.and("created_at >= ?", since);
        }
        if let Some(until) = filter.until {
            q.and("created_at < ?", until);
        }
        if let Some(text) = &filter.q {
            let pattern = contains_pattern(text);
            q.and_all(
                "(address_key LIKE ? ESCAPE '\\' OR lower(address) LIKE ? ESCAPE '\\')",
                vec![pattern.as_str().into(), pattern.as_str().into()],
            );
        }
        if let Some((created_at, key, scope)) = &filter.after {
            let (created, key, scope): (Value, Value, Value) =
                ((*created_at).into(), key.into(), scope.into());
            match filter.sort {
                SuppressionSort::CreatedAt => q.and_all(
                    "(created_at > ? OR (created_at = ? AND (address_key > ? OR (address_key = ? AND scope > ?))))",
                    vec![created.clone(), created, key.clone(), key, scope],
                ),
                SuppressionSort::CreatedAtDesc => q.and_all(
                    "(created_at < ? OR (created_at = ? AND (address_key < ? OR (address_key = ? AND scope < ?))))",
                    vec![created.clone(), created, key.clone(), key, scope],
                ),
                SuppressionSort::Address => q.and_all(
                    "(address_key > ? OR (address_key = ? AND scope > ?))",
                    vec![key.clone(), key, scope],
                ),
            }
        }
        let order = match filter.sort {
            SuppressionSort::CreatedAt => "created_at, address_key, scope",
            SuppressionSort::CreatedAtDesc => "created_at DESC, address_key DESC, scope DESC",
            SuppressionSort::Address => "address_key, scope",
        };
        let limit = filter.limit.unwrap_or(1000) as i64;
        let sql = format!(
            "SELECT {SUPPRESSION_COLUMNS} FROM suppressions{} ORDER BY {order} LIMIT {limit}",
            q.clause()
        );
        let rows = self.read(|tx| tx.query(&sql, &q.params))?;
        Ok(rows.into_iter().map(suppression_row).collect())
    }

    /// How many events, suppression entries and addresses the store holds.
    pub fn counts(&self) -> Result<Counts, StoreError> {
        self.read(|tx| {
            let mut one = |sql: &str| -> Result<i64, StoreError> {
                Ok(tx.query_opt(sql, &[])?.map_or(0, |row| row[0].int()))
            };
            Ok(Counts {
                events: one("SELECT count(*) FROM events")?,
                suppressions: one("SELECT count(*) FROM suppressions")?,
                addresses: one("SELECT count(*) FROM addresses")?,
                raw_inputs: one("SELECT count(*) FROM raw_inputs")?,
                audit: one("SELECT count(*) FROM audit")?,
            })
        })
    }
}

/// Row counts of the main tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Events.
    pub events: i64,
    /// Suppression entries.
    pub suppressions: i64,
    /// Addresses with a state.
    pub addresses: i64,
    /// Raw inputs kept.
    pub raw_inputs: i64,
    /// Audit rows.
    pub audit: i64,
}

/// The columns [`suppression_row`] reads, in its order.
pub(crate) const SUPPRESSION_COLUMNS: &str = "address, scope, reason, bounce_reason, source, description, created_at, updated_at, expires_at, event_id, locked, review, address_key";

/// A row of [`SUPPRESSION_COLUMNS`].
pub(crate) fn suppression_row(mut row: Vec<Value>) -> SuppressionRow {
    SuppressionRow {
        address: row[0].take_text(),
        scope: row[1].take_text(),
        reason: row[2].take_text(),
        bounce_reason: row[3].opt_text(),
        source: row[4].take_text(),
        description: row[5].take_text(),
        created_at: row[6].int(),
        updated_at: row[7].int(),
        expires_at: row[8].opt_int(),
        event_id: row[9].opt_text(),
        locked: row[10].int() != 0,
        review: row[11].int() != 0,
        address_key: row[12].take_text(),
    }
}

/// A WHERE clause built with `$N` placeholders numbered in order.
#[derive(Default)]
struct Query {
    conditions: Vec<String>,
    params: Vec<Value>,
}

impl Query {
    fn number(&mut self, condition: &str) -> String {
        let mut out = String::new();
        for (i, part) in condition.split('?').enumerate() {
            if i > 0 {
                out.push_str(&format!("${}", self.params.len() + i));
            }
            out.push_str(part);
        }
        out
    }

    fn and(&mut self, condition: &str, value: impl Into<Value>) {
        let numbered = self.number(condition);
        self.conditions.push(numbered);
        self.params.push(value.into());
    }

    /// A condition with one value per placeholder, in order.
    fn and_all(&mut self, condition: &str, values: Vec<Value>) {
        let numbered = self.number(condition);
        self.conditions.push(numbered);
        self.params.extend(values);
    }

    fn clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conditions.join(" AND "))
        }
    }
}

/// One record of a batch, ready to store.
pub(crate) struct Prepared {
    /// Which input of the batch.
    pub input: usize,
    /// Which record of that input.
    pub record: usize,
    /// The event id.
    pub id: String,
    /// The address key, when the recipient is an address.
    pub key: Option<String>,
    /// The raw input's id.
    pub raw_id: String,
}

/// Ids and keys of a batch's records, in lock order (address key, then event id).
fn prepare(batch: &[Input], packed: &[std::borrow::Cow<'_, crate::PackedRaw>]) -> Vec<Prepared> {
    let mut out = Vec::new();
    for (i, input) in batch.iter().enumerate() {
        let raw = packed[i].id.clone();
        for (r, record) in input.records.iter().enumerate() {
            out.push(Prepared {
                input: i,
                record: r,
                id: event_id(record, &raw),
                key: address_key(&record.recipient).ok(),
                raw_id: raw.clone(),
            });
        }
    }
    out.sort_by(|a, b| (&a.key, &a.id).cmp(&(&b.key, &b.id)));
    out
}

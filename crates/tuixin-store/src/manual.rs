//! A person's changes to the suppression list (add, remove, import) and the sweep of expired
//! entries, each through the lifecycle so that the address's state, the list and the audit
//! stay one.

use serde::Serialize;
use tuixin::lifecycle::{
    Scope, Suppression, SuppressionReason, Transition, add_entry, add_manual, remove, sweep,
};

use crate::StoreError;
use crate::address::address_key;
use crate::event::Timestamp;
use crate::lifecycle::{self, Audit, Writes};
use crate::sql::Tx;
use crate::store::{SUPPRESSION_COLUMNS, Store, suppression_row};
use crate::suppression::SuppressionRow;

/// One entry to import: what a CSV (`address,reason,created_at,code,error`) or JSONL line holds.
#[derive(Debug, Clone)]
pub struct ImportEntry {
    /// The line it came from (for the failure report).
    pub line: usize,
    /// The address.
    pub address: String,
    /// The scope.
    pub scope: Scope,
    /// The reason.
    pub reason: SuppressionReason,
    /// When the entry was made (else: now).
    pub created_at: Option<Timestamp>,
    /// What the source said (a code and an error text).
    pub description: String,
}

/// An import row that was not taken, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ImportFailure {
    /// Its line.
    pub line: usize,
    /// Why.
    pub error: String,
}

/// An address's whole story: state, entries, events, audit.
#[derive(Debug, Clone, Serialize)]
pub struct AddressReport {
    /// The address key.
    pub key: String,
    /// The address as first received.
    pub address: String,
    /// The lifecycle state (counters, suppressions), as the core library stores it.
    pub state: serde_json::Value,
    /// Its suppression entries.
    pub suppressions: Vec<SuppressionRow>,
    /// Its events, oldest first: (event id, time, reason, source).
    pub events: Vec<TimelineEvent>,
    /// Its audit rows, oldest first.
    pub audit: Vec<AuditRow>,
}

/// One event on an address's timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEvent {
    /// The event id.
    pub id: String,
    /// Its time.
    pub at: Timestamp,
    /// Its reason.
    pub reason: String,
    /// Its enhanced status code.
    pub deliverystatus: String,
    /// Where it came from.
    pub source: String,
}

/// One audit row.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: String,
    /// What (the lifecycle action's name).
    pub action: String,
    /// The scope it concerned.
    pub scope: Option<String>,
    /// The event behind it.
    pub event_id: Option<String>,
    /// Why, or the action's details.
    pub note: String,
}

/// An alert as listed.
#[derive(Debug, Clone, Serialize)]
pub struct AlertRow {
    /// Its id.
    pub id: String,
    /// sender, message or infrastructure.
    pub category: String,
    /// Its window's key (`sending|provider`, a campaign, a provider).
    pub key: String,
    /// When it opened.
    pub opened_at: Timestamp,
    /// Its latest alert event.
    pub last_at: Timestamp,
    /// Alert events while open.
    pub events: i64,
    /// When it closed (after the quiet hours), if it has.
    pub closed_at: Option<Timestamp>,
    /// When someone acknowledged it, if anyone has.
    pub acked_at: Option<Timestamp>,
}

/// Whether `state` already holds `entry` as given (all but its update time), still blocking.
fn held(state: &tuixin::lifecycle::AddressState, entry: &Suppression, now: Timestamp) -> bool {
    state.suppression(&entry.scope).is_some_and(|old| {
        old.is_active(now) && Suppression { updated_at: old.updated_at, ..entry.clone() } == *old
    })
}

/// The columns [`alert_row`] reads, in its order.
const ALERT_COLUMNS: &str = "id, category, key, opened_at, last_at, events, closed_at, acked_at";

fn alert_row(mut r: Vec<crate::sql::Value>) -> AlertRow {
    AlertRow {
        id: r[0].take_text(),
        category: r[1].take_text(),
        key: r[2].take_text(),
        opened_at: r[3].int(),
        last_at: r[4].int(),
        events: r[5].int(),
        closed_at: r[6].opt_int(),
        acked_at: r[7].opt_int(),
    }
}

fn entry_of(
    tx: &mut dyn Tx,
    key: &str,
    scope: &Scope,
) -> Result<Option<SuppressionRow>, StoreError> {
    let row = tx.query_opt(
        &format!(
            "SELECT {SUPPRESSION_COLUMNS} FROM suppressions WHERE address_key = $1 AND scope = $2"
        ),
        &[key.into(), scope.as_str().into()],
    )?;
    Ok(row.map(suppression_row))
}

/// Applies a person's change to one address in `tx`.
fn change(
    tx: &mut dyn Tx,
    address: &str,
    actor: &str,
    now: Timestamp,
    f: impl FnOnce(&tuixin::lifecycle::AddressState) -> Result<Transition, StoreError>,
) -> Result<String, StoreError> {
    let key = address_key(address)?;
    let before = lifecycle::load(tx, &key, address, now, now)?;
    let next = f(&before)?;
    lifecycle::save(
        tx,
        &key,
        address,
        &before,
        &next,
        &Audit { actor, event_id: None, at: now },
        now,
    )?;
    Ok(key)
}

impl Store {
    /// A person suppresses `address` in `scope` (reason `manual`); the entry as stored.
    pub fn add_manual(
        &self,
        address: &str,
        scope: &Scope,
        note: &str,
        expires_at: Option<Timestamp>,
        actor: &str,
        now: Timestamp,
    ) -> Result<SuppressionRow, StoreError> {
        self.write(|tx| {
            let key = change(tx, address, actor, now, |state| {
                Ok(add_manual(state, scope, note, expires_at, actor, now)?)
            })?;
            entry_of(tx, &key, scope)?.ok_or_else(|| StoreError::Database {
                db: tx.db_name().to_owned(),
                cause: "the entry just added is missing".into(),
            })
        })
    }

    /// A person removes the entry of `address` in exactly `scope`, with a note; a locked entry
    /// (a complaint) needs `admin`. The entry removed.
    pub fn remove(
        &self,
        address: &str,
        scope: &Scope,
        actor: &str,
        admin: bool,
        note: &str,
        now: Timestamp,
    ) -> Result<SuppressionRow, StoreError> {
        self.write(|tx| {
            let key = address_key(address)?;
            let old = entry_of(tx, &key, scope)?;
            change(tx, address, actor, now, |state| {
                Ok(remove(state, scope, actor, admin, note, now)?)
            })?;
            old.ok_or_else(|| {
                StoreError::Refused(tuixin::lifecycle::LifecycleError::NotFound(scope.clone()))
            })
        })
    }

    /// Imports entries in one transaction (call it once per batch of a few thousand rows); a
    /// row that cannot go in (an invalid address, a locked entry in its place) is reported by
    /// line and the rest go in. An entry the list already holds as given changes nothing, so
    /// importing the same file again is harmless. How many rows went in (or were there).
    pub fn import(
        &self,
        entries: &[ImportEntry],
        actor: &str,
        now: Timestamp,
    ) -> Result<(usize, Vec<ImportFailure>), StoreError> {
        let mut refused = Vec::new();
        let mut keyed: Vec<(String, &ImportEntry)> = Vec::with_capacity(entries.len());
        for entry in entries {
            match address_key(&entry.address) {
                Ok(key) => keyed.push((key, entry)),
                Err(e) => refused.push(ImportFailure { line: entry.line, error: e.to_string() }),
            }
        }
        // Lock order: by address key; one address's rows in file order.
        keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.line.cmp(&b.1.line)));
        let mut addresses: Vec<(String, String, Timestamp)> = Vec::new();
        for (key, entry) in &keyed {
            if addresses.last().is_none_or(|(last, _, _)| last != key) {
                addresses.push((key.clone(), entry.address.clone(), now));
            }
        }
        let source = format!("import:{actor}");
        self.write(|tx| {
            let mut states = lifecycle::load_many(tx, &addresses, now)?;
            let mut writes = Writes::default();
            let audit = Audit { actor, event_id: None, at: now };
            let mut done = 0;
            let mut failures = refused.clone();
            for group in keyed.chunk_by(|a, b| a.0 == b.0) {
                let (key, first) = (&group[0].0, group[0].1);
                let before = states.remove(key).unwrap_or_default();
                let mut state = before.clone();
                let mut actions = Vec::new();
                for (_, entry) in group {
                    let suppression = Suppression {
                        scope: entry.scope.clone(),
                        reason: entry.reason,
                        bounce_reason: None,
                        source: source.clone(),
                        description: entry.description.clone(),
                        created_at: entry.created_at.unwrap_or(now),
                        updated_at: now,
                        expires_at: None,
                        event_id: None,
                        locked: entry.reason == SuppressionReason::Complaint,
                        review: false,
                    };
                    // A row without a time says nothing of when: an entry held as given
                    // but for its time keeps it.
                    let undated = entry
                        .created_at
                        .is_none()
                        .then(|| state.suppression(&entry.scope))
                        .flatten();
                    if let Some(old) = undated
                        && held(
                            &state,
                            &Suppression { created_at: old.created_at, ..suppression.clone() },
                            now,
                        )
                    {
                        done += 1;
                        continue;
                    }
                    if held(&state, &suppression, now) {
                        done += 1;
                        continue;
                    }
                    match add_entry(&state, suppression, now) {
                        Ok(t) => {
                            state = t.state;
                            actions.extend(t.actions);
                            done += 1;
                        }
                        Err(e) => {
                            failures.push(ImportFailure { line: entry.line, error: e.to_string() })
                        }
                    }
                }
                if !actions.is_empty() {
                    writes.state(key, &first.address, &before, &state, now)?;
                    writes.audit(key, &actions, &audit);
                }
            }
            writes.flush(tx)?;
            failures.sort_by_key(|f| f.line);
            Ok((done, failures))
        })
    }

    /// Drops entries expired at `now` from their addresses' states (one `lift` audit row each)
    /// and old counted days; how many entries were lifted.
    pub fn sweep(&self, now: Timestamp) -> Result<usize, StoreError> {
        self.write(|tx| {
            let keys = tx.query(
                "SELECT DISTINCT address_key FROM suppressions WHERE expires_at IS NOT NULL AND expires_at <= $1 ORDER BY address_key",
                &[now.into()],
            )?;
            let mut lifted = 0;
            for mut row in keys {
                let key = row[0].take_text();
                let before = lifecycle::load(tx, &key, &key, now, now)?;
                let next = sweep(&before, now);
                let changes = lifecycle::save(tx, &key, &key, &before, &next, &Audit { actor: "sweep", event_id: None, at: now }, now)?;
                lifted += changes.lifted;
            }
            Ok(lifted)
        })
    }

    /// Everything known of one address, or None when it was never seen.
    pub fn address(&self, address: &str) -> Result<Option<AddressReport>, StoreError> {
        let key = address_key(address)?;
        self.read(|tx| {
            let Some(mut row) = tx.query_opt("SELECT address, state FROM addresses WHERE key = $1", &[key.as_str().into()])? else {
                return Ok(None);
            };
            let state = match row[1].text() {
                "" => serde_json::Value::Null,
                text => serde_json::from_str(text).map_err(|e| StoreError::Corrupt { db: tx.db_name().to_owned(), table: "addresses", cause: e.to_string() })?,
            };
            let suppressions = tx
                .query(&format!("SELECT {SUPPRESSION_COLUMNS} FROM suppressions WHERE address_key = $1 ORDER BY scope"), &[key.as_str().into()])?
                .into_iter()
                .map(suppression_row)
                .collect();
            let events = tx
                .query("SELECT id, at, reason, deliverystatus, source FROM events WHERE address_key = $1 ORDER BY at, id LIMIT 1000", &[key.as_str().into()])?
                .into_iter()
                .map(|mut r| TimelineEvent { id: r[0].take_text(), at: r[1].int(), reason: r[2].take_text(), deliverystatus: r[3].take_text(), source: r[4].take_text() })
                .collect();
            let audit = tx
                .query("SELECT at, actor, action, scope, event_id, note FROM audit WHERE address_key = $1 ORDER BY id LIMIT 1000", &[key.as_str().into()])?
                .into_iter()
                .map(|mut r| AuditRow { at: r[0].int(), actor: r[1].take_text(), action: r[2].take_text(), scope: r[3].opt_text(), event_id: r[4].opt_text(), note: r[5].take_text() })
                .collect();
            Ok(Some(AddressReport { key: key.clone(), address: row[0].take_text(), state, suppressions, events, audit }))
        })
    }

    /// Alerts, newest first; only those still open at `now` when `open_only` (not closed, and
    /// a hit within the policy's quiet hours).
    pub fn alerts(
        &self,
        open_only: bool,
        now: Timestamp,
        policy: &tuixin::lifecycle::AlertPolicy,
        limit: usize,
    ) -> Result<Vec<AlertRow>, StoreError> {
        let (filter, params) = if open_only {
            let quiet_since = now - i64::from(policy.quiet_hours) * 3600;
            (" WHERE closed_at IS NULL AND last_at > $1", vec![quiet_since.into()])
        } else {
            ("", Vec::new())
        };
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM alerts{filter} ORDER BY opened_at DESC, id LIMIT {limit}"
        );
        let rows = self.read(|tx| tx.query(&sql, &params))?;
        Ok(rows.into_iter().map(alert_row).collect())
    }

    /// Acknowledges the alert `id` with a note (one audit row); acknowledging it again changes
    /// nothing. The alert, or None when there is no such alert.
    pub fn ack_alert(
        &self,
        id: &str,
        actor: &str,
        note: &str,
        now: Timestamp,
    ) -> Result<Option<AlertRow>, StoreError> {
        let select = format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id = $1{{lock}}");
        self.write(|tx| {
            let sql = select.replace("{lock}", tx.for_update());
            let Some(row) = tx.query_opt(&sql, &[id.into()])? else {
                return Ok(None);
            };
            let mut alert = alert_row(row);
            if alert.acked_at.is_none() {
                tx.execute("UPDATE alerts SET acked_at = $1 WHERE id = $2", &[now.into(), id.into()])?;
                tx.execute(
                    "INSERT INTO audit (at, actor, action, address_key, scope, event_id, note) VALUES ($1, $2, 'alert_ack', NULL, NULL, NULL, $3)",
                    &[now.into(), actor.into(), format!("alert {id}: {note}").into()],
                )?;
                alert.acked_at = Some(now);
            }
            Ok(Some(alert))
        })
    }
}

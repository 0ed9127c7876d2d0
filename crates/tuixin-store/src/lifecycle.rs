//! Address states in the database: load them (rows locked on PostgreSQL, in key order), store
//! the lifecycle's new states, mirror their suppressions into the `suppressions` table and
//! write one audit row per action, a batch of addresses at a time. Used by ingest, by a
//! person's add and remove, and by the sweep.

use std::collections::HashMap;

use tuixin::lifecycle::{Action, AddressState, Suppression, Transition};

use crate::StoreError;
use crate::address::key_domain;
use crate::event::Timestamp;
use crate::sql::{Tx, Value, insert_rows, placeholders};

/// Keys looked up per SELECT.
const KEYS_PER_SELECT: usize = 500;

/// Counts of what state changes did to the suppression list.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Changes {
    /// Entries that did not block before and do now.
    pub added: usize,
    /// Entries removed.
    pub lifted: usize,
}

/// The states of these addresses `(key, address as received, first seen)`, given in key
/// order, with their rows locked until the transaction ends (PostgreSQL); a never-seen address
/// gets a row first, so that there is a row to lock.
pub(crate) fn load_many(
    tx: &mut dyn Tx,
    addresses: &[(String, String, Timestamp)],
    now: Timestamp,
) -> Result<HashMap<String, AddressState>, StoreError> {
    let rows = addresses
        .iter()
        .map(|(key, address, first_seen)| {
            vec![key.into(), address.trim().into(), "".into(), (*first_seen).into(), now.into()]
        })
        .collect();
    insert_rows(
        tx,
        "INSERT INTO addresses (key, address, state, first_seen, updated_at)",
        rows,
        " ON CONFLICT (key) DO NOTHING",
    )?;
    let mut states = HashMap::with_capacity(addresses.len());
    for chunk in addresses.chunks(KEYS_PER_SELECT) {
        let sql = format!(
            "SELECT key, state FROM addresses WHERE key IN ({}) ORDER BY key{}",
            placeholders(1, chunk.len()),
            tx.for_update()
        );
        let keys: Vec<Value> = chunk.iter().map(|(key, _, _)| key.into()).collect();
        for mut row in tx.query(&sql, &keys)? {
            let key = row[0].take_text();
            let state = match row[1].text() {
                "" => AddressState::default(),
                text => serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
                    db: tx.db_name().to_owned(),
                    table: "addresses",
                    cause: format!("state of {key}: {e}"),
                })?,
            };
            states.insert(key, state);
        }
    }
    Ok(states)
}

/// One address's state, locked (see [`load_many`]).
pub(crate) fn load(
    tx: &mut dyn Tx,
    key: &str,
    address: &str,
    first_seen: Timestamp,
    now: Timestamp,
) -> Result<AddressState, StoreError> {
    let mut states = load_many(tx, &[(key.to_owned(), address.to_owned(), first_seen)], now)?;
    Ok(states.remove(key).unwrap_or_default())
}

/// Who made a change, for its audit rows.
pub(crate) struct Audit<'a> {
    /// Who: `policy`, a user or token name.
    pub actor: &'a str,
    /// The event behind it, if any.
    pub event_id: Option<&'a str>,
    /// When.
    pub at: Timestamp,
}

/// The writes a batch of state changes makes, gathered to go out in few statements.
#[derive(Default)]
pub(crate) struct Writes {
    /// Key, address as received, new state, time.
    states: Vec<(String, String, AddressState, Timestamp)>,
    audit: Vec<Vec<Value>>,
    upserts: Vec<Vec<Value>>,
    deletes: Vec<(String, String)>,
    /// What the changes did to the list.
    pub changes: Changes,
}

impl Writes {
    /// One audit row per action.
    pub fn audit(&mut self, key: &str, actions: &[Action], audit: &Audit<'_>) {
        for action in actions {
            let (scope, note) = describe(action);
            self.audit.push(vec![
                audit.at.into(),
                audit.actor.into(),
                action.name().into(),
                key.into(),
                scope.into(),
                audit.event_id.into(),
                note.into(),
            ]);
        }
    }

    /// Suppression entries added so far.
    pub fn added(&self) -> usize {
        self.changes.added
    }

    /// Suppression entries lifted so far.
    pub fn lifted(&self) -> usize {
        self.changes.lifted
    }

    /// The address's new state, and its suppressions as they differ from `before`. Each
    /// address at most once per [`Writes`].
    pub fn state(
        &mut self,
        key: &str,
        address: &str,
        before: &AddressState,
        next: &AddressState,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.states.push((key.to_owned(), address.trim().to_owned(), next.clone(), now));
        for old in &before.suppressions {
            if next.suppression(&old.scope).is_none() {
                self.deletes.push((key.to_owned(), old.scope.as_str().to_owned()));
                self.changes.lifted += 1;
            }
        }
        for new in &next.suppressions {
            let old = before.suppression(&new.scope);
            if old == Some(new) {
                continue;
            }
            if old.is_none_or(|old| !old.is_active(now)) {
                self.changes.added += 1;
            }
            self.upserts.push(suppression_values(key, address, new));
        }
        Ok(())
    }

    /// Writes everything gathered.
    pub fn flush(self, tx: &mut dyn Tx) -> Result<Changes, StoreError> {
        let mut states = Vec::with_capacity(self.states.len());
        for (key, address, state, now) in self.states {
            let json = serde_json::to_string(&state).map_err(|e| StoreError::Database {
                db: tx.db_name().to_owned(),
                cause: format!("cannot serialize the state of {key}: {e}"),
            })?;
            states.push(vec![key.into(), address.into(), json.into(), now.into(), now.into()]);
        }
        insert_rows(
            tx,
            "INSERT INTO addresses (key, address, state, first_seen, updated_at)",
            states,
            " ON CONFLICT (key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
        )?;
        for (key, scope) in &self.deletes {
            tx.execute(
                "DELETE FROM suppressions WHERE address_key = $1 AND scope = $2",
                &[key.into(), scope.into()],
            )?;
        }
        insert_rows(
            tx,
            "INSERT INTO suppressions (address_key, scope, address, domain, reason, bounce_reason, source, description, created_at, updated_at, expires_at, event_id, locked, review)",
            self.upserts,
            " ON CONFLICT (address_key, scope) DO UPDATE SET reason = excluded.reason, bounce_reason = excluded.bounce_reason, source = excluded.source, \
             description = excluded.description, created_at = excluded.created_at, updated_at = excluded.updated_at, expires_at = excluded.expires_at, \
             event_id = excluded.event_id, locked = excluded.locked, review = excluded.review",
        )?;
        insert_rows(
            tx,
            "INSERT INTO audit (at, actor, action, address_key, scope, event_id, note)",
            self.audit,
            "",
        )?;
        Ok(self.changes)
    }
}

/// Stores one address's new state, mirrors its suppressions and audits `actions`.
pub(crate) fn save(
    tx: &mut dyn Tx,
    key: &str,
    address: &str,
    before: &AddressState,
    next: &Transition,
    audit: &Audit<'_>,
    now: Timestamp,
) -> Result<Changes, StoreError> {
    let mut writes = Writes::default();
    writes.state(key, address, before, &next.state, now)?;
    writes.audit(key, &next.actions, audit);
    writes.flush(tx)
}

fn suppression_values(key: &str, address: &str, s: &Suppression) -> Vec<Value> {
    vec![
        key.into(),
        s.scope.as_str().into(),
        address.trim().into(),
        key_domain(key).into(),
        s.reason.as_str().into(),
        s.bounce_reason.map(|r| r.as_str()).into(),
        s.source.as_str().into(),
        s.description.as_str().into(),
        s.created_at.into(),
        s.updated_at.into(),
        s.expires_at.into(),
        s.event_id.as_deref().into(),
        s.locked.into(),
        s.review.into(),
    ]
}

/// The scope an action concerns and its note: people's words where it has them, else the
/// action itself as JSON.
fn describe(action: &Action) -> (Option<String>, String) {
    match action {
        Action::Suppress(s) => (Some(s.scope.to_string()), s.description.clone()),
        Action::Lift { scope, note, .. } => (Some(scope.to_string()), note.clone()),
        Action::FlagForReview { scope } | Action::Allowlisted { scope, .. } => {
            (Some(scope.to_string()), json(action))
        }
        other => (None, json(other)),
    }
}

fn json(action: &Action) -> String {
    serde_json::to_string(action).unwrap_or_else(|_| action.name().to_owned())
}

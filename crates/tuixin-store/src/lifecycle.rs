//! Address states in the database: load one (locked on PostgreSQL), store the lifecycle's new
//! state, mirror its suppressions into the `suppressions` table and write one audit row per
//! action. Used by ingest and by a person's add and remove.

use tuixin::lifecycle::{Action, AddressState, Suppression, Transition};

use crate::StoreError;
use crate::address::key_domain;
use crate::event::Timestamp;
use crate::sql::Tx;

/// Counts of what a state change did to the suppression list.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Changes {
    /// Entries that did not block before and do now.
    pub added: usize,
    /// Entries removed.
    pub lifted: usize,
}

/// The address's state, with its row locked until the transaction ends (PostgreSQL); a
/// never-seen address gets a row first, so that there is a row to lock.
pub(crate) fn load(
    tx: &mut dyn Tx,
    key: &str,
    address: &str,
    first_seen: Timestamp,
    now: Timestamp,
) -> Result<AddressState, StoreError> {
    tx.execute(
        "INSERT INTO addresses (key, address, state, first_seen, updated_at) VALUES ($1, $2, '', $3, $4) ON CONFLICT (key) DO NOTHING",
        &[key.into(), address.trim().into(), first_seen.into(), now.into()],
    )?;
    let sql = format!("SELECT state FROM addresses WHERE key = $1{}", tx.for_update());
    let row = tx.query_opt(&sql, &[key.into()])?;
    let text = row.as_ref().map_or("", |row| row[0].text());
    if text.is_empty() {
        return Ok(AddressState::default());
    }
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        db: String::new(),
        table: "addresses",
        cause: format!("state of {key}: {e}"),
    })
}

/// One audit row.
pub(crate) struct Audit<'a> {
    /// Who: `policy`, a user or token name.
    pub actor: &'a str,
    /// The event behind it, if any.
    pub event_id: Option<&'a str>,
    /// When.
    pub at: Timestamp,
}

/// Stores `next` as the address's state, mirrors its suppressions and audits every action.
pub(crate) fn save(
    tx: &mut dyn Tx,
    key: &str,
    address: &str,
    before: &AddressState,
    next: &Transition,
    audit: &Audit<'_>,
    now: Timestamp,
) -> Result<Changes, StoreError> {
    let state = serde_json::to_string(&next.state).map_err(|e| StoreError::Database {
        db: String::new(),
        cause: format!("cannot serialize an address state: {e}"),
    })?;
    tx.execute(
        "UPDATE addresses SET state = $1, updated_at = $2 WHERE key = $3",
        &[state.into(), now.into(), key.into()],
    )?;
    let mut changes = Changes::default();
    for old in &before.suppressions {
        if next.state.suppression(&old.scope).is_none() {
            tx.execute(
                "DELETE FROM suppressions WHERE address_key = $1 AND scope = $2",
                &[key.into(), old.scope.as_str().into()],
            )?;
            changes.lifted += 1;
        }
    }
    for new in &next.state.suppressions {
        let old = before.suppression(&new.scope);
        if old == Some(new) {
            continue;
        }
        if old.is_none_or(|old| !old.is_active(now)) {
            changes.added += 1;
        }
        upsert(tx, key, address, new)?;
    }
    audit_rows(tx, key, &next.actions, audit)?;
    Ok(changes)
}

/// One audit row per action.
pub(crate) fn audit_rows(
    tx: &mut dyn Tx,
    key: &str,
    actions: &[Action],
    audit: &Audit<'_>,
) -> Result<(), StoreError> {
    for action in actions {
        let (scope, note) = describe(action);
        tx.execute(
            "INSERT INTO audit (at, actor, action, address_key, scope, event_id, note) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                audit.at.into(),
                audit.actor.into(),
                action.name().into(),
                key.into(),
                scope.into(),
                audit.event_id.into(),
                note.into(),
            ],
        )?;
    }
    Ok(())
}

fn upsert(tx: &mut dyn Tx, key: &str, address: &str, s: &Suppression) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO suppressions (address_key, scope, address, domain, reason, bounce_reason, source, description, created_at, updated_at, expires_at, event_id, locked, review) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (address_key, scope) DO UPDATE SET reason = excluded.reason, bounce_reason = excluded.bounce_reason, source = excluded.source, \
         description = excluded.description, created_at = excluded.created_at, updated_at = excluded.updated_at, expires_at = excluded.expires_at, \
         event_id = excluded.event_id, locked = excluded.locked, review = excluded.review",
        &[
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
        ],
    )?;
    Ok(())
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

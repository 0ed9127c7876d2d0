//! The ingest transaction: raw inputs, events, then the lifecycle of each address a new event
//! concerns, all in the caller's one transaction.
//!
//! Lock order (PostgreSQL): raw inputs by id, then events by (address key, event id), so two
//! writers with overlapping batches wait for each other instead of deadlocking. An event id
//! already stored makes `INSERT ... ON CONFLICT DO NOTHING` return no row: only the writer
//! that stored the event runs the lifecycle for it, so counters never double.

use std::collections::HashSet;

use tuixin::lifecycle::{AlertCategory, LifecycleEvent, Policy, alert_observations, apply};

use crate::StoreError;
use crate::event::{IngestSummary, Input, Timestamp};
use crate::lifecycle;
use crate::raw::PackedRaw;
use crate::sql::{Tx, insert_rows};
use crate::store::Prepared;

/// Runs one batch in `tx`.
pub(crate) fn run(
    tx: &mut dyn Tx,
    batch: &[Input],
    packed: &[std::borrow::Cow<'_, PackedRaw>],
    prepared: &[Prepared],
    policy: &Policy,
    now: Timestamp,
) -> Result<IngestSummary, StoreError> {
    run_each(tx, batch, packed, prepared, policy, now).map(|(summary, _)| summary)
}

/// Runs one batch in `tx`: its summary, and each input's part of it (the suppressions an
/// address's events changed are the part of the input of its latest event; alerts are counted
/// in the whole only).
pub(crate) fn run_each(
    tx: &mut dyn Tx,
    batch: &[Input],
    packed: &[std::borrow::Cow<'_, PackedRaw>],
    prepared: &[Prepared],
    policy: &Policy,
    now: Timestamp,
) -> Result<(IngestSummary, Vec<IngestSummary>), StoreError> {
    let mut summary =
        IngestSummary { inputs: batch.len(), records: prepared.len(), ..IngestSummary::default() };
    let mut each: Vec<IngestSummary> = batch
        .iter()
        .map(|input| IngestSummary {
            inputs: 1,
            records: input.records.len(),
            ..IngestSummary::default()
        })
        .collect();
    let mut raws: Vec<(&PackedRaw, &Input)> =
        packed.iter().map(|p| p.as_ref()).zip(batch).collect();
    raws.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    raws.dedup_by(|a, b| a.0.id == b.0.id);
    let rows = raws
        .iter()
        .map(|(packed, input)| {
            vec![
                packed.id.as_str().into(),
                input.source.as_str().into(),
                input.origin.as_str().into(),
                input.received_at.into(),
                (input.raw.len() as i64).into(),
                packed.bytes.as_slice().into(),
                packed.encoding.into(),
            ]
        })
        .collect();
    insert_rows(
        tx,
        "INSERT INTO raw_inputs (id, source, origin, received_at, size, bytes, encoding)",
        rows,
        " ON CONFLICT (id) DO NOTHING",
    )?;
    // Events, in lock order; a bounce twice in one batch is one row.
    let mut candidates: Vec<(&Prepared, LifecycleEvent<'_>)> = Vec::with_capacity(prepared.len());
    let mut rows = Vec::with_capacity(prepared.len());
    let mut previous: Option<&str> = None;
    for p in prepared {
        if previous == Some(p.id.as_str()) {
            summary.duplicates += 1;
            each[p.input].duplicates += 1;
            continue;
        }
        previous = Some(&p.id);
        let input = &batch[p.input];
        let record = &input.records[p.record];
        let event = LifecycleEvent::from_record(record, &p.id, &input.source, input.received_at);
        let json = serde_json::to_string(record).map_err(|e| StoreError::Database {
            db: tx.db_name().to_owned(),
            cause: format!("cannot serialize a record: {e}"),
        })?;
        rows.push(vec![
            p.id.as_str().into(),
            p.key.clone().into(),
            record.recipient.as_str().into(),
            event.at.into(),
            input.source.as_str().into(),
            input.received_at.into(),
            p.raw_id.as_str().into(),
            record.action.as_str().into(),
            record.reason.as_str().into(),
            record.category.as_str().into(),
            record.hardbounce.into(),
            record.deliverystatus.as_str().into(),
            record.replycode.as_str().into(),
            record.diagnosticcode.as_str().into(),
            record.senderdomain.as_str().into(),
            record.destination.as_str().into(),
            record.messageid.as_str().into(),
            record.feedbacktype.as_str().into(),
            record.rule.as_str().into(),
            record.rulekind.name().into(),
            json.into(),
        ]);
        candidates.push((p, event));
    }
    // Only the events this transaction stored run the lifecycle: an event id already stored
    // (by an earlier run, or by another writer that committed first) returns no row.
    let inserted: HashSet<String> = insert_rows(
        tx,
        "INSERT INTO events (id, address_key, recipient, at, source, received_at, raw_id, action, reason, category, hardbounce, deliverystatus, replycode, diagnosticcode, senderdomain, destination, messageid, feedbacktype, rule, rulekind, record)",
        rows,
        " ON CONFLICT (id) DO NOTHING RETURNING id",
    )?
    .into_iter()
    .map(|mut row| row[0].take_text())
    .collect();
    let mut new_events: Vec<(&Prepared, LifecycleEvent<'_>)> = Vec::with_capacity(inserted.len());
    for (p, event) in candidates {
        if !inserted.contains(&p.id) {
            summary.duplicates += 1;
            each[p.input].duplicates += 1;
            continue;
        }
        summary.new_events += 1;
        each[p.input].new_events += 1;
        if p.key.is_none() {
            summary.invalid_addresses += 1;
            each[p.input].invalid_addresses += 1;
        }
        new_events.push((p, event));
    }
    // The lifecycle: every address's state loaded (and locked) in key order, its events
    // applied in time order, and the writes of the whole batch sent together.
    let mut addresses: Vec<(String, String, Timestamp)> = Vec::new();
    for (p, event) in &new_events {
        let Some(key) = &p.key else { continue };
        match addresses.last_mut() {
            Some((last, _, first_seen)) if last == key => *first_seen = (*first_seen).min(event.at),
            _ => {
                let recipient = &batch[p.input].records[p.record].recipient;
                addresses.push((key.clone(), recipient.clone(), event.at));
            }
        }
    }
    let states = lifecycle::load_many(tx, &addresses, now)?;
    let mut writes = lifecycle::Writes::default();
    let mut i = 0;
    while i < new_events.len() {
        let key = new_events[i].0.key.clone();
        let mut j = i;
        while j < new_events.len() && new_events[j].0.key == key {
            j += 1;
        }
        if let Some(key) = key {
            let group = &mut new_events[i..j];
            group.sort_by(|a, b| (a.1.at, a.1.id).cmp(&(b.1.at, b.1.id)));
            let address = &batch[group[0].0.input].records[group[0].0.record].recipient;
            let before = states.get(&key).cloned().unwrap_or_default();
            let mut state = before.clone();
            for (p, event) in group.iter() {
                let step = apply(&state, event, policy);
                let audit = lifecycle::Audit { actor: "policy", event_id: Some(&p.id), at: now };
                writes.audit(&key, &step.actions, &audit);
                state = step.state;
            }
            let (added, lifted) = (writes.added(), writes.lifted());
            writes.state(&key, address, &before, &state, now)?;
            let latest = &mut each[group[group.len() - 1].0.input];
            latest.suppressions_added += writes.added() - added;
            latest.suppressions_lifted += writes.lifted() - lifted;
        }
        i = j;
    }
    let changes = writes.flush(tx)?;
    summary.suppressions_added += changes.added;
    summary.suppressions_lifted += changes.lifted;
    // Alert windows, in (category, key) order, each fed its events in time order.
    let mut observations: Vec<(AlertCategory, String, Timestamp, &str, bool)> = Vec::new();
    for (p, event) in &new_events {
        for o in alert_observations(event, policy) {
            observations.push((o.category, o.key, event.at, p.id.as_str(), o.hit));
        }
    }
    observations
        .sort_by(|a, b| (a.0.as_str(), &a.1, a.2, a.3).cmp(&(b.0.as_str(), &b.1, b.2, b.3)));
    summary.alerts_opened += crate::alerts::feed(tx, &observations, &policy.alerts, now)?;
    Ok((summary, each))
}

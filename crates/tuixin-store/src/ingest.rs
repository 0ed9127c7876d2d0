//! The ingest transaction: raw inputs, events, then the lifecycle of each address a new event
//! concerns, all in the caller's one transaction.
//!
//! Lock order (PostgreSQL): raw inputs by id, then events by (address key, event id), so two
//! writers with overlapping batches wait for each other instead of deadlocking. An event id
//! already stored makes `INSERT ... ON CONFLICT DO NOTHING` return no row: only the writer
//! that stored the event runs the lifecycle for it, so counters never double.

use tuixin::lifecycle::{
    AlertCategory, LifecycleEvent, Policy, Transition, alert_observations, apply,
};

use crate::StoreError;
use crate::event::{IngestSummary, Input, Timestamp};
use crate::lifecycle;
use crate::sql::Tx;
use crate::store::Prepared;

/// Runs one batch in `tx`.
pub(crate) fn run(
    tx: &mut dyn Tx,
    batch: &[Input],
    prepared: &[Prepared],
    policy: &Policy,
    now: Timestamp,
) -> Result<IngestSummary, StoreError> {
    let mut summary =
        IngestSummary { inputs: batch.len(), records: prepared.len(), ..IngestSummary::default() };
    let mut raws: Vec<(String, &Input)> =
        batch.iter().map(|input| (crate::event::raw_id(&input.raw), input)).collect();
    raws.sort_by(|a, b| a.0.cmp(&b.0));
    raws.dedup_by(|a, b| a.0 == b.0);
    for (id, input) in &raws {
        tx.execute(
            "INSERT INTO raw_inputs (id, source, origin, received_at, size, bytes) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
            &[
                id.into(),
                input.source.as_str().into(),
                input.origin.as_str().into(),
                input.received_at.into(),
                (input.raw.len() as i64).into(),
                input.raw.as_slice().into(),
            ],
        )?;
    }
    let mut new_events: Vec<(&Prepared, LifecycleEvent<'_>)> = Vec::new();
    let mut previous: Option<&str> = None;
    for p in prepared {
        if previous == Some(p.id.as_str()) {
            // The same bounce twice in one batch.
            summary.duplicates += 1;
            continue;
        }
        previous = Some(&p.id);
        let input = &batch[p.input];
        let record = &input.records[p.record];
        let event = LifecycleEvent::from_record(record, &p.id, &input.source, input.received_at);
        let json = serde_json::to_string(record).map_err(|e| StoreError::Database {
            db: String::new(),
            cause: format!("cannot serialize a record: {e}"),
        })?;
        let inserted = tx.query(
            "INSERT INTO events (id, address_key, recipient, at, source, received_at, raw_id, action, reason, category, hardbounce, deliverystatus, replycode, diagnosticcode, senderdomain, destination, messageid, feedbacktype, rule, rulekind, record) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) ON CONFLICT (id) DO NOTHING RETURNING id",
            &[
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
            ],
        )?;
        if inserted.is_empty() {
            summary.duplicates += 1;
            continue;
        }
        summary.new_events += 1;
        if p.key.is_none() {
            summary.invalid_addresses += 1;
        }
        new_events.push((p, event));
    }
    // The lifecycle, one address at a time in key order (the lock order), its events in time
    // order.
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
            let first = &group[0];
            let address = &batch[first.0.input].records[first.0.record].recipient;
            let before = lifecycle::load(tx, &key, address, first.1.at, now)?;
            let mut state = before.clone();
            let mut all = Transition { state: before.clone(), actions: Vec::new() };
            for (p, event) in group.iter() {
                let step = apply(&state, event, policy);
                // Audit rows name their event: written per event, the state once at the end.
                lifecycle::audit_rows(
                    tx,
                    &key,
                    &step.actions,
                    &lifecycle::Audit { actor: "policy", event_id: Some(&p.id), at: now },
                )?;
                state = step.state;
            }
            all.state = state;
            // The actions were audited per event above; `all` carries none.
            let audit = lifecycle::Audit { actor: "policy", event_id: None, at: now };
            let changes = lifecycle::save(tx, &key, address, &before, &all, &audit, now)?;
            summary.suppressions_added += changes.added;
            summary.suppressions_lifted += changes.lifted;
        }
        i = j;
    }
    // Alert windows, in (category, key) order, each fed its events in time order.
    let mut observations: Vec<(AlertCategory, String, Timestamp, &str, bool)> = Vec::new();
    for (p, event) in &new_events {
        for o in alert_observations(event, policy) {
            observations.push((o.category, o.key, event.at, p.id.as_str(), o.hit));
        }
    }
    observations
        .sort_by(|a, b| (a.0.as_str(), &a.1, a.2, a.3).cmp(&(b.0.as_str(), &b.1, b.2, b.3)));
    let mut i = 0;
    while i < observations.len() {
        let (category, key) = (observations[i].0, observations[i].1.clone());
        let mut j = i;
        while j < observations.len() && observations[j].0 == category && observations[j].1 == key {
            j += 1;
        }
        summary.alerts_opened +=
            crate::alerts::feed(tx, category, &key, &observations[i..j], &policy.alerts, now)?;
        i = j;
    }
    Ok(summary)
}

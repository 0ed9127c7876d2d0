//! The ingest transaction: raw inputs, events, then the lifecycle of each address a new event
//! concerns, all in the caller's one transaction.
//!
//! Lock order (PostgreSQL): raw inputs by id, then events by (address key, event id), so two
//! writers with overlapping batches wait for each other instead of deadlocking. An event id
//! already stored makes `INSERT ... ON CONFLICT DO NOTHING` return no row: only the writer
//! that stored the event runs the lifecycle for it, so counters never double.

use crate::StoreError;
use crate::event::{IngestSummary, Input, Timestamp};
use crate::sql::Tx;
use crate::store::Prepared;

/// Runs one batch in `tx`.
pub(crate) fn run(
    tx: &mut dyn Tx,
    batch: &[Input],
    prepared: &[Prepared],
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
    let mut new_events: Vec<&Prepared> = Vec::new();
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
        let at = if record.timestamp > 0 { record.timestamp } else { input.received_at };
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
                at.into(),
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
            continue;
        }
        new_events.push(p);
    }
    for p in new_events {
        let input = &batch[p.input];
        let record = &input.records[p.record];
        let key = p.key.as_deref().unwrap_or_default();
        let at = if record.timestamp > 0 { record.timestamp } else { input.received_at };
        tx.execute(
            "INSERT INTO addresses (key, address, state, first_seen, updated_at) VALUES ($1, $2, '', $3, $4) ON CONFLICT (key) DO NOTHING",
            &[key.into(), record.recipient.trim().into(), at.into(), now.into()],
        )?;
    }
    Ok(summary)
}

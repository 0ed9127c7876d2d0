//! Alert windows in the database: each (category, key)'s counting window, fed by new events,
//! and one `alerts` row per alert opened (its last hit and count kept up to date, closed after
//! the quiet hours). A batch's windows are loaded (locked) in (category, key) order and written
//! back together.

use std::collections::HashMap;

use tuixin::lifecycle::{AlertCategory, AlertPolicy, AlertWindow, observe};

use crate::StoreError;
use crate::event::Timestamp;
use crate::sql::{Tx, Value, insert_rows};

/// One observation: the window's category and key, the event's time and id, and whether it is
/// an alert event (else traffic only).
pub(crate) type Observation<'a> = (AlertCategory, String, Timestamp, &'a str, bool);

/// Windows looked up per SELECT.
const WINDOWS_PER_SELECT: usize = 250;

/// Feeds the windows their observations (sorted by category, key, time, event id); how many
/// alerts opened.
pub(crate) fn feed(
    tx: &mut dyn Tx,
    observations: &[Observation<'_>],
    policy: &AlertPolicy,
    now: Timestamp,
) -> Result<usize, StoreError> {
    // The windows, in order, each with its slice of observations.
    let mut groups: Vec<(&str, &str, &[Observation<'_>])> = Vec::new();
    let mut i = 0;
    while i < observations.len() {
        let (category, key) = (observations[i].0, &observations[i].1);
        let mut j = i;
        while j < observations.len() && observations[j].0 == category && &observations[j].1 == key {
            j += 1;
        }
        groups.push((category.as_str(), key, &observations[i..j]));
        i = j;
    }
    if groups.is_empty() {
        return Ok(0);
    }
    let rows = groups
        .iter()
        .map(|(c, k, _)| vec![(*c).into(), (*k).into(), "".into(), now.into()])
        .collect();
    insert_rows(
        tx,
        "INSERT INTO alert_windows (category, key, state, updated_at)",
        rows,
        " ON CONFLICT (category, key) DO NOTHING",
    )?;
    let mut windows: HashMap<(String, String), AlertWindow> = HashMap::new();
    for chunk in groups.chunks(WINDOWS_PER_SELECT) {
        let pairs = (0..chunk.len())
            .map(|n| format!("(${}, ${})", 2 * n + 1, 2 * n + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT category, key, state FROM alert_windows WHERE (category, key) IN ({pairs}) ORDER BY category, key{}",
            tx.for_update()
        );
        let params: Vec<Value> =
            chunk.iter().flat_map(|(c, k, _)| [(*c).into(), (*k).into()]).collect();
        for mut row in tx.query(&sql, &params)? {
            let (category, key) = (row[0].take_text(), row[1].take_text());
            let window = match row[2].text() {
                "" => AlertWindow::default(),
                text => serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
                    db: tx.db_name().to_owned(),
                    table: "alert_windows",
                    cause: format!("{category} {key}: {e}"),
                })?,
            };
            windows.insert((category, key), window);
        }
    }
    let mut opened = 0;
    let mut states = Vec::with_capacity(groups.len());
    let mut inserts: Vec<Vec<Value>> = Vec::new();
    for (category, key, observed) in groups {
        let mut window = windows.remove(&(category.to_owned(), key.to_owned())).unwrap_or_default();
        for (_, _, at, _, hit) in observed {
            let was_open = window.opened_at;
            let (next, opened_now) = observe(&window, *at, *hit, policy);
            if let Some(old) = was_open
                && next.opened_at != Some(old)
            {
                // The open alert closed after its quiet hours (it may not be stored yet).
                let closed_at = old + i64::from(policy.quiet_hours) * 3600;
                let id = alert_id(category, key, old);
                match inserts.iter_mut().find(|row| row[0].text() == id) {
                    Some(row) => row[6] = closed_at.into(),
                    None => {
                        tx.execute(
                            "UPDATE alerts SET closed_at = $1 WHERE id = $2",
                            &[closed_at.into(), id.into()],
                        )?;
                    }
                }
            }
            if opened_now && let Some(at) = next.opened_at {
                inserts.push(vec![
                    alert_id(category, key, at).into(),
                    category.into(),
                    key.into(),
                    at.into(),
                    at.into(),
                    (next.hits_while_open as i64).into(),
                    Value::Null,
                ]);
                opened += 1;
            }
            window = next;
        }
        // The open alert's latest hit and count, once per window and batch.
        if window.open
            && let Some(at) = window.opened_at
        {
            let id = alert_id(category, key, at);
            let last = window.last_hit.unwrap_or(at);
            match inserts.iter_mut().find(|row| row[0].text() == id) {
                Some(row) => {
                    row[4] = last.into();
                    row[5] = (window.hits_while_open as i64).into();
                }
                None => {
                    tx.execute(
                        "UPDATE alerts SET last_at = $1, events = $2 WHERE id = $3",
                        &[last.into(), (window.hits_while_open as i64).into(), id.into()],
                    )?;
                }
            }
        }
        let state = serde_json::to_string(&window).map_err(|e| StoreError::Database {
            db: tx.db_name().to_owned(),
            cause: format!("cannot serialize an alert window: {e}"),
        })?;
        states.push(vec![category.into(), key.into(), state.into(), now.into()]);
    }
    insert_rows(
        tx,
        "INSERT INTO alerts (id, category, key, opened_at, last_at, events, closed_at)",
        inserts,
        " ON CONFLICT (id) DO NOTHING",
    )?;
    insert_rows(
        tx,
        "INSERT INTO alert_windows (category, key, state, updated_at)",
        states,
        " ON CONFLICT (category, key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
    )?;
    Ok(opened)
}

/// An alert's id: its window and the time it opened.
fn alert_id(category: &str, key: &str, opened_at: Timestamp) -> String {
    format!("{category}:{opened_at}:{key}")
}

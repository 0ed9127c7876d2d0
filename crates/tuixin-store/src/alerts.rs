//! Alert windows in the database: each (category, key)'s counting window, fed by new events,
//! and one `alerts` row per alert opened (its last hit and count kept up to date, closed after
//! the quiet hours).

use tuixin::lifecycle::{AlertCategory, AlertPolicy, AlertWindow, observe};

use crate::StoreError;
use crate::event::Timestamp;
use crate::sql::Tx;

/// Feeds one window its observations `(category, key, at, event id, hit)`, in time order;
/// how many alerts opened.
pub(crate) fn feed(
    tx: &mut dyn Tx,
    category: AlertCategory,
    key: &str,
    observations: &[(AlertCategory, String, Timestamp, &str, bool)],
    policy: &AlertPolicy,
    now: Timestamp,
) -> Result<usize, StoreError> {
    let cat = category.as_str();
    tx.execute(
        "INSERT INTO alert_windows (category, key, state, updated_at) VALUES ($1, $2, '', $3) ON CONFLICT (category, key) DO NOTHING",
        &[cat.into(), key.into(), now.into()],
    )?;
    let sql = format!(
        "SELECT state FROM alert_windows WHERE category = $1 AND key = $2{}",
        tx.for_update()
    );
    let row = tx.query_opt(&sql, &[cat.into(), key.into()])?;
    let text = row.as_ref().map_or("", |r| r[0].text());
    let mut window: AlertWindow = if text.is_empty() {
        AlertWindow::default()
    } else {
        serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
            db: String::new(),
            table: "alert_windows",
            cause: format!("{cat} {key}: {e}"),
        })?
    };
    let mut opened = 0;
    for (_, _, at, event_id, hit) in observations {
        let was_open = window.opened_at;
        let (next, opened_now) = observe(&window, *at, *hit, policy);
        if let Some(old) = was_open
            && next.opened_at != Some(old)
        {
            // The open alert closed after its quiet hours.
            tx.execute(
                "UPDATE alerts SET closed_at = $1 WHERE id = $2",
                &[
                    (old + i64::from(policy.quiet_hours) * 3600).into(),
                    alert_id(cat, key, old).into(),
                ],
            )?;
        }
        if opened_now && let Some(at) = next.opened_at {
            tx.execute(
                "INSERT INTO alerts (id, category, key, opened_at, last_at, events, closed_at, acked_at) VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL) ON CONFLICT (id) DO NOTHING",
                &[alert_id(cat, key, at).into(), cat.into(), key.into(), at.into(), at.into(), (next.hits_while_open as i64).into()],
            )?;
            opened += 1;
            let _ = event_id;
        } else if *hit
            && next.open
            && let Some(at) = next.opened_at
        {
            tx.execute(
                "UPDATE alerts SET last_at = $1, events = $2 WHERE id = $3",
                &[
                    next.last_hit.unwrap_or(at).into(),
                    (next.hits_while_open as i64).into(),
                    alert_id(cat, key, at).into(),
                ],
            )?;
        }
        window = next;
    }
    let state = serde_json::to_string(&window).map_err(|e| StoreError::Database {
        db: String::new(),
        cause: format!("cannot serialize an alert window: {e}"),
    })?;
    tx.execute(
        "UPDATE alert_windows SET state = $1, updated_at = $2 WHERE category = $3 AND key = $4",
        &[state.into(), now.into(), cat.into(), key.into()],
    )?;
    Ok(opened)
}

/// An alert's id: its window and the time it opened.
fn alert_id(category: &str, key: &str, opened_at: Timestamp) -> String {
    format!("{category}:{opened_at}:{key}")
}

//! Single rows and small aggregates the server asks for: one event by id, entries per reason.

use crate::StoreError;
use crate::event::EventRow;
use crate::store::Store;

impl Store {
    /// The event with this id, if stored.
    pub fn event(&self, id: &str) -> Result<Option<EventRow>, StoreError> {
        let row = self.read(|tx| {
            tx.query_opt(
                "SELECT id, source, received_at, at, address_key, raw_id, record FROM events WHERE id = $1",
                &[id.into()],
            )
        })?;
        let Some(mut row) = row else { return Ok(None) };
        let record = serde_json::from_str(row[6].text()).map_err(|e| StoreError::Corrupt {
            db: self.display_url(),
            table: "events",
            cause: e.to_string(),
        })?;
        Ok(Some(EventRow {
            id: row[0].take_text(),
            source: row[1].take_text(),
            received_at: row[2].int(),
            at: row[3].int(),
            address_key: row[4].opt_text(),
            raw_id: row[5].opt_text(),
            record,
        }))
    }

    /// How many suppression entries each reason has, by reason name.
    pub fn suppressions_by_reason(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = self.read(|tx| {
            tx.query(
                "SELECT reason, count(*) FROM suppressions GROUP BY reason ORDER BY reason",
                &[],
            )
        })?;
        Ok(rows.into_iter().map(|mut r| (r[0].take_text(), r[1].int())).collect())
    }
}

//! Leases: one holder at a time for a named job (an IMAP mailbox's poller) among the servers
//! sharing a database. A lease is taken or renewed in one statement, so two servers racing for
//! it cannot both win.

use crate::error::StoreError;
use crate::event::Timestamp;
use crate::store::Store;

impl Store {
    /// Takes or renews the lease `name` for `holder` until `expires_at`: true when `holder` has
    /// it now (it was free, expired at `now`, or already `holder`'s), false when another
    /// holder's lease is still running.
    pub fn lease_take(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<bool, StoreError> {
        let changed = self.write(|tx| {
            tx.execute(
                "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
                 WHERE leases.holder = excluded.holder OR leases.expires_at <= $4",
                &[name.into(), holder.into(), expires_at.into(), now.into()],
            )
        })?;
        Ok(changed == 1)
    }

    /// Gives the lease `name` up if `holder` has it (another server may take it at once).
    pub fn lease_release(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM leases WHERE name = $1 AND holder = $2",
                &[name.into(), holder.into()],
            )
            .map(|_| ())
        })
    }
}

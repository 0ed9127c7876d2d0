//! The web page's sign-in sessions: who signed in with which token, until when, and the
//! secret the CSRF tokens of their forms are made from. Only the SHA-256 of a session id is
//! stored, so reading the database does not let anyone take a session over.

use crate::StoreError;
use crate::event::Timestamp;
use crate::store::Store;

/// One stored session (never its id, only the id's hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// The SHA-256 of the session id, hex.
    pub id_sha256: String,
    /// The id of the token that signed in.
    pub token_id: String,
    /// The secret the session's CSRF tokens are made from.
    pub csrf_secret: String,
    /// When it began.
    pub created_at: Timestamp,
    /// When it ends.
    pub expires_at: Timestamp,
}

impl Store {
    /// Stores a new session, and forgets the sessions that have ended by its start.
    pub fn session_create(&self, session: &SessionRow) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute("DELETE FROM sessions WHERE expires_at <= $1", &[session.created_at.into()])?;
            tx.execute(
                "INSERT INTO sessions (id_sha256, token_id, csrf_secret, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                &[
                    session.id_sha256.as_str().into(),
                    session.token_id.as_str().into(),
                    session.csrf_secret.as_str().into(),
                    session.created_at.into(),
                    session.expires_at.into(),
                ],
            )
            .map(|_| ())
        })
    }

    /// The live session with this id hash at `now`: none when it has ended, was signed out,
    /// or its token was revoked.
    pub fn session(
        &self,
        id_sha256: &str,
        now: Timestamp,
    ) -> Result<Option<SessionRow>, StoreError> {
        let row = self.read(|tx| {
            tx.query_opt(
                "SELECT s.id_sha256, s.token_id, s.csrf_secret, s.created_at, s.expires_at FROM sessions s \
                 JOIN tokens t ON t.id = s.token_id \
                 WHERE s.id_sha256 = $1 AND s.expires_at > $2 AND t.revoked_at IS NULL",
                &[id_sha256.into(), now.into()],
            )
        })?;
        Ok(row.map(|mut r| SessionRow {
            id_sha256: r[0].take_text(),
            token_id: r[1].take_text(),
            csrf_secret: r[2].take_text(),
            created_at: r[3].int(),
            expires_at: r[4].int(),
        }))
    }

    /// Ends a session (sign-out); whether there was one.
    pub fn session_delete(&self, id_sha256: &str) -> Result<bool, StoreError> {
        self.write(|tx| {
            tx.execute("DELETE FROM sessions WHERE id_sha256 = $1", &[id_sha256.into()])
                .map(|n| n > 0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TokenRow;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("t.db").to_str().unwrap()).unwrap();
        store.migrate().unwrap();
        store
            .token_create(&TokenRow {
                id: "abc".into(),
                name: "web".into(),
                scopes: vec!["read".into()],
                secret_sha256: "00".repeat(32),
                created_at: 0,
                revoked_at: None,
            })
            .unwrap();
        (dir, store)
    }

    fn session(id: &str, expires_at: Timestamp) -> SessionRow {
        SessionRow {
            id_sha256: id.into(),
            token_id: "abc".into(),
            csrf_secret: "s".into(),
            created_at: 10,
            expires_at,
        }
    }

    #[test]
    fn a_session_lives_until_it_expires_is_signed_out_or_its_token_is_revoked() {
        let (_dir, store) = store();
        store.session_create(&session("one", 100)).unwrap();
        assert_eq!(store.session("one", 50).unwrap(), Some(session("one", 100)));
        assert_eq!(store.session("one", 100).unwrap(), None, "expired");
        assert_eq!(store.session("two", 50).unwrap(), None, "never made");
        assert!(store.session_delete("one").unwrap());
        assert_eq!(store.session("one", 50).unwrap(), None, "signed out");
        store.session_create(&session("three", 100)).unwrap();
        assert_eq!(store.token_revoke("abc", 20).unwrap(), 1);
        assert_eq!(store.session("three", 50).unwrap(), None, "token revoked");
    }
}

//! API tokens: who may call `tuixin serve`, with which scopes. Only the SHA-256 of a token's
//! secret is stored; the secret itself is shown once, when it is made.

use serde::Serialize;

use crate::StoreError;
use crate::event::Timestamp;
use crate::store::Store;

/// One stored token (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenRow {
    /// Its public id (the part of the token before the secret).
    pub id: String,
    /// Its name, as given when made.
    pub name: String,
    /// Its scopes: `check`, `read`, `write`, `admin`.
    pub scopes: Vec<String>,
    /// The SHA-256 of its secret, hex.
    #[serde(skip)]
    pub secret_sha256: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

impl Store {
    /// Stores a new token (its id, name, scopes and the hash of its secret).
    pub fn token_create(&self, token: &TokenRow) -> Result<(), StoreError> {
        let scopes = token.scopes.join(",");
        self.write(|tx| {
            tx.execute(
                "INSERT INTO tokens (id, name, scopes, secret_sha256, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    token.id.as_str().into(),
                    token.name.as_str().into(),
                    scopes.as_str().into(),
                    token.secret_sha256.as_str().into(),
                    token.created_at.into(),
                    token.revoked_at.into(),
                ],
            )
            .map(|_| ())
        })
    }

    /// Every token, revoked ones too, oldest first.
    pub fn tokens(&self) -> Result<Vec<TokenRow>, StoreError> {
        let rows = self.read(|tx| {
            tx.query(
                "SELECT id, name, scopes, secret_sha256, created_at, revoked_at FROM tokens ORDER BY created_at, id",
                &[],
            )
        })?;
        Ok(rows
            .into_iter()
            .map(|mut r| TokenRow {
                id: r[0].take_text(),
                name: r[1].take_text(),
                scopes: r[2]
                    .text()
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                secret_sha256: r[3].take_text(),
                created_at: r[4].int(),
                revoked_at: r[5].opt_int(),
            })
            .collect())
    }

    /// Revokes the live tokens with this id or name; how many.
    pub fn token_revoke(&self, id_or_name: &str, now: Timestamp) -> Result<u64, StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE tokens SET revoked_at = $1 WHERE (id = $2 OR name = $2) AND revoked_at IS NULL",
                &[now.into(), id_or_name.into()],
            )
        })
    }

    /// A value kept in the store's settings (`meta`), e.g. the policy set over the API.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let row = self.read(|tx| {
            tx.query_opt(
                "SELECT value FROM meta WHERE key = $1",
                &[format!("setting:{key}").into()],
            )
        })?;
        Ok(row.map(|mut r| r[0].take_text()))
    }

    /// Keeps a value in the store's settings.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[format!("setting:{key}").into(), value.into()],
            )
            .map(|_| ())
        })
    }
}

//! The server's shared state: the store, the tokens, the policy in force, the limits; and the
//! two things every handler does first: check the caller's token, and run store calls off the
//! async threads.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode, header};
use tuixin::lifecycle::Policy;
use tuixin_store::{Store, StoreError};

use crate::error::ApiError;
use crate::token::{Caller, Denied, TokenScope, Tokens};

/// The settings `serve` runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Bytes of one request body at most (413 past it); ingest uploads are the large ones.
    pub max_body_bytes: usize,
    /// How long one request may take before it is answered 408.
    pub request_timeout: Duration,
    /// Requests handled at once; more wait their turn.
    pub max_concurrent: usize,
    /// The policy from the config file (or the built-in one); a policy set with `PUT
    /// /v1/policy` and kept in the store wins over it.
    pub policy: Policy,
    /// How often the token list is re-read from the store (tokens made or revoked by the CLI).
    pub token_refresh: Duration,
    /// Calls per second one token may make (bursts of twice that); unlimited when None.
    pub rate_per_second: Option<u32>,
    /// Bytes of one import file (`POST /v1/imports`) at most (413 past it).
    pub max_import_bytes: u64,
    /// How long a client may take to send a request's head (request line and headers), and
    /// how long a connection may sit idle before one; the connection is closed past it.
    pub header_read_timeout: Duration,
    /// Bytes of a request's head at most (431 past it; at least 8192).
    pub max_header_bytes: usize,
    /// Bytes of a request's URI at most (414 past it).
    pub max_uri_bytes: usize,
    /// Connections open at once; more wait in the listen queue.
    pub max_connections: usize,
    /// How often `serve` runs its upkeep: the sweep of expired suppressions, the pruning of raw
    /// inputs past their retention, and failing import jobs whose server went away.
    pub upkeep_interval: Duration,
    /// Days raw inputs are kept (events keep their records).
    pub raw_retention_days: u32,
    /// The ESP webhooks configured (`POST /v1/webhooks/{provider}`); none by default.
    pub webhooks: crate::webhooks::Webhooks,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            max_body_bytes: 32 << 20,
            request_timeout: Duration::from_secs(60),
            max_concurrent: 512,
            policy: Policy::builtin().clone(),
            token_refresh: Duration::from_secs(2),
            rate_per_second: None,
            max_import_bytes: 1 << 30,
            header_read_timeout: Duration::from_secs(10),
            max_header_bytes: 64 * 1024,
            max_uri_bytes: 8 * 1024,
            max_connections: 4096,
            upkeep_interval: Duration::from_secs(300),
            raw_retention_days: 30,
            webhooks: crate::webhooks::Webhooks::default(),
        }
    }
}

/// What one round of upkeep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Upkeep {
    /// Expired suppressions lifted.
    pub lifted: usize,
    /// Raw inputs pruned.
    pub pruned: u64,
    /// Import jobs marked failed.
    pub failed_jobs: u64,
}

/// What every handler shares.
pub struct App {
    /// The store (synchronous: call it through [`App::blocking`]).
    pub store: SharedStore,
    /// The live tokens.
    pub tokens: Tokens,
    /// The policy in force.
    pub policy: RwLock<Arc<Policy>>,
    /// The per-token rate limit, if one is set.
    pub rate: Option<crate::rate::RateLimiter>,
    /// The settings.
    pub settings: Settings,
    /// Group commit of ingested inputs (webhook calls).
    pub committer: crate::commit::Committer,
}

/// The store, shared; when the last handle would be dropped on an async thread it is dropped
/// on a plain thread instead (a PostgreSQL store owns a small runtime of its own, which must
/// not be dropped inside another).
pub struct SharedStore(Option<Arc<Store>>);

impl std::ops::Deref for SharedStore {
    type Target = Arc<Store>;
    fn deref(&self) -> &Arc<Store> {
        self.0.as_ref().expect("the store is there until the app is dropped")
    }
}

impl Drop for SharedStore {
    fn drop(&mut self) {
        if let Some(store) = self.0.take()
            && tokio::runtime::Handle::try_current().is_ok()
        {
            std::thread::spawn(move || drop(store));
        }
    }
}

/// The settings key under which a policy set over the API is kept.
pub const POLICY_SETTING: &str = "policy";

impl App {
    /// The shared state over an open store; the policy kept in the store, if any, wins over
    /// the settings' one.
    pub fn new(store: Store, settings: Settings) -> Result<Arc<App>, StoreError> {
        let stored = store.setting(POLICY_SETTING)?;
        let policy = match stored.as_deref().map(Policy::from_toml) {
            Some(Ok(policy)) => policy,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "the policy kept in the store is invalid; using the configured one");
                settings.policy.clone()
            }
            None => settings.policy.clone(),
        };
        let now = crate::time::now();
        let failed =
            store.fail_stale_import_jobs(now - crate::api::imports::STALE_JOB_SECS, now)?;
        if failed > 0 {
            tracing::warn!(
                jobs = failed,
                "import jobs left by a server that stopped marked failed"
            );
        }
        let tokens = Tokens::new(settings.token_refresh);
        tokens.reload(&store)?;
        let store = Arc::new(store);
        Ok(Arc::new(App {
            committer: crate::commit::Committer::start(store.clone()),
            store: SharedStore(Some(store)),
            tokens,
            policy: RwLock::new(Arc::new(policy)),
            rate: settings
                .rate_per_second
                .map(|n| crate::rate::RateLimiter::new(n, n.saturating_mul(2))),
            settings,
        }))
    }

    /// The policy in force now.
    pub fn policy(&self) -> Arc<Policy> {
        self.policy.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// One round of upkeep (blocking): expired suppressions swept, raw inputs past their
    /// retention pruned, import jobs left by a stopped server marked failed.
    pub fn upkeep(&self) -> Result<Upkeep, StoreError> {
        let now = crate::time::now();
        let lifted = self.store.sweep(now)?;
        let pruned =
            self.store.prune_raw(now - i64::from(self.settings.raw_retention_days) * 86_400)?;
        let failed_jobs =
            self.store.fail_stale_import_jobs(now - crate::api::imports::STALE_JOB_SECS, now)?;
        Ok(Upkeep { lifted, pruned, failed_jobs })
    }

    /// Runs a store call on a blocking thread.
    pub async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|e| ApiError::internal(format!("the store call failed: {e}")))?
    }

    /// Checks the request's bearer token for a call that needs `needed`: 401 without a valid
    /// token, 403 when its scopes fall short.
    pub async fn authorize(
        &self,
        headers: &HeaderMap,
        needed: TokenScope,
    ) -> Result<Caller, ApiError> {
        if self.tokens.stale() {
            let tokens = self.tokens.clone();
            self.blocking(move |store| tokens.reload(store).map_err(ApiError::from)).await?;
        }
        let header = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let caller = self.tokens.authorize(header, needed).map_err(|denied| match denied {
            Denied::Unauthorized => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "a valid token is needed: Authorization: Bearer <token> (tuixin token create)",
            ),
            Denied::Forbidden => ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("this token's scopes do not include {}", needed.as_str()),
            ),
        })?;
        if let Some(rate) = &self.rate
            && let Err(wait) = rate.take(&caller.id, std::time::Instant::now())
        {
            let mut e = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "this token has made more calls than its rate allows; retry after Retry-After seconds",
            );
            e.retry_after = Some(wait);
            return Err(e);
        }
        Ok(caller)
    }
}

//! One pass over a mailbox's folder: find the messages above the last UID handled, fetch them
//! in bounded batches, decode, commit, then act on them on the server, then remember the last
//! UID. A failure anywhere before the commit leaves the mail as it was; after the commit and
//! before the state is saved, the next pass fetches the batch again, which stores nothing new
//! (events are idempotent).

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::TryStreamExt;
use tuixin::lifecycle::Policy;
use tuixin::{Classifier, Decoder};
use tuixin_store::{FailedInput, Input, Store};

use super::connect::{ImapSession, bounded};
use super::{ActOn, After, ImapError, Mailbox};
use crate::commit::Committer;

/// Messages fetched by one FETCH command at most.
pub const BATCH_MESSAGES: usize = 100;

/// Bytes of message bodies fetched by one FETCH command at most (a single larger message, up
/// to the mailbox's limit, is fetched alone).
pub const BATCH_BYTES: u64 = 32 << 20;

/// Where a pass puts what it reads: the store (for the state), the group commit, the policy.
#[derive(Clone)]
pub struct Target {
    /// The store, for the UIDVALIDITY and last UID kept under `imap:<name>`.
    pub store: Arc<Store>,
    /// The group commit the inputs go through.
    pub committer: Committer,
    /// The policy in force at the time of a commit.
    pub policy: Arc<dyn Fn() -> Arc<Policy> + Send + Sync>,
    /// The lease a poller holds on the mailbox, renewed after every batch of a long pass;
    /// None for a one-shot run.
    pub lease: Option<Lease>,
}

/// A lease held on a mailbox (see [`tuixin_store::Store::lease_take`]).
#[derive(Debug, Clone)]
pub struct Lease {
    /// This server's name in the lease row.
    pub holder: String,
    /// How long each renewal lasts.
    pub span: std::time::Duration,
}

/// Takes or renews the mailbox's lease for `lease.holder`: false while another server holds it.
pub async fn renew_lease(
    mailbox: &Mailbox,
    target: &Target,
    lease: &Lease,
) -> Result<bool, ImapError> {
    let name = state_key(&mailbox.name);
    let holder = lease.holder.clone();
    let span = lease.span.as_secs() as i64;
    store_call(mailbox, target, move |s| {
        let now = crate::time::now();
        s.lease_take(&name, &holder, now, now + span)
    })
    .await
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target").finish_non_exhaustive()
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassSummary {
    /// Messages read (fetched, or too large to fetch).
    pub messages: usize,
    /// Messages that gave records.
    pub bounces: usize,
    /// Records decoded.
    pub records: usize,
    /// Events new to the store.
    pub new_events: usize,
    /// Messages that could not be read (too large, undecodable).
    pub failures: usize,
    /// Messages flagged, moved or deleted on the server.
    pub acted_on: usize,
}

impl PassSummary {
    fn add(&mut self, other: PassSummary) {
        self.messages += other.messages;
        self.bounces += other.bounces;
        self.records += other.records;
        self.new_events += other.new_events;
        self.failures += other.failures;
        self.acted_on += other.acted_on;
    }
}

/// What the server can do, read once per session.
#[derive(Debug, Clone, Copy, Default)]
pub struct Capabilities {
    /// IDLE (RFC 2177).
    pub idle: bool,
    /// MOVE (RFC 6851).
    pub mv: bool,
    /// UIDPLUS (RFC 4315): UID EXPUNGE removes only our messages.
    pub uidplus: bool,
}

/// Reads the server's capabilities.
pub async fn capabilities(
    session: &mut ImapSession,
    mailbox: &Mailbox,
) -> Result<Capabilities, ImapError> {
    bounded(mailbox, "CAPABILITY", async {
        let caps = session.capabilities().await.map_err(|e| protocol(mailbox, "CAPABILITY", e))?;
        Ok(Capabilities {
            idle: caps.has_str("IDLE"),
            mv: caps.has_str("MOVE"),
            uidplus: caps.has_str("UIDPLUS"),
        })
    })
    .await
}

/// With `after = move:FOLDER`, creates the folder when it is missing (an existing one is left
/// as it is), so that the first move does not fail.
pub async fn ensure_target_folder(
    session: &mut ImapSession,
    mailbox: &Mailbox,
) -> Result<(), ImapError> {
    let After::Move(folder) = &mailbox.after else { return Ok(()) };
    bounded(mailbox, "CREATE", async {
        // The server says NO when it exists already: that is fine.
        let _ = session.create(folder).await;
        Ok(())
    })
    .await
}

fn protocol(mailbox: &Mailbox, what: &str, e: async_imap::error::Error) -> ImapError {
    match e {
        async_imap::error::Error::Io(e) => ImapError::Connect {
            name: mailbox.name.clone(),
            server: mailbox.server(),
            why: format!("{what}: {e}"),
        },
        async_imap::error::Error::ConnectionLost => ImapError::Connect {
            name: mailbox.name.clone(),
            server: mailbox.server(),
            why: format!("{what}: the connection was lost"),
        },
        other => {
            ImapError::Protocol { name: mailbox.name.clone(), why: format!("{what}: {other}") }
        }
    }
}

/// The store key of a mailbox's state.
pub fn state_key(name: &str) -> String {
    format!("imap:{name}")
}

/// UIDVALIDITY and the last UID handled, as kept in the store (`VALIDITY:UID`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct State {
    validity: u32,
    last_uid: u32,
}

impl State {
    fn parse(text: &str) -> Option<State> {
        let (v, u) = text.split_once(':')?;
        Some(State { validity: v.parse().ok()?, last_uid: u.parse().ok()? })
    }
}

async fn store_call<T: Send + 'static>(
    mailbox: &Mailbox,
    target: &Target,
    call: impl FnOnce(&Store) -> Result<T, tuixin_store::StoreError> + Send + 'static,
) -> Result<T, ImapError> {
    let store = target.store.clone();
    let store_error = |why: String| ImapError::Store { name: mailbox.name.clone(), why };
    tokio::task::spawn_blocking(move || call(&store))
        .await
        .map_err(|e| store_error(e.to_string()))?
        .map_err(|e| store_error(e.to_string()))
}

async fn load_state(mailbox: &Mailbox, target: &Target) -> Result<State, ImapError> {
    let key = state_key(&mailbox.name);
    let text = store_call(mailbox, target, move |s| s.setting(&key)).await?;
    Ok(text.as_deref().and_then(State::parse).unwrap_or_default())
}

async fn save_state(mailbox: &Mailbox, target: &Target, state: State) -> Result<(), ImapError> {
    let key = state_key(&mailbox.name);
    let value = format!("{}:{}", state.validity, state.last_uid);
    store_call(mailbox, target, move |s| s.set_setting(&key, &value)).await
}

fn uid_set(uids: &[u32]) -> String {
    uids.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
}

/// Selects the folder and reads every message above the last UID handled (and, with `after =
/// seen`, not yet seen).
pub async fn pass(
    session: &mut ImapSession,
    mailbox: &Mailbox,
    caps: Capabilities,
    target: &Target,
) -> Result<PassSummary, ImapError> {
    let selected = bounded(mailbox, "SELECT", async {
        session
            .select(&mailbox.folder)
            .await
            .map_err(|e| protocol(mailbox, &format!("SELECT {:?}", mailbox.folder), e))
    })
    .await?;
    let validity = selected.uid_validity.unwrap_or(0);
    let saved = load_state(mailbox, target).await?;
    // A changed UIDVALIDITY means the UIDs name other messages now: read the folder again
    // (what was stored already stays one event).
    let last = if saved.validity == validity { saved.last_uid } else { 0 };
    let query = match mailbox.after {
        After::Seen => format!("UID {}:* UNSEEN", u64::from(last) + 1),
        _ => format!("UID {}:*", u64::from(last) + 1),
    };
    let mut uids: Vec<u32> = bounded(mailbox, "UID SEARCH", async {
        session.uid_search(&query).await.map_err(|e| protocol(mailbox, "UID SEARCH", e))
    })
    .await?
    .into_iter()
    // `N:*` always names the highest UID, even one below N.
    .filter(|&u| u > last)
    .collect();
    uids.sort_unstable();
    let mut summary = PassSummary::default();
    for chunk in uids.chunks(BATCH_MESSAGES) {
        summary.add(batch(session, mailbox, caps, target, chunk).await?);
        let last_uid = chunk.last().copied().unwrap_or(last);
        save_state(mailbox, target, State { validity, last_uid }).await?;
        if let Some(lease) = &target.lease
            && !renew_lease(mailbox, target, lease).await?
        {
            return Err(ImapError::Store {
                name: mailbox.name.clone(),
                why: "the mailbox's lease passed to another server during a pass".to_owned(),
            });
        }
    }
    if uids.is_empty() && saved.validity != validity {
        save_state(mailbox, target, State { validity, last_uid: last }).await?;
    }
    Ok(summary)
}

/// One batch of UIDs: sizes, bodies, decode, commit, act.
async fn batch(
    session: &mut ImapSession,
    mailbox: &Mailbox,
    caps: Capabilities,
    target: &Target,
    uids: &[u32],
) -> Result<PassSummary, ImapError> {
    let sizes: HashMap<u32, u64> = bounded(mailbox, "UID FETCH RFC822.SIZE", async {
        let stream = session
            .uid_fetch(uid_set(uids), "(UID RFC822.SIZE)")
            .await
            .map_err(|e| protocol(mailbox, "UID FETCH", e))?;
        let fetches: Vec<_> =
            stream.try_collect().await.map_err(|e| protocol(mailbox, "UID FETCH", e))?;
        Ok(fetches.iter().filter_map(|f| Some((f.uid?, u64::from(f.size.unwrap_or(0))))).collect())
    })
    .await?;
    // Messages gone since the search (another client expunged them) are skipped.
    let present: Vec<u32> = uids.iter().copied().filter(|u| sizes.contains_key(u)).collect();
    let (small, large): (Vec<u32>, Vec<u32>) =
        present.iter().partition(|u| sizes[u] <= mailbox.max_message_bytes);
    // Groups of bodies bounded in count and bytes.
    let mut groups: Vec<Vec<u32>> = Vec::new();
    let mut bytes = 0;
    for &uid in &small {
        let size = sizes[&uid];
        match groups.last_mut() {
            Some(group) if bytes + size <= BATCH_BYTES => {
                group.push(uid);
                bytes += size;
            }
            _ => {
                groups.push(vec![uid]);
                bytes = size;
            }
        }
    }
    let mut bodies: Vec<(u32, Vec<u8>)> = Vec::with_capacity(small.len());
    for group in &groups {
        let fetched: Vec<(u32, Vec<u8>)> = bounded(mailbox, "UID FETCH BODY.PEEK[]", async {
            let stream = session
                .uid_fetch(uid_set(group), "(UID BODY.PEEK[])")
                .await
                .map_err(|e| protocol(mailbox, "UID FETCH", e))?;
            let fetches: Vec<_> =
                stream.try_collect().await.map_err(|e| protocol(mailbox, "UID FETCH", e))?;
            Ok(fetches
                .iter()
                .filter_map(|f| Some((f.uid?, f.body()?.to_vec())))
                .filter(|(uid, _)| group.contains(uid))
                .collect())
        })
        .await?;
        bodies.extend(fetched);
    }
    // A message the server listed but sent no body for is recorded, not silently passed over.
    let missing: Vec<u32> =
        small.iter().copied().filter(|u| !bodies.iter().any(|(b, _)| b == u)).collect();
    let source = mailbox.source();
    let folder = mailbox.folder.clone();
    let (inputs, mut failed, decoded_uids, failed_uids) = tokio::task::spawn_blocking(move || {
        let decoder = Decoder::new(Classifier::builtin());
        let now = crate::time::now();
        let origin = |uid: u32| format!("{folder} uid {uid}");
        let mut inputs = Vec::new();
        let mut failed = Vec::new();
        let mut decoded_uids = Vec::new();
        let mut failed_uids = Vec::new();
        for (uid, raw) in bodies {
            match decoder.decode(&raw) {
                Ok(records) => {
                    let mut input = Input {
                        raw,
                        records,
                        source: source.clone(),
                        origin: origin(uid),
                        received_at: now,
                        packed: None,
                    };
                    input.pack();
                    decoded_uids.push((uid, !input.records.is_empty()));
                    inputs.push(input);
                }
                Err(e) => {
                    failed.push(FailedInput {
                        source: source.clone(),
                        origin: origin(uid),
                        received_at: now,
                        error: e.to_string(),
                    });
                    failed_uids.push(uid);
                }
            }
        }
        (inputs, failed, decoded_uids, failed_uids)
    })
    .await
    .map_err(|e| ImapError::Protocol { name: mailbox.name.clone(), why: e.to_string() })?;
    let now = crate::time::now();
    for &uid in &missing {
        failed.push(FailedInput {
            source: mailbox.source(),
            origin: format!("{} uid {uid}", mailbox.folder),
            received_at: now,
            error: "the server sent no body for the message".to_owned(),
        });
    }
    for &uid in &large {
        failed.push(FailedInput {
            source: mailbox.source(),
            origin: format!("{} uid {uid}", mailbox.folder),
            received_at: now,
            error: format!(
                "the message is {} bytes, more than the limit of {} bytes: not fetched",
                sizes[&uid], mailbox.max_message_bytes
            ),
        });
    }
    let mut summary = PassSummary {
        messages: inputs.len() + failed.len(),
        bounces: decoded_uids.iter().filter(|(_, b)| *b).count(),
        records: inputs.iter().map(|i| i.records.len()).sum(),
        failures: failed.len(),
        ..PassSummary::default()
    };
    let committed = target
        .committer
        .ingest(inputs, failed, (target.policy)())
        .await
        .map_err(|e| ImapError::Store { name: mailbox.name.clone(), why: e.to_string() })?;
    summary.new_events = committed.new_events;
    // Durable now: the messages may be acknowledged on the server.
    let mut act: Vec<u32> = decoded_uids
        .iter()
        .filter(|(_, bounce)| *bounce || mailbox.act_on == ActOn::All)
        .map(|(uid, _)| *uid)
        .collect();
    if mailbox.act_on == ActOn::All {
        act.extend(failed_uids);
        act.extend(large);
    }
    act.sort_unstable();
    if !act.is_empty() {
        act_on(session, mailbox, caps, &act).await?;
    }
    summary.acted_on = act.len();
    Ok(summary)
}

/// Flags, moves or deletes `uids` as the mailbox says.
async fn act_on(
    session: &mut ImapSession,
    mailbox: &Mailbox,
    caps: Capabilities,
    uids: &[u32],
) -> Result<(), ImapError> {
    let set = uid_set(uids);
    bounded(mailbox, "acting on the messages", async {
        match &mailbox.after {
            After::Seen => store_flags(session, mailbox, &set, "+FLAGS.SILENT (\\Seen)").await,
            After::Move(folder) if caps.mv => session
                .uid_mv(&set, folder)
                .await
                .map_err(|e| protocol(mailbox, &format!("UID MOVE to {folder:?}"), e)),
            After::Move(folder) => {
                session
                    .uid_copy(&set, folder)
                    .await
                    .map_err(|e| protocol(mailbox, &format!("UID COPY to {folder:?}"), e))?;
                delete(session, mailbox, caps, &set).await
            }
            After::Delete => delete(session, mailbox, caps, &set).await,
        }
    })
    .await
}

async fn store_flags(
    session: &mut ImapSession,
    mailbox: &Mailbox,
    set: &str,
    flags: &str,
) -> Result<(), ImapError> {
    let stream =
        session.uid_store(set, flags).await.map_err(|e| protocol(mailbox, "UID STORE", e))?;
    let _: Vec<_> = stream.try_collect().await.map_err(|e| protocol(mailbox, "UID STORE", e))?;
    Ok(())
}

async fn delete(
    session: &mut ImapSession,
    mailbox: &Mailbox,
    caps: Capabilities,
    set: &str,
) -> Result<(), ImapError> {
    store_flags(session, mailbox, set, "+FLAGS.SILENT (\\Deleted)").await?;
    if caps.uidplus {
        let stream =
            session.uid_expunge(set).await.map_err(|e| protocol(mailbox, "UID EXPUNGE", e))?;
        let _: Vec<_> =
            stream.try_collect().await.map_err(|e| protocol(mailbox, "UID EXPUNGE", e))?;
    } else {
        let stream = session.expunge().await.map_err(|e| protocol(mailbox, "EXPUNGE", e))?;
        let _: Vec<_> = stream.try_collect().await.map_err(|e| protocol(mailbox, "EXPUNGE", e))?;
    }
    Ok(())
}

/// One pass over a mailbox from a fresh connection (the one-shot `tuixin ingest imap://`):
/// connect, log in, read, log out.
pub async fn run_once(mailbox: &Mailbox, target: &Target) -> Result<PassSummary, ImapError> {
    let mut session = super::connect::open(mailbox).await?;
    let caps = capabilities(&mut session, mailbox).await?;
    ensure_target_folder(&mut session, mailbox).await?;
    let summary = pass(&mut session, mailbox, caps, target).await?;
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), session.logout()).await;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_reads_back_what_is_written_and_nothing_else() {
        assert_eq!(State::parse("1733:42"), Some(State { validity: 1733, last_uid: 42 }));
        assert_eq!(State::parse("1733"), None);
        assert_eq!(State::parse("x:1"), None);
        assert_eq!(State::parse("1:99999999999"), None);
        assert_eq!(uid_set(&[3, 5, 9]), "3,5,9");
    }
}

//! A poller per mailbox, as a tokio task of `tuixin serve`: it takes the mailbox's lease, keeps
//! a session open, runs a pass, then waits in IDLE (re-issued well before the 29 minutes RFC
//! 2177 allows) or for the poll interval, and again. Errors (connect, TLS, login, a dropped
//! connection, the store) are logged, recorded for `/sources` once per backoff step, and
//! retried after 1, 2, 4, ... seconds, at most 5 minutes.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tuixin_store::FailedInput;

use super::connect::{ImapSession, bounded};
use super::pass::{Capabilities, Lease, Target, capabilities, pass};
use super::{ImapError, Mailbox};
use crate::app::App;

/// The first wait after an error.
pub const BACKOFF_START: Duration = Duration::from_secs(1);

/// The longest wait after errors.
pub const BACKOFF_CAP: Duration = Duration::from_secs(300);

/// The running pollers; [`Pollers::stop`] ends them.
#[derive(Debug)]
pub struct Pollers {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Pollers {
    /// How many mailboxes are polled.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// True when no mailbox is polled.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Stops every poller (a pass in progress finishes first, so nothing committed is left
    /// unacknowledged; an IDLE is ended with DONE; the session is logged out and the lease
    /// given up) and waits for them.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Starts one poller per mailbox over the app's store and group commit.
pub fn start(app: &Arc<App>, mailboxes: Vec<Mailbox>) -> Pollers {
    let (stop, stopping) = watch::channel(false);
    let policy_app = app.clone();
    let target = Target {
        store: Arc::clone(&app.store),
        committer: app.committer.clone(),
        policy: Arc::new(move || policy_app.policy()),
        lease: None,
    };
    let holder = holder_id();
    let tasks = mailboxes
        .into_iter()
        .map(|mailbox| {
            let target = Target {
                lease: Some(Lease { holder: holder.clone(), span: lease_span(&mailbox) }),
                ..target.clone()
            };
            tokio::spawn(poll(mailbox, target, holder.clone(), stopping.clone()))
        })
        .collect();
    Pollers { stop, tasks }
}

/// This server's name in lease rows: the host name, the process id and a random part.
fn holder_id() -> String {
    let mut random = [0u8; 6];
    let _ = getrandom::fill(&mut random);
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_default();
    let random: String = random.iter().map(|b| format!("{b:02x}")).collect();
    format!("{host}:{}:{random}", std::process::id())
}

/// How long a lease runs: long enough for a poll interval and a pass.
fn lease_span(mailbox: &Mailbox) -> Duration {
    (mailbox.poll_interval * 3).max(Duration::from_secs(120))
}

/// How long one IDLE lasts before it is ended and re-issued (and the lease renewed).
fn idle_span(mailbox: &Mailbox) -> Duration {
    (lease_span(mailbox) / 3).min(Duration::from_secs(25 * 60))
}

enum Ended {
    Stopped,
    LeaseLost,
}

async fn take_lease(mailbox: &Mailbox, target: &Target, holder: &str) -> Result<bool, ImapError> {
    let lease = Lease { holder: holder.to_owned(), span: lease_span(mailbox) };
    super::pass::renew_lease(mailbox, target, &lease).await
}

/// Waits `span`, or less if asked to stop: true when stopping.
async fn wait_or_stop(span: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    if *stop.borrow() {
        return true;
    }
    tokio::select! {
        () = tokio::time::sleep(span) => *stop.borrow(),
        _ = stop.changed() => true,
    }
}

async fn poll(mailbox: Mailbox, target: Target, holder: String, mut stop: watch::Receiver<bool>) {
    let mut backoff = BACKOFF_START;
    tracing::info!(mailbox = %mailbox.name, server = %mailbox.server(), folder = %mailbox.folder, "polling an IMAP mailbox");
    loop {
        if *stop.borrow() {
            break;
        }
        let outcome = match take_lease(&mailbox, &target, &holder).await {
            Ok(true) => session(&mailbox, &target, &holder, &mut stop, &mut backoff).await,
            Ok(false) => Ok(Ended::LeaseLost),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(Ended::Stopped) => break,
            Ok(Ended::LeaseLost) => {
                tracing::debug!(mailbox = %mailbox.name, "another server holds the mailbox's lease");
                let wait = mailbox.poll_interval.min(lease_span(&mailbox) / 2);
                if wait_or_stop(wait, &mut stop).await {
                    break;
                }
            }
            Err(e) => {
                tracing::warn!(mailbox = %mailbox.name, error = %e, retry_in_secs = backoff.as_secs(), "IMAP poll failed");
                metrics::counter!("tuixin_imap_errors_total", "mailbox" => mailbox.name.clone())
                    .increment(1);
                record_failure(&mailbox, &target, &e).await;
                if wait_or_stop(backoff, &mut stop).await {
                    break;
                }
                backoff = (backoff * 2).min(BACKOFF_CAP);
            }
        }
    }
    let store = target.store.clone();
    let name = super::pass::state_key(&mailbox.name);
    let _ = tokio::task::spawn_blocking(move || store.lease_release(&name, &holder)).await;
    tracing::info!(mailbox = %mailbox.name, "stopped polling");
}

/// Puts an error on `/sources` for `imap:<name>`.
async fn record_failure(mailbox: &Mailbox, target: &Target, error: &ImapError) {
    let failed = FailedInput {
        source: mailbox.source(),
        origin: format!("{}@{}/{}", mailbox.user, mailbox.server(), mailbox.folder),
        received_at: crate::time::now(),
        error: error.to_string(),
    };
    if let Err(e) = target.committer.ingest(Vec::new(), vec![failed], (target.policy)()).await {
        tracing::warn!(mailbox = %mailbox.name, error = %e.message, "the IMAP error could not be recorded");
    }
}

async fn logout(session: &mut ImapSession) {
    let _ = tokio::time::timeout(Duration::from_secs(5), session.logout()).await;
}

/// One session: passes until stopped, the lease is lost, or an error.
async fn session(
    mailbox: &Mailbox,
    target: &Target,
    holder: &str,
    stop: &mut watch::Receiver<bool>,
    backoff: &mut Duration,
) -> Result<Ended, ImapError> {
    let mut session = super::connect::open(mailbox).await?;
    let caps: Capabilities = capabilities(&mut session, mailbox).await?;
    super::pass::ensure_target_folder(&mut session, mailbox).await?;
    loop {
        let summary = pass(&mut session, mailbox, caps, target).await?;
        *backoff = BACKOFF_START;
        if summary.messages > 0 {
            tracing::info!(
                mailbox = %mailbox.name,
                messages = summary.messages,
                bounces = summary.bounces,
                new_events = summary.new_events,
                failures = summary.failures,
                acted_on = summary.acted_on,
                "IMAP messages ingested"
            );
            metrics::counter!("tuixin_imap_messages_total", "mailbox" => mailbox.name.clone())
                .increment(summary.messages as u64);
        }
        if !take_lease(mailbox, target, holder).await? {
            logout(&mut session).await;
            return Ok(Ended::LeaseLost);
        }
        if *stop.borrow() {
            logout(&mut session).await;
            return Ok(Ended::Stopped);
        }
        if caps.idle {
            let mut idle = session.idle();
            bounded(mailbox, "IDLE", async {
                idle.init().await.map_err(|e| ImapError::Protocol {
                    name: mailbox.name.clone(),
                    why: format!("IDLE: {e}"),
                })
            })
            .await?;
            let stopped = {
                let (wait, _interrupt) = idle.wait_with_timeout(idle_span(mailbox));
                tokio::select! {
                    r = wait => {
                        r.map_err(|e| ImapError::Connect {
                            name: mailbox.name.clone(),
                            server: mailbox.server(),
                            why: format!("during IDLE: {e}"),
                        })?;
                        false
                    }
                    _ = stop.changed() => true,
                }
            };
            session = bounded(mailbox, "DONE", async {
                idle.done().await.map_err(|e| ImapError::Connect {
                    name: mailbox.name.clone(),
                    server: mailbox.server(),
                    why: format!("ending IDLE: {e}"),
                })
            })
            .await?;
            if stopped {
                logout(&mut session).await;
                return Ok(Ended::Stopped);
            }
        } else if wait_or_stop(mailbox.poll_interval, stop).await {
            logout(&mut session).await;
            return Ok(Ended::Stopped);
        }
    }
}

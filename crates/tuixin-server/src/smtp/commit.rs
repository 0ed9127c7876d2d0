//! Group commit: the sessions hand their decoded messages to one task, which writes whatever
//! has queued (up to [`MAX_BATCH`]) in one store transaction and then answers every session.
//! A session says `250` only after its answer comes back `Ok`, so an acknowledged message is
//! on disk; while one transaction runs, the next batch gathers.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use tuixin_store::{FailedInput, Input};

use crate::app::App;

/// Messages written in one transaction at most.
pub const MAX_BATCH: usize = 256;

/// Messages waiting for the committer at most; a session that finds the queue full waits.
const QUEUE: usize = 4 * MAX_BATCH;

/// Why a message was not committed (the store's words); the session answers `451 4.3.0`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the store did not take the message: {0}")]
pub struct CommitError(pub String);

/// One message for the store: its input (with its records, possibly none) and, for mail that
/// gave no record, why, so the source's ingestion health counts it.
pub struct Job {
    /// The message as an input of the store.
    pub input: Input,
    /// Set when the message is no bounce or could not be decoded.
    pub failed: Option<FailedInput>,
    /// Where the outcome goes.
    pub done: oneshot::Sender<Result<(), CommitError>>,
}

/// Writes one batch durably (blocking): the store's ingest, or what a test or fuzz target
/// puts in its place.
pub type Writer = dyn Fn(Vec<Input>, Vec<FailedInput>) -> Result<(), String> + Send + Sync;

/// The sessions' handle on the commit task.
#[derive(Clone)]
pub struct Committer {
    queue: mpsc::Sender<Job>,
}

impl Committer {
    /// Starts the commit task over the app's group commit (a batch shares its transaction
    /// with whatever else is being stored then, under the policy in force); it ends when every
    /// handle is dropped.
    pub fn start(app: Arc<App>) -> Committer {
        let runtime = tokio::runtime::Handle::current();
        Committer::with_writer(Arc::new(move |inputs: Vec<Input>, failed: Vec<FailedInput>| {
            // The writer runs on a blocking thread: it waits there for the commit.
            let summary = runtime
                .block_on(app.committer.ingest(inputs, failed, app.policy()))
                .map_err(|e| e.message)?;
            metrics::counter!("tuixin_events_ingested_total").increment(summary.new_events as u64);
            Ok(())
        }))
    }

    /// Starts the commit task over another writer.
    pub fn with_writer(writer: Arc<Writer>) -> Committer {
        let (queue, jobs) = mpsc::channel(QUEUE);
        tokio::spawn(run(writer, jobs));
        Committer { queue }
    }

    /// Commits one message; returns once it is in the store (or is not).
    pub async fn commit(
        &self,
        input: Input,
        failed: Option<FailedInput>,
    ) -> Result<(), CommitError> {
        let (done, outcome) = oneshot::channel();
        self.queue
            .send(Job { input, failed, done })
            .await
            .map_err(|_| CommitError("the commit task has stopped".to_owned()))?;
        outcome.await.unwrap_or_else(|_| Err(CommitError("the commit task has stopped".to_owned())))
    }
}

async fn run(writer: Arc<Writer>, mut jobs: mpsc::Receiver<Job>) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let taken = std::mem::take(&mut batch);
        let (inputs, failed, replies) = taken.into_iter().fold(
            (Vec::new(), Vec::new(), Vec::new()),
            |(mut inputs, mut failed, mut replies), job| {
                inputs.push(job.input);
                failed.extend(job.failed);
                replies.push(job.done);
                (inputs, failed, replies)
            },
        );
        let size = inputs.len();
        let started = std::time::Instant::now();
        let write = writer.clone();
        let outcome = tokio::task::spawn_blocking(move || write(inputs, failed)).await;
        let outcome = match outcome {
            Ok(Ok(())) => {
                tracing::debug!(
                    messages = size,
                    ms = started.elapsed().as_millis() as u64,
                    "smtp batch committed"
                );
                Ok(())
            }
            Ok(Err(e)) => {
                tracing::warn!(messages = size, error = %e, "smtp batch not committed; answering 451");
                Err(CommitError(e))
            }
            Err(e) => Err(CommitError(format!("the store call failed: {e}"))),
        };
        metrics::histogram!("tuixin_smtp_batch_messages").record(size as f64);
        for reply in replies {
            // A session that went away meanwhile no longer needs its answer.
            let _ = reply.send(outcome.clone());
        }
    }
}

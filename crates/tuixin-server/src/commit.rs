//! Group commit: inputs from many requests (or sessions) at once go to the store in one
//! transaction, so the sync to disk that makes an ingest durable is paid once for all of them.
//! A caller is answered only after the transaction that holds its inputs has committed.

use std::sync::Arc;
use std::sync::mpsc;

use tuixin::lifecycle::Policy;
use tuixin_store::{FailedInput, IngestSummary, Input, Store};

use crate::error::ApiError;

/// Callers joined in one transaction at most.
pub const MAX_GROUP_JOBS: usize = 256;

/// Records joined in one transaction at most (a caller with more goes alone).
pub const MAX_GROUP_RECORDS: usize = 20_000;

struct Job {
    inputs: Vec<Input>,
    failed: Vec<FailedInput>,
    policy: Arc<Policy>,
    reply: tokio::sync::oneshot::Sender<Result<IngestSummary, ApiError>>,
}

/// The committing thread's door: send inputs, wait for their commit.
#[derive(Debug, Clone)]
pub struct Committer {
    jobs: mpsc::Sender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job").field("inputs", &self.inputs.len()).finish()
    }
}

impl Committer {
    /// Starts the committing thread over `store`; it ends when the last `Committer` is dropped.
    pub fn start(store: Arc<Store>) -> Committer {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("tuixin-commit".to_owned())
            .spawn(move || run(&store, &queue))
            .expect("the commit thread starts");
        Committer { jobs }
    }

    /// Stores `inputs` (and the `failed` ones' reports) under `policy`; answers once they are
    /// committed, with this caller's own counts.
    pub async fn ingest(
        &self,
        inputs: Vec<Input>,
        failed: Vec<FailedInput>,
        policy: Arc<Policy>,
    ) -> Result<IngestSummary, ApiError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Job { inputs, failed, policy, reply })
            .map_err(|_| ApiError::unavailable("the commit thread has stopped"))?;
        answer.await.map_err(|_| ApiError::internal("the commit thread dropped the request"))?
    }
}

fn run(store: &Store, queue: &mpsc::Receiver<Job>) {
    // A job taken from the queue that did not fit the group before it starts the next.
    let mut next: Option<Job> = None;
    loop {
        let first = match next.take() {
            Some(job) => job,
            None => match queue.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
        };
        let mut records = records_of(&first);
        let mut group = vec![first];
        while group.len() < MAX_GROUP_JOBS && records < MAX_GROUP_RECORDS {
            match queue.try_recv() {
                // One policy per transaction: a job under another (it was just changed) waits.
                Ok(job) if !Arc::ptr_eq(&job.policy, &group[0].policy) => {
                    next = Some(job);
                    break;
                }
                Ok(job) => {
                    records += records_of(&job);
                    group.push(job);
                }
                Err(_) => break,
            }
        }
        commit(store, group);
    }
}

fn records_of(job: &Job) -> usize {
    job.inputs.iter().map(|i| i.records.len()).sum()
}

/// Stores a group's inputs in one transaction and answers each job.
fn commit(store: &Store, group: Vec<Job>) {
    let policy = group[0].policy.clone();
    let mut inputs = Vec::new();
    let mut failed = Vec::new();
    let mut ranges = Vec::with_capacity(group.len());
    let mut replies = Vec::with_capacity(group.len());
    for job in group {
        let start = inputs.len();
        inputs.extend(job.inputs);
        ranges.push(start..inputs.len());
        failed.extend(job.failed);
        replies.push(job.reply);
    }
    metrics::histogram!("tuixin_commit_group_size").record(replies.len() as f64);
    match store.ingest_group(&inputs, &ranges, &failed, &policy, crate::time::now()) {
        Ok(summaries) => {
            for (reply, summary) in replies.into_iter().zip(summaries) {
                let _ = reply.send(Ok(summary));
            }
        }
        Err(e) => {
            let error = ApiError::from(e);
            for reply in replies {
                let _ = reply.send(Err(error.clone()));
            }
        }
    }
}

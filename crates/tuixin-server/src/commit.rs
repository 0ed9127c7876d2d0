//! Group commit: inputs from many requests (or sessions) at once go to the store in one
//! transaction, so the sync to disk that makes an ingest durable is paid once for all of them.
//! A caller is answered only after the transaction that holds its inputs has committed.

use std::sync::Arc;
use std::sync::mpsc;

use tuixin::lifecycle::Policy;
use tuixin_store::{FailedInput, IngestJob, IngestSummary, Input, Store};

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
    while let Ok(first) = queue.recv() {
        let mut records = first.inputs.iter().map(|i| i.records.len()).sum::<usize>();
        let mut group = vec![first];
        while group.len() < MAX_GROUP_JOBS && records < MAX_GROUP_RECORDS {
            match queue.try_recv() {
                Ok(job) => {
                    records += job.inputs.iter().map(|i| i.records.len()).sum::<usize>();
                    group.push(job);
                }
                Err(_) => break,
            }
        }
        let now = crate::time::now();
        let jobs: Vec<IngestJob<'_>> = group
            .iter()
            .map(|job| IngestJob { inputs: &job.inputs, failed: &job.failed, policy: &job.policy })
            .collect();
        metrics::histogram!("tuixin_commit_group_size").record(jobs.len() as f64);
        match store.ingest_group(&jobs, now) {
            Ok(summaries) => {
                for (job, summary) in group.into_iter().zip(summaries) {
                    let _ = job.reply.send(Ok(summary));
                }
            }
            Err(e) => {
                let error = ApiError::from(e);
                for job in group {
                    let _ = job.reply.send(Err(error.clone()));
                }
            }
        }
    }
}

//! Import jobs (`POST /v1/imports`): their status, counts and first failures, kept so that a
//! job's status outlives the server that ran it.

use crate::StoreError;
use crate::event::Timestamp;
use crate::manual::ImportFailure;
use crate::sql::Value;
use crate::store::Store;

/// Failures a job keeps for its report; later ones are only counted.
pub const MAX_JOB_FAILURES: usize = 1000;

/// Where an import job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    /// Accepted, not started.
    Queued,
    /// Reading and importing.
    Running,
    /// Every row read (some may have been refused).
    Done,
    /// Stopped before the end (unreadable file, store error, interrupted by a restart).
    Failed,
}

impl JobStatus {
    /// Its name: `queued`, `running`, `done`, `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Option<JobStatus> {
        Some(match text {
            "queued" => JobStatus::Queued,
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            "failed" => JobStatus::Failed,
            _ => return None,
        })
    }
}

/// One import job as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportJob {
    /// Its id.
    pub id: String,
    /// Who asked for it (a token name).
    pub actor: String,
    /// Where it is.
    pub status: JobStatus,
    /// When it was accepted.
    pub created_at: Timestamp,
    /// When it started.
    pub started_at: Option<Timestamp>,
    /// When it ended.
    pub finished_at: Option<Timestamp>,
    /// Its runner's latest sign of life.
    pub heartbeat_at: Timestamp,
    /// Rows read so far.
    pub rows_read: i64,
    /// Rows that went in.
    pub imported: i64,
    /// Rows refused.
    pub refused: i64,
    /// The first [`MAX_JOB_FAILURES`] refused rows, by line.
    pub failures: Vec<ImportFailure>,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

impl ImportJob {
    /// A job just accepted.
    pub fn queued(id: &str, actor: &str, now: Timestamp) -> ImportJob {
        ImportJob {
            id: id.to_owned(),
            actor: actor.to_owned(),
            status: JobStatus::Queued,
            created_at: now,
            started_at: None,
            finished_at: None,
            heartbeat_at: now,
            rows_read: 0,
            imported: 0,
            refused: 0,
            failures: Vec::new(),
            error: None,
        }
    }

    /// Counts refused rows and keeps the first [`MAX_JOB_FAILURES`] of them.
    pub fn refuse(&mut self, failures: impl IntoIterator<Item = ImportFailure>) {
        for f in failures {
            self.refused += 1;
            if self.failures.len() < MAX_JOB_FAILURES {
                self.failures.push(f);
            }
        }
    }
}

const JOB_COLUMNS: &str = "id, actor, status, created_at, started_at, finished_at, heartbeat_at, rows_read, imported, refused, failures, error";

impl Store {
    /// Writes `job` (a new one or one's progress).
    pub fn save_import_job(&self, job: &ImportJob) -> Result<(), StoreError> {
        let failures = serde_json::to_string(&job.failures).map_err(|e| StoreError::Database {
            db: self.display_url(),
            cause: format!("cannot serialize an import job's failures: {e}"),
        })?;
        let values: Vec<Value> = vec![
            job.id.as_str().into(),
            job.actor.as_str().into(),
            job.status.as_str().into(),
            job.created_at.into(),
            job.started_at.into(),
            job.finished_at.into(),
            job.heartbeat_at.into(),
            job.rows_read.into(),
            job.imported.into(),
            job.refused.into(),
            failures.into(),
            job.error.as_deref().into(),
        ];
        let sql = format!(
            "INSERT INTO import_jobs ({JOB_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (id) DO UPDATE SET status = excluded.status, started_at = excluded.started_at, \
             finished_at = excluded.finished_at, heartbeat_at = excluded.heartbeat_at, rows_read = excluded.rows_read, \
             imported = excluded.imported, refused = excluded.refused, failures = excluded.failures, error = excluded.error"
        );
        self.write(|tx| tx.execute(&sql, &values)).map(|_| ())
    }

    /// The import job with this id.
    pub fn import_job(&self, id: &str) -> Result<Option<ImportJob>, StoreError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM import_jobs WHERE id = $1");
        let Some(mut row) = self.read(|tx| tx.query_opt(&sql, &[id.into()]))? else {
            return Ok(None);
        };
        let corrupt = |cause: String| StoreError::Corrupt {
            db: self.display_url(),
            table: "import_jobs",
            cause,
        };
        let status = JobStatus::parse(row[2].text())
            .ok_or_else(|| corrupt(format!("job {id}: status {:?}", row[2].text())))?;
        let failures = serde_json::from_str(row[10].text())
            .map_err(|e| corrupt(format!("job {id}: failures: {e}")))?;
        Ok(Some(ImportJob {
            id: row[0].take_text(),
            actor: row[1].take_text(),
            status,
            created_at: row[3].int(),
            started_at: row[4].opt_int(),
            finished_at: row[5].opt_int(),
            heartbeat_at: row[6].int(),
            rows_read: row[7].int(),
            imported: row[8].int(),
            refused: row[9].int(),
            failures,
            error: row[11].opt_text(),
        }))
    }

    /// Marks failed every queued or running job with no sign of life since `stale_before`
    /// (its server stopped or crashed); how many.
    pub fn fail_stale_import_jobs(
        &self,
        stale_before: Timestamp,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE import_jobs SET status = 'failed', finished_at = $1, \
                 error = 'interrupted: the server running it stopped; the rows imported before stay, and importing the file again is safe' \
                 WHERE status IN ('queued', 'running') AND heartbeat_at < $2",
                &[now.into(), stale_before.into()],
            )
        })
    }
}

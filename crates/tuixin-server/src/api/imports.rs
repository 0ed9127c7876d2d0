//! Import jobs: `POST /v1/imports` takes a CSV or JSONL file of suppressions, answers 202 with
//! a job id at once and imports in the background; `GET /v1/imports/{id}` tells how it goes,
//! with the rows refused (the first 1000, and how many in all).

use std::io::{BufReader, Seek, Write};
use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::Serialize;
use tuixin_store::{ImportJob, JobStatus, Store};
use utoipa::ToSchema;

use crate::app::App;
use crate::error::{ApiError, ErrorBody};
use crate::import;
use crate::time::rfc3339;
use crate::token::TokenScope;

/// Seconds without a sign of life after which a queued or running job is taken for one whose
/// server went away, and marked failed.
pub const STALE_JOB_SECS: i64 = 60;

/// An import job as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportJobView {
    /// Its id.
    pub id: String,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// When it was accepted.
    pub created_at: String,
    /// When it started.
    pub started_at: Option<String>,
    /// When it ended.
    pub finished_at: Option<String>,
    /// Rows read so far.
    pub rows_read: i64,
    /// Rows that went in (or were already there as given).
    pub imported: i64,
    /// Rows refused.
    pub refused: i64,
    /// The first 1000 rows refused, by line.
    pub failures: Vec<ImportFailureView>,
    /// Why the job failed, when it did.
    pub error: Option<String>,
}

/// One row refused.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportFailureView {
    /// Its line in the file.
    pub line: usize,
    /// Why.
    pub error: String,
}

impl From<ImportJob> for ImportJobView {
    fn from(job: ImportJob) -> ImportJobView {
        ImportJobView {
            id: job.id,
            status: job.status.as_str().to_owned(),
            created_at: rfc3339(job.created_at),
            started_at: job.started_at.map(rfc3339),
            finished_at: job.finished_at.map(rfc3339),
            rows_read: job.rows_read,
            imported: job.imported,
            refused: job.refused,
            failures: job
                .failures
                .into_iter()
                .map(|f| ImportFailureView { line: f.line, error: f.error })
                .collect(),
            error: job.error,
        }
    }
}

fn job_id() -> Result<String, ApiError> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal(format!("no randomness: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Copies the request body into an unnamed temporary file, at most `max` bytes (413 past it).
pub(crate) async fn spool<S, E>(stream: S, max: u64) -> Result<std::fs::File, ApiError>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, E>>,
    E: std::fmt::Display,
{
    let (tx, mut rx) = tokio::sync::mpsc::channel::<bytes::Bytes>(8);
    let writer = tokio::task::spawn_blocking(move || -> std::io::Result<std::fs::File> {
        let mut file = tempfile::tempfile()?;
        while let Some(chunk) = rx.blocking_recv() {
            file.write_all(&chunk)?;
        }
        file.flush()?;
        file.rewind()?;
        Ok(file)
    });
    let mut stream = std::pin::pin!(stream);
    let mut total = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::malformed(format!("the upload broke off: {e}")))?;
        total += chunk.len() as u64;
        if total > max {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("an import file may have at most {max} bytes"),
            ));
        }
        if tx.send(chunk).await.is_err() {
            break;
        }
    }
    drop(tx);
    writer
        .await
        .map_err(|e| ApiError::internal(format!("the upload could not be kept: {e}")))?
        .map_err(|e| ApiError::internal(format!("the upload could not be kept: {e}")))
}

/// Runs one job to its end (blocking), recording its progress after every batch.
fn run_job(store: &Store, mut job: ImportJob, file: std::fs::File) {
    let now = crate::time::now();
    job.status = JobStatus::Running;
    job.started_at = Some(now);
    job.heartbeat_at = now;
    let result = store.save_import_job(&job).map_err(import::ImportError::from).and_then(|()| {
        let input = BufReader::with_capacity(256 * 1024, file);
        let rows = match import::rows(input) {
            Ok(rows) => rows,
            Err(import::ImportReadError::Read(e)) => return Err(import::ImportError::Read(e)),
            Err(import::ImportReadError::Header(e)) => {
                job.rows_read = 1;
                job.refuse([import::RowFailure { line: 1, error: e }.into()]);
                return Ok(());
            }
        };
        let actor = job.actor.clone();
        import::run(store, rows, &actor, now, |progress, failures| {
            job.rows_read = progress.rows_read as i64;
            job.imported = progress.imported as i64;
            job.refuse(failures.into_iter().map(Into::into));
            job.heartbeat_at = crate::time::now();
            Ok(store.save_import_job(&job)?)
        })
        .map(|_| ())
    });
    let end = crate::time::now();
    job.finished_at = Some(end);
    job.heartbeat_at = end;
    match result {
        Ok(()) => job.status = JobStatus::Done,
        Err(e) => {
            tracing::warn!(job = %job.id, error = %e, "import job failed");
            job.status = JobStatus::Failed;
            job.error = Some(e.to_string());
        }
    }
    if let Err(e) = store.save_import_job(&job) {
        tracing::error!(job = %job.id, error = %e, "cannot record the end of an import job");
    }
}

/// Starts an import of suppressions from a CSV (header `address,reason,created_at,code,error`,
/// `scope` optional) or JSONL body; 202 with the job at once, the rows imported in the
/// background.
/// Queues an import job for a spooled file and starts it in the background; the job as queued.
pub(crate) async fn start(
    app: &Arc<App>,
    actor: &str,
    file: std::fs::File,
) -> Result<ImportJob, ApiError> {
    let job = ImportJob::queued(&job_id()?, actor, crate::time::now());
    let queued = job.clone();
    app.blocking(move |store| store.save_import_job(&queued).map_err(ApiError::from)).await?;
    let store: Arc<Store> = app.store.clone();
    let running = job.clone();
    tokio::task::spawn_blocking(move || run_job(&store, running, file));
    Ok(job)
}

#[utoipa::path(post, path = "/v1/imports", tag = "suppressions",
    request_body(content = String, content_type = "text/csv",
        description = "CSV with header address,reason,created_at,code,error (or JSONL, one object a line)"),
    responses(
        (status = 202, description = "Accepted: the job, queued", body = ImportJobView),
        (status = 401, description = "No or bad token", body = ErrorBody),
        (status = 403, description = "The token lacks the write scope", body = ErrorBody),
        (status = 413, description = "The file is larger than the server takes", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn create(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let caller = app.authorize(&headers, TokenScope::Write).await?;
    let file = spool(body.into_data_stream(), app.settings.max_import_bytes).await?;
    let job = start(&app, &caller.name, file).await?;
    let location = format!("/v1/imports/{}", job.id);
    Ok((StatusCode::ACCEPTED, [(header::LOCATION, location)], Json(ImportJobView::from(job)))
        .into_response())
}

/// An import job: its status, counts and the rows refused.
#[utoipa::path(get, path = "/v1/imports/{id}", tag = "suppressions",
    params(("id" = String, Path, description = "The job id")),
    responses(
        (status = 200, description = "The job", body = ImportJobView),
        (status = 401, description = "No or bad token", body = ErrorBody),
        (status = 403, description = "The token lacks the read scope", body = ErrorBody),
        (status = 404, description = "No such job", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn get_one(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<ImportJobView>, ApiError> {
    app.authorize(&headers, TokenScope::Read).await?;
    let shown = id.clone();
    let job = app.blocking(move |store| store.import_job(&id).map_err(ApiError::from)).await?;
    job.map(|job| Json(job.into()))
        .ok_or_else(|| ApiError::not_found(format!("no import job {shown}")))
}

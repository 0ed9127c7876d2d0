//! `POST /v1/ingest/logs?format=`: MTA log lines (Postfix, Exim, Sendmail, qmail, KumoMTA,
//! PowerMTA, bare SMTP replies) read into records by the core's log readers, each result line
//! stored as a raw input with its records, in one transaction before the 200.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use tuixin::Classifier;
use tuixin::logs::{InputKind, LogFormat, LogOptions, LogReader, detect_input, year_of};
use tuixin_store::Input;
use utoipa::{IntoParams, ToSchema};

use crate::app::App;
use crate::error::{ApiError, ErrorBody};
use crate::token::TokenScope;

/// Unreadable result lines listed in an answer at most (all are counted).
const LISTED_ERRORS: usize = 100;

/// `POST /v1/ingest/logs` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogsQuery {
    /// `postfix`, `exim`, `sendmail`, `qmail`, `kumomta`, `pmta`, `smtp-reply`, or `auto`
    /// (the default: told by the first result lines).
    pub format: Option<String>,
}

/// What an upload of log lines did.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogIngestResult {
    /// The format the lines were read as.
    pub format: String,
    /// Lines received.
    pub lines: usize,
    /// Records found in them.
    pub records: usize,
    /// Events stored for the first time.
    pub new_events: usize,
    /// Records already stored (the same line again).
    pub duplicates: usize,
    /// Suppression entries added.
    pub suppressions_added: usize,
    /// Suppression entries lifted.
    pub suppressions_lifted: usize,
    /// Alerts opened.
    pub alerts_opened: usize,
    /// Lines that looked like results but could not be read.
    pub unreadable: usize,
    /// The first of those, by line.
    pub errors: Vec<LogLineError>,
}

/// A result line that could not be read.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogLineError {
    /// Its line number in the upload, from 1.
    pub line: usize,
    /// What is wrong with it.
    pub error: String,
}

fn format_of(query: &LogsQuery, body: &[u8]) -> Result<LogFormat, ApiError> {
    match query.format.as_deref().map(str::trim).unwrap_or("auto") {
        "" | "auto" => match detect_input(body) {
            InputKind::Log(format) => Ok(format),
            InputKind::Mail => Err(ApiError::invalid(
                "format",
                "this is mail, not a log: send it to /v1/ingest/messages",
            )),
            InputKind::Json => Err(ApiError::invalid(
                "format",
                "no log format recognised in the first lines; name it with ?format=",
            )),
        },
        name => name.parse::<LogFormat>().map_err(|e| ApiError::invalid("format", e.to_string())),
    }
}

/// Stores MTA log lines: every result line becomes events (the same line again changes
/// nothing); lines that are no result are skipped, and result lines that cannot be read are
/// counted and listed by number.
#[utoipa::path(post, path = "/v1/ingest/logs", tag = "ingest", params(LogsQuery),
    request_body(description = "Log lines", content((String = "text/plain"))),
    responses(
        (status = 200, description = "What was stored", body = LogIngestResult),
        (status = 401, description = "No or bad token", body = ErrorBody),
        (status = 403, description = "The token lacks the write scope", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 422, description = "Unknown format, or none recognised", body = ErrorBody),
        (status = 503, description = "Store unavailable: nothing stored; retry after Retry-After", body = ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn logs_handler(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(query): Query<LogsQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<LogIngestResult>, ApiError> {
    app.authorize(&headers, TokenScope::Write).await?;
    let body = body.map_err(|e| ApiError::body(&e, app.settings.max_body_bytes))?;
    let format = format_of(&query, &body)?;
    let policy = app.policy();
    app.blocking(move |store| {
        let now = crate::time::now();
        // Classic syslog dates carry no year: the current one is given to them.
        let options = LogOptions { year: Some(year_of(now)), ..LogOptions::default() };
        let mut reader = LogReader::with_options(format, Classifier::builtin(), options);
        let source = format!("log:{}", format.name());
        let mut inputs = Vec::new();
        let mut lines = 0;
        let mut take = |records: Vec<tuixin::Record>, line_no: usize, line: &[u8]| {
            if records.is_empty() {
                return;
            }
            let mut input = Input {
                raw: line.to_vec(),
                records,
                source: source.clone(),
                origin: format!("upload line {line_no}"),
                received_at: now,
                packed: None,
            };
            input.pack();
            inputs.push(input);
        };
        for line in body.split(|&b| b == b'\n') {
            lines += 1;
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let records = reader.feed(lines, line);
            take(records, lines, line);
        }
        // A last newline ends the last line; it does not start another.
        if body.ends_with(b"\n") {
            lines -= 1;
        }
        let rest = reader.finish();
        take(rest, lines, b"");
        let errors = reader.take_errors();
        let records = inputs.iter().map(|i| i.records.len()).sum();
        let summary = store.ingest(&inputs, &policy, now).map_err(ApiError::from)?;
        Ok(Json(LogIngestResult {
            format: format.name().to_owned(),
            lines,
            records,
            new_events: summary.new_events,
            duplicates: summary.duplicates,
            suppressions_added: summary.suppressions_added,
            suppressions_lifted: summary.suppressions_lifted,
            alerts_opened: summary.alerts_opened,
            unreadable: reader.unreadable(),
            errors: errors
                .into_iter()
                .take(LISTED_ERRORS)
                .map(|e| LogLineError { line: e.line, error: e.why })
                .collect(),
        }))
    })
    .await
}

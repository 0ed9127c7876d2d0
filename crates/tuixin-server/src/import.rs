//! Suppression imports from a file (CSV `address,reason,created_at,code,error`, or JSONL),
//! read a row at a time and committed in batches: memory stays bounded whatever the file's
//! size, a bad row is reported by its line and the rest go in. Used by `tuixin suppressions
//! import` and by the import jobs of `POST /v1/imports`.

use std::io::{BufRead, Read};

use tuixin::lifecycle::{Scope, SuppressionReason};
use tuixin_store::{ImportEntry, ImportFailure, Store, StoreError};

/// Rows committed per transaction.
pub const BATCH_ROWS: usize = 5000;

/// Bytes of one JSONL line at most; a longer line is refused, the rest still read.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Why one row was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowError {
    /// The reason is none of ours nor a provider's name for one.
    #[error(
        "invalid reason {0:?}: use hard_bounce, soft_bounce_threshold, complaint, unsubscribe, manual or provider"
    )]
    BadReason(String),
    /// `created_at` is not a time.
    #[error("invalid time {0:?}: use RFC 3339 (2026-12-07T03:04:05Z), a date or Unix seconds")]
    BadTime(String),
    /// The scope is not a scope name.
    #[error("{0}")]
    BadScope(String),
    /// The CSV header lacks `address` or `reason`.
    #[error(
        "the CSV header needs at least the columns address and reason (address,reason,created_at,code,error)"
    )]
    BadHeader,
    /// The row is not CSV or JSON, or a JSONL line is too long.
    #[error("{0}")]
    Unreadable(String),
    /// The store refused it (an invalid address, a locked entry in its place).
    #[error("{0}")]
    Refused(String),
}

/// A row not taken: its line and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowFailure {
    /// The line (1-based; a CSV row's first line).
    pub line: usize,
    /// Why.
    pub error: RowError,
}

impl From<RowFailure> for ImportFailure {
    fn from(f: RowFailure) -> ImportFailure {
        ImportFailure { line: f.line, error: f.error.to_string() }
    }
}

/// What stopped an import before the end of its file.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("cannot read the file: {0}")]
    Read(String),
    /// The store failed (nothing of the batch in hand was written).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an import has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Rows read.
    pub rows_read: u64,
    /// Rows that went in (or were already there as given).
    pub imported: u64,
    /// Rows refused.
    pub refused: u64,
}

/// A reason as import files write it: ours, or the names SES and Postmark export.
pub fn reason_of(text: &str) -> Option<SuppressionReason> {
    let lower = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    SuppressionReason::from_name(&lower).or(match lower.as_str() {
        "bounce" | "hardbounce" | "hard" => Some(SuppressionReason::HardBounce),
        "spamcomplaint" | "spam_complaint" => Some(SuppressionReason::Complaint),
        "manualsuppression" | "manual_suppression" => Some(SuppressionReason::Manual),
        _ => None,
    })
}

/// One row's fields as read, before they are checked.
struct Fields<'a> {
    address: &'a str,
    reason: &'a str,
    created_at: &'a str,
    code: &'a str,
    error: &'a str,
    scope: &'a str,
}

fn entry(line: usize, f: &Fields<'_>) -> Result<ImportEntry, RowFailure> {
    let fail = |error| RowFailure { line, error };
    let reason =
        reason_of(f.reason).ok_or_else(|| fail(RowError::BadReason(f.reason.to_owned())))?;
    let created_at = match f.created_at.trim() {
        "" => None,
        t => Some(crate::time::parse(t).ok_or_else(|| fail(RowError::BadTime(t.to_owned())))?),
    };
    let scope = match f.scope.trim() {
        "" if matches!(reason, SuppressionReason::Complaint | SuppressionReason::Unsubscribe) => {
            Scope::Marketing
        }
        "" => Scope::All,
        s => s
            .parse()
            .map_err(|e: tuixin::lifecycle::ScopeError| fail(RowError::BadScope(e.to_string())))?,
    };
    let description = [f.code.trim(), f.error.trim()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    Ok(ImportEntry {
        line,
        address: f.address.trim().to_owned(),
        scope,
        reason,
        created_at,
        description,
    })
}

/// Column positions of a CSV header.
struct Columns {
    address: usize,
    reason: usize,
    created_at: Option<usize>,
    code: Option<usize>,
    error: Option<usize>,
    scope: Option<usize>,
}

enum Format<R> {
    Csv { reader: csv::Reader<R>, columns: Columns, record: csv::StringRecord },
    Jsonl { reader: R, line: usize, buf: Vec<u8> },
}

/// The rows of an import file, read one at a time.
pub struct Rows<R> {
    format: Format<R>,
    /// An error that ends the reading (the file became unreadable).
    fatal: Option<String>,
}

/// Starts reading an import file: JSONL when its first non-blank byte is `{`, else CSV with a
/// header. A CSV header without `address` and `reason` is refused as line 1.
pub fn rows<R: BufRead>(mut reader: R) -> Result<Rows<R>, ImportReadError> {
    let first = loop {
        let buf = reader.fill_buf().map_err(|e| ImportReadError::Read(e.to_string()))?;
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => break Some(buf[i]),
            None if buf.is_empty() => break None,
            None => {
                // All blank so far; look further. (Blank lines before a CSV header are dropped.)
                let n = buf.len();
                reader.consume(n);
            }
        }
    };
    if first == Some(b'{') {
        return Ok(Rows {
            format: Format::Jsonl { reader, line: 0, buf: Vec::new() },
            fatal: None,
        });
    }
    let mut csv = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(reader);
    let headers = match csv.headers() {
        Ok(h) => h.iter().map(|h| h.to_ascii_lowercase()).collect::<Vec<_>>(),
        Err(e) => return Err(ImportReadError::Header(RowError::Unreadable(e.to_string()))),
    };
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (Some(address), Some(reason)) = (column("address"), column("reason")) else {
        return Err(ImportReadError::Header(RowError::BadHeader));
    };
    let columns = Columns {
        address,
        reason,
        created_at: column("created_at"),
        code: column("code"),
        error: column("error"),
        scope: column("scope"),
    };
    Ok(Rows {
        format: Format::Csv { reader: csv, columns, record: csv::StringRecord::new() },
        fatal: None,
    })
}

/// Why an import file could not be started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportReadError {
    /// The file could not be read at all.
    #[error("cannot read the file: {0}")]
    Read(String),
    /// Its CSV header is unusable (reported as line 1).
    #[error("line 1: {0}")]
    Header(RowError),
}

impl<R: BufRead> Rows<R> {
    /// The next row: an entry, a row refused, or None at the end (or when the file became
    /// unreadable: see [`Rows::fatal`]).
    pub fn next_row(&mut self) -> Option<Result<ImportEntry, RowFailure>> {
        if self.fatal.is_some() {
            return None;
        }
        match &mut self.format {
            Format::Csv { reader, columns, record } => match reader.read_record(record) {
                Ok(false) => None,
                Ok(true) => {
                    let line = record.position().map_or(0, |p| p.line() as usize);
                    let get = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("");
                    Some(entry(
                        line,
                        &Fields {
                            address: get(Some(columns.address)),
                            reason: get(Some(columns.reason)),
                            created_at: get(columns.created_at),
                            code: get(columns.code),
                            error: get(columns.error),
                            scope: get(columns.scope),
                        },
                    ))
                }
                Err(e) => {
                    if let csv::ErrorKind::Io(io) = e.kind() {
                        self.fatal = Some(io.to_string());
                        return None;
                    }
                    let line = e.position().map_or(0, |p| p.line() as usize);
                    Some(Err(RowFailure { line, error: RowError::Unreadable(e.to_string()) }))
                }
            },
            Format::Jsonl { reader, line, buf } => loop {
                buf.clear();
                let read = (&mut *reader).take(MAX_LINE_BYTES as u64 + 1).read_until(b'\n', buf);
                match read {
                    Err(e) => {
                        self.fatal = Some(e.to_string());
                        return None;
                    }
                    Ok(0) => return None,
                    Ok(_) => {}
                }
                *line += 1;
                if buf.len() > MAX_LINE_BYTES && buf.last() != Some(&b'\n') {
                    // Skip the rest of the long line.
                    let mut rest = Vec::new();
                    loop {
                        rest.clear();
                        match (&mut *reader)
                            .take(MAX_LINE_BYTES as u64)
                            .read_until(b'\n', &mut rest)
                        {
                            Ok(0) => break,
                            Ok(_) if rest.last() == Some(&b'\n') => break,
                            Ok(_) => {}
                            Err(e) => {
                                self.fatal = Some(e.to_string());
                                return None;
                            }
                        }
                    }
                    return Some(Err(RowFailure {
                        line: *line,
                        error: RowError::Unreadable(format!(
                            "the line is longer than {MAX_LINE_BYTES} bytes"
                        )),
                    }));
                }
                if buf.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let value = match serde_json::from_slice::<serde_json::Value>(buf) {
                    Ok(v) => v,
                    Err(e) => {
                        return Some(Err(RowFailure {
                            line: *line,
                            error: RowError::Unreadable(e.to_string()),
                        }));
                    }
                };
                let s = |k: &str| {
                    value[k].as_str().map(str::to_owned).unwrap_or_else(|| {
                        value[k].as_i64().map(|n| n.to_string()).unwrap_or_default()
                    })
                };
                let (address, reason, created_at) = (s("address"), s("reason"), s("created_at"));
                let (code, error, scope) = (s("code"), s("error"), s("scope"));
                return Some(entry(
                    *line,
                    &Fields {
                        address: &address,
                        reason: &reason,
                        created_at: &created_at,
                        code: &code,
                        error: &error,
                        scope: &scope,
                    },
                ));
            },
        }
    }

    /// Why the reading stopped early, if it did.
    pub fn fatal(&self) -> Option<&str> {
        self.fatal.as_deref()
    }
}

/// Imports every row of `rows` into `store`, [`BATCH_ROWS`] per transaction. After each batch
/// is committed, `after_batch` gets the progress so far and that batch's refused rows (by
/// line); an error it returns stops the import.
pub fn run<R: BufRead>(
    store: &Store,
    mut rows: Rows<R>,
    actor: &str,
    now: i64,
    mut after_batch: impl FnMut(&Progress, Vec<RowFailure>) -> Result<(), ImportError>,
) -> Result<Progress, ImportError> {
    let mut progress = Progress::default();
    let mut entries = Vec::with_capacity(BATCH_ROWS);
    let mut failures = Vec::new();
    loop {
        let row = rows.next_row();
        let end = row.is_none();
        match row {
            Some(Ok(entry)) => entries.push(entry),
            Some(Err(failure)) => failures.push(failure),
            None => {}
        }
        if !end {
            progress.rows_read += 1;
        }
        if entries.len() + failures.len() >= BATCH_ROWS || end {
            let (done, refused) = store.import(&entries, actor, now)?;
            progress.imported += done as u64;
            failures.extend(
                refused
                    .into_iter()
                    .map(|f| RowFailure { line: f.line, error: RowError::Refused(f.error) }),
            );
            failures.sort_by_key(|f| f.line);
            progress.refused += failures.len() as u64;
            entries.clear();
            after_batch(&progress, std::mem::take(&mut failures))?;
        }
        if end {
            if let Some(cause) = rows.fatal() {
                return Err(ImportError::Read(cause.to_owned()));
            }
            return Ok(progress);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &[u8]) -> (Vec<ImportEntry>, Vec<RowFailure>) {
        let mut rows = rows(text).unwrap();
        let (mut entries, mut failures) = (Vec::new(), Vec::new());
        while let Some(row) = rows.next_row() {
            match row {
                Ok(e) => entries.push(e),
                Err(f) => failures.push(f),
            }
        }
        assert_eq!(rows.fatal(), None);
        (entries, failures)
    }

    #[test]
    fn a_csv_row_is_named_by_its_first_line_even_after_a_quoted_line_break() {
        let text = b"\n\nAddress,Reason,Error\n\"a@example.org\",bounce,\"two\nlines\"\nb@example.org,nope,\nc@example.org,complaint,\n";
        let (entries, failures) = read_all(text);
        assert_eq!(entries.iter().map(|e| e.line).collect::<Vec<_>>(), [4, 7]);
        assert_eq!(entries[0].description, "two\nlines");
        assert_eq!(entries[1].scope, Scope::Marketing, "a complaint defaults to marketing");
        assert_eq!(failures, [RowFailure { line: 6, error: RowError::BadReason("nope".into()) }]);
    }

    #[test]
    fn an_overlong_jsonl_line_is_refused_and_the_next_lines_still_read() {
        let mut text =
            b"{\"address\":\"a@example.org\",\"reason\":\"manual\"}\n{\"error\":\"".to_vec();
        text.extend(std::iter::repeat_n(b'x', 3 * MAX_LINE_BYTES));
        text.extend_from_slice(b"\"}\n\n{\"address\":\"b@example.org\",\"reason\":\"hard_bounce\",\"created_at\":\"yesterday\"}\n{\"address\":\"c@example.org\",\"reason\":\"unsubscribe\",\"scope\":\"news\"}");
        let (entries, failures) = read_all(&text);
        assert_eq!(
            entries.iter().map(|e| (e.line, e.address.as_str())).collect::<Vec<_>>(),
            [(1, "a@example.org"), (5, "c@example.org")]
        );
        assert_eq!(failures.iter().map(|f| f.line).collect::<Vec<_>>(), [2, 4]);
        assert!(matches!(failures[0].error, RowError::Unreadable(_)));
        assert_eq!(failures[1].error, RowError::BadTime("yesterday".into()));
    }

    #[test]
    fn a_header_without_address_or_reason_is_refused_before_any_row() {
        assert!(matches!(
            rows(&b"email,why\na@example.org,bounce\n"[..]),
            Err(ImportReadError::Header(RowError::BadHeader))
        ));
    }
}

//! `tuixin ingest --follow LOG`: an MTA log tailed as it grows, through rotation (renamed and a
//! new file made, or copied and truncated), its result lines stored as they come; the position
//! reached is kept in the store, so a restart resumes where the last run stopped.
//!
//! A position is saved after the lines before it are committed; a crash between the two reads
//! those lines again, which stores nothing twice (events are idempotent). A file rotated while
//! no run was following it is finished from its saved position when it is still beside the log
//! under a name that starts with the log's (`mail.log.1`, `mail.log-20261207`), uncompressed.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tuixin::logs::{LogFormat, LogOptions, LogReader};
use tuixin::{Classifier, Lang};
use tuixin_store::{Input, Store};

use crate::output::visible;

/// How often a log at its end is looked at again.
const POLL: Duration = Duration::from_millis(250);

/// Bytes read at once.
const CHUNK: usize = 64 << 10;

/// Bytes of one line kept at most (the reader cuts lines at its own, smaller, limit); the rest
/// of a longer line is skipped.
const MAX_LINE: usize = 1 << 20;

/// Result lines stored per transaction at most.
const BATCH: usize = 2_000;

/// Where a followed log was left: which file (device and inode), the byte after the last
/// line stored, and that line's number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Position {
    dev: u64,
    ino: u64,
    offset: u64,
    line: usize,
    /// A hash (FNV-1a, hex) of the bytes just before `offset` (at most [`TAIL`]): a file
    /// rewritten in place to the same length or longer is told from one that only grew.
    #[serde(default)]
    tail: String,
}

/// Bytes before the position compared to tell a rewritten file from a grown one (enough to
/// hold the last lines' times and queue ids, not only their common endings).
const TAIL: u64 = 4096;

/// What to follow and how to store it.
pub struct Follow<'a> {
    /// The log's path.
    pub path: &'a Path,
    /// Its format.
    pub format: LogFormat,
    /// The source stored with its events.
    pub source: String,
    /// The classifier of the records.
    pub classifier: &'a Classifier,
    /// The lifecycle policy.
    pub policy: &'a tuixin::lifecycle::Policy,
    /// The message language.
    pub lang: Lang,
    /// Whether to say nothing on stderr but errors.
    pub quiet: bool,
}

/// An open log being read: the file, where its next line starts, and its number.
struct Open {
    file: File,
    dev: u64,
    ino: u64,
    offset: u64,
    line: usize,
    /// The start of a line whose end has not been written yet.
    partial: Vec<u8>,
    /// Bytes of a too-long line still to skip up to its end.
    skipping: bool,
    /// The bytes before `offset` as they were read.
    tail: Vec<u8>,
}

/// FNV-1a of `bytes`, as hex (stable across versions and machines).
fn hex(bytes: &[u8]) -> String {
    let hash = bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    format!("{hash:016x}")
}

impl Open {
    fn at(path: &Path, offset: u64, line: usize, tail: &str) -> std::io::Result<Open> {
        let mut file = File::open(path)?;
        let meta = file.metadata()?;
        let offset = if meta.len() < offset { 0 } else { offset };
        // Rewritten since (the bytes before the position differ): from its start.
        let offset =
            if offset > 0 && hex(&tail_before(&file, offset)?) != tail { 0 } else { offset };
        let line = if offset == 0 { 0 } else { line };
        file.seek(SeekFrom::Start(offset))?;
        let tail = tail_before(&file, offset)?;
        Ok(Open {
            file,
            dev: meta.dev(),
            ino: meta.ino(),
            offset,
            line,
            partial: Vec::new(),
            skipping: false,
            tail,
        })
    }

    fn position(&self) -> Position {
        let tail = hex(&self.tail);
        Position { dev: self.dev, ino: self.ino, offset: self.offset, line: self.line, tail }
    }

    /// Whether the file was truncated or rewritten under the position.
    fn rewritten(&self) -> std::io::Result<bool> {
        let len = self.file.metadata()?.len();
        Ok(len < self.offset + self.partial.len() as u64
            || (self.offset > 0 && tail_before(&self.file, self.offset)? != self.tail))
    }

    /// Reads what has been written since, calling `each` with every whole line and its number;
    /// false when nothing new was there.
    fn read_lines(
        &mut self,
        mut each: impl FnMut(usize, &[u8]) -> anyhow::Result<()>,
    ) -> anyhow::Result<bool> {
        // Truncated or rewritten in place (copytruncate): start again from its beginning.
        if self.rewritten()? {
            self.file.seek(SeekFrom::Start(0))?;
            self.offset = 0;
            self.line = 0;
            self.partial.clear();
            self.skipping = false;
        }
        let mut chunk = vec![0; CHUNK];
        let mut any = false;
        loop {
            let n = self.file.read(&mut chunk)?;
            if n == 0 {
                self.tail = tail_before(&self.file, self.offset)?;
                return Ok(any);
            }
            any = true;
            let mut rest = &chunk[..n];
            while let Some(end) = rest.iter().position(|&b| b == b'\n') {
                let piece = &rest[..end];
                let length = self.partial.len() + piece.len() + 1;
                if !self.skipping {
                    self.partial.extend_from_slice(
                        &piece[..piece.len().min(MAX_LINE.saturating_sub(self.partial.len()))],
                    );
                    let line = self.partial.strip_suffix(b"\r").unwrap_or(&self.partial);
                    self.line += 1;
                    each(self.line, line)?;
                } else {
                    self.line += 1;
                }
                self.offset += if self.skipping { (end + 1) as u64 } else { length as u64 };
                self.partial.clear();
                self.skipping = false;
                rest = &rest[end + 1..];
            }
            if self.skipping {
                self.offset += rest.len() as u64;
            } else if self.partial.len() + rest.len() > MAX_LINE {
                // The rest of this line is skipped; what was kept is counted as read.
                self.offset += (self.partial.len() + rest.len()) as u64;
                self.partial.clear();
                self.skipping = true;
            } else {
                self.partial.extend_from_slice(rest);
            }
        }
    }
}

/// The bytes before `offset` (at most [`TAIL`]), as the file holds them now.
fn tail_before(file: &File, offset: u64) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let start = offset.saturating_sub(TAIL);
    let mut buf = vec![0; (offset - start) as usize];
    let mut read = 0;
    while read < buf.len() {
        match file.read_at(&mut buf[read..], start + read as u64)? {
            0 => break,
            n => read += n,
        }
    }
    buf.truncate(read);
    Ok(buf)
}

/// The store key of a log's position.
fn key(path: &Path) -> String {
    format!("follow:{}", path.display())
}

/// A rotated copy of the log beside it with the given device and inode.
fn rotated(path: &Path, dev: u64, ino: u64) -> Option<PathBuf> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name()?.to_str()?;
    std::fs::read_dir(dir).ok()?.flatten().find_map(|entry| {
        let candidate = entry.path();
        let starts = entry.file_name().to_str().is_some_and(|n| n.starts_with(name) && n != name);
        let meta = std::fs::metadata(&candidate).ok()?;
        (starts && meta.dev() == dev && meta.ino() == ino).then_some(candidate)
    })
}

/// Follows the log until the process is stopped (or an error that reading cannot go past).
pub fn run(store: &Store, follow: &Follow<'_>) -> anyhow::Result<()> {
    let path = std::path::absolute(follow.path)?;
    let key = key(&path);
    let saved: Option<Position> =
        store.setting(&key)?.and_then(|text| serde_json::from_str(&text).ok());
    let shown = path.display().to_string();
    let mut reader = LogReader::with_options(follow.format, follow.classifier, options());
    // A log rotated while no run followed it: its rest first, from where it was left.
    let mut current = match saved {
        Some(p) => match std::fs::metadata(&path) {
            Ok(meta) if meta.dev() == p.dev && meta.ino() == p.ino => {
                Some(Open::at(&path, p.offset, p.line, &p.tail)?)
            }
            _ => {
                if let Some(old) = rotated(&path, p.dev, p.ino) {
                    let mut open = Open::at(&old, p.offset, p.line, &p.tail)?;
                    let origin = old.display().to_string();
                    drain(store, follow, &mut reader, &mut open, &origin, &key)?;
                }
                None
            }
        },
        None => None,
    };
    loop {
        let mut open = match current.take() {
            Some(open) => open,
            None => loop {
                match Open::at(&path, 0, 0, "") {
                    Ok(open) => break open,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::thread::sleep(POLL),
                    Err(e) => return Err(anyhow::anyhow!("{}: {e}", visible(&shown))),
                }
            },
        };
        if !follow.quiet {
            let text = crate::say::following(&shown, open.line, follow.lang);
            crate::note(format_args!("tuixin: {}", visible(&text)));
        }
        loop {
            let grew = drain(store, follow, &mut reader, &mut open, &shown, &key)?;
            if grew {
                continue;
            }
            // At the end: has the path been given to a new file (rotation)?
            let replaced = match std::fs::metadata(&path) {
                Ok(meta) => meta.dev() != open.dev || meta.ino() != open.ino,
                Err(_) => false,
            };
            if replaced {
                // Lines written to the old file between the last read and the rename.
                drain(store, follow, &mut reader, &mut open, &shown, &key)?;
                break;
            }
            std::thread::sleep(POLL);
        }
    }
}

fn options() -> LogOptions {
    let now = crate::time::now();
    LogOptions { year: Some(tuixin::logs::year_of(now)), ..LogOptions::default() }
}

/// Reads and stores what the open file has now, then saves the position reached; whether it
/// had anything new.
fn drain(
    store: &Store,
    follow: &Follow<'_>,
    reader: &mut LogReader<'_>,
    open: &mut Open,
    origin: &str,
    key: &str,
) -> anyhow::Result<bool> {
    let mut inputs: Vec<Input> = Vec::new();
    let any = open.read_lines(|line_no, line| {
        let mut records = reader.feed(line_no, line);
        if !records.is_empty() {
            for record in &mut records {
                record.origin = origin.to_owned();
            }
            let mut input = Input {
                raw: line.to_vec(),
                records,
                source: follow.source.clone(),
                origin: format!("{origin}:{line_no}"),
                received_at: crate::time::now(),
                packed: None,
            };
            input.pack();
            inputs.push(input);
        }
        Ok(())
    })?;
    for error in reader.take_errors() {
        let text = crate::say::log_line_error(&error, follow.lang);
        crate::note(format_args!("tuixin: {}", visible(&format!("{origin}:{text}"))));
    }
    if !any {
        return Ok(false);
    }
    // Stored first, the position saved after: a crash between reads those lines again, which
    // stores nothing twice.
    for chunk in inputs.chunks(BATCH) {
        let done = store.ingest(chunk, follow.policy, crate::time::now())?;
        if !follow.quiet && done.new_events > 0 {
            let text = crate::say::followed(origin, open.line, &done, follow.lang);
            crate::note(format_args!("tuixin: {}", visible(&text)));
        }
    }
    store.set_setting(key, &serde_json::to_string(&open.position())?)?;
    Ok(true)
}

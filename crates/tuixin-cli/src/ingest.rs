//! `tuixin ingest`: bounces from files, folders, mbox files, maildirs and stdin into the store,
//! many inputs per transaction.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::mpsc;

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use tuixin::{Decoder, Lang};
use tuixin_store::{FailedInput, IngestSummary, Input};

use crate::args::Config;
use crate::db::DbArg;
use crate::inputs::{self, Item};
use crate::output::visible;
use crate::parse::InputsFailed;

/// Bytes of messages stored in one transaction at most (besides one larger message).
const BATCH_BYTES: usize = 16 << 20;

pub(crate) const EXAMPLES: &str = "\
Examples:
  tuixin ingest ~/Maildir/.Bounces
  tuixin ingest --source imap:bounces archive.mbox.gz
  cat bounce.eml | tuixin ingest -
  tuixin ingest --db postgres://tuixin@db.internal/tuixin bounces/
  tuixin ingest --input postfix --follow /var/log/mail.log

Every input is stored with its records as events; the same bounce ingested again is counted as a
duplicate and changes nothing. A summary goes to stderr.
Exit status: 0 when every input was ingested, 1 when some could not be read or were not mail
(each is named on stderr; the rest are stored), 2 on a usage or database error.";

/// Flags of `tuixin ingest`.
#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    /// Files, folders (recursive), maildirs or mbox files, also gzip/xz/zstd-compressed; `-` or
    /// nothing reads stdin
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Where the bounces came from, stored with each event (e.g. file, imap:bounces, smtp); an
    /// MTA log's events get `log:FORMAT` (log:postfix) and a webhook payload's
    /// `webhook:PROVIDER` (webhook:ses) unless another name is given
    #[arg(long, value_name = "NAME", default_value = "file")]
    pub source: String,

    /// What the inputs are: auto tells mail, MTA logs and JSON apart by content (stdin by the
    /// lines already waiting in it, a terminal and folders as mail; a JSON file's provider by its
    /// shape); a log format reads every input as that log, each result line stored as the raw
    /// input of its records; a webhook provider reads each input as one payload of its events
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "auto")]
    pub input: crate::logs::InputFormat,

    /// A lifecycle policy file of your own, laid over the built-in policy (see `tuixin policy`)
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// Days raw inputs are kept (events keep their records); older ones are pruned after the run
    #[arg(long, default_value_t = 30, value_name = "DAYS")]
    pub raw_retention_days: u32,

    /// Messages stored per transaction at most (one commit each)
    #[arg(long, default_value_t = 2000, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub batch: u32,

    /// Threads to decode with [default: all cores]
    #[arg(short = 'j', long, value_name = "N")]
    pub jobs: Option<usize>,

    /// No progress bar and no summary on stderr
    #[arg(short, long)]
    pub quiet: bool,

    /// Follow one MTA log as it grows, through rotation, until stopped; a restart resumes
    /// from the position kept in the store
    #[arg(long)]
    pub follow: bool,

    #[command(flatten)]
    pub db: DbArg,
}

/// One message read, decoded or not.
struct Decoded {
    place: String,
    result: Result<Input, String>,
    unreadable: bool,
}

/// Counts of what could not be stored.
#[derive(Default)]
struct Failures {
    inputs: usize,
    failed: usize,
    not_mail: usize,
    skipped: usize,
}

/// Runs the command: a reader thread reads messages in batches, the decoding threads decode
/// each batch, and a writer thread stores each batch in one transaction while the next is
/// decoded.
pub fn run(config: &Config, args: &IngestArgs) -> anyhow::Result<()> {
    let lang = config.lang;
    if !valid_source(&args.source) {
        return Err(crate::UsageError(crate::say::bad_source(&args.source, lang)).into());
    }
    let policy = crate::policy::load(args.policy.as_deref(), config)?;
    let store = crate::db::open(&args.db)?;
    let paths: Vec<PathBuf> =
        if args.paths.is_empty() { vec![PathBuf::from("-")] } else { args.paths.clone() };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(args.jobs.unwrap_or(0)).build()?;
    let classifier = crate::rules::classifier(config)?;
    let routed = crate::logs::route(&paths, args.input);
    if args.follow {
        let [(path, format)] = routed.logs.as_slice() else {
            return Err(crate::UsageError(crate::say::follow_needs_one_log(lang)).into());
        };
        if paths.len() != 1 || path.as_os_str() == "-" {
            return Err(crate::UsageError(crate::say::follow_needs_one_log(lang)).into());
        }
        let source = if args.source == "file" {
            format!("log:{}", format.name())
        } else {
            args.source.clone()
        };
        let follow = crate::follow::Follow {
            path,
            format: *format,
            source,
            classifier: &classifier,
            policy: &policy,
            lang,
            quiet: args.quiet,
        };
        return crate::follow::run(&store, &follow);
    }
    let mut other_failed = 0;
    if !routed.payloads.is_empty() {
        // One payload is one raw input with the records of all its events.
        let mut summary = IngestSummary::default();
        let read = crate::payloads::read_payloads_with(
            &routed.payloads,
            &classifier,
            lang,
            |provider, records, raw| {
                let source = if args.source == "file" {
                    format!("webhook:{}", provider.name())
                } else {
                    args.source.clone()
                };
                let origin = records.first().map(|r| r.origin.clone()).unwrap_or_default();
                let mut input = Input {
                    raw: raw.to_vec(),
                    records,
                    source,
                    origin,
                    received_at: crate::time::now(),
                    packed: None,
                };
                input.pack();
                summary.add(&store.ingest(
                    std::slice::from_ref(&input),
                    &policy,
                    crate::time::now(),
                )?);
                Ok(())
            },
        )?;
        if !args.quiet {
            crate::note(format_args!("{}", crate::payloads::summary_line(&read, lang)));
            let failures =
                Failures { inputs: read.inputs, failed: read.failed, ..Failures::default() };
            crate::note(format_args!("{}", summary_line(&summary, &failures, lang)));
        }
        other_failed += read.failed;
    }
    if !routed.logs.is_empty() {
        // One result line is one raw input with its records; a batch is one transaction.
        let mut summary = IngestSummary::default();
        let mut batch: Vec<Input> = Vec::new();
        let per_batch = args.batch as usize;
        let mut store_batch = |batch: &mut Vec<Input>| -> anyhow::Result<()> {
            if !batch.is_empty() {
                summary.add(&store.ingest(batch, &policy, crate::time::now())?);
                batch.clear();
            }
            Ok(())
        };
        let mut logs = crate::logs::LogSummary::default();
        for entry in &routed.logs {
            let format = entry.1;
            let source = if args.source == "file" {
                format!("log:{}", format.name())
            } else {
                args.source.clone()
            };
            let one = std::slice::from_ref(entry);
            let read = crate::logs::read_logs_with(one, &classifier, lang, |records, line| {
                let origin = match records.first() {
                    Some(r) => format!("{}:{}", r.origin, r.message),
                    None => String::new(),
                };
                let mut input = Input {
                    raw: line.to_vec(),
                    records,
                    source: source.clone(),
                    origin,
                    received_at: crate::time::now(),
                    packed: None,
                };
                input.pack();
                batch.push(input);
                if batch.len() >= per_batch {
                    store_batch(&mut batch)?;
                }
                Ok(())
            })?;
            logs.add(&read);
        }
        store_batch(&mut batch)?;
        if !args.quiet {
            crate::note(format_args!("{}", crate::logs::summary_line(&logs, lang)));
            let failures =
                Failures { inputs: logs.inputs, failed: logs.failed, ..Failures::default() };
            crate::note(format_args!("{}", summary_line(&summary, &failures, lang)));
        }
        other_failed += logs.failed;
    }
    if routed.mail.is_empty() {
        if other_failed > 0 {
            return Err(InputsFailed(other_failed).into());
        }
        return Ok(());
    }
    let paths = routed.mail;
    let decoder = Decoder::new(&classifier);
    let limit = decoder.limits().max_message_bytes;
    let files = inputs::expand(&paths);
    let progress = if args.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::no_length();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {pos} messages {elapsed} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar
    };
    let (batches, to_decode) = mpsc::sync_channel::<Vec<Item>>(1);
    let (decoded, to_store) = mpsc::sync_channel::<Vec<Decoded>>(1);
    let source = args.source.as_str();
    let (read, stored) = std::thread::scope(|scope| {
        let per_batch = args.batch as usize;
        let reader = scope.spawn(move || read_batches(files, batches, limit, per_batch, lang));
        let writer = scope.spawn(|| -> anyhow::Result<(IngestSummary, Failures)> {
            let mut summary = IngestSummary::default();
            let mut failures = Failures::default();
            for batch in to_store {
                let mut inputs = Vec::with_capacity(batch.len());
                // Inputs that gave no event, recorded for the source's ingestion health.
                let mut failed = Vec::new();
                let now = crate::time::now();
                for Decoded { place, result, unreadable } in batch {
                    match result {
                        Ok(input) => inputs.push(input),
                        Err(error) => {
                            if unreadable {
                                failures.failed += 1;
                            } else {
                                failures.not_mail += 1;
                            }
                            failed.push(FailedInput {
                                source: source.to_owned(),
                                origin: place.clone(),
                                received_at: now,
                                error: error.clone(),
                            });
                            progress.suspend(|| {
                                crate::note(format_args!(
                                    "tuixin: {}",
                                    visible(&format!("{place}: {error}"))
                                ))
                            });
                        }
                    }
                }
                let n = inputs.len() as u64;
                let done = store.ingest_reporting(&inputs, &failed, &policy, now)?;
                summary.add(&done);
                progress.inc(n);
            }
            Ok((summary, failures))
        });
        for batch in to_decode {
            let out = pool.install(|| decode_batch(&decoder, batch, source, lang));
            if decoded.send(out).is_err() {
                break;
            }
        }
        drop(decoded);
        (reader.join(), writer.join())
    });
    progress.finish_and_clear();
    let read = read.map_err(|_| anyhow::anyhow!("the input reader panicked"))?;
    let (summary, mut failures) =
        stored.map_err(|_| anyhow::anyhow!("the store writer panicked"))??;
    failures.inputs = read.inputs;
    failures.failed += read.failed;
    failures.skipped = read.skipped;
    if !args.quiet {
        crate::note(format_args!("{}", summary_line(&summary, &failures, lang)));
    }
    if failures.failed + failures.not_mail + other_failed > 0 {
        return Err(InputsFailed(failures.failed + failures.not_mail + other_failed).into());
    }
    Ok(())
}

/// A source name: printable ASCII without spaces, at most 64 bytes.
fn valid_source(source: &str) -> bool {
    !source.is_empty() && source.len() <= 64 && source.bytes().all(|b| b.is_ascii_graphic())
}

/// Reads messages into batches; the counts of inputs, of those that could not be opened, and
/// of those skipped.
fn read_batches(
    files: Vec<inputs::Input>,
    batches: mpsc::SyncSender<Vec<Item>>,
    limit: usize,
    per_batch: usize,
    lang: Lang,
) -> Failures {
    let mut counts = Failures::default();
    let mut batch = Vec::new();
    let mut bytes = 0;
    for file in files {
        let path = match file {
            inputs::Input::Read(path, _) => path,
            inputs::Input::Skipped(path, why) => {
                let why = crate::say::skipped(&why, lang);
                crate::note(format_args!(
                    "tuixin: {}",
                    visible(&format!("{}: {why}", path.display()))
                ));
                counts.skipped += 1;
                continue;
            }
            inputs::Input::Failed(path, error) => {
                crate::note(format_args!(
                    "tuixin: {}",
                    visible(&format!("{}: {error}", path.display()))
                ));
                counts.inputs += 1;
                counts.failed += 1;
                continue;
            }
        };
        counts.inputs += 1;
        for item in inputs::messages(&path, limit) {
            bytes += item.bytes.as_ref().map_or(0, Vec::len);
            batch.push(item);
            if batch.len() >= per_batch || bytes >= BATCH_BYTES {
                if batches.send(std::mem::take(&mut batch)).is_err() {
                    return counts;
                }
                bytes = 0;
            }
        }
    }
    if !batch.is_empty() {
        let _ = batches.send(batch);
    }
    counts
}

/// Decodes one batch on the pool's threads, in input order.
fn decode_batch(decoder: &Decoder<'_>, batch: Vec<Item>, source: &str, lang: Lang) -> Vec<Decoded> {
    let received_at = crate::time::now();
    batch
        .into_par_iter()
        .map(|item| {
            let place = if item.message > 1 {
                format!("{} (message {})", item.origin, item.message)
            } else {
                item.origin.clone()
            };
            match item.bytes {
                Err(e) => Decoded {
                    place,
                    result: Err(crate::say::unreadable(&e.to_string(), lang)),
                    unreadable: true,
                },
                Ok(raw) => match decoder.decode(&raw) {
                    Ok(mut records) => {
                        for record in &mut records {
                            record.origin = item.origin.clone();
                            record.message = item.message;
                        }
                        let mut input = Input {
                            raw,
                            records,
                            source: source.to_owned(),
                            origin: place.clone(),
                            received_at,
                            packed: None,
                        };
                        // Hashed and compressed here, on the decoding threads, not by the
                        // store's single writer.
                        input.pack();
                        Decoded { place, result: Ok(input), unreadable: false }
                    }
                    Err(e) => Decoded {
                        place,
                        result: Err(crate::say::decode_error(&e, lang)),
                        unreadable: false,
                    },
                },
            }
        })
        .collect()
}

fn summary_line(s: &IngestSummary, f: &Failures, lang: Lang) -> String {
    let mut line = match lang {
        Lang::En => {
            // English counts with the noun's number: 1 input, 2 inputs.
            let n = |count: usize, noun: &str| {
                format!("{count} {noun}{}", if count == 1 { "" } else { "s" })
            };
            format!(
                "tuixin: {}, {}: {}, {}; {} added, {} lifted; {} opened; {} could not be read",
                n(f.inputs, "input"),
                n(s.records, "record"),
                n(s.new_events, "new event"),
                n(s.duplicates, "duplicate"),
                n(s.suppressions_added, "suppression"),
                s.suppressions_lifted,
                n(s.alerts_opened, "alert"),
                f.failed
            )
        }
        Lang::Zh => format!(
            "tuixin\u{ff1a}输入 {} 个\u{ff0c}记录 {} 条\u{ff1a}新事件 {} 个\u{ff0c}重复 {} 个\u{ff1b}新增抑制 {} 条\u{ff0c}解除 {} 条\u{ff1b}新告警 {} 个\u{ff1b}{} 个无法读取",
            f.inputs,
            s.records,
            s.new_events,
            s.duplicates,
            s.suppressions_added,
            s.suppressions_lifted,
            s.alerts_opened,
            f.failed
        ),
    };
    if f.not_mail > 0 {
        line += &match lang {
            Lang::En => format!(", {} not mail", f.not_mail),
            Lang::Zh => format!("\u{ff0c}{} 个不是邮件", f.not_mail),
        };
    }
    if s.invalid_addresses > 0 {
        line += &match lang {
            Lang::En => format!(
                ", {} records without a valid address (stored, no suppression)",
                s.invalid_addresses
            ),
            Lang::Zh => format!(
                "\u{ff0c}{} 条记录的地址无效\u{ff08}已存储\u{ff0c}不抑制\u{ff09}",
                s.invalid_addresses
            ),
        };
    }
    if f.skipped > 0 {
        line += &match lang {
            Lang::En => format!(", {} skipped", f.skipped),
            Lang::Zh => format!("\u{ff0c}跳过 {} 个", f.skipped),
        };
    }
    line
}

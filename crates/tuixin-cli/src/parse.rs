//! `tuixin parse`: decode bounces from files, folders, mbox files and stdin into records.

use std::collections::BTreeMap;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::mpsc;

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use tuixin::{DecodeError, Decoder, Lang, Reason, Record, RuleKind};

use crate::args::{Config, ParseArgs};
use crate::inputs::{self, Cut, Input, Item};
use crate::output::{Format, Printer, visible};

/// Some inputs could not be read or were not mail; the command exits with status 1 after the
/// rest.
#[derive(Debug)]
pub struct InputsFailed(pub usize);

impl std::fmt::Display for InputsFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} input(s) could not be read or were not mail", self.0)
    }
}

/// Why a message gave no result.
enum Failure {
    /// Its bytes could not be read: no message at all.
    Unreadable(String),
    /// It was read, but is no mail tuixin can decode (empty, no header, past a limit).
    NotMail(DecodeError),
}

impl std::error::Error for InputsFailed {}

/// Messages decoded together; their records are printed in input order before the next batch.
const BATCH_MESSAGES: usize = 512;
/// Files up to this size are read by the decoding threads; larger ones are streamed.
const READ_IN_WORKER: usize = 4 << 20;
/// Bytes held in one batch at most (besides one message larger than this).
const BATCH_BYTES: usize = 8 << 20;

/// What one worker does: read a small file and decode its messages, or decode one message.
enum Work {
    File(PathBuf, usize),
    Message(Item),
}

impl Work {
    fn size(&self) -> usize {
        match self {
            Work::File(_, size) => *size,
            Work::Message(item) => item.bytes.as_ref().map_or(0, Vec::len),
        }
    }
}

/// One message's outcome: its input, its index inside the input, its records or the error, and
/// what the limits cut from it.
struct Outcome {
    origin: String,
    message: usize,
    result: Result<Vec<Record>, Failure>,
    cuts: Vec<crate::say::Cut>,
    /// The input had no header: its records come from a bounce's text pasted on its own.
    headerless: bool,
}

fn decode_item(item: Item, decoder: &Decoder<'_>) -> Outcome {
    let limits = decoder.limits();
    let mut cuts = Vec::new();
    match item.cut {
        Some(Cut::Size(size)) => {
            cuts.push(crate::say::Cut::Size { size, limit: limits.max_message_bytes })
        }
        Some(Cut::RestUnread) => {
            cuts.push(crate::say::Cut::RestUnread { limit: limits.max_message_bytes })
        }
        None => {}
    }
    let mut headerless = false;
    let result = match item.bytes {
        Ok(bytes) => {
            let result = decoder.decode(&bytes);
            headerless =
                result.as_ref().is_ok_and(|r| !r.is_empty()) && !tuixin::opens_with_header(&bytes);
            // The library keeps the first N recipients without a word: a message that reaches
            // the cap is decoded again with room for one more to tell whether any were dropped.
            let max = limits.max_recipients;
            if let Ok(records) = &result
                && records.len() == max
                && max < usize::MAX
            {
                let wider = tuixin::Limits { max_recipients: max + 1, ..limits };
                let more = (*decoder).with_limits(wider).decode(&bytes);
                if more.is_ok_and(|more| more.len() > max) {
                    cuts.push(crate::say::Cut::Recipients { max });
                }
            }
            result.map_err(Failure::NotMail)
        }
        Err(e) => Err(Failure::Unreadable(e.to_string())),
    };
    Outcome { origin: item.origin, message: item.message, result, cuts, headerless }
}

#[derive(Default)]
struct Summary {
    inputs: usize,
    messages: usize,
    bounces: usize,
    records: usize,
    failed: usize,
    /// Messages read that are no mail tuixin can decode.
    not_mail: usize,
    skipped: usize,
    cut: usize,
    reasons: BTreeMap<Reason, usize>,
    /// Records by the kind of rule that decided their reason.
    kinds: BTreeMap<RuleKind, usize>,
}

/// Runs the command.
///
/// Reading, decoding and writing overlap, each on its own thread: a reader sends batches of
/// messages, the pool of `-j` decoding threads decodes each batch (this thread waits on it), and
/// a writer prints the records in input order. Queues of one batch keep memory bounded.
pub fn run(config: &Config, args: &ParseArgs) -> anyhow::Result<()> {
    let paths: Vec<PathBuf> =
        if args.paths.is_empty() { vec![PathBuf::from("-")] } else { args.paths.clone() };
    let routed = crate::logs::route(&paths, args.input);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(args.jobs.unwrap_or(0)).build()?;
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() && !config.json {
        Format::Human
    } else if config.json {
        Format::Json
    } else {
        Format::Jsonl
    });
    let classifier = crate::rules::classifier(config)?;
    let mut other_failed = 0;
    if !routed.payloads.is_empty() {
        let out: Box<dyn Write> = if format == Format::Human {
            Box::new(anstream::stdout().lock())
        } else {
            Box::new(BufWriter::with_capacity(1 << 16, std::io::stdout().lock()))
        };
        let mut printer = Printer::new(out, format, config.lang, args.explain, args.why);
        let summary = crate::payloads::read_payloads(
            &routed.payloads, &classifier, &mut printer, config.lang,
        )?;
        printer.finish()?;
        if !args.quiet {
            crate::note(format_args!("{}", crate::payloads::summary_line(&summary, config.lang)));
        }
        other_failed += summary.failed;
    }
    if !routed.logs.is_empty() {
        let out: Box<dyn Write> = if format == Format::Human {
            Box::new(anstream::stdout().lock())
        } else {
            Box::new(BufWriter::with_capacity(1 << 16, std::io::stdout().lock()))
        };
        let mut printer = Printer::new(out, format, config.lang, args.explain, args.why);
        let summary = crate::logs::read_logs(&routed.logs, &classifier, &mut printer, config.lang)?;
        printer.finish()?;
        if !args.quiet {
            crate::note(format_args!("{}", crate::logs::summary_line(&summary, config.lang)));
        }
        other_failed += summary.failed;
    }
    if routed.mail.is_empty() {
        if other_failed > 0 {
            return Err(InputsFailed(other_failed).into());
        }
        return Ok(());
    }
    let paths = routed.mail;
    let decoder = Decoder::new(&classifier).with_limits(args.limits());
    let limit = decoder.limits().max_message_bytes;

    let files = inputs::expand(&paths);
    if !args.quiet && paths.iter().any(|p| p.as_os_str() == "-") && std::io::stdin().is_terminal() {
        crate::note(format_args!("{}", stdin_hint(config.lang)));
    }
    let progress = progress_bar(&files, args.quiet);
    let (batches, to_decode) = mpsc::sync_channel::<Vec<Work>>(1);
    let (decoded, to_write) = mpsc::sync_channel::<Vec<Outcome>>(1);
    let (read, written) = std::thread::scope(|scope| {
        let reader = scope.spawn(|| read_batches(files, batches, &progress, limit, config.lang));
        let writer = scope.spawn(|| {
            // People's output goes through anstream (colour only on a terminal); machine formats
            // go straight to a buffered stdout, without scanning every byte for escapes.
            let out: Box<dyn Write> = if format == Format::Human {
                Box::new(anstream::stdout().lock())
            } else {
                Box::new(BufWriter::with_capacity(1 << 16, std::io::stdout().lock()))
            };
            let printer = Printer::new(out, format, config.lang, args.explain, args.why);
            write_outcomes(to_write, printer, &progress, config.lang)
        });
        for batch in to_decode {
            let outcomes = pool.install(|| decode_batch(&decoder, batch));
            if decoded.send(outcomes).is_err() {
                // The writer stopped (its error is reported below); so does the reader.
                break;
            }
        }
        drop(decoded);
        (reader.join(), writer.join())
    });
    // Cleared before anything else is said, and also when the output was cut short.
    progress.finish_and_clear();
    let counts = read.map_err(|_| anyhow::anyhow!("the input reader panicked"))?;
    let mut summary = written.map_err(|_| anyhow::anyhow!("the output writer panicked"))??;
    summary.inputs = counts.inputs;
    summary.failed += counts.failed;
    summary.skipped = counts.skipped;

    if !args.quiet {
        crate::note(format_args!("{}", summary_line(&summary, config.lang)));
    }
    if args.stats {
        crate::note(format_args!("{}", stats_line(&summary, config.lang)));
    }
    if summary.failed + summary.not_mail + other_failed > 0 {
        return Err(InputsFailed(summary.failed + summary.not_mail + other_failed).into());
    }
    Ok(())
}

/// The progress bar: on stderr when it is a terminal and the records do not go to the same
/// screen (they would scroll under it), counting bytes so that one big mbox shows its progress.
/// Inputs without a known size (stdin, pipes) leave the total open.
fn progress_bar(files: &[Input], quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() || std::io::stdout().is_terminal() {
        return ProgressBar::hidden();
    }
    let sizes: Option<u64> = files
        .iter()
        .map(|f| match f {
            Input::Read(_, size) => *size,
            _ => Some(0),
        })
        .sum();
    let (bar, template) = match sizes {
        Some(total) => (ProgressBar::new(total), "{bar:30} {bytes}/{total_bytes} {elapsed} {msg}"),
        None => (ProgressBar::no_length(), "{spinner} {bytes} read {elapsed} {msg}"),
    };
    bar.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// What the reader saw of the inputs.
#[derive(Default)]
struct ReadCounts {
    inputs: usize,
    failed: usize,
    skipped: usize,
}

/// Reads the inputs into batches for the decoders; the counts of inputs read, of those that
/// could not be opened and of those skipped.
fn read_batches(
    files: Vec<Input>,
    batches: mpsc::SyncSender<Vec<Work>>,
    progress: &ProgressBar,
    limit: usize,
    lang: Lang,
) -> ReadCounts {
    let mut counts = ReadCounts::default();
    let mut batch: Vec<Work> = Vec::new();
    let mut batch_bytes = 0;
    for file in files {
        let path = match file {
            Input::Read(path, _) => path,
            Input::Skipped(path, why) => {
                let why = crate::say::skipped(&why, lang);
                progress.suspend(|| {
                    crate::note(format_args!(
                        "tuixin: {}",
                        visible(&format!("{}: {why}", path.display()))
                    ))
                });
                counts.skipped += 1;
                continue;
            }
            Input::Failed(path, error) => {
                progress.suspend(|| {
                    crate::note(format_args!(
                        "tuixin: {}",
                        visible(&format!("{}: {error}", path.display()))
                    ))
                });
                counts.inputs += 1;
                counts.failed += 1;
                continue;
            }
        };
        counts.inputs += 1;
        // Small regular files are read by the workers, in parallel; stdin, large files (an mbox
        // of any size) and whatever has no size to go by (a pipe, `<(...)`, `/dev/fd/N`, a
        // device) are streamed message by message from here.
        let small = (path.as_os_str() != "-")
            .then(|| std::fs::metadata(&path).ok())
            .flatten()
            .filter(|meta| meta.is_file() && meta.len() <= READ_IN_WORKER as u64);
        let items: Box<dyn Iterator<Item = Work>> = match small {
            Some(meta) => {
                progress.inc(meta.len());
                Box::new(std::iter::once(Work::File(path, meta.len() as usize)))
            }
            None => {
                let mut read = 0;
                Box::new(inputs::messages(&path, limit).map(move |item| {
                    progress.inc(item.read_to.saturating_sub(read));
                    read = read.max(item.read_to);
                    Work::Message(item)
                }))
            }
        };
        for work in items {
            batch_bytes += work.size();
            batch.push(work);
            if batch.len() >= BATCH_MESSAGES || batch_bytes >= BATCH_BYTES {
                if batches.send(std::mem::take(&mut batch)).is_err() {
                    return counts;
                }
                batch_bytes = 0;
            }
        }
    }
    if !batch.is_empty() {
        let _ = batches.send(batch);
    }
    counts
}

/// Decodes one batch on the pool's threads; outcomes in input order.
fn decode_batch(decoder: &Decoder<'_>, batch: Vec<Work>) -> Vec<Outcome> {
    let limit = decoder.limits().max_message_bytes;
    batch
        .into_par_iter()
        .flat_map_iter(|work| -> Vec<Outcome> {
            match work {
                Work::Message(item) => vec![decode_item(item, decoder)],
                Work::File(path, _) => {
                    inputs::messages(&path, limit).map(|item| decode_item(item, decoder)).collect()
                }
            }
        })
        .collect()
}

/// Prints every decoded batch's records as they come; the summary of what was printed.
fn write_outcomes<W: Write>(
    batches: mpsc::Receiver<Vec<Outcome>>,
    mut printer: Printer<W>,
    progress: &ProgressBar,
    lang: Lang,
) -> anyhow::Result<Summary> {
    let mut summary = Summary::default();
    for outcomes in batches {
        for Outcome { origin, message, result, cuts, headerless } in outcomes {
            // What could not be read is no message.
            if !matches!(result, Err(Failure::Unreadable(_))) {
                summary.messages += 1;
            }
            if headerless {
                let note = match lang {
                    Lang::En => "no header: read as the text of a bounce pasted on its own",
                    Lang::Zh => "没有邮件头\u{ff1a}按单独粘贴的退信正文读取",
                };
                progress
                    .suspend(|| crate::note(format_args!("tuixin: {}: {note}", visible(&origin))));
            }
            if !cuts.is_empty() {
                summary.cut += 1;
                let place = if message > 1 {
                    format!("{origin} (message {message})")
                } else {
                    origin.clone()
                };
                for cut in &cuts {
                    let cut = crate::say::cut(cut, lang);
                    progress.suspend(|| {
                        crate::note(format_args!("tuixin: {}", visible(&format!("{place}: {cut}"))))
                    });
                }
            }
            match result {
                Ok(records) => {
                    if !records.is_empty() {
                        summary.bounces += 1;
                    }
                    for mut record in records {
                        record.origin = origin.clone();
                        record.message = message;
                        summary.records += 1;
                        *summary.reasons.entry(record.reason).or_default() += 1;
                        *summary.kinds.entry(record.rulekind).or_default() += 1;
                        printer.record(&record)?;
                    }
                }
                Err(failure) => {
                    let error = match failure {
                        Failure::Unreadable(error) => {
                            summary.failed += 1;
                            crate::say::unreadable(&error, lang)
                        }
                        Failure::NotMail(error) => {
                            summary.not_mail += 1;
                            crate::say::decode_error(&error, lang)
                        }
                    };
                    let place =
                        if message > 1 { format!("{origin} (message {message})") } else { origin };
                    progress.suspend(|| {
                        crate::note(format_args!(
                            "tuixin: {}",
                            visible(&format!("{place}: {error}"))
                        ))
                    });
                }
            }
        }
        // A reader downstream sees each batch's records as soon as they are decoded.
        printer.flush()?;
    }
    printer.finish()?;
    Ok(summary)
}

/// Said when the mail is to be typed or pasted on a terminal, which otherwise waits in silence.
fn stdin_hint(lang: Lang) -> &'static str {
    match lang {
        Lang::En => {
            "tuixin: reading a bounce from the terminal: paste it, then press Ctrl-D on a line of its own (or give files: tuixin parse FILE...)"
        }
        Lang::Zh => {
            "tuixin\u{ff1a}正在从终端读取退信\u{ff1a}粘贴后在新的一行按 Ctrl-D 结束\u{ff08}或指定文件\u{ff1a}tuixin parse 文件...\u{ff09}"
        }
    }
}

/// How many records each kind of rule decided: how much rests on the words of the bounces and
/// how much on their codes alone.
fn stats_line(s: &Summary, lang: Lang) -> String {
    let share = |n: usize| if s.records == 0 { 0.0 } else { 100.0 * n as f64 / s.records as f64 };
    let kinds = RuleKind::ALL
        .iter()
        .filter_map(|kind| s.kinds.get(kind).map(|&n| (kind, n)))
        .map(|(kind, n)| format!("{} {n} ({:.1}%)", kind_name(*kind, lang), share(n)))
        .collect::<Vec<_>>()
        .join(", ");
    match lang {
        Lang::En => format!("tuixin: reasons decided by: {kinds}"),
        Lang::Zh => format!("tuixin\u{ff1a}原因判定依据\u{ff1a}{kinds}"),
    }
}

/// A rule kind as the statistics name it.
fn kind_name(kind: RuleKind, lang: Lang) -> &'static str {
    match (kind, lang) {
        (RuleKind::Decoder, Lang::En) => "the bounce's format",
        (RuleKind::User, Lang::En) => "your rules",
        (RuleKind::Provider, Lang::En) => "provider wording",
        (RuleKind::Text, Lang::En) => "server wording",
        (RuleKind::BounceText, Lang::En) => "the notice's prose",
        (RuleKind::Code, Lang::En) => "the code alone",
        (RuleKind::None, Lang::En) => "nothing",
        (RuleKind::Decoder, Lang::Zh) => "退信格式",
        (RuleKind::User, Lang::Zh) => "自定义规则",
        (RuleKind::Provider, Lang::Zh) => "服务商措辞",
        (RuleKind::Text, Lang::Zh) => "服务器措辞",
        (RuleKind::BounceText, Lang::Zh) => "退信说明文字",
        (RuleKind::Code, Lang::Zh) => "仅凭状态码",
        (RuleKind::None, Lang::Zh) => "无法判定",
    }
}

fn summary_line(s: &Summary, lang: Lang) -> String {
    let reasons: Vec<String> = s
        .reasons
        .iter()
        .map(|(r, n)| match lang {
            Lang::En => format!("{r} {n}"),
            Lang::Zh => format!("{} {n}", r.text(lang).title),
        })
        .collect();
    let reasons = match (reasons.is_empty(), lang) {
        (true, _) => String::new(),
        (false, Lang::En) => format!(" ({})", reasons.join(", ")),
        (false, Lang::Zh) => format!("\u{ff08}{}\u{ff09}", reasons.join("\u{3001}")),
    };
    // English counts with the noun's number: 1 input, 2 inputs.
    let n =
        |count: usize, noun: &str| format!("{count} {noun}{}", if count == 1 { "" } else { "s" });
    let mut line = match lang {
        Lang::En => format!(
            "tuixin: {}, {}, {}, {}{reasons}; {} could not be read",
            n(s.inputs, "input"),
            n(s.messages, "message"),
            n(s.bounces, "bounce"),
            n(s.records, "record"),
            s.failed
        ),
        Lang::Zh => format!(
            "tuixin\u{ff1a}输入 {} 个\u{ff0c}邮件 {} 封\u{ff0c}退信 {} 封\u{ff0c}记录 {} 条{reasons}\u{ff1b}{} 个无法读取",
            s.inputs, s.messages, s.bounces, s.records, s.failed
        ),
    };
    if s.not_mail > 0 {
        line += &match lang {
            Lang::En => format!(", {} not mail", s.not_mail),
            Lang::Zh => format!("\u{ff0c}{} 个不是邮件", s.not_mail),
        };
    }
    if s.cut > 0 {
        line += &match lang {
            Lang::En => format!(", {} cut by limits", s.cut),
            Lang::Zh => format!("\u{ff0c}{} 封超出限制被截断", s.cut),
        };
    }
    if s.skipped > 0 {
        line += &match lang {
            Lang::En => format!(", {} skipped", s.skipped),
            Lang::Zh => format!("\u{ff0c}跳过 {} 个", s.skipped),
        };
    }
    line
}

//! `--input FORMAT`: which reader each input goes to, and MTA logs read line by line into
//! records.

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use tuixin::esp::Provider;
use tuixin::logs::{DETECT_BYTES, InputKind, LogFormat, LogOptions, LogReader, detect_input};
use tuixin::{Classifier, Lang, Reason};

use crate::output::{Printer, visible};

/// What the inputs are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// Told apart by content: mail, an MTA log or JSON (a terminal and folders are mail)
    Auto,
    /// Bounce mails (files, folders, maildirs, mbox)
    Mail,
    /// Postfix mail log
    Postfix,
    /// Exim main log
    Exim,
    /// Sendmail mail log
    Sendmail,
    /// qmail-send log
    Qmail,
    /// KumoMTA JSON log records
    Kumomta,
    /// PowerMTA accounting CSV
    Pmta,
    /// Bare SMTP reply lines
    SmtpReply,
    /// Amazon SES notifications (one payload a file)
    Ses,
    /// SendGrid event webhook (one payload a file)
    Sendgrid,
    /// Mailgun webhook (one payload a file)
    Mailgun,
    /// Postmark webhook (one payload a file)
    Postmark,
    /// SparkPost webhook (one payload a file)
    Sparkpost,
    /// Mailjet webhook (one payload a file)
    Mailjet,
    /// Brevo webhook (one payload a file)
    Brevo,
    /// Resend webhook (one payload a file)
    Resend,
    /// Postal webhook (one payload a file)
    Postal,
    /// Azure Communication Services events (one payload a file)
    Azure,
}

impl InputFormat {
    /// The log format read, for the log formats.
    pub fn log(self) -> Option<LogFormat> {
        Some(match self {
            InputFormat::Postfix => LogFormat::Postfix,
            InputFormat::Exim => LogFormat::Exim,
            InputFormat::Sendmail => LogFormat::Sendmail,
            InputFormat::Qmail => LogFormat::Qmail,
            InputFormat::Kumomta => LogFormat::KumoMta,
            InputFormat::Pmta => LogFormat::Pmta,
            InputFormat::SmtpReply => LogFormat::SmtpReply,
            _ => return None,
        })
    }

    /// The webhook provider read, for the providers.
    pub fn provider(self) -> Option<Provider> {
        Some(match self {
            InputFormat::Ses => Provider::Ses,
            InputFormat::Sendgrid => Provider::SendGrid,
            InputFormat::Mailgun => Provider::Mailgun,
            InputFormat::Postmark => Provider::Postmark,
            InputFormat::Sparkpost => Provider::SparkPost,
            InputFormat::Mailjet => Provider::Mailjet,
            InputFormat::Brevo => Provider::Brevo,
            InputFormat::Resend => Provider::Resend,
            InputFormat::Postal => Provider::Postal,
            InputFormat::Azure => Provider::Azure,
            _ => return None,
        })
    }
}

/// The inputs sorted by reader: logs (with their format) and mail.
#[derive(Debug, Default)]
pub struct Routed {
    /// Inputs read as logs.
    pub logs: Vec<(PathBuf, LogFormat)>,
    /// Inputs read as mail.
    pub mail: Vec<PathBuf>,
    /// Inputs read as webhook payloads, with their provider (`None`: told by the payload's
    /// shape).
    pub payloads: Vec<(PathBuf, Option<Provider>)>,
}

/// Sends each path to its reader: all to one with an explicit format; with `auto`, a regular
/// file by its first bytes (decompressed), stdin and folders to mail; JSON that is no log is a
/// webhook payload whose provider its shape tells.
pub fn route(paths: &[PathBuf], input: InputFormat) -> Routed {
    let mut routed = Routed::default();
    if let Some(format) = input.log() {
        routed.logs = paths.iter().map(|p| (p.clone(), format)).collect();
        return routed;
    }
    if let Some(provider) = input.provider() {
        routed.payloads = paths.iter().map(|p| (p.clone(), Some(provider))).collect();
        return routed;
    }
    match input {
        InputFormat::Mail => routed.mail = paths.to_vec(),
        InputFormat::Auto => {
            for path in paths {
                let is_file =
                    path.as_os_str() != "-" && std::fs::metadata(path).is_ok_and(|m| m.is_file());
                // An input that cannot be opened goes to the mail reader, which names the error.
                let kind = if is_file {
                    sniff(path).ok()
                } else if path.as_os_str() == "-" {
                    sniff_stdin()
                } else {
                    None
                };
                match kind {
                    Some(InputKind::Log(format)) => routed.logs.push((path.clone(), format)),
                    Some(InputKind::Json) => routed.payloads.push((path.clone(), None)),
                    Some(InputKind::Mail) | None => routed.mail.push(path.clone()),
                }
            }
        }
        // The log formats and the providers returned above.
        _ => {}
    }
    routed
}

/// What an input file is, by its first bytes.
fn sniff(path: &Path) -> io::Result<InputKind> {
    let mut head = Vec::with_capacity(DETECT_BYTES.min(1 << 16));
    open(path)?.take(DETECT_BYTES as u64).read_to_end(&mut head)?;
    Ok(detect_input(&head))
}

/// What stdin is, by the bytes already waiting in it (at most stdin's buffer, 8 KiB), read
/// without taking them: whichever reader follows gets them all. A terminal is not looked at
/// (someone is about to paste a bounce); JSON on stdin goes to the mail reader as before.
fn sniff_stdin() -> Option<InputKind> {
    use std::io::IsTerminal;
    let stdin = io::stdin();
    if stdin.is_terminal() {
        return None;
    }
    let mut lock = stdin.lock();
    let head = lock.fill_buf().ok()?;
    // Only a whole line can show a result: the bytes up to the last line end.
    let whole = head.iter().rposition(|&b| b == b'\n').map_or(head, |end| &head[..=end]);
    match detect_input(whole) {
        InputKind::Json => None,
        kind => Some(kind),
    }
}

/// An input opened for reading, decompressed where it is compressed (`-` is stdin).
pub(crate) fn open(path: &Path) -> io::Result<Box<dyn BufRead + Send>> {
    let raw: Box<dyn BufRead + Send> = if path.as_os_str() == "-" {
        Box::new(BufReader::with_capacity(1 << 16, io::stdin()))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, std::fs::File::open(path)?))
    };
    crate::compressed::decompressed(raw)
}

/// Reads one line into `buf` (its end included), keeping at most `cap` bytes of it and
/// skipping the rest: `None` at the end of the input.
fn read_capped(reader: &mut dyn BufRead, buf: &mut Vec<u8>, cap: usize) -> io::Result<Option<()>> {
    buf.clear();
    let mut any = false;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok(any.then_some(()));
        }
        any = true;
        let (take, done) = match memchr::memchr(b'\n', chunk) {
            Some(at) => (at + 1, true),
            None => (chunk.len(), false),
        };
        let room = cap.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..take.min(room)]);
        reader.consume(take);
        if done {
            return Ok(Some(()));
        }
    }
}

/// What reading the logs came to.
#[derive(Debug, Default)]
pub struct LogSummary {
    /// Inputs read.
    pub inputs: usize,
    /// Inputs that could not be opened or read to the end.
    pub failed: usize,
    /// Lines read.
    pub lines: usize,
    /// Records made.
    pub records: usize,
    /// Lines that looked like results but could not be read.
    pub unreadable: usize,
    /// Lines longer than the limit, cut.
    pub cut: usize,
    /// Records by reason.
    pub reasons: BTreeMap<Reason, usize>,
}

impl LogSummary {
    /// Adds another run's counts.
    pub fn add(&mut self, other: &LogSummary) {
        self.inputs += other.inputs;
        self.failed += other.failed;
        self.lines += other.lines;
        self.records += other.records;
        self.unreadable += other.unreadable;
        self.cut += other.cut;
        for (reason, n) in &other.reasons {
            *self.reasons.entry(*reason).or_default() += n;
        }
    }
}

/// Reads each log line by line and hands `each` the records of every line that gave some,
/// with the line's bytes; per-line errors go to stderr with the input and line number.
pub fn read_logs_with(
    logs: &[(PathBuf, LogFormat)],
    classifier: &Classifier,
    lang: Lang,
    mut each: impl FnMut(Vec<tuixin::Record>, &[u8]) -> anyhow::Result<()>,
) -> anyhow::Result<LogSummary> {
    let mut summary = LogSummary::default();
    // Classic syslog dates carry no year: the current one is given to them.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let year = Some(tuixin::logs::year_of(now));
    for (path, format) in logs {
        summary.inputs += 1;
        let origin =
            if path.as_os_str() == "-" { "-".to_owned() } else { path.display().to_string() };
        let options = LogOptions { year, ..LogOptions::default() };
        let mut reader = LogReader::with_options(*format, classifier, options);
        let cap = options.limits.max_line_bytes + 3;
        let mut input = match open(path) {
            Ok(input) => input,
            Err(e) => {
                summary.failed += 1;
                let why = crate::say::unreadable(&e.to_string(), lang);
                crate::note(format_args!("tuixin: {}", visible(&format!("{origin}: {why}"))));
                continue;
            }
        };
        let mut buf = Vec::new();
        let mut line_no = 0;
        let mut take = |mut records: Vec<tuixin::Record>,
                        line: &[u8],
                        summary: &mut LogSummary|
         -> anyhow::Result<()> {
            if records.is_empty() {
                return Ok(());
            }
            for record in &mut records {
                record.origin.clone_from(&origin);
                summary.records += 1;
                *summary.reasons.entry(record.reason).or_default() += 1;
            }
            each(records, line)
        };
        loop {
            match read_capped(&mut input, &mut buf, cap) {
                Ok(Some(())) => {
                    line_no += 1;
                    let records = reader.feed(line_no, &buf);
                    take(records, &buf, &mut summary)?;
                }
                Ok(None) => break,
                Err(e) => {
                    summary.failed += 1;
                    let why = crate::say::unreadable(&e.to_string(), lang);
                    crate::note(format_args!(
                        "tuixin: {}",
                        visible(&format!("{origin} (line {}): {why}", line_no + 1))
                    ));
                    break;
                }
            }
        }
        take(reader.finish(), &buf, &mut summary)?;
        for error in reader.take_errors() {
            let text = crate::say::log_line_error(&error, lang);
            crate::note(format_args!("tuixin: {}", visible(&format!("{origin}:{text}"))));
        }
        summary.lines += line_no;
        summary.unreadable += reader.unreadable();
        summary.cut += reader.cut();
    }
    Ok(summary)
}

/// Reads each log into records and prints them.
pub fn read_logs<W: Write>(
    logs: &[(PathBuf, LogFormat)],
    classifier: &Classifier,
    printer: &mut Printer<W>,
    lang: Lang,
) -> anyhow::Result<LogSummary> {
    read_logs_with(logs, classifier, lang, |records, _line| {
        for record in &records {
            printer.record(record)?;
        }
        printer.flush()?;
        Ok(())
    })
}

/// The summary line of the logs read.
pub fn summary_line(s: &LogSummary, lang: Lang) -> String {
    let reasons = reasons_text(&s.reasons, lang);
    match lang {
        Lang::En => format!(
            "tuixin: {} log(s), {} lines, {} records{}; {} result line(s) unreadable, {} line(s) cut, {} could not be read",
            s.inputs, s.lines, s.records, reasons, s.unreadable, s.cut, s.failed
        ),
        Lang::Zh => format!(
            "tuixin\u{ff1a}日志 {} 个\u{ff0c}{} 行\u{ff0c}记录 {} 条{}\u{ff1b}{} 行结果无法读取\u{ff0c}{} 行过长被截断\u{ff0c}{} 个无法读取",
            s.inputs, s.lines, s.records, reasons, s.unreadable, s.cut, s.failed
        ),
    }
}

/// Records by reason, as a summary line shows them after its count: ` (userunknown 2, ...)`,
/// or nothing when there are none.
pub fn reasons_text(reasons: &BTreeMap<Reason, usize>, lang: Lang) -> String {
    if reasons.is_empty() {
        return String::new();
    }
    let each = reasons.iter().map(|(r, n)| match lang {
        Lang::En => format!("{r} {n}"),
        Lang::Zh => format!("{} {n}", r.text(lang).title),
    });
    match lang {
        Lang::En => format!(" ({})", each.collect::<Vec<_>>().join(", ")),
        Lang::Zh => format!("\u{ff08}{}\u{ff09}", each.collect::<Vec<_>>().join("\u{3001}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_capped_and_the_rest_skipped() {
        let mut input = io::Cursor::new(b"short\nxxxxxxxxxx\nlast".to_vec());
        let mut buf = Vec::new();
        assert!(read_capped(&mut input, &mut buf, 4).unwrap().is_some());
        assert_eq!(buf, b"shor");
        assert!(read_capped(&mut input, &mut buf, 4).unwrap().is_some());
        assert_eq!(buf, b"xxxx");
        assert!(read_capped(&mut input, &mut buf, 4).unwrap().is_some());
        assert_eq!(buf, b"last");
        assert!(read_capped(&mut input, &mut buf, 4).unwrap().is_none());
    }
}

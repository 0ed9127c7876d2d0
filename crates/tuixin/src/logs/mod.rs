//! Reading MTA logs: lines in, one record per recipient per result line out.
//!
//! A [`LogReader`] is fed a log one line at a time and keeps only bounded state (queue ids it
//! has seen, see [`LogLimits`]). Each format is a unit of its own; what they read of a recipient
//! becomes a [`Record`] the same way a bounce mail's does, so a log line and a bounce with the
//! same words get the same reason. A line that is not a result of its format is skipped
//! silently (most lines of a mail log are not); a line that looks like one but cannot be read
//! is counted, with its line number, in [`LogReader::take_errors`].

mod detect;
mod exim;
mod kumomta;
mod pmta;
mod postfix;
mod qmail;
mod queue;
mod sendmail;
mod smtp_reply;

use std::fmt;
use std::str::FromStr;

use crate::classify::Classifier;
use crate::decode::Limits;
use crate::decode::delivery::{Delivery, Notice};
use crate::decode::original::Original;
use crate::record::Record;
pub use detect::{DETECT_BYTES, InputKind, detect_input};

/// A log format the readers know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogFormat {
    /// Postfix's mail log (`smtp`, `lmtp`, `local`, `virtual`, `error` and `qmgr` lines).
    Postfix,
    /// Exim's main log (`**` failed, `==` deferred, `=>`/`->` delivered).
    Exim,
    /// Sendmail's mail log (`to=..., dsn=..., stat=...` lines).
    Sendmail,
    /// qmail-send's log (`starting delivery N: msg M to ...`, `delivery N: ...`).
    Qmail,
    /// KumoMTA's JSON log records, one a line.
    KumoMta,
    /// PowerMTA's accounting file (CSV, fields named by its header line).
    Pmta,
    /// Bare SMTP reply lines, one reply (or a multi-line reply's lines) after another.
    SmtpReply,
}

impl LogFormat {
    /// Every format, in the order the CLI lists them.
    pub const ALL: &'static [LogFormat] = &[
        LogFormat::Postfix,
        LogFormat::Exim,
        LogFormat::Sendmail,
        LogFormat::Qmail,
        LogFormat::KumoMta,
        LogFormat::Pmta,
        LogFormat::SmtpReply,
    ];

    /// The format's name as the CLI spells it.
    pub fn name(self) -> &'static str {
        match self {
            LogFormat::Postfix => "postfix",
            LogFormat::Exim => "exim",
            LogFormat::Sendmail => "sendmail",
            LogFormat::Qmail => "qmail",
            LogFormat::KumoMta => "kumomta",
            LogFormat::Pmta => "pmta",
            LogFormat::SmtpReply => "smtp-reply",
        }
    }

    /// The `decodedby` of the records the format's reader makes.
    fn decoded_by(self) -> &'static str {
        match self {
            LogFormat::Postfix => "log.postfix",
            LogFormat::Exim => "log.exim",
            LogFormat::Sendmail => "log.sendmail",
            LogFormat::Qmail => "log.qmail",
            LogFormat::KumoMta => "log.kumomta",
            LogFormat::Pmta => "log.pmta",
            LogFormat::SmtpReply => "log.smtp-reply",
        }
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A log format name that no reader knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown log format {0:?}")]
pub struct UnknownLogFormat(pub String);

impl FromStr for LogFormat {
    type Err = UnknownLogFormat;

    fn from_str(name: &str) -> Result<LogFormat, UnknownLogFormat> {
        LogFormat::ALL
            .iter()
            .copied()
            .find(|f| f.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| UnknownLogFormat(name.to_owned()))
    }
}

/// A line that looks like a result of its format but could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {format} result line not readable: {why}")]
pub struct LineError {
    /// The line's number, as the caller gave it.
    pub line: usize,
    /// The format it was read as.
    pub format: LogFormat,
    /// What is wrong with it.
    pub why: String,
}

/// Bounds on what a [`LogReader`] keeps; past one, the oldest is dropped or the line is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogLimits {
    /// Bytes of one line that are read; the rest is cut off (and the line counted as cut).
    pub max_line_bytes: usize,
    /// Queue ids (messages) whose sender, Message-ID and pending recipients are remembered. A
    /// new one past the cap evicts the one seen first; its later lines are still read, only
    /// without what earlier lines said of the message.
    pub max_queue_ids: usize,
    /// Deferred recipients remembered per queue id (for the message's expiry line).
    pub max_pending_recipients: usize,
    /// Unreadable lines whose errors are kept until [`LogReader::take_errors`]; further ones
    /// are only counted.
    pub max_errors: usize,
}

impl Default for LogLimits {
    fn default() -> LogLimits {
        LogLimits {
            max_line_bytes: 64 << 10,
            max_queue_ids: 100_000,
            max_pending_recipients: 1_000,
            max_errors: 1_000,
        }
    }
}

/// What a format's reader found of one recipient on one line.
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// The line the result is on.
    pub line: usize,
    /// The recipient, as the decoders fill it.
    pub delivery: Delivery,
    /// The message's sender and Message-ID, where earlier lines gave them.
    pub original: Original,
}

/// What a format's reader does with one line.
trait Format {
    /// Reads one line (already cut and made UTF-8): results go to `out`; an unreadable result
    /// line is an `Err` with the cause.
    fn feed(&mut self, line_no: usize, line: &str, out: &mut Vec<Found>) -> Result<(), String>;

    /// Whatever is still pending at the end of the input.
    fn finish(&mut self, out: &mut Vec<Found>);
}

/// A streaming reader of one log: fed line by line, it gives the records of each result line.
pub struct LogReader<'c> {
    format: LogFormat,
    reader: Box<dyn Format + Send>,
    classifier: &'c Classifier,
    limits: LogLimits,
    record_limits: Limits,
    errors: Vec<LineError>,
    unreadable: usize,
    cut: usize,
}

impl fmt::Debug for LogReader<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogReader")
            .field("format", &self.format)
            .field("limits", &self.limits)
            .field("unreadable", &self.unreadable)
            .field("cut", &self.cut)
            .finish_non_exhaustive()
    }
}

/// Options of a reader: the year of dates that carry none (classic syslog lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogOptions {
    /// The year given to `Mmm dd hh:mm:ss` dates; without it such lines' records have
    /// timestamp 0 (unknown).
    pub year: Option<u16>,
    /// The bounds on state and line length.
    pub limits: LogLimits,
}

impl<'c> LogReader<'c> {
    /// A reader of the format with the built-in rules and default options.
    pub fn new(format: LogFormat) -> LogReader<'static> {
        LogReader::with_options(format, Classifier::builtin(), LogOptions::default())
    }

    /// A reader of the format with the given rules and options.
    pub fn with_options(
        format: LogFormat,
        classifier: &'c Classifier,
        options: LogOptions,
    ) -> LogReader<'c> {
        let limits = options.limits;
        let reader: Box<dyn Format + Send> = match format {
            LogFormat::Postfix => Box::new(postfix::Postfix::new(options.year, limits)),
            LogFormat::Exim => Box::new(exim::Exim::new(options.year, limits)),
            LogFormat::Sendmail => Box::new(sendmail::Sendmail::new(options.year, limits)),
            LogFormat::Qmail => Box::new(qmail::Qmail::new(options.year, limits)),
            LogFormat::KumoMta => Box::new(kumomta::KumoMta),
            LogFormat::Pmta => Box::new(pmta::Pmta::default()),
            LogFormat::SmtpReply => Box::new(smtp_reply::SmtpReply::default()),
        };
        LogReader {
            format,
            reader,
            classifier,
            limits,
            record_limits: Limits::default(),
            errors: Vec::new(),
            unreadable: 0,
            cut: 0,
        }
    }

    /// The format read.
    pub fn format(&self) -> LogFormat {
        self.format
    }

    /// Reads one line (its line end may be left on): the records of the results it holds.
    pub fn feed(&mut self, line_no: usize, line: &[u8]) -> Vec<Record> {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let mut line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() > self.limits.max_line_bytes {
            line = &line[..self.limits.max_line_bytes];
            self.cut += 1;
        }
        let text = String::from_utf8_lossy(line);
        let mut found = Vec::new();
        if let Err(why) = self.reader.feed(line_no, &text, &mut found) {
            self.unreadable += 1;
            if self.errors.len() < self.limits.max_errors {
                self.errors.push(LineError { line: line_no, format: self.format, why });
            }
        }
        self.records(found)
    }

    /// Ends the input: the records of results that were still pending.
    pub fn finish(&mut self) -> Vec<Record> {
        let mut found = Vec::new();
        self.reader.finish(&mut found);
        self.records(found)
    }

    /// The errors of unreadable lines since the last call (at most [`LogLimits::max_errors`]
    /// kept; [`LogReader::unreadable`] counts them all).
    pub fn take_errors(&mut self) -> Vec<LineError> {
        std::mem::take(&mut self.errors)
    }

    /// How many lines looked like results but could not be read.
    pub fn unreadable(&self) -> usize {
        self.unreadable
    }

    /// How many lines were longer than [`LogLimits::max_line_bytes`] and cut.
    pub fn cut(&self) -> usize {
        self.cut
    }

    fn records(&self, found: Vec<Found>) -> Vec<Record> {
        let decoded_by = self.format.decoded_by();
        found
            .into_iter()
            .map(|f| {
                let delayed = f.delivery.action == "delayed";
                let warning = move || delayed;
                let notice = Notice {
                    decoded_by,
                    original: &f.original,
                    date: None,
                    prose: "",
                    warning: &warning,
                };
                let mut record =
                    f.delivery.into_record(&notice, self.classifier, &self.record_limits);
                record.message = f.line;
                record
            })
            // A local address without a domain name (`root@localhost`) names nobody a sender
            // can suppress; a bare reply and a complaint may name no one and still count.
            .filter(|r| {
                !r.recipient.is_empty()
                    || self.format == LogFormat::SmtpReply
                    || r.reason == crate::Reason::Feedback
            })
            .collect()
    }
}

/// Reads a whole log held in memory: its records and the errors of its unreadable lines.
pub fn read_log(format: LogFormat, bytes: &[u8]) -> (Vec<Record>, Vec<LineError>) {
    let mut reader = LogReader::new(format);
    let mut records = Vec::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        records.extend(reader.feed(i + 1, line));
    }
    records.extend(reader.finish());
    (records, reader.take_errors())
}

/// The (UTC) year of a Unix time: what [`LogOptions::year`] is usually given (the current one).
pub fn year_of(timestamp: i64) -> u16 {
    mail_parser::DateTime::from_timestamp(timestamp).year
}

/// A syslog line split: its date (where it has one this reads) and the program's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyslogLine<'a> {
    /// The line's date.
    pub date: Option<mail_parser::DateTime>,
    /// The host that wrote the line, empty where the line has no prefix.
    pub host: &'a str,
    /// The program's name (`postfix/smtp`), empty where the line has no prefix.
    pub program: &'a str,
    /// The message after `program[pid]: `, or the whole line where it has no prefix.
    pub message: &'a str,
}

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Splits a syslog line: `Mmm dd hh:mm:ss host program[pid]: message` (RFC 3164, the year from
/// `year`) or `2026-12-07T05:50:06.123+00:00 host program[pid]: message` (RFC 3339, as rsyslog's
/// and Postfix's own `maillog_file` write with high-precision dates). A line with neither is
/// all message.
pub(crate) fn split_syslog(line: &str, year: Option<u16>) -> SyslogLine<'_> {
    let whole = SyslogLine { date: None, host: "", program: "", message: line };
    let (date, rest) = if let Some((date, rest)) = bsd_date(line, year) {
        (date, rest)
    } else if let Some((date, rest)) = rfc3339_date(line) {
        (Some(date), rest)
    } else {
        return whole;
    };
    // `host program[pid]: message`; the host has no space.
    let Some((host, rest)) = rest.trim_start().split_once(' ') else {
        return whole;
    };
    let Some(colon) = rest.find(": ") else {
        return whole;
    };
    let tag = &rest[..colon];
    if tag.contains(' ') {
        return whole;
    }
    let program = tag.split_once('[').map_or(tag, |(p, _)| p);
    SyslogLine { date, host, program, message: &rest[colon + 2..] }
}

/// `Mmm dd hh:mm:ss ` at the start of a line: the date (with the given year) and the rest.
fn bsd_date(line: &str, year: Option<u16>) -> Option<(Option<mail_parser::DateTime>, &str)> {
    let head = line.get(..16)?;
    let b = head.as_bytes();
    let month = MONTHS.iter().position(|m| head.starts_with(m))? as u8 + 1;
    if b[3] != b' ' || b[6] != b' ' || b[9] != b':' || b[12] != b':' || b[15] != b' ' {
        return None;
    }
    let day: u8 = head[4..6].trim_start().parse().ok()?;
    let hour: u8 = head[7..9].parse().ok()?;
    let minute: u8 = head[10..12].parse().ok()?;
    let second: u8 = head[13..15].parse().ok()?;
    let date = year.map(|year| mail_parser::DateTime {
        year,
        month,
        day,
        hour,
        minute,
        second,
        tz_before_gmt: false,
        tz_hour: 0,
        tz_minute: 0,
    });
    Some((date, &line[16..]))
}

/// An RFC 3339 date at the start of a line, up to the first space: the date and the rest.
fn rfc3339_date(line: &str) -> Option<(mail_parser::DateTime, &str)> {
    let (word, rest) = line.split_once(' ')?;
    Some((parse_rfc3339(word)?, rest))
}

/// `2026-12-07T05:50:06[.frac](Z|+hh:mm|-hh:mm)` (a space for the `T` is accepted too).
pub(crate) fn parse_rfc3339(word: &str) -> Option<mail_parser::DateTime> {
    let b = word.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u16> {
        let s = word.get(range)?;
        s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok())?
    };
    let mut rest = word.get(19..)?;
    if let Some(frac) = rest.strip_prefix('.') {
        rest = frac.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let (before, tz_hour, tz_minute) = match rest.as_bytes().first() {
        None | Some(b'Z' | b'z') => (false, 0, 0),
        Some(&sign @ (b'+' | b'-')) => {
            let tz = &rest[1..];
            let (h, m) = tz.split_once(':').unwrap_or((tz.get(..2)?, tz.get(2..)?));
            (sign == b'-', h.parse().ok()?, m.parse().ok()?)
        }
        _ => return None,
    };
    let date = mail_parser::DateTime {
        year: num(0..4)?,
        month: u8::try_from(num(5..7)?).ok()?,
        day: u8::try_from(num(8..10)?).ok()?,
        hour: u8::try_from(num(11..13)?).ok()?,
        minute: u8::try_from(num(14..16)?).ok()?,
        second: u8::try_from(num(17..19)?).ok()?,
        tz_before_gmt: before,
        tz_hour,
        tz_minute,
    };
    let valid = (1..=12).contains(&date.month)
        && (1..=31).contains(&date.day)
        && date.hour < 24
        && date.minute < 60
        && date.second < 61
        && tz_hour < 24
        && tz_minute < 60;
    valid.then_some(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syslog_prefixes_are_split() {
        let bsd = split_syslog(
            "Dec  7 05:50:06 mx postfix/smtp[123]: 4F2A1: to=<a@b.example>",
            Some(2026),
        );
        assert_eq!(bsd.program, "postfix/smtp");
        assert_eq!(bsd.message, "4F2A1: to=<a@b.example>");
        let date = bsd.date.unwrap();
        assert_eq!((date.year, date.month, date.day, date.hour), (2026, 12, 7, 5));

        let iso = split_syslog(
            "2026-12-07T05:50:06.123456+09:00 mx postfix/qmgr[9]: 4F2A1: removed",
            None,
        );
        assert_eq!(iso.program, "postfix/qmgr");
        assert_eq!(iso.message, "4F2A1: removed");
        let date = iso.date.unwrap();
        assert_eq!((date.tz_hour, date.tz_before_gmt), (9, false));
        assert_eq!(date.to_timestamp(), 1_796_622_606 - 9 * 3600);

        // No year given: the line is still split, the date is unknown.
        assert_eq!(split_syslog("Jan 10 01:02:03 h p: m", None).date, None);
        // No prefix at all: the whole line is the message.
        let bare = split_syslog("4F2A1: to=<a@b.example>, status=sent", None);
        assert_eq!((bare.program, bare.message), ("", "4F2A1: to=<a@b.example>, status=sent"));
        assert_eq!(parse_rfc3339("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2026-1x-01T00:00:00Z"), None);
        // Found by the fuzzer: a character across the end of the seconds.
        assert_eq!(parse_rfc3339("2026-12-07 05:50:0\u{fffd}00"), None);
    }

    #[test]
    fn long_lines_are_cut_and_counted_and_bad_bytes_read_lossily() {
        let mut reader = LogReader::new(LogFormat::Postfix);
        let mut long = b"Dec  7 06:00:00 mx postfix/smtp[1]: ABCDEF0123: to=<a@example.org>, relay=none, dsn=5.0.0, status=bounced (".to_vec();
        long.extend(std::iter::repeat_n(b'x', 1 << 20));
        long.extend(b")\n");
        let records = reader.feed(1, &long);
        assert_eq!(records.len(), 1);
        assert_eq!(reader.cut(), 1);
        assert!(records[0].diagnosticcode.len() <= 4096);
        let latin1 = b"Dec  7 06:00:01 mx postfix/smtp[1]: ABCDEF0124: to=<b@example.org>, relay=mx.example.org[192.0.2.1]:25, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.1] said: 550 5.1.1 Benutzer unbekannt \xfc\xe4 (in reply to RCPT TO command))\r\n";
        let records = reader.feed(2, latin1);
        assert_eq!(records[0].recipient, "b@example.org");
        assert_eq!(records[0].reason, crate::Reason::UserUnknown);
        assert!(records[0].diagnosticcode.contains('\u{fffd}'));
        for (i, junk) in [&b"\x00\xff\xfe"[..], b"", b"\n", &[0x80; 300][..]].iter().enumerate() {
            assert!(reader.feed(3 + i, junk).is_empty());
        }
        assert!(reader.finish().is_empty());
        assert_eq!(reader.unreadable(), 0);
    }

    #[test]
    fn format_names_round_trip() {
        for format in LogFormat::ALL {
            assert_eq!(format.name().parse::<LogFormat>().unwrap(), *format);
        }
        assert!("sendgrid-ish".parse::<LogFormat>().is_err());
    }
}

//! Splitting a stream into messages: mbox files, and single messages that carry further ones.
//!
//! The reader holds one message at a time and never more than the message size limit of it, so
//! an input of any size (an mbox, `/dev/zero`, a pipe) is read in bounded memory.

use std::collections::VecDeque;
use std::io::{self, BufRead};

/// One message read from a stream.
pub struct Message {
    /// The message's bytes, at most the limit.
    pub bytes: Vec<u8>,
    /// The message's size in the input, when more than the limit was left out.
    pub cut_from: Option<u64>,
    /// A line longer than the limit ended the reading of the input within this message.
    pub rest_unread: bool,
}

/// Where one message ends and the next begins.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Separators {
    /// An mbox: a `From ` line starts a message only at the start of the input, or after a blank
    /// line, or when it is a whole `From <sender> <weekday> <month> ...` line (some writers omit
    /// the blank line), and only when a header line follows it; a `Content-Length` header that proves right
    /// (its body ends where the next message starts) wins over `From ` lines inside the body.
    /// `>From ` lines lose one `>` (mboxrd), and the `From ` lines themselves are dropped.
    Mbox,
    /// A message file that lost its own `From ` line: the first message starts at once; each
    /// later line `From <sender> <weekday> <month> ...` starts another (and stays in it).
    Message,
}

/// The messages of a stream, in order.
pub struct Messages<R> {
    reader: R,
    separators: Separators,
    limit: usize,
    ready: VecDeque<Message>,
    current: Option<Building>,
    /// A `From ` line waiting for the next line to tell whether it starts a message.
    pending: Option<Vec<u8>>,
    /// The line before the one being read was blank (or there was none).
    after_blank: bool,
    line: Vec<u8>,
    /// The last line read was longer than the limit: no message can hold it, and an input
    /// without line breaks (`/dev/zero`) would never end, so reading stops there.
    overlong: bool,
    failed: bool,
}

/// The message being read.
#[derive(Default)]
struct Building {
    bytes: Vec<u8>,
    /// Bytes of the message in the input, kept or not.
    size: u64,
    /// Some of it was left out for the limit.
    dropped: bool,
    in_header: bool,
    content_length: Option<u64>,
    /// Input bytes of the body read so far.
    body: u64,
    /// `From ` lines inside the body that would have started a message had `Content-Length`
    /// not said otherwise: where each starts in `bytes` and its length.
    held: Vec<(usize, usize)>,
}

impl Building {
    fn new(separators: Separators) -> Building {
        Building {
            bytes: Vec::with_capacity(4096),
            in_header: separators == Separators::Mbox,
            ..Building::default()
        }
    }

    fn push(&mut self, raw: &[u8], kept: &[u8], line_len: u64, limit: usize) {
        self.size += line_len;
        if !self.in_header {
            self.body += line_len;
        }
        let room = limit.saturating_sub(self.bytes.len());
        self.bytes.extend_from_slice(&kept[..kept.len().min(room)]);
        self.dropped |= kept.len() > room;
        if self.in_header {
            if is_blank(raw) {
                self.in_header = false;
            } else if let Some(value) = header_value(raw, b"content-length:") {
                self.content_length = value.trim_ascii().parse().ok();
            }
        }
    }

    fn finish(self) -> Message {
        let cut_from = self.dropped.then_some(self.size);
        Message { bytes: self.bytes, cut_from, rest_unread: false }
    }

    /// Splits this message at the `From ` lines held back, when `Content-Length` proved wrong.
    fn split_held(mut self, separators: Separators) -> Vec<Message> {
        let held = std::mem::take(&mut self.held);
        if held.is_empty() {
            return vec![self.finish()];
        }
        let mut messages = Vec::with_capacity(held.len() + 1);
        let mut start = 0;
        // Only `From ` lines kept whole (past the limit nothing is kept to split).
        for (at, len) in held.into_iter().filter(|(at, len)| at + len <= self.bytes.len()) {
            messages.push(Message {
                bytes: self.bytes[start..at].to_vec(),
                cut_from: None,
                rest_unread: false,
            });
            start = at + len;
        }
        let mut last = Building::new(separators);
        last.bytes = self.bytes.split_off(start);
        last.size = self.size.saturating_sub(start as u64);
        last.dropped = self.dropped;
        messages.push(last.finish());
        messages
    }
}

impl<R: BufRead> Messages<R> {
    /// The messages of `reader`, each kept up to `limit` bytes.
    pub fn new(reader: R, separators: Separators, limit: usize) -> Messages<R> {
        let current = (separators == Separators::Message).then(|| Building::new(separators));
        Messages {
            reader,
            separators,
            limit,
            ready: VecDeque::new(),
            current,
            pending: None,
            after_blank: true,
            line: Vec::with_capacity(256),
            overlong: false,
            failed: false,
        }
    }

    /// Reads one line into `self.line`, keeping at most the limit of it; its length in the
    /// input, 0 at the end.
    fn read_line(&mut self) -> io::Result<u64> {
        self.line.clear();
        let keep = self.limit.max(64);
        let mut len = 0u64;
        loop {
            let buf = match self.reader.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                return Ok(len);
            }
            let (take, done) = match memchr::memchr(b'\n', buf) {
                Some(at) => (at + 1, true),
                None => (buf.len(), false),
            };
            let room = keep.saturating_sub(self.line.len());
            self.line.extend_from_slice(&buf[..take.min(room)]);
            self.reader.consume(take);
            len += take as u64;
            if done {
                return Ok(len);
            }
            if len > keep as u64 {
                self.overlong = true;
                return Ok(len);
            }
        }
    }

    fn start_message(&mut self) {
        if let Some(done) = self.current.take() {
            self.ready.push_back(done.finish());
        }
        self.current = Some(Building::new(self.separators));
    }

    /// A `From ` line followed by a header line: a new message, unless `Content-Length` says
    /// the body goes on.
    fn separator(&mut self, from_line: Vec<u8>) {
        let Some(current) = self.current.as_mut() else {
            return self.start_message();
        };
        match current.content_length {
            Some(length) if !current.in_header && current.body < length => {
                current.held.push((current.bytes.len(), from_line.len()));
                let len = from_line.len() as u64;
                current.push(&from_line, &from_line, len, self.limit);
            }
            Some(length) if !current.in_header && !current.held.is_empty() => {
                // The body ends here: right if it ends where the length said (before the blank
                // line that precedes a `From ` line).
                let extra = current.body - length;
                if extra <= 2 {
                    current.held.clear();
                    self.start_message();
                } else {
                    let current = self.current.take().expect("a message is being read");
                    self.ready.extend(current.split_held(self.separators));
                    self.current = Some(Building::new(self.separators));
                }
            }
            _ => self.start_message(),
        }
    }

    fn body_line(&mut self, len: u64) {
        let Some(current) = self.current.as_mut() else {
            return; // text before the first `From ` line of an mbox
        };
        let line = &self.line;
        let kept: &[u8] = if self.separators == Separators::Mbox && is_quoted_from(line) {
            &line[1..]
        } else {
            line
        };
        current.push(line, kept, len, self.limit);
    }

    fn step(&mut self) -> io::Result<bool> {
        let len = self.read_line()?;
        if self.overlong {
            if let Some(from_line) = self.pending.take() {
                let line = std::mem::replace(&mut self.line, from_line);
                let from_len = self.line.len() as u64;
                self.body_line(from_len);
                self.line = line;
            }
            self.body_line(len);
            if let Some(current) = self.current.take() {
                let mut message = current.finish();
                message.rest_unread = true;
                self.ready.push_back(message);
            }
            return Ok(false);
        }
        if len == 0 {
            if let Some(from_line) = self.pending.take() {
                let len = from_line.len() as u64;
                self.line = from_line;
                self.body_line(len);
            }
            if let Some(current) = self.current.take() {
                let proved = current
                    .content_length
                    .is_some_and(|length| (length..=length + 2).contains(&current.body));
                if proved || current.held.is_empty() {
                    self.ready.push_back(current.finish());
                } else {
                    self.ready.extend(current.split_held(self.separators));
                }
            }
            return Ok(false);
        }
        match self.separators {
            Separators::Mbox => {
                if self.current.is_none() && self.line.starts_with(b"From ") {
                    self.start_message();
                    return Ok(true);
                }
                if let Some(from_line) = self.pending.take() {
                    if is_header_line(&self.line) {
                        self.separator(from_line);
                    } else {
                        let line = std::mem::replace(&mut self.line, from_line);
                        let from_len = self.line.len() as u64;
                        self.body_line(from_len);
                        self.line = line;
                        self.after_blank = false;
                    }
                }
                // Writers that forget the blank line still write a whole `From_` line.
                let candidate = (self.after_blank && self.line.starts_with(b"From "))
                    || is_from_line(&self.line);
                if candidate {
                    self.pending = Some(self.line.clone());
                    self.after_blank = false;
                    return Ok(true);
                }
            }
            Separators::Message => {
                let started = self.current.as_ref().is_some_and(|c| c.size > 0);
                if started && is_from_line(&self.line) {
                    self.start_message();
                }
            }
        }
        self.after_blank = is_blank(&self.line);
        self.body_line(len);
        Ok(true)
    }
}

impl<R: BufRead> Iterator for Messages<R> {
    type Item = io::Result<Message>;

    fn next(&mut self) -> Option<io::Result<Message>> {
        loop {
            if let Some(message) = self.ready.pop_front() {
                return Some(Ok(message));
            }
            if self.failed {
                return None;
            }
            match self.step() {
                Ok(true) => {}
                Ok(false) => self.failed = true,
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

fn is_blank(line: &[u8]) -> bool {
    matches!(line, b"\n" | b"\r\n")
}

/// `>From `, `>>From ` ...: a body line an mbox writer quoted.
fn is_quoted_from(line: &[u8]) -> bool {
    line.first() == Some(&b'>')
        && line.iter().position(|&b| b != b'>').is_some_and(|at| line[at..].starts_with(b"From "))
}

/// `Name: value`: a field name of printable characters other than the colon, then a colon.
pub fn is_header_line(line: &[u8]) -> bool {
    let name_len = line.iter().take_while(|&&b| b.is_ascii_graphic() && b != b':').count();
    name_len > 0 && line.get(name_len) == Some(&b':')
}

fn header_value<'l>(line: &'l [u8], name: &[u8]) -> Option<&'l str> {
    let head = line.get(..name.len())?;
    head.eq_ignore_ascii_case(name).then(|| std::str::from_utf8(&line[name.len()..]).ok())?
}

/// An mbox separator: `From <sender> <weekday> <month> ...` (the asctime date of the format).
pub fn is_from_line(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"From ") else { return false };
    let text = String::from_utf8_lossy(&rest[..rest.len().min(120)]);
    let mut words = text.split_whitespace().skip(1);
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    matches!((words.next(), words.next()), (Some(day), Some(month)) if DAYS.contains(&day) && MONTHS.contains(&month))
}

#[cfg(test)]
mod tests {
    use std::io::{BufReader, Read};

    use super::*;

    fn split(input: &[u8], separators: Separators, limit: usize) -> Vec<Vec<u8>> {
        Messages::new(input, separators, limit).map(|m| m.unwrap().bytes).collect()
    }

    fn mbox(input: &[u8]) -> Vec<Vec<u8>> {
        split(input, Separators::Mbox, usize::MAX)
    }

    #[test]
    fn a_from_line_in_a_body_is_text_unless_blank_before_and_header_after() {
        let input = b"From a@example.com Thu Jan  1 00:00:00 2026\nSubject: one\n\nHello\nFrom the team, thanks\n\nFrom the team, again\nand more\n\nFrom b@example.com Thu Jan  1 00:00:00 2026\nSubject: two\n\nx\nFrom c@example.com  Thu Jan  1 00:00:00 2026\nSubject: three\n";
        let messages = mbox(input);
        assert_eq!(messages.len(), 3);
        assert_eq!(
            messages[0],
            b"Subject: one\n\nHello\nFrom the team, thanks\n\nFrom the team, again\nand more\n\n"
        );
        assert_eq!(messages[1], b"Subject: two\n\nx\n");
        assert_eq!(messages[2], b"Subject: three\n");
    }

    #[test]
    fn quoted_from_lines_lose_one_quote() {
        let input =
            b"From a Thu Jan  1 00:00:00 2026\nSubject: q\n\n>From here\n>>From there\n>not from\n";
        assert_eq!(mbox(input), [b"Subject: q\n\nFrom here\n>From there\n>not from\n".to_vec()]);
    }

    #[test]
    fn a_right_content_length_wins_over_from_lines_in_the_body() {
        let body =
            b"line\n\nFrom x@example.com Thu Jan  1 00:00:00 2026\nReceived: looks like a header\n";
        let mut input = format!(
            "From a Thu Jan  1 00:00:00 2026\nSubject: one\nContent-Length: {}\n\n",
            body.len()
        )
        .into_bytes();
        input.extend_from_slice(body);
        input.extend_from_slice(b"\nFrom b Thu Jan  1 00:00:00 2026\nSubject: two\n\nx\n");
        let messages = mbox(&input);
        assert_eq!(messages.len(), 2);
        assert!(messages[0].ends_with(b"Received: looks like a header\n\n"));
        assert_eq!(messages[1], b"Subject: two\n\nx\n");
        // At the end of the input too.
        let end = input.len() - b"\nFrom b Thu Jan  1 00:00:00 2026\nSubject: two\n\nx\n".len();
        assert_eq!(mbox(&input[..end]).len(), 1);
    }

    #[test]
    fn a_wrong_content_length_is_ignored() {
        let input = b"From a Thu Jan  1 00:00:00 2026\nSubject: one\nContent-Length: 5000\n\nbody\n\nFrom b Thu Jan  1 00:00:00 2026\nSubject: two\n\nx\n\nFrom c Thu Jan  1 00:00:00 2026\nSubject: three\n\ny\n";
        let messages = mbox(input);
        assert_eq!(messages.len(), 3);
        assert_eq!(messages[0], b"Subject: one\nContent-Length: 5000\n\nbody\n\n");
        assert_eq!(messages[1], b"Subject: two\n\nx\n\n");
        assert_eq!(messages[2], b"Subject: three\n\ny\n");
        let short = b"From a Thu Jan  1 00:00:00 2026\nSubject: one\nContent-Length: 2\n\nbody\nmore\n\nFrom b Thu Jan  1 00:00:00 2026\nSubject: two\n\nx\n";
        assert_eq!(mbox(short).len(), 2);
    }

    #[test]
    fn a_message_file_splits_at_inner_mbox_lines_only() {
        let file = b"Subject: a\n\nbody\nFrom the team, hello\nFrom MAILER-DAEMON  Thu Apr 29 23:34:45 2015\nSubject: b\n\nx\n";
        let parts = split(file, Separators::Message, usize::MAX);
        assert_eq!(parts.len(), 2);
        assert!(parts[1].starts_with(b"From MAILER-DAEMON"));
        assert_eq!(
            split(b"Subject: a\n\nFrom here on\n", Separators::Message, usize::MAX).len(),
            1
        );
    }

    #[test]
    fn any_input_splits_without_panic_and_within_the_limit() {
        const PIECES: [&[u8]; 10] = [
            b"From a Thu Jan  1 00:00:00 2026\n", b"From the team\n", b"\n", b"\r\n",
            b"Subject: x\n", b"Content-Length: 7\n", b"Content-Length: 70\n", b">From quoted\n",
            b"body line\n", b"no newline",
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..3000 {
            let mut input = Vec::new();
            for _ in 0..(state % 40) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                input.extend_from_slice(PIECES[(state % PIECES.len() as u64) as usize]);
            }
            for separators in [Separators::Mbox, Separators::Message] {
                for limit in [16, 1 << 20] {
                    for message in Messages::new(&input[..], separators, limit) {
                        let message = message.unwrap();
                        assert!(message.bytes.len() <= limit);
                        if separators == Separators::Message && limit > input.len() {
                            assert!(message.bytes.len() <= input.len());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_line_longer_than_the_limit_ends_the_input() {
        let endless = std::io::repeat(0).take(1 << 30);
        let messages: Vec<Message> =
            Messages::new(BufReader::new(endless), Separators::Message, 1000)
                .map(Result::unwrap)
                .collect();
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].bytes.len(), 1000);
        assert!(messages[0].rest_unread);
    }

    #[test]
    fn messages_are_kept_up_to_the_limit_and_say_their_size() {
        let input = b"Subject: big\n\n0123456789012345678901234567890123456789\nmore\n";
        let messages: Vec<Message> =
            Messages::new(&input[..], Separators::Message, 20).map(Result::unwrap).collect();
        assert_eq!(messages[0].bytes, &input[..20]);
        assert_eq!(messages[0].cut_from, Some(input.len() as u64));
        assert!(!messages[0].rest_unread);
        let whole: Vec<Message> =
            Messages::new(&input[..], Separators::Message, 1000).map(Result::unwrap).collect();
        assert_eq!(whole[0].cut_from, None);
    }
}

//! One SMTP or LMTP session: the command loop over any byte stream (a TCP or Unix socket,
//! its TLS form after STARTTLS, or an in-memory pipe in the fuzz target).
//!
//! Commands are read a line at a time (at most `max_line_bytes`) and parsed by `smtp-proto`;
//! replies are gathered and written when the client has nothing more queued, so a pipelining
//! client gets its replies in one write. The message text after DATA is read with dot-unstuffing
//! by our own loop, which stops keeping bytes past the size limit and drains to the end.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use smtp_proto::{Error as ParseError, Request};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::watch;

use super::{CommitError, Connection, Protocol, Shared};

/// Bytes of one piece of message text read at a time (a longer line is read in pieces).
const PIECE: usize = 64 * 1024;

/// Bytes of an over-long command line drained before the session is closed instead.
const MAX_DRAIN: usize = 1 << 20;

/// Bytes of the envelope kept in an event's provenance at most.
const MAX_ORIGIN: usize = 900;

/// Bytes of a HELO name kept at most.
const MAX_HELO: usize = 255;

/// One session's state.
pub struct Session {
    shared: Arc<Shared>,
    peer: String,
    stopping: watch::Receiver<bool>,
    helo: Option<String>,
    tls_active: bool,
    mail_from: Option<String>,
    recipients: Vec<String>,
    errors: usize,
}

/// What a line read gave.
enum Line {
    /// A whole line, ending with LF.
    Complete,
    /// A line longer than the limit, drained to its end.
    TooLong,
    /// A line so long that draining it was given up.
    Flood,
    /// The client closed the connection (or closed it mid-line).
    Eof,
}

/// What the loop does after a command.
enum Next {
    Go,
    Close,
    StartTls,
}

/// The connection with its read buffer and the replies not yet written.
struct Io {
    reader: BufReader<Box<dyn Connection>>,
    out: Vec<u8>,
}

impl Io {
    fn new(stream: Box<dyn Connection>) -> Io {
        Io { reader: BufReader::with_capacity(16 * 1024, stream), out: Vec::with_capacity(512) }
    }

    /// Queues one reply (its lines joined by CRLF already, if several).
    fn reply(&mut self, text: &str) {
        self.out.extend_from_slice(text.as_bytes());
        self.out.extend_from_slice(b"\r\n");
    }

    /// Writes the queued replies.
    async fn flush(&mut self, limit: Duration) -> std::io::Result<()> {
        if self.out.is_empty() {
            return Ok(());
        }
        let stream = self.reader.get_mut();
        let write = async {
            stream.write_all(&self.out).await?;
            stream.flush().await
        };
        match tokio::time::timeout(limit, write).await {
            Ok(result) => {
                self.out.clear();
                result
            }
            Err(_) => Err(std::io::ErrorKind::TimedOut.into()),
        }
    }

    /// Writes the queued replies when the client has sent nothing more yet (pipelining: the
    /// replies to a group of commands go out together), or when many have gathered.
    async fn flush_if_waiting(&mut self, limit: Duration) -> std::io::Result<()> {
        if self.reader.buffer().is_empty() || self.out.len() > 16 * 1024 {
            self.flush(limit).await?;
        }
        Ok(())
    }

    /// Appends to `piece` up to and including the next LF, or until it holds `max` bytes.
    /// Some(true) when the piece ends a line, Some(false) when it was cut at `max`, None at
    /// the end of the stream.
    async fn read_piece(
        &mut self,
        piece: &mut Vec<u8>,
        max: usize,
    ) -> std::io::Result<Option<bool>> {
        loop {
            let buf = self.reader.fill_buf().await?;
            if buf.is_empty() {
                return Ok(None);
            }
            let room = max.saturating_sub(piece.len());
            let window = &buf[..buf.len().min(room)];
            if let Some(at) = window.iter().position(|&b| b == b'\n') {
                piece.extend_from_slice(&window[..=at]);
                Pin::new(&mut self.reader).consume(at + 1);
                return Ok(Some(true));
            }
            let taken = window.len();
            piece.extend_from_slice(window);
            Pin::new(&mut self.reader).consume(taken);
            if piece.len() >= max {
                return Ok(Some(false));
            }
        }
    }

    /// Reads one command line of at most `max` bytes into `line`.
    async fn read_line(&mut self, line: &mut Vec<u8>, max: usize) -> std::io::Result<Line> {
        line.clear();
        match self.read_piece(line, max).await? {
            None => return Ok(Line::Eof),
            Some(true) => return Ok(Line::Complete),
            Some(false) => {}
        }
        line.clear();
        let mut drained = 0;
        let mut scratch = Vec::with_capacity(8192);
        loop {
            scratch.clear();
            match self.read_piece(&mut scratch, 8192).await? {
                None => return Ok(Line::Eof),
                Some(true) => return Ok(Line::TooLong),
                Some(false) => {
                    drained += scratch.len();
                    if drained > MAX_DRAIN {
                        return Ok(Line::Flood);
                    }
                }
            }
        }
    }

    /// Reads the message text after `354` up to the line holding a single dot, undoing the
    /// dot-stuffing. Keeps at most `max` bytes: Ok(None) when the message is larger (it was
    /// drained to its end). Err for a dropped connection or a flood far past the limit.
    async fn read_data(&mut self, max: usize) -> std::io::Result<Option<Vec<u8>>> {
        let mut message = Vec::with_capacity(max.min(64 * 1024));
        let mut total = 0usize;
        let mut at_line_start = true;
        let mut piece = Vec::with_capacity(PIECE.min(8192));
        // Past twice the limit (and a megabyte) draining stops: the client is flooding.
        let give_up = max.saturating_mul(2).saturating_add(MAX_DRAIN);
        loop {
            piece.clear();
            let Some(ended) = self.read_piece(&mut piece, PIECE).await? else {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            };
            if at_line_start && ended && (piece == b".\r\n" || piece == b".\n") {
                break;
            }
            let text = if at_line_start && piece.first() == Some(&b'.') {
                &piece[1..]
            } else {
                &piece[..]
            };
            total = total.saturating_add(text.len());
            if total <= max {
                message.extend_from_slice(text);
            } else if total > give_up {
                return Err(std::io::ErrorKind::InvalidData.into());
            } else if !message.is_empty() {
                message = Vec::new();
            }
            at_line_start = ended;
        }
        Ok((total <= max).then_some(message))
    }
}

impl Session {
    /// A session for a client at `peer` (an IP address, or `unix`).
    pub fn new(shared: Arc<Shared>, peer: String, stopping: watch::Receiver<bool>) -> Session {
        Session {
            shared,
            peer,
            stopping,
            helo: None,
            tls_active: false,
            mail_from: None,
            recipients: Vec::new(),
            errors: 0,
        }
    }

    /// Runs the session on `stream` until the client quits, breaks a limit or goes away, or
    /// the server stops.
    pub async fn run(mut self, stream: impl Connection) {
        let mut io = Io::new(Box::new(stream));
        let settings = &self.shared.settings;
        let write_limit = settings.command_timeout;
        let kind = match self.shared.protocol {
            Protocol::Smtp => "ESMTP",
            Protocol::Lmtp => "LMTP",
        };
        io.reply(&format!("220 {} {kind} tuixin ready", settings.hostname));
        let mut line = Vec::with_capacity(512);
        loop {
            if io.flush_if_waiting(write_limit).await.is_err() {
                return;
            }
            let idle = self.shared.settings.idle_timeout;
            let max_line = self.shared.settings.max_line_bytes.max(64);
            let read = tokio::select! {
                read = tokio::time::timeout(idle, io.read_line(&mut line, max_line)) => read,
                () = stopped(&mut self.stopping) => {
                    io.reply("421 4.3.2 Service shutting down, try again later");
                    let _ = io.flush(Duration::from_secs(2)).await;
                    closed("shutdown");
                    return;
                }
            };
            let next = match read {
                Err(_) => {
                    io.reply("421 4.4.2 Timeout waiting for a command, closing connection");
                    closed("timeout");
                    Next::Close
                }
                Ok(Err(_)) | Ok(Ok(Line::Eof)) => return,
                Ok(Ok(Line::Flood)) => {
                    io.reply("500 5.5.2 Line too long");
                    closed("flood");
                    Next::Close
                }
                Ok(Ok(Line::TooLong)) => {
                    io.reply("500 5.5.2 Line too long");
                    self.error(&mut io)
                }
                Ok(Ok(Line::Complete)) => self.command(&line, &mut io).await,
            };
            match next {
                Next::Go => {}
                Next::Close => {
                    let _ = io.flush(Duration::from_secs(2)).await;
                    let _ = io.reader.get_mut().shutdown().await;
                    return;
                }
                Next::StartTls => {
                    let Some(acceptor) = self.shared.tls.clone() else { return };
                    if io.flush(write_limit).await.is_err() {
                        return;
                    }
                    // RFC 3207 §4.2: anything the client sent after STARTTLS, before the
                    // handshake, is discarded (it could be an injected command).
                    let stream = io.reader.into_inner();
                    let handshake = tokio::time::timeout(
                        self.shared.settings.command_timeout,
                        acceptor.accept(stream),
                    );
                    match handshake.await {
                        Ok(Ok(tls)) => io = Io::new(Box::new(tls)),
                        _ => {
                            closed("tls_failed");
                            return;
                        }
                    }
                    // RFC 3207 §4.2: the session starts over; the client says EHLO again.
                    self.tls_active = true;
                    self.helo = None;
                    self.reset();
                }
            }
        }
    }

    /// Counts a bad command; closes the session past the limit.
    fn error(&mut self, io: &mut Io) -> Next {
        self.errors += 1;
        if self.errors >= self.shared.settings.max_errors.max(1) {
            io.reply("421 4.7.0 Too many errors, closing connection");
            closed("errors");
            Next::Close
        } else {
            Next::Go
        }
    }

    fn reset(&mut self) {
        self.mail_from = None;
        self.recipients.clear();
    }

    /// Handles one command line.
    async fn command(&mut self, line: &[u8], io: &mut Io) -> Next {
        let request = match Request::parse(&mut line.iter()) {
            Ok(request) => request.into_owned(),
            Err(e) => {
                io.reply(match e {
                    ParseError::UnknownCommand => "500 5.5.1 Unknown command",
                    ParseError::InvalidSenderAddress => "501 5.1.7 Bad sender address syntax",
                    ParseError::InvalidRecipientAddress => "501 5.1.3 Bad recipient address syntax",
                    ParseError::SyntaxError { syntax } => {
                        let text = format!("501 5.5.4 Syntax: {syntax}");
                        io.reply(&text);
                        return self.error(io);
                    }
                    ParseError::InvalidParameter { .. } => "501 5.5.4 Invalid parameter",
                    ParseError::UnsupportedParameter { .. } => "555 5.5.4 Unsupported parameter",
                    _ => "500 5.5.2 Syntax error",
                });
                return self.error(io);
            }
        };
        let lmtp = self.shared.protocol == Protocol::Lmtp;
        match request {
            Request::Ehlo { host } => self.greet(Hello::Ehlo, host, io),
            Request::Helo { host } => self.greet(Hello::Helo, host, io),
            Request::Lhlo { host } => self.greet(Hello::Lhlo, host, io),
            Request::Mail { from } => {
                if self.helo.is_none() {
                    let hello = if lmtp { "LHLO" } else { "EHLO/HELO" };
                    io.reply(&format!("503 5.5.1 Send {hello} first"));
                    return self.error(io);
                }
                if self.mail_from.is_some() {
                    io.reply("503 5.5.1 Nested MAIL command");
                    return self.error(io);
                }
                let max = self.shared.settings.max_message_bytes;
                if from.size > max {
                    count_message("too_big");
                    io.reply(&format!(
                        "552 5.3.4 Message too big: {} bytes, at most {max} are taken",
                        from.size
                    ));
                    return Next::Go;
                }
                self.mail_from = Some(bounded(&from.address, super::verp::MAX_ADDRESS_BYTES));
                io.reply("250 2.1.0 Sender OK");
                Next::Go
            }
            Request::Rcpt { to } => {
                if self.mail_from.is_none() {
                    io.reply("503 5.5.1 Send MAIL first");
                    return self.error(io);
                }
                if !self.shared.settings.recipients.accepts(&to.address) {
                    metrics::counter!("tuixin_smtp_recipients_refused_total", "reason" => "not_ours")
                        .increment(1);
                    io.reply(&format!(
                        "550 5.1.1 <{}>: Recipient address rejected: not a bounce address of this server",
                        printable(&to.address)
                    ));
                    return self.error(io);
                }
                if self.recipients.len() >= self.shared.settings.max_recipients.max(1) {
                    metrics::counter!("tuixin_smtp_recipients_refused_total", "reason" => "too_many")
                        .increment(1);
                    io.reply("452 4.5.3 Too many recipients");
                    return Next::Go;
                }
                self.recipients.push(to.address);
                io.reply("250 2.1.5 Recipient OK");
                Next::Go
            }
            Request::Data => {
                if self.mail_from.is_none() {
                    io.reply("503 5.5.1 Send MAIL first");
                    return self.error(io);
                }
                if self.recipients.is_empty() {
                    io.reply("503 5.5.1 No valid recipients");
                    return self.error(io);
                }
                io.reply("354 End data with <CR><LF>.<CR><LF>");
                if io.flush(self.shared.settings.command_timeout).await.is_err() {
                    return Next::Close;
                }
                self.data(io).await
            }
            Request::Rset => {
                self.reset();
                io.reply("250 2.0.0 OK");
                Next::Go
            }
            Request::Noop { .. } => {
                io.reply("250 2.0.0 OK");
                Next::Go
            }
            Request::Quit => {
                io.reply("221 2.0.0 Bye");
                Next::Close
            }
            Request::Vrfy { .. } => {
                io.reply("252 2.5.2 Cannot VRFY user, but will take mail for bounce addresses");
                Next::Go
            }
            Request::Help { .. } => {
                io.reply(
                    "214-2.0.0 This server takes bounces for its bounce addresses only\r\n\
                     214 2.0.0 Commands: EHLO HELO LHLO MAIL RCPT DATA RSET NOOP VRFY HELP QUIT STARTTLS",
                );
                Next::Go
            }
            Request::StartTls => {
                if lmtp || self.shared.tls.is_none() {
                    io.reply("502 5.5.1 STARTTLS not available");
                    return self.error(io);
                }
                if self.tls_active {
                    io.reply("503 5.5.1 TLS already active");
                    return self.error(io);
                }
                io.reply("220 2.0.0 Ready to start TLS");
                Next::StartTls
            }
            Request::Expn { .. }
            | Request::Auth { .. }
            | Request::Etrn { .. }
            | Request::Atrn { .. }
            | Request::Burl { .. }
            | Request::Bdat { .. } => {
                // BDAT is not advertised (no CHUNKING); its chunk would follow this line.
                let close = matches!(request, Request::Bdat { .. });
                io.reply("502 5.5.1 Command not implemented");
                if close { Next::Close } else { self.error(io) }
            }
        }
    }

    /// EHLO, HELO or LHLO.
    fn greet(&mut self, kind: Hello, host: String, io: &mut Io) -> Next {
        let lmtp = self.shared.protocol == Protocol::Lmtp;
        let wrong = match kind {
            Hello::Lhlo => !lmtp,
            Hello::Ehlo | Hello::Helo => lmtp,
        };
        if wrong {
            io.reply(if lmtp {
                "500 5.5.1 This is an LMTP server: say LHLO"
            } else {
                "500 5.5.1 LHLO is for LMTP: say EHLO or HELO"
            });
            return self.error(io);
        }
        self.reset();
        self.helo = Some(bounded(&host, MAX_HELO));
        let settings = &self.shared.settings;
        if kind == Hello::Helo {
            io.reply(&format!("250 {}", settings.hostname));
            return Next::Go;
        }
        let mut lines = vec![
            format!("{} greets {}", settings.hostname, printable(&bounded(&host, 64))),
            format!("SIZE {}", settings.max_message_bytes),
            "8BITMIME".to_owned(),
            "SMTPUTF8".to_owned(),
            "PIPELINING".to_owned(),
            "ENHANCEDSTATUSCODES".to_owned(),
        ];
        if !lmtp && self.shared.tls.is_some() && !self.tls_active {
            lines.push("STARTTLS".to_owned());
        }
        lines.push("HELP".to_owned());
        let last = lines.len() - 1;
        let text: Vec<String> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| format!("250{}{l}", if i == last { ' ' } else { '-' }))
            .collect();
        io.reply(&text.join("\r\n"));
        Next::Go
    }

    /// Reads the message, commits it, and answers (once, or once per recipient in LMTP).
    async fn data(&mut self, io: &mut Io) -> Next {
        let settings = &self.shared.settings;
        let read = tokio::time::timeout(
            settings.command_timeout,
            io.read_data(settings.max_message_bytes),
        )
        .await;
        let message = match read {
            Err(_) => {
                io.reply("421 4.4.2 Timeout reading the message, closing connection");
                closed("timeout");
                return Next::Close;
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::InvalidData => {
                count_message("too_big");
                io.reply("552 5.3.4 Message too big, closing connection");
                closed("flood");
                return Next::Close;
            }
            Ok(Err(_)) => return Next::Close,
            Ok(Ok(None)) => {
                count_message("too_big");
                io.reply(&format!(
                    "552 5.3.4 Message too big: at most {} bytes are taken",
                    settings.max_message_bytes
                ));
                self.reset();
                return Next::Go;
            }
            Ok(Ok(Some(message))) => message,
        };
        // From the end of the data to the answer: decoding, the wait for the group commit, and
        // the commit itself.
        let started = std::time::Instant::now();
        let outcome = self.deliver(message).await;
        metrics::histogram!("tuixin_smtp_data_to_reply_seconds")
            .record(started.elapsed().as_secs_f64());
        match &outcome {
            Ok(()) => count_message("accepted"),
            Err(_) => count_message("store_unavailable"),
        }
        match self.shared.protocol {
            Protocol::Smtp => io.reply(match outcome {
                Ok(()) => "250 2.0.0 Message accepted",
                Err(_) => "451 4.3.0 The bounce store is unavailable, try again later",
            }),
            Protocol::Lmtp => {
                for recipient in &self.recipients {
                    let recipient = printable(recipient);
                    io.reply(&match outcome {
                        Ok(()) => format!("250 2.1.5 <{recipient}> Message accepted"),
                        Err(_) => format!(
                            "451 4.3.0 <{recipient}> The bounce store is unavailable, try again later"
                        ),
                    });
                }
            }
        }
        self.reset();
        Next::Go
    }

    /// Decodes the message (on a blocking thread) and hands it to the group commit.
    async fn deliver(&self, message: Vec<u8>) -> Result<(), CommitError> {
        let verps: Vec<String> = {
            let mut verps: Vec<String> = self
                .recipients
                .iter()
                .filter_map(|r| self.shared.settings.recipients.verp(r))
                .collect();
            verps.sort();
            verps.dedup();
            verps
        };
        // The VERP address names the bounced recipient only when it is unambiguous.
        let verp = if verps.len() == 1 { verps.into_iter().next() } else { None };
        let source = self.shared.protocol.source().to_owned();
        let origin = self.origin();
        let null_sender = self.mail_from.as_deref().is_none_or(str::is_empty);
        let prepared = tokio::task::spawn_blocking(move || {
            super::message::prepare(
                message,
                &super::message::Envelope { verp: verp.as_deref(), null_sender },
                source,
                origin,
                crate::time::now(),
            )
        })
        .await
        .map_err(|e| CommitError(format!("decoding failed: {e}")))?;
        let (input, failed) = prepared;
        self.shared.committer.commit(input, failed).await
    }

    /// The envelope, for the event's provenance: client, HELO, sender, recipients (bounded).
    fn origin(&self) -> String {
        let recipients: Vec<String> = self.recipients.iter().map(|r| format!("<{r}>")).collect();
        let text = format!(
            "client={} helo={} mail_from=<{}> rcpt={}",
            self.peer,
            self.helo.as_deref().unwrap_or(""),
            self.mail_from.as_deref().unwrap_or(""),
            recipients.join(",")
        );
        printable(&bounded(&text, MAX_ORIGIN))
    }
}

/// The greeting a client used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hello {
    Ehlo,
    Helo,
    Lhlo,
}

/// `text` cut to at most `max` bytes at a character boundary.
pub(super) fn bounded(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

/// `text` with control characters replaced, fit for a reply line or a log.
fn printable(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

/// Resolves when the server is stopping (or its listener is gone).
async fn stopped(stopping: &mut watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stop| *stop).await;
}

fn count_message(outcome: &'static str) {
    metrics::counter!("tuixin_smtp_messages_total", "outcome" => outcome).increment(1);
}

fn closed(reason: &'static str) {
    metrics::counter!("tuixin_smtp_sessions_closed_total", "reason" => reason).increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_cuts_at_a_character_boundary() {
        assert_eq!(bounded("abc", 5), "abc");
        assert_eq!(bounded("aé", 2), "a");
        assert_eq!(bounded("退信退信", 7), "退信");
    }

    #[test]
    fn printable_hides_control_characters() {
        assert_eq!(printable("a\r\nb\0"), "a??b?");
    }
}

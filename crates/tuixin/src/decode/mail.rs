//! The parsed bounce: its headers, its human-readable text, its machine-readable parts and the
//! original message it returns, over mail-parser.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::sync::LazyLock;

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::{
    HeaderName, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType,
};

/// One parser for every message: MIME headers and the few fields a bounce needs are structured,
/// the rest stays raw text.
static PARSER: LazyLock<MessageParser> = LazyLock::new(|| {
    // Addresses and ids are read from the raw text (address::clean); only what needs decoding
    // (encoded words in Subject) or structure (MIME, Date) is parsed.
    // Every other header is skipped by the parser and read from the raw bytes when asked for.
    // Content-Disposition tells inline text from attachments; Content-ID, -Description and
    // -Location are not needed.
    MessageParser::new()
        .header_content_type(HeaderName::ContentType)
        .header_content_type(HeaderName::ContentDisposition)
        .header_text(HeaderName::ContentTransferEncoding)
        .header_text(HeaderName::Subject)
        .header_date(HeaderName::Date)
        .default_header_ignore()
});

/// Parses a message (or a header block); `None` when no header is found.
pub(crate) fn parse(bytes: &[u8]) -> Option<Message<'_>> {
    PARSER.parse(bytes)
}

/// Japanese text sent as raw ISO-2022-JP without a charset label (old Lotus Notes, Domino and
/// Japanese carriers' bounces), decoded; any other text as it is.
pub(crate) fn decode_unlabelled(text: Cow<'_, str>) -> Cow<'_, str> {
    // ESC `$B` / ESC `$@` switch to JIS X 0208; most texts have no ESC at all.
    let shifts_to_jis = memchr::memchr_iter(0x1b, text.as_bytes())
        .any(|at| matches!(text.as_bytes().get(at + 1..at + 3), Some(b"$B" | b"$@")));
    if shifts_to_jis && let Some(decode) = charset_decoder(b"iso-2022-jp") {
        return Cow::Owned(decode(text.as_bytes()));
    }
    text
}

/// Parses only the header block of a message (a returned original needs no body).
pub(crate) fn parse_headers(bytes: &[u8]) -> Option<Message<'_>> {
    PARSER.parse_headers(bytes)
}

/// A bounce as the decoders see it.
pub(crate) struct Mail<'x> {
    pub message: Message<'x>,
    /// The From header lowercased, read once: every decoder's cheap signal.
    sender: OnceCell<String>,
    /// Each part's `type/subtype` as a position in `KINDS` (`None` for the others), read once.
    kinds: OnceCell<Vec<Option<usize>>>,
    /// The input had no header: a bounce's text pasted on its own.
    pub pasted: bool,
}

/// The part types that decoders look for.
const KINDS: [&str; 10] = [
    "message/delivery-status",
    "message/global-delivery-status",
    "message/feedback-report",
    "text/rfc822-headers",
    "message/global-headers",
    "message/rfc822-headers",
    "message/rfc822",
    "message/global",
    "message/disposition-notification",
    "message/global-disposition-notification",
];

/// A header value as one line: folding removed, whitespace collapsed.
pub(crate) fn header_text(value: &HeaderValue<'_>) -> String {
    match value {
        HeaderValue::Text(text) => unfold(text),
        HeaderValue::TextList(list) => {
            list.iter().map(|t| unfold(t)).collect::<Vec<_>>().join(", ")
        }
        HeaderValue::Address(address) => address
            .iter()
            .map(|a| match (&a.name, &a.address) {
                (Some(name), Some(addr)) => format!("{name} <{addr}>"),
                (None, Some(addr)) => addr.to_string(),
                (Some(name), None) => name.to_string(),
                (None, None) => String::new(),
            })
            .collect::<Vec<_>>()
            .join(", "),
        HeaderValue::DateTime(date) => date.to_rfc822(),
        HeaderValue::ContentType(ct) => match &ct.c_subtype {
            Some(sub) => format!("{}/{}", ct.c_type, sub),
            None => ct.c_type.to_string(),
        },
        HeaderValue::Received(_) | HeaderValue::Empty => String::new(),
    }
}

/// Folded header text as one line.
pub(crate) fn unfold(text: &str) -> String {
    let text = text.trim();
    if !text.contains(['\r', '\n']) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    for (i, piece) in text.split(['\r', '\n']).filter(|p| !p.trim().is_empty()).enumerate() {
        if i > 0 {
            out.push(' ');
            out.push_str(piece.trim_start());
        } else {
            out.push_str(piece);
        }
    }
    out.trim().to_owned()
}

/// Bytes as text, invalid UTF-8 replaced; valid UTF-8 (nearly all of it) is only validated.
pub(crate) fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// A header of `message` as one line: the parsed value for the headers the parser reads
/// (Subject, Date, MIME), the raw text for the others.
pub(crate) fn value_text(message: &Message<'_>, header: &mail_parser::Header<'_>) -> String {
    match header.value() {
        HeaderValue::Empty => {
            // A message inside another keeps the offsets of the outer input, and its own raw
            // bytes start where its header does.
            let base = message.root_part().offset_header;
            let start = header.offset_start().saturating_sub(base) as usize;
            let end = header.offset_end().saturating_sub(base) as usize;
            let raw = message.raw_message();
            raw.get(start..end).map_or_else(String::new, |b| unfold(&lossy(b)))
        }
        value => header_text(value),
    }
}

/// The first top-level header of `message` with this name (any case), as one line.
pub(crate) fn find_header(message: &Message<'_>, name: &str) -> Option<String> {
    message
        .headers()
        .iter()
        .find(|h| h.name().eq_ignore_ascii_case(name))
        .map(|h| value_text(message, h))
}

impl<'x> Mail<'x> {
    /// A parsed message as the decoders see it.
    pub fn new(message: Message<'x>) -> Mail<'x> {
        Mail { message, sender: OnceCell::new(), kinds: OnceCell::new(), pasted: false }
    }

    /// A bounce's text without its header, read as the body of a message with none.
    pub fn pasted(message: Message<'x>) -> Mail<'x> {
        Mail { pasted: true, ..Mail::new(message) }
    }

    /// Whether the message has a top-level header with this name (any case).
    pub fn has_header(&self, name: &str) -> bool {
        self.message.headers().iter().any(|h| h.name().eq_ignore_ascii_case(name))
    }

    /// The first top-level header with this name, as one line.
    pub fn header(&self, name: &str) -> Option<String> {
        find_header(&self.message, name).filter(|v| !v.is_empty())
    }

    /// Every top-level header with this name, as lines.
    pub fn headers_named(&self, name: &str) -> Vec<String> {
        self.message
            .headers()
            .iter()
            .filter(|h| h.name().eq_ignore_ascii_case(name))
            .map(|h| value_text(&self.message, h))
            .collect()
    }

    /// The From header as text, lowercased, for matching.
    pub fn sender_lower(&self) -> &str {
        self.sender.get_or_init(|| self.header("From").unwrap_or_default().to_ascii_lowercase())
    }

    /// The Subject, decoded.
    pub fn subject(&self) -> &str {
        self.message.subject().unwrap_or("")
    }

    /// The parts of this message (not of messages attached to it) with a given `type/subtype`
    /// (one of `KINDS`).
    pub fn parts_of_type<'s>(
        &'s self,
        wanted: &'s [&'s str],
    ) -> impl Iterator<Item = &'s MessagePart<'x>> + 's {
        debug_assert!(wanted.iter().all(|w| KINDS.contains(w)), "{wanted:?} not in KINDS");
        self.message
            .parts
            .iter()
            .zip(self.kinds())
            .filter(move |(_, kind)| kind.is_some_and(|k| wanted.contains(&KINDS[k])))
            .map(|(part, _)| part)
    }

    /// Each part's `type/subtype` as a position in `KINDS`.
    fn kinds(&self) -> &[Option<usize>] {
        self.kinds.get_or_init(|| {
            self.message
                .parts
                .iter()
                .map(|part| {
                    let ct = part.content_type()?;
                    let subtype = ct.c_subtype.as_deref().unwrap_or("");
                    KINDS.iter().position(|kind| {
                        kind.split_once('/').is_some_and(|(t, s)| {
                            ct.c_type.eq_ignore_ascii_case(t) && subtype.eq_ignore_ascii_case(s)
                        })
                    })
                })
                .collect()
        })
    }

    /// The human-readable text: the first text/plain part, else the first HTML part as a reader
    /// sees it.
    /// Japanese text sent as raw ISO-2022-JP without a charset label is decoded too.
    pub fn text(&self) -> Cow<'_, str> {
        decode_unlabelled(self.raw_text())
    }

    fn raw_text(&self) -> Cow<'_, str> {
        if let Some(part) = self.message.text_bodies().find(|p| matches!(p.body, PartType::Text(_)))
            && let Some(text) = part.text_contents()
        {
            if let Some(eight_bit) = self.mislabelled_8bit(part) {
                return eight_bit;
            }
            return Cow::Borrowed(text);
        }
        // An HTML-only bounce (AOL's, Yahoo's): the text a reader sees.
        if let Some(PartType::Html(html)) = self.message.text_part(0).map(|part| &part.body) {
            let text = super::html::html_to_text(html);
            if !text.trim().is_empty() {
                return Cow::Owned(text);
            }
        }
        // A multipart whose boundary never appears in the body: read the body as plain text.
        let raw = self.message.raw_message();
        let start = (self.message.root_part().offset_body as usize).min(raw.len());
        lossy(&raw[start..])
    }

    /// A part labelled with the 7-bit ISO-2022-JP whose bytes, sent without a transfer encoding,
    /// are 8-bit (a copy converted to UTF-8 that kept its old label, or junk):
    /// those bytes read as UTF-8 (invalid ones replaced), rather than decoded by a charset they
    /// cannot be in.
    fn mislabelled_8bit(&self, part: &MessagePart<'x>) -> Option<Cow<'_, str>> {
        // US-ASCII with 8-bit bytes mail-parser already reads as UTF-8; ISO-2022-JP it decodes
        // as JIS, garbling them.
        let charset = part.content_type()?.attribute("charset")?;
        if !charset.eq_ignore_ascii_case("iso-2022-jp")
            || part.encoding != mail_parser::Encoding::None
        {
            return None;
        }
        let raw = self.message.raw_message();
        let body = raw.get(part.offset_body as usize..part.offset_end as usize)?;
        if body.is_ascii() {
            return None;
        }
        Some(String::from_utf8_lossy(body))
    }

    /// The machine-readable delivery reports: message/delivery-status and its global form.
    pub fn delivery_reports(&self) -> Vec<&[u8]> {
        self.parts_of_type(&["message/delivery-status", "message/global-delivery-status"])
            .map(|part| part.contents())
            .collect()
    }

    /// Whether this is a message disposition notification (RFC 8098: a read receipt, or a note
    /// that the message was deleted unread) and no delivery report: it says nothing of delivery.
    pub fn is_disposition_notification(&self) -> bool {
        let mdn = ["message/disposition-notification", "message/global-disposition-notification"];
        self.parts_of_type(&mdn).next().is_some() && self.delivery_reports().is_empty()
    }

    /// The message returned with the bounce: an attached message/rfc822 or message/global, or
    /// an attached header block (text/rfc822-headers, message/global-headers).
    pub fn attached_original(&self) -> Option<AttachedOriginal<'_, 'x>> {
        const ORIGINALS: [&str; 5] = [
            "text/rfc822-headers", "message/global-headers", "message/rfc822-headers",
            "message/rfc822", "message/global",
        ];
        for (part, kind) in self.message.parts.iter().zip(self.kinds()) {
            if let PartType::Message(message) = &part.body {
                return Some(AttachedOriginal::Message(message));
            }
            if kind.is_some_and(|k| ORIGINALS.contains(&KINDS[k])) {
                return Some(AttachedOriginal::Headers(part.contents()));
            }
        }
        None
    }
}

/// Where the original message came from.
pub(crate) enum AttachedOriginal<'m, 'x> {
    /// A whole message, parsed.
    Message(&'m Message<'x>),
    /// Headers (or a message mail-parser kept as bytes) still to parse.
    Headers(&'m [u8]),
}

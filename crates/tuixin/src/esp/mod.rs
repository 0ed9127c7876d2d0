//! Reading ESP webhook payloads: one body (or one file) in, one record per recipient per event
//! out.
//!
//! Each provider is a unit of its own that reads one event (a JSON object) into the
//! recipients it names; what it reads becomes a [`Record`] through the same path as a bounce
//! mail's recipient, so a provider's diagnostic and a bounce with the same words get the same
//! reason. Only where the payload carries no words our rules read does the provider's own
//! type decide, and conservatively: an unknown or undetermined type is never a hard bounce.
//!
//! A payload is one JSON object, an array of them, or several of either one after another (a
//! file of newline-delimited events, as Firehose writes them). Arrays are read element by
//! element, each element parsed on its own and dropped before the next, so a payload's peak
//! memory is its bytes, the largest element's parsed form and the records made.
//!
//! Bounds: a payload of at most [`MAX_PAYLOAD_BYTES`] (64 MiB), at most [`MAX_EVENTS`] events
//! and [`MAX_RECIPIENTS`] recipients per event; text fields kept to [`MAX_FIELD_BYTES`] each.
//! Reading time is never part of a record: the same payload read twice gives equal records.

mod azure;
mod brevo;
mod mailgun;
mod mailjet;
mod postal;
mod postmark;
mod resend;
mod sendgrid;
mod ses;
mod sparkpost;

use std::fmt;
use std::str::FromStr;

use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::classify::{Classifier, RuleKind};
use crate::decode::Limits;
use crate::decode::delivery::{Delivery, Notice};
use crate::decode::original::Original;
use crate::reason::Reason;
use crate::record::Record;

/// The largest payload read, in bytes.
pub const MAX_PAYLOAD_BYTES: usize = 64 << 20;

/// The most events (array elements or top-level objects) read from one payload.
pub const MAX_EVENTS: usize = 1_000_000;

/// The most recipients read from one event; the rest are reported as an [`ItemError`].
pub const MAX_RECIPIENTS: usize = 1_000;

/// The most bytes kept of one text field (a subject, an address, a diagnostic before it is cut
/// to the record's own limit).
pub const MAX_FIELD_BYTES: usize = 16 << 10;

/// An email service provider whose webhook payloads are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Provider {
    /// Amazon SES: SNS notifications (envelope or bare) and event publishing.
    Ses,
    /// SendGrid's Event Webhook (an array of events).
    SendGrid,
    /// Mailgun's webhooks (`signature` + `event-data`).
    Mailgun,
    /// Postmark's bounce, spam complaint and delivery webhooks.
    Postmark,
    /// SparkPost's event webhooks (an array of `msys` wrappers).
    SparkPost,
    /// Mailjet's event API.
    Mailjet,
    /// Brevo's (formerly Sendinblue) transactional and marketing webhooks.
    Brevo,
    /// Resend's webhooks (Svix-delivered `email.*` events).
    Resend,
    /// Postal's webhooks (`event` + `payload`).
    Postal,
    /// Azure Communication Services email events through Event Grid.
    Azure,
}

impl Provider {
    /// Every provider, in the order the CLI lists them.
    pub const ALL: &'static [Provider] = &[
        Provider::Ses,
        Provider::SendGrid,
        Provider::Mailgun,
        Provider::Postmark,
        Provider::SparkPost,
        Provider::Mailjet,
        Provider::Brevo,
        Provider::Resend,
        Provider::Postal,
        Provider::Azure,
    ];

    /// The provider's name as the CLI and the webhook path spell it.
    pub fn name(self) -> &'static str {
        match self {
            Provider::Ses => "ses",
            Provider::SendGrid => "sendgrid",
            Provider::Mailgun => "mailgun",
            Provider::Postmark => "postmark",
            Provider::SparkPost => "sparkpost",
            Provider::Mailjet => "mailjet",
            Provider::Brevo => "brevo",
            Provider::Resend => "resend",
            Provider::Postal => "postal",
            Provider::Azure => "azure",
        }
    }

    /// The `decodedby` of the records read from the provider's payloads.
    fn decoded_by(self) -> &'static str {
        match self {
            Provider::Ses => "esp.ses",
            Provider::SendGrid => "esp.sendgrid",
            Provider::Mailgun => "esp.mailgun",
            Provider::Postmark => "esp.postmark",
            Provider::SparkPost => "esp.sparkpost",
            Provider::Mailjet => "esp.mailjet",
            Provider::Brevo => "esp.brevo",
            Provider::Resend => "esp.resend",
            Provider::Postal => "esp.postal",
            Provider::Azure => "esp.azure",
        }
    }

    /// Reads one event of the provider.
    fn read_event(self, event: &Value) -> Result<Read, Problem> {
        match self {
            Provider::Ses => ses::read(event),
            Provider::SendGrid => sendgrid::read(event),
            Provider::Mailgun => mailgun::read(event),
            Provider::Postmark => postmark::read(event),
            Provider::SparkPost => sparkpost::read(event),
            Provider::Mailjet => mailjet::read(event),
            Provider::Brevo => brevo::read(event),
            Provider::Resend => resend::read(event),
            Provider::Postal => postal::read(event),
            Provider::Azure => azure::read(event),
        }
    }

    /// Whether one event has the provider's shape (for [`detect_provider`]).
    fn claims(self, event: &Value) -> bool {
        match self {
            Provider::Ses => ses::claims(event),
            Provider::SendGrid => sendgrid::claims(event),
            Provider::Mailgun => mailgun::claims(event),
            Provider::Postmark => postmark::claims(event),
            Provider::SparkPost => sparkpost::claims(event),
            Provider::Mailjet => mailjet::claims(event),
            Provider::Brevo => brevo::claims(event),
            Provider::Resend => resend::claims(event),
            Provider::Postal => postal::claims(event),
            Provider::Azure => azure::claims(event),
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A provider name that no reader knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown webhook provider {0:?}")]
pub struct UnknownProvider(pub String);

impl FromStr for Provider {
    type Err = UnknownProvider;

    fn from_str(name: &str) -> Result<Provider, UnknownProvider> {
        Provider::ALL
            .iter()
            .copied()
            .find(|p| p.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| UnknownProvider(name.to_owned()))
    }
}

/// A payload (one webhook body, or one file) read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Payload {
    /// The events that gave records, in payload order.
    pub events: Vec<PayloadEvent>,
    /// The events that look like the provider's but could not be read.
    pub errors: Vec<ItemError>,
    /// Events of no interest (opens, clicks, sends, subscription handshakes).
    pub ignored: usize,
}

/// One event of the payload that gave records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadEvent {
    /// The event's position in the payload, from 0 (0 for a single object).
    pub index: usize,
    /// The provider's own type and subtype, e.g. `Bounce/Permanent/General`, `bounce/blocked`.
    pub kind: String,
    /// One record per recipient.
    pub records: Vec<Record>,
}

/// An event of the payload that looks like the provider's but cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event {index}: {why}")]
pub struct ItemError {
    /// The event's position in the payload, from 0.
    pub index: usize,
    /// What is wrong with it.
    pub why: String,
}

/// Why a payload as a whole cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadErrorKind {
    /// Larger than [`MAX_PAYLOAD_BYTES`].
    #[error("{size} bytes, more than the {limit} bytes read")]
    TooLarge {
        /// The payload's size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// More events than [`MAX_EVENTS`].
    #[error("more than {limit} events")]
    TooManyEvents {
        /// The limit.
        limit: usize,
    },
    /// A byte sequence that is not UTF-8.
    #[error("not UTF-8 at line {line}, column {column} (byte {offset})")]
    NotUtf8 {
        /// 1-based line.
        line: usize,
        /// 1-based column, in bytes.
        column: usize,
        /// 0-based byte offset.
        offset: usize,
    },
    /// The JSON ends before its values do.
    #[error("truncated JSON: it ends at line {line}, column {column} inside a value")]
    Truncated {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// Not JSON (or JSON nested deeper than the parser's recursion limit).
    #[error("not JSON at line {line}, column {column}: {why}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's words.
        why: String,
    },
    /// JSON, but not in the provider's shape.
    #[error("not a {provider} payload: {why}")]
    Shape {
        /// The provider it was read as.
        provider: Provider,
        /// What is missing or wrong.
        why: String,
    },
}

/// The payload as a whole cannot be read: not JSON (with the line and column), truncated, not
/// the provider's shape (with the field missing), or larger than the limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{provider} payload: {kind}")]
pub struct PayloadError {
    /// The provider it was read as.
    pub provider: Provider,
    /// What is wrong.
    pub kind: PayloadErrorKind,
}

impl PayloadError {
    /// Whether the payload was refused for its size or number of events (HTTP 413).
    pub fn is_too_large(&self) -> bool {
        matches!(
            self.kind,
            PayloadErrorKind::TooLarge { .. } | PayloadErrorKind::TooManyEvents { .. }
        )
    }
}

/// What a provider's reader found in one event.
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// The provider's own type and subtype.
    pub kind: String,
    /// One per recipient, as the decoders fill it.
    pub deliveries: Vec<Delivery>,
    /// The message's sender, Message-ID and subject, where given.
    pub original: Original,
    /// The reason the provider's type gives, used only where our rules read nothing in the
    /// diagnostic (no words, or words no rule knows).
    pub fallback: Option<Reason>,
    /// Recipients past [`MAX_RECIPIENTS`], not read.
    pub dropped: usize,
}

/// What a provider's reader made of one event.
#[derive(Debug)]
pub(crate) enum Read {
    /// An event of interest.
    Event(Box<Found>),
    /// An event of no interest.
    Ignored,
}

/// Why one event could not be read.
#[derive(Debug)]
pub(crate) enum Problem {
    /// The event has the provider's shape but lacks something (a recipient, ...).
    Item(String),
    /// The event does not have the provider's shape at all (its type field is missing).
    Shape(String),
}

/// Reads one payload of the provider: its events' records, the events that could not be read,
/// and how many were of no interest.
pub fn read_payload(
    provider: Provider,
    bytes: &[u8],
    classifier: &Classifier,
) -> Result<Payload, PayloadError> {
    let fail = |kind| PayloadError { provider, kind };
    if bytes.len() > MAX_PAYLOAD_BYTES {
        return Err(fail(PayloadErrorKind::TooLarge {
            size: bytes.len(),
            limit: MAX_PAYLOAD_BYTES,
        }));
    }
    let text = utf8(bytes).map_err(fail)?;
    let limits = Limits::default();
    let mut payload = Payload::default();
    let mut first_shape: Option<String> = None;
    let mut read_any = false;
    let mut count = 0;
    each_item(text, |index, raw| {
        count += 1;
        if count > MAX_EVENTS {
            return Err(PayloadErrorKind::TooManyEvents { limit: MAX_EVENTS });
        }
        let value: Value = match serde_json::from_str(raw.get()) {
            Ok(value) => value,
            Err(e) => {
                payload.errors.push(ItemError { index, why: format!("not readable: {e}") });
                return Ok(());
            }
        };
        match provider.read_event(&value) {
            Ok(Read::Ignored) => {
                read_any = true;
                payload.ignored += 1;
            }
            Ok(Read::Event(found)) => {
                read_any = true;
                let (event, errors) = records_of(provider, index, *found, classifier, &limits);
                payload.errors.extend(errors);
                if let Some(event) = event {
                    payload.events.push(event);
                }
            }
            Err(Problem::Item(why)) => {
                read_any = true;
                payload.errors.push(ItemError { index, why });
            }
            Err(Problem::Shape(why)) => {
                first_shape.get_or_insert_with(|| why.clone());
                payload.errors.push(ItemError { index, why });
            }
        }
        Ok(())
    })
    .map_err(fail)?;
    if text.trim().is_empty() {
        return Err(fail(PayloadErrorKind::Shape {
            provider,
            why: "no JSON object or array in it".into(),
        }));
    }
    // Nothing in it has the provider's shape: the payload is not the provider's.
    if !read_any && let Some(why) = first_shape {
        return Err(fail(PayloadErrorKind::Shape { provider, why }));
    }
    Ok(payload)
}

/// Which provider a JSON payload is from, by the shape of its first event (for `--input
/// auto`); `None` when no provider's shape fits.
pub fn detect_provider(bytes: &[u8]) -> Option<Provider> {
    let bytes = &bytes[..bytes.len().min(MAX_PAYLOAD_BYTES)];
    // The head of a large file may be cut inside a character: only its whole part is read.
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).ok()?,
    };
    let first = first_item(text)?;
    Provider::ALL.iter().copied().find(|p| p.claims(&first))
}

/// The bytes as UTF-8, or where they stop being UTF-8.
fn utf8(bytes: &[u8]) -> Result<&str, PayloadErrorKind> {
    std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let (line, column) = position(&bytes[..offset]);
        PayloadErrorKind::NotUtf8 { line, column, offset }
    })
}

/// The 1-based line and column just past `before`.
fn position(before: &[u8]) -> (usize, usize) {
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = before.len() - before.iter().rposition(|&b| b == b'\n').map_or(0, |at| at + 1);
    (line, column + 1)
}

/// A parser error as the payload's error.
fn json_error(e: &serde_json::Error) -> PayloadErrorKind {
    let (line, column) = (e.line(), e.column());
    if e.is_eof() {
        PayloadErrorKind::Truncated { line, column }
    } else {
        let why = e.to_string();
        // The parser's message ends with its own position, which the error gives apart.
        let why = why.split(" at line ").next().unwrap_or(&why).to_owned();
        PayloadErrorKind::Syntax { line, column, why }
    }
}

/// Calls `each` on every event of the text: each element of a top-level array, or a
/// top-level object itself, for every top-level value in turn; the elements are taken one
/// at a time as raw JSON, borrowed from the text.
fn each_item(
    text: &str,
    mut each: impl FnMut(usize, &RawValue) -> Result<(), PayloadErrorKind>,
) -> Result<(), PayloadErrorKind> {
    let mut index = 0;
    let stream = serde_json::Deserializer::from_str(text).into_iter::<&RawValue>();
    for value in stream {
        let value = value.map_err(|e| json_error(&e))?;
        let raw = value.get();
        if raw.starts_with('[') {
            let mut stop = None;
            let mut seed = Elements {
                each: &mut |raw: &RawValue| {
                    let result = each(index, raw);
                    index += 1;
                    result
                },
                stop: &mut stop,
            };
            let mut de = serde_json::Deserializer::from_str(raw);
            // The text was read once already: an error here is one the callback stopped on,
            // or nesting past the recursion limit inside an element.
            if let Err(e) = (&mut seed).deserialize(&mut de) {
                return Err(stop.unwrap_or_else(|| json_error(&e)));
            }
        } else if raw.starts_with('{') {
            each(index, value)?;
            index += 1;
        } else {
            return Err(PayloadErrorKind::Syntax {
                line: 1,
                column: 1,
                why: format!("a JSON {} where an object or an array was expected", kind_of(raw)),
            });
        }
    }
    Ok(())
}

/// What a JSON scalar is, for an error message.
fn kind_of(raw: &str) -> &'static str {
    match raw.as_bytes().first() {
        Some(b'"') => "string",
        Some(b't' | b'f') => "boolean",
        Some(b'n') => "null",
        _ => "number",
    }
}

/// The first event of a payload, parsed (for detection): the first element of an array, or
/// the first object; the rest need not be complete.
fn first_item(text: &str) -> Option<Value> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        let mut found: Option<Value> = None;
        let mut stop = Some(PayloadErrorKind::TooManyEvents { limit: 1 });
        let mut seed = Elements {
            each: &mut |raw: &RawValue| {
                found = serde_json::from_str(raw.get()).ok();
                // Stop after the first element; the rest of the array is not read.
                Err(PayloadErrorKind::TooManyEvents { limit: 1 })
            },
            stop: &mut stop,
        };
        let mut de = serde_json::Deserializer::from_str(trimmed);
        let _ = (&mut seed).deserialize(&mut de);
        found
    } else {
        serde_json::Deserializer::from_str(trimmed).into_iter::<Value>().next()?.ok()
    }
}

/// A seed that reads an array element by element and hands each one to a callback.
struct Elements<'f> {
    each: &'f mut dyn FnMut(&RawValue) -> Result<(), PayloadErrorKind>,
    /// The callback's error, when it stopped the reading.
    stop: &'f mut Option<PayloadErrorKind>,
}

impl<'de> DeserializeSeed<'de> for &mut Elements<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for &mut Elements<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of events")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            if let Err(kind) = (self.each)(raw) {
                *self.stop = Some(kind);
                return Err(serde::de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

/// The records of one event (and errors of recipients that could not be read).
fn records_of(
    provider: Provider,
    index: usize,
    found: Found,
    classifier: &Classifier,
    limits: &Limits,
) -> (Option<PayloadEvent>, Vec<ItemError>) {
    let mut errors = Vec::new();
    if found.dropped > 0 {
        errors.push(ItemError {
            index,
            why: format!(
                "{} recipients past the first {MAX_RECIPIENTS} were not read",
                found.dropped
            ),
        });
    }
    let decoded_by = provider.decoded_by();
    let mut records = Vec::with_capacity(found.deliveries.len());
    for mut delivery in found.deliveries {
        split_typed(&mut delivery);
        if crate::decode::address::clean(&delivery.recipient).is_empty() {
            errors.push(ItemError { index, why: "a recipient without an address".into() });
            continue;
        }
        let delayed = delivery.action == "delayed";
        let warning = move || delayed;
        let notice = Notice {
            decoded_by,
            original: &found.original,
            date: None,
            prose: "",
            warning: &warning,
        };
        let mut record = delivery.into_record(&notice, classifier, limits);
        record.message = index + 1;
        if let Some(reason) = found.fallback
            && matches!(record.reason, Reason::Undefined | Reason::OnHold)
            && record.reason != reason
        {
            let permanent = !record.deliverystatus.starts_with('4')
                && !record.replycode.starts_with('4')
                && record.action != "delayed";
            record.reason = reason;
            record.hardbounce = reason.is_hard(permanent);
            record.category = reason.category();
            record.rule = format!("{decoded_by}.type");
            record.rulekind = RuleKind::Provider;
            record.evidence = found.kind.clone();
        }
        records.push(record);
    }
    if records.is_empty() {
        if errors.is_empty() {
            errors.push(ItemError { index, why: "no recipient".into() });
        }
        return (None, errors);
    }
    (Some(PayloadEvent { index, kind: found.kind, records }), errors)
}

/// A diagnostic written as a DSN's Diagnostic-Code (`smtp; 550 5.1.1 ...`, SES's and
/// Postmark's form) split into its type and text, as a bounce mail's is.
fn split_typed(delivery: &mut Delivery) {
    if let Some((kind, rest)) = delivery.diagnostic.split_once(';') {
        let kind = kind.trim();
        let typed = kind.eq_ignore_ascii_case("smtp")
            || (kind.len() > 2
                && kind[..2].eq_ignore_ascii_case("x-")
                && !kind.contains(char::is_whitespace));
        if typed && delivery.diagnostic_type.is_empty() {
            delivery.diagnostic_type = kind.to_ascii_uppercase();
            delivery.diagnostic = rest.trim().to_owned();
        }
    }
}

// ---- Helpers the providers share -------------------------------------------------------

/// A string field of an object (or at a JSON pointer), cut to [`MAX_FIELD_BYTES`]; empty where
/// it is missing or not a string (a number is written out).
pub(crate) fn text(value: &Value, key: &str) -> String {
    let found = if key.starts_with('/') { value.pointer(key) } else { value.get(key) };
    let mut out = match found {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    crate::decode::delivery::truncate(&mut out, MAX_FIELD_BYTES);
    out
}

/// The first non-empty of several string fields.
pub(crate) fn first_text(value: &Value, keys: &[&str]) -> String {
    keys.iter().map(|k| text(value, k)).find(|t| !t.is_empty()).unwrap_or_default()
}

/// A Message-ID without its angle brackets.
pub(crate) fn message_id(text: &str) -> String {
    text.trim().trim_start_matches('<').trim_end_matches('>').trim().to_owned()
}

/// A date field: Unix seconds (a number, or digits in a string; milliseconds where the number
/// is too large to be seconds) or an RFC 3339 date.
pub(crate) fn date(value: &Value, key: &str) -> Option<mail_parser::DateTime> {
    let found = if key.starts_with('/') { value.pointer(key) } else { value.get(key) };
    let seconds = |n: f64| -> Option<mail_parser::DateTime> {
        if !n.is_finite() || n <= 0.0 {
            return None;
        }
        // Past the year 5000 in seconds: milliseconds.
        let n = if n > 95_617_584_000.0 { n / 1000.0 } else { n };
        (n < 95_617_584_000.0).then(|| mail_parser::DateTime::from_timestamp(n.floor() as i64))
    };
    match found? {
        Value::Number(n) => seconds(n.as_f64()?),
        Value::String(s) => {
            let s = s.trim();
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                seconds(s.parse().ok()?)
            } else {
                crate::logs::parse_rfc3339(s)
            }
        }
        _ => None,
    }
}

/// The first of several date fields that is there.
pub(crate) fn first_date(value: &Value, keys: &[&str]) -> Option<mail_parser::DateTime> {
    keys.iter().find_map(|k| date(value, k))
}

/// The addresses of a field that is one address, a comma-separated list, or an array of
/// either (strings, or objects with `email`/`emailAddress`/`address`).
pub(crate) fn addresses(value: Option<&Value>) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |s: &str| {
        for part in s.split(',') {
            let part = part.trim();
            if !part.is_empty() {
                let mut part = part.to_owned();
                crate::decode::delivery::truncate(&mut part, MAX_FIELD_BYTES);
                out.push(part);
            }
        }
    };
    match value {
        Some(Value::String(s)) => push(s),
        Some(Value::Array(items)) => {
            for item in items {
                match item {
                    Value::String(s) => push(s),
                    Value::Object(_) => {
                        push(&first_text(item, &["email", "emailAddress", "address"]))
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    out
}

/// A delivery of one recipient with its action and diagnostic.
pub(crate) fn delivery(recipient: &str, action: &str, diagnostic: &str) -> Delivery {
    Delivery {
        recipient: recipient.to_owned(),
        action: action.to_owned(),
        diagnostic: diagnostic.to_owned(),
        ..Delivery::default()
    }
}

/// Keeps at most [`MAX_RECIPIENTS`] deliveries in `found`, counting the rest.
pub(crate) fn cap_recipients(found: &mut Found) {
    if found.deliveries.len() > MAX_RECIPIENTS {
        found.dropped = found.deliveries.len() - MAX_RECIPIENTS;
        found.deliveries.truncate(MAX_RECIPIENTS);
    }
}

/// The type field of an event, or a shape problem naming it.
pub(crate) fn required<'v>(value: &'v Value, key: &str) -> Result<&'v str, Problem> {
    if !value.is_object() {
        return Err(Problem::Shape("an event that is not a JSON object".into()));
    }
    value
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| Problem::Shape(format!("no {key:?} field")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_names_round_trip() {
        for provider in Provider::ALL {
            assert_eq!(provider.name().parse::<Provider>().unwrap(), *provider);
            assert_eq!(provider.to_string(), provider.name());
        }
        assert!("sendgridx".parse::<Provider>().is_err());
    }

    #[test]
    fn positions_are_one_based() {
        assert_eq!(position(b""), (1, 1));
        assert_eq!(position(b"ab"), (1, 3));
        assert_eq!(position(b"ab\ncd"), (2, 3));
    }

    #[test]
    fn dates_read_seconds_milliseconds_and_rfc3339() {
        let v = serde_json::json!({"a": 1_796_622_600, "b": "1796622600", "c": 1_796_622_600_123u64,
            "d": "2026-12-07T05:50:00.123Z", "e": 1_796_622_600.75, "f": -3, "g": "soon"});
        for key in ["a", "b", "c", "d", "e"] {
            assert_eq!(date(&v, key).map(|d| d.to_timestamp()), Some(1_796_622_600), "{key}");
        }
        assert_eq!(date(&v, "f"), None);
        assert_eq!(date(&v, "g"), None);
        assert_eq!(date(&v, "h"), None);
    }
}

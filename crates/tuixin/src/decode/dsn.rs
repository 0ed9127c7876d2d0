//! The fields of an RFC 3464 delivery-status body (and RFC 6533's global variant).
//!
//! mail-parser hands `message/delivery-status` over as bytes: split it into groups on blank
//! lines, unfold continuation lines, and read `Name: value` pairs. The first group holds the
//! per-message fields; each group with a recipient field is one recipient.

use std::borrow::Cow;

/// One group of fields, in order, as the text writes them (names are matched in any case).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Fields<'t> {
    fields: Vec<(&'t str, Cow<'t, str>)>,
}

impl<'t> Fields<'t> {
    /// The first value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
            .filter(|v| !v.is_empty())
    }

    /// Every value of a field, in order.
    pub fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.fields
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    /// The value after the type prefix: `rfc822; user@example.com` gives `user@example.com`.
    pub fn typed(&self, name: &str) -> Option<&str> {
        self.get(name).map(|v| typed_value(v).1).filter(|v| !v.is_empty())
    }

    fn has_recipient(&self) -> bool {
        self.get("final-recipient").is_some() || self.get("original-recipient").is_some()
    }

    fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// `type; value` split in two; a value without a type gives an empty type.
pub(crate) fn typed_value(value: &str) -> (&str, &str) {
    match value.split_once(';') {
        Some((kind, rest)) if is_type_token(kind.trim()) => (kind.trim(), rest.trim()),
        _ => ("", value.trim()),
    }
}

/// An address or diagnostic type: one short token such as `rfc822`, `smtp` or `X-Postfix`.
fn is_type_token(kind: &str) -> bool {
    !kind.is_empty()
        && kind.len() <= 32
        && !kind.contains(char::is_whitespace)
        && !kind.contains('@')
}

/// A parsed delivery-status body.
#[derive(Debug, Clone, Default)]
pub(crate) struct DeliveryStatus<'t> {
    /// Reporting-MTA, Arrival-Date and the other per-message fields.
    pub message: Fields<'t>,
    /// One group per recipient.
    pub recipients: Vec<Fields<'t>>,
}

/// A delivery-status body as text: invalid UTF-8 replaced, raw ISO-2022-JP decoded.
pub(crate) fn text(body: &[u8]) -> Cow<'_, str> {
    super::mail::decode_unlabelled(super::mail::lossy(body))
}

/// Parses a delivery-status body's text (see [`text`]).
pub(crate) fn parse<'t>(text: &'t str) -> DeliveryStatus<'t> {
    type Field<'t> = (&'t str, Cow<'t, str>);
    let mut groups: Vec<Fields<'t>> = Vec::new();
    let mut current = Fields::default();
    let mut last: Option<Field<'t>> = None;

    let finish_field = |current: &mut Fields<'t>, last: &mut Option<Field<'t>>| {
        if let Some(field) = last.take() {
            current.fields.push(field);
        }
    };

    for raw in text.split('\n') {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            finish_field(&mut current, &mut last);
            if !current.is_empty() {
                groups.push(std::mem::take(&mut current));
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = last.as_mut() {
                let value = value.to_mut();
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        finish_field(&mut current, &mut last);
        if let Some((name, value)) = line.split_once(':') {
            let name = name.trim();
            if !name.is_empty() && !name.contains(' ') {
                // A second recipient field in one group starts the next recipient.
                if is_recipient_field(name)
                    && current.has_recipient()
                    && current.fields.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
                {
                    groups.push(std::mem::take(&mut current));
                }
                last = Some((name, Cow::Borrowed(value.trim())));
            }
        }
    }
    finish_field(&mut current, &mut last);
    if !current.is_empty() {
        groups.push(current);
    }

    let mut status = DeliveryStatus::default();
    for group in groups {
        if group.has_recipient() {
            status.recipients.push(group);
        } else if status.recipients.is_empty() {
            status.message.fields.extend(group.fields);
        }
    }
    status
}

fn is_recipient_field(name: &str) -> bool {
    name.eq_ignore_ascii_case("final-recipient") || name.eq_ignore_ascii_case("original-recipient")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_message_and_recipient_groups_with_folding() {
        let body = b"Reporting-MTA: dns; mx.example.org\r\nArrival-Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nFinal-Recipient: rfc822; a@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 <a@example.com>:\r\n    Recipient address rejected\r\n\r\nFinal-Recipient: rfc822; b@example.com\r\nAction: delayed\r\nStatus: 4.4.1\r\n";
        let text = text(body);
        let dsn = parse(&text);
        assert_eq!(dsn.message.typed("reporting-mta"), Some("mx.example.org"));
        assert_eq!(dsn.recipients.len(), 2);
        assert_eq!(dsn.recipients[0].typed("final-recipient"), Some("a@example.com"));
        assert_eq!(
            dsn.recipients[0].typed("diagnostic-code"),
            Some("550 5.1.1 <a@example.com>: Recipient address rejected")
        );
        assert_eq!(dsn.recipients[1].get("action"), Some("delayed"));
    }

    #[test]
    fn action_before_recipient_fields_stays_in_one_group() {
        let body = b"Action: failed\nFinal-Recipient: rfc822; a@example.com\nOriginal-Recipient: rfc822; a@example.com\nStatus: 5.1.1\n";
        let text = text(body);
        let dsn = parse(&text);
        assert_eq!(dsn.recipients.len(), 1);
        assert_eq!(dsn.recipients[0].get("status"), Some("5.1.1"));
    }

    #[test]
    fn splits_recipients_written_without_blank_lines() {
        let body = b"Final-Recipient: rfc822; a@example.com\nAction: failed\nStatus: 5.0.0\nFinal-Recipient: rfc822; b@example.com\nAction: failed\nStatus: 5.0.0\n";
        let text = text(body);
        let dsn = parse(&text);
        assert_eq!(dsn.recipients.len(), 2);
        assert_eq!(dsn.recipients[1].typed("final-recipient"), Some("b@example.com"));
    }
}

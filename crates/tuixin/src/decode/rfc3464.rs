//! Standard delivery status notifications: RFC 3464 `message/delivery-status` inside an
//! RFC 6522 `multipart/report`, and RFC 6533's `message/global-delivery-status`.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use mail_parser::DateTime;

use super::address;
use super::delivery::{Delivery, Report, command_in, session_command, transcript_command};
use super::dsn::{self, typed_value};
use super::freetext::TextIndex;
use super::mail::Mail;
use super::original::Original;

/// Records from every delivery-status part of the bounce; `None` when it has none.
/// `text` is the bounce's human-readable text, `region` its part before the returned message.
pub(crate) fn decode(
    mail: &Mail<'_>,
    text: &str,
    region: &str,
    original: &mut Original,
) -> Option<Report> {
    let index = std::cell::OnceCell::new();
    let index = || index.get_or_init(|| TextIndex::new(region));
    let mut reports = mail.delivery_reports();
    if reports.is_empty() {
        // Some MTAs (and broken MIME) leave the delivery-status fields in the text itself.
        reports.extend(fields_in_text(text).map(str::as_bytes));
    }
    if reports.is_empty() {
        return None;
    }
    // A text that names no SMTP command anywhere names none for any recipient.
    let text_names_commands = std::cell::OnceCell::new();
    let text_names_commands =
        || *text_names_commands.get_or_init(|| !command_in(region).is_empty());
    let mut deliveries: Vec<Delivery> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for body in reports {
        let fields = dsn::text(body);
        let status = dsn::parse(&fields);
        let lhost = status.message.typed("reporting-mta").unwrap_or_default().to_ascii_lowercase();
        let message_date = status.message.get("arrival-date").and_then(DateTime::parse_rfc822);
        if original.addresser.is_empty()
            && let Some(sender) = status.message.typed("x-postfix-sender")
        {
            // Postfix names the envelope sender even when it returns no part of the message.
            original.addresser = address::clean(sender);
        }
        let single = status.recipients.len() == 1;
        for fields in &status.recipients {
            let final_rcpt =
                fields.typed("final-recipient").map(address::clean).unwrap_or_default();
            let original_rcpt =
                fields.typed("original-recipient").map(address::clean).unwrap_or_default();
            let recipient = if final_rcpt.is_empty() { original_rcpt.clone() } else { final_rcpt };
            if recipient.is_empty() {
                continue;
            }
            let (kind, diagnostic) =
                fields.get("diagnostic-code").map(typed_value).unwrap_or(("", ""));
            let mut delivery = Delivery {
                alias: if original_rcpt
                    .replace('"', "")
                    .eq_ignore_ascii_case(&recipient.replace('"', ""))
                {
                    String::new()
                } else {
                    original_rcpt
                },
                action: action(fields.get("action").unwrap_or("")),
                status: fields.get("status").unwrap_or("").to_owned(),
                diagnostic: diagnostic.to_owned(),
                diagnostic_type: kind.to_ascii_uppercase(),
                rhost: fields.typed("remote-mta").unwrap_or_default().to_ascii_lowercase(),
                lhost: lhost.clone(),
                date: fields
                    .get("last-attempt-date")
                    .and_then(DateTime::parse_rfc822)
                    .or(message_date),
                recipient,
                ..Delivery::default()
            };
            if delivery.command.is_empty()
                && command_in(&delivery.diagnostic).is_empty()
                && text_names_commands()
            {
                // Sendmail's transcript in the text says which command failed (`>>> DATA`). A
                // report with one recipient is about it whatever address the text shows; with
                // several, each recipient's own lines say, and a session that failed at DATA
                // failed for every recipient still in it.
                let command = if single {
                    transcript_command(region)
                } else {
                    match transcript_command(&index().block_for(&delivery.recipient)) {
                        "" if session_command(region) == "DATA" => "DATA",
                        command => command,
                    }
                };
                delivery.command = command.to_owned();
            }
            if delivery.diagnostic.trim().is_empty()
                && let Some(comment) = status_comment(&delivery.status)
            {
                // `Status: 4.0.0 (cat.example.net: host name lookup failure)`, RFC 3464's own
                // example: the comment is the explanation.
                delivery.diagnostic = comment.to_owned();
            }
            if delivery.diagnostic.trim().is_empty() {
                // Some MTAs leave Diagnostic-Code out and explain in the human-readable part.
                delivery.diagnostic = index().text_for(&delivery.recipient);
            } else if !has_reply_code(&delivery.diagnostic) {
                // `X-Unix; 77` is a local program's exit status; the human-readable part
                // usually quotes the SMTP reply that went with it.
                let told = index().text_for(&delivery.recipient);
                if has_reply_code(&told) {
                    delivery.diagnostic = format!("{} {told}", delivery.diagnostic);
                }
            }
            if !delivery.alias.is_empty() {
                // Original-Recipient is the address the sender used (RFC 3464 2.3.1); the
                // final one is what it was rewritten or forwarded to.
                std::mem::swap(&mut delivery.recipient, &mut delivery.alias);
            }
            // One key per delivered-to address: two addresses an alias expanded to are two
            // failures, even though both are reported for the address the sender used.
            let key = format!("{}\0{}", delivery.recipient, delivery.alias).to_ascii_lowercase();
            match seen.entry(key) {
                // The same recipient's block again (some MTAs repeat it per attempt or per
                // report part): one record, with the fullest diagnostic.
                Entry::Occupied(at) => {
                    let kept: &mut Delivery = &mut deliveries[*at.get()];
                    if kept.diagnostic.trim().is_empty() {
                        *kept = delivery;
                    }
                }
                Entry::Vacant(slot) => {
                    slot.insert(deliveries.len());
                    deliveries.push(delivery);
                }
            }
        }
    }
    (!deliveries.is_empty()).then_some(Report { decoded_by: "RFC3464", deliveries })
}

/// The Action field as one of RFC 3464's five values; MTAs' variants (`deliverable` from
/// address verification, `expired` for a message given up) mapped to the one they mean.
fn action(value: &str) -> String {
    let word = value.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
    match word.as_str() {
        "deliverable" => "delivered".to_owned(),
        // Words some MTAs write for a failure (`failure`, `error`) or a delay.
        "expired" | "failure" | "error" | "fail" | "bounced" => "failed".to_owned(),
        "delay" | "deferred" => "delayed".to_owned(),
        _ => word,
    }
}

/// The comment after the code in a Status field, without its parentheses.
fn status_comment(status: &str) -> Option<&str> {
    let (_, rest) = status.trim().split_once(char::is_whitespace)?;
    let comment = rest.trim().trim_start_matches('(').trim_end_matches(')').trim();
    (!comment.is_empty()).then_some(comment)
}

/// Whether a text carries a 4xx/5xx reply code.
fn has_reply_code(text: &str) -> bool {
    crate::code::find_codes(text)
        .iter()
        .any(|f| matches!(f.code, crate::code::Code::Reply(r) if r.first_digit() >= 4))
}

/// The delivery-status fields written into a plain-text body, from `Reporting-MTA:` (or the
/// first recipient field) on.
fn fields_in_text(text: &str) -> Option<&str> {
    const NAMES: [&[u8]; 3] = [b"final-recipient:", b"original-recipient:", b"reporting-mta:"];
    // Where each name first opens a line (and something follows it), in one pass over the lines.
    let mut first = [None::<usize>; 3];
    let bytes = text.as_bytes();
    let line_starts = std::iter::once(0).chain(memchr::memchr_iter(b'\n', bytes).map(|n| n + 1));
    for start in line_starts {
        let line = &bytes[start..];
        for (name, slot) in NAMES.iter().zip(&mut first) {
            if slot.is_none()
                && line.len() > name.len()
                && line[..name.len()].eq_ignore_ascii_case(name)
            {
                *slot = Some(start);
            }
        }
        if first[0].is_some() && first[2].is_some() {
            break;
        }
    }
    let [final_rcpt, original_rcpt, reporting] = first;
    let recipient = final_rcpt.or(original_rcpt)?;
    let start = reporting.filter(|&s| s < recipient).unwrap_or(recipient);
    Some(&text[start..])
}

#[cfg(test)]
mod tests {
    use crate::decode::decode;

    #[test]
    fn a_status_comment_explains_when_there_is_no_diagnostic_code() {
        let mail = "From: MAILER-DAEMON@mx.example.net\nTo: a@example.jp\nSubject: Delivery delayed\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\nContent-Type: text/plain\n\nStill trying.\n\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; b@cat.example.net\nAction: delayed\nStatus: 4.0.0 (cat.example.net: host name lookup failure)\n\n--b--\n";
        let records = decode(mail.as_bytes()).unwrap();
        assert_eq!(records[0].diagnosticcode, "cat.example.net: host name lookup failure");
        assert_eq!(records[0].deliverystatus, "4.0.0");
        assert_eq!(records[0].reason, crate::Reason::NetworkError);
    }
}

//! KumoMTA's log: one JSON object a line, as its "Log Record" reference describes.
//!
//! `type` says what happened: `Delivery` (delivered), `Bounce` (a permanent failure),
//! `TransientFailure` (delayed), `Expiration` (the queue gave up), `AdminBounce` (an
//! administrator failed the message), `OOB` (an out-of-band bounce parsed into a record per
//! recipient) and `Feedback` (an ARF report, in `feedback_report`). `Reception`, `Rejection`
//! (KumoMTA's own answer to incoming SMTP) and `Delay` are no delivery result. The server's
//! reply is `response{code, enhanced_code{class, subject, detail}, content, command}`, the
//! host `peer_address{name, addr}`, the time `timestamp` (Unix seconds).

use serde::Deserialize;
use serde_json::Value;

use super::{Format, Found, parse_rfc3339};
use crate::decode::address;
use crate::decode::delivery::Delivery;
use crate::decode::original::Original;
use crate::reason::Reason;

/// The fields of a log record that are read.
#[derive(Debug, Deserialize)]
struct LogRecord {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    sender: Option<String>,
    #[serde(default)]
    recipient: Option<Value>,
    #[serde(default)]
    response: Option<Response>,
    #[serde(default)]
    peer_address: Option<Peer>,
    #[serde(default)]
    timestamp: Option<Value>,
    #[serde(default)]
    feedback_report: Option<Value>,
    #[serde(default)]
    headers: Option<serde_json::Map<String, Value>>,
}

/// A server's reply as KumoMTA parses it.
#[derive(Debug, Default, Deserialize)]
struct Response {
    #[serde(default)]
    code: Option<u16>,
    #[serde(default)]
    enhanced_code: Option<Enhanced>,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    command: Option<String>,
}

/// An enhanced status code in its three parts.
#[derive(Debug, Deserialize)]
struct Enhanced {
    class: u8,
    subject: u16,
    detail: u16,
}

/// The host at the other end.
#[derive(Debug, Deserialize)]
struct Peer {
    #[serde(default)]
    name: Option<String>,
}

/// The KumoMTA reader (it keeps no state between lines).
#[derive(Debug, Default)]
pub(crate) struct KumoMta;

/// The SMTP command of KumoMTA's `command` (`RCPT TO`, `MAIL FROM`, `.` for the end of data).
fn command_of(command: &str) -> &'static str {
    let word = command.split([' ', ':']).next().unwrap_or("").to_ascii_uppercase();
    match word.as_str() {
        "RCPT" => "RCPT",
        "MAIL" => "MAIL",
        "." | "DATA" | "BDAT" => "DATA",
        "EHLO" => "EHLO",
        "HELO" => "HELO",
        _ => "",
    }
}

/// A JSON string's text, or empty.
fn text(value: Option<&Value>) -> &str {
    value.and_then(Value::as_str).unwrap_or("")
}

impl Format for KumoMta {
    fn feed(&mut self, line_no: usize, line: &str, out: &mut Vec<Found>) -> Result<(), String> {
        let line = line.trim();
        if !line.starts_with('{') {
            return Ok(());
        }
        let record: LogRecord =
            serde_json::from_str(line).map_err(|e| format!("not a KumoMTA log record: {e}"))?;
        let (action, reason) = match record.kind.as_str() {
            "Delivery" => ("delivered", None),
            "Bounce" | "AdminBounce" => ("failed", None),
            "TransientFailure" => ("delayed", None),
            "Expiration" => ("failed", Some(Reason::Expired)),
            // The reply's code tells a final bounce from a delay.
            "OOB" => ("", None),
            "Feedback" => ("", Some(Reason::Feedback)),
            "Reception" | "Rejection" | "Delay" => return Ok(()),
            other => return Err(format!("unknown record type {other:?}")),
        };
        let recipients: Vec<String> = match &record.recipient {
            Some(Value::String(one)) => vec![one.clone()],
            Some(Value::Array(many)) => {
                many.iter().filter_map(Value::as_str).map(str::to_owned).collect()
            }
            _ => Vec::new(),
        };
        if recipients.is_empty() && reason != Some(Reason::Feedback) {
            return Err("no recipient".into());
        }
        let response = record.response.unwrap_or_default();
        let mut diagnostic = String::new();
        if let Some(code) = response.code {
            diagnostic.push_str(&code.to_string());
        }
        if let Some(e) = &response.enhanced_code {
            if !diagnostic.is_empty() {
                diagnostic.push(' ');
            }
            diagnostic.push_str(&format!("{}.{}.{}", e.class, e.subject, e.detail));
        }
        if let Some(content) = response.content.as_deref().filter(|c| !c.is_empty()) {
            if !diagnostic.is_empty() {
                diagnostic.push(' ');
            }
            diagnostic.push_str(content);
        }
        let date = match &record.timestamp {
            Some(Value::Number(n)) => n.as_i64().map(mail_parser::DateTime::from_timestamp),
            Some(Value::String(s)) => parse_rfc3339(s),
            _ => None,
        };
        let rhost = record
            .peer_address
            .and_then(|p| p.name)
            .map(|n| n.trim_end_matches('.').to_ascii_lowercase())
            .unwrap_or_default();
        let mut original = Original {
            addresser: address::clean(record.sender.as_deref().unwrap_or("")),
            ..Original::default()
        };
        for (name, value) in record.headers.iter().flatten() {
            if name.eq_ignore_ascii_case("message-id") {
                original.message_id = text(Some(value)).trim_matches(['<', '>', ' ']).to_owned();
            } else if name.eq_ignore_ascii_case("subject") {
                original.subject = text(Some(value)).to_owned();
            }
        }
        let mut feedback_type = String::new();
        let mut recipients = recipients;
        if let Some(report) = &record.feedback_report {
            feedback_type = text(report.get("feedback_type")).to_owned();
            // The record's own recipient is the mailbox the report came to; the complaint is
            // about the original message's recipient, which the report names.
            let reported: Vec<String> = report
                .get("original_rcpto_to")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .chain(report.pointer("/supplemental_trace/recipient").and_then(Value::as_str))
                .map(address::clean)
                .filter(|a| !a.is_empty())
                .collect();
            if !reported.is_empty() {
                recipients = reported;
                recipients.dedup();
            }
            if recipients.is_empty() {
                recipients.push(String::new());
            }
        }
        for recipient in recipients {
            let delivery = Delivery {
                recipient,
                action: action.to_owned(),
                command: command_of(response.command.as_deref().unwrap_or("")).to_owned(),
                diagnostic: diagnostic.clone(),
                diagnostic_type: if diagnostic.is_empty() { "" } else { "SMTP" }.to_owned(),
                rhost: rhost.clone(),
                feedback_type: feedback_type.clone(),
                date,
                reason,
                ..Delivery::default()
            };
            out.push(Found { line: line_no, delivery, original: original.clone() });
        }
        Ok(())
    }

    fn finish(&mut self, _out: &mut Vec<Found>) {}
}

#[cfg(test)]
mod tests {
    use crate::logs::{LogFormat, read_log};
    use crate::reason::Reason;

    #[test]
    fn each_delivery_record_is_a_record() {
        // Records in the shape of KumoMTA's "Log Record" reference.
        let log = r#"{"type":"Reception","id":"a1","sender":"news@example.net","recipient":"alice@example.org","queue":"example.org","site":"","size":1840,"response":{"code":250,"enhanced_code":null,"content":"","command":null},"timestamp":1796622600}
{"type":"Delivery","id":"a1","sender":"news@example.net","recipient":"alice@example.org","queue":"example.org","site":"mx.example.org","size":1840,"response":{"code":250,"enhanced_code":{"class":2,"subject":0,"detail":0},"content":"OK queued as 9F8E7D6C","command":"."},"peer_address":{"name":"mx.example.org.","addr":"192.0.2.10"},"timestamp":1796622602,"headers":{"Message-ID":"<20261207.abc@example.net>"}}
{"type":"Bounce","id":"a2","sender":"news@example.net","recipient":"bob@example.org","queue":"example.org","site":"mx.example.org","size":1840,"response":{"code":550,"enhanced_code":{"class":5,"subject":1,"detail":1},"content":"<bob@example.org>: Recipient address rejected: User unknown in virtual mailbox table","command":"RCPT TO"},"peer_address":{"name":"mx.example.org.","addr":"192.0.2.10"},"timestamp":1796622603,"bounce_classification":"InvalidRecipient"}
{"type":"TransientFailure","id":"a3","sender":"news@example.net","recipient":"carol@example.com","response":{"code":452,"enhanced_code":{"class":4,"subject":2,"detail":2},"content":"Mailbox full","command":"RCPT TO"},"timestamp":1796622604}
{"type":"Expiration","id":"a3","sender":"news@example.net","recipient":"carol@example.com","response":{"code":551,"enhanced_code":{"class":5,"subject":4,"detail":7},"content":"Next delivery time would be at 2026-12-12 exceeds expiry time","command":null},"timestamp":1796622605}
{"type":"Feedback","id":"a4","sender":"fbl@example.org","recipient":"fbl@example.net","feedback_report":{"feedback_type":"abuse","original_rcpto_to":["<dan@example.org>"]},"timestamp":1796622606}
{"type":"Bounce","id":"a5","sender":"news@example.net","recipient":"eve@example.org","response":{"code":550
not json at all
"#;
        let (records, errors) = read_log(LogFormat::KumoMta, log.as_bytes());
        let got: Vec<_> = records
            .iter()
            .map(|r| (r.message, r.recipient.as_str(), r.action.as_str(), r.reason, r.hardbounce))
            .collect();
        assert_eq!(
            got,
            [
                (2, "alice@example.org", "delivered", Reason::Delivered, false),
                (3, "bob@example.org", "failed", Reason::UserUnknown, true),
                (4, "carol@example.com", "delayed", Reason::MailboxFull, false),
                (5, "carol@example.com", "failed", Reason::Expired, false),
                (6, "dan@example.org", "", Reason::Feedback, false),
            ]
        );
        let bob = &records[1];
        assert_eq!((bob.replycode.as_str(), bob.deliverystatus.as_str()), ("550", "5.1.1"));
        assert_eq!((bob.command.as_str(), bob.rhost.as_str()), ("RCPT", "mx.example.org"));
        assert_eq!(bob.timestamp, 1_796_622_603);
        assert_eq!(records[0].messageid, "20261207.abc@example.net");
        assert_eq!(records[4].feedbacktype, "abuse");
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [7]);
    }
}

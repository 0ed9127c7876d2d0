//! A received message made into the store's input: decoded into records, with the VERP
//! address standing for the bounced recipient where the bounce names none.

use tuixin::{Classifier, Decoder, Reason, Record};
use tuixin_store::{FailedInput, Input};

/// Lines of a message's text looked at for a diagnostic when the bounce names no recipient.
const MAX_LINES: usize = 200;

/// Bytes of a diagnostic line kept at most.
const MAX_DIAGNOSTIC: usize = 1000;

/// What the envelope tells about a message.
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a> {
    /// The bounced address a VERP recipient carries, when exactly one does.
    pub verp: Option<&'a str>,
    /// True when the message came with the null sender (`MAIL FROM:<>`), as every bounce does.
    pub null_sender: bool,
}

/// Decodes one received message into the store's input. A bounce that names its recipients
/// keeps them; where it names none, the VERP address is the recipient (for a record without
/// one, or, for a null-sender message that decodes to no record but carries a status line,
/// one record built from that line). Mail that gives no record is kept as raw and reported
/// (not a bounce, or unreadable) for the source's ingestion health.
pub fn prepare(
    raw: Vec<u8>,
    envelope: &Envelope<'_>,
    source: String,
    origin: String,
    now: i64,
) -> (Input, Option<FailedInput>) {
    let decoder = Decoder::new(Classifier::builtin());
    let (records, why) = match decoder.decode(&raw) {
        Ok(mut records) => {
            if let Some(verp) = envelope.verp {
                for record in records.iter_mut().filter(|r| r.recipient.trim().is_empty()) {
                    record.recipient = verp.to_owned();
                    record.destination = domain_of(verp);
                }
                if records.is_empty()
                    && envelope.null_sender
                    && let Some(record) = from_status_line(&decoder, &raw, verp)
                {
                    records.push(record);
                }
            }
            let why = records
                .is_empty()
                .then(|| "not a bounce: the message names no failed recipient".to_owned());
            (records, why)
        }
        Err(e) => (Vec::new(), Some(e.to_string())),
    };
    let failed = why.map(|error| FailedInput {
        source: source.clone(),
        origin: origin.clone(),
        received_at: now,
        error,
    });
    let mut input = Input { raw, records, source, origin, received_at: now, packed: None };
    input.pack();
    (input, failed)
}

fn domain_of(address: &str) -> String {
    address.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()).unwrap_or_default()
}

/// One record for `recipient` from the first line of the message's text that carries a 4xx or
/// 5xx status: a bounce sent to a VERP address that does not say whom it is about.
fn from_status_line(decoder: &Decoder<'_>, raw: &[u8], recipient: &str) -> Option<Record> {
    let message = mail_parser::MessageParser::default().parse(raw)?;
    let text = message.body_text(0)?;
    let (line, diagnosis) =
        text.lines().take(MAX_LINES).map(str::trim).filter(|line| !line.is_empty()).find_map(
            |line| {
                let diagnosis = decoder.diagnose(line, None);
                diagnosis.permanent.is_some().then_some((line, diagnosis))
            },
        )?;
    let permanent = diagnosis.permanent.unwrap_or(true);
    let reason: Reason = diagnosis.verdict.reason;
    let diagnostic = super::session::bounded(line, MAX_DIAGNOSTIC);
    let timestamp = message.date().map_or(0, mail_parser::DateTime::to_timestamp);
    let sender = message
        .to()
        .and_then(|to| to.first())
        .and_then(|a| a.address())
        .unwrap_or_default()
        .to_owned();
    Some(Record {
        origin: String::new(),
        message: 1,
        recipient: recipient.to_owned(),
        senderdomain: domain_of(&sender),
        addresser: sender,
        destination: domain_of(recipient),
        alias: String::new(),
        action: if permanent { "failed" } else { "delayed" }.to_owned(),
        deliverystatus: diagnosis.status,
        replycode: diagnosis.reply,
        command: diagnosis.command,
        diagnosticcode: diagnostic,
        diagnostictype: "SMTP".to_owned(),
        rhost: diagnosis.rhost,
        lhost: String::new(),
        feedbacktype: String::new(),
        messageid: String::new(),
        subject: message.subject().unwrap_or_default().to_owned(),
        listid: String::new(),
        timestamp,
        timezoneoffset: String::new(),
        decodedby: "VERP".to_owned(),
        token: String::new(),
        hardbounce: reason.is_hard(permanent),
        category: reason.category(),
        reason,
        rule: diagnosis.verdict.rule,
        rulekind: diagnosis.verdict.kind,
        evidence: diagnosis.verdict.evidence,
        headers: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_RECIPIENT: &str = "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\r\n\
        To: bounces+dora.lin=example.org@bounce.example.com\r\n\
        Subject: Undeliverable: Spring newsletter\r\n\
        Date: Mon, 07 Dec 2026 10:00:00 +0000\r\n\
        Message-Id: <nd-1@mx.example.net>\r\n\
        \r\n\
        Delivery has failed to these recipients or groups.\r\n\
        \r\n\
        Remote server returned: 550 5.1.1 User unknown; mailbox does not exist\r\n";

    fn prepared(raw: &str, envelope: Envelope<'_>) -> (Input, Option<FailedInput>) {
        prepare(raw.as_bytes().to_vec(), &envelope, "smtp".into(), "test".into(), 1)
    }

    #[test]
    fn a_bounce_naming_no_recipient_is_about_the_verp_address() {
        let envelope = Envelope { verp: Some("dora.lin@example.org"), null_sender: true };
        let (input, failed) = prepared(NO_RECIPIENT, envelope);
        assert!(failed.is_none());
        assert_eq!(input.records.len(), 1);
        let r = &input.records[0];
        assert_eq!(r.recipient, "dora.lin@example.org");
        assert_eq!(r.deliverystatus, "5.1.1");
        assert_eq!(r.reason, Reason::UserUnknown);
        assert!(r.hardbounce);
    }

    #[test]
    fn without_verp_or_from_a_real_sender_it_stays_no_bounce() {
        let (input, failed) = prepared(NO_RECIPIENT, Envelope { verp: None, null_sender: true });
        assert!(input.records.is_empty());
        assert!(failed.unwrap().error.starts_with("not a bounce"));
        // A person's reply quoting a status line is no bounce.
        let envelope = Envelope { verp: Some("dora.lin@example.org"), null_sender: false };
        assert!(prepared(NO_RECIPIENT, envelope).0.records.is_empty());
    }

    #[test]
    fn a_bounce_naming_its_recipients_keeps_them() {
        let raw = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/postfix-dsn.eml"
        ))
        .unwrap();
        let envelope = Envelope { verp: Some("someone.else@example.org"), null_sender: true };
        let (input, _) = prepared(&raw, envelope);
        let recipients: Vec<&str> = input.records.iter().map(|r| r.recipient.as_str()).collect();
        assert!(recipients.contains(&"alice.example@mail.example.org"), "{recipients:?}");
        assert!(!recipients.contains(&"someone.else@example.org"));
    }

    #[test]
    fn unreadable_mail_is_kept_and_reported() {
        let (input, failed) = prepared("\r\n\r\n", Envelope { verp: None, null_sender: true });
        assert!(input.records.is_empty());
        assert_eq!(input.raw, b"\r\n\r\n");
        assert!(failed.is_some());
    }
}

//! Webhook payload reading: events per second over a generated SendGrid array of 100,000 events
//! (the mix of a bulk sender's webhook: mostly deliveries and opens, some bounces, deferrals and
//! drops) and 20,000 SES notifications in SNS envelopes, one a line, one thread. Prints the
//! median of several passes. Run with `cargo bench -p tuixin --bench esp`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use tuixin::esp::{Provider, read_payload};

/// A deterministic generator (xorshift), so that every run reads the same payloads.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// A SendGrid array of `n` events.
fn sendgrid(rng: &mut Rng, n: usize) -> String {
    let mut out = String::from("[");
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        let domain = ["example.org", "example.com", "example.edu", "example.co.jp"][i % 4];
        let head = format!(
            r#""email":"user{i}@{domain}","timestamp":{},"smtp-id":"<{i}.campaign@example.net>","sg_event_id":"ev{i}","sg_message_id":"m{i}.filter""#,
            1_796_622_600 + i
        );
        let roll = rng.next() % 100;
        let event = if roll < 55 {
            format!(r#"{{{head},"event":"delivered","response":"250 2.0.0 OK queued as {i}"}}"#)
        } else if roll < 80 {
            format!(r#"{{{head},"event":"open","useragent":"Mozilla/5.0","ip":"192.0.2.1"}}"#)
        } else if roll < 90 {
            format!(
                r#"{{{head},"event":"bounce","type":"bounce","status":"5.1.1","reason":"550 5.1.1 <user{i}@{domain}>: Recipient address rejected: User unknown in virtual mailbox table"}}"#
            )
        } else if roll < 95 {
            format!(
                r#"{{{head},"event":"deferred","response":"452 4.2.2 Mailbox full","attempt":"1"}}"#
            )
        } else {
            format!(r#"{{{head},"event":"dropped","reason":"Bounced Address"}}"#)
        };
        out.push_str(&event);
    }
    out.push(']');
    out
}

/// `n` SES bounce and delivery notifications in SNS envelopes, one a line.
fn ses(n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        let message = if i % 4 == 0 {
            format!(
                r#"{{"notificationType":"Bounce","bounce":{{"bounceType":"Permanent","bounceSubType":"General","bouncedRecipients":[{{"emailAddress":"user{i}@example.org","action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}}],"timestamp":"2026-12-07T05:50:00.000Z","reportingMTA":"dsn; a8-1.smtp-out.amazonses.com"}},"mail":{{"source":"news@example.net","messageId":"0100-{i}","destination":["user{i}@example.org"]}}}}"#
            )
        } else {
            format!(
                r#"{{"notificationType":"Delivery","delivery":{{"timestamp":"2026-12-07T05:50:00.000Z","recipients":["user{i}@example.org"],"smtpResponse":"250 2.0.0 OK"}},"mail":{{"source":"news@example.net","messageId":"0100-{i}"}}}}"#
            )
        };
        let envelope = serde_json::json!({
            "Type": "Notification", "MessageId": format!("sns-{i}"),
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:ses", "Message": message,
            "Timestamp": "2026-12-07T05:50:01.000Z", "SignatureVersion": "1", "Signature": "x",
        });
        out.push_str(&envelope.to_string());
        out.push('\n');
    }
    out
}

/// Reads the payload several times and prints the median rate.
fn measure(name: &str, provider: Provider, payload: &str, events: usize) {
    let pass = || {
        let start = Instant::now();
        let read =
            read_payload(provider, black_box(payload.as_bytes()), tuixin::Classifier::builtin())
                .expect("the generated payload reads");
        let records: usize = read.events.iter().map(|e| e.records.len()).sum();
        (start.elapsed(), records, read.ignored)
    };
    let (_, records, ignored) = pass();
    let mut times: Vec<Duration> = (0..5).map(|_| pass().0).collect();
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "{name}: {events} events ({:.1} MB, {records} records, {ignored} of no interest), median of 5: {:.0} events/s ({:.1} MB/s), best {:.0} events/s",
        payload.len() as f64 / 1e6,
        events as f64 / median.as_secs_f64(),
        payload.len() as f64 / 1e6 / median.as_secs_f64(),
        events as f64 / times[0].as_secs_f64(),
    );
}

fn main() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    measure("sendgrid", Provider::SendGrid, &sendgrid(&mut rng, 100_000), 100_000);
    measure("ses (sns envelopes)", Provider::Ses, &ses(20_000), 20_000);
}

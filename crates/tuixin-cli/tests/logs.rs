//! `tuixin parse --input FORMAT` on MTA logs as a user runs it: records per result line, the
//! format told by content, per-line errors, webhook payloads named or told by their shape.

use std::io::Write;
use std::process::{Command, Output};

use serde_json::Value;

fn tuixin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tuixin"))
        .args(args)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .output()
        .expect("tuixin runs")
}

fn records(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// A Postfix log in the shapes Postfix writes: one delivery, one bounce, noise, one broken
/// result line.
const POSTFIX: &str = "\
Dec  7 05:50:01 mx postfix/smtpd[1]: connect from app.example.net[192.0.2.5]
Dec  7 05:50:01 mx postfix/qmgr[803]: 4A1B2C3D4E: from=<news@example.net>, size=1840, nrcpt=2 (queue active)
Dec  7 05:50:02 mx postfix/smtp[804]: 4A1B2C3D4E: to=<alice@example.org>, relay=mx.example.org[192.0.2.10]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9F8E7D6C)
Dec  7 05:50:02 mx postfix/smtp[804]: 4A1B2C3D4E: to=<bob@example.org>, relay=mx.example.org[192.0.2.10]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.10] said: 550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))
Dec  7 05:50:03 mx postfix/smtp[805]: 4A1B2C3D4F: to=<carol@example.org>, relay=none, delay=1
";

fn postfix_log() -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(POSTFIX.as_bytes()).unwrap();
    file
}

#[test]
fn a_postfix_log_gives_a_record_per_result_line_with_its_line_number() {
    let log = postfix_log();
    let path = log.path().to_str().unwrap();
    for args in [
        vec!["parse", "--input", "postfix", "--format", "jsonl", path],
        vec!["parse", "--format", "jsonl", path],
    ] {
        let out = tuixin(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let r = records(&out);
        assert_eq!(r.len(), 2, "{args:?}");
        assert_eq!(r[0]["action"], "delivered");
        assert_eq!(r[1]["recipient"], "bob@example.org");
        assert_eq!(r[1]["reason"], "userunknown");
        assert_eq!(r[1]["hardbounce"], true);
        assert_eq!(r[1]["message"], 4);
        assert_eq!(r[1]["origin"], path);
        assert_eq!(r[1]["addresser"], "news@example.net");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(":5: looks like a result line (postfix)"), "{stderr}");
        assert!(stderr.contains("1 result line(s) unreadable"), "{stderr}");
    }
}

#[test]
fn csv_output_and_chinese_messages() {
    let log = postfix_log();
    let path = log.path().to_str().unwrap();
    let out = tuixin(&["--lang", "zh", "parse", "--input", "postfix", "--format", "csv", path]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 3);
    assert!(stdout.lines().nth(2).unwrap().contains("bob@example.org"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("看似 postfix 的投递结果行"), "{stderr}");
}

/// An SNS notification of an SES bounce and a delivery, as SES documents them.
fn ses_payload() -> tempfile::NamedTempFile {
    let bounce = r#"{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"General","bouncedRecipients":[{"emailAddress":"bob@example.org","action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown"}],"timestamp":"2026-12-07T05:50:00.000Z","reportingMTA":"dsn; a8-1.smtp-out.amazonses.com"},"mail":{"source":"news@example.net","messageId":"0100-a","destination":["bob@example.org"]}}"#;
    let envelope = serde_json::json!({
        "Type": "Notification", "MessageId": "1", "TopicArn": "arn:aws:sns:us-east-1:123456789012:b",
        "Message": bounce, "SignatureVersion": "1", "Signature": "x", "SigningCertURL": "https://sns.example/c.pem"
    });
    let delivery = r#"{"notificationType":"Delivery","delivery":{"timestamp":"2026-12-07T05:51:00.000Z","recipients":["alice@example.org"],"smtpResponse":"250 2.0.0 OK"},"mail":{"source":"news@example.net","messageId":"0100-b"}}"#;
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "{envelope}").unwrap();
    writeln!(file, "{delivery}").unwrap();
    file
}

#[test]
fn a_webhook_payload_named_or_told_by_shape_gives_its_records() {
    let payload = ses_payload();
    let path = payload.path().to_str().unwrap();
    for input in ["ses", "auto"] {
        let out = tuixin(&["parse", "--input", input, "--format", "jsonl", path]);
        assert!(out.status.success(), "{input}: {}", String::from_utf8_lossy(&out.stderr));
        let got = records(&out);
        assert_eq!(got.len(), 2, "{input}");
        assert_eq!(got[0]["recipient"], "bob@example.org");
        assert_eq!(got[0]["action"], "failed");
        assert_eq!(got[0]["reason"], "userunknown");
        assert_eq!(got[0]["hardbounce"], true);
        assert_eq!(got[0]["decodedby"], "esp.ses");
        assert_eq!(got[0]["message"], 1);
        assert_eq!(got[0]["origin"], path);
        assert_eq!(got[1]["recipient"], "alice@example.org");
        assert_eq!(got[1]["action"], "delivered");
        assert_eq!(got[1]["message"], 2);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("1 payload(s), 2 event(s) with 2 record(s)"), "{stderr}");
    }
    // Read as another provider's, it is not that provider's shape: named, exit status 1.
    let out = tuixin(&["parse", "--input", "sendgrid", path]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a sendgrid payload"));
    let out = tuixin(&["parse", "--input", "nonsense", path]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn json_of_no_provider_and_broken_payloads_are_named_and_the_rest_still_read() {
    let log = postfix_log();
    let mut unknown = tempfile::NamedTempFile::new().unwrap();
    unknown.write_all(br#"[{"event":"bounce","email":"a@example.org"}]"#).unwrap();
    let mut cut = tempfile::NamedTempFile::new().unwrap();
    cut.write_all(b"[{\"email\":\"a@example.org\",\"event\":\"bounce\",\n\"sg_event_id\":\"x")
        .unwrap();
    let out = tuixin(&[
        "parse",
        "--format",
        "jsonl",
        unknown.path().to_str().unwrap(),
        log.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(records(&out).len(), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("matches no webhook provider's shape"), "{stderr}");
    let out = tuixin(&["parse", "--input", "sendgrid", cut.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("truncated JSON") && stderr.contains("line 2"), "{stderr}");
}

#[test]
fn ingesting_a_webhook_payload_suppresses_its_hard_bounce_once() {
    let payload = ses_payload();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("t.db").display());
    assert!(tuixin(&["db", "migrate", "--db", &db]).status.success());
    let path = payload.path().to_str().unwrap();
    let first = tuixin(&["ingest", "--db", &db, "--input", "ses", path]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(String::from_utf8_lossy(&first.stderr).contains("2 new events"));
    // The same payload again (a redelivered webhook) adds nothing.
    let again = tuixin(&["ingest", "--db", &db, path]);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("0 new events, 2 duplicates"), "{stderr}");
    let bob = tuixin(&["check", "--db", &db, "bob@example.org"]);
    assert_eq!(bob.status.code(), Some(1));
    let said = String::from_utf8_lossy(&bob.stdout);
    assert!(said.contains("userunknown") && said.contains("webhook:ses"), "{said}");
    let alice = tuixin(&["check", "--db", &db, "alice@example.org"]);
    assert_eq!(alice.status.code(), Some(0));
}

#[test]
fn ingesting_a_log_suppresses_its_hard_bounces_once() {
    let log = postfix_log();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("t.db").display());
    assert!(tuixin(&["db", "migrate", "--db", &db]).status.success());
    let path = log.path().to_str().unwrap();
    let first = tuixin(&["ingest", "--db", &db, "--input", "postfix", path]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(String::from_utf8_lossy(&first.stderr).contains("2 new events"));
    // The same log again (a rerun after a restart) adds nothing.
    let again = tuixin(&["ingest", "--db", &db, path]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("0 new events, 2 duplicates"));
    let bob = tuixin(&["check", "--db", &db, "bob@example.org"]);
    assert_eq!(bob.status.code(), Some(1));
    let said = String::from_utf8_lossy(&bob.stdout);
    assert!(said.contains("userunknown") && said.contains("log:postfix"), "{said}");
    let alice = tuixin(&["check", "--db", &db, "alice@example.org"]);
    assert_eq!(alice.status.code(), Some(0));
}

#[test]
fn a_log_on_stdin_is_told_by_its_first_lines() {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_tuixin"))
        .args(["parse", "--format", "jsonl"])
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(POSTFIX.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let r = records(&out);
    assert_eq!(r.len(), 2, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(r[1]["origin"], "-");
    assert_eq!(r[1]["message"], 4);
}

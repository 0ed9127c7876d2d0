//! `tuixin ingest imap://...` and `tuixin serve` with `[[imap]]` as a user runs them: the real
//! binary against a real Dovecot of the test's own (see the harness), a SQLite file in a temp
//! dir.

#[path = "../../tuixin-server/tests/dovecot/mod.rs"]
mod dovecot;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dovecot::{Dovecot, PASSWORD, USER};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
const BOUNCES: &[&str] = &["postfix-dsn.eml", "gmail-rejection.eml", "exchange-ndr.eml"];
const NOT_A_BOUNCE: &[u8] = b"From: Dan <dan@example.net>\r\nTo: bounces@bounce.example.com\r\nSubject: hello\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\nMessage-ID: <hello-2@example.net>\r\n\r\nJust saying hello.\r\n";

fn tuixin() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tuixin"));
    command
        .env_remove("TUIXIN_DB")
        .env_remove("TUIXIN_HTTP")
        .env_remove("TUIXIN_IMAP_PASSWORD")
        .env("LANG", "C");
    command
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

fn messages() -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> =
        BOUNCES.iter().map(|n| std::fs::read(format!("{EXAMPLES}/{n}")).unwrap()).collect();
    out.push(NOT_A_BOUNCE.to_vec());
    out
}

#[test]
fn ingest_imap_moves_the_bounces_once_and_a_second_run_reads_nothing() {
    let Some(dovecot) = Dovecot::start() else { return };
    let rt = runtime();
    rt.block_on(dovecot.create("Processed"));
    rt.block_on(dovecot.append("INBOX", &messages()));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db").display().to_string();
    let url = format!("imap+plain://{USER}@127.0.0.1:{}/INBOX", dovecot.port);
    let run = |password: &str, extra: &[&str]| {
        tuixin()
            .args(["ingest", "--db", &db, "--source", "imap:box", "--after", "move:Processed"])
            .args(extra)
            .arg(&url)
            .env("TUIXIN_IMAP_PASSWORD", password)
            .output()
            .unwrap()
    };
    // A wrong password: refused, said without the password, nothing moved.
    let wrong = "N0t-the-pa55word";
    let refused = run(wrong, &[]);
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(said.contains("login as bounces refused"), "{said}");
    assert!(!said.contains(wrong), "{said}");
    assert!(rt.block_on(dovecot.search("Processed", "ALL")).is_empty());

    let done = run(PASSWORD, &[]);
    let said = String::from_utf8_lossy(&done.stderr);
    assert!(done.status.success(), "{said}");
    assert!(said.contains("4 messages read, 3 bounces"), "{said}");
    assert_eq!(rt.block_on(dovecot.search("Processed", "ALL")).len(), BOUNCES.len());
    // The hello is left in the INBOX, unseen.
    assert_eq!(rt.block_on(dovecot.search("INBOX", "UNSEEN")), vec![4]);

    // Again, with the password from a file: the last UID is kept, nothing is read.
    let file = dir.path().join("password");
    std::fs::write(&file, format!("{PASSWORD}\n")).unwrap();
    let again = run("", &["--password-file", &file.display().to_string()]);
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success(), "{said}");
    assert!(said.contains("0 messages read"), "{said}");

    // The first address the Postfix DSN says bounced is suppressed.
    let dsn = std::fs::read_to_string(format!("{EXAMPLES}/postfix-dsn.eml")).unwrap();
    let bounced = dsn
        .lines()
        .find_map(|l| l.strip_prefix("Final-Recipient: rfc822;"))
        .unwrap()
        .trim()
        .to_owned();
    let check =
        tuixin().args(["check", "--db", &db, "--format", "json", &bounced]).output().unwrap();
    let out: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(out[0]["allowed"], false, "{out}");
    assert_eq!(out[0]["source"], "imap:box", "{out}");
}

/// `tuixin serve` with the config, until `done` says so or 30 s pass; then SIGTERM: its exit
/// status, stderr, and whether `done` held.
fn serve_until(
    db: &str,
    config: &std::path::Path,
    password: &str,
    mut done: impl FnMut(&str) -> bool,
) -> (std::process::ExitStatus, String, bool) {
    let mut child = tuixin()
        .args(["serve", "--db", db, "--http", "127.0.0.1:0", "--config"])
        .arg(config)
        .env("TEST_IMAP_PASSWORD", password)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in out.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let line = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    let addr = line.trim().rsplit("http://").next().unwrap().trim_end_matches('/').to_owned();
    let started = Instant::now();
    let mut held = false;
    while started.elapsed() < Duration::from_secs(30) {
        if done(&addr) {
            held = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    (status, err, held)
}

#[test]
fn serve_polls_its_imap_sections_and_never_logs_the_password() {
    let Some(dovecot) = Dovecot::start() else { return };
    let rt = runtime();
    rt.block_on(dovecot.append("INBOX", &messages()));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db").display().to_string();
    let config = dir.path().join("tuixin.toml");
    std::fs::write(
        &config,
        format!(
            "[[imap]]\nname = \"box\"\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nuser = \"{USER}\"\npassword_env = \"TEST_IMAP_PASSWORD\"\n",
            dovecot.port
        ),
    )
    .unwrap();
    // A wrong password: the error is logged (without the password); the mail stays unseen.
    let wrong = "Wr0ng-serve-pa55";
    let (status, err, _) = serve_until(&db, &config, wrong, |_| {
        std::thread::sleep(Duration::from_millis(1500));
        true
    });
    assert!(status.success(), "{err}");
    assert!(err.contains("IMAP poll failed") && err.contains("refused"), "{err}");
    assert!(!err.contains(wrong), "{err}");
    assert!(rt.block_on(dovecot.search("INBOX", "SEEN")).is_empty());
    // The right one: the bounces are read and flagged seen; a SIGTERM stops the poller.
    let (status, err, held) = serve_until(&db, &config, PASSWORD, |_| {
        rt.block_on(dovecot.search("INBOX", "SEEN")).len() == BOUNCES.len()
    });
    assert!(held, "the bounces were not flagged seen: {err}");
    assert!(status.success(), "{err}");
    assert!(err.contains("stopped polling"), "{err}");
    assert!(!err.contains(PASSWORD), "{err}");
}

//! `tuixin ingest --follow LOG` as an operator runs it beside a live MTA log: lines appended
//! are stored within moments, a rotation (rename, new file) loses nothing written to either
//! file, and a run killed and started again resumes where it stopped, storing nothing twice,
//! including what the log gained and a rotation it went through while nothing followed it.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn bounce(queue_id: &str, rcpt: &str) -> String {
    format!(
        "Dec  7 05:50:02 mx postfix/smtp[804]: {queue_id}: to=<{rcpt}>, relay=mx.example.org[192.0.2.10]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.10] said: 550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))\n"
    )
}

fn append(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

fn follow(log: &Path, db: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tuixin"))
        .args(["ingest", "--input", "postfix", "--follow"])
        .arg(log)
        .arg("--db")
        .arg(db)
        .env_remove("LANG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits until `address` is suppressed (or fails the test after 30 s).
fn wait_suppressed(db: &Path, address: &str) {
    let start = Instant::now();
    loop {
        if db.exists() {
            let store = tuixin_store::Store::open(db.to_str().unwrap()).unwrap();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs() as i64;
            let outcome = store.check(&[address.to_owned()], "global", now).unwrap();
            if !outcome[0].allowed {
                return;
            }
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{address} was not suppressed in 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn events(db: &Path) -> i64 {
    tuixin_store::Store::open(db.to_str().unwrap()).unwrap().counts().unwrap().events
}

#[test]
fn a_followed_log_is_stored_as_it_grows_through_rotation_and_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("mail.log");
    let db = dir.path().join("t.db");
    append(&log, "Dec  7 05:50:01 mx postfix/smtpd[1]: connect from app.example.net[192.0.2.5]\n");
    append(&log, &bounce("4A1B2C3D01", "bob@example.org"));
    let mut child = follow(&log, &db);
    wait_suppressed(&db, "bob@example.org");

    // A line appended in two writes is read once whole.
    let line = bounce("4A1B2C3D02", "carol@example.org");
    let (head, tail) = line.split_at(40);
    append(&log, head);
    std::thread::sleep(Duration::from_millis(600));
    append(&log, tail);
    wait_suppressed(&db, "carol@example.org");

    // Rotation as logrotate does it: the log renamed, a line still written to it by the MTA,
    // then a new file under the old name.
    let rotated = dir.path().join("mail.log.1");
    std::fs::rename(&log, &rotated).unwrap();
    append(&rotated, &bounce("4A1B2C3D03", "dave@example.org"));
    append(&log, &bounce("4A1B2C3D04", "erin@example.org"));
    wait_suppressed(&db, "erin@example.org");
    wait_suppressed(&db, "dave@example.org");
    assert_eq!(events(&db), 4);

    // Killed; the log grows and rotates while nothing follows it.
    child.kill().unwrap();
    child.wait().unwrap();
    append(&log, &bounce("4A1B2C3D05", "frank@example.org"));
    std::fs::rename(&log, dir.path().join("mail.log.2")).unwrap();
    append(&log, &bounce("4A1B2C3D06", "gina@example.org"));
    let mut child = follow(&log, &db);
    wait_suppressed(&db, "gina@example.org");
    wait_suppressed(&db, "frank@example.org");
    // Nothing read before was stored again.
    assert_eq!(events(&db), 6);

    // Truncated in place (copytruncate): read again from its start.
    std::fs::write(&log, bounce("4A1B2C3D07", "hank@example.org")).unwrap();
    wait_suppressed(&db, "hank@example.org");
    assert_eq!(events(&db), 7);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn follow_takes_one_log_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let out = Command::new(env!("CARGO_BIN_EXE_tuixin"))
        .args(["ingest", "--follow", "--input", "postfix", "a.log", "b.log", "--db"])
        .arg(&db)
        .env_remove("LANG")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--follow takes one MTA log file"));
}

//! The store commands as a user runs them (`ingest`, `check`, `events`, `db migrate`), on a
//! SQLite file and, when `TUIXIN_TEST_DATABASE_URL` names a PostgreSQL cluster, on a fresh
//! database there too (required under `CI=true`).

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

fn tuixin(args: &[&str], db: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tuixin"));
    command.args(args).env("TUIXIN_DB", db);
    for name in ["LC_ALL", "LC_MESSAGES", "LANG"] {
        command.env_remove(name);
    }
    command.output().expect("the tuixin binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// The databases to run on: a SQLite file (kept alive by the returned dir), and a fresh
/// PostgreSQL database when there is a test cluster.
fn databases() -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let mut urls = vec![format!("sqlite:{}", dir.path().join("tuixin.db").display())];
    match std::env::var("TUIXIN_TEST_DATABASE_URL") {
        Ok(base) => {
            let name =
                format!("cli{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let (client, conn) =
                    tokio_postgres::connect(&base, tokio_postgres::NoTls).await.unwrap();
                tokio::spawn(conn);
                client.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
            });
            let slash = base.rfind('/').unwrap();
            urls.push(format!("{}/{name}", &base[..slash]));
        }
        Err(_) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!(
                "CI=true but TUIXIN_TEST_DATABASE_URL is not set (scripts/test-postgres.sh start)"
            )
        }
        Err(_) => eprintln!("note: TUIXIN_TEST_DATABASE_URL not set: PostgreSQL part skipped"),
    }
    (dir, urls)
}

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/set-of-emails");

fn corpus_inputs() -> Vec<String> {
    ["maildir", "mailbox", "to-be-debugged-because"]
        .iter()
        .map(|d| format!("{CORPUS}/{d}"))
        .collect()
}

/// `check --format jsonl` of these addresses in this scope: address -> the answer.
fn check(db: &str, scope: &str, addresses: &[String]) -> BTreeMap<String, serde_json::Value> {
    let mut out = BTreeMap::new();
    for chunk in addresses.chunks(300) {
        let mut args = vec!["check", "--format", "jsonl", "--scope", scope];
        args.extend(chunk.iter().map(String::as_str));
        let output = tuixin(&args, db);
        assert!(matches!(output.status.code(), Some(0 | 1)), "{}", text(&output.stderr));
        for line in text(&output.stdout).lines() {
            let answer: serde_json::Value = serde_json::from_str(line).unwrap();
            out.insert(answer["address"].as_str().unwrap().to_owned(), answer);
        }
    }
    out
}

#[test]
fn the_public_corpus_suppresses_hard_bounces_and_complaints_and_never_sender_problems() {
    let inputs = corpus_inputs();
    let mut parse_args = vec!["parse", "--format", "jsonl"];
    parse_args.extend(inputs.iter().map(String::as_str));
    let parsed = tuixin(&parse_args, "unused.db");
    let records: Vec<serde_json::Value> =
        text(&parsed.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(records.len() > 500);
    // By address (lowercased): its records.
    let mut by_address: BTreeMap<String, Vec<&serde_json::Value>> = BTreeMap::new();
    for r in &records {
        let recipient = r["recipient"].as_str().unwrap();
        if recipient.contains('@') {
            by_address.entry(recipient.to_lowercase()).or_default().push(r);
        }
    }
    let addresses: Vec<String> = by_address.keys().cloned().collect();
    // A hard bounce that suppresses at once (SERVICE.md §3): not from a 4xx (the same reasons
    // from a 4xx count as soft instead); the built-in policy trusts a 5xx code alone.
    let strong_hard = |r: &serde_json::Value| {
        let class4 = |f: &str| r[f].as_str().is_some_and(|c| c.starts_with('4'));
        r["hardbounce"] == true
            && r["rulekind"] != "none"
            && !class4("deliverystatus")
            && !class4("replycode")
    };
    let hard: BTreeSet<&String> = by_address
        .iter()
        .filter(|(_, rs)| rs.iter().any(|r| strong_hard(r)))
        .map(|(a, _)| a)
        .collect();
    let harmless: BTreeSet<&String> = by_address
        .iter()
        .filter(|(_, rs)| {
            rs.iter()
                .all(|r| matches!(r["category"].as_str(), Some("sender" | "message" | "network")))
        })
        .map(|(a, _)| a)
        .collect();
    let complained: BTreeSet<&String> = by_address
        .iter()
        .filter(|(_, rs)| {
            rs.iter().any(|r| r["category"] == "complaint" && r["feedbacktype"] != "not-spam")
        })
        .map(|(a, _)| a)
        .collect();
    assert!(hard.len() > 100 && harmless.len() > 50 && !complained.is_empty());

    let (_dir, dbs) = databases();
    for db in &dbs {
        let mut args = vec!["ingest", "--quiet"];
        args.extend(inputs.iter().map(String::as_str));
        let first = tuixin(&args, db);
        // The corpus holds a few inputs that are no mail (empty files): named, and exit 1.
        assert_eq!(first.status.code(), Some(1), "{db}: {}", text(&first.stderr));
        assert!(text(&first.stderr).contains("size-0"), "{}", text(&first.stderr));

        let all = check(db, "all", &addresses);
        let marketing = check(db, "marketing", &addresses);
        for address in &hard {
            let answer = &all[*address];
            assert_eq!(answer["allowed"], false, "{db}: hard bounce {address} not suppressed");
            assert_eq!(answer["reason"], "hard_bounce", "{db}: {address}: {answer}");
        }
        for address in &harmless {
            assert_eq!(
                all[*address]["allowed"], true,
                "{db}: {address} suppressed for a sender/message/network problem"
            );
            assert_eq!(marketing[*address]["allowed"], true, "{db}: {address}");
        }
        for address in &complained {
            assert_eq!(
                marketing[*address]["allowed"], false,
                "{db}: complaint {address} may still get marketing"
            );
        }

        // Ingesting it again adds nothing and changes nothing.
        let events = tuixin(&["events", "export"], db);
        assert!(events.status.success(), "{}", text(&events.stderr));
        let mut args = vec!["ingest"];
        args.extend(inputs.iter().map(String::as_str));
        let again = tuixin(&args, db);
        let summary = text(&again.stderr);
        assert!(summary.contains(" 0 new events"), "{db}: {summary}");
        assert!(summary.contains(" 0 suppressions added, 0 lifted"), "{db}: {summary}");
        assert_eq!(text(&tuixin(&["events", "export"], db).stdout), text(&events.stdout), "{db}");
        assert_eq!(check(db, "all", &addresses), all, "{db}");
        assert_eq!(check(db, "marketing", &addresses), marketing, "{db}");
    }
}

#[test]
fn check_answers_per_address_with_its_exit_status() {
    let (_dir, dbs) = databases();
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    for db in &dbs {
        let ingest = tuixin(&["ingest", examples], db);
        assert!(ingest.status.success(), "{}", text(&ingest.stderr));
        let allowed = tuixin(&["check", "li.na@partner.example.net"], db);
        assert_eq!(allowed.status.code(), Some(0));
        assert!(text(&allowed.stdout).contains("allowed"));
        let suppressed =
            tuixin(&["check", "li.na@partner.example.net", "ALICE.example@Mail.Example.org"], db);
        assert_eq!(suppressed.status.code(), Some(1), "any suppressed: exit 1");
        let out = text(&suppressed.stdout);
        assert!(
            out.contains(
                "ALICE.example@Mail.Example.org: suppressed (all): hard_bounce (userunknown)"
            ),
            "{out}"
        );
        let json = tuixin(
            &["check", "--format", "json", "zhao.min@example.net", "--scope", "marketing"],
            db,
        );
        let answers: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        assert_eq!(answers[0]["reason"], "complaint");
        assert_eq!(answers[0]["allowed"], false);
        let zh = tuixin(&["check", "--lang", "zh", "alice.example@mail.example.org"], db);
        assert!(text(&zh.stdout).contains("已抑制"), "{}", text(&zh.stdout));
        // An invalid address is an error, not an answer.
        let bad = tuixin(&["check", "not-an-address"], db);
        assert_eq!(bad.status.code(), Some(2));
        assert!(
            text(&bad.stderr).contains("invalid address \"not-an-address\""),
            "{}",
            text(&bad.stderr)
        );
        let scope = tuixin(&["check", "--scope", "Bad Scope", "a@example.org"], db);
        assert_eq!(scope.status.code(), Some(2));
    }
}

#[test]
fn a_mistyped_database_is_an_error_not_an_empty_list() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo.db");
    let out = tuixin(&["check", "a@example.org"], missing.to_str().unwrap());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no such database"), "{}", text(&out.stderr));
    assert!(!missing.exists(), "check created the file");
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "not a database at all, just some words in a file\n".repeat(50))
        .unwrap();
    let out = tuixin(
        &["ingest", "-q", concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples")],
        notes.to_str().unwrap(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("is not a tuixin database"), "{}", text(&out.stderr));
    let out = tuixin(
        &["db", "migrate"],
        "postgres://tuixin:hunter2@127.0.0.1:1/tuixin?connect_timeout=5",
    );
    assert_eq!(out.status.code(), Some(2));
    let error = text(&out.stderr);
    assert!(
        error.contains("cannot connect to postgres://tuixin:***@127.0.0.1:1/tuixin"),
        "{error}"
    );
    assert!(!error.contains("hunter2"), "{error}");
}

#[test]
fn events_are_listed_filtered_and_exported() {
    let (_dir, dbs) = databases();
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    for db in &dbs {
        let migrate = tuixin(&["db", "migrate"], db);
        assert!(
            text(&migrate.stdout)
                .contains(&format!("migrated from version 0 to {}", tuixin_store::SCHEMA_VERSION)),
            "{}",
            text(&migrate.stdout)
        );
        let migrate = tuixin(&["db", "migrate"], db);
        assert!(text(&migrate.stdout).contains("already current"), "{}", text(&migrate.stdout));
        assert!(tuixin(&["ingest", examples], db).status.success());
        let list = text(&tuixin(&["events", "list", "--reason", "userunknown"], db).stdout);
        assert_eq!(list.lines().count(), 3, "{list}");
        let list = text(
            &tuixin(
                &["events", "list", "--address", "Zhao.Min@EXAMPLE.net", "--format", "jsonl"],
                db,
            )
            .stdout,
        );
        let event: serde_json::Value = serde_json::from_str(list.lines().next().unwrap()).unwrap();
        assert_eq!(event["reason"], "feedback");
        assert_eq!(event["source"], "file");
        assert!(event["id"].as_str().is_some_and(|id| id.len() == 32));
        let csv = text(&tuixin(&["events", "export", "--format", "csv"], db).stdout);
        assert!(csv.starts_with("id,source,received_at,origin,"), "{csv}");
        assert_eq!(csv.lines().count(), 1 + 8);
        let since = text(&tuixin(&["events", "list", "--since", "2025-03-01"], db).stdout);
        assert_eq!(since.lines().count(), 3, "{since}");
        let bad = tuixin(&["events", "list", "--since", "last tuesday"], db);
        assert_eq!(bad.status.code(), Some(2));
    }
}

#[test]
fn people_add_remove_import_and_export_entries() {
    let (dir, dbs) = databases();
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    let import = dir.path().join("import.csv");
    std::fs::write(
        &import,
        "address,reason,created_at,code,error\nnew1@example.com,BOUNCE,2026-01-02T00:00:00Z,550,user unknown\nbroken,bounce,,,\nnew2@example.com,complaint,,,\nnew3@example.com,weird,,,\n",
    )
    .unwrap();
    for db in &dbs {
        assert!(tuixin(&["ingest", "-q", examples], db).status.success());
        // A manual entry blocks its scope only.
        let add = tuixin(
            &[
                "suppressions", "add", "Bob@Example.org", "--scope", "marketing", "--note",
                "asked by phone",
            ],
            db,
        );
        assert!(add.status.success(), "{}", text(&add.stderr));
        assert_eq!(
            tuixin(&["check", "--scope", "marketing", "bob@example.org"], db).status.code(),
            Some(1)
        );
        assert_eq!(
            tuixin(&["check", "--scope", "transactional", "bob@example.org"], db).status.code(),
            Some(0)
        );
        // A complaint is locked: removal needs --admin and a note.
        let remove =
            ["suppressions", "remove", "zhao.min@example.net", "--scope", "marketing", "--note"];
        let locked = tuixin(&[&remove[..], &["withdrawn"]].concat(), db);
        assert_eq!(locked.status.code(), Some(2));
        assert!(text(&locked.stderr).contains("locked"), "{}", text(&locked.stderr));
        let no_note = tuixin(&[&remove[..], &["", "--admin"]].concat(), db);
        assert_eq!(no_note.status.code(), Some(2));
        let admin = tuixin(&[&remove[..], &["withdrawn", "--admin"]].concat(), db);
        assert!(admin.status.success(), "{}", text(&admin.stderr));
        assert_eq!(
            tuixin(&["check", "--scope", "marketing", "zhao.min@example.net"], db).status.code(),
            Some(0)
        );
        // The audit trail says who and why.
        let report = tuixin(&["address", "--json", "zhao.min@example.net"], db);
        let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
        let audit = report["audit"].as_array().unwrap();
        assert!(
            audit.iter().any(|a| a["action"] == "lift" && a["note"] == "withdrawn"),
            "{audit:?}"
        );
        // Import: bad rows named by line, the rest go in.
        let imported = tuixin(&["suppressions", "import", import.to_str().unwrap()], db);
        assert_eq!(imported.status.code(), Some(1));
        let err = text(&imported.stderr);
        assert!(err.contains("line 3: invalid address \"broken\""), "{err}");
        assert!(err.contains("line 5: invalid reason \"weird\""), "{err}");
        assert!(err.contains("2 entries imported, 2 rows refused"), "{err}");
        assert_eq!(tuixin(&["check", "new1@example.com"], db).status.code(), Some(1));
        assert_eq!(
            tuixin(&["check", "--scope", "marketing", "new2@example.com"], db).status.code(),
            Some(1)
        );
        assert_eq!(
            tuixin(&["check", "--scope", "transactional", "new2@example.com"], db).status.code(),
            Some(0)
        );
        // Export carries every entry with the agreed columns.
        let csv = text(&tuixin(&["suppressions", "export"], db).stdout);
        let mut lines = csv.lines();
        assert_eq!(
            lines.next(),
            Some(
                "address,scope,reason,bounce_reason,source,description,created_at,updated_at,expires_at,event_id,locked,review"
            )
        );
        let rows: Vec<&str> = lines.collect();
        // 3 hard bounces, bob's manual entry, 2 imported (the complaint was removed).
        assert_eq!(rows.len(), 6, "{csv}");
        assert!(
            rows.iter().any(|r| r.starts_with("new1@example.com,all,hard_bounce,,import:")),
            "{csv}"
        );
        let jsonl = text(
            &tuixin(&["suppressions", "export", "--format", "jsonl", "--reason", "manual"], db)
                .stdout,
        );
        let entry: serde_json::Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
        assert_eq!(
            (entry["address"].as_str(), entry["scope"].as_str()),
            (Some("Bob@Example.org"), Some("marketing"))
        );
        let list = text(&tuixin(&["suppressions", "list", "--domain", "EXAMPLE.com"], db).stdout);
        assert_eq!(list.lines().count(), 2, "{list}");
    }
}

/// Kill -9 at random points of a real `tuixin ingest`, then run it again: the events and the
/// suppression list end as those of one uninterrupted run.
#[test]
fn an_ingest_killed_at_any_point_completes_on_rerun() {
    let inputs = corpus_inputs();
    let dir = tempfile::tempdir().unwrap();
    let reference = format!("sqlite:{}", dir.path().join("reference.db").display());
    // Small transactions, so that a kill falls between commits as well as inside one.
    let mut args = vec!["ingest", "-q", "-j", "1", "--batch", "25"];
    args.extend(inputs.iter().map(String::as_str));
    let started = std::time::Instant::now();
    tuixin(&args, &reference);
    // Kills fall anywhere in the time one whole run takes.
    let run_ms = started.elapsed().as_millis().max(50) as u64;

    let expected = final_state(&reference);
    assert!(expected.0.len() > 500 && expected.1.len() > 100);
    // Kill points spread over the run (a pseudo-random but repeatable choice of delays).
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut killed_between = 0;
    for round in 0..4 {
        let db = format!("sqlite:{}", dir.path().join(format!("killed{round}.db")).display());
        for _ in 0..3 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let delay = std::time::Duration::from_millis(seed % run_ms);
            let mut child = Command::new(env!("CARGO_BIN_EXE_tuixin"))
                .args(&args)
                .env("TUIXIN_DB", &db)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(delay);
            let _ = child.kill(); // SIGKILL
            let _ = child.wait();
            // Some of it committed, not all: the kill fell inside the run.
            let partial = final_state(&db).0.len();
            if partial > 1 && partial < expected.0.len() {
                killed_between += 1;
            }
        }
        tuixin(&args, &db);
        assert_eq!(
            final_state(&db),
            expected,
            "round {round}: a killed ingest, rerun, differs from one run"
        );
    }
    assert!(killed_between > 0, "no kill fell between the first and the last commit of a run");
}

/// A store's events and entries, without what differs between runs (times of receipt and
/// of the last update), sorted.
fn final_state(db: &str) -> (Vec<String>, Vec<serde_json::Value>) {
    let events = text(&tuixin(&["events", "export", "--format", "csv"], db).stdout);
    // received_at differs between runs: compare the events without it.
    let mut events: Vec<String> = events
        .lines()
        .map(|l| {
            l.split(',')
                .enumerate()
                .filter(|(i, _)| *i != 2)
                .map(|(_, f)| f)
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    events.sort();
    let entries = text(&tuixin(&["suppressions", "export", "--format", "jsonl"], db).stdout);
    let mut entries: Vec<serde_json::Value> = entries
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            v.as_object_mut().unwrap().remove("updated_at");
            v
        })
        .collect();
    entries.sort_by_key(|v| v.to_string());
    (events, entries)
}

/// Two `tuixin ingest` processes on one PostgreSQL with the same inputs, at the same time, in
/// small transactions: the store ends as one run leaves it.
#[test]
fn two_ingest_processes_on_one_postgres_end_as_one() {
    let (_dir, dbs) = databases();
    let [reference, postgres] = &dbs[..] else { return };
    let inputs = corpus_inputs();
    let mut args = vec!["ingest", "-q", "--batch", "20"];
    args.extend(inputs.iter().map(String::as_str));
    tuixin(&args, reference);
    let children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_tuixin"))
                .args(&args)
                .env("TUIXIN_DB", postgres)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        // 1: the corpus's few inputs that are no mail; never 2 (a database error).
        assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    }
    assert_eq!(final_state(postgres), final_state(reference));
}

/// A disk that fills up during an ingest: the ingest stops with exit status 2 and a message
/// naming the database and the full disk; what it committed is whole, so the same ingest rerun
/// where there is room ends exactly as one uninterrupted run. The small disk is a real tmpfs,
/// mounted in a private mount namespace (`unshare -rm`); where the kernel refuses that, the
/// test says so and does nothing.
#[test]
fn a_full_disk_stops_an_ingest_and_a_rerun_with_room_completes_it() {
    let inputs = corpus_inputs();
    let dir = tempfile::tempdir().unwrap();
    let reference = format!("sqlite:{}", dir.path().join("reference.db").display());
    let mut args = vec!["ingest", "-q", "--batch", "25"];
    args.extend(inputs.iter().map(String::as_str));
    tuixin(&args, &reference);
    let expected = final_state(&reference);

    let mount = dir.path().join("small");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&mount).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let ingest = args.iter().map(|a| quote(a)).collect::<Vec<_>>().join(" ");
    // A third of what the whole run needs, so the disk fills in the middle of it.
    let script = format!(
        "mount -t tmpfs -o size=2048k tuixin-test {m} || exit 99
         TUIXIN_DB=sqlite:{m}/x.db {bin} {ingest} 2>{o}/stderr
         echo $? >{o}/status
         cp {m}/x.db {m}/x.db-wal {o}/",
        m = quote(&mount.display().to_string()),
        o = quote(&out.display().to_string()),
        bin = quote(env!("CARGO_BIN_EXE_tuixin")),
    );
    let ran = Command::new("unshare").args(["-rm", "sh", "-c", &script]).output();
    match ran {
        Ok(o) if o.status.code() == Some(0) => {}
        other => {
            eprintln!(
                "note: cannot mount a small tmpfs here (unshare -rm): full-disk test skipped: {other:?}"
            );
            return;
        }
    }
    let status = std::fs::read_to_string(out.join("status")).unwrap();
    let stderr = std::fs::read_to_string(out.join("stderr")).unwrap();
    assert_eq!(status.trim(), "2", "a full disk is a database error: {stderr}");
    assert!(
        stderr.contains("x.db: disk full; nothing of this transaction was written"),
        "the message names the database and the cause: {stderr}"
    );
    let db = format!("sqlite:{}", out.join("x.db").display());
    let partial = final_state(&db);
    assert!(
        !partial.0.is_empty() && partial.0.len() < expected.0.len(),
        "the disk filled in the middle of the run: {} of {} events",
        partial.0.len(),
        expected.0.len()
    );
    // With room, the same ingest completes it: nothing was half-written.
    tuixin(&args, &db);
    assert_eq!(final_state(&db), expected, "a rerun after a full disk differs from one run");
}

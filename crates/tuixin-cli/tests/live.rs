//! The live corpus: bounces and delay warnings that real MTAs (Postfix, Exim, Sendmail, OpenSMTPD,
//! Courier) produced on a test machine for causes induced on purpose (`scripts/live-corpus/run.sh`,
//! run by hand). `tests/live/causes.jsonl` says, for each fixture, which cause it was made for and what a
//! correct reading gives: the failed recipients, the action and the reason.
//!
//! Every fixture is decoded with the `tuixin` binary and checked field by field:
//! - `recipients`: the set of recipients of the records equals the expected set (no record for the
//!   sender or for addresses quoted in the returned message);
//! - `action` and `reason`: every record has the expected one (`*` as reason: any reason but
//!   `expired`, for a delay warning that names no cause);
//! - `rule`: no record was decided by the status or reply code alone (`rulekind` code) when the
//!   notice names its cause in words (not checked for reason `*` or `undefined`: a notice with no
//!   words of cause has only its code to go on).
//!
//! What tuixin gets wrong today is listed in `KNOWN_GAPS`, and checked exactly too: a gap that gets
//! fixed (or that changes) fails the test until the list is brought up to date. So the test is green
//! now and ratchets.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

/// (fixture, field, what tuixin gives today, why it is wrong). For `recipients` the value is the
/// sorted set joined with `,`; for `action`/`reason` the sorted set of values joined with `,`; for
/// `rule` the `status.*` rules joined with `,`.
const KNOWN_GAPS: &[(&str, &str, &str, &str)] = &[
    (
        "courier/queue-expired.eml",
        "reason",
        "systemerror",
        "a failed Courier DSN whose last reply is B's '451 4.3.0 Temporary failure, please try again later': Courier returned the message when queuetime ran out, and the reply names no cause, so expired; 4.3.0 read alone as systemerror",
    ),
    (
        "courier/queue-expired.eml",
        "rule",
        "status.3.0",
        "decided by 4.3.0 alone on a failed DSN whose last reply is temporary (the queue gave up)",
    ),
    (
        "postfix/queue-expired.eml",
        "reason",
        "notaccept",
        "a Postfix bounce with Action failed and a 4.X.X Status is a message that stayed in the queue past maximal_queue_lifetime (Postfix writes no expiry words); the last reply, smtpd's defer restriction '450 4.3.2 ...: Recipient address rejected: Try again later', names no other cause",
    ),
    (
        "postfix/queue-expired.eml",
        "rule",
        "status.3.2",
        "decided by 4.3.2 alone ('system not accepting network messages') on a failed 4.X.X DSN, which says the queue lifetime ran out",
    ),
];

fn live_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/live")
}

struct Fixture {
    file: String,
    action: String,
    reason: String,
    recipients: BTreeSet<String>,
}

fn fixtures() -> Vec<Fixture> {
    let text = std::fs::read_to_string(live_dir().join("causes.jsonl")).expect("causes.jsonl");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("a JSON line");
            let s = |k: &str| v[k].as_str().unwrap_or_else(|| panic!("{k} in {line}")).to_owned();
            Fixture {
                file: s("file"),
                action: s("action"),
                reason: s("reason"),
                recipients: v["recipients"]
                    .as_array()
                    .expect("recipients")
                    .iter()
                    .map(|r| r.as_str().unwrap().to_lowercase())
                    .collect(),
            }
        })
        .collect()
}

/// Records per fixture, from one run of the binary over all fixtures.
fn records(files: &[&str]) -> BTreeMap<String, Vec<Value>> {
    let output = Command::new(env!("CARGO_BIN_EXE_tuixin"))
        .current_dir(live_dir())
        .args(["parse", "--format", "jsonl"])
        .args(files)
        .env_remove("LC_ALL")
        .env_remove("LANG")
        .output()
        .expect("the tuixin binary runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let mut by_file: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for line in String::from_utf8(output.stdout).unwrap().lines().filter(|l| !l.is_empty()) {
        let v: Value = serde_json::from_str(line).unwrap();
        let origin = v["origin"].as_str().unwrap().replace('\\', "/");
        let origin = origin.trim_start_matches("./").to_owned();
        by_file.entry(origin).or_default().push(v);
    }
    by_file
}

fn field_set(records: &[Value], field: &str) -> String {
    let set: BTreeSet<String> =
        records.iter().map(|r| r[field].as_str().unwrap_or("").to_owned()).collect();
    set.into_iter().collect::<Vec<_>>().join(",")
}

#[test]
fn live_corpus() {
    let fixtures = fixtures();
    assert!(!fixtures.is_empty());
    let files: Vec<&str> = fixtures.iter().map(|f| f.file.as_str()).collect();
    let by_file = records(&files);

    // What differs from the expectation today: (file, field) -> what tuixin gives.
    let mut wrong: BTreeMap<(String, String), String> = BTreeMap::new();
    for f in &fixtures {
        assert!(live_dir().join(&f.file).is_file(), "{} is missing", f.file);
        let recs = by_file.get(&f.file).map(Vec::as_slice).unwrap_or(&[]);
        let mut check = |field: &str, ok: bool, given: String| {
            if !ok {
                wrong.insert((f.file.clone(), field.to_owned()), given);
            }
        };
        let got: BTreeSet<String> = recs
            .iter()
            .map(|r| r["recipient"].as_str().unwrap_or("").trim_matches(['<', '>']).to_lowercase())
            .collect();
        check("recipients", got == f.recipients, got.into_iter().collect::<Vec<_>>().join(","));
        let action = field_set(recs, "action");
        check("action", action == f.action, action);
        let reason = field_set(recs, "reason");
        let reason_ok = if f.reason == "*" {
            !recs.is_empty() && !reason.contains("expired")
        } else {
            reason == f.reason
        };
        check("reason", reason_ok, reason);
        // The records decided by a code alone say so (`rulekind` code); the rule ids name them.
        let status_rules: BTreeSet<&str> = recs
            .iter()
            .filter(|r| r["rulekind"].as_str() == Some("code"))
            .filter_map(|r| r["rule"].as_str())
            .collect();
        // A delay warning that names no cause (reason "*"), and a notice with no text at all
        // (reason undefined), may fall back on the status code.
        let names_cause = f.reason != "*" && f.reason != "undefined";
        check(
            "rule",
            !names_cause || status_rules.is_empty(),
            status_rules.into_iter().collect::<Vec<_>>().join(","),
        );
    }

    let known: BTreeMap<(String, String), String> = KNOWN_GAPS
        .iter()
        .map(|(file, field, today, _why)| {
            ((file.to_string(), field.to_string()), today.to_string())
        })
        .collect();
    assert_eq!(
        known.len(),
        KNOWN_GAPS.len(),
        "a (fixture, field) pair is listed twice in KNOWN_GAPS"
    );
    let mut problems = Vec::new();
    for (key, given) in &wrong {
        match known.get(key) {
            None => problems.push(format!("{} {}: tuixin gives {given:?}, not as expected", key.0, key.1)),
            Some(today) if today != given => problems.push(format!(
                "{} {}: KNOWN_GAPS says tuixin gives {today:?}, it now gives {given:?}: update the list",
                key.0, key.1
            )),
            Some(_) => {}
        }
    }
    for (key, today) in &known {
        if !fixtures.iter().any(|f| f.file == key.0) {
            problems.push(format!("{} is in KNOWN_GAPS but is no fixture", key.0));
        } else if !wrong.contains_key(key) {
            problems.push(format!(
                "{} {}: fixed (was {today:?}); remove it from KNOWN_GAPS",
                key.0, key.1
            ));
        }
    }
    assert!(problems.is_empty(), "live corpus:\n{}", problems.join("\n"));
}

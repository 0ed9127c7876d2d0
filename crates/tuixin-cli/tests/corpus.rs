//! The labelled corpus in `../shared/corpus`: decode every sample with the `tuixin` binary and
//! hold the figures to the best reached so far (`corpus-baseline.json`).
//!
//! Pairing follows `score.py`: inside one (input, message), by recipient, else the only record.
//! When a figure improves, raise it in the baseline file so that it cannot slip back.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

/// `maildir/...`, `mailbox/...` or `to-be-debugged-because/...` from any path.
fn origin_key(path: &str) -> String {
    let path = path.replace('\\', "/");
    ["maildir/", "mailbox/", "to-be-debugged-because/"]
        .iter()
        .filter_map(|root| path.rfind(root))
        .min()
        .map_or(path.clone(), |i| path[i..].to_owned())
}

fn text(v: &Value, field: &str) -> String {
    match &v[field] {
        Value::String(s) => s.trim().to_lowercase(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

fn recipient(v: &Value) -> String {
    text(v, "recipient").trim_matches(['<', '>']).to_owned()
}

fn key(v: &Value) -> (String, u64) {
    (origin_key(v["origin"].as_str().unwrap_or("")), v["message"].as_u64().unwrap_or(1))
}

/// Sisimai invents X.0.9NN when a bounce carries no enhanced code: not comparable.
fn pseudo_status(status: &str) -> bool {
    let b = status.as_bytes();
    b.len() == 7 && matches!(b[0], b'2' | b'4' | b'5') && &status[1..5] == ".0.9"
}

#[derive(Debug, Default)]
struct Score {
    expected: usize,
    paired: usize,
    agree: BTreeMap<&'static str, (usize, usize)>,
}

impl Score {
    fn pct(&self, field: &str) -> f64 {
        let (n, d) = self.agree.get(field).copied().unwrap_or((0, 0));
        if d == 0 { 0.0 } else { 100.0 * n as f64 / d as f64 }
    }
    fn paired_pct(&self) -> f64 {
        100.0 * self.paired as f64 / self.expected as f64
    }
    fn reason_pct(&self) -> f64 {
        100.0 * self.agree["reason"].0 as f64 / self.expected as f64
    }
}

fn score(
    expected: &[Value],
    ours: &BTreeMap<(String, u64), Vec<Value>>,
    tested_only: bool,
) -> Score {
    let mut groups: BTreeMap<(String, u64), Vec<&Value>> = BTreeMap::new();
    for e in expected {
        if e["unlabelled"].as_bool() == Some(true) || e["decoded"].as_bool() == Some(false) {
            continue;
        }
        if tested_only && e["tested"].as_bool() != Some(true) {
            continue;
        }
        groups.entry(key(e)).or_default().push(e);
    }
    let mut s = Score::default();
    for (k, es) in &groups {
        let mut pool: Vec<&Value> = ours.get(k).map(|v| v.iter().collect()).unwrap_or_default();
        for e in es {
            s.expected += 1;
            let rcpt = recipient(e);
            let mut hit = pool.iter().position(|a| recipient(a) == rcpt);
            let shared = es.iter().any(|x| !std::ptr::eq(*x, *e) && recipient(x) == rcpt);
            if hit.is_none() && !pool.is_empty() && !shared && es.len() == 1 {
                hit = Some(0);
            }
            let Some(i) = hit else { continue };
            let a = pool.remove(i);
            s.paired += 1;
            for field in
                ["recipient", "reason", "deliverystatus", "replycode", "hardbounce", "action"]
            {
                if field == "deliverystatus" && pseudo_status(&text(e, field)) {
                    continue;
                }
                let entry = s.agree.entry(field).or_default();
                entry.1 += 1;
                let (want, got) = if field == "recipient" {
                    (recipient(e), recipient(a))
                } else {
                    (text(e, field), text(a, field))
                };
                if want == got {
                    entry.0 += 1;
                }
            }
        }
    }
    s.agree.entry("reason").or_default();
    s
}

#[test]
fn corpus_figures_hold() {
    let root = corpus();
    let samples = root.join("set-of-emails");
    assert!(samples.is_dir(), "the corpus is missing: {}", samples.display());
    let output = Command::new(env!("CARGO_BIN_EXE_tuixin"))
        .args(["parse", "--format", "jsonl", "--quiet"])
        .args(["maildir", "mailbox", "to-be-debugged-because"].map(|d| samples.join(d)))
        .output()
        .expect("tuixin runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "a panic: {stderr}");
    // Only the tiny mailbox edge cases may fail to read, each named on stderr.
    for line in stderr.lines() {
        assert!(line.contains("mailbox/size-"), "unexpected error: {line}");
    }

    let mut ours: BTreeMap<(String, u64), Vec<Value>> = BTreeMap::new();
    for line in String::from_utf8(output.stdout).expect("UTF-8 output").lines() {
        let v: Value = serde_json::from_str(line).expect("each line is JSON");
        ours.entry(key(&v)).or_default().push(v);
    }
    let expected: Vec<Value> = std::fs::read_to_string(root.join("expected.jsonl"))
        .expect("expected.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("expected line is JSON"))
        .collect();

    // Inputs that hold no bounce give no record.
    for e in expected.iter().filter(|e| e["decoded"].as_bool() == Some(false)) {
        let origin = origin_key(e["origin"].as_str().unwrap());
        let got: Vec<_> = ours.keys().filter(|k| k.0 == origin).collect();
        assert!(got.is_empty(), "{origin} holds no bounce but gave records");
    }

    // The CRLF and CR-only copies read like their LF originals (or like each other where the
    // LF original is not in the corpus).
    let fields = ["recipient", "deliverystatus", "replycode", "reason", "action", "diagnosticcode"];
    let rows = |origin: &str, message: u64| -> Option<Vec<Vec<String>>> {
        ours.get(&(origin.to_owned(), message))
            .map(|r| r.iter().map(|v| fields.iter().map(|f| text(v, f)).collect()).collect())
    };
    let copies_dir = samples.join("maildir/dos");
    let mut copies = 0;
    for entry in std::fs::read_dir(&copies_dir).expect("maildir/dos") {
        let name = entry.expect("dir entry").file_name().to_string_lossy().into_owned();
        let versions: Vec<(String, Option<Vec<Vec<String>>>)> = ["bsd", "dos", "mac"]
            .iter()
            .filter(|dir| samples.join("maildir").join(dir).join(&name).is_file())
            .map(|dir| {
                let origin = format!("maildir/{dir}/{name}");
                let got = rows(&origin, 1);
                (origin, got)
            })
            .collect();
        assert!(versions.len() >= 2, "{name} has no copy to compare");
        for (origin, got) in &versions[1..] {
            assert_eq!(got, &versions[0].1, "{origin} differs from {}", versions[0].0);
            copies += 1;
        }
    }
    assert!(copies >= 80, "only {copies} CRLF/CR copies compared");

    // The mbox holds 37 bounces.
    let mbox: BTreeSet<u64> =
        ours.keys().filter(|k| k.0 == "mailbox/mbox-0").map(|k| k.1).collect();
    assert_eq!(mbox, (1..=37).collect(), "messages of mailbox/mbox-0 with records");

    let tested = score(&expected, &ours, true);
    let all = score(&expected, &ours, false);
    let figures: BTreeMap<&str, f64> = [
        ("tested_paired", tested.paired_pct()),
        ("tested_reason", tested.reason_pct()),
        ("tested_recipient", tested.pct("recipient")),
        ("tested_deliverystatus", tested.pct("deliverystatus")),
        ("tested_replycode", tested.pct("replycode")),
        ("tested_hardbounce", tested.pct("hardbounce")),
        ("tested_action", tested.pct("action")),
        ("all_paired", all.paired_pct()),
        ("all_reason", all.reason_pct()),
    ]
    .into_iter()
    .collect();
    eprintln!("corpus figures: {figures:#?}");

    let baseline: BTreeMap<String, f64> = serde_json::from_str(
        &std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus-baseline.json"),
        )
        .expect("tests/corpus-baseline.json"),
    )
    .expect("the baseline is a JSON object of figures");
    let mut dropped = Vec::new();
    for (name, best) in &baseline {
        let exact =
            figures.get(name.as_str()).copied().unwrap_or_else(|| panic!("unknown figure {name}"));
        // Figures are kept to two decimals, rounded down.
        let now = (exact * 100.0 + 1e-6).floor() / 100.0;
        if now + 1e-9 < *best {
            dropped.push(format!("{name}: {now:.2} < best {best:.2}"));
        } else if now > best + 0.005 {
            eprintln!(
                "{name} improved to {now:.2} (baseline {best:.2}): raise it in corpus-baseline.json"
            );
        }
    }
    assert!(dropped.is_empty(), "corpus figures dropped: {dropped:#?}");
}

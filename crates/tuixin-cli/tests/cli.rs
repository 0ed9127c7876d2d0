//! The `tuixin` binary as a user runs it: output, languages, exit status.

use std::process::{Command, Output};

fn tuixin(args: &[&str]) -> Output {
    tuixin_env(args, &[])
}

/// Runs the binary with a clean locale, plus the given environment.
fn tuixin_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tuixin"));
    command.args(args);
    for name in ["LC_ALL", "LC_MESSAGES", "LANG", "NO_COLOR", "CLICOLOR_FORCE"] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.output().expect("the tuixin binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

fn ok(args: &[&str]) -> String {
    let output = tuixin(args);
    assert!(output.status.success(), "{args:?} failed: {}", stderr(&output));
    stdout(&output)
}

const GMAIL_LINE: &str = "550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos";

#[test]
fn explain_reply_code() {
    insta::assert_snapshot!("explain_550_en", ok(&["explain", "550", "--lang", "en"]));
    insta::assert_snapshot!("explain_550_zh", ok(&["explain", "550", "--lang", "zh"]));
}

#[test]
fn explain_registered_enhanced_code() {
    insta::assert_snapshot!("explain_5.1.1_en", ok(&["explain", "5.1.1", "--lang", "en"]));
    insta::assert_snapshot!("explain_5.1.1_zh", ok(&["explain", "5.1.1", "--lang", "zh"]));
}

#[test]
fn explain_unregistered_enhanced_code() {
    let en = ok(&["explain", "5.7.509", "--lang", "en"]);
    assert!(en.contains("not registered"), "{en}");
    insta::assert_snapshot!("explain_5.7.509_en", en);
    let zh = ok(&["explain", "5.7.509", "--lang", "zh"]);
    assert!(zh.contains("未注册"), "{zh}");
    insta::assert_snapshot!("explain_5.7.509_zh", zh);
}

#[test]
fn explain_free_text_diagnostic() {
    let en = ok(&["explain", GMAIL_LINE, "--lang", "en"]);
    assert!(en.starts_with("550 "), "{en}");
    assert!(en.contains("\n5.1.1 "), "{en}");
    insta::assert_snapshot!("explain_gmail_line_en", en);
    insta::assert_snapshot!("explain_gmail_line_zh", ok(&["explain", GMAIL_LINE, "--lang", "zh"]));
}

#[test]
fn explain_finds_codes_in_every_written_form() {
    for (text, codes) in [
        ("Remote host said: 550 #5.1.1 user unknown", vec!["550", "5.1.1"]),
        ("Message rejected (5.7.1)", vec!["5.7.1"]),
        ("smtp; 552-5.2.2 mailbox full", vec!["552", "5.2.2"]),
    ] {
        let output = tuixin(&["explain", "--json", text]);
        assert!(output.status.success(), "{text}");
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let found: Vec<&str> =
            json["codes"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
        assert_eq!(found, codes, "{text}");
    }
}

#[test]
fn explain_reply_and_enhanced_code_together() {
    let out = ok(&["explain", "550", "5.1.1", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let codes = json["codes"].as_array().unwrap();
    assert_eq!(codes.len(), 2);
    assert_eq!(codes[0]["kind"], "reply");
    assert_eq!(codes[1]["kind"], "enhanced");
    assert_eq!(codes[1]["severity"], "permanent");
    assert_eq!(codes[1]["registered"], true);
    assert_eq!(codes[1]["references"][0], "RFC 3463");
}

#[test]
fn explain_with_a_provider_uses_its_meaning() {
    let out = ok(&["explain", "--provider", "google", "--json", "5.7.27"]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["codes"][0]["provider"], "google");
    assert!(json["codes"][0]["title"].as_str().unwrap().contains("SPF"));

    let unknown = tuixin(&["explain", "--provider", "nosuchmail", "5.7.27"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("unknown provider"), "{}", stderr(&unknown));
}

#[test]
fn explain_classifies_words_without_codes_and_knows_the_providers_rules() {
    // Words alone: classified as parse classifies them.
    let full = tuixin(&["explain", "--json", "很抱歉您的邮件被退回。原因：收件人邮箱空间已满"]);
    assert_eq!(full.status.code(), Some(0), "{}", stderr(&full));
    let json: serde_json::Value = serde_json::from_slice(&full.stdout).unwrap();
    assert_eq!(json["classification"]["reason"], "mailboxfull");
    // A provider named by its host in the text, or given by name (any provider the rules know).
    for args in [
        vec![
            "explain",
            "--json",
            "550 Mail content denied. http://service.mail.qq.com/cgi-bin/help",
        ],
        vec!["explain", "--json", "--provider", "tencent", "550 Mail content denied."],
    ] {
        let out = tuixin(&args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["classification"]["reason"], "spamdetected", "{args:?}");
    }
}

#[test]
fn bad_input_exits_with_status_2_and_says_why() {
    for (args, says) in [
        (vec!["explain", "999"], "\"999\" is not an SMTP reply code"),
        (vec!["explain", "3.1.1"], "the class (first number) must be 2, 4 or 5"),
        (vec!["explain", ""], "nothing to explain"),
        (vec!["explain", "5.9.9"], "the subject (second number) must be 0 to 7"),
        (vec!["explain", "550", "5.1"], "\"5.1\" is not an enhanced status code"),
    ] {
        let output = tuixin(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?} printed to stdout");
        assert!(stderr(&output).contains(says), "{args:?}: {}", stderr(&output));
    }
    assert_eq!(tuixin(&["explain", "550", "--lang", "fr"]).status.code(), Some(2));
    assert_eq!(tuixin(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn language_follows_the_locale_unless_given() {
    let zh = tuixin_env(&["explain", "5.2.2"], &[("LANG", "zh_CN.UTF-8")]);
    assert!(stdout(&zh).contains("含义"), "{}", stdout(&zh));
    let en =
        tuixin_env(&["explain", "5.2.2"], &[("LANG", "zh_CN.UTF-8"), ("LC_ALL", "en_US.UTF-8")]);
    assert!(stdout(&en).contains("Meaning"), "{}", stdout(&en));
    let forced = tuixin_env(&["explain", "5.2.2", "--lang", "en"], &[("LC_ALL", "zh_CN.UTF-8")]);
    assert!(stdout(&forced).contains("Meaning"));
    let messages = tuixin_env(&["explain", "5.2.2"], &[("LC_MESSAGES", "zh_CN.UTF-8")]);
    assert!(stdout(&messages).contains("含义"));
}

#[test]
fn colour_only_on_a_terminal_or_when_asked() {
    let piped = ok(&["explain", "550"]);
    assert!(!piped.contains('\u{1b}'), "escape codes in piped output");
    let forced = ok(&["explain", "550", "--color", "always"]);
    assert!(forced.contains('\u{1b}'), "no colour with --color always");
}

#[test]
fn codes_json_holds_every_code_in_both_languages() {
    let out = ok(&["codes", "--json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let listed: Vec<&str> = rows.iter().map(|r| r["code"].as_str().unwrap()).collect();
    let mut expected: Vec<String> = [
        211, 214, 220, 221, 235, 250, 251, 252, 334, 354, 421, 432, 450, 451, 452, 454, 455, 458,
        459, 500, 501, 502, 503, 504, 521, 530, 534, 535, 538, 550, 551, 552, 553, 554, 555, 556,
    ]
    .iter()
    .map(u16::to_string)
    .collect();
    let last_detail = [(0, 0), (1, 10), (2, 4), (3, 6), (4, 7), (5, 6), (6, 10), (7, 30)];
    for class in [2, 4, 5] {
        for (subject, last) in last_detail {
            expected.extend((0..=last).map(|detail| format!("{class}.{subject}.{detail}")));
        }
    }
    for code in &expected {
        assert!(listed.contains(&code.as_str()), "{code} missing from `tuixin codes --json`");
    }
    assert_eq!(rows.len(), expected.len());
    for row in &rows {
        for lang in ["en", "zh"] {
            for field in ["title", "meaning", "cause", "action"] {
                let text = row[lang][field].as_str().unwrap_or_default();
                assert!(!text.trim().is_empty(), "{} has no {lang} {field}", row["code"]);
            }
        }
    }
}

#[test]
fn codes_csv_has_one_row_per_code_with_both_languages() {
    let json: Vec<serde_json::Value> = serde_json::from_str(&ok(&["codes", "--json"])).unwrap();
    let csv_text = ok(&["codes", "--csv"]);
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "code");
    assert!(headers.iter().any(|h| h == "zh_action"));
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), json.len());
    let row = records.iter().find(|r| &r[0] == "5.2.2").unwrap();
    assert_eq!(&row[2], "permanent");
    assert!(!row[headers.iter().position(|h| h == "zh_meaning").unwrap()].is_empty());
}

#[test]
fn codes_table_for_people_follows_the_language() {
    let en = ok(&["codes", "--lang", "en"]);
    assert!(en.contains("Bad destination mailbox address"));
    assert!(en.lines().any(|l| l.trim_start().starts_with("5.7.30")));
    let zh = ok(&["codes", "--lang", "zh"]);
    assert!(zh.contains("增强状态码"));
}

#[test]
fn help_shows_examples() {
    let help = ok(&["explain", "--help"]);
    assert!(help.contains("tuixin explain 550 5.1.1"), "{help}");
    assert!(ok(&["--help"]).contains("Examples"));
}

#[test]
fn rules_check_accepts_good_files_and_names_the_broken_rule() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(&good, "[[rule]]\nid = \"mine.quota\"\nreason = \"mailboxfull\"\nphrases = [\"storage exceeded\"]\n").unwrap();
    let out = tuixin(&["rules", "check", good.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("1 rule, all valid"));

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[rule]]\nid = \"mine.broken\"\nreason = \"nosuchreason\"\nphrases = [\"x\"]\n",
    )
    .unwrap();
    let out = tuixin(&["rules", "check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("mine.broken") && stderr(&out).contains("unknown reason"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_users_rules_decide_before_the_builtin_ones() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("mine.toml");
    std::fs::write(
        &rules,
        "[[rule]]\nid = \"mine.vip\"\nreason = \"filtered\"\nphrases = [\"does not exist\"]\n",
    )
    .unwrap();
    let out = tuixin(&["explain", "--json", "--rules", rules.to_str().unwrap(), GMAIL_LINE]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["classification"]["reason"], "filtered");
    assert_eq!(json["classification"]["rule"], "mine.vip");
    assert_eq!(json["classification"]["evidence"], "does not exist");
}

/// Runs tuixin with stdout (and, if asked, stderr) on a pipe whose reader is already gone, as
/// after `| head -1` has read its line.
fn with_closed_stdout(args: &[&str], stderr_too: bool) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut command = Command::new(env!("CARGO_BIN_EXE_tuixin"));
    command.args(args).env_remove("LANG").env_remove("LC_ALL");
    if stderr_too {
        command.stderr(writer.try_clone().unwrap());
    } else {
        command.stderr(std::process::Stdio::piped());
    }
    command.stdout(writer);
    command.output().unwrap()
}

#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let bounces = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/../tuixin/data/rules/providers/apple.toml");
    let commands: Vec<Vec<&str>> = vec![
        vec!["codes"],
        vec!["codes", "--csv"],
        vec!["codes", "--json"],
        vec!["explain", "550", "5.1.1"],
        vec!["explain", "--json", "550"],
        vec!["explain", GMAIL_LINE],
        vec!["parse", "--format", "human", bounces],
        vec!["parse", "--format", "jsonl", bounces],
        vec!["parse", "--format", "json", bounces],
        vec!["parse", "--format", "csv", bounces],
        vec!["rules", "check", rules],
    ];
    for args in &commands {
        let output = with_closed_stdout(args, false);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {}", stderr(&output));
        assert_eq!(stderr(&output), "", "{args:?}");
        // `2>&1 | head`: the notes on stderr meet the closed pipe too.
        let output = with_closed_stdout(args, true);
        assert_eq!(output.status.code(), Some(0), "{args:?} with stderr on the pipe");
    }
}

#[test]
fn chinese_reaches_the_errors_the_help_and_the_summary() {
    // An error in Chinese, by flag and by locale.
    let bad = tuixin(&["--lang", "zh", "explain", "5.9.9"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("不是增强状态码"), "{}", stderr(&bad));
    let bad = tuixin_env(&["explain", "5.9.9"], &[("LANG", "zh_CN.UTF-8")]);
    assert!(stderr(&bad).contains("不是增强状态码"), "{}", stderr(&bad));
    // Help in Chinese, every flag.
    let help = tuixin(&["--lang", "zh", "parse", "--help"]);
    assert!(help.status.success());
    let text = stdout(&help);
    assert!(text.contains("解析退信邮件") && text.contains("输出格式"), "{text}");
    assert!(!text.contains("Output format") && !text.contains("Threads to decode"), "{text}");
    // The English help stays English.
    assert!(stdout(&tuixin(&["parse", "--help"])).contains("Output format"));
}

#[test]
fn policy_check_accepts_a_good_file_and_names_the_line_and_field_of_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(&good, "[soft]\nthreshold = 3\n\n[allowlist]\ndomains = [\"example.com\"]\n")
        .unwrap();
    let out = tuixin(&["policy", "check", good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("valid policy"), "{}", stdout(&out));

    let cases = [
        ("# mine\n[soft]\nthreshold = 0\n", "line 3: soft.threshold: must be at least 1"),
        ("[soft]\nwindow_days = \"thirty\"\n", "line 2, column 15 (soft.window_days)"),
        ("[alerts]\n\nevnts = 5\n", "line 3, column 1 (alerts.evnts): unknown field `evnts`"),
        (
            "[reasons]\nblocked = \"hard\"\n",
            "line 2: reasons.blocked: blocked is the sender's fault",
        ),
        ("[reasons]\nuserunknown = \"delete\"\n", "line 2"),
        ("[complaint]\nscope = \"Marketing!\"\n", "invalid scope"),
        ("[soft\n", "line 1"),
    ];
    for (text, said) in cases {
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, text).unwrap();
        let out = tuixin(&["policy", "check", bad.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{text}");
        let err = stderr(&out);
        assert!(err.contains("bad.toml") && err.contains(said), "{text:?}: {err}");
        assert_eq!(stdout(&out), "");
    }
    let out = tuixin(&["policy", "check", dir.path().join("missing.toml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read policy file"), "{}", stderr(&out));
    let out =
        tuixin(&["--lang", "zh", "policy", "check", dir.path().join("bad.toml").to_str().unwrap()]);
    let err = stderr(&out);
    assert!(err.contains("策略文件") && err.contains("无效") && err.contains("第 1 行"), "{err}");
    let zero = dir.path().join("zero.toml");
    std::fs::write(&zero, "[soft]\nthreshold = 0\n").unwrap();
    let out = tuixin(&["--lang", "zh", "policy", "check", zero.to_str().unwrap()]);
    let err = stderr(&out);
    assert!(err.contains("第 2 行 soft.threshold"), "{err}");
}

#[test]
fn policy_show_prints_the_builtin_policy_and_a_file_laid_over_it() {
    let builtin = ok(&["policy", "show"]);
    assert!(builtin.contains("# tuixin lifecycle policy"), "comments are kept: {builtin}");
    // What it prints is a policy file `policy check` accepts as it is.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.toml");
    std::fs::write(&copy, &builtin).unwrap();
    ok(&["policy", "check", copy.to_str().unwrap()]);

    let json: serde_json::Value =
        serde_json::from_str(&ok(&["policy", "show", "--format", "json"])).unwrap();
    assert_eq!(json["soft"]["threshold"], 5);
    assert_eq!(json["suspend"]["expires_days"], 180);
    assert_eq!(json["complaint"]["scope"], "marketing");
    assert_eq!(json["reasons"]["blocked"], "alert_sender");
    assert_eq!(json["reasons"]["userunknown"], "hard");
    assert_eq!(
        json,
        serde_json::from_str::<serde_json::Value>(&ok(&["--json", "policy", "show"])).unwrap()
    );

    let mine = dir.path().join("mine.toml");
    std::fs::write(&mine, "[soft]\nthreshold = 3\n[reasons]\nfiltered = \"store\"\n").unwrap();
    let path = mine.to_str().unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["policy", "show", "--policy", path, "--format", "json"]))
            .unwrap();
    assert_eq!(
        (json["soft"]["threshold"].as_i64(), json["soft"]["window_days"].as_i64()),
        (Some(3), Some(30))
    );
    assert_eq!(json["reasons"]["filtered"], "store");
    let toml = ok(&["policy", "show", "--policy", path]);
    assert!(toml.contains("threshold = 3") && toml.contains("filtered = \"store\""), "{toml}");
    let again = dir.path().join("again.toml");
    std::fs::write(&again, &toml).unwrap();
    ok(&["policy", "check", again.to_str().unwrap()]);

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[soft]\nthreshold = 0\n").unwrap();
    let out = tuixin(&["policy", "show", "--policy", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
}

//! `tuixin parse` as a user runs it: inputs of every kind, output formats, errors, order.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/set-of-emails")
}

fn sample(name: &str) -> PathBuf {
    samples().join("maildir/bsd").join(name)
}

fn tuixin(args: &[&str], paths: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tuixin"))
        .args(args)
        .args(paths)
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

#[test]
fn a_dsn_gives_its_recipient_codes_and_original() {
    let out = tuixin(&["parse", "--format", "jsonl"], &[&sample("lhost-postfix-04.eml")]);
    assert!(out.status.success());
    let r = records(&out);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["recipient"], "kijitora@example.co.jp");
    assert_eq!(r[0]["addresser"], "shironeko@example.ne.jp");
    assert_eq!(r[0]["deliverystatus"], "5.1.1");
    assert_eq!(r[0]["replycode"], "550");
    assert_eq!(r[0]["message"], 1);
    assert!(!r[0]["addresser"].as_str().unwrap().is_empty());
    assert!(!r[0]["messageid"].as_str().unwrap().is_empty());
    assert_eq!(r[0]["token"].as_str().unwrap().len(), 40);
}

#[test]
fn an_mbox_streams_every_message_in_order_whatever_the_threads() {
    let mbox = samples().join("mailbox/mbox-0");
    let one = tuixin(&["parse", "-j", "1", "-q"], &[&mbox]);
    let two = tuixin(&["parse", "-j", "2", "-q"], &[&mbox]);
    assert!(one.status.success() && two.status.success());
    assert_eq!(one.stdout, two.stdout, "output order depends on threads");
    let messages: Vec<u64> = records(&one).iter().map(|r| r["message"].as_u64().unwrap()).collect();
    assert!(messages.windows(2).all(|w| w[0] <= w[1]), "messages out of order");
    assert_eq!(messages.last(), Some(&37));
}

#[test]
fn stdin_is_read_with_a_dash_or_without_paths() {
    let bytes = std::fs::read(sample("lhost-exim-01.eml")).unwrap();
    for args in [vec!["parse", "-"], vec!["parse"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tuixin"))
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&bytes).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{args:?}");
        let r = records(&out);
        assert_eq!(r[0]["recipient"], "kijitora@example.ed.jp", "{args:?}");
        assert_eq!(r[0]["origin"], "-");
    }
}

#[test]
fn a_maildir_is_read_and_its_tmp_folder_skipped() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
    }
    std::fs::copy(sample("lhost-postfix-01.eml"), dir.path().join("cur/1:2,S")).unwrap();
    std::fs::copy(sample("lhost-qmail-01.eml"), dir.path().join("new/2")).unwrap();
    std::fs::copy(sample("lhost-exim-01.eml"), dir.path().join("tmp/3")).unwrap();
    let out = tuixin(&["parse", "-q"], &[dir.path()]);
    assert!(out.status.success());
    let recipients: Vec<String> =
        records(&out).iter().map(|r| r["recipient"].as_str().unwrap().to_owned()).collect();
    assert_eq!(recipients, ["kijitora@example.org", "kijitora@example.ne.jp"]);
}

#[test]
fn unreadable_inputs_are_named_and_the_batch_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.bin");
    std::fs::write(&junk, [0u8, 159, 146, 150, 0, 1, 2]).unwrap();
    let missing = dir.path().join("missing.eml");
    let good = sample("lhost-postfix-01.eml");
    let out = tuixin(&["parse"], &[&missing, &junk, &good]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("missing.eml"), "{stderr}");
    assert!(stderr.contains("junk.bin"), "{stderr}");
    // The missing file could not be read; the junk was read but is not mail.
    assert!(stderr.contains("1 could not be read, 1 not mail"), "{stderr}");
    assert!(stderr.contains("3 inputs, 2 messages,"), "{stderr}");
    assert_eq!(records(&out).len(), 1, "the good input was still decoded");
}

#[test]
fn a_message_without_a_bounce_is_a_result_not_an_error() {
    let out = tuixin(&["parse"], &[&samples().join("maildir/not/is-not-bounce-01.eml")]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("0 records"));
}

#[test]
fn json_csv_and_human_formats() {
    let input = sample("lhost-postfix-01.eml");
    let json: Value =
        serde_json::from_slice(&tuixin(&["parse", "--format", "json", "-q"], &[&input]).stdout)
            .unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1);
    let empty: Value = serde_json::from_slice(
        &tuixin(
            &["parse", "--format", "json", "-q"],
            &[&samples().join("maildir/not/is-not-bounce-01.eml")],
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(empty, serde_json::json!([]));

    let csv_out =
        tuixin(&["parse", "--format", "csv", "-q"], &[&input, &sample("lhost-exim-01.eml")]);
    let mut reader = csv::Reader::from_reader(csv_out.stdout.as_slice());
    assert_eq!(&reader.headers().unwrap()[2], "recipient");
    let headers = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.len() == headers.len()));
    let reason = headers.iter().position(|h| h == "reason").unwrap();
    assert_eq!(&rows[1][reason], "blocked");

    let human = tuixin(&["parse", "--format", "human", "-q", "--lang", "zh"], &[&input]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("kijitora@example.org"), "{text}");
    assert!(text.contains("建议操作"), "{text}");
}

#[test]
fn explain_adds_the_registry_meaning() {
    let out =
        tuixin(&["parse", "--explain", "--lang", "zh", "-q"], &[&sample("lhost-postfix-04.eml")]);
    let r = records(&out);
    let meaning = r[0]["explanation"]["deliverystatus"]["meaning"].as_str().unwrap();
    assert!(meaning.contains("邮箱"), "{meaning}");
    assert_eq!(r[0]["explanation"]["replycode"]["code"], "550");
}

#[test]
fn crlf_and_cr_only_copies_read_alike() {
    let name = "lhost-postfix-01.eml";
    let read = |dir: &str| {
        let out = tuixin(&["parse", "-q"], &[&samples().join("maildir").join(dir).join(name)]);
        records(&out)
            .into_iter()
            .map(|mut r| {
                r.as_object_mut().unwrap().remove("origin");
                r
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(read("bsd"), read("dos"));
    assert_eq!(read("bsd"), read("mac"));
}

/// Every escape sequence in `text` is our own styling (SGR: `ESC [ digits ; ... m`).
fn only_sgr_escapes(text: &str) -> Result<(), String> {
    let mut rest = text;
    while let Some(at) = rest.find('\x1b') {
        let seq = &rest[at + 1..];
        let end = seq.find('m').ok_or_else(|| format!("unterminated escape in {text:?}"))?;
        let body = &seq[..end];
        if !body.starts_with('[') || !body[1..].chars().all(|c| c.is_ascii_digit() || c == ';') {
            return Err(format!("foreign escape {:?} in {text:?}", &seq[..seq.len().min(12)]));
        }
        rest = &seq[end + 1..];
    }
    if text.contains('\x07') || text.contains('\u{9b}') {
        return Err(format!("control character in {text:?}"));
    }
    Ok(())
}

#[test]
fn terminal_escapes_in_a_bounce_are_shown_not_obeyed() {
    // A bounce whose recipient, diagnostic and file name carry a window-title change (OSC 0),
    // a screen clear and cursor moves.
    let hostile = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/postfix-dsn.eml"),
    )
    .unwrap()
    .replace(
        "Final-Recipient: rfc822; alice.example@",
        "Final-Recipient: rfc822; alice\x1b[8m.example@",
    )
    .replace(
        "Diagnostic-Code: smtp; 550 5.1.1 <alice.example@mail.example.org>: Recipient",
        "Diagnostic-Code: smtp; 550 5.1.1 <alice.example@mail.example.org>: \x1b]0;pwned\x07\x1b[2J\x1b[3A\u{9b}2J Recipient",
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bounce\x1b[2J.eml");
    std::fs::write(&path, hostile).unwrap();
    for color in ["always", "never"] {
        let out = tuixin(&["parse", "--format", "human", "--why", "--color", color], &[&path]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        only_sgr_escapes(&text).unwrap();
        assert!(text.contains(r"\x1b]0;pwned\x07\x1b[2J\x1b[3A\u{9b}2J Recipient"), "{text}");
        assert!(text.contains(r"bounce\x1b[2J.eml"), "{text}");
        if color == "never" {
            assert!(!text.contains('\x1b'), "{text}");
        }
    }
}

/// Runs tuixin, killing it if it has not finished within `seconds` (a hang fails the test).
fn tuixin_within(seconds: u64, args: &[&str], paths: &[&Path]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tuixin"))
        .args(args)
        .args(paths)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tuixin runs");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut bytes).map(|_| bytes)
    });
    let err = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut bytes).map(|_| bytes)
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("tuixin {args:?} {paths:?} still running after {seconds} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Output { status, stdout: out.join().unwrap().unwrap(), stderr: err.join().unwrap().unwrap() }
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_read_once_and_named() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("bounces");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::copy(sample("lhost-postfix-01.eml"), root.join("a.eml")).unwrap();
    std::fs::copy(sample("lhost-exim-01.eml"), root.join("sub/b.eml")).unwrap();
    // Two links to the folder itself (which used to hang), one from a subfolder to its parent,
    // and a second name for a file.
    symlink(".", root.join("self")).unwrap();
    symlink(".", root.join("again")).unwrap();
    symlink("..", root.join("sub/up")).unwrap();
    symlink("a.eml", root.join("z.eml")).unwrap();
    let out = tuixin_within(30, &["parse"], &[&root]);
    assert!(out.status.success());
    let recipients: Vec<String> =
        records(&out).iter().map(|r| r["recipient"].as_str().unwrap().to_owned()).collect();
    assert_eq!(recipients, ["kijitora@example.org", "kijitora@example.ed.jp"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    for link in ["self", "again", "sub/up", "z.eml"] {
        let line = format!("{}: skipped: the same", root.join(link).display());
        assert!(stderr.contains(&line), "{link} not named: {stderr}");
    }
    assert!(stderr.contains("2 inputs") && stderr.contains("4 skipped"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn a_named_pipe_or_socket_in_a_folder_is_skipped_and_one_named_directly_is_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(sample("lhost-postfix-01.eml"), dir.path().join("a.eml")).unwrap();
    let fifo = dir.path().join("b.fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let _socket = std::os::unix::net::UnixListener::bind(dir.path().join("c.sock")).unwrap();
    let out = tuixin_within(30, &["parse"], &[dir.path()]);
    assert!(out.status.success());
    assert_eq!(records(&out).len(), 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("b.fifo: skipped: a named pipe, not a regular file"), "{stderr}");
    assert!(stderr.contains("c.sock: skipped: a socket, not a regular file"), "{stderr}");
    assert!(stderr.contains("2 skipped"), "{stderr}");

    // Named on the command line, the pipe is read like a file.
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            std::fs::write(&fifo, std::fs::read(sample("lhost-exim-01.eml")).unwrap()).unwrap()
        })
    };
    let out = tuixin_within(30, &["parse", "-q"], &[&fifo]);
    writer.join().unwrap();
    assert!(out.status.success());
    assert_eq!(records(&out)[0]["recipient"], "kijitora@example.ed.jp");
}

fn example(name: &str) -> String {
    std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name),
    )
    .unwrap()
}

#[test]
fn a_from_line_in_a_bounce_body_does_not_split_the_mbox() {
    // An mbox writer that did not escape a body line `From the team...`.
    let postfix = example("postfix-dsn.eml").replace(
        "                   The mail system\n",
        "                   The mail system\n\nFrom the team at Example Shop: sorry for the trouble.\n",
    );
    let mbox = format!(
        "From MAILER-DAEMON Tue Jan 14 10:43:20 2025\n{postfix}\nFrom MAILER-DAEMON Tue Jan 14 10:43:21 2025\n{}",
        example("gmail-rejection.eml")
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bounces.mbox");
    std::fs::write(&path, mbox).unwrap();
    let out = tuixin(&["parse"], &[&path]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let found: Vec<(u64, String)> = records(&out)
        .iter()
        .map(|r| (r["message"].as_u64().unwrap(), r["recipient"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        found,
        [
            (1, "alice.example@mail.example.org".to_owned()),
            (1, "chen.jie@example.net".to_owned()),
            (2, "example.reader.0421@gmail.com".to_owned()),
        ]
    );
}

#[test]
fn a_maildir_written_by_dovecot_is_read_with_its_maildir_plus_plus_folders() {
    let maildir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dovecot/Maildir");
    let found = |path: &Path| {
        let out = tuixin(&["parse"], &[path]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stderr}");
        assert!(stderr.contains("0 could not be read"), "{stderr}");
        records(&out)
            .iter()
            .map(|r| r["recipient"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    // The whole maildir: the INBOX, then the Bounces folder; Dovecot's own files are not mail.
    assert_eq!(
        found(&maildir),
        [
            "li.na@partner.example.net", "alice.example@mail.example.org", "chen.jie@example.net",
            "example.reader.0421@gmail.com"
        ]
    );
    // One Maildir++ folder, as the help's example gives it.
    assert_eq!(
        found(&maildir.join(".Bounces")),
        ["alice.example@mail.example.org", "chen.jie@example.net", "example.reader.0421@gmail.com"]
    );
}

#[cfg(unix)]
#[test]
fn a_named_pipe_is_streamed_records_come_before_its_end() {
    use std::io::BufRead;
    // Records come out in batches of 512 messages: 1000 written fill one at least.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("bounces.fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let message =
        format!("From MAILER-DAEMON Tue Jan 14 10:43:20 2025\n{}\n", example("postfix-dsn.eml"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_tuixin"))
        .args(["parse", "-q", "-j", "1"])
        .arg(&fifo)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (go_on, wait) = std::sync::mpsc::channel::<()>();
    let writer = std::thread::spawn(move || {
        let mut pipe = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
        for _ in 0..1000 {
            pipe.write_all(message.as_bytes()).unwrap();
        }
        // The pipe stays open: what was written must come out before the input ends.
        wait.recv().unwrap();
        pipe.write_all(message.as_bytes()).unwrap();
    });
    let (lines, seen) = std::sync::mpsc::channel();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in stdout.lines() {
            if lines.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let Ok(first) = seen.recv_timeout(std::time::Duration::from_secs(30)) else {
        let _ = child.kill();
        panic!("no record while the pipe stays open");
    };
    let first: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(first["recipient"], "alice.example@mail.example.org");
    go_on.send(()).unwrap();
    writer.join().unwrap();
    assert_eq!(seen.iter().count(), 2 * 1001 - 1);
    assert!(child.wait().unwrap().success());
}

#[test]
fn endless_input_is_read_only_up_to_the_message_size() {
    let out =
        tuixin_within(30, &["parse", "--max-message-size", "1000000"], &[Path::new("/dev/zero")]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("/dev/zero: a line longer than 1000000 bytes (--max-message-size): the rest of the input is not read"),
        "{stderr}"
    );
}

#[test]
fn the_recipient_and_size_caps_say_what_they_cut() {
    let dsn = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/postfix-dsn.eml");
    let out = tuixin(&["parse", "--max-recipients", "1"], &[&dsn]);
    assert!(out.status.success());
    assert_eq!(records(&out).len(), 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("postfix-dsn.eml: more than 1 recipients: records for the first 1 only (--max-recipients)"),
        "{stderr}"
    );
    assert!(stderr.contains("1 record ") && stderr.contains("1 cut by limits"), "{stderr}");
    // At the cap but not past it: nothing to say.
    let out = tuixin(&["parse", "--max-recipients", "2"], &[&dsn]);
    assert_eq!(records(&out).len(), 2);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("cut"));

    let out = tuixin(&["parse", "--max-message-size", "3000"], &[&dsn]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("postfix-dsn.eml: message of 3792 bytes: only its first 3000 bytes decoded (--max-message-size)"),
        "{stderr}"
    );
    assert!(stderr.contains("1 cut by limits"), "{stderr}");
}

/// Whether a tool the test drives is installed. Under `CI=true` a missing one fails the run
/// (`.ci/run` installs them); elsewhere the test says so and is skipped.
fn have(tool: &str) -> bool {
    let found = Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{tool} is not installed (CI)");
        eprintln!("skipped: {tool} is not installed");
    }
    found
}

/// Whether util-linux `script` is there to give tuixin a real terminal.
fn have_script() -> bool {
    have("script")
}

#[cfg(target_os = "linux")]
#[test]
fn stdin_on_a_terminal_gives_a_hint_and_ends_at_the_first_ctrl_d() {
    use std::io::BufRead;
    if !have_script() {
        return;
    }
    // `script` runs tuixin on a new pseudo-terminal and copies our writes to it as typing.
    let command = format!("{} parse --format jsonl", env!("CARGO_BIN_EXE_tuixin"));
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut keyboard = child.stdin.take().unwrap();
    let (lines, seen) = std::sync::mpsc::channel();
    let screen = std::io::BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in screen.lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    // A bounce pasted in mbox form, then one Ctrl-D (the terminal's end of input).
    let paste =
        format!("From MAILER-DAEMON Tue Jan 14 10:43:20 2025\n{}\x04", example("postfix-dsn.eml"));
    keyboard.write_all(paste.as_bytes()).unwrap();
    keyboard.flush().unwrap();
    let mut screen = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !screen.iter().any(|l: &String| l.contains("1 input,")) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match seen.recv_timeout(left) {
            Ok(line) => screen.push(line),
            Err(_) => {
                let _ = child.kill();
                panic!("no summary after one Ctrl-D:\n{}", screen.join("\n"));
            }
        }
    }
    drop(keyboard);
    let _ = child.wait();
    let screen = screen.join("\n");
    assert!(screen.contains("reading a bounce from the terminal"), "{screen}");
    assert!(screen.contains("press Ctrl-D"), "{screen}");
    assert!(screen.contains("\"recipient\":\"chen.jie@example.net\""), "{screen}");
}

/// What a terminal shows of a shell command run on it (through util-linux `script`).
#[cfg(target_os = "linux")]
fn on_a_terminal(shell_command: &str, dir: &Path) -> String {
    let out = Command::new("script")
        .args(["-qec", shell_command, "/dev/null"])
        .current_dir(dir)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[cfg(target_os = "linux")]
#[test]
fn the_progress_bar_counts_bytes_and_never_stays_behind() {
    if !have_script() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let message =
        format!("From MAILER-DAEMON Tue Jan 14 10:43:20 2025\n{}\n", example("postfix-dsn.eml"));
    std::fs::write(dir.path().join("big.mbox"), message.repeat(1500)).unwrap();
    let tuixin = env!("CARGO_BIN_EXE_tuixin");
    let bar = " MiB/"; // bytes read of the one input, out of its size

    // Records to a file: one big mbox shows its progress in bytes, and the bar is cleared.
    let screen = on_a_terminal(&format!("{tuixin} parse big.mbox > records.jsonl"), dir.path());
    let last = screen.rfind(bar).unwrap_or_else(|| panic!("no progress in bytes: {screen:?}"));
    assert!(screen[last..].contains("\x1b[2K"), "bar left on screen: {screen:?}");
    assert!(screen.contains("1500 messages"), "{screen:?}");

    // Output cut short by `| head`: the bar is cleared all the same.
    let screen =
        on_a_terminal(&format!("{tuixin} parse big.mbox | head -1 > /dev/null"), dir.path());
    if let Some(last) = screen.rfind(bar) {
        assert!(screen[last..].contains("\x1b[2K"), "bar left after head: {screen:?}");
    }

    // Records on the terminal itself: no bar drawn among them.
    let screen = on_a_terminal(&format!("{tuixin} parse --format human big.mbox"), dir.path());
    assert!(!screen.contains(bar), "bar drawn among the records");
    assert!(screen.contains("chen.jie@example.net"));
}

#[test]
fn compressed_archives_are_read_as_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let mbox = format!(
        "From MAILER-DAEMON Tue Jan 14 10:43:20 2025\n{}\nFrom MAILER-DAEMON Tue Jan 14 10:43:21 2025\n{}",
        example("postfix-dsn.eml"),
        example("gmail-rejection.eml")
    );
    let plain = dir.path().join("bounces.mbox");
    std::fs::write(&plain, &mbox).unwrap();
    let expected = records(&tuixin(&["parse", "-q"], &[&plain]));
    assert_eq!(expected.len(), 3);
    let recipients = |out: &Output| -> Vec<Value> {
        records(out).iter().map(|r| r["recipient"].clone()).collect()
    };
    // Made with the tools people use: gzip, xz and zstd (each skipped when not installed).
    let mut tried = 0;
    for (tool, args, ext) in [
        ("gzip", vec!["-k", "-f"], "gz"),
        ("xz", vec!["-k", "-f"], "xz"),
        ("zstd", vec!["-q", "-k", "-f"], "zst"),
    ] {
        if !have(tool) {
            continue;
        }
        let status = Command::new(tool).args(&args).arg(&plain).status().unwrap();
        assert!(status.success());
        tried += 1;
        let packed = dir.path().join(format!("bounces.mbox.{ext}"));
        let out = tuixin(&["parse"], &[&packed]);
        assert!(out.status.success(), "{ext}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(
            recipients(&out),
            expected.iter().map(|r| r["recipient"].clone()).collect::<Vec<_>>(),
            "{ext}"
        );
        // On stdin too.
        let mut child = Command::new(env!("CARGO_BIN_EXE_tuixin"))
            .args(["parse", "-q", "-"])
            .stdin(std::fs::File::open(&packed).unwrap())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = Vec::new();
        std::io::Read::read_to_end(child.stdout.as_mut().unwrap(), &mut out).unwrap();
        assert!(child.wait().unwrap().success());
        assert_eq!(String::from_utf8_lossy(&out).lines().count(), 3, "{ext} on stdin");
    }
    assert!(tried > 0 || !cfg!(target_os = "linux"), "no compressor found");

    // Two gzip members one after the other (`cat a.gz b.gz`) read as one stream.
    if tried > 0 && dir.path().join("bounces.mbox.gz").exists() {
        let gz = std::fs::read(dir.path().join("bounces.mbox.gz")).unwrap();
        let twice = dir.path().join("twice.mbox.gz");
        std::fs::write(&twice, [gz.as_slice(), b"", gz.as_slice()].concat()).unwrap();
        let out = tuixin(&["parse", "-q"], &[&twice]);
        assert!(out.status.success());
        // The second copy's first message follows the first copy's last without a blank
        // line, but its From_ line still separates them.
        assert_eq!(records(&out).len(), 6);
    }

    // A broken archive is named, and the batch goes on.
    let broken = dir.path().join("broken.gz");
    std::fs::write(&broken, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]).unwrap();
    let out = tuixin(&["parse"], &[&broken, &plain]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.gz"));
    assert_eq!(records(&out).len(), 3);
}

#[test]
fn stats_say_how_much_rests_on_the_codes_alone() {
    // A Postfix DSN whose words decide, and a qmail bounce whose words decide too.
    let out = tuixin(
        &["parse", "--stats", "--format", "jsonl"],
        &[&sample("lhost-postfix-04.eml"), &sample("lhost-qmail-01.eml")],
    );
    assert!(out.status.success());
    let kinds: Vec<String> =
        records(&out).iter().map(|r| r["rulekind"].as_str().unwrap().to_owned()).collect();
    assert!(!kinds.is_empty() && kinds.iter().all(|k| k != "code"), "{kinds:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr.lines().find(|l| l.contains("reasons decided by")).expect("a stats line");
    assert!(line.contains("server wording"), "{line}");
    assert!(!line.contains("the code alone"), "{line}");
    // Without the flag, no such line.
    let out = tuixin(&["parse", "--format", "jsonl"], &[&sample("lhost-postfix-04.eml")]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("reasons decided by"));
}

#[test]
fn a_bounce_pasted_without_its_header_is_read_and_said_to_have_none() {
    let dir = tempfile::tempdir().unwrap();
    let pasted = dir.path().join("pasted.txt");
    std::fs::write(
        &pasted,
        "This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n  b@example.org\n    SMTP error from remote mail server after RCPT TO:<b@example.org>:\n    550 5.1.1 <b@example.org>: Recipient address rejected: User unknown\n",
    )
    .unwrap();
    let out = tuixin(&["parse", "--format", "jsonl"], &[&pasted]);
    assert!(out.status.success());
    let r = records(&out);
    assert_eq!(r.len(), 1);
    assert_eq!(
        (r[0]["recipient"].as_str(), r[0]["reason"].as_str()),
        (Some("b@example.org"), Some("userunknown"))
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("pasted.txt: no header: read as the text of a bounce"), "{stderr}");
}

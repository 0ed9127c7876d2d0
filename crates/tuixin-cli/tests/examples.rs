//! The bundled examples (the README's main command) give the records that docs/examples.md lists.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

#[test]
fn every_example_gives_its_documented_records() {
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let out = Command::new(env!("CARGO_BIN_EXE_tuixin"))
        .args(["parse", "--format", "jsonl", "--quiet"])
        .arg(&examples)
        .output()
        .expect("tuixin runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: Vec<(String, String, String, String, String, bool)> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let r: Value = serde_json::from_str(l).unwrap();
            let file = r["origin"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
            let s = |k: &str| r[k].as_str().unwrap_or("").to_owned();
            (
                file,
                s("recipient"),
                s("deliverystatus"),
                s("replycode"),
                s("reason"),
                r["hardbounce"].as_bool().unwrap(),
            )
        })
        .collect();
    let row = |f: &str, r: &str, s: &str, c: &str, reason: &str, hard: bool| {
        (f.to_owned(), r.to_owned(), s.to_owned(), c.to_owned(), reason.to_owned(), hard)
    };
    let expected = vec![
        row("arf-complaint.eml", "zhao.min@example.net", "", "", "feedback", false),
        row(
            "exchange-ndr.eml", "li.na@partner.example.net", "5.7.509", "550", "authfailure", false,
        ),
        row(
            "gmail-rejection.eml", "example.reader.0421@gmail.com", "5.1.1", "550", "userunknown",
            true,
        ),
        row(
            "netease-bounce-gb2312.eml", "example-chenjing@163.com", "", "552", "mesgtoobig", false,
        ),
        row(
            "postfix-dsn.eml", "alice.example@mail.example.org", "5.1.1", "550", "userunknown",
            true,
        ),
        row("postfix-dsn.eml", "chen.jie@example.net", "5.2.2", "552", "mailboxfull", false),
        row("qq-bounce-gbk.eml", "example.wanglei@qq.com", "", "550", "userunknown", true),
        row("vacation-autoreply.eml", "zhang.wei@example.org", "", "", "vacation", false),
    ];
    assert_eq!(got, expected);
}

#[test]
fn chinese_bounces_are_read_in_their_charset() {
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    for (file, words) in
        [("qq-bounce-gbk.eml", "该用户不存在"), ("netease-bounce-gb2312.eml", "收件人")]
    {
        let out = Command::new(env!("CARGO_BIN_EXE_tuixin"))
            .args(["parse", "--format", "jsonl", "--quiet"])
            .arg(examples.join(file))
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(words), "{file}: {text}");
    }
}

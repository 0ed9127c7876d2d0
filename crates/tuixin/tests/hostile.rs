//! Hostile and broken input: never a panic, never worse than linear, limits that hold.
//! Times are measured in the benchmarks, not here; these tests check what a user would notice.

use std::path::PathBuf;

use proptest::prelude::*;
use tuixin::{DecodeError, Decoder, Limits, decode};

fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/set-of-emails/maildir/bsd");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the corpus at {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap())
        })
        .collect()
}

/// The fields a user reads, without the ones that name the input.
fn fields(records: &[tuixin::Record]) -> Vec<String> {
    records
        .iter()
        .map(|r| {
            format!(
                "{}|{}|{}|{}|{}|{}|{}|{}",
                r.recipient,
                r.deliverystatus,
                r.replycode,
                r.reason,
                r.action,
                r.diagnosticcode,
                r.addresser,
                r.messageid
            )
        })
        .collect()
}

const DSN_HEAD: &str = "From: MAILER-DAEMON@example.org\nTo: sender@example.com\nSubject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\nThe mail system could not deliver your message.\n\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\n";

fn dsn_with_recipients(n: usize) -> Vec<u8> {
    let mut text = String::from(DSN_HEAD);
    for i in 0..n {
        text.push_str(&format!(
            "Final-Recipient: rfc822; user{i}@example.net\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n\n"
        ));
    }
    text.push_str("--B--\n");
    text.into_bytes()
}

#[test]
fn ten_thousand_recipients_are_all_reported_or_cut_at_the_limit() {
    let bytes = dsn_with_recipients(10_000);
    assert_eq!(decode(&bytes).unwrap().len(), 10_000);
    let limited =
        Decoder::default().with_limits(Limits { max_recipients: 100, ..Limits::default() });
    assert_eq!(limited.decode(&bytes).unwrap().len(), 100);
}

#[test]
fn deep_mime_nesting_is_decoded_without_a_crash() {
    let depth = 1_000;
    let mut text = String::from(
        "From: MAILER-DAEMON@example.org\nSubject: Undelivered Mail\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b0\"\n\n",
    );
    for i in 0..depth {
        text.push_str(&format!(
            "--b{i}\nContent-Type: multipart/mixed; boundary=\"b{}\"\n\n",
            i + 1
        ));
    }
    text.push_str(&format!("--b{depth}\nContent-Type: text/plain\n\n<x@example.net>: host mx.example.net said: 550 5.1.1 user unknown\n"));
    for i in (0..=depth).rev() {
        text.push_str(&format!("--b{i}--\n"));
    }
    // Deeper than the default limit: a clear error naming the limit.
    assert!(matches!(decode(text.as_bytes()), Err(DecodeError::TooDeep { limit: 200, .. })));
    let unlimited = Limits { max_depth: usize::MAX, ..Limits::default() };
    let deep = Decoder::default().with_limits(unlimited);
    assert!(deep.decode(text.as_bytes()).is_ok());
    let few = Decoder::default().with_limits(Limits { max_parts: 10, ..unlimited });
    assert!(matches!(
        few.decode(text.as_bytes()),
        Err(DecodeError::TooManyParts { limit: 10, .. })
    ));

    let mut nested = String::from("Subject: innermost\n\nbody\n");
    for i in 0..depth {
        nested = format!(
            "From: MAILER-DAEMON@example.org\nSubject: Undelivered {i}\nContent-Type: message/rfc822\n\n{nested}"
        );
    }
    assert!(matches!(decode(nested.as_bytes()), Err(DecodeError::TooDeep { .. })));
    assert!(deep.decode(nested.as_bytes()).is_ok());
}

#[test]
fn a_header_line_over_the_limit_is_a_clear_error() {
    let text = format!(
        "From: MAILER-DAEMON@example.org\nSubject: x\nX-Long: {}\n\nbody\n",
        "b".repeat(5000)
    );
    let strict =
        Decoder::default().with_limits(Limits { max_header_line: 1000, ..Limits::default() });
    let error = strict.decode(text.as_bytes()).unwrap_err();
    assert!(matches!(error, DecodeError::HeaderLineTooLong { limit: 1000, .. }), "{error}");
    assert!(decode(text.as_bytes()).is_ok());
}

#[test]
fn a_huge_single_line_keeps_a_bounded_diagnostic() {
    let mut text = String::from(
        "From: MAILER-DAEMON@example.org\nSubject: Undelivered Mail\n\n<x@example.net>: host mx.example.net said: 550 5.1.1 ",
    );
    text.push_str(&"a".repeat(20 << 20));
    text.push('\n');
    let records = decode(text.as_bytes()).unwrap();
    assert_eq!(records[0].recipient, "x@example.net");
    assert_eq!(records[0].deliverystatus, "5.1.1");
    assert!(records[0].diagnosticcode.len() <= Limits::default().max_diagnostic_bytes);
}

#[test]
fn a_megabyte_header_line_is_read() {
    let text = format!(
        "From: MAILER-DAEMON@example.org\nSubject: Undelivered {}\nX-Failed-Recipients: x@example.net\n\n<x@example.net>: 550 5.1.1 user unknown\n",
        "b".repeat(1 << 20)
    );
    assert_eq!(decode(text.as_bytes()).unwrap()[0].recipient, "x@example.net");
}

#[test]
fn a_message_over_the_size_limit_is_decoded_from_its_start() {
    let mut bytes = dsn_with_recipients(3);
    let attachment =
        format!("\n--B\nContent-Type: application/octet-stream\n\n{}\n", "x".repeat(1 << 20));
    bytes.extend_from_slice(attachment.as_bytes());
    let small =
        Decoder::default().with_limits(Limits { max_message_bytes: 64 << 10, ..Limits::default() });
    let records = small.decode(&bytes).unwrap();
    assert_eq!(records.len(), 3);
    assert_eq!(records[0].deliverystatus, "5.1.1");
}

#[test]
fn every_corpus_sample_reads_alike_with_lf_crlf_and_cr_line_ends() {
    for (name, bytes) in corpus() {
        let lf: Vec<u8> = bytes.iter().copied().filter(|&b| b != b'\r').collect();
        let crlf: Vec<u8> = lf
            .iter()
            .flat_map(|&b| if b == b'\n' { vec![b'\r', b'\n'] } else { vec![b] })
            .collect();
        let cr: Vec<u8> = lf.iter().map(|&b| if b == b'\n' { b'\r' } else { b }).collect();
        let want = decode(&lf).map(|r| fields(&r));
        assert_eq!(decode(&crlf).map(|r| fields(&r)), want, "{name}: CRLF differs");
        assert_eq!(decode(&cr).map(|r| fields(&r)), want, "{name}: CR differs");
    }
}

#[test]
fn inputs_that_fuzzing_found_are_decoded_without_a_panic() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let _ = decode(&bytes);
        let _ = tuixin::find_codes(&String::from_utf8_lossy(&bytes));
        count += 1;
    }
    assert!(count >= 1, "no regression inputs in {}", dir.display());
}

#[test]
fn decoding_is_deterministic() {
    for (name, bytes) in corpus() {
        assert_eq!(decode(&bytes), decode(&bytes), "{name}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = decode(&bytes);
    }

    #[test]
    fn arbitrary_html_only_bounces_never_panic(
        body in proptest::collection::vec(
            prop_oneof![
                Just("<"), Just(">"), Just("</"), Just("<!--"), Just("-->"), Just("&"), Just(";"),
                Just("&#x"), Just("&amp;"), Just("\""), Just("'"), Just("<style type=\"a>b\">"),
                Just("</style>"), Just("<br>"), Just("<p>"), Just("<td>"), Just(" "), Just("\n"),
                Just("550 5.1.1 user unknown"), Just("a@example.org"), Just("é"), Just("\u{a0}"),
            ],
            0..200,
        )
    ) {
        let text = format!("From: MAILER-DAEMON@example.org\nSubject: Undelivered Mail\nContent-Type: text/html; charset=utf-8\n\n{}", body.concat());
        let _ = decode(text.as_bytes());
    }

    #[test]
    fn arbitrary_text_after_bounce_headers_never_panics(body in ".{0,2000}") {
        let text = format!("From: MAILER-DAEMON@example.org\nSubject: Undelivered Mail\nContent-Type: multipart/report; boundary=\"B\"\n\n--B\n{body}");
        let _ = decode(text.as_bytes());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Corpus samples with bytes flipped, cut short, or spliced: a clear result, never a panic.
    #[test]
    fn mutated_corpus_samples_never_panic(
        pick in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..32),
    ) {
        static CORPUS: std::sync::LazyLock<Vec<(String, Vec<u8>)>> = std::sync::LazyLock::new(corpus);
        let (_, sample) = pick.get(&CORPUS);
        let mut bytes = sample.clone();
        for (at, byte) in flips {
            if !bytes.is_empty() {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
        }
        let end = cut.index(bytes.len() + 1);
        bytes.truncate(end);
        let _ = decode(&bytes);
    }
}

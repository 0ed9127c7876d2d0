//! Free text (bytes as lossy UTF-8) → `find_codes`, explain every code in both languages,
//! and classify the text as a diagnostic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tuixin::classify::Facts;
use tuixin::{Classifier, Code, Lang, Registry};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text: &str = &text;

    // The whole text as one code, right or wrong.
    if let Ok(code) = Code::parse(text) {
        explain_both(code);
    }
    let _ = Code::looks_like_code(text);

    let found = tuixin::find_codes(text);
    let mut status = String::new();
    let mut reply = String::new();
    for f in &found {
        assert!(f.start < f.end && f.end <= text.len(), "bad range {f:?} in {} bytes", text.len());
        assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
        explain_both(f.code);
        // A found code written back out parses to itself.
        let written = f.code.to_string();
        assert_eq!(Code::parse(&written), Ok(f.code), "{written:?} does not parse back");
        match f.code {
            Code::Enhanced(_) if status.is_empty() => status = written,
            Code::Reply(_) if reply.is_empty() => reply = written,
            _ => {}
        }
    }

    // The host-like last word (lowercased) stands in for the remote host, so provider rules run.
    let rhost = text
        .split_whitespace()
        .rev()
        .find(|w| w.contains('.'))
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '.').to_lowercase())
        .unwrap_or_default();
    let classifier = Classifier::builtin();
    let _ = classifier.provider_of(&rhost);
    let _ = classifier.classify(&Facts {
        diagnostic: text,
        status: &status,
        reply: &reply,
        rhost: &rhost,
        destination: &rhost,
        command: "RCPT",
    });
    let _ = classifier.classify(&Facts {
        diagnostic: text,
        status: "",
        reply: "",
        rhost: "",
        destination: "",
        command: "",
    });
});

fn explain_both(code: Code) {
    let registry = Registry::builtin();
    for lang in [Lang::En, Lang::Zh] {
        let _ = registry.explain(code, lang);
        for provider in registry.providers() {
            let _ = registry.explain_for(code, Some(provider), lang);
        }
    }
}

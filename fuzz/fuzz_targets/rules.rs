//! A user's rule file (bytes as lossy UTF-8) → `Classifier::check_rules` and
//! `Classifier::builtin().with_user_rules`; when it compiles, classify fixed diagnostics with it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tuixin::Classifier;
use tuixin::classify::Facts;

const FACTS: &[Facts<'static>] = &[
    Facts {
        diagnostic: "550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in \
                     local recipient table",
        status: "5.1.1",
        reply: "550",
        rhost: "mx.example.com",
        destination: "example.com",
        command: "RCPT",
    },
    Facts {
        diagnostic: "552-5.2.2 The email account that you tried to reach is over quota. 该用户邮箱已满",
        status: "5.2.2",
        reply: "552",
        rhost: "gmail-smtp-in.l.google.com",
        destination: "gmail.com",
        command: "DATA",
    },
    Facts { diagnostic: "", status: "", reply: "", rhost: "", destination: "", command: "" },
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let checked = Classifier::check_rules("fuzz.toml", &text);
    let built = Classifier::builtin().with_user_rules("fuzz.toml", &text);
    // Both read the same file the same way.
    assert_eq!(checked.is_ok(), built.is_ok(), "check_rules and with_user_rules disagree");
    if let Ok(classifier) = built {
        for facts in FACTS {
            let _ = classifier.classify(facts);
        }
    }
});

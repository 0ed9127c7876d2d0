//! The registry holds every code the standards define, in both languages, and explains any code.

use tuixin::{Code, EnhancedStatus, Lang, Registry, ReplyCode, Severity};

/// RFC 5321 §4.2 and the extension codes real servers send (RFC 3207, 4954, 7504, 1870, 1985).
const REPLY_CODES: &[u16] = &[
    211, 214, 220, 221, 250, 251, 252, 354, 421, 450, 451, 452, 455, 500, 501, 502, 503, 504, 550,
    551, 552, 553, 554, 555, // RFC 5321
    454, 530, // RFC 3207
    235, 334, 432, 534, 535, 538, // RFC 4954
    521, 556, // RFC 7504
    458, 459, // RFC 1985
];

/// Every subject.detail in the IANA registry: RFC 3463 and everything registered since.
fn enhanced_details() -> Vec<(u16, u16)> {
    let last_detail = [(0, 0), (1, 10), (2, 4), (3, 6), (4, 7), (5, 6), (6, 10), (7, 30)];
    last_detail
        .iter()
        .flat_map(|&(subject, last)| (0..=last).map(move |detail| (subject, detail)))
        .filter(|&(subject, detail)| subject != 0 || detail == 0)
        .collect()
}

fn assert_complete(explanation: &tuixin::Explanation) {
    for (field, text) in [
        ("title", &explanation.title),
        ("meaning", &explanation.meaning),
        ("cause", &explanation.cause),
        ("action", &explanation.action),
    ] {
        assert!(
            !text.trim().is_empty(),
            "{} has no {field} in {}",
            explanation.code,
            explanation.lang
        );
    }
}

#[test]
fn every_listed_reply_code_is_registered_in_both_languages() {
    let registry = Registry::builtin();
    for &value in REPLY_CODES {
        let code = Code::Reply(ReplyCode::new(value).unwrap());
        assert!(registry.is_registered(code), "{value} is missing");
        for lang in [Lang::En, Lang::Zh] {
            let e = registry.explain(code, lang);
            assert!(e.registered);
            assert!(!e.references.is_empty(), "{value} has no reference");
            assert_complete(&e);
        }
    }
}

#[test]
fn every_iana_enhanced_code_is_registered_for_classes_2_4_and_5() {
    let registry = Registry::builtin();
    let details = enhanced_details();
    assert_eq!(details.len(), 81);
    for (subject, detail) in details {
        assert!(registry.detail_name(subject, detail).is_some(), "X.{subject}.{detail} is missing");
        for class in [2, 4, 5] {
            let code = Code::Enhanced(EnhancedStatus::new(class, subject, detail).unwrap());
            for lang in [Lang::En, Lang::Zh] {
                let e = registry.explain(code, lang);
                assert!(e.registered, "{code}");
                assert!(e.references[0].starts_with("RFC") || e.references[0].contains("draft"));
                assert_complete(&e);
            }
        }
    }
}

#[test]
fn registry_lists_exactly_the_registered_codes() {
    let registry = Registry::builtin();
    let codes = registry.codes();
    assert_eq!(codes.len(), REPLY_CODES.len() + 81 * 3);
    assert!(codes.iter().all(|&c| registry.is_registered(c)));
}

#[test]
fn chinese_texts_use_mainland_terms() {
    let registry = Registry::builtin();
    let taiwan =
        ["伺服器", "信箱", "網路", "网路", "設定", "資訊", "资讯", "寄件者", "支援", "連線"];
    for code in registry.codes() {
        let e = registry.explain(code, Lang::Zh);
        for text in [&e.title, &e.meaning, &e.cause, &e.action] {
            for term in taiwan {
                assert!(!text.contains(term), "{code} uses {term:?}: {text}");
            }
        }
    }
}

#[test]
fn chinese_texts_use_full_width_punctuation() {
    let registry = Registry::builtin();
    let is_cjk = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    for code in registry.codes() {
        let e = registry.explain(code, Lang::Zh);
        for text in [&e.title, &e.meaning, &e.cause, &e.action] {
            let chars: Vec<char> = text.chars().collect();
            for (i, c) in chars.iter().enumerate() {
                if matches!(c, ',' | ';' | ':' | '(' | ')') {
                    let before = i.checked_sub(1).map(|j| chars[j]);
                    let after = chars.get(i + 1).copied();
                    assert!(
                        !before.is_some_and(is_cjk) && !after.is_some_and(is_cjk),
                        "{code}: ASCII {c:?} beside Chinese text: {text}"
                    );
                }
            }
        }
    }
}

#[test]
fn seed_error_on_x_1_5_is_corrected() {
    // The seed page renders "Destination address valid" as 无效 (invalid).
    let e = Registry::builtin().explain(Code::parse("2.1.5").unwrap(), Lang::Zh);
    assert!(e.title.contains("有效") && !e.title.contains("无效"), "{}", e.title);
}

#[test]
fn unregistered_codes_are_explained_from_class_and_subject() {
    let registry = Registry::builtin();
    for text in ["5.7.509", "4.7.32", "5.4.316", "2.6.99"] {
        let code = Code::parse(text).unwrap();
        for lang in [Lang::En, Lang::Zh] {
            let e = registry.explain(code, lang);
            assert!(!e.registered, "{text}");
            assert_complete(&e);
            let subject = registry.subject(e.subject.as_ref().unwrap().digit).unwrap();
            // A success names the part of the exchange; a failure says what went wrong there.
            let told = if e.severity == Severity::Success {
                &subject.get(lang).title
            } else {
                &subject.get(lang).meaning
            };
            assert!(e.meaning.contains(told.as_str()), "{text}: {}", e.meaning);
        }
    }
    // RFC 3463 has no subject 9: 5.9.1 is no status code, and nothing explains it.
    assert!(Code::parse("5.9.1").is_err());
}

#[test]
fn unregistered_reply_codes_are_explained_from_their_digits() {
    let registry = Registry::builtin();
    for (text, severity) in [("559", Severity::Permanent), ("428", Severity::Transient)] {
        for lang in [Lang::En, Lang::Zh] {
            let e = registry.explain(Code::parse(text).unwrap(), lang);
            assert!(!e.registered, "{text}");
            assert_eq!(e.severity, severity);
            assert_eq!(e.class.digit, u16::from(text.as_bytes()[0] - b'0'));
            assert!(e.subject.is_some(), "{text} has its second digit explained");
            assert_complete(&e);
        }
    }
}

#[test]
fn a_provider_can_give_a_code_its_own_meaning() {
    let registry = Registry::builtin();
    let code = Code::parse("5.7.27").unwrap();
    let iana = registry.explain(code, Lang::En);
    let gmail = registry.explain_for(code, Some("google"), Lang::En);
    assert_eq!(gmail.provider.as_deref(), Some("google"));
    assert_ne!(gmail.meaning, iana.meaning);
    assert!(gmail.title.contains("SPF"), "{}", gmail.title);
    assert_eq!(gmail.registry_title.as_deref(), Some(iana.title.as_str()));
    // The same code from another provider keeps the registry's meaning.
    assert_eq!(registry.explain_for(code, Some("microsoft"), Lang::En), iana);

    let ms = registry.explain_for(Code::parse("5.1.10").unwrap(), Some("microsoft"), Lang::Zh);
    assert_eq!(ms.provider.as_deref(), Some("microsoft"));
    assert!(ms.registered, "5.1.10 is registered at IANA (null MX)");
    assert_complete(&ms);
}

#[test]
fn success_codes_are_explained_as_successes() {
    let registry = Registry::builtin();
    for text in ["2.6.0", "2.5.0", "2.7.0", "2.4.7", "2.0.0"] {
        for lang in [Lang::En, Lang::Zh] {
            let code = Code::parse(text).unwrap();
            let e = registry.explain(code, lang);
            let class = registry.explain(Code::parse("2.0.99").unwrap(), lang);
            assert_eq!(e.severity, Severity::Success, "{text}");
            assert!(e.meaning.starts_with(&class.class.meaning), "{text}: {}", e.meaning);
            // Not the failure wording that the same detail has in class 5.
            let failure = registry.explain(Code::parse(&text.replacen('2', "5", 1)).unwrap(), lang);
            assert!(!e.meaning.contains(&failure.meaning), "{text}: {}", e.meaning);
            assert_ne!(e.action, failure.action, "{text}");
        }
    }
    // A detail written as a success keeps its own words.
    let valid = registry.explain(Code::parse("2.1.5").unwrap(), Lang::En);
    assert_eq!(valid.title, "Destination address valid");
}

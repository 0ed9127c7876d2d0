//! Every code on the reference page that started the project is in the registry, in both languages.

use std::collections::BTreeSet;
use std::path::PathBuf;

use tuixin::{Code, Lang, Registry, find_codes};

fn seed_text() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/seed/000_e2e19aae8669eba3.txt");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read the seed page {}: {e}", path.display()))
}

#[test]
fn every_code_on_the_seed_page_is_explained_in_english_and_chinese() {
    let text = seed_text();
    let registry = Registry::builtin();
    let found: BTreeSet<String> = find_codes(&text).iter().map(|f| f.code.to_string()).collect();

    // Counted apart from the scanner: table rows "4.1.1 | ..." and the reply codes of the page.
    let rows: BTreeSet<String> = text
        .lines()
        .filter_map(|line| line.split(" | ").next())
        .filter(|code| code.len() == 5 && !code.ends_with('X'))
        .map(str::to_owned)
        .collect();
    assert_eq!(rows.len(), 96, "the seed's table rows");
    let replies = ["421", "451", "452", "550", "551", "552", "553", "554"];
    let mut expected = rows.clone();
    expected.extend(replies.iter().map(|c| c.to_string()));
    assert_eq!(found, expected, "codes found on the seed page");

    for text in &found {
        let code = Code::parse(text).unwrap();
        assert!(registry.is_registered(code), "{text} is not in the registry");
        for lang in [Lang::En, Lang::Zh] {
            let e = registry.explain(code, lang);
            assert!(!e.meaning.is_empty() && !e.cause.is_empty() && !e.action.is_empty());
            assert!(!e.title.is_empty(), "{text} has no {lang} title");
        }
    }
}

#[test]
fn every_subject_row_on_the_seed_page_is_explained() {
    let text = seed_text();
    let registry = Registry::builtin();
    let subjects: BTreeSet<u16> = text
        .lines()
        .filter_map(|line| line.split(" | ").next())
        .filter_map(|head| head.strip_suffix(".X"))
        .filter_map(|head| head.split('.').nth(1)?.parse().ok())
        .collect();
    assert_eq!(subjects, (1..=7).collect());
    for subject in subjects {
        let texts = registry.subject(subject).unwrap();
        assert!(!texts.en.title.is_empty() && !texts.zh.title.is_empty());
    }
}

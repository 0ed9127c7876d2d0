//! The order of the text rules: every phrase of a rule that has no regex and no command guard
//! must decide its own rule when it stands alone (with a code its `codes` accept), or at least
//! its own reason. A phrase that an earlier rule of another reason takes can never decide: the
//! earlier rule is too general, or the later one is misplaced (first match in file order wins).

use tuixin::Classifier;
use tuixin::classify::Facts;

/// Phrases that an earlier rule of the same reason decides: harmless, listed so that a new one
/// is looked at. (rule id, phrase).
const SAME_REASON_SHADOWS: &[(&str, &str)] = &[
    // OpenSMTPD's 'Network error on destination MXs': networkerror.connection's 'network error'.
    ("networkerror.connection-failed", "network error on destination mxs"),
];

/// A status and a reply code that a rule's first `codes` entry accepts.
fn codes_for(codes: &[toml::Value]) -> (String, String) {
    let Some(first) = codes.first().and_then(|c| c.as_str()) else {
        return (String::new(), String::new());
    };
    let code = first.replace('x', "0");
    if code.contains('.') {
        let status = if code.matches('.').count() == 1 { format!("{code}.0") } else { code };
        let reply = format!("{}50", &status[..1]);
        (status, reply)
    } else {
        (String::new(), format!("{code:0<3}"))
    }
}

#[test]
fn every_phrase_can_decide_its_own_rule() {
    let text: toml::Value =
        toml::from_str(include_str!("../data/rules/text.toml")).expect("text.toml parses");
    let rules = text["rule"].as_array().expect("rules");
    let mut failures = Vec::new();
    let mut count = 0;
    for rule in rules {
        if rule.get("regex").is_some() || rule.get("commands").is_some() {
            continue;
        }
        let id = rule["id"].as_str().unwrap();
        let reason = rule["reason"].as_str().unwrap();
        let codes = rule.get("codes").and_then(|c| c.as_array()).cloned().unwrap_or_default();
        let (status, reply) = codes_for(&codes);
        for phrase in rule.get("phrases").and_then(|p| p.as_array()).into_iter().flatten() {
            let phrase = phrase.as_str().unwrap();
            count += 1;
            let diagnostic =
                if reply.is_empty() { phrase.to_owned() } else { format!("{reply} {phrase}") };
            let v = Classifier::builtin().classify(&Facts {
                diagnostic: &diagnostic,
                status: &status,
                reply: &reply,
                ..Facts::default()
            });
            if v.rule == id {
                continue;
            }
            if v.reason.as_str() == reason && SAME_REASON_SHADOWS.contains(&(id, phrase)) {
                continue;
            }
            failures.push(format!(
                "{id} ({reason}): {phrase:?} is decided by {} ({})",
                v.rule,
                v.reason.as_str()
            ));
        }
    }
    assert!(count > 500, "only {count} phrases checked");
    assert!(
        failures.is_empty(),
        "{} phrases cannot decide:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

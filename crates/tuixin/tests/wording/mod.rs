//! The harness the wording catalogues share: each case a reply or notice line as its emitter
//! writes it, which must be decided by its words (a text or provider rule), not by a code alone.

use tuixin::classify::Facts;
use tuixin::{Classifier, Reason, RuleKind};

/// One line of a catalogue and the reason its words give.
pub struct Case<'a> {
    /// Whose wording it is.
    pub whose: &'a str,
    pub diagnostic: &'a str,
    pub status: &'a str,
    pub reply: &'a str,
    /// The SMTP command it answers, or empty.
    pub command: &'a str,
    /// The expected reason's name.
    pub reason: &'a str,
}

/// A catalogue line: (whose wording, diagnostic, status, reply, command, reason).
pub type Line<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, &'a str);

impl<'a> From<Line<'a>> for Case<'a> {
    fn from((whose, diagnostic, status, reply, command, reason): Line<'a>) -> Case<'a> {
        Case { whose, diagnostic, status, reply, command, reason }
    }
}

/// Classifies every case as the reply of `rhost` for a recipient in `destination`, and fails
/// with every case that its words did not decide as expected.
pub fn check<'a>(cases: impl IntoIterator<Item = Case<'a>>, rhost: &str, destination: &str) {
    let mut failures = Vec::new();
    let mut count = 0;
    for case in cases {
        count += 1;
        let v = Classifier::builtin().classify(&Facts {
            diagnostic: case.diagnostic,
            status: case.status,
            reply: case.reply,
            rhost,
            destination,
            command: case.command,
        });
        let want = Reason::from_name(case.reason)
            .unwrap_or_else(|| panic!("{:?} is no reason", case.reason));
        let by_words = matches!(v.kind, RuleKind::Text | RuleKind::Provider);
        if v.reason != want || !by_words {
            failures.push(format!(
                "{}: {:?} ({}/{}) gave {} by {} ({:?}, evidence {:?}), want {} by its words",
                case.whose,
                case.diagnostic,
                case.status,
                case.reply,
                v.reason.as_str(),
                v.rule,
                v.kind,
                v.evidence,
                case.reason
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Classifies every case as `check` does, and fails with every case read as the reason it names:
/// a case here is one cause's wording that a rule for another cause must NOT take (its
/// `reason` is the reason it must not be given), whatever else decides it, words or code.
#[allow(dead_code)]
pub fn check_not<'a>(cases: impl IntoIterator<Item = Case<'a>>, rhost: &str, destination: &str) {
    let mut failures = Vec::new();
    let mut count = 0;
    for case in cases {
        count += 1;
        let v = Classifier::builtin().classify(&Facts {
            diagnostic: case.diagnostic,
            status: case.status,
            reply: case.reply,
            rhost,
            destination,
            command: case.command,
        });
        let not = Reason::from_name(case.reason)
            .unwrap_or_else(|| panic!("{:?} is no reason", case.reason));
        if v.reason == not {
            failures.push(format!(
                "{}: {:?} ({}/{}, {}) gave {} by {} (evidence {:?}), which it must not",
                case.whose,
                case.diagnostic,
                case.status,
                case.reply,
                case.command,
                v.reason.as_str(),
                v.rule,
                v.evidence
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

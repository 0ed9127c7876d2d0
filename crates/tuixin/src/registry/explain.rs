//! Building the explanation of one code from the registry's entries.

use serde::Serialize;

use super::{Registry, Text};
use crate::Lang;
use crate::code::{EnhancedStatus, ReplyCode, Severity};

/// Which kind of code an explanation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CodeKind {
    /// A three-digit SMTP reply code.
    Reply,
    /// An enhanced status code.
    Enhanced,
}

/// One digit of a code explained on its own: a class or subject, or a reply code's digit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Part {
    /// The digit (or, for a subject, the number).
    pub digit: u16,
    /// Its short name.
    pub title: String,
    /// What it says.
    pub meaning: String,
}

/// A code explained in one language: what it means, why it happens, what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The code as written, e.g. `550` or `5.1.1`.
    pub code: String,
    /// Reply code or enhanced status code.
    pub kind: CodeKind,
    /// Success, intermediate, transient or permanent.
    pub severity: Severity,
    /// Whether the code is in RFC 5321 / its extensions or the IANA enhanced-code registry.
    pub registered: bool,
    /// The provider whose own meaning of the code this is, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The registry's name for the code, where a provider's meaning replaced it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry_title: Option<String>,
    /// The RFCs or documents that define the code.
    pub references: Vec<String>,
    /// The language of the texts.
    pub lang: Lang,
    /// A short name.
    pub title: String,
    /// What the code says.
    pub meaning: String,
    /// What usually triggers it in practice.
    pub cause: String,
    /// What the sender should do.
    pub action: String,
    /// The class (enhanced code) or first digit (reply code).
    pub class: Part,
    /// The subject (enhanced code) or second digit (reply code), where defined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<Part>,
}

impl Explanation {
    /// True for a failure that retrying may cure.
    pub fn is_transient(&self) -> bool {
        self.severity.is_transient()
    }

    /// True for a failure that retrying will not cure.
    pub fn is_permanent(&self) -> bool {
        self.severity.is_permanent()
    }
}

fn part(digit: u16, text: &Text) -> Part {
    Part { digit, title: text.title.clone(), meaning: text.meaning.clone() }
}

/// Two sentences as one text: a space between English sentences, nothing between Chinese ones.
fn join(lang: Lang, first: &str, second: &str) -> String {
    match lang {
        Lang::En => format!("{first} {second}"),
        Lang::Zh => format!("{first}{second}"),
    }
}

/// "It concerns the subject" as a sentence.
fn concerns(lang: Lang, subject: &str) -> String {
    match lang {
        Lang::En => format!("The report concerns this part of the exchange: {subject}."),
        Lang::Zh => format!("该报告涉及的环节\u{ff1a}{subject}\u{3002}"),
    }
}

/// Two names as one title.
fn join_titles(lang: Lang, first: &str, second: &str) -> String {
    match lang {
        Lang::En => format!("{first}: {second}"),
        Lang::Zh => format!("{first}\u{ff1a}{second}"),
    }
}

pub(super) fn reply(registry: &Registry, code: ReplyCode, lang: Lang) -> Explanation {
    let first = registry
        .first_digits
        .get(&code.first_digit())
        .map(|d| d.texts.get(lang))
        .expect("reply.toml defines digits 2 to 5 (checked by tests)");
    let second = registry.second_digits.get(&code.second_digit()).map(|d| d.texts.get(lang));
    let class = part(u16::from(code.first_digit()), first);
    let subject = second.map(|t| part(u16::from(code.second_digit()), t));
    let base = Explanation {
        code: code.to_string(),
        kind: CodeKind::Reply,
        severity: code.severity(),
        registered: false,
        provider: None,
        registry_title: None,
        references: Vec::new(),
        lang,
        title: String::new(),
        meaning: String::new(),
        cause: String::new(),
        action: String::new(),
        class,
        subject,
    };
    match registry.replies.get(&code.value()) {
        Some(entry) => {
            let text = entry.texts.get(lang);
            Explanation {
                registered: true,
                references: entry.references.clone(),
                title: text.title.clone(),
                meaning: text.meaning.clone(),
                cause: text.cause.clone(),
                action: text.action.clone(),
                ..base
            }
        }
        None => {
            let (title, meaning) = match second {
                Some(second) => (
                    join_titles(lang, &first.title, &second.title),
                    join(lang, &first.meaning, &second.meaning),
                ),
                None => (first.title.clone(), first.meaning.clone()),
            };
            Explanation {
                title,
                meaning,
                cause: first.cause.clone(),
                action: first.action.clone(),
                ..base
            }
        }
    }
}

pub(super) fn enhanced(
    registry: &Registry,
    status: EnhancedStatus,
    provider: Option<&str>,
    lang: Lang,
) -> Explanation {
    let class_text = registry
        .classes
        .get(&status.class)
        .map(|c| c.texts.get(lang))
        .expect("classes.toml defines classes 2, 4 and 5 (checked by tests)");
    let subject_text = registry.subjects.get(&status.subject).map(|s| s.texts.get(lang));
    let detail = registry.details.get(&(status.subject, status.detail));
    let base = Explanation {
        code: status.to_string(),
        kind: CodeKind::Enhanced,
        severity: status.severity(),
        registered: detail.is_some(),
        provider: None,
        registry_title: None,
        references: Vec::new(),
        lang,
        title: String::new(),
        meaning: String::new(),
        cause: String::new(),
        action: String::new(),
        class: part(u16::from(status.class), class_text),
        subject: subject_text.map(|t| part(status.subject, t)),
    };
    let success = status.class == 2;

    if let Some(o) = provider.and_then(|p| registry.override_for(p, status)) {
        let text = o.texts.get(lang);
        return Explanation {
            provider: Some(o.provider.clone()),
            registry_title: detail.map(|d| d.texts.get(lang).title.clone()),
            references: vec![o.source.clone()],
            title: text.title.clone(),
            meaning: text.meaning.clone(),
            cause: text.cause.clone(),
            action: text.action.clone(),
            ..base
        };
    }

    // A detail that the registry pairs with 2xx replies only (X.1.5 "Destination address
    // valid") is written as a success.
    let success_detail = detail
        .is_some_and(|d| !d.basic.is_empty() && d.basic.iter().all(|&reply| reply / 100 == 2));
    if success && !success_detail {
        // A success code reports an outcome: the detail's and subject's texts describe failures
        // of that kind, so the class speaks, and the subject only says what part it concerns.
        let (title, meaning) = match subject_text {
            Some(subject) => (
                join_titles(lang, &class_text.title, &subject.title),
                join(lang, &class_text.meaning, &concerns(lang, &subject.title)),
            ),
            None => (class_text.title.clone(), class_text.meaning.clone()),
        };
        return Explanation {
            references: detail.map(|d| vec![d.reference.clone()]).unwrap_or_default(),
            title,
            meaning,
            cause: class_text.cause.clone(),
            action: class_text.action.clone(),
            ..base
        };
    }

    match (detail, subject_text) {
        (Some(detail), _) => {
            let text = detail.texts.get(lang);
            Explanation {
                references: vec![detail.reference.clone()],
                title: text.title.clone(),
                meaning: text.meaning.clone(),
                cause: text.cause.clone(),
                action: text.action.clone(),
                ..base
            }
        }
        (None, Some(subject)) => Explanation {
            title: join_titles(lang, &class_text.title, &subject.title),
            meaning: join(lang, &subject.meaning, &class_text.meaning),
            cause: subject.cause.clone(),
            action: join(lang, &subject.action, &class_text.action),
            ..base
        },
        (None, None) => Explanation {
            title: class_text.title.clone(),
            meaning: class_text.meaning.clone(),
            cause: class_text.cause.clone(),
            action: class_text.action.clone(),
            ..base
        },
    }
}

//! The code registry: every reply code and enhanced status code, explained in English and Chinese.
//!
//! The knowledge lives in the TOML files under `data/` (see its README), compiled into the
//! library. Codes nobody registered are explained from their digits, never refused.

mod data;
mod explain;

use std::collections::BTreeMap;
use std::sync::LazyLock;

pub use data::{Text, Texts};
pub use explain::{CodeKind, Explanation, Part};

use crate::code::{Code, EnhancedStatus, ReplyCode};
use data::{
    ClassEntry, ClassesFile, DetailEntry, DigitEntry, OverrideEntry, ProvidersFile, ReplyEntry,
    ReplyFile, SubjectEntry, SubjectFile,
};

/// The built-in data files, by name.
const BUILTIN: &[(&str, &str)] = &[
    ("reply.toml", include_str!("../../data/reply.toml")),
    ("enhanced/classes.toml", include_str!("../../data/enhanced/classes.toml")),
    ("enhanced/0-other.toml", include_str!("../../data/enhanced/0-other.toml")),
    ("enhanced/1-addressing.toml", include_str!("../../data/enhanced/1-addressing.toml")),
    ("enhanced/2-mailbox.toml", include_str!("../../data/enhanced/2-mailbox.toml")),
    ("enhanced/3-mail-system.toml", include_str!("../../data/enhanced/3-mail-system.toml")),
    ("enhanced/4-network.toml", include_str!("../../data/enhanced/4-network.toml")),
    ("enhanced/5-protocol.toml", include_str!("../../data/enhanced/5-protocol.toml")),
    ("enhanced/6-content.toml", include_str!("../../data/enhanced/6-content.toml")),
    ("enhanced/7-security.toml", include_str!("../../data/enhanced/7-security.toml")),
    ("providers.toml", include_str!("../../data/providers.toml")),
];

static BUILTIN_REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    Registry::from_files(BUILTIN).expect("the built-in registry data is valid (checked by tests)")
});

/// A registry data file that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The file is not valid TOML or does not have the expected fields.
    #[error("registry file {file}: {source}")]
    Syntax {
        /// The file's name.
        file: String,
        /// What the TOML parser said.
        source: Box<toml::de::Error>,
    },
    /// An entry is wrong: a malformed code, a duplicate, a missing text.
    #[error("registry file {file}: {message}")]
    Entry {
        /// The file's name.
        file: String,
        /// What is wrong.
        message: String,
    },
}

/// A registered enhanced detail code, keyed by subject and detail.
#[derive(Debug, Clone)]
struct Detail {
    name: String,
    reference: String,
    basic: Vec<u16>,
    texts: Texts,
}

/// Which classes a provider override applies to: one, or all (`X`).
#[derive(Debug, Clone)]
struct Override {
    provider: String,
    class: Option<u8>,
    subject: u16,
    detail: u16,
    source: String,
    texts: Texts,
}

/// Every code tuixin can explain, with its texts in both languages.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    classes: BTreeMap<u8, ClassEntry>,
    subjects: BTreeMap<u16, SubjectEntry>,
    details: BTreeMap<(u16, u16), Detail>,
    first_digits: BTreeMap<u8, DigitEntry>,
    second_digits: BTreeMap<u8, DigitEntry>,
    replies: BTreeMap<u16, ReplyEntry>,
    overrides: Vec<Override>,
}

impl Registry {
    /// The registry compiled into tuixin.
    pub fn builtin() -> &'static Registry {
        &BUILTIN_REGISTRY
    }

    /// Builds a registry from data files given as `(name, contents)`; the name says the kind.
    pub fn from_files(files: &[(&str, &str)]) -> Result<Registry, RegistryError> {
        let mut registry = Registry::default();
        for (name, contents) in files {
            registry.load(name, contents)?;
        }
        Ok(registry)
    }

    fn load(&mut self, file: &str, contents: &str) -> Result<(), RegistryError> {
        let syntax =
            |source| RegistryError::Syntax { file: file.to_owned(), source: Box::new(source) };
        let entry = |message: String| RegistryError::Entry { file: file.to_owned(), message };
        let base = file.rsplit('/').next().unwrap_or(file);
        if base == "reply.toml" {
            let parsed: ReplyFile = toml::from_str(contents).map_err(syntax)?;
            for digit in parsed.first_digit {
                let severity = ReplyCode::new(u16::from(digit.digit) * 100).map(|c| c.severity());
                if severity.is_none() || digit.severity != severity {
                    return Err(entry(format!(
                        "first digit {} has the wrong severity",
                        digit.digit
                    )));
                }
                check_texts(&digit.texts, false)
                    .map_err(|m| entry(format!("first digit {}: {m}", digit.digit)))?;
                self.first_digits.insert(digit.digit, digit);
            }
            for digit in parsed.second_digit {
                check_texts(&digit.texts, true)
                    .map_err(|m| entry(format!("second digit {}: {m}", digit.digit)))?;
                self.second_digits.insert(digit.digit, digit);
            }
            for reply in parsed.reply {
                let code = reply.code;
                if ReplyCode::new(code).is_none() {
                    return Err(entry(format!("{code} is not a valid reply code")));
                }
                check_texts(&reply.texts, false).map_err(|m| entry(format!("{code}: {m}")))?;
                if self.replies.insert(code, reply).is_some() {
                    return Err(entry(format!("{code} is listed twice")));
                }
            }
        } else if base == "classes.toml" {
            let parsed: ClassesFile = toml::from_str(contents).map_err(syntax)?;
            for class in parsed.class {
                let severity = EnhancedStatus::new(class.class, 0, 0).map(|s| s.severity());
                if severity != Some(class.severity) {
                    return Err(entry(format!("class {} has the wrong severity", class.class)));
                }
                check_texts(&class.texts, false)
                    .map_err(|m| entry(format!("class {}: {m}", class.class)))?;
                self.classes.insert(class.class, class);
            }
        } else if base == "providers.toml" {
            let parsed: ProvidersFile = toml::from_str(contents).map_err(syntax)?;
            for o in parsed.overrides {
                self.overrides.push(parse_override(o).map_err(entry)?);
            }
        } else {
            let parsed: SubjectFile = toml::from_str(contents).map_err(syntax)?;
            let subject = parsed.subject.subject;
            check_texts(&parsed.subject.texts, false)
                .map_err(|m| entry(format!("subject {subject}: {m}")))?;
            for d in parsed.detail {
                let (class, s, detail) = parse_pattern(&d.code).ok_or_else(|| {
                    entry(format!("{:?} is not written X.subject.detail", d.code))
                })?;
                if class.is_some() || s != subject {
                    return Err(entry(format!(
                        "{} does not belong in subject X.{subject}",
                        d.code
                    )));
                }
                check_texts(&d.texts, false).map_err(|m| entry(format!("{}: {m}", d.code)))?;
                let DetailEntry { code, name, reference, basic, texts } = d;
                let detail_entry = Detail { name, reference, basic, texts };
                if self.details.insert((subject, detail), detail_entry).is_some() {
                    return Err(entry(format!("{code} is listed twice")));
                }
            }
            self.subjects.insert(subject, parsed.subject);
        }
        Ok(())
    }

    /// Explains a code in one language, as the registry defines it.
    pub fn explain(&self, code: Code, lang: crate::Lang) -> Explanation {
        self.explain_for(code, None, lang)
    }

    /// Explains a code as `provider` uses it (`google`, `microsoft`, ...), else as registered.
    pub fn explain_for(
        &self,
        code: Code,
        provider: Option<&str>,
        lang: crate::Lang,
    ) -> Explanation {
        match code {
            Code::Reply(reply) => explain::reply(self, reply, lang),
            Code::Enhanced(status) => explain::enhanced(self, status, provider, lang),
        }
    }

    /// Every registered code: the reply codes, then each enhanced detail in classes 2, 4 and 5.
    pub fn codes(&self) -> Vec<Code> {
        let replies = self.replies.keys().filter_map(|&c| ReplyCode::new(c)).map(Code::Reply);
        let enhanced = [2u8, 4, 5].into_iter().flat_map(|class| {
            self.details
                .keys()
                .filter_map(move |&(subject, detail)| EnhancedStatus::new(class, subject, detail))
                .map(Code::Enhanced)
        });
        replies.chain(enhanced).collect()
    }

    /// Whether the code itself is registered (a reply code, or an enhanced detail in any class).
    pub fn is_registered(&self, code: Code) -> bool {
        match code {
            Code::Reply(reply) => self.replies.contains_key(&reply.value()),
            Code::Enhanced(s) => self.details.contains_key(&(s.subject, s.detail)),
        }
    }

    /// The providers that give some codes a meaning of their own.
    pub fn providers(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.overrides.iter().map(|o| o.provider.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The texts of an enhanced subject (X.1 addressing, ...), if RFC 3463 defines it.
    pub fn subject(&self, subject: u16) -> Option<&Texts> {
        self.subjects.get(&subject).map(|s| &s.texts)
    }

    /// The IANA name of a registered enhanced detail, e.g. "Bad destination mailbox address".
    pub fn detail_name(&self, subject: u16, detail: u16) -> Option<&str> {
        self.details.get(&(subject, detail)).map(|d| d.name.as_str())
    }

    /// The reply codes that the IANA registry associates with an enhanced detail.
    pub fn basic_codes(&self, subject: u16, detail: u16) -> &[u16] {
        self.details.get(&(subject, detail)).map_or(&[], |d| d.basic.as_slice())
    }

    fn override_for(&self, provider: &str, status: EnhancedStatus) -> Option<&Override> {
        self.overrides.iter().find(|o| {
            o.provider.eq_ignore_ascii_case(provider)
                && o.class.is_none_or(|c| c == status.class)
                && o.subject == status.subject
                && o.detail == status.detail
        })
    }
}

/// `X.s.d` (any class) or `c.s.d` (one class).
fn parse_pattern(code: &str) -> Option<(Option<u8>, u16, u16)> {
    let rest = code.strip_prefix("X.");
    let text = match rest {
        Some(rest) => format!("5.{rest}"),
        None => code.to_owned(),
    };
    let status: EnhancedStatus = text.parse().ok()?;
    let class = if rest.is_some() { None } else { Some(status.class) };
    Some((class, status.subject, status.detail))
}

fn parse_override(o: OverrideEntry) -> Result<Override, String> {
    let (class, subject, detail) = parse_pattern(&o.code)
        .ok_or_else(|| format!("{:?} is not an enhanced code pattern", o.code))?;
    check_texts(&o.texts, false).map_err(|m| format!("{} {}: {m}", o.provider, o.code))?;
    Ok(Override { provider: o.provider, class, subject, detail, source: o.source, texts: o.texts })
}

/// Every text present in both languages (title and meaning only where `short`).
fn check_texts(texts: &Texts, short: bool) -> Result<(), String> {
    for (lang, text) in [("en", &texts.en), ("zh", &texts.zh)] {
        let mut fields = vec![("title", &text.title), ("meaning", &text.meaning)];
        if !short {
            fields.extend([("cause", &text.cause), ("action", &text.action)]);
        }
        for (field, value) in fields {
            if value.trim().is_empty() {
                return Err(format!("{lang}.{field} is empty"));
            }
        }
    }
    Ok(())
}

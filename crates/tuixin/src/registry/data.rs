//! The registry's data files as they are written, and their checks on load.

use serde::{Deserialize, Serialize};

use crate::Lang;
use crate::code::Severity;

/// The four texts of an entry in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// A short name.
    pub title: String,
    /// What the code says.
    pub meaning: String,
    /// What usually triggers it in practice.
    #[serde(default)]
    pub cause: String,
    /// What the sender should do.
    #[serde(default)]
    pub action: String,
}

/// The same texts in English and in Simplified Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Texts {
    /// English.
    pub en: Text,
    /// Simplified Chinese.
    pub zh: Text,
}

impl Texts {
    /// The texts in one language.
    pub fn get(&self, lang: Lang) -> &Text {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }
}

/// The class digit of an enhanced status code.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ClassEntry {
    pub class: u8,
    pub severity: Severity,
    #[serde(flatten)]
    pub texts: Texts,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClassesFile {
    pub class: Vec<ClassEntry>,
}

/// A subject of enhanced status codes (X.1 addressing, X.7 policy, ...).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SubjectEntry {
    pub subject: u16,
    #[serde(flatten)]
    pub texts: Texts,
}

/// A registered detail code as written: `code = "X.1.1"`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct DetailEntry {
    pub code: String,
    pub name: String,
    pub reference: String,
    #[serde(default)]
    pub basic: Vec<u16>,
    #[serde(flatten)]
    pub texts: Texts,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SubjectFile {
    pub subject: SubjectEntry,
    #[serde(default)]
    pub detail: Vec<DetailEntry>,
}

/// The meaning of one digit of a reply code.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct DigitEntry {
    pub digit: u8,
    /// Given for first digits only, and checked against the digit.
    #[serde(default)]
    pub severity: Option<Severity>,
    #[serde(flatten)]
    pub texts: Texts,
}

/// A registered reply code.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ReplyEntry {
    pub code: u16,
    pub references: Vec<String>,
    #[serde(flatten)]
    pub texts: Texts,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReplyFile {
    pub first_digit: Vec<DigitEntry>,
    pub second_digit: Vec<DigitEntry>,
    pub reply: Vec<ReplyEntry>,
}

/// A provider's own meaning for an enhanced code, as written: `code = "X.7.27"` or `"4.7.32"`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct OverrideEntry {
    pub provider: String,
    pub code: String,
    pub source: String,
    #[serde(flatten)]
    pub texts: Texts,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProvidersFile {
    #[serde(rename = "override", default)]
    pub overrides: Vec<OverrideEntry>,
}

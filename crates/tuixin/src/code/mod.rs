//! SMTP codes as typed values: reply codes, enhanced status codes, and finding them in text.

mod enhanced;
mod reply;
mod scan;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use enhanced::EnhancedStatus;
pub use reply::ReplyCode;
pub use scan::{Found, codes, find_codes};

/// How an SMTP code ends the exchange: success, more to come, try later, or give up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The action was completed (2xx, 2.x.x).
    Success,
    /// The server waits for more input (3xx).
    Intermediate,
    /// A temporary failure: the same message may succeed later (4xx, 4.x.x).
    Transient,
    /// A permanent failure: the message will not succeed as sent (5xx, 5.x.x).
    Permanent,
}

impl Severity {
    /// True for a failure that retrying may cure.
    pub fn is_transient(self) -> bool {
        self == Severity::Transient
    }

    /// True for a failure that retrying will not cure.
    pub fn is_permanent(self) -> bool {
        self == Severity::Permanent
    }

    /// The lowercase name used in JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Success => "success",
            Severity::Intermediate => "intermediate",
            Severity::Transient => "transient",
            Severity::Permanent => "permanent",
        }
    }
}

/// Either kind of SMTP code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// A three-digit reply code such as `550`.
    Reply(ReplyCode),
    /// An enhanced status code such as `5.1.1`.
    Enhanced(EnhancedStatus),
}

impl Code {
    /// Parses one code written on its own: `550` or `5.1.1`.
    pub fn parse(text: &str) -> Result<Code, CodeError> {
        let text = text.trim();
        if text.contains('.') {
            text.parse().map(Code::Enhanced)
        } else {
            text.parse().map(Code::Reply)
        }
    }

    /// Whether the text is shaped like a code (only digits and dots), right or wrong.
    pub fn looks_like_code(text: &str) -> bool {
        let text = text.trim();
        !text.is_empty()
            && text.bytes().next().is_some_and(|b| b.is_ascii_digit())
            && text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Code::Reply(code) => code.fmt(f),
            Code::Enhanced(status) => status.fmt(f),
        }
    }
}

/// Why a text is not a valid SMTP code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// Not three digits.
    #[error("{0:?} is not an SMTP reply code: a reply code is three digits, such as 550")]
    ReplyShape(String),
    /// Three digits, but the first is not 2 to 5 or the second not 0 to 5.
    #[error(
        "{0:?} is not an SMTP reply code: the first digit must be 2, 3, 4 or 5 and the second 0 to 5"
    )]
    ReplyRange(String),
    /// Not `class.subject.detail` with 1–3 digits in subject and detail.
    #[error(
        "{0:?} is not an enhanced status code: it is written class.subject.detail, such as 5.1.1"
    )]
    EnhancedShape(String),
    /// The class is not 2, 4 or 5.
    #[error("{0:?} is not an enhanced status code: the class (first number) must be 2, 4 or 5")]
    EnhancedClass(String),
    /// The subject is not one that RFC 3463 defines (0 to 7).
    #[error(
        "{0:?} is not an enhanced status code: the subject (second number) must be 0 to 7 (RFC 3463)"
    )]
    EnhancedSubject(String),
}

//! The three-digit SMTP reply code (RFC 5321 §4.2).

use std::fmt;
use std::str::FromStr;

use super::{CodeError, Severity};

/// An SMTP reply code such as `550`: first digit 2–5, second 0–5, third 0–9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReplyCode(u16);

impl ReplyCode {
    /// The code from its number, if it is a valid reply code.
    pub fn new(value: u16) -> Option<ReplyCode> {
        let (first, second) = (value / 100, value / 10 % 10);
        ((2..=5).contains(&first) && second <= 5).then_some(ReplyCode(value))
    }

    /// The number, e.g. `550`.
    pub fn value(self) -> u16 {
        self.0
    }

    /// The first digit: 2 success, 3 intermediate, 4 transient, 5 permanent.
    pub fn first_digit(self) -> u8 {
        (self.0 / 100) as u8
    }

    /// The second digit: 0 syntax, 1 information, 2 connections, 5 mail system.
    pub fn second_digit(self) -> u8 {
        (self.0 / 10 % 10) as u8
    }

    /// What the first digit says about the outcome.
    pub fn severity(self) -> Severity {
        match self.first_digit() {
            2 => Severity::Success,
            3 => Severity::Intermediate,
            4 => Severity::Transient,
            _ => Severity::Permanent,
        }
    }

    /// True for a 4xx code.
    pub fn is_transient(self) -> bool {
        self.severity().is_transient()
    }

    /// True for a 5xx code.
    pub fn is_permanent(self) -> bool {
        self.severity().is_permanent()
    }
}

impl FromStr for ReplyCode {
    type Err = CodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        if text.len() != 3 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeError::ReplyShape(s.to_owned()));
        }
        let value: u16 = text.parse().map_err(|_| CodeError::ReplyShape(s.to_owned()))?;
        ReplyCode::new(value).ok_or_else(|| CodeError::ReplyRange(s.to_owned()))
    }
}

impl fmt::Display for ReplyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_valid_codes() {
        let code: ReplyCode = "550".parse().unwrap();
        assert_eq!(code.value(), 550);
        assert!(code.is_permanent());
        assert_eq!("421".parse::<ReplyCode>().unwrap().severity(), Severity::Transient);
        assert_eq!("354".parse::<ReplyCode>().unwrap().severity(), Severity::Intermediate);
    }

    #[test]
    fn rejects_codes_outside_the_grammar() {
        assert_eq!("999".parse::<ReplyCode>(), Err(CodeError::ReplyRange("999".into())));
        assert_eq!("160".parse::<ReplyCode>(), Err(CodeError::ReplyRange("160".into())));
        assert_eq!("570".parse::<ReplyCode>(), Err(CodeError::ReplyRange("570".into())));
        assert_eq!("55".parse::<ReplyCode>(), Err(CodeError::ReplyShape("55".into())));
        assert_eq!("5500".parse::<ReplyCode>(), Err(CodeError::ReplyShape("5500".into())));
        assert!("+50".parse::<ReplyCode>().is_err());
    }
}

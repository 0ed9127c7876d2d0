//! The enhanced mail system status code (RFC 3463): class.subject.detail.

use std::fmt;
use std::str::FromStr;

use super::{CodeError, Severity};

/// An enhanced status code such as `5.1.1` or Microsoft's `5.7.509`.
///
/// The subject is one of RFC 3463's eight (0 to 7); the detail holds up to three digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EnhancedStatus {
    /// 2 success, 4 persistent transient failure, 5 permanent failure.
    pub class: u8,
    /// 0 other, 1 addressing, 2 mailbox, 3 mail system, 4 network, 5 protocol, 6 content, 7 policy
    /// (RFC 3463 defines no other).
    pub subject: u16,
    /// The detail within the subject.
    pub detail: u16,
}

impl EnhancedStatus {
    /// The highest subject RFC 3463 defines (7, security or policy status).
    pub const MAX_SUBJECT: u16 = 7;

    /// The code from its three numbers, if the class is 2, 4 or 5, the subject one of RFC 3463's
    /// (0 to 7) and the detail fits in 3 digits.
    pub fn new(class: u8, subject: u16, detail: u16) -> Option<EnhancedStatus> {
        (matches!(class, 2 | 4 | 5) && subject <= Self::MAX_SUBJECT && detail <= 999)
            .then_some(EnhancedStatus { class, subject, detail })
    }

    /// What the class says about the outcome.
    pub fn severity(self) -> Severity {
        match self.class {
            2 => Severity::Success,
            4 => Severity::Transient,
            _ => Severity::Permanent,
        }
    }

    /// True for a 4.x.x code.
    pub fn is_transient(self) -> bool {
        self.severity().is_transient()
    }

    /// True for a 5.x.x code.
    pub fn is_permanent(self) -> bool {
        self.severity().is_permanent()
    }
}

fn number(part: &str) -> Option<u16> {
    if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    part.parse().ok()
}

impl FromStr for EnhancedStatus {
    type Err = CodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let shape = || CodeError::EnhancedShape(s.to_owned());
        let mut parts = s.trim().split('.');
        let (Some(class), Some(subject), Some(detail), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(shape());
        };
        if class.len() != 1 {
            return Err(shape());
        }
        let class = number(class).ok_or_else(shape)? as u8;
        let subject = number(subject).ok_or_else(shape)?;
        let detail = number(detail).ok_or_else(shape)?;
        if !matches!(class, 2 | 4 | 5) {
            return Err(CodeError::EnhancedClass(s.to_owned()));
        }
        EnhancedStatus::new(class, subject, detail)
            .ok_or_else(|| CodeError::EnhancedSubject(s.to_owned()))
    }
}

impl fmt::Display for EnhancedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_registered_and_provider_codes() {
        let s: EnhancedStatus = "5.1.1".parse().unwrap();
        assert_eq!((s.class, s.subject, s.detail), (5, 1, 1));
        assert!(s.is_permanent());
        let ms: EnhancedStatus = "5.7.509".parse().unwrap();
        assert_eq!(ms.detail, 509);
        assert_eq!(ms.to_string(), "5.7.509");
        assert!("4.7.32".parse::<EnhancedStatus>().unwrap().is_transient());
    }

    #[test]
    fn rejects_bad_shapes_and_classes() {
        for bad in ["5.1", "5.1.1.1", "55.1.1", "5..1", "5.1.1000", "a.b.c", ""] {
            assert_eq!(
                bad.parse::<EnhancedStatus>(),
                Err(CodeError::EnhancedShape(bad.into())),
                "{bad}"
            );
        }
        assert_eq!(
            "3.1.1".parse::<EnhancedStatus>(),
            Err(CodeError::EnhancedClass("3.1.1".into()))
        );
        // RFC 3463 defines subjects 0 to 7: there is no 5.9.9.
        for bad in ["5.9.9", "4.8.1", "5.10.1"] {
            assert_eq!(
                bad.parse::<EnhancedStatus>(),
                Err(CodeError::EnhancedSubject(bad.into())),
                "{bad}"
            );
        }
    }
}

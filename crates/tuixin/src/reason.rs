//! Why a message bounced, in the vocabulary that Sisimai's users know.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::code::{EnhancedStatus, ReplyCode};

macro_rules! reasons {
    ($($variant:ident => $name:literal: $doc:literal,)*) => {
        /// The reason for a bounce.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum Reason {
            $(#[doc = $doc] $variant,)*
        }

        impl Reason {
            /// Every reason, in declaration order.
            pub const ALL: &'static [Reason] = &[$(Reason::$variant,)*];

            /// The lowercase name used in records (`userunknown`, `mailboxfull`, ...).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Reason::$variant => $name,)*
                }
            }

            /// The reason with this name, if there is one.
            pub fn from_name(name: &str) -> Option<Reason> {
                match name {
                    $($name => Some(Reason::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

reasons! {
    UserUnknown => "userunknown": "The mailbox does not exist.",
    HostUnknown => "hostunknown": "The recipient's domain does not exist or accepts no mail.",
    HasMoved => "hasmoved": "The recipient has moved and left no forwarding address.",
    MailboxFull => "mailboxfull": "The recipient's mailbox is full.",
    Suspend => "suspend": "The recipient's mailbox is disabled or suspended.",
    Filtered => "filtered": "A filter at the recipient refused the message.",
    Rejected => "rejected": "The sender's address was refused.",
    Blocked => "blocked": "The sending IP or host was blocked.",
    SpamDetected => "spamdetected": "The message was judged to be spam.",
    VirusDetected => "virusdetected": "The message carried a virus.",
    PolicyViolation => "policyviolation": "The message broke a policy of the recipient's site.",
    SecurityError => "securityerror": "A security requirement was not met.",
    AuthFailure => "authfailure": "SPF, DKIM or DMARC checks failed.",
    BadReputation => "badreputation": "The sender's reputation is too low.",
    RequirePtr => "requireptr": "The sending IP has no valid reverse DNS.",
    NotCompliantRfc => "notcompliantrfc": "The message does not comply with the RFCs.",
    Speeding => "speeding": "Too many messages too fast.",
    TooManyConn => "toomanyconn": "Too many connections.",
    Expired => "expired": "Delivery time expired after retries.",
    NetworkError => "networkerror": "A network or DNS problem prevented delivery.",
    NoRelaying => "norelaying": "Relaying was refused.",
    NotAccept => "notaccept": "The destination accepts no mail.",
    MesgTooBig => "mesgtoobig": "The message is too big.",
    ExceedLimit => "exceedlimit": "A size or count limit was exceeded.",
    ContentError => "contenterror": "The message content is malformed or unacceptable.",
    SyntaxError => "syntaxerror": "An SMTP syntax error.",
    SystemError => "systemerror": "An error in the receiving mail system.",
    SystemFull => "systemfull": "The receiving mail system is out of space.",
    MailerError => "mailererror": "A local delivery program failed.",
    OnHold => "onhold": "The bounce gives no reason yet; held for a decision.",
    Undefined => "undefined": "No reason could be found.",
    Vacation => "vacation": "An automatic reply, such as a vacation notice.",
    Feedback => "feedback": "A feedback-loop complaint report (ARF).",
    Delivered => "delivered": "The message was delivered (a success notice).",
    FailedStartTls => "failedstarttls": "STARTTLS failed or was required and missing.",
    Suppressed => "suppressed": "The sending service suppressed the address.",
}

impl Reason {
    /// True where the address itself is bad: drop it from the list.
    pub fn is_hard(self, permanent: bool) -> bool {
        match self {
            Reason::UserUnknown | Reason::HostUnknown | Reason::HasMoved => true,
            Reason::NotAccept => permanent,
            _ => false,
        }
    }

    /// The reason an enhanced status code states on its own, where it states one.
    pub fn from_status(status: EnhancedStatus) -> Option<Reason> {
        use Reason::*;
        if status.class == 2 {
            return Some(Delivered);
        }
        let reason = match (status.subject, status.detail) {
            (1, 1) | (1, 3) | (1, 4) => UserUnknown,
            (1, 2) => HostUnknown,
            (1, 6) => HasMoved,
            (1, 7) | (1, 8) => Rejected,
            (1, 10) => NotAccept,
            (2, 1) => Suspend,
            (2, 2) => MailboxFull,
            (2, 3) => MesgTooBig,
            (3, 1) => SystemFull,
            (3, 2) => NotAccept,
            (3, 4) => MesgTooBig,
            (3, 0) | (3, 3) | (3, 5) => SystemError,
            (4, 1) | (4, 2) | (4, 3) | (4, 5) | (4, 6) => NetworkError,
            (4, 4) => HostUnknown,
            (4, 7) => Expired,
            (5, 3) => ExceedLimit,
            (5, _) => SyntaxError,
            (6, _) => ContentError,
            (7, 1) if status.class == 5 => Blocked,
            (7, 7) => SecurityError,
            (7, 8) | (7, 9) | (7, 11) | (7, 12) => SecurityError,
            (7, 10) | (7, 30) => FailedStartTls,
            (7, 13) => Suspend,
            (7, 20..=24) | (7, 26) => AuthFailure,
            (7, 25) => RequirePtr,
            (7, 27) => Rejected,
            (7, 28) => Speeding,
            _ => return None,
        };
        Some(reason)
    }

    /// The reason a reply code states on its own, where it states one.
    pub fn from_reply(code: ReplyCode) -> Option<Reason> {
        match code.value() {
            250 | 251 => Some(Reason::Delivered),
            452 | 552 => Some(Reason::MailboxFull),
            521 | 556 => Some(Reason::NotAccept),
            _ => None,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for &reason in Reason::ALL {
            assert_eq!(Reason::from_name(reason.as_str()), Some(reason));
        }
        assert_eq!(Reason::ALL.len(), 36);
    }

    #[test]
    fn hard_only_where_the_address_is_bad() {
        assert!(Reason::UserUnknown.is_hard(true));
        assert!(Reason::NotAccept.is_hard(true));
        assert!(!Reason::NotAccept.is_hard(false));
        assert!(!Reason::Blocked.is_hard(true));
        assert!(!Reason::MailboxFull.is_hard(true));
    }
}

//! Why a message bounced, in the vocabulary that Sisimai's users know.

use std::fmt;

use serde::{Deserialize, Serialize};

use std::sync::LazyLock;

use crate::Lang;

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

/// Whose problem a bounce is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// The address or the mailbox: drop or fix the address.
    Recipient,
    /// The sender's authentication, reputation, rate or policy: fix the sending side.
    Sender,
    /// The message's content, size or attachments.
    Message,
    /// DNS, routing, timeouts, TLS.
    Network,
    /// A complaint (feedback-loop report).
    Complaint,
    /// An automatic reply.
    Autoreply,
    /// Anything else: receiving-system faults, success notices, undecided.
    Other,
}

impl Category {
    /// The lowercase name used in records.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Recipient => "recipient",
            Category::Sender => "sender",
            Category::Message => "message",
            Category::Network => "network",
            Category::Complaint => "complaint",
            Category::Autoreply => "autoreply",
            Category::Other => "other",
        }
    }
}

/// A reason's title and advice in one language.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonText {
    /// A short name.
    pub title: String,
    /// One line: what the sender should do.
    pub advice: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonEntry {
    name: String,
    category: Category,
    hard: bool,
    en: ReasonText,
    zh: ReasonText,
}

#[derive(Debug, Deserialize)]
struct ReasonsFile {
    reason: Vec<ReasonEntry>,
}

static INFO: LazyLock<Vec<ReasonEntry>> = LazyLock::new(|| {
    let file: ReasonsFile = toml::from_str(include_str!("../data/rules/reasons.toml"))
        .expect("reasons.toml is valid (checked by tests)");
    Reason::ALL
        .iter()
        .map(|r| {
            let mut found = file.reason.iter().filter(|e| e.name == r.as_str());
            let entry =
                found.next().expect("reasons.toml describes every reason (checked by tests)");
            ReasonEntry {
                name: entry.name.clone(),
                category: entry.category,
                hard: entry.hard,
                en: entry.en.clone(),
                zh: entry.zh.clone(),
            }
        })
        .collect()
});

impl Reason {
    fn info(self) -> &'static ReasonEntry {
        &INFO[self as usize]
    }

    /// True where the address itself is bad: drop it from the list. `notaccept` is hard only
    /// with a permanent code.
    pub fn is_hard(self, permanent: bool) -> bool {
        self.info().hard && (self != Reason::NotAccept || permanent)
    }

    /// Whose problem it is.
    pub fn category(self) -> Category {
        self.info().category
    }

    /// The reason's title and advice in one language.
    pub fn text(self, lang: Lang) -> &'static ReasonText {
        match lang {
            Lang::En => &self.info().en,
            Lang::Zh => &self.info().zh,
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

    #[test]
    fn every_reason_has_a_category_and_advice_in_both_languages() {
        for &reason in Reason::ALL {
            for lang in [Lang::En, Lang::Zh] {
                let text = reason.text(lang);
                assert!(!text.title.is_empty() && !text.advice.is_empty(), "{reason} {lang}");
            }
        }
        assert_eq!(Reason::Blocked.category(), Category::Sender);
        assert_eq!(Reason::UserUnknown.category(), Category::Recipient);
        assert_eq!(Reason::Feedback.category(), Category::Complaint);
    }
}

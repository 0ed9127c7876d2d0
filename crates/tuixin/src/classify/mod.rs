//! Why a message bounced: a reason for every record, from the codes and the diagnostic text.
//!
//! Layers, the first that decides wins: a user's rules (`--rules FILE`), the rules of the
//! provider that the remote host or the recipient's domain names, text rules over the
//! diagnostic, and the reasons that status and reply codes state on their own. Every verdict
//! names the rule that decided and the text it matched. The rules are data: see
//! `data/rules/README.md`.

mod rules;

use std::collections::HashMap;
use std::sync::LazyLock;

use rules::Lowered;
pub use rules::{Facts, RuleError};
use rules::{RuleSet, parse_file};

use crate::Reason;

/// The built-in rule files, by name.
const TEXT_RULES: (&str, &str) = ("rules/text.toml", include_str!("../../data/rules/text.toml"));
const STATUS_RULES: (&str, &str) =
    ("rules/status.toml", include_str!("../../data/rules/status.toml"));
const PROVIDER_RULES: &[(&str, &str)] = &[
    ("rules/providers/aliyun.toml", include_str!("../../data/rules/providers/aliyun.toml")),
    ("rules/providers/apple.toml", include_str!("../../data/rules/providers/apple.toml")),
    ("rules/providers/coremail.toml", include_str!("../../data/rules/providers/coremail.toml")),
    ("rules/providers/comcast.toml", include_str!("../../data/rules/providers/comcast.toml")),
    ("rules/providers/cox.toml", include_str!("../../data/rules/providers/cox.toml")),
    ("rules/providers/docomo.toml", include_str!("../../data/rules/providers/docomo.toml")),
    ("rules/providers/godaddy.toml", include_str!("../../data/rules/providers/godaddy.toml")),
    ("rules/providers/google.toml", include_str!("../../data/rules/providers/google.toml")),
    (
        "rules/providers/hornetsecurity.toml",
        include_str!("../../data/rules/providers/hornetsecurity.toml"),
    ),
    ("rules/providers/kddi.toml", include_str!("../../data/rules/providers/kddi.toml")),
    ("rules/providers/microsoft.toml", include_str!("../../data/rules/providers/microsoft.toml")),
    ("rules/providers/mimecast.toml", include_str!("../../data/rules/providers/mimecast.toml")),
    ("rules/providers/netease.toml", include_str!("../../data/rules/providers/netease.toml")),
    ("rules/providers/orange.toml", include_str!("../../data/rules/providers/orange.toml")),
    ("rules/providers/proofpoint.toml", include_str!("../../data/rules/providers/proofpoint.toml")),
    ("rules/providers/sfr.toml", include_str!("../../data/rules/providers/sfr.toml")),
    ("rules/providers/sina.toml", include_str!("../../data/rules/providers/sina.toml")),
    ("rules/providers/sohu.toml", include_str!("../../data/rules/providers/sohu.toml")),
    ("rules/providers/softbank.toml", include_str!("../../data/rules/providers/softbank.toml")),
    ("rules/providers/spectrum.toml", include_str!("../../data/rules/providers/spectrum.toml")),
    ("rules/providers/tencent.toml", include_str!("../../data/rules/providers/tencent.toml")),
    ("rules/providers/yahoo.toml", include_str!("../../data/rules/providers/yahoo.toml")),
    ("rules/providers/zoho.toml", include_str!("../../data/rules/providers/zoho.toml")),
];

static BUILTIN: LazyLock<Classifier> = LazyLock::new(|| {
    Classifier::from_files(TEXT_RULES, STATUS_RULES, PROVIDER_RULES)
        .expect("the built-in rules are valid (checked by tests)")
});

/// A provider's rules and the hosts that name it.
#[derive(Debug, Clone)]
struct Provider {
    id: String,
    hosts: Vec<String>,
    rules: RuleSet,
}

/// The decision for one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Why the message bounced.
    pub reason: Reason,
    /// The id of the rule that decided.
    pub rule: String,
    /// The kind of knowledge that decided.
    pub kind: RuleKind,
    /// The text (or code) that the rule matched.
    pub evidence: String,
}

/// What kind of knowledge decided a reason: how much a verdict rests on the words of the
/// bounce, and how much on its codes alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleKind {
    /// The bounce's format says it (a feedback report, an auto-reply, a delivery).
    Decoder,
    /// A rule from the user's own file.
    User,
    /// A provider's rule for its own wording or codes.
    Provider,
    /// A text rule over the remote server's words.
    Text,
    /// A text rule over the bounce's own prose, where the server's words say too little.
    BounceText,
    /// The status or reply code alone: no wording was recognised.
    Code,
    /// Nothing decided.
    None,
}

impl RuleKind {
    /// Every kind, in order.
    pub const ALL: [RuleKind; 7] = [
        RuleKind::Decoder,
        RuleKind::User,
        RuleKind::Provider,
        RuleKind::Text,
        RuleKind::BounceText,
        RuleKind::Code,
        RuleKind::None,
    ];

    /// The kind's name as records give it.
    pub fn name(self) -> &'static str {
        match self {
            RuleKind::Decoder => "decoder",
            RuleKind::User => "user",
            RuleKind::Provider => "provider",
            RuleKind::Text => "text",
            RuleKind::BounceText => "bounce-text",
            RuleKind::Code => "code",
            RuleKind::None => "none",
        }
    }
}

/// Rules compiled for classifying records.
#[derive(Debug, Clone)]
pub struct Classifier {
    user: Option<RuleSet>,
    providers: Vec<Provider>,
    /// For each provider host, the providers (by position) that name it.
    by_host: HashMap<String, Vec<usize>>,
    text: RuleSet,
    status: RuleSet,
}

impl Classifier {
    /// The classifier with the built-in rules.
    pub fn builtin() -> &'static Classifier {
        &BUILTIN
    }

    fn from_files(
        text: (&str, &str),
        status: (&str, &str),
        providers: &[(&str, &str)],
    ) -> Result<Classifier, RuleError> {
        let compile = |(name, contents): (&str, &str)| {
            let file = parse_file(name, contents)?;
            RuleSet::compile(name, &file.rule)
        };
        let providers = providers
            .iter()
            .map(|&(name, contents)| {
                let file = parse_file(name, contents)?;
                let spec = file.provider.ok_or_else(|| RuleError::Syntax {
                    file: name.to_owned(),
                    message: "a provider file needs a [provider] table".into(),
                })?;
                Ok(Provider {
                    id: spec.id,
                    hosts: spec.hosts.iter().map(|h| h.to_ascii_lowercase()).collect(),
                    rules: RuleSet::compile(name, &file.rule)?,
                })
            })
            .collect::<Result<Vec<_>, RuleError>>()?;
        let mut by_host: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, provider) in providers.iter().enumerate() {
            for host in &provider.hosts {
                by_host.entry(host.clone()).or_default().push(i);
            }
        }
        Ok(Classifier {
            user: None,
            providers,
            by_host,
            text: compile(text)?,
            status: compile(status)?,
        })
    }

    /// This classifier with a user's rule file in front of the built-in rules.
    pub fn with_user_rules(&self, name: &str, contents: &str) -> Result<Classifier, RuleError> {
        let file = parse_file(name, contents)?;
        let rules = RuleSet::compile(name, &file.rule)?;
        Ok(Classifier { user: Some(rules), ..self.clone() })
    }

    /// Checks a user's rule file; the number of rules it holds.
    pub fn check_rules(name: &str, contents: &str) -> Result<usize, RuleError> {
        let file = parse_file(name, contents)?;
        Ok(RuleSet::compile(name, &file.rule)?.len())
    }

    /// Every provider with rules, by id, and the hosts that name it.
    pub fn providers(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.providers.iter().map(|p| (p.id.as_str(), p.hosts.as_slice()))
    }

    /// The provider that a host or domain belongs to, if tuixin has rules for it.
    pub fn provider_of(&self, host: &str) -> Option<&str> {
        let mut named = Vec::new();
        self.providers_naming(host, &mut named);
        named.into_iter().min().map(|i| self.providers[i].id.as_str())
    }

    /// Adds the providers that name `host` or a domain above it (`mx.qq.com` is named by
    /// `qq.com`).
    fn providers_naming(&self, host: &str, named: &mut Vec<usize>) {
        let mut rest = host;
        while !rest.is_empty() {
            if let Some(found) = self.by_host.get(rest) {
                named.extend_from_slice(found);
            }
            rest = rest.split_once('.').map_or("", |(_, parent)| parent);
        }
    }

    /// The text rule that a whole text (a bounce's own prose) satisfies, if any: for records
    /// whose diagnostic says too little.
    pub fn classify_text(&self, text: &str) -> Option<Verdict> {
        let facts = Facts { diagnostic: text, ..Facts::default() };
        self.text.first_match(&facts).map(|(rule, evidence)| Verdict {
            reason: rule.reason,
            rule: format!("{}+bounce-text", rule.id),
            kind: RuleKind::BounceText,
            evidence,
        })
    }

    /// The reason for a record's facts, and the rule that decided it.
    pub fn classify(&self, facts: &Facts<'_>) -> Verdict {
        self.classify_except(facts, None)
    }

    /// What the facts say besides one reason ruled out (a delay warning's "could not be
    /// delivered for 4 hours" is no expiry): the words' other reading, else the codes'.
    pub fn classify_without(&self, facts: &Facts<'_>, reason: Reason) -> Verdict {
        self.classify_except(facts, Some(reason))
    }

    fn classify_except(&self, facts: &Facts<'_>, except: Option<Reason>) -> Verdict {
        let by_phrase = Lowered::with(facts.diagnostic, |lowered| {
            if let Some(found) =
                self.user.as_ref().and_then(|u| u.first_match_in(facts, lowered, except))
            {
                return Some((found, RuleKind::User));
            }
            let mut named: Vec<usize> = Vec::new();
            self.providers_naming(facts.rhost, &mut named);
            self.providers_naming(facts.destination, &mut named);
            named.sort_unstable();
            named.dedup();
            for provider in named.into_iter().map(|i| &self.providers[i]) {
                // A provider's own wording already says what it means (Yahoo answers "no such
                // account" only after DATA), so no refinement here.
                if let Some(found) = provider.rules.first_match_in(facts, lowered, except) {
                    return Some((found, RuleKind::Provider));
                }
            }
            self.text.first_match_in(facts, lowered, except).map(|found| (found, RuleKind::Text))
        });
        if let Some(((rule, evidence), kind)) = by_phrase {
            let decided = Verdict { reason: rule.reason, rule: rule.id.clone(), kind, evidence };
            let refined = kind == RuleKind::Text && !rule.is_final;
            return if refined { refine(decided, facts) } else { decided };
        }
        self.classify_code(facts)
    }

    /// The reason that the record's codes state on their own, whatever its words say.
    pub fn classify_code(&self, facts: &Facts<'_>) -> Verdict {
        // The evidence says that the code alone decided.
        let alone = |code: &str| format!("{code} (the code alone; no wording recognised)");
        if facts.status.starts_with("2.") {
            return Verdict {
                reason: Reason::Delivered,
                rule: "status.success".into(),
                kind: RuleKind::Code,
                evidence: alone(facts.status),
            };
        }
        // A status with an unregistered detail still states its subject: 5.1.90 is addressing.
        if let Some((rule, code)) = self.status.first_match(facts) {
            if rule.reason == Reason::OnHold && !has_words(facts.diagnostic) {
                // X.0.0 says nothing, and no words say more: nothing is known.
                return Verdict {
                    reason: Reason::Undefined,
                    rule: "none".into(),
                    kind: RuleKind::None,
                    evidence: code,
                };
            }
            return Verdict {
                reason: rule.reason,
                rule: rule.id.clone(),
                kind: RuleKind::Code,
                evidence: alone(&code),
            };
        }
        Verdict {
            reason: Reason::Undefined,
            rule: "none".into(),
            kind: RuleKind::None,
            evidence: String::new(),
        }
    }
}

/// Whether a diagnostic holds words beyond codes and the diagnostic type (`smtp; 550 5.0.0`
/// holds none).
fn has_words(diagnostic: &str) -> bool {
    diagnostic.split(|c: char| !c.is_alphabetic()).any(|word| {
        word.chars().count() >= 2
            && !["smtp", "x-unix", "x-postfix"].contains(&word.to_ascii_lowercase().as_str())
    })
}

/// "User unknown" said after the server accepted the recipient, at DATA, with no status that
/// speaks of the address, is a filter at the recipient (docomo, au and others answer so when
/// the recipient's settings refuse the sender), not proof that the address does not exist.
fn refine(mut verdict: Verdict, facts: &Facts<'_>) -> Verdict {
    // An addressing or protocol status (5.1.1 "bad destination mailbox") still says the address
    // is bad; a vague or mailbox-state status (5.0.0, 5.2.x, 5.7.x) does not.
    let says_address = matches!(facts.status.split('.').nth(1), Some("1" | "5"));
    if verdict.reason == Reason::UserUnknown && facts.command == "DATA" && !says_address {
        verdict.reason = Reason::Filtered;
        verdict.rule = format!("{}+after-rcpt", verdict.rule);
    }
    // In reply to MAIL FROM no recipient has been named yet: "is not a valid user", "bad
    // address syntax", "no such domain", "account disabled" there speak of the sender's address
    // (Domino, Sendmail and others answer MAIL FROM with the same words as RCPT TO).
    let of_an_address =
        matches!(verdict.reason, Reason::UserUnknown | Reason::HostUnknown | Reason::Suspend);
    if of_an_address && facts.command == "MAIL" {
        verdict.reason = Reason::Rejected;
        verdict.rule = format!("{}+at-mail-from", verdict.rule);
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(diagnostic: &str, status: &str, reply: &str, rhost: &str) -> Verdict {
        Classifier::builtin().classify(&Facts {
            diagnostic,
            status,
            reply,
            rhost,
            ..Facts::default()
        })
    }

    #[test]
    fn the_builtin_rules_compile() {
        let c = Classifier::builtin();
        assert!(c.text.len() > 50, "text rules: {}", c.text.len());
        assert!(c.status.len() >= 81 + 5);
        assert_eq!(c.provider_of("gmail-smtp-in.l.google.com"), Some("google"));
        assert_eq!(c.provider_of("notgoogle.com"), None);
    }

    #[test]
    fn status_codes_decide_when_the_text_says_nothing() {
        let v = classify("", "5.2.2", "552", "");
        assert_eq!((v.reason, v.rule.as_str()), (Reason::MailboxFull, "status.2.2"));
        assert_eq!(classify("", "5.1.10", "", "").reason, Reason::NotAccept);
        assert_eq!(classify("", "2.0.0", "250", "").reason, Reason::Delivered);
        assert_eq!(classify("", "", "", "").reason, Reason::Undefined);
        // X.0.0 names no cause: with words that name none either the message is held, with
        // no words at all nothing is known.
        assert_eq!(
            classify("550 5.0.0 Requested action not taken", "5.0.0", "550", "").reason,
            Reason::OnHold
        );
        assert_eq!(classify("smtp; 550 5.0.0", "5.0.0", "550", "").reason, Reason::Undefined);
        assert_eq!(classify("", "4.0.0", "", "").reason, Reason::Undefined);
    }

    #[test]
    fn user_unknown_after_the_recipient_was_accepted_is_a_filter() {
        let facts = |command, status| Facts {
            diagnostic: "550 5.1.1 <a@b.example>... User unknown",
            status,
            reply: "550",
            command,
            ..Facts::default()
        };
        assert_eq!(
            Classifier::builtin().classify(&facts("RCPT", "5.1.1")).reason,
            Reason::UserUnknown
        );
        let classify = |command, status| Classifier::builtin().classify(&facts(command, status));
        assert_eq!(classify("DATA", "5.1.1").reason, Reason::UserUnknown);
        assert_eq!(classify("DATA", "5.2.0").reason, Reason::Filtered);
        assert_eq!(classify("DATA", "").reason, Reason::Filtered);
        assert_eq!(Classifier::builtin().classify(&facts("", "5.2.1")).reason, Reason::UserUnknown);
        // A rule whose wording is a reply to DATA by nature is final.
        let dbeb = Facts {
            diagnostic: "550 5.4.1 All recipient addresses rejected : Access denied",
            status: "5.4.1",
            reply: "550",
            command: "DATA",
            ..Facts::default()
        };
        assert_eq!(Classifier::builtin().classify(&dbeb).reason, Reason::UserUnknown);
    }

    #[test]
    fn an_address_refused_in_reply_to_mail_from_is_the_sender() {
        let with = |diagnostic, command| {
            Classifier::builtin().classify(&Facts {
                diagnostic,
                reply: "550",
                command,
                ..Facts::default()
            })
        };
        let domino = "550 neko@example.org is not a valid user";
        assert_eq!(with(domino, "RCPT").reason, Reason::UserUnknown);
        let v = with(domino, "MAIL");
        assert_eq!(v.reason, Reason::Rejected);
        assert_eq!(v.rule, "userunknown.domino-smtp-not-valid-user+at-mail-from");
        assert_eq!(with("550 Bad address syntax", "MAIL").reason, Reason::Rejected);
        assert_eq!(with("550 Invalid domain", "MAIL").reason, Reason::Rejected);
        assert_eq!(with("550 Your account has been suspended", "MAIL").reason, Reason::Rejected);
        assert_eq!(with("550 Invalid domain", "RCPT").reason, Reason::HostUnknown);
    }

    #[test]
    fn the_failed_command_decides_where_the_words_do_not() {
        let with = |diagnostic, command| {
            Classifier::builtin()
                .classify(&Facts { diagnostic, reply: "550", command, ..Facts::default() })
                .reason
        };
        // Refused before any address was sent: the connecting host.
        assert_eq!(with("550 Rejected", "EHLO"), Reason::Blocked);
        assert_ne!(with("550 Rejected", "RCPT"), Reason::Blocked);
        // A line of the message too long for the server, said in reply to the data only.
        assert_eq!(with("500 Line limit exceeded", "DATA"), Reason::MesgTooBig);
        assert_ne!(with("500 Line limit exceeded", "EHLO"), Reason::MesgTooBig);
        // Postfix refusing the recipient with no reason given, and with one.
        assert_eq!(with("550 <a@b.jp>: Recipient address rejected.", ""), Reason::UserUnknown);
        assert_eq!(
            with("554 <a@b.jp>: Recipient address rejected: Relay access denied", "RCPT"),
            Reason::NoRelaying
        );
    }

    #[test]
    fn a_user_rule_wins_over_the_builtin_ones() {
        let user = Classifier::builtin()
            .with_user_rules(
                "mine.toml",
                "[[rule]]\nid = \"mine.full\"\nreason = \"suspend\"\nphrases = [\"over quota\"]\n",
            )
            .unwrap();
        let v = user.classify(&Facts {
            diagnostic: "552 5.2.2 over quota",
            status: "5.2.2",
            ..Facts::default()
        });
        assert_eq!(
            (v.reason, v.rule.as_str(), v.evidence.as_str()),
            (Reason::Suspend, "mine.full", "over quota")
        );
    }
}

//! Rule files: parsing, checking, and compiling a list of rules into one matcher.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;
use serde::Deserialize;

use crate::Reason;

/// A rule file that cannot be used, with what is wrong and where.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// Not valid TOML, or fields of the wrong type.
    #[error("{file}: {message}")]
    Syntax {
        /// The file's name.
        file: String,
        /// What the TOML parser said.
        message: String,
    },
    /// A rule that parses but cannot work.
    #[error("{file}: rule {id:?}: {message}")]
    Rule {
        /// The file's name.
        file: String,
        /// The rule's id.
        id: String,
        /// What is wrong.
        message: String,
    },
}

/// A rule as written in a file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleSpec {
    pub id: String,
    pub reason: String,
    #[serde(default)]
    pub phrases: Vec<String>,
    #[serde(default)]
    pub regex: Option<String>,
    #[serde(default)]
    pub codes: Vec<String>,
    #[serde(default)]
    pub commands: Vec<String>,
    /// The wording already says at which step it was given: no refinement by the command.
    #[serde(default, rename = "final")]
    pub is_final: bool,
    #[serde(default)]
    #[allow(dead_code)] // documentation for reviewers; kept so files with it still parse
    pub note: Option<String>,
}

/// A provider as written at the top of its rule file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProviderSpec {
    pub id: String,
    pub hosts: Vec<String>,
}

/// A rule file: rules, and for provider files the provider they belong to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleFile {
    #[serde(default)]
    pub provider: Option<ProviderSpec>,
    #[serde(default)]
    pub rule: Vec<RuleSpec>,
}

/// A code pattern: exact (`5.1.1`, `550`) or a prefix ending in `x` (`5.7.x`, `55x`).
#[derive(Debug, Clone)]
enum CodePattern {
    Exact(String),
    Prefix(String),
}

impl CodePattern {
    fn parse(text: &str) -> Option<CodePattern> {
        let text = text.trim();
        let ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        match text.strip_suffix(['x', 'X']) {
            Some(prefix) if ok(prefix) => Some(CodePattern::Prefix(prefix.to_owned())),
            None if ok(text) => Some(CodePattern::Exact(text.to_owned())),
            _ => None,
        }
    }

    fn matches(&self, code: &str) -> bool {
        !code.is_empty()
            && match self {
                CodePattern::Exact(exact) => code == exact,
                CodePattern::Prefix(prefix) => code.starts_with(prefix.as_str()),
            }
    }
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub id: String,
    pub reason: Reason,
    has_phrases: bool,
    regex: Option<Regex>,
    codes: Vec<CodePattern>,
    commands: Vec<String>,
    /// Exempt from the classifier's refinement by the failed command.
    pub is_final: bool,
}

/// The SMTP commands a rule may name in `commands`.
const KNOWN_COMMANDS: &[&str] =
    &["CONN", "EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "QUIT"];

/// What a rule is checked against.
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts<'a> {
    /// The remote server's words.
    pub diagnostic: &'a str,
    /// The enhanced status code, e.g. `5.1.1`, or empty.
    pub status: &'a str,
    /// The reply code, e.g. `550`, or empty.
    pub reply: &'a str,
    /// The remote host, lowercased.
    pub rhost: &'a str,
    /// The recipient's domain, lowercased.
    pub destination: &'a str,
    /// The SMTP command that failed (RCPT, DATA, ...), or empty.
    pub command: &'a str,
}

/// Rules compiled together: one pass of a literal matcher finds every rule whose phrase occurs.
#[derive(Debug, Clone)]
pub(crate) struct RuleSet {
    rules: Vec<Rule>,
    matcher: Option<AhoCorasick>,
    /// For each pattern of the matcher, the rule it belongs to.
    pattern_rule: Vec<usize>,
}

/// Longest diagnostic text that rules look at; the reason is near the start of real replies.
pub(crate) const MAX_TEXT: usize = 16 * 1024;

/// A diagnostic cut to `MAX_TEXT` and ASCII-lowercased (same byte offsets), for phrase matching.
pub struct Lowered<'a> {
    text: &'a str,
}

impl Lowered<'_> {
    /// Runs `f` with the diagnostic as the rule sets match it (kept on the stack when short).
    pub fn with<R>(diagnostic: &str, f: impl FnOnce(&Lowered<'_>) -> R) -> R {
        let cut = diagnostic.floor_char_boundary(MAX_TEXT.min(diagnostic.len()));
        crate::text::with_lowercase(&diagnostic[..cut], |text| f(&Lowered { text }))
    }

    /// The same cut of the diagnostic as written, for evidence and regexes.
    fn original<'t>(&self, diagnostic: &'t str) -> &'t str {
        &diagnostic[..self.text.len()]
    }
}

impl RuleSet {
    /// Compiles rules, checking each; `file` names the source in errors.
    pub fn compile(file: &str, specs: &[RuleSpec]) -> Result<RuleSet, RuleError> {
        let err = |id: &str, message: String| RuleError::Rule {
            file: file.to_owned(),
            id: id.to_owned(),
            message,
        };
        let mut rules = Vec::with_capacity(specs.len());
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_rule = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for spec in specs {
            if spec.id.trim().is_empty() {
                return Err(err(&spec.id, "has no id".into()));
            }
            if !seen.insert(spec.id.as_str()) {
                return Err(err(&spec.id, "the id is used twice".into()));
            }
            let reason = Reason::from_name(&spec.reason)
                .ok_or_else(|| err(&spec.id, format!("unknown reason {:?}", spec.reason)))?;
            if spec.phrases.is_empty() && spec.codes.is_empty() {
                return Err(err(&spec.id, "needs phrases or codes".into()));
            }
            if let Some(empty) = spec.phrases.iter().find(|p| p.trim().is_empty()) {
                return Err(err(&spec.id, format!("empty phrase {empty:?}")));
            }
            let codes = spec
                .codes
                .iter()
                .map(|c| {
                    CodePattern::parse(c)
                        .ok_or_else(|| err(&spec.id, format!("{c:?} is not a code or code prefix")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let regex = match &spec.regex {
                Some(source) => Some(
                    regex::RegexBuilder::new(source)
                        .size_limit(1 << 20)
                        .build()
                        .map_err(|e| err(&spec.id, format!("bad regex: {e}")))?,
                ),
                None => None,
            };
            for phrase in &spec.phrases {
                patterns.push(phrase.to_ascii_lowercase());
                pattern_rule.push(rules.len());
            }
            let commands: Vec<String> =
                spec.commands.iter().map(|c| c.trim().to_ascii_uppercase()).collect();
            if let Some(bad) = commands.iter().find(|c| !KNOWN_COMMANDS.contains(&c.as_str())) {
                return Err(err(&spec.id, format!("unknown SMTP command {bad:?}")));
            }
            rules.push(Rule {
                id: spec.id.clone(),
                reason,
                has_phrases: !spec.phrases.is_empty(),
                regex,
                codes,
                commands,
                is_final: spec.is_final,
            });
        }
        let matcher = if patterns.is_empty() {
            None
        } else {
            Some(
                // Phrases lowercased here and matched in lowercased text: a case-sensitive
                // automaton has fewer transitions than a case-insensitive one.
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::Standard)
                    .build(&patterns)
                    .map_err(|e| RuleError::Syntax {
                        file: file.to_owned(),
                        message: e.to_string(),
                    })?,
            )
        };
        Ok(RuleSet { rules, matcher, pattern_rule })
    }

    /// The first rule, in file order, that the facts satisfy, with the text it matched.
    pub fn first_match(&self, facts: &Facts<'_>) -> Option<(&Rule, String)> {
        Lowered::with(facts.diagnostic, |lowered| self.first_match_in(facts, lowered, None))
    }

    /// As `first_match`, with the diagnostic already cut and lowercased (shared by rule sets),
    /// passing over the rules of the reason `except`.
    pub fn first_match_in(
        &self,
        facts: &Facts<'_>,
        lowered: &Lowered<'_>,
        except: Option<Reason>,
    ) -> Option<(&Rule, String)> {
        let text = lowered.original(facts.diagnostic);
        let satisfied = |rule: &Rule| {
            except != Some(rule.reason)
                && (rule.codes.is_empty()
                    || rule.codes.iter().any(|c| c.matches(facts.status) || c.matches(facts.reply)))
                && (rule.commands.is_empty() || rule.commands.iter().any(|c| c == facts.command))
        };
        let with_regex = |rule: &Rule, evidence: String| match &rule.regex {
            Some(regex) => regex.find(text).map(|m| m.as_str().to_owned()),
            None => Some(evidence),
        };
        // The lowest-numbered rule with a phrase in the text that it is satisfied by, and its
        // phrase's first occurrence (matches come in order of where they end).
        let mut best: Option<(usize, String)> = None;
        if let Some(matcher) = &self.matcher {
            for m in matcher.find_overlapping_iter(lowered.text) {
                let index = self.pattern_rule[m.pattern().as_usize()];
                if best.as_ref().is_some_and(|(b, _)| *b <= index) {
                    continue;
                }
                let rule = &self.rules[index];
                if satisfied(rule)
                    && let Some(evidence) = with_regex(rule, text[m.start()..m.end()].to_owned())
                {
                    best = Some((index, evidence));
                }
            }
        }
        // A rule without phrases that comes earlier and holds wins over it.
        let limit = best.as_ref().map_or(self.rules.len(), |(b, _)| *b);
        let phraseless = self.rules[..limit].iter().find_map(|rule| {
            if rule.has_phrases || !satisfied(rule) {
                return None;
            }
            let code = if facts.status.is_empty() { facts.reply } else { facts.status };
            with_regex(rule, code.to_owned()).map(|evidence| (rule, evidence))
        });
        phraseless.or_else(|| best.map(|(index, evidence)| (&self.rules[index], evidence)))
    }

    /// How many rules the set holds.
    pub fn len(&self) -> usize {
        self.rules.len()
    }
}

/// Parses a rule file's text.
pub(crate) fn parse_file(file: &str, text: &str) -> Result<RuleFile, RuleError> {
    toml::from_str(text)
        .map_err(|e| RuleError::Syntax { file: file.to_owned(), message: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(toml: &str) -> RuleSet {
        let file = parse_file("test.toml", toml).unwrap();
        RuleSet::compile("test.toml", &file.rule).unwrap()
    }

    #[test]
    fn first_rule_in_file_order_wins_and_codes_restrict() {
        let rules = set(r#"
            [[rule]]
            id = "a"
            reason = "blocked"
            phrases = ["blocked using"]
            [[rule]]
            id = "b"
            reason = "userunknown"
            phrases = ["user unknown"]
            codes = ["5.1.x"]
            [[rule]]
            id = "c"
            reason = "rejected"
            phrases = ["User"]
        "#);
        let facts = |d, s| Facts { diagnostic: d, status: s, ..Facts::default() };
        let (rule, evidence) = rules.first_match(&facts("550 User Unknown", "5.1.1")).unwrap();
        assert_eq!((rule.id.as_str(), evidence.as_str()), ("b", "User Unknown"));
        assert_eq!(rules.first_match(&facts("550 User Unknown", "4.2.2")).unwrap().0.id, "c");
        assert_eq!(
            rules.first_match(&facts("user unknown; blocked using zen", "5.1.1")).unwrap().0.id,
            "a"
        );
        assert!(rules.first_match(&facts("fine", "5.1.1")).is_none());
    }

    #[test]
    fn commands_restrict_a_rule_to_the_failed_command() {
        let rules = set(
            "[[rule]]\nid = \"m\"\nreason = \"rejected\"\nphrases = [\"denied\"]\ncommands = [\"mail\"]\n",
        );
        let facts =
            |command| Facts { diagnostic: "550 5.7.1 Access denied", command, ..Facts::default() };
        assert!(rules.first_match(&facts("MAIL")).is_some());
        assert!(rules.first_match(&facts("RCPT")).is_none());
        let file = parse_file("t.toml", "[[rule]]\nid = \"x\"\nreason = \"rejected\"\nphrases = [\"a\"]\ncommands = [\"SEND\"]\n").unwrap();
        assert!(
            RuleSet::compile("t.toml", &file.rule)
                .unwrap_err()
                .to_string()
                .contains("unknown SMTP command")
        );
    }

    #[test]
    fn exact_codes_do_not_match_longer_ones() {
        let rules = set("[[rule]]\nid = \"s\"\nreason = \"userunknown\"\ncodes = [\"5.1.1\"]\n");
        let facts = |s| Facts { status: s, ..Facts::default() };
        assert!(rules.first_match(&facts("5.1.1")).is_some());
        assert!(rules.first_match(&facts("5.1.10")).is_none());
    }

    #[test]
    fn bad_rules_are_refused_with_their_id() {
        for (toml, says) in [
            ("[[rule]]\nid = \"x\"\nreason = \"nope\"\nphrases = [\"a\"]\n", "unknown reason"),
            ("[[rule]]\nid = \"x\"\nreason = \"blocked\"\n", "needs phrases or codes"),
            (
                "[[rule]]\nid = \"x\"\nreason = \"blocked\"\nphrases = [\"a\"]\nregex = \"(\"\n",
                "bad regex",
            ),
            ("[[rule]]\nid = \"x\"\nreason = \"blocked\"\ncodes = [\"5.a\"]\n", "not a code"),
            (
                "[[rule]]\nid = \"x\"\nreason = \"blocked\"\nphrases = [\"a\"]\n[[rule]]\nid = \"x\"\nreason = \"blocked\"\nphrases = [\"b\"]\n",
                "used twice",
            ),
        ] {
            let file = parse_file("t.toml", toml).unwrap();
            let error = RuleSet::compile("t.toml", &file.rule).unwrap_err().to_string();
            assert!(error.contains(says) && error.contains("\"x\""), "{error}");
        }
        assert!(parse_file("t.toml", "[[rule]]\nid = 3\n").is_err());
    }
}

//! `tuixin explain`: explain codes given on their own or found in a diagnostic text.

use std::io::Write;

use serde::Serialize;
use tuixin::{Code, Explanation, Registry, find_codes};

use crate::UsageError;
use crate::args::{Config, ExplainArgs};
use crate::render;

/// What `--json` prints.
#[derive(Serialize)]
struct Output<'a> {
    input: &'a str,
    lang: tuixin::Lang,
    codes: &'a [Explanation],
    #[serde(skip_serializing_if = "Option::is_none")]
    classification: Option<Classification<'a>>,
}

/// The classifier's verdict on a pasted diagnostic line.
#[derive(Serialize)]
pub struct Classification<'a> {
    /// Why the message bounced.
    pub reason: tuixin::Reason,
    /// Whose problem it is.
    pub category: tuixin::Category,
    /// Whether the address itself is bad.
    pub hardbounce: bool,
    /// The rule that decided.
    pub rule: String,
    /// The text the rule matched.
    pub evidence: String,
    /// One line for the sender.
    pub advice: &'a str,
    /// The reason's title.
    pub title: &'a str,
}

/// Runs the command.
pub fn run(config: &Config, args: &ExplainArgs) -> anyhow::Result<()> {
    let registry = Registry::builtin();
    let provider = match &args.provider {
        Some(name) => Some(known_provider(registry, name)?),
        None => None,
    };
    let input = args.input.join(" ");
    let codes = codes_in(&args.input)?;
    let free_text =
        !args.input.iter().flat_map(|w| w.split_whitespace()).all(Code::looks_like_code);
    let classifier = crate::rules::classifier(config)?;
    let classification = free_text.then(|| {
        let first = |enhanced: bool| {
            codes
                .iter()
                .find(|c| matches!(c, Code::Enhanced(_)) == enhanced)
                .map(|c| c.to_string())
                .unwrap_or_default()
        };
        let (status, reply) = (first(true), first(false));
        let verdict = classifier.classify(&tuixin::classify::Facts {
            diagnostic: &input,
            status: &status,
            reply: &reply,
            ..Default::default()
        });
        let permanent = status.starts_with('5') || reply.starts_with('5');
        let text = verdict.reason.text(config.lang);
        Classification {
            reason: verdict.reason,
            category: verdict.reason.category(),
            hardbounce: verdict.reason.is_hard(permanent),
            rule: verdict.rule,
            evidence: verdict.evidence,
            advice: &text.advice,
            title: &text.title,
        }
    });
    let explanations: Vec<Explanation> =
        codes.into_iter().map(|code| registry.explain_for(code, provider, config.lang)).collect();

    let mut out = anstream::stdout().lock();
    if config.json {
        let output =
            Output { input: &input, lang: config.lang, codes: &explanations, classification };
        serde_json::to_writer_pretty(&mut out, &output)?;
        writeln!(out)?;
    } else {
        render::explanations(&mut out, &explanations, config.lang)?;
        if let Some(c) = &classification {
            render::classification(&mut out, c, config.lang)?;
        }
    }
    out.flush()?;
    Ok(())
}

fn known_provider<'r>(registry: &'r Registry, name: &str) -> Result<&'r str, UsageError> {
    let providers = registry.providers();
    providers.iter().find(|p| p.eq_ignore_ascii_case(name)).copied().ok_or_else(|| {
        UsageError(format!(
            "unknown provider {name:?}: known providers are {}",
            providers.join(", ")
        ))
    })
}

/// The codes to explain, each once, in order: every word a valid code, or the codes found in text.
fn codes_in(words: &[String]) -> Result<Vec<Code>, UsageError> {
    let tokens: Vec<&str> = words.iter().flat_map(|w| w.split_whitespace()).collect();
    let codes: Vec<Code> = if !tokens.is_empty() && tokens.iter().all(|t| Code::looks_like_code(t))
    {
        tokens
            .iter()
            .map(|t| Code::parse(t).map_err(|e| UsageError(e.to_string())))
            .collect::<Result<_, _>>()?
    } else {
        let text = words.join(" ");
        let found: Vec<Code> = find_codes(&text).into_iter().map(|f| f.code).collect();
        if found.is_empty() {
            return Err(UsageError(format!(
                "no SMTP reply code (such as 550) or enhanced status code (such as 5.1.1) found in {text:?}"
            )));
        }
        found
    };
    let mut unique = Vec::with_capacity(codes.len());
    for code in codes {
        if !unique.contains(&code) {
            unique.push(code);
        }
    }
    Ok(unique)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &[&str]) -> Vec<String> {
        text.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn codes_on_their_own_must_all_be_valid() {
        assert_eq!(codes_in(&words(&["550", "5.1.1"])).unwrap().len(), 2);
        let error = codes_in(&words(&["550", "999"])).unwrap_err();
        assert!(error.0.contains("\"999\""), "{error}");
    }

    #[test]
    fn text_without_codes_is_refused_and_repeats_are_dropped() {
        assert!(codes_in(&words(&["hello"])).unwrap_err().0.contains("no SMTP reply code"));
        let codes = codes_in(&words(&["550 5.1.1 user unknown; 550 5.1.1 again"])).unwrap();
        assert_eq!(codes.len(), 2);
    }
}

//! `tuixin explain`: explain codes given on their own or found in a diagnostic text.

use std::io::Write;

use serde::Serialize;
use tuixin::{Code, Explanation, Registry, find_codes};

use crate::UsageError;
use crate::args::{Config, ExplainArgs};
use crate::render::{self, Classification};

/// What `--json` prints.
#[derive(Serialize)]
struct Output<'a> {
    input: &'a str,
    lang: tuixin::Lang,
    codes: &'a [Explanation],
    #[serde(skip_serializing_if = "Option::is_none")]
    classification: Option<Classification<'a>>,
}

/// Runs the command.
pub fn run(config: &Config, args: &ExplainArgs) -> anyhow::Result<()> {
    let registry = Registry::builtin();
    let classifier = crate::rules::classifier(config)?;
    let provider = match &args.provider {
        Some(name) => Some(known_provider(registry, &classifier, name, config.lang)?),
        None => None,
    };
    let input = args.input.join(" ");
    let codes = codes_in(&args.input, config.lang)?;
    let free_text =
        !args.input.iter().flat_map(|w| w.split_whitespace()).all(Code::looks_like_code);
    let classification = free_text.then(|| {
        // The provider's own rules apply as if its host had answered.
        let host = provider.and_then(|(_, host)| host);
        let diagnosis = tuixin::Decoder::new(&classifier).diagnose(&input, host);
        let verdict = diagnosis.verdict;
        let text = verdict.reason.text(config.lang);
        Classification {
            reason: verdict.reason,
            category: verdict.reason.category(),
            hardbounce: verdict.reason.is_hard(diagnosis.permanent.unwrap_or(true)),
            rule: verdict.rule,
            evidence: verdict.evidence,
            advice: &text.advice,
            title: &text.title,
        }
    });
    // A provider's own meaning of a code, where the registry has one.
    let provider =
        provider.map(|(name, _)| name).filter(|name| registry.providers().contains(name));
    let explanations: Vec<Explanation> =
        codes.into_iter().map(|code| registry.explain_for(code, provider, config.lang)).collect();

    let mut out = anstream::stdout().lock();
    if config.json {
        let output =
            Output { input: &input, lang: config.lang, codes: &explanations, classification };
        serde_json::to_writer_pretty(&mut out, &output)?;
        writeln!(out)?;
    } else {
        render::explanations(&mut out, &explanations, config.lang, classification.is_none())?;
        if let Some(c) = &classification {
            if !explanations.is_empty() {
                writeln!(out)?;
            }
            render::classification(&mut out, c, config.lang)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// A provider that the registry (its own meanings of codes) or the rules know, by any case of
/// its name; with one of the hosts that name it in the rules, if any.
fn known_provider<'r>(
    registry: &'r Registry,
    classifier: &'r tuixin::Classifier,
    name: &str,
    lang: tuixin::Lang,
) -> Result<(&'r str, Option<&'r str>), UsageError> {
    let ruled = classifier.providers().find(|(id, _)| id.eq_ignore_ascii_case(name));
    let host = ruled.and_then(|(_, hosts)| hosts.first()).map(String::as_str);
    let coded = registry.providers().iter().find(|p| p.eq_ignore_ascii_case(name)).copied();
    match coded.or(ruled.map(|(id, _)| id)) {
        Some(id) => Ok((id, host)),
        None => {
            let mut known: Vec<&str> = registry.providers().to_vec();
            known.extend(classifier.providers().map(|(id, _)| id));
            known.sort_unstable();
            known.dedup();
            Err(UsageError(crate::say::unknown_provider(name, &known, lang)))
        }
    }
}

/// The codes to explain, each once, in order: every word a valid code, or the codes found in text.
fn codes_in(words: &[String], lang: tuixin::Lang) -> Result<Vec<Code>, UsageError> {
    let tokens: Vec<&str> = words.iter().flat_map(|w| w.split_whitespace()).collect();
    let codes: Vec<Code> = if !tokens.is_empty() && tokens.iter().all(|t| Code::looks_like_code(t))
    {
        tokens
            .iter()
            .map(|t| Code::parse(t).map_err(|e| UsageError(crate::say::code_error(&e, lang))))
            .collect::<Result<_, _>>()?
    } else {
        let text = words.join(" ");
        if text.trim().is_empty() {
            return Err(UsageError(crate::say::nothing_to_explain(lang).into()));
        }
        // Text without codes is classified by its words alone.
        find_codes(&text).into_iter().map(|f| f.code).collect()
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
        assert_eq!(codes_in(&words(&["550", "5.1.1"]), tuixin::Lang::En).unwrap().len(), 2);
        let error = codes_in(&words(&["550", "999"]), tuixin::Lang::En).unwrap_err();
        assert!(error.0.contains("\"999\""), "{error}");
    }

    #[test]
    fn text_without_codes_has_none_and_repeats_are_dropped() {
        assert!(codes_in(&words(&["mailbox", "full"]), tuixin::Lang::En).unwrap().is_empty());
        assert!(codes_in(&words(&[" "]), tuixin::Lang::En).is_err());
        let codes =
            codes_in(&words(&["550 5.1.1 user unknown; 550 5.1.1 again"]), tuixin::Lang::En)
                .unwrap();
        assert_eq!(codes.len(), 2);
    }
}

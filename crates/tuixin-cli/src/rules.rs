//! `tuixin rules`: check rule files; load the user's rules for the other commands.

use std::io::Write;

use tuixin::Classifier;

use crate::UsageError;
use crate::args::{Config, RulesCommand};
use crate::say;

/// The classifier to use: the built-in rules, with the user's file in front when given.
pub fn classifier(config: &Config) -> anyhow::Result<std::borrow::Cow<'static, Classifier>> {
    let Some(path) = &config.rules else {
        return Ok(std::borrow::Cow::Borrowed(Classifier::builtin()));
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| UsageError(say::unreadable_rules(path, &e, config.lang)))?;
    Classifier::builtin()
        .with_user_rules(&path.display().to_string(), &text)
        .map(std::borrow::Cow::Owned)
        .map_err(|e| UsageError(say::invalid_rules(&e, config.lang)).into())
}

/// Runs the command.
pub fn run(config: &Config, command: &RulesCommand) -> anyhow::Result<()> {
    match command {
        RulesCommand::Check { file } => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| UsageError(say::unreadable_rules(file, &e, config.lang)))?;
            let count = Classifier::check_rules(&file.display().to_string(), &text)
                .map_err(|e| UsageError(say::invalid_rules(&e, config.lang)))?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", say::rules_valid(file, count, config.lang))?;
            Ok(out.flush()?)
        }
    }
}

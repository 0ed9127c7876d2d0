//! `tuixin rules`: check rule files; load the user's rules for the other commands.

use std::io::Write;

use anyhow::Context;
use tuixin::Classifier;

use crate::UsageError;
use crate::args::{Config, RulesCommand};

/// The classifier to use: the built-in rules, with the user's file in front when given.
pub fn classifier(config: &Config) -> anyhow::Result<std::borrow::Cow<'static, Classifier>> {
    let Some(path) = &config.rules else {
        return Ok(std::borrow::Cow::Borrowed(Classifier::builtin()));
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read rule file {}", path.display()))
        .map_err(|e| UsageError(format!("{e:#}")))?;
    Classifier::builtin()
        .with_user_rules(&path.display().to_string(), &text)
        .map(std::borrow::Cow::Owned)
        .map_err(|e| UsageError(e.to_string()).into())
}

/// Runs the command.
pub fn run(_config: &Config, command: &RulesCommand) -> anyhow::Result<()> {
    match command {
        RulesCommand::Check { file } => {
            let text = std::fs::read_to_string(file).map_err(|e| {
                UsageError(format!("cannot read rule file {}: {e}", file.display()))
            })?;
            let count = Classifier::check_rules(&file.display().to_string(), &text)
                .map_err(|e| UsageError(e.to_string()))?;
            let mut out = std::io::stdout().lock();
            let rules = if count == 1 { "rule" } else { "rules" };
            writeln!(out, "{}: {count} {rules}, all valid", file.display())?;
            Ok(out.flush()?)
        }
    }
}

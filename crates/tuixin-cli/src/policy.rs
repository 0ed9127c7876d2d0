//! `tuixin policy`: check a lifecycle policy file, print the policy in force.

use std::io::Write;
use std::path::Path;

use tuixin::lifecycle::{DEFAULT_POLICY_TOML, Policy};

use crate::UsageError;
use crate::args::{Config, PolicyCommand, PolicyFormat};
use crate::say;

/// The policy a file asks for (laid over the built-in one), or the built-in policy.
pub fn load(path: Option<&Path>, config: &Config) -> anyhow::Result<Policy> {
    let Some(path) = path else { return Ok(Policy::builtin().clone()) };
    let text = std::fs::read_to_string(path)
        .map_err(|e| UsageError(say::unreadable_policy(path, &e, config.lang)))?;
    Policy::from_toml(&text)
        .map_err(|e| UsageError(say::invalid_policy(path, &e, config.lang)).into())
}

/// Runs the command.
pub fn run(config: &Config, command: &PolicyCommand) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match command {
        PolicyCommand::Check { file } => {
            load(Some(file), config)?;
            writeln!(out, "{}", say::policy_valid(file, config.lang))?;
        }
        PolicyCommand::Show { policy, format } => {
            let format =
                format.unwrap_or(if config.json { PolicyFormat::Json } else { PolicyFormat::Toml });
            let loaded = load(policy.as_deref(), config)?;
            match format {
                // The built-in policy as written, with the comments that explain each knob.
                PolicyFormat::Toml if policy.is_none() => {
                    out.write_all(DEFAULT_POLICY_TOML.as_bytes())?
                }
                PolicyFormat::Toml => out.write_all(loaded.to_toml().as_bytes())?,
                PolicyFormat::Json => {
                    serde_json::to_writer_pretty(&mut out, &loaded)?;
                    writeln!(out)?;
                }
            }
        }
    }
    Ok(out.flush()?)
}

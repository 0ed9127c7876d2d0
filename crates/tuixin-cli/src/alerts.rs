//! `tuixin alerts`: sender, message and infrastructure alerts.

use std::io::Write;

use crate::args::Config;
use crate::db::DbArg;
use crate::output::visible;

/// `tuixin alerts ...`
#[derive(Debug, clap::Subcommand)]
pub enum AlertsCommand {
    /// List alerts, newest first
    #[command(after_help = "Examples:\n  tuixin alerts list\n  tuixin alerts list --all --json")]
    List {
        /// Closed alerts too
        #[arg(long)]
        all: bool,
        /// At most this many alerts
        #[arg(long, default_value_t = 100, value_name = "N")]
        limit: usize,
        /// A lifecycle policy file of your own (its alert quiet hours decide what is still open)
        #[arg(long, value_name = "FILE")]
        policy: Option<std::path::PathBuf>,
        #[command(flatten)]
        db: DbArg,
    },
}

/// Runs the command.
pub fn run(config: &Config, command: &AlertsCommand) -> anyhow::Result<()> {
    match command {
        AlertsCommand::List { all, limit, policy, db } => {
            let policy = crate::policy::load(policy.as_deref(), config)?;
            let store = crate::db::open_existing(db)?;
            let alerts = store.alerts(!all, crate::time::now(), &policy.alerts, *limit)?;
            let mut out = anstream::stdout().lock();
            if config.json {
                serde_json::to_writer_pretty(&mut out, &alerts)?;
                writeln!(out)?;
                return Ok(out.flush()?);
            }
            for a in &alerts {
                let t = crate::time::rfc3339;
                writeln!(
                    out,
                    "{}  {}  {}  {} events  last {}{}",
                    t(a.opened_at),
                    a.category,
                    visible(&a.key),
                    a.events,
                    t(a.last_at),
                    a.closed_at.map_or(String::new(), |c| format!("  closed {}", t(c)))
                )?;
            }
            Ok(out.flush()?)
        }
    }
}

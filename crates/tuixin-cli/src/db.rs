//! `tuixin db`: the store's database; and what every store command shares: the `--db` flag and
//! the output formats of its lists and exports.

use std::io::Write;

use tuixin_store::{OpenOptions, Store};

use crate::args::Config;

/// `--db URL`, shared by the store commands.
#[derive(Debug, Clone, clap::Args)]
pub struct DbArg {
    /// The database: a file path, sqlite:PATH, or postgres://USER@HOST/NAME
    #[arg(long, env = "TUIXIN_DB", default_value = "tuixin.db", value_name = "URL")]
    pub db: String,
}

/// Output formats of the store commands' lists (`events list`, `suppressions list`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    /// One line per item
    Human,
    /// One JSON array
    Json,
    /// One JSON object per line
    Jsonl,
    /// CSV with a header row
    Csv,
}

/// Output formats of the store commands' exports (`events export`, `suppressions export`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// CSV with a header row
    Csv,
    /// One JSON object per line
    Jsonl,
}

/// `tuixin db ...`
#[derive(Debug, clap::Subcommand)]
pub enum DbCommand {
    /// Create the database or bring its schema up to this tuixin's version
    #[command(
        after_help = "Examples:\n  tuixin db migrate\n  tuixin db migrate --db postgres://tuixin@db.internal/tuixin\n\nExit status: 0 when the schema is current, 2 when the database cannot be opened or is newer\nthan this tuixin (it is then left unchanged)."
    )]
    Migrate {
        #[command(flatten)]
        db: DbArg,
    },
}

/// Opens the store the flag names, migrating it (creating a SQLite file that is missing).
pub fn open(arg: &DbArg) -> anyhow::Result<Store> {
    Ok(Store::open(&arg.db)?)
}

/// Opens the store the flag names for reading: a missing SQLite file is an error, not an empty
/// store (a mistyped `--db` must not answer "allowed").
pub fn open_existing(arg: &DbArg) -> anyhow::Result<Store> {
    Ok(Store::open_with(&arg.db, &OpenOptions { create: false, ..OpenOptions::default() })?)
}

/// Runs the command.
pub fn run(config: &Config, command: &DbCommand) -> anyhow::Result<()> {
    match command {
        DbCommand::Migrate { db } => {
            let store = Store::open_with(
                &db.db,
                &OpenOptions { migrate: false, ..OpenOptions::default() },
            )?;
            let done = store.migrate()?;
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{}",
                crate::say::migrated(&store.display_url(), done.from, done.to, config.lang)
            )?;
            Ok(out.flush()?)
        }
    }
}

//! `tuixin check`: may I send to these addresses? One answer per address.

use std::io::Write;

use serde::Serialize;
use tuixin::Lang;
use tuixin_store::CheckOutcome;

use crate::args::Config;
use crate::db::DbArg;
use crate::output::visible;

pub(crate) const EXAMPLES: &str = "\
Examples:
  tuixin check alice@example.org
  tuixin check --scope marketing alice@example.org bob@example.net
  tuixin check --format jsonl alice@example.org

Exit status: 0 when every address is allowed, 1 when any is suppressed, 2 on an error (an invalid
address, a database that cannot be opened).";

/// Output formats of `tuixin check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// One line per address
    Human,
    /// One JSON array
    Json,
    /// One JSON object per line
    Jsonl,
}

/// Flags of `tuixin check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The addresses to check
    #[arg(required = true, value_name = "ADDRESS")]
    pub addresses: Vec<String>,

    /// The kind of mail to be sent: all, transactional, marketing, or a stream name
    #[arg(long, default_value = "all", value_name = "SCOPE")]
    pub scope: String,

    /// Output format [default: human; json with --json]
    #[arg(long, value_enum)]
    pub format: Option<CheckFormat>,

    #[command(flatten)]
    pub db: DbArg,
}

/// The answer as the HTTP API gives it (SERVICE.md §4): times in RFC 3339.
#[derive(Serialize)]
struct Answer<'a> {
    address: &'a str,
    allowed: bool,
    scope: &'a str,
    reason: Option<&'a str>,
    bounce_reason: Option<&'a str>,
    source: Option<&'a str>,
    since: Option<String>,
    expires_at: Option<String>,
    suppressed_scope: Option<&'a str>,
    description: Option<&'a str>,
}

impl<'a> Answer<'a> {
    fn of(outcome: &'a CheckOutcome) -> Answer<'a> {
        let by = outcome.blocked_by.as_ref();
        Answer {
            address: &outcome.address,
            allowed: outcome.allowed,
            scope: &outcome.scope,
            reason: by.map(|b| b.reason.as_str()),
            bounce_reason: by.and_then(|b| b.bounce_reason.as_deref()),
            source: by.map(|b| b.source.as_str()),
            since: by.map(|b| crate::time::rfc3339(b.created_at)),
            expires_at: by.and_then(|b| b.expires_at.map(crate::time::rfc3339)),
            suppressed_scope: by.map(|b| b.scope.as_str()),
            description: by.map(|b| b.description.as_str()),
        }
    }
}

/// Runs the command.
pub fn run(config: &Config, args: &CheckArgs) -> anyhow::Result<()> {
    // Every address is read before the database is opened: a typo is an error, not an answer.
    for address in &args.addresses {
        tuixin_store::address_key(address)
            .map_err(|e| crate::UsageError(crate::say::store_error(&e, config.lang)))?;
    }
    if !tuixin_store::valid_scope(&args.scope) {
        let error = tuixin_store::StoreError::InvalidScope(args.scope.clone());
        return Err(crate::UsageError(crate::say::store_error(&error, config.lang)).into());
    }
    let store = crate::db::open_existing(&args.db)?;
    let outcomes = store.check(&args.addresses, &args.scope, crate::time::now())?;
    let format =
        args.format.unwrap_or(if config.json { CheckFormat::Json } else { CheckFormat::Human });
    let mut out = anstream::stdout().lock();
    match format {
        CheckFormat::Json => {
            let answers: Vec<Answer<'_>> = outcomes.iter().map(Answer::of).collect();
            serde_json::to_writer_pretty(&mut out, &answers)?;
            writeln!(out)?;
        }
        CheckFormat::Jsonl => {
            for outcome in &outcomes {
                serde_json::to_writer(&mut out, &Answer::of(outcome))?;
                writeln!(out)?;
            }
        }
        CheckFormat::Human => {
            for outcome in &outcomes {
                writeln!(out, "{}", human(outcome, config.lang))?;
            }
        }
    }
    out.flush()?;
    if outcomes.iter().any(|o| !o.allowed) {
        return Err(crate::Exit(1).into());
    }
    Ok(())
}

fn human(outcome: &CheckOutcome, lang: Lang) -> String {
    let address = visible(&outcome.address);
    let Some(by) = &outcome.blocked_by else {
        return match lang {
            Lang::En => format!("{address}: allowed ({})", outcome.scope),
            Lang::Zh => format!("{address}\u{ff1a}允许发送\u{ff08}{}\u{ff09}", outcome.scope),
        };
    };
    let reason = match &by.bounce_reason {
        Some(bounce) => format!("{} ({bounce})", by.reason),
        None => by.reason.clone(),
    };
    let since = crate::time::rfc3339(by.created_at);
    let expires = by.expires_at.map(crate::time::rfc3339);
    match lang {
        Lang::En => format!(
            "{address}: suppressed ({}): {reason}, source {}, since {since}, {}",
            by.scope,
            visible(&by.source),
            expires.map_or("no expiry".to_owned(), |e| format!("expires {e}"))
        ),
        Lang::Zh => format!(
            "{address}\u{ff1a}已抑制\u{ff08}{}\u{ff09}\u{ff1a}{reason}\u{ff0c}来源 {}\u{ff0c}始于 {since}\u{ff0c}{}",
            by.scope,
            visible(&by.source),
            expires.map_or("永不过期".to_owned(), |e| format!("到期 {e}"))
        ),
    }
}

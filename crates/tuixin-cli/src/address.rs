//! `tuixin address`: one address's state, entries, events and audit trail.

use std::io::Write;

use tuixin::Lang;

use crate::UsageError;
use crate::args::Config;
use crate::db::DbArg;
use crate::output::visible;

pub(crate) const EXAMPLES: &str = "\
Examples:
  tuixin address alice@example.org
  tuixin address alice@example.org --json

Exit status: 0 when the address is known, 1 when it was never seen, 2 on an error.";

/// Flags of `tuixin address`.
#[derive(Debug, clap::Args)]
pub struct AddressArgs {
    /// The address (any spelling of it)
    pub address: String,
    #[command(flatten)]
    pub db: DbArg,
}

/// Runs the command.
pub fn run(config: &Config, args: &AddressArgs) -> anyhow::Result<()> {
    let lang = config.lang;
    tuixin_store::address_key(&args.address)
        .map_err(|e| UsageError(crate::say::store_error(&e, lang)))?;
    let store = crate::db::open_existing(&args.db)?;
    let Some(report) = store.address(&args.address)? else {
        crate::note(format_args!("{}", crate::say::unknown_address(&visible(&args.address), lang)));
        return Err(crate::Exit(1).into());
    };
    let mut out = anstream::stdout().lock();
    if config.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
        return Ok(out.flush()?);
    }
    let t = crate::time::rfc3339;
    let (entries, events, audit, none) = match lang {
        Lang::En => ("Suppressions", "Events", "Audit", "none"),
        Lang::Zh => ("抑制", "事件", "审计", "无"),
    };
    writeln!(out, "{} ({})", visible(&report.address), report.key)?;
    writeln!(out, "{entries}:")?;
    if report.suppressions.is_empty() {
        writeln!(out, "  {none}")?;
    }
    for s in &report.suppressions {
        let reason =
            s.bounce_reason.as_ref().map_or(s.reason.clone(), |b| format!("{} ({b})", s.reason));
        let expires = s.expires_at.map_or("-".to_owned(), t);
        writeln!(
            out,
            "  {}  {reason}  {}  {}  {expires}{}",
            s.scope,
            visible(&s.source),
            t(s.created_at),
            if s.locked { "  locked" } else { "" }
        )?;
    }
    let soft = report.state["soft"]["days"].as_array().map_or(0, Vec::len);
    let suspend = report.state["suspend"]["days"].as_array().map_or(0, Vec::len);
    match lang {
        Lang::En => writeln!(out, "Counted days: soft {soft}, suspend {suspend}")?,
        Lang::Zh => writeln!(out, "计数天数\u{ff1a}软退信 {soft}\u{ff0c}暂停 {suspend}")?,
    }
    writeln!(out, "{events}:")?;
    for e in &report.events {
        writeln!(
            out,
            "  {}  {}  {}  {}  {}",
            t(e.at),
            e.reason,
            visible(&e.deliverystatus),
            visible(&e.source),
            e.id
        )?;
    }
    writeln!(out, "{audit}:")?;
    for a in &report.audit {
        writeln!(
            out,
            "  {}  {}  {}  {}  {}",
            t(a.at),
            visible(&a.actor),
            a.action,
            a.scope.as_deref().unwrap_or("-"),
            visible(&a.note)
        )?;
    }
    Ok(out.flush()?)
}

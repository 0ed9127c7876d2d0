//! `tuixin suppressions`: list, add, remove, import and export suppression entries.

use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;
use tuixin::Lang;
use tuixin::lifecycle::{Scope, SuppressionReason};
use tuixin_server::import;
use tuixin_store::{Store, SuppressionFilter, SuppressionRow};

use crate::UsageError;
use crate::args::Config;
use crate::db::{DbArg, ExportFormat, ListFormat};
use crate::output::visible;

/// Entries fetched per query while exporting.
const PAGE: usize = 1000;

/// `tuixin suppressions ...`
#[derive(Debug, clap::Subcommand)]
pub enum SuppressionsCommand {
    /// List entries, oldest first, with filters
    #[command(
        after_help = "Examples:\n  tuixin suppressions list --reason hard_bounce --domain example.org\n  tuixin suppressions list --since 2026-12-01 --format csv"
    )]
    List {
        #[command(flatten)]
        filter: FilterArgs,
        /// At most this many entries
        #[arg(long, default_value_t = 100, value_name = "N")]
        limit: usize,
        /// Output format [default: human; json with --json]
        #[arg(long, value_enum)]
        format: Option<ListFormat>,
        #[command(flatten)]
        db: DbArg,
    },
    /// Suppress an address by hand (reason manual)
    #[command(
        after_help = "Examples:\n  tuixin suppressions add alice@example.org --scope marketing --note \"asked by phone\"\n  tuixin suppressions add bob@example.org --expires 2027-01-01\n\nExit status: 0 when added, 2 on an invalid address or scope, or a locked entry in its place."
    )]
    Add {
        /// The address
        address: String,
        /// The scope: all, transactional, marketing or a stream name
        #[arg(long, default_value = "all", value_name = "SCOPE")]
        scope: String,
        /// Why
        #[arg(long, default_value = "", value_name = "TEXT")]
        note: String,
        /// When the entry stops blocking (2027-01-01, an RFC 3339 time or Unix seconds)
        #[arg(long, value_name = "TIME")]
        expires: Option<String>,
        #[command(flatten)]
        db: DbArg,
    },
    /// Remove an address's entry in one scope, with a note saying why
    #[command(
        after_help = "Examples:\n  tuixin suppressions remove alice@example.org --scope all --note \"mailbox fixed, confirmed by the customer\"\n  tuixin suppressions remove carol@example.org --scope marketing --admin --note \"complaint withdrawn\"\n\nExit status: 0 when removed, 2 when there is no such entry, it is locked (a complaint: --admin),\nor the note is missing."
    )]
    Remove {
        /// The address
        address: String,
        /// The scope of the entry to remove
        #[arg(long, value_name = "SCOPE")]
        scope: String,
        /// Why (required)
        #[arg(long, value_name = "TEXT")]
        note: String,
        /// Allow removing a locked entry (a complaint)
        #[arg(long)]
        admin: bool,
        #[command(flatten)]
        db: DbArg,
    },
    /// Import entries from CSV (address,reason,created_at,code,error) or JSON Lines
    #[command(
        after_help = "Examples:\n  tuixin suppressions import ses-suppressions.csv\n  tuixin suppressions import entries.jsonl\n\nA CSV has a header with at least address and reason (created_at, code, error and scope are\noptional); reasons: hard_bounce (or bounce), soft_bounce_threshold, complaint, unsubscribe,\nmanual, provider. A bad row is named by its line on stderr and the rest go in.\nExit status: 0 when every row went in, 1 when some did not, 2 when the file cannot be read."
    )]
    Import {
        /// The file (`-` for stdin)
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
    /// Stream every entry as CSV or JSON Lines
    #[command(
        after_help = "Examples:\n  tuixin suppressions export > suppressions.csv\n  tuixin suppressions export --format jsonl --reason complaint"
    )]
    Export {
        #[command(flatten)]
        filter: FilterArgs,
        /// Output format
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
        #[command(flatten)]
        db: DbArg,
    },
}

/// Filters of `tuixin suppressions list|export`.
#[derive(Debug, Clone, clap::Args)]
pub struct FilterArgs {
    /// Only this reason (hard_bounce, soft_bounce_threshold, complaint, unsubscribe, manual, provider)
    #[arg(long, value_name = "REASON")]
    pub reason: Option<String>,
    /// Only this source (policy, a user, provider:NAME, ...)
    #[arg(long, value_name = "SOURCE")]
    pub source: Option<String>,
    /// Only this scope
    #[arg(long, value_name = "SCOPE")]
    pub scope: Option<String>,
    /// Only addresses at this domain
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Option<String>,
    /// Only entries made at or after this time
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only entries made before this time
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
}

/// An entry as exported: times in RFC 3339.
#[derive(Serialize)]
struct Exported<'a> {
    address: &'a str,
    scope: &'a str,
    reason: &'a str,
    bounce_reason: Option<&'a str>,
    source: &'a str,
    description: &'a str,
    created_at: String,
    updated_at: String,
    expires_at: Option<String>,
    event_id: Option<&'a str>,
    locked: bool,
    review: bool,
}

impl<'a> Exported<'a> {
    fn of(r: &'a SuppressionRow) -> Exported<'a> {
        Exported {
            address: &r.address,
            scope: &r.scope,
            reason: &r.reason,
            bounce_reason: r.bounce_reason.as_deref(),
            source: &r.source,
            description: &r.description,
            created_at: crate::time::rfc3339(r.created_at),
            updated_at: crate::time::rfc3339(r.updated_at),
            expires_at: r.expires_at.map(crate::time::rfc3339),
            event_id: r.event_id.as_deref(),
            locked: r.locked,
            review: r.review,
        }
    }
}

/// Who a change from this command is audited as.
fn actor() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_default();
    if user.is_empty() { "cli".to_owned() } else { format!("cli:{user}") }
}

fn time(text: &Option<String>, lang: Lang) -> anyhow::Result<Option<i64>> {
    text.as_deref()
        .map(|t| {
            crate::time::parse(t).ok_or_else(|| UsageError(crate::say::bad_time(t, lang)).into())
        })
        .transpose()
}

fn scope(text: &str, lang: Lang) -> anyhow::Result<Scope> {
    text.parse().map_err(|_| {
        UsageError(crate::say::store_error(
            &tuixin_store::StoreError::InvalidScope(text.to_owned()),
            lang,
        ))
        .into()
    })
}

fn filter(args: &FilterArgs, lang: Lang) -> anyhow::Result<SuppressionFilter> {
    if let Some(reason) = &args.reason
        && SuppressionReason::from_name(reason).is_none()
    {
        return Err(UsageError(crate::say::bad_reason(reason, lang)).into());
    }
    if let Some(s) = &args.scope {
        scope(s, lang)?;
    }
    Ok(SuppressionFilter {
        reason: args.reason.clone(),
        source: args.source.clone(),
        scope: args.scope.clone(),
        domain: args.domain.clone(),
        since: time(&args.since, lang)?,
        until: time(&args.until, lang)?,
        ..SuppressionFilter::default()
    })
}

/// Runs the command.
pub fn run(config: &Config, command: &SuppressionsCommand) -> anyhow::Result<()> {
    let lang = config.lang;
    let now = crate::time::now();
    match command {
        SuppressionsCommand::List { filter: args, limit, format, db } => {
            let filter = SuppressionFilter { limit: Some(*limit), ..filter(args, lang)? };
            let store = crate::db::open_existing(db)?;
            let rows = store.suppressions(&filter)?;
            let format =
                format.unwrap_or(if config.json { ListFormat::Json } else { ListFormat::Human });
            let mut out = anstream::stdout().lock();
            match format {
                ListFormat::Human => {
                    for r in &rows {
                        let reason = match &r.bounce_reason {
                            Some(b) => format!("{} ({b})", r.reason),
                            None => r.reason.clone(),
                        };
                        let expires = r.expires_at.map_or("-".to_owned(), crate::time::rfc3339);
                        writeln!(
                            out,
                            "{}  {}  {reason}  {}  {}  {expires}{}",
                            visible(&r.address),
                            r.scope,
                            visible(&r.source),
                            crate::time::rfc3339(r.created_at),
                            if r.locked { "  locked" } else { "" }
                        )?;
                    }
                }
                ListFormat::Json => {
                    let all: Vec<_> = rows.iter().map(Exported::of).collect();
                    serde_json::to_writer_pretty(&mut out, &all)?;
                    writeln!(out)?;
                }
                ListFormat::Jsonl => {
                    for r in &rows {
                        serde_json::to_writer(&mut out, &Exported::of(r))?;
                        writeln!(out)?;
                    }
                }
                ListFormat::Csv => {
                    let mut csv = csv::Writer::from_writer(&mut out);
                    for r in &rows {
                        csv.serialize(Exported::of(r))?;
                    }
                    csv.flush()?;
                }
            }
            Ok(out.flush()?)
        }
        SuppressionsCommand::Export { filter: args, format, db } => {
            let filter = filter(args, lang)?;
            let store = crate::db::open_existing(db)?;
            export(&store, filter, *format)
        }
        SuppressionsCommand::Add { address, scope: s, note, expires, db } => {
            tuixin_store::address_key(address)
                .map_err(|e| UsageError(crate::say::store_error(&e, lang)))?;
            let scope = scope(s, lang)?;
            let expires = time(expires, lang)?;
            let store = crate::db::open(db)?;
            let row = store
                .add_manual(address, &scope, note, expires, &actor(), now)
                .map_err(|e| UsageError(crate::say::store_error(&e, lang)))?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", crate::say::added(&visible(&row.address), &row.scope, lang))?;
            Ok(out.flush()?)
        }
        SuppressionsCommand::Remove { address, scope: s, note, admin, db } => {
            tuixin_store::address_key(address)
                .map_err(|e| UsageError(crate::say::store_error(&e, lang)))?;
            let scope = scope(s, lang)?;
            let store = crate::db::open_existing(db)?;
            let row = store
                .remove(address, &scope, &actor(), *admin, note, now)
                .map_err(|e| UsageError(crate::say::store_error(&e, lang)))?;
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{}",
                crate::say::removed(&visible(&row.address), &row.scope, &row.reason, lang)
            )?;
            Ok(out.flush()?)
        }
        SuppressionsCommand::Import { file, db } => {
            let unreadable = |e: &str| {
                UsageError(format!("{}: {}", file.display(), crate::say::unreadable(e, lang)))
            };
            let input: Box<dyn std::io::BufRead> = if file.as_os_str() == "-" {
                Box::new(std::io::stdin().lock())
            } else {
                let f = std::fs::File::open(file).map_err(|e| unreadable(&e.to_string()))?;
                Box::new(std::io::BufReader::with_capacity(256 * 1024, f))
            };
            let report = |line: usize, error: &str| {
                crate::note(format_args!(
                    "tuixin: {}",
                    visible(&format!("{}: line {line}: {error}", file.display()))
                ));
            };
            let rows = match import::rows(input) {
                Ok(rows) => rows,
                Err(import::ImportReadError::Read(e)) => return Err(unreadable(&e).into()),
                Err(import::ImportReadError::Header(e)) => {
                    report(1, &row_error(&e, lang));
                    crate::note(format_args!("{}", crate::say::imported(0, 1, lang)));
                    return Err(crate::Exit(1).into());
                }
            };
            let store = crate::db::open(db)?;
            let progress = import::run(&store, rows, &actor(), now, |_, failures| {
                for f in failures {
                    report(f.line, &row_error(&f.error, lang));
                }
                Ok(())
            })
            .map_err(|e| match e {
                import::ImportError::Read(e) => anyhow::Error::from(unreadable(&e)),
                import::ImportError::Store(e) => e.into(),
            })?;
            crate::note(format_args!(
                "{}",
                crate::say::imported(progress.imported as usize, progress.refused as usize, lang)
            ));
            if progress.refused > 0 {
                return Err(crate::Exit(1).into());
            }
            Ok(())
        }
    }
}

/// Why an import row was refused, in `lang`.
fn row_error(error: &import::RowError, lang: Lang) -> String {
    match error {
        import::RowError::BadReason(reason) => crate::say::bad_reason(reason, lang),
        import::RowError::BadTime(text) => crate::say::bad_time(text, lang),
        import::RowError::BadHeader => crate::say::bad_import_header(lang),
        other => other.to_string(),
    }
}

/// The CSV header, for an export with no entry (serde writes it before the first one).
const CSV_HEADER: [&str; 12] = [
    "address", "scope", "reason", "bounce_reason", "source", "description", "created_at",
    "updated_at", "expires_at", "event_id", "locked", "review",
];

/// Streams every matching entry, a page at a time.
fn export(store: &Store, filter: SuppressionFilter, format: ExportFormat) -> anyhow::Result<()> {
    let out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        ExportFormat::Csv => {
            let mut csv = csv::Writer::from_writer(out);
            let mut any = false;
            pages(store, filter, |r| {
                any = true;
                Ok(csv.serialize(Exported::of(r))?)
            })?;
            if !any {
                csv.write_record(CSV_HEADER)?;
            }
            Ok(csv.flush()?)
        }
        ExportFormat::Jsonl => {
            let mut out = out;
            pages(store, filter, |r| {
                serde_json::to_writer(&mut out, &Exported::of(r))?;
                Ok(out.write_all(b"\n")?)
            })?;
            Ok(out.flush()?)
        }
    }
}

/// Calls `each` for every entry matching `filter`, fetching a page at a time.
fn pages(
    store: &Store,
    mut filter: SuppressionFilter,
    mut each: impl FnMut(&SuppressionRow) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    filter.limit = Some(PAGE);
    loop {
        let page = store.suppressions(&filter)?;
        for r in &page {
            each(r)?;
        }
        match page.last() {
            Some(last) if page.len() == PAGE => {
                filter.after =
                    Some((last.created_at, last.address_key.clone(), last.scope.clone()));
            }
            _ => return Ok(()),
        }
    }
}

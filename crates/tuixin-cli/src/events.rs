//! `tuixin events`: list and export stored events (the record's fields plus id, source and
//! received_at).

use std::io::Write;

use tuixin::Lang;
use tuixin_store::{EventFilter, EventRow, Store};

use crate::args::Config;
use crate::db::{DbArg, ExportFormat, ListFormat};
use crate::output::visible;

/// Events fetched per query while exporting.
const PAGE: usize = 1000;

/// `tuixin events ...`
#[derive(Debug, clap::Subcommand)]
pub enum EventsCommand {
    /// List events, oldest received first
    #[command(
        after_help = "Examples:\n  tuixin events list --address alice@example.org\n  tuixin events list --reason userunknown --since 2026-12-01 --limit 20\n  tuixin events list --category sender --format jsonl"
    )]
    List {
        #[command(flatten)]
        filter: EventFilterArgs,
        /// At most this many events
        #[arg(long, default_value_t = 100, value_name = "N")]
        limit: usize,
        /// Output format [default: human; json with --json]
        #[arg(long, value_enum)]
        format: Option<ListFormat>,
        #[command(flatten)]
        db: DbArg,
    },
    /// Stream every matching event as CSV or JSON Lines
    #[command(
        after_help = "Examples:\n  tuixin events export > events.jsonl\n  tuixin events export --format csv --since 2026-12-01 > events.csv"
    )]
    Export {
        #[command(flatten)]
        filter: EventFilterArgs,
        /// Output format
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
        #[command(flatten)]
        db: DbArg,
    },
}

/// Filters of `tuixin events`.
#[derive(Debug, Clone, clap::Args)]
pub struct EventFilterArgs {
    /// Only events of this address (any spelling of it)
    #[arg(long, value_name = "ADDRESS")]
    pub address: Option<String>,
    /// Only events of this reason (userunknown, mailboxfull, ...)
    #[arg(long, value_name = "REASON")]
    pub reason: Option<String>,
    /// Only events of this category (recipient, sender, message, network, complaint, ...)
    #[arg(long, value_name = "CATEGORY")]
    pub category: Option<String>,
    /// Only events at or after this time (2026-12-01, 2026-12-01T08:00:00Z or Unix seconds)
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only events before this time
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
}

/// The record's fields, in `tuixin parse`'s CSV order, after the event's own.
const CSV_FIELDS: &[&str] = &[
    "id", "source", "received_at", "origin", "message", "recipient", "addresser", "senderdomain",
    "destination", "alias", "action", "deliverystatus", "replycode", "command", "diagnosticcode",
    "diagnostictype", "rhost", "lhost", "feedbacktype", "messageid", "subject", "listid",
    "timestamp", "timezoneoffset", "decodedby", "token", "reason", "hardbounce", "category",
    "rule", "rulekind", "evidence",
];

fn filter(args: &EventFilterArgs, lang: Lang) -> anyhow::Result<EventFilter> {
    let time = |text: &Option<String>| -> anyhow::Result<Option<i64>> {
        text.as_deref()
            .map(|t| {
                crate::time::parse(t)
                    .ok_or_else(|| crate::UsageError(crate::say::bad_time(t, lang)).into())
            })
            .transpose()
    };
    if let Some(address) = &args.address {
        tuixin_store::address_key(address)
            .map_err(|e| crate::UsageError(crate::say::store_error(&e, lang)))?;
    }
    Ok(EventFilter {
        address: args.address.clone(),
        reason: args.reason.clone(),
        category: args.category.clone(),
        since: time(&args.since)?,
        until: time(&args.until)?,
        ..EventFilter::default()
    })
}

/// The event as one flat JSON object: the record's fields, then id, source, received_at.
fn flat(event: &EventRow) -> serde_json::Value {
    let mut object = match &event.record {
        serde_json::Value::Object(map) => map.clone(),
        _ => serde_json::Map::new(),
    };
    object.insert("id".into(), event.id.clone().into());
    object.insert("source".into(), event.source.clone().into());
    object.insert("received_at".into(), crate::time::rfc3339(event.received_at).into());
    serde_json::Value::Object(object)
}

fn csv_row(event: &EventRow) -> Vec<String> {
    let object = flat(event);
    CSV_FIELDS
        .iter()
        .map(|field| match &object[*field] {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        })
        .collect()
}

/// Runs the command.
pub fn run(config: &Config, command: &EventsCommand) -> anyhow::Result<()> {
    match command {
        EventsCommand::List { filter: args, limit, format, db } => {
            let filter = EventFilter { limit: Some(*limit), ..filter(args, config.lang)? };
            let store = crate::db::open_existing(db)?;
            let events = store.events(&filter)?;
            let format =
                format.unwrap_or(if config.json { ListFormat::Json } else { ListFormat::Human });
            let mut out = anstream::stdout().lock();
            match format {
                ListFormat::Human => {
                    for e in &events {
                        let r = &e.record;
                        let text = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
                        writeln!(
                            out,
                            "{}  {}  {}  {} {}  {}",
                            crate::time::rfc3339(e.at),
                            visible(&text("recipient")),
                            text("reason"),
                            visible(&text("deliverystatus")),
                            visible(&text("replycode")),
                            visible(&e.source),
                        )?;
                    }
                }
                ListFormat::Json => {
                    let all: Vec<_> = events.iter().map(flat).collect();
                    serde_json::to_writer_pretty(&mut out, &all)?;
                    writeln!(out)?;
                }
                ListFormat::Jsonl => {
                    for e in &events {
                        serde_json::to_writer(&mut out, &flat(e))?;
                        writeln!(out)?;
                    }
                }
                ListFormat::Csv => {
                    let mut csv = csv::Writer::from_writer(&mut out);
                    csv.write_record(CSV_FIELDS)?;
                    for e in &events {
                        csv.write_record(csv_row(e))?;
                    }
                    csv.flush()?;
                }
            }
            Ok(out.flush()?)
        }
        EventsCommand::Export { filter: args, format, db } => {
            let filter = filter(args, config.lang)?;
            let store = crate::db::open_existing(db)?;
            export(&store, filter, *format)
        }
    }
}

/// Streams every matching event, a page at a time.
fn export(store: &Store, filter: EventFilter, format: ExportFormat) -> anyhow::Result<()> {
    let out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        ExportFormat::Csv => {
            let mut csv = csv::Writer::from_writer(out);
            csv.write_record(CSV_FIELDS)?;
            pages(store, filter, |e| Ok(csv.write_record(csv_row(e))?))?;
            Ok(csv.flush()?)
        }
        ExportFormat::Jsonl => {
            let mut out = out;
            pages(store, filter, |e| {
                serde_json::to_writer(&mut out, &flat(e))?;
                Ok(out.write_all(b"\n")?)
            })?;
            Ok(out.flush()?)
        }
    }
}

/// Calls `each` for every event matching `filter`, fetching a page at a time.
fn pages(
    store: &Store,
    mut filter: EventFilter,
    mut each: impl FnMut(&EventRow) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    filter.limit = Some(PAGE);
    loop {
        let page = store.events(&filter)?;
        for e in &page {
            each(e)?;
        }
        match page.last() {
            Some(last) if page.len() == PAGE => {
                filter.after = Some((last.received_at, last.id.clone()))
            }
            _ => return Ok(()),
        }
    }
}

//! `tuixin serve`: the HTTP API over the store, configured by flags, `TUIXIN_*` environment
//! variables and a TOML file (in that order of precedence).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use tuixin_server::{App, Settings};

use crate::UsageError;
use crate::args::Config;
use crate::say;

pub(crate) const EXAMPLES: &str = "\
Examples:
  tuixin serve                                  # tuixin.db, http://127.0.0.1:8080/
  tuixin serve --db postgres://tuixin@db.internal/tuixin --http 0.0.0.0:8080
  TUIXIN_HTTP=127.0.0.1:9000 tuixin serve --config tuixin.toml --log-json

With no token in the store yet, an admin token is made and printed once on stdout, with the URL.
SIGTERM or Ctrl-C stops accepting connections, finishes the requests in flight and exits 0.
Exit status: 0 after a clean shutdown, 2 on a usage or database error.";

/// Flags of `tuixin serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The database: a file path, sqlite:PATH, or postgres://USER@HOST/NAME [default: tuixin.db]
    #[arg(long, env = "TUIXIN_DB", value_name = "URL")]
    pub db: Option<String>,

    /// The address and port to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "TUIXIN_HTTP", value_name = "ADDR:PORT")]
    pub http: Option<String>,

    /// A TOML file with any of: db, http, policy, log_json, max_body_bytes, request_timeout_secs,
    /// max_concurrent, rate_limit_per_second (per token), max_import_bytes,
    /// header_read_timeout_secs, max_connections, raw_retention_days, upkeep_interval_secs (flags
    /// and TUIXIN_* variables win over it)
    #[arg(long, env = "TUIXIN_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// A lifecycle policy file laid over the built-in policy (a policy set with PUT /v1/policy wins)
    #[arg(long, env = "TUIXIN_POLICY", value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// Write logs as JSON lines (stderr)
    #[arg(long, env = "TUIXIN_LOG_JSON")]
    pub log_json: bool,

    /// Bytes of one request body at most; larger is refused with 413 [default: 33554432]
    #[arg(long, env = "TUIXIN_MAX_BODY_BYTES", value_name = "BYTES")]
    pub max_body_bytes: Option<usize>,
}

/// The config file's fields.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    db: Option<String>,
    http: Option<String>,
    policy: Option<PathBuf>,
    log_json: Option<bool>,
    max_body_bytes: Option<usize>,
    request_timeout_secs: Option<u64>,
    max_concurrent: Option<usize>,
    rate_limit_per_second: Option<u32>,
    max_import_bytes: Option<u64>,
    header_read_timeout_secs: Option<u64>,
    max_connections: Option<usize>,
    raw_retention_days: Option<u32>,
    upkeep_interval_secs: Option<u64>,
    #[serde(default)]
    webhooks: std::collections::BTreeMap<String, tuixin_server::webhooks::WebhookConfig>,
    /// `[[imap]]`: the mailboxes to poll for bounces.
    #[serde(default)]
    imap: Vec<tuixin_server::imap::ImapConfig>,
}

fn read_config(path: &Path, config: &Config) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| UsageError(say::unreadable_config(path, &e.to_string(), config.lang)))?;
    toml::from_str(&text)
        .map_err(|e| UsageError(say::unreadable_config(path, &e.to_string(), config.lang)).into())
}

fn init_logs(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("TUIXIN_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    if json {
        let _ = builder.json().try_init();
    } else {
        let _ = builder.try_init();
    }
}

/// Runs the command.
pub fn run(config: &Config, args: &ServeArgs) -> anyhow::Result<()> {
    let file = match &args.config {
        Some(path) => read_config(path, config)?,
        None => FileConfig::default(),
    };
    init_logs(args.log_json || file.log_json.unwrap_or(false));
    let db = args.db.clone().or(file.db).unwrap_or_else(|| "tuixin.db".to_owned());
    let http = args.http.clone().or(file.http).unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let addr: SocketAddr =
        http.parse().map_err(|_| UsageError(say::bad_listen_address(&http, config.lang)))?;
    let policy_path = args.policy.clone().or(file.policy);
    let policy = crate::policy::load(policy_path.as_deref(), config)?;
    let defaults = Settings::default();
    let webhooks = tuixin_server::webhooks::Webhooks::from_config(&file.webhooks)
        .map_err(|e| UsageError(e.to_string()))?;
    let settings = Settings {
        max_body_bytes: args
            .max_body_bytes
            .or(file.max_body_bytes)
            .unwrap_or(defaults.max_body_bytes),
        request_timeout: file
            .request_timeout_secs
            .map_or(defaults.request_timeout, Duration::from_secs),
        max_concurrent: file.max_concurrent.unwrap_or(defaults.max_concurrent).max(1),
        policy,
        token_refresh: defaults.token_refresh,
        rate_per_second: file.rate_limit_per_second,
        max_import_bytes: file.max_import_bytes.unwrap_or(defaults.max_import_bytes),
        header_read_timeout: file
            .header_read_timeout_secs
            .map_or(defaults.header_read_timeout, |s| Duration::from_secs(s.max(1))),
        max_connections: file.max_connections.unwrap_or(defaults.max_connections).max(1),
        raw_retention_days: file.raw_retention_days.unwrap_or(defaults.raw_retention_days),
        upkeep_interval: file
            .upkeep_interval_secs
            .map_or(defaults.upkeep_interval, |s| Duration::from_secs(s.max(1))),
        webhooks,
        ..defaults
    };
    // IMAP mailboxes: their passwords read now, so a missing one is a usage error at start.
    let mailboxes = file
        .imap
        .iter()
        .map(|m| m.resolve().map_err(|e| UsageError(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let store = crate::db::open(&crate::db::DbArg { db })?;
    let shown_db = store.display_url();
    let first_token = if store.tokens()?.iter().all(|t| t.revoked_at.is_some()) {
        let made = tuixin_server::token::make(
            "admin",
            &[tuixin_server::token::TokenScope::Admin],
            crate::time::now(),
        )?;
        store.token_create(&made.row)?;
        Some(made.token)
    } else {
        None
    };
    let app = App::new(store, settings)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| UsageError(say::cannot_listen(&http, &e.to_string(), config.lang)))?;
        let local = listener.local_addr()?;
        {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", say::listening(&format!("http://{local}/"), config.lang))?;
            if let Some(token) = &first_token {
                writeln!(out, "{}", say::first_token(config.lang))?;
                writeln!(out, "{token}")?;
            }
            out.flush()?;
        }
        tracing::info!(db = %shown_db, addr = %local, "serving");
        let pollers = tuixin_server::imap::start(&app, mailboxes);
        tuixin_server::serve(listener, app, tuixin_server::shutdown_signal()).await?;
        pollers.stop().await;
        tracing::info!("stopped");
        Ok(())
    })
}

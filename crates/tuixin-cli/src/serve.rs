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
  tuixin serve --smtp 0.0.0.0:25 --bounce-domain bounce.example.com   # bounces by mail too
  tuixin serve --lmtp unix:/run/tuixin/lmtp.sock --bounce-domain bounce.example.com

The SMTP/LMTP listener takes mail only for the bounce domains and addresses (550 5.1.1 for any
other recipient: never a relay), and says 250 only once the message is in the store (451 4.3.0
while the store is unavailable). VERP (bounces+alice=example.org@...) names the bounced address
where the bounce names none.

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
    /// header_read_timeout_secs, max_connections, raw_retention_days, upkeep_interval_secs, and
    /// an [smtp] section (smtp, lmtp, hostname, bounce_domains, bounce_addresses, verp_separators,
    /// max_message_bytes, max_recipients, max_line_bytes, max_errors, idle_timeout_secs,
    /// command_timeout_secs, max_connections, tls_cert, tls_key) (flags and TUIXIN_* variables
    /// win over it)
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

    /// Also take bounces by SMTP on this address and port (e.g. 0.0.0.0:25); needs a bounce
    /// domain or address
    #[arg(long, env = "TUIXIN_SMTP", value_name = "ADDR:PORT")]
    pub smtp: Option<String>,

    /// Also take bounces by LMTP on this address and port, or on a Unix socket (unix:PATH)
    #[arg(long, env = "TUIXIN_LMTP", value_name = "ADDR:PORT|unix:PATH")]
    pub lmtp: Option<String>,

    /// A domain whose every address is a bounce address (VERP included); mail to any other
    /// domain is refused with 550, never relayed (repeatable; adds to [smtp] bounce_domains)
    #[arg(long, env = "TUIXIN_BOUNCE_DOMAIN", value_name = "DOMAIN", value_delimiter = ',')]
    pub bounce_domain: Vec<String>,
}

/// The `[smtp]` section of the config file: the SMTP/LMTP listener.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SmtpConfig {
    smtp: Option<String>,
    lmtp: Option<String>,
    hostname: Option<String>,
    bounce_domains: Option<Vec<String>>,
    bounce_addresses: Option<Vec<String>>,
    verp_separators: Option<String>,
    max_message_bytes: Option<usize>,
    max_recipients: Option<usize>,
    max_line_bytes: Option<usize>,
    command_timeout_secs: Option<u64>,
    idle_timeout_secs: Option<u64>,
    max_connections: Option<usize>,
    max_errors: Option<usize>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
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
    smtp: Option<SmtpConfig>,
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
    let mail = mail_listeners(args, file.smtp.unwrap_or_default())?;
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
        // One signal stops every listener.
        let (stop, stopping) = tokio::sync::watch::channel(false);
        let stopped = move || {
            let mut stopping = stopping.clone();
            async move {
                let _ = stopping.wait_for(|s| *s).await;
            }
        };
        let mut mail_tasks = Vec::new();
        for (protocol, at, settings) in mail {
            let listener = bind_mail(&at)
                .await
                .map_err(|e| UsageError(say::cannot_listen(&at, &e.to_string(), config.lang)))?;
            let shared = tuixin_server::smtp::Shared::new(settings, protocol, app.clone())?;
            let bound = listener.describe();
            tracing::info!(addr = %bound, protocol = protocol.source(), "taking bounces by mail");
            {
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                let url = format!("{}://{bound}", protocol.source());
                writeln!(out, "{}", say::listening(&url, config.lang))?;
                out.flush()?;
            }
            mail_tasks.push(tokio::spawn(tuixin_server::smtp::serve_smtp(
                listener,
                shared,
                stopped(),
            )));
        }
        tokio::spawn(async move {
            tuixin_server::shutdown_signal().await;
            let _ = stop.send(true);
        });
        let pollers = tuixin_server::imap::start(&app, mailboxes);
        tuixin_server::serve(listener, app, stopped()).await?;
        for task in mail_tasks {
            let _ = task.await;
        }
        pollers.stop().await;
        tracing::info!("stopped");
        Ok(())
    })
}

/// The mail listeners asked for (`--smtp`, `--lmtp` or `[smtp]`), each with its settings;
/// refuses a listener with no bounce domain or address, or with unusable TLS files.
fn mail_listeners(
    args: &ServeArgs,
    file: SmtpConfig,
) -> anyhow::Result<Vec<(tuixin_server::smtp::Protocol, String, tuixin_server::smtp::SmtpSettings)>>
{
    use tuixin_server::smtp::{BounceRecipients, Protocol, Shared, SmtpSettings};
    let smtp = args.smtp.clone().or(file.smtp);
    let lmtp = args.lmtp.clone().or(file.lmtp);
    if smtp.is_none() && lmtp.is_none() {
        return Ok(Vec::new());
    }
    let mut domains = file.bounce_domains.unwrap_or_default();
    domains.extend(args.bounce_domain.iter().cloned());
    let addresses = file.bounce_addresses.unwrap_or_default();
    let separators: Vec<char> = file.verp_separators.unwrap_or_default().chars().collect();
    let defaults = SmtpSettings::default();
    let settings = SmtpSettings {
        hostname: file.hostname.unwrap_or_else(local_hostname),
        recipients: BounceRecipients::new(&domains, &addresses, &separators),
        max_message_bytes: file.max_message_bytes.unwrap_or(defaults.max_message_bytes).max(1024),
        max_recipients: file.max_recipients.unwrap_or(defaults.max_recipients).max(1),
        max_line_bytes: file.max_line_bytes.unwrap_or(defaults.max_line_bytes).max(512),
        command_timeout: file
            .command_timeout_secs
            .map_or(defaults.command_timeout, |s| Duration::from_secs(s.max(1))),
        idle_timeout: file
            .idle_timeout_secs
            .map_or(defaults.idle_timeout, |s| Duration::from_secs(s.max(1))),
        max_connections: file.max_connections.unwrap_or(defaults.max_connections).max(1),
        max_errors: file.max_errors.unwrap_or(defaults.max_errors).max(1),
        tls_cert: file.tls_cert,
        tls_key: file.tls_key,
    };
    Shared::check(&settings).map_err(|e| UsageError(format!("--smtp/--lmtp: {e}")))?;
    let mut out = Vec::new();
    if let Some(at) = smtp {
        out.push((Protocol::Smtp, at, settings.clone()));
    }
    if let Some(at) = lmtp {
        out.push((Protocol::Lmtp, at, settings));
    }
    Ok(out)
}

/// This machine's name, for the SMTP banner, when the config names none.
fn local_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// Binds `ADDR:PORT` (TCP) or `unix:PATH` (a Unix socket; a stale socket file left by an
/// earlier run is replaced).
async fn bind_mail(at: &str) -> std::io::Result<tuixin_server::smtp::SmtpListener> {
    use tuixin_server::smtp::SmtpListener;
    if let Some(path) = at.strip_prefix("unix:") {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket()) {
                std::fs::remove_file(path)?;
            }
            return Ok(SmtpListener::Unix(tokio::net::UnixListener::bind(path)?));
        }
        #[cfg(not(unix))]
        return Err(std::io::Error::other("Unix sockets need a Unix system"));
    }
    let addr: SocketAddr = at.parse().map_err(|_| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "not ADDR:PORT or unix:PATH")
    })?;
    Ok(SmtpListener::Tcp(tokio::net::TcpListener::bind(addr).await?))
}

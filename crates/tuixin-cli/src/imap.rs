//! `tuixin ingest imap://USER@HOST[:PORT]/FOLDER`: one pass over a mailbox with the pollers'
//! rules (bounces committed before they are flagged, moved or deleted; the last UID kept in the
//! store under `imap:<name>`, so a later run or a `serve` poller of that name resumes).

use std::path::PathBuf;
use std::sync::Arc;

use tuixin_server::imap::{After, ImapConfig, TlsMode};

use crate::UsageError;

/// Whether a path argument names a mailbox.
pub fn is_mailbox_url(path: &std::path::Path) -> bool {
    let text = path.to_string_lossy();
    ["imap://", "imap+starttls://", "imap+plain://"].iter().any(|s| text.starts_with(s))
}

/// What the URL says.
#[derive(Debug, PartialEq, Eq)]
struct MailboxUrl {
    tls: TlsMode,
    user: String,
    host: String,
    port: Option<u16>,
    folder: String,
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Reads `imap[+starttls|+plain]://USER@HOST[:PORT][/FOLDER]` (the user and folder may be
/// percent-encoded, e.g. `bounces%40example.com`).
fn parse_url(url: &str) -> Option<MailboxUrl> {
    let (scheme, rest) = url.split_once("://")?;
    let tls = match scheme {
        "imap" => TlsMode::Implicit,
        "imap+starttls" => TlsMode::Starttls,
        "imap+plain" => TlsMode::None,
        _ => return None,
    };
    let (authority, folder) = rest.split_once('/').unwrap_or((rest, ""));
    let (user, server) = authority.rsplit_once('@')?;
    let (host, port) = if let Some(v6) = server.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse().ok()?),
            None if after.is_empty() => None,
            None => return None,
        };
        (host.to_owned(), port)
    } else {
        match server.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p.parse().ok()?)),
            None => (server.to_owned(), None),
        }
    };
    let user = percent_decode(user)?;
    let folder = percent_decode(folder)?;
    if user.is_empty() || host.is_empty() {
        return None;
    }
    Some(MailboxUrl {
        tls,
        user,
        host,
        port,
        folder: if folder.is_empty() { "INBOX".to_owned() } else { folder },
    })
}

/// The one-shot's settings beside the URL.
#[derive(Debug)]
pub struct OneShot<'a> {
    /// The URL as given.
    pub url: &'a str,
    /// `--source`: `imap:NAME` shares the state of the poller named NAME.
    pub source: &'a str,
    /// `--password-file`.
    pub password_file: Option<PathBuf>,
    /// `--after`.
    pub after: &'a str,
    /// `--ca-file`.
    pub ca_file: Option<PathBuf>,
    /// `--quiet`.
    pub quiet: bool,
}

/// Runs one pass; exit status 1 (an error) when some messages could not be read.
pub fn run(
    store: tuixin_store::Store,
    policy: tuixin::lifecycle::Policy,
    shot: &OneShot<'_>,
) -> anyhow::Result<()> {
    let url = parse_url(shot.url).ok_or_else(|| {
        UsageError(format!("{}: not imap[+starttls|+plain]://USER@HOST[:PORT]/FOLDER", shot.url))
    })?;
    After::parse(shot.after).ok_or_else(|| {
        UsageError(format!("--after {}: use seen, move:FOLDER or delete", shot.after))
    })?;
    let name = match shot.source.strip_prefix("imap:") {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ if shot.source != "file" => {
            return Err(UsageError(format!(
                "--source {}: a mailbox's source is imap:NAME",
                shot.source
            ))
            .into());
        }
        _ => format!("{}@{}/{}", url.user, url.host, url.folder),
    };
    // The password from a file, else from TUIXIN_IMAP_PASSWORD (never from the command line).
    let (password_env, password_file) = match &shot.password_file {
        Some(path) => (None, Some(path.clone())),
        None => (Some("TUIXIN_IMAP_PASSWORD".to_owned()), None),
    };
    let config = ImapConfig {
        name,
        host: url.host.clone(),
        port: url.port,
        tls: url.tls,
        user: url.user.clone(),
        password_env,
        password_file,
        folder: Some(url.folder.clone()),
        after: Some(shot.after.to_owned()),
        act_on: Default::default(),
        poll_interval_secs: None,
        ca_file: shot.ca_file.clone(),
        max_message_bytes: None,
    };
    let mailbox = config.resolve().map_err(|e| UsageError(e.to_string()))?;
    let store = Arc::new(store);
    let policy = Arc::new(policy);
    let target = tuixin_server::imap::Target {
        store: store.clone(),
        committer: tuixin_server::commit::Committer::start(store.clone()),
        policy: Arc::new(move || policy.clone()),
        lease: None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let result = runtime.block_on(tuixin_server::imap::run_once(&mailbox, &target));
    drop(runtime);
    // The store goes after the runtime (a PostgreSQL store owns a runtime of its own).
    drop(target);
    drop(store);
    let summary = result?;
    if !shot.quiet {
        crate::note(format_args!(
            "imap {}: {} messages read, {} bounces, {} records ({} new events), {} unreadable, {} flagged/moved/deleted",
            mailbox.source(),
            summary.messages,
            summary.bounces,
            summary.records,
            summary.new_events,
            summary.failures,
            summary.acted_on
        ));
    }
    if summary.failures > 0 {
        return Err(crate::parse::InputsFailed(summary.failures).into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_the_tls_mode_user_host_port_and_folder() {
        let url = parse_url("imap://bounces%40example.com@imap.example.com/Bounces").unwrap();
        assert_eq!(url.tls, TlsMode::Implicit);
        assert_eq!(url.user, "bounces@example.com");
        assert_eq!(url.host, "imap.example.com");
        assert_eq!(url.port, None);
        assert_eq!(url.folder, "Bounces");
        let url = parse_url("imap+starttls://u@[::1]:1143").unwrap();
        assert_eq!((url.tls, url.host.as_str(), url.port), (TlsMode::Starttls, "::1", Some(1143)));
        assert_eq!(url.folder, "INBOX");
        let url = parse_url("imap+plain://u@127.0.0.1:143/").unwrap();
        assert_eq!((url.tls, url.port), (TlsMode::None, Some(143)));
        assert_eq!(parse_url("imap://imap.example.com/INBOX"), None);
        assert_eq!(parse_url("imap://u@host:port/INBOX"), None);
        assert_eq!(parse_url("imaps://u@host/INBOX"), None);
        assert_eq!(parse_url("imap://u@host/%zz"), None);
    }
}

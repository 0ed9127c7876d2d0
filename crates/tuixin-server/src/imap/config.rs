//! The `[[imap]]` sections of the serve config, and the mailbox they resolve to (the password
//! read from its variable or file).

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::ImapError;

/// Bytes of one message at most, by default: a larger one is recorded as a failure, not fetched.
pub const DEFAULT_MAX_MESSAGE_BYTES: u64 = 25 << 20;

/// One `[[imap]]` section as written in the config file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImapConfig {
    /// The mailbox's name: events get source `imap:<name>`.
    pub name: String,
    /// The server's host name (checked against its certificate).
    pub host: String,
    /// The port; 993 for implicit TLS, 143 otherwise, by default.
    pub port: Option<u16>,
    /// `implicit` (default), `starttls`, or `none` (local servers only).
    #[serde(default)]
    pub tls: TlsMode,
    /// The user to log in as.
    pub user: String,
    /// The environment variable that holds the password.
    pub password_env: Option<String>,
    /// A file whose first line is the password.
    pub password_file: Option<PathBuf>,
    /// The folder to read; INBOX by default.
    pub folder: Option<String>,
    /// What to do with a message once committed: `seen` (default), `move:FOLDER`, `delete`.
    pub after: Option<String>,
    /// Which messages get the `after` action: `bounces` (default) or `all`.
    #[serde(default)]
    pub act_on: ActOn,
    /// Seconds between polls where the server has no IDLE; 60 by default.
    pub poll_interval_secs: Option<u64>,
    /// A PEM file of CA certificates trusted beside the built-in roots (a private CA).
    pub ca_file: Option<PathBuf>,
    /// Bytes of one message at most (25 MiB by default).
    pub max_message_bytes: Option<u64>,
}

/// How the connection is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// TLS from the first byte (IMAPS, port 993).
    #[default]
    Implicit,
    /// Plain, then `STARTTLS` before the login (port 143).
    Starttls,
    /// No TLS at all: for a server on this machine only.
    None,
}

/// What is done on the server with a message once it is committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum After {
    /// Flag it `\Seen`.
    Seen,
    /// Move it to this folder (MOVE, or COPY then delete where the server has no MOVE).
    Move(String),
    /// Delete it (`\Deleted`, then EXPUNGE).
    Delete,
}

impl After {
    /// Reads `seen`, `move:FOLDER` or `delete`.
    pub fn parse(text: &str) -> Option<After> {
        match text {
            "seen" => Some(After::Seen),
            "delete" => Some(After::Delete),
            _ => text
                .strip_prefix("move:")
                .filter(|f| !f.is_empty() && valid_folder(f))
                .map(|f| After::Move(f.to_owned())),
        }
    }
}

/// Which messages get the `after` action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActOn {
    /// Only messages that gave records: other mail in the folder is left as it was.
    #[default]
    Bounces,
    /// Every message read (bounce or not, and those too large or unreadable).
    All,
}

/// A password, never shown by `Debug` or `Display`.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Wraps a password.
    pub fn new(password: String) -> Password {
        Password(password)
    }

    /// The password itself, for the LOGIN command only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A mailbox ready to poll: the config with its defaults applied and its password read.
#[derive(Debug, Clone)]
pub struct Mailbox {
    /// The name (source `imap:<name>`, store key `imap:<name>`).
    pub name: String,
    /// The server's host name.
    pub host: String,
    /// The port.
    pub port: u16,
    /// How the connection is protected.
    pub tls: TlsMode,
    /// The user.
    pub user: String,
    /// The password.
    pub password: Password,
    /// The folder read.
    pub folder: String,
    /// What is done after the commit.
    pub after: After,
    /// Which messages it is done to.
    pub act_on: ActOn,
    /// Time between polls without IDLE.
    pub poll_interval: Duration,
    /// Extra trusted CA certificates (PEM).
    pub ca_file: Option<PathBuf>,
    /// Bytes of one message at most.
    pub max_message_bytes: u64,
}

impl Mailbox {
    /// The events' source: `imap:<name>`.
    pub fn source(&self) -> String {
        format!("imap:{}", self.name)
    }

    /// `host:port`, for messages.
    pub fn server(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The default port for a TLS mode.
    pub fn default_port(tls: TlsMode) -> u16 {
        match tls {
            TlsMode::Implicit => 993,
            TlsMode::Starttls | TlsMode::None => 143,
        }
    }
}

/// A folder name we pass to the server as a quoted string: no quotes, backslashes or line
/// breaks (they would need escaping the client does not do).
fn valid_folder(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| matches!(c, '"' | '\\' | '\r' | '\n' | '\0'))
}

/// `localhost`, or a loopback IP address.
fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl ImapConfig {
    /// Applies the defaults and reads the password; an error names what is missing.
    pub fn resolve(&self) -> Result<Mailbox, ImapError> {
        let bad = |why: String| ImapError::Config { name: self.name.clone(), why };
        if self.name.is_empty() || self.name.chars().any(char::is_control) {
            return Err(bad("the name is empty or holds control characters".to_owned()));
        }
        if self.host.is_empty() {
            return Err(bad("no host".to_owned()));
        }
        // No TLS sends the password in the clear: only to a server on this machine.
        if self.tls == TlsMode::None && !is_loopback(&self.host) {
            return Err(bad(format!(
                "tls = \"none\" is for a server on this machine only, not {}",
                self.host
            )));
        }
        let password = match (&self.password_env, &self.password_file) {
            (Some(var), None) => std::env::var(var)
                .map_err(|_| bad(format!("the variable {var} (password_env) is not set")))?,
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| bad(format!("password_file {}: {e}", path.display())))?;
                text.lines().next().unwrap_or("").to_owned()
            }
            (Some(_), Some(_)) => {
                return Err(bad("give password_env or password_file, not both".to_owned()));
            }
            (None, None) => return Err(bad("no password_env or password_file".to_owned())),
        };
        let folder = self.folder.clone().unwrap_or_else(|| "INBOX".to_owned());
        if !valid_folder(&folder) {
            return Err(bad(format!(
                "the folder {folder:?} holds a quote, backslash or line break"
            )));
        }
        let after = match &self.after {
            None => After::Seen,
            Some(text) => After::parse(text)
                .ok_or_else(|| bad(format!("after = {text:?}: use seen, move:FOLDER or delete")))?,
        };
        Ok(Mailbox {
            name: self.name.clone(),
            host: self.host.clone(),
            port: self.port.unwrap_or_else(|| Mailbox::default_port(self.tls)),
            tls: self.tls,
            user: self.user.clone(),
            password: Password::new(password),
            folder,
            after,
            act_on: self.act_on,
            poll_interval: Duration::from_secs(self.poll_interval_secs.unwrap_or(60).max(1)),
            ca_file: self.ca_file.clone(),
            max_message_bytes: self.max_message_bytes.unwrap_or(DEFAULT_MAX_MESSAGE_BYTES),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_reads_the_three_actions_and_refuses_the_rest() {
        assert_eq!(After::parse("seen"), Some(After::Seen));
        assert_eq!(After::parse("delete"), Some(After::Delete));
        assert_eq!(After::parse("move:Processed"), Some(After::Move("Processed".to_owned())));
        assert_eq!(After::parse("move:"), None);
        assert_eq!(After::parse("move:a\"b"), None);
        assert_eq!(After::parse("flag"), None);
    }

    #[test]
    fn a_password_never_shows_in_debug_output() {
        let config = ImapConfig {
            name: "bounces".to_owned(),
            host: "imap.example.com".to_owned(),
            port: None,
            tls: TlsMode::Starttls,
            user: "bounces".to_owned(),
            password_env: Some("TUIXIN_TEST_IMAP_PASSWORD_DEBUG".to_owned()),
            password_file: None,
            folder: None,
            after: Some("move:Done".to_owned()),
            act_on: ActOn::All,
            poll_interval_secs: None,
            ca_file: None,
            max_message_bytes: None,
        };
        // SAFETY: no other test reads or writes this variable.
        unsafe { std::env::set_var("TUIXIN_TEST_IMAP_PASSWORD_DEBUG", "hunter2-secret") };
        let mailbox = config.resolve().unwrap();
        assert_eq!(mailbox.port, 143);
        assert_eq!(mailbox.folder, "INBOX");
        assert_eq!(mailbox.after, After::Move("Done".to_owned()));
        assert_eq!(mailbox.password.expose(), "hunter2-secret");
        assert!(!format!("{mailbox:?}").contains("hunter2"));
        // Plain IMAP only on this machine.
        let plain = ImapConfig { tls: TlsMode::None, ..config.clone() };
        assert!(plain.resolve().unwrap_err().to_string().contains("this machine only"));
        let local = ImapConfig { host: "127.0.0.1".to_owned(), ..plain.clone() };
        assert_eq!(local.resolve().unwrap().port, 143);
        assert!(is_loopback("localhost") && is_loopback("::1") && is_loopback("[::1]"));
        assert!(!is_loopback("10.0.0.1"));
    }
}

//! IMAP mailbox polling: bounces that land in a mailbox are fetched, decoded, committed to the
//! store, and only then flagged `\Seen`, moved or deleted on the server (durable before
//! acknowledged). UIDVALIDITY and the last UID handled are kept in the store (key
//! `imap:<name>`), so a restart resumes and never fetches a message twice; when several servers
//! share a database, a lease row lets one of them poll a mailbox at a time.
//!
//! `config` reads the `[[imap]]` sections, `connect` opens the connection (implicit TLS,
//! STARTTLS or plain), `pass` runs one pass over the folder, `poller` keeps one mailbox polled
//! (IDLE where the server has it) with backoff on errors.

pub mod config;
pub mod connect;
pub mod pass;
pub mod poller;

pub use config::{ActOn, After, ImapConfig, Mailbox, Password, TlsMode};
pub use pass::{Lease, PassSummary, Target, run_once};
pub use poller::{Pollers, start};

/// What went wrong with a mailbox; the text never holds the password.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ImapError {
    /// The configuration is unusable (a missing password, a bad `after`, ...).
    #[error("imap {name}: {why}")]
    Config {
        /// The mailbox's name.
        name: String,
        /// What is wrong.
        why: String,
    },
    /// The server could not be reached, or the connection dropped or timed out.
    #[error("imap {name}: connection to {server}: {why}")]
    Connect {
        /// The mailbox's name.
        name: String,
        /// `host:port`.
        server: String,
        /// The cause.
        why: String,
    },
    /// The TLS handshake failed (an untrusted or mismatched certificate, no STARTTLS, ...).
    #[error("imap {name}: TLS with {server}: {why}")]
    Tls {
        /// The mailbox's name.
        name: String,
        /// `host:port`.
        server: String,
        /// The cause.
        why: String,
    },
    /// The server refused the login.
    #[error("imap {name}: login as {user} refused: {why}")]
    Login {
        /// The mailbox's name.
        name: String,
        /// The user name.
        user: String,
        /// The server's answer.
        why: String,
    },
    /// A command failed (no such folder, the server said NO or BAD, ...).
    #[error("imap {name}: {why}")]
    Protocol {
        /// The mailbox's name.
        name: String,
        /// The command and the cause.
        why: String,
    },
    /// The store refused the commit or the state; the mail is left as it was.
    #[error("imap {name}: store: {why}")]
    Store {
        /// The mailbox's name.
        name: String,
        /// The cause.
        why: String,
    },
}

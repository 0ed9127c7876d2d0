//! The SMTP and LMTP listener of `tuixin serve`: bounces arrive by mail at the bounce
//! addresses (an MX points at this server, or an MTA hands them over by LMTP), are decoded,
//! and are committed to the store before the `250`.
//!
//! Our own tokio accept loop over `smtp-proto`'s command parser: one task per connection, a
//! semaphore bounding the connections, and a group-commit task ([`commit`]) shared by the
//! sessions. Never a relay: only the configured bounce domains and addresses are taken.

pub mod commit;
pub mod message;
pub mod session;
pub mod tls;
pub mod verp;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;

pub use commit::{CommitError, Committer};
pub use session::Session;
pub use verp::BounceRecipients;

use crate::app::App;

/// Which protocol a listener speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// SMTP (RFC 5321): one reply after DATA; EHLO/HELO.
    Smtp,
    /// LMTP (RFC 2033): LHLO, and one reply per accepted recipient after DATA.
    Lmtp,
}

impl Protocol {
    /// The provenance source of the events it brings: `smtp` or `lmtp`.
    pub fn source(self) -> &'static str {
        match self {
            Protocol::Smtp => "smtp",
            Protocol::Lmtp => "lmtp",
        }
    }
}

/// The listener's settings (`[smtp]` in the config file).
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    /// The name in the banner and the EHLO reply.
    pub hostname: String,
    /// Who mail is taken for.
    pub recipients: BounceRecipients,
    /// Bytes of one message at most (advertised as SIZE; `552 5.3.4` past it).
    pub max_message_bytes: usize,
    /// Recipients of one message at most (`452 4.5.3` past it).
    pub max_recipients: usize,
    /// Bytes of one command line at most, CRLF included (`500 5.5.2` past it). Lines of a
    /// message's text are bounded by the message size only.
    pub max_line_bytes: usize,
    /// How long the server waits for the client's next command (`421 4.4.2` past it).
    pub idle_timeout: Duration,
    /// How long one command may take from its first byte to its end, a whole DATA transfer
    /// included (`421 4.4.2` past it): a client that trickles bytes cannot hold a slot forever.
    pub command_timeout: Duration,
    /// Connections open at once (`421 4.7.0` to the one beyond).
    pub max_connections: usize,
    /// Bad commands in one session before it is closed (`421 4.7.0`).
    pub max_errors: usize,
    /// The certificate and key for STARTTLS (PEM files); STARTTLS is offered only with both.
    pub tls_cert: Option<PathBuf>,
    /// The private key for STARTTLS (PEM).
    pub tls_key: Option<PathBuf>,
}

impl Default for SmtpSettings {
    fn default() -> SmtpSettings {
        SmtpSettings {
            hostname: "localhost".to_owned(),
            recipients: BounceRecipients::default(),
            // Postfix's default message_size_limit.
            max_message_bytes: 10_240_000,
            // RFC 5321 §4.5.3.1.8: at least 100 must be taken.
            max_recipients: 100,
            max_line_bytes: 2048,
            // RFC 5321 §4.5.3.2.7: the server waits at least 5 minutes for a command.
            idle_timeout: Duration::from_secs(300),
            // RFC 5321 §4.5.3.2.6: 10 minutes for the end of the data.
            command_timeout: Duration::from_secs(600),
            max_connections: 1000,
            max_errors: 10,
            tls_cert: None,
            tls_key: None,
        }
    }
}

/// Why the listener cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    /// No bounce domain and no bounce address: it would refuse every recipient.
    #[error(
        "no bounce domain or bounce address is configured: the listener takes mail only for those (it is never a relay), so it would refuse every message; give --bounce-domain DOMAIN or [smtp] bounce_domains / bounce_addresses"
    )]
    NoRecipients,
    /// Only one of the certificate and the key is configured.
    #[error("STARTTLS needs both tls_cert and tls_key")]
    HalfTls,
    /// The certificate or key cannot be used.
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
}

/// A bound listening socket: TCP, or (for LMTP) a Unix socket.
pub enum SmtpListener {
    /// A TCP socket.
    Tcp(tokio::net::TcpListener),
    /// A Unix domain socket.
    #[cfg(unix)]
    Unix(tokio::net::UnixListener),
}

impl SmtpListener {
    /// Where it listens: `ADDR:PORT` (the port bound, when 0 was asked), or `unix:PATH`.
    pub fn describe(&self) -> String {
        match self {
            SmtpListener::Tcp(l) => {
                l.local_addr().map_or_else(|_| "?".to_owned(), |a| a.to_string())
            }
            #[cfg(unix)]
            SmtpListener::Unix(l) => l
                .local_addr()
                .ok()
                .and_then(|a| a.as_pathname().map(|p| format!("unix:{}", p.display())))
                .unwrap_or_else(|| "unix:?".to_owned()),
        }
    }
}

/// What every session of one listener shares.
pub struct Shared {
    /// The settings.
    pub settings: SmtpSettings,
    /// The protocol.
    pub protocol: Protocol,
    /// The STARTTLS acceptor, when a certificate is configured (SMTP only).
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    /// The group-commit task.
    pub committer: Committer,
}

impl Shared {
    /// The shared state of a listener, checked: recipients configured, the TLS files usable.
    /// Starts the commit task, so call it inside the runtime.
    pub fn new(
        settings: SmtpSettings,
        protocol: Protocol,
        app: Arc<App>,
    ) -> Result<Arc<Shared>, SmtpError> {
        Shared::with_committer(settings, protocol, Committer::start(app))
    }

    /// As [`Shared::new`], with messages going to `committer`.
    pub fn with_committer(
        settings: SmtpSettings,
        protocol: Protocol,
        committer: Committer,
    ) -> Result<Arc<Shared>, SmtpError> {
        let tls = Shared::check(&settings)?;
        Ok(Arc::new(Shared { committer, settings, protocol, tls }))
    }

    /// Checks the settings without starting anything: what `serve` does before it binds.
    pub fn check(settings: &SmtpSettings) -> Result<Option<tokio_rustls::TlsAcceptor>, SmtpError> {
        if settings.recipients.is_empty() {
            return Err(SmtpError::NoRecipients);
        }
        match (&settings.tls_cert, &settings.tls_key) {
            (Some(cert), Some(key)) => Ok(Some(tls::acceptor(cert, key)?)),
            (None, None) => Ok(None),
            _ => Err(SmtpError::HalfTls),
        }
    }
}

/// Serves SMTP or LMTP on `listener` until `shutdown` resolves; then stops accepting, tells
/// the sessions to end (`421 4.3.2` at their next command; a message being committed gets its
/// answer first), waits up to 10 seconds for them, and returns.
pub async fn serve_smtp(
    listener: SmtpListener,
    shared: Arc<Shared>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let slots = Arc::new(tokio::sync::Semaphore::new(shared.settings.max_connections.max(1)));
    let (stop, stopping) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = accept(&listener) => accepted,
            () = shutdown.as_mut() => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: wait a little, keep serving.
                tracing::warn!(error = %e, "smtp accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            metrics::counter!("tuixin_smtp_connections_refused_total").increment(1);
            tokio::spawn(async move {
                let mut stream = stream;
                let _ = tokio::time::timeout(Duration::from_secs(2), async {
                    stream
                        .write_all(b"421 4.7.0 Too many connections, try again later\r\n")
                        .await?;
                    stream.shutdown().await
                })
                .await;
            });
            continue;
        };
        let (shared, stopping) = (shared.clone(), stopping.clone());
        tokio::spawn(async move {
            Session::new(shared, peer, stopping).run(stream).await;
            drop(slot);
        });
    }
    drop(listener);
    let _ = stop.send(true);
    let all = u32::try_from(shared.settings.max_connections.max(1)).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(Duration::from_secs(10), slots.acquire_many(all)).await;
    Ok(())
}

/// A connection of either kind, boxed so a session can swap it for its TLS form.
pub trait Connection: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Connection for T {}

async fn accept(listener: &SmtpListener) -> std::io::Result<(Box<dyn Connection>, String)> {
    match listener {
        SmtpListener::Tcp(l) => {
            let (stream, peer) = l.accept().await?;
            let _ = stream.set_nodelay(true);
            Ok((Box::new(stream), peer.ip().to_string()))
        }
        #[cfg(unix)]
        SmtpListener::Unix(l) => {
            let (stream, _) = l.accept().await?;
            Ok((Box::new(stream), "unix".to_owned()))
        }
    }
}

//! Opening a mailbox: TCP, then TLS (implicit or after STARTTLS) with rustls on ring and
//! Mozilla's roots (plus an optional private CA), then LOGIN. Every step is bounded in time.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use async_imap::{Client, Session};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls;

use super::{ImapError, Mailbox, TlsMode};

/// How long one network step (connect, handshake, a command) may take.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(60);

/// The connection under the IMAP client: plain TCP or TLS over it.
#[derive(Debug)]
pub enum Conn {
    /// Plain TCP (`tls = "none"`, or before STARTTLS).
    Plain(TcpStream),
    /// TLS over TCP.
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// A logged-in IMAP session.
pub type ImapSession = Session<Conn>;

/// Runs `step` for at most [`STEP_TIMEOUT`]; a timeout is a connection error.
pub(crate) async fn bounded<T>(
    mailbox: &Mailbox,
    what: &str,
    step: impl Future<Output = Result<T, ImapError>>,
) -> Result<T, ImapError> {
    tokio::time::timeout(STEP_TIMEOUT, step).await.unwrap_or_else(|_| {
        Err(ImapError::Connect {
            name: mailbox.name.clone(),
            server: mailbox.server(),
            why: format!("{what}: no answer within {} s", STEP_TIMEOUT.as_secs()),
        })
    })
}

/// The rustls client settings: the built-in roots, plus the certificates of `ca_file`.
fn tls_config(mailbox: &Mailbox) -> Result<Arc<rustls::ClientConfig>, ImapError> {
    let tls_error =
        |why: String| ImapError::Tls { name: mailbox.name.clone(), server: mailbox.server(), why };
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = &mailbox.ca_file {
        use rustls_pki_types::CertificateDer;
        use rustls_pki_types::pem::PemObject;
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .and_then(|i| i.collect::<Result<_, _>>())
            .map_err(|e| tls_error(format!("ca_file {}: {e}", path.display())))?;
        if certs.is_empty() {
            return Err(tls_error(format!("ca_file {} holds no certificate", path.display())));
        }
        for cert in certs {
            roots.add(cert).map_err(|e| tls_error(format!("ca_file {}: {e}", path.display())))?;
        }
    }
    // ring is the one crypto provider of this build (aws-lc-rs would bring a C build and a
    // second provider); rustls deprecates it only for its lack of post-quantum key exchange.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

async fn handshake(mailbox: &Mailbox, tcp: TcpStream) -> Result<Conn, ImapError> {
    let tls_error =
        |why: String| ImapError::Tls { name: mailbox.name.clone(), server: mailbox.server(), why };
    let config = tls_config(mailbox)?;
    let server_name = rustls_pki_types::ServerName::try_from(mailbox.host.clone())
        .map_err(|e| tls_error(format!("host {:?}: {e}", mailbox.host)))?;
    let stream = TlsConnector::from(config)
        .connect(server_name, tcp)
        .await
        .map_err(|e| tls_error(e.to_string()))?;
    Ok(Conn::Tls(Box::new(stream)))
}

async fn greeting<T>(mailbox: &Mailbox, client: &mut Client<T>) -> Result<(), ImapError>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    match client.read_response().await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(ImapError::Connect {
            name: mailbox.name.clone(),
            server: mailbox.server(),
            why: "closed before its greeting".to_owned(),
        }),
        Err(e) => Err(ImapError::Connect {
            name: mailbox.name.clone(),
            server: mailbox.server(),
            why: format!("reading the greeting: {e}"),
        }),
    }
}

/// Connects, protects the connection as configured, and logs in.
pub async fn open(mailbox: &Mailbox) -> Result<ImapSession, ImapError> {
    let connect_error = |why: String| ImapError::Connect {
        name: mailbox.name.clone(),
        server: mailbox.server(),
        why,
    };
    let client = bounded(mailbox, "connect", async {
        let tcp = TcpStream::connect((mailbox.host.as_str(), mailbox.port))
            .await
            .map_err(|e| connect_error(e.to_string()))?;
        let mut client = match mailbox.tls {
            TlsMode::None => Client::new(Conn::Plain(tcp)),
            TlsMode::Implicit => Client::new(handshake(mailbox, tcp).await?),
            TlsMode::Starttls => {
                let mut plain = Client::new(tcp);
                greeting(mailbox, &mut plain).await?;
                plain.run_command_and_check_ok("STARTTLS", None).await.map_err(|e| {
                    ImapError::Tls {
                        name: mailbox.name.clone(),
                        server: mailbox.server(),
                        why: format!("STARTTLS refused: {e}"),
                    }
                })?;
                let tcp = plain.into_inner();
                // After STARTTLS the server sends no second greeting.
                return Ok(Client::new(handshake(mailbox, tcp).await?));
            }
        };
        greeting(mailbox, &mut client).await?;
        Ok(client)
    })
    .await?;
    bounded(mailbox, "login", async {
        client.login(&mailbox.user, mailbox.password.expose()).await.map_err(|(e, _)| {
            // The server's words only: async-imap's errors never hold the command sent.
            let why = match e {
                async_imap::error::Error::No(text) | async_imap::error::Error::Bad(text) => text,
                async_imap::error::Error::Validate(_) => {
                    "the user name or password holds a character IMAP cannot quote".to_owned()
                }
                other => other.to_string(),
            };
            ImapError::Login { name: mailbox.name.clone(), user: mailbox.user.clone(), why }
        })
    })
    .await
}

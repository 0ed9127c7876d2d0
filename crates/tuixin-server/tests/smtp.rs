//! The SMTP/LMTP listener on 127.0.0.1:0 over a real SQLite file (and the PostgreSQL named by
//! `TUIXIN_TEST_DATABASE_URL`), driven by a real SMTP client: `swaks` (Debian package swaks),
//! and a plain TCP socket where a test sends what no well-behaved client would.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tuixin_server::smtp::{BounceRecipients, Protocol, Shared, SmtpListener, SmtpSettings};
use tuixin_server::{App, Settings};
use tuixin_store::{EventFilter, OpenOptions, Store};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");

/// A bounce that names no recipient (an Exchange-like notice without a DSN part and without
/// the returned message): only its envelope recipient says whom it is about.
const NO_RECIPIENT: &str = "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\n\
To: bounces+dora.lin=example.org@bounce.example.com\n\
Subject: Undeliverable: Spring newsletter\n\
Date: Mon, 07 Dec 2026 10:00:00 +0000\n\
Message-Id: <nd-20261207-1@mx.example.net>\n\
MIME-Version: 1.0\n\
Content-Type: text/plain; charset=us-ascii\n\
\n\
Delivery has failed to these recipients or groups.\n\
\n\
The e-mail address you entered couldn't be found.\n\
Remote server returned: 550 5.1.1 User unknown; mailbox does not exist\n";

/// A running listener over its own store.
struct Listener {
    addr: SocketAddr,
    app: Arc<App>,
    db: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _dir: Option<tempfile::TempDir>,
}

impl Listener {
    fn port(&self) -> String {
        self.addr.port().to_string()
    }

    async fn store<T: Send + 'static>(&self, f: impl FnOnce(&Store) -> T + Send + 'static) -> T {
        let store = self.app.store.clone();
        tokio::task::spawn_blocking(move || f(&store)).await.unwrap()
    }

    /// Whether `address` may be mailed (scope all).
    async fn allowed(&self, address: &str) -> bool {
        let address = address.to_owned();
        self.store(move |s| s.check(&[address], "all", i64::MAX / 2).unwrap()[0].allowed).await
    }

    /// The events stored for `address`.
    async fn events(&self, address: &str) -> Vec<tuixin_store::EventRow> {
        let filter = EventFilter { address: Some(address.to_owned()), ..EventFilter::default() };
        self.store(move |s| s.events(&filter).unwrap()).await
    }

    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.done.take().unwrap().await.unwrap().unwrap();
    }
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// The backends to run on: a SQLite file, and PostgreSQL when the test cluster is there.
async fn backends() -> Vec<(String, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let mut out = vec![(dir.path().join("t.db").display().to_string(), Some(dir))];
    match std::env::var("TUIXIN_TEST_DATABASE_URL") {
        Ok(base) => {
            let name =
                format!("smtp{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
            let (client, conn) =
                tokio_postgres::connect(&base, tokio_postgres::NoTls).await.unwrap();
            tokio::spawn(conn);
            client.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
            let slash = base.rfind('/').unwrap();
            out.push((format!("{}/{name}", &base[..slash]), None));
        }
        Err(_) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but TUIXIN_TEST_DATABASE_URL is not set")
        }
        Err(_) => eprintln!("note: TUIXIN_TEST_DATABASE_URL not set: PostgreSQL part skipped"),
    }
    out
}

fn settings() -> SmtpSettings {
    SmtpSettings {
        hostname: "mx.bounce.example.com".to_owned(),
        recipients: BounceRecipients::new(
            &["bounce.example.com".to_owned()],
            &["returns@mail.example.net".to_owned()],
            &[],
        ),
        ..SmtpSettings::default()
    }
}

async fn start(
    db: String,
    dir: Option<tempfile::TempDir>,
    protocol: Protocol,
    settings: SmtpSettings,
) -> Listener {
    let url = db.clone();
    let app = tokio::task::spawn_blocking(move || {
        let options =
            OpenOptions { busy_timeout: Duration::from_millis(300), ..OpenOptions::default() };
        App::new(Store::open_with(&url, &options).unwrap(), Settings::default()).unwrap()
    })
    .await
    .unwrap();
    let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    let shared = Shared::new(settings, protocol, app.clone()).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let done =
        tokio::spawn(tuixin_server::smtp::serve_smtp(SmtpListener::Tcp(socket), shared, async {
            let _ = stopped.await;
        }));
    Listener { addr, app, db, stop: Some(stop), done: Some(done), _dir: dir }
}

async fn start_sqlite(protocol: Protocol, settings: SmtpSettings) -> Listener {
    let (db, dir) = backends().await.remove(0);
    start(db, dir, protocol, settings).await
}

/// What swaks did: its exit status and the server's replies in order (`<-` lines, `<**`
/// error lines, `<~` and `<~*` their TLS forms), prefixes removed.
struct Swaks {
    status: i32,
    replies: Vec<String>,
    transcript: String,
}

impl Swaks {
    fn has(&self, reply: &str) -> bool {
        self.replies.iter().any(|r| r.starts_with(reply))
    }
}

/// Whether swaks is installed; with CI=true a missing swaks fails the test.
fn have_swaks() -> bool {
    let found = std::process::Command::new("swaks")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI=true but swaks is not installed (apt-get install swaks)"
        );
        eprintln!("note: swaks not installed: test skipped");
    }
    found
}

async fn swaks(listener: &Listener, args: &[&str]) -> Swaks {
    let mut command = std::process::Command::new("swaks");
    command
        .args(["--server", "127.0.0.1", "--port", &listener.port(), "--timeout", "20"])
        .args(args);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
    let transcript = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    let replies = transcript
        .lines()
        .filter_map(|line| {
            ["<- ", "<** ", "<~ ", "<~* "]
                .iter()
                .find_map(|p| line.trim_start().strip_prefix(p))
                .map(|r| r.trim().to_owned())
        })
        .collect();
    Swaks { status: output.status.code().unwrap_or(-1), replies, transcript }
}

/// Sends `script` over a plain socket after the banner, then reads every reply until the
/// server closes the connection (or 5 seconds pass), and returns the reply lines.
async fn talk(listener: &Listener, script: &[u8]) -> Vec<String> {
    let socket = tokio::net::TcpStream::connect(listener.addr).await.unwrap();
    let (mut read, mut write) = socket.into_split();
    let mut banner = [0u8; 512];
    let n = read.read(&mut banner).await.unwrap();
    assert!(banner[..n].starts_with(b"220 "), "{:?}", String::from_utf8_lossy(&banner[..n]));
    // Written on its own task: a server that closes early must not leave the test stuck.
    let script = script.to_vec();
    let writer = tokio::spawn(async move {
        let _ = write.write_all(&script).await;
        write
    });
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), read.read_to_end(&mut out)).await;
    drop(writer.await);
    String::from_utf8_lossy(&out).lines().map(str::to_owned).collect()
}

/// Sends a line that never ends; true when the server closed the connection within 5
/// seconds (instead of buffering the line), and the replies it gave.
async fn flood(listener: &Listener, bytes: usize) -> (bool, Vec<String>) {
    let socket = tokio::net::TcpStream::connect(listener.addr).await.unwrap();
    let (mut read, mut write) = socket.into_split();
    let writer = tokio::spawn(async move {
        let chunk = vec![b'B'; 64 * 1024];
        let mut sent = 0;
        while sent < bytes && write.write_all(&chunk).await.is_ok() {
            sent += chunk.len();
        }
    });
    let mut out = Vec::new();
    let closed =
        tokio::time::timeout(Duration::from_secs(5), read.read_to_end(&mut out)).await.is_ok();
    writer.abort();
    (closed, String::from_utf8_lossy(&out).lines().skip(1).map(str::to_owned).collect())
}

fn example(name: &str) -> String {
    format!("@{EXAMPLES}/{name}")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bounce_from_the_null_sender_suppresses_its_recipient() {
    if !have_swaks() {
        return;
    }
    for (db, dir) in backends().await {
        let l = start(db, dir, Protocol::Smtp, settings()).await;
        assert!(l.allowed("alice.example@mail.example.org").await);
        let data = example("postfix-dsn.eml");
        let run = swaks(
            &l,
            &[
                "--from", "<>", "--to", "bounces@bounce.example.com", "--data", &data, "--helo",
                "mta2.shop.example.com",
            ],
        )
        .await;
        assert_eq!(run.status, 0, "{}", run.transcript);
        assert!(run.has("250 2.0.0 Message accepted"), "{}", run.transcript);
        assert!(!l.allowed("alice.example@mail.example.org").await, "{}", l.db);
        let events = l.events("alice.example@mail.example.org").await;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].source, "smtp");
        // The raw message is kept as it arrived (swaks sends the file with CRLF line ends,
        // and a line end of its own before the final dot).
        let raw_id = events[0].raw_id.clone().unwrap();
        let raw = l.store(move |s| s.raw(&raw_id).unwrap().unwrap()).await;
        let sent = std::fs::read_to_string(format!("{EXAMPLES}/postfix-dsn.eml")).unwrap();
        assert_eq!(String::from_utf8_lossy(&raw).replace("\r\n", "\n").trim_end(), sent.trim_end());
        // The same bounce again (a client that lost the 250) is the same event.
        let again =
            swaks(&l, &["--from", "<>", "--to", "bounces@bounce.example.com", "--data", &data])
                .await;
        assert!(again.has("250 2.0.0"), "{}", again.transcript);
        assert_eq!(l.events("alice.example@mail.example.org").await.len(), 1);
        l.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_envelope_is_kept_as_the_events_provenance() {
    if !have_swaks() {
        return;
    }
    let l = start_sqlite(Protocol::Smtp, settings()).await;
    let data = example("postfix-dsn.eml");
    let run = swaks(
        &l,
        &[
            "--from", "<>", "--to", "returns+x=example.org@mail.example.net", "--data", &data,
            "--helo", "mta2.shop.example.com",
        ],
    )
    .await;
    assert!(run.has("250 2.0.0"), "{}", run.transcript);
    let conn = rusqlite::Connection::open(&l.db).unwrap();
    let (source, origin): (String, String) = conn
        .query_row("SELECT source, origin FROM raw_inputs", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(source, "smtp");
    assert_eq!(
        origin,
        "client=127.0.0.1 helo=mta2.shop.example.com mail_from=<> rcpt=<returns+x=example.org@mail.example.net>"
    );
    l.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mail_for_any_other_domain_is_refused_never_relayed() {
    if !have_swaks() {
        return;
    }
    let l = start_sqlite(Protocol::Smtp, settings()).await;
    for to in [
        "victim@example.org", "bounces@bounce.example.com.evil.test", "postmaster@mail.example.net",
    ] {
        let run = swaks(&l, &["--from", "spammer@example.net", "--to", to]).await;
        assert_ne!(run.status, 0, "{}", run.transcript);
        assert!(run.has("550 5.1.1"), "{to}: {}", run.transcript);
        assert!(!run.has("354"), "{}", run.transcript);
    }
    let stored: i64 = rusqlite::Connection::open(&l.db)
        .unwrap()
        .query_row("SELECT count(*) FROM raw_inputs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, 0);
    l.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pipelining_clients_get_every_reply_in_order() {
    if !have_swaks() {
        return;
    }
    let l = start_sqlite(Protocol::Smtp, settings()).await;
    let data = example("postfix-dsn.eml");
    let run = swaks(
        &l,
        &["--pipeline", "--from", "<>", "--to", "bounces@bounce.example.com", "--data", &data],
    )
    .await;
    assert_eq!(run.status, 0, "{}", run.transcript);
    assert!(run.has("250-PIPELINING"), "{}", run.transcript);
    assert!(run.has("250 2.0.0 Message accepted"), "{}", run.transcript);
    assert!(!l.allowed("alice.example@mail.example.org").await);
    // Two whole transactions in one write, the second refused at RCPT and ended with RSET.
    let script = format!(
        "EHLO client.example\r\nMAIL FROM:<>\r\nRCPT TO:<bounces+dora.lin=example.org@bounce.example.com>\r\nDATA\r\n{}\r\n.\r\nMAIL FROM:<>\r\nRCPT TO:<someone@example.org>\r\nRSET\r\nQUIT\r\n",
        NO_RECIPIENT.replace('\n', "\r\n").trim_end()
    );
    let replies = talk(&l, script.as_bytes()).await;
    let codes: Vec<&str> =
        replies.iter().filter(|r| !r.starts_with("250-")).map(|r| &r[..3]).collect();
    assert_eq!(
        codes,
        ["250", "250", "250", "354", "250", "250", "550", "250", "221"],
        "{replies:?}"
    );
    assert!(!l.allowed("dora.lin@example.org").await);
    l.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_larger_than_size_is_refused_552() {
    if !have_swaks() {
        return;
    }
    let settings = SmtpSettings { max_message_bytes: 2048, ..settings() };
    let l = start_sqlite(Protocol::Smtp, settings).await;
    let data = example("postfix-dsn.eml");
    let run =
        swaks(&l, &["--from", "<>", "--to", "bounces@bounce.example.com", "--data", &data]).await;
    assert!(run.has("250-SIZE 2048"), "{}", run.transcript);
    assert!(run.has("552 5.3.4"), "{}", run.transcript);
    assert_ne!(run.status, 0);
    assert!(l.allowed("alice.example@mail.example.org").await);
    // Declared up front with MAIL FROM SIZE=, it is refused before any data; the session goes
    // on, and a message that fits is taken.
    let script = format!(
        "EHLO c.example\r\nMAIL FROM:<> SIZE=999999\r\nMAIL FROM:<> SIZE=900\r\nRCPT TO:<b@bounce.example.com>\r\nDATA\r\n{}\r\n.\r\nQUIT\r\n",
        NO_RECIPIENT.replace('\n', "\r\n").trim_end()
    );
    let replies = talk(&l, script.as_bytes()).await;
    let codes: Vec<&str> =
        replies.iter().filter(|r| !r.starts_with("250-")).map(|r| &r[..3]).collect();
    assert_eq!(codes, ["250", "552", "250", "250", "354", "250", "221"], "{replies:?}");
    l.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rset_forgets_the_transaction() {
    let l = start_sqlite(Protocol::Smtp, settings()).await;
    let replies = talk(
        &l,
        b"EHLO c.example\r\nMAIL FROM:<>\r\nRCPT TO:<b@bounce.example.com>\r\nRSET\r\nDATA\r\nRCPT TO:<b@bounce.example.com>\r\nMAIL FROM:<>\r\nNOOP\r\nVRFY someone\r\nQUIT\r\n",
    )
    .await;
    let finals: Vec<&str> =
        replies.iter().filter(|r| !r.starts_with("250-")).map(String::as_str).collect();
    assert_eq!(
        finals.iter().map(|r| &r[..3]).collect::<Vec<_>>(),
        ["250", "250", "250", "250", "503", "503", "250", "250", "252", "221"],
        "{replies:?}"
    );
    assert!(finals[4].starts_with("503 5.5.1"));
    l.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn garbage_and_overlong_lines_get_500_and_too_many_close_the_session() {
    let settings = SmtpSettings { max_errors: 4, max_line_bytes: 1024, ..settings() };
    let l = start_sqlite(Protocol::Smtp, settings).await;
    let mut script = Vec::new();
    script.extend_from_slice(b"EHLO c.example\r\n");
    script.extend_from_slice(b"\x00\xff\xfe GARBAGE \x1b[31m\r\n");
    script.extend_from_slice(&[b'A'; 5000]);
    script.extend_from_slice(b"\r\nMAIL FROM:<no closing bracket\r\nNOOP\r\nBLAH\r\nNOOP\r\n");
    let replies = talk(&l, &script).await;
    let finals: Vec<&str> =
        replies.iter().filter(|r| !r.starts_with("250-")).map(String::as_str).collect();
    assert_eq!(finals.len(), 7, "{replies:?}");
    assert!(finals[1].starts_with("500 5.5.1"), "{replies:?}");
    assert!(finals[2].starts_with("500 5.5.2"), "{replies:?}");
    assert!(finals[3].starts_with("501 "), "{replies:?}");
    assert!(finals[4].starts_with("250 "), "{replies:?}");
    assert!(finals[5].starts_with("500 5.5.1"), "{replies:?}");
    // The fourth error closes the session: the last NOOP is never answered.
    assert!(finals[6].starts_with("421 4.7.0"), "{replies:?}");
    // A line that never ends is not buffered: the session is closed (its last reply may be
    // lost to the reset of a socket closed with unread bytes).
    let (closed, replies) = flood(&l, 64 << 20).await;
    assert!(closed, "the server kept reading an endless line");
    assert!(replies.iter().all(|r| r.starts_with("500 5.5.2")), "{replies:?}");
    l.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn dots_are_unstuffed_and_idle_clients_are_timed_out() {
    let settings = SmtpSettings { idle_timeout: Duration::from_secs(1), ..settings() };
    let l = start_sqlite(Protocol::Smtp, settings).await;
    let body = NO_RECIPIENT.replace('\n', "\r\n") + "..leading dot\r\n.\r\n";
    let script = format!(
        "HELO c.example\r\nMAIL FROM:<>\r\nRCPT TO:<bounces+dora.lin=example.org@bounce.example.com>\r\nDATA\r\n{body}"
    );
    let replies = talk(&l, script.as_bytes()).await;
    assert_eq!(replies.len(), 6, "{replies:?}");
    assert!(replies[4].starts_with("250 2.0.0"), "{replies:?}");
    assert!(replies[5].starts_with("421 4.4.2"), "{replies:?}");
    let events = l.events("dora.lin@example.org").await;
    let raw_id = events[0].raw_id.clone().unwrap();
    let raw = l.store(move |s| s.raw(&raw_id).unwrap().unwrap()).await;
    assert!(String::from_utf8_lossy(&raw).ends_with("mailbox does not exist\r\n.leading dot\r\n"));
    l.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lmtp_answers_once_per_recipient() {
    if !have_swaks() {
        return;
    }
    let l = start_sqlite(Protocol::Lmtp, settings()).await;
    let data = example("postfix-dsn.eml");
    let run = swaks(
        &l,
        &[
            "--protocol",
            "LMTP",
            "--from",
            "",
            "--to",
            "bounces@bounce.example.com,returns@mail.example.net,nobody@example.org",
            "--data",
            &data,
        ],
    )
    .await;
    assert!(run.has("250-PIPELINING"), "{}", run.transcript);
    assert!(run.has("550 5.1.1"), "{}", run.transcript);
    let after_data: Vec<&String> =
        run.replies.iter().skip_while(|r| !r.starts_with("354")).skip(1).collect();
    assert!(
        after_data[0].starts_with("250 2.1.5 <bounces@bounce.example.com>"),
        "{}",
        run.transcript
    );
    assert!(
        after_data[1].starts_with("250 2.1.5 <returns@mail.example.net>"),
        "{}",
        run.transcript
    );
    assert!(after_data[2].starts_with("221"), "{}", run.transcript);
    assert!(!l.allowed("alice.example@mail.example.org").await);
    // EHLO is SMTP's: an LMTP server asks for LHLO.
    let replies = talk(&l, b"EHLO c.example\r\nQUIT\r\n").await;
    assert!(replies[0].starts_with("500 5.5.1"), "{replies:?}");
    let events = l.events("alice.example@mail.example.org").await;
    assert_eq!(events[0].source, "lmtp");
    l.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn starttls_with_a_configured_certificate() {
    if !have_swaks() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let made =
        rcgen::generate_simple_self_signed(vec!["mx.bounce.example.com".to_owned()]).unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    let settings = SmtpSettings { tls_cert: Some(cert), tls_key: Some(key), ..settings() };
    let l = start_sqlite(Protocol::Smtp, settings).await;
    let data = example("postfix-dsn.eml");
    let run =
        swaks(&l, &["-tls", "--from", "<>", "--to", "bounces@bounce.example.com", "--data", &data])
            .await;
    assert_eq!(run.status, 0, "{}", run.transcript);
    assert!(run.has("250-STARTTLS"), "{}", run.transcript);
    assert!(run.has("220 2.0.0 Ready to start TLS"), "{}", run.transcript);
    // The message went inside TLS (swaks marks what it read over TLS with `<~`).
    assert!(
        run.transcript
            .lines()
            .any(|l| l.starts_with("<~") && l.contains("250 2.0.0 Message accepted")),
        "{}",
        run.transcript
    );
    // After TLS, STARTTLS is no longer offered.
    let ehlo_after: Vec<&String> =
        run.replies.iter().skip_while(|r| !r.starts_with("220 2.0.0")).collect();
    assert!(!ehlo_after.iter().any(|r| r.contains("STARTTLS")), "{}", run.transcript);
    assert!(!l.allowed("alice.example@mail.example.org").await);
    l.stop().await;
    // Without a certificate STARTTLS is neither offered nor taken.
    let plain = start_sqlite(Protocol::Smtp, self::settings()).await;
    let run = swaks(&plain, &["--quit-after", "EHLO", "--to", "b@bounce.example.com"]).await;
    assert!(!run.has("250-STARTTLS"), "{}", run.transcript);
    let replies = talk(&plain, b"EHLO c.example\r\nSTARTTLS\r\nQUIT\r\n").await;
    assert!(replies.iter().any(|r| r.starts_with("502 5.5.1")), "{replies:?}");
    plain.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_verp_bounce_naming_no_recipient_suppresses_the_verp_address() {
    if !have_swaks() {
        return;
    }
    for (db, dir) in backends().await {
        let l = start(db, dir, Protocol::Smtp, settings()).await;
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), NO_RECIPIENT).unwrap();
        let data = format!("@{}", file.path().display());
        let run = swaks(
            &l,
            &[
                "--from",
                "<>",
                "--to",
                "bounces+dora.lin=example.org@bounce.example.com",
                "--data",
                &data,
            ],
        )
        .await;
        assert!(run.has("250 2.0.0"), "{}", run.transcript);
        assert!(!l.allowed("dora.lin@example.org").await, "{}", l.db);
        let events = l.events("dora.lin@example.org").await;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].record["deliverystatus"], "5.1.1");
        l.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn mail_that_is_no_bounce_is_taken_kept_and_counted() {
    if !have_swaks() {
        return;
    }
    let l = start_sqlite(Protocol::Smtp, settings()).await;
    let run = swaks(
        &l,
        &[
            "--from", "reader@example.org", "--to", "bounces@bounce.example.com", "--body",
            "Please take me off your list.",
        ],
    )
    .await;
    assert!(run.has("250 2.0.0"), "{}", run.transcript);
    let conn = rusqlite::Connection::open(&l.db).unwrap();
    let raws: i64 = conn.query_row("SELECT count(*) FROM raw_inputs", [], |r| r.get(0)).unwrap();
    let events: i64 = conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).unwrap();
    let (source, error): (String, String) = conn
        .query_row("SELECT source, error FROM ingest_failures", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!((raws, events), (1, 0));
    assert_eq!(source, "smtp");
    assert!(error.starts_with("not a bounce"), "{error}");
    l.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn store_down_answers_451_and_the_sender_retries() {
    if !have_swaks() {
        return;
    }
    let data = example("postfix-dsn.eml");
    let args = ["--from", "<>", "--to", "bounces@bounce.example.com", "--data", data.as_str()];
    // SQLite: another process holds the write lock past the busy timeout.
    let l = start_sqlite(Protocol::Smtp, settings()).await;
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (locked, is_locked) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn({
        let db = l.db.clone();
        move || {
            let conn = rusqlite::Connection::open(&db).unwrap();
            conn.execute_batch("BEGIN IMMEDIATE").unwrap();
            locked.send(()).unwrap();
            released.recv().unwrap();
            conn.execute_batch("ROLLBACK").unwrap();
        }
    });
    is_locked.recv().unwrap();
    let run = swaks(&l, &args).await;
    assert!(run.has("451 4.3.0"), "{}", run.transcript);
    assert!(!run.has("250 2.0.0"), "{}", run.transcript);
    release.send(()).unwrap();
    holder.join().unwrap();
    assert!(l.allowed("alice.example@mail.example.org").await);
    let run = swaks(&l, &args).await;
    assert!(run.has("250 2.0.0"), "{}", run.transcript);
    assert!(!l.allowed("alice.example@mail.example.org").await);
    l.stop().await;
    // PostgreSQL: the database stops taking connections.
    let Ok(base) = std::env::var("TUIXIN_TEST_DATABASE_URL") else { return };
    let (db, dir) = backends().await.remove(1);
    let name = db.rsplit('/').next().unwrap().to_owned();
    let l = start(db, dir, Protocol::Smtp, settings()).await;
    let (admin, conn) = tokio_postgres::connect(&base, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {name} ALLOW_CONNECTIONS false; SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .await
        .unwrap();
    let run = swaks(&l, &args).await;
    assert!(run.has("451 4.3.0"), "{}", run.transcript);
    admin.batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true")).await.unwrap();
    let run = swaks(&l, &args).await;
    assert!(run.has("250 2.0.0"), "{}", run.transcript);
    assert!(!l.allowed("alice.example@mail.example.org").await);
    l.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn too_many_recipients_and_connections_are_refused() {
    let settings = SmtpSettings { max_recipients: 2, max_connections: 1, ..settings() };
    let l = start_sqlite(Protocol::Smtp, settings).await;
    // Hold the one slot, then a second connection is told to come back later.
    let mut first = tokio::net::TcpStream::connect(l.addr).await.unwrap();
    let mut banner = [0u8; 256];
    let n = first.read(&mut banner).await.unwrap();
    assert!(banner[..n].starts_with(b"220 "));
    let mut second = tokio::net::TcpStream::connect(l.addr).await.unwrap();
    let mut refused = String::new();
    tokio::time::timeout(Duration::from_secs(5), second.read_to_string(&mut refused))
        .await
        .unwrap()
        .unwrap();
    assert!(refused.starts_with("421 4.7.0"), "{refused:?}");
    first
        .write_all(b"HELO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@bounce.example.com>\r\nRCPT TO:<b@bounce.example.com>\r\nRCPT TO:<c@bounce.example.com>\r\nQUIT\r\n")
        .await
        .unwrap();
    let mut replies = String::new();
    first.read_to_string(&mut replies).await.unwrap();
    let codes: Vec<&str> = replies.lines().map(|r| &r[..3]).collect();
    assert_eq!(codes, ["250", "250", "250", "250", "452", "221"], "{replies}");
    assert!(replies.contains("452 4.5.3"));
    l.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lmtp_on_a_unix_socket() {
    if !have_swaks() {
        return;
    }
    let (db, dir) = backends().await.remove(0);
    let l = start(db, dir, Protocol::Lmtp, settings()).await;
    // A second listener of the same store on a Unix socket, as an MTA's lmtp:unix: transport
    // reaches it.
    let sockets = tempfile::tempdir().unwrap();
    let path = sockets.path().join("lmtp.sock");
    let unix = tokio::net::UnixListener::bind(&path).unwrap();
    let shared = Shared::new(settings(), Protocol::Lmtp, l.app.clone()).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let done =
        tokio::spawn(tuixin_server::smtp::serve_smtp(SmtpListener::Unix(unix), shared, async {
            let _ = stopped.await;
        }));
    let data = example("postfix-dsn.eml");
    let mut command = std::process::Command::new("swaks");
    command.args(["--socket", &path.display().to_string(), "--protocol", "LMTP"]);
    command.args(["--from", "<>", "--to", "bounces@bounce.example.com", "--data", &data]);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
    let transcript = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{transcript}");
    assert!(
        transcript.contains("250 2.1.5 <bounces@bounce.example.com> Message accepted"),
        "{transcript}"
    );
    assert!(!l.allowed("alice.example@mail.example.org").await);
    let events = l.events("alice.example@mail.example.org").await;
    let raw_id = events[0].raw_id.clone().unwrap();
    let conn = rusqlite::Connection::open(&l.db).unwrap();
    let origin: String = conn
        .query_row("SELECT origin FROM raw_inputs WHERE id = ?1", [raw_id], |r| r.get(0))
        .unwrap();
    assert!(origin.starts_with("client=unix "), "{origin}");
    let _ = stop.send(());
    done.await.unwrap().unwrap();
    l.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn stopping_tells_idle_sessions_421_and_returns() {
    let l = start_sqlite(Protocol::Smtp, settings()).await;
    let mut socket = tokio::net::TcpStream::connect(l.addr).await.unwrap();
    socket.write_all(b"EHLO c.example\r\n").await.unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&seen).contains("250 HELP") {
        let n = socket.read(&mut buf).await.unwrap();
        assert!(n > 0);
        seen.extend_from_slice(&buf[..n]);
    }
    let started = std::time::Instant::now();
    l.stop().await;
    assert!(started.elapsed() < Duration::from_secs(5));
    let mut rest = String::new();
    socket.read_to_string(&mut rest).await.unwrap();
    assert!(rest.starts_with("421 4.3.2"), "{rest:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_that_never_ends_is_timed_out() {
    let settings = SmtpSettings { command_timeout: Duration::from_secs(1), ..settings() };
    let l = start_sqlite(Protocol::Smtp, settings).await;
    // The client starts a message and stalls before its end: the slot is freed.
    let replies = talk(
        &l,
        b"HELO c\r\nMAIL FROM:<>\r\nRCPT TO:<b@bounce.example.com>\r\nDATA\r\nSubject: half\r\n",
    )
    .await;
    assert_eq!(replies.len(), 5, "{replies:?}");
    assert!(replies[4].starts_with("421 4.4.2"), "{replies:?}");
    let stored: i64 = rusqlite::Connection::open(&l.db)
        .unwrap()
        .query_row("SELECT count(*) FROM raw_inputs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, 0);
    l.stop().await;
}

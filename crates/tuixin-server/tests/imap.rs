//! IMAP pollers against a real Dovecot (Debian `dovecot-imapd`), started by each test in the
//! foreground from a config in a temp dir, on free loopback ports, with a passwd file and a
//! maildir there. The corpus bounces are put in with APPEND; what the poller did is read back
//! from the store, the HTTP API and the mailbox itself. With `CI=true` a missing Dovecot fails.

mod dovecot;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use dovecot::{Dovecot, PASSWORD};
use futures_util::TryStreamExt;
use tuixin::{Classifier, Decoder};
use tuixin_server::imap::{After, Password, TlsMode};
use tuixin_server::token::{TokenScope, make};
use tuixin_server::{App, Settings};
use tuixin_store::Store;

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");

/// The corpus bounces put in the mailboxes.
const BOUNCES: &[&str] = &[
    "postfix-dsn.eml", "gmail-rejection.eml", "exchange-ndr.eml", "netease-bounce-gb2312.eml",
    "qq-bounce-gbk.eml",
];

/// A message that is no bounce: a reply a person sent to the bounce address.
const NOT_A_BOUNCE: &[u8] = b"From: Carol <carol@example.net>\r\nTo: bounces@bounce.example.com\r\nSubject: Re: your newsletter\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\nMessage-ID: <reply-1@example.net>\r\n\r\nPlease send me the March issue again, thanks.\r\n";

fn example(name: &str) -> Vec<u8> {
    std::fs::read(format!("{EXAMPLES}/{name}")).unwrap()
}

/// The records the library reads from the bounces (what the store must end up holding).
fn expected_records() -> Vec<tuixin::Record> {
    let decoder = Decoder::new(Classifier::builtin());
    BOUNCES.iter().flat_map(|n| decoder.decode(&example(n)).unwrap()).collect()
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// The stores to run on: a SQLite file, and PostgreSQL when the test cluster is there.
async fn databases(with_postgres: bool) -> Vec<(String, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let mut out = vec![(dir.path().join("t.db").display().to_string(), Some(dir))];
    if !with_postgres {
        return out;
    }
    match std::env::var("TUIXIN_TEST_DATABASE_URL") {
        Ok(base) => {
            let name =
                format!("imap{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
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

/// The app over a store, served over HTTP on 127.0.0.1:0, with a read token.
struct Service {
    app: Arc<App>,
    base: String,
    read: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Service {
    async fn start(db: &str) -> Service {
        let url = db.to_owned();
        let (app, read) = tokio::task::spawn_blocking(move || {
            let store = Store::open(&url).unwrap();
            let made = make("read", &[TokenScope::Read], 1_700_000_000).unwrap();
            store.token_create(&made.row).unwrap();
            (App::new(store, Settings::default()).unwrap(), made.token)
        })
        .await
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let done = tokio::spawn(tuixin_server::serve(listener, app.clone(), async {
            let _ = stopped.await;
        }));
        Service { app, base, read, stop: Some(stop), done: Some(done) }
    }

    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.done.take().unwrap().await.unwrap().unwrap();
    }

    async fn counts(&self) -> tuixin_store::Counts {
        let store = Arc::clone(&self.app.store);
        tokio::task::spawn_blocking(move || store.counts().unwrap()).await.unwrap()
    }

    async fn blocked(&self, address: &str) -> bool {
        let store = Arc::clone(&self.app.store);
        let address = address.to_owned();
        tokio::task::spawn_blocking(move || {
            !store.check(&[address], "all", tuixin_server::time::now()).unwrap()[0].allowed
        })
        .await
        .unwrap()
    }

    async fn sources(&self) -> serde_json::Value {
        reqwest::Client::new()
            .get(format!("{}/v1/stats/sources", self.base))
            .bearer_auth(&self.read)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

/// Polls `check` every 100 ms until it holds or `limit` passes; whether it held.
async fn until<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while started.elapsed() < limit {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

fn bounces() -> Vec<Vec<u8>> {
    BOUNCES.iter().map(|n| example(n)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bounces_are_ingested_then_seen_and_a_restart_reads_nothing_again() {
    let Some(dovecot) = Dovecot::start() else { return };
    let expected = expected_records();
    let hard: Vec<&str> =
        expected.iter().filter(|r| r.hardbounce).map(|r| r.recipient.as_str()).collect();
    assert!(!hard.is_empty(), "the corpus bounces name hard-bounced addresses");
    let mut messages = bounces();
    messages.insert(2, NOT_A_BOUNCE.to_vec());
    dovecot.append("INBOX", &messages).await;
    let not_a_bounce_uid = 3;
    for (db, _dir) in databases(true).await {
        let service = Service::start(&db).await;
        let mailbox =
            dovecot.mailbox(&format!("seen{}", NEXT.fetch_add(1, Ordering::Relaxed)), After::Seen);
        // Each store reads the same mailbox from the start: clear the flags of the last run.
        dovecot.mark_all_unseen("INBOX").await;
        let pollers = tuixin_server::imap::start(&service.app, vec![mailbox.clone()]);
        let all_in = until(Duration::from_secs(20), || async {
            service.counts().await.events as usize == expected.len()
        })
        .await;
        assert!(all_in, "{db}: events {:?}, expected {}", service.counts().await, expected.len());
        for address in &hard {
            assert!(service.blocked(address).await, "{db}: {address} is not suppressed");
        }
        // Seen once committed: every bounce; the reply is left as it was.
        let flagged = until(Duration::from_secs(10), || async {
            dovecot.search("INBOX", "SEEN").await.len() == BOUNCES.len()
        })
        .await;
        assert!(flagged, "{db}: seen {:?}", dovecot.search("INBOX", "SEEN").await);
        assert_eq!(dovecot.search("INBOX", "UNSEEN").await, vec![not_a_bounce_uid], "{db}");
        // The reply is kept (counted on /sources) though it gave no event.
        assert_eq!(service.counts().await.raw_inputs as usize, messages.len(), "{db}");
        pollers.stop().await;

        // A restart: a new poller over the same store. The old messages are made unseen again;
        // a poller that read them again would flag them. One new bounce shows it has polled.
        let before = service.counts().await;
        dovecot.mark_all_unseen("INBOX").await;
        dovecot.append("INBOX", &[example("arf-complaint.eml")]).await;
        let new_uid = *dovecot.search("INBOX", "ALL").await.last().unwrap();
        let pollers = tuixin_server::imap::start(&service.app, vec![mailbox.clone()]);
        let read_new = until(Duration::from_secs(20), || async {
            dovecot.search("INBOX", "SEEN").await == vec![new_uid]
        })
        .await;
        assert!(read_new, "{db}: seen after restart {:?}", dovecot.search("INBOX", "SEEN").await);
        pollers.stop().await;
        let after = service.counts().await;
        assert_eq!(after.raw_inputs, before.raw_inputs + 1, "{db}: only the new message is stored");
        assert!(after.events > before.events, "{db}: the complaint gave an event");
        // The state kept: UIDVALIDITY and the last UID.
        let store = Arc::clone(&service.app.store);
        let key = format!("imap:{}", mailbox.name);
        let state =
            tokio::task::spawn_blocking(move || store.setting(&key).unwrap()).await.unwrap();
        assert!(state.unwrap().ends_with(&format!(":{new_uid}")), "{db}");
        // Clean up for the next store: the complaint out of the folder again.
        let mut session = dovecot.client().await;
        session.select("INBOX").await.unwrap();
        let _: Vec<_> = session
            .uid_store(new_uid.to_string(), "+FLAGS.SILENT (\\Deleted)")
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        let _: Vec<_> = session.expunge().await.unwrap().try_collect().await.unwrap();
        session.logout().await.unwrap();
        service.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_puts_the_bounces_in_the_folder_and_leaves_other_mail() {
    let Some(dovecot) = Dovecot::start() else { return };
    // No Processed folder yet: the poller makes it.
    let mut messages = bounces();
    messages.push(NOT_A_BOUNCE.to_vec());
    dovecot.append("INBOX", &messages).await;
    let (db, _dir) = databases(false).await.remove(0);
    let service = Service::start(&db).await;
    let mailbox = dovecot.mailbox("moved", After::Move("Processed".to_owned()));
    let pollers = tuixin_server::imap::start(&service.app, vec![mailbox]);
    let moved = until(Duration::from_secs(20), || async {
        dovecot.search("Processed", "ALL").await.len() == BOUNCES.len()
    })
    .await;
    assert!(moved, "Processed holds {:?}", dovecot.search("Processed", "ALL").await);
    // Only the reply is left, unseen.
    assert_eq!(dovecot.search("INBOX", "ALL").await, vec![BOUNCES.len() as u32 + 1]);
    assert_eq!(dovecot.search("INBOX", "UNSEEN").await, vec![BOUNCES.len() as u32 + 1]);
    assert_eq!(service.counts().await.events as usize, expected_records().len());
    pollers.stop().await;
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bounce_appended_during_idle_is_ingested_within_seconds() {
    let Some(dovecot) = Dovecot::start() else { return };
    let (db, _dir) = databases(false).await.remove(0);
    let service = Service::start(&db).await;
    // Polling every 60 s: only IDLE can bring the new mail in within the 20 s allowed.
    let mailbox = dovecot.mailbox("idle", After::Seen);
    let pollers = tuixin_server::imap::start(&service.app, vec![mailbox]);
    // The first pass over the empty folder keeps its state; then the poller waits in IDLE.
    let store = Arc::clone(&service.app.store);
    let polled = until(Duration::from_secs(10), || {
        let store = store.clone();
        async move {
            tokio::task::spawn_blocking(move || store.setting("imap:idle").unwrap().is_some())
                .await
                .unwrap()
        }
    })
    .await;
    assert!(polled, "the first pass kept no state");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let appended = Instant::now();
    dovecot.append("INBOX", &[example("postfix-dsn.eml")]).await;
    let arrived =
        until(Duration::from_secs(20), || async { service.counts().await.events > 0 }).await;
    assert!(arrived, "the bounce appended during IDLE was not ingested within 20 s");
    eprintln!("ingested {} ms after the APPEND", appended.elapsed().as_millis());
    pollers.stop().await;
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_shows_on_sources_without_the_password() {
    let Some(dovecot) = Dovecot::start() else { return };
    dovecot.append("INBOX", &bounces()).await;
    let (db, _dir) = databases(false).await.remove(0);
    let service = Service::start(&db).await;
    let wrong = "Wr0ng-pa55word-imap";
    let mut mailbox = dovecot.mailbox("wrongpw", After::Seen);
    mailbox.password = Password::new(wrong.to_owned());
    let pollers = tuixin_server::imap::start(&service.app, vec![mailbox]);
    let shown = until(Duration::from_secs(20), || async {
        let sources = service.sources().await.to_string();
        sources.contains("imap:wrongpw") && sources.contains("refused")
    })
    .await;
    let sources = service.sources().await;
    assert!(shown, "{sources}");
    let text = sources.to_string();
    assert!(text.contains("login as bounces refused"), "{text}");
    assert!(!text.contains(wrong) && !text.contains(PASSWORD), "{text}");
    pollers.stop().await;
    // Nothing was read or flagged.
    assert_eq!(service.counts().await.events, 0);
    assert_eq!(dovecot.search("INBOX", "SEEN").await, Vec::<u32>::new());
    service.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_implicit_and_starttls_trust_a_private_ca_and_refuse_an_unknown_one() {
    let Some(dovecot) = Dovecot::start() else { return };
    dovecot.append("INBOX", &bounces()).await;
    let (db, _dir) = databases(false).await.remove(0);
    let service = Service::start(&db).await;
    let target = tuixin_server::imap::Target {
        store: Arc::clone(&service.app.store),
        committer: service.app.committer.clone(),
        policy: Arc::new(|| Arc::new(tuixin::lifecycle::Policy::builtin().clone())),
        lease: None,
    };
    let mut implicit = dovecot.mailbox("implicit", After::Seen);
    implicit.host = "localhost".to_owned();
    implicit.port = dovecot.tls_port;
    implicit.tls = TlsMode::Implicit;
    // Unknown CA: refused before the login, nothing read.
    let refused = tuixin_server::imap::run_once(&implicit, &target).await.unwrap_err();
    assert!(refused.to_string().contains("TLS"), "{refused}");
    implicit.ca_file = Some(dovecot.ca_file());
    let summary = tuixin_server::imap::run_once(&implicit, &target).await.unwrap();
    assert_eq!(summary.bounces, BOUNCES.len());
    assert_eq!(summary.acted_on, BOUNCES.len());
    // STARTTLS on the plain port, as another mailbox: reads the folder again (already seen: none).
    let mut starttls = dovecot.mailbox("starttls", After::Seen);
    starttls.host = "localhost".to_owned();
    starttls.tls = TlsMode::Starttls;
    let refused = tuixin_server::imap::run_once(&starttls, &target).await.unwrap_err();
    assert!(refused.to_string().contains("TLS"), "{refused}");
    starttls.ca_file = Some(dovecot.ca_file());
    dovecot.mark_all_unseen("INBOX").await;
    let summary = tuixin_server::imap::run_once(&starttls, &target).await.unwrap();
    assert_eq!(summary.bounces, BOUNCES.len());
    assert_eq!(summary.new_events, 0, "the same bounces are the same events");
    assert_eq!(dovecot.search("INBOX", "SEEN").await.len(), BOUNCES.len());
    service.stop().await;
}

/// How many logins Dovecot has logged so far.
fn logins(dovecot: &Dovecot) -> usize {
    std::fs::read_to_string(dovecot.dir.path().join("dovecot.log"))
        .unwrap_or_default()
        .matches("Login: user=<bounces>")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_over_one_store_poll_a_mailbox_with_one_reader() {
    let Some(dovecot) = Dovecot::start() else { return };
    dovecot.append("INBOX", &bounces()).await;
    let expected = expected_records().len();
    for (db, _dir) in databases(true).await {
        dovecot.mark_all_unseen("INBOX").await;
        let first = Service::start(&db).await;
        let second = Service::start(&db).await;
        let mailbox = dovecot
            .mailbox(&format!("shared{}", NEXT.fetch_add(1, Ordering::Relaxed)), After::Seen);
        let before = logins(&dovecot);
        let a = tuixin_server::imap::start(&first.app, vec![mailbox.clone()]);
        let b = tuixin_server::imap::start(&second.app, vec![mailbox.clone()]);
        let all_in = until(Duration::from_secs(20), || async {
            first.counts().await.events as usize == expected
        })
        .await;
        assert!(all_in, "{db}: {:?}", first.counts().await);
        // Both keep polling; only the lease holder ever logged in.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(logins(&dovecot) - before, 1, "{db}: one reader for the mailbox");
        assert_eq!(second.counts().await.events as usize, expected, "{db}");
        a.stop().await;
        b.stop().await;
        first.stop().await;
        second.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_size_limit_is_not_fetched_and_shows_as_a_failure() {
    let Some(dovecot) = Dovecot::start() else { return };
    // The Exchange NDR is the one example over 5,000 bytes.
    dovecot.append("INBOX", &bounces()).await;
    let (db, _dir) = databases(false).await.remove(0);
    let service = Service::start(&db).await;
    let mut mailbox = dovecot.mailbox("sized", After::Seen);
    mailbox.max_message_bytes = 5_000;
    let pollers = tuixin_server::imap::start(&service.app, vec![mailbox]);
    let shown = until(Duration::from_secs(20), || async {
        service.sources().await.to_string().contains("more than the limit of 5000 bytes")
    })
    .await;
    assert!(shown, "{}", service.sources().await);
    pollers.stop().await;
    let decoder = Decoder::new(Classifier::builtin());
    let small: usize = BOUNCES
        .iter()
        .map(|n| example(n))
        .filter(|m| m.len() <= 5_000)
        .map(|m| decoder.decode(&m).unwrap().len())
        .sum();
    assert_eq!(service.counts().await.events as usize, small);
    assert_eq!(service.counts().await.raw_inputs as usize, BOUNCES.len() - 1);
    // Not a bounce as far as anyone knows: left unseen (act_on = bounces).
    assert_eq!(dovecot.search("INBOX", "UNSEEN").await, vec![3]);
    service.stop().await;
}

//! A real Postfix (Debian package postfix) bounces into the listener: its own config and queue
//! directories in a temp dir, started in the foreground, a message injected with its
//! `sendmail` to a user that does not exist, and its DSN (sent to the VERP envelope sender)
//! routed by a transport map to our listener on 127.0.0.1. Needs root (Postfix's master runs
//! as root); with CI=true a missing Postfix or root fails the test instead of skipping.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tuixin_server::smtp::{BounceRecipients, Protocol, Shared, SmtpListener, SmtpSettings};
use tuixin_server::{App, Settings};
use tuixin_store::{EventFilter, Store};

/// The Postfix services the test needs, none chrooted, no SMTP server: mail comes in by
/// `sendmail` (pickup) and leaves by the smtp client.
const MASTER_CF: &str = "\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
";

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Whether this machine can run the test: Postfix installed and we are root.
fn can_run() -> bool {
    let postfix = Command::new("postconf").arg("-d").arg("mail_version").output();
    let installed = postfix.is_ok_and(|o| o.status.success());
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !(installed && root) {
        assert!(!ci(), "CI=true but Postfix is not installed or the tests do not run as root");
        eprintln!("note: Postfix missing or not root: test skipped");
    }
    installed && root
}

/// A Postfix instance in its own directories; stopped when dropped.
struct Postfix {
    config: String,
    child: Child,
    log: std::path::PathBuf,
}

impl Postfix {
    fn start(dir: &Path, listener_port: u16) -> Postfix {
        let config = dir.join("etc");
        let queue = dir.join("queue");
        let data = dir.join("data");
        for d in [&config, &queue, &data] {
            std::fs::create_dir_all(d).unwrap();
        }
        // Postfix's daemons run as the postfix user: the path must be traversable, and the
        // data directory theirs.
        set_mode(dir, 0o755);
        assert!(Command::new("chown").arg("postfix").arg(&data).status().unwrap().success());
        let log = dir.join("maillog");
        std::fs::write(config.join("master.cf"), MASTER_CF).unwrap();
        std::fs::write(
            config.join("transport"),
            format!(
                "bounce.example.com smtp:[127.0.0.1]:{listener_port}\nelsewhere.example smtp:[127.0.0.1]:{listener_port}\n"
            ),
        )
        .unwrap();
        let main_cf = format!(
            "compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
mail_owner = postfix
setgid_group = postdrop
myhostname = mta.shop.example.com
mydomain = shop.example.com
myorigin = $myhostname
mydestination = $myhostname, localhost
inet_interfaces = loopback-only
inet_protocols = ipv4
relayhost =
alias_maps =
alias_database =
local_recipient_maps =
transport_maps = texthash:{config}/transport
smtp_dns_support_level = disabled
maillog_file = {log}
maillog_file_prefixes = {dir}
biff = no
",
            queue = queue.display(),
            data = data.display(),
            config = config.display(),
            log = log.display(),
            dir = dir.display(),
        );
        std::fs::write(config.join("main.cf"), main_cf).unwrap();
        let config = config.display().to_string();
        let output = std::fs::File::create(dir.join("start.log")).unwrap();
        let child = Command::new("postfix")
            .args(["-c", &config, "start-fg"])
            .stdout(output.try_clone().unwrap())
            .stderr(output)
            .spawn()
            .unwrap();
        let postfix = Postfix { config, child, log };
        // Ready once its master runs (its queue directories are made by then).
        for _ in 0..100 {
            let status = Command::new("postfix")
                .args(["-c", &postfix.config, "status"])
                .stderr(Stdio::null())
                .status()
                .unwrap();
            if status.success() {
                return postfix;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("Postfix did not start in 20 s:\n{}", postfix.log());
    }

    /// Injects a message as a local program would.
    fn sendmail(&self, sender: &str, recipient: &str, message: &str) {
        use std::io::Write;
        let mut child = Command::new("sendmail")
            .args(["-C", &self.config, "-f", sender, recipient])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(message.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "sendmail: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.log()
        );
    }

    /// Its mail log, and what `postfix start-fg` said.
    fn log(&self) -> String {
        let started = self.log.with_file_name("start.log");
        std::fs::read_to_string(&self.log).unwrap_or_default()
            + &std::fs::read_to_string(started).unwrap_or_default()
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        let _ = Command::new("postfix").args(["-c", &self.config, "stop"]).output();
        let _ = self.child.wait();
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_real_postfix_dsn_for_an_unknown_user_ends_suppressed() {
    if !can_run() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db").display().to_string();
    let app = tokio::task::spawn_blocking(move || {
        App::new(Store::open(&db).unwrap(), Settings::default()).unwrap()
    })
    .await
    .unwrap();
    let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = socket.local_addr().unwrap().port();
    let settings = SmtpSettings {
        hostname: "mx.bounce.example.com".to_owned(),
        recipients: BounceRecipients::new(&["bounce.example.com".to_owned()], &[], &[]),
        ..SmtpSettings::default()
    };
    let shared = Shared::new(settings, Protocol::Smtp, app.clone()).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let done =
        tokio::spawn(tuixin_server::smtp::serve_smtp(SmtpListener::Tcp(socket), shared, async {
            let _ = stopped.await;
        }));

    let postfix = Postfix::start(dir.path(), port);
    // The list server sends a newsletter with a VERP return path; the recipient does not exist.
    postfix.sendmail(
        "bounces+nosuchuser=mta.shop.example.com@bounce.example.com",
        "nosuchuser@mta.shop.example.com",
        "From: Example Shop News <news@shop.example.com>\nTo: nosuchuser@mta.shop.example.com\nSubject: January deals\nMessage-Id: <jan-1@shop.example.com>\n\nHello.\n",
    );
    let address = "nosuchuser@mta.shop.example.com";
    let mut suppressed = false;
    for _ in 0..120 {
        let store = app.store.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            store.check(&[address.to_owned()], "all", i64::MAX / 2).unwrap()
        })
        .await
        .unwrap();
        if !outcome[0].allowed {
            suppressed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let log = postfix.log();
    assert!(suppressed, "not suppressed after 30 s; Postfix's log:\n{log}");
    // Postfix delivered its own DSN to us and was told 250.
    assert!(log.contains("status=bounced (unknown user"), "{log}");
    assert!(log.contains(&format!("relay=127.0.0.1[127.0.0.1]:{port}")), "{log}");
    assert!(log.contains("status=sent (250 2.0.0 Message accepted)"), "{log}");
    let store = app.store.clone();
    let events = tokio::task::spawn_blocking(move || {
        store
            .events(&EventFilter { address: Some(address.to_owned()), ..EventFilter::default() })
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].source, "smtp");
    assert_eq!(events[0].record["deliverystatus"], "5.1.1");
    assert_eq!(events[0].record["reason"], "userunknown");
    drop(postfix);
    let _ = stop.send(());
    done.await.unwrap().unwrap();
}

/// A listener on 127.0.0.1 for `bounce.example.com` (the harness's transport map sends that
/// domain and `elsewhere.example` to it); stopped by the sender it returns.
async fn listener(
    app: std::sync::Arc<App>,
) -> (u16, tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<std::io::Result<()>>) {
    let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = socket.local_addr().unwrap().port();
    let settings = SmtpSettings {
        hostname: "mx.bounce.example.com".to_owned(),
        recipients: BounceRecipients::new(&["bounce.example.com".to_owned()], &[], &[]),
        ..SmtpSettings::default()
    };
    let shared = Shared::new(settings, Protocol::Smtp, app).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let done =
        tokio::spawn(tuixin_server::smtp::serve_smtp(SmtpListener::Tcp(socket), shared, async {
            let _ = stopped.await;
        }));
    (port, stop, done)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_log_lines_a_real_postfix_writes_are_read_into_the_records_of_what_happened() {
    use tuixin::logs::{LogFormat, read_log};
    if !can_run() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db").display().to_string();
    let app = tokio::task::spawn_blocking(move || {
        App::new(Store::open(&db).unwrap(), Settings::default()).unwrap()
    })
    .await
    .unwrap();
    let (port, stop, done) = listener(app.clone()).await;
    let postfix = Postfix::start(dir.path(), port);
    let message = "From: Example Shop News <news@shop.example.com>\nSubject: January deals\nMessage-Id: <jan-2@shop.example.com>\n\nHello.\n";
    // A local user that does not exist (Postfix's local delivery bounces it), and a remote
    // address whose server (our listener, which takes only its bounce domain) refuses the RCPT.
    postfix.sendmail(
        "bounces+a=shop.example.com@bounce.example.com",
        "nosuchuser@mta.shop.example.com",
        message,
    );
    postfix.sendmail(
        "bounces+b=shop.example.com@bounce.example.com",
        "someone@elsewhere.example",
        message,
    );
    // Both bounced, and both DSNs delivered to the listener.
    let mut log = String::new();
    for _ in 0..120 {
        log = postfix.log();
        if log.matches("status=bounced").count() >= 2 && log.matches("status=sent").count() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let (records, errors) = read_log(LogFormat::Postfix, log.as_bytes());
    assert!(errors.is_empty(), "{errors:?}\n{log}");
    let find = |rcpt: &str, action: &str| {
        records
            .iter()
            .find(|r| r.recipient == rcpt && r.action == action)
            .unwrap_or_else(|| panic!("no {action} record for {rcpt} in {records:#?}\n{log}"))
    };
    let local = find("nosuchuser@mta.shop.example.com", "failed");
    assert_eq!((local.deliverystatus.as_str(), local.hardbounce), ("5.1.1", true), "{local:#?}");
    assert_eq!(local.reason.to_string(), "userunknown", "{local:#?}");
    let remote = find("someone@elsewhere.example", "failed");
    assert_eq!(
        (remote.deliverystatus.as_str(), remote.replycode.as_str()),
        ("5.1.1", "550"),
        "{remote:#?}"
    );
    assert!(remote.diagnosticcode.contains("not a bounce address of this server"), "{remote:#?}");
    assert_eq!(remote.rhost, "127.0.0.1", "{remote:#?}");
    assert_eq!(remote.reason.to_string(), "userunknown", "{remote:#?}");
    // The sender and Message-ID come from the qmgr and cleanup lines of the same queue id.
    assert_eq!(local.addresser, "bounces+a=shop.example.com@bounce.example.com", "{local:#?}");
    assert_eq!(remote.messageid, "jan-2@shop.example.com", "{remote:#?}");
    // The DSNs Postfix sent to the listener were delivered.
    let dsn = find("bounces+b=shop.example.com@bounce.example.com", "delivered");
    assert_eq!(dsn.deliverystatus, "2.0.0", "{dsn:#?}");
    drop(postfix);
    let _ = stop.send(());
    done.await.unwrap().unwrap();
}

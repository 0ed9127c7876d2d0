//! A Dovecot of a test's own (Debian `dovecot-imapd`): started in the foreground from a config
//! in a temp dir, on free loopback ports, with a passwd file, a maildir and a self-signed
//! certificate there; stopped when dropped. With `CI=true` a missing Dovecot fails the test.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use async_imap::Client;
use futures_util::TryStreamExt;
use tuixin_server::imap::{ActOn, After, Mailbox, Password, TlsMode};

/// The user of the mailbox.
pub const USER: &str = "bounces";
/// Its password.
pub const PASSWORD: &str = "Tr0ub4dor-imap-test";

/// A Dovecot of our own.
pub struct Dovecot {
    pub dir: tempfile::TempDir,
    /// The plain (and STARTTLS) port.
    pub port: u16,
    /// The implicit TLS port.
    pub tls_port: u16,
    child: Child,
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn have_dovecot() -> bool {
    let there = Command::new("dovecot")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
        && Path::new("/usr/lib/dovecot/imap").exists();
    if !there {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but Dovecot (dovecot-imapd) is not installed: see .ci/run");
        }
        eprintln!("note: dovecot-imapd is not installed: IMAP tests skipped");
    }
    there
}

fn current_ids() -> (u32, u32, String) {
    let out = |flag: &str| {
        String::from_utf8(Command::new("id").arg(flag).output().unwrap().stdout)
            .unwrap()
            .trim()
            .to_owned()
    };
    (out("-u").parse().unwrap(), out("-g").parse().unwrap(), out("-un"))
}

impl Dovecot {
    /// Starts Dovecot, or None when it is not installed (outside CI).
    pub fn start() -> Option<Dovecot> {
        if !have_dovecot() {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let (uid, gid, name) = current_ids();
        // As root, Dovecot runs its login processes as its own users (dovenull, dovecot) and
        // refuses uid 0 for mail: the mail belongs to nobody, and the temp dir must be open to
        // them. As another user, everything runs as that user.
        let (users, mail_uid, mail_gid) = if uid == 0 {
            (String::new(), 65534, 65534)
        } else {
            (
                format!(
                    "default_internal_user = {name}\ndefault_login_user = {name}\ndefault_internal_group = {gid}\n"
                ),
                uid,
                gid,
            )
        };
        let home = root.join("home");
        std::fs::create_dir_all(&home).unwrap();
        if uid == 0 {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
            let status = Command::new("chown").arg("65534:65534").arg(&home).status().unwrap();
            assert!(status.success());
        }
        let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        std::fs::write(root.join("cert.pem"), certified.cert.pem()).unwrap();
        std::fs::write(root.join("key.pem"), certified.signing_key.serialize_pem()).unwrap();
        std::fs::write(root.join("passwd"), format!("{USER}:{{PLAIN}}{PASSWORD}\n")).unwrap();
        let port = free_port();
        let tls_port = free_port();
        let r = root.display();
        let config = format!(
            "base_dir = {r}/run
state_dir = {r}/state
log_path = {r}/dovecot.log
protocols = imap
listen = 127.0.0.1
{users}first_valid_uid = 0
ssl = yes
ssl_cert = <{r}/cert.pem
ssl_key = <{r}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {r}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={r}/home/%u
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = .
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service anvil {{
  chroot =
}}
"
        );
        std::fs::write(root.join("dovecot.conf"), config).unwrap();
        let child = Command::new("dovecot")
            .arg("-F")
            .arg("-c")
            .arg(root.join("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let dovecot = Dovecot { dir, port, tls_port, child };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "Dovecot did not start: {}",
                std::fs::read_to_string(dovecot.dir.path().join("dovecot.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(dovecot)
    }

    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }

    /// A mailbox config for the poller, plain on the loopback.
    pub fn mailbox(&self, name: &str, after: After) -> Mailbox {
        Mailbox {
            name: name.to_owned(),
            host: "127.0.0.1".to_owned(),
            port: self.port,
            tls: TlsMode::None,
            user: USER.to_owned(),
            password: Password::new(PASSWORD.to_owned()),
            folder: "INBOX".to_owned(),
            after,
            act_on: ActOn::Bounces,
            poll_interval: Duration::from_secs(60),
            ca_file: None,
            max_message_bytes: 25 << 20,
        }
    }

    /// A test client of our own, logged in.
    pub async fn client(&self) -> async_imap::Session<tokio::net::TcpStream> {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.unwrap();
        let mut client = Client::new(tcp);
        client.read_response().await.unwrap().unwrap();
        client.login(USER, PASSWORD).await.map_err(|(e, _)| e).unwrap()
    }

    pub async fn append(&self, folder: &str, messages: &[Vec<u8>]) {
        let mut session = self.client().await;
        for message in messages {
            session.append(folder, None, None, message).await.unwrap();
        }
        session.logout().await.unwrap();
    }

    pub async fn create(&self, folder: &str) {
        let mut session = self.client().await;
        session.create(folder).await.unwrap();
        session.logout().await.unwrap();
    }

    /// The UIDs of a folder matching a search (none while the folder does not exist).
    pub async fn search(&self, folder: &str, query: &str) -> Vec<u32> {
        let mut session = self.client().await;
        if session.select(folder).await.is_err() {
            session.logout().await.unwrap();
            return Vec::new();
        }
        let mut uids: Vec<u32> = session.uid_search(query).await.unwrap().into_iter().collect();
        uids.sort_unstable();
        session.logout().await.unwrap();
        uids
    }

    /// Clears `\Seen` on every message of a folder.
    pub async fn mark_all_unseen(&self, folder: &str) {
        let mut session = self.client().await;
        session.select(folder).await.unwrap();
        let updates = session.uid_store("1:*", "-FLAGS.SILENT (\\Seen)").await.unwrap();
        let _: Vec<_> = updates.try_collect().await.unwrap();
        session.logout().await.unwrap();
    }
}

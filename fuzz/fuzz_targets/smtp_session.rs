//! Bytes a client sends → one SMTP or LMTP session of the listener (the first byte picks the
//! protocol), over an in-memory pipe, with messages committed to a writer that keeps nothing.
//!
//! Besides "no panic, no hang": the session ends once the client's bytes end, every reply
//! line is a three-digit code followed by a space or a dash, and the last reply of each group
//! has a space.
#![no_main]

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tuixin_server::smtp::{
    BounceRecipients, Committer, Protocol, Session, Shared, SmtpSettings,
};

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
});

fuzz_target!(|data: &[u8]| {
    let Some((&first, script)) = data.split_first() else { return };
    let protocol = if first & 1 == 0 { Protocol::Smtp } else { Protocol::Lmtp };
    let replies = RUNTIME.block_on(async {
        let settings = SmtpSettings {
            hostname: "mx.fuzz.example".to_owned(),
            recipients: BounceRecipients::new(&["bounce.example.com".to_owned()], &[], &[]),
            max_message_bytes: 4096,
            max_recipients: 3,
            max_line_bytes: 512,
            idle_timeout: Duration::from_secs(5),
            command_timeout: Duration::from_secs(5),
            max_errors: 50,
            ..SmtpSettings::default()
        };
        let committer = Committer::with_writer(Arc::new(|_: Vec<_>, _: Vec<_>| Ok(())));
        let shared = Shared::with_committer(settings, protocol, committer).unwrap();
        let (client, server) = tokio::io::duplex(16 * 1024);
        let (_stop, stopping) = tokio::sync::watch::channel(false);
        let session = tokio::spawn(Session::new(shared, "fuzz".to_owned(), stopping).run(server));
        let script = script.to_vec();
        let (mut read, mut write) = tokio::io::split(client);
        let writer = tokio::spawn(async move {
            let _ = write.write_all(&script).await;
            let _ = write.shutdown().await;
        });
        let mut out = Vec::new();
        let _ = read.read_to_end(&mut out).await;
        let _ = writer.await;
        tokio::time::timeout(Duration::from_secs(10), session)
            .await
            .expect("the session did not end after the client's bytes ended")
            .unwrap();
        out
    });
    let text = String::from_utf8(replies).expect("replies are UTF-8");
    for line in text.lines() {
        let bytes = line.as_bytes();
        assert!(bytes.len() >= 4, "short reply {line:?}");
        assert!(bytes[..3].iter().all(u8::is_ascii_digit), "no code in {line:?}");
        assert!(bytes[3] == b' ' || bytes[3] == b'-', "bad separator in {line:?}");
    }
});

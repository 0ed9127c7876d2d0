//! Bytes as lossy UTF-8, read as an envelope recipient by the SMTP listener's recipient check
//! and VERP reader.
//!
//! Besides "no panic": a decoded VERP address has one `@` between a non-empty local part and a
//! domain with a dot, and is no longer than the recipient it came from; an address longer than
//! the envelope limit is never taken; taking and decoding are the same on a second call.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tuixin_server::smtp::BounceRecipients;
use tuixin_server::smtp::verp::{MAX_ADDRESS_BYTES, decode};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let recipients = BounceRecipients::new(
        &["bounce.example.com".to_owned()],
        &["returns@mail.example.net".to_owned()],
        &['+', '-'],
    );
    let taken = recipients.accepts(&text);
    let verp = recipients.verp(&text);
    assert_eq!(taken, recipients.accepts(&text));
    assert_eq!(verp, recipients.verp(&text));
    if text.len() > MAX_ADDRESS_BYTES {
        assert!(!taken && verp.is_none());
    }
    if let Some(address) = &verp {
        assert!(address.len() <= text.len());
        let (local, domain) = address.rsplit_once('@').unwrap();
        assert!(!local.is_empty() && domain.contains('.') && !domain.contains('@'));
    }
    if let Some(address) = decode(&text) {
        assert_eq!(address.matches('@').count(), 1 + text.matches('@').count());
    }
});

//! Bytes of a (possibly broken) webhook payload → `read_payload` of the provider the first
//! byte names (`ALL[byte % 10]`), and `detect_provider` of the rest.
//!
//! Besides "no panic, no hang, no OOM": reading the same bytes twice gives equal results;
//! every event's and error's index is below the number of events the payload could hold (one
//! per `{`), every record's `message` is its event's index + 1, and a payload the detector
//! gives a provider for is read by that provider without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tuixin::Classifier;
use tuixin::esp::{Provider, detect_provider, read_payload};

fuzz_target!(|data: &[u8]| {
    let Some((&first, bytes)) = data.split_first() else {
        return;
    };
    let provider = Provider::ALL[usize::from(first) % Provider::ALL.len()];
    let classifier = Classifier::builtin();
    let once = read_payload(provider, bytes, classifier);
    let twice = read_payload(provider, bytes, classifier);
    assert_eq!(once, twice, "reading the same bytes twice gave different results");
    if let Ok(payload) = &once {
        let objects = bytes.iter().filter(|&&b| b == b'{').count();
        for event in &payload.events {
            assert!(event.index < objects, "event {} of at most {objects}", event.index);
            for record in &event.records {
                assert_eq!(record.message, event.index + 1);
                assert!(!record.recipient.is_empty());
            }
        }
        for error in &payload.errors {
            assert!(error.index <= objects + bytes.len(), "error at {}", error.index);
        }
    }
    if let Some(found) = detect_provider(bytes) {
        let _ = read_payload(found, bytes, classifier);
    }
});

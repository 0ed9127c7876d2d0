//! Bytes of a (possibly broken) message → `tuixin::decode`.
//!
//! Besides "no panic, no hang, no OOM", decoding is deterministic: the same bytes decoded twice
//! give equal results.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let first = tuixin::decode(data);
    let second = tuixin::decode(data);
    assert_eq!(first, second, "decoding the same bytes twice gave different results");
});

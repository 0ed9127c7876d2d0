//! A large webhook array is read element by element: the memory the reading takes beside the
//! payload's own bytes stays far below the payload's size (a parsed tree of the whole array
//! would take several times it). Counted with an allocator that tracks the peak, alone in its
//! test binary so that no other test's allocations are counted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use tuixin::Classifier;
use tuixin::esp::{Provider, read_payload};

/// The system allocator, counting the bytes live and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn a_200k_element_array_is_read_in_bounded_memory() {
    // Warm the rules up first: they are built once, on first use.
    let classifier = Classifier::builtin();
    let _ = read_payload(Provider::SendGrid, b"[]", classifier);

    let one = r#"{"email":"someone@example.org","timestamp":1796622600,"event":"open","sg_event_id":"ZGVsaXZlcmVkLTAtMjQ1NjQ5MzYtMjAtMTYxOTM","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0","useragent":"Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0","ip":"192.0.2.1"}"#;
    let mut big = String::with_capacity((one.len() + 1) * 200_001);
    big.push('[');
    for i in 0..200_000 {
        if i > 0 {
            big.push(',');
        }
        big.push_str(one);
    }
    big.push(']');
    let size = big.len();
    assert!(size > 40 << 20, "the payload is {size} bytes");

    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let payload = read_payload(Provider::SendGrid, big.as_bytes(), classifier).unwrap();
    let extra = PEAK.load(Ordering::Relaxed) - before;
    assert_eq!(payload.ignored, 200_000);
    eprintln!("a {size}-byte payload: {extra} bytes at the peak of reading");
    // Reading takes less than a hundredth of the payload's size beside it.
    assert!(extra < size / 100, "reading a {size}-byte payload took {extra} bytes at its peak");
}

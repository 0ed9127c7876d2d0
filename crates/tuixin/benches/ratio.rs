//! Our decode + classify against a bare mail-parser parse of the same messages, passes taken in
//! turn so that a noisy machine slows both alike. Prints the median mails per second of each and
//! their ratio. Run with `cargo bench -p tuixin --bench ratio`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Every sample of the corpus's LF maildir, read once into memory.
fn corpus() -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/set-of-emails/maildir/bsd");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read the corpus at {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read(p).expect("corpus file")).collect()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument is taken as the number of rounds.
    let rounds: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(41).max(1);
    let messages = corpus();
    let parser = mail_parser::MessageParser::default();
    let decode = || {
        let start = Instant::now();
        for m in &messages {
            black_box(tuixin::decode(black_box(m)).map_or(0, |r| r.len()));
        }
        start.elapsed()
    };
    let parse = || {
        let start = Instant::now();
        for m in &messages {
            black_box(parser.parse(black_box(m)).map_or(0, |m| m.parts.len()));
        }
        start.elapsed()
    };
    // Warm-up: rules compiled, caches and allocator settled.
    for _ in 0..3 {
        decode();
        parse();
    }
    let (mut ours, mut floor) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        ours.push(decode());
        floor.push(parse());
    }
    let (ours, floor) = (median(ours), median(floor));
    let rate = |d: Duration| messages.len() as f64 / d.as_secs_f64();
    println!("messages per pass: {}, rounds: {rounds} (medians)", messages.len());
    println!("tuixin::decode       {:>8.0} mails/s  {:?} per pass", rate(ours), ours);
    println!("mail_parser::parse   {:>8.0} mails/s  {:?} per pass", rate(floor), floor);
    println!("ratio decode / parse {:>8.2}x", ours.as_secs_f64() / floor.as_secs_f64());
}

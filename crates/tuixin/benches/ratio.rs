//! Our decode + classify against a bare mail-parser parse of the same messages, passes taken in
//! turn so that a noisy machine slows both alike. Prints the median mails per second of each and
//! their ratio, for the whole corpus mix and for its messages of at most 4 KB (the size of a
//! typical bounce, where our fixed cost per message weighs most). Run with
//! `cargo bench -p tuixin --bench ratio`.

mod corpus;

use std::hint::black_box;
use std::time::{Duration, Instant};

/// The largest message of the small-message mix.
const SMALL: usize = 4 * 1024;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Times decode and the bare parse over `messages` in turn and prints the medians.
fn compare(label: &str, messages: &[Vec<u8>], rounds: usize) {
    let parser = mail_parser::MessageParser::default();
    let decode = || {
        let start = Instant::now();
        for m in messages {
            black_box(tuixin::decode(black_box(m)).map_or(0, |r| r.len()));
        }
        start.elapsed()
    };
    let parse = || {
        let start = Instant::now();
        for m in messages {
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
    let bytes: usize = messages.iter().map(Vec::len).sum();
    let rate = |d: Duration| messages.len() as f64 / d.as_secs_f64();
    println!(
        "{label}: {} messages per pass, {:.1} KB on average, {rounds} rounds (medians)",
        messages.len(),
        bytes as f64 / messages.len() as f64 / 1024.0
    );
    println!("  tuixin::decode       {:>8.0} mails/s  {:?} per pass", rate(ours), ours);
    println!("  mail_parser::parse   {:>8.0} mails/s  {:?} per pass", rate(floor), floor);
    println!("  ratio decode / parse {:>8.2}x", ours.as_secs_f64() / floor.as_secs_f64());
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument is taken as the number of rounds.
    let rounds: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(41).max(1);
    let messages = corpus::corpus();
    compare("corpus mix", &messages, rounds);
    let small: Vec<Vec<u8>> = messages.into_iter().filter(|m| m.len() <= SMALL).collect();
    compare("messages of at most 4 KB", &small, rounds);
}

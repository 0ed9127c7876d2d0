//! Our decode + classify against a bare mail-parser parse of the same messages, passes taken in
//! turn so that a noisy machine slows both alike. Prints the median mails per second of each and
//! their ratio. Run with `cargo bench -p tuixin --bench ratio`.

mod corpus;

use std::hint::black_box;
use std::time::{Duration, Instant};

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument is taken as the number of rounds.
    let rounds: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(41).max(1);
    let messages = corpus::corpus();
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

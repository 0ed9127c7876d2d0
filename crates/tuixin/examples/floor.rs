//! A bare mail-parser parse of every message of a folder, as many times as asked: the floor that
//! `profile` is compared with under a profiler.
//!
//! `cargo build --release -p tuixin --example floor && valgrind --tool=callgrind \
//!   target/release/examples/floor ../shared/corpus/set-of-emails/maildir/bsd 5`

mod workload;

fn main() {
    let (messages, repeats) = workload::from_args("floor");
    let parser = mail_parser::MessageParser::default();
    let mut parts = 0;
    for _ in 0..repeats {
        for message in &messages {
            parts += parser.parse(message).map_or(0, |m| m.parts.len());
        }
    }
    println!("{parts} parts");
}

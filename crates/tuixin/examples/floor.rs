//! A bare mail-parser parse of every message of a folder, as many times as asked: the floor that
//! `profile` is compared with under a profiler.
//!
//! `cargo build --release -p tuixin --example floor && valgrind --tool=callgrind \
//!   target/release/examples/floor ../shared/corpus/set-of-emails/maildir/bsd 5`

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: floor FOLDER [REPEATS]");
    let repeats: usize = args.next().map_or(3, |n| n.parse().expect("REPEATS is a number"));
    let messages: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .expect("FOLDER is readable")
        .map(|entry| std::fs::read(entry.expect("a folder entry").path()).expect("a readable file"))
        .collect();
    let parser = mail_parser::MessageParser::default();
    let mut parts = 0;
    for _ in 0..repeats {
        for message in &messages {
            parts += parser.parse(message).map_or(0, |m| m.parts.len());
        }
    }
    println!("{parts} parts");
}

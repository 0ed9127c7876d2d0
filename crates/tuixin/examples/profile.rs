//! Decodes every message of a folder a number of times: a steady workload for profilers.
//!
//! `cargo build --release -p tuixin --example profile && valgrind --tool=callgrind \
//!   target/release/examples/profile ../shared/corpus/set-of-emails/maildir/bsd 5`

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: profile FOLDER [REPEATS]");
    let repeats: usize = args.next().map_or(3, |n| n.parse().expect("REPEATS is a number"));
    let messages: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .expect("FOLDER is readable")
        .map(|entry| std::fs::read(entry.expect("a folder entry").path()).expect("a readable file"))
        .collect();
    let mut records = 0;
    for _ in 0..repeats {
        for message in &messages {
            records += tuixin::decode(message).map_or(0, |r| r.len());
        }
    }
    println!("{records} records");
}

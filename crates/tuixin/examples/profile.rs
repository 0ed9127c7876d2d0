//! Decodes every message of a folder a number of times: a steady workload for profilers.
//!
//! `cargo build --release -p tuixin --example profile && valgrind --tool=callgrind \
//!   target/release/examples/profile ../shared/corpus/set-of-emails/maildir/bsd 5`

mod workload;

fn main() {
    let (messages, repeats) = workload::from_args("profile");
    let mut records = 0;
    for _ in 0..repeats {
        for message in &messages {
            records += tuixin::decode(message).map_or(0, |r| r.len());
        }
    }
    println!("{records} records");
}

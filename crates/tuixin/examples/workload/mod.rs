//! The workload the profiling examples share: a folder's messages and a repeat count.

/// The messages of the folder named by the first argument, and the second argument's repeat
/// count (3 by default); `name` is the example's, for the usage line.
pub fn from_args(name: &str) -> (Vec<Vec<u8>>, usize) {
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| panic!("usage: {name} FOLDER [REPEATS]"));
    let repeats: usize = args.next().map_or(3, |n| n.parse().expect("REPEATS is a number"));
    let messages = std::fs::read_dir(&dir)
        .expect("FOLDER is readable")
        .map(|entry| std::fs::read(entry.expect("a folder entry").path()).expect("a readable file"))
        .collect();
    (messages, repeats)
}

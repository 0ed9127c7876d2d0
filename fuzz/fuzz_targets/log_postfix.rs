//! Bytes of a (possibly broken) log → `LogReader` for `LogFormat::Postfix`, line by line.
//!
//! Besides "no panic, no hang, no OOM": reading the same bytes twice gives equal records and
//! errors, every record's `message` is the number of a line that was fed (or the last one),
//! and `detect_input` on the same bytes does not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tuixin::logs::{LogFormat, LogReader, detect_input};

fn read(data: &[u8]) -> (Vec<tuixin::Record>, Vec<tuixin::logs::LineError>, usize) {
    let mut reader = LogReader::new(LogFormat::Postfix);
    let mut records = Vec::new();
    let mut lines = 0;
    for (i, line) in data.split(|&b| b == b'\n').enumerate() {
        records.extend(reader.feed(i + 1, line));
        lines = i + 1;
    }
    records.extend(reader.finish());
    (records, reader.take_errors(), lines)
}

fuzz_target!(|data: &[u8]| {
    let (records, errors, lines) = read(data);
    let (again, errors_again, _) = read(data);
    assert_eq!(records, again, "reading the same bytes twice gave different records");
    assert_eq!(errors, errors_again, "reading the same bytes twice gave different errors");
    for record in &records {
        assert!((1..=lines).contains(&record.message), "line {} of {lines}", record.message);
    }
    for error in &errors {
        assert!((1..=lines).contains(&error.line), "error on line {} of {lines}", error.line);
    }
    let _ = detect_input(data);
});

//! Decode + classify per message over the corpus mix, beside a bare mail-parser parse of the
//! same messages (our floor). Run with `cargo bench -p tuixin --bench decode`.

use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

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

fn bench(c: &mut Criterion) {
    let messages = corpus();
    let bytes: usize = messages.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group("corpus");
    group.throughput(Throughput::Elements(messages.len() as u64));
    group.bench_function("tuixin::decode", |b| {
        b.iter(|| {
            let mut records = 0;
            for m in &messages {
                records += tuixin::decode(m).map_or(0, |r| r.len());
            }
            records
        })
    });
    group.bench_function("mail_parser::parse (floor)", |b| {
        let parser = mail_parser::MessageParser::default();
        b.iter(|| {
            let mut parts = 0;
            for m in &messages {
                parts += parser.parse(m).map_or(0, |m| m.parts.len());
            }
            parts
        })
    });
    group.finish();
    eprintln!("corpus: {} messages, {} bytes", messages.len(), bytes);
}

criterion_group!(benches, bench);
criterion_main!(benches);

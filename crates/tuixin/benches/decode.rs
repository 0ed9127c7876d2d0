//! Decode + classify per message over the corpus mix, beside a bare mail-parser parse of the
//! same messages (our floor). Run with `cargo bench -p tuixin --bench decode`.

mod corpus;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let messages = corpus::corpus();
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

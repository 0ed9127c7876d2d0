//! Hostile inputs at growing sizes: the time must grow in proportion to the size.
//! Run with `cargo bench -p tuixin --bench adversarial`; BENCHMARKS.md keeps the figures.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const BOUNCE: &str =
    "From: MAILER-DAEMON@example.org\nSubject: Undelivered Mail Returned to Sender\n";

fn long_line(bytes: usize) -> Vec<u8> {
    let mut text = format!("{BOUNCE}\n<x@example.net>: host mx.example.net said: 550 5.1.1 ");
    text.push_str(&"a".repeat(bytes));
    text.push('\n');
    text.into_bytes()
}

fn recipients(n: usize) -> Vec<u8> {
    let mut text = format!(
        "{BOUNCE}MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\n"
    );
    for i in 0..n {
        text.push_str(&format!("Final-Recipient: rfc822; user{i}@example.net\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n\n"));
    }
    text.push_str("--B--\n");
    text.into_bytes()
}

fn nesting(depth: usize) -> Vec<u8> {
    let mut text =
        format!("{BOUNCE}MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b0\"\n\n");
    for i in 0..depth {
        text.push_str(&format!(
            "--b{i}\nContent-Type: multipart/mixed; boundary=\"b{}\"\n\n",
            i + 1
        ));
    }
    text.push_str(&format!(
        "--b{depth}\nContent-Type: text/plain\n\n<x@example.net>: 550 5.1.1 user unknown\n"
    ));
    for i in (0..=depth).rev() {
        text.push_str(&format!("--b{i}--\n"));
    }
    text.into_bytes()
}

fn header_line(bytes: usize) -> Vec<u8> {
    format!(
        "{BOUNCE}X-Long: {}\nX-Failed-Recipients: x@example.net\n\n550 5.1.1 user unknown\n",
        "b".repeat(bytes)
    )
    .into_bytes()
}

fn html_markup(bytes: usize) -> Vec<u8> {
    // An HTML-only bounce of tags, quoted attributes, entities, comments and style sheets.
    // Heads left open before a body, too: each body is looked for once.
    let unit = concat!(
        "<td class=\"a > b\"><b>550</b>&nbsp;5.1.1 &amp; <!-- c --><style type='x'>p{}</style>",
        "<br><head><title>t</title><body>",
    );
    let mut text = format!("{BOUNCE}Content-Type: text/html\n\n<html><body>");
    text.push_str(&unit.repeat(bytes / unit.len()));
    text.push_str("<p>x@example.net: user unknown</p>\n");
    text.into_bytes()
}

fn bench(c: &mut Criterion) {
    // No limit cuts the work short: the point is how the work grows with the input.
    let limits = tuixin::Limits {
        max_depth: usize::MAX,
        max_parts: usize::MAX,
        max_recipients: usize::MAX,
        ..tuixin::Limits::default()
    };
    let decoder = tuixin::Decoder::default().with_limits(limits);
    type Make = fn(usize) -> Vec<u8>;
    let cases: [(&str, Make, [usize; 3]); 5] = [
        ("single-line body (bytes)", long_line, [5 << 20, 10 << 20, 20 << 20]),
        ("recipients in one report", recipients, [2_500, 5_000, 10_000]),
        ("MIME nesting depth", nesting, [250, 500, 1_000]),
        ("header line (bytes)", header_line, [256 << 10, 512 << 10, 1 << 20]),
        ("HTML markup (bytes)", html_markup, [5 << 20, 10 << 20, 20 << 20]),
    ];
    for (name, make, sizes) in cases {
        let mut group = c.benchmark_group(name);
        group.sample_size(10);
        for size in sizes {
            let input = make(size);
            group.throughput(Throughput::Bytes(input.len() as u64));
            group.bench_with_input(BenchmarkId::from_parameter(size), &input, |b, input| {
                b.iter(|| decoder.decode(input).map_or(0, |r| r.len()))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

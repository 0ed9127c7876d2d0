//! Postfix log reading: lines per second over a generated 1,000,000-line log in which most lines
//! are not results (the shape of a busy relay's mail.log: connections, cleanup, qmgr, TLS, one
//! recipient line in about eight), one thread. Prints the median of several passes. Run with
//! `cargo bench -p tuixin --bench logs`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use tuixin::logs::{LogFormat, LogOptions, LogReader};

/// Lines in the generated log.
const LINES: usize = 1_000_000;

/// A deterministic generator (xorshift), so that every run reads the same log.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// One message's lines: arrival, queueing, one to three recipient lines, removal, and the
/// lines about connections and TLS that surround them in a real log.
fn message(rng: &mut Rng, n: usize, out: &mut Vec<String>) {
    let qid = format!("{:010X}", 0x1000_0000_u64 + n as u64);
    let t = format!("Dec  7 05:{:02}:{:02} mx", (n / 60) % 60, n % 60);
    let ip = format!("198.51.100.{}", rng.next() % 250 + 1);
    out.push(format!("{t} postfix/smtpd[2101]: connect from app{}.example.net[{ip}]", n % 7));
    out.push(format!("{t} postfix/smtpd[2101]: {qid}: client=app{}.example.net[{ip}]", n % 7));
    out.push(format!("{t} postfix/cleanup[2102]: {qid}: message-id=<{n}.campaign@example.net>"));
    out.push(format!(
        "{t} postfix/qmgr[803]: {qid}: from=<bounces+{n}@example.net>, size={}, nrcpt=1 (queue active)",
        1500 + rng.next() % 40_000
    ));
    out.push(format!("{t} postfix/smtpd[2101]: disconnect from app{}.example.net[{ip}] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5", n % 7));
    let domain = ["example.org", "example.com", "example.edu", "example.co.jp"][n % 4];
    let mx = format!("mx{}.{domain}[192.0.2.{}]:25", n % 3, n % 200 + 1);
    out.push(format!("{t} postfix/smtp[2103]: Trusted TLS connection established to {mx}: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)"));
    let roll = rng.next() % 100;
    let rcpt = format!("user{n}@{domain}");
    let line = if roll < 85 {
        format!(
            "{t} postfix/smtp[2103]: {qid}: to=<{rcpt}>, relay={mx}, delay=1.2, delays=0.1/0/0.4/0.7, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as {:X})",
            rng.next() % 0xFFFF_FFFF
        )
    } else if roll < 93 {
        format!(
            "{t} postfix/smtp[2103]: {qid}: to=<{rcpt}>, relay={mx}, delay=2, delays=0.1/0/1/0.9, dsn=4.2.2, status=deferred (host {} said: 452 4.2.2 <{rcpt}>: Mailbox full (in reply to RCPT TO command))",
            mx.trim_end_matches(":25")
        )
    } else if roll < 98 {
        format!(
            "{t} postfix/smtp[2103]: {qid}: to=<{rcpt}>, relay={mx}, delay=1, delays=0.1/0/0.5/0.4, dsn=5.1.1, status=bounced (host {} said: 550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))",
            mx.trim_end_matches(":25")
        )
    } else {
        format!(
            "{t} postfix/smtp[2103]: {qid}: to=<{rcpt}>, relay=none, delay=30, delays=0/0/30/0, dsn=4.4.1, status=deferred (connect to {mx}: Connection timed out)"
        )
    };
    out.push(line);
    if !(93..98).contains(&roll) {
        out.push(format!("{t} postfix/qmgr[803]: {qid}: removed"));
    } else {
        out.push(format!(
            "{t} postfix/bounce[2104]: {qid}: sender non-delivery notification: {qid}B"
        ));
    }
}

fn main() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut lines = Vec::with_capacity(LINES + 16);
    let mut n = 0;
    while lines.len() < LINES {
        message(&mut rng, n, &mut lines);
        n += 1;
    }
    lines.truncate(LINES);
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    let pass = || {
        let options = LogOptions { year: Some(2026), ..LogOptions::default() };
        let mut reader =
            LogReader::with_options(LogFormat::Postfix, tuixin::Classifier::builtin(), options);
        let start = Instant::now();
        let mut records = 0;
        for (i, line) in lines.iter().enumerate() {
            records += black_box(reader.feed(i + 1, black_box(line.as_bytes()))).len();
        }
        records += reader.finish().len();
        (start.elapsed(), records)
    };
    let (_, records) = pass();
    let mut times: Vec<Duration> = (0..5).map(|_| pass().0).collect();
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "postfix: {LINES} lines ({:.1} MB, {records} records), median of 5: {:.0} lines/s ({:.1} MB/s), best {:.0} lines/s",
        bytes as f64 / 1e6,
        LINES as f64 / median.as_secs_f64(),
        bytes as f64 / 1e6 / median.as_secs_f64(),
        LINES as f64 / times[0].as_secs_f64(),
    );
}

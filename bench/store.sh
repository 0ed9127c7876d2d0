#!/usr/bin/env bash
# Whole-run benchmark of `tuixin ingest`: an mbox of N generated Postfix DSNs (default 100,000),
# each to a distinct recipient, a third each userunknown (suppress), mailboxfull (count) and a
# sender-side block (alert), ingested end to end (decode, classify, store, lifecycle, durable
# commits) into SQLite, and into PostgreSQL when TUIXIN_BENCH_DATABASE_URL names an empty
# database. Prints records/s, peak RSS and the SQLite file's size. Usage: bench/store.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
work=${BENCH_DIR:-/tmp/tuixin-bench}
mkdir -p "$work"
cargo build --release --locked -q
bin=${CARGO_TARGET_DIR:-target}/release/tuixin

mbox="$work/dsn-$n.mbox"
if [ ! -f "$mbox" ]; then
    python3 - "$n" "$mbox" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
kinds = [
    ("550 5.1.1", "5.1.1", "User unknown in virtual mailbox table"),
    ("452 4.2.2", "4.2.2", "Mailbox is full"),
    ("554 5.7.1", "5.7.1", "Service unavailable; Client host [192.0.2.25] blocked using zen.spamhaus.org"),
]
with open(path, "w") as out:
    for i in range(n):
        reply, status, words = kinds[i % 3]
        rcpt = f"user{i}@d{i % 997}.example.org"
        qid = f"{i:010X}"
        day = 1 + i % 28
        out.write(f"""From MAILER-DAEMON Thu Jan  1 00:00:00 2026
Return-Path: <>
Date: Tue, {day:02d} Nov 2026 10:43:20 +0000
From: MAILER-DAEMON@mta.shop.example.com (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: news-bounces@shop.example.com
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B{qid}"
Message-Id: <{qid}@mta.shop.example.com>

--B{qid}
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mta.shop.example.com.

<{rcpt}>: host mx.d{i % 997}.example.org[198.51.100.25] said: {reply}
    <{rcpt}>: {words} (in reply to RCPT TO command)

--B{qid}
Content-Type: message/delivery-status

Reporting-MTA: dns; mta.shop.example.com
X-Postfix-Queue-ID: {qid}
Arrival-Date: Tue, {day:02d} Nov 2026 10:43:18 +0000

Final-Recipient: rfc822; {rcpt}
Action: failed
Status: {status}
Remote-MTA: dns; mx.d{i % 997}.example.org
Diagnostic-Code: smtp; {reply} <{rcpt}>: {words}

--B{qid}
Content-Type: text/rfc822-headers

From: news@shop.example.com
To: {rcpt}
Subject: December news
Message-Id: <news-{i}@shop.example.com>

--B{qid}--

""")
PY
fi
echo "load average: $(cut -d" " -f1-3 /proc/loadavg)"
echo "input: $mbox ($(du -m "$mbox" | cut -f1) MB, $n messages)"

run() {
    local db=$1 label=$2
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -f "%M %U %S" -o "$work/rss" "$bin" ingest -q --db "$db" "$mbox" || true
    end=$(date +%s.%N)
    local secs rss user sys
    secs=$(echo "$end - $start" | bc)
    read -r rss user sys <"$work/rss"
    # Wall clock, and the CPU time tuixin itself used (the server's is not in it): on a busy
    # machine the CPU time is the steadier figure.
    printf '%s: %d records in %.2f s = %.0f records/s (tuixin CPU %.2f s user + %.2f s sys), peak RSS %d MB\n' \
        "$label" "$n" "$secs" "$(echo "$n / $secs" | bc -l)" "$user" "$sys" $((rss / 1024))
}

rm -f "$work/bench.db" "$work/bench.db-wal" "$work/bench.db-shm"
run "sqlite:$work/bench.db" "SQLite"
printf 'SQLite file: %d MB for %d events\n' $(( $(stat -c %s "$work/bench.db") / 1048576 )) "$n"
run "sqlite:$work/bench.db" "SQLite, the same again (all duplicates)"
if [ -n "${TUIXIN_BENCH_DATABASE_URL:-}" ]; then
    run "$TUIXIN_BENCH_DATABASE_URL" "PostgreSQL"
fi

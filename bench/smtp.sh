#!/usr/bin/env bash
# The SMTP listener under load, into a fresh SQLite file (synchronous = FULL: every 250 is on
# disk), load generators on the same machine:
#   1. smtp-source (Postfix's load generator): 16 sessions, 20,000 messages, each the bundled
#      Postfix DSN (examples/postfix-dsn.eml, 3.8 KB) from the null sender: the same bounce
#      again and again, so after the first each is a duplicate (raw kept once, no new event);
#   2. 16 Python smtplib sessions sending 20,000 distinct DSNs (the same one, each for another
#      recipient): every message a new event and a new suppression;
#   3. for each: messages/s (wall clock), the listener's own end-of-data-to-reply quantiles
#      (tuixin_smtp_data_to_reply_seconds from /metrics), and serve's peak RSS.
# Needs postfix (smtp-source), python3 and curl. Usage: bench/smtp.sh [MESSAGES]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
work=${BENCH_DIR:-/tmp/tuixin-bench}
mkdir -p "$work"
cargo build --release --locked -q -p tuixin-cli
bin=${CARGO_TARGET_DIR:-target}/release/tuixin

run() { # name, then the load command (gets ADDR as its last argument)
    local name=$1
    shift
    local db="$work/smtp-$name.db"
    rm -f "$db" "$db-wal" "$db-shm"
    local out="$work/serve-smtp.out"
    "$bin" serve --db "$db" --http 127.0.0.1:0 --smtp 127.0.0.1:0 \
        --bounce-domain bounce.example.com >"$out" 2>"$work/serve-smtp.err" &
    local pid=$!
    for _ in $(seq 100); do grep -q 'smtp://' "$out" 2>/dev/null && break; sleep 0.1; done
    local url smtp token
    url=$(grep -o 'http://[0-9.:]*' "$out" | head -1)
    smtp=$(grep -o 'smtp://[0-9.:]*' "$out" | head -1 | sed 's|smtp://||')
    token=$(grep '^tuixin_' "$out" | head -1)
    local start end
    start=$(date +%s.%N)
    "$@" "$smtp"
    end=$(date +%s.%N)
    echo "== $name: $n messages in $(echo "$end - $start" | bc) s: $(echo "$n / ($end - $start)" | bc) messages/s"
    curl -s -H "Authorization: Bearer $token" "$url/metrics" |
        grep -E '^tuixin_smtp_(data_to_reply_seconds\{|messages_total|batch_messages_(sum|count))' || true
    grep -E "VmHWM" /proc/$pid/status
    kill -TERM $pid
    wait $pid || true
    python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print('stored: events, raw inputs, suppressions', *(c.execute(f'SELECT count(*) FROM {t}').fetchone()[0] for t in ('events', 'raw_inputs', 'suppressions')))" "$db"
}

run smtp-source smtp-source -s 16 -m "$n" -f '' -t bounces@bounce.example.com -F examples/postfix-dsn.eml

cat >"$work/smtp-load.py" <<'PY'
import smtplib, sys, threading
n, addr = int(sys.argv[1]), sys.argv[2]
host, port = addr.rsplit(":", 1)
dsn = open("examples/postfix-dsn.eml").read()
def worker(k):
    s = smtplib.SMTP(host, int(port))
    s.ehlo("load.example.net")
    for i in range(k, n, 16):
        msg = dsn.replace("alice.example@mail.example.org", f"user{i}@mail.example.org")
        s.sendmail("", [f"bounces+user{i}=mail.example.org@bounce.example.com"], msg.encode())
    s.quit()
threads = [threading.Thread(target=worker, args=(k,)) for k in range(16)]
for t in threads: t.start()
for t in threads: t.join()
PY
run distinct python3 "$work/smtp-load.py" "$n"

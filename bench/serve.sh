#!/usr/bin/env bash
# Whole-server benchmark of `tuixin serve` over loopback, load generator on the same machine:
#   1. GET /v1/check with N suppressions in SQLite (default 1,000,000, imported once through
#      `tuixin suppressions import`), wrk with 2 threads and 64 connections for 20 s, on a
#      suppressed address and on an allowed one (--latency: p50/p90/p99);
#   2. POST /v1/ingest/messages of the generated Postfix DSN mbox (bench/store.sh makes it), in
#      uploads of 1000 messages, into a fresh database: messages/s;
#   3. RSS of serve (VmRSS and peak VmHWM) after the check runs.
# Needs wrk (Debian: apt-get install wrk) and curl. Usage: bench/serve.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
work=${BENCH_DIR:-/tmp/tuixin-bench}
mkdir -p "$work"
cargo build --release --locked -q -p tuixin-cli
bin=${CARGO_TARGET_DIR:-target}/release/tuixin

db="$work/serve-$n.db"
if [ ! -f "$db" ]; then
    csv="$work/suppressions-$n.csv"
    python3 - "$n" "$csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write("address,reason,created_at,code,error\n")
    for i in range(n):
        f.write(f"user{i}@d{i % 997}.example.org,hard_bounce,2026-11-01T00:00:00Z,550,user unknown\n")
PY
    /usr/bin/time -f "import: %e s, max RSS %M KiB" "$bin" suppressions import "$csv" --db "$db" >/dev/null
fi

start() { # db -> sets pid, url, token
    local out="$work/serve.out"
    "$bin" serve --db "$1" --http 127.0.0.1:0 >"$out" 2>"$work/serve.err" &
    pid=$!
    for _ in $(seq 100); do grep -q listening "$out" 2>/dev/null && break; sleep 0.1; done
    url=$(grep -o 'http://[0-9.:]*' "$out" | head -1)
    token=$(grep '^tuixin_' "$out" | head -1 || true)
    if [ -z "$token" ]; then
        token=$("$bin" token create --name "bench$$" --scope admin --db "$1" 2>/dev/null)
        sleep 2.5 # the server re-reads its tokens every 2 s
    fi
}

start "$db"
echo "== GET /v1/check, $n suppressions, suppressed address"
wrk -t2 -c64 -d20s --latency -H "Authorization: Bearer $token" "$url/v1/check?address=user4242@d254.example.org" | grep -E "Requests/sec|Latency|50%|90%|99%|Non-2xx"
echo "== GET /v1/check, allowed address"
wrk -t2 -c64 -d20s --latency -H "Authorization: Bearer $token" "$url/v1/check?address=nobody@example.com" | grep -E "Requests/sec|Latency|50%|90%|99%|Non-2xx"
grep -E "VmRSS|VmHWM" /proc/$pid/status
kill -TERM $pid; wait $pid || true

mbox="$work/dsn-100000.mbox"
if [ ! -f "$mbox" ]; then
    echo "no $mbox: run bench/store.sh 100000 once to make it" >&2
    exit 0
fi
fresh="$work/serve-ingest.db"
rm -f "$fresh" "$fresh-wal" "$fresh-shm"
start "$fresh"
parts="$work/parts"
rm -rf "$parts" && mkdir -p "$parts"
python3 - "$mbox" "$parts" <<'PY'
import sys
src, out = sys.argv[1], sys.argv[2]
data = open(src, "rb").read().split(b"\nFrom MAILER-DAEMON ")
msgs = [data[0]] + [b"From MAILER-DAEMON " + m for m in data[1:]]
for i in range(0, len(msgs), 1000):
    open(f"{out}/{i // 1000:05d}.mbox", "wb").write(b"\n".join(msgs[i:i + 1000]) + b"\n")
PY
echo "== POST /v1/ingest/messages, $(ls "$parts" | wc -l) uploads of 1000 messages"
t0=$(date +%s.%N)
for f in "$parts"/*.mbox; do
    curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/mbox' --data-binary @"$f" "$url/v1/ingest/messages" >/dev/null
done
t1=$(date +%s.%N)
python3 -c "import sys; n=int(sys.argv[3]); s=float(sys.argv[2])-float(sys.argv[1]); print(f'{n} messages in {s:.1f} s: {n/s:.0f} messages/s')" "$t0" "$t1" "$(grep -c '^From MAILER-DAEMON ' "$mbox")"
grep -E "VmRSS|VmHWM" /proc/$pid/status
kill -TERM $pid; wait $pid || true

#!/usr/bin/env bash
# Webhook ingest over HTTP into a fresh SQLite file, load generator on the same machine (wrk,
# 2 threads, 64 connections, 20 s each):
#   1. one Postmark bounce per call, each to a new address (the shape of SES, Postmark, Mailgun,
#      Brevo, Resend and Postal: one event a call): events/s;
#   2. Mailjet-style arrays of 50 bounces per call (SendGrid, SparkPost, Mailjet and Azure batch
#      their events): events/s;
#   3. RSS of serve (VmRSS and peak VmHWM) after the runs.
# Postmark and Mailjet are checked by basic auth (their scheme); the signature checks of the
# others cost microseconds (`cargo test -p tuixin-server webhooks` covers them).
# Needs wrk (Debian: apt-get install wrk) and curl. Usage: bench/webhooks.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=${BENCH_DIR:-/tmp/tuixin-bench}
mkdir -p "$work"
cargo build --release --locked -q -p tuixin-cli
bin=${CARGO_TARGET_DIR:-target}/release/tuixin

cat >"$work/webhooks.toml" <<'TOML'
[webhooks.postmark]
username = "bench"
password = "bench-password"
[webhooks.mailjet]
username = "bench"
password = "bench-password"
TOML
db="$work/webhooks.db"
rm -f "$db" "$db-wal" "$db-shm"
out="$work/serve-webhooks.out"
"$bin" serve --db "$db" --http 127.0.0.1:0 --config "$work/webhooks.toml" >"$out" 2>"$work/serve-webhooks.err" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q listening "$out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$out" | head -1)
auth="Basic $(printf 'bench:bench-password' | base64)"

cat >"$work/postmark.lua" <<'LUA'
local n = 0
local thread_id = 0
setup = function(thread) thread:set("tid", thread_id); thread_id = thread_id + 1 end
request = function()
  n = n + 1
  local body = string.format('{"RecordType":"Bounce","Type":"HardBounce","TypeCode":1,"MessageID":"m-%d-%d","Email":"user%d-%d@example.org","From":"news@example.net","BouncedAt":"2026-12-07T10:00:00Z","Details":"smtp;550 5.1.1 <user%d-%d@example.org>: Recipient address rejected: User unknown in virtual mailbox table","Subject":"December news"}', tid, n, tid, n, tid, n)
  wrk.headers["Content-Type"] = "application/json"
  return wrk.format("POST", "/v1/webhooks/postmark", nil, body)
end
LUA
cat >"$work/mailjet.lua" <<'LUA'
local n = 0
local thread_id = 0
setup = function(thread) thread:set("tid", thread_id); thread_id = thread_id + 1 end
request = function()
  local events = {}
  for i = 1, 50 do
    n = n + 1
    events[i] = string.format('{"event":"bounce","time":1765101600,"MessageID":%d%d,"email":"mj%d-%d@example.org","hard_bounce":true,"blocked":false,"error_related_to":"recipient","error":"user unknown","comment":"550 5.1.1 <mj%d-%d@example.org>: Recipient address rejected: User unknown"}', tid + 1, n, tid, n, tid, n)
  end
  wrk.headers["Content-Type"] = "application/json"
  return wrk.format("POST", "/v1/webhooks/mailjet", nil, "[" .. table.concat(events, ",") .. "]")
end
LUA
echo "== one Postmark bounce per call"
wrk -t2 -c64 -d20s --latency -H "Authorization: $auth" -s "$work/postmark.lua" "$url" | grep -E "Requests/sec|Latency|50%|99%|Non-2xx"
echo "== Mailjet arrays of 50 bounces per call (events/s = requests/s x 50)"
wrk -t2 -c16 -d20s --latency -H "Authorization: $auth" -s "$work/mailjet.lua" "$url" | grep -E "Requests/sec|Latency|50%|99%|Non-2xx"
grep -E "VmRSS|VmHWM" /proc/$pid/status
"$bin" stats --db "$db" 2>/dev/null | head -5 || true

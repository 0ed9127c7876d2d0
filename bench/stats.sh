#!/usr/bin/env bash
# Statistics on 1,000,000 stored events: builds the database with bench/store.sh N (default
# 1,000,000 generated Postfix DSNs, ingested end to end) unless $BENCH_DIR/bench.db exists, then
# runs the criterion bench crates/tuixin-store/benches/stats.rs on it (the summary over every
# event and over one day, daily and hourly series, the sources' health) and shows the query
# plans. The database takes about 4 GB: BENCH_DIR=/dev/shm/... keeps it off a small disk.
# With TUIXIN_BENCH_DATABASE_URL (an empty PostgreSQL database) store.sh fills that too, and the
# bench runs on it as well. Usage: bench/stats.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
work=${BENCH_DIR:-/tmp/tuixin-bench}
if [ ! -f "$work/bench.db" ]; then
    bench/store.sh "$n"
    rm -f "$work/dsn-$n.mbox"
fi
echo "load average: $(cut -d" " -f1-3 /proc/loadavg)"
TUIXIN_BENCH_STATS_DB="sqlite:$work/bench.db" cargo bench --locked -q -p tuixin-store --bench stats
if [ -n "${TUIXIN_BENCH_DATABASE_URL:-}" ]; then
    TUIXIN_BENCH_STATS_DB="$TUIXIN_BENCH_DATABASE_URL" cargo bench --locked -q -p tuixin-store --bench stats
fi

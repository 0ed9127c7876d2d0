#!/usr/bin/env bash
# Whole-run benchmark of `tuixin parse`: mails per second and MB per second with 1 decoding thread
# (`-j 1`; reading and writing have a thread each) and with
# all threads, and peak resident memory, over inputs generated here from ../shared/corpus (never
# committed): the corpus repeated into a folder of about 6,000 files, and into one mbox of about
# SIZE_MB megabytes (default 1024). Usage: bench/run.sh [SIZE_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-1024}
work=${BENCH_DIR:-/tmp/tuixin-bench}
corpus=../shared/corpus/set-of-emails/maildir/bsd
mkdir -p "$work"

cargo build --release --locked -q
bin=target/release/tuixin

# The folder: the LF corpus copied until it holds about 6,000 files.
if [ ! -d "$work/folder" ]; then
    mkdir -p "$work/folder"
    n=0
    while [ "$n" -lt 6000 ]; do
        for f in "$corpus"/*.eml; do
            cp "$f" "$work/folder/$n.eml"
            n=$((n + 1))
            [ "$n" -ge 6000 ] && break
        done
    done
fi

# The mbox: each corpus message behind a From_ line, repeated to the size asked for.
mbox="$work/corpus-${size_mb}mb.mbox"
if [ ! -f "$mbox" ]; then
    one="$work/one.mbox"
    : > "$one"
    for f in "$corpus"/*.eml; do
        if head -c 5 "$f" | grep -q '^From '; then
            cat "$f" >> "$one"
        else
            printf 'From bench@example.com Thu Jan  1 00:00:00 2026\n' >> "$one"
            sed 's/^From />From /' "$f" >> "$one"
        fi
        printf '\n' >> "$one"
    done
    one_bytes=$(stat -c %s "$one")
    copies=$(( size_mb * 1024 * 1024 / one_bytes + 1 ))
    for _ in $(seq "$copies"); do cat "$one"; done > "$mbox"
fi

measure() { # label, threads, input: a warm-up run (which counts the messages), then three
    # timed runs; the median time and the largest peak resident memory.
    local label=$1 threads=$2 input=$3 bytes messages secs kb times=() peak=0
    bytes=$(du -sb "$input" | cut -f1)
    messages=$("$bin" parse -j "$threads" "$input" 2>&1 >/dev/null | sed -n 's/.* \([0-9]*\) messages.*/\1/p')
    for _ in 1 2 3; do
        /usr/bin/time -f '%e %M' -o "$work/time.txt" "$bin" parse -q -j "$threads" "$input" > /dev/null
        read -r secs kb < "$work/time.txt"
        times+=("$secs")
        [ "$kb" -gt "$peak" ] && peak=$kb
    done
    secs=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
    awk -v l="$label" -v t="$threads" -v s="$secs" -v m="$messages" -v b="$bytes" -v k="$peak" \
        'BEGIN { printf "%-8s j=%-2s %8d mails %8.1f MB %7.2f s %9.0f mails/s %7.1f MB/s %7.1f MB peak RSS\n", l, t, m, b/1048576, s, m/s, b/1048576/s, k/1024 }'
}

cores=$(nproc)
for threads in 1 "$cores"; do
    measure folder "$threads" "$work/folder"
    measure mbox "$threads" "$mbox"
done

#!/bin/bash
# Live bounce corpus: makes real MTAs produce their own bounces and delay warnings on this
# machine, and stores them as tuixin test fixtures.
#
# Run by hand, as root, on a throw-away Debian 12 machine (NOT by CI):
#     bash scripts/live-corpus/run.sh [postfix] [exim] [sendmail] [opensmtpd] [courier]
# With no argument every MTA is done, one after the other.
#
# What it installs (apt): swaks, dovecot-core, dovecot-lmtpd, and in turn postfix (+postfix-pcre),
# exim4-daemon-heavy, sendmail (+python3-milter), opensmtpd, courier-mta. The MTAs conflict as the
# system MTA, so each one is purged before the next is installed (apt keeps the machine consistent
# at every step).
#
# What it changes on the machine:
#   - /etc/aliases is replaced by the test aliases below (a copy of the first original is kept
#     as /etc/aliases.live-corpus-orig and put back at the end);
#   - /usr/local/lib/live-corpus/{capture,fail}: the pipe targets of those aliases;
#   - /var/tmp/live-corpus/: captured bounces, Dovecot's maildirs, logs, the manifest;
#   - the MTA's own configuration under /etc (postfix, exim4, mail, smtpd.conf, courier) while it is
#     installed; purged with the package; for Courier also /etc/courier-b, /var/lib/courier-b and
#     /run/courier-b (its B instance, removed when it stops);
#   - daemons listen on loopback only (127.0.0.1: 25 and 2525-2527; Dovecot LMTP on 24)
#     and are all stopped at the end. No mail leaves the machine: remote domains are under
#     .test / .invalid and routed to loopback ports by transport maps / manualroutes / mailertable /
#     esmtproutes (Courier's refused route is 127.0.0.9:2599);
#     the only outside query is the DNS lookup of nowhere.invalid (answered NXDOMAIN).
#
# Topology: the MTA under test is both A (the sender: mail is injected with its sendmail command
# from bounces@vm.live.test, whose alias pipes every message it gets, i.e. the bounces, into
# /var/tmp/live-corpus/capture/) and B (the "remote" server: the same MTA listening on
# 127.0.0.1:2525-2527 with the rejecting policies; for Courier, B, and for OpenSMTPD's size limit,
# B2, are a second instance of the same MTA in its own mount namespace). A reaches B through its
# routing tables.
#
# Output: crates/tuixin-cli/tests/live/<mta>/<cause>[-N].eml, byte for byte as delivered, and
# crates/tuixin-cli/tests/live/causes.jsonl (expectations; written by collect.py).
#
# How long: 584 s for all five measured (Postfix 100 s, Exim 89 s, Sendmail 165 s, OpenSMTPD 91 s,
# Courier 135 s), with the .debs already in apt's cache; add their download on a fresh machine.
# Most of it is waiting for the short queue lifetimes (60 s Postfix and OpenSMTPD, 1-2 min
# Exim/Sendmail, 90 s Courier) and apt.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OUT="$REPO/crates/tuixin-cli/tests/live"
WORK=/var/tmp/live-corpus
LIB=/usr/local/lib/live-corpus
HOST=vm.live.test
APT=(apt-get -o DPkg::Lock::Timeout=900 -y)
export DEBIAN_FRONTEND=noninteractive

SM_OPTS=()

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

apt_install() {
    local i
    for i in 1 2 3; do
        "${APT[@]}" install --no-install-recommends "$@" >>"$WORK/apt.log" 2>&1 && { hash -r; return 0; }
        log "apt install $* failed (try $i), retrying"; sleep 10
    done
    return 1
}

apt_purge() {
    local i
    for i in 1 2 3; do
        "${APT[@]}" purge "$@" >>"$WORK/apt.log" 2>&1 && { hash -r; return 0; }
        log "apt purge $* failed (try $i), retrying"; sleep 10
    done
    return 1
}

common_setup() {
    mkdir -p "$WORK" "$WORK/capture" "$LIB"
    chmod 1777 "$WORK/capture"
    install -m 755 "$HERE/capture" "$HERE/fail" "$LIB/"
    "${APT[@]}" update >"$WORK/apt.log" 2>&1 || true
    apt_install swaks dovecot-core dovecot-lmtpd
    [ -e /etc/aliases.live-corpus-orig ] || cp -p /etc/aliases /etc/aliases.live-corpus-orig 2>/dev/null \
        || touch /etc/aliases.live-corpus-orig
    cat >/etc/aliases <<ALIASES
# live corpus test aliases (original kept in /etc/aliases.live-corpus-orig)
postmaster: root
root: bounces
bounces: "|$LIB/capture"
blocked-sender: "|$LIB/capture"
loopa: loopb
loopb: loopa
pipe1: "|$LIB/fail 1"
pipe67: "|$LIB/fail 67"
pipe75: "|$LIB/fail 75"
ALIASES
    rm -rf "$WORK/vmail"; mkdir -p "$WORK/vmail"; chown mail:mail "$WORK/vmail"
    # Dovecot's LMTP with a 1 KiB quota for every user (the "mailbox full" cause).
    dovecot_stop
    dovecot -c "$HERE/dovecot.conf"
}

dovecot_stop() {
    local i
    dovecot -c "$HERE/dovecot.conf" stop >/dev/null 2>&1 || true
    for i in $(seq 20); do [ -e /run/live-corpus-dovecot/master.pid ] || break; sleep 0.5; done
}

common_teardown() {
    dovecot_stop
    if [ -e /etc/aliases.live-corpus-orig ]; then mv /etc/aliases.live-corpus-orig /etc/aliases; fi
    if [ -e /etc/hosts.live-corpus-orig ]; then cat /etc/hosts.live-corpus-orig >/etc/hosts && rm /etc/hosts.live-corpus-orig; fi
    return 0
}

# message TAG FROM SIZE_BYTES [EXTRA_HEADER]: a test message on stdout; the tag is in the Subject and
# Message-ID, so that the collector finds which bounce answers which message.
message() {
    local tag=$1 from=$2 size=${3:-0} extra=${4:-}
    printf 'From: %s\nTo: undisclosed-recipients:;\nSubject: live corpus %s\nMessage-ID: <%s.%s@%s>\nDate: %s\nMIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n' \
        "$from" "$tag" "$tag" "$(date +%s)" "$HOST" "$(date -R)"
    [ -n "$extra" ] && printf '%s\n' "$extra"
    printf '\nThis message was sent by the tuixin live-corpus script to make %s bounce.\n' "$tag"
    [ -n "${BODY_EXTRA:-}" ] && printf '%s\n' "$BODY_EXTRA"
    if [ "$size" -gt 0 ]; then
        head -c "$size" /dev/zero | tr '\0' 'x' | fold -w 76
        echo
    fi
}

# expect MTA VERSION CAUSE TAG ACTION REASON RECIPIENTS(comma list): one expected bounce.
expect() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$WORK/manifest.tsv"; }

# send TAG FROM SIZE EXTRA_HEADER RCPT... : inject with the MTA's sendmail command.
send() {
    local tag=$1 from=$2 size=$3 extra=$4; shift 4
    message "$tag" "$from" "$size" "$extra" | "${SENDMAIL:-/usr/sbin/sendmail}" "${SM_OPTS[@]}" -f "$from" -- "$@" || log "sendmail exited $? for $tag"
}

# wait_for SECONDS TAG...: until every tag has been captured as often as the manifest expects.
wait_for() {
    local limit=$1 flush=$2 start; start=$(date +%s)
    while :; do
        if python3 "$HERE/collect.py" --pending "$WORK" >/dev/null; then return 0; fi
        [ $(( $(date +%s) - start )) -ge "$limit" ] && { log "gave up waiting: $(python3 "$HERE/collect.py" --pending "$WORK")"; return 0; }
        eval "$flush" >/dev/null 2>&1 || true
        sleep 5
    done
}

# pkill_pidfile FILE: stop the daemon whose pid the file holds (and only that one).
pkill_pidfile() {
    if [ -s "$1" ]; then kill "$(head -n1 "$1")" 2>/dev/null || true; sleep 1; fi
}

source "$HERE/postfix.sh"
source "$HERE/exim.sh"
source "$HERE/sendmail.sh"
source "$HERE/opensmtpd.sh"
source "$HERE/courier.sh"

main() {
    local mtas=("$@") t0; t0=$(date +%s)
    [ ${#mtas[@]} -eq 0 ] && mtas=(postfix exim sendmail opensmtpd courier)
    common_setup
    # On an error: stop and purge the MTA in hand, put the machine's files back.
    trap 'rc=$?; [ $rc -eq 0 ] || { log "failed ($rc)"; "stop_$mta" || true; common_teardown; }' EXIT
    local mta
    for mta in "${mtas[@]}"; do
        log "== $mta"
        rm -f "$WORK/capture/"*.eml "$WORK/manifest.tsv"
        "run_$mta"
        python3 "$HERE/collect.py" --write "$WORK" "$OUT"
        "stop_$mta"
    done
    common_teardown
    log "done in $(( $(date +%s) - t0 )) s"
}

main "$@"

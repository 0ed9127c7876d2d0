# Courier: A is the system Courier (courierd; mail injected with its sendmail command). B is a
# second, separate Courier instance: the same binaries run in a private mount namespace
# (unshare -m) where /etc/courier, /var/lib/courier and /run/courier are bind mounts of
# /etc/courier-b, /var/lib/courier-b and /run/courier-b, with its own configuration (me
# b.live.test), queue, filters and authdaemon. B's esmtpd listens on 127.0.0.1:2525 (policies:
# local domain b.live.test, no relaying for 127.0.0.1, bofh badfrom, a perlfilter for the header
# check, the body check and a 451 for tempfail.test) and its esmtpd-msa on :2526 with
# SIZELIMIT=4000. A reaches B through esmtproutes. Everything B accepts is routed to the closed
# port 127.0.0.9:2599 (it accepts nothing in this run). The refused route is 127.0.0.9:2599, not
# 127.0.0.1: a host whose connections fail is taken for down ("Network is down") for all the
# messages to it, and B's must not be.
# SMTPUTF8: B (Courier 1.0.16) offers SMTPUTF8, so A runs with COURIER_ESMTP_DEBUG_NOSMTPUTF8=1,
# Courier's own switch that makes its SMTP client treat the server as not offering it (the
# bounce is the one Courier sends to a server without SMTPUTF8).
# shellcheck shell=bash

CB=/etc/courier-b

courier_b() { # run a command in B's namespace (B's esmtpd is in it)
    nsenter -m -t "$(head -n1 /run/courier-b/esmtpd.pid)" "$@"
}

courier_stop_all() {
    if [ -s /run/courier-b/esmtpd.pid ]; then
        courier_b sh -c 'esmtpd stop; esmtpd-msa stop; courierfilter stop; courier stop; authdaemond stop' >/dev/null 2>&1 || true
        sleep 2
    fi
    if command -v courier >/dev/null; then
        esmtpd stop >/dev/null 2>&1 || true
        courier stop >/dev/null 2>&1 || true
        authdaemond stop >/dev/null 2>&1 || true
    fi
    sleep 1
}

run_courier() {
    apt_install courier-mta
    courier_stop_all
    local v; v="Courier $(dpkg-query -W -f '${Version}' courier-mta | sed 's/-.*//')"
    local C=/etc/courier M=$WORK/courier-maildir
    # --- A ---
    echo "$HOST" >$C/me
    echo "$HOST" >$C/defaultdomain
    printf 'localhost\n%s\n' "$HOST" >$C/locals
    echo "mailer-daemon@$HOST" >$C/dsnfrom
    # Short queue times: a delay warning after 20 s, give up after 90 s, retry every 10 s.
    echo 90s >$C/queuetime
    echo 20s >$C/warntime
    echo 10s >$C/retryalpha; echo 2 >$C/retrybeta; echo 10s >$C/retrygamma; echo 1 >$C/retrymaxdelta
    grep -q '^COURIER_ESMTP_DEBUG_NOSMTPUTF8=' $C/courierd || echo 'COURIER_ESMTP_DEBUG_NOSMTPUTF8=1' >>$C/courierd
    cat >$C/esmtproutes <<'R'
b.live.test: [127.0.0.1],2525
relay.test: [127.0.0.1],2525
tempfail.test: [127.0.0.1],2525
filter.test: [127.0.0.1],2525
accept.test: [127.0.0.1],2525
utf8.test: [127.0.0.1],2525
big.test: [127.0.0.1],2526
refused.test: [127.0.0.9],2599
R
    cat >$C/aliases/system <<'A'
postmaster: bounces
root: bounces
mailer-daemon: bounces
loopa: loopb
loopb: loopa
A
    # Courier's aliases name addresses only; programs and maildirs are in aliasdir's .courier files.
    rm -f $C/aliasdir/.courier-*
    for n in bounces blocked-sender; do echo "|$LIB/capture" >$C/aliasdir/.courier-$n; done
    for n in 1 67; do echo "|$LIB/fail $n" >$C/aliasdir/.courier-pipe$n; done
    # Mailbox full: a maildir with a 1000-byte quota (maildirsize), delivered by Courier itself
    # (full) and by Courier's deliverquota (fullq).
    rm -rf "$M" "$M-q"
    maildirmake.courier -q 1000S "$M"; maildirmake.courier -q 1000S "$M-q"
    chown -R courier:courier "$M" "$M-q"
    echo "$M/" >$C/aliasdir/.courier-full
    echo "| /usr/bin/deliverquota.courier $M-q" >$C/aliasdir/.courier-fullq
    chown courier:courier $C/aliasdir/.courier-*; chmod 644 $C/aliasdir/.courier-*
    makealiases
    rm -rf /var/lib/courier/msgq/* /var/lib/courier/msgs/* 2>/dev/null || true
    # --- B: a copy of A's configuration, changed ---
    rm -rf "$CB" /var/lib/courier-b /run/courier-b
    cp -a $C "$CB"
    (cd /var/lib/courier && find . -type d) | while read -r d; do
        mkdir -p "/var/lib/courier-b/$d"
        chown --reference="/var/lib/courier/$d" "/var/lib/courier-b/$d"
        chmod --reference="/var/lib/courier/$d" "/var/lib/courier-b/$d"
    done
    mkdir -p /run/courier-b/authdaemon
    chown --reference=/run/courier /run/courier-b; chmod --reference=/run/courier /run/courier-b
    chown --reference=/run/courier/authdaemon /run/courier-b/authdaemon
    chmod --reference=/run/courier/authdaemon /run/courier-b/authdaemon
    echo b.live.test >$CB/me; echo b.live.test >$CB/defaultdomain; echo b.live.test >$CB/locals
    echo mailer-daemon@b.live.test >$CB/dsnfrom
    sed -i '/^COURIER_ESMTP_DEBUG_NOSMTPUTF8=/d' $CB/courierd
    echo ': [127.0.0.9],2599' >$CB/esmtproutes
    printf 'accept.test\nfilter.test\ntempfail.test\nutf8.test\nbig.test\n' >$CB/esmtpacceptmailfor.dir/live
    echo "badfrom blocked-sender@$HOST" >$CB/bofh
    printf '127.0.0.1\tallow\n' >$CB/smtpaccess/default
    echo 'postmaster: root' >$CB/aliases/system
    rm -f $CB/aliasdir/.courier-*
    # A opens several connections at once: B's default limit of 5 per IP address would drop some,
    # and Courier then takes the host for down ("Network is down") for the other messages.
    sed -i -e 's/^PORT=.*/PORT=2525/' -e 's/^BOFHCHECKDNS=.*/BOFHCHECKDNS=0/' -e 's/^TARPIT=.*/TARPIT=0/' \
        -e 's/^MAXPERIP=.*/MAXPERIP=100/' -e 's/^MAXPERC=.*/MAXPERC=100/' $CB/esmtpd
    echo 'ADDRESS=127.0.0.1' >>$CB/esmtpd
    sed -i -e 's/^PORT=.*/PORT=2526/' -e 's/^ESMTPDSTART=.*/ESMTPDSTART=YES/' -e 's/^BOFHCHECKDNS=.*/BOFHCHECKDNS=0/' \
        -e 's/^ADDRESS=.*/ADDRESS=127.0.0.1/' \
        -e 's/^MAXPERIP=.*/MAXPERIP=100/' -e 's/^MAXPERC=.*/MAXPERC=100/' $CB/esmtpd-msa
    echo 'SIZELIMIT=4000' >>$CB/esmtpd-msa
    echo esmtp >$CB/enablefiltering
    install -m 644 "$HERE/courier-filter.pl" $CB/live-filter.pl
    echo /etc/courier/live-filter.pl >$CB/filters/perlfilter
    echo all >$CB/filters/perlfilter-mode
    echo 1 >$CB/filters/perlfilter-numprocs
    unshare -m --propagation private sh -c '
        set -e
        mount --bind /etc/courier-b /etc/courier
        mount --bind /var/lib/courier-b /var/lib/courier
        mount --bind /run/courier-b /run/courier
        makealiases; makeacceptmailfor; makesmtpaccess
        filterctl start perlfilter
        authdaemond start; courier start; courierfilter start; esmtpd start; esmtpd-msa start'
    # --- start A ---
    authdaemond start
    courier start
    sleep 2

    local a=bounces@$HOST
    send LC-courier-unknown-user "$a" 0 "" nosuchuser@$HOST
    expect courier "$v" unknown-user LC-courier-unknown-user failed userunknown nosuchuser@$HOST
    send LC-courier-unknown-user-remote "$a" 0 "" remote-nosuchuser@b.live.test
    expect courier "$v" unknown-user LC-courier-unknown-user-remote failed userunknown remote-nosuchuser@b.live.test
    send LC-courier-unknown-domain "$a" 0 "" someone@nowhere.invalid
    expect courier "$v" unknown-domain LC-courier-unknown-domain failed hostunknown someone@nowhere.invalid
    send LC-courier-mailbox-full "$a" 3000 "" full@$HOST
    expect courier "$v" mailbox-full LC-courier-mailbox-full failed mailboxfull full@$HOST
    expect courier "$v" delay-warning LC-courier-mailbox-full delayed mailboxfull full@$HOST
    send LC-courier-mailbox-full-q "$a" 3000 "" fullq@$HOST
    expect courier "$v" mailbox-full LC-courier-mailbox-full-q failed mailboxfull fullq@$HOST
    send LC-courier-too-big "$a" 8000 "" someone@big.test
    expect courier "$v" too-big LC-courier-too-big failed mesgtoobig someone@big.test
    send LC-courier-relay-denied "$a" 0 "" someone@relay.test
    expect courier "$v" relay-denied LC-courier-relay-denied failed norelaying someone@relay.test
    send LC-courier-connection-refused "$a" 0 "" someone@refused.test
    expect courier "$v" connection-refused LC-courier-connection-refused failed networkerror someone@refused.test
    expect courier "$v" delay-warning LC-courier-connection-refused delayed networkerror someone@refused.test
    send LC-courier-queue-expired "$a" 0 "" someone@tempfail.test
    expect courier "$v" queue-expired LC-courier-queue-expired failed expired someone@tempfail.test
    expect courier "$v" delay-warning LC-courier-queue-expired delayed "*" someone@tempfail.test
    send LC-courier-header-check "$a" 0 "X-Live-Corpus: forbidden-header" someone@filter.test
    expect courier "$v" header-check LC-courier-header-check failed contenterror someone@filter.test
    BODY_EXTRA="Buy cheap pharmacy pills now" send LC-courier-body-check "$a" 0 "" someone@filter.test
    expect courier "$v" body-check LC-courier-body-check failed spamdetected someone@filter.test
    send LC-courier-sender-blocked blocked-sender@$HOST 0 "" someone@accept.test
    expect courier "$v" sender-blocked LC-courier-sender-blocked failed rejected someone@accept.test
    send LC-courier-alias-loop "$a" 0 "" loopa@$HOST
    # Courier reports no loop: makealiases drops the looping aliases and the address is unknown.
    expect courier "$v" alias-loop LC-courier-alias-loop failed userunknown loopa@$HOST
    send LC-courier-pipe-failure "$a" 0 "" pipe67@$HOST
    # Courier writes only what the command printed (nothing here): Status 5.0.0 and no text.
    expect courier "$v" pipe-failure LC-courier-pipe-failure failed undefined pipe67@$HOST
    send LC-courier-pipe-failure-1 "$a" 0 "" pipe1@$HOST
    # Exit 1 is temporary for Courier: delay warning, then the bounce when queuetime is over (no text).
    expect courier "$v" pipe-failure LC-courier-pipe-failure-1 failed undefined pipe1@$HOST
    expect courier "$v" delay-warning LC-courier-pipe-failure-1 delayed "*" pipe1@$HOST
    send LC-courier-smtputf8 "$a" 0 "" "jörg@utf8.test"
    expect courier "$v" smtputf8 LC-courier-smtputf8 failed contenterror "jörg@utf8.test"
    send LC-courier-many-recipients "$a" 0 "" nobody1@b.live.test nobody2@b.live.test nobody3@b.live.test nobody4@b.live.test nobody5@b.live.test
    expect courier "$v" many-recipients LC-courier-many-recipients failed userunknown nobody1@b.live.test,nobody2@b.live.test,nobody3@b.live.test,nobody4@b.live.test,nobody5@b.live.test
    wait_for 240 ":"
}

stop_courier() {
    courier_stop_all
    rm -rf "$CB" /var/lib/courier-b /run/courier-b
    apt_purge courier-mta courier-base courier-authdaemon courier-authlib courier-authlib-userdb
    # The purge keeps the directories holding files it did not install (me, esmtproutes, ...).
    rm -rf /etc/courier /var/lib/courier /run/courier
}

# OpenSMTPD: A and B are one smtpd. A's mail comes from the local socket (the sendmail command,
# "from socket" rules); B is the listener on 127.0.0.1:2525 (tag B) with built-in filters (sender,
# tempfail) and a proc-exec filter (opensmtpd-filter.py: the header and body checks, OpenSMTPD's
# filter protocol, smtpd-filters(7)). A reaches it with "relay host" actions.
# The size limit is global in OpenSMTPD (smtp max-message-size), so B2, the server with the 4000-byte
# limit on 127.0.0.1:2526, is a second smtpd in its own mount namespace (unshare -m; its
# /var/spool/smtpd and /run are bind mounts of /var/spool/smtpd-b2 and /run/smtpd-b2).
# OpenSMTPD reports no alias loop of its own (see README.md).
# shellcheck shell=bash

run_opensmtpd() {
    apt_install opensmtpd
    pkill_pidfile /run/smtpd-b2/smtpd.pid
    pkill_pidfile /run/smtpd.pid
    local v; v="OpenSMTPD $(dpkg-query -W -f '${Version}' opensmtpd | sed 's/-.*//')"
    cat >/etc/smtpd.conf <<'CF'
# Live corpus configuration.
queue ttl 1m
bounce warn-interval 20s
table aliases file:/etc/aliases
table remote_users { "remote-nosuchuser@vm.live.test", "loopa@vm.live.test", "nobody1@vm.live.test", "nobody2@vm.live.test", \
    "nobody3@vm.live.test", "nobody4@vm.live.test", "nobody5@vm.live.test" }

filter "sender-blocked" phase mail-from match mail-from regex "^blocked-sender@" \
    reject "550 5.7.1 Sender address rejected: blocked by policy"
filter "tempfail" phase rcpt-to match rcpt-to regex "@tempfail[.]test$" \
    reject "451 4.3.0 Temporary failure, please try again later"

filter "content" proc-exec "/usr/local/lib/live-corpus/opensmtpd-filter.py"

listen on 127.0.0.1 port 2525 hostname b.live.test tag B filter { "sender-blocked", "tempfail", "content" }

action "local" mbox alias <aliases>
action "to_b" relay host smtp://127.0.0.1:2525
action "to_b2" relay host smtp://127.0.0.1:2526
action "to_closed" relay host smtp://127.0.0.1:2599
# The refused route has an address of its own: OpenSMTPD disables a route per address, and one
# shared with B (127.0.0.1) stays usable, which kept the envelope in flight past its lifetime.
action "to_refused" relay host smtp://127.0.0.9:2599
action "to_dovecot" lmtp "127.0.0.1:24" rcpt-to virtual { "full@quota.test" = "nobody" }
action "dns" relay helo vm.live.test

# B, the "remote" server (tempfail.test, accept.test and filter.test must match a rule for the
# filters to see them)
match tag B for domain "vm.live.test" action "local"
match tag B for domain { "tempfail.test", "accept.test", "filter.test" } action "to_closed"

# A, the sender
match from socket for rcpt-to <remote_users> action "to_b"
match from socket for domain "vm.live.test" action "local"
match from socket for domain { "relay.test", "tempfail.test", "accept.test", "filter.test" } action "to_b"
match from socket for domain "big.test" action "to_b2"
match from socket for domain "refused.test" action "to_refused"
match from socket for domain "quota.test" action "to_dovecot"
match from socket for domain "nowhere.invalid" action "dns"
CF
    rm -rf /var/spool/smtpd/queue/* /var/spool/smtpd/corrupt/* /var/spool/smtpd/incoming/* 2>/dev/null || true
    install -m 755 "$HERE/opensmtpd-filter.py" "$LIB/"
    smtpd -n -f /etc/smtpd.conf
    smtpd -f /etc/smtpd.conf
    # A creates /var/spool/smtpd (the mount point for B2's queue) while it starts: wait for it.
    sleep 2
    # B2: the 4000-byte limit, a second smtpd with its own queue and control socket.
    cat >/etc/smtpd-b2.conf <<'CF'
# Live corpus: B2, the server with a size limit (a second smtpd, see opensmtpd.sh).
smtp max-message-size 4000
listen on 127.0.0.1 port 2526 hostname b2.live.test
action "nowhere" relay host smtp://127.0.0.9:2599
match from any for domain "big.test" action "nowhere"
CF
    rm -rf /var/spool/smtpd-b2 /run/smtpd-b2; mkdir -p /var/spool/smtpd-b2 /run/smtpd-b2
    chmod 711 /var/spool/smtpd-b2
    smtpd -n -f /etc/smtpd-b2.conf
    unshare -m --propagation private sh -c '
        set -e
        mount --bind /var/spool/smtpd-b2 /var/spool/smtpd
        mount --bind /run/smtpd-b2 /run
        smtpd -f /etc/smtpd-b2.conf'
    sleep 2

    local a=bounces@$HOST
    # A local unknown user and an alias loop are refused at submission (the sendmail command says
    # "550 Invalid recipient" / "524 5.2.4 Mailing list expansion problem"): no bounce to collect.
    send LC-opensmtpd-unknown-user-remote "$a" 0 "" remote-nosuchuser@$HOST
    expect opensmtpd "$v" unknown-user LC-opensmtpd-unknown-user-remote failed userunknown remote-nosuchuser@$HOST
    send LC-opensmtpd-unknown-domain "$a" 0 "" someone@nowhere.invalid
    expect opensmtpd "$v" unknown-domain LC-opensmtpd-unknown-domain failed hostunknown someone@nowhere.invalid
    send LC-opensmtpd-mailbox-full "$a" 3000 "" full@quota.test
    # OpenSMTPD's LMTP delivery takes Dovecot's 552 as a temporary failure: delay warnings, then
    # expiry. The expiry notice is written with the delay template (Action: delayed, Status 4.4.7,
    # "full@quota.test: Envelope expired"; see collect.py) and names no cause but the expiry.
    expect opensmtpd "$v" delay-warning LC-opensmtpd-mailbox-full delayed mailboxfull full@quota.test
    expect opensmtpd "$v" mailbox-full LC-opensmtpd-mailbox-full failed expired full@quota.test
    send LC-opensmtpd-too-big "$a" 8000 "" someone@big.test
    expect opensmtpd "$v" too-big LC-opensmtpd-too-big failed mesgtoobig someone@big.test
    send LC-opensmtpd-header-check "$a" 0 "X-Live-Corpus: forbidden-header" someone@filter.test
    expect opensmtpd "$v" header-check LC-opensmtpd-header-check failed contenterror someone@filter.test
    BODY_EXTRA="Buy cheap pharmacy pills now" send LC-opensmtpd-body-check "$a" 0 "" someone@filter.test
    expect opensmtpd "$v" body-check LC-opensmtpd-body-check failed spamdetected someone@filter.test
    send LC-opensmtpd-relay-denied "$a" 0 "" someone@relay.test
    expect opensmtpd "$v" relay-denied LC-opensmtpd-relay-denied failed userunknown someone@relay.test
    # Refused connection: "Network error on destination MXs" in the delay warning; the expiry
    # notice (see above) names only the expiry.
    send LC-opensmtpd-connection-refused "$a" 0 "" someone@refused.test
    expect opensmtpd "$v" delay-warning LC-opensmtpd-connection-refused delayed networkerror someone@refused.test
    expect opensmtpd "$v" connection-refused LC-opensmtpd-connection-refused failed expired someone@refused.test
    send LC-opensmtpd-queue-expired "$a" 0 "" someone@tempfail.test
    expect opensmtpd "$v" delay-warning LC-opensmtpd-queue-expired delayed "*" someone@tempfail.test
    expect opensmtpd "$v" queue-expired LC-opensmtpd-queue-expired failed expired someone@tempfail.test
    send LC-opensmtpd-sender-blocked blocked-sender@$HOST 0 "" someone@accept.test
    expect opensmtpd "$v" sender-blocked LC-opensmtpd-sender-blocked failed rejected someone@accept.test
    # A refuses a local alias loop at submission; sent to B, the loop is B's RCPT reply in A's bounce
    # ("524 5.2.4 Mailing list expansion problem"): a fault of the receiving system's aliases.
    send LC-opensmtpd-alias-loop "$a" 0 "" loopa@$HOST
    expect opensmtpd "$v" alias-loop LC-opensmtpd-alias-loop failed systemerror loopa@$HOST
    send LC-opensmtpd-pipe-failure "$a" 0 "" pipe1@$HOST
    expect opensmtpd "$v" pipe-failure LC-opensmtpd-pipe-failure failed mailererror pipe1@$HOST
    send LC-opensmtpd-pipe-failure-67 "$a" 0 "" pipe67@$HOST
    expect opensmtpd "$v" pipe-failure LC-opensmtpd-pipe-failure-67 failed mailererror pipe67@$HOST
    send LC-opensmtpd-many-recipients "$a" 0 "" nobody1@$HOST nobody2@$HOST nobody3@$HOST nobody4@$HOST nobody5@$HOST
    expect opensmtpd "$v" many-recipients LC-opensmtpd-many-recipients failed userunknown nobody1@$HOST,nobody2@$HOST,nobody3@$HOST,nobody4@$HOST,nobody5@$HOST
    wait_for 150 "smtpctl schedule all"
}

stop_opensmtpd() {
    pkill_pidfile /run/smtpd-b2/smtpd.pid
    rm -rf /var/spool/smtpd-b2 /run/smtpd-b2 /etc/smtpd-b2.conf
    pkill_pidfile /run/smtpd.pid
    apt_purge opensmtpd
}

# OpenSMTPD: A and B are one smtpd. A's mail comes from the local socket (the sendmail command,
# "from socket" rules); B is the listeners on 127.0.0.1:2525 (tag B, with built-in filters) and
# :2526 (tag BSMALL). A reaches them with "relay host" actions.
# OpenSMTPD has no per-listener size limit, no header or body checks without an external filter
# process, and no alias-loop report of its own (see README.md), so those causes are not made here.
# shellcheck shell=bash

run_opensmtpd() {
    apt_install opensmtpd
    pkill_pidfile /run/smtpd.pid
    local v; v="OpenSMTPD $(dpkg-query -W -f '${Version}' opensmtpd | sed 's/-.*//')"
    cat >/etc/smtpd.conf <<'CF'
# Live corpus configuration.
queue ttl 1m
bounce warn-interval 20s
table aliases file:/etc/aliases
table remote_users { "remote-nosuchuser@vm.live.test", "nobody1@vm.live.test", "nobody2@vm.live.test", \
    "nobody3@vm.live.test", "nobody4@vm.live.test", "nobody5@vm.live.test" }

filter "sender-blocked" phase mail-from match mail-from regex "^blocked-sender@" \
    reject "550 5.7.1 Sender address rejected: blocked by policy"
filter "tempfail" phase rcpt-to match rcpt-to regex "@tempfail[.]test$" \
    reject "451 4.3.0 Temporary failure, please try again later"

listen on 127.0.0.1 port 2525 hostname b.live.test tag B filter { "sender-blocked", "tempfail" }

action "local" mbox alias <aliases>
action "to_b" relay host smtp://127.0.0.1:2525
action "to_closed" relay host smtp://127.0.0.1:2599
action "to_dovecot" lmtp "127.0.0.1:24" rcpt-to virtual { "full@quota.test" = "nobody" }
action "dns" relay helo vm.live.test

# B, the "remote" server (tempfail.test and accept.test must match a rule for the filters to see them)
match tag B for domain "vm.live.test" action "local"
match tag B for domain { "tempfail.test", "accept.test" } action "to_closed"

# A, the sender
match from socket for rcpt-to <remote_users> action "to_b"
match from socket for domain "vm.live.test" action "local"
match from socket for domain { "relay.test", "tempfail.test", "accept.test" } action "to_b"
match from socket for domain "refused.test" action "to_closed"
match from socket for domain "quota.test" action "to_dovecot"
match from socket for domain "nowhere.invalid" action "dns"
CF
    rm -rf /var/spool/smtpd/queue/* /var/spool/smtpd/corrupt/* /var/spool/smtpd/incoming/* 2>/dev/null || true
    smtpd -n -f /etc/smtpd.conf
    smtpd -f /etc/smtpd.conf
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
    # expiry. In our runs the expired envelopes produced no bounce at all (smtpctl show stats:
    # scheduler.envelope.expired=2, nothing delivered), so only the delay warnings are expected.
    expect opensmtpd "$v" delay-warning LC-opensmtpd-mailbox-full delayed mailboxfull full@quota.test
    send LC-opensmtpd-relay-denied "$a" 0 "" someone@relay.test
    expect opensmtpd "$v" relay-denied LC-opensmtpd-relay-denied failed userunknown someone@relay.test
    # No connection-refused case: OpenSMTPD 6.8 keeps the envelope in flight while its connector
    # retries the refused route, past the queue lifetime (still in flight after 4 minutes here), so
    # neither a delay warning nor a bounce comes within the run.
    send LC-opensmtpd-queue-expired "$a" 0 "" someone@tempfail.test
    expect opensmtpd "$v" delay-warning LC-opensmtpd-queue-expired delayed "*" someone@tempfail.test
    send LC-opensmtpd-sender-blocked blocked-sender@$HOST 0 "" someone@accept.test
    expect opensmtpd "$v" sender-blocked LC-opensmtpd-sender-blocked failed rejected someone@accept.test
    send LC-opensmtpd-pipe-failure "$a" 0 "" pipe1@$HOST
    expect opensmtpd "$v" pipe-failure LC-opensmtpd-pipe-failure failed mailererror pipe1@$HOST
    send LC-opensmtpd-pipe-failure-67 "$a" 0 "" pipe67@$HOST
    expect opensmtpd "$v" pipe-failure LC-opensmtpd-pipe-failure-67 failed mailererror pipe67@$HOST
    send LC-opensmtpd-many-recipients "$a" 0 "" nobody1@$HOST nobody2@$HOST nobody3@$HOST nobody4@$HOST nobody5@$HOST
    expect opensmtpd "$v" many-recipients LC-opensmtpd-many-recipients failed userunknown nobody1@$HOST,nobody2@$HOST,nobody3@$HOST,nobody4@$HOST,nobody5@$HOST
    wait_for 150 "smtpctl schedule all"
}

stop_opensmtpd() {
    pkill_pidfile /run/smtpd.pid
    apt_purge opensmtpd
}

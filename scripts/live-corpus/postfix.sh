# Postfix: A and B are one Postfix; B is the smtpd services on 127.0.0.1:2525-2527 (master.cf).
# shellcheck shell=bash

run_postfix() {
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    apt_install postfix postfix-pcre
    postfix stop >/dev/null 2>&1 || true
    local v; v="Postfix $(postconf -dh mail_version)"
    cat >/etc/postfix/main.cf <<CF
compatibility_level = 3.6
myhostname = $HOST
mydomain = live.test
myorigin = \$myhostname
mydestination = \$myhostname, localhost
inet_interfaces = loopback-only
inet_protocols = ipv4
# Nobody is trusted: the only SMTP client is A itself, and B must treat it as a stranger.
mynetworks = 192.0.2.0/24
relay_domains = tempfail.test accept.test filter.test
alias_maps = hash:/etc/aliases
alias_database = hash:/etc/aliases
transport_maps = hash:/etc/postfix/transport
smtputf8_enable = yes
biff = no
# Short queue times: a delay warning after 15 s, give up after 60 s.
queue_run_delay = 5s
minimal_backoff_time = 5s
maximal_backoff_time = 10s
delay_warning_time = 15s
maximal_queue_lifetime = 60s
bounce_queue_lifetime = 60s
smtp_connect_timeout = 5s
# B's policies (only SMTP clients meet them; A's mail comes in by the sendmail command).
smtpd_relay_restrictions = reject_unauth_destination
smtpd_sender_restrictions = check_sender_access pcre:/etc/postfix/live-sender.pcre
smtpd_recipient_restrictions = check_recipient_access pcre:/etc/postfix/live-rcpt.pcre
smtpd_restriction_classes = live_tempfail
live_tempfail = defer
CF
    cat >/etc/postfix/master.cf <<'CF'
smtp      inet  n       -       n       -       -       smtpd
127.0.0.1:2525 inet n   -       n       -       -       smtpd
  -o myhostname=b.live.test
  -o cleanup_service_name=cleanup-b
127.0.0.1:2526 inet n   -       n       -       -       smtpd
  -o myhostname=b2.live.test
  -o message_size_limit=4000
127.0.0.1:2527 inet n   -       n       -       -       smtpd
  -o myhostname=b3.live.test
  -o smtputf8_enable=no
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
cleanup-b unix  n       -       n       -       0       cleanup
  -o header_checks=pcre:/etc/postfix/live-header.pcre
  -o body_checks=pcre:/etc/postfix/live-body.pcre
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
CF
    cat >/etc/postfix/transport <<'CF'
remote-nosuchuser@vm.live.test  smtp:[127.0.0.1]:2525
relay.test      smtp:[127.0.0.1]:2525
tempfail.test   smtp:[127.0.0.1]:2525
filter.test     smtp:[127.0.0.1]:2525
accept.test     smtp:[127.0.0.1]:2525
big.test        smtp:[127.0.0.1]:2526
utf8.test       smtp:[127.0.0.1]:2527
refused.test    smtp:[127.0.0.1]:2599
quota.test      lmtp:inet:[127.0.0.1]:24
CF
    # B's recipient policy: tempfail.test is deferred (Postfix's own "defer" restriction), accept.test is accepted and discarded (for
    # the sender check); filter.test goes on to the header and body checks of cleanup-b.
    cat >/etc/postfix/live-rcpt.pcre <<'CF'
/@tempfail\.test$/    live_tempfail
/@accept\.test$/ DISCARD
CF
    cat >/etc/postfix/live-sender.pcre <<'CF'
/^blocked-sender@/    REJECT
CF
    cat >/etc/postfix/live-header.pcre <<'CF'
/^X-Live-Corpus: forbidden-header/  REJECT Message header X-Live-Corpus is not allowed here
CF
    cat >/etc/postfix/live-body.pcre <<'CF'
/buy cheap pharmacy pills now/      REJECT Message content rejected as spam
CF
    postmap /etc/postfix/transport
    newaliases
    postsuper -d ALL >/dev/null 2>&1 || true
    postfix start
    sleep 2

    local a=bounces@$HOST
    send LC-postfix-unknown-user "$a" 0 "" nosuchuser@$HOST
    expect postfix "$v" unknown-user LC-postfix-unknown-user failed userunknown nosuchuser@$HOST
    send LC-postfix-unknown-user-remote "$a" 0 "" remote-nosuchuser@$HOST
    expect postfix "$v" unknown-user LC-postfix-unknown-user-remote failed userunknown remote-nosuchuser@$HOST
    send LC-postfix-unknown-domain "$a" 0 "" someone@nowhere.invalid
    expect postfix "$v" unknown-domain LC-postfix-unknown-domain failed hostunknown someone@nowhere.invalid
    send LC-postfix-mailbox-full "$a" 3000 "" full@quota.test
    expect postfix "$v" mailbox-full LC-postfix-mailbox-full failed mailboxfull full@quota.test
    send LC-postfix-too-big "$a" 8000 "" someone@big.test
    expect postfix "$v" too-big LC-postfix-too-big failed mesgtoobig someone@big.test
    send LC-postfix-relay-denied "$a" 0 "" someone@relay.test
    expect postfix "$v" relay-denied LC-postfix-relay-denied failed norelaying someone@relay.test
    send LC-postfix-connection-refused "$a" 0 "" someone@refused.test
    expect postfix "$v" connection-refused LC-postfix-connection-refused failed networkerror someone@refused.test
    expect postfix "$v" delay-warning LC-postfix-connection-refused delayed networkerror someone@refused.test
    send LC-postfix-queue-expired "$a" 0 "" someone@tempfail.test
    expect postfix "$v" queue-expired LC-postfix-queue-expired failed expired someone@tempfail.test
    expect postfix "$v" delay-warning LC-postfix-queue-expired delayed "*" someone@tempfail.test
    send LC-postfix-header-check "$a" 0 "X-Live-Corpus: forbidden-header" someone@filter.test
    expect postfix "$v" header-check LC-postfix-header-check failed contenterror someone@filter.test
    BODY_EXTRA="Buy cheap pharmacy pills now" send LC-postfix-body-check "$a" 0 "" someone@filter.test
    expect postfix "$v" body-check LC-postfix-body-check failed spamdetected someone@filter.test
    send LC-postfix-sender-blocked blocked-sender@$HOST 0 "" someone@accept.test
    expect postfix "$v" sender-blocked LC-postfix-sender-blocked failed rejected someone@accept.test
    send LC-postfix-alias-loop "$a" 0 "" loopa@$HOST
    expect postfix "$v" alias-loop LC-postfix-alias-loop failed networkerror loopa@$HOST
    send LC-postfix-pipe-failure "$a" 0 "" pipe1@$HOST
    expect postfix "$v" pipe-failure LC-postfix-pipe-failure failed mailererror pipe1@$HOST
    send LC-postfix-pipe-failure-67 "$a" 0 "" pipe67@$HOST
    expect postfix "$v" pipe-failure LC-postfix-pipe-failure-67 failed userunknown pipe67@$HOST
    send LC-postfix-pipe-failure-75 "$a" 0 "" pipe75@$HOST
    expect postfix "$v" pipe-failure LC-postfix-pipe-failure-75 failed mailererror pipe75@$HOST
    expect postfix "$v" delay-warning LC-postfix-pipe-failure-75 delayed mailererror pipe75@$HOST
    send LC-postfix-smtputf8 "$a" 0 "" "jörg@utf8.test"
    expect postfix "$v" smtputf8 LC-postfix-smtputf8 failed contenterror "jörg@utf8.test"
    send LC-postfix-many-recipients "$a" 0 "" nobody1@$HOST nobody2@$HOST nobody3@$HOST nobody4@$HOST nobody5@$HOST
    expect postfix "$v" many-recipients LC-postfix-many-recipients failed userunknown nobody1@$HOST,nobody2@$HOST,nobody3@$HOST,nobody4@$HOST,nobody5@$HOST
    wait_for 240 "postqueue -f"
}

stop_postfix() {
    postfix stop >/dev/null 2>&1 || true
    apt_purge postfix postfix-pcre
}

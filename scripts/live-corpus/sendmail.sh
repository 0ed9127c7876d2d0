# Sendmail: A is the queue runner of /etc/mail/sendmail.cf (no listener; mail comes in by the
# sendmail command); B is a second daemon, /etc/mail/live-b.cf (host name b.live.test, own queue),
# on 127.0.0.1:2525 (policy: access db, a header check, and a body check by a milter,
# sendmail-milter.py with python3-milter) and :2526 (MaxMessageSize 4000).
# A reaches B through its mailertable; the esmtp mailer's port is 2525, relay's 2526, smtp's 2599
# (closed), smtp8's 24 (Dovecot LMTP, flag z).
# shellcheck shell=bash

SM_CFDIR=/usr/share/sendmail/cf

run_sendmail() {
    # Sendmail sleeps 60 s in every invocation when the host name does not qualify to a name with a
    # dot; this machine's /etc/hosts says just "vm". Put a qualified name first (undone at the end).
    [ -e /etc/hosts.live-corpus-orig ] || cp -p /etc/hosts /etc/hosts.live-corpus-orig
    { echo "127.0.0.1 $(hostname).live.test $(hostname)  # live corpus"; grep -v '# live corpus$' /etc/hosts.live-corpus-orig; } >/etc/hosts
    apt_install sendmail-bin sendmail-cf m4 python3-milter
    sendmail_stop_daemons
    local v; v="Sendmail $(dpkg-query -W -f '${Version}' sendmail-bin | sed 's/-.*//')"
    cat >/etc/mail/live-a.mc <<'MC'
divert(-1)
# Live corpus: A, the sender (no SMTP listener).
divert(0)dnl
include(`/usr/share/sendmail/cf/m4/cf.m4')dnl
VERSIONID(`live corpus A')dnl
define(`_USE_ETC_MAIL_')dnl
OSTYPE(`debian')dnl
DOMAIN(`debian-mta')dnl
undefine(`confHOST_STATUS_DIRECTORY')dnl
define(`confDOMAIN_NAME', `vm.live.test')dnl
define(`confTO_QUEUEWARN', `1m')dnl
define(`confTO_QUEUERETURN', `2m')dnl
define(`confMIN_QUEUE_AGE', `0')dnl
define(`confTO_CONNECT', `5s')dnl
define(`confDONT_PROBE_INTERFACES', `True')dnl
define(`ALIAS_FILE', `/etc/aliases')dnl
define(`ESMTP_MAILER_ARGS', `TCP $h 2525')dnl
define(`RELAY_MAILER_ARGS', `TCP $h 2526')dnl
define(`SMTP_MAILER_ARGS', `TCP $h 2599')dnl
define(`SMTP8_MAILER_ARGS', `TCP $h 24')dnl
MODIFY_MAILER_FLAGS(`SMTP8', `+z')dnl
FEATURE(`mailertable', `hash -o /etc/mail/live-mailertable')dnl
dnl B lets 127.0.0.1 relay ("originated locally"), so A connects from 127.0.0.2.
CLIENT_OPTIONS(`Family=inet, Addr=127.0.0.2')dnl
MAILER(`local')dnl
MAILER(`smtp')dnl
MC
    cat >/etc/mail/live-b.mc <<'MC'
divert(-1)
# Live corpus: B, the rejecting "remote" server.
divert(0)dnl
include(`/usr/share/sendmail/cf/m4/cf.m4')dnl
VERSIONID(`live corpus B')dnl
define(`_USE_ETC_MAIL_')dnl
OSTYPE(`debian')dnl
DOMAIN(`debian-mta')dnl
undefine(`confHOST_STATUS_DIRECTORY')dnl
define(`confDOMAIN_NAME', `b.live.test')dnl
define(`confDONT_PROBE_INTERFACES', `True')dnl
define(`QUEUE_DIR', `/var/spool/mqueue-live-b')dnl
define(`STATUS_FILE', `/var/spool/mqueue-live-b/statistics')dnl
define(`confPID_FILE', `/run/sendmail-live-b.pid')dnl
define(`ALIAS_FILE', `/etc/mail/live-b-aliases')dnl
FEATURE(`access_db', `hash -o -T<TMPF> /etc/mail/live-b-access')dnl
FEATURE(`blocklist_recipients')dnl
DAEMON_OPTIONS(`Port=2525, Addr=127.0.0.1, Name=MTA-B')dnl
DAEMON_OPTIONS(`Port=2526, Addr=127.0.0.1, Name=MTA-B-small')dnl
define(`confMAX_MESSAGE_SIZE', `4000')dnl
INPUT_MAIL_FILTER(`live-body-check', `S=inet:3333@127.0.0.1, F=T')dnl
MAILER(`local')dnl
MAILER(`smtp')dnl
LOCAL_CONFIG
HX-Live-Corpus: $>CheckLiveHeader
LOCAL_RULESETS
SCheckLiveHeader
R$* forbidden-header $*	$#error $@ 5.7.1 $: "550 Message header X-Live-Corpus is not allowed here"
MC
    cat >/etc/mail/live-mailertable <<'MT'
b.live.test     esmtp:[127.0.0.1]
relay.test      esmtp:[127.0.0.1]
tempfail.test   esmtp:[127.0.0.1]
filter.test     esmtp:[127.0.0.1]
accept.test     esmtp:[127.0.0.1]
big.test        relay:[127.0.0.1]
refused.test    smtp:[127.0.0.1]
quota.test      smtp8:[127.0.0.1]
MT
    # A is never started with -bd (it runs as "sendmail -q10s", a queue runner), so it listens nowhere.
    cat >/etc/mail/live-b-access <<'AC'
From:blocked-sender@vm.live.test	REJECT
To:tempfail.test	ERROR:4.3.0:451 Service temporarily unavailable, try again later
To:accept.test	DISCARD
To:filter.test	RELAY
AC
    : >/etc/mail/live-b-aliases
    m4 /etc/mail/live-a.mc >/etc/mail/sendmail.cf
    m4 /etc/mail/live-b.mc >/etc/mail/live-b.cf
    rm -f /etc/mail/live-*.db
    makemap hash /etc/mail/live-mailertable </etc/mail/live-mailertable
    makemap -C /etc/mail/live-b.cf hash /etc/mail/live-b-access </etc/mail/live-b-access
    mkdir -p /var/spool/mqueue-live-b && chmod 700 /var/spool/mqueue-live-b
    rm -f /var/spool/mqueue/* /var/spool/mqueue-live-b/* /var/spool/mqueue-client/* 2>/dev/null || true
    newaliases -C /etc/mail/sendmail.cf >/dev/null
    sendmail -bi -C /etc/mail/live-b.cf >/dev/null 2>&1 || true
    # B's milter (the body check); its pid is kept to stop it.
    # Debian's python3 (python3-milter is installed for it), not whatever python3 PATH finds first.
    /usr/bin/python3 "$HERE/sendmail-milter.py" >>"$WORK/milter.log" 2>&1 &
    echo $! >/run/live-corpus-milter.pid
    sleep 1
    # B tempfails every message when its milter is missing (F=T): stop here rather than collect those.
    kill -0 "$(cat /run/live-corpus-milter.pid)" || { log "the milter did not start, see $WORK/milter.log"; return 1; }
    sendmail -C /etc/mail/live-b.cf -bd -q10s
    sendmail -q10s -OPidFile=/run/sendmail-live-a.pid
    sleep 2

    local a=bounces@$HOST
    SM_OPTS=(-Am -oem); SENDMAIL=/usr/sbin/sendmail-mta
    send LC-sendmail-unknown-user "$a" 0 "" nosuchuser@$HOST
    expect sendmail "$v" unknown-user LC-sendmail-unknown-user failed userunknown nosuchuser@$HOST
    send LC-sendmail-unknown-user-remote "$a" 0 "" remote-nosuchuser@b.live.test
    expect sendmail "$v" unknown-user LC-sendmail-unknown-user-remote failed userunknown remote-nosuchuser@b.live.test
    send LC-sendmail-unknown-domain "$a" 0 "" someone@nowhere.invalid
    expect sendmail "$v" unknown-domain LC-sendmail-unknown-domain failed hostunknown someone@nowhere.invalid
    send LC-sendmail-mailbox-full "$a" 3000 "" full@quota.test
    expect sendmail "$v" mailbox-full LC-sendmail-mailbox-full failed mailboxfull full@quota.test
    send LC-sendmail-too-big "$a" 8000 "" someone@big.test
    expect sendmail "$v" too-big LC-sendmail-too-big failed exceedlimit someone@big.test
    send LC-sendmail-relay-denied "$a" 0 "" someone@relay.test
    expect sendmail "$v" relay-denied LC-sendmail-relay-denied failed norelaying someone@relay.test
    send LC-sendmail-connection-refused "$a" 0 "" someone@refused.test
    # "Deferred: Connection refused ... Message could not be delivered for 2 minutes": the queue gave
    # up (see README.md, as the reviewed corpus label of this Sendmail wording has it).
    expect sendmail "$v" connection-refused LC-sendmail-connection-refused failed expired someone@refused.test
    expect sendmail "$v" delay-warning LC-sendmail-connection-refused delayed networkerror someone@refused.test
    send LC-sendmail-queue-expired "$a" 0 "" someone@tempfail.test
    expect sendmail "$v" queue-expired LC-sendmail-queue-expired failed expired someone@tempfail.test
    expect sendmail "$v" delay-warning LC-sendmail-queue-expired delayed "*" someone@tempfail.test
    send LC-sendmail-header-check "$a" 0 "X-Live-Corpus: forbidden-header" someone@filter.test
    expect sendmail "$v" header-check LC-sendmail-header-check failed contenterror someone@filter.test
    BODY_EXTRA="Buy cheap pharmacy pills now" send LC-sendmail-body-check "$a" 0 "" someone@filter.test
    expect sendmail "$v" body-check LC-sendmail-body-check failed spamdetected someone@filter.test
    send LC-sendmail-sender-blocked blocked-sender@$HOST 0 "" someone@accept.test
    expect sendmail "$v" sender-blocked LC-sendmail-sender-blocked failed rejected someone@accept.test
    send LC-sendmail-alias-loop "$a" 0 "" loopa@$HOST
    expect sendmail "$v" alias-loop LC-sendmail-alias-loop failed systemerror loopa@$HOST
    send LC-sendmail-pipe-failure "$a" 0 "" pipe1@$HOST
    expect sendmail "$v" pipe-failure LC-sendmail-pipe-failure failed mailererror pipe1@$HOST
    send LC-sendmail-pipe-failure-67 "$a" 0 "" pipe67@$HOST
    expect sendmail "$v" pipe-failure LC-sendmail-pipe-failure-67 failed userunknown pipe67@$HOST
    send LC-sendmail-many-recipients "$a" 0 "" nobody1@$HOST nobody2@$HOST nobody3@$HOST nobody4@$HOST nobody5@$HOST
    expect sendmail "$v" many-recipients LC-sendmail-many-recipients failed userunknown nobody1@$HOST,nobody2@$HOST,nobody3@$HOST,nobody4@$HOST,nobody5@$HOST
    SM_OPTS=(); SENDMAIL=
    wait_for 300 "sendmail -q"
}

sendmail_stop_daemons() {
    pkill_pidfile /run/sendmail-live-b.pid
    pkill_pidfile /run/sendmail-live-a.pid
    pkill_pidfile /run/sendmail/mta/sendmail.pid
    pkill_pidfile /run/live-corpus-milter.pid
    rm -f /run/live-corpus-milter.pid
}

stop_sendmail() {
    sendmail_stop_daemons
    apt_purge sendmail-bin sendmail-cf sendmail-base sensible-mda python3-milter
    rm -rf /var/spool/mqueue-live-b /etc/mail/live-*
    if [ -e /etc/hosts.live-corpus-orig ]; then cat /etc/hosts.live-corpus-orig >/etc/hosts && rm /etc/hosts.live-corpus-orig; fi
}

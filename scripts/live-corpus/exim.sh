# Exim: A and B are one Exim; B is the daemon on 127.0.0.1:2525 (policy ACLs) and :2526 (4000-byte
# size limit). A reaches B through manualroute routers with "self = send".
# shellcheck shell=bash

run_exim() {
    apt_install exim4-daemon-heavy
    pkill_pidfile /run/exim4/exim.pid
    local v; v="Exim $(exim4 -bV | sed -n 's/^Exim version \([^ ]*\).*/\1/p')"
    cat >/etc/exim4/exim4.conf <<'CF'
# Live corpus configuration (takes precedence over Debian's generated one while it exists).
primary_hostname = vm.live.test
qualify_domain = vm.live.test
local_interfaces = 127.0.0.1
daemon_smtp_ports = 2525 : 2526
domainlist local_domains = vm.live.test : localhost
domainlist relay_to_domains = tempfail.test : accept.test : filter.test
hostlist relay_from_hosts =
acl_smtp_mail = acl_check_mail
acl_smtp_rcpt = acl_check_rcpt
acl_smtp_data = acl_check_data
# B on port 2526 takes at most 4000 bytes; everywhere else 50 MB.
message_size_limit = ${if eq{$received_port}{2526}{4000}{50M}}
delay_warning = 20s
ignore_bounce_errors_after = 0s
timeout_frozen_after = 2m
host_lookup =
rfc1413_hosts =
# SMTPUTF8 is offered to local SMTP (exim4 -bs, where the smtputf8 message is submitted) and to no
# TCP client, so B lacks it.
smtputf8_advertise_hosts = :
log_file_path = /var/log/exim4/%slog

begin acl

acl_check_mail:
  deny    senders = blocked-sender@vm.live.test
  accept

acl_check_rcpt:
  accept  hosts = :
  defer   domains = tempfail.test
  require message = relay not permitted
          domains = +local_domains : +relay_to_domains
  require verify = recipient
  accept

acl_check_data:
  # Local SMTP (exim4 -bs, the smtputf8 message) gets no content checks; the discard below
  # cannot test domains there anyway (Exim defers it).
  accept  hosts = :
  deny    message = Message header X-Live-Corpus is not allowed here
          condition = ${if match{$h_X-Live-Corpus:}{forbidden-header}}
  deny    message = Message content rejected as spam
          condition = ${if match{$message_body}{(?i)buy cheap pharmacy pills}}
  discard domains = accept.test : filter.test
  accept

begin routers

# remote-nosuchuser@vm.live.test is sent to B, which does not know it (no_verify: B's own
# recipient check skips this router and finds no such user).
remote_unknown:
  driver = manualroute
  domains = +local_domains
  local_parts = remote-nosuchuser
  no_verify
  route_list = * 127.0.0.1
  self = send
  transport = smtp_b

to_b:
  driver = manualroute
  domains = relay.test : tempfail.test : accept.test : filter.test : utf8.test
  route_list = * 127.0.0.1
  self = send
  transport = smtp_b

to_b_small:
  driver = manualroute
  domains = big.test
  route_list = * 127.0.0.1
  self = send
  transport = smtp_b_small

to_closed_port:
  driver = manualroute
  domains = refused.test
  route_list = * 127.0.0.1
  self = send
  transport = smtp_closed

to_dovecot:
  driver = manualroute
  domains = quota.test
  route_list = * 127.0.0.1
  self = send
  transport = lmtp_dovecot

dnslookup:
  driver = dnslookup
  domains = ! +local_domains
  transport = remote_smtp
  no_more

system_aliases:
  driver = redirect
  allow_fail
  allow_defer
  data = ${lookup{$local_part}lsearch{/etc/aliases}}
  user = mail
  pipe_transport = address_pipe
  file_transport = address_file

local_user:
  driver = accept
  check_local_user
  transport = local_delivery

begin transports

remote_smtp:
  driver = smtp

smtp_b:
  driver = smtp
  port = 2525
  # never downconvert: a message that needs SMTPUTF8 fails at a server without it
  utf8_downconvert = 0

smtp_b_small:
  driver = smtp
  port = 2526

smtp_closed:
  driver = smtp
  port = 2599

lmtp_dovecot:
  driver = smtp
  protocol = lmtp
  port = 24

address_pipe:
  driver = pipe
  return_fail_output

address_file:
  driver = appendfile

local_delivery:
  driver = appendfile
  file = /var/mail/$local_part_data
  delivery_date_add
  envelope_to_add
  return_path_add

begin retry
*   *   F,1m,10s
CF
    rm -rf /var/spool/exim4/input/* /var/spool/exim4/db/* 2>/dev/null || true
    exim4 -bV >/dev/null
    exim4 -bd -q10s
    sleep 2

    local a=bounces@$HOST
    send LC-exim-unknown-user "$a" 0 "" nosuchuser@$HOST
    expect exim "$v" unknown-user LC-exim-unknown-user failed userunknown nosuchuser@$HOST
    send LC-exim-unknown-user-remote "$a" 0 "" remote-nosuchuser@$HOST
    expect exim "$v" unknown-user LC-exim-unknown-user-remote failed userunknown remote-nosuchuser@$HOST
    send LC-exim-unknown-domain "$a" 0 "" someone@nowhere.invalid
    expect exim "$v" unknown-domain LC-exim-unknown-domain failed hostunknown someone@nowhere.invalid
    send LC-exim-mailbox-full "$a" 3000 "" full@quota.test
    expect exim "$v" mailbox-full LC-exim-mailbox-full failed mailboxfull full@quota.test
    send LC-exim-too-big "$a" 8000 "" someone@big.test
    expect exim "$v" too-big LC-exim-too-big failed mesgtoobig someone@big.test
    send LC-exim-relay-denied "$a" 0 "" someone@relay.test
    expect exim "$v" relay-denied LC-exim-relay-denied failed norelaying someone@relay.test
    send LC-exim-connection-refused "$a" 0 "" someone@refused.test
    expect exim "$v" connection-refused LC-exim-connection-refused failed expired someone@refused.test
    expect exim "$v" delay-warning LC-exim-connection-refused delayed "*" someone@refused.test
    send LC-exim-queue-expired "$a" 0 "" someone@tempfail.test
    expect exim "$v" queue-expired LC-exim-queue-expired failed expired someone@tempfail.test
    send LC-exim-header-check "$a" 0 "X-Live-Corpus: forbidden-header" someone@filter.test
    expect exim "$v" header-check LC-exim-header-check failed contenterror someone@filter.test
    BODY_EXTRA="Buy cheap pharmacy pills now" send LC-exim-body-check "$a" 0 "" someone@filter.test
    expect exim "$v" body-check LC-exim-body-check failed spamdetected someone@filter.test
    send LC-exim-sender-blocked blocked-sender@$HOST 0 "" someone@accept.test
    expect exim "$v" sender-blocked LC-exim-sender-blocked failed policyviolation someone@accept.test
    send LC-exim-alias-loop "$a" 0 "" loopa@$HOST
    expect exim "$v" alias-loop LC-exim-alias-loop failed userunknown loopa@$HOST
    send LC-exim-pipe-failure "$a" 0 "" pipe1@$HOST
    expect exim "$v" pipe-failure LC-exim-pipe-failure failed mailererror pipe1@$HOST
    send LC-exim-pipe-failure-67 "$a" 0 "" pipe67@$HOST
    expect exim "$v" pipe-failure LC-exim-pipe-failure-67 failed mailererror pipe67@$HOST
    # SMTPUTF8: submitted over exim4 -bs with MAIL FROM's SMTPUTF8 option (the sendmail command cannot
    # ask for it); B does not offer SMTPUTF8 and smtp_b never downconverts. Exim's bounce gives no
    # reason at all (its log says "utf8 support required but not offered for forwarding"), only
    # "host 127.0.0.1 [127.0.0.1]" and Status 5.0.0: undefined.
    message LC-exim-smtputf8 "$a" 0 "" | python3 "$HERE/bs-submit.py" "exim4 -bs" "$a" "jörg@utf8.test" 2>/dev/null \
        || log "exim4 -bs refused LC-exim-smtputf8"
    expect exim "$v" smtputf8 LC-exim-smtputf8 failed undefined "jörg@utf8.test"
    send LC-exim-many-recipients "$a" 0 "" nobody1@$HOST nobody2@$HOST nobody3@$HOST nobody4@$HOST nobody5@$HOST
    expect exim "$v" many-recipients LC-exim-many-recipients failed userunknown nobody1@$HOST,nobody2@$HOST,nobody3@$HOST,nobody4@$HOST,nobody5@$HOST
    wait_for 240 "exim4 -qff"
}

stop_exim() {
    pkill_pidfile /run/exim4/exim.pid
    rm -f /etc/exim4/exim4.conf
    apt_purge exim4-daemon-heavy exim4-base exim4-config
}

#!/bin/sh
# Fills fuzz/corpus/<target>/ with seed inputs. The corpora are not committed (see .gitignore);
# run this before the first `cargo fuzz run`. Idempotent: files are named by content hash.
#   SEED_EMAILS   a checkout of sisimai/set-of-emails   (default /work/shared/corpus/set-of-emails)
#   SEED_EXPECTED Sisimai's expected.jsonl               (default /work/shared/corpus/expected.jsonl)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
emails=${SEED_EMAILS:-/work/shared/corpus/set-of-emails}
expected=${SEED_EXPECTED:-/work/shared/corpus/expected.jsonl}
rules="$here/../crates/tuixin/data/rules"
mkdir -p "$here/corpus/decode" "$here/corpus/explain" "$here/corpus/rules"

# Copies one file into a corpus directory under its SHA-1 (as libFuzzer names its own finds).
put() { cp "$1" "$2/$(sha1sum <"$1" | cut -c1-40)"; }

# decode: every message (maildir files, mbox files, the tiny size-N files).
if [ -d "$emails" ]; then
    find "$emails" -type f ! -name README.md ! -name LICENSE | while read -r f; do
        put "$f" "$here/corpus/decode"
    done
fi

# explain: every distinct diagnostic line Sisimai reports, plus a few hand-written ones.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -f "$expected" ]; then
    python3 - "$expected" "$tmp" <<'PY'
import hashlib, json, sys
seen = set()
for line in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(line).get("diagnosticcode") or ""
    if d and d not in seen:
        seen.add(d)
        data = d.encode("utf-8")
        open(f"{sys.argv[2]}/{hashlib.sha1(data).hexdigest()}", "wb").write(data)
PY
fi
for s in '550 5.1.1 <a@example.com>: Recipient address rejected: User unknown' \
         '552-5.2.2 over quota' '#5.1.1 qmail' '(5.7.515) Access denied' 'smtp; 550' \
         '10.5.1.1 v5.1.12a 1,250' '554 5.7.1 该用户不存在 mx.qq.com' '5.4.316 Message expired'; do
    printf '%s' "$s" >"$tmp/x" && put "$tmp/x" "$here/corpus/explain"
done
for f in "$tmp"/*; do [ "$f" = "$tmp/x" ] || mv "$f" "$here/corpus/explain/"; done

# rules: the built-in rule files.
for f in "$rules"/*.toml "$rules"/providers/*.toml; do
    put "$f" "$here/corpus/rules"
done

# smtp_session: the first byte picks SMTP (even) or LMTP (odd); then what a client sends.
mkdir -p "$here/corpus/smtp_session" "$here/corpus/verp"
dsn="$here/../examples/postfix-dsn.eml"
{ printf '\000EHLO c.example\r\nMAIL FROM:<> SIZE=900\r\nRCPT TO:<b+a=example.org@bounce.example.com>\r\nDATA\r\n'
  sed 's/^\./../; s/$/\r/' "$dsn"; printf '.\r\nRSET\r\nVRFY x\r\nQUIT\r\n'; } >"$tmp/x" && put "$tmp/x" "$here/corpus/smtp_session"
printf '\001LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@bounce.example.com>\r\nRCPT TO:<x@example.org>\r\nDATA\r\nSubject: x\r\n\r\n..dot\r\n.\r\n' >"$tmp/x" && put "$tmp/x" "$here/corpus/smtp_session"
printf '\000HELO c\r\nMAIL FROM:<x@y> BODY=8BITMIME SMTPUTF8\r\nSTARTTLS\r\nBDAT 10 LAST\r\nHELP\r\n' >"$tmp/x" && put "$tmp/x" "$here/corpus/smtp_session"

# verp: envelope recipients.
for s in 'bounces+alice=example.org@bounce.example.com' 'returns-bob=example.net@mail.example.net' \
         'a+b=c=d.example@bounce.example.com' 'bounces@bounce.example.com' '+=@' 'x=y.z'; do
    printf '%s' "$s" >"$tmp/x" && put "$tmp/x" "$here/corpus/verp"
done

# esp: one small payload per provider, its first byte naming the provider (Provider::ALL order).
mkdir -p "$here/corpus/esp"
python3 - "$here/corpus/esp" <<'PY'
import hashlib, sys
seeds = [
    (0, '{"Type":"Notification","TopicArn":"t","SignatureVersion":"1","Message":"{\\"notificationType\\":\\"Bounce\\",\\"bounce\\":{\\"bounceType\\":\\"Permanent\\",\\"bounceSubType\\":\\"General\\",\\"bouncedRecipients\\":[{\\"emailAddress\\":\\"a@example.org\\",\\"status\\":\\"5.1.1\\",\\"diagnosticCode\\":\\"smtp; 550 5.1.1 unknown\\"}]},\\"mail\\":{\\"source\\":\\"s@example.net\\"}}"}'),
    (1, '[{"email":"a@example.org","timestamp":1,"event":"bounce","type":"blocked","status":"5.7.1","reason":"550 5.7.1 blocked","sg_event_id":"e"}]'),
    (2, '{"signature":{},"event-data":{"event":"failed","severity":"permanent","recipient":"a@example.org","timestamp":1.5,"delivery-status":{"code":550,"message":"5.1.1 no such user","mx-host":"mx.example.org"}}}'),
    (3, '{"RecordType":"Bounce","Type":"HardBounce","Email":"a@example.org","Details":"smtp;550 5.1.1 unknown","BouncedAt":"2026-12-07T05:50:00Z"}'),
    (4, '[{"msys":{"message_event":{"type":"bounce","bounce_class":"10","raw_reason":"550 5.1.1 unknown","rcpt_to":"a@example.org","timestamp":"1"}}}]'),
    (5, '[{"event":"bounce","time":1,"MessageID":1,"email":"a@example.org","hard_bounce":true,"error_related_to":"recipient","error":"user unknown"}]'),
    (6, '{"event":"hard_bounce","email":"a@example.org","ts_event":1,"message-id":"<a@b>","reason":"550 5.1.1 unknown"}'),
    (7, '{"type":"email.bounced","created_at":"2026-12-07T05:50:00Z","data":{"to":["a@example.org"],"bounce":{"message":"550 5.1.1","type":"Permanent","subType":"General"}}}'),
    (8, '{"event":"MessageDeliveryFailed","payload":{"status":"HardFail","details":"to mx.example.org (192.0.2.1)","output":"550 5.1.1 unknown","message":{"to":"a@example.org"}}}'),
    (9, '[{"eventType":"Microsoft.Communication.EmailDeliveryReportReceived","data":{"recipient":"a@example.org","status":"Bounced","deliveryStatusDetails":{"statusMessage":"550 5.1.1"}}}]'),
]
for provider, text in seeds:
    data = bytes([provider]) + text.encode()
    open(f"{sys.argv[1]}/{hashlib.sha1(data).hexdigest()}", "wb").write(data)
PY

for t in decode explain rules esp smtp_session verp; do
    echo "$t: $(ls "$here/corpus/$t" | wc -l) seeds"
done

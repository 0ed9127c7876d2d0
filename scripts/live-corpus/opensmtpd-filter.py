#!/usr/bin/python3
"""OpenSMTPD proc-exec filter for B (smtpd-filters(7)): a header check and a body check with the
administrator's texts. It echoes every DATA line back unchanged, notes a header
'X-Live-Corpus: forbidden-header' or a body line 'Buy cheap pharmacy pills', and rejects the
message at the commit phase."""
import sys

flags = {}  # session id -> (in_header, reply or "")


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


for raw in sys.stdin:
    f = raw.rstrip("\n").split("|")
    if f[0] == "config" and f[1] == "ready":
        out("register|filter|smtp-in|data-line")
        out("register|filter|smtp-in|commit")
        out("register|ready")
        continue
    if f[0] != "filter" or len(f) < 7:
        continue
    phase, session, token = f[4], f[5], f[6]
    if phase == "data-line":
        line = "|".join(f[7:])
        in_header, reply = flags.get(session, (True, ""))
        if line == "":
            in_header = False
        elif in_header and line.lower().startswith("x-live-corpus:") and "forbidden-header" in line:
            reply = "550 Message header X-Live-Corpus is not allowed here"
        elif not in_header and "buy cheap pharmacy pills" in line.lower():
            reply = "550 Message content rejected as spam"
        flags[session] = (in_header, reply)
        out(f"filter-dataline|{session}|{token}|{line}")
    elif phase == "commit":
        _, reply = flags.pop(session, (True, ""))
        out(f"filter-result|{session}|{token}|" + (f"reject|{reply}" if reply else "proceed"))
    else:
        out(f"filter-result|{session}|{token}|proceed")

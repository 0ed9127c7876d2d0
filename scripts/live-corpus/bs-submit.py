#!/usr/bin/env python3
"""Submits the message on stdin over an MTA's SMTP-on-stdin mode, with MAIL FROM's SMTPUTF8 option:
    bs-submit.py 'exim4 -bs' SENDER RECIPIENT < message
(the sendmail command cannot ask for SMTPUTF8; the dialogue is printed on stderr)."""
import subprocess
import sys

cmd, sender, rcpt = sys.argv[1], sys.argv[2], sys.argv[3]
body = sys.stdin.buffer.read().replace(b"\r\n", b"\n").rstrip(b"\n").split(b"\n")
p = subprocess.Popen(cmd, shell=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE)


def reply():
    while True:
        line = p.stdout.readline().decode("utf-8", "replace")
        sys.stderr.write("<- " + line)
        if len(line) < 4 or line[3] != "-":
            return line


def say(text):
    sys.stderr.write("-> " + text + "\n")
    p.stdin.write(text.encode() + b"\r\n")
    p.stdin.flush()
    return reply()


reply()
say("EHLO localhost")
say(f"MAIL FROM:<{sender}> SMTPUTF8")
say(f"RCPT TO:<{rcpt}>")
say("DATA")
for line in body:
    p.stdin.write((b"." if line.startswith(b".") else b"") + line + b"\r\n")
p.stdin.write(b".\r\n")
p.stdin.flush()
ok = reply().startswith("250")
say("QUIT")
p.wait()
sys.exit(0 if ok else 1)

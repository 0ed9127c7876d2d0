#!/usr/bin/env python3
"""Sorts the captured bounces of one MTA run into fixtures and records their expectations.

  collect.py --pending WORK        exit 0 when every bounce the manifest expects has been captured
  collect.py --write WORK OUT      copy them to OUT/<mta>/<cause>[-N].eml and update OUT/causes.jsonl

A capture answers the test message whose Message-ID <TAG.<digits>@...> it quotes; a DSN with
"Action: delayed" is the delay warning for that message, anything else its final bounce. One
exception: OpenSMTPD 6.8 sends the notice for an envelope it dropped when the queue lifetime ran
out with its delay template (Action: delayed, Status: 4.4.7, "<rcpt>: Envelope expired"); that is
its final notice. The captured bytes are copied unchanged.
"""
import json
import os
import re
import shutil
import sys

TAG = re.compile(rb"<(LC-[A-Za-z0-9-]+)\.\d+@")
DELAYED = re.compile(rb"^Action:[ \t]*delayed", re.M | re.I)
OPENSMTPD_EXPIRED = re.compile(rb"^\S+: Envelope expired\r?$", re.M)


def manifest(work):
    rows = []
    path = os.path.join(work, "manifest.tsv")
    if not os.path.exists(path):
        return rows
    with open(path, encoding="utf-8") as f:
        for line in f:
            mta, version, cause, tag, action, reason, rcpts = line.rstrip("\n").split("\t")
            rows.append(dict(mta=mta, version=version, cause=cause, tag=tag, action=action,
                             reason=reason, recipients=rcpts.split(",")))
    return rows


def captures(work):
    """(tag, action) -> first capture path, in delivery order; plus the unmatched paths."""
    found, unmatched = {}, []
    d = os.path.join(work, "capture")
    for name in sorted(os.listdir(d)):
        if not name.endswith(".eml"):
            continue
        path = os.path.join(d, name)
        data = open(path, "rb").read()
        m = TAG.search(data)
        if not m:
            unmatched.append(path)
            continue
        delayed = DELAYED.search(data) and not OPENSMTPD_EXPIRED.search(data)
        action = "delayed" if delayed else "failed"
        found.setdefault((m.group(1).decode(), action), path)
    return found, unmatched


def main():
    mode, work = sys.argv[1], sys.argv[2]
    rows = manifest(work)
    found, unmatched = captures(work)
    missing = [r for r in rows if (r["tag"], r["action"]) not in found]
    if mode == "--pending":
        print(" ".join(f'{r["tag"]}/{r["action"]}' for r in missing))
        sys.exit(1 if missing else 0)
    out = sys.argv[3]
    if not rows:
        return
    mta = rows[0]["mta"]
    mdir = os.path.join(out, mta)
    shutil.rmtree(mdir, ignore_errors=True)
    os.makedirs(mdir)
    counts, entries = {}, []
    for r in rows:
        path = found.get((r["tag"], r["action"]))
        if path is None:
            print(f'missing: {r["tag"]} {r["action"]}', file=sys.stderr)
            continue
        n = counts[r["cause"]] = counts.get(r["cause"], 0) + 1
        name = r["cause"] + ("" if n == 1 else f"-{n}") + ".eml"
        shutil.copyfile(path, os.path.join(mdir, name))
        entries.append(dict(file=f"{mta}/{name}", mta=mta, version=r["version"], cause=r["cause"],
                            action=r["action"], reason=r["reason"], recipients=r["recipients"]))
    for path in unmatched:
        print(f"unmatched capture (not kept): {path}", file=sys.stderr)
    causes = os.path.join(out, "causes.jsonl")
    old = []
    if os.path.exists(causes):
        with open(causes, encoding="utf-8") as f:
            old = [e for e in map(json.loads, filter(str.strip, f)) if e["mta"] != mta]
    with open(causes, "w", encoding="utf-8") as f:
        for e in sorted(old + entries, key=lambda e: e["file"]):
            f.write(json.dumps(e, ensure_ascii=False) + "\n")

if __name__ == "__main__":
    main()

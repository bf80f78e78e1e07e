#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""check-json.py OUT RC [CHECK=STATUS | CHECK~REGEX | CHECK%REGEX]...

Asserts that OUT (the stdout of `irecctl doctor --json`) is an array of
{schema_version, check, status, finding, fix} with the expected checks in order, that the
exit status RC is 1 exactly when a check failed (else 0), and each
expectation: CHECK=STATUS (ok, warn, fail; "a|b" for either),
CHECK~REGEX (searched in its finding) or CHECK%REGEX (in its fix).
"""
import json
import re
import sys

CHECKS = ["usb-access", "udev-rules", "usbmuxd", "pair-records", "lock-dir",
          "model-table", "libraries", "restore"]


def fail(msg):
    sys.exit(f"FAIL: {msg}")


def main():
    out, rc, expectations = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    try:
        with open(out) as f:
            doc = json.load(f)
    except ValueError as e:
        fail(f"stdout is not JSON: {e}")
    if not isinstance(doc, list):
        fail("not an array")
    for entry in doc:
        if not isinstance(entry, dict) or sorted(entry) != ["check", "finding", "fix", "schema_version", "status"]:
            fail(f"bad entry {entry!r}")
        if entry["status"] not in ("ok", "warn", "fail"):
            fail(f"bad status in {entry!r}")
        if not isinstance(entry["finding"], str) or not entry["finding"]:
            fail(f"no finding in {entry!r}")
        if entry["fix"] is not None and not isinstance(entry["fix"], str):
            fail(f"bad fix in {entry!r}")
        if entry["status"] != "ok" and not entry["fix"]:
            fail(f"a problem without a fix: {entry!r}")
        if "\n" in entry["finding"] or "\n" in (entry["fix"] or ""):
            fail(f"not one line: {entry!r}")
    names = [e["check"] for e in doc]
    if names != CHECKS:
        fail(f"checks {names}, expected {CHECKS}")
    failed = any(e["status"] == "fail" for e in doc)
    if rc != (1 if failed else 0):
        fail(f"exit status {rc} with {'a' if failed else 'no'} failed check")
    by_name = {e["check"]: e for e in doc}
    for x in expectations:
        m = re.fullmatch(r"([a-z-]+)([=~%])(.*)", x)
        if not m or m.group(1) not in by_name:
            fail(f"bad expectation {x}")
        e = by_name[m.group(1)]
        if m.group(2) == "=" and e["status"] not in m.group(3).split("|"):
            fail(f"{e['check']} is {e['status']}, expected {m.group(3)}: {e['finding']}")
        text = e["finding"] if m.group(2) == "~" else e["fix"] or ""
        if m.group(2) != "=" and not re.search(m.group(3), text):
            fail(f"{e['check']}: /{m.group(3)}/ not in [{text}]")
    print(f"ok: {len(doc)} checks, exit status {rc}")


main()

#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""normalise.py EVENTS: irecctl's NDJSON restore events without what differs
between runs (times, durations, paths, the engine's command line)."""
import json
import sys

for line in open(sys.argv[1]):
    e = json.loads(line)
    for k in ("time", "seconds", "log", "command"):
        e.pop(k, None)
    if "fraction" in e:
        e["fraction"] = round(e["fraction"], 3)
    print(json.dumps(e, sort_keys=True))

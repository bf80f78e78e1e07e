#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""fdpad-engine.py ARGS...: exec the real idevicerestore with ARGS after
opening a few extra file descriptors, a different number per ECID (-i).

Only for engines running at once in the simulated lab: umockdev names each
process's uevent socket after the fd number of its udev monitor, so two
engines whose monitors land on the same number steal each other's
hotplug events (sim/README.md, "Event sockets keyed by fd number")."""
import os
import sys

args = sys.argv[1:]
ecid = int(args[args.index("-i") + 1], 0) if "-i" in args else 0
for _ in range((ecid % 8) * 8):
    os.set_inheritable(os.open("/dev/null", os.O_RDONLY), True)
os.execvp("idevicerestore", ["idevicerestore"] + args)

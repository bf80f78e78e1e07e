#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A stand-in for idevicerestore, only for what the real engine cannot show
in the lab (a crash by signal, a hang that ignores SIGTERM, a slow upload,
the newer engines' options and log format). It never touches the network.

It replays a transcript recorded from the real engine (tests/restore/
transcripts/NAME.log, irecctl's per-run log format) line by line on the
same streams, then makes the lab device do what the transcript's device
did, through `irecsim ctl`. It accepts exactly the options of the version
it plays and rejects the others the way that version does (usage, 255);
contract.sh checks that against the real engine.

Environment:
  STANDIN_VERSION     1.0.0 (default) or 1.0.0+git20240709 (adds -s,
                      --variant, --ignore-errors, -I/--ipsw-info)
  STANDIN_TRANSCRIPT  the transcript to replay (default ok)
  STANDIN_AFTER       what happens after the last line: exit (default, the
                      transcript's status), segv (killed by SIGSEGV), hang
                      (never exits, ignores SIGTERM), close (writes
                      an ERROR line, closes stdout and stderr, exits 3
                      after 0.5 s of cleanup)
  STANDIN_STOP_AT     stop replaying before the first line containing this
  STANDIN_DELAY       seconds between lines (default 0.002)
  STANDIN_SLOW        seconds to wait after each line containing "Sending"
  STANDIN_LOGPREFIX   1: prefix lines "HH:MM:SS.mmm <Info> " (the engine's
                      2025 logger)
  STANDIN_ARGV        append the argument vector to this file
"""
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
import plistlib

HERE = os.path.dirname(os.path.abspath(__file__))
VERSION = os.environ.get("STANDIN_VERSION", "1.0.0")
NEW = VERSION != "1.0.0"

# (short, long, takes an argument) as in the real option tables.
OPTIONS = [
    ("i", "ecid", True), ("u", "udid", True), ("d", "debug", False), ("h", "help", False),
    ("e", "erase", False), ("c", "custom", False), ("l", "latest", False),
    ("x", "exclude", False), ("t", "shsh", False), ("k", "keep-pers", False),
    ("p", "pwn", False), ("n", "no-action", False), ("C", "cache-path", True),
    ("y", "no-input", False), ("P", "plain-progress", False), ("R", "restore-mode", False),
    ("T", "ticket", True), ("z", "no-restore", False), ("v", "version", False),
]
if NEW:
    OPTIONS += [("s", "server", True), ("I", "ipsw-info", False),
                (None, "ignore-errors", False), (None, "variant", True)]

USAGE = "Usage: idevicerestore [OPTIONS] PATH\n\nRestore IPSW firmware at PATH to an iOS device.\n"


def usage_exit(msg=None):
    if msg:
        sys.stderr.write(msg + "\n")
    sys.stderr.write(USAGE)
    sys.exit(255)


def parse(argv):
    opts, rest, i = {}, [], 0
    while i < len(argv):
        a = argv[i]
        if a.startswith("--"):
            name = a[2:].split("=", 1)[0]
            spec = [o for o in OPTIONS if o[1] == name]
            if not spec:
                usage_exit("idevicerestore: unrecognized option '%s'" % a)
            if spec[0][2]:
                i += 1
                if i >= len(argv):
                    usage_exit("idevicerestore: option '%s' requires an argument" % a)
                opts[name] = argv[i]
            else:
                opts[name] = True
        elif a.startswith("-") and len(a) > 1:
            spec = [o for o in OPTIONS if o[0] == a[1]]
            if not spec:
                usage_exit("idevicerestore: invalid option -- '%s'" % a[1])
            if spec[0][2]:
                i += 1
                if i >= len(argv):
                    usage_exit()
                opts[spec[0][1]] = argv[i]
            else:
                opts[spec[0][1]] = True
        else:
            rest.append(a)
        i += 1
    return opts, rest


def lines(name, ended):
    """The engine's lines; ended gets how the recorded engine ended."""
    with open(os.path.join(HERE, "transcripts", name + ".log")) as f:
        for line in f:
            m = re.match(r"^\S+Z (out|err) (.*)$", line.rstrip("\n"))
            e = re.match(r"^irecctl: engine ended: (exit|signal) (\d+)$", line.rstrip("\n"))
            if m:
                yield m.group(1), m.group(2)
            elif e:
                ended.extend([e.group(1), int(e.group(2))])


def ctl(*args):
    subprocess.run(["irecsim", "ctl"] + list(args), stdout=subprocess.DEVNULL, check=False)


def ipsw_version(path):
    with zipfile.ZipFile(path) as z:
        m = plistlib.loads(z.read("BuildManifest.plist"))
    return m["ProductVersion"], m["ProductBuildVersion"]


def main():
    argv = sys.argv[1:]
    if os.environ.get("STANDIN_ARGV"):
        with open(os.environ["STANDIN_ARGV"], "a") as f:
            f.write(" ".join(argv) + "\n")
    opts, rest = parse(argv)
    if opts.get("version"):
        print("idevicerestore %s" % VERSION)
        return 0
    if opts.get("latest"):
        sys.stderr.write("standin: --latest is never allowed\n")
        return 255
    if len(rest) != 1:
        usage_exit()
    ecid = int(opts.get("ecid", "0"), 0)
    delay = float(os.environ.get("STANDIN_DELAY", "0.002"))
    slow = float(os.environ.get("STANDIN_SLOW", "0"))
    stop = os.environ.get("STANDIN_STOP_AT")
    prefix = os.environ.get("STANDIN_LOGPREFIX") == "1"
    finished, ended = False, []
    for stream, text in lines(os.environ.get("STANDIN_TRANSCRIPT", "ok"), ended):
        if stop and stop in text:
            break
        if text == "Status: Restore Finished":
            finished = True
        out = sys.stdout if stream == "out" else sys.stderr
        if prefix:
            t = time.time()
            text = time.strftime("%H:%M:%S", time.localtime(t)) + ".%03d <Info> " % (
                int(t * 1000) % 1000) + text
        out.write(text + "\n")
        out.flush()
        time.sleep(delay)
        if slow and "Sending" in text:
            time.sleep(slow)
    if finished and ecid:
        ios, build = ipsw_version(rest[0])
        ctl("set", "0x%x" % ecid, "ios=" + ios)
        ctl("set", "0x%x" % ecid, "build=" + build)
        ctl("mode", "0x%x" % ecid, "normal")
    after = os.environ.get("STANDIN_AFTER", "exit")
    if after == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    if after == "close":
        sys.stderr.write("ERROR: Unable to connect to the device\n")
        sys.stderr.flush()
        os.close(1)
        os.close(2)
        time.sleep(0.5)  # the engine's own cleanup, output already closed
        os._exit(3)
    if after == "hang":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            time.sleep(3600)
    if ended and ended[0] == "signal":
        os.kill(os.getpid(), ended[1])
    return ended[1] if ended else 255


if __name__ == "__main__":
    sys.exit(main())

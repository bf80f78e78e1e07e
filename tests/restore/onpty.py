#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""onpty.py ANSWER COMMAND...: run COMMAND with stdin and stderr on a
pseudo-terminal (stdout stays a pipe), type ANSWER when it asks to confirm,
copy what it wrote on the terminal to stdout, exit with its status."""
import os
import pty
import sys

answer = sys.argv[1].encode() + b"\n"
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
seen = b""
typed = False
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    seen += data
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
    if not typed and b"to confirm:" in seen:
        os.write(fd, answer)
        typed = True
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))

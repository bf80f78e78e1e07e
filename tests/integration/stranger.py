#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A stranger at the usbmuxd endpoint, for the hostile-usbmuxd cases.

    stranger.py unix|tcp garbage|close|silent ADDRFILE

Listens on a UNIX socket (ADDRFILE.sock) or on 127.0.0.1 only (a port the
kernel picks), then writes the USBMUXD_SOCKET_ADDRESS value that reaches
it to ADDRFILE (atomically, so a non-empty file means it listens). Each
connection gets an HTTP error line (garbage), is closed at once (close),
or is accepted and never answered (silent).
"""
import os
import socket
import sys

family, behaviour, addrfile = sys.argv[1:4]
if family == "unix":
    s = socket.socket(socket.AF_UNIX)
    s.bind(addrfile + ".sock")
    addr = "UNIX:" + addrfile + ".sock"
else:
    s = socket.socket(socket.AF_INET)
    s.bind(("127.0.0.1", 0))
    addr = "127.0.0.1:%d" % s.getsockname()[1]
s.listen(64)
with open(addrfile + ".tmp", "w") as f:
    f.write(addr + "\n")
os.rename(addrfile + ".tmp", addrfile)
held = []
while True:
    c, _ = s.accept()
    if behaviour == "silent":
        held.append(c)
        continue
    if behaviour == "garbage":
        c.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
    c.close()

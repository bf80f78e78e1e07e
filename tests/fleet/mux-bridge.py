#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""mux-bridge.py UNIX_SOCKET: a usbmuxd proxy in the small, for the test of
how far USBMUXD_SOCKET_ADDRESS=host:port carries: listens on 127.0.0.1 (an
ephemeral port, printed on stdout) and forwards each connection to the
lab's usbmuxd socket, byte for byte, as usbfluxd forwards a remote usbmuxd.
Loopback only; run it in the tests' private network namespace, where it
first brings the loopback interface up."""

import fcntl
import socket
import struct
import sys
import threading

SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def loopback_up():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sh", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(s, SIOCGIFFLAGS, req))[1]
        if not flags & IFF_UP:
            fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sh", b"lo", flags | IFF_UP))


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(listener, path):
    while True:
        client, _ = listener.accept()
        mux = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        mux.connect(path)
        for a, b in ((client, mux), (mux, client)):
            threading.Thread(target=pump, args=(a, b), daemon=True).start()


def main():
    loopback_up()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print(listener.getsockname()[1], flush=True)
    serve(listener, sys.argv[1])


if __name__ == "__main__":
    main()

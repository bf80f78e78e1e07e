#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A stand-in for Apple's signing server (TSS), loopback only, for tests.

signer.py MODE PORTFILE LOGFILE CERT KEY

Listens on 127.0.0.1 (an ephemeral port, written to PORTFILE) as an HTTP
proxy: the engine reaches it through https_proxy/http_proxy. CONNECT is
answered and the tunnel is served as TLS with a self-signed certificate
for gs.apple.com; plain proxied requests are served directly. Every URL
asked for is logged, so a test can show nothing else was contacted.

MODE: ok (a ticket), refuse (STATUS=94, not signed), unreachable (every
CONNECT refused: the engine sees a connection failure), hold (like ok, but
each answer waits until a line is written to the FIFO LOGFILE.release, so a
test can act while the engine waits for its ticket).
Refuses to start unless the only network interface is loopback.
"""
import os
import socket
import ssl
import sys
import threading

MODE, PORTFILE, LOGFILE, CERT, KEY = sys.argv[1:6]
lock = threading.Lock()


def log(line):
    with lock, open(LOGFILE, "a") as f:
        f.write(line + "\n")


def only_loopback():
    # /proc/self/net/dev lists this process's network namespace (sysfs may not).
    with open("/proc/self/net/dev") as f:
        names = [l.split(":")[0].strip() for l in f.readlines()[2:]]
    return names == ["lo"]


TICKET = (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          b"<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
          b"\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
          b"<plist version=\"1.0\"><dict><key>ApImg4Ticket</key>"
          b"<data>MAMCAQA=</data></dict></plist>\n")


def answer(stream, url):
    """Read one HTTP request (headers + body) from stream, answer it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = stream.recv(65536)
        if not chunk:
            return
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for h in lines[1:]:
        if h.lower().startswith("content-length:"):
            length = int(h.split(":", 1)[1])
    while len(body) < length:
        chunk = stream.recv(65536)
        if not chunk:
            break
        body += chunk
    target = lines[0].split(" ")[1]
    log("request %s %s bytes=%d ecid=%s" % (url or target, lines[0].split(" ")[0], len(body),
                                              b"ApECID" in body))
    if MODE == "hold":
        log("holding")
        with open(LOGFILE + ".release") as fifo:
            fifo.readline()
    if MODE == "refuse":
        reply = b"STATUS=94&MESSAGE=This device isn't eligible for the requested build."
    else:
        reply = b"STATUS=0&MESSAGE=SUCCESS&REQUEST_STRING=" + TICKET
    stream.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                   b"Connection: close\r\n\r\n" % len(reply) + reply)


def serve(conn, ctx):
    try:
        first = b""
        while b"\r\n\r\n" not in first:
            chunk = conn.recv(4096)
            if not chunk:
                return
            first += chunk
        line = first.split(b"\r\n", 1)[0].decode("latin-1")
        method, target = line.split(" ")[:2]
        if method != "CONNECT":
            log("proxy %s" % target)
            if MODE == "unreachable":
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            # The request is already read up to the body: answer on a fake stream.
            class Replay:
                def __init__(self, pre, sock):
                    self.pre, self.sock = pre, sock

                def recv(self, n):
                    if self.pre:
                        b, self.pre = self.pre, b""
                        return b
                    return self.sock.recv(n)

                def sendall(self, b):
                    self.sock.sendall(b)
            answer(Replay(first, conn), target)
            return
        log("connect %s" % target)
        if MODE == "unreachable":
            conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        tls = ctx.wrap_socket(conn, server_side=True)
        answer(tls, "https://" + target.split(":")[0])
        tls.close()
    except (OSError, ValueError, ssl.SSLError) as e:
        log("error %s" % e)
    finally:
        conn.close()


def main():
    if not only_loopback():
        sys.stderr.write("signer.py: refusing to run outside a loopback-only namespace\n")
        sys.exit(2)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CERT, KEY)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    with open(PORTFILE + ".tmp", "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(PORTFILE + ".tmp", PORTFILE)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, ctx), daemon=True).start()


if __name__ == "__main__":
    main()

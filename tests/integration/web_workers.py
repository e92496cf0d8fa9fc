#!/usr/bin/env python3
"""Keep-alive clients for tests/integration/web_workers.sh: opens N connections to host:port, then for
ROUNDS rounds sends one GET on every connection at once (all written before any answer is read) and
reads every answer, each round within DEADLINE seconds. Prints one JSON line: the connections opened,
the answers read in each round, the slowest round's seconds. With hold=S it then keeps the connections
open (idle) for S seconds before closing them."""
import json
import selectors
import socket
import sys
import time


def main():
    a = dict(x.split("=", 1) for x in sys.argv[1:])
    host, port = a["host"], int(a["port"])
    n, rounds = int(a.get("conns", 256)), int(a.get("rounds", 5))
    deadline, hold = float(a.get("deadline", 10)), float(a.get("hold", 0))
    path = a.get("path", "/api/ports/2908")
    conns = []
    for _ in range(n):
        s = socket.create_connection((host, port), timeout=5)
        s.setblocking(False)
        conns.append(s)
    req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (path, host, port)).encode()
    answered, slowest = [], 0.0
    sel = selectors.DefaultSelector()
    for s in conns:
        sel.register(s, selectors.EVENT_READ)
    for _ in range(rounds):
        for s in conns:
            s.sendall(req)  # a few dozen bytes: the socket buffer takes them at once
        bufs = {s: b"" for s in conns}
        done = set()
        t0 = time.monotonic()
        while len(done) < n and time.monotonic() - t0 < deadline:
            for key, _ in sel.select(timeout=0.2):
                s = key.fileobj
                if s in done:
                    continue
                try:
                    chunk = s.recv(65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    done.add(s)  # closed: not an answer
                    bufs[s] = None
                    continue
                bufs[s] += chunk
                head, sep, body = bufs[s].partition(b"\r\n\r\n")
                if not sep:
                    continue
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length":
                        length = int(v)
                if len(body) >= length:
                    done.add(s)
        ok = sum(1 for s in conns if bufs[s] and bufs[s].startswith(b"HTTP/1.1 200"))
        answered.append(ok)
        slowest = max(slowest, time.monotonic() - t0)
        if ok < n:
            break
    print(json.dumps({"conns": len(conns), "answered": answered, "slowest_s": round(slowest, 3)}), flush=True)
    if hold:
        time.sleep(hold)
    for s in conns:
        s.close()


if __name__ == "__main__":
    main()

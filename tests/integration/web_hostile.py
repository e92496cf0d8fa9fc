#!/usr/bin/env python3
"""Hostile clients for tests/integration/web_hostile.sh, all in one event loop (selectors, no threads):

  slowloris  N connections from the given addresses, each sending a request head a byte a second and
             never finishing it; when the server cuts one, it opens another (the pressure stays)
  idle       N connections that send nothing
  nonreading N connections that ask for PATH many times (pipelined) and never read the answers

While they are open, a normal client (127.0.0.1) asks for PROBE every PROBE_EVERY seconds and records
how long the whole answer took. Prints one JSON line: the probes' latencies, how long the slowloris
connections lived before the server cut them, and how many connections of each kind were open at the
end. Bounded: runs DURATION seconds, whatever happens.
"""
import json
import resource
import selectors
import socket
import sys
import time


def main():
    args = dict(a.split("=", 1) for a in sys.argv[1:])
    host, port = args["host"], int(args["port"])
    duration = float(args.get("duration", "20"))
    probe_path = args.get("probe", "/ports/2908")
    probe_every = float(args.get("probe_every", "1"))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    sel = selectors.DefaultSelector()
    conns = {}  # fd -> dict(kind, sock, opened, sent)
    cut_after = []  # seconds a slowloris connection lived before the server closed it
    counts = {"slowloris": 0, "idle": 0, "nonreading": 0}
    failed_connects = 0

    def open_conn(kind, src):
        nonlocal failed_connects
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if kind == "nonreading":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        try:
            s.bind((src, 0))
            s.setblocking(False)
            s.connect_ex((host, port))
        except OSError:
            failed_connects += 1
            s.close()
            return
        c = {"kind": kind, "sock": s, "opened": time.monotonic(), "sent": 0, "src": src}
        conns[s.fileno()] = c
        counts[kind] += 1
        if kind == "nonreading":
            # many requests at once, never read: the answers pile up in the server's socket buffer
            req = b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" * 64
            c["pending"] = req
            sel.register(s, selectors.EVENT_WRITE, c)
        else:
            # watch for the server closing it (readable: EOF or RST)
            sel.register(s, selectors.EVENT_READ, c)

    def close_conn(c):
        s = c["sock"]
        try:
            sel.unregister(s)
        except (KeyError, ValueError):
            pass
        conns.pop(s.fileno(), None)
        counts[c["kind"]] -= 1
        s.close()

    def spread(n, addrs):
        for i in range(n):
            yield addrs[i % len(addrs)]

    slow_addrs = args.get("slow_from", "127.0.0.2,127.0.0.3,127.0.0.4").split(",")
    idle_addrs = args.get("idle_from", "127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8").split(",")
    nonread_addrs = args.get("nonreading_from", "127.0.0.9,127.0.0.10,127.0.0.11,127.0.0.12").split(",")
    want = {"slowloris": int(args.get("slowloris", "0")), "idle": int(args.get("idle", "0")),
            "nonreading": int(args.get("nonreading", "0"))}
    srcs = {"slowloris": list(spread(want["slowloris"], slow_addrs)),
            "idle": list(spread(want["idle"], idle_addrs)),
            "nonreading": list(spread(want["nonreading"], nonread_addrs))}
    for kind in ("idle", "slowloris", "nonreading"):
        for src in srcs[kind]:
            open_conn(kind, src)

    head = b"GET /ports/2908 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 4000
    probes = []
    start = time.monotonic()
    next_tick = start + 1
    next_probe = start + float(args.get("probe_after", "2"))
    while time.monotonic() - start < duration:
        now = time.monotonic()
        timeout = max(0.0, min(next_tick, next_probe) - now)
        for key, ev in sel.select(timeout=min(timeout, 0.2)):
            c = key.data
            s = c["sock"]
            if ev & selectors.EVENT_WRITE and c.get("pending"):
                try:
                    n = s.send(c["pending"])
                    c["pending"] = c["pending"][n:]
                except BlockingIOError:
                    pass
                except OSError:
                    close_conn(c)
                    continue
                if not c["pending"]:
                    sel.unregister(s)  # never read: leave it be
                continue
            if ev & selectors.EVENT_READ:
                try:
                    data = s.recv(4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    if c["kind"] == "slowloris":
                        cut_after.append(time.monotonic() - c["opened"])
                    close_conn(c)
        now = time.monotonic()
        if now >= next_tick:
            next_tick += 1
            # every slowloris connection sends one more byte of its head
            for c in list(conns.values()):
                if c["kind"] == "slowloris" and c["sent"] < len(head):
                    try:
                        c["sock"].send(head[c["sent"]:c["sent"] + 1])
                        c["sent"] += 1
                    except (BlockingIOError, OSError):
                        pass
            # keep the pressure: replace what the server cut
            for kind in ("slowloris", "idle"):
                missing = want[kind] - counts[kind]
                for src in srcs[kind][:max(0, missing)]:
                    open_conn(kind, src)
        if now >= next_probe:
            next_probe += probe_every
            t0 = time.monotonic()
            status = 0
            try:
                p = socket.create_connection((host, port), timeout=5)
                p.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" % probe_path).encode())
                buf = b""
                while True:
                    d = p.recv(65536)
                    if not d:
                        break
                    buf += d
                p.close()
                status = int(buf.split(b" ", 2)[1]) if buf.startswith(b"HTTP/1.1 ") else 0
            except OSError:
                status = -1
            probes.append({"ms": round((time.monotonic() - t0) * 1000, 2), "status": status})
    print(json.dumps({"probes": probes, "slowloris_cut_after": sorted(round(x, 1) for x in cut_after),
                      "open": counts, "failed_connects": failed_connects}))
    for c in list(conns.values()):
        c["sock"].close()


if __name__ == "__main__":
    main()

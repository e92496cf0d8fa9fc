#!/usr/bin/env python3
"""Socket load for bench/sockets.sh: PROCS processes on 127.0.0.1 only, each with one listener and CONNS
established connections to it (so 2*CONNS established sockets each), and with PORT given one more process
listening on 127.0.0.1:PORT over TCP and UDP (an owned listener to find). Prints the pids, one a line,
then 'ready' and waits; each child exits when its parent does (or on SIGTERM).
Usage: load.py PROCS CONNS [PORT]"""
import os
import signal
import socket
import sys
import time

procs, conns = int(sys.argv[1]), int(sys.argv[2])
port = int(sys.argv[3]) if len(sys.argv) > 3 else 0
pids = []
for i in range(procs + (1 if port else 0)):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", port if i == procs else 0))
        ls.listen(conns + 8)
        keep = [ls]
        if i == procs:
            us = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            us.bind(("127.0.0.1", port))
            keep.append(us)
        for _ in range(conns if i < procs else 0):
            c = socket.create_connection(ls.getsockname())
            a, _ = ls.accept()
            keep += [c, a]
        os.write(w, b"x")
        os.close(w)
        ppid = os.getppid()
        while os.getppid() == ppid:
            time.sleep(0.5)
        os._exit(0)
    os.close(w)
    os.read(r, 1)
    os.close(r)
    pids.append(pid)
for p in pids:
    print(p)
print("ready", flush=True)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
try:
    while True:
        time.sleep(1)
finally:
    for p in pids:
        try:
            os.kill(p, signal.SIGTERM)
        except ProcessLookupError:
            pass

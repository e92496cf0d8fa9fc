#!/usr/bin/env python3
"""Socket load for bench/sockets.sh: PROCS processes on 127.0.0.1 only, each with one listener and CONNS
established connections to it (so 2*CONNS established sockets each). Prints the pids, one a line, then
'ready' and waits; each child exits when its parent does (or on SIGTERM)."""
import os
import signal
import socket
import sys
import time

procs, conns = int(sys.argv[1]), int(sys.argv[2])
pids = []
for _ in range(procs):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
        ls = socket.socket()
        ls.bind(("127.0.0.1", 0))
        ls.listen(conns + 8)
        keep = [ls]
        for _ in range(conns):
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

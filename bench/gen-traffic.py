#!/usr/bin/env python3
"""Makes the benchmark's multi-MB capture from the small real ones in tests/captures/: each IPv4 conversation
is copied COPIES times with its addresses moved to 10.X.Y.d (X.Y the copy, d the original last byte), and
every copy shifted in time so that the copies interleave like many clients at once. IPv6 frames are left
out. Written to OUT; never committed. Usage: bench/gen-traffic.py CAPTURES_DIR OUT [COPIES]"""
import heapq
import os
import struct
import sys

NAMES = ["http", "tls", "ssh", "redis", "dns", "busy", "scan-connect", "scan-syn", "scan-udp"]


def frames(path):
    data = open(path, "rb").read()
    off = 24
    while off + 16 <= len(data):
        sec, usec, caplen, wirelen = struct.unpack("<IIII", data[off:off + 16])
        yield sec + usec / 1e6, data[off + 16:off + 16 + caplen], wirelen
        off += 16 + caplen


def main():
    src, out = sys.argv[1], sys.argv[2]
    copies = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    base = []
    for n in NAMES:
        fr = [f for f in frames(os.path.join(src, n + ".pcap")) if f[1][12:14] == b"\x08\x00"]
        t0 = fr[0][0]
        base.append([(t - t0, b, w) for t, b, w in fr])
    heap = []
    for k in range(copies):
        for i, fr in enumerate(base):
            shift = k * 0.02 + i * 0.003
            heap.append((fr[0][0] + shift, k, i, 0, shift))
    heapq.heapify(heap)
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        while heap:
            t, k, i, j, shift = heapq.heappop(heap)
            _, frame, wire = base[i][j]
            fb = bytearray(frame)
            x, y = (k >> 8) & 0xFF, k & 0xFF
            for a in (26, 30):  # IPv4 source and destination behind a 14-byte Ethernet header
                if fb[a] == 127:
                    fb[a:a + 3] = bytes((10, x, y))
            # ICMP errors quote the original header: move its addresses too (IHL 5, ICMP header 8 bytes)
            if fb[23] == 1 and len(fb) >= 14 + 20 + 8 + 20:
                for a in (14 + 28 + 12, 14 + 28 + 16):
                    if fb[a] == 127:
                        fb[a:a + 3] = bytes((10, x, y))
            ts = 1700000000 + t
            sec = int(ts)
            f.write(struct.pack("<IIII", sec, int((ts - sec) * 1e6), len(fb), wire) + fb)
            if j + 1 < len(base[i]):
                heapq.heappush(heap, (base[i][j + 1][0] + shift, k, i, j + 1, shift))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Derives the link-type and damage variants of tests/captures/ from the real captures made by
tools/captures.sh: the same frames as BSD null and OpenBSD loop, raw IP, 802.1Q and QinQ tagged Ethernet,
pcapng; a capture cut in the middle of a record; frames with lying headers. Deterministic: rerunning it on
the same inputs gives the same files. Usage: tools/pcap-variants.py DIR"""
import os
import struct
import sys


def read_pcap(path):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    frames, off = [], 24
    while off + 16 <= len(data):
        sec, usec, caplen, wirelen = struct.unpack(endian + "IIII", data[off:off + 16])
        frames.append((sec, usec, data[off + 16:off + 16 + caplen], wirelen))
        off += 16 + caplen
    return linktype, frames


def write_pcap(path, linktype, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype))
        for sec, usec, frame, wirelen in frames:
            f.write(struct.pack("<IIII", sec, usec, len(frame), wirelen) + frame)


def write_pcapng(path, linktype, frames):
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        n = len(body) + 12
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)

    with open(path, "wb") as f:
        f.write(block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
        f.write(block(1, struct.pack("<HHI", linktype, 0, 262144)))
        for sec, usec, frame, wirelen in frames:
            ts = sec * 1000000 + usec
            f.write(block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), wirelen) + frame))


def strip_ether(frames):
    """(ethertype, l3 bytes) of each Ethernet frame."""
    return [(s, u, struct.unpack(">H", fr[12:14])[0], fr[14:], w - 14) for s, u, fr, w in frames]


def main():
    d = sys.argv[1]
    lt, frames = read_pcap(os.path.join(d, "http.pcap"))
    assert lt == 1, "http.pcap should be Ethernet (loopback on Linux)"
    l3 = strip_ether(frames)
    # BSD null: the address family in the capturing host's order (little-endian here), macOS's AF_INET6 30.
    write_pcap(os.path.join(d, "http-null.pcap"), 0,
               [(s, u, struct.pack("<I", 2 if et == 0x0800 else 30) + p, w + 4) for s, u, et, p, w in l3])
    # OpenBSD loop: network order, OpenBSD's AF_INET6 24.
    write_pcap(os.path.join(d, "http-loop.pcap"), 108,
               [(s, u, struct.pack(">I", 2 if et == 0x0800 else 24) + p, w + 4) for s, u, et, p, w in l3])
    # Raw IP (LINKTYPE_RAW, 101).
    write_pcap(os.path.join(d, "http-raw.pcap"), 101, [(s, u, p, w) for s, u, et, p, w in l3])
    # 802.1Q on every frame, QinQ (802.1ad outer) on every other.
    tagged = []
    for i, (s, u, fr, w) in enumerate(frames):
        tags = struct.pack(">HH", 0x8100, 42)
        if i % 2:
            tags = struct.pack(">HH", 0x88A8, 7) + tags
        tagged.append((s, u, fr[:12] + tags + fr[12:], w + len(tags)))
    write_pcap(os.path.join(d, "http-vlan.pcap"), 1, tagged)
    write_pcapng(os.path.join(d, "http.pcapng"), 1, frames)

    # A capture cut in the middle of a record, as a full disk or a killed writer leaves it.
    ssh = open(os.path.join(d, "ssh.pcap"), "rb").read()
    open(os.path.join(d, "ssh-truncated.pcap"), "wb").write(ssh[:len(ssh) * 2 // 3 + 7])

    # Frames whose headers lie: each must be counted as damaged, none may crash the decoder.
    s0, u0, good, w0 = frames[0]
    bad = []
    def put(fr):
        bad.append((s0, u0 + len(bad), fr, max(len(fr), 14)))
    put(good[:10])                                   # shorter than Ethernet
    put(good[:14] + b"\x45" + good[15:24])            # IPv4 cut inside its header
    put(good[:14] + b"\x41" + good[15:])              # IHL 4 bytes
    put(good[:14] + b"\x4f" + good[15:])              # IHL 60 bytes, more than there is
    put(good[:14] + b"\x65" + good[15:])              # version 6 behind an IPv4 EtherType
    tcp_at = 14 + 20
    put(good[:tcp_at + 12] + b"\x20" + good[tcp_at + 13:])  # TCP data offset 8 bytes
    put(good[:tcp_at + 12] + b"\xf0" + good[tcp_at + 13:])  # TCP data offset 60 bytes, beyond the packet
    put(good[:16] + b"\x00\x10" + good[18:])          # IP total length shorter than its header
    put(good[:12] + b"\x81\x00\x00\x2a")              # a VLAN tag and nothing after it
    put(good[:12] + b"\x08\x06" + b"\0" * 28)          # ARP
    put(b"\xff" * 64)                                  # noise
    write_pcap(os.path.join(d, "malformed.pcap"), 1, bad + frames)
    open(os.path.join(d, "not-a-capture.pcap"), "wb").write(b"GET / HTTP/1.1\r\nHost: example\r\n\r\n" * 4)


if __name__ == "__main__":
    main()

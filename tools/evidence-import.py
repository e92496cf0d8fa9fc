#!/usr/bin/env python3
"""Regenerates portlore's evidence tables in data/ from pinned Debian packages (see docs/evidence.md):

  data/wireshark-ports.tsv  `tshark -G decodes` + `tshark -G protocols` (Debian tshark)
  data/nmap-services.tsv    /usr/share/nmap/nmap-services (Debian nmap-common): ports ever found open
  data/netbase-services.tsv /etc/services as shipped by Debian netbase (checked against the package's md5)

Facts only (port, transport, names, frequencies); each file starts with a '# source:' line naming the
package and version, which the build embeds and the output cites. data/known-uses.tsv is curated by hand.
Usage: tools/evidence-import.py [--out DIR] [--tshark PATH] [--nmap-services PATH] [--services PATH]
"""
import argparse
import hashlib
import subprocess
import sys

TRANSPORTS = {"tcp.port": "tcp", "udp.port": "udp", "sctp.port": "sctp", "dccp.port": "dccp",
              "tls.port": "tcp", "dtls.port": "udp"}


def pkg_version(pkg):
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], check=True, capture_output=True,
                              text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        sys.exit(f"evidence-import: Debian package {pkg} is not installed (apt-get install {pkg})")


def clean(s):
    return " ".join(s.replace("\t", " ").split())


def wireshark(out, tshark):
    ver = pkg_version("tshark")
    run = lambda *a: subprocess.run([tshark, *a], check=True, capture_output=True, text=True).stdout
    full = {}
    for line in run("-G", "protocols").splitlines():
        f = line.split("\t")
        if len(f) == 3:
            full.setdefault(f[2], (clean(f[1]), clean(f[0])))
    rows = set()
    for line in run("-G", "decodes").splitlines():
        f = line.split("\t")
        if len(f) != 3 or f[0] not in TRANSPORTS or not f[1].isdigit() or not 0 < int(f[1]) < 65536:
            continue
        short, name = full.get(f[2], (f[2].upper(), f[2]))
        over = " over TLS" if f[0] == "tls.port" else " over DTLS" if f[0] == "dtls.port" else ""
        rows.add((int(f[1]), TRANSPORTS[f[0]], f[2], clean(short), clean(name) + over))
    with open(f"{out}/wireshark-ports.tsv", "w") as o:
        o.write(f"# source: Wireshark dissectors registered by port (Debian tshark {ver}, tshark -G decodes)\n")
        o.write("# licence: GPL-2.0-or-later (Wireshark); facts only: port, transport, dissector names\n")
        o.write("# port\ttransport\tfilter\tshort name\tfull name\n")
        for r in sorted(rows):
            o.write("\t".join(str(x) for x in r) + "\n")
    return len(rows)


def nmap(out, path):
    ver = pkg_version("nmap-common")
    rows = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            p = line.rstrip("\n").split("\t")
            if len(p) < 3 or "/" not in p[1]:
                continue
            port, proto = p[1].split("/", 1)
            freq = float(p[2])
            if freq > 0 and proto in ("tcp", "udp", "sctp"):
                rows.append((int(port), proto, clean(p[0]), p[2]))
    with open(f"{out}/nmap-services.tsv", "w") as o:
        o.write(f"# source: Nmap open-port frequencies (Debian nmap-common {ver}, /usr/share/nmap/nmap-services)\n")
        o.write("# licence: Nmap (Debian: nmap-GPL-2); facts only: port, transport, "
                "name, frequency; ports never found open (frequency 0) are left out\n")
        o.write("# port\ttransport\tname\tfrequency\n")
        for r in sorted(rows):
            o.write("\t".join(str(x) for x in r) + "\n")
    return len(rows)


def netbase(out, path):
    ver = pkg_version("netbase")
    data = open(path, "rb").read()
    conf = subprocess.run(["dpkg-query", "-W", "-f=${Conffiles}", "netbase"], capture_output=True, text=True).stdout
    want = [l.split()[1] for l in conf.splitlines() if l.split()[:1] == ["/etc/services"]]
    if path == "/etc/services" and want and hashlib.md5(data).hexdigest() != want[0]:
        sys.exit("evidence-import: /etc/services differs from netbase's shipped file; pass --services FILE")
    rows = []
    for line in data.decode("utf-8", "replace").splitlines():
        line = line.split("#", 1)[0].split()
        if len(line) < 2 or "/" not in line[1]:
            continue
        port, proto = line[1].split("/", 1)
        rows.append((int(port), proto, line[0], " ".join(line[2:])))
    with open(f"{out}/netbase-services.tsv", "w") as o:
        o.write(f"# source: Debian netbase {ver} /etc/services (services in use, per its maintainers)\n")
        o.write("# licence: GPL-2.0 (netbase); facts only: port, transport, name, aliases\n")
        o.write("# port\ttransport\tname\taliases\n")
        for r in sorted(rows):
            o.write("\t".join(str(x) for x in r) + "\n")
    return len(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="data")
    ap.add_argument("--tshark", default="tshark")
    ap.add_argument("--nmap-services", default="/usr/share/nmap/nmap-services")
    ap.add_argument("--services", default="/etc/services")
    a = ap.parse_args()
    print("wireshark-ports.tsv:", wireshark(a.out, a.tshark))
    print("nmap-services.tsv:", nmap(a.out, a.nmap_services))
    print("netbase-services.tsv:", netbase(a.out, a.services))


if __name__ == "__main__":
    main()

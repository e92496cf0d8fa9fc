/* The kernel's port policy, read from /proc/sys/net/ipv4 (per network namespace): the first port an
 * unprivileged process may bind, the ephemeral range the kernel picks from, and the ports held back
 * from it. Plus whether the caller may bind privileged ports (root, or CAP_NET_BIND_SERVICE). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portlore/sockets.h"
#include "util/util.h"

#define CAP_NET_BIND_SERVICE_BIT 10

static int read_ints(const char *proc_root, const char *name, uint32_t *v, int want)
{
	char path[512], *buf;
	size_t len;
	snprintf(path, sizeof path, "%s/sys/net/ipv4/%s", proc_root, name);
	if (pl_read_proc(path, 4096, &buf, &len, NULL))
		return -1;
	const char *p = buf;
	int rc = 0;
	for (int i = 0; i < want && rc == 0; i++) {
		while (*p == ' ' || *p == '\t')
			p++;
		size_t n = strspn(p, "0123456789");
		rc = pl_parse_uint(p, n, 65536, &v[i]) ? -1 : 0;
		p += n;
	}
	free(buf);
	return rc;
}

static int parse_reserved(const char *buf, pl_host_ports *h);

/* "8080,9000-9010" into ranges; an empty file means none. */
static int read_reserved(const char *proc_root, pl_host_ports *h)
{
	char path[512], *buf;
	size_t len;
	snprintf(path, sizeof path, "%s/sys/net/ipv4/ip_local_reserved_ports", proc_root);
	/* Read whole, in one read: the kernel answers nothing at a non-zero offset, so a read in pieces
	 * turned "20000-20010,8080" into "2" (tests/integration/cli_hostports.sh). */
	if (pl_read_proc(path, 1u << 20, &buf, &len, NULL))
		return -1;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	int n = parse_reserved(buf, h);
	free(buf);
	return n;
}

static int parse_reserved(const char *buf, pl_host_ports *h)
{
	int n = 0;
	for (const char *p = buf; *p && n < PL_MAX_RESERVED_RANGES;) {
		size_t a = strspn(p, "0123456789");
		uint32_t lo, hi;
		if (pl_parse_uint(p, a, 65535, &lo))
			return -1;
		p += a;
		hi = lo;
		if (*p == '-') {
			size_t b = strspn(++p, "0123456789");
			if (pl_parse_uint(p, b, 65535, &hi))
				return -1;
			p += b;
		}
		h->reserved[n][0] = (uint16_t)lo;
		h->reserved[n][1] = (uint16_t)hi;
		n++;
		if (*p == ',')
			p++;
		else if (*p)
			return -1;
	}
	return n;
}

static bool has_bind_cap(const char *proc_root)
{
	char path[512], line[256];
	snprintf(path, sizeof path, "%s/self/status", proc_root);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool cap = false;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "CapEff:", 7) == 0) {
			unsigned long long v = 0;
			const char *p = line + 7;
			while (*p == ' ' || *p == '\t')
				p++;
			for (int i = 0; i < 16 && p[i]; i++) {
				char c = p[i];
				int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
				if (d < 0)
					break;
				v = v << 4 | (unsigned)d;
			}
			cap = (v >> CAP_NET_BIND_SERVICE_BIT) & 1;
			break;
		}
	}
	fclose(f);
	return cap;
}

void pl_host_ports_read(const char *proc_root, pl_host_ports *h)
{
	uint32_t v[2];
	memset(h, 0, sizeof *h);
	h->unpriv_start = read_ints(proc_root, "ip_unprivileged_port_start", v, 1) == 0 ? (int)v[0] : -1;
	if (read_ints(proc_root, "ip_local_port_range", v, 2) == 0) {
		h->eph_lo = (int)v[0];
		h->eph_hi = (int)v[1];
	} else {
		h->eph_lo = h->eph_hi = -1;
	}
	h->nreserved = read_reserved(proc_root, h);
	h->root = geteuid() == 0 || has_bind_cap(proc_root);
}

bool pl_host_port_reserved(const pl_host_ports *h, uint16_t port)
{
	for (int i = 0; i < h->nreserved; i++)
		if (port >= h->reserved[i][0] && port <= h->reserved[i][1])
			return true;
	return false;
}

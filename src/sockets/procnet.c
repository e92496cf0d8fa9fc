/* The fallback when netlink sock_diag is refused (a seccomp filter, an LSM, a kernel built without it):
 * the text tables <proc_root>/net/{tcp,tcp6,udp,udp6}, parsed strictly and filtered while parsing. A line
 * without the kernel's shape is skipped, never guessed at. SCTP is not read here (PL_ENOTFOUND): its
 * /proc/net/sctp tables exist only with the module and do not say a socket's family. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"
#include "util/util.h"

#define READ_SIZE (64u << 10)
#define NFIELDS 10 /* sl local rem st tx:rx tr:when retrnsmt uid timeout inode, then what we ignore */

typedef struct field {
	const char *p;
	size_t len;
} field;

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Exactly len hex digits, len <= 8. */
static bool hex32(const char *s, size_t len, uint32_t *out)
{
	uint32_t v = 0;
	if (len == 0 || len > 8)
		return false;
	for (size_t i = 0; i < len; i++) {
		int d = hexval(s[i]);
		if (d < 0)
			return false;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return true;
}

static bool dec64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	if (len == 0 || len > 20)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* "0100007F:0050" or 32 hex digits and a port. The kernel prints each 32-bit word of the address as an
 * integer in host order (%08X of the __be32), so storing the parsed integer back gives the address
 * bytes in network order, on either endianness. */
static bool parse_endpoint(field f, int family, uint32_t addr[4], uint16_t *port)
{
	size_t words = family == AF_INET ? 1 : 4;
	if (f.len != words * 8 + 5 || f.p[words * 8] != ':')
		return false;
	for (size_t i = 0; i < words; i++)
		if (!hex32(f.p + i * 8, 8, &addr[i]))
			return false;
	uint32_t p;
	if (!hex32(f.p + words * 8 + 1, 4, &p))
		return false;
	*port = (uint16_t)p;
	return true;
}

/* "tx:rx", two 8-digit hex numbers. */
static bool parse_queues(field f, uint32_t *tx, uint32_t *rx)
{
	return f.len == 17 && f.p[8] == ':' && hex32(f.p, 8, tx) && hex32(f.p + 9, 8, rx);
}

static size_t split(const char *line, size_t len, field *out, size_t max)
{
	size_t n = 0, i = 0;
	while (i < len && n < max) {
		while (i < len && line[i] == ' ')
			i++;
		if (i == len)
			break;
		size_t start = i;
		while (i < len && line[i] != ' ')
			i++;
		out[n].p = line + start;
		out[n].len = i - start;
		n++;
	}
	return n;
}

/* 1 with *s filled, 0 when the line is filtered out or malformed. */
static int parse_line(const char *line, size_t len, pl_proto proto, int family, const pl_socket_query *q,
	pl_socket *s)
{
	field f[NFIELDS];
	if (split(line, len, f, NFIELDS) < NFIELDS)
		return 0;
	/* "12:": the slot number */
	if (f[0].len < 2 || f[0].p[f[0].len - 1] != ':' || !pl_is_digits(f[0].p, f[0].len - 1))
		return 0;
	uint32_t local[4] = {0}, remote[4] = {0};
	uint16_t lport, rport;
	if (!parse_endpoint(f[1], family, local, &lport))
		return 0;
	if (q->has_port && lport != q->port)
		return 0;
	if (!parse_endpoint(f[2], family, remote, &rport))
		return 0;
	uint32_t st, tx, rx, uid;
	uint64_t inode;
	if (f[3].len != 2 || !hex32(f[3].p, 2, &st) || !parse_queues(f[4], &tx, &rx))
		return 0;
	if (pl_parse_uint(f[7].p, f[7].len, UINT32_MAX, &uid) || !dec64(f[9].p, f[9].len, &inode))
		return 0;

	memset(s, 0, sizeof *s);
	s->proto = proto;
	s->family = family;
	s->state = (uint8_t)st;
	s->local_port = lport;
	s->remote_port = rport;
	if (proto == PL_PROTO_UDP)
		s->listening = st == PL_SS_CLOSE && lport != 0 && rport == 0;
	else
		s->listening = st == PL_SS_LISTEN;
	if (q->listening_only && !s->listening)
		return 0;
	if (!inet_ntop(family, local, s->local, sizeof s->local) ||
	    !inet_ntop(family, remote, s->remote, sizeof s->remote))
		return 0;
	s->inode = inode;
	s->uid = uid;
	s->wqueue = tx;
	s->rqueue = rx;
	s->owner_status = PL_OWNER_UNKNOWN;
	return 1;
}

static int parse_file(int fd, const char *path, pl_socket_set *set, pl_proto proto, int family,
	const pl_socket_query *q, pl_error *err)
{
	char *buf = malloc(READ_SIZE);
	if (!buf)
		return pl_error_set(err, PL_ENOMEM, "out of memory reading %s", path);
	size_t have = 0, lineno = 0;
	bool eof = false, overlong = false;
	int rc = 0;
	while (!eof) {
		ssize_t n = read(fd, buf + have, READ_SIZE - have);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = pl_error_errno(err, PL_EIO, errno, "read %s", path);
			break;
		}
		have += (size_t)n;
		eof = n == 0;
		size_t start = 0;
		for (;;) {
			char *nl = memchr(buf + start, '\n', have - start);
			size_t end = nl ? (size_t)(nl - buf) : have;
			if (!nl && !(eof && end > start))
				break;
			/* The first line is the column header; a line longer than the buffer is not the kernel's. */
			if (lineno++ > 0 && !overlong) {
				pl_socket s;
				if (parse_line(buf + start, end - start, proto, family, q, &s) && pl_sockset_push(set, &s)) {
					rc = pl_error_set(err, PL_ENOMEM, "out of memory listing sockets");
					goto out;
				}
			}
			overlong = false;
			start = nl ? end + 1 : end;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
		if (have == READ_SIZE) {
			overlong = true;
			have = 0;
		}
	}
out:
	free(buf);
	return rc;
}

int pl_procnet_dump(pl_socket_set *set, pl_proto proto, int family, const pl_socket_query *q, pl_error *err)
{
	const char *name;
	if (proto == PL_PROTO_TCP)
		name = family == AF_INET6 ? "tcp6" : "tcp";
	else if (proto == PL_PROTO_UDP)
		name = family == AF_INET6 ? "udp6" : "udp";
	else
		return pl_error_set(err, PL_ENOTFOUND, "/proc/net has no table of %s sockets that portlore reads",
			pl_proto_name(proto));
	if (family != AF_INET && family != AF_INET6)
		return pl_error_set(err, PL_EINVAL, "procnet: family %d", family);

	char path[4096];
	snprintf(path, sizeof path, "%s/net/%s", q->proc_root ? q->proc_root : "/proc", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return pl_error_set(err, PL_ENOTFOUND, "%s is absent", path);
		return pl_error_errno(err, PL_EIO, errno, "open %s", path);
	}
	int rc = parse_file(fd, path, set, proto, family, q, err);
	close(fd);
	return rc;
}

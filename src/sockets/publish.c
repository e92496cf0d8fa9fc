/* Following a published port to its service: the DNAT rule's target address names the namespace that holds
 * it (the addresses netns.c dumped), the namespace names the container (containers.c), and the socket
 * listening there on the target port is the service. The runtime helpers that hold the host port meanwhile
 * (docker-proxy, dockerd, conmon, rootlessport) are recognised so that they are explained, not taken for it. */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/util.h"

#include "internal.h"

static bool is_loopback(int family, const char *addr)
{
	unsigned char a[16];
	if (inet_pton(family, addr, a) != 1)
		return false;
	return family == AF_INET ? a[0] == 127 : !memcmp(a, in6addr_loopback.s6_addr, 16);
}

/* Does a socket bound to s->local take connections to (family, addr)? */
static bool accepts(const pl_socket *s, int family, const char *addr)
{
	if (!addr[0])
		return true;
	if (s->family == family && !strcmp(s->local, addr))
		return true;
	if (s->family == AF_INET && family == AF_INET && !strcmp(s->local, "0.0.0.0"))
		return true;
	if (s->family == AF_INET6 && !strcmp(s->local, "::"))
		return family == AF_INET6 || !s->v6only;
	if (s->family == AF_INET6 && family == AF_INET && !strncmp(s->local, "::ffff:", 7))
		return !strcmp(s->local + 7, addr);
	return false;
}

/* An id of 64 hex digits inside text (Podman's rule comments carry the container's), or "". */
static void id_in(const char *text, char out[65])
{
	out[0] = '\0';
	for (const char *p = text; *p; p++) {
		size_t n = strspn(p, "0123456789abcdef");
		if (n == 64) {
			memcpy(out, p, 64);
			out[64] = '\0';
			return;
		}
		p += n ? n - 1 : 0;
	}
}

void pl_publish_resolve(pl_socket_set *set, const pl_addr_list *addrs)
{
	for (size_t i = 0; i < set->npublished; i++) {
		pl_publish *p = &set->published[i];
		int ns = -1;
		if (!p->to_addr[0] || is_loopback(p->family, p->to_addr))
			ns = 0; /* redirected on this side: the listener is in the namespace that holds the rule */
		else
			ns = pl_netns_holding(addrs, p->family, p->to_addr);
		p->netns = ns;
		p->container = ns >= 0 ? set->netns[ns].container : -1;
		if (p->container < 0 && p->comment[0]) {
			char id[65];
			id_in(p->comment, id);
			for (size_t c = 0; id[0] && c < set->ncontainers; c++)
				if (!strcmp(set->containers[c].id, id))
					p->container = (int)c;
		}
		uint16_t port = p->to_port ? p->to_port : p->host_port;
		p->listener = -1;
		for (size_t k = 0; k < set->n; k++) {
			const pl_socket *s = &set->socks[k];
			if (!s->listening || s->proto != p->proto || s->local_port != port)
				continue;
			if (ns >= 0 ? s->netns != (uint32_t)ns : strcmp(s->local, p->to_addr) != 0)
				continue;
			if (!accepts(s, p->family, p->to_addr))
				continue;
			/* the runtime's own reservation on the target port (a rule to 127.0.0.1) is not the service */
			if (pl_socket_reservation(set, s))
				continue;
			p->listener = (int)k;
			/* the listener's own container (a pod's app container rather than its pause container) */
			if (s->owners_count && set->procs[set->owner_links[s->owners_first]].container >= 0)
				p->container = set->procs[set->owner_links[s->owners_first]].container;
			break;
		}
	}
}

size_t pl_published_find(const pl_socket_set *set, uint16_t port, pl_proto proto, uint32_t *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; set && i < set->npublished; i++) {
		const pl_publish *p = &set->published[i];
		if (port < p->host_port || port > p->host_port_last || (proto != PL_PROTO_NONE && proto != p->proto))
			continue;
		if (n < max)
			out[n] = (uint32_t)i;
		n++;
	}
	return n;
}

const char *pl_socket_reservation(const pl_socket_set *set, const pl_socket *s)
{
	static const struct {
		const char *comm, *why;
	} helpers[] = {
		{"docker-proxy", "docker-proxy, Docker's userland proxy, holds this port for a published container port "
				 "and relays each connection into the container: the service is the listener behind it"},
		{"dockerd", "dockerd holds this port as a reservation for a published container port (userland proxy "
			    "off): DNAT carries the traffic into the container, where the service listens"},
		{"conmon", "conmon, Podman's container monitor, holds this port as a reservation for a published "
			   "container port: DNAT carries the traffic into the container, where the service listens"},
		{"rootlessport", "rootlessport forwards this port into a rootless container's network namespace: the "
				 "service is the listener inside it"},
		{"rootlesskit", "rootlesskit forwards this port into a rootless container's network namespace: the "
				"service is the listener inside it"},
	};
	if (!s->listening)
		return NULL;
	for (uint32_t k = 0; k < s->owners_count; k++) {
		const pl_process *p = &set->procs[set->owner_links[s->owners_first + k]];
		for (size_t h = 0; h < sizeof helpers / sizeof helpers[0]; h++)
			if (!strcmp(p->comm, helpers[h].comm))
				return helpers[h].why;
	}
	return NULL;
}

/* The value after flag in a NUL-separated argv, or NULL. */
static const char *arg_after(const char *argv, size_t len, const char *flag)
{
	for (const char *p = argv; p < argv + len; p += strlen(p) + 1)
		if (!strcmp(p, flag) && p + strlen(p) + 1 < argv + len)
			return p + strlen(p) + 1;
	return NULL;
}

static bool port_arg(const char *s, uint16_t *out)
{
	uint32_t v;
	if (!s || pl_parse_uint(s, strlen(s), 65535, &v) != 0 || v == 0)
		return false;
	*out = (uint16_t)v;
	return true;
}

/* Without the DNAT rules (not root: nf_tables answers EPERM), Docker's userland proxies still say what
 * they forward: `docker-proxy -proto tcp -host-ip 127.0.0.1 -host-port 8080 -container-ip 172.17.0.2
 * -container-port 80`, readable in /proc/PID/cmdline by anyone (unless hidepid). */
int pl_publish_from_proxies(pl_socket_set *set, size_t *cap, const char *proc_root)
{
	DIR *d = opendir(proc_root);
	if (!d)
		return 0;
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(d))) {
		uint32_t pid;
		if (pl_parse_uint(e->d_name, strlen(e->d_name), INT32_MAX, &pid) != 0)
			continue;
		char path[4200], comm[32], argv[1024];
		snprintf(path, sizeof path, "%s/%u/comm", proc_root, pid);
		if (pl_read_small(path, comm, sizeof comm) != 0 || strcmp(comm, "docker-proxy") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%u/cmdline", proc_root, pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, argv, sizeof argv - 1);
		close(fd);
		if (n <= 0)
			continue;
		argv[n] = '\0';
		pl_publish p;
		memset(&p, 0, sizeof p);
		const char *proto = arg_after(argv, (size_t)n, "-proto"), *hip = arg_after(argv, (size_t)n, "-host-ip");
		const char *cip = arg_after(argv, (size_t)n, "-container-ip");
		const char *pr = proto ? proto : "tcp";
		if (pl_proto_parse(pr, strlen(pr), &p.proto) != 0 || p.proto == PL_PROTO_NONE || !port_arg(arg_after(argv, (size_t)n, "-host-port"), &p.host_port) ||
		    !port_arg(arg_after(argv, (size_t)n, "-container-port"), &p.to_port) || !cip)
			continue;
		unsigned char a[16];
		p.family = inet_pton(AF_INET, cip, a) == 1 ? AF_INET : AF_INET6;
		p.host_port_last = p.host_port;
		if (hip && strcmp(hip, "0.0.0.0") && strcmp(hip, "::")) {
			snprintf(p.host_addr, sizeof p.host_addr, "%.45s", hip);
			p.host_prefix = strchr(hip, ':') ? 128 : 32;
		}
		snprintf(p.to_addr, sizeof p.to_addr, "%.45s", cip);
		snprintf(p.source, sizeof p.source, "docker-proxy");
		snprintf(p.comment, sizeof p.comment, "pid %u", pid);
		p.netns = p.container = p.listener = -1;
		rc = pl_publish_push(set, cap, &p);
	}
	closedir(d);
	return rc;
}

/* Is a port safe to take for a new service? Unassigned in IANA's registry, free on this host, outside the
 * kernel's ephemeral range, bindable by the current user, and not one that browsers refuse to reach. */
#include <stdlib.h>

#include "portlore/explain.h"

/* The "bad ports" of the WHATWG Fetch standard (section "Port blocking"), which browsers refuse to
 * connect to: a web service there cannot be reached from a page. Port numbers only. */
static const uint16_t browser_blocked[] = {
	0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103,
	104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513,
	514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720,
	1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
};

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

size_t pl_check_blockers(const pl_registry *reg, uint16_t port, unsigned protos, uint32_t *out, size_t max)
{
	if (!protos)
		protos = 1u << PL_PROTO_TCP | 1u << PL_PROTO_UDP;
	/* every record covering the port, however many: a port inside flex-lm's 27000-27009 (no transport),
	 * a Reserved row, a De-registered one; only Unassigned leaves it free */
	uint32_t small[64], *idx = small;
	size_t n = pl_registry_lookup_port(reg, port, PL_PROTO_NONE, NULL, 0), found = 0;
	if (n > 64 && !(idx = malloc(n * sizeof *idx)))
		return 1; /* out of memory: not called free */
	pl_registry_lookup_port(reg, port, PL_PROTO_NONE, idx, n);
	for (size_t i = 0; i < n; i++) {
		pl_record r;
		if (pl_registry_record(reg, idx[i], &r) || r.status == PL_STATUS_UNASSIGNED)
			continue;
		if (r.proto == PL_PROTO_NONE || (protos & (1u << r.proto))) {
			if (found < max)
				out[found] = idx[i];
			found++;
		}
	}
	if (idx != small)
		free(idx);
	return found;
}

bool pl_port_browser_blocked(uint16_t port)
{
	return bsearch(&port, browser_blocked, sizeof browser_blocked / sizeof browser_blocked[0],
		       sizeof browser_blocked[0], cmp_u16) != NULL;
}

unsigned pl_check_port(const pl_registry *reg, const pl_host_ports *host, const pl_socket_set *set, uint16_t port,
		       unsigned protos)
{
	unsigned why = 0;
	if (!protos)
		protos = 1u << PL_PROTO_TCP | 1u << PL_PROTO_UDP;
	if (pl_check_blockers(reg, port, protos, NULL, 0))
		why |= PL_UNSAFE_REGISTERED;
	if (set)
		for (size_t i = 0; i < set->n; i++)
			if (set->socks[i].local_port == port && (protos & (1u << set->socks[i].proto)))
				why |= PL_UNSAFE_IN_USE;
	/* A port published through DNAT is taken even when no socket holds it (the rule answers first). */
	for (size_t i = 0; set && i < set->npublished; i++) {
		const pl_publish *p = &set->published[i];
		if (port >= p->host_port && port <= p->host_port_last && (protos & (1u << p->proto)))
			why |= PL_UNSAFE_IN_USE;
	}
	if (host->eph_lo >= 0 && port >= host->eph_lo && port <= host->eph_hi && !pl_host_port_reserved(host, port))
		why |= PL_UNSAFE_EPHEMERAL;
	if (!host->root && (host->unpriv_start < 0 ? port < 1024 : port < host->unpriv_start))
		why |= PL_UNSAFE_PRIVILEGED;
	if (pl_port_browser_blocked(port))
		why |= PL_UNSAFE_BROWSER;
	if (port >= 49152)
		why |= PL_UNSAFE_DYNAMIC;
	return why;
}

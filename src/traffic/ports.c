/* The summary per server port: every finished flow is folded into its port's counters (packets and bytes
 * each way, outcomes, distinct clients, protocols heard) and then freed, so memory follows the ports seen,
 * not the flows. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CLIENTS_MAX 65535u

struct pl_port_acc {
	pl_traffic_port p;
	uint64_t *clients; /* open addressing on the client address's hash; 0 = empty */
	size_t cap;
	const void *last_scanner; /* the source marked last: one source's attempts are marked together */
};

static uint64_t addr_key(uint8_t family, const uint8_t *a)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < (family == 6 ? 16u : 4u); i++)
		h = (h ^ a[i]) * 1099511628211ull;
	return h ? h : 1;
}

static void add_client(pl_portmap *m, pl_port_acc *acc, uint64_t key)
{
	if (acc->p.clients >= CLIENTS_MAX) {
		acc->p.clients_capped = true;
		return;
	}
	if ((size_t)acc->p.clients * 2 >= acc->cap) {
		size_t cap = acc->cap ? acc->cap * 2 : 16;
		if (m->client_slots + cap - acc->cap > PL_CLIENT_SLOTS_MAX) {
			acc->p.clients_capped = true; /* the budget is spent: a lower bound from here on */
			return;
		}
		uint64_t *t = calloc(cap, sizeof *t);
		if (!t)
			return;
		for (size_t i = 0; i < acc->cap; i++)
			if (acc->clients[i])
				for (size_t j = acc->clients[i] & (cap - 1);; j = (j + 1) & (cap - 1))
					if (!t[j]) {
						t[j] = acc->clients[i];
						break;
					}
		free(acc->clients);
		m->client_slots += cap - acc->cap;
		acc->clients = t;
		acc->cap = cap;
	}
	for (size_t j = key & (acc->cap - 1);; j = (j + 1) & (acc->cap - 1)) {
		if (acc->clients[j] == key)
			return;
		if (!acc->clients[j]) {
			acc->clients[j] = key;
			acc->p.clients++;
			return;
		}
	}
}

static pl_port_acc *slot(pl_portmap *m, pl_proto proto, uint16_t port, bool make)
{
	if (!m->slot) {
		if (!make)
			return NULL;
		m->slot = calloc(2 * 65536, sizeof *m->slot);
		if (!m->slot)
			return NULL;
	}
	pl_port_acc **s = &m->slot[(proto == PL_PROTO_UDP ? 65536 : 0) + port];
	if (!*s && make && m->max && m->n >= m->max)
		return NULL; /* past the bound: the caller sums the flow in m->other */
	if (!*s && make) {
		*s = calloc(1, sizeof **s);
		if (*s) {
			(*s)->p.port = port;
			(*s)->p.proto = proto;
			m->n++;
		}
	}
	return *s;
}

void pl_port_add_protocol(pl_traffic_port *p, const pl_flow *f)
{
	size_t i = 0;
	for (; i < p->nprotocols; i++)
		if (!strcmp(p->protocols[i].protocol, f->proto))
			break;
	if (i == p->nprotocols) {
		if (i == PL_TRAFFIC_MAX_PROTOCOLS)
			return;
		p->nprotocols++;
		memset(&p->protocols[i], 0, sizeof p->protocols[i]);
		memcpy(p->protocols[i].protocol, f->proto, sizeof f->proto);
		p->protocols[i].by = f->by;
	}
	pl_traffic_protocol *t = &p->protocols[i];
	t->flows++;
	if (strcmp(t->by, f->by) != 0)
		t->by = "ndpi+probe"; /* some flows named by nDPI, others only by the matchers */
	if (!t->application[0] && f->app[0])
		memcpy(t->application, f->app, sizeof t->application);
	if (!t->product[0] && f->product[0]) {
		memcpy(t->product, f->product, sizeof t->product);
		memcpy(t->version, f->version, sizeof t->version);
	}
}

void pl_port_fold(pl_traffic_port *p, const pl_flow *f, pl_tcp_outcome outcome)
{
	if (!p->flows || f->first < p->first)
		p->first = f->first;
	if (f->last > p->last)
		p->last = f->last;
	p->flows++;
	for (int d = 0; d < 2; d++) {
		p->packets[d] += f->pkts[d];
		p->bytes[d] += f->bytes[d];
	}
	p->outcome[outcome]++;
	if (outcome == PL_TCP_ESTABLISHED && (f->rst[0] || f->rst[1]))
		p->resets++;
	if (f->payload_pkts[0] || f->payload_pkts[1])
		p->payload_flows++;
	if (f->proto[0])
		pl_port_add_protocol(p, f);
}

static bool over_bound(const pl_portmap *m, const pl_flow *f)
{
	return m->max && m->n >= m->max && m->slot && !m->slot[(f->ipproto == 17 ? 65536 : 0) + f->sport];
}

int pl_ports_mark_seen(pl_portmap *m, const pl_flow *f)
{
	if (!m->seen && !(m->seen = calloc(PL_TRAFFIC_SEEN_BYTES, 1)))
		return PL_ENOMEM;
	size_t bit = (f->ipproto == 17 ? 65536u : 0u) + f->sport;
	if (!(m->seen[bit / 8] & (1u << (bit % 8)))) {
		m->seen[bit / 8] |= (uint8_t)(1u << (bit % 8));
		m->nseen++;
	}
	return 0;
}

int pl_ports_add_client(pl_portmap *m, const pl_flow *f)
{
	if (over_bound(m, f))
		return 0;
	pl_port_acc *acc = slot(m, f->ipproto == 6 ? PL_PROTO_TCP : PL_PROTO_UDP, f->sport, true);
	if (!acc)
		return PL_ENOMEM;
	add_client(m, acc, addr_key(f->family, f->caddr));
	return 0;
}

int pl_ports_add(pl_portmap *m, const pl_flow *f, pl_tcp_outcome outcome)
{
	if (pl_ports_mark_seen(m, f))
		return PL_ENOMEM;
	if (over_bound(m, f)) {
		pl_port_fold(&m->other, f, outcome);
		return 0;
	}
	pl_port_acc *acc = slot(m, f->ipproto == 6 ? PL_PROTO_TCP : PL_PROTO_UDP, f->sport, true);
	if (!acc)
		return PL_ENOMEM;
	pl_port_fold(&acc->p, f, outcome);
	add_client(m, acc, addr_key(f->family, f->caddr));
	return 0;
}

void pl_ports_add_scan_flows(pl_portmap *m, pl_proto proto, uint16_t port, uint64_t n, const void *source,
			     uint8_t family, const uint8_t *addr)
{
	pl_port_acc *acc = slot(m, proto, port, false);
	if (!acc)
		return;
	acc->p.scan_flows += n;
	if (acc->last_scanner == source)
		return;
	acc->last_scanner = source;
	if (acc->p.scanners < PL_TRAFFIC_PORT_SCANNERS) {
		acc->p.scanner_family[acc->p.scanners] = family;
		memcpy(acc->p.scanner_addr[acc->p.scanners], addr, 16);
	}
	acc->p.scanners++;
}

void pl_ports_clear_scan_flows(pl_portmap *m)
{
	for (size_t i = 0; m->slot && i < 2 * 65536; i++)
		if (m->slot[i]) {
			m->slot[i]->p.scan_flows = 0;
			m->slot[i]->p.scanners = 0;
			m->slot[i]->last_scanner = NULL;
		}
}

static int by_flows(const void *a, const void *b)
{
	const pl_traffic_protocol *x = a, *y = b;
	return x->flows < y->flows ? 1 : x->flows > y->flows ? -1 : strcmp(x->protocol, y->protocol);
}

int pl_ports_collect(pl_portmap *m, pl_traffic_result *r)
{
	size_t n = 0;
	for (size_t i = 0; m->slot && i < 2 * 65536; i++)
		n += m->slot[i] != NULL;
	r->ports = calloc(n ? n : 1, sizeof *r->ports);
	if (!r->ports)
		return PL_ENOMEM;
	for (size_t i = 0; m->slot && i < 2 * 65536; i++)
		if (m->slot[i]) {
			pl_traffic_port *p = &r->ports[r->nports++];
			*p = m->slot[i]->p;
			qsort(p->protocols, p->nprotocols, sizeof p->protocols[0], by_flows);
		}
	r->other = m->other;
	r->other.nprotocols = 0;
	r->ports_seen = m->nseen;
	if (m->seen) {
		if (!(r->seen = malloc(PL_TRAFFIC_SEEN_BYTES)))
			return PL_ENOMEM;
		memcpy(r->seen, m->seen, PL_TRAFFIC_SEEN_BYTES);
	}
	return 0;
}

void pl_ports_free(pl_portmap *m)
{
	for (size_t i = 0; m->slot && i < 2 * 65536; i++)
		if (m->slot[i]) {
			free(m->slot[i]->clients);
			free(m->slot[i]);
		}
	free(m->slot);
	free(m->seen);
	m->slot = NULL;
	m->seen = NULL;
}

/* Flows: both directions of a 5-tuple in one entry (after ndpiReader's flow table), the client being the
 * side that sent the SYN, or failing that the side that sent first to the port asked about. TCP state is
 * kept only as far as the verdicts need it: handshake completed, refused, half-open, reset, unanswered. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static uint32_t endpoint_hash(uint8_t family, const uint8_t *addr, uint16_t port)
{
	/* FNV-1a over the address and port: cheap and good enough for a table keyed by it. */
	uint32_t h = 2166136261u;
	size_t n = family == 6 ? 16 : 4;
	for (size_t i = 0; i < n; i++)
		h = (h ^ addr[i]) * 16777619u;
	h = (h ^ (port & 0xff)) * 16777619u;
	h = (h ^ (port >> 8)) * 16777619u;
	return h;
}

/* The same for both directions: the endpoints' hashes combined by a commutative operation. */
static uint32_t flow_hash(const pl_packet *p)
{
	uint32_t a = endpoint_hash(p->family, p->src, p->sport), b = endpoint_hash(p->family, p->dst, p->dport);
	uint32_t h = (a + b) ^ (a * b) ^ (uint32_t)p->ipproto * 0x9e3779b1u;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h;
}

int pl_flowtab_init(pl_flowtab *t, size_t max_flows)
{
	memset(t, 0, sizeof *t);
	size_t n = 1024;
	while (n < max_flows && n < ((size_t)1 << 30))
		n <<= 1;
	t->buckets = calloc(n, sizeof *t->buckets);
	if (!t->buckets)
		return PL_ENOMEM;
	t->mask = n - 1;
	return 0;
}

static bool same_endpoint(uint8_t family, const uint8_t *a, uint16_t ap, const uint8_t *b, uint16_t bp)
{
	return ap == bp && memcmp(a, b, family == 6 ? 16 : 4) == 0;
}

/* Which direction p goes in f, or -1 when p is not of f. */
static int direction(const pl_flow *f, const pl_packet *p)
{
	if (f->family != p->family || f->ipproto != p->ipproto)
		return -1;
	if (same_endpoint(p->family, p->src, p->sport, f->caddr, f->cport) &&
	    same_endpoint(p->family, p->dst, p->dport, f->saddr, f->sport))
		return DIR_C2S;
	if (same_endpoint(p->family, p->dst, p->dport, f->caddr, f->cport) &&
	    same_endpoint(p->family, p->src, p->sport, f->saddr, f->sport))
		return DIR_S2C;
	return -1;
}

static void link_newest(pl_flowtab *t, pl_flow *f)
{
	f->newer = NULL;
	f->older = t->newest;
	if (t->newest)
		t->newest->newer = f;
	t->newest = f;
	if (!t->oldest)
		t->oldest = f;
}

static void unlink_lru(pl_flowtab *t, pl_flow *f)
{
	if (f->older)
		f->older->newer = f->newer;
	else
		t->oldest = f->newer;
	if (f->newer)
		f->newer->older = f->older;
	else
		t->newest = f->older;
	f->older = f->newer = NULL;
}

/* Who is the client of a flow whose first packet is p? true when p's sender is. */
static bool sender_is_client(const pl_packet *p, int server_port, bool *midstream)
{
	*midstream = false;
	if (p->icmp_error)
		return true; /* the quoted packet was the client's */
	if (p->ipproto == 6) {
		if ((p->tcp_flags & 0x12) == 0x02)
			return true;
		if ((p->tcp_flags & 0x12) == 0x12)
			return false;
		*midstream = true;
	}
	if (server_port >= 0 && p->sport != p->dport) {
		if (p->dport == server_port)
			return true;
		if (p->sport == server_port)
			return false;
	}
	if (*midstream || p->ipproto == 17) {
		/* No handshake to go by: the well-known side is the server, then the lower port. */
		bool s_low = p->sport < 1024, d_low = p->dport < 1024;
		if (s_low != d_low)
			return d_low;
		if (*midstream)
			return p->sport > p->dport;
	}
	return true;
}

pl_flow *pl_flowtab_get(pl_flowtab *t, const pl_packet *p, int server_port, double ts, int *dir, bool *created)
{
	uint32_t h = flow_hash(p);
	*created = false;
	for (pl_flow *f = t->buckets[h & t->mask]; f; f = f->hnext) {
		if (f->hash != h)
			continue;
		int d = direction(f, p);
		if (d >= 0) {
			*dir = d;
			unlink_lru(t, f);
			link_newest(t, f);
			return f;
		}
	}
	pl_flow *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	bool mid;
	bool client = sender_is_client(p, server_port, &mid);
	size_t n = p->family == 6 ? 16 : 4;
	f->hash = h;
	f->family = p->family;
	f->ipproto = p->ipproto;
	memcpy(f->caddr, client ? p->src : p->dst, n);
	memcpy(f->saddr, client ? p->dst : p->src, n);
	f->cport = client ? p->sport : p->dport;
	f->sport = client ? p->dport : p->sport;
	f->midstream = mid;
	f->first = f->last = ts;
	f->hnext = t->buckets[h & t->mask];
	t->buckets[h & t->mask] = f;
	link_newest(t, f);
	t->n++;
	/* An ICMP error travels from the server side back to the client, about the client's packet. */
	*dir = p->icmp_error ? DIR_S2C : (client ? DIR_C2S : DIR_S2C);
	*created = true;
	return f;
}

void pl_flowtab_remove(pl_flowtab *t, pl_flow *f)
{
	pl_flow **pp = &t->buckets[f->hash & t->mask];
	while (*pp && *pp != f)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = f->hnext;
	unlink_lru(t, f);
	t->n--;
}

bool pl_flow_reused(const pl_flow *f, const pl_packet *p, int dir)
{
	if (f->ipproto != 6 || p->icmp_error || dir != DIR_C2S || (p->tcp_flags & 0x12) != 0x02)
		return false;
	return f->rst[0] || f->rst[1] || (f->fin[0] && f->fin[1]);
}

void pl_flow_update(pl_flow *f, const pl_packet *p, int dir, double ts)
{
	f->pkts[dir]++;
	f->bytes[dir] += p->wire_len;
	if (ts > f->last)
		f->last = ts;
	if (p->icmp_error) {
		f->icmp_refused = true;
		return;
	}
	if (p->ipproto == 6) {
		uint8_t fl = p->tcp_flags;
		f->flags[dir] |= fl;
		if (dir == DIR_C2S && (fl & 0x12) == 0x02) {
			if (!f->syn)
				f->crafted_syn = p->tcp_optlen <= 4;
			f->syn = true;
		} else if (dir == DIR_S2C && (fl & 0x12) == 0x12)
			f->synack = true;
		else if (dir == DIR_C2S && (fl & 0x16) == 0x10 && f->synack && !f->rst[DIR_C2S])
			f->handshake = true;
		if (fl & 0x04)
			f->rst[dir] = true;
		if (fl & 0x01)
			f->fin[dir] = true;
	}
	if (p->payload_len == 0)
		return;
	f->payload_pkts[dir]++;
	if (!f->first_payload[dir]) {
		size_t n = p->payload_len < PL_FIRST_MAX ? p->payload_len : PL_FIRST_MAX;
		f->first_payload[dir] = malloc(n);
		if (f->first_payload[dir]) {
			memcpy(f->first_payload[dir], p->payload, n);
			f->first_len[dir] = (uint16_t)n;
		}
	}
}

pl_tcp_outcome pl_flow_outcome(const pl_flow *f)
{
	if (f->ipproto == 17) {
		if (f->icmp_refused && f->payload_pkts[DIR_S2C] == 0)
			return PL_TCP_REFUSED;
		return f->pkts[DIR_S2C] ? PL_TCP_ESTABLISHED : PL_TCP_UNANSWERED;
	}
	if (f->midstream || f->handshake)
		return PL_TCP_ESTABLISHED;
	if (f->synack)
		return f->payload_pkts[DIR_C2S] || f->payload_pkts[DIR_S2C] ? PL_TCP_ESTABLISHED : PL_TCP_HALF_OPEN;
	if (f->rst[DIR_S2C] || f->icmp_refused)
		return PL_TCP_REFUSED;
	if (f->pkts[DIR_S2C] == 0)
		return PL_TCP_UNANSWERED;
	return PL_TCP_ESTABLISHED;
}

void pl_flow_free(pl_flow *f)
{
	free(f->first_payload[0]);
	free(f->first_payload[1]);
	free(f);
}

void pl_flowtab_free(pl_flowtab *t)
{
	/* Flows still held are finished by the caller first; this frees what an error left behind. */
	pl_flow *f = t->oldest;
	while (f) {
		pl_flow *next = f->newer;
		pl_flow_free(f);
		f = next;
	}
	free(t->buckets);
	memset(t, 0, sizeof *t);
}

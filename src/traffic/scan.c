/* Scanners, in the manner of Zeek's scan policy (scripts/policy/misc/scan.zeek): each source's short,
 * failed or empty attempts are kept; per epoch of `window` seconds, a source whose attempts reach `ports`
 * distinct ports on one host (a port scan) or one port on `hosts` distinct hosts (an address scan) is a
 * scanner. Real exchanges (a handshake and the client's payload, a UDP reply) never count toward the thresholds, so a
 * busy client of one service is never one. How it scanned is read from its packets: a crafted SYN (nmap's
 * raw SYN carries 4 bytes of options, a kernel's 12 or more) or a half-open handshake is a SYN scan; a
 * kernel's SYN is connect(); datagrams are a UDP scan; FIN/NULL/ACK probes without a SYN are "tcp-other". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define ENTRIES_MAX 65536
#define HOSTS_SAMPLE 4

typedef struct attempt {
	double t;
	uint32_t host;      /* hash of the target address */
	uint16_t port;
	uint8_t proto;      /* 6 or 17 */
	uint8_t outcome;
	bool probe_like;    /* counts toward the thresholds */
	bool answered;      /* SYN-ACK or a UDP reply: the target was open */
	bool crafted;       /* a SYN with at most 4 bytes of options */
	bool no_syn;        /* TCP without a SYN (FIN, NULL, ACK probes) */
	uint32_t packets;
} attempt;

struct pl_source {
	pl_source *next;
	uint8_t family, addr[16];
	attempt *a;
	size_t n, cap;
	uint64_t packets;
	double first, last;
	uint8_t hosts[HOSTS_SAMPLE][16];
	uint8_t host_family[HOSTS_SAMPLE];
	size_t nhosts_sample;
};

static uint32_t hash_addr(uint8_t family, const uint8_t *a)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < (family == 6 ? 16u : 4u); i++)
		h = (h ^ a[i]) * 16777619u;
	return h;
}

static pl_source *find(pl_sources *s, const pl_flow *f, bool make)
{
	if (!s->buckets) {
		s->nbuckets = 4096;
		s->buckets = calloc(s->nbuckets, sizeof *s->buckets);
		if (!s->buckets)
			return NULL;
	}
	size_t n = f->family == 6 ? 16 : 4;
	uint32_t h = hash_addr(f->family, f->caddr) & (uint32_t)(s->nbuckets - 1);
	for (pl_source *src = s->buckets[h]; src; src = src->next)
		if (src->family == f->family && !memcmp(src->addr, f->caddr, n))
			return src;
	if (!make)
		return NULL;
	pl_source *src = calloc(1, sizeof *src);
	if (!src)
		return NULL;
	src->family = f->family;
	memcpy(src->addr, f->caddr, n);
	src->first = f->first;
	src->next = s->buckets[h];
	s->buckets[h] = src;
	s->n++;
	return src;
}

int pl_sources_add(pl_sources *s, const pl_flow *f, pl_tcp_outcome outcome, const pl_scan_opts *o)
{
	bool tcp = f->ipproto == 6;
	/* The client's own payload: a server's banner (SSH, SMTP) answers a connect scan too. */
	bool payload = f->payload_pkts[DIR_C2S] != 0;
	/* Only short attempts are kept: many packets, or a TCP exchange where the client spoke, is a real
	 * conversation. */
	if (f->pkts[DIR_C2S] > o->few_packets || (tcp && outcome == PL_TCP_ESTABLISHED && payload))
		return 0;
	bool probe_like = tcp ? outcome != PL_TCP_ESTABLISHED || !payload : outcome != PL_TCP_ESTABLISHED;
	/* An answered attempt matters only for a source already probing (what it swept, what was open): a
	 * resolver's many clients are not kept. */
	pl_source *src = find(s, f, probe_like && s->attempts < PL_ATTEMPTS_MAX);
	if (!src && probe_like && s->attempts >= PL_ATTEMPTS_MAX) {
		s->dropped++; /* the budget is spent: no new source either (a capture that runs for days) */
		return 0;
	}
	if (!src)
		return probe_like ? PL_ENOMEM : 0;
	if (s->attempts >= PL_ATTEMPTS_MAX) {
		s->dropped++;
		return 0;
	}
	if (src->n == src->cap) {
		if (src->cap >= ENTRIES_MAX)
			return 0; /* enough to judge and to list; later attempts only add to the packet count */
		size_t cap = src->cap ? src->cap * 2 : 16;
		attempt *a = realloc(src->a, cap * sizeof *a);
		if (!a)
			return PL_ENOMEM;
		src->a = a;
		src->cap = cap;
	}
	attempt *a = &src->a[src->n++];
	s->attempts++;
	memset(a, 0, sizeof *a);
	a->t = f->first;
	a->host = hash_addr(f->family, f->saddr);
	a->port = f->sport;
	a->proto = f->ipproto;
	a->outcome = (uint8_t)outcome;
	a->packets = (uint32_t)f->pkts[DIR_C2S];
	if (tcp) {
		a->no_syn = !f->syn;
		a->crafted = f->syn && f->crafted_syn;
		a->answered = f->synack;
	} else
		a->answered = outcome == PL_TCP_ESTABLISHED;
	a->probe_like = probe_like;
	src->packets += f->pkts[DIR_C2S];
	if (f->first < src->first)
		src->first = f->first;
	if (f->last > src->last)
		src->last = f->last;
	size_t n = f->family == 6 ? 16 : 4;
	bool known = false;
	for (size_t i = 0; i < src->nhosts_sample; i++)
		known |= src->host_family[i] == f->family && !memcmp(src->hosts[i], f->saddr, n);
	if (!known && src->nhosts_sample < HOSTS_SAMPLE) {
		memcpy(src->hosts[src->nhosts_sample], f->saddr, n);
		src->host_family[src->nhosts_sample++] = f->family;
	}
	return 0;
}

/* ---- judging a source ---- */

typedef struct key {
	uint64_t epoch;
	uint32_t group, member; /* (host, port) for a port scan, (proto:port, host) for an address scan */
} key;

static int by_key(const void *x, const void *y)
{
	const key *a = x, *b = y;
	if (a->epoch != b->epoch)
		return a->epoch < b->epoch ? -1 : 1;
	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	return a->member < b->member ? -1 : a->member > b->member;
}

/* The most distinct members any group has in one epoch. */
static uint32_t max_distinct(key *k, size_t n)
{
	qsort(k, n, sizeof *k, by_key);
	uint32_t best = 0, run = 0;
	for (size_t i = 0; i < n; i++) {
		bool same_group = i && k[i].epoch == k[i - 1].epoch && k[i].group == k[i - 1].group;
		if (!same_group)
			run = 1;
		else if (k[i].member != k[i - 1].member)
			run++;
		if (run > best)
			best = run;
	}
	return best;
}

static int by_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return a < b ? -1 : a > b;
}

/* Distinct values of v (sorted in place); their count. */
static size_t uniq(uint32_t *v, size_t n)
{
	qsort(v, n, sizeof *v, by_u32);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (!m || v[i] != v[m - 1])
			v[m++] = v[i];
	return m;
}

/* "tcp 1-1000,8080, udp 53" from sorted proto<<16|port values; cut with "..." when it does not fit. */
static void ranges(const uint32_t *v, size_t n, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && v[j + 1] == v[j] + 1 && (v[j + 1] >> 16) == (v[i] >> 16))
			j++;
		bool new_proto = i == 0 || (v[i] >> 16) != (v[i - 1] >> 16);
		char item[48];
		int k = snprintf(item, sizeof item, "%s%s%u", new_proto ? (i ? ", " : "") : ",",
				 new_proto ? ((v[i] >> 16) == 6 ? "tcp " : "udp ") : "", v[i] & 0xffff);
		if (j > i)
			k += snprintf(item + k, sizeof item - (size_t)k, "-%u", v[j] & 0xffff);
		if (used + (size_t)k + 4 >= size) {
			snprintf(buf + used, size - used, "...");
			return;
		}
		memcpy(buf + used, item, (size_t)k + 1);
		used += (size_t)k;
		i = j + 1;
	}
}

static int judge(pl_source *src, const pl_scan_opts *o, pl_portmap *m, pl_traffic_scanner *out)
{
	size_t np = 0;
	for (size_t i = 0; i < src->n; i++)
		np += src->a[i].probe_like;
	if (np == 0)
		return 0;
	key *k = malloc(np * sizeof *k);
	uint32_t *v = malloc(src->n * sizeof *v);
	if (!k || !v) {
		free(k);
		free(v);
		return PL_ENOMEM;
	}
	double window = o->window > 0 ? o->window : 300;
	size_t j = 0;
	for (size_t i = 0; i < src->n; i++)
		if (src->a[i].probe_like)
			k[j++] = (key){(uint64_t)((src->a[i].t - src->first) / window), src->a[i].host, src->a[i].port};
	uint32_t per_host = max_distinct(k, np);
	j = 0;
	for (size_t i = 0; i < src->n; i++)
		if (src->a[i].probe_like)
			k[j++] = (key){(uint64_t)((src->a[i].t - src->first) / window),
				       (uint32_t)src->a[i].proto << 16 | src->a[i].port, src->a[i].host};
	uint32_t per_port = max_distinct(k, np);
	free(k);
	int rc = 0;
	if (per_host < o->ports && per_port < o->hosts)
		goto out;
	memset(out, 0, sizeof *out);
	out->family = src->family;
	memcpy(out->addr, src->addr, sizeof out->addr);
	out->max_ports_per_host = per_host;
	out->max_hosts_per_port = per_port;
	out->first = src->first;
	out->last = src->last;
	out->packets = src->packets;
	for (size_t i = 0; i < src->n; i++) {
		const attempt *a = &src->a[i];
		out->attempts += a->probe_like;
		if (a->probe_like)
			out->outcome[a->outcome]++;
		if (a->proto == 17)
			out->kinds |= PL_SCAN_UDP;
		else if (a->no_syn)
			out->kinds |= PL_SCAN_TCP;
		else if (a->crafted || a->outcome == PL_TCP_HALF_OPEN)
			out->kinds |= PL_SCAN_TCP_SYN;
		else
			out->kinds |= PL_SCAN_TCP_CONNECT;
		pl_ports_add_scan_flows(m, a->proto == 6 ? PL_PROTO_TCP : PL_PROTO_UDP, a->port, 1, src, src->family,
					src->addr);
	}
	for (size_t i = 0; i < src->n; i++)
		v[i] = (uint32_t)src->a[i].proto << 16 | src->a[i].port;
	size_t nports = uniq(v, src->n);
	out->ports = (uint32_t)nports;
	ranges(v, nports, out->swept, sizeof out->swept);
	for (size_t i = 0; i < src->n; i++)
		v[i] = src->a[i].host;
	out->hosts = (uint32_t)uniq(v, src->n);
	j = 0;
	for (size_t i = 0; i < src->n; i++)
		if (src->a[i].answered)
			v[j++] = src->a[i].host ^ ((uint32_t)src->a[i].proto << 16 | src->a[i].port) * 2654435761u;
	out->open_ports = (uint32_t)uniq(v, j);
	size_t used = 0;
	for (size_t i = 0; i < src->nhosts_sample; i++) {
		char a[64];
		pl_traffic_addr_str(src->host_family[i], src->hosts[i], a, sizeof a);
		int w = snprintf(out->hosts_sample + used, sizeof out->hosts_sample - used, "%s%s", i ? " " : "", a);
		if (w < 0 || (size_t)w >= sizeof out->hosts_sample - used)
			break;
		used += (size_t)w;
	}
	rc = 1;
out:
	free(v);
	return rc;
}

static int by_attempts(const void *x, const void *y)
{
	const pl_traffic_scanner *a = x, *b = y;
	if (a->attempts != b->attempts)
		return a->attempts < b->attempts ? 1 : -1;
	return memcmp(a->addr, b->addr, sizeof a->addr);
}

int pl_sources_collect(pl_sources *s, const pl_scan_opts *o, pl_portmap *m, pl_traffic_result *r)
{
	size_t cap = 0;
	for (size_t b = 0; b < s->nbuckets; b++)
		for (pl_source *src = s->buckets[b]; src; src = src->next) {
			if (r->nscanners == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				pl_traffic_scanner *t = realloc(r->scanners, ncap * sizeof *t);
				if (!t)
					return PL_ENOMEM;
				r->scanners = t;
				cap = ncap;
			}
			int rc = judge(src, o, m, &r->scanners[r->nscanners]);
			if (rc < 0)
				return rc;
			r->nscanners += (size_t)rc;
		}
	if (r->nscanners)
		qsort(r->scanners, r->nscanners, sizeof *r->scanners, by_attempts);
	return 0;
}

void pl_sources_free(pl_sources *s)
{
	for (size_t b = 0; b < s->nbuckets; b++) {
		pl_source *src = s->buckets[b];
		while (src) {
			pl_source *next = src->next;
			free(src->a);
			free(src);
			src = next;
		}
	}
	free(s->buckets);
	memset(s, 0, sizeof *s);
}

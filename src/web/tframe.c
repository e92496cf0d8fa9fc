/* Traffic frames: the summary the capture process (web/capture.c) sends the HTTP process every second, and
 * their taking apart there. As with host snapshots (web/snapshot.c), both ends are the same executable, so
 * plain structs travel as their bytes, but only what is plain: a port's protocols travel one by one with
 * the word naming who named them as a number, never the sender's pointer. The capture process parses
 * packets from the network, so a frame is hostile input: every count is checked against what is left of
 * the frame before anything is allocated, every string is cut at its buffer's end, every transport,
 * family, code and time checked, and ports must come in strictly increasing order (the HTTP side looks
 * them up by bisection). The fuzz target fuzz/fuzz_web_traffic.c feeds this decoder. */
#include <math.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAGIC 0x31544c50u /* "PLT1" */
#define TERMINATE(a) ((a)[sizeof(a) - 1] = 0)

static const char *const by_words[] = {"", "ndpi", "probe", "ndpi+probe"};

static uint8_t by_code(const char *by)
{
	for (uint8_t i = 1; by && i < 4; i++)
		if (!strcmp(by, by_words[i]))
			return i;
	return 0;
}

/* A port travels as: its fields up to the protocols, its fields after them, then nprotocols protocols,
 * each as its bytes and a code for `by`. */
#define HEAD_LEN offsetof(pl_traffic_port, protocols)
#define TAIL_OFF offsetof(pl_traffic_port, scanners)
#define TAIL_LEN (sizeof(pl_traffic_port) - TAIL_OFF)

static int put_port(pl_buf *b, const pl_traffic_port *p)
{
	int rc = pl_buf_add(b, p, HEAD_LEN);
	rc = rc ? rc : pl_buf_add(b, (const char *)p + TAIL_OFF, TAIL_LEN);
	for (size_t i = 0; i < p->nprotocols && i < PL_TRAFFIC_MAX_PROTOCOLS && rc == 0; i++) {
		pl_traffic_protocol t = p->protocols[i];
		uint8_t code = by_code(t.by);
		t.by = NULL;
		rc = pl_buf_add(b, &t, sizeof t);
		rc = rc ? rc : pl_buf_add(b, &code, 1);
	}
	return rc;
}

static uint64_t packets(const pl_traffic_port *p)
{
	return p->packets[0] + p->packets[1];
}

static int by_packets(const void *x, const void *y)
{
	const pl_traffic_port *a = *(pl_traffic_port *const *)x, *b = *(pl_traffic_port *const *)y;
	uint64_t pa = packets(a), pb = packets(b);
	if (pa != pb)
		return pa < pb ? 1 : -1;
	return a < b ? -1 : a > b; /* the lower port first: the array is in port order */
}

static int by_address(const void *x, const void *y)
{
	const pl_traffic_port *a = *(pl_traffic_port *const *)x, *b = *(pl_traffic_port *const *)y;
	return a < b ? -1 : a > b;
}

typedef struct frame_stats {
	double started;
	uint64_t taken_ms, frames, bytes, decoded, flows, open_flows, evicted_idle, evicted_full, dropped, kernel_dropped;
	uint32_t ports_seen, nports, scanners_seen, nscanners;
	uint8_t ok, pad[7];
	char iface[32], filter[512], dpi[64], error[256];
} frame_stats;

int pl_web_traffic_encode(const pl_traffic_result *r, const char *iface, const char *filter, double started,
			  size_t open_flows, const char *error, uint64_t taken_ms, pl_buf *b)
{
	frame_stats fs;
	memset(&fs, 0, sizeof fs);
	fs.started = started;
	fs.taken_ms = taken_ms;
	snprintf(fs.iface, sizeof fs.iface, "%s", iface ? iface : "");
	snprintf(fs.filter, sizeof fs.filter, "%s", filter ? filter : "");
	snprintf(fs.error, sizeof fs.error, "%s", r ? "" : error ? error : "?");
	pl_traffic_port other;
	memset(&other, 0, sizeof other);
	const pl_traffic_port **keep = NULL;
	if (r) {
		fs.ok = 1;
		const pl_traffic_stats *st = &r->stats;
		snprintf(fs.dpi, sizeof fs.dpi, "%s", st->dpi);
		fs.frames = st->frames, fs.bytes = st->bytes, fs.decoded = st->decoded, fs.flows = st->flows;
		fs.open_flows = open_flows, fs.evicted_idle = st->evicted_idle, fs.evicted_full = st->evicted_full;
		fs.dropped = st->scan_attempts_dropped;
		fs.kernel_dropped = st->kernel_dropped;
		fs.ports_seen = r->ports_seen > r->nports ? r->ports_seen : (uint32_t)r->nports;
		/* the ports the analysis itself summed (past its max_ports) */
		other.flows = r->other.flows, other.scan_flows = r->other.scan_flows;
		for (int d = 0; d < 2; d++) {
			other.packets[d] = r->other.packets[d];
			other.bytes[d] = r->other.bytes[d];
		}
		fs.scanners_seen = (uint32_t)r->nscanners;
		fs.nscanners = (uint32_t)(r->nscanners < PL_WEB_TRAFFIC_SCANNERS ? r->nscanners : PL_WEB_TRAFFIC_SCANNERS);
		/* the busiest ports, sent in port order; the others summed as one */
		keep = malloc((r->nports ? r->nports : 1) * sizeof *keep);
		if (!keep)
			return PL_ENOMEM;
		for (size_t i = 0; i < r->nports; i++)
			keep[i] = &r->ports[i];
		size_t n = r->nports;
		if (n > PL_WEB_TRAFFIC_PORTS) {
			qsort(keep, n, sizeof *keep, by_packets);
			for (size_t i = PL_WEB_TRAFFIC_PORTS; i < n; i++) {
				other.flows += keep[i]->flows;
				other.scan_flows += keep[i]->scan_flows;
				for (int d = 0; d < 2; d++) {
					other.packets[d] += keep[i]->packets[d];
					other.bytes[d] += keep[i]->bytes[d];
				}
			}
			n = PL_WEB_TRAFFIC_PORTS;
			qsort(keep, n, sizeof *keep, by_address);
		}
		fs.nports = (uint32_t)n;
	}
	int rc = pl_web_frame_begin(b, MAGIC);
	rc = rc ? rc : pl_buf_add(b, &fs, sizeof fs);
	rc = rc ? rc : pl_buf_add(b, &other, HEAD_LEN);
	for (size_t i = 0; i < fs.nports && rc == 0; i++)
		rc = put_port(b, keep[i]);
	for (size_t i = 0; i < fs.nscanners && rc == 0; i++)
		rc = pl_buf_add(b, &r->scanners[i], sizeof r->scanners[i]);
	/* which ports were seen at all: a port not detailed is then "summed with others" or "nothing" */
	if (fs.ok && rc == 0) {
		uint8_t *seen = calloc(PL_TRAFFIC_SEEN_BYTES, 1);
		if (seen && r->seen)
			memcpy(seen, r->seen, PL_TRAFFIC_SEEN_BYTES);
		for (size_t i = 0; seen && i < r->nports; i++) {
			size_t bit = (r->ports[i].proto == PL_PROTO_UDP ? 65536u : 0u) + r->ports[i].port;
			seen[bit / 8] |= (uint8_t)(1u << (bit % 8));
		}
		rc = seen ? pl_buf_add(b, seen, PL_TRAFFIC_SEEN_BYTES) : PL_ENOMEM;
		free(seen);
	}
	free(keep);
	if (rc == 0)
		pl_web_frame_end(b);
	return rc;
}

/* ---- the receiving side ---- */

static bool time_ok(double t)
{
	return isfinite(t) && t >= 0 && t < 1e11;
}

static bool family_ok(uint8_t f)
{
	return f == 4 || f == 6;
}

/* A bool read from frame bytes must hold 0 or 1 before it is read as one. */
static void fix_bool(bool *b)
{
	uint8_t v;
	memcpy(&v, b, 1);
	v = v != 0;
	memcpy(b, &v, 1);
}

static bool port_ok(pl_traffic_port *p)
{
	fix_bool(&p->clients_capped);
	if ((p->proto != PL_PROTO_TCP && p->proto != PL_PROTO_UDP) || p->nprotocols > PL_TRAFFIC_MAX_PROTOCOLS ||
	    !time_ok(p->first) || !time_ok(p->last))
		return false;
	for (uint32_t i = 0; i < p->scanners && i < PL_TRAFFIC_PORT_SCANNERS; i++)
		if (!family_ok(p->scanner_family[i]))
			return false;
	return true;
}

void pl_web_traffic_unref(pl_web_traffic *t)
{
	if (!t || atomic_fetch_sub(&t->refs, 1) != 1)
		return;
	free(t->ports);
	free(t->scanners);
	free(t);
}

int pl_web_traffic_decode(const void *data, size_t len, pl_web_traffic **out)
{
	pl_web_rd r = {data, (const uint8_t *)data + len, false};
	*out = NULL;
	pl_web_traffic *t = calloc(1, sizeof *t);
	if (!t)
		return PL_ENOMEM;
	atomic_init(&t->refs, 1);
	frame_stats fs;
	if (!pl_web_get(&r, &fs, sizeof fs) || !pl_web_get(&r, &t->other, HEAD_LEN) || fs.ok > 1 || !time_ok(fs.started))
		goto bad;
	TERMINATE(fs.iface);
	TERMINATE(fs.filter);
	TERMINATE(fs.dpi);
	TERMINATE(fs.error);
	memcpy(t->iface, fs.iface, sizeof t->iface);
	memcpy(t->filter, fs.filter, sizeof t->filter);
	memcpy(t->dpi, fs.dpi, sizeof t->dpi);
	memcpy(t->error, fs.error, sizeof t->error);
	if (!fs.ok && !t->error[0])
		snprintf(t->error, sizeof t->error, "?");
	t->started = fs.started, t->taken_ms = fs.taken_ms, t->frames = fs.frames, t->bytes = fs.bytes;
	t->decoded = fs.decoded, t->flows = fs.flows, t->open_flows = fs.open_flows;
	t->evicted_idle = fs.evicted_idle, t->evicted_full = fs.evicted_full, t->dropped = fs.dropped;
	t->kernel_dropped = fs.kernel_dropped;
	/* the sums only: "other" has no port, protocol or scanner of its own */
	fix_bool(&t->other.clients_capped);
	t->other.nprotocols = 0;
	t->other.port = 0;
	t->other.proto = PL_PROTO_TCP;
	t->other.first = t->other.last = 0;
	size_t left = (size_t)(r.end - r.p);
	if (fs.nports > PL_WEB_TRAFFIC_PORTS || fs.nscanners > PL_WEB_TRAFFIC_SCANNERS || fs.nports > fs.ports_seen ||
	    fs.nscanners > fs.scanners_seen || fs.nports > left / (HEAD_LEN + TAIL_LEN) ||
	    (!fs.ok && (fs.nports || fs.nscanners)))
		goto bad;
	t->ports_seen = fs.ports_seen;
	t->scanners_seen = fs.scanners_seen;
	t->ports = calloc(fs.nports ? fs.nports : 1, sizeof *t->ports);
	if (!t->ports)
		goto bad;
	for (size_t i = 0; i < fs.nports; i++) {
		pl_traffic_port *p = &t->ports[i];
		if (!pl_web_get(&r, p, HEAD_LEN) || !pl_web_get(&r, (char *)p + TAIL_OFF, TAIL_LEN) || !port_ok(p))
			goto bad;
		t->nports = i + 1;
		/* strictly increasing (transport, port): looked up by bisection */
		if (i && ((p->proto == PL_PROTO_UDP) << 16 | p->port) <=
			     ((p[-1].proto == PL_PROTO_UDP) << 16 | p[-1].port))
			goto bad;
		for (size_t k = 0; k < p->nprotocols; k++) {
			pl_traffic_protocol *pr = &p->protocols[k];
			uint8_t code;
			if (!pl_web_get(&r, pr, sizeof *pr) || !pl_web_get(&r, &code, 1) || code >= 4)
				goto bad;
			TERMINATE(pr->protocol);
			TERMINATE(pr->application);
			TERMINATE(pr->product);
			TERMINATE(pr->version);
			pr->by = by_words[code]; /* one of ours, never the sender's pointer */
		}
	}
	left = (size_t)(r.end - r.p);
	if (fs.nscanners > left / sizeof(pl_traffic_scanner))
		goto bad;
	t->scanners = calloc(fs.nscanners ? fs.nscanners : 1, sizeof *t->scanners);
	if (!t->scanners)
		goto bad;
	for (size_t i = 0; i < fs.nscanners; i++) {
		pl_traffic_scanner *s = &t->scanners[i];
		if (!pl_web_get(&r, s, sizeof *s) || !family_ok(s->family) || s->kinds > 0xf || !time_ok(s->first) ||
		    !time_ok(s->last))
			goto bad;
		TERMINATE(s->swept);
		TERMINATE(s->hosts_sample);
		t->nscanners = i + 1;
	}
	if (fs.ok && !pl_web_get(&r, t->seen, sizeof t->seen))
		goto bad;
	/* every port detailed was seen */
	for (size_t i = 0; i < t->nports; i++)
		if (!pl_web_traffic_seen(t, t->ports[i].port, t->ports[i].proto))
			goto bad;
	if (r.p != r.end)
		goto bad;
	*out = t;
	return 0;
bad:
	pl_web_traffic_unref(t);
	return PL_EFORMAT;
}

bool pl_web_traffic_seen(const pl_web_traffic *t, uint16_t port, pl_proto proto)
{
	size_t bit = (proto == PL_PROTO_UDP ? 65536u : 0u) + port;
	return t && (t->seen[bit / 8] >> (bit % 8) & 1);
}

const pl_traffic_port *pl_web_traffic_port(const pl_web_traffic *t, uint16_t port, pl_proto proto)
{
	if (!t)
		return NULL;
	int key = (proto == PL_PROTO_UDP) << 16 | port;
	size_t lo = 0, hi = t->nports;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const pl_traffic_port *p = &t->ports[mid];
		int k = (p->proto == PL_PROTO_UDP) << 16 | p->port;
		if (k == key)
			return p;
		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

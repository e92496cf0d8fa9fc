/* Lookups in the embedded evidence tables (tables.h): binary searches by port over read-only arrays.
 * The known-use rows are turned into pl_known_use values (pointers) once, on first use, so that the
 * binary starts without relocating them. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "evidence/tables.h"
#include "portlore/evidence.h"

#define S(off) (pl_ev_str + (off))

/* Each row becomes a pl_known_use when first asked for (a port report asks for a handful): a state per
 * row, 0 empty, 1 being filled, 2 ready, so that threads never see half a value. */
#define MAX_USES 1024
static pl_known_use uses[MAX_USES];
static unsigned char state[MAX_USES];

static const pl_known_use *use_at(size_t i)
{
	if (__atomic_load_n(&state[i], __ATOMIC_ACQUIRE) == 2)
		return &uses[i];
	unsigned char empty = 0;
	if (__atomic_compare_exchange_n(&state[i], &empty, 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		const struct pl_ev_use *u = &pl_ev_uses[i];
		uses[i] = (pl_known_use){S(u->software), S(u->protocol), S(u->source), (pl_proto)u->proto, u->lo, u->hi};
		__atomic_store_n(&state[i], 2, __ATOMIC_RELEASE);
	} else {
		while (__atomic_load_n(&state[i], __ATOMIC_ACQUIRE) != 2)
			; /* another thread is copying 40 bytes */
	}
	return &uses[i];
}

static size_t nuses_total(void)
{
	return pl_ev_nuses < MAX_USES ? pl_ev_nuses : MAX_USES;
}

const pl_known_use *pl_evidence_known_use_at(size_t i)
{
	return i < nuses_total() ? use_at(i) : NULL;
}

static bool proto_fits(pl_proto want, pl_proto have)
{
	return want == PL_PROTO_NONE || have == PL_PROTO_NONE || want == have;
}

/* First row whose lo is >= port (rows are sorted by lo). */
static size_t uses_lower_bound(size_t n, uint16_t port)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pl_ev_uses[mid].lo < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Single ports before ranges, narrow ranges before wide ones, table order (best known first) within. The
 * rows of exactly this port are found by binary search; ranges (a few dozen rows) are scanned. */
size_t pl_evidence_known_uses(uint16_t port, pl_proto proto, const pl_known_use **out, size_t max)
{
	size_t total = 0, n = nuses_total();
	for (size_t i = uses_lower_bound(n, port); i < n && pl_ev_uses[i].lo == port; i++) {
		const struct pl_ev_use *u = &pl_ev_uses[i];
		if (u->hi != u->lo || !proto_fits(proto, (pl_proto)u->proto))
			continue;
		if (out && total < max)
			out[total] = use_at(i);
		total++;
	}
	static const unsigned spans[] = {0, 10, 100, 65535};
	for (size_t s = 1; s < sizeof spans / sizeof spans[0]; s++)
		for (size_t i = 0; i < pl_ev_nranges; i++) {
			const struct pl_ev_use *u = &pl_ev_uses[pl_ev_ranges[i]];
			unsigned span = (unsigned)u->hi - u->lo;
			if (port < u->lo || port > u->hi || !proto_fits(proto, (pl_proto)u->proto) || span > spans[s] ||
			    span <= spans[s - 1])
				continue;
			if (out && total < max)
				out[total] = use_at(pl_ev_ranges[i]);
			total++;
		}
	return total;
}

/* First index whose port is >= port, in an array sorted by port (stride bytes apart, port at offset 0). */
static size_t lower_bound(const void *base, size_t n, size_t stride, uint16_t port)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint16_t p;
		memcpy(&p, (const char *)base + mid * stride, sizeof p);
		if (p < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t pl_evidence_dissectors(uint16_t port, pl_proto proto, pl_dissector *out, size_t max)
{
	size_t n = 0;
	for (size_t i = lower_bound(pl_ev_dissectors, pl_ev_ndissectors, sizeof pl_ev_dissectors[0], port);
	     i < pl_ev_ndissectors && pl_ev_dissectors[i].port == port; i++) {
		const struct pl_ev_dissector *d = &pl_ev_dissectors[i];
		if (!proto_fits(proto, (pl_proto)d->proto))
			continue;
		/* One entry a dissector: its TLS registration on the same port adds nothing to say. */
		bool dup = false;
		for (size_t k = 0; k < n && k < max; k++)
			dup |= out && !strcmp(out[k].filter, S(d->filter)) && out[k].proto == (pl_proto)d->proto;
		if (dup)
			continue;
		if (out && n < max)
			out[n] = (pl_dissector){S(d->filter), S(d->name), S(d->full), (pl_proto)d->proto};
		n++;
	}
	return n;
}

bool pl_evidence_dissector_at(size_t i, pl_dissector *out, uint16_t *port)
{
	if (i >= pl_ev_ndissectors)
		return false;
	const struct pl_ev_dissector *d = &pl_ev_dissectors[i];
	*out = (pl_dissector){S(d->filter), S(d->name), S(d->full), (pl_proto)d->proto};
	if (port)
		*port = d->port;
	return true;
}

int pl_evidence_frequency(uint16_t port, pl_proto proto, pl_open_freq *out)
{
	size_t first = pl_ev_freq_start[port >> 8], last = pl_ev_freq_start[(port >> 8) + 1];
	for (size_t i = first + lower_bound(pl_ev_freqs + first, last - first, sizeof pl_ev_freqs[0], port);
	     i < pl_ev_nfreqs && pl_ev_freqs[i].port == port; i++) {
		const struct pl_ev_freq *f = &pl_ev_freqs[i];
		if (PL_EV_FREQ_PROTO(f) != (unsigned)proto)
			continue;
		*out = (pl_open_freq){proto, PL_EV_FREQ_PER_MILLION(f) / 1e6, f->rank, pl_ev_ranked[PL_EV_FREQ_PROTO(f)]};
		return 1;
	}
	return 0;
}

size_t pl_evidence_netbase(uint16_t port, pl_proto proto, pl_service_entry *out, size_t max)
{
	size_t n = 0;
	for (size_t i = lower_bound(pl_ev_netbase, pl_ev_nnetbase, sizeof pl_ev_netbase[0], port);
	     i < pl_ev_nnetbase && pl_ev_netbase[i].port == port; i++) {
		const struct pl_ev_service *s = &pl_ev_netbase[i];
		if (!proto_fits(proto, (pl_proto)s->proto))
			continue;
		if (out && n < max)
			out[n] = (pl_service_entry){S(s->name), S(s->aliases), (pl_proto)s->proto};
		n++;
	}
	return n;
}

size_t pl_evidence_sources(pl_evidence_source *out, size_t max)
{
	size_t n = 0;
	static char rows[32];
	snprintf(rows, sizeof rows, "portlore known uses (%zu rows)", nuses_total());
	if (n < max)
		out[n] = (pl_evidence_source){"known_uses",
					      "portlore's curated table of software listening on ports by default "
					      "(data/known-uses.tsv, each row citing its source)",
					      "MIT (portlore); facts only", rows};
	n++;
	for (size_t i = 0; i < pl_ev_nmeta; i++, n++)
		if (n < max)
			out[n] = (pl_evidence_source){S(pl_ev_meta[i].key), S(pl_ev_meta[i].source), S(pl_ev_meta[i].licence),
						      S(pl_ev_meta[i].version)};
	if (n < max)
		out[n] = (pl_evidence_source){"host_services", "this host's /etc/services, read at run time", "",
					      "this host's /etc/services"};
	n++;
	return n < max ? n : max;
}

/* All the evidence for one port, and how much it weighs. The rule (docs/evidence.md): every source that
 * speaks is one signal; an open frequency counts only within Nmap's top 1000 of its transport, as the long
 * tail holds ports found open once on a handful of hosts. Wide use: a top-100 frequency, or three of the
 * four independent sources (known use, Wireshark, frequency, netbase). */
#include <stdio.h>
#include <string.h>

#include "portlore/evidence.h"

static void gather_freq(pl_evidence *ev)
{
	for (int p = PL_PROTO_TCP; p <= PL_PROTO_UDP; p++) {
		if (ev->proto != PL_PROTO_NONE && ev->proto != (pl_proto)p)
			continue;
		if (pl_evidence_frequency(ev->port, (pl_proto)p, &ev->freq[ev->nfreq]) == 1)
			ev->nfreq++;
	}
	/* Best first: by rank, a rank of either transport standing for its own list. */
	if (ev->nfreq == 2 && ev->freq[1].rank < ev->freq[0].rank) {
		pl_open_freq t = ev->freq[0];
		ev->freq[0] = ev->freq[1];
		ev->freq[1] = t;
	}
}

void pl_evidence_gather(uint16_t port, pl_proto proto, const pl_services_file *host, pl_evidence *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->port = port;
	ev->proto = proto;
	ev->uses_total = pl_evidence_known_uses(port, proto, ev->uses, PL_EVIDENCE_MAX_USES);
	ev->nuses = ev->uses_total < PL_EVIDENCE_MAX_USES ? ev->uses_total : PL_EVIDENCE_MAX_USES;
	ev->ndissectors = pl_evidence_dissectors(port, proto, ev->dissectors, PL_EVIDENCE_MAX_DISSECTORS);
	if (ev->ndissectors > PL_EVIDENCE_MAX_DISSECTORS)
		ev->ndissectors = PL_EVIDENCE_MAX_DISSECTORS;
	gather_freq(ev);
	ev->nnetbase = pl_evidence_netbase(port, proto, ev->netbase, PL_EVIDENCE_MAX_NAMES);
	if (ev->nnetbase > PL_EVIDENCE_MAX_NAMES)
		ev->nnetbase = PL_EVIDENCE_MAX_NAMES;
	ev->nhost = pl_services_file_lookup(host, port, proto, ev->host, PL_EVIDENCE_MAX_NAMES);
	if (ev->nhost > PL_EVIDENCE_MAX_NAMES)
		ev->nhost = PL_EVIDENCE_MAX_NAMES;

	unsigned sig = 0;
	bool top = false;
	for (size_t i = 0; i < ev->nuses; i++)
		if ((unsigned)ev->uses[i]->port_hi - ev->uses[i]->port_lo < PL_EVIDENCE_SPAN_COUNTED)
			sig |= PL_SIGNAL_KNOWN_USE;
	if (ev->ndissectors)
		sig |= PL_SIGNAL_WIRESHARK;
	for (size_t i = 0; i < ev->nfreq; i++) {
		if (ev->freq[i].rank <= PL_EVIDENCE_RANK_USED)
			sig |= PL_SIGNAL_FREQUENT;
		top |= ev->freq[i].rank <= PL_EVIDENCE_RANK_WIDE;
	}
	if (ev->nnetbase)
		sig |= PL_SIGNAL_NETBASE;
	/* The host's file counts apart from netbase only where it says something netbase does not. */
	for (size_t i = 0; i < ev->nhost; i++) {
		bool same = false;
		for (size_t k = 0; k < ev->nnetbase; k++)
			same |= ev->netbase[k].proto == ev->host[i].proto && !strcmp(ev->netbase[k].name, ev->host[i].name);
		if (!same)
			sig |= PL_SIGNAL_HOST;
	}
	ev->signals = sig;
	unsigned independent = !!(sig & PL_SIGNAL_KNOWN_USE) + !!(sig & PL_SIGNAL_WIRESHARK) +
			       !!(sig & PL_SIGNAL_FREQUENT) + !!(sig & PL_SIGNAL_NETBASE);
	ev->level = top || independent >= 3 ? PL_USE_WIDE : sig ? PL_USE_SOME : PL_USE_NONE;
}

const char *pl_use_level_name(pl_use_level l)
{
	return l == PL_USE_WIDE ? "wide" : l == PL_USE_SOME ? "some" : "none";
}

unsigned pl_evidence_rank_bucket(unsigned rank)
{
	static const unsigned b[] = {10, 20, 30, 50, 100, 200, 300, 500, 1000};
	for (size_t i = 0; i < sizeof b / sizeof b[0]; i++)
		if (rank <= b[i])
			return b[i];
	return rank;
}

static void upper_proto(char *out, size_t size, pl_proto p)
{
	snprintf(out, size, "%s", pl_proto_name(p));
	for (char *c = out; *c; c++)
		*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
}

static void freq_line(const pl_open_freq *f, char *line, size_t size)
{
	char t[8];
	upper_proto(t, sizeof t, f->proto);
	if (f->rank <= PL_EVIDENCE_RANK_USED)
		snprintf(line, size, "among the %u %s ports most often found open on the Internet (Nmap: rank %u, open on %.3g%% "
				     "of hosts scanned)",
			 pl_evidence_rank_bucket(f->rank), t, f->rank, f->frequency * 100);
	else
		snprintf(line, size, "Nmap rarely finds it open over %s (rank %u of %u, %.2g%% of hosts scanned), too rarely "
				     "to count",
			 t, f->rank, f->ranked, f->frequency * 100);
}

static size_t join_names(char *out, size_t size, const pl_service_entry *e, size_t n)
{
	size_t at = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && at < size; i++) {
		bool dup = false;
		for (size_t k = 0; k < i; k++)
			dup |= !strcmp(e[k].name, e[i].name);
		if (!dup)
			at += (size_t)snprintf(out + at, size - at, "%s%s", at ? ", " : "", e[i].name);
	}
	return at;
}

size_t pl_evidence_reasons(const pl_evidence *ev, bool speaking, char (*lines)[256], size_t max)
{
	size_t n = 0;
#define LINE (n < max)
	if ((ev->signals & PL_SIGNAL_KNOWN_USE) && speaking && n < max) {
		size_t at = (size_t)snprintf(lines[n], 256, "known use%s: ", ev->uses_total > 1 ? "s" : "");
		for (size_t i = 0; i < ev->nuses && i < 3 && at < 256; i++)
			at += (size_t)snprintf(lines[n] + at, 256 - at, "%s%s", i ? "; " : "", ev->uses[i]->software);
		if (ev->uses_total > 3 && at < 256)
			snprintf(lines[n] + at, 256 - at, " (and %zu more)", ev->uses_total - 3);
		n++;
	} else if (!(ev->signals & PL_SIGNAL_KNOWN_USE) && !speaking && LINE) {
		if (ev->nuses)
			snprintf(lines[n++], 256, "no software is known to listen on it by default (it only lies in %s's "
						  "range of %u-%u)",
				 ev->uses[0]->software, ev->uses[0]->port_lo, ev->uses[0]->port_hi);
		else
			snprintf(lines[n++], 256, "no software is known to listen on it by default");
	}
	if (ev->ndissectors && speaking && n < max) {
		size_t at = (size_t)snprintf(lines[n], 256, "Wireshark dissects it as ");
		for (size_t i = 0, shown = 0; i < ev->ndissectors && at < 256; i++) {
			bool dup = false;
			for (size_t k = 0; k < i; k++)
				dup |= !strcmp(ev->dissectors[k].filter, ev->dissectors[i].filter);
			if (!dup)
				at += (size_t)snprintf(lines[n] + at, 256 - at, "%s%s (%s)", shown++ ? ", " : "",
						       ev->dissectors[i].name, ev->dissectors[i].full);
		}
		n++;
	} else if (!ev->ndissectors && !speaking && LINE) {
		snprintf(lines[n++], 256, "Wireshark has no dissector for it");
	}
	for (size_t i = 0; i < ev->nfreq; i++)
		if ((ev->freq[i].rank <= PL_EVIDENCE_RANK_USED) == speaking && LINE)
			freq_line(&ev->freq[i], lines[n++], 256);
	if (!ev->nfreq && !speaking && LINE)
		snprintf(lines[n++], 256, "Nmap never found it open");
	char names[200];
	if (ev->nnetbase && speaking && LINE) {
		join_names(names, sizeof names, ev->netbase, ev->nnetbase);
		snprintf(lines[n++], 256, "Debian's /etc/services (netbase) lists it as %s", names);
	} else if (!ev->nnetbase && !speaking && LINE) {
		snprintf(lines[n++], 256, "Debian's /etc/services (netbase) does not list it");
	}
	if ((ev->signals & PL_SIGNAL_HOST) && speaking && LINE) {
		join_names(names, sizeof names, ev->host, ev->nhost);
		snprintf(lines[n++], 256, "this host's /etc/services lists it as %s", names);
	}
#undef LINE
	return n;
}

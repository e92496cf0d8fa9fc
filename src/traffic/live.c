/* The summary of a live capture that goes on (`portlore serve --capture`): the ports as the finished flows
 * left them, plus every open flow counted as it stands (its protocol as far as nDPI or the matchers can
 * tell now), so that a long connection shows before it ends. Nothing of the analysis is consumed: the
 * scanner marks are recomputed from scratch each time and the open flows are folded into the copy only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int by_port(const void *x, const void *y)
{
	const pl_traffic_port *a = x, *b = y;
	int ka = (a->proto == PL_PROTO_UDP) << 16 | a->port, kb = (b->proto == PL_PROTO_UDP) << 16 | b->port;
	return ka < kb ? -1 : ka > kb;
}

static int by_flows(const void *a, const void *b)
{
	const pl_traffic_protocol *x = a, *y = b;
	return x->flows < y->flows ? 1 : x->flows > y->flows ? -1 : strcmp(x->protocol, y->protocol);
}

int pl_traffic_live_summary(pl_traffic_live *l, pl_traffic_result **out, pl_error *err)
{
	pl_analysis *a = pl_traffic_live_analysis(l);
	*out = NULL;
	pl_traffic_result *r = calloc(1, sizeof *r);
	int32_t *at = calloc(2 * 65536, sizeof *at); /* slot -> index + 1 in r->ports */
	if (!r || !at)
		goto nomem;
	r->stats = a->r->stats;
	r->stats.scan_attempts_dropped = a->sources.dropped;
	snprintf(r->filter, sizeof r->filter, "%s", a->r->filter);
	/* The open flows' clients go into the ports' sets now (a set is a set: the flow adds itself again
	 * when it finishes), so that a port with only open flows counts its clients too. */
	for (pl_flow *f = a->flows.oldest; f; f = f->newer)
		if (pl_ports_mark_seen(&a->ports, f) || pl_ports_add_client(&a->ports, f))
			goto nomem;
	pl_ports_clear_scan_flows(&a->ports);
	if (pl_sources_collect(&a->sources, &a->o->scan, &a->ports, r) || pl_ports_collect(&a->ports, r))
		goto nomem;
	/* every open flow's port has an entry now (its client made one), unless past opts.max_ports */
	for (size_t i = 0; i < r->nports; i++)
		at[(r->ports[i].proto == PL_PROTO_UDP ? 65536 : 0) + r->ports[i].port] = (int32_t)i + 1;
	for (pl_flow *f = a->flows.oldest; f; f = f->newer) {
		int32_t i = at[(f->ipproto == 17 ? 65536 : 0) + f->sport];
		if (!i) {
			pl_port_fold(&r->other, f, pl_flow_outcome(f));
			continue;
		}
		/* a copy, so that what is learned for the summary does not settle the flow: the matchers only
		 * read its first payloads, nothing is freed through the copy */
		pl_flow now = *f;
		if (!now.proto[0])
			pl_identify_flow(&now);
		pl_port_fold(&r->ports[i - 1], &now, pl_flow_outcome(&now));
	}
	r->other.nprotocols = 0;
	for (size_t i = 0; i < r->nports; i++)
		qsort(r->ports[i].protocols, r->ports[i].nprotocols, sizeof r->ports[i].protocols[0], by_flows);
	qsort(r->ports, r->nports, sizeof *r->ports, by_port);
	free(at);
	*out = r;
	return 0;
nomem:
	free(at);
	pl_traffic_result_free(r);
	return pl_error_set(err, PL_ENOMEM, "out of memory for a summary of the capture");
}

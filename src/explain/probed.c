/* The verdict a probe earns: what answered on a port against what IANA registered there, by protocol
 * rather than by process name ("HTTP (nginx 1.22.1) on 2908/tcp: not mao — probed"). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/explain.h"
#include "portlore/probe.h"
/* The evidence module (issue 10) is merged separately: its known uses order the probes once it is here. */
#if defined(__has_include)
#if __has_include("portlore/evidence.h")
#include "portlore/evidence.h"
#define PL_HAVE_EVIDENCE 1
#endif
#endif
#ifndef PL_HAVE_EVIDENCE
#define PL_HAVE_EVIDENCE 0
#endif

#define MAX_RECORDS 64

pl_match_verdict pl_probe_judge(const pl_registry *reg, const pl_probe_result *r, uint32_t *record, bool *has_record,
				char *buf, size_t size)
{
	uint32_t idx[MAX_RECORDS];
	size_t n = pl_registry_lookup_port(reg, r->target.port, r->target.proto, idx, MAX_RECORDS);
	if (n > MAX_RECORDS)
		n = MAX_RECORDS;
	char names[160] = "";
	size_t used = 0;
	bool same = false;
	*has_record = false;
	for (size_t i = 0; i < n; i++) {
		pl_record rec;
		if (pl_registry_record(reg, idx[i], &rec) || rec.status != PL_STATUS_ASSIGNED || !*rec.name)
			continue;
		if (!*has_record || (!same && (pl_probe_service_is(r->match.protocol, rec.name) ||
					       (r->tls_wrapped && pl_probe_service_is("tls", rec.name))))) {
			*record = rec.index;
			*has_record = true;
		}
		if (r->state == PL_PROBE_IDENTIFIED &&
		    (pl_probe_service_is(r->match.protocol, rec.name) || (r->tls_wrapped && pl_probe_service_is("tls", rec.name))))
			same = true;
		if (!strstr(names, rec.name)) {
			int w = snprintf(names + used, sizeof names - used, "%s%s", used ? " or " : "", rec.name);
			if (w > 0 && (size_t)w < sizeof names - used)
				used += (size_t)w;
		}
	}
	char where[32], label[160];
	snprintf(where, sizeof where, "%u/%s", r->target.port, pl_proto_name(r->target.proto));
	switch (r->state) {
	case PL_PROBE_IDENTIFIED:
		pl_probe_label(r, label, sizeof label);
		if (!*has_record) {
			snprintf(buf, size, "%s on %s: nothing is registered there — probed", label, where);
			return PL_VERDICT_UNKNOWN;
		}
		if (same) {
			snprintf(buf, size, "%s on %s: %s, as registered — probed", label, where, names);
			return PL_VERDICT_MATCH;
		}
		snprintf(buf, size, "%s on %s: not %s — probed", label, where, names);
		return PL_VERDICT_MISMATCH;
	case PL_PROBE_UNRECOGNISED:
		snprintf(buf, size, "an unrecognised reply on %s%s%s%s — probed", where, *names ? " (registered: " : "", names,
			 *names ? ")" : "");
		return PL_VERDICT_UNKNOWN;
	case PL_PROBE_SILENT:
		snprintf(buf, size, "%s accepts connections and says nothing%s%s%s — probed", where,
			 *names ? " (registered: " : "", names, *names ? ")" : "");
		return PL_VERDICT_UNKNOWN;
	case PL_PROBE_CLOSED:
	case PL_PROBE_NO_ANSWER:
		snprintf(buf, size, "nothing answers on %s%s — probed", where,
			 r->state == PL_PROBE_NO_ANSWER && r->target.proto == PL_PROTO_UDP ? " (open or filtered)" : "");
		return PL_VERDICT_NONE;
	case PL_PROBE_ERROR:
		break;
	}
	snprintf(buf, size, "%s could not be probed: %s", where, r->error);
	return PL_VERDICT_UNKNOWN;
}

#define MAX_LOCAL_PROBES 256

/* The address to reach a local listener at: loopback for a wildcard, else its own. */
static void local_target(const pl_socket *s, pl_probe_target *t)
{
	memset(t, 0, sizeof *t);
	const char *a = s->local;
	if (s->family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&t->addr;
		in6->sin6_family = AF_INET6;
		if (!strcmp(a, "::") || inet_pton(AF_INET6, a, &in6->sin6_addr) != 1)
			in6->sin6_addr = in6addr_loopback;
		t->addrlen = sizeof *in6;
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&t->addr;
		in->sin_family = AF_INET;
		if (!strcmp(a, "0.0.0.0") || inet_pton(AF_INET, a, &in->sin_addr) != 1)
			in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		t->addrlen = sizeof *in;
	}
	t->port = s->local_port;
	t->proto = s->proto;
}

/* The protocols a port is known for, best first: the probes to try before any other, from the evidence
 * module's known uses (issue 10). Built without that module, the probes' own port hints and their rarity
 * order the probes. */
size_t pl_probe_known_protocols(void *ctx, uint16_t port, pl_proto proto, const char **keys, size_t max)
{
	(void)ctx;
	size_t n = 0;
#if PL_HAVE_EVIDENCE
	const pl_known_use *uses[32];
	size_t nu = pl_evidence_known_uses(port, proto, uses, 32);
	for (size_t i = 0; i < nu && i < 32 && n < max; i++) {
		const char *k = uses[i]->protocol;
		bool dup = !k || !*k;
		for (size_t j = 0; j < n && !dup; j++)
			dup = !strcmp(keys[j], k);
		if (!dup)
			keys[n++] = k;
	}
#else
	(void)port;
	(void)proto;
	(void)keys;
	(void)max;
#endif
	return n;
}

/* This host's own listeners answer over loopback in microseconds: shorter waits than for a remote host,
 * so that `portlore PORT` stays quick even when the listener never speaks. */
static pl_probe_opts local_defaults(void);

pl_probe_opts pl_probe_local_opts(void)
{
	return local_defaults();
}

static pl_probe_opts local_defaults(void)
{
	return (pl_probe_opts){.timeout_ms = 2500, .connect_timeout_ms = 500, .banner_ms = 150, .reply_ms = 80,
			       .prefer_for = pl_probe_known_protocols};
}

/* A listener only another network namespace holds is not reachable from here. */
static bool elsewhere(const pl_socket_set *set, const pl_socket *s)
{
	bool away = s->owners_count > 0;
	for (uint32_t o = 0; o < s->owners_count && away; o++)
		away = set->procs[set->owner_links[s->owners_first + o]].other_netns;
	return away;
}

/* Probes the listeners among set->socks[idx[i]] (every socket when idx is NULL), tcp and udp, one per port
 * and transport: *out is malloc'd, *nout results. */
static int probe_listeners(const pl_socket_set *set, const uint32_t *idx, size_t nidx, const pl_probe_opts *opts,
			   pl_probe_result **out, size_t *nout, pl_error *err)
{
	*out = NULL;
	*nout = 0;
	pl_probe_target *targets = calloc(MAX_LOCAL_PROBES, sizeof *targets);
	if (!targets)
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	size_t n = 0;
	for (size_t i = 0; i < nidx && n < MAX_LOCAL_PROBES; i++) {
		const pl_socket *s = &set->socks[idx ? idx[i] : i];
		if (!s->listening || (s->proto != PL_PROTO_TCP && s->proto != PL_PROTO_UDP) || elsewhere(set, s))
			continue;
		bool seen = false;
		for (size_t k = 0; k < n && !seen; k++)
			seen = targets[k].port == s->local_port && targets[k].proto == s->proto;
		if (!seen)
			local_target(s, &targets[n++]);
	}
	int rc = 0;
	pl_probe_result *results = n ? calloc(n, sizeof *results) : NULL;
	if (n && !results)
		rc = pl_error_set(err, PL_ENOMEM, "out of memory");
	pl_probe_opts o = local_defaults();
	if (opts)
		o = *opts;
	if (!rc && n)
		rc = pl_probe_run(targets, n, &o, results, err);
	free(targets);
	if (rc) {
		free(results);
		return rc;
	}
	*out = results;
	*nout = n;
	return 0;
}

int pl_report_probe(pl_report *rep, const pl_probe_opts *opts, pl_error *err)
{
	const pl_socket_set *set = rep->sockets;
	if (!set)
		return 0;
	size_t total = 0;
	for (size_t i = 0; i < rep->nports; i++)
		total += rep->ports[i].nsocks;
	uint32_t *idx = malloc((total ? total : 1) * sizeof *idx);
	if (!idx)
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	size_t k = 0;
	for (size_t i = 0; i < rep->nports; i++)
		for (size_t j = 0; j < rep->ports[i].nsocks; j++)
			idx[k++] = rep->ports[i].socks[j];
	pl_probe_result *results;
	size_t n;
	int rc = probe_listeners(set, idx, k, opts, &results, &n, err);
	free(idx);
	for (size_t j = 0; !rc && j < n; j++)
		for (size_t i = 0; i < rep->nports; i++) {
			pl_port_report *p = &rep->ports[i];
			if (!p->has_port || p->port != results[j].target.port)
				continue;
			pl_probe_result *grown = realloc(p->probes, (p->nprobes + 1) * sizeof *grown);
			if (!grown) {
				rc = pl_error_set(err, PL_ENOMEM, "out of memory");
				break;
			}
			p->probes = grown;
			p->probes[p->nprobes++] = results[j];
			break;
		}
	free(results);
	return rc;
}

int pl_sockets_probe(const pl_socket_set *set, const pl_probe_opts *opts, pl_probe_result **out, size_t *nout,
		     pl_error *err)
{
	return probe_listeners(set, NULL, set->n, opts, out, nout, err);
}

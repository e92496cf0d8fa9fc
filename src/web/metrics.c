/* /metrics in Prometheus' text exposition format 0.0.4: the registry in use, feedback votes, HTTP
 * requests and their latency, and (for a scraper that may see processes) the listening sockets of this
 * host labelled with the registered service and a verdict, so that Prometheus can alert across a fleet
 * when a listener is not what is registered (docs/prometheus.yml). Request counters are atomics bumped
 * by the server's threads, never locked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "portlore/sockets.h"

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

struct votes_ctx {
	pl_buf *b;
	int rc;
};

static void vote_line(void *ctx, uint16_t port, const uint32_t *counts)
{
	struct votes_ctx *v = ctx;
	for (int i = 0; i < PL_VOTE_COUNT && v->rc == 0; i++)
		if (counts[i])
			v->rc = pl_buf_printf(v->b, "portlore_feedback_votes_total{port=\"%u\",vote=\"%s\"} %u\n", port,
					      pl_web_vote_name(i), counts[i]);
}

/* ---- listening sockets ---- */

static int cmp_listener(const void *x, const void *y)
{
	const pl_web_listener *a = x, *b = y;
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
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (i + 1 < n && cmp_listener(&ls[i], &ls[i + 1]) == 0) {
			ls[i + 1].count += ls[i].count;
			continue;
		}
		rc = pl_buf_printf(b, "portlore_listening_sockets{port=\"%u\",protocol=\"%s\",service=\"", ls[i].port,
				   pl_proto_name(ls[i].proto));
		rc = rc ? rc : label(b, ls[i].service);
		rc = rc ? rc : PL_ADD(b, "\",process=\"");
		rc = rc ? rc : label(b, ls[i].process);
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
	return rc;
}

/* A reading of this host's sockets: a netlink dump and a walk of /proc for the owners. */
static int sockets_metrics(pl_web *w, pl_buf *b)
{
	pl_socket_query q = {.proc_root = w->opts.proc_root, .listening_only = true, .owners = true, .containers = true};
	pl_socket_set *set = NULL;
	pl_error err = {0};
	int up = pl_sockets_query(&q, &set, &err) == 0;
	int rc = header(b, "portlore_sockets_up", "gauge", "Whether this host's sockets could be read (1) or not (0).");
	rc = rc ? rc : pl_buf_printf(b, "portlore_sockets_up %d\n", up);
	if (!up || rc)
		return rc;
	pl_web_listener *ls = calloc(set->n ? set->n : 1, sizeof *ls);
	if (!ls) {
		pl_socket_set_free(set);
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
	pl_socket_set_free(set);
	return rc;
}

/* The socket part, from a reading at most a second old: scrapes at any rate cost at most one reading a
 * second. When it has expired, one scrape reads the host again while the others meanwhile get the
 * previous reading (or, before the first one exists, wait for it). */
static int sockets_part(pl_web *w, pl_buf *b)
{
	size_t start = b->len;
	int hit = pl_web_cache_get(w->sockets, 0, b, NULL);
	if (hit == 1 || (hit == 2 && pthread_mutex_trylock(&w->sockets_lock)))
		return 0;
	if (hit == 0)
		pthread_mutex_lock(&w->sockets_lock);
	b->len = start;
	int rc = 0;
	if (pl_web_cache_get(w->sockets, 0, b, NULL) != 1) {
		b->len = start;
		rc = sockets_metrics(w, b);
		if (rc == 0)
			pl_web_cache_put(w->sockets, 0, b->data + start, b->len - start, NULL);
	}
	pthread_mutex_unlock(&w->sockets_lock);
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
	rc = rc ? rc : header(b, "portlore_feedback_votes_total", "counter", "Votes on port pages, by port and vote.");
	struct votes_ctx vc = {b, rc};
	if (rc == 0)
		pl_web_feedback_each(w->fb, vote_line, &vc);
	rc = vc.rc;
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
	return rc || !trusted ? rc : sockets_part(w, b);
}

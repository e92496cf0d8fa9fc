/* The "On this host" section of a port page: the sockets on the port, the processes holding them and the
 * verdict on them, from the report's "local" part. Process details go only to clients the server trusts (web/server.c decides: the TCP
 * peer on loopback, or --expose-processes); others get a sentence saying why. A read is cached for a
 * second per port and language, so that a burst of requests costs one netlink dump and one /proc walk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "portlore/render.h"

#define MAX_ROWS 50
#define MAX_CMDLINE 160

static const char *member(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : "";
}

static int proc_cell(pl_buf *b, pl_lang l, const json_t *sock)
{
	const char *status = member(sock, "owner_status");
	const json_t *owners = json_object_get(sock, "owners"), *p;
	int rc = 0;
	if (json_array_size(owners) == 0) {
		rc = PL_ADD(b, "<td class=\"note\">");
		rc = rc ? rc : PL_TR0(b, l, !strcmp(status, "none") ? M_OWNER_NONE : M_OWNER_HIDDEN);
		return rc ? rc : PL_ADD(b, "</td><td></td>");
	}
	size_t i;
	rc = PL_ADD(b, "<td>");
	json_array_foreach(owners, i, p) {
		const char *unit = member(p, "unit"), *container = member(p, "container_id"), *cmd = member(p, "cmdline");
		rc = rc ? rc : (i ? PL_ADD(b, "<br><strong>") : PL_ADD(b, "<strong>"));
		rc = rc ? rc : pl_web_esc(b, member(p, "name"));
		rc = rc ? rc : pl_buf_printf(b, "</strong> <span class=\"note\">pid %lld",
					     (long long)json_integer_value(json_object_get(p, "pid")));
		if (*unit) {
			rc = rc ? rc : PL_ADD(b, " · ");
			rc = rc ? rc : pl_web_esc(b, unit);
		}
		/* the socket's container by name (runtime state) when known, else the id from the cgroup */
		const json_t *ct = json_object_get(sock, "container");
		if (json_is_object(ct) && *member(ct, "name")) {
			rc = rc ? rc : PL_ADD(b, " · container ");
			rc = rc ? rc : pl_web_esc(b, member(ct, "name"));
			rc = rc ? rc : PL_ADD(b, " (");
			rc = rc ? rc : pl_web_esc(b, member(ct, "runtime"));
			rc = rc ? rc : PL_ADD(b, ")");
		} else if (*container) {
			rc = rc ? rc : PL_ADD(b, " · container ");
			rc = rc ? rc : pl_web_escn(b, container, strnlen(container, 12));
		}
		if (json_is_integer(json_object_get(p, "pid_in_container")))
			rc = rc ? rc : pl_buf_printf(b, " · pid %lld inside",
						     (long long)json_integer_value(json_object_get(p, "pid_in_container")));
		rc = rc ? rc : PL_ADD(b, "</span>");
		if (*cmd) {
			size_t n = strlen(cmd);
			rc = rc ? rc : PL_ADD(b, "<br><code>");
			rc = rc ? rc : pl_web_escn(b, cmd, n > MAX_CMDLINE ? MAX_CMDLINE : n);
			rc = rc ? rc : (n > MAX_CMDLINE ? PL_ADD(b, "…</code>") : PL_ADD(b, "</code>"));
		}
	}
	if (*member(sock, "reservation")) {
		rc = rc ? rc : PL_ADD(b, "<br><span class=\"note\">");
		rc = rc ? rc : pl_web_esc(b, member(sock, "reservation"));
		rc = rc ? rc : PL_ADD(b, "</span>");
	}
	rc = rc ? rc : PL_ADD(b, "</td><td>");
	rc = rc ? rc : pl_web_esc(b, member(json_array_get(owners, 0), "user"));
	return rc ? rc : PL_ADD(b, "</td>");
}

static int address(pl_buf *b, const json_t *sock, const char *addr_key, const char *port_key)
{
	bool v6 = !strcmp(member(sock, "family"), "ipv6");
	int rc = v6 ? PL_ADD(b, "<code>[") : PL_ADD(b, "<code>");
	rc = rc ? rc : pl_web_esc(b, member(sock, addr_key));
	return rc ? rc : pl_buf_printf(b, "%s:%lld</code>", v6 ? "]" : "",
				       (long long)json_integer_value(json_object_get(sock, port_key)));
}

static int socket_row(pl_buf *b, pl_lang l, const json_t *sock)
{
	bool listening = json_is_true(json_object_get(sock, "listening"));
	int rc = pl_buf_printf(b, "<tr class=\"%s\"><td>", listening ? "listen" : "conn");
	rc = rc ? rc : pl_web_esc(b, member(sock, "transport"));
	rc = rc ? rc : (strcmp(member(sock, "family"), "ipv6") ? 0 : PL_ADD(b, "6"));
	rc = rc ? rc : PL_ADD(b, "</td><td>");
	rc = rc ? rc : address(b, sock, "local_address", "local_port");
	if (!listening && json_is_integer(json_object_get(sock, "remote_port"))) {
		rc = rc ? rc : PL_ADD(b, " ↔ ");
		rc = rc ? rc : address(b, sock, "remote_address", "remote_port");
	}
	rc = rc ? rc : PL_ADD(b, "</td><td>");
	rc = rc ? rc : pl_web_esc(b, member(sock, "state"));
	rc = rc ? rc : PL_ADD(b, "</td>");
	rc = rc ? rc : proc_cell(b, l, sock);
	return rc ? rc : PL_ADD(b, "</tr>\n");
}

static int paragraph(pl_buf *b, const char *cls, const char *text)
{
	int rc = pl_buf_printf(b, "<p class=\"%s\">", cls);
	rc = rc ? rc : pl_web_esc(b, text);
	return rc ? rc : PL_ADD(b, "</p>\n");
}

/* The verdict on what listens, in English from the report, else translated from its name. */
static int verdict(pl_buf *b, pl_lang l, const json_t *v)
{
	const char *name = member(v, "verdict");
	if (!*name || !strcmp(name, "none"))
		return 0;
	if (l == PL_LANG_EN)
		return paragraph(b, !strcmp(name, "mismatch") ? "verdict verdict-ghost" : "verdict", member(v, "explanation"));
	int rc = pl_buf_printf(b, "<p class=\"%s\">", !strcmp(name, "mismatch") ? "verdict verdict-ghost" : "verdict");
	rc = rc ? rc : PL_TR(b, l, !strcmp(name, "match") ? M_LOCAL_MATCH : !strcmp(name, "mismatch") ? M_LOCAL_MISMATCH
											: M_LOCAL_UNKNOWN,
			     member(v, "service"));
	return rc ? rc : PL_ADD(b, "</p>\n");
}

/* From the report's own "local" part (render/json.c), so that the page judges as `portlore PORT` does. */
static int render_live(pl_web *w, uint16_t port, pl_lang l, pl_buf *b)
{
	char num[8], when[16], more[24];
	snprintf(num, sizeof num, "%u", port);
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%H:%M:%S", &tm);
	pl_spec spec = {.kind = PL_SPEC_PORTS, .lo = port, .hi = port, .proto = PL_PROTO_NONE};
	pl_report_opts ro = {.proc_root = w->opts.proc_root, .own_netns_only = true};
	/* own_netns_only: this process may not enter other namespaces (issue 12's privileged reader is to hand
	 * them over); the CLI's `--netns self` gives the same document. */
	pl_report *rep;
	pl_error err = {0};
	int rc = pl_report_build(w->reg, &spec, &ro, &rep, &err);
	if (rc)
		return rc;
	json_t *doc = pl_render_report_json(rep, w->opts.meta);
	pl_report_free(rep);
	if (!doc)
		return PL_ENOMEM;
	const json_t *local = json_object_get(json_array_get(json_object_get(doc, "ports"), 0), "local");
	if (!json_is_true(json_object_get(local, "checked"))) {
		const char *why = member(local, "error");
		rc = PL_ADD(b, "<p class=\"note\">");
		rc = rc ? rc : PL_TR(b, l, M_HOST_UNAVAILABLE, *why ? why : "?");
		rc = rc ? rc : PL_ADD(b, "</p>\n");
		json_decref(doc);
		return rc;
	}
	const json_t *socks = json_object_get(local, "sockets"), *sock;
	size_t i, shown = json_array_size(socks);
	rc = verdict(b, l, json_object_get(local, "verdict"));
	if (shown) {
		rc = rc ? rc : PL_ADD(b, "<table class=\"sockets\">\n<thead><tr><th>");
		rc = rc ? rc : PL_TR0(b, l, M_COL_PROTO);
		rc = rc ? rc : PL_ADD(b, "</th><th>");
		rc = rc ? rc : PL_TR0(b, l, M_COL_ADDR);
		rc = rc ? rc : PL_ADD(b, "</th><th>");
		rc = rc ? rc : PL_TR0(b, l, M_COL_STATE);
		rc = rc ? rc : PL_ADD(b, "</th><th>");
		rc = rc ? rc : PL_TR0(b, l, M_COL_PROCESS);
		rc = rc ? rc : PL_ADD(b, "</th><th>");
		rc = rc ? rc : PL_TR0(b, l, M_COL_USER);
		rc = rc ? rc : PL_ADD(b, "</th></tr></thead>\n<tbody>\n");
		json_array_foreach(socks, i, sock) {
			if (i >= MAX_ROWS || rc)
				break;
			rc = socket_row(b, l, sock);
		}
		rc = rc ? rc : PL_ADD(b, "</tbody>\n</table>\n");
	}
	if (shown > MAX_ROWS) {
		snprintf(more, sizeof more, "%zu", shown - MAX_ROWS);
		rc = rc ? rc : PL_ADD(b, "<p>");
		rc = rc ? rc : PL_TR(b, l, M_HOST_MORE, more);
		rc = rc ? rc : PL_ADD(b, "</p>\n");
	}
	if (!shown) {
		rc = rc ? rc : PL_ADD(b, "<p>");
		rc = rc ? rc : PL_TR(b, l, M_HOST_NONE, num);
		rc = rc ? rc : PL_ADD(b, "</p>\n");
	}
	/* Published through DNAT: the chain to the container's listener (the report's sentence) */
	const json_t *pubs = json_object_get(local, "published"), *pub;
	json_array_foreach(pubs, i, pub) {
		if (i >= MAX_ROWS || rc)
			break;
		/* the first one is already the verdict's sentence when only a runtime's reservation holds the port */
		if (!strcmp(member(pub, "explanation"), member(json_object_get(local, "verdict"), "explanation")))
			continue;
		rc = paragraph(b, "published", member(pub, "explanation"));
	}
	if (*member(local, "note"))
		rc = rc ? rc : paragraph(b, "note", member(local, "note"));
	rc = rc ? rc : PL_ADD(b, "<p class=\"note\">");
	rc = rc ? rc : PL_TR(b, l, M_HOST_AS_OF, when);
	rc = rc ? rc : PL_ADD(b, "</p>\n");
	json_decref(doc);
	return rc;
}

/* ---- the refresher: a queue of keys (port * PL_LANG_COUNT + language) to re-read ---- */
#define QUEUE_MAX 64

struct pl_web_refresher {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	size_t n;
	uint64_t keys[QUEUE_MAX];
};

static void *refresher_main(void *arg)
{
	pl_web *w = arg;
	struct pl_web_refresher *r = w->refresher;
	/* The lowest priority: a socket dump costs the kernel milliseconds, and under load the requests come
	 * first (they are served the previous reading meanwhile, which says when it was taken). */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19);
	pl_buf b;
	pl_buf_init(&b, PL_WEB_PAGE_MAX);
	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (!r->stop && r->n == 0)
			pthread_cond_wait(&r->wake, &r->lock);
		if (r->stop)
			break;
		uint64_t key = r->keys[0];
		/* keep the key queued while it is read, so that requests meanwhile do not queue it again */
		pthread_mutex_unlock(&r->lock);
		b.len = 0;
		if (render_live(w, (uint16_t)(key / PL_LANG_COUNT), (pl_lang)(key % PL_LANG_COUNT), &b) == 0)
			pl_web_cache_put(w->live, key, b.data ? b.data : "", b.len, NULL);
		pthread_mutex_lock(&r->lock);
		memmove(r->keys, r->keys + 1, (r->n - 1) * sizeof *r->keys);
		r->n--;
	}
	pthread_mutex_unlock(&r->lock);
	pl_buf_free(&b);
	return NULL;
}

static void refresh_later(pl_web *w, uint64_t key)
{
	struct pl_web_refresher *r = w->refresher;
	pthread_mutex_lock(&r->lock);
	bool queued = false;
	for (size_t i = 0; i < r->n && !queued; i++)
		queued = r->keys[i] == key;
	/* a full queue drops the request: the stale section is served a little longer */
	if (!queued && r->n < QUEUE_MAX) {
		r->keys[r->n++] = key;
		pthread_cond_signal(&r->wake);
	}
	pthread_mutex_unlock(&r->lock);
}

int pl_web_refresher_start(pl_web *w, pl_error *err)
{
	struct pl_web_refresher *r = calloc(1, sizeof *r);
	if (!r)
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->wake, NULL);
	w->refresher = r;
	int e = pthread_create(&r->thread, NULL, refresher_main, w);
	if (e) {
		pthread_mutex_destroy(&r->lock);
		pthread_cond_destroy(&r->wake);
		free(r);
		w->refresher = NULL;
		return pl_error_errno(err, PL_EIO, e, "cannot start a thread");
	}
	return 0;
}

void pl_web_refresher_stop(pl_web *w)
{
	struct pl_web_refresher *r = w->refresher;
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->wake);
	free(r);
	w->refresher = NULL;
}

int pl_web_live_section(pl_web *w, uint16_t port, const pl_page_req *rq, pl_buf *out)
{
	int rc = PL_ADD(out, "<section id=\"host\">\n<h2>");
	rc = rc ? rc : PL_TR0(out, rq->lang, M_SEC_HOST);
	rc = rc ? rc : PL_ADD(out, "</h2>\n");
	if (rc)
		return rc;
	if (!rq->live_ok) {
		rc = PL_ADD(out, "<p class=\"note\">");
		rc = rc ? rc : PL_TR0(out, rq->lang, M_HOST_HIDDEN);
		rc = rc ? rc : PL_ADD(out, "</p>\n");
	} else {
		uint64_t key = (uint64_t)port * PL_LANG_COUNT + rq->lang;
		int hit = pl_web_cache_get(w->live, key, out, NULL);
		if (hit == 2 && w->refresher)
			refresh_later(w, key); /* this request gets the last reading, at most a second or so old */
		else if (hit == 0) {
			/* the first request for this port and language reads the host itself */
			size_t start = out->len;
			rc = render_live(w, port, rq->lang, out);
			if (rc == 0)
				pl_web_cache_put(w->live, key, out->data + start, out->len - start, NULL);
		}
	}
	return rc ? rc : PL_ADD(out, "</section>\n");
}

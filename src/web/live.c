/* The "On this host" section of a port page: the sockets on the port, the processes holding them and the
 * verdict on them, from the report's "local" part, built from the newest host snapshot (the reader process
 * sends one every half second; this file also holds the thread that receives them). No request reads the
 * host. Process details go only to clients the server trusts (the TCP peer on loopback, or
 * --expose-processes); others get a sentence saying why. A section is kept per snapshot, port and
 * language, so that a burst of requests renders it once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
static int render_live(pl_web *w, const pl_web_snapshot *snap, uint16_t port, pl_lang l, pl_buf *b)
{
	char num[8], when[32], more[24];
	snprintf(num, sizeof num, "%u", port);
	pl_web_snapshot_time(snap, when, sizeof when);
	pl_spec spec = {.kind = PL_SPEC_PORTS, .lo = port, .hi = port, .proto = PL_PROTO_NONE};
	pl_report_opts ro = {0};
	pl_web_report_opts(w, snap, port, &ro);
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

/* ---- snapshots ---- */

void pl_web_report_opts(const pl_web *w, const pl_web_snapshot *s, uint16_t port, pl_report_opts *ro)
{
	/* the host's services file as the CLI reads it, read once at start (Landlock forbids it later) */
	ro->services = w->services;
	ro->services_path = "";
	ro->snapshot = true;
	ro->host = s ? &s->host : NULL;
	ro->sockets = pl_web_snapshot_set_for(s, port);
	ro->sockets_error = !s ? "no reading of this host yet" : s->set ? NULL : s->error;
	/* never the host itself: with neither, a report would read it (it cannot here: Landlock) */
	if (!ro->host)
		ro->no_local = true;
}

void pl_web_snapshot_time(const pl_web_snapshot *s, char *out, size_t size)
{
	time_t t = s ? (time_t)(s->taken_ms / 1000) : time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, size, "%H:%M:%S", &tm);
}

pl_web_snapshot *pl_web_snapshot_get(pl_web *w)
{
	pthread_mutex_lock(&w->snap_lock);
	pl_web_snapshot *s = w->snap;
	if (s)
		atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&w->snap_lock);
	return s;
}

void pl_web_snapshot_set(pl_web *w, pl_web_snapshot *s)
{
	pthread_mutex_lock(&w->snap_lock);
	pl_web_snapshot *old = w->snap;
	s->seq = ++w->snap_seq;
	w->snap = s;
	pthread_cond_broadcast(&w->snap_cond);
	pthread_mutex_unlock(&w->snap_lock);
	pl_web_snapshot_unref(old); /* requests still drawing from it hold their own reference */
}

static void *receiver_main(void *arg)
{
	pl_web *w = arg;
	pl_buf b;
	pl_buf_init(&b, PL_WEB_SNAPSHOT_MAX);
	pl_web_snapshot *s;
	while (pl_web_snapshot_read_frame(w->snap_fd, &b) == 0) {
		if (pl_web_snapshot_decode(b.data, b.len, &s) == 0)
			pl_web_snapshot_set(w, s);
		else
			pl_web_log(w, "a host snapshot from the reader could not be read: ignored");
	}
	pl_buf_free(&b);
	/* the reader is gone (or stop() shut the socket down): pages keep the last snapshot and its time */
	pthread_mutex_lock(&w->snap_lock);
	bool stopping = w->snap_fd < 0;
	pthread_cond_broadcast(&w->snap_cond);
	pthread_mutex_unlock(&w->snap_lock);
	if (!stopping)
		pl_web_log(w, "the reader process is gone: pages show the host as last read");
	return NULL;
}

int pl_web_receiver_start(pl_web *w, pl_error *err)
{
	if (w->snap_fd < 0)
		return 0;
	int e = pthread_create(&w->snap_thread, NULL, receiver_main, w);
	if (e)
		return pl_error_errno(err, PL_EIO, e, "cannot start a thread");
	w->snap_thread_on = true;
	/* the first pages already show the host, this server's own socket included: wait (a little) for a
	 * snapshot read after it was bound (the reader was started before) */
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	uint64_t bound_ms = (uint64_t)until.tv_sec * 1000 + (uint64_t)until.tv_nsec / 1000000;
	until.tv_sec += 3;
	pthread_mutex_lock(&w->snap_lock);
	while ((!w->snap || w->snap->taken_ms < bound_ms) &&
	       pthread_cond_timedwait(&w->snap_cond, &w->snap_lock, &until) == 0)
		;
	pthread_mutex_unlock(&w->snap_lock);
	return 0;
}

void pl_web_receiver_stop(pl_web *w)
{
	if (w->snap_thread_on) {
		int fd = w->snap_fd;
		pthread_mutex_lock(&w->snap_lock);
		w->snap_fd = -1;
		pthread_mutex_unlock(&w->snap_lock);
		shutdown(fd, SHUT_RDWR);
		pthread_join(w->snap_thread, NULL);
		close(fd);
		w->snap_thread_on = false;
	} else if (w->snap_fd >= 0) {
		close(w->snap_fd);
		w->snap_fd = -1;
	}
	pl_web_snapshot_unref(w->snap);
	w->snap = NULL;
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
		pl_web_snapshot *snap = pl_web_snapshot_get(w);
		/* a snapshot's sections differ from the previous one's: its number is part of the key */
		uint64_t key = ((snap ? snap->seq : 0) << 20) | ((uint64_t)port * PL_LANG_COUNT + rq->lang);
		if (pl_web_cache_get(w->live, key, out, NULL) == 0) {
			size_t start = out->len;
			rc = render_live(w, snap, port, rq->lang, out);
			if (rc == 0)
				pl_web_cache_put(w->live, key, out->data + start, out->len - start, NULL);
		}
		pl_web_snapshot_unref(snap);
	}
	return rc ? rc : PL_ADD(out, "</section>\n");
}

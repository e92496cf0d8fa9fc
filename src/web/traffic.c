/* What crosses a port, in the HTTP process of `serve --capture`: the thread that receives the capture
 * process's summaries (web/capture.c, frames of web/tframe.c), the "traffic" member of /api/ports/N and the
 * "What crosses this port" section of the page, drawn from that same member (one emitter). Like the "On
 * this host" section, the details go only to clients that may see processes (loopback, or
 * --expose-processes): which hosts talk to and scan this machine is the same kind of secret. Without
 * --capture there is neither member nor section (nor series): /api/ports/N stays `portlore N --json`. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "portlore/registry.h"
#include "portlore/render.h"

#define FRAME_MAGIC 0x31544c50u /* "PLT1", as web/tframe.c writes it */
#define MAX_SCANNERS_SHOWN PL_TRAFFIC_PORT_SCANNERS

struct pl_web_tstate {
	pthread_mutex_t lock;
	pl_web_traffic *cur;
	uint64_t seq;
	int fd;
	pthread_t thread;
	bool thread_on, stopping, gone;
};

pl_web_traffic *pl_web_traffic_get(pl_web *w)
{
	if (!w->traffic)
		return NULL;
	pthread_mutex_lock(&w->traffic->lock);
	pl_web_traffic *t = w->traffic->cur;
	if (t)
		atomic_fetch_add(&t->refs, 1);
	pthread_mutex_unlock(&w->traffic->lock);
	return t;
}

uint64_t pl_web_traffic_seq(pl_web *w)
{
	if (!w->traffic)
		return 0;
	pthread_mutex_lock(&w->traffic->lock);
	uint64_t s = w->traffic->seq * 2 + w->traffic->gone;
	pthread_mutex_unlock(&w->traffic->lock);
	return s;
}

bool pl_web_traffic_stopped(pl_web *w)
{
	if (!w->traffic)
		return false;
	pthread_mutex_lock(&w->traffic->lock);
	bool gone = w->traffic->gone;
	pthread_mutex_unlock(&w->traffic->lock);
	return gone;
}

static void *receiver_main(void *arg)
{
	pl_web *w = arg;
	pl_web_tstate *ts = w->traffic;
	pl_buf b;
	pl_buf_init(&b, PL_WEB_TRAFFIC_MAX);
	pl_web_traffic *t;
	bool complained = false;
	while (pl_web_frame_read(ts->fd, FRAME_MAGIC, PL_WEB_TRAFFIC_MAX, &b) == 0) {
		if (pl_web_traffic_decode(b.data, b.len, &t) == 0) {
			pthread_mutex_lock(&ts->lock);
			pl_web_traffic *old = ts->cur;
			ts->cur = t;
			t->seq = ++ts->seq;
			pthread_mutex_unlock(&ts->lock);
			pl_web_traffic_unref(old);
		} else if (!complained) {
			complained = true; /* once: the next frames come every second */
			pl_web_log(w, "a traffic summary from the capture process could not be read: ignored");
		}
	}
	pl_buf_free(&b);
	pthread_mutex_lock(&ts->lock);
	bool stopping = ts->stopping;
	ts->gone = true;
	pthread_mutex_unlock(&ts->lock);
	if (!stopping)
		pl_web_log(w, "the capture process is gone: pages show the last summary it sent");
	return NULL;
}

int pl_web_traffic_start(pl_web *w, pl_error *err)
{
	if (!w->opts.capture)
		return 0;
	pl_web_tstate *ts = calloc(1, sizeof *ts);
	if (!ts)
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	pthread_mutex_init(&ts->lock, NULL);
	ts->fd = w->opts.traffic_fd;
	w->traffic = ts;
	int e = pthread_create(&ts->thread, NULL, receiver_main, w);
	if (e)
		return pl_error_errno(err, PL_EIO, e, "cannot start a thread");
	ts->thread_on = true;
	return 0;
}

void pl_web_traffic_stop(pl_web *w)
{
	pl_web_tstate *ts = w->traffic;
	if (!ts) {
		if (w->opts.capture && w->opts.traffic_fd >= 0)
			close(w->opts.traffic_fd);
		return;
	}
	if (ts->thread_on) {
		pthread_mutex_lock(&ts->lock);
		ts->stopping = true;
		pthread_mutex_unlock(&ts->lock);
		shutdown(ts->fd, SHUT_RDWR);
		pthread_join(ts->thread, NULL);
	}
	if (ts->fd >= 0)
		close(ts->fd);
	pl_web_traffic_unref(ts->cur);
	pthread_mutex_destroy(&ts->lock);
	free(ts);
	w->traffic = NULL;
}

/* ---- the "traffic" member ---- */

static void iso_time(double t, char *out, size_t size)
{
	time_t s = (time_t)t;
	struct tm tm;
	gmtime_r(&s, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A scanner that touched the port, as `portlore traffic --json` lists it when the frame carries it (the
 * 256 with most attempts), else only its address. */
static json_t *scanner_json(const pl_web_traffic *t, uint8_t family, const uint8_t *addr)
{
	for (size_t i = 0; i < t->nscanners; i++) {
		const pl_traffic_scanner *s = &t->scanners[i];
		if (s->family == family && !memcmp(s->addr, addr, family == 6 ? 16 : 4))
			return pl_render_traffic_scanner_json(s);
	}
	char a[64];
	pl_traffic_addr_str(family, addr, a, sizeof a);
	return json_pack("{s:s}", "source", a);
}

/* The port as `portlore traffic --json` has it (one emitter: render/traffic.c), and the scanners that
 * probed it. */
static json_t *port_json(pl_web *w, const pl_web_traffic *t, const pl_traffic_port *p)
{
	json_t *o = pl_render_traffic_port_json(w->reg, p);
	if (!o)
		return NULL;
	json_t *sc = json_array();
	for (uint32_t i = 0; i < p->scanners && i < MAX_SCANNERS_SHOWN; i++)
		json_array_append_new(sc, scanner_json(t, p->scanner_family[i], p->scanner_addr[i]));
	json_object_set_new(o, "scanners", sc);
	json_object_set_new(o, "scanners_count", json_integer(p->scanners));
	return o;
}

/* Strings made from the frame are valid UTF-8 for jansson only if the sender was honest: json_string
 * refuses others (NULL), and json_object_set_new drops a NULL. */
json_t *pl_web_traffic_json(pl_web *w, uint16_t port)
{
	pl_web_traffic *t = pl_web_traffic_get(w);
	json_t *o = json_object();
	if (!o || !t) {
		if (o)
			json_object_set_new(o, "captured", json_false()), json_object_set_new(o, "reason", json_string("no summary from the capture process yet"));
		pl_web_traffic_unref(t);
		return o;
	}
	bool gone = pl_web_traffic_stopped(w);
	json_object_set_new(o, "captured", json_boolean(!t->error[0]));
	json_object_set_new(o, "interface", json_string(t->iface));
	if (t->error[0]) {
		json_object_set_new(o, "error", json_string(t->error));
		pl_web_traffic_unref(t);
		return o;
	}
	char since[32], at[32];
	iso_time(t->started, since, sizeof since);
	iso_time((double)t->taken_ms / 1000, at, sizeof at);
	json_object_set_new(o, "filter", json_string(t->filter));
	json_object_set_new(o, "dpi", json_string(t->dpi));
	json_object_set_new(o, "since", json_string(since));
	json_object_set_new(o, "read_at", json_string(at));
	double dur = (double)t->taken_ms / 1000 - t->started;
	json_object_set_new(o, "duration_seconds", json_integer(dur > 0 ? (json_int_t)dur : 0));
	json_object_set_new(o, "capture_stopped", json_boolean(gone));
	json_object_set_new(o, "counts",
			    json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "frames", (json_int_t)t->frames,
				      "kernel_dropped", (json_int_t)t->kernel_dropped, "decoded",
				      (json_int_t)t->decoded, "flows", (json_int_t)t->flows, "open_flows",
				      (json_int_t)t->open_flows, "evicted_idle", (json_int_t)t->evicted_idle, "evicted_full",
				      (json_int_t)t->evicted_full, "scan_attempts_dropped", (json_int_t)t->dropped,
				      "scanners", (json_int_t)t->scanners_seen));
	json_object_set_new(o, "ports_seen", json_integer(t->ports_seen));
	json_object_set_new(o, "ports_detailed", json_integer((json_int_t)t->nports));
	json_t *arr = json_array();
	for (int k = 0; k < 2; k++) {
		const pl_traffic_port *p = pl_web_traffic_port(t, port, k ? PL_PROTO_UDP : PL_PROTO_TCP);
		if (p)
			json_array_append_new(arr, port_json(w, t, p));
	}
	/* seen but not detailed: among the ports summed as "other" */
	bool summed = false;
	for (int k = 0; k < 2; k++) {
		pl_proto pr = k ? PL_PROTO_UDP : PL_PROTO_TCP;
		summed |= !pl_web_traffic_port(t, port, pr) && pl_web_traffic_seen(t, port, pr);
	}
	json_object_set_new(o, "detailed", json_boolean(!summed));
	json_object_set_new(o, "transports", arr);
	pl_web_traffic_unref(t);
	return o;
}

/* ---- the page section, drawn from the member ---- */

static const char *member(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : "";
}

static const char *num(const json_t *o, const char *k, char *buf, size_t size)
{
	snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(json_object_get(o, k)));
	return buf;
}

static int transport_part(pl_buf *b, pl_lang l, const json_t *tr)
{
	const json_t *v = json_object_get(tr, "verdict");
	const char *kind = member(v, "verdict");
	int rc = pl_buf_printf(b, "<p class=\"%s\">", !strcmp(kind, "mismatch") ? "verdict verdict-ghost" : "verdict");
	rc = rc ? rc : pl_web_esc(b, member(v, "text"));
	rc = rc ? rc : PL_ADD(b, "</p>\n");
	const json_t *protos = json_object_get(tr, "protocols"), *p;
	size_t i;
	if (json_array_size(protos)) {
		rc = rc ? rc : PL_ADD(b, "<table class=\"traffic\">\n<thead><tr><th>");
		rc = rc ? rc : PL_TR0(b, l, M_COL_PROTOCOL);
		rc = rc ? rc : PL_ADD(b, "</th><th>");
		rc = rc ? rc : PL_TR0(b, l, M_COL_FLOWS);
		rc = rc ? rc : PL_ADD(b, "</th><th>");
		rc = rc ? rc : PL_TR0(b, l, M_COL_NAMED_BY);
		rc = rc ? rc : PL_ADD(b, "</th><th>");
		rc = rc ? rc : PL_TR0(b, l, M_COL_PRODUCT);
		rc = rc ? rc : PL_ADD(b, "</th></tr></thead>\n<tbody>\n");
		json_array_foreach(protos, i, p) {
			char n[24];
			rc = rc ? rc : PL_ADD(b, "<tr><td>");
			rc = rc ? rc : pl_web_esc(b, member(p, "name"));
			rc = rc ? rc : PL_ADD(b, " <code>"); /* the key, as the API names it */
			rc = rc ? rc : pl_web_esc(b, member(p, "protocol"));
			rc = rc ? rc : PL_ADD(b, "</code></td><td class=\"num\">");
			rc = rc ? rc : pl_web_esc(b, num(p, "flows", n, sizeof n));
			rc = rc ? rc : PL_ADD(b, "</td><td>");
			rc = rc ? rc : pl_web_esc(b, member(p, "by"));
			rc = rc ? rc : PL_ADD(b, "</td><td>");
			rc = rc ? rc : pl_web_esc(b, member(p, "product"));
			if (*member(p, "version")) {
				rc = rc ? rc : PL_ADD(b, " ");
				rc = rc ? rc : pl_web_esc(b, member(p, "version"));
			}
			rc = rc ? rc : PL_ADD(b, "</td></tr>\n");
		}
		rc = rc ? rc : PL_ADD(b, "</tbody>\n</table>\n");
	}
	char f[24], s[24], c[24], to_s[24], to_c[24];
	const json_t *pk = json_object_get(tr, "packets");
	rc = rc ? rc : PL_ADD(b, "<p>");
	rc = rc ? rc : PL_TR(b, l, M_TRAFFIC_COUNTS, num(tr, "flows", f, sizeof f), num(tr, "scan_flows", s, sizeof s),
			     num(pk, "to_server", to_s, sizeof to_s), num(pk, "to_client", to_c, sizeof to_c),
			     num(tr, "clients", c, sizeof c));
	rc = rc ? rc : PL_ADD(b, "</p>\n");
	const json_t *sc = json_object_get(tr, "scanners"), *one;
	if (json_array_size(sc)) {
		rc = rc ? rc : PL_ADD(b, "<p>");
		rc = rc ? rc : PL_TR(b, l, M_TRAFFIC_SCANNERS, num(tr, "scanners_count", c, sizeof c));
		rc = rc ? rc : PL_ADD(b, "</p>\n<ul class=\"scanners\">\n");
		json_array_foreach(sc, i, one) {
			char np[24], na[24], kinds[64] = "";
			const json_t *k;
			size_t j;
			json_array_foreach(json_object_get(one, "kinds"), j, k) {
				size_t used = strlen(kinds);
				snprintf(kinds + used, sizeof kinds - used, "%s%s", j ? ", " : "",
					 json_is_string(k) ? json_string_value(k) : "");
			}
			rc = rc ? rc : PL_ADD(b, "<li>");
			rc = rc ? rc : PL_TR(b, l, M_TRAFFIC_SCANNER, member(one, "source"), *kinds ? kinds : "?",
					     num(one, "ports", np, sizeof np), num(one, "attempts", na, sizeof na));
			rc = rc ? rc : PL_ADD(b, "</li>\n");
		}
		rc = rc ? rc : PL_ADD(b, "</ul>\n");
	}
	return rc;
}

static int note(pl_buf *b, pl_lang l, pl_msg m, const char *a1, const char *a2)
{
	int rc = PL_ADD(b, "<p class=\"note\">");
	rc = rc ? rc : (a2 ? PL_TR(b, l, m, a1, a2) : a1 ? PL_TR(b, l, m, a1) : PL_TR0(b, l, m));
	return rc ? rc : PL_ADD(b, "</p>\n");
}

int pl_web_traffic_section(pl_web *w, uint16_t port, const pl_page_req *rq, pl_buf *out)
{
	pl_lang l = rq->lang;
	if (!w->opts.capture)
		return 0; /* as the API: no capture, no section (nothing to say but that) */
	int rc = PL_ADD(out, "<section id=\"traffic\">\n<h2>");
	rc = rc ? rc : PL_TR0(out, l, M_SEC_TRAFFIC);
	rc = rc ? rc : PL_ADD(out, "</h2>\n");
	if (rc)
		return rc;
	if (!rq->live_ok)
		rc = note(out, l, M_TRAFFIC_HIDDEN, NULL, NULL);
	else {
		json_t *o = pl_web_traffic_json(w, port);
		if (!o)
			return PL_ENOMEM;
		char p[8];
		snprintf(p, sizeof p, "%u", port);
		if (*member(o, "error"))
			rc = note(out, l, M_TRAFFIC_FAILED, member(o, "interface"), member(o, "error"));
		else if (!json_is_true(json_object_get(o, "captured")))
			rc = note(out, l, M_TRAFFIC_WAIT, NULL, NULL);
		else {
			const json_t *arr = json_object_get(o, "transports"), *tr;
			size_t i;
			json_array_foreach(arr, i, tr) {
				if (rc)
					break;
				rc = transport_part(out, l, tr);
			}
			char seen[24], kept[24], mins[24], since[16], at[16];
			if (!json_array_size(arr) && !rc) {
				rc = PL_ADD(out, "<p>");
				if (json_is_true(json_object_get(o, "detailed")))
					rc = rc ? rc : PL_TR(out, l, M_TRAFFIC_NONE, p);
				else
					rc = rc ? rc
						: PL_TR(out, l, M_TRAFFIC_OTHER, num(o, "ports_seen", seen, sizeof seen),
							num(o, "ports_detailed", kept, sizeof kept));
				rc = rc ? rc : PL_ADD(out, "</p>\n");
			}
			snprintf(mins, sizeof mins, "%" JSON_INTEGER_FORMAT,
				 json_integer_value(json_object_get(o, "duration_seconds")) / 60);
			/* "HH:MM:SS" out of the ISO times */
			snprintf(since, sizeof since, "%.8s", member(o, "since") + (strlen(member(o, "since")) >= 19 ? 11 : 0));
			snprintf(at, sizeof at, "%.8s", member(o, "read_at") + (strlen(member(o, "read_at")) >= 19 ? 11 : 0));
			rc = rc ? rc : PL_ADD(out, "<p class=\"note\">");
			rc = rc ? rc : PL_TR(out, l, M_TRAFFIC_AS_OF, member(o, "interface"), since, mins, at);
			rc = rc ? rc : PL_ADD(out, "</p>\n");
			if (json_is_true(json_object_get(o, "capture_stopped")))
				rc = rc ? rc : note(out, l, M_TRAFFIC_STOPPED, NULL, NULL);
			const json_t *counts = json_object_get(o, "counts");
			if (json_integer_value(json_object_get(counts, "kernel_dropped")) > 0)
				rc = rc ? rc : note(out, l, M_TRAFFIC_DROPPED, num(counts, "kernel_dropped", seen, sizeof seen), NULL);
		}
		json_decref(o);
	}
	return rc ? rc : PL_ADD(out, "</section>\n");
}

/* Routing and the handlers: a request (already taken apart by web/server.c, so this file never sees
 * libmicrohttpd) becomes a reply. Input is validated here: ports are digits only, 0-65535; queries are
 * at most PL_WEB_QUERY_MAX bytes; votes are one of three words. The JSON API returns exactly the
 * documents of `portlore N --json` and `portlore search Q --json`. */
#include <stdarg.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "portlore/render.h"
#include "render/internal.h"

#define API_SEARCH_LIMIT 25 /* `portlore search`'s default --limit, so that both give the same document */

static bool method_is(const pl_web_request *rq, const char *m)
{
	return strcmp(rq->method, m) == 0;
}

static bool is_get(const pl_web_request *rq)
{
	return method_is(rq, "GET") || method_is(rq, "HEAD");
}

static bool is_api(const char *path)
{
	return strncmp(path, "/api/", 5) == 0;
}

/* The reply body as JSON: {"error": text, "status": N}. text may hold the client's bytes (a bad port):
 * invalid UTF-8 is replaced, as jansson refuses it. */
static void json_error(pl_web_reply *r, unsigned status, const char *text)
{
	json_t *doc = json_pack("{s:o, s:i}", "error", pl_json_text(text), "status", (int)status);
	char *s = doc ? json_dumps(doc, JSON_PRESERVE_ORDER) : NULL;
	r->status = status;
	r->type = "application/json";
	r->html = false;
	if (s) {
		pl_buf_add(&r->body, s, strlen(s));
		pl_buf_addc(&r->body, '\n');
	}
	free(s);
	json_decref(doc);
}

static void error_reply(pl_web *w, const pl_web_request *rq, pl_web_reply *r, unsigned status, pl_msg detail,
			const char *arg)
{
	r->body.len = 0;
	if (is_api(rq->path)) {
		char text[512];
		PL_FMT(text, sizeof text, PL_LANG_EN, detail, arg ? arg : "");
		json_error(r, status, text);
		return;
	}
	pl_page_req pr = {.lang = r->lang};
	r->status = status;
	r->type = "text/html; charset=utf-8";
	r->html = true;
	if (pl_web_page_error(w, status, detail, arg, &pr, &r->body)) {
		r->body.len = 0;
		PL_ADD(&r->body, "error\n");
		r->type = "text/plain; charset=utf-8";
	}
}

static void internal_error(pl_web *w, const pl_web_request *rq, pl_web_reply *r, int code)
{
	pl_web_log(w, "%s %s: internal error %d", rq->method, rq->path, code);
	error_reply(w, rq, r, 500, M_ERR_500_TEXT, NULL);
}

/* "2908" -> 2908; digits only, at most five of them, at most 65535. */
static bool parse_port(const char *s, size_t n, uint16_t *out)
{
	uint32_t v;
	if (n == 0 || n > 5 || pl_parse_uint(s, n, 65535, &v))
		return false;
	*out = (uint16_t)v;
	return true;
}

/* The text of a bad port for the error message, cut short: it is the client's, echoed back escaped. */
static void bad_port(pl_web *w, const pl_web_request *rq, pl_web_reply *r, const char *s, size_t n)
{
	char shown[48];
	snprintf(shown, sizeof shown, "%.*s%s", (int)(n > 32 ? 32 : n), s, n > 32 ? "…" : "");
	error_reply(w, rq, r, 400, M_ERR_BAD_PORT, shown);
}

/* The Host a loopback client asked for must name this machine too: a page of another site whose name
 * was rebound to 127.0.0.1 (DNS rebinding) connects from loopback but sends its own name. */
static bool host_is_local(const char *host)
{
	if (!host)
		return true; /* HTTP/1.0 without Host */
	size_t n = strcspn(host, ":");
	if (host[0] == '[') /* [::1]:8080 */
		return strncmp(host, "[::1]", 5) == 0 && (host[5] == '\0' || host[5] == ':');
	if (n == 9 && pl_strncaseeq(host, "localhost", 9))
		return true;
	char addr[16];
	if (n >= sizeof addr)
		return false;
	memcpy(addr, host, n);
	addr[n] = '\0';
	/* a dotted quad in 127.0.0.0/8 (inet_pton takes nothing looser: no "127.1", no leading zeros) */
	struct in_addr in;
	return inet_pton(AF_INET, addr, &in) == 1 && (ntohl(in.s_addr) >> 24) == 127;
}

bool pl_web_live_ok(pl_web *w, const pl_web_request *rq)
{
	return w->opts.expose_processes || (pl_web_is_loopback(rq->client) && host_is_local(rq->host));
}

/* Checks the q argument: present (unless optional), short, without NUL bytes. 0 ok, else replied. */
static int check_query(pl_web *w, const pl_web_request *rq, pl_web_reply *r, bool optional)
{
	char max[16];
	snprintf(max, sizeof max, "%d", PL_WEB_QUERY_MAX);
	if (!rq->q) {
		if (optional)
			return 0;
		error_reply(w, rq, r, 400, M_ERR_QUERY_BAD, NULL);
		return -1;
	}
	if (rq->q_len > PL_WEB_QUERY_MAX) {
		error_reply(w, rq, r, 400, M_ERR_QUERY_LONG, max);
		return -1;
	}
	if (strlen(rq->q) != rq->q_len || (!optional && rq->q_len == 0)) {
		error_reply(w, rq, r, 400, M_ERR_QUERY_BAD, NULL);
		return -1;
	}
	return 0;
}

static void html_reply(pl_web_reply *r)
{
	r->status = 200;
	r->type = "text/html; charset=utf-8";
	r->html = true;
}

static int dump_json(pl_web_reply *r, json_t *doc)
{
	if (!doc)
		return PL_ENOMEM;
	/* the same dump as cli_emit: two-space indent, keys in order, a final newline */
	char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!s)
		return PL_ENOMEM;
	int rc = pl_buf_add(&r->body, s, strlen(s));
	rc = rc ? rc : pl_buf_addc(&r->body, '\n');
	free(s);
	r->status = 200;
	r->type = "application/json";
	return rc;
}

static void api_port(pl_web *w, const pl_web_request *rq, pl_web_reply *r, uint16_t port)
{
	pl_spec spec = {.kind = PL_SPEC_PORTS, .lo = port, .hi = port, .proto = PL_PROTO_NONE};
	/* From the newest host snapshot (its time goes in a header), never the host itself. A remote client
	 * gets the --no-local document. The server shares the answer between requests (web/server.c). */
	pl_web_snapshot *snap = pl_web_snapshot_get(w);
	bool live = pl_web_live_ok(w, rq);
	r->snapshot_ms = snap ? snap->taken_ms : 0;
	pl_report_opts ro = {0};
	pl_web_report_opts(w, snap, port, &ro);
	ro.no_local = ro.no_local || !live;
	pl_report *rep;
	pl_error err = {0};
	int rc = pl_report_build(w->reg, &spec, &ro, &rep, &err);
	if (rc == 0) {
		json_t *doc = pl_render_report_json(rep, w->opts.meta);
		/* what crosses the port (serve --capture), for the clients that see the host; without a capture
		 * the document is exactly `portlore N --json`'s */
		json_t *port_doc = json_array_get(json_object_get(doc, "ports"), 0);
		if (json_is_object(port_doc) && w->opts.capture)
			json_object_set_new(port_doc, "traffic", live ? pl_web_traffic_json(w, port)
								     : json_pack("{s:b,s:s}", "shown", 0, "reason",
										 "shown only to clients that may see the host"));
		rc = dump_json(r, doc);
		pl_report_free(rep); /* before the snapshot it borrowed from */
	}
	pl_web_snapshot_unref(snap);
	if (rc)
		internal_error(w, rq, r, rc);
}

static void api_search(pl_web *w, const pl_web_request *rq, pl_web_reply *r)
{
	if (check_query(w, rq, r, false))
		return;
	pl_hit hits[API_SEARCH_LIMIT];
	pl_error err = {0};
	size_t total = 0;
	int n = pl_registry_search_ex(w->reg, rq->q, hits, API_SEARCH_LIMIT, &total, &err);
	if (n == PL_EINVAL || n == PL_ELIMIT) {
		json_error(r, 400, err.msg);
		return;
	}
	int rc = n < 0 ? n : dump_json(r, pl_render_search_json_ex(w->reg, rq->q, hits, (size_t)n, total, w->opts.meta));
	if (rc)
		internal_error(w, rq, r, rc);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The value of field name in an application/x-www-form-urlencoded body, decoded into out. */
static bool form_field(const char *body, size_t len, const char *name, char *out, size_t size)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i < len;) {
		size_t end = i;
		while (end < len && body[end] != '&')
			end++;
		if (end - i > nl && memcmp(body + i, name, nl) == 0 && body[i + nl] == '=') {
			size_t o = 0;
			for (size_t k = i + nl + 1; k < end; k++) {
				int ch = (unsigned char)body[k];
				if (ch == '+')
					ch = ' ';
				else if (ch == '%') {
					/* "%XX" must fit before end: k + 2 <= end - 1 */
					int hi = k + 2 < end ? hexval(body[k + 1]) : -1;
					int lo = k + 2 < end ? hexval(body[k + 2]) : -1;
					if (hi < 0 || lo < 0)
						return false;
					ch = hi * 16 + lo;
					k += 2;
				}
				if (o + 1 >= size)
					return false;
				out[o++] = (char)ch;
			}
			out[o] = 0;
			return true;
		}
		i = end + 1;
	}
	return false;
}

static bool wants_json(const pl_web_request *rq)
{
	return (rq->accept && strstr(rq->accept, "application/json")) ||
	       (rq->content_type && !strncmp(rq->content_type, "application/json", 16));
}

/* Votes cast by a page elsewhere in its visitors' names are refused. Browsers say where a request comes
 * from in Sec-Fetch-Site, which a page cannot forge. Browsers without it say it in Origin, which must then
 * name this server (the Host it was asked for). "Origin: null" is refused: other sites can make browsers
 * send it (a sandboxed frame, a page under Referrer-Policy: no-referrer), and our own pages, served under
 * Referrer-Policy: same-origin, never do (a form POST under no-referrer would). Clients that send neither
 * header are not browsers acting for a page (curl), and are let through. */
static bool same_origin(const pl_web_request *rq)
{
	if (rq->fetch_site)
		return !strcmp(rq->fetch_site, "same-origin") || !strcmp(rq->fetch_site, "none");
	if (!rq->origin)
		return true;
	const char *o = rq->origin;
	if (!strncmp(o, "http://", 7))
		o += 7;
	else if (!strncmp(o, "https://", 8))
		o += 8;
	else
		return false;
	return rq->host && *rq->host && pl_strcasecmp(o, rq->host) == 0;
}

static void feedback(pl_web *w, const pl_web_request *rq, pl_web_reply *r, uint16_t port)
{
	char vote_text[16];
	int vote = -1;
	if (rq->body_too_big) {
		char max[16];
		snprintf(max, sizeof max, "%d", PL_WEB_BODY_MAX);
		error_reply(w, rq, r, 413, M_ERR_413_TEXT, max);
		return;
	}
	if (!same_origin(rq)) {
		json_error(r, 403, "cross-origin votes are refused");
		return;
	}
	if (rq->content_type && !strncmp(rq->content_type, "application/json", 16)) {
		json_t *doc = json_loadb(rq->body ? rq->body : "", rq->body_len, JSON_REJECT_DUPLICATES, NULL);
		const char *v = json_string_value(json_object_get(doc, "vote"));
		if (v)
			vote = pl_web_vote_parse(v, strlen(v));
		json_decref(doc);
	} else if (form_field(rq->body ? rq->body : "", rq->body_len, "vote", vote_text, sizeof vote_text))
		vote = pl_web_vote_parse(vote_text, strlen(vote_text));
	if (vote < 0) {
		error_reply(w, rq, r, 400, M_ERR_BAD_VOTE, NULL);
		return;
	}
	pl_error err = {0};
	int rc;
	if (rq->vote_done)
		rc = rq->vote_result;
	else if (w->workers) {
		/* the server queues it to the writer and answers once it is on disk (web/server.c) */
		r->vote_pending = true;
		r->vote_port = port;
		r->vote = vote;
		return;
	} else
		rc = pl_web_feedback_vote(w->fb, port, vote, rq->client, &err);
	if (rc < 0) {
		pl_web_log(w, "vote on port %u not recorded: %s", port, *err.msg ? err.msg : "the writer is busy or gone");
		error_reply(w, rq, r, 503, M_ERR_500_TEXT, NULL);
		return;
	}
	if (!wants_json(rq)) {
		/* a plain form: back to the page, which says whether the vote counted */
		r->status = 303;
		r->type = "text/plain; charset=utf-8";
		snprintf(r->location, sizeof r->location, "/ports/%u?voted=%d#feedback", port, rc == 1 ? 1 : 2);
		PL_ADD(&r->body, "See the page.\n");
		return;
	}
	uint32_t counts[PL_VOTE_COUNT];
	pl_web_feedback_counts(w->fb, port, counts);
	char message[256];
	PL_FMT(message, sizeof message, r->lang, rc == 1 ? M_VOTE_THANKS : M_VOTE_ALREADY, "");
	json_t *doc = json_pack("{s:i, s:s, s:b, s:{s:i, s:i, s:i}, s:s}", "port", port, "vote", pl_web_vote_name(vote),
				"recorded", rc == 1, "counts", "sad", (int)counts[0], "meh", (int)counts[1], "happy",
				(int)counts[2], "message", message);
	char *s = doc ? json_dumps(doc, JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	if (!s) {
		internal_error(w, rq, r, PL_ENOMEM);
		return;
	}
	r->status = rc == 1 ? 200 : 409;
	r->type = "application/json";
	pl_buf_add(&r->body, s, strlen(s));
	pl_buf_addc(&r->body, '\n');
	free(s);
}

static void port_page(pl_web *w, const pl_web_request *rq, pl_web_reply *r, uint16_t port)
{
	pl_page_req pr = {.lang = r->lang, .live_ok = pl_web_live_ok(w, rq)};
	if (rq->voted)
		pr.flash = !strcmp(rq->voted, "1") ? 1 : !strcmp(rq->voted, "2") ? 2 : 0;
	html_reply(r);
	int rc = pl_web_page_port(w, port, &pr, &r->body);
	if (rc)
		internal_error(w, rq, r, rc);
}

static void not_allowed(pl_web *w, const pl_web_request *rq, pl_web_reply *r, const char *allow)
{
	r->allow = allow;
	error_reply(w, rq, r, 405, M_ERR_405_TEXT, NULL);
}

/* "/ports/N" and "/api/ports/N[/feedback]" */
static void ports_route(pl_web *w, const pl_web_request *rq, pl_web_reply *r, const char *rest, bool api)
{
	const char *slash = strchr(rest, '/');
	size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
	bool fb = api && slash && !strcmp(slash, "/feedback");
	r->route = fb ? R_FEEDBACK : api ? R_API_PORT : R_PORT;
	if (slash && !fb) {
		r->route = R_OTHER;
		error_reply(w, rq, r, 404, M_ERR_404_TEXT, NULL);
		return;
	}
	uint16_t port;
	if (!parse_port(rest, n, &port)) {
		bad_port(w, rq, r, rest, n);
		return;
	}
	if (fb) {
		if (!method_is(rq, "POST"))
			not_allowed(w, rq, r, "POST");
		else
			feedback(w, rq, r, port);
		return;
	}
	if (!is_get(rq))
		not_allowed(w, rq, r, "GET, HEAD");
	else if (api)
		api_port(w, rq, r, port);
	else
		port_page(w, rq, r, port);
}

void pl_web_route(pl_web *w, const pl_web_request *rq, pl_web_reply *r)
{
	const char *p = rq->path;
	r->lang = pl_web_lang_pick(rq->accept_language);
	r->status = 500;
	r->route = R_OTHER;
	if (rq->nul_in_path || rq->no_host) {
		/* libmicrohttpd's decoding ends the path at %00: "/ports/2908%00abc" must not be /ports/2908;
		 * and HTTP/1.1 requires Host */
		error_reply(w, rq, r, 400, M_ERR_400, NULL);
		return;
	}
	if (!strncmp(p, "/ports/", 7)) {
		ports_route(w, rq, r, p + 7, false);
		return;
	}
	if (!strncmp(p, "/api/ports/", 11)) {
		ports_route(w, rq, r, p + 11, true);
		return;
	}
	static const struct {
		const char *path;
		pl_route route;
	} fixed[] = {
		{"/", R_HOME}, {"/search", R_SEARCH}, {"/api/search", R_API_SEARCH}, {"/metrics", R_METRICS},
		{"/healthz", R_HEALTHZ},
	};
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		if (!strcmp(p, fixed[i].path))
			r->route = fixed[i].route;
	const pl_asset *asset = !strncmp(p, "/static/", 8) ? pl_web_asset(p) : NULL;
	if (asset)
		r->route = R_STATIC;
	if (r->route == R_OTHER) {
		error_reply(w, rq, r, 404, M_ERR_404_TEXT, NULL);
		return;
	}
	if (!is_get(rq)) {
		not_allowed(w, rq, r, "GET, HEAD");
		return;
	}
	int rc = 0;
	pl_page_req pr = {.lang = r->lang, .live_ok = pl_web_live_ok(w, rq)};
	switch (r->route) {
	case R_HOME:
		html_reply(r);
		rc = pl_web_page_home(w, &pr, &r->body);
		break;
	case R_SEARCH:
		if (check_query(w, rq, r, true))
			return;
		/* a bare port number goes straight to its page */
		uint16_t port;
		if (rq->q && pl_is_digits(rq->q, rq->q_len) && parse_port(rq->q, rq->q_len, &port)) {
			r->status = 303;
			r->type = "text/plain; charset=utf-8";
			snprintf(r->location, sizeof r->location, "/ports/%u", port);
			return;
		}
		html_reply(r);
		rc = pl_web_page_search(w, rq->q ? rq->q : "", &pr, &r->body);
		break;
	case R_API_SEARCH:
		api_search(w, rq, r);
		return;
	case R_METRICS:
		r->status = 200;
		r->type = "text/plain; version=0.0.4; charset=utf-8";
		rc = pl_web_metrics_render(w, pr.live_ok, &r->body);
		break;
	case R_HEALTHZ:
		r->status = 200;
		r->type = "text/plain; charset=utf-8";
		rc = PL_ADD(&r->body, "ok\n");
		break;
	case R_STATIC:
		r->status = 200;
		r->type = asset->type;
		r->fixed = asset;
		break;
	default:
		break;
	}
	if (rc)
		internal_error(w, rq, r, rc);
}

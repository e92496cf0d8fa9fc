/* The port page, /ports/N. Its registry part is drawn from the same JSON document as `portlore N --json`
 * (render/json.c), so page, API and terminal agree; it is rendered once per port and language and cached
 * (web/cache.c). Two places stay open per request, marked by cut points: the live "On this host" section
 * and the vote form with its counts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "portlore/render.h"

#define MAX_SAME_SERVICE 40

typedef struct pctx {
	pl_web *w;
	pl_buf *b;
	pl_lang l;
	uint16_t port;
	const json_t *doc, *p; /* the report, and its one port */
	int rc;
} pctx;

#define ADD(lit) (c->rc = c->rc ? c->rc : PL_ADD(c->b, lit))
#define ESC(s) (c->rc = c->rc ? c->rc : pl_web_esc(c->b, (s)))
#define PRINTF(...) (c->rc = c->rc ? c->rc : pl_buf_printf(c->b, __VA_ARGS__))
#define TR(m, ...) (c->rc = c->rc ? c->rc : PL_TR(c->b, c->l, (m), __VA_ARGS__))
#define TR0(m) (c->rc = c->rc ? c->rc : PL_TR0(c->b, c->l, (m)))

static const char *member(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : "";
}

static long long inum(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? json_integer_value(v) : -1;
}

static void h2(pctx *c, const char *id, pl_msg m, const char *arg)
{
	PRINTF("<section id=\"%s\">\n<h2>", id);
	TR(m, arg);
	ADD("</h2>\n");
}

/* A sentence of English from the report, or its translation with args. */
static void sentence(pctx *c, const json_t *obj, pl_msg m, const char *a1, const char *a2)
{
	if (c->l == PL_LANG_EN || !pl_web_msg(c->l, m))
		ESC(member(obj, "explanation"));
	else
		TR(m, a1, a2);
}

/* Service names at this port with their transports: "mao (tcp, udp)". */
static void summary(pctx *c, char *names, size_t size)
{
	const json_t *recs = json_object_get(c->p, "records"), *r;
	size_t i, len = 0;
	names[0] = 0;
	json_array_foreach(recs, i, r) {
		const char *svc = member(r, "service");
		if (strcmp(member(r, "status"), "assigned") != 0 || !*svc)
			continue;
		/* the records come by transport; join a name's transports when the previous record had it too */
		const json_t *prev = i ? json_array_get(recs, i - 1) : NULL;
		const char *proto = member(r, "transport");
		int n;
		if (prev && strcmp(member(prev, "service"), svc) == 0 && len >= 1 && names[len - 1] == ')')
			n = snprintf(names + len - 1, size - len + 1, ", %s)", *proto ? proto : "-") - 1;
		else
			n = snprintf(names + len, size - len, "%s%s%s%s%s", len ? "; " : "", svc, *proto ? " (" : "", proto,
				     *proto ? ")" : "");
		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
	}
}

static void section_what(pctx *c)
{
	char port[8], a[16], b[16];
	snprintf(port, sizeof port, "%u", c->port);
	const json_t *host = json_object_get(c->doc, "host");
	const json_t *bind = json_object_get(c->p, "bind"), *eph = json_object_get(c->p, "ephemeral");
	h2(c, "what", M_SEC_WHAT, port);
	ADD("<ul>\n<li>");
	pl_range_class rc = pl_range_of(c->port);
	TR(rc == PL_RANGE_SYSTEM ? M_WHAT_SYSTEM : rc == PL_RANGE_USER ? M_WHAT_USER : M_WHAT_DYNAMIC, port);
	ADD("</li>\n<li>");
	const json_t *unpriv = json_object_get(bind, "unprivileged");
	snprintf(a, sizeof a, "%lld", inum(host, "unprivileged_port_start"));
	sentence(c, bind, json_is_null(unpriv) ? M_BIND_UNKNOWN : json_is_true(unpriv) ? M_BIND_YES : M_BIND_NO, port, a);
	ADD("</li>\n<li>");
	const json_t *in = json_object_get(eph, "in_range");
	snprintf(a, sizeof a, "%lld", inum(host, "ephemeral_first"));
	snprintf(b, sizeof b, "%lld", inum(host, "ephemeral_last"));
	sentence(c, eph,
		 json_is_null(in) ? M_EPH_UNKNOWN
		 : json_is_true(in) ? (json_is_true(json_object_get(eph, "reserved")) ? M_EPH_IN_RESERVED : M_EPH_IN)
				    : M_EPH_OUT,
		 a, b);
	ADD("</li>\n</ul>\n</section>\n");
}

static void people(pctx *c, pl_msg label, const json_t *arr)
{
	size_t i;
	const json_t *p;
	if (json_array_size(arr) == 0)
		return;
	ADD("<dt>");
	TR0(label);
	ADD("</dt><dd>");
	json_array_foreach(arr, i, p) {
		const char *name = member(p, "name"), *email = member(p, "email"), *org = member(p, "organization");
		const char *uri = member(p, "uri");
		if (i)
			ADD("; ");
		ESC(*name ? name : member(p, "id"));
		if (*org) {
			ADD(" (");
			ESC(org);
			ADD(")");
		}
		if (*email) {
			ADD(" &lt;<a href=\"mailto:");
			ESC(email);
			ADD("\">");
			ESC(email);
			ADD("</a>&gt;");
		}
		if (!strncmp(uri, "https://", 8) || !strncmp(uri, "http://", 7)) {
			ADD(" <a href=\"");
			ESC(uri);
			ADD("\">");
			ESC(uri);
			ADD("</a>");
		}
	}
	ADD("</dd>\n");
}

static void field(pctx *c, pl_msg label, const char *value)
{
	if (!*value)
		return;
	ADD("<dt>");
	TR0(label);
	if (label == M_F_NOTES || label == M_F_FOOTNOTE)
		ADD("</dt><dd class=\"pre\">"); /* IANA's notes are laid out in lines */
	else
		ADD("</dt><dd>");
	ESC(value);
	ADD("</dd>\n");
}

static void references(pctx *c, const json_t *refs)
{
	size_t i;
	const json_t *x;
	if (json_array_size(refs) == 0)
		return;
	ADD("<dt>");
	TR0(M_F_REFERENCES);
	ADD("</dt><dd><ul class=\"refs\">");
	json_array_foreach(refs, i, x) {
		const char *type = member(x, "type"), *data = member(x, "data");
		ADD("<li>");
		if (!strcmp(type, "rfc")) {
			const char *num = data;
			while (*num && !(*num >= '0' && *num <= '9'))
				num++;
			if (*num && pl_is_digits(num, strlen(num)) && strlen(num) <= 5)
				PRINTF("<a href=\"https://www.rfc-editor.org/rfc/rfc%s\">", num);
			ESC(data);
			if (*num && pl_is_digits(num, strlen(num)) && strlen(num) <= 5)
				ADD("</a>");
		} else if (!strcmp(type, "uri") && (!strncmp(data, "https://", 8) || !strncmp(data, "http://", 7))) {
			ADD("<a href=\"");
			ESC(data);
			ADD("\">");
			ESC(data);
			ADD("</a>");
		} else {
			if (strcmp(type, "text") != 0) {
				ESC(type);
				ADD(": ");
			}
			ESC(data);
		}
		ADD("</li>");
	}
	ADD("</ul></dd>\n");
}

/* Case- and punctuation-blind equality, as the ghost rule compares a description to its name. */
static bool same_words(const char *a, const char *b)
{
	for (;;) {
		while (*a && !pl_ascii_isalnum(*a))
			a++;
		while (*b && !pl_ascii_isalnum(*b))
			b++;
		if (!*a || !*b)
			return !*a && !*b;
		if (pl_ascii_lower(*a++) != pl_ascii_lower(*b++))
			return false;
	}
}

static void section_registration(pctx *c)
{
	const json_t *recs = json_object_get(c->p, "records"), *r;
	size_t i;
	h2(c, "registration", M_SEC_REG, "");
	json_array_foreach(recs, i, r) {
		const char *status = member(r, "status"), *svc = member(r, "service"), *proto = member(r, "transport");
		long long lo = inum(r, "port"), hi = inum(r, "port_last");
		bool assigned = !strcmp(status, "assigned") && *svc;
		PRINTF("<article class=\"record %s\">\n<h3>", assigned ? "assigned" : status);
		if (assigned) {
			ADD("<span class=\"svc\">");
			ESC(svc);
			ADD("</span>");
		} else if (!strcmp(status, "unassigned") || (!strcmp(status, "reserved") && !*svc)) {
			TR0(!strcmp(status, "reserved") ? M_RESERVED : M_UNASSIGNED);
		} else {
			/* de-registered, removed, deprecated, de-commissioned (or a named reservation): IANA's words,
			 * never "Unassigned" */
			if (*svc) {
				ESC(svc);
				ADD(" ");
			}
			ESC(member(r, "description"));
		}
		if (*proto) {
			ADD(" <span class=\"proto\">");
			ESC(proto);
			ADD("</span>");
		}
		if (json_is_true(json_object_get(r, "ghost")))
			ADD(" <span class=\"badge\">ghost</span>");
		ADD("</h3>\n<dl>\n");
		if (lo >= 0 && hi > lo) {
			ADD("<dt>");
			TR0(M_F_RANGE);
			PRINTF("</dt><dd>%lld–%lld</dd>\n", lo, hi);
		}
		const char *desc = member(r, "description");
		if (assigned) {
			ADD("<dt>");
			TR0(M_F_DESCRIPTION);
			ADD("</dt><dd>");
			if (!*desc)
				TR0(M_DESC_NONE);
			else {
				ESC(desc);
				if (same_words(desc, svc)) {
					ADD(" <span class=\"note\">");
					TR0(M_DESC_SAME);
					ADD("</span>");
				}
			}
			ADD("</dd>\n");
		} else if (*desc && strcmp(desc, "Unassigned") && strcmp(desc, "Reserved"))
			field(c, M_F_DESCRIPTION, desc);
		people(c, M_F_ASSIGNEE, json_object_get(r, "assignees"));
		people(c, M_F_CONTACT, json_object_get(r, "contacts"));
		field(c, M_F_REGISTERED, member(r, "registered"));
		field(c, M_F_MODIFIED, member(r, "modified"));
		references(c, json_object_get(r, "references"));
		field(c, M_F_SERVICE_CODE, member(r, "service_code"));
		field(c, M_F_UNAUTHORIZED, member(r, "unauthorized_use"));
		field(c, M_F_NOTES, member(r, "notes"));
		/* issue 9: the people a note names, the footnotes a record cites, a record merged from a newer source */
		people(c, M_F_MENTIONED, json_object_get(r, "mentioned"));
		const json_t *fn;
		size_t k;
		json_array_foreach(json_object_get(r, "footnotes"), k, fn) field(c, M_F_FOOTNOTE, member(fn, "text"));
		field(c, M_F_SOURCE, member(r, "source"));
		ADD("</dl>\n</article>\n");
	}
	const json_t *missing = json_object_get(c->p, "unregistered_transports"), *m;
	if (json_array_size(missing)) {
		char list[64] = "";
		size_t len = 0;
		json_array_foreach(missing, i, m) {
			int n = snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", json_string_value(m));
			if (n < 0 || (size_t)n >= sizeof list - len)
				break;
			len += (size_t)n;
		}
		ADD("<p class=\"missing\">");
		TR(M_NO_REGISTRATION_FOR, list);
		ADD("</p>\n");
	}
	const json_t *reg = json_object_get(c->doc, "registry");
	if (inum(reg, "people") == 0 && !json_is_true(json_object_get(reg, "has_references"))) {
		ADD("<p class=\"note\">");
		TR0(M_SNAPSHOT_THIN);
		ADD("</p>\n");
	}
	ADD("</section>\n");
}

/* The ghost record's contact (or assignee) as the verdict names it. */
static const char *ghost_person(const json_t *p, const char *svc)
{
	const json_t *r;
	size_t i;
	json_array_foreach(json_object_get(p, "records"), i, r) {
		if (strcmp(member(r, "service"), svc) != 0)
			continue;
		const json_t *who = json_array_get(json_object_get(r, "contacts"), 0);
		if (!who)
			who = json_array_get(json_object_get(r, "assignees"), 0);
		if (who)
			return *member(who, "name") ? member(who, "name") : member(who, "id");
	}
	return "";
}

static void section_verdict(pctx *c, const char **ghost_name)
{
	const json_t *g = json_object_get(c->p, "ghost");
	const char *verdict = member(g, "verdict"), *svc = member(g, "service");
	bool ghost = !strcmp(verdict, "ghost") || !strcmp(verdict, "likely_ghost");
	*ghost_name = ghost ? svc : NULL;
	h2(c, "verdict", M_SEC_VERDICT, "");
	PRINTF("<p class=\"verdict verdict-%s\">", ghost ? "ghost" : "no");
	if (c->l == PL_LANG_EN)
		ESC(member(g, "explanation"));
	else if (!strcmp(verdict, "thin")) {
		char port[8];
		snprintf(port, sizeof port, "%u", c->port);
		TR(M_GHOST_THIN, svc, port); /* the evidence itself is listed in the next section */
	} else if (ghost) {
		TR(!strcmp(verdict, "ghost") ? M_GHOST_YES : M_GHOST_LIKELY, svc);
		const char *who = ghost_person(c->p, svc);
		if (*who)
			TR(M_GHOST_WHO, who);
	} else {
		const json_t *r;
		size_t i;
		bool any = false;
		json_array_foreach(json_object_get(c->p, "records"), i, r)
			any |= !strcmp(member(r, "status"), "assigned") && *member(r, "service");
		TR0(any ? M_GHOST_NO : M_GHOST_NONE);
	}
	ADD("</p>\n</section>\n");
}

/* The port's own evidence (the report's "evidence" object): the software known to listen here, how often
 * the Internet has it open, Wireshark's dissectors. Returns whether there was anything to say. */
static bool likely_evidence(pctx *c)
{
	const json_t *ev = json_object_get(c->p, "evidence"), *v;
	const json_t *uses = json_object_get(ev, "known_uses"), *freq = json_object_get(ev, "frequency"),
		     *diss = json_object_get(ev, "dissectors");
	if (!strcmp(member(ev, "use"), "none"))
		return false; /* a pool such as Windows' dynamic ports may hold it: that says nothing specific */
	size_t i;
	if (json_array_size(uses)) {
		ADD("<ul class=\"known-uses\">\n");
		json_array_foreach(uses, i, v) {
			const char *src = member(v, "source"), *proto = member(v, "protocol"), *t = member(v, "transport");
			ADD("<li>");
			ESC(member(v, "software"));
			if (*proto || *t) {
				ADD(" <span class=\"proto\">");
				ESC(proto);
				if (*proto && *t)
					ADD("/");
				ESC(t);
				ADD("</span>");
			}
			ADD(" <span class=\"source\">");
			if (!strncmp(src, "https://", 8) || !strncmp(src, "http://", 7)) {
				ADD("<a rel=\"nofollow noreferrer\" href=\"");
				ESC(src);
				ADD("\">source</a>");
			} else {
				ESC(src);
			}
			ADD("</span></li>\n");
		}
		ADD("</ul>\n");
	}
	json_array_foreach(freq, i, v) {
		PRINTF("<p>Found open on %.3g%% of Internet hosts scanned over %s (Nmap: rank %lld of %lld%s).</p>\n",
		       json_real_value(json_object_get(v, "frequency")) * 100, member(v, "transport"),
		       inum(v, "rank"), inum(v, "ranked"), json_is_true(json_object_get(v, "counts")) ? "" : ", too rare to count");
	}
	if (json_array_size(diss)) {
		ADD("<p>Wireshark dissects it as ");
		json_array_foreach(diss, i, v) {
			if (i)
				ADD(", ");
			ESC(member(v, "name"));
			ADD(" (");
			ESC(member(v, "full_name"));
			ADD(")");
		}
		ADD(".</p>\n");
	}
	return true;
}

static void section_likely(pctx *c, const char *ghost_name, const char *first_name)
{
	char port[8], lo[16], hi[16];
	snprintf(port, sizeof port, "%u", c->port);
	h2(c, "likely", M_SEC_LIKELY, port);
	/* The generic paragraph is for ports nothing is known of. */
	if (likely_evidence(c)) {
		ADD("</section>\n");
		return;
	}
	ADD("<p>");
	if (ghost_name)
		TR(M_LIKELY_GHOST, ghost_name, port);
	else if (first_name)
		TR(M_LIKELY_REGISTERED, first_name, port);
	else
		TR(M_LIKELY_NONE, port);
	ADD("</p>\n<ul>\n<li>");
	TR0(M_LIKELY_APP);
	const json_t *eph = json_object_get(c->p, "ephemeral");
	if (json_is_true(json_object_get(eph, "in_range"))) {
		const json_t *host = json_object_get(c->doc, "host");
		snprintf(lo, sizeof lo, "%lld", inum(host, "ephemeral_first"));
		snprintf(hi, sizeof hi, "%lld", inum(host, "ephemeral_last"));
		ADD("</li>\n<li>");
		TR(M_LIKELY_EPHEMERAL, lo, hi);
	}
	ADD("</li>\n<li>");
	TR0(M_LIKELY_CUSTOM);
	ADD("</li>\n<li>");
	TR(M_LIKELY_SCANNERS, port);
	if (pl_range_of(c->port) == PL_RANGE_SYSTEM) {
		ADD("</li>\n<li>");
		TR0(M_LIKELY_SYSTEM);
	}
	ADD("</li>\n</ul>\n</section>\n");
}

static void section_check(pctx *c)
{
	unsigned n = c->port;
	h2(c, "check", M_SEC_CHECK, "");
	PRINTF("<dl class=\"commands\">\n"
	       "<dt>Linux</dt><dd><code>ss -ltnp 'sport = :%u'</code></dd><dd><code>lsof -nP -i :%u</code></dd>\n"
	       "<dt>macOS</dt><dd><code>lsof -nP -iTCP:%u -sTCP:LISTEN</code></dd>\n"
	       "<dt>Windows</dt><dd><code>netstat -ano | findstr :%u</code></dd>\n</dl>\n<p class=\"note\">",
	       n, n, n, n);
	TR0(M_CHECK_NOTE);
	ADD("</p>\n</section>\n");
}

static void section_why(pctx *c)
{
	h2(c, "why", M_SEC_WHY, "");
	ADD("<p>");
	TR0(M_WHY_COLLISIONS);
	ADD("</p>\n<p>");
	TR0(M_WHY_GHOSTS);
	ADD("</p>\n</section>\n");
}

static void port_link(pctx *c, uint32_t port, const char *name)
{
	PRINTF("<li><a href=\"/ports/%u\"><span class=\"num\">%u</span> ", port, port);
	if (name)
		ESC(name);
	else {
		ADD("<span class=\"note\">");
		TR0(M_NEARBY_UNASSIGNED);
		ADD("</span>");
	}
	ADD("</a></li>");
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void section_nearby(pctx *c)
{
	h2(c, "nearby", M_SEC_NEARBY, "");
	ADD("<ul class=\"nearby\">");
	for (int d = -2; d <= 2; d++) {
		int32_t q = (int32_t)c->port + d;
		if (d && q >= 0 && q <= 65535)
			port_link(c, (uint32_t)q, pl_web_port_name(c->w->reg, (uint16_t)q));
	}
	ADD("</ul>\n");
	/* other ports of each service registered here, once per name */
	const json_t *recs = json_object_get(c->p, "records"), *r;
	size_t i;
	json_array_foreach(recs, i, r) {
		const char *svc = member(r, "service");
		if (!*svc || strcmp(member(r, "status"), "assigned"))
			continue;
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = !pl_strcasecmp(member(json_array_get(recs, j), "service"), svc);
		if (seen)
			continue;
		uint32_t idx[MAX_SAME_SERVICE], ports[MAX_SAME_SERVICE];
		size_t n = pl_registry_lookup_name(c->w->reg, svc, idx, MAX_SAME_SERVICE), np = 0;
		for (size_t k = 0; k < n && k < MAX_SAME_SERVICE; k++) {
			pl_record rec;
			if (pl_registry_record(c->w->reg, idx[k], &rec) == 0 && rec.has_port && rec.port_lo != c->port)
				ports[np++] = rec.port_lo;
		}
		qsort(ports, np, sizeof *ports, cmp_u32);
		size_t shown = 0;
		for (size_t k = 0; k < np; k++) {
			if (k && ports[k] == ports[k - 1])
				continue;
			if (!shown++) {
				ADD("<h3>");
				TR(M_SAME_SERVICE, svc);
				ADD("</h3>\n<ul class=\"nearby\">");
			}
			port_link(c, ports[k], pl_web_port_name(c->w->reg, (uint16_t)ports[k]));
		}
		if (shown)
			ADD("</ul>\n");
	}
	ADD("</section>\n");
}

/* The static part, with cuts[0] where the live section goes and cuts[1] where the vote form goes. */
static int render_static(pl_web *w, uint16_t port, pl_lang l, pl_buf *b, size_t cuts[2])
{
	pl_spec spec = {.kind = PL_SPEC_PORTS, .lo = port, .hi = port, .proto = PL_PROTO_NONE};
	/* the host's facts (privileged ports, ephemeral range) from the newest snapshot: never read here */
	pl_web_snapshot *snap = pl_web_snapshot_get(w);
	pl_report_opts ro = {.proc_root = w->opts.proc_root, .no_local = true, .host = snap ? &snap->host : NULL};
	pl_report *rep;
	pl_error err = {0};
	int rc = pl_report_build(w->reg, &spec, &ro, &rep, &err);
	pl_web_snapshot_unref(snap);
	if (rc)
		return rc;
	json_t *doc = pl_render_report_json(rep, w->opts.meta);
	pl_report_free(rep);
	if (!doc)
		return PL_ENOMEM;
	pctx ctx = {w, b, l, port, doc, json_array_get(json_object_get(doc, "ports"), 0), 0}, *c = &ctx;
	char title[128], crumb[64], num[8], names[512];
	snprintf(num, sizeof num, "%u", port);
	const char *first = pl_web_port_name(w->reg, port);
	summary(c, names, sizeof names);
	if (first)
		PL_FMT(title, sizeof title, l, M_PORT_N_NAME, num, first);
	else
		PL_FMT(title, sizeof title, l, M_PORT_N, num);
	PL_FMT(crumb, sizeof crumb, l, M_PORT_N, num);
	c->rc = pl_web_page_open(w, b, l, title, crumb);
	ADD("<h1>");
	TR(M_PORT_N, num);
	if (first) {
		ADD(" <span class=\"svc\">");
		ESC(first);
		ADD("</span>");
	}
	ADD("</h1>\n<p class=\"lead\">");
	if (*names)
		TR(M_SUMMARY_REGISTERED, names);
	else
		TR(M_SUMMARY_NONE, num);
	ADD("</p>\n");
	section_what(c);
	section_registration(c);
	const char *ghost_name;
	section_verdict(c, &ghost_name);
	section_likely(c, ghost_name, first);
	section_check(c);
	cuts[0] = b->len;
	section_why(c);
	section_nearby(c);
	h2(c, "feedback", M_SEC_FEEDBACK, "");
	cuts[1] = b->len;
	ADD("<p class=\"note\">");
	TR0(M_VOTE_NOTE);
	ADD("</p>\n</section>\n");
	c->rc = c->rc ? c->rc : pl_web_page_close(w, b, l, port);
	json_decref(doc);
	return c->rc;
}

static int vote_form(pl_web *w, uint16_t port, const pl_page_req *rq, pl_buf *b)
{
	static const char *const faces[PL_VOTE_COUNT] = {"😔", "🤨", "😃"};
	static const pl_msg labels[PL_VOTE_COUNT] = {M_VOTE_SAD, M_VOTE_MEH, M_VOTE_HAPPY};
	uint32_t counts[PL_VOTE_COUNT];
	pl_web_feedback_counts(w->fb, port, counts);
	int rc = pl_buf_printf(b, "<form class=\"vote\" method=\"post\" action=\"/api/ports/%u/feedback\">\n", port);
	rc = rc ? rc : PL_ADD(b, "<p class=\"flash\" role=\"status\">");
	if (rq->flash)
		rc = rc ? rc : PL_TR0(b, rq->lang, rq->flash == 1 ? M_VOTE_THANKS : M_VOTE_ALREADY);
	rc = rc ? rc : PL_ADD(b, "</p>\n");
	for (int v = 0; v < PL_VOTE_COUNT && rc == 0; v++) {
		rc = pl_buf_printf(b, "<button type=\"submit\" name=\"vote\" value=\"%s\" title=\"", pl_web_vote_name(v));
		rc = rc ? rc : PL_TR0(b, rq->lang, labels[v]);
		rc = rc ? rc : PL_ADD(b, "\" aria-label=\"");
		rc = rc ? rc : PL_TR0(b, rq->lang, labels[v]);
		rc = rc ? rc : pl_buf_printf(b, "\"><span class=\"face\" aria-hidden=\"true\">%s</span> "
						"<span class=\"count\" data-vote=\"%s\">%u</span></button>\n",
					     faces[v], pl_web_vote_name(v), counts[v]);
	}
	return rc ? rc : PL_ADD(b, "</form>\n");
}

int pl_web_page_port(pl_web *w, uint16_t port, const pl_page_req *rq, pl_buf *out)
{
	uint64_t key = (uint64_t)port * PL_LANG_COUNT + rq->lang;
	size_t cuts[2];
	pl_buf page;
	pl_buf_init(&page, PL_WEB_PAGE_MAX);
	if (pl_web_cache_get(w->pages, key, &page, cuts) != 1) {
		page.len = 0;
		int rc = render_static(w, port, rq->lang, &page, cuts);
		if (rc) {
			pl_buf_free(&page);
			return rc;
		}
		pl_web_cache_put(w->pages, key, page.data, page.len, cuts);
	}
	int rc = pl_buf_add(out, page.data, cuts[0]);
	rc = rc ? rc : pl_web_live_section(w, port, rq, out);
	rc = rc ? rc : pl_web_traffic_section(w, port, rq, out);
	rc = rc ? rc : pl_buf_add(out, page.data + cuts[0], cuts[1] - cuts[0]);
	rc = rc ? rc : vote_form(w, port, rq, out);
	rc = rc ? rc : pl_buf_add(out, page.data + cuts[1], page.len - cuts[1]);
	pl_buf_free(&page);
	return rc;
}

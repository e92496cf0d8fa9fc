/* Text output, drawn from the JSON document of render/json.c (never from the report directly), so the
 * terminal and --json cannot disagree. Colour is the caller's decision (a TTY and no NO_COLOR). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util/util.h"
#include "portlore/render.h"

static const char *or_dash(const char *s)
{
	return *s ? s : "-";
}

static void people_line(const pl_text_out *o, const char *label, const json_t *arr)
{
	size_t i;
	const json_t *p;
	if (json_array_size(arr) == 0)
		return;
	fprintf(o->f, "        %-11s ", label);
	json_array_foreach(arr, i, p) {
		const char *name = pl_json_member(p, "name"), *email = pl_json_member(p, "email"), *org = pl_json_member(p, "organization");
		fprintf(o->f, "%s%s", i ? "; " : "", *name ? name : pl_json_member(p, "id"));
		if (*org)
			fprintf(o->f, " (%s)", org);
		const json_t *all = json_object_get(p, "emails"), *e;
		size_t k;
		if (json_array_size(all) > 1)
			json_array_foreach(all, k, e) fprintf(o->f, " <%s>", json_string_value(e));
		else if (*email)
			fprintf(o->f, " <%s>", email);
	}
	fputc('\n', o->f);
}

static void multiline(const pl_text_out *o, const char *label, const char *text)
{
	if (!*text)
		return;
	fprintf(o->f, "        %-11s ", label);
	for (const char *p = text; *p; p++) {
		fputc(*p, o->f);
		if (*p == '\n' && p[1])
			fprintf(o->f, "        %-11s ", "");
	}
	fputc('\n', o->f);
}

/* Prints text after `indent` spaces, folded at word boundaries to fit 80 columns. */
static void wrapped(const pl_text_out *o, int indent, const char *text)
{
	const int width = 80 - indent;
	while (*text) {
		int n = (int)strlen(text);
		if (n > width) {
			n = width;
			while (n > 0 && text[n] != ' ')
				n--;
			if (n == 0)
				n = width;
		}
		fprintf(o->f, "%*s%.*s\n", indent, "", n, text);
		text += n;
		while (*text == ' ')
			text++;
	}
}

static void record_block(const pl_text_out *o, const json_t *rec, json_int_t port)
{
	const char *t = pl_json_member(rec, "transport"), *name = pl_json_member(rec, "service"), *desc = pl_json_member(rec, "description");
	const char *status = pl_json_member(rec, "status");
	char ports[32];
	pl_json_ports(ports, sizeof ports, rec);
	fprintf(o->f, "  %-5s ", *t ? t : "any");
	if (strcmp(status, "assigned") != 0 || !*name)
		fprintf(o->f, "%s%s%s", pl_on(o, PL_DIM), or_dash(desc), pl_on(o, PL_RESET));
	else
		fprintf(o->f, "%s%s%s  %s", pl_on(o, PL_BOLD), name, pl_on(o, PL_RESET), or_dash(desc));
	json_int_t lo = json_integer_value(json_object_get(rec, "port"));
	json_int_t hi = json_integer_value(json_object_get(rec, "port_last"));
	if (lo != hi || (port >= 0 && lo != port))
		fprintf(o->f, "  %s(range %s)%s", pl_on(o, PL_DIM), ports, pl_on(o, PL_RESET));
	if (json_is_true(json_object_get(rec, "ghost")))
		fprintf(o->f, "  %s[%s]%s", pl_on(o, PL_YELLOW),
			o->sure && !*pl_json_member(rec, "source") ? "ghost" : "likely ghost", pl_on(o, PL_RESET));
	else if (json_is_true(json_object_get(rec, "thin")))
		fprintf(o->f, "  %s[thin, in use]%s", pl_on(o, PL_DIM), pl_on(o, PL_RESET));
	fputc('\n', o->f);
	if (*pl_json_member(rec, "source"))
		fprintf(o->f, "        %-11s %s, newer than IANA's file\n", "source", pl_json_member(rec, "source"));
	people_line(o, "assignee", json_object_get(rec, "assignees"));
	people_line(o, "contact", json_object_get(rec, "contacts"));
	const char *reg = pl_json_member(rec, "registered"), *mod = pl_json_member(rec, "modified");
	if (*reg || *mod)
		fprintf(o->f, "        %-11s %s, modified %s\n", "registered", or_dash(reg), or_dash(mod));
	const json_t *refs = json_object_get(rec, "references"), *x;
	size_t i;
	if (json_array_size(refs)) {
		fprintf(o->f, "        %-11s ", "references");
		json_array_foreach(refs, i, x) fprintf(o->f, "%s%s:%s", i ? ", " : "", pl_json_member(x, "type"), pl_json_member(x, "data"));
		fputc('\n', o->f);
	}
	multiline(o, "service code", pl_json_member(rec, "service_code"));
	multiline(o, "unauthorized", pl_json_member(rec, "unauthorized_use"));
	multiline(o, "notes", pl_json_member(rec, "notes"));
	people_line(o, "mentioned", json_object_get(rec, "mentioned"));
	const json_t *notes = json_object_get(rec, "footnotes");
	json_array_foreach(notes, i, x) {
		char label[32];
		snprintf(label, sizeof label, "footnote %s", pl_json_member(x, "anchor"));
		multiline(o, label, pl_json_member(x, "text"));
	}
}

void pl_text_registry_line(const pl_text_out *o, const json_t *doc)
{
	const json_t *r = json_object_get(doc, "registry");
	const char *origin = pl_json_member(r, "origin"), *path = pl_json_member(r, "path");
	const char *date = pl_json_member(r, "date");
	fprintf(o->f, "%sregistry: IANA as of %s, %s", pl_on(o, PL_DIM), *date ? date : PL_UNDATED,
		origin);
	if (*path)
		fprintf(o->f, " %s", path);
	fprintf(o->f, " (%s)%s\n", pl_json_member(r, "source"), pl_on(o, PL_RESET));
}


/* One socket: state, transport, local (and peer) endpoint, then its owners or why they are not shown. */
static void socket_line(const pl_text_out *o, const json_t *s)
{
	char local[64], peer[64] = "";
	pl_text_endpoint(local, sizeof local, pl_json_member(s, "local_address"),
			 json_integer_value(json_object_get(s, "local_port")));
	if (json_is_string(json_object_get(s, "remote_address")))
		pl_text_endpoint(peer, sizeof peer, pl_json_member(s, "remote_address"),
				 json_integer_value(json_object_get(s, "remote_port")));
	fprintf(o->f, "  %-10s %-5s %-24s %-24s ", pl_json_member(s, "state"), pl_json_member(s, "transport"), local,
		*peer ? peer : "*");
	pl_buf b;
	pl_buf_init(&b, 1u << 20);
	pl_text_owners(&b, s, false);
	bool seen = !strcmp(pl_json_member(s, "owner_status"), "found");
	fprintf(o->f, "%s%s%s\n", seen ? "" : pl_on(o, PL_YELLOW), pl_buf_str(&b), seen ? "" : pl_on(o, PL_RESET));
	pl_buf_free(&b);
	if (*pl_json_member(s, "reservation")) {
		fputs(pl_on(o, PL_DIM), o->f);
		wrapped(o, 13, pl_json_member(s, "reservation"));
		fputs(pl_on(o, PL_RESET), o->f);
	}
}

/* Ports published through DNAT: the chain's sentence, then the listener behind it. */
static void published_lines(const pl_text_out *o, const json_t *pubs)
{
	const json_t *p;
	size_t i;
	json_array_foreach(pubs, i, p) {
		wrapped(o, 2, pl_json_member(p, "explanation"));
		const json_t *l = json_object_get(p, "listener");
		if (json_is_object(l))
			socket_line(o, l);
	}
}

static void local_section(const pl_text_out *o, const json_t *local)
{
	if (!json_is_object(local))
		return;
	if (!json_is_true(json_object_get(local, "checked"))) {
		fprintf(o->f, "  %sSockets could not be read: %s%s\n", pl_on(o, PL_YELLOW), pl_json_member(local, "error"),
			pl_on(o, PL_RESET));
		return;
	}
	const json_t *socks = json_object_get(local, "sockets"), *s;
	size_t i;
	json_array_foreach(socks, i, s) socket_line(o, s);
	published_lines(o, json_object_get(local, "published"));
	const json_t *v = json_object_get(local, "verdict");
	const char *verdict = pl_json_member(v, "verdict");
	fprintf(o->f, "%s", !strcmp(verdict, "mismatch") ? pl_on(o, PL_YELLOW) : !strcmp(verdict, "match") ? pl_on(o, PL_GREEN) : "");
	const json_t *pub0 = json_array_get(json_object_get(local, "published"), 0);
	if (!pub0 || strcmp(pl_json_member(pub0, "explanation"), pl_json_member(v, "explanation")))
		wrapped(o, 2, pl_json_member(v, "explanation"));
	fputs(pl_on(o, PL_RESET), o->f);
	const json_t *probes = json_object_get(local, "probe");
	bool probed = !strcmp(pl_json_member(v, "basis"), "probed");
	if (json_array_size(socks) && strcmp(verdict, "none"))
		fprintf(o->f, "  %s(confidence: %s)%s\n", pl_on(o, PL_DIM),
			probed ? pl_json_member(v, "confidence") : "names only, no probe or traffic yet", pl_on(o, PL_RESET));
	if (json_array_size(probes)) {
		pl_text_opts to = {o->colour};
		fprintf(o->f, "  %sAsked%s\n", pl_on(o, PL_BOLD), pl_on(o, PL_RESET));
		json_array_foreach(probes, i, s) pl_render_probe_result_text(o->f, s, 4, &to);
	}
	if (*pl_json_member(local, "note"))
		wrapped(o, 2, pl_json_member(local, "note"));
}

void pl_text_port_full(const pl_text_out *o, const json_t *p)
{
	const json_t *port = json_object_get(p, "port"), *recs = json_object_get(p, "records"), *r;
	size_t i;
	if (json_is_integer(port)) {
		const json_t *range = json_object_get(p, "range");
		fprintf(o->f, "%sPort %lld%s  %s range (%lld-%lld)\n", pl_on(o, PL_BOLD), (long long)json_integer_value(port),
			pl_on(o, PL_RESET), pl_json_member(range, "class"), (long long)json_integer_value(json_object_get(range, "first")),
			(long long)json_integer_value(json_object_get(range, "last")));
	} else {
		fprintf(o->f, "%sService names without a port%s\n", pl_on(o, PL_BOLD), pl_on(o, PL_RESET));
	}
	fprintf(o->f, "\n");
	json_array_foreach(recs, i, r) record_block(o, r, json_is_integer(port) ? json_integer_value(port) : -1);
	const json_t *missing = json_object_get(p, "unregistered_transports");
	if (json_array_size(missing)) {
		fprintf(o->f, "  %sno registration for ", pl_on(o, PL_DIM));
		json_array_foreach(missing, i, r) fprintf(o->f, "%s%s", i ? ", " : "", json_string_value(r));
		fprintf(o->f, "%s\n", pl_on(o, PL_RESET));
	}
	if (json_is_integer(port)) {
		fprintf(o->f, "\n%sOn this host%s\n", pl_on(o, PL_BOLD), pl_on(o, PL_RESET));
		wrapped(o, 2, pl_json_member(json_object_get(p, "bind"), "explanation"));
		wrapped(o, 2, pl_json_member(json_object_get(p, "ephemeral"), "explanation"));
		local_section(o, json_object_get(p, "local"));
	}
	if (json_is_integer(port))
		pl_render_evidence_text(o, p);
	const json_t *g = json_object_get(p, "ghost");
	const char *verdict = pl_json_member(g, "verdict");
	fprintf(o->f, "\n%sVerdict%s\n%s", pl_on(o, PL_BOLD), pl_on(o, PL_RESET),
		strcmp(verdict, "no") && strcmp(verdict, "thin") ? pl_on(o, PL_YELLOW) : "");
	wrapped(o, 2, pl_json_member(g, "explanation"));
	fputs(pl_on(o, PL_RESET), o->f);
}

void pl_text_table_head(const pl_text_out *o)
{
	fprintf(o->f, "%s%-6s %-8s %-17s %-16s %s%s\n", pl_on(o, PL_BOLD), "PORT", "RANGE", "TRANSPORTS", "SERVICE",
		"DESCRIPTION", pl_on(o, PL_RESET));
}

/* Only what pl_text_port_line prints, made terminal-safe: a range's table draws one line a port, and
 * escaping the whole port object (evidence, people, explanations) cost a sixth of `portlore 0-65535`.
 * Keep in step with pl_text_port_line below: a member it prints must be listed here. */
static void defang_member(json_t *obj, const char *key, pl_defang_memo *memo)
{
	json_t *v = json_object_get(obj, key);
	if (v)
		pl_text_defang_memo(v, memo);
}

void pl_text_defang_line(json_t *p, pl_defang_memo *memo)
{
	size_t i;
	json_t *r;
	defang_member(json_object_get(p, "range"), "class", memo);
	json_array_foreach(json_object_get(p, "records"), i, r) {
		defang_member(r, "status", memo);
		defang_member(r, "service", memo);
		defang_member(r, "transport", memo);
		defang_member(r, "description", memo);
	}
	defang_member(json_object_get(p, "ghost"), "verdict", memo);
	json_t *local = json_object_get(p, "local");
	defang_member(json_object_get(local, "verdict"), "verdict", memo);
	json_t *s0 = json_array_get(json_object_get(local, "sockets"), 0);
	defang_member(json_array_get(json_object_get(s0, "owners"), 0), "name", memo);
}

/* One line a port, for ranges: PORT RANGE TRANSPORTS SERVICE DESCRIPTION. */
void pl_text_port_line(const pl_text_out *o, const json_t *p)
{
	const json_t *recs = json_object_get(p, "records"), *r, *best = NULL;
	size_t i;
	char transports[64] = "";
	json_array_foreach(recs, i, r) {
		if (!strcmp(pl_json_member(r, "status"), "assigned") && *pl_json_member(r, "service")) {
			if (!best)
				best = r;
			if (!strcmp(pl_json_member(r, "service"), pl_json_member(best, "service")) && *pl_json_member(r, "transport") &&
			    strlen(transports) + 6 < sizeof transports) {
				if (*transports)
					strcat(transports, ",");
				strcat(transports, pl_json_member(r, "transport"));
			}
		}
	}
	fprintf(o->f, "%-6lld %-8s ", (long long)json_integer_value(json_object_get(p, "port")),
		pl_json_member(json_object_get(p, "range"), "class"));
	if (best) {
		const char *v = pl_json_member(json_object_get(p, "ghost"), "verdict");
		fprintf(o->f, "%-17s %s%-16s%s %s%s%s%s", transports, pl_on(o, PL_BOLD), pl_json_member(best, "service"), pl_on(o, PL_RESET),
			pl_json_member(best, "description"), strcmp(v, "no") ? pl_on(o, PL_YELLOW) : "",
			strcmp(v, "ghost") == 0 ? "  [ghost]" : strcmp(v, "likely_ghost") == 0 ? "  [likely ghost]"
			: strcmp(v, "thin") == 0 ? "  [thin, in use]" : "",
			pl_on(o, PL_RESET));
	} else {
		const json_t *first = json_array_get(recs, 0);
		fprintf(o->f, "%-17s %-16s %s%s%s", "-", "-", pl_on(o, PL_DIM), first ? or_dash(pl_json_member(first, "description")) : "Unassigned",
			pl_on(o, PL_RESET));
	}
	/* What is here: the first listener's owner, or how many sockets use the port. */
	const json_t *local = json_object_get(p, "local");
	const json_t *socks = json_object_get(local, "sockets");
	if (json_array_size(socks)) {
		const json_t *s0 = json_array_get(socks, 0), *owner = json_array_get(json_object_get(s0, "owners"), 0);
		const char *verdict = pl_json_member(json_object_get(local, "verdict"), "verdict");
		if (json_is_true(json_object_get(s0, "listening")))
			fprintf(o->f, "  %s[listening: %s%s]%s", !strcmp(verdict, "mismatch") ? pl_on(o, PL_YELLOW) : pl_on(o, PL_GREEN),
				owner ? pl_json_member(owner, "name") : "owner not visible",
				!strcmp(verdict, "mismatch") ? ", not it" : !strcmp(verdict, "match") ? ", looks like it" : "",
				pl_on(o, PL_RESET));
		else
			fprintf(o->f, "  [%zu socket%s]", json_array_size(socks), json_array_size(socks) == 1 ? "" : "s");
	} else if (json_integer_value(json_object_get(local, "connections")) > 0) {
		json_int_t n = json_integer_value(json_object_get(local, "connections"));
		fprintf(o->f, "  [%lld connection%s]", (long long)n, n == 1 ? "" : "s");
	}
	fputc('\n', o->f);
}

static void search_text(const pl_text_out *o, const json_t *doc)
{
	const json_t *results = json_object_get(doc, "results"), *r;
	size_t i;
	if (json_array_size(results) == 0) {
		fprintf(o->f, "no match for '%s'\n", pl_json_member(doc, "query"));
		return;
	}
	fprintf(o->f, "%s%-11s %-5s %-20s %-9s %s%s\n", pl_on(o, PL_BOLD), "PORT", "PROTO", "SERVICE", "MATCH", "DESCRIPTION",
		pl_on(o, PL_RESET));
	json_array_foreach(results, i, r) {
		char ports[32];
		pl_json_ports(ports, sizeof ports, r);
		fprintf(o->f, "%-11s %-5s %-20s %-9s %s%s\n", ports, or_dash(pl_json_member(r, "transport")),
			or_dash(pl_json_member(r, "service")), pl_json_member(r, "match"), pl_json_member(r, "description"),
			json_is_true(json_object_get(r, "ghost")) ? (o->sure ? "  [ghost]" : "  [likely ghost]") : "");
	}
	long long total = json_integer_value(json_object_get(doc, "total"));
	if (json_is_true(json_object_get(doc, "cut")))
		fprintf(o->f, "%s%zu of %lld matches shown (--limit N shows more)%s\n", pl_on(o, PL_DIM), json_array_size(results),
			total, pl_on(o, PL_RESET));
	else if (total)
		fprintf(o->f, "%s%lld match%s%s\n", pl_on(o, PL_DIM), total, total == 1 ? "" : "es", pl_on(o, PL_RESET));
}

/* Strings come from registry files and from processes (a command line is whatever its program says):
 * a newline or an escape sequence could forge a line or drive the terminal, so every string is written
 * with visible escapes (util/escape.c). Only the registry's multi-line notes keep their line breaks, and
 * multiline() indents those under their label. */
static bool multiline_key(const char *key)
{
	return key && (!strcmp(key, "notes") || !strcmp(key, "unauthorized_use") || !strcmp(key, "service_code"));
}

static bool memo_has(const pl_defang_memo *m, const json_t *j)
{
	for (size_t i = 0; m && i < m->n; i++)
		if (m->done[i] == j)
			return true;
	return false;
}

static void memo_add(pl_defang_memo *m, json_t *j)
{
	if (!m)
		return;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		json_t **d = realloc(m->done, cap * sizeof *d);
		if (!d)
			return; /* then a shared string may be escaped twice: ugly, never unsafe */
		m->done = d;
		m->cap = cap;
	}
	m->done[m->n++] = json_incref(j);
}

static void defang_value(json_t *j, const char *key, pl_defang_memo *memo)
{
	size_t i;
	json_t *v;
	if (json_is_object(j)) {
		for (void *it = json_object_iter(j); it; it = json_object_iter_next(j, it))
			defang_value(json_object_iter_value(it), json_object_iter_key(it), memo);
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v) defang_value(v, NULL, memo);
	} else if (json_is_string(j)) {
		const char *str = json_string_value(j);
		size_t n = json_string_length(j);
		/* nearly every string needs nothing even under the strictest rule (newlines escaped too),
		 * whatever its key: that is checked first, the key only for the others */
		if (!pl_term_needs_escape(str, n, 0))
			return;
		unsigned flags = multiline_key(key) ? PL_ESC_KEEP_NEWLINE : 0;
		if (!pl_term_needs_escape(str, n, flags) || memo_has(memo, j))
			return;
		char *c = pl_term_escape(str, n, flags);
		if (c)
			json_string_setn_nocheck(j, c, strlen(c));
		else
			json_string_setn_nocheck(j, "?", 1); /* out of memory: never the raw text */
		free(c);
		memo_add(memo, j);
	}
}

void pl_text_defang(json_t *j)
{
	defang_value(j, NULL, NULL);
}

void pl_text_defang_memo(json_t *j, pl_defang_memo *memo)
{
	defang_value(j, NULL, memo);
}

void pl_defang_memo_free(pl_defang_memo *memo)
{
	for (size_t i = 0; i < memo->n; i++)
		json_decref(memo->done[i]);
	free(memo->done);
	*memo = (pl_defang_memo){0};
}

static int render_text(FILE *f, const json_t *doc, const pl_text_opts *opts, const pl_table_opts *t);

int pl_render_text_table(FILE *f, const json_t *doc, const pl_text_opts *opts, const pl_table_opts *t)
{
	json_t *safe = json_deep_copy(doc); /* the caller's document stays as it is */
	if (!safe)
		return -1;
	int rc = pl_render_text_owned(f, safe, opts, t);
	json_decref(safe);
	return rc;
}

/* The caller's document is escaped where it stands: copying it first cost more than the whole lookup of
 * `portlore 22` (a deep copy and a second teardown of ~2,000 nodes). The memo keeps a value shared by two
 * parents from being escaped twice. */
int pl_render_text_owned(FILE *f, json_t *doc, const pl_text_opts *opts, const pl_table_opts *t)
{
	pl_defang_memo memo = {0};
	pl_text_defang_memo(doc, &memo);
	pl_defang_memo_free(&memo);
	return render_text(f, doc, opts, t);
}

int pl_render_text(FILE *f, const json_t *doc, const pl_text_opts *opts)
{
	return pl_render_text_table(f, doc, opts, NULL);
}

static int render_text(FILE *f, const json_t *doc, const pl_text_opts *opts, const pl_table_opts *t)
{
	pl_text_out o = {f, opts && opts->colour,
		 json_is_true(json_object_get(json_object_get(doc, "registry"), "has_references"))};
	const char *kind = pl_json_member(doc, "kind");
	if (!strcmp(kind, "diff"))
		return pl_render_diff_text(f, doc, opts);
	if (!strcmp(kind, "ghosts"))
		return pl_render_ghosts_text(f, doc, opts);
	if (!strcmp(kind, "check"))
		return pl_render_check_text(f, doc, opts);
	if (!strcmp(kind, "pick"))
		return pl_render_pick_text(f, doc, opts);
	if (!strcmp(kind, "traffic"))
		return pl_render_traffic_text(f, doc, opts);
	if (!strcmp(kind, "probe"))
		return pl_render_probe_text(f, doc, opts);
	if (!strcmp(kind, "search")) {
		search_text(&o, doc);
	} else if (!strcmp(kind, "sockets")) {
		if (pl_render_sockets_text(f, doc, opts, t))
			return -1;
	} else {
		const json_t *ports = json_object_get(doc, "ports"), *query = json_object_get(doc, "query"), *p;
		size_t i;
		bool range = !strcmp(pl_json_member(query, "kind"), "ports") &&
			     json_integer_value(json_object_get(query, "first")) !=
				     json_integer_value(json_object_get(query, "last"));
		if (range) {
			pl_text_table_head(&o);
			json_array_foreach(ports, i, p) pl_text_port_line(&o, p);
		} else {
			json_array_foreach(ports, i, p) {
				if (i)
					fputs("\n", f);
				pl_text_port_full(&o, p);
			}
		}
	}
	fputc('\n', f);
	pl_text_registry_line(&o, doc);
	if (!strcmp(kind, "port_report"))
		pl_render_evidence_sources_text(&o, doc);
	fflush(f);
	return ferror(f) ? -1 : 0;
}

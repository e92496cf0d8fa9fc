/* Text output, drawn from the JSON document of render/json.c (never from the report directly), so the
 * terminal and --json cannot disagree. Colour is the caller's decision (a TTY and no NO_COLOR). */
#include <string.h>

#include "internal.h"
#include "portlore/render.h"

typedef struct out {
	FILE *f;
	bool colour;
	bool sure; /* the registry carries references, so the ghost rule is certain */
} out;

#define BOLD "\033[1m"
#define DIM "\033[2m"
#define YELLOW "\033[33m"
#define GREEN "\033[32m"
#define RESET "\033[0m"

static const char *on(const out *o, const char *code)
{
	return o->colour ? code : "";
}

static const char *or_dash(const char *s)
{
	return *s ? s : "-";
}

static void people_line(const out *o, const char *label, const json_t *arr)
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
		if (*email)
			fprintf(o->f, " <%s>", email);
	}
	fputc('\n', o->f);
}

static void multiline(const out *o, const char *label, const char *text)
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
static void wrapped(const out *o, int indent, const char *text)
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

static void portpl_json_member(char *buf, size_t size, const json_t *rec)
{
	json_int_t lo = json_integer_value(json_object_get(rec, "port"));
	json_int_t hi = json_integer_value(json_object_get(rec, "port_last"));
	if (!json_is_integer(json_object_get(rec, "port")))
		snprintf(buf, size, "-");
	else if (lo == hi)
		snprintf(buf, size, "%lld", (long long)lo);
	else
		snprintf(buf, size, "%lld-%lld", (long long)lo, (long long)hi);
}

static void record_block(const out *o, const json_t *rec, json_int_t port)
{
	const char *t = pl_json_member(rec, "transport"), *name = pl_json_member(rec, "service"), *desc = pl_json_member(rec, "description");
	const char *status = pl_json_member(rec, "status");
	char ports[32];
	portpl_json_member(ports, sizeof ports, rec);
	fprintf(o->f, "  %-5s ", *t ? t : "any");
	if (strcmp(status, "assigned") != 0 || !*name)
		fprintf(o->f, "%s%s%s", on(o, DIM), or_dash(desc), on(o, RESET));
	else
		fprintf(o->f, "%s%s%s  %s", on(o, BOLD), name, on(o, RESET), or_dash(desc));
	json_int_t lo = json_integer_value(json_object_get(rec, "port"));
	json_int_t hi = json_integer_value(json_object_get(rec, "port_last"));
	if (lo != hi || (port >= 0 && lo != port))
		fprintf(o->f, "  %s(range %s)%s", on(o, DIM), ports, on(o, RESET));
	if (json_is_true(json_object_get(rec, "ghost")))
		fprintf(o->f, "  %s[%s]%s", on(o, YELLOW), o->sure ? "ghost" : "likely ghost", on(o, RESET));
	fputc('\n', o->f);
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
}

static void registry_line(const out *o, const json_t *doc)
{
	const json_t *r = json_object_get(doc, "registry");
	const char *origin = pl_json_member(r, "origin"), *path = pl_json_member(r, "path");
	const char *date = pl_json_member(r, "date");
	fprintf(o->f, "%sregistry: IANA as of %s, %s", on(o, DIM), *date ? date : "an unknown date (undated file)",
		origin);
	if (*path)
		fprintf(o->f, " %s", path);
	fprintf(o->f, " (%s)%s\n", pl_json_member(r, "source"), on(o, RESET));
}

static void port_full(const out *o, const json_t *p)
{
	const json_t *port = json_object_get(p, "port"), *recs = json_object_get(p, "records"), *r;
	size_t i;
	if (json_is_integer(port)) {
		const json_t *range = json_object_get(p, "range");
		fprintf(o->f, "%sPort %lld%s  %s range (%lld-%lld)\n", on(o, BOLD), (long long)json_integer_value(port),
			on(o, RESET), pl_json_member(range, "class"), (long long)json_integer_value(json_object_get(range, "first")),
			(long long)json_integer_value(json_object_get(range, "last")));
	} else {
		fprintf(o->f, "%sService names without a port%s\n", on(o, BOLD), on(o, RESET));
	}
	fprintf(o->f, "\n");
	json_array_foreach(recs, i, r) record_block(o, r, json_is_integer(port) ? json_integer_value(port) : -1);
	const json_t *missing = json_object_get(p, "unregistered_transports");
	if (json_array_size(missing)) {
		fprintf(o->f, "  %sno registration for ", on(o, DIM));
		json_array_foreach(missing, i, r) fprintf(o->f, "%s%s", i ? ", " : "", json_string_value(r));
		fprintf(o->f, "%s\n", on(o, RESET));
	}
	if (json_is_integer(port)) {
		fprintf(o->f, "\n%sOn this host%s\n", on(o, BOLD), on(o, RESET));
		wrapped(o, 2, pl_json_member(json_object_get(p, "bind"), "explanation"));
		wrapped(o, 2, pl_json_member(json_object_get(p, "ephemeral"), "explanation"));
	}
	const json_t *g = json_object_get(p, "ghost");
	const char *verdict = pl_json_member(g, "verdict");
	fprintf(o->f, "\n%sVerdict%s\n%s", on(o, BOLD), on(o, RESET), strcmp(verdict, "no") ? on(o, YELLOW) : "");
	wrapped(o, 2, pl_json_member(g, "explanation"));
	fputs(on(o, RESET), o->f);
}

/* One line a port, for ranges: PORT RANGE TRANSPORTS SERVICE DESCRIPTION. */
static void port_line(const out *o, const json_t *p)
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
		fprintf(o->f, "%-14s %s%-16s%s %s%s%s%s\n", transports, on(o, BOLD), pl_json_member(best, "service"), on(o, RESET),
			pl_json_member(best, "description"), strcmp(v, "no") ? on(o, YELLOW) : "",
			strcmp(v, "ghost") == 0 ? "  [ghost]" : strcmp(v, "likely_ghost") == 0 ? "  [likely ghost]" : "",
			on(o, RESET));
	} else {
		const json_t *first = json_array_get(recs, 0);
		fprintf(o->f, "%-14s %s%s%s\n", "-", on(o, DIM), first ? or_dash(pl_json_member(first, "description")) : "Unassigned",
			on(o, RESET));
	}
}

static void search_text(const out *o, const json_t *doc)
{
	const json_t *results = json_object_get(doc, "results"), *r;
	size_t i;
	if (json_array_size(results) == 0) {
		fprintf(o->f, "no match for '%s'\n", pl_json_member(doc, "query"));
		return;
	}
	fprintf(o->f, "%s%-11s %-5s %-20s %-9s %s%s\n", on(o, BOLD), "PORT", "PROTO", "SERVICE", "MATCH", "DESCRIPTION",
		on(o, RESET));
	json_array_foreach(results, i, r) {
		char ports[32];
		portpl_json_member(ports, sizeof ports, r);
		fprintf(o->f, "%-11s %-5s %-20s %-9s %s%s\n", ports, or_dash(pl_json_member(r, "transport")),
			or_dash(pl_json_member(r, "service")), pl_json_member(r, "match"), pl_json_member(r, "description"),
			json_is_true(json_object_get(r, "ghost")) ? (o->sure ? "  [ghost]" : "  [likely ghost]") : "");
	}
}

int pl_render_text(FILE *f, const json_t *doc, const pl_text_opts *opts)
{
	out o = {f, opts && opts->colour,
		 json_is_true(json_object_get(json_object_get(doc, "registry"), "has_references"))};
	const char *kind = pl_json_member(doc, "kind");
	if (!strcmp(kind, "diff"))
		return pl_render_diff_text(f, doc, opts);
	if (!strcmp(kind, "ghosts"))
		return pl_render_ghosts_text(f, doc, opts);
	if (!strcmp(kind, "search")) {
		search_text(&o, doc);
	} else {
		const json_t *ports = json_object_get(doc, "ports"), *query = json_object_get(doc, "query"), *p;
		size_t i;
		bool range = !strcmp(pl_json_member(query, "kind"), "ports") &&
			     json_integer_value(json_object_get(query, "first")) !=
				     json_integer_value(json_object_get(query, "last"));
		if (range) {
			fprintf(f, "%s%-6s %-8s %-14s %-16s %s%s\n", on(&o, BOLD), "PORT", "RANGE", "TRANSPORTS", "SERVICE",
				"DESCRIPTION", on(&o, RESET));
			json_array_foreach(ports, i, p) port_line(&o, p);
		} else {
			json_array_foreach(ports, i, p) {
				if (i)
					fputs("\n", f);
				port_full(&o, p);
			}
		}
	}
	fputc('\n', f);
	registry_line(&o, doc);
	fflush(f);
	return ferror(f) ? -1 : 0;
}

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
		if (*email)
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
		fprintf(o->f, "  %s[%s]%s", pl_on(o, PL_YELLOW), o->sure ? "ghost" : "likely ghost", pl_on(o, PL_RESET));
	else if (json_is_true(json_object_get(rec, "thin")))
		fprintf(o->f, "  %s[thin, in use]%s", pl_on(o, PL_DIM), pl_on(o, PL_RESET));
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

static void registry_line(const pl_text_out *o, const json_t *doc)
{
	const json_t *r = json_object_get(doc, "registry");
	const char *origin = pl_json_member(r, "origin"), *path = pl_json_member(r, "path");
	const char *date = pl_json_member(r, "date");
	fprintf(o->f, "%sregistry: IANA as of %s, %s", pl_on(o, PL_DIM), *date ? date : "an unknown date (undated file)",
		origin);
	if (*path)
		fprintf(o->f, " %s", path);
	fprintf(o->f, " (%s)%s\n", pl_json_member(r, "source"), pl_on(o, PL_RESET));
}

static void endpoint(char *buf, size_t size, const char *addr, json_int_t port)
{
	if (strchr(addr, ':'))
		snprintf(buf, size, "[%s]:%lld", addr, (long long)port);
	else
		snprintf(buf, size, "%s:%lld", addr, (long long)port);
}

/* One socket: state, transport, local (and peer) endpoint, then its owners or why they are not shown. */
static void socket_line(const pl_text_out *o, const json_t *s, bool with_port_col)
{
	char local[64], peer[64] = "";
	endpoint(local, sizeof local, pl_json_member(s, "local_address"),
		 json_integer_value(json_object_get(s, "local_port")));
	if (json_is_string(json_object_get(s, "remote_address")))
		endpoint(peer, sizeof peer, pl_json_member(s, "remote_address"),
			 json_integer_value(json_object_get(s, "remote_port")));
	(void)with_port_col;
	fprintf(o->f, "  %-10s %-4s %-24s %-24s ", pl_json_member(s, "state"), pl_json_member(s, "transport"), local,
		*peer ? peer : "*");
	const char *status = pl_json_member(s, "owner_status");
	const json_t *owners = json_object_get(s, "owners"), *p;
	size_t i;
	if (!strcmp(status, "hidden"))
		fprintf(o->f, "%sowner not visible%s%s", pl_on(o, PL_YELLOW),
			strcmp(pl_json_member(s, "owner_hint"), "run as root") ? " (hidden even from root)" : ": run as root",
			pl_on(o, PL_RESET));
	else if (!strcmp(status, "none"))
		fprintf(o->f, "%sno process (kernel)%s", pl_on(o, PL_DIM), pl_on(o, PL_RESET));
	else if (!strcmp(status, "unknown"))
		fprintf(o->f, "%sowner not looked up%s", pl_on(o, PL_DIM), pl_on(o, PL_RESET));
	json_array_foreach(owners, i, p) {
		fprintf(o->f, "%s%s%s%s (pid %lld, %s)", i ? "; " : "", pl_on(o, PL_BOLD), pl_json_member(p, "name"), pl_on(o, PL_RESET),
			(long long)json_integer_value(json_object_get(p, "pid")), pl_json_member(p, "user"));
		const char *cmd = pl_json_member(p, "cmdline");
		if (*cmd)
			fprintf(o->f, " %.*s%s", 60, cmd, strlen(cmd) > 60 ? "..." : "");
		if (*pl_json_member(p, "container_id"))
			fprintf(o->f, " [container %.12s]", pl_json_member(p, "container_id"));
		else if (*pl_json_member(p, "unit"))
			fprintf(o->f, " [%s]", pl_json_member(p, "unit"));
		if (json_is_true(json_object_get(p, "other_netns")))
			fprintf(o->f, " [other network namespace]");
	}
	fputc('\n', o->f);
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
	json_array_foreach(socks, i, s) socket_line(o, s, false);
	const json_t *v = json_object_get(local, "verdict");
	const char *verdict = pl_json_member(v, "verdict");
	fprintf(o->f, "%s", !strcmp(verdict, "mismatch") ? pl_on(o, PL_YELLOW) : !strcmp(verdict, "match") ? pl_on(o, PL_GREEN) : "");
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

static void sockets_text(const pl_text_out *o, const json_t *doc)
{
	const json_t *socks = json_object_get(doc, "sockets"), *s;
	size_t i;
	fprintf(o->f, "%s  %-10s %-4s %-24s %-24s %s%s\n", pl_on(o, PL_BOLD), "STATE", "PROTO", "LOCAL", "PEER", "PROCESS",
		pl_on(o, PL_RESET));
	json_array_foreach(socks, i, s) {
		socket_line(o, s, true);
		const json_t *names = json_object_get(s, "registered"), *v = json_object_get(s, "verdict");
		char reg[128] = "";
		size_t k;
		const json_t *n;
		json_array_foreach(names, k, n) {
			if (strlen(reg) + strlen(json_string_value(n)) + 3 < sizeof reg) {
				if (*reg)
					strcat(reg, ", ");
				strcat(reg, json_string_value(n));
			}
		}
		if (json_is_object(v)) {
			const char *verdict = pl_json_member(v, "verdict");
			fprintf(o->f, "  %-10s registered: %s%s%s%s\n", "", *reg ? reg : "nothing",
				!strcmp(verdict, "mismatch") ? pl_on(o, PL_YELLOW) : "",
				!*reg                        ? ""
				: !strcmp(verdict, "match")    ? "; it looks like it"
				: !strcmp(verdict, "mismatch") ? "; this is not it"
							       : "; whether this is it: unknown",
				pl_on(o, PL_RESET));
		}
		const json_t *pr = json_object_get(s, "probe");
		if (json_is_object(pr))
			fprintf(o->f, "  %-10s asked: %s\n", "", pl_json_member(json_object_get(pr, "verdict"), "text"));
	}
	const json_t *src = json_object_get(doc, "source");
	if (*pl_json_member(src, "note"))
		wrapped(o, 2, pl_json_member(src, "note"));
	fprintf(o->f, "%zu socket%s\n", json_array_size(socks), json_array_size(socks) == 1 ? "" : "s");
}

static void port_full(const pl_text_out *o, const json_t *p)
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

/* One line a port, for ranges: PORT RANGE TRANSPORTS SERVICE DESCRIPTION. */
static void port_line(const pl_text_out *o, const json_t *p)
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
		fprintf(o->f, "%-14s %s%-16s%s %s%s%s%s", transports, pl_on(o, PL_BOLD), pl_json_member(best, "service"), pl_on(o, PL_RESET),
			pl_json_member(best, "description"), strcmp(v, "no") ? pl_on(o, PL_YELLOW) : "",
			strcmp(v, "ghost") == 0 ? "  [ghost]" : strcmp(v, "likely_ghost") == 0 ? "  [likely ghost]"
			: strcmp(v, "thin") == 0 ? "  [thin, in use]" : "",
			pl_on(o, PL_RESET));
	} else {
		const json_t *first = json_array_get(recs, 0);
		fprintf(o->f, "%-14s %s%s%s", "-", pl_on(o, PL_DIM), first ? or_dash(pl_json_member(first, "description")) : "Unassigned",
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
 * control characters could drive the terminal: pl_term_clean turns them into '?'. */
static void defang(json_t *j)
{
	size_t i;
	const char *k;
	json_t *v;
	if (json_is_object(j)) {
		json_object_foreach(j, k, v) defang(v);
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v) defang(v);
	} else if (json_is_string(j)) {
		size_t n = json_string_length(j);
		char *c = malloc(n + 1);
		if (!c)
			return;
		memcpy(c, json_string_value(j), n + 1);
		if (pl_term_clean(c, n))
			json_string_setn_nocheck(j, c, n);
		free(c);
	}
}

static int render_text(FILE *f, const json_t *doc, const pl_text_opts *opts);

int pl_render_text(FILE *f, const json_t *doc, const pl_text_opts *opts)
{
	json_t *safe = json_deep_copy(doc);
	if (!safe)
		return -1;
	defang(safe);
	int rc = render_text(f, safe, opts);
	json_decref(safe);
	return rc;
}

static int render_text(FILE *f, const json_t *doc, const pl_text_opts *opts)
{
	pl_text_out o = {f, opts && opts->colour,
		 json_is_true(json_object_get(json_object_get(doc, "registry"), "has_references"))};
	const char *kind = pl_json_member(doc, "kind");
	if (!strcmp(kind, "diff"))
		return pl_render_diff_text(f, doc, opts);
	if (!strcmp(kind, "ghosts"))
		return pl_render_ghosts_text(f, doc, opts);
	if (!strcmp(kind, "traffic"))
		return pl_render_traffic_text(f, doc, opts);
	if (!strcmp(kind, "probe"))
		return pl_render_probe_text(f, doc, opts);
	if (!strcmp(kind, "search")) {
		search_text(&o, doc);
	} else if (!strcmp(kind, "sockets")) {
		sockets_text(&o, doc);
	} else {
		const json_t *ports = json_object_get(doc, "ports"), *query = json_object_get(doc, "query"), *p;
		size_t i;
		bool range = !strcmp(pl_json_member(query, "kind"), "ports") &&
			     json_integer_value(json_object_get(query, "first")) !=
				     json_integer_value(json_object_get(query, "last"));
		if (range) {
			fprintf(f, "%s%-6s %-8s %-14s %-16s %s%s\n", pl_on(&o, PL_BOLD), "PORT", "RANGE", "TRANSPORTS", "SERVICE",
				"DESCRIPTION", pl_on(&o, PL_RESET));
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
	if (!strcmp(kind, "port_report"))
		pl_render_evidence_sources_text(&o, doc);
	fflush(f);
	return ferror(f) ? -1 : 0;
}

/* A port's evidence of use as JSON (the "evidence" object of a port report) and as the text section "What
 * is more likely on port N", drawn from that JSON; the web page draws its section from the same object. */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "portlore/evidence.h"
#include "portlore/render.h"

static json_t *proto_or_null(pl_proto p)
{
	return p == PL_PROTO_NONE ? json_null() : json_string(pl_proto_name(p));
}

static json_t *lines_json(const pl_evidence *ev, bool speaking)
{
	char lines[8][256];
	size_t n = pl_evidence_reasons(ev, speaking, lines, 8);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, pl_json_text(lines[i]));
	return a;
}

static json_t *names_json(const pl_service_entry *e, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, pl_jobj("service", pl_json_text(e[i].name), "aliases",
						 pl_json_text_or_null(e[i].aliases), "transport", proto_or_null(e[i].proto), NULL));
	return a;
}

json_t *pl_render_evidence_json(const pl_report *rep, const pl_port_report *p)
{
	return pl_render_evidence_json_or_empty(rep, p, NULL);
}

json_t *pl_render_evidence_json_or_empty(const pl_report *rep, const pl_port_report *p, bool *empty)
{
	if (!p->has_port)
		return json_null();
	/* Every transport, as the ghost verdict weighs it (report.c): a port is used or not, whatever the
	 * transport asked about; each item says its own transport. */
	pl_evidence ev;
	pl_evidence_gather(p->port, PL_PROTO_NONE, rep->services, &ev);
	if (empty) {
		bool judged = false;
		for (size_t i = 0; i < p->nrecords && !judged; i++) {
			pl_record r;
			judged = pl_registry_record(rep->reg, p->records[i], &r) == 0 && r.status == PL_STATUS_ASSIGNED && *r.name;
		}
		*empty = !judged && ev.nuses == 0 && ev.uses_total == 0 && ev.ndissectors == 0 && ev.nfreq == 0 &&
			 ev.nnetbase == 0 && ev.nhost == 0 && ev.level == PL_USE_NONE;
		if (*empty)
			return NULL;
	}
	json_t *uses = json_array(), *diss = json_array(), *freq = json_array();
	for (size_t i = 0; i < ev.nuses; i++) {
		const pl_known_use *u = ev.uses[i];
		json_array_append_new(uses, pl_jobj("software", pl_json_text(u->software), "protocol",
						    pl_json_text_or_null(u->protocol), "transport", proto_or_null(u->proto),
						    "port", json_integer(u->port_lo), "port_last", json_integer(u->port_hi),
						    "source", pl_json_text(u->source), NULL));
	}
	for (size_t i = 0; i < ev.ndissectors; i++)
		json_array_append_new(diss, pl_jobj("name", pl_json_text(ev.dissectors[i].name), "full_name",
						    pl_json_text(ev.dissectors[i].full), "filter",
						    pl_json_text(ev.dissectors[i].filter), "transport",
						    proto_or_null(ev.dissectors[i].proto), NULL));
	for (size_t i = 0; i < ev.nfreq; i++) {
		const pl_open_freq *f = &ev.freq[i];
		json_array_append_new(freq, pl_jobj("transport", pl_jlit(pl_proto_name(f->proto)), "frequency",
						    json_real(f->frequency), "rank", json_integer((json_int_t)f->rank), "ranked",
						    json_integer((json_int_t)f->ranked), "among",
						    f->rank <= PL_EVIDENCE_RANK_USED ? json_integer(pl_evidence_rank_bucket(f->rank))
										     : json_null(),
						    "counts", json_boolean(f->rank <= PL_EVIDENCE_RANK_USED), NULL));
	}
	/* What was silent matters where a registration is judged; elsewhere it would be 65,536 times the same. */
	bool assigned = false;
	for (size_t i = 0; i < p->nrecords && !assigned; i++) {
		pl_record r;
		assigned = pl_registry_record(rep->reg, p->records[i], &r) == 0 && r.status == PL_STATUS_ASSIGNED && *r.name;
	}
	return pl_jobj("use", pl_jlit(pl_use_level_name(ev.level)), "reasons", lines_json(&ev, true), "silent",
		       assigned ? lines_json(&ev, false) : json_array(), "known_uses", uses, "known_uses_total",
		       json_integer((json_int_t)ev.uses_total), "dissectors", diss, "frequency", freq, "netbase",
		       names_json(ev.netbase, ev.nnetbase), "host_services",
		       rep->services ? names_json(ev.host, ev.nhost) : json_null(), NULL);
}

json_t *pl_render_evidence_sources_json(void)
{
	pl_evidence_source src[8];
	size_t n = pl_evidence_sources(src, 8);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, pl_jobj("key", pl_jlit(src[i].key), "source", pl_json_text(src[i].source),
						 "version", pl_json_text(src[i].version), "licence",
						 pl_json_text_or_null(src[i].licence), NULL));
	return a;
}

/* "a; b; c" from a JSON array of strings. */
void pl_render_join(char *out, size_t size, const json_t *arr, const char *sep)
{
	size_t at = 0, i;
	const json_t *v;
	out[0] = '\0';
	json_array_foreach(arr, i, v) {
		if (at >= size)
			break;
		at += (size_t)snprintf(out + at, size - at, "%s%s", i ? sep : "", json_string_value(v));
	}
}

/* "evidence: Debian tshark 4.0.17-0+deb12u3 · ..." under the registry line: every source, its version. */
void pl_render_evidence_sources_text(const pl_text_out *o, const json_t *doc)
{
	const json_t *src = json_object_get(doc, "evidence_sources"), *v;
	size_t i;
	if (!json_array_size(src))
		return;
	fprintf(o->f, "%sevidence: ", pl_on(o, PL_DIM));
	json_array_foreach(src, i, v) fprintf(o->f, "%s%s", i ? " · " : "", pl_json_member(v, "version"));
	fprintf(o->f, "%s\n", pl_on(o, PL_RESET));
}

/* ---- text: "What is more likely on port N" ---- */

static void line(const pl_text_out *o, const char *fmt_a, const char *a, const char *dim)
{
	fprintf(o->f, fmt_a, a);
	if (dim && *dim)
		fprintf(o->f, "  %s%s%s", pl_on(o, PL_DIM), dim, pl_on(o, PL_RESET));
	fputc('\n', o->f);
}

void pl_render_evidence_text(const pl_text_out *o, const json_t *p)
{
	const json_t *ev = json_object_get(p, "evidence"), *v;
	if (!json_is_object(ev))
		return;
	size_t i;
	long long port = json_integer_value(json_object_get(p, "port"));
	fprintf(o->f, "\n%sWhat is more likely on port %lld%s\n", pl_on(o, PL_BOLD), port, pl_on(o, PL_RESET));
	const json_t *uses = json_object_get(ev, "known_uses");
	json_array_foreach(uses, i, v) {
		char what[160], ports[32] = "";
		const char *proto = pl_json_member(v, "protocol"), *t = pl_json_member(v, "transport");
		long long lo = json_integer_value(json_object_get(v, "port")), hi = json_integer_value(json_object_get(v, "port_last"));
		if (lo != hi)
			snprintf(ports, sizeof ports, "%s%lld-%lld", *proto || *t ? ", " : "", lo, hi);
		snprintf(what, sizeof what, "%s%s%s%s%s%s", *proto || *t || *ports ? " (" : "", proto, *proto && *t ? "/" : "", t,
			 ports, *proto || *t || *ports ? ")" : "");
		char head[512];
		snprintf(head, sizeof head, "%s%s", pl_json_member(v, "software"), what);
		line(o, "  - %s", head, pl_json_member(v, "source"));
	}
	long long total = json_integer_value(json_object_get(ev, "known_uses_total"));
	if (total > (long long)json_array_size(uses))
		fprintf(o->f, "  (and %lld more)\n", total - (long long)json_array_size(uses));
	const json_t *freq = json_object_get(ev, "frequency");
	json_array_foreach(freq, i, v) {
		char t[8], s[200];
		snprintf(t, sizeof t, "%s", pl_json_member(v, "transport"));
		for (char *c = t; *c; c++)
			*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
		double f = json_real_value(json_object_get(v, "frequency"));
		long long rank = json_integer_value(json_object_get(v, "rank")), ranked = json_integer_value(json_object_get(v, "ranked"));
		if (json_is_true(json_object_get(v, "counts")))
			snprintf(s, sizeof s, "Found open on %.3g%% of Internet hosts scanned over %s: rank %lld of %lld, among the %lld most often open",
				 f * 100, t, rank, ranked, json_integer_value(json_object_get(v, "among")));
		else
			snprintf(s, sizeof s, "Rarely found open over %s: %.2g%% of Internet hosts scanned, rank %lld of %lld", t,
				 f * 100, rank, ranked);
		line(o, "  %s", s, "Nmap");
	}
	const json_t *diss = json_object_get(ev, "dissectors");
	if (json_array_size(diss)) {
		char s[512];
		size_t at = (size_t)snprintf(s, sizeof s, "Wireshark dissects it as ");
		json_array_foreach(diss, i, v) {
			if (at < sizeof s)
				at += (size_t)snprintf(s + at, sizeof s - at, "%s%s (%s%s%s)", i ? ", " : "", pl_json_member(v, "name"),
						       pl_json_member(v, "full_name"), ", ", pl_json_member(v, "transport"));
		}
		line(o, "  %s", s, NULL);
	}
	if (strcmp(pl_json_member(ev, "use"), "none") == 0)
		fprintf(o->f, "  No software is known to use port %lld by default, and no source shows it in use: whatever "
			      "listens here\n  chose the number itself (a custom service, a development server, a container) "
			      "or is scanning.\n", port);
}

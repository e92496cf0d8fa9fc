/* `portlore probe` and the probe section of a port report: each result with the bytes that decided (escaped),
 * its confidence and time, the registered service beside it and the verdict; and its text, drawn from
 * that JSON as every other document is. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "portlore/probe.h"
#include "portlore/render.h"
/* The evidence module (issue 10) is merged separately: its known uses go beside each result once here. */
#if defined(__has_include)
#if __has_include("portlore/evidence.h")
#include "portlore/evidence.h"
#define PL_HAVE_EVIDENCE 1
#endif
#endif
#ifndef PL_HAVE_EVIDENCE
#define PL_HAVE_EVIDENCE 0
#endif

/* The software known to use the port (null when this build has no evidence module). */
static json_t *known_uses_json(uint16_t port, pl_proto proto)
{
#if PL_HAVE_EVIDENCE
	const pl_known_use *uses[32];
	size_t n = pl_evidence_known_uses(port, proto, uses, 32);
	json_t *arr = json_array();
	for (size_t i = 0; i < n && i < 32; i++)
		json_array_append_new(arr, json_pack("{s:o, s:o, s:o}", "software", pl_json_text(uses[i]->software),
						     "protocol", pl_json_text_or_null(uses[i]->protocol), "source",
						     pl_json_text(uses[i]->source)));
	return arr;
#else
	(void)port;
	(void)proto;
	return json_null();
#endif
}

static json_t *tls_json(const pl_probe_tls *t)
{
	if (!t->done)
		return json_null();
	char exp[32] = "";
	if (t->not_after) {
		time_t tt = (time_t)t->not_after;
		struct tm tm;
		if (gmtime_r(&tt, &tm))
			strftime(exp, sizeof exp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:b}", "version", t->version, "alpn",
			 pl_json_text_or_null(t->alpn), "cipher", pl_json_text_or_null(t->cipher), "subject",
			 pl_json_text(t->subject), "issuer", pl_json_text(t->issuer), "san", pl_json_text(t->san), "not_after",
			 pl_json_text_or_null(exp), "self_signed", t->self_signed);
}

json_t *pl_render_probe_result_json(const pl_registry *reg, const pl_probe_result *r)
{
	char ev[4 * PL_PROBE_EVIDENCE_MAX + 1], verdict[512];
	pl_probe_escape(r->evidence, r->evidence_len, ev, sizeof ev);
	uint32_t record = 0;
	bool has_record = false;
	pl_match_verdict v = pl_probe_judge(reg, r, &record, &has_record, verdict, sizeof verdict);
	json_t *registered = json_array();
	uint32_t idx[16];
	size_t n = pl_registry_lookup_port(reg, r->target.port, r->target.proto, idx, 16);
	for (size_t i = 0; i < n && i < 16; i++) {
		pl_record rec;
		if (pl_registry_record(reg, idx[i], &rec) == 0 && rec.status == PL_STATUS_ASSIGNED && *rec.name)
			json_array_append_new(registered, json_pack("{s:o, s:o}", "service", pl_json_text(rec.name),
								  "description", pl_json_text(rec.description)));
	}
	bool id = r->state == PL_PROBE_IDENTIFIED;
	char label[160] = "";
	if (id)
		pl_probe_label(r, label, sizeof label);
	json_t *o = json_pack("{s:o, s:s, s:i, s:s, s:s}", "host", pl_json_text(r->target.host), "address", r->addr, "port",
			      r->target.port, "transport", pl_proto_name(r->target.proto), "state", pl_probe_state_name(r->state));
	if (!o)
		return NULL;
	json_object_set_new(o, "protocol", id ? json_string(r->match.protocol) : json_null());
	json_object_set_new(o, "label", id ? pl_json_text(label) : json_null());
	json_object_set_new(o, "product", pl_json_text_or_null(r->match.product));
	json_object_set_new(o, "version", pl_json_text_or_null(r->match.version));
	json_object_set_new(o, "info", pl_json_text_or_null(r->match.info));
	json_object_set_new(o, "confidence", json_integer(id ? r->match.confidence : 0));
	json_object_set_new(o, "probe", pl_json_text_or_null(r->probe));
	json_object_set_new(o, "evidence", r->evidence_len ? pl_json_text(ev) : json_null());
	json_object_set_new(o, "probes_sent", json_integer(r->probes_sent));
	json_object_set_new(o, "elapsed_ms", json_integer(r->elapsed_ms));
	json_object_set_new(o, "rtt_us", json_integer(r->rtt_us));
	json_object_set_new(o, "tls", tls_json(&r->tls));
	json_object_set_new(o, "tls_wrapped", json_boolean(r->tls_wrapped));
	json_object_set_new(o, "error", pl_json_text_or_null(r->error));
	json_object_set_new(o, "registered", registered);
	json_object_set_new(o, "known_uses", known_uses_json(r->target.port, r->target.proto));
	json_object_set_new(o, "verdict", json_pack("{s:s, s:s, s:o}", "basis", "probed", "verdict", pl_verdict_name(v),
						      "text", pl_json_text(verdict)));
	return o;
}

json_t *pl_render_probe_json(const pl_registry *reg, const pl_probe_result *results, size_t n,
			     const pl_render_meta *meta)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, pl_render_probe_result_json(reg, &results[i]));
	return json_pack("{s:i, s:s, s:s, s:o, s:o}", "schema", PL_SCHEMA_VERSION, "kind", "probe", "portlore",
			 meta && meta->version ? meta->version : "", "results", arr, "registry",
			 pl_render_registry_json(reg, meta));
}

/* One result as text, indented by `indent`: shared by `portlore probe` and the port report. */
void pl_render_probe_result_text(FILE *f, const json_t *r, int indent, const pl_text_opts *opts)
{
	pl_text_out o = {f, opts && opts->colour, false};
	const char *state = pl_json_member(r, "state"), *label = pl_json_member(r, "label");
	json_int_t port = json_integer_value(json_object_get(r, "port"));
	const char *host = pl_json_member(r, "host"), *addr = pl_json_member(r, "address");
	bool id = !strcmp(state, "identified");
	fprintf(f, "%*s%s%" JSON_INTEGER_FORMAT "/%s%s on %s", indent, "", pl_on(&o, PL_BOLD), port,
		pl_json_member(r, "transport"), pl_on(&o, PL_RESET), addr);
	if (*host && strcmp(host, addr))
		fprintf(f, " (%s)", host);
	if (id)
		fprintf(f, "  %s%s%s, confidence %" JSON_INTEGER_FORMAT "%%", pl_on(&o, PL_GREEN), label, pl_on(&o, PL_RESET),
			json_integer_value(json_object_get(r, "confidence")));
	else
		fprintf(f, "  %s%s%s", pl_on(&o, PL_YELLOW), state, pl_on(&o, PL_RESET));
	fprintf(f, "  %s%" JSON_INTEGER_FORMAT " ms%s\n", pl_on(&o, PL_DIM), json_integer_value(json_object_get(r, "elapsed_ms")),
		pl_on(&o, PL_RESET));
	const char *info = pl_json_member(r, "info");
	if (*info)
		fprintf(f, "%*s  %-10s %s\n", indent, "", "info", info);
	const json_t *tls = json_object_get(r, "tls");
	if (json_is_object(tls)) {
		const char *alpn = pl_json_member(tls, "alpn"), *exp = pl_json_member(tls, "not_after");
		fprintf(f, "%*s  %-10s %s %s%s%s\n", indent, "", "tls", pl_json_member(tls, "version"),
			pl_json_member(tls, "cipher"), *alpn ? ", ALPN " : "", alpn);
		fprintf(f, "%*s  %-10s %s\n", indent, "", "subject", pl_json_member(tls, "subject"));
		fprintf(f, "%*s  %-10s %s%s\n", indent, "", "issuer", pl_json_member(tls, "issuer"),
			json_is_true(json_object_get(tls, "self_signed")) ? " (self-signed)" : "");
		if (*pl_json_member(tls, "san"))
			fprintf(f, "%*s  %-10s %s\n", indent, "", "names", pl_json_member(tls, "san"));
		if (*exp)
			fprintf(f, "%*s  %-10s %s\n", indent, "", "expires", exp);
	}
	const char *ev = pl_json_member(r, "evidence");
	if (*ev)
		fprintf(f, "%*s  %-10s %s: \"%s\"\n", indent, "", "evidence", pl_json_member(r, "probe"), ev);
	const char *err = pl_json_member(r, "error");
	if (*err)
		fprintf(f, "%*s  %-10s %s\n", indent, "", "note", err);
	const json_t *reg = json_object_get(r, "registered"), *x;
	size_t i;
	if (json_array_size(reg)) {
		fprintf(f, "%*s  %-10s ", indent, "", "registered");
		json_array_foreach(reg, i, x) fprintf(f, "%s%s%s%s%s", i ? "; " : "", pl_json_member(x, "service"),
						       *pl_json_member(x, "description") ? " (" : "", pl_json_member(x, "description"),
						       *pl_json_member(x, "description") ? ")" : "");
		fputc('\n', f);
	}
	const json_t *uses = json_object_get(r, "known_uses");
	if (json_array_size(uses)) {
		fprintf(f, "%*s  %-10s ", indent, "", "known uses");
		json_array_foreach(uses, i, x) {
			if (i == 3) { /* the best known first; --json has them all */
				fprintf(f, "; and %zu more", json_array_size(uses) - 3);
				break;
			}
			fprintf(f, "%s%s%s%s%s", i ? "; " : "", pl_json_member(x, "software"),
				*pl_json_member(x, "protocol") ? " (" : "", pl_json_member(x, "protocol"),
				*pl_json_member(x, "protocol") ? ")" : "");
		}
		fputc('\n', f);
	}
	const json_t *v = json_object_get(r, "verdict");
	const char *vv = pl_json_member(v, "verdict");
	fprintf(f, "%*s  %-10s %s%s%s\n", indent, "", "verdict",
		pl_on(&o, !strcmp(vv, "mismatch") ? PL_RED : !strcmp(vv, "match") ? PL_GREEN : PL_DIM), pl_json_member(v, "text"),
		pl_on(&o, PL_RESET));
}

int pl_render_probe_text(FILE *f, const json_t *doc, const pl_text_opts *opts)
{
	const json_t *results = json_object_get(doc, "results"), *r;
	size_t i;
	json_array_foreach(results, i, r) {
		if (i)
			fputc('\n', f);
		pl_render_probe_result_text(f, r, 0, opts);
	}
	fflush(f);
	return ferror(f) ? -1 : 0;
}

void pl_render_probe_local(const pl_registry *reg, const pl_probe_result *r, size_t n, json_t *local)
{
	json_t *arr = json_array();
	const pl_probe_result *decisive = NULL;
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(arr, pl_render_probe_result_json(reg, &r[i]));
		if (!decisive && r[i].state == PL_PROBE_IDENTIFIED)
			decisive = &r[i];
	}
	json_object_set_new(local, "probe", arr);
	if (!decisive)
		return;
	char text[512];
	uint32_t record = 0;
	bool has = false;
	pl_match_verdict v = pl_probe_judge(reg, decisive, &record, &has, text, sizeof text);
	pl_record rec = {0};
	if (has)
		pl_registry_record(reg, record, &rec);
	json_t *by_name = json_incref(json_object_get(local, "verdict"));
	char conf[160];
	snprintf(conf, sizeof conf, "probed: the listener answered %s, confidence %d%%", decisive->probe,
		 decisive->match.confidence);
	json_object_set_new(local, "verdict",
			    json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "verdict", pl_verdict_name(v), "basis", "probed",
				      "service", has ? pl_json_text(rec.name) : json_null(), "confidence", pl_json_text(conf),
				      "explanation", pl_json_text(text), "by_name", by_name ? by_name : json_null()));
}

void pl_render_sockets_probe(const pl_registry *reg, json_t *doc, const pl_probe_result *r, size_t n)
{
	json_t *socks = json_object_get(doc, "sockets"), *s;
	size_t i;
	json_array_foreach(socks, i, s) {
		if (!json_is_true(json_object_get(s, "listening")))
			continue;
		json_int_t port = json_integer_value(json_object_get(s, "local_port"));
		const char *tr = pl_json_member(s, "transport");
		for (size_t k = 0; k < n; k++) {
			if (r[k].target.port != port || strcmp(pl_proto_name(r[k].target.proto), tr))
				continue;
			json_object_set_new(s, "probe", pl_render_probe_result_json(reg, &r[k]));
			if (r[k].state == PL_PROBE_IDENTIFIED) {
				char text[512];
				uint32_t record;
				bool has;
				pl_match_verdict v = pl_probe_judge(reg, &r[k], &record, &has, text, sizeof text);
				json_t *by_name = json_incref(json_object_get(s, "verdict"));
				json_object_set_new(s, "verdict",
						    json_pack("{s:s, s:s, s:o, s:o}", "verdict", pl_verdict_name(v), "basis", "probed",
							      "explanation", pl_json_text(text), "by_name",
							      by_name ? by_name : json_null()));
			}
			break;
		}
	}
}

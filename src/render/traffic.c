/* `portlore traffic`: the capture's result as one JSON document (kind "traffic": the capture, each server
 * port with its protocols, registered service, known uses and verdict, then the scanners), and the text
 * drawn from that document. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "portlore/render.h"

#if __has_include("portlore/evidence.h")
#include "portlore/evidence.h"
#define HAVE_EVIDENCE 1
#else
#define HAVE_EVIDENCE 0
#endif

static json_t *u64(uint64_t v)
{
	return json_integer((json_int_t)(v > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : v));
}

static json_t *registered_json(const pl_registry *reg, const pl_traffic_port *p)
{
	json_t *arr = json_array();
	uint32_t idx[16];
	size_t n = pl_registry_lookup_port(reg, p->port, p->proto, idx, 16);
	for (size_t i = 0; arr && i < n && i < 16; i++) {
		pl_record rec;
		if (pl_registry_record(reg, idx[i], &rec))
			continue;
		json_array_append_new(arr, json_pack("{s:o, s:o, s:s}", "service", pl_json_text(rec.name), "description",
						     pl_json_text(rec.description), "status", pl_status_name(rec.status)));
	}
	return arr;
}

static json_t *known_uses_json(const pl_traffic_port *p)
{
	json_t *arr = json_array();
#if HAVE_EVIDENCE
	const pl_known_use *uses[16];
	size_t n = pl_evidence_known_uses(p->port, p->proto, uses, 16);
	for (size_t i = 0; arr && i < n && i < 16; i++)
		json_array_append_new(arr, json_pack("{s:o, s:o, s:o}", "software", pl_json_text(uses[i]->software),
						     "protocol", pl_json_text(uses[i]->protocol), "source",
						     pl_json_text(uses[i]->source)));
#else
	(void)p;
#endif
	return arr;
}

static json_t *port_json(const pl_registry *reg, const pl_traffic_port *p)
{
	json_t *protos = json_array();
	for (size_t i = 0; protos && i < p->nprotocols; i++) {
		const pl_traffic_protocol *t = &p->protocols[i];
		json_array_append_new(protos, json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:o}", "protocol", t->protocol, "name",
							pl_traffic_protocol_display(t->protocol), "application",
							pl_json_text_or_null(t->application), "product",
							pl_json_text_or_null(t->product), "version",
							pl_json_text_or_null(t->version), "by", t->by, "flows", u64(t->flows)));
	}
	pl_traffic_verdict v;
	pl_traffic_judge(reg, p, &v);
	bool tcp = p->proto == PL_PROTO_TCP;
	json_t *outcomes = tcp ? json_pack("{s:o, s:o, s:o, s:o, s:o}", "established", u64(p->outcome[PL_TCP_ESTABLISHED]),
					   "half_open", u64(p->outcome[PL_TCP_HALF_OPEN]), "refused",
					   u64(p->outcome[PL_TCP_REFUSED]), "unanswered", u64(p->outcome[PL_TCP_UNANSWERED]),
					   "reset", u64(p->resets))
			       : json_pack("{s:o, s:o, s:o}", "answered", u64(p->outcome[PL_TCP_ESTABLISHED]), "refused",
					   u64(p->outcome[PL_TCP_REFUSED]), "unanswered", u64(p->outcome[PL_TCP_UNANSWERED]));
	return json_pack("{s:i, s:s, s:o, s:o, s:o, s:b, s:o, s:o, s:{s:o, s:o}, s:{s:o, s:o}, s:f, s:f, s:o, s:o, s:o, "
			 "s:{s:s, s:o, s:s, s:o}}",
			 "port", p->port, "transport", pl_proto_name(p->proto), "flows", u64(p->flows), "scan_flows",
			 u64(p->scan_flows), "clients", u64(p->clients), "clients_capped", p->clients_capped, "payload_flows", u64(p->payload_flows), "outcomes",
			 outcomes, "packets", "to_server", u64(p->packets[0]), "to_client", u64(p->packets[1]), "bytes",
			 "to_server", u64(p->bytes[0]), "to_client", u64(p->bytes[1]), "first", p->first, "last", p->last,
			 "protocols", protos, "registered", registered_json(reg, p), "known_uses", known_uses_json(p),
			 "verdict", "verdict", pl_traffic_verdict_name(v.kind), "service", pl_json_text_or_null(v.service),
			 "confidence", v.confidence, "text", pl_json_text(v.sentence));
}

static json_t *scanner_json(const pl_traffic_scanner *s)
{
	char addr[64], kinds[64];
	pl_traffic_addr_str(s->family, s->addr, addr, sizeof addr);
	pl_scan_kinds_name(s->kinds, kinds, sizeof kinds);
	json_t *karr = json_array();
	for (char *tok = strtok(kinds, " "); karr && tok; tok = strtok(NULL, " "))
		json_array_append_new(karr, json_string(tok));
	double secs = s->last - s->first;
	json_t *rate = secs > 0.001 ? json_real((double)s->attempts / secs) : json_null();
	return json_pack("{s:s, s:o, s:i, s:o, s:o, s:i, s:i, s:i, s:i, s:i, s:{s:i, s:i, s:i, s:i}, s:s, s:s, s:f, s:f}",
			 "source", addr, "kinds", karr, "attempts", (json_int_t)s->attempts, "rate", rate, "packets",
			 u64(s->packets),
			 "ports", (json_int_t)s->ports, "hosts", (json_int_t)s->hosts, "max_ports_per_host",
			 (json_int_t)s->max_ports_per_host, "max_hosts_per_port", (json_int_t)s->max_hosts_per_port,
			 "open", (json_int_t)s->open_ports, "outcomes", "opened_and_closed",
			 (json_int_t)s->outcome[PL_TCP_ESTABLISHED], "half_open", (json_int_t)s->outcome[PL_TCP_HALF_OPEN],
			 "refused", (json_int_t)s->outcome[PL_TCP_REFUSED], "unanswered",
			 (json_int_t)s->outcome[PL_TCP_UNANSWERED], "swept", s->swept, "hosts_sample", s->hosts_sample,
			 "first", s->first, "last", s->last);
}

json_t *pl_render_traffic_port_json(const pl_registry *reg, const pl_traffic_port *p)
{
	return port_json(reg, p);
}

json_t *pl_render_traffic_scanner_json(const pl_traffic_scanner *s)
{
	return scanner_json(s);
}

static json_t *flow_json(const pl_traffic_flow *f)
{
	char c[64], s[64];
	pl_traffic_addr_str(f->family, f->client, c, sizeof c);
	pl_traffic_addr_str(f->family, f->server, s, sizeof s);
	const char *oc = f->proto == PL_PROTO_UDP && f->outcome == PL_TCP_ESTABLISHED ? "answered" : pl_tcp_outcome_name(f->outcome);
	return json_pack("{s:s, s:s, s:i, s:s, s:i, s:s, s:b, s:{s:o, s:o}, s:{s:o, s:o}, s:f, s:f, s:o, s:o, s:o}",
			 "transport", pl_proto_name(f->proto), "client", c, "client_port", f->cport, "server", s,
			 "server_port", f->sport, "outcome", oc, "reset", f->reset, "packets", "to_server",
			 u64(f->packets[0]), "to_client", u64(f->packets[1]), "bytes", "to_server", u64(f->bytes[0]),
			 "to_client", u64(f->bytes[1]), "first", f->first, "last", f->last, "protocol",
			 pl_json_text_or_null(f->protocol), "product", pl_json_text_or_null(f->product), "by",
			 pl_json_text_or_null(f->by));
}

json_t *pl_render_traffic_json(const pl_registry *reg, const pl_traffic_opts *opts, const pl_traffic_result *r,
			       const pl_render_meta *meta)
{
	const pl_traffic_stats *st = &r->stats;
	json_t *skipped = json_object();
	for (int i = 1; skipped && i < PL_DECODE_STATUS_COUNT; i++)
		if (st->skipped[i])
			json_object_set_new(skipped, pl_decode_status_name((pl_decode_status)i), u64(st->skipped[i]));
	if (opts->port >= 0 && skipped)
		json_object_set_new(skipped, "other-port", u64(st->skipped[0]));
	json_t *capture = json_pack(
		"{s:s, s:o, s:s, s:i, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:f, s:f, s:b, s:o, s:s, s:s, s:o, s:o}",
		"source", opts->pcap_path ? "file" : "interface", "name",
		pl_json_text(opts->pcap_path ? opts->pcap_path : opts->iface), "format", st->format, "link_type",
		st->linktype, "link_type_name", st->linktype_name, "port",
		opts->port >= 0 ? json_integer(opts->port) : json_null(), "filter", pl_json_text_or_null(r->filter),
		"frames", u64(st->frames), "bytes", u64(st->bytes), "decoded", u64(st->decoded), "skipped", skipped,
		"flows", u64(st->flows), "evicted_idle", u64(st->evicted_idle), "evicted_full", u64(st->evicted_full),
		"peak_flows", (json_int_t)st->peak_flows, "first", st->first, "last", st->last, "truncated",
		st->truncated_file, "error", pl_json_text_or_null(st->file_error), "dpi", st->dpi, "identify",
		st->identify, "scan_attempts_dropped", u64(st->scan_attempts_dropped), "scan_thresholds",
		json_pack("{s:i, s:i, s:f, s:i}", "ports", (json_int_t)opts->scan.ports, "hosts",
			  (json_int_t)opts->scan.hosts, "window", opts->scan.window, "few_packets",
			  (json_int_t)opts->scan.few_packets));
	json_t *ports = json_array();
	for (size_t i = 0; ports && i < r->nports; i++)
		json_array_append_new(ports, port_json(reg, &r->ports[i]));
	json_t *scanners = json_array();
	for (size_t i = 0; scanners && i < r->nscanners; i++)
		json_array_append_new(scanners, scanner_json(&r->scanners[i]));
	json_t *doc = json_pack("{s:i, s:s, s:s, s:o, s:o, s:o, s:o}", "schema", PL_SCHEMA_VERSION, "kind", "traffic",
				"portlore", meta->version, "capture", capture, "ports", ports, "scanners", scanners,
				"registry", pl_render_registry_json(reg, meta));
	if (doc && opts->list_flows) {
		json_t *flows = json_array();
		for (size_t i = 0; flows && i < r->nflows; i++)
			json_array_append_new(flows, flow_json(&r->flows[i]));
		json_object_set_new(doc, "flows", flows ? flows : json_null());
	}
	return doc;
}

/* ---- text ---- */

static json_int_t num(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static void bytes_str(char *buf, size_t size, json_int_t b)
{
	if (b < 10000)
		snprintf(buf, size, "%lld B", (long long)b);
	else if (b < 10000000)
		snprintf(buf, size, "%.1f kB", (double)b / 1e3);
	else
		snprintf(buf, size, "%.1f MB", (double)b / 1e6);
}

static void port_text(const pl_text_out *o, const json_t *p)
{
	const json_t *v = json_object_get(p, "verdict"), *x;
	const char *verdict = pl_json_member(v, "verdict");
	const char *colour = !strcmp(verdict, "match") ? PL_GREEN : !strcmp(verdict, "mismatch") ? PL_RED : PL_YELLOW;
	char head[32];
	snprintf(head, sizeof head, "%lld/%s", (long long)num(p, "port"), pl_json_member(p, "transport"));
	fprintf(o->f, "%s%-10s%s %s%s%s\n", pl_on(o, PL_BOLD), head, pl_on(o, PL_RESET), pl_on(o, colour),
		pl_json_member(v, "text"), pl_on(o, PL_RESET));
	size_t i;
	json_array_foreach(json_object_get(p, "protocols"), i, x) {
		const char *app = pl_json_member(x, "application");
		fprintf(o->f, "%-10s %s%s%s%s, %lld flow%s (by %s)", i ? "" : "  heard", pl_json_member(x, "name"),
			*app ? " (" : "", app, *app ? ")" : "", (long long)num(x, "flows"), num(x, "flows") == 1 ? "" : "s",
			pl_json_member(x, "by"));
		if (*pl_json_member(x, "product"))
			fprintf(o->f, ": %s %s", pl_json_member(x, "product"), pl_json_member(x, "version"));
		fputc('\n', o->f);
	}
	json_array_foreach(json_object_get(p, "registered"), i, x) {
		const char *svc = pl_json_member(x, "service");
		fprintf(o->f, "%-10s %s%s%s%s\n", i ? "" : "  IANA", *svc ? svc : pl_json_member(x, "status"),
			*pl_json_member(x, "description") ? " (" : "", pl_json_member(x, "description"),
			*pl_json_member(x, "description") ? ")" : "");
	}
	json_array_foreach(json_object_get(p, "known_uses"), i, x)
		fprintf(o->f, "%-10s %s%s%s%s\n", i ? "" : "  known", pl_json_member(x, "software"),
			*pl_json_member(x, "protocol") ? " (" : "", pl_json_member(x, "protocol"),
			*pl_json_member(x, "protocol") ? ")" : "");
	const json_t *oc = json_object_get(p, "outcomes"), *pk = json_object_get(p, "packets"),
		     *by = json_object_get(p, "bytes");
	char b1[32], b2[32];
	bytes_str(b1, sizeof b1, num(by, "to_server"));
	bytes_str(b2, sizeof b2, num(by, "to_client"));
	fprintf(o->f, "  flows    %lld from %lld%s client%s", (long long)num(p, "flows"), (long long)num(p, "clients"),
		json_is_true(json_object_get(p, "clients_capped")) ? "+" : "", num(p, "clients") == 1 ? "" : "s");
	const char *key;
	json_t *val;
	json_object_foreach((json_t *)oc, key, val)
		if (json_integer_value(val))
			fprintf(o->f, ", %lld %s", (long long)json_integer_value(val), key);
	if (num(p, "scan_flows"))
		fprintf(o->f, "; %lld from scanners", (long long)num(p, "scan_flows"));
	fprintf(o->f, "\n  volume   %lld packet%s / %s to the server, %lld / %s back\n", (long long)num(pk, "to_server"),
		num(pk, "to_server") == 1 ? "" : "s", b1, (long long)num(pk, "to_client"), b2);
}

int pl_render_traffic_text(FILE *f, const json_t *doc, const pl_text_opts *opts)
{
	pl_text_out o = {f, opts && opts->colour, false};
	const json_t *c = json_object_get(doc, "capture"), *p, *s;
	double secs = json_real_value(json_object_get(c, "last")) - json_real_value(json_object_get(c, "first"));
	fprintf(f, "%s%s%s (%s, %s): %lld frame%s in %.1f s, %lld flow%s; %s", pl_on(&o, PL_DIM), pl_json_member(c, "name"),
		pl_on(&o, PL_RESET), pl_json_member(c, "format"), pl_json_member(c, "link_type_name"),
		(long long)num(c, "frames"), num(c, "frames") == 1 ? "" : "s", secs > 0 ? secs : 0.0,
		(long long)num(c, "flows"), num(c, "flows") == 1 ? "" : "s", pl_json_member(c, "dpi"));
	fprintf(f, "\n");
	if (*pl_json_member(c, "error"))
		fprintf(f, "%swarning: the capture is damaged: %s; what came before is below%s\n", pl_on(&o, PL_YELLOW),
			pl_json_member(c, "error"), pl_on(&o, PL_RESET));
	size_t i, scanned_only = 0;
	const json_t *ports = json_object_get(doc, "ports");
	bool any = false;
	json_array_foreach(ports, i, p) {
		if (!strcmp(pl_json_member(json_object_get(p, "verdict"), "verdict"), "scanned-only")) {
			scanned_only++;
			continue;
		}
		fputc('\n', f);
		port_text(&o, p);
		any = true;
	}
	if (scanned_only)
		fprintf(f, "\n%zu port%s touched only by scanners (listed in --json)\n", scanned_only,
			scanned_only == 1 ? "" : "s");
	else if (!any)
		fprintf(f, "\nno TCP or UDP flow%s\n", json_is_integer(json_object_get(c, "port")) ? " on that port" : "");
	const json_t *flows = json_object_get(doc, "flows");
	if (json_array_size(flows)) {
		fprintf(f, "\n%sflows%s (the first %zu to finish, by first packet):\n", pl_on(&o, PL_BOLD), pl_on(&o, PL_RESET),
			json_array_size(flows));
		json_array_foreach(flows, i, s) {
			char c[80], sv[80];
			const char *ca = pl_json_member(s, "client"), *sa = pl_json_member(s, "server");
			snprintf(c, sizeof c, strchr(ca, ':') ? "[%s]:%lld" : "%s:%lld", ca, (long long)num(s, "client_port"));
			snprintf(sv, sizeof sv, strchr(sa, ':') ? "[%s]:%lld" : "%s:%lld", sa, (long long)num(s, "server_port"));
			const json_t *pk = json_object_get(s, "packets");
			fprintf(f, "  %-3s %-22s -> %-22s %-11s %3lld/%-3lld pkts %s%s%s\n", pl_json_member(s, "transport"), c, sv,
				pl_json_member(s, "outcome"), (long long)num(pk, "to_server"), (long long)num(pk, "to_client"),
				*pl_json_member(s, "protocol") ? pl_traffic_protocol_display(pl_json_member(s, "protocol")) : "",
				json_is_true(json_object_get(s, "reset")) ? " reset" : "", "");
		}
	}
	const json_t *scanners = json_object_get(doc, "scanners"), *th = json_object_get(c, "scan_thresholds");
	if (json_array_size(scanners)) {
		fprintf(f, "\n%sscanners%s (%lld+ ports on one host or %lld+ hosts on one port within %.0f s):\n",
			pl_on(&o, PL_BOLD), pl_on(&o, PL_RESET), (long long)num(th, "ports"), (long long)num(th, "hosts"),
			json_real_value(json_object_get(th, "window")));
		json_array_foreach(scanners, i, s) {
			const json_t *k;
			size_t j;
			fprintf(f, "  %s%s%s ", pl_on(&o, PL_RED), pl_json_member(s, "source"), pl_on(&o, PL_RESET));
			json_array_foreach(json_object_get(s, "kinds"), j, k) fprintf(f, "%s%s", j ? "+" : "", json_string_value(k));
			double d = json_real_value(json_object_get(s, "last")) - json_real_value(json_object_get(s, "first"));
			fprintf(f, " scan: %lld probes, %lld port%s on %lld host%s (%s), %lld open, %lld packets in %.1f s",
				(long long)num(s, "attempts"), (long long)num(s, "ports"), num(s, "ports") == 1 ? "" : "s",
				(long long)num(s, "hosts"), num(s, "hosts") == 1 ? "" : "s", pl_json_member(s, "hosts_sample"),
				(long long)num(s, "open"), (long long)num(s, "packets"), d);
			if (json_is_real(json_object_get(s, "rate")))
				fprintf(f, " (%.0f probes/s)", json_real_value(json_object_get(s, "rate")));
			fputc('\n', f);
			fprintf(f, "    swept %s\n", pl_json_member(s, "swept"));
		}
	}
	fflush(f);
	return ferror(f) ? -1 : 0;
}

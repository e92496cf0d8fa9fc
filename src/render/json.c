/* Reports as JSON (docs/json-schema.md): the one representation every front end shares. The sentences
 * in "explanation" fields are here too, so that the text output, the API and the page say the same. */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "portlore/render.h"

static json_t *people_json(const pl_registry *reg, const pl_record *rec, pl_role role)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < pl_record_people_count(rec, role); i++) {
		const char *id = pl_record_person_id(rec, role, i);
		pl_person p = {id, "", "", "", "", ""};
		pl_registry_person(reg, id, &p);
		json_array_append_new(arr, json_pack("{s:o, s:o, s:o, s:o, s:o}", "id", pl_json_text(id), "name", pl_json_text_or_null(p.name),
						     "email", pl_json_text_or_null(p.email), "organization", pl_json_text_or_null(p.org),
						     "uri", pl_json_text_or_null(p.uri)));
	}
	return arr;
}

json_t *pl_render_record_json(const pl_registry *reg, const pl_record *rec)
{
	json_t *refs = json_array();
	for (size_t i = 0; i < pl_record_ref_count(rec); i++) {
		pl_xref x;
		if (pl_record_ref(rec, i, &x) == 0)
			json_array_append_new(refs, json_pack("{s:s, s:o}", "type", pl_xref_type_name(x.type), "data", pl_json_text(x.data)));
	}
	return json_pack("{s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b}",
			 "service", pl_json_text_or_null(rec->name),
			 "transport", pl_json_text_or_null(pl_proto_name(rec->proto)),
			 "port", rec->has_port ? json_integer(rec->port_lo) : json_null(),
			 "port_last", rec->has_port ? json_integer(rec->port_hi) : json_null(),
			 "status", pl_status_name(rec->status),
			 "description", pl_json_text_or_null(rec->description),
			 "assignees", people_json(reg, rec, PL_ROLE_ASSIGNEE),
			 "contacts", people_json(reg, rec, PL_ROLE_CONTACT),
			 "registered", pl_json_text_or_null(rec->registered),
			 "modified", pl_json_text_or_null(rec->modified),
			 "references", refs,
			 "service_code", pl_json_text_or_null(rec->service_code),
			 "unauthorized_use", pl_json_text_or_null(rec->unauthorized_use),
			 "notes", pl_json_text_or_null(rec->notes),
			 "ghost", pl_record_service_is_ghost(rec));
}

static json_t *registry_json(const pl_registry *reg, const pl_render_meta *meta)
{
	return json_pack("{s:o, s:o, s:s, s:o, s:I, s:I, s:b}", "date", pl_json_text_or_null(pl_registry_date(reg)),
			 "source", pl_json_text_or_null(pl_registry_source(reg)), "origin",
			 meta && meta->registry_origin ? meta->registry_origin : "embedded", "path",
			 pl_json_text_or_null(meta ? meta->registry_path : NULL), "records", (json_int_t)pl_registry_count(reg),
			 "people", (json_int_t)pl_registry_people_count(reg), "has_references",
			 pl_registry_has_references(reg));
}

json_t *pl_render_registry_json(const pl_registry *reg, const pl_render_meta *meta)
{
	return registry_json(reg, meta);
}

static json_t *int_or_null(int v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

static json_t *host_json(const pl_host_ports *h)
{
	json_t *res = json_array();
	for (int i = 0; i < h->nreserved; i++)
		json_array_append_new(res, json_pack("[i, i]", h->reserved[i][0], h->reserved[i][1]));
	return json_pack("{s:o, s:o, s:o, s:o, s:b}", "unprivileged_port_start", int_or_null(h->unpriv_start),
			 "ephemeral_first", int_or_null(h->eph_lo), "ephemeral_last", int_or_null(h->eph_hi),
			 "reserved_ports", h->nreserved >= 0 ? res : (json_decref(res), json_null()),
			 "caller_can_bind_privileged", h->root);
}

static json_t *ghost_json(const pl_registry *reg, const pl_port_report *p)
{
	char text[768];
	if (p->ghost == PL_GHOST_NO) {
		size_t assigned = 0;
		for (size_t i = 0; i < p->nrecords; i++) {
			pl_record rec;
			pl_registry_record(reg, p->records[i], &rec);
			assigned += rec.status == PL_STATUS_ASSIGNED && *rec.name;
		}
		snprintf(text, sizeof text, "%s",
			 assigned ? "Not a ghost: the registration describes its service or cites a reference."
				  : "No registered service here, so nothing to judge.");
		return json_pack("{s:s, s:n, s:n, s:s}", "verdict", pl_ghost_name(p->ghost), "service", "transport",
				 "explanation", text);
	}
	pl_record rec;
	pl_registry_record(reg, p->ghost_record, &rec);
	char who[256] = "";
	if (pl_record_people_count(&rec, PL_ROLE_CONTACT) || pl_record_people_count(&rec, PL_ROLE_ASSIGNEE)) {
		pl_role role = pl_record_people_count(&rec, PL_ROLE_CONTACT) ? PL_ROLE_CONTACT : PL_ROLE_ASSIGNEE;
		const char *id = pl_record_person_id(&rec, role, 0);
		pl_person person;
		const char *name = pl_registry_person(reg, id, &person) == 0 && *person.name ? person.name : id;
		snprintf(who, sizeof who, " Its only trace is its contact person, %s.", name);
	}
	if (p->ghost == PL_GHOST_YES)
		snprintf(text, sizeof text,
			 "Ghost registration: '%s' is assigned, but its description adds nothing to its name and it cites "
			 "no RFC, draft or public specification.%s Software found on this port is unlikely to be it.",
			 rec.name, who);
	else
		snprintf(text, sizeof text,
			 "Likely a ghost registration: '%s' is assigned, but its description adds nothing to its name. "
			 "This registry snapshot carries no references, so a cited RFC or specification cannot be ruled "
			 "out: 'portlore update' fetches IANA's full record.%s",
			 rec.name, who);
	return json_pack("{s:s, s:o, s:o, s:o}", "verdict", pl_ghost_name(p->ghost), "service", pl_json_text(rec.name),
			 "transport", pl_json_text_or_null(pl_proto_name(rec.proto)), "explanation", pl_json_text(text));
}

static json_t *bind_json(const pl_report *rep, const pl_port_report *p)
{
	char text[256];
	const pl_host_ports *h = &rep->host;
	if (!p->bind_known)
		snprintf(text, sizeof text, "Unknown whether an unprivileged user may bind it: "
					    "net.ipv4.ip_unprivileged_port_start is unreadable.");
	else if (p->unpriv_bind)
		snprintf(text, sizeof text, "Any user may bind port %u here (unprivileged ports start at %d).", p->port,
			 h->unpriv_start);
	else
		snprintf(text, sizeof text,
			 "Binding port %u needs root or CAP_NET_BIND_SERVICE here (unprivileged ports start at %d).",
			 p->port, h->unpriv_start);
	return json_pack("{s:o, s:s}", "unprivileged", p->bind_known ? json_boolean(p->unpriv_bind) : json_null(),
			 "explanation", text);
}

static json_t *ephemeral_json(const pl_report *rep, const pl_port_report *p)
{
	char text[256];
	const pl_host_ports *h = &rep->host;
	if (h->eph_lo < 0)
		snprintf(text, sizeof text, "The ephemeral range is unknown: net.ipv4.ip_local_port_range is unreadable.");
	else if (p->ephemeral && p->reserved_local)
		snprintf(text, sizeof text,
			 "Inside the ephemeral range %d-%d, but held back from it by net.ipv4.ip_local_reserved_ports.",
			 h->eph_lo, h->eph_hi);
	else if (p->ephemeral)
		snprintf(text, sizeof text,
			 "Inside the ephemeral range %d-%d: the kernel may give it to any outgoing connection, so a "
			 "server that binds it can find it taken.",
			 h->eph_lo, h->eph_hi);
	else
		snprintf(text, sizeof text, "Outside the ephemeral range %d-%d that the kernel uses for outgoing connections.",
			 h->eph_lo, h->eph_hi);
	return json_pack("{s:o, s:b, s:s}", "in_range", h->eph_lo >= 0 ? json_boolean(p->ephemeral) : json_null(),
			 "reserved", p->reserved_local, "explanation", text);
}

static json_t *port_json(const pl_report *rep, const pl_port_report *p)
{
	json_t *records = json_array(), *missing = json_array();
	for (size_t i = 0; i < p->nrecords; i++) {
		pl_record rec;
		if (pl_registry_record(rep->reg, p->records[i], &rec) == 0)
			json_array_append_new(records, pl_render_record_json(rep->reg, &rec));
	}
	for (int t = PL_PROTO_TCP; t < PL_PROTO_COUNT; t++)
		if (p->missing & (1u << t))
			json_array_append_new(missing, json_string(pl_proto_name((pl_proto)t)));
	if (!p->has_port)
		return json_pack("{s:n, s:n, s:n, s:n, s:o, s:o, s:o}", "port", "range", "bind", "ephemeral", "records",
				 records, "unregistered_transports", missing, "ghost", ghost_json(rep->reg, p));
	uint16_t first, last;
	pl_range_bounds(p->range, &first, &last);
	return json_pack("{s:i, s:{s:s, s:i, s:i}, s:o, s:o, s:o, s:o, s:o}", "port", p->port, "range", "class",
			 pl_range_name(p->range), "first", first, "last", last, "bind", bind_json(rep, p), "ephemeral",
			 ephemeral_json(rep, p), "records", records, "unregistered_transports", missing, "ghost",
			 ghost_json(rep->reg, p));
}

json_t *pl_render_report_json(const pl_report *rep, const pl_render_meta *meta)
{
	json_t *ports = json_array();
	for (size_t i = 0; i < rep->nports; i++)
		json_array_append_new(ports, port_json(rep, &rep->ports[i]));
	const pl_spec *s = &rep->spec;
	json_t *query = s->kind == PL_SPEC_NAME
				? json_pack("{s:s, s:s, s:o}", "kind", "name", "name", s->name, "transport",
					    pl_json_text_or_null(pl_proto_name(s->proto)))
				: json_pack("{s:s, s:i, s:i, s:o}", "kind", "ports", "first", s->lo, "last", s->hi,
					    "transport", pl_json_text_or_null(pl_proto_name(s->proto)));
	return json_pack("{s:i, s:s, s:s, s:o, s:o, s:o, s:o}", "schema", PL_SCHEMA_VERSION, "kind", "port_report",
			 "portlore", meta && meta->version ? meta->version : "", "registry", registry_json(rep->reg, meta),
			 "query", query, "host", host_json(&rep->host), "ports", ports);
}

static const char *match_name(pl_match m)
{
	switch (m) {
	case PL_MATCH_EXACT: return "exact";
	case PL_MATCH_PREFIX: return "prefix";
	case PL_MATCH_WORD: return "word";
	default: return "substring";
	}
}

json_t *pl_render_search_json(const pl_registry *reg, const char *term, const pl_hit *hits, size_t nhits,
			      const pl_render_meta *meta)
{
	json_t *results = json_array();
	for (size_t i = 0; i < nhits; i++) {
		pl_record rec;
		if (pl_registry_record(reg, hits[i].index, &rec))
			continue;
		json_t *r = pl_render_record_json(reg, &rec);
		json_object_set_new(r, "match", json_string(match_name(hits[i].match)));
		json_array_append_new(results, r);
	}
	return json_pack("{s:i, s:s, s:s, s:o, s:o, s:o}", "schema", PL_SCHEMA_VERSION, "kind", "search", "portlore",
			 meta && meta->version ? meta->version : "", "registry", registry_json(reg, meta), "query", pl_json_text(term),
			 "results", results);
}

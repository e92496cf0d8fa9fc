/* The registry-wide listings, `portlore diff` and `portlore ghosts`: their JSON documents and the text drawn
 * from those documents. Apart from json.c and text.c because they answer questions about the whole
 * registry rather than about a port, and are made of the same records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "portlore/evidence.h"
#include "portlore/render.h"

/* ---- diff: JSON ---- */

/* A field's value as the diff shows it: a string (or null), or a list of ids or "type:data" strings. */
static json_t *field_json(const pl_record *rec, pl_diff_field f)
{
	json_t *list;
	switch (f) {
	case PL_DIFF_DESCRIPTION: return pl_json_text_or_null(rec->description);
	case PL_DIFF_REGISTERED: return pl_json_text_or_null(rec->registered);
	case PL_DIFF_MODIFIED: return pl_json_text_or_null(rec->modified);
	case PL_DIFF_SERVICE_CODE: return pl_json_text_or_null(rec->service_code);
	case PL_DIFF_UNAUTHORIZED_USE: return pl_json_text_or_null(rec->unauthorized_use);
	case PL_DIFF_NOTES: return pl_json_text_or_null(rec->notes);
	case PL_DIFF_ASSIGNEES:
	case PL_DIFF_CONTACTS: {
		pl_role role = f == PL_DIFF_ASSIGNEES ? PL_ROLE_ASSIGNEE : PL_ROLE_CONTACT;
		list = json_array();
		for (size_t i = 0; list && i < pl_record_people_count(rec, role); i++)
			json_array_append_new(list, pl_json_text(pl_record_person_id(rec, role, i)));
		return list;
	}
	case PL_DIFF_TRANSPORT:
		return pl_json_text_or_null(pl_proto_name(rec->proto));
	case PL_DIFF_PORT:
		if (!rec->has_port)
			return json_null();
		return rec->port_lo == rec->port_hi ? json_sprintf("%u", rec->port_lo)
						     : json_sprintf("%u-%u", rec->port_lo, rec->port_hi);
	case PL_DIFF_REFERENCES:
		list = json_array();
		for (size_t i = 0; list && i < pl_record_ref_count(rec); i++) {
			pl_xref x;
			if (pl_record_ref(rec, i, &x) == 0) {
				char *item = malloc(strlen(x.data) + 16);
				if (!item)
					break;
				sprintf(item, "%s:%s", pl_xref_type_name(x.type), x.data);
				json_array_append_new(list, pl_json_text(item));
				free(item);
			}
		}
		return list;
	}
	return json_null();
}

struct diff_acc {
	const pl_registry *before, *after;
	json_t *added, *removed, *changed;
};

static int on_diff(const pl_diff *d, void *ctx)
{
	struct diff_acc *a = ctx;
	json_t *item = NULL, *to = NULL;
	switch (d->kind) {
	case PL_DIFF_ADDED:
		item = pl_render_record_json(a->after, d->after);
		to = a->added;
		break;
	case PL_DIFF_REMOVED:
		item = pl_render_record_json(a->before, d->before);
		to = a->removed;
		break;
	case PL_DIFF_CHANGED: {
		json_t *changes = json_array();
		for (int f = 0; changes && f < PL_DIFF_FIELD_COUNT; f++)
			if (d->fields & (1u << f) &&
			    json_array_append_new(changes, json_pack("{s:s, s:o, s:o}", "field",
								    pl_diff_field_name((pl_diff_field)f), "old",
								    field_json(d->before, (pl_diff_field)f), "new",
								    field_json(d->after, (pl_diff_field)f)))) {
				json_decref(changes);
				changes = NULL;
			}
		item = json_pack("{s:o, s:o, s:o}", "record", pl_render_record_json(a->after, d->after), "before",
				 pl_render_record_json(a->before, d->before), "changes", changes);
		to = a->changed;
		break;
	}
	}
	return item && json_array_append_new(to, item) == 0 ? 0 : PL_ENOMEM;
}

json_t *pl_render_diff_json(const pl_registry *before, const pl_render_meta *before_meta, const pl_registry *after,
			    const pl_render_meta *after_meta)
{
	struct diff_acc a = {before, after, json_array(), json_array(), json_array()};
	if (!a.added || !a.removed || !a.changed || pl_registry_diff(before, after, on_diff, &a, NULL)) {
		json_decref(a.added);
		json_decref(a.removed);
		json_decref(a.changed);
		return NULL;
	}
	const char *version = before_meta && before_meta->version ? before_meta->version : "";
	return json_pack("{s:i, s:s, s:s, s:o, s:o, s:{s:I, s:I, s:I}, s:o, s:o, s:o}", "schema", PL_SCHEMA_VERSION,
			 "kind", "diff", "portlore", version, "old", pl_render_registry_json(before, before_meta), "new",
			 pl_render_registry_json(after, after_meta), "counts", "added",
			 (json_int_t)json_array_size(a.added), "removed", (json_int_t)json_array_size(a.removed),
			 "changed", (json_int_t)json_array_size(a.changed), "added", a.added, "removed", a.removed,
			 "changed", a.changed);
}

/* ---- ghosts: JSON ---- */

struct ghost_acc {
	const pl_registry *reg;
	size_t limit, services, ghosts, thin;
	json_t *list, *thin_list; /* thin_list: NULL unless asked for */
};

static bool has_person(const json_t *people, const char *id)
{
	size_t i;
	const json_t *p;
	json_array_foreach(people, i, p) {
		if (!strcmp(pl_json_member(p, "id"), id))
			return true;
	}
	return false;
}

/* The people to ask about a service: its records' contacts, or their assignees when none names a contact. */
static json_t *people_of(const json_t *records)
{
	json_t *out = json_array();
	static const char *const roles[] = {"contacts", "assignees"};
	for (int r = 0; out && r < 2 && json_array_size(out) == 0; r++) {
		size_t i, j;
		const json_t *rec, *p;
		json_array_foreach(records, i, rec) {
			json_array_foreach(json_object_get(rec, roles[r]), j, p) {
				const char *id = json_string_value(json_object_get(p, "id"));
				if (id && !has_person(out, id))
					json_array_append(out, (json_t *)p);
			}
		}
	}
	return out;
}

static int on_service(const pl_service *s, void *ctx)
{
	struct ghost_acc *a = ctx;
	a->services++;
	if (s->thin && !s->ghost)
		a->thin++;
	if (!s->ghost && !(s->thin && a->thin_list))
		return 0;
	if (s->ghost)
		a->ghosts++;
	if (a->limit && (s->ghost ? a->ghosts : a->thin) > a->limit)
		return 0;
	json_t *records = json_array(), *transports = json_array();
	unsigned seen = 0;
	const char *description = "";
	for (size_t i = 0; records && transports && i < s->nrecords; i++) {
		pl_record rec;
		if (pl_registry_record(a->reg, s->records[i], &rec))
			continue;
		if (i == 0)
			description = rec.description;
		json_array_append_new(records, pl_render_record_json(a->reg, &rec));
		if (rec.proto != PL_PROTO_NONE)
			seen |= 1u << rec.proto;
	}
	for (int t = PL_PROTO_TCP; transports && t < PL_PROTO_COUNT; t++)
		if (seen & (1u << t))
			json_array_append_new(transports, json_string(pl_proto_name((pl_proto)t)));
	json_t *g = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "service", pl_json_text(s->name), "port",
			      s->has_port ? json_integer(s->port_lo) : json_null(), "port_last",
			      s->has_port ? json_integer(s->port_hi) : json_null(), "transports", transports, "description",
			      pl_json_text_or_null(description), "contacts", people_of(records), "records", records);
	if (g && !s->ghost) {
		/* A thin registration at a port in use: say how much use, and why. */
		json_object_set_new(g, "use", json_string(pl_use_level_name((pl_use_level)s->use)));
		if (s->has_port) {
			pl_evidence ev;
			char lines[6][256];
			pl_evidence_gather(s->port_lo, PL_PROTO_NONE, NULL, &ev);
			size_t n = pl_evidence_reasons(&ev, true, lines, 6);
			json_t *why = json_array();
			for (size_t i = 0; i < n; i++)
				json_array_append_new(why, pl_json_text(lines[i]));
			json_object_set_new(g, "evidence", why);
		}
	}
	return g && json_array_append_new(s->ghost ? a->list : a->thin_list, g) == 0 ? 0 : PL_ENOMEM;
}

json_t *pl_render_ghosts_json(const pl_registry *reg, pl_proto proto, size_t limit, const pl_render_meta *meta)
{
	return pl_render_ghosts_json_ex(reg, proto, limit, false, meta);
}

json_t *pl_render_ghosts_json_ex(const pl_registry *reg, pl_proto proto, size_t limit, bool thin,
				 const pl_render_meta *meta)
{
	struct ghost_acc a = {reg, limit, 0, 0, 0, json_array(), thin ? json_array() : NULL};
	if (!a.list || (thin && !a.thin_list) || pl_registry_services(reg, proto, on_service, &a, NULL)) {
		json_decref(a.list);
		json_decref(a.thin_list);
		return NULL;
	}
	json_t *doc = json_pack("{s:i, s:s, s:s, s:o, s:{s:o, s:o}, s:s, s:{s:I, s:I, s:I, s:I}, s:o}", "schema",
			 PL_SCHEMA_VERSION, "kind", "ghosts", "portlore", meta && meta->version ? meta->version : "",
			 "registry", pl_render_registry_json(reg, meta), "query", "transport",
			 pl_json_text_or_null(pl_proto_name(proto)), "limit", limit ? json_integer((json_int_t)limit) : json_null(),
			 "verdict", pl_registry_has_references(reg) ? "ghost" : "likely_ghost", "counts", "ghosts",
			 (json_int_t)a.ghosts, "services", (json_int_t)a.services, "listed",
			 (json_int_t)json_array_size(a.list), "thin_in_use", (json_int_t)a.thin, "ghosts", a.list);
	if (doc && a.thin_list)
		json_object_set_new(doc, "thin_in_use", a.thin_list);
	return doc;
}

/* ---- text ---- */

static json_int_t i_of(const json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

/* Where a record sits: "300/tcp", "301-307" for a row of every transport, "-" for a name-only record. */
static void where_of(char *buf, size_t size, const json_t *rec)
{
	char ports[32];
	const char *t = pl_json_member(rec, "transport");
	pl_json_ports(ports, sizeof ports, rec);
	snprintf(buf, size, "%s%s%s", ports, *t ? "/" : "", t);
}

static void registry_line(const pl_text_out *o, const char *label, const json_t *r)
{
	const char *date = pl_json_member(r, "date"), *path = pl_json_member(r, "path");
	fprintf(o->f, "%s%sIANA as of %s, %s%s%s (%s)%s\n", pl_on(o, PL_DIM), label,
		*date ? date : "an unknown date (undated file)", pl_json_member(r, "origin"), *path ? " " : "", path,
		pl_json_member(r, "source"), pl_on(o, PL_RESET));
}

/* A change's value on one line: a list joined by commas, a newline shown as a space, "-" for nothing. */
static void value_text(const pl_text_out *o, const json_t *v)
{
	if (json_is_array(v)) {
		size_t i;
		const json_t *x;
		if (json_array_size(v) == 0)
			fputc('-', o->f);
		json_array_foreach(v, i, x) fprintf(o->f, "%s%s", i ? ", " : "", json_string_value(x));
		return;
	}
	const char *s = json_string_value(v);
	if (!s || !*s) {
		fputc('-', o->f);
		return;
	}
	for (; *s; s++)
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, o->f);
}

static void diff_record(const pl_text_out *o, char sign, const char *colour, const json_t *rec)
{
	char where[48];
	where_of(where, sizeof where, rec);
	fprintf(o->f, "%s%c %-12s%s ", pl_on(o, colour), sign, where, pl_on(o, PL_RESET));
	if (*pl_json_member(rec, "service"))
		fprintf(o->f, "%s%s%s  ", pl_on(o, PL_BOLD), pl_json_member(rec, "service"), pl_on(o, PL_RESET));
	value_text(o, json_object_get(rec, "description"));
	const json_t *refs = json_object_get(rec, "references"), *x;
	size_t i;
	if (json_array_size(refs))
		fprintf(o->f, "  %s[", pl_on(o, PL_DIM));
	json_array_foreach(refs, i, x) fprintf(o->f, "%s%s:%s", i ? ", " : "", pl_json_member(x, "type"), pl_json_member(x, "data"));
	if (json_array_size(refs))
		fprintf(o->f, "]%s", pl_on(o, PL_RESET));
	fputc('\n', o->f);
}

/* One line a changed field, each naming its record, so that grep finds the whole story. */
static void diff_changed(const pl_text_out *o, const json_t *item)
{
	const json_t *rec = json_object_get(item, "record"), *c;
	char where[48];
	size_t i;
	/* Where it was: a service that moved is found under its old port. */
	where_of(where, sizeof where, json_object_get(item, "before") ? json_object_get(item, "before") : rec);
	const char *name = *pl_json_member(rec, "service") ? pl_json_member(rec, "service") : pl_json_member(rec, "status");
	json_array_foreach(json_object_get(item, "changes"), i, c) {
		fprintf(o->f, "%s~ %-12s%s %s%s%s: %s ", pl_on(o, PL_YELLOW), where, pl_on(o, PL_RESET), pl_on(o, PL_BOLD), name, pl_on(o, PL_RESET),
			pl_json_member(c, "field"));
		value_text(o, json_object_get(c, "old"));
		fputs(" -> ", o->f);
		value_text(o, json_object_get(c, "new"));
		fputc('\n', o->f);
	}
}

int pl_render_diff_text(FILE *f, const json_t *doc, const pl_text_opts *opts)
{
	pl_text_out o = {f, opts && opts->colour, false};
	const json_t *counts = json_object_get(doc, "counts"), *x;
	static const char *const sections[] = {"added", "removed", "changed"};
	static const char *const titles[] = {"Added", "Removed", "Changed"};
	bool any = false;
	for (int s = 0; s < 3; s++) {
		const json_t *items = json_object_get(doc, sections[s]);
		size_t i;
		if (json_array_size(items) == 0)
			continue;
		fprintf(f, "%s%s%s (%zu)%s\n", any ? "\n" : "", pl_on(&o, PL_BOLD), titles[s], json_array_size(items),
			pl_on(&o, PL_RESET));
		any = true;
		json_array_foreach(items, i, x) {
			if (s == 0)
				diff_record(&o, '+', PL_GREEN, x);
			else if (s == 1)
				diff_record(&o, '-', PL_RED, x);
			else
				diff_changed(&o, x);
		}
	}
	if (any)
		fprintf(f, "\n%lld added, %lld removed, %lld changed\n", (long long)i_of(counts, "added"),
			(long long)i_of(counts, "removed"), (long long)i_of(counts, "changed"));
	else
		fprintf(f, "no differences\n");
	registry_line(&o, "old: ", json_object_get(doc, "old"));
	registry_line(&o, "new: ", json_object_get(doc, "new"));
	fflush(f);
	return ferror(f) ? -1 : 0;
}

static void contacts_text(const pl_text_out *o, const json_t *people)
{
	size_t i;
	const json_t *p;
	if (json_array_size(people) == 0)
		fputc('-', o->f);
	json_array_foreach(people, i, p) {
		const char *name = pl_json_member(p, "name"), *email = pl_json_member(p, "email");
		fprintf(o->f, "%s%s", i ? "; " : "", *name ? name : pl_json_member(p, "id"));
		if (*email)
			fprintf(o->f, " <%s>", email);
	}
}

int pl_render_ghosts_text(FILE *f, const json_t *doc, const pl_text_opts *opts)
{
	pl_text_out o = {f, opts && opts->colour, false};
	const json_t *ghosts = json_object_get(doc, "ghosts"), *g, *counts = json_object_get(doc, "counts");
	const char *transport = pl_json_member(json_object_get(doc, "query"), "transport");
	bool sure = !strcmp(pl_json_member(doc, "verdict"), "ghost");
	size_t i;
	if (json_array_size(ghosts)) {
		fprintf(f, "%s%-11s %-17s %-20s %s%s\n", pl_on(&o, PL_BOLD), "PORT", "TRANSPORTS", "SERVICE", "CONTACT",
			pl_on(&o, PL_RESET));
		json_array_foreach(ghosts, i, g) {
			char ports[32], transports[32] = "";
			size_t j;
			const json_t *t;
			pl_json_ports(ports, sizeof ports, g);
			json_array_foreach(json_object_get(g, "transports"), j, t) {
				if (strlen(transports) + 6 < sizeof transports) {
					if (j)
						strcat(transports, ",");
					strcat(transports, json_string_value(t));
				}
			}
			fprintf(f, "%-11s %-17s %s%-20s%s ", ports, *transports ? transports : "-", pl_on(&o, PL_BOLD),
				pl_json_member(g, "service"), pl_on(&o, PL_RESET));
			contacts_text(&o, json_object_get(g, "contacts"));
			fputc('\n', f);
		}
		fputc('\n', f);
	}
	const json_t *thin = json_object_get(doc, "thin_in_use");
	if (json_array_size(thin)) {
		fprintf(f, "%sThin registrations whose port is in use (not ghosts)%s\n", pl_on(&o, PL_BOLD), pl_on(&o, PL_RESET));
		json_array_foreach(thin, i, g) {
			char ports[32], why[512];
			pl_json_ports(ports, sizeof ports, g);
			pl_render_join(why, sizeof why, json_object_get(g, "evidence"), "; ");
			fprintf(f, "%-11s %s%-20s%s %s use: %s\n", ports, pl_on(&o, PL_BOLD), pl_json_member(g, "service"),
				pl_on(&o, PL_RESET), pl_json_member(g, "use"), why);
		}
		fputc('\n', f);
	}
	json_int_t n = i_of(counts, "ghosts"), m = i_of(counts, "services"), listed = i_of(counts, "listed");
	fprintf(f, "%lld %s%s among %lld assigned service%s", (long long)n, sure ? "" : "likely ", n == 1 ? "ghost" : "ghosts",
		(long long)m, m == 1 ? "" : "s");
	if (*transport)
		fprintf(f, " registered for %s", transport);
	fprintf(f, "\n(a service: a service name at a port or range, whatever its transports, or a name with no port");
	if (listed < n)
		fprintf(f, "; the first %lld are listed", (long long)listed);
	fprintf(f, ")\n");
	json_int_t nthin = i_of(counts, "thin_in_use");
	if (nthin)
		fprintf(f, "%lld more say no more than their name but their port is in use, so are no ghosts%s\n",
			(long long)nthin, json_is_array(thin) ? "" : " ('portlore ghosts --in-use' lists them)");
	if (!sure)
		fprintf(f, "%sThis registry carries no references, so a cited RFC or specification cannot be ruled\n"
			   "out: these are likely ghosts. 'portlore update' fetches IANA's full registry.%s\n",
			pl_on(&o, PL_YELLOW), pl_on(&o, PL_RESET));
	registry_line(&o, "registry: ", json_object_get(doc, "registry"));
	fflush(f);
	return ferror(f) ? -1 : 0;
}

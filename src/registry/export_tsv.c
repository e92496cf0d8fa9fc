/* A registry written as portlore's own table (docs/tsv.md): every field of every record, the people and
 * the footnotes, so that import_tsv.c reads back the same registry. tools/iana2tsv writes
 * data/registry.tsv with it; the embedded index is built from that table. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Writes s escaped: tab, newline, CR and backslash always, '|' too inside a reference item. */
static void put(FILE *f, const char *s, bool bar)
{
	for (; *s; s++) {
		switch (*s) {
		case '\t': fputs("\\t", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\\': fputs("\\\\", f); break;
		case '|':
			fputs(bar ? "\\|" : "|", f);
			break;
		default: fputc(*s, f);
		}
	}
}

static void people(FILE *f, const pl_record *r, pl_role role)
{
	for (size_t i = 0; i < pl_record_people_count(r, role); i++) {
		if (i)
			fputc(' ', f);
		put(f, pl_record_person_id(r, role, i), false);
	}
}

static void record_line(FILE *f, const pl_record *r)
{
	/* a line that starts with '#' is metadata to import_tsv.c: a name that starts with one is escaped */
	if (r->name[0] == '#')
		fputc('\\', f);
	put(f, r->name, false);
	fputc('\t', f);
	if (r->has_port) {
		if (r->port_lo == r->port_hi)
			fprintf(f, "%u", r->port_lo);
		else
			fprintf(f, "%u-%u", r->port_lo, r->port_hi);
	}
	fprintf(f, "\t%s\t", r->proto == PL_PROTO_NONE ? "" : pl_proto_name(r->proto));
	put(f, r->description, false);
	fputc('\t', f);
	people(f, r, PL_ROLE_ASSIGNEE);
	fputc('\t', f);
	people(f, r, PL_ROLE_CONTACT);
	fputc('\t', f);
	put(f, r->registered, false);
	fputc('\t', f);
	put(f, r->modified, false);
	fputc('\t', f);
	for (size_t i = 0; i < pl_record_ref_count(r); i++) {
		pl_xref x;
		if (pl_record_ref(r, i, &x))
			continue;
		if (i)
			fputc('|', f);
		fprintf(f, "%s:", pl_xref_type_name(x.type));
		put(f, x.data, true);
	}
	const char *rest[] = {r->service_code, r->unauthorized_use, r->notes, r->source};
	for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++) {
		fputc('\t', f);
		put(f, rest[i], false);
	}
	fputc('\n', f);
}

int pl_registry_write_tsv(const pl_registry *reg, FILE *f, const char *comment, pl_error *err)
{
	fprintf(f, "# portlore registry table%s%s\n#date\t", comment && *comment ? ", " : "", comment ? comment : "");
	put(f, pl_registry_date(reg), false);
	fputs("\n#source\t", f);
	put(f, pl_registry_source(reg), false);
	fputs("\n#columns\tname\tport\tprotocol\tdescription\tassignee\tcontact\tregistered\tmodified\treference"
	      "\tservice_code\tunauthorized_use\tnotes\tsource\n",
	      f);
	for (size_t i = 0; i < pl_registry_count(reg); i++) {
		pl_record r;
		if (pl_registry_record(reg, i, &r) == 0)
			record_line(f, &r);
	}
	for (size_t i = 0; i < pl_registry_people_count(reg); i++) {
		pl_person p;
		if (pl_registry_person_at(reg, i, &p))
			continue;
		const char *col[] = {p.id, p.name, p.org, p.uri, p.updated};
		fputs("#person", f);
		for (size_t k = 0; k < sizeof col / sizeof col[0]; k++) {
			fputc('\t', f);
			put(f, col[k], false);
		}
		fputc('\n', f);
	}
	for (size_t i = 0; i < pl_registry_footnote_count(reg); i++) {
		const char *anchor, *text;
		if (pl_registry_footnote_at(reg, i, &anchor, &text))
			continue;
		fputs("#footnote\t", f);
		put(f, anchor, false);
		fputc('\t', f);
		put(f, text, false);
		fputc('\n', f);
	}
	if (fflush(f) || ferror(f))
		return pl_error_set(err, PL_EIO, "write error");
	return 0;
}

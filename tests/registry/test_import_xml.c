/* The IANA XML importer: against IANA's own file, every field of a sample of records checked against
 * values read by an independent reader (xmllint --xpath); against a hand-written registry with every
 * shape (tests/fixtures/iana-small.xml); and against hostile documents, refused quickly and quietly. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "registry/internal.h"
#include "testutil.h"
#include "util/util.h"

#define IANA_2025 "iana/service-names-port-numbers-2025-12-15.xml"
#define ROOT "<registry xmlns=\"http://www.iana.org/assignments\" id=\"service-names-port-numbers\">"
#define REC(body) "<record>" body "</record>"

static int import(const char *buf, size_t len, pl_registry **reg, pl_error *err)
{
	pl_builder *b = pl_builder_new();
	assert_non_null(b);
	int rc = pl_import_xml(buf, len, b, err);
	if (rc) {
		pl_builder_free(b);
		return rc;
	}
	return pl_builder_open(b, reg, err);
}

static pl_registry *import_ok(const char *buf, size_t len)
{
	pl_registry *reg = NULL;
	pl_error err = {0};
	int rc = import(buf, len, &reg, &err);
	if (rc)
		fail_msg("import failed (%d): %s", rc, err.msg);
	return reg;
}

static char *slurp(const char *path, size_t *len)
{
	char *buf;
	pl_error err = {0};
	if (pl_read_file(path, 64u << 20, &buf, len, &err))
		fail_msg("%s", err.msg);
	return buf;
}

static pl_registry *fixture_registry(void)
{
	char path[4096];
	if (!tu_fixture(IANA_2025, path, sizeof path))
		return NULL;
	size_t len;
	char *buf = slurp(path, &len);
	pl_registry *reg = import_ok(buf, len);
	free(buf);
	return reg;
}

static void expect_refusal(const char *doc, size_t len, int code, const char *in_msg)
{
	pl_registry *reg = NULL;
	pl_error err = {0};
	int rc = import(doc, len, &reg, &err);
	if (rc == 0)
		pl_registry_close(reg);
	if (rc != code)
		fail_msg("expected code %d, got %d (%s) for a document of %zu bytes", code, rc, err.msg, len);
	if (!strstr(err.msg, in_msg))
		fail_msg("message '%s' lacks '%s'", err.msg, in_msg);
}

static void expect_refusal_str(const char *doc, int code, const char *in_msg)
{
	expect_refusal(doc, strlen(doc), code, in_msg);
}

/* Records of name at port (or with no port when port < 0), of transport proto. */
static size_t find(const pl_registry *reg, const char *name, long port, pl_proto proto, pl_record *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < pl_registry_count(reg); i++) {
		pl_record r;
		assert_int_equal(pl_registry_record(reg, i, &r), 0);
		if (strcmp(r.name, name) != 0 || r.proto != proto)
			continue;
		if (port < 0 ? r.has_port : (!r.has_port || r.port_lo != port))
			continue;
		if (n < max)
			out[n] = r;
		n++;
	}
	return n;
}

static void expect_people(const pl_record *r, pl_role role, const char *const *ids, size_t n)
{
	if (pl_record_people_count(r, role) != n)
		fail_msg("%s/%u: %zu %s, expected %zu", r->name, r->port_lo, pl_record_people_count(r, role),
			 role == PL_ROLE_ASSIGNEE ? "assignees" : "contacts", n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(pl_record_person_id(r, role, i), ids[i]);
}

static void expect_ref(const pl_record *r, size_t i, pl_xref_type type, const char *data)
{
	pl_xref x;
	assert_int_equal(pl_record_ref(r, i, &x), 0);
	assert_int_equal(x.type, type);
	assert_string_equal(x.data, data);
}

/* ---- IANA's file ---- */

static void test_import_xml_resolves_contact_email(void **state)
{
	(void)state;
	pl_registry *reg = fixture_registry();
	if (!reg)
		skip();
	static const char *const marc[] = {"Marc_Baudoin"};
	for (pl_proto p = PL_PROTO_TCP; p <= PL_PROTO_UDP; p++) {
		pl_record r;
		assert_int_equal(find(reg, "mao", 2908, p, &r, 1), 1);
		assert_string_equal(r.description, "mao");
		/* IANA's old registrant form (a bare person xref) is both assignee and contact, not a reference */
		expect_people(&r, PL_ROLE_CONTACT, marc, 1);
		expect_people(&r, PL_ROLE_ASSIGNEE, marc, 1);
		assert_int_equal(pl_record_ref_count(&r), 0);
		assert_true(pl_record_is_ghost(&r));
	}
	pl_person who;
	assert_int_equal(pl_registry_person(reg, "Marc_Baudoin", &who), 0);
	assert_string_equal(who.name, "Marc Baudoin");
	assert_string_equal(who.email, "babafou@babafou.eu.org");
	assert_string_equal(who.uri, "mailto:babafou&babafou.eu.org");
	pl_registry_close(reg);
}

static void test_import_xml_reads_the_registry_date(void **state)
{
	(void)state;
	pl_registry *reg = fixture_registry();
	if (!reg)
		skip();
	assert_string_equal(pl_registry_date(reg), "2025-12-15"); /* the root's own <updated> */
	assert_string_equal(pl_registry_source(reg), "IANA XML");
	assert_true(pl_registry_has_references(reg));
	pl_registry_close(reg);
}

/* Runs xmllint and returns its output without the final newline (malloc'd), or NULL when xmllint is
 * missing. The expression must not contain single quotes. */
static char *xmllint(const char *file, const char *expr)
{
	size_t cap = strlen(expr) + strlen(file) + 64;
	char *cmd = malloc(cap);
	assert_non_null(cmd);
	snprintf(cmd, cap, "xmllint --xpath '%s' '%s' 2>/dev/null", expr, file);
	FILE *f = popen(cmd, "r");
	free(cmd);
	if (!f)
		return NULL;
	pl_buf out;
	pl_buf_init(&out, 64u << 20);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		assert_int_equal(pl_buf_add(&out, chunk, n), 0);
	int status = pclose(f);
	if (status != 0 && out.len == 0) {
		pl_buf_free(&out);
		return NULL;
	}
	if (out.len && out.data[out.len - 1] == '\n')
		out.data[--out.len] = '\0';
	char *s = strdup(pl_buf_str(&out));
	pl_buf_free(&out);
	return s;
}

static void test_import_xml_counts_every_record(void **state)
{
	(void)state;
	char path[4096];
	if (!tu_fixture(IANA_2025, path, sizeof path))
		skip();
	char *count = xmllint(path, "count(//*[local-name()=\"record\"])");
	if (!count) {
		fprintf(stderr, "# SKIP xmllint is not installed\n");
		skip();
	}
	pl_registry *reg = fixture_registry();
	char mine[32];
	snprintf(mine, sizeof mine, "%zu", pl_registry_count(reg));
	assert_string_equal(mine, count);
	assert_true(pl_registry_count(reg) > 14000);
	char *people = xmllint(path, "count(//*[local-name()=\"person\"][@id])");
	snprintf(mine, sizeof mine, "%zu", pl_registry_people_count(reg));
	assert_string_equal(mine, people);
	free(count);
	free(people);
	pl_registry_close(reg);
}

/* ---- every field of a sample, against xmllint ---- */

#define E(n) "*[local-name()=\"" n "\"]"
#define SEP "|~|"
#define MAX_PEOPLE 6
#define MAX_REFS 10

enum {
	X_ELEMENT, X_NAME, X_NUMBER, X_PROTO, X_DESC, X_DATE, X_UPDATED, X_SC, X_UNAUTH, X_NOTE, X_NOTE_XREFS,
	X_NFIXED
};

/* One xmllint call per record: every field joined by SEP in one XPath concat(). */
static char *record_fields(const char *file, const char *rec)
{
	pl_buf e;
	pl_buf_init(&e, 1u << 20);
	pl_buf_printf(&e, "concat(local-name(%s),\"" SEP "\",normalize-space(%s/" E("name") "),\"" SEP "\"", rec, rec);
	pl_buf_printf(&e, ",normalize-space(%s/" E("number") "),\"" SEP "\"", rec);
	pl_buf_printf(&e, ",normalize-space(%s/" E("protocol") "),\"" SEP "\"", rec);
	pl_buf_printf(&e, ",normalize-space(%s/" E("description") "),\"" SEP "\"", rec);
	pl_buf_printf(&e, ",string(%s/@date),\"" SEP "\",string(%s/@updated),\"" SEP "\"", rec, rec);
	pl_buf_printf(&e, ",normalize-space(%s/" E("sc") "),\"" SEP "\"", rec);
	pl_buf_printf(&e, ",string(%s/" E("unauthorized") "),\"" SEP "\"", rec);
	pl_buf_printf(&e, ",string(%s/" E("note") "),\"" SEP "\"", rec);
	pl_buf_printf(&e, ",count(%s/" E("note") "//" E("xref") ")", rec);
	static const char *const lists[] = {
		E("assignee") "//" E("xref") "[@type=\"person\"]",
		E("contact") "//" E("xref") "[@type=\"person\"]",
		E("xref") "[@type=\"person\"]",
	};
	for (size_t l = 0; l < 3; l++) {
		pl_buf_printf(&e, ",\"" SEP "\",count(%s/%s)", rec, lists[l]);
		for (int i = 1; i <= MAX_PEOPLE; i++)
			pl_buf_printf(&e, ",\"" SEP "\",string((%s/%s)[%d]/@data)", rec, lists[l], i);
	}
	const char *refs = E("xref") "[not(@type=\"person\")]";
	pl_buf_printf(&e, ",\"" SEP "\",count(%s/%s)", rec, refs);
	for (int i = 1; i <= MAX_REFS; i++)
		pl_buf_printf(&e, ",\"" SEP "\",string((%s/%s)[%d]/@type),\"" SEP
				  "\",concat(string((%s/%s)[%d]/@data),normalize-space((%s/%s)[%d][not(@data)]))",
			      rec, refs, i, rec, refs, i, rec, refs, i);
	assert_int_equal(pl_buf_addc(&e, ')'), 0);
	char *out = xmllint(file, pl_buf_str(&e));
	pl_buf_free(&e);
	return out;
}

static size_t split(char *s, char **parts, size_t max)
{
	size_t n = 0;
	for (;;) {
		assert_true(n < max);
		parts[n++] = s;
		char *sep = strstr(s, SEP);
		if (!sep)
			return n;
		*sep = '\0';
		s = sep + strlen(SEP);
	}
}

static char *strip(char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

static size_t count_of(const char *s)
{
	uint32_t v;
	assert_int_equal(pl_parse_uint(s, strlen(s), 100000, &v), 0);
	return v;
}

/* Finds the imported record with these key fields and compares every other one. */
static void compare_record(const pl_registry *reg, const char *rec, char *line)
{
	char *f[X_NFIXED + 3 * (1 + MAX_PEOPLE) + 1 + 2 * MAX_REFS];
	size_t nf = split(line, f, sizeof f / sizeof *f);
	assert_int_equal(nf, sizeof f / sizeof *f);
	assert_string_equal(f[X_ELEMENT], "record");
	char **lists = f + X_NFIXED, **refs = lists + 3 * (1 + MAX_PEOPLE);
	size_t nlist[3];
	for (int l = 0; l < 3; l++) {
		nlist[l] = count_of(lists[l * (1 + MAX_PEOPLE)]);
		if (nlist[l] > MAX_PEOPLE)
			fail_msg("%s has %zu people in one role: raise MAX_PEOPLE", rec, nlist[l]);
	}
	size_t nrefs = count_of(refs[0]);
	if (nrefs > MAX_REFS)
		fail_msg("%s has %zu references: raise MAX_REFS", rec, nrefs);

	pl_proto proto = PL_PROTO_NONE;
	if (*f[X_PROTO])
		assert_int_equal(pl_proto_parse(f[X_PROTO], strlen(f[X_PROTO]), &proto), 0);
	const pl_record *match = NULL;
	pl_record r;
	for (size_t i = 0; i < pl_registry_count(reg) && !match; i++) {
		assert_int_equal(pl_registry_record(reg, i, &r), 0);
		char num[16] = "";
		if (r.has_port && r.port_lo == r.port_hi)
			snprintf(num, sizeof num, "%u", r.port_lo);
		else if (r.has_port)
			snprintf(num, sizeof num, "%u-%u", r.port_lo, r.port_hi);
		if (strcmp(r.name, f[X_NAME]) == 0 && strcmp(num, f[X_NUMBER]) == 0 && r.proto == proto &&
		    strcmp(r.description, f[X_DESC]) == 0)
			match = &r;
	}
	if (!match)
		fail_msg("no imported record '%s' %s/%s \"%s\" (%s)", f[X_NAME], f[X_NUMBER], f[X_PROTO], f[X_DESC],
			 rec);
	assert_string_equal(r.registered, f[X_DATE]);
	assert_string_equal(r.modified, f[X_UPDATED]);
	assert_string_equal(r.service_code, f[X_SC]);
	assert_string_equal(r.unauthorized_use, strip(f[X_UNAUTH]));
	/* an inline <xref> in a note is written "[data]", which string() leaves out: see the small registry */
	if (count_of(f[X_NOTE_XREFS]) == 0)
		assert_string_equal(r.notes, strip(f[X_NOTE]));

	/* a record's direct person xref is its assignee when it has no <assignee>, and always a contact */
	const char *assignees[MAX_PEOPLE], *contacts[2 * MAX_PEOPLE];
	size_t na = 0, nc = 0;
	int from = nlist[0] ? 0 : 2;
	for (size_t i = 0; i < nlist[from]; i++)
		assignees[na++] = lists[from * (1 + MAX_PEOPLE) + 1 + i];
	for (int l = 1; l <= 2; l++)
		for (size_t i = 0; i < nlist[l]; i++)
			contacts[nc++] = lists[l * (1 + MAX_PEOPLE) + 1 + i];
	expect_people(&r, PL_ROLE_ASSIGNEE, assignees, na);
	expect_people(&r, PL_ROLE_CONTACT, contacts, nc);
	assert_int_equal(pl_record_ref_count(&r), nrefs);
	for (size_t i = 0; i < nrefs; i++) {
		pl_xref x;
		assert_int_equal(pl_record_ref(&r, i, &x), 0);
		assert_string_equal(pl_xref_type_name(x.type), refs[1 + 2 * i]);
		assert_string_equal(x.data, refs[2 + 2 * i]);
	}
}

#define RECORDS "(/" E("registry") "/" E("record")

static void test_import_xml_matches_xmllint_on_sampled_records(void **state)
{
	(void)state;
	char path[4096];
	if (!tu_fixture(IANA_2025, path, sizeof path))
		skip();
	char *total = xmllint(path, "count(/" E("registry") "/" E("record") ")");
	if (!total) {
		fprintf(stderr, "# SKIP xmllint is not installed\n");
		skip();
	}
	size_t n = count_of(total);
	free(total);
	pl_registry *reg = fixture_registry();
	/* records chosen for their shape: a service code, unauthorized use, notes in paragraphs, references
	 * of every type, both dates, several people, a <br/> in the description, name-only, ranges */
	static const char *const picked[] = {
		RECORDS "[" E("sc") "])[1]",
		RECORDS "[" E("sc") "])[last()]",
		RECORDS "[" E("unauthorized") "])[1]",
		RECORDS "[" E("unauthorized") "])[last()]",
		RECORDS "[" E("note") "/" E("paragraph") "])[1]",
		RECORDS "[" E("note") "])[200]",
		RECORDS "[" E("note") "])[900]",
		RECORDS "[" E("xref") "[@type=\"text\"]])[1]",
		RECORDS "[" E("xref") "[@type=\"text\"] and " E("xref") "[@type=\"uri\"]])[1]",
		RECORDS "[" E("xref") "[@type=\"draft\"]])[1]",
		RECORDS "[" E("xref") "[@type=\"note\"]])[1]",
		RECORDS "[" E("xref") "[@type=\"uri\"]])[last()]",
		RECORDS "[count(" E("xref") "[@type=\"rfc\"]) > 2])[1]",
		RECORDS "[@date and @updated])[1]",
		RECORDS "[@date and not(@updated)])[100]",
		RECORDS "[count(" E("xref") "[@type=\"person\"]) > 1 and not(" E("assignee") ")])[1]",
		RECORDS "[" E("assignee") " and count(" E("xref") "[@type=\"person\"]) > 1])[1]",
		RECORDS "[" E("assignee") " and not(" E("xref") "[@type=\"person\"])])[1]",
		RECORDS "[" E("description") "/" E("br") "])[1]",
		RECORDS "[not(" E("number") ")])[1]",
		RECORDS "[not(" E("protocol") ")])[1]",
		RECORDS "[contains(" E("number") ",\"-\")])[last()]",
		RECORDS "[" E("name") "=\"mao\"])[2]",
		RECORDS ")[last()]",
	};
	/* their positions among the root's children, in one call: lookups by that position are fast */
	char *sel[sizeof picked / sizeof *picked + 40];
	size_t nsel = 0;
	for (size_t i = 0; i < sizeof picked / sizeof *picked; i++)
		sel[nsel++] = strdup(picked[i]);
	for (size_t k = 1; k <= n && nsel < sizeof sel / sizeof *sel; k += n / 30) {
		char one[128];
		snprintf(one, sizeof one, RECORDS ")[%zu]", k);
		sel[nsel++] = strdup(one);
	}
	pl_buf e;
	pl_buf_init(&e, 1u << 20);
	pl_buf_printf(&e, "concat(\"\"");
	for (size_t i = 0; i < nsel; i++)
		pl_buf_printf(&e, ",count(%s/preceding-sibling::*)+1,\"" SEP "\"", sel[i]);
	pl_buf_addc(&e, ')');
	char *positions = xmllint(path, pl_buf_str(&e));
	pl_buf_free(&e);
	assert_non_null(positions);
	char *pos[sizeof sel / sizeof *sel + 1];
	assert_int_equal(split(positions, pos, nsel + 1), nsel + 1);
	for (size_t i = 0; i < nsel; i++) {
		char rec[64];
		snprintf(rec, sizeof rec, "/*/*[%s]", pos[i]);
		char *line = record_fields(path, rec);
		assert_non_null(line);
		compare_record(reg, sel[i], line);
		free(line);
		free(sel[i]);
	}
	free(positions);
	assert_true(nsel >= 54);
	pl_registry_close(reg);
}

/* People: name, organisation, update date and the first URI, against xmllint. */
static void test_import_xml_matches_xmllint_on_sampled_people(void **state)
{
	(void)state;
	char path[4096];
	if (!tu_fixture(IANA_2025, path, sizeof path))
		skip();
	char *total = xmllint(path, "count(/*/" E("people") "/*)");
	if (!total) {
		fprintf(stderr, "# SKIP xmllint is not installed\n");
		skip();
	}
	size_t n = count_of(total);
	free(total);
	pl_registry *reg = fixture_registry();
	char expr[1024];
	for (size_t k = 1; k <= n; k += n / 25) {
#define P "/*/" E("people") "/*[%zu]"
		snprintf(expr, sizeof expr,
			 "concat(string(" P "/@id),\"" SEP "\",normalize-space(" P "/" E("name") "),\"" SEP
			 "\",normalize-space(" P "/" E("org") "),\"" SEP "\",normalize-space(" P "/" E("updated")
			 "),\"" SEP "\",normalize-space(" P "/" E("uri") "[1]))",
			 k, k, k, k, k);
#undef P
		char *line = xmllint(path, expr);
		assert_non_null(line);
		char *f[5];
		assert_int_equal(split(line, f, 5), 5);
		pl_person p;
		if (pl_registry_person(reg, f[0], &p))
			fail_msg("person %s is missing", f[0]);
		assert_string_equal(p.name, f[1]);
		assert_string_equal(p.org, f[2]);
		assert_string_equal(p.updated, f[3]);
		assert_int_equal(strncmp(p.uri, f[4], strlen(f[4])), 0);
		/* "mailto:user&host" is "user@host" */
		char *amp = strchr(f[4], '&');
		if (strncmp(f[4], "mailto:", 7) == 0 && amp && !strpbrk(f[4], "%?@")) {
			*amp = '@';
			assert_string_equal(p.email, f[4] + 7);
		}
		free(line);
	}
	pl_registry_close(reg);
}

/* IANA's de-assignment notes name people inline; they are written "[id]", as IANA's CSV does. */
static void test_import_xml_writes_inline_xrefs_of_a_note(void **state)
{
	(void)state;
	pl_registry *reg = fixture_registry();
	if (!reg)
		skip();
	pl_record r;
	assert_int_equal(find(reg, "", 3, PL_PROTO_TCP, &r, 1), 1);
	assert_int_equal(r.status, PL_STATUS_RESERVED);
	assert_string_equal(r.notes, "De-assigned on 2025-02-13, previously compressnet by [Bernie_Volz]");
	assert_string_equal(r.modified, "2025-02-13");
	assert_int_equal(find(reg, "recipe-sharing", -1, PL_PROTO_TCP, &r, 1), 1);
	assert_string_equal(r.notes, "Defined TXT keys: [http://www.recipemanager.org/rsp/rsp10draft.html#dnssd]");
	pl_registry_close(reg);
}

/* ---- the hand-written registry ---- */

static pl_registry *small_registry(void)
{
	char path[4096];
	size_t len;
	char *buf = slurp(tu_testdata("iana-small.xml", path, sizeof path), &len);
	pl_registry *reg = import_ok(buf, len);
	free(buf);
	return reg;
}

static void test_import_xml_maps_every_field_of_a_small_registry(void **state)
{
	(void)state;
	pl_registry *reg = small_registry();
	assert_int_equal(pl_registry_count(reg), 7); /* the registry's own note and footnote are not records */
	assert_string_equal(pl_registry_date(reg), "2030-01-02");
	assert_string_equal(pl_registry_source(reg), "IANA XML");
	pl_record r;

	assert_int_equal(find(reg, "widget", 8, PL_PROTO_UDP, &r, 1), 1);
	assert_string_equal(r.description, "Widget Control Protocol Second line.");
	assert_string_equal(r.registered, "2010-03-04");
	assert_string_equal(r.modified, "2020-11-12");
	assert_string_equal(r.service_code, "1234567890");
	assert_string_equal(r.unauthorized_use, "Known Unauthorized Use on 8");
	/* paragraphs keep their lines; an element with no field is kept, labelled, after the notes */
	assert_string_equal(r.notes, "Defined TXT keys:\n      a: first key,\n      continued.\nb: second key\n"
				     "mystery: kept & labelled\nflag");
	static const char *const widget[] = {"Widget_Corp"}, *const bob_cy[] = {"Bob_Example", "Cy_Example"};
	expect_people(&r, PL_ROLE_ASSIGNEE, widget, 1);
	expect_people(&r, PL_ROLE_CONTACT, bob_cy, 2);
	assert_int_equal(pl_record_ref_count(&r), 6);
	expect_ref(&r, 0, PL_XREF_NOTE, "1");
	expect_ref(&r, 1, PL_XREF_RFC, "rfc9999");
	expect_ref(&r, 2, PL_XREF_DRAFT, "draft-example-widget-02");
	expect_ref(&r, 3, PL_XREF_URI, "https://widget.example/spec");
	expect_ref(&r, 4, PL_XREF_TEXT, "ISO/IEC 0000-1 Widgets");
	expect_ref(&r, 5, PL_XREF_TEXT, "rfc-errata:1234"); /* a type this build does not know */
	assert_false(pl_record_is_ghost(&r));

	static const char *const ann[] = {"Ann_Example"}, *const ann_bob[] = {"Ann_Example", "Bob_Example"};
	assert_int_equal(find(reg, "ghosty", 7, PL_PROTO_TCP, &r, 1), 1);
	expect_people(&r, PL_ROLE_ASSIGNEE, ann, 1);
	expect_people(&r, PL_ROLE_CONTACT, ann, 1);
	assert_int_equal(pl_record_ref_count(&r), 0);
	assert_true(pl_record_is_ghost(&r));

	assert_int_equal(find(reg, "nameonly", -1, PL_PROTO_TCP, &r, 1), 1);
	assert_false(r.has_port);
	assert_string_equal(r.registered, "2001-01");
	assert_string_equal(r.notes, "Defined TXT keys: None");
	expect_people(&r, PL_ROLE_ASSIGNEE, ann_bob, 2);
	expect_people(&r, PL_ROLE_CONTACT, ann_bob, 2);

	static const char *const cy[] = {"Cy_Example"};
	assert_int_equal(find(reg, "dccp-thing", 65535, PL_PROTO_DCCP, &r, 1), 1);
	expect_people(&r, PL_ROLE_ASSIGNEE, widget, 1);
	expect_people(&r, PL_ROLE_CONTACT, cy, 1);

	assert_int_equal(find(reg, "", 9, PL_PROTO_SCTP, &r, 1), 1);
	assert_int_equal(r.status, PL_STATUS_RESERVED);
	/* a <br/> glued to the next word still breaks the line */
	assert_string_equal(r.notes, "De-assigned, previously foo by [Ann_Example]; "
				     "see [https://x.example/a?b=1&c=2].\nKeys:  a=1\nb=2");

	assert_int_equal(find(reg, "", 0, PL_PROTO_TCP, &r, 1), 1);
	assert_string_equal(r.modified, "2029-05-06");
	expect_ref(&r, 0, PL_XREF_RFC, "rfc6335");

	uint32_t idx[4];
	assert_int_equal(pl_registry_lookup_port(reg, 4, PL_PROTO_NONE, idx, 4), 1);
	assert_int_equal(pl_registry_record(reg, idx[0], &r), 0);
	assert_int_equal(r.proto, PL_PROTO_NONE);
	assert_int_equal(r.port_lo, 1);
	assert_int_equal(r.port_hi, 6);
	assert_int_equal(r.status, PL_STATUS_UNASSIGNED);
	pl_registry_close(reg);
}

static void test_import_xml_reads_people_and_their_email(void **state)
{
	(void)state;
	pl_registry *reg = small_registry();
	assert_int_equal(pl_registry_people_count(reg), 5);
	pl_person p;
	assert_int_equal(pl_registry_person(reg, "Ann_Example", &p), 0);
	assert_string_equal(p.name, "Ann Example");
	assert_string_equal(p.email, "ann@example.org");
	assert_string_equal(p.uri, "mailto:ann&example.org");
	assert_string_equal(p.updated, "2011-12-13");
	assert_int_equal(pl_registry_person(reg, "Bob_Example", &p), 0);
	assert_string_equal(p.name, "Bob Example");
	assert_string_equal(p.org, "Bob's Shop");
	assert_string_equal(p.email, "bob@shop.example"); /* the first mailto: */
	assert_string_equal(p.uri, "mailto:bob&shop.example mailto:sales&shop.example");
	assert_int_equal(pl_registry_person(reg, "Cy_Example", &p), 0);
	assert_string_equal(p.email, "");
	assert_string_equal(p.uri, "tel:+1-555-0100");
	assert_int_equal(pl_registry_person(reg, "Widget_Corp", &p), 0);
	assert_string_equal(p.name, "");
	assert_string_equal(p.org, "Widget Corp");
	assert_string_equal(p.email, "ports+widget@widget.example");
	assert_int_equal(pl_registry_person(reg, "Dee_Example", &p), 0);
	assert_string_equal(p.email, "dee@already.example");
	/* several e-mail addresses: all kept */
	assert_int_equal(pl_registry_person(reg, "Bob_Example", &p), 0);
	assert_string_equal(p.emails, "bob@shop.example sales@shop.example");
	pl_registry_close(reg);
}

/* <footnote anchor="1"> is imported and found by the anchor records cite; a person named inside a note is
 * resolved like a contact. */
static void test_import_xml_reads_footnotes_and_people_named_in_notes(void **state)
{
	(void)state;
	static const char doc[] = ROOT "<updated>2025-01-02</updated>"
		REC("<name>exp1</name><protocol>tcp</protocol><xref type=\"note\" data=\"1\"/>"
		    "<description>RFC3692-style Experiment 1</description><number>1021</number>")
		REC("<protocol>udp</protocol><description>Reserved</description><number>3</number>"
		    "<note>previously compressnet by <xref type=\"person\" data=\"Bernie_Volz\"/> [sic] [1]</note>")
		"<footnote anchor=\"1\">It is only appropriate to use these values in explicitly-\n"
		"configured experiments.</footnote>"
		"<people><person id=\"Bernie_Volz\"><name>Bernie Volz</name><uri>mailto:volz&amp;cisco.com</uri>"
		"<uri>mailto:bernie&amp;example.org</uri></person></people></registry>";
	pl_registry *reg = import_ok(doc, sizeof doc - 1);
	assert_int_equal(pl_registry_footnote_count(reg), 1);
	assert_string_equal(pl_registry_footnote(reg, "1"),
			    "It is only appropriate to use these values in explicitly-\nconfigured experiments.");
	assert_null(pl_registry_footnote(reg, "2"));
	pl_record r;
	uint32_t idx[4];
	assert_int_equal(pl_registry_lookup_port(reg, 1021, PL_PROTO_TCP, idx, 4), 1);
	pl_registry_record(reg, idx[0], &r);
	pl_xref x;
	assert_int_equal(pl_record_ref(&r, 0, &x), 0);
	assert_int_equal(x.type, PL_XREF_NOTE);
	assert_string_equal(x.data, "1");
	assert_int_equal(pl_registry_lookup_port(reg, 3, PL_PROTO_UDP, idx, 4), 1);
	pl_registry_record(reg, idx[0], &r);
	assert_int_equal(r.status, PL_STATUS_RESERVED);
	assert_non_null(strstr(r.notes, "[Bernie_Volz]"));
	assert_int_equal(pl_record_people_count(&r, PL_ROLE_MENTIONED), 1); /* not "[sic]" nor "[1]" */
	assert_string_equal(pl_record_person_id(&r, PL_ROLE_MENTIONED, 0), "Bernie_Volz");
	pl_person p;
	assert_int_equal(pl_registry_person(reg, "Bernie_Volz", &p), 0);
	assert_string_equal(p.emails, "volz@cisco.com bernie@example.org");
	pl_registry_close(reg);
}

static void test_import_xml_is_sniffed_by_open_file(void **state)
{
	(void)state;
	char path[4096];
	pl_registry *reg = NULL;
	pl_error err = {0};
	if (pl_registry_open_file(tu_testdata("iana-small.xml", path, sizeof path), &reg, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(pl_registry_count(reg), 7);
	assert_string_equal(pl_registry_date(reg), "2030-01-02");
	pl_registry_close(reg);
}

/* ---- refusals ---- */

static void test_import_xml_refuses_truncated_documents(void **state)
{
	(void)state;
	expect_refusal_str("<?xml version=\"1.0\"?>\n" ROOT "\n<record><name>x</name>\n<descr", PL_EFORMAT,
			   "malformed or truncated XML, line 4");
	expect_refusal_str("<?xml version=\"1.0\"?>\n" ROOT "\n" REC("<number>1</number>") "\n", PL_EFORMAT,
			   "malformed or truncated XML, line ");
	char path[4096];
	if (!tu_fixture(IANA_2025, path, sizeof path))
		skip();
	size_t len;
	char *buf = slurp(path, &len);
	assert_true(len > 100000);
	expect_refusal(buf, 100000, PL_EFORMAT, "malformed or truncated XML, line ");
	free(buf);
}

static void test_import_xml_refuses_what_is_not_a_port_registry(void **state)
{
	(void)state;
	expect_refusal("", 0, PL_EFORMAT, "empty");
	expect_refusal_str("<?xml version=\"1.0\"?>\n<html><body>hi</body></html>\n", PL_EFORMAT,
			   "not an IANA port registry: the root is <html>");
	expect_refusal_str("<registry xmlns=\"http://www.iana.org/assignments\" id=\"protocol-numbers\">"
			   REC("<number>1</number>") "</registry>",
			   PL_EFORMAT, "not an IANA port registry");
	expect_refusal_str("<registry id=\"service-names-port-numbers\">" REC("<number>1</number>") "</registry>",
			   PL_EFORMAT, "not an IANA port registry");
	expect_refusal_str(ROOT "<updated>2020-01-01</updated><people/></registry>", PL_EFORMAT, "no <record>");
	expect_refusal_str(ROOT "</registry>", PL_EFORMAT, "no <record>");
	expect_refusal_str("not xml at all\n", PL_EFORMAT, "malformed or truncated XML");
	expect_refusal("\0\0\0\0garbage", 11, PL_EFORMAT, "malformed or truncated XML");
}

static void test_import_xml_refuses_bad_fields_naming_the_line(void **state)
{
	(void)state;
	expect_refusal_str(ROOT "\n\n" REC("<protocol>tcp</protocol><number>70000</number>") "</registry>", PL_EFORMAT,
			   "line 3: bad port number '70000'");
	expect_refusal_str(ROOT "\n" REC("\n<number>9-3</number>") "</registry>", PL_EFORMAT,
			   "line 3: bad port number '9-3'");
	expect_refusal_str(ROOT REC("<number>1x</number>") "</registry>", PL_EFORMAT, "bad port number '1x'");
	expect_refusal_str(ROOT REC("<number>-</number>") "</registry>", PL_EFORMAT, "bad port number");
	expect_refusal_str(ROOT "\n" REC("<protocol>quic</protocol><number>1</number>") "</registry>", PL_EFORMAT,
			   "line 2: unknown transport 'quic'");
	expect_refusal_str(ROOT REC("<number>1</number>") "<people><person><name>x</name></person></people>"
			   "</registry>",
			   PL_EFORMAT, "a <person> without an id");
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Whatever the outcome, nothing may hold the entity's expansion. */
static void expect_no_text(const char *doc, const char *needle, const char *in_msg)
{
	pl_registry *reg = NULL;
	pl_error err = {0};
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = import(doc, strlen(doc), &reg, &err);
	double took = seconds_since(&t0);
	if (took > 1.0)
		fail_msg("took %.2f s", took);
	if (rc == 0) {
		for (size_t i = 0; i < pl_registry_count(reg); i++) {
			pl_record r;
			pl_registry_record(reg, i, &r);
			if (strstr(r.description, needle) || strstr(r.notes, needle) || strstr(r.name, needle))
				fail_msg("record %zu holds '%s'", i, needle);
		}
		pl_registry_close(reg);
		fail_msg("a document declaring entities was accepted");
	}
	assert_int_equal(rc, PL_EFORMAT);
	if (!strstr(err.msg, in_msg))
		fail_msg("message '%s' lacks '%s'", err.msg, in_msg);
}

#define LOLS(a) "\"&" a ";&" a ";&" a ";&" a ";&" a ";&" a ";&" a ";&" a ";&" a ";&" a ";\">\n"

static void test_import_xml_refuses_an_entity_bomb_quickly(void **state)
{
	(void)state;
	static const char bomb[] =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE registry [\n <!ENTITY lol \"lol\">\n"
		" <!ENTITY lol1 " LOLS("lol") " <!ENTITY lol2 " LOLS("lol1") " <!ENTITY lol3 " LOLS("lol2")
		" <!ENTITY lol4 " LOLS("lol3") " <!ENTITY lol5 " LOLS("lol4") " <!ENTITY lol6 " LOLS("lol5")
		" <!ENTITY lol7 " LOLS("lol6") " <!ENTITY lol8 " LOLS("lol7") " <!ENTITY lol9 " LOLS("lol8")
		"]>\n" ROOT "\n" REC("<name>x</name><description>&lol9;</description><number>1</number>")
		"</registry>\n";
	expect_no_text(bomb, "lollollol", "DOCTYPE declares entities");
	/* the quadratic variant: one big entity, referenced many times */
	size_t big = 30000, refs = 30000;
	pl_buf doc;
	pl_buf_init(&doc, 1u << 20);
	pl_buf_printf(&doc, "<!DOCTYPE registry [<!ENTITY a \"");
	for (size_t i = 0; i < big; i++)
		pl_buf_addc(&doc, 'A');
	pl_buf_printf(&doc, "\">]>" ROOT "<record><description>");
	for (size_t i = 0; i < refs; i++)
		pl_buf_add(&doc, "&a;", 3);
	pl_buf_printf(&doc, "</description></record></registry>");
	expect_no_text(pl_buf_str(&doc), "AAAAAAAA", "DOCTYPE declares entities");
	pl_buf_free(&doc);
}

static void test_import_xml_never_reads_external_entities(void **state)
{
	(void)state;
	expect_no_text("<?xml version=\"1.0\"?>\n<!DOCTYPE registry [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n"
		       ROOT REC("<name>x</name><description>&xxe;</description><number>1</number>") "</registry>",
		       "root:", "DOCTYPE declares entities");
	expect_no_text("<!DOCTYPE registry [ <!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p; ]>\n"
		       ROOT REC("<number>1</number>") "</registry>",
		       "root:", "DOCTYPE declares entities");
	/* an external DTD is never loaded: /etc/passwd as a DTD would not parse, a URL would hang */
	static const char *const dtds[] = {"file:///etc/passwd", "http://192.0.2.1/x.dtd"};
	for (size_t i = 0; i < 2; i++) {
		char doc[512];
		snprintf(doc, sizeof doc, "<!DOCTYPE registry SYSTEM \"%s\">\n" ROOT
			 REC("<name>x</name><description>d</description><number>1</number>") "</registry>",
			 dtds[i]);
		struct timespec t0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		pl_registry *reg = import_ok(doc, strlen(doc));
		assert_true(seconds_since(&t0) < 1.0);
		assert_int_equal(pl_registry_count(reg), 1);
		pl_registry_close(reg);
	}
}

static void test_import_xml_refuses_oversized_fields(void **state)
{
	(void)state;
	pl_buf doc;
	/* exactly the limit passes, one byte more does not */
	for (size_t n = PL_MAX_FIELD; n <= PL_MAX_FIELD + 1; n++) {
		pl_buf_init(&doc, 1u << 20);
		pl_buf_printf(&doc, ROOT "\n" "<record><name>x</name><number>1</number><description>");
		for (size_t i = 0; i < n; i++)
			pl_buf_addc(&doc, 'x');
		pl_buf_printf(&doc, "</description></record></registry>");
		if (n == PL_MAX_FIELD) {
			pl_registry *reg = import_ok(doc.data, doc.len);
			pl_record r;
			assert_int_equal(pl_registry_record(reg, 0, &r), 0);
			assert_int_equal(strlen(r.description), PL_MAX_FIELD);
			pl_registry_close(reg);
		} else {
			expect_refusal(doc.data, doc.len, PL_ELIMIT, "line 2: a field is longer than 65536 bytes");
		}
		pl_buf_free(&doc);
	}
	/* a note made of many small text nodes (split by comments) */
	pl_buf_init(&doc, 1u << 20);
	pl_buf_printf(&doc, ROOT "<record><number>1</number><note>");
	for (int i = 0; i < 70; i++) {
		for (int j = 0; j < 1000; j++)
			pl_buf_addc(&doc, 'n');
		pl_buf_printf(&doc, "<!-- -->");
	}
	pl_buf_printf(&doc, "</note></record></registry>");
	expect_refusal(doc.data, doc.len, PL_ELIMIT, "longer than 65536 bytes");
	pl_buf_free(&doc);
	/* an attribute, a reference, a person's name */
	static const char *const shapes[] = {
		ROOT "<record date=\"%s\"><number>1</number></record></registry>",
		ROOT "<record><number>1</number><xref type=\"uri\" data=\"%s\"/></record></registry>",
		ROOT "<record><number>1</number></record><people><person id=\"p\"><name>%s</name></person>"
		     "</people></registry>",
	};
	char *big = malloc(PL_MAX_FIELD + 2);
	assert_non_null(big);
	memset(big, 'y', PL_MAX_FIELD + 1);
	big[PL_MAX_FIELD + 1] = '\0';
	for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
		pl_buf_init(&doc, 1u << 20);
		pl_buf_printf(&doc, shapes[i], big);
		expect_refusal(doc.data, doc.len, PL_ELIMIT, "longer than 65536 bytes");
		pl_buf_free(&doc);
	}
	free(big);
}

/* The library never prints: libxml2's own complaints are captured into err, not written to stderr. */
static void test_import_xml_prints_nothing(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	char path[4200];
	snprintf(path, sizeof path, "%s/stderr", dir);
	fflush(stderr);
	int saved = dup(2), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	static const char *const docs[] = {
		"<?xml version=\"1.0\" encoding=\"no-such-encoding\"?>" ROOT "</registry>",
		ROOT "<record><number>1</number><description>&undefined;</description></record></registry>",
		ROOT "<record xmlns:q=\"relative/uri\"><q:x/><number>1</number></record><oops></registry>",
		"<!DOCTYPE registry [<!ENTITY a \"b\">]>" ROOT "<record>&a;</record></registry>",
		ROOT "<record><number>1</number></record></registry><trailing/>",
		"\xff\xfe<\0r\0",
	};
	for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
		pl_builder *b = pl_builder_new();
		pl_error err = {0};
		pl_import_xml(docs[i], strlen(docs[i]) + (i == 5 ? 3 : 0), b, &err);
		pl_builder_free(b);
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	size_t len;
	char *out = slurp(path, &len);
	if (len)
		fail_msg("libxml2 printed: %s", out);
	free(out);
	tu_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import_xml_resolves_contact_email),
		cmocka_unit_test(test_import_xml_reads_the_registry_date),
		cmocka_unit_test(test_import_xml_counts_every_record),
		cmocka_unit_test(test_import_xml_matches_xmllint_on_sampled_records),
		cmocka_unit_test(test_import_xml_matches_xmllint_on_sampled_people),
		cmocka_unit_test(test_import_xml_writes_inline_xrefs_of_a_note),
		cmocka_unit_test(test_import_xml_maps_every_field_of_a_small_registry),
		cmocka_unit_test(test_import_xml_reads_people_and_their_email),
		cmocka_unit_test(test_import_xml_reads_footnotes_and_people_named_in_notes),
		cmocka_unit_test(test_import_xml_is_sniffed_by_open_file),
		cmocka_unit_test(test_import_xml_refuses_truncated_documents),
		cmocka_unit_test(test_import_xml_refuses_what_is_not_a_port_registry),
		cmocka_unit_test(test_import_xml_refuses_bad_fields_naming_the_line),
		cmocka_unit_test(test_import_xml_refuses_an_entity_bomb_quickly),
		cmocka_unit_test(test_import_xml_never_reads_external_entities),
		cmocka_unit_test(test_import_xml_refuses_oversized_fields),
		cmocka_unit_test(test_import_xml_prints_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

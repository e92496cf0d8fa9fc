/* IANA's CSV export: RFC 4180 quoting, columns found by header name, refusals that name the line, and
 * bounded work on hostile input. With ../shared present, the 2024 export is checked row by row against
 * python3's csv module, an independent reading of the same bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "registry/internal.h"
#include "testutil.h"

#define FIXTURE "iana/service-names-port-numbers-2024-05-22.csv"
#define COLS "Service Name,Port Number,Transport Protocol,Description,Assignee,Contact,Registration Date," \
	     "Modification Date,Reference,Service Code,Unauthorized Use Reported,Assignment Notes"
#define HEADER COLS "\r\n"
#define EMPTY8 ",,,,,,,,"

static int import(const char *buf, size_t len, pl_registry **reg, pl_error *err)
{
	pl_builder *b = pl_builder_new();
	assert_non_null(b);
	int rc = pl_import_csv(buf, len, b, err);
	if (rc) {
		pl_builder_free(b);
		return rc;
	}
	return pl_builder_open(b, reg, err);
}

static pl_registry *must_import(const char *text)
{
	pl_registry *reg = NULL;
	pl_error err = {0};
	if (import(text, strlen(text), &reg, &err))
		fail_msg("import: %s", err.msg);
	return reg;
}

static void expect_refusal_n(const char *buf, size_t len, int code, const char *in_msg)
{
	pl_registry *reg = NULL;
	pl_error err = {0};
	int rc = import(buf, len, &reg, &err);
	if (rc == 0)
		pl_registry_close(reg);
	assert_int_equal(rc, code);
	if (!strstr(err.msg, in_msg))
		fail_msg("message '%s' lacks '%s'", err.msg, in_msg);
}

static void expect_refusal(const char *text, int code, const char *in_msg)
{
	expect_refusal_n(text, strlen(text), code, in_msg);
}

/* The record called name on port (-1: a name-only record) with transport proto. */
static void get(const pl_registry *reg, const char *name, int port, pl_proto proto, pl_record *out)
{
	uint32_t idx[64];
	size_t n = port >= 0 ? pl_registry_lookup_port(reg, (uint16_t)port, PL_PROTO_NONE, idx, 64)
			     : pl_registry_lookup_name(reg, name, idx, 64);
	for (size_t i = 0; i < n && i < 64; i++) {
		assert_int_equal(pl_registry_record(reg, idx[i], out), 0);
		if (strcmp(out->name, name) == 0 && out->proto == proto &&
		    (port >= 0 ? out->has_port && out->port_lo == port : !out->has_port))
			return;
	}
	fail_msg("no record '%s' on %d/%s", name, port, pl_proto_name(proto));
}

static void expect_ref(const pl_record *r, size_t i, pl_xref_type type, const char *data)
{
	pl_xref x;
	assert_int_equal(pl_record_ref(r, i, &x), 0);
	if (x.type != type || strcmp(x.data, data) != 0)
		fail_msg("ref %zu is %s:'%s', expected %s:'%s'", i, pl_xref_type_name(x.type), x.data,
			 pl_xref_type_name(type), data);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- small inline inputs ---- */

static void test_import_csv_reads_quoted_commas_doubled_quotes_and_embedded_crlf(void **state)
{
	(void)state;
	pl_registry *reg = must_import(HEADER "\"a,b\",1,tcp,\"say \"\"hi\"\", then leave\",\"[X_Y]\",\"\",,,,,,"
					      "\"one\r\ntwo\nthree\"\r\n"
					      "c,2,udp,\"\"\"\",,,,,,,,\"ends in a comma,\"");
	pl_record r;
	get(reg, "a,b", 1, PL_PROTO_TCP, &r);
	assert_string_equal(r.description, "say \"hi\", then leave");
	/* CRLF inside a field reads as LF, as in the XML; a lone LF stays */
	assert_string_equal(r.notes, "one\ntwo\nthree");
	assert_string_equal(pl_record_person_id(&r, PL_ROLE_ASSIGNEE, 0), "X_Y");
	assert_int_equal(pl_record_people_count(&r, PL_ROLE_CONTACT), 0);
	get(reg, "c", 2, PL_PROTO_UDP, &r);
	assert_string_equal(r.description, "\"");
	assert_string_equal(r.notes, "ends in a comma,");
	pl_registry_close(reg);
}

static void test_import_csv_accepts_lf_line_ends_bom_and_no_final_newline(void **state)
{
	(void)state;
	pl_registry *reg = must_import("\xEF\xBB\xBF" COLS "\n\na,1,tcp,first" EMPTY8 "\nb,2,tcp,last" EMPTY8);
	assert_int_equal(pl_registry_count(reg), 2);
	pl_record r;
	get(reg, "b", 2, PL_PROTO_TCP, &r);
	assert_string_equal(r.description, "last");
	assert_string_equal(r.notes, "");
	pl_registry_close(reg);
}

static void test_import_csv_maps_columns_by_header_name(void **state)
{
	(void)state;
	/* reordered, quoted, an unknown column, and only the four required ones */
	pl_registry *reg = must_import("\"Description\",Future Column,Transport Protocol,Port Number,Service Name\r\n"
				       "the description,ignored,UDP,5,svc\r\n");
	pl_record r;
	get(reg, "svc", 5, PL_PROTO_UDP, &r);
	assert_string_equal(r.description, "the description");
	assert_string_equal(r.notes, "");
	assert_string_equal(r.unauthorized_use, "");
	assert_int_equal(pl_record_people_count(&r, PL_ROLE_ASSIGNEE), 0);
	assert_int_equal(pl_record_ref_count(&r), 0);
	pl_registry_close(reg);
}

static void test_import_csv_reads_both_spellings_of_unauthorized_use(void **state)
{
	(void)state;
	pl_registry *reg = must_import("Service Name,Port Number,Transport Protocol,Description,Known Unauthorized Uses\n"
				       "old,7,tcp,old export,seen on 7\n");
	pl_record r;
	get(reg, "old", 7, PL_PROTO_TCP, &r);
	assert_string_equal(r.unauthorized_use, "seen on 7");
	pl_registry_close(reg);
	reg = must_import("Service Name,Port Number,Transport Protocol,Description,Unauthorized Use Reported\n"
			  "new,8,tcp,new export,seen on 8\n");
	get(reg, "new", 8, PL_PROTO_TCP, &r);
	assert_string_equal(r.unauthorized_use, "seen on 8");
	pl_registry_close(reg);
}

static void test_import_csv_splits_people_and_types_references(void **state)
{
	(void)state;
	pl_registry *reg = must_import(
		HEADER "svc,10,tcp,d,[Ann_Example][Bob_Example],  Free Text Person ,,,"
		       "\"[RFC4251][rfc9260] [draft-ietf-x-01][RFC-ietf-y-02][https://example.org/a,b][Marc_Baudoin]"
		       "[1][n/a][RFC8765, Section 6.1]\",,,\r\n"
		       "svc,11,tcp,d,,,,,see the manual,,,\r\n"
		       "svc,12,tcp,d,,,,,[unclosed,,,\r\n");
	pl_record r;
	get(reg, "svc", 10, PL_PROTO_TCP, &r);
	assert_int_equal(pl_record_people_count(&r, PL_ROLE_ASSIGNEE), 2);
	assert_string_equal(pl_record_person_id(&r, PL_ROLE_ASSIGNEE, 0), "Ann_Example");
	assert_string_equal(pl_record_person_id(&r, PL_ROLE_ASSIGNEE, 1), "Bob_Example");
	assert_int_equal(pl_record_people_count(&r, PL_ROLE_CONTACT), 1);
	assert_string_equal(pl_record_person_id(&r, PL_ROLE_CONTACT, 0), "Free Text Person");
	assert_int_equal(pl_record_ref_count(&r), 9);
	expect_ref(&r, 0, PL_XREF_RFC, "rfc4251");
	expect_ref(&r, 1, PL_XREF_RFC, "rfc9260");
	expect_ref(&r, 2, PL_XREF_DRAFT, "draft-ietf-x-01");
	expect_ref(&r, 3, PL_XREF_DRAFT, "RFC-ietf-y-02");
	expect_ref(&r, 4, PL_XREF_URI, "https://example.org/a,b");
	expect_ref(&r, 5, PL_XREF_PERSON, "Marc_Baudoin");
	expect_ref(&r, 6, PL_XREF_NOTE, "1");
	expect_ref(&r, 7, PL_XREF_TEXT, "n/a");
	expect_ref(&r, 8, PL_XREF_TEXT, "RFC8765, Section 6.1");
	get(reg, "svc", 11, PL_PROTO_TCP, &r);
	assert_int_equal(pl_record_ref_count(&r), 1);
	expect_ref(&r, 0, PL_XREF_TEXT, "see the manual");
	get(reg, "svc", 12, PL_PROTO_TCP, &r);
	expect_ref(&r, 0, PL_XREF_TEXT, "unclosed");
	assert_true(pl_registry_has_references(reg));
	pl_registry_close(reg);
}

static void test_import_csv_reads_ranges_name_only_rows_and_derives_status(void **state)
{
	(void)state;
	char path[4096];
	pl_registry *reg;
	pl_error err = {0};
	/* through pl_registry_open_file, so the CSV is also recognised by its first bytes */
	if (pl_registry_open_file(tu_testdata("iana-small.csv", path, sizeof path), &reg, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(pl_registry_count(reg), 7);
	assert_string_equal(pl_registry_source(reg), "IANA CSV");
	assert_string_equal(pl_registry_date(reg), "");
	pl_record r;
	get(reg, "", 0, PL_PROTO_TCP, &r);
	assert_int_equal(r.status, PL_STATUS_RESERVED);
	get(reg, "", 4001, PL_PROTO_NONE, &r);
	assert_int_equal(r.status, PL_STATUS_UNASSIGNED);
	assert_int_equal(r.port_hi, 4010);
	get(reg, "example-b", -1, PL_PROTO_TCP, &r);
	assert_false(r.has_port);
	expect_ref(&r, 0, PL_XREF_DRAFT, "RFC-ietf-example-b-05");
	expect_ref(&r, 1, PL_XREF_NOTE, "1");
	get(reg, "example-a", 4000, PL_PROTO_TCP, &r);
	assert_string_equal(r.description, "Example A, with a comma");
	assert_string_equal(r.notes, "first line\nsecond line\nthird \"quoted\" line");
	assert_string_equal(r.registered, "2001-02-03");
	assert_string_equal(r.modified, "2010-11-12");
	get(reg, "example-a", 4000, PL_PROTO_UDP, &r);
	assert_string_equal(r.unauthorized_use, "Unauthorized use seen on 4000");
	expect_ref(&r, 0, PL_XREF_URI, "https://example.org/spec");
	get(reg, "example-c", 4020, PL_PROTO_SCTP, &r);
	assert_string_equal(r.service_code, "1234567");
	assert_true(pl_record_is_ghost(&r) == false); /* it cites a text reference */
	pl_registry_close(reg);
}

static void test_import_csv_accepts_a_field_of_exactly_the_limit(void **state)
{
	(void)state;
	size_t n = PL_MAX_FIELD, at = strlen(HEADER "a,1,tcp,d" EMPTY8 "\"");
	char *text = malloc(at + n + 4);
	assert_non_null(text);
	strcpy(text, HEADER "a,1,tcp,d" EMPTY8 "\"");
	memset(text + at, 'x', n);
	strcpy(text + at + n, "\"\n");
	pl_registry *reg = must_import(text);
	pl_record r;
	get(reg, "a", 1, PL_PROTO_TCP, &r);
	assert_int_equal(strlen(r.notes), n);
	pl_registry_close(reg);
	/* one byte more is refused */
	memset(text + at, 'x', n);
	strcpy(text + at + n, "x\"\n");
	expect_refusal(text, PL_ELIMIT, "line 2: a field is longer than");
	free(text);
}

/* ---- refusals ---- */

static void test_import_csv_refuses_bare_quote_naming_the_line(void **state)
{
	(void)state;
	expect_refusal(HEADER "a,1,tcp,d" EMPTY8 "\r\nb,2,tcp,say \"hi\"" EMPTY8 "\r\n", PL_EFORMAT,
		       "line 3: a quote inside an unquoted field");
	expect_refusal(HEADER "a,1,tcp,\"quoted\"then text" EMPTY8 "\r\n", PL_EFORMAT,
		       "line 2: text after a closing quote");
	expect_refusal(HEADER "a,1,tcp,d\rb" EMPTY8 "\r\n", PL_EFORMAT, "line 2: a carriage return");
	/* a NUL would cut the string short: refused, as python's csv module does */
	static const char nul_plain[] = HEADER "a,1,tcp,d\0x" EMPTY8 "\r\n";
	static const char nul_quoted[] = HEADER "a,1,tcp,\"one\ntwo\0\"" EMPTY8 "\r\n";
	expect_refusal_n(nul_plain, sizeof nul_plain - 1, PL_EFORMAT, "line 2: a NUL byte");
	expect_refusal_n(nul_quoted, sizeof nul_quoted - 1, PL_EFORMAT, "line 3: a NUL byte");
}

static void test_import_csv_counts_lines_inside_quoted_fields(void **state)
{
	(void)state;
	expect_refusal(HEADER "a,1,tcp,d" EMPTY8 "\"one\ntwo\r\nthree\"\r\nb,70000,tcp,d" EMPTY8 "\r\n", PL_EFORMAT,
		       "line 5: bad port number '70000'");
}

static void test_import_csv_refuses_unterminated_quote(void **state)
{
	(void)state;
	/* a truncated file: the message names the line where the field opens */
	expect_refusal(HEADER "a,1,tcp,d" EMPTY8 "\r\nb,2,tcp,d" EMPTY8 "\"first line\nsecond", PL_EFORMAT,
		       "line 3: a quoted field is never closed");
	expect_refusal(HEADER "a,1,tcp,\"", PL_EFORMAT, "line 2: a quoted field is never closed");
}

static void check_huge_field(const char *before, const char *after)
{
	size_t n = 10u << 20, lb = strlen(before), la = strlen(after);
	char *text = malloc(lb + n + la + 1);
	assert_non_null(text);
	memcpy(text, before, lb);
	memset(text + lb, 'x', n);
	memcpy(text + lb + n, after, la + 1);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	expect_refusal_n(text, lb + n + la, PL_ELIMIT, "line 2: a field is longer than");
	double s = seconds_since(&t0);
	if (s > 0.5)
		fail_msg("refusing a 10 MB field took %.3f s", s);
	free(text);
}

static void test_import_csv_refuses_10mb_field_quickly(void **state)
{
	(void)state;
	check_huge_field(HEADER "a,1,tcp,", EMPTY8 "\r\n");
	check_huge_field(HEADER "a,1,tcp,\"", "\"" EMPTY8 "\r\n");
	check_huge_field(HEADER "a,1,tcp,\"", ""); /* unterminated too: the limit is met first */
}

static void test_import_csv_refuses_empty_input(void **state)
{
	(void)state;
	expect_refusal_n("", 0, PL_EFORMAT, "empty CSV");
	expect_refusal("\xEF\xBB\xBF", PL_EFORMAT, "empty CSV");
	expect_refusal("\r\n\n", PL_EFORMAT, "empty CSV");
	expect_refusal(HEADER, PL_EFORMAT, "a header but no records");
	expect_refusal(HEADER "\r\n\r\n", PL_EFORMAT, "a header but no records");
}

static void test_import_csv_refuses_a_csv_that_is_not_a_registry(void **state)
{
	(void)state;
	expect_refusal("name,value\nx,1\n", PL_EFORMAT, "not an IANA port registry CSV: no 'Service Name' column");
	expect_refusal("Service Name,Port Number,Description\nx,1,d\n", PL_EFORMAT,
		       "no 'Transport Protocol' column");
	expect_refusal("Service Name,Port Number,Transport Protocol,Description,Known Unauthorized Uses,"
		       "Unauthorized Use Reported\nx,1,tcp,d,,\n",
		       PL_EFORMAT, "names 'Unauthorized Use Reported' twice");
}

static void test_import_csv_refuses_too_many_fields(void **state)
{
	(void)state;
	expect_refusal(HEADER "a,1,tcp,d" EMPTY8 ",extra\r\n", PL_EFORMAT, "line 2: more fields than the header's 12");
	expect_refusal(HEADER "a,1,tcp,d" EMPTY8 ",\r\n", PL_EFORMAT, "line 2: more fields");
	/* a header wider than any plausible export */
	char wide[1024] = "Service Name,Port Number,Transport Protocol,Description";
	for (int i = 0; i < 70; i++)
		strcat(wide, ",x");
	strcat(wide, "\n");
	expect_refusal(wide, PL_ELIMIT, "line 1: the header has more than");
}

/* IANA's rows always carry all twelve fields; a short row means a damaged file, so it is refused. */
static void test_import_csv_refuses_rows_with_fewer_fields_than_the_header(void **state)
{
	(void)state;
	expect_refusal(HEADER "a,1,tcp,d\r\n", PL_EFORMAT, "line 2: 4 fields where the header has 12");
	expect_refusal(HEADER "a,1,tcp,d" EMPTY8 "\r\nb,2", PL_EFORMAT, "line 3: 2 fields");
}

static void test_import_csv_refuses_bad_ports_and_transports(void **state)
{
	(void)state;
	static const char *const bad[] = {"70000", "9-3", "abc", "1-", "-1", " 1", "1-2-3", "65536-65537"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[512];
		snprintf(text, sizeof text, HEADER "a,1,tcp,d" EMPTY8 "\r\na,%s,tcp,d" EMPTY8 "\r\n", bad[i]);
		expect_refusal(text, PL_EFORMAT, "line 3: bad port number");
	}
	expect_refusal(HEADER "a,1,xyz,d" EMPTY8 "\r\n", PL_EFORMAT, "line 2: unknown transport 'xyz'");
}

static void test_import_csv_failed_row_adds_nothing(void **state)
{
	(void)state;
	const char *text = HEADER "a,1,tcp,d" EMPTY8 "\r\nb,2,tcp,d" EMPTY8 "\r\nc,3,tcp,d,[P_Q]" EMPTY8 "\r\n";
	pl_builder *b = pl_builder_new();
	pl_error err = {0};
	assert_int_equal(pl_import_csv(text, strlen(text), b, &err), PL_EFORMAT);
	assert_int_equal(pl_builder_count(b), 2);
	pl_builder_free(b);
}

/* ---- the real 2024 export, against python3's csv module ---- */

static char *slurp(FILE *f, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	for (;;) {
		if (n + 1 == cap) {
			buf = realloc(buf, cap *= 2);
			assert_non_null(buf);
		}
		size_t k = fread(buf + n, 1, cap - n - 1, f);
		if (k == 0)
			break;
		n += k;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* What script (python3, argv[1] = path) prints; NULL after a visible skip message without python3. */
static char *python(const char *script, const char *path, size_t *len)
{
	if (system("python3 -c '' >/dev/null 2>&1") != 0) {
		fprintf(stderr, "# SKIP python3 is absent: no independent reading of the CSV\n");
		return NULL;
	}
	char *dir = tu_tmpdir();
	char sp[4200], cmd[8600];
	snprintf(sp, sizeof sp, "%s", tu_write(dir, "read.py", script, strlen(script)));
	snprintf(cmd, sizeof cmd, "python3 '%s' '%s'", sp, path);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	char *out = slurp(f, len);
	int st = pclose(f);
	tu_rmtree(dir);
	free(dir);
	if (st != 0)
		fail_msg("python3 failed (%d)", st);
	return out;
}

static pl_registry *open_fixture(char *path, size_t size)
{
	if (!tu_fixture(FIXTURE, path, size))
		return NULL;
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t len;
	char *buf = slurp(f, &len);
	fclose(f);
	pl_builder *b = pl_builder_new();
	pl_error err = {0};
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (pl_import_csv(buf, len, b, &err))
		fail_msg("%s", err.msg);
	double s = seconds_since(&t0);
	fprintf(stderr, "# imported %zu rows of %s in %.1f ms\n", pl_builder_count(b), FIXTURE, s * 1e3);
	free(buf);
	pl_registry *reg;
	if (pl_builder_open(b, &reg, &err))
		fail_msg("%s", err.msg);
	return reg;
}

static void test_import_csv_imports_every_row_of_the_2024_export(void **state)
{
	(void)state;
	char path[4096];
	pl_registry *reg = open_fixture(path, sizeof path);
	if (!reg)
		skip();
	size_t len;
	char *out = python("import csv, sys\n"
			   "print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=''))) - 1)\n",
			   path, &len);
	if (!out) {
		pl_registry_close(reg);
		skip();
	}
	assert_int_equal(pl_registry_count(reg), strtoul(out, NULL, 10));
	assert_true(pl_registry_count(reg) > 14000);
	assert_string_equal(pl_registry_source(reg), "IANA CSV");
	free(out);
	pl_registry_close(reg);
}

static void test_import_csv_keeps_multiline_notes(void **state)
{
	(void)state;
	char path[4096];
	pl_registry *reg = open_fixture(path, sizeof path);
	if (!reg)
		skip();
	size_t len;
	char *out = python("import csv, sys\n"
			   "for r in csv.reader(open(sys.argv[1], newline='')):\n"
			   "    if r[0] == 'whois++' and r[1] == '63' and r[2] == 'tcp':\n"
			   "        sys.stdout.write(r[11])\n",
			   path, &len);
	if (!out) {
		pl_registry_close(reg);
		skip();
	}
	pl_record r;
	get(reg, "whois++", 63, PL_PROTO_TCP, &r);
	assert_true(len > 0);
	assert_string_equal(r.notes, out);
	size_t lines = 1;
	for (const char *p = r.notes; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 3);
	free(out);
	pl_registry_close(reg);
}

static void test_import_csv_reads_mao_people(void **state)
{
	(void)state;
	char path[4096];
	pl_registry *reg = open_fixture(path, sizeof path);
	if (!reg)
		skip();
	pl_record r;
	get(reg, "mao", 2908, PL_PROTO_TCP, &r);
	assert_int_equal(pl_record_people_count(&r, PL_ROLE_ASSIGNEE), 1);
	assert_string_equal(pl_record_person_id(&r, PL_ROLE_ASSIGNEE, 0), "Marc_Baudoin");
	assert_int_equal(pl_record_people_count(&r, PL_ROLE_CONTACT), 1);
	assert_string_equal(pl_record_person_id(&r, PL_ROLE_CONTACT, 0), "Marc_Baudoin");
	assert_true(pl_record_is_ghost(&r));
	assert_int_equal(pl_registry_people_count(reg), 0); /* the CSV has no people table */
	pl_registry_close(reg);
}

typedef struct sbuf {
	char *s;
	size_t n, cap;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		while (b->n + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 256;
		b->s = realloc(b->s, b->cap);
		assert_non_null(b->s);
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void sb_str(sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* The escapes of the python script below: one row a line, '\t' between columns, '|' between items. */
static void sb_esc(sbuf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '\\': sb_str(b, "\\\\"); break;
		case '\n': sb_str(b, "\\n"); break;
		case '\r': sb_str(b, "\\r"); break;
		case '\t': sb_str(b, "\\t"); break;
		case '|': sb_str(b, "\\p"); break;
		default: sb_add(b, s, 1);
		}
	}
}

static void sb_people(sbuf *b, const pl_record *r, pl_role role)
{
	for (size_t i = 0; i < pl_record_people_count(r, role); i++) {
		if (i)
			sb_str(b, "|");
		sb_esc(b, pl_record_person_id(r, role, i));
	}
	sb_str(b, "\t");
}

static char *record_line(const pl_record *r)
{
	sbuf b = {0};
	char port[16] = "";
	if (r->has_port && r->port_lo == r->port_hi)
		snprintf(port, sizeof port, "%u", r->port_lo);
	else if (r->has_port)
		snprintf(port, sizeof port, "%u-%u", r->port_lo, r->port_hi);
	const char *head[] = {r->name, port, pl_proto_name(r->proto), r->description};
	for (size_t i = 0; i < 4; i++) {
		sb_esc(&b, head[i]);
		sb_str(&b, "\t");
	}
	sb_people(&b, r, PL_ROLE_ASSIGNEE);
	sb_people(&b, r, PL_ROLE_CONTACT);
	sb_esc(&b, r->registered);
	sb_str(&b, "\t");
	sb_esc(&b, r->modified);
	sb_str(&b, "\t");
	for (size_t i = 0; i < pl_record_ref_count(r); i++) {
		pl_xref x;
		assert_int_equal(pl_record_ref(r, i, &x), 0);
		if (i)
			sb_str(&b, "|");
		sb_str(&b, pl_xref_type_name(x.type));
		sb_str(&b, ":");
		sb_esc(&b, x.data);
	}
	const char *tail[] = {r->service_code, r->unauthorized_use, r->notes};
	for (size_t i = 0; i < 3; i++) {
		sb_str(&b, "\t");
		sb_esc(&b, tail[i]);
	}
	return b.s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Python's csv module splits the file; the few lines below restate the documented meaning of the
 * Assignee, Contact and Reference columns. Every row and every column must agree. */
static const char every_row_script[] =
	"import csv, re, sys\n"
	"B = chr(92)\n"
	"def esc(s):\n"
	"    s = s.replace(B, B + B).replace(chr(10), B + 'n').replace(chr(13), B + 'r')\n"
	"    return s.replace(chr(9), B + 't').replace('|', B + 'p')\n"
	"O, C = re.escape('['), re.escape(']')\n"
	"ITEM = re.compile(O + '([^' + C + ']*)' + C + '?|([^' + O + ']+)')\n"
	"def items(s):\n"
	"    out = []\n"
	"    for m in ITEM.finditer(s):\n"
	"        x = (m.group(1) if m.group(0).startswith('[') else m.group(2)).strip(' \\t\\r\\n')\n"
	"        if x:\n"
	"            out.append(x)\n"
	"    return out\n"
	"def typed(x):\n"
	"    l = x.lower()\n"
	"    if re.fullmatch('rfc[0-9]+', l): return 'rfc:' + l\n"
	"    if l.startswith(('draft-', 'rfc-')): return 'draft:' + x\n"
	"    if l.startswith(('http://', 'https://')): return 'uri:' + x\n"
	"    if re.fullmatch('[0-9]+', x): return 'note:' + x\n"
	"    if re.fullmatch('[A-Za-z][A-Za-z0-9._-]*_[A-Za-z0-9.-]+', x): return 'person:' + x\n"
	"    return 'text:' + x\n"
	"def port(p):\n"
	"    if not p: return ''\n"
	"    lo, _, hi = p.partition('-')\n"
	"    return str(int(lo)) if not hi or int(lo) == int(hi) else '%d-%d' % (int(lo), int(hi))\n"
	"f = open(sys.argv[1], newline='', encoding='utf-8', errors='surrogateescape')\n"
	"rows = csv.reader(f)\n"
	"col = {n: i for i, n in enumerate(next(rows))}\n"
	"out = sys.stdout.buffer\n"
	"for r in rows:\n"
	"    g = lambda n: r[col[n]].replace(chr(13) + chr(10), chr(10)) if n in col else ''\n"
	"    v = [esc(g('Service Name')), port(g('Port Number')), g('Transport Protocol').lower(),\n"
	"         esc(g('Description')), '|'.join(esc(x) for x in items(g('Assignee'))),\n"
	"         '|'.join(esc(x) for x in items(g('Contact'))), esc(g('Registration Date')),\n"
	"         esc(g('Modification Date')), '|'.join(esc(typed(x)) for x in items(g('Reference'))),\n"
	"         esc(g('Service Code')), esc(g('Unauthorized Use Reported') or g('Known Unauthorized Uses')),\n"
	"         esc(g('Assignment Notes'))]\n"
	"    out.write(('\\t'.join(v) + '\\n').encode('utf-8', 'surrogateescape'))\n";

static void test_import_csv_agrees_with_python_csv_on_every_row_and_column(void **state)
{
	(void)state;
	char path[4096];
	pl_registry *reg = open_fixture(path, sizeof path);
	if (!reg)
		skip();
	size_t len;
	char *out = python(every_row_script, path, &len);
	if (!out) {
		pl_registry_close(reg);
		skip();
	}
	size_t n = pl_registry_count(reg), np = 0;
	char **mine = calloc(n, sizeof *mine), **theirs = calloc(n + 1, sizeof *theirs);
	assert_true(mine && theirs);
	for (size_t i = 0; i < n; i++) {
		pl_record r;
		assert_int_equal(pl_registry_record(reg, i, &r), 0);
		mine[i] = record_line(&r);
	}
	for (char *p = out, *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		*nl = '\0';
		assert_true(np < n);
		theirs[np++] = p;
	}
	assert_int_equal(np, n);
	qsort(mine, n, sizeof *mine, cmp_str);
	qsort(theirs, n, sizeof *theirs, cmp_str);
	for (size_t i = 0; i < n; i++)
		if (strcmp(mine[i], theirs[i]) != 0)
			fail_msg("row differs from python's reading:\n# mine:   %.400s\n# python: %.400s", mine[i],
				 theirs[i]);
	fprintf(stderr, "# %zu rows agree with python's csv module in all 12 columns\n", n);
	for (size_t i = 0; i < n; i++)
		free(mine[i]);
	free(mine);
	free(theirs);
	free(out);
	pl_registry_close(reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import_csv_reads_quoted_commas_doubled_quotes_and_embedded_crlf),
		cmocka_unit_test(test_import_csv_accepts_lf_line_ends_bom_and_no_final_newline),
		cmocka_unit_test(test_import_csv_maps_columns_by_header_name),
		cmocka_unit_test(test_import_csv_reads_both_spellings_of_unauthorized_use),
		cmocka_unit_test(test_import_csv_splits_people_and_types_references),
		cmocka_unit_test(test_import_csv_reads_ranges_name_only_rows_and_derives_status),
		cmocka_unit_test(test_import_csv_accepts_a_field_of_exactly_the_limit),
		cmocka_unit_test(test_import_csv_refuses_bare_quote_naming_the_line),
		cmocka_unit_test(test_import_csv_counts_lines_inside_quoted_fields),
		cmocka_unit_test(test_import_csv_refuses_unterminated_quote),
		cmocka_unit_test(test_import_csv_refuses_10mb_field_quickly),
		cmocka_unit_test(test_import_csv_refuses_empty_input),
		cmocka_unit_test(test_import_csv_refuses_a_csv_that_is_not_a_registry),
		cmocka_unit_test(test_import_csv_refuses_too_many_fields),
		cmocka_unit_test(test_import_csv_refuses_rows_with_fewer_fields_than_the_header),
		cmocka_unit_test(test_import_csv_refuses_bad_ports_and_transports),
		cmocka_unit_test(test_import_csv_failed_row_adds_nothing),
		cmocka_unit_test(test_import_csv_imports_every_row_of_the_2024_export),
		cmocka_unit_test(test_import_csv_keeps_multiline_notes),
		cmocka_unit_test(test_import_csv_reads_mao_people),
		cmocka_unit_test(test_import_csv_agrees_with_python_csv_on_every_row_and_column),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

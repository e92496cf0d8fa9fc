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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tsv_unescapes_fields_and_reads_metadata),
		cmocka_unit_test(test_tsv_refuses_bad_lines_naming_them),
		cmocka_unit_test(test_tsv_refuses_oversized_field),
		cmocka_unit_test(test_tsv_status_is_derived),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

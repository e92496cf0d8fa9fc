/* The port spec grammar: what is accepted, and that every refusal names what was wrong. */
#include <string.h>

#include "testutil.h"
#include "portlore/spec.h"

static void refuse(const char *text, const char *expect_in_msg)
{
	pl_spec s;
	pl_error err = {0};
	assert_int_equal(pl_spec_parse(text, &s, &err), PL_EINVAL);
	if (!strstr(err.msg, expect_in_msg))
		fail_msg("'%s': message '%s' lacks '%s'", text, err.msg, expect_in_msg);
}

static void test_spec_accepts_a_port(void **state)
{
	(void)state;
	pl_spec s;
	assert_int_equal(pl_spec_parse("2908", &s, NULL), 0);
	assert_int_equal(s.kind, PL_SPEC_PORTS);
	assert_int_equal(s.lo, 2908);
	assert_int_equal(s.hi, 2908);
	assert_int_equal(s.proto, PL_PROTO_NONE);
	assert_int_equal(pl_spec_parse("0", &s, NULL), 0);
	assert_int_equal(s.lo, 0);
	assert_int_equal(pl_spec_parse("65535", &s, NULL), 0);
	assert_int_equal(s.hi, 65535);
}

static void test_spec_accepts_transport_on_either_side(void **state)
{
	(void)state;
	pl_spec s;
	assert_int_equal(pl_spec_parse("2908/tcp", &s, NULL), 0);
	assert_int_equal(s.lo, 2908);
	assert_int_equal(s.proto, PL_PROTO_TCP);
	assert_int_equal(pl_spec_parse("UDP/53", &s, NULL), 0);
	assert_int_equal(s.lo, 53);
	assert_int_equal(s.proto, PL_PROTO_UDP);
	assert_int_equal(pl_spec_parse("ssh/sctp", &s, NULL), 0);
	assert_int_equal(s.kind, PL_SPEC_NAME);
	assert_string_equal(s.name, "ssh");
	assert_int_equal(s.proto, PL_PROTO_SCTP);
}

static void test_spec_accepts_range_and_name(void **state)
{
	(void)state;
	pl_spec s;
	assert_int_equal(pl_spec_parse("2900-2910", &s, NULL), 0);
	assert_int_equal(s.kind, PL_SPEC_PORTS);
	assert_int_equal(s.lo, 2900);
	assert_int_equal(s.hi, 2910);
	assert_int_equal(pl_spec_parse("mao", &s, NULL), 0);
	assert_int_equal(s.kind, PL_SPEC_NAME);
	assert_string_equal(s.name, "mao");
	assert_false(s.numeric_like);
	assert_int_equal(pl_spec_parse("3com-tsmux", &s, NULL), 0);
	assert_int_equal(s.kind, PL_SPEC_NAME);
	assert_true(s.numeric_like);
	assert_int_equal(pl_spec_parse("whois++", &s, NULL), 0);
	assert_string_equal(s.name, "whois++");
}

static void test_spec_refuses_out_of_range_port(void **state)
{
	(void)state;
	refuse("70000", "out of range");
	refuse("65536", "0-65535");
	refuse("99999999999999999999", "out of range");
}

static void test_spec_refuses_negative_port(void **state)
{
	(void)state;
	refuse("-1", "without a sign");
	refuse("+22", "without a sign");
}

static void test_spec_refuses_empty(void **state)
{
	(void)state;
	refuse("", "empty");
}

static void test_spec_refuses_unknown_transport(void **state)
{
	(void)state;
	refuse("2908/xyz", "unknown transport 'xyz'");
	refuse("xyz/2908", "unknown transport 'xyz'");
	refuse("2908/tcp/udp", "more than one '/'");
}

static void test_spec_refuses_reversed_range(void **state)
{
	(void)state;
	refuse("10-5", "reversed");
	refuse("10-70000", "out of bounds");
	refuse("10-", "not a port range");
}

static void test_spec_refuses_garbage(void **state)
{
	(void)state;
	refuse("29 08", "neither a port");
	refuse("<script>", "neither a port");
	char big[300];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = 0;
	refuse(big, "longer than");
}

static void test_spec_typo_port_parses_as_numeric_like_name(void **state)
{
	(void)state;
	/* "29o8" is syntactically a name; the report refuses it as a usage error when no service has it. */
	pl_spec s;
	assert_int_equal(pl_spec_parse("29o8", &s, NULL), 0);
	assert_int_equal(s.kind, PL_SPEC_NAME);
	assert_true(s.numeric_like);
}

static void test_spec_list_takes_commas_and_spaces(void **state)
{
	(void)state;
	pl_spec items[8];
	size_t n;
	pl_error err = {0};
	assert_int_equal(pl_spec_parse_list("22 80 443", items, 8, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(items[2].lo, 443);
	assert_int_equal(pl_spec_parse_list("80,443", items, 8, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(pl_spec_parse_list("ssh, 2900-2910/udp", items, 8, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(items[0].kind, PL_SPEC_NAME);
	assert_int_equal(items[1].proto, PL_PROTO_UDP);
	assert_int_equal(items[1].hi, 2910);
	assert_int_equal(pl_spec_parse_list("80,,443", items, 8, &n, &err), PL_EINVAL);
	assert_non_null(strstr(err.msg, "empty item"));
	assert_int_equal(pl_spec_parse_list("80,", items, 8, &n, &err), PL_EINVAL);
	assert_int_equal(pl_spec_parse_list("1 2 3", items, 2, &n, &err), PL_EINVAL);
	assert_int_equal(pl_spec_parse_list("22 70000", items, 8, &n, &err), PL_EINVAL);
	assert_non_null(strstr(err.msg, "70000"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_accepts_a_port),
		cmocka_unit_test(test_spec_accepts_transport_on_either_side),
		cmocka_unit_test(test_spec_accepts_range_and_name),
		cmocka_unit_test(test_spec_refuses_out_of_range_port),
		cmocka_unit_test(test_spec_refuses_negative_port),
		cmocka_unit_test(test_spec_refuses_empty),
		cmocka_unit_test(test_spec_refuses_unknown_transport),
		cmocka_unit_test(test_spec_refuses_reversed_range),
		cmocka_unit_test(test_spec_refuses_garbage),
		cmocka_unit_test(test_spec_typo_port_parses_as_numeric_like_name),
		cmocka_unit_test(test_spec_list_takes_commas_and_spaces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

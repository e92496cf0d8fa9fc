/* The strict helpers under everything: bounded number parsing, case folding, the capped buffer. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util/util.h"

static void test_parse_uint_is_strict(void **state)
{
	(void)state;
	uint32_t v;
	assert_int_equal(pl_parse_uint("65535", 5, 65535, &v), 0);
	assert_int_equal(v, 65535);
	assert_int_equal(pl_parse_uint("65536", 5, 65535, &v), PL_EINVAL);
	assert_int_equal(pl_parse_uint("", 0, 10, &v), PL_EINVAL);
	assert_int_equal(pl_parse_uint(" 1", 2, 10, &v), PL_EINVAL);
	assert_int_equal(pl_parse_uint("1x", 2, 10, &v), PL_EINVAL);
	assert_int_equal(pl_parse_uint("-1", 2, 10, &v), PL_EINVAL);
	assert_int_equal(pl_parse_uint("99999999999999999999999", 23, UINT32_MAX, &v), PL_EINVAL);
}

static void test_strcasestr_ignores_ascii_case(void **state)
{
	(void)state;
	assert_non_null(pl_strcasestr("The Secure SHELL", "shell"));
	assert_null(pl_strcasestr("abc", "abcd"));
	assert_int_equal(pl_strcasecmp("SSH", "ssh"), 0);
	assert_true(pl_strcasecmp("a", "b") < 0);
}

static void test_buf_respects_its_cap(void **state)
{
	(void)state;
	pl_buf b;
	pl_buf_init(&b, 8);
	assert_int_equal(pl_buf_add(&b, "12345678", 8), 0);
	assert_int_equal(pl_buf_addc(&b, 'x'), PL_ELIMIT);
	assert_string_equal(pl_buf_str(&b), "12345678");
	pl_buf_free(&b);
	assert_string_equal(pl_buf_str(&b), "");
	pl_buf_init(&b, 1 << 20);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(pl_buf_printf(&b, "%d,", i), 0);
	assert_int_equal(strncmp(pl_buf_str(&b), "0,1,2,", 6), 0);
	pl_buf_free(&b);
}

static void test_read_file_refuses_oversize_and_missing(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	const char *p = tu_write(dir, "f", "0123456789", 10);
	char *data;
	size_t len;
	pl_error err = {0};
	assert_int_equal(pl_read_file(p, 5, &data, &len, &err), PL_ELIMIT);
	assert_non_null(strstr(err.msg, "too large"));
	assert_int_equal(pl_read_file(p, 10, &data, &len, &err), 0);
	assert_int_equal(len, 10);
	free(data);
	assert_int_equal(pl_read_file("/nonexistent/x", 5, &data, &len, &err), PL_EIO);
	assert_non_null(strstr(err.msg, "No such file"));
	assert_int_equal(pl_read_file(dir, 5, &data, &len, &err), PL_EIO);
	tu_rmtree(dir);
	free(dir);
}

static void test_term_escape_makes_every_control_visible(void **state)
{
	(void)state;
	static const char in[] = "a\nb\tc\rd\\e\x1b[31m\x7f\xff\xc2\x85\xe2\x80\xae\xc3\xa9";
	char *out = pl_term_escape(in, sizeof in - 1, 0);
	assert_non_null(out);
	assert_string_equal(out, "a\\nb\\tc\\rd\\\\e\\x1b[31m\\x7f\\xff\\u0085\\u202e\xc3\xa9");
	assert_int_equal(strlen(out), pl_term_escape_len(in, sizeof in - 1, 0));
	free(out);
	out = pl_term_escape("notes\nline 2", 12, PL_ESC_KEEP_NEWLINE);
	assert_string_equal(out, "notes\nline 2");
	free(out);
	assert_false(pl_term_needs_escape("plain text, caf\xc3\xa9", 17, 0));
	assert_true(pl_term_needs_escape("a\\b", 3, 0));
	/* a truncated sequence at the end is invalid, byte by byte */
	out = pl_term_escape("x\xe2\x80", 3, 0);
	assert_string_equal(out, "x\\xe2\\x80");
	free(out);
}

static void test_read_proc_reads_a_sysctl_whole(void **state)
{
	(void)state;
	char *data;
	size_t len;
	/* size 0 in stat, generated on read: the case a read in pieces got wrong */
	if (pl_read_proc("/proc/sys/net/ipv4/ip_local_port_range", 4096, &data, &len, NULL) != 0)
		skip();
	assert_true(len > 3);
	assert_non_null(strchr(data, '\t'));
	free(data);
	/* a file larger than the limit is refused, not cut */
	assert_int_equal(pl_read_proc("/proc/self/maps", 16, &data, &len, NULL), PL_ELIMIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_uint_is_strict),
		cmocka_unit_test(test_strcasestr_ignores_ascii_case),
		cmocka_unit_test(test_buf_respects_its_cap),
		cmocka_unit_test(test_read_file_refuses_oversize_and_missing),
		cmocka_unit_test(test_term_escape_makes_every_control_visible),
		cmocka_unit_test(test_read_proc_reads_a_sysctl_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

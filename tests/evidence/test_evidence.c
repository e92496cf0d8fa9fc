/* The evidence tables and how they are weighed: the ports the world uses speak, 2908 is silent, the
 * known-use table has its sources, /etc/services files parse strictly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "portlore/evidence.h"

static void test_evidence_used_ports_speak_and_mao_is_silent(void **state)
{
	(void)state;
	static const unsigned used[] = {3306, 445, 3389, 161, 500, 873, 1194, 5672, 22, 80, 443};
	for (size_t i = 0; i < sizeof used / sizeof used[0]; i++) {
		pl_evidence ev;
		pl_evidence_gather((uint16_t)used[i], PL_PROTO_NONE, NULL, &ev);
		if (ev.level == PL_USE_NONE)
			fail_msg("port %u: no evidence of use", used[i]);
		char lines[8][256];
		assert_true(pl_evidence_reasons(&ev, true, lines, 8) >= 2);
	}
	pl_evidence ev;
	pl_evidence_gather(3306, PL_PROTO_NONE, NULL, &ev);
	assert_int_equal(ev.level, PL_USE_WIDE);
	assert_true(ev.signals & PL_SIGNAL_WIRESHARK);
	assert_string_equal(ev.dissectors[0].name, "MySQL");
	assert_true(ev.freq[0].rank <= 30);
	pl_evidence_gather(2908, PL_PROTO_NONE, NULL, &ev);
	assert_int_equal(ev.level, PL_USE_NONE);
	assert_int_equal(ev.signals, 0);
	char lines[8][256];
	size_t n = pl_evidence_reasons(&ev, false, lines, 8);
	assert_true(n >= 4); /* known uses, Wireshark, Nmap (twice), netbase: each says it is silent */
	assert_string_equal(lines[0], "no software is known to listen on it by default");
}

static void test_evidence_known_uses_cite_sources_best_first(void **state)
{
	(void)state;
	const pl_known_use *u[8];
	size_t n = pl_evidence_known_uses(3000, PL_PROTO_TCP, u, 8);
	assert_true(n >= 4);
	assert_string_equal(u[0]->software, "Grafana");
	assert_string_equal(u[0]->protocol, "http");
	size_t total = 0;
	for (size_t i = 0; pl_evidence_known_use_at(i); i++, total++) {
		const pl_known_use *k = pl_evidence_known_use_at(i);
		if (!(strncmp(k->source, "https://", 8) == 0 || strncmp(k->source, "http://", 7) == 0 ||
		      strncmp(k->source, "Debian ", 7) == 0))
			fail_msg("known use '%s' has no source", k->software);
	}
	assert_true(total >= 300);
	/* A pool of ports is listed but is no evidence for one of them. */
	pl_evidence ev;
	pl_evidence_gather(60123, PL_PROTO_UDP, NULL, &ev);
	assert_true(ev.nuses >= 1);
	assert_false(ev.signals & PL_SIGNAL_KNOWN_USE);
	assert_int_equal(pl_evidence_rank_bucket(14), 20);
	assert_int_equal(pl_evidence_rank_bucket(725), 1000);
}

static void test_services_file_parses_strictly_and_host_names_count(void **state)
{
	(void)state;
	static const char text[] = "# comment\n"
				   "ssh\t\t22/tcp\t\t\t# SSH Remote Login Protocol\n"
				   "mine   2908/tcp   mao-alt  custom\r\n"
				   "bad 70000/tcp\n"
				   "bad2 12/xyz\n"
				   "noport\n"
				   "   \n"
				   "tail 4000/udp";
	pl_services_file *f;
	pl_error err = {0};
	assert_int_equal(pl_services_file_parse(text, sizeof text - 1, &f, &err), 0);
	pl_service_entry e[4];
	assert_int_equal(pl_services_file_lookup(f, 2908, PL_PROTO_NONE, e, 4), 1);
	assert_string_equal(e[0].name, "mine");
	assert_string_equal(e[0].aliases, "mao-alt custom");
	assert_int_equal(pl_services_file_lookup(f, 22, PL_PROTO_UDP, e, 4), 0);
	assert_int_equal(pl_services_file_lookup(f, 4000, PL_PROTO_UDP, e, 4), 1);
	assert_int_equal(pl_services_file_lookup(f, 70000 & 0xffff, PL_PROTO_NONE, e, 4), 0);
	uint16_t ports[4];
	pl_proto protos[4];
	assert_int_equal(pl_services_file_by_name(f, "CUSTOM", ports, protos, 4), 1);
	assert_int_equal(ports[0], 2908);
	/* This host's own name for 2908 is evidence: an administrator put it there. */
	pl_evidence ev;
	pl_evidence_gather(2908, PL_PROTO_NONE, f, &ev);
	assert_true(ev.signals & PL_SIGNAL_HOST);
	assert_int_equal(ev.level, PL_USE_SOME);
	/* ssh as netbase has it adds nothing. */
	pl_evidence_gather(22, PL_PROTO_NONE, f, &ev);
	assert_false(ev.signals & PL_SIGNAL_HOST);
	pl_services_file_free(f);
	assert_int_equal(pl_services_file_load("/nonexistent/services", &f, &err), PL_EIO);
}

/* A lookup of one port reads only the lines that can hold it: it finds what reading the whole file finds,
 * for a port in several lines, in an alias, after a comment sign, with leading zeros, on the last line. */
static void test_services_file_one_port_load_finds_what_the_whole_file_has(void **state)
{
	(void)state;
	static const char text[] = "ssh 22/tcp\n"
				   "# telnet 22/udp (a comment)\n"
				   "x 122/tcp 22/udp\n"
				   "y 22/udp a-22/x 22/sctp\n"
				   "z 0022/tcp\n"
				   "w\t22/dccp # 22/tcp\n"
				   "nothing22/tcp\n"
				   "last 22/tcp";
	char path[] = "/tmp/pl-services-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
	close(fd);
	static const uint16_t ports[] = {22, 122, 0, 2, 65535};
	for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
		pl_services_file *all, *one;
		pl_error err = {0};
		assert_int_equal(pl_services_file_load(path, &all, &err), 0);
		assert_int_equal(pl_services_file_load_ports(path, ports[i], ports[i], &one, &err), 0);
		pl_service_entry a[8], b[8];
		size_t na = pl_services_file_lookup(all, ports[i], PL_PROTO_NONE, a, 8);
		size_t nb = pl_services_file_lookup(one, ports[i], PL_PROTO_NONE, b, 8);
		assert_int_equal(na, nb);
		for (size_t k = 0; k < na; k++) {
			assert_string_equal(a[k].name, b[k].name);
			assert_string_equal(a[k].aliases, b[k].aliases);
			assert_int_equal(a[k].proto, b[k].proto);
		}
		if (ports[i] == 22)
			assert_int_equal(na, 5); /* ssh, y (once), z, w, last */
		pl_services_file_free(all);
		pl_services_file_free(one);
	}
	unlink(path);
}

static void test_evidence_sources_name_their_versions(void **state)
{
	(void)state;
	pl_evidence_source s[8];
	size_t n = pl_evidence_sources(s, 8);
	assert_int_equal(n, 5);
	bool ws = false, nm = false, nb = false;
	for (size_t i = 0; i < n; i++) {
		ws |= !strcmp(s[i].key, "wireshark") && strstr(s[i].source, "tshark 4.") != NULL;
		nm |= !strcmp(s[i].key, "nmap") && strstr(s[i].source, "nmap-common 7.") != NULL;
		nb |= !strcmp(s[i].key, "netbase") && strstr(s[i].source, "netbase 6.") != NULL;
	}
	assert_true(ws && nm && nb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evidence_used_ports_speak_and_mao_is_silent),
		cmocka_unit_test(test_evidence_known_uses_cite_sources_best_first),
		cmocka_unit_test(test_services_file_parses_strictly_and_host_names_count),
		cmocka_unit_test(test_services_file_one_port_load_finds_what_the_whole_file_has),
		cmocka_unit_test(test_evidence_sources_name_their_versions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

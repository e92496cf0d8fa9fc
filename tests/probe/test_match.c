/* The reply matchers: real first payloads (as Debian's servers send them) are named with product and
 * version; one-byte answers count only beside the question that earns them; garbage is named nothing;
 * the HOST:PORTS grammar refuses what it cannot mean. */
#include <string.h>

#include "testutil.h"
#include "portlore/probe.h"
#include "portlore/explain.h"

#define S(x) x, sizeof(x) - 1

static pl_probe_match expect_server(pl_proto proto, const char *client, size_t clen, const char *server, size_t slen,
				    const char *protocol)
{
	pl_probe_match m;
	int rc = pl_probe_identify(proto, client, clen, server, slen, &m);
	if (rc != 1)
		fail_msg("expected %s, got rc %d", protocol, rc);
	assert_string_equal(m.protocol, protocol);
	assert_true(m.confidence > 0 && m.confidence <= 100);
	return m;
}

static void test_match_names_openssh_with_version(void **state)
{
	(void)state;
	pl_probe_match m = expect_server(PL_PROTO_TCP, NULL, 0, S("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n"), "ssh");
	assert_string_equal(m.product, "OpenSSH");
	assert_string_equal(m.version, "9.2p1");
	assert_string_equal(m.info, "protocol 2.0 Debian-2+deb12u10");
	m = expect_server(PL_PROTO_TCP, NULL, 0, S("SSH-2.0-libssh_0.10.5\r\n"), "ssh");
	assert_string_equal(m.product, "libssh");
	assert_string_equal(m.version, "0.10.5");
}

static void test_match_names_http_server_header_in_any_case(void **state)
{
	(void)state;
	pl_probe_match m = expect_server(PL_PROTO_TCP, NULL, 0,
		S("HTTP/1.1 200 OK\r\nDate: Wed, 02 Dec 2026 05:00:00 GMT\r\nserver: nginx/1.22.1\r\nContent-Length: 615\r\n\r\n"), "http");
	assert_string_equal(m.product, "nginx");
	assert_string_equal(m.version, "1.22.1");
	assert_string_equal(m.info, "HTTP/1.1, status 200");
	m = expect_server(PL_PROTO_TCP, NULL, 0, S("HTTP/1.0 404 Not Found\r\nContent-Type: text/html\r\n\r\n"), "http");
	assert_string_equal(m.product, "");
}

static void test_match_names_redis_version_from_info(void **state)
{
	(void)state;
	pl_probe_match m = expect_server(PL_PROTO_TCP, NULL, 0,
		S("+PONG\r\n$1234\r\n# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:00000000\r\nredis_mode:standalone\r\n"), "redis");
	assert_string_equal(m.product, "Redis");
	assert_string_equal(m.version, "7.0.15");
	assert_string_equal(m.info, "mode standalone");
	expect_server(PL_PROTO_TCP, NULL, 0, S("-NOAUTH Authentication required.\r\n"), "redis");
}

static void test_match_one_byte_answer_counts_only_beside_its_question(void **state)
{
	(void)state;
	pl_probe_match m;
	expect_server(PL_PROTO_TCP, S("\x00\x00\x00\x08\x04\xd2\x16\x2f"), S("N"), "postgresql");
	/* 'N' alone, or after another question, is not PostgreSQL */
	assert_int_equal(pl_probe_identify(PL_PROTO_TCP, NULL, 0, S("N"), &m), 0);
	assert_int_equal(pl_probe_identify(PL_PROTO_TCP, S("*1\r\n$4\r\nPING\r\nX"), S("N"), &m), 1);
	assert_string_equal(m.protocol, "redis"); /* the client's payload alone says redis */
	expect_server(PL_PROTO_TCP, S("\x10\x14\x00\x04MQTT\x04\x02\x00\x1e\x00\x08portlore"), S("\x20\x02\x00\x00"), "mqtt");
}

static void test_match_names_dnsmasq_from_version_bind(void **state)
{
	(void)state;
	static const char q[] = "PL\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07version\x04" "bind\x00\x00\x10\x00\x03";
	static const char a[] = "PL\x85\x80\x00\x01\x00\x01\x00\x00\x00\x00\x07version\x04" "bind\x00\x00\x10\x00\x03"
				"\xc0\x0c\x00\x10\x00\x03\x00\x00\x00\x00\x00\x0d\x0c" "dnsmasq-2.90";
	pl_probe_match m = expect_server(PL_PROTO_UDP, q, sizeof q - 1, a, sizeof a - 1, "dns");
	assert_string_equal(m.product, "dnsmasq");
	assert_string_equal(m.version, "2.90");
}

static void test_match_names_quic_version_negotiation(void **state)
{
	(void)state;
	/* RFC 9000 17.2.1: our Initial's connection ids come back swapped, version 0, then the versions */
	static const char q[] = "\xc0\x1a\x2a\x3a\x4a\x08PLPLPLPL\x08plplplpl";
	static const char vn[] = "\xa7\x00\x00\x00\x00\x08plplplpl\x08PLPLPLPL\x00\x00\x00\x01\x6b\x33\x43\xcf";
	pl_probe_match m = expect_server(PL_PROTO_UDP, q, sizeof q - 1, vn, sizeof vn - 1, "quic");
	assert_string_equal(m.info, "Version Negotiation");
	/* our own datagram coming back unchanged (an echo service) is no QUIC, nor is any of our questions
	 * echoed a reply of the protocol it asks about */
	assert_int_equal(pl_probe_identify(PL_PROTO_UDP, q, sizeof q - 1, q, sizeof q - 1, &m), 0);
	static const char dnsq[] = "PL\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07version\x04" "bind\x00\x00\x10\x00\x03";
	pl_probe_match e;
	size_t decided;
	assert_int_equal(pl_probe_identify_ex(PL_PROTO_UDP, NULL, 0, dnsq, sizeof dnsq - 1, &e, &decided), 0);
	/* a real client's Initial (version 1) is named from the client side */
	static const char v1[] = "\xc3\x00\x00\x00\x01\x08\x01\x02\x03\x04\x05\x06\x07\x08\x00";
	expect_server(PL_PROTO_UDP, v1, sizeof v1 - 1, NULL, 0, "quic");
}

static void test_match_names_mysql_and_mariadb_greetings(void **state)
{
	(void)state;
	pl_probe_match m = expect_server(PL_PROTO_TCP, NULL, 0, S("\x4a\x00\x00\x00\x0a" "8.0.36\x00\x08\x00\x00\x00"), "mysql");
	assert_string_equal(m.product, "MySQL");
	assert_string_equal(m.version, "8.0.36");
	m = expect_server(PL_PROTO_TCP, NULL, 0, S("\x5b\x00\x00\x00\x0a" "5.5.5-10.11.6-MariaDB-0+deb12u1\x00\x01"), "mysql");
	assert_string_equal(m.product, "MariaDB");
	assert_string_equal(m.version, "10.11.6");
}

static void test_match_names_client_payloads_alone(void **state)
{
	(void)state;
	expect_server(PL_PROTO_TCP, S("GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"), NULL, 0, "http");
	expect_server(PL_PROTO_TCP, S("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"), NULL, 0, "tls");
	expect_server(PL_PROTO_TCP, S("SSH-2.0-OpenSSH_9.2p1\r\n"), NULL, 0, "ssh");
	expect_server(PL_PROTO_UDP, S("\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07" "example\x03" "com\x00\x00\x01\x00\x01"),
		      NULL, 0, "dns");
}

static void test_match_names_nothing_in_garbage_and_respects_transport(void **state)
{
	(void)state;
	pl_probe_match m;
	assert_int_equal(pl_probe_identify(PL_PROTO_TCP, NULL, 0, S("\x00\x17garbage\xff\xfe\x01 nonsense"), &m), 0);
	assert_int_equal(pl_probe_identify(PL_PROTO_TCP, NULL, 0, NULL, 0, &m), 0);
	/* a DNS-looking datagram is no TCP reply */
	assert_int_equal(pl_probe_identify(PL_PROTO_TCP, NULL, 0, S("\xab\xcd\x81\x80\x00\x01\x00\x00"), &m), 0);
	assert_int_equal(pl_probe_identify(PL_PROTO_UDP, NULL, 0, S("\xab\xcd\x81\x80\x00\x01\x00\x00"), &m), 1);
}

static void test_match_product_text_is_printable(void **state)
{
	(void)state;
	pl_probe_match m = expect_server(PL_PROTO_TCP, NULL, 0, S("HTTP/1.1 200 OK\r\nServer: ev\x01il/1\x1b[2J\r\n\r\n"), "http");
	for (const char *p = m.product; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	for (const char *p = m.version; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
	char esc[64];
	pl_probe_escape((const unsigned char *)"a\r\n\x00\xff\\", 6, esc, sizeof esc);
	assert_string_equal(esc, "a\\r\\n\\x00\\xff\\\\");
}

static int pl_probe_parse_spec_tcp(const char *spec, char *host, size_t hs, pl_probe_port *p, size_t max, pl_error *err)
{
	return pl_probe_parse_spec(spec, PL_PROTO_TCP, host, hs, p, max, err);
}

static void test_probe_spec_parses_hosts_and_port_lists(void **state)
{
	(void)state;
	char host[256];
	pl_probe_port p[64];
	pl_error err = {0};
	assert_int_equal(pl_probe_parse_spec_tcp("localhost:22,80,8000-8002,53/udp", host, sizeof host, p, 64, &err), 6);
	assert_string_equal(host, "localhost");
	assert_int_equal(p[2].port, 8000);
	assert_int_equal(p[4].port, 8002);
	assert_int_equal(p[5].port, 53);
	assert_int_equal(p[5].proto, PL_PROTO_UDP);
	assert_int_equal(pl_probe_parse_spec_tcp("[::1]:2908", host, sizeof host, p, 64, &err), 1);
	assert_string_equal(host, "::1");
	assert_int_equal(pl_probe_parse_spec_tcp("::1", host, sizeof host, p, 64, &err), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(pl_probe_parse_spec_tcp("10.0.0.1", host, sizeof host, p, 64, &err), 0);
	assert_int_equal(pl_probe_parse_spec_tcp("h:0", host, sizeof host, p, 64, &err), PL_EINVAL);
	assert_non_null(strstr(err.msg, "1-65535"));
	assert_int_equal(pl_probe_parse_spec_tcp("h:22,", host, sizeof host, p, 64, &err), PL_EINVAL);
	assert_int_equal(pl_probe_parse_spec_tcp("h:22/sctp", host, sizeof host, p, 64, &err), PL_EINVAL);
	assert_int_equal(pl_probe_parse_spec_tcp(":22", host, sizeof host, p, 64, &err), PL_EINVAL);
	assert_int_equal(pl_probe_parse_spec_tcp("h:1-100", host, sizeof host, p, 64, &err), PL_ELIMIT);
	assert_int_equal(pl_probe_parse_spec_tcp("[::1", host, sizeof host, p, 64, &err), PL_EINVAL);
	/* --udp: what names no transport is udp; /tcp still says tcp */
	assert_int_equal(pl_probe_parse_spec("h:53,80/tcp", PL_PROTO_UDP, host, sizeof host, p, 64, &err), 2);
	assert_int_equal(p[0].proto, PL_PROTO_UDP);
	assert_int_equal(p[1].proto, PL_PROTO_TCP);
}

static void test_probe_verdict_says_probed_and_not_the_registered_service(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry("mao\t2908\ttcp\tmao\t\t\t\t\t\t\t\t\n"
				       "ssh\t22\ttcp\tThe Secure Shell (SSH) Protocol\t\t\t\t\t\t\t\t\n");
	pl_probe_result r = {0};
	r.target.port = 2908;
	r.target.proto = PL_PROTO_TCP;
	r.state = PL_PROBE_IDENTIFIED;
	strcpy(r.match.protocol, "http");
	strcpy(r.match.product, "nginx");
	strcpy(r.match.version, "1.22.1");
	char buf[256];
	uint32_t rec;
	bool has;
	assert_int_equal(pl_probe_judge(reg, &r, &rec, &has, buf, sizeof buf), PL_VERDICT_MISMATCH);
	assert_string_equal(buf, "HTTP (nginx 1.22.1) on 2908/tcp: not mao — probed");
	r.target.port = 22;
	strcpy(r.match.protocol, "ssh");
	strcpy(r.match.product, "OpenSSH");
	r.match.version[0] = 0;
	assert_int_equal(pl_probe_judge(reg, &r, &rec, &has, buf, sizeof buf), PL_VERDICT_MATCH);
	assert_string_equal(buf, "SSH (OpenSSH) on 22/tcp: ssh, as registered — probed");
	pl_registry_close(reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_names_openssh_with_version),
		cmocka_unit_test(test_match_names_http_server_header_in_any_case),
		cmocka_unit_test(test_match_names_redis_version_from_info),
		cmocka_unit_test(test_match_one_byte_answer_counts_only_beside_its_question),
		cmocka_unit_test(test_match_names_dnsmasq_from_version_bind),
		cmocka_unit_test(test_match_names_quic_version_negotiation),
		cmocka_unit_test(test_match_names_mysql_and_mariadb_greetings),
		cmocka_unit_test(test_match_names_client_payloads_alone),
		cmocka_unit_test(test_match_names_nothing_in_garbage_and_respects_transport),
		cmocka_unit_test(test_match_product_text_is_printable),
		cmocka_unit_test(test_probe_spec_parses_hosts_and_port_lists),
		cmocka_unit_test(test_probe_verdict_says_probed_and_not_the_registered_service),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The packet decoder on frames built byte by byte: each link type, VLAN tags, IPv6 extension headers, ICMP
 * errors quoting a probe, and headers that lie about their lengths. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "portlore/traffic.h"

/* Ethernet (zero MACs) + IPv4 (ihl 5) + TCP (doff 5 + optlen) + payload, into buf; returns the length. */
static size_t eth_ipv4_tcp(uint8_t *buf, uint8_t flags, const char *payload, size_t optlen)
{
	size_t plen = strlen(payload), tl = 20 + 20 + optlen + plen;
	memset(buf, 0, 14 + tl);
	buf[12] = 0x08;
	uint8_t *ip = buf + 14;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tl >> 8);
	ip[3] = (uint8_t)tl;
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, "\x7f\x00\x00\x05", 4);
	memcpy(ip + 16, "\x7f\x00\x00\x01", 4);
	uint8_t *tcp = ip + 20;
	tcp[0] = 0xd4; tcp[1] = 0x31; /* 54321 */
	tcp[2] = 0x0b; tcp[3] = 0x5c; /* 2908 */
	tcp[12] = (uint8_t)((5 + optlen / 4) << 4);
	tcp[13] = flags;
	memcpy(tcp + 20 + optlen, payload, plen);
	return 14 + tl;
}

static void test_decode_ethernet_ipv4_tcp_names_ports_flags_and_payload(void **state)
{
	(void)state;
	uint8_t f[256];
	size_t n = eth_ipv4_tcp(f, 0x18, "GET / HTTP/1.1\r\n", 0);
	pl_packet p;
	assert_int_equal(pl_traffic_decode(1, f, n, n, &p), PL_DECODE_OK);
	assert_int_equal(p.family, 4);
	assert_int_equal(p.ipproto, 6);
	assert_int_equal(p.sport, 54321);
	assert_int_equal(p.dport, 2908);
	assert_int_equal(p.tcp_flags, 0x18);
	assert_int_equal(p.payload_len, 16);
	assert_memory_equal(p.payload, "GET /", 5);
	assert_ptr_equal(p.l3, f + 14);
	assert_memory_equal(p.src, "\x7f\x00\x00\x05", 4);
}

static void test_decode_ethernet_padding_is_not_payload(void **state)
{
	(void)state;
	uint8_t f[256];
	size_t n = eth_ipv4_tcp(f, 0x02, "", 4);
	memset(f + n, 0xee, 16); /* short frames are padded to 60 bytes on the wire */
	pl_packet p;
	assert_int_equal(pl_traffic_decode(1, f, n + 16, n + 16, &p), PL_DECODE_OK);
	assert_int_equal(p.payload_len, 0);
	assert_int_equal(p.tcp_optlen, 4);
}

static void test_decode_skips_vlan_and_qinq_tags(void **state)
{
	(void)state;
	uint8_t f[300], g[300];
	size_t n = eth_ipv4_tcp(f, 0x02, "", 0);
	memcpy(g, f, 12);
	memcpy(g + 12, "\x88\xa8\x00\x07\x81\x00\x00\x2a", 8);
	memcpy(g + 20, f + 12, n - 12);
	pl_packet p;
	assert_int_equal(pl_traffic_decode(1, g, n + 8, n + 8, &p), PL_DECODE_OK);
	assert_int_equal(p.dport, 2908);
	/* A tag and nothing after it. */
	assert_int_equal(pl_traffic_decode(1, g, 16, 16, &p), PL_DECODE_TRUNCATED);
}

static void test_decode_linux_cooked_null_loop_and_raw(void **state)
{
	(void)state;
	uint8_t f[256], g[300];
	size_t n = eth_ipv4_tcp(f, 0x02, "", 0), l3 = n - 14;
	pl_packet p;
	/* SLL: 16 bytes, protocol at 14 */
	memset(g, 0, 16);
	g[14] = 0x08;
	memcpy(g + 16, f + 14, l3);
	assert_int_equal(pl_traffic_decode(113, g, l3 + 16, l3 + 16, &p), PL_DECODE_OK);
	assert_int_equal(p.dport, 2908);
	/* SLL2: 20 bytes, protocol first */
	memset(g, 0, 20);
	g[0] = 0x08;
	memcpy(g + 20, f + 14, l3);
	assert_int_equal(pl_traffic_decode(276, g, l3 + 20, l3 + 20, &p), PL_DECODE_OK);
	/* NULL, little-endian AF_INET; LOOP, big-endian */
	memcpy(g, "\x02\x00\x00\x00", 4);
	memcpy(g + 4, f + 14, l3);
	assert_int_equal(pl_traffic_decode(0, g, l3 + 4, l3 + 4, &p), PL_DECODE_OK);
	memcpy(g, "\x00\x00\x00\x02", 4);
	assert_int_equal(pl_traffic_decode(108, g, l3 + 4, l3 + 4, &p), PL_DECODE_OK);
	memcpy(g, "\x00\x00\x00\x07", 4); /* not an IP family */
	assert_int_equal(pl_traffic_decode(108, g, l3 + 4, l3 + 4, &p), PL_DECODE_NOT_IP);
	/* raw IP */
	assert_int_equal(pl_traffic_decode(12, f + 14, l3, l3, &p), PL_DECODE_OK);
	assert_int_equal(pl_traffic_decode(9999, f, n, n, &p), PL_DECODE_LINKTYPE);
}

static void test_decode_ipv6_walks_extension_headers_to_udp(void **state)
{
	(void)state;
	uint8_t f[128] = {0};
	f[0] = 0x60;
	f[5] = 8 + 8 + 4;  /* payload length: hop-by-hop (8) + UDP (8) + 4 */
	f[6] = 0;          /* hop-by-hop first */
	f[23] = 1;         /* ::1 */
	f[39] = 1;
	f[40] = 17;        /* next: UDP */
	f[41] = 0;         /* 8 bytes */
	uint8_t *udp = f + 48;
	udp[0] = 0xc0; udp[1] = 0x00;
	udp[2] = 0x00; udp[3] = 0x35;
	memcpy(udp + 8, "abcd", 4);
	pl_packet p;
	assert_int_equal(pl_traffic_decode(229, f, 60, 60, &p), PL_DECODE_OK);
	assert_int_equal(p.family, 6);
	assert_int_equal(p.ipproto, 17);
	assert_int_equal(p.dport, 53);
	assert_int_equal(p.payload_len, 4);
	/* A non-first fragment carries no ports. */
	f[6] = 44;
	f[40] = 17;
	f[42] = 0x01; /* offset 32 */
	assert_int_equal(pl_traffic_decode(229, f, 60, 60, &p), PL_DECODE_FRAGMENT);
}

static void test_decode_icmp_unreachable_lands_on_the_quoted_flow(void **state)
{
	(void)state;
	/* 127.0.0.1 tells 127.0.0.7 that its datagram to port 161 found no one. */
	uint8_t f[128] = {0};
	f[0] = 0x45;
	f[3] = 20 + 8 + 28;
	f[9] = 1;
	memcpy(f + 12, "\x7f\x00\x00\x01", 4);
	memcpy(f + 16, "\x7f\x00\x00\x07", 4);
	uint8_t *icmp = f + 20;
	icmp[0] = 3;
	icmp[1] = 3;
	uint8_t *q = icmp + 8;
	q[0] = 0x45;
	q[3] = 28;
	q[9] = 17;
	memcpy(q + 12, "\x7f\x00\x00\x07", 4);
	memcpy(q + 16, "\x7f\x00\x00\x01", 4);
	q[20] = 0xa0; q[21] = 0x00;
	q[22] = 0x00; q[23] = 161;
	pl_packet p;
	assert_int_equal(pl_traffic_decode(228, f, 56, 56, &p), PL_DECODE_OK);
	assert_true(p.icmp_error);
	assert_int_equal(p.ipproto, 17);
	assert_int_equal(p.dport, 161);
	assert_memory_equal(p.src, "\x7f\x00\x00\x07", 4);
	/* An echo request is not about a port. */
	icmp[0] = 8;
	assert_int_equal(pl_traffic_decode(228, f, 56, 56, &p), PL_DECODE_OTHER_L4);
}

static void test_decode_icmpv6_unreachable_quotes_a_udp_probe(void **state)
{
	(void)state;
	/* ::1 tells ::1 (port 40000) that its datagram to port 2908 found no one. */
	uint8_t f[160] = {0};
	f[0] = 0x60;
	f[5] = 8 + 40 + 8;
	f[6] = 58;
	f[23] = 1;
	f[39] = 1;
	uint8_t *icmp = f + 40;
	icmp[0] = 1; /* destination unreachable */
	icmp[1] = 4; /* port unreachable */
	uint8_t *q = icmp + 8;
	q[0] = 0x60;
	q[5] = 8;
	q[6] = 17;
	q[23] = 1;
	q[39] = 1;
	q[40] = 0x9c; q[41] = 0x40; /* 40000 */
	q[42] = 0x0b; q[43] = 0x5c; /* 2908 */
	pl_packet p;
	assert_int_equal(pl_traffic_decode(229, f, 96, 96, &p), PL_DECODE_OK);
	assert_true(p.icmp_error);
	assert_int_equal(p.icmp_code, 4);
	assert_int_equal(p.family, 6);
	assert_int_equal(p.ipproto, 17);
	assert_int_equal(p.sport, 40000);
	assert_int_equal(p.dport, 2908);
	/* The quote cut short of its ports. */
	assert_int_equal(pl_traffic_decode(229, f, 40 + 8 + 40 + 4, 96, &p), PL_DECODE_TRUNCATED);
}

static void test_decode_reports_lying_and_cut_headers(void **state)
{
	(void)state;
	uint8_t f[256];
	size_t n = eth_ipv4_tcp(f, 0x02, "x", 0);
	pl_packet p;
	assert_int_equal(pl_traffic_decode(1, f, 10, 10, &p), PL_DECODE_TRUNCATED);
	assert_int_equal(pl_traffic_decode(1, f, 14 + 12, n, &p), PL_DECODE_TRUNCATED);
	f[14] = 0x41; /* IHL 4 bytes */
	assert_int_equal(pl_traffic_decode(1, f, n, n, &p), PL_DECODE_MALFORMED);
	f[14] = 0x65; /* version 6 behind an IPv4 EtherType */
	assert_int_equal(pl_traffic_decode(1, f, n, n, &p), PL_DECODE_MALFORMED);
	f[14] = 0x45;
	f[14 + 20 + 12] = 0x20; /* TCP header of 8 bytes */
	assert_int_equal(pl_traffic_decode(1, f, n, n, &p), PL_DECODE_MALFORMED);
	f[14 + 20 + 12] = 0xf0; /* 60 bytes, beyond the packet */
	assert_int_equal(pl_traffic_decode(1, f, n, n, &p), PL_DECODE_TRUNCATED);
	memcpy(f + 12, "\x08\x06", 2);
	assert_int_equal(pl_traffic_decode(1, f, n, n, &p), PL_DECODE_NOT_IP);
	assert_string_equal(pl_decode_status_name(PL_DECODE_TRUNCATED), "truncated");
}

static void test_protocol_keys_match_iana_service_names(void **state)
{
	(void)state;
	assert_true(pl_traffic_protocol_is_service("http", "http"));
	assert_true(pl_traffic_protocol_is_service("http", "www-http"));
	assert_true(pl_traffic_protocol_is_service("dns", "domain"));
	assert_true(pl_traffic_protocol_is_service("tls", "https"));
	assert_true(pl_traffic_protocol_is_service("ssh", "SSH"));
	assert_false(pl_traffic_protocol_is_service("http", "mao"));
	assert_false(pl_traffic_protocol_is_service("", "mao"));
	assert_string_equal(pl_traffic_protocol_display("redis"), "Redis");
	assert_string_equal(pl_traffic_protocol_display("gopher"), "gopher");
}

static void test_verdict_says_not_the_registered_service(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry("mao\t2908\ttcp\tmao\t\t\t\t\t\t\t\t\n"
				       "http\t80\ttcp\tWorld Wide Web HTTP\t\t\t\t\t\t\t\t\n");
	pl_traffic_port p = {.port = 2908, .proto = PL_PROTO_TCP, .flows = 3, .payload_flows = 3, .nprotocols = 1};
	strcpy(p.protocols[0].protocol, "http");
	p.protocols[0].by = "ndpi";
	p.protocols[0].flows = 3;
	pl_traffic_verdict v;
	pl_traffic_judge(reg, &p, &v);
	assert_int_equal(v.kind, PL_TV_MISMATCH);
	assert_string_equal(v.sentence, "HTTP on 2908/tcp: not mao — traffic-inspected");
	p.port = 80;
	pl_traffic_judge(reg, &p, &v);
	assert_int_equal(v.kind, PL_TV_MATCH);
	p.port = 2907;
	pl_traffic_judge(reg, &p, &v);
	assert_int_equal(v.kind, PL_TV_UNREGISTERED);
	p.nprotocols = 0;
	p.port = 2908;
	p.scan_flows = 3;
	pl_traffic_judge(reg, &p, &v);
	assert_int_equal(v.kind, PL_TV_SCANNED_ONLY);
	assert_string_equal(v.confidence, "by name");
	pl_registry_close(reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_ethernet_ipv4_tcp_names_ports_flags_and_payload),
		cmocka_unit_test(test_decode_ethernet_padding_is_not_payload),
		cmocka_unit_test(test_decode_skips_vlan_and_qinq_tags),
		cmocka_unit_test(test_decode_linux_cooked_null_loop_and_raw),
		cmocka_unit_test(test_decode_ipv6_walks_extension_headers_to_udp),
		cmocka_unit_test(test_decode_icmp_unreachable_lands_on_the_quoted_flow),
		cmocka_unit_test(test_decode_icmpv6_unreachable_quotes_a_udp_probe),
		cmocka_unit_test(test_decode_reports_lying_and_cut_headers),
		cmocka_unit_test(test_protocol_keys_match_iana_service_names),
		cmocka_unit_test(test_verdict_says_not_the_registered_service),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

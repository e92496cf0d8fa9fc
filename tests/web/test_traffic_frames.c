/* The traffic frames of `serve --capture` (src/web/tframe.c) and the /metrics series drawn from them
 * (src/web/tmetrics.c): a summary survives the socketpair whole; a frame cut short, with a count, a
 * transport, an order, a code, a family or a time that is off, is refused; and /metrics stays within its
 * bound however many ports and protocols the capture saw. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "web/internal.h"

#define HEAD 8 /* magic and length: pl_web_frame_read's part */

static void set_proto(pl_traffic_protocol *p, const char *key, const char *by, uint64_t flows)
{
	memset(p, 0, sizeof *p);
	snprintf(p->protocol, sizeof p->protocol, "%s", key);
	p->by = by;
	p->flows = flows;
}

/* A summary with n ports (TCP, from port 1000 up) and two scanners. */
static pl_traffic_result *sample(size_t n)
{
	pl_traffic_result *r = calloc(1, sizeof *r);
	assert_non_null(r);
	r->ports = calloc(n, sizeof *r->ports);
	r->nports = n;
	snprintf(r->stats.dpi, sizeof r->stats.dpi, "nDPI 4.2.0");
	r->stats.frames = 1234;
	for (size_t i = 0; i < n; i++) {
		pl_traffic_port *p = &r->ports[i];
		p->port = (uint16_t)(1000 + i);
		p->proto = PL_PROTO_TCP;
		p->flows = 3 + i;
		p->packets[0] = 10 + i, p->packets[1] = 20 + i;
		p->bytes[0] = 1000, p->bytes[1] = 2000;
		p->first = 1796000000.5, p->last = 1796000001.5;
		p->clients = 1;
		p->nprotocols = 2;
		set_proto(&p->protocols[0], "http", "ndpi", 2);
		set_proto(&p->protocols[1], "redis", "probe", 1);
		snprintf(p->protocols[1].product, sizeof p->protocols[1].product, "Redis");
	}
	if (n) {
		r->ports[0].scanners = 1;
		r->ports[0].scanner_family[0] = 4;
		memcpy(r->ports[0].scanner_addr[0], (uint8_t[]){127, 0, 0, 5}, 4);
	}
	r->scanners = calloc(2, sizeof *r->scanners);
	r->nscanners = 2;
	for (int i = 0; i < 2; i++) {
		r->scanners[i].family = 4;
		memcpy(r->scanners[i].addr, (uint8_t[]){127, 0, 0, (uint8_t)(5 + i)}, 4);
		r->scanners[i].kinds = PL_SCAN_TCP_CONNECT;
		r->scanners[i].ports = 302;
		r->scanners[i].first = r->scanners[i].last = 1796000000;
		snprintf(r->scanners[i].swept, sizeof r->scanners[i].swept, "tcp 1-302");
	}
	return r;
}

static int decode(const pl_buf *b, pl_web_traffic **t)
{
	return pl_web_traffic_decode(b->data + HEAD, b->len - HEAD, t);
}

static void encode(const pl_traffic_result *r, pl_buf *b)
{
	b->len = 0;
	assert_int_equal(pl_web_traffic_encode(r, "lo", "tcp or udp", 1796000000, 2, NULL, 1796000005000ull, b), 0);
}

static void test_traffic_frame_round_trip(void **state)
{
	(void)state;
	pl_traffic_result *r = sample(3);
	pl_buf b;
	pl_buf_init(&b, PL_WEB_TRAFFIC_MAX);
	encode(r, &b);
	pl_web_traffic *t;
	assert_int_equal(decode(&b, &t), 0);
	assert_string_equal(t->iface, "lo");
	assert_string_equal(t->filter, "tcp or udp");
	assert_string_equal(t->dpi, "nDPI 4.2.0");
	assert_int_equal(t->frames, 1234);
	assert_int_equal(t->open_flows, 2);
	assert_int_equal(t->nports, 3);
	assert_int_equal(t->ports_seen, 3);
	assert_int_equal(t->nscanners, 2);
	const pl_traffic_port *p = pl_web_traffic_port(t, 1001, PL_PROTO_TCP);
	assert_non_null(p);
	assert_int_equal(p->flows, 4);
	assert_int_equal(p->nprotocols, 2);
	assert_string_equal(p->protocols[0].protocol, "http");
	assert_string_equal(p->protocols[0].by, "ndpi");
	assert_string_equal(p->protocols[1].by, "probe");
	assert_string_equal(p->protocols[1].product, "Redis");
	/* by's word is the decoder's own, never a pointer that came with the frame */
	assert_true(p->protocols[0].by != r->ports[1].protocols[0].by || strcmp(p->protocols[0].by, "ndpi") == 0);
	assert_null(pl_web_traffic_port(t, 1001, PL_PROTO_UDP));
	assert_null(pl_web_traffic_port(t, 999, PL_PROTO_TCP));
	assert_int_equal(pl_web_traffic_port(t, 1000, PL_PROTO_TCP)->scanners, 1);
	pl_web_traffic_unref(t);
	/* a capture that could not open travels as its reason */
	b.len = 0;
	assert_int_equal(pl_web_traffic_encode(NULL, "eth9", "", 1796000000, 0, "no such device", 1, &b), 0);
	assert_int_equal(decode(&b, &t), 0);
	assert_string_equal(t->error, "no such device");
	assert_int_equal(t->nports, 0);
	pl_web_traffic_unref(t);
	pl_buf_free(&b);
	pl_traffic_result_free(r);
}

/* Cut anywhere, or one byte too many: refused. */
static void test_traffic_frame_cut_or_padded_is_refused(void **state)
{
	(void)state;
	pl_traffic_result *r = sample(4);
	pl_buf b;
	pl_buf_init(&b, PL_WEB_TRAFFIC_MAX);
	encode(r, &b);
	pl_web_traffic *t;
	for (size_t n = 0; n < b.len - HEAD; n++)
		assert_int_equal(pl_web_traffic_decode(b.data + HEAD, n, &t), PL_EFORMAT);
	assert_int_equal(pl_buf_addc(&b, 0), 0);
	assert_int_equal(decode(&b, &t), PL_EFORMAT);
	pl_buf_free(&b);
	pl_traffic_result_free(r);
}

/* Each lie a frame can tell about its content is caught. */
static void test_traffic_frame_malformed_fields_are_refused(void **state)
{
	(void)state;
	pl_buf b;
	pl_buf_init(&b, PL_WEB_TRAFFIC_MAX);
	pl_web_traffic *t;
	pl_traffic_result *r = sample(3);

	r->ports[1].nprotocols = PL_TRAFFIC_MAX_PROTOCOLS + 1; /* more protocols than a port holds */
	encode(r, &b);
	assert_int_equal(decode(&b, &t), PL_EFORMAT);
	r->ports[1].nprotocols = 2;

	r->ports[2].proto = PL_PROTO_SCTP; /* a transport the capture never makes */
	encode(r, &b);
	assert_int_equal(decode(&b, &t), PL_EFORMAT);
	r->ports[2].proto = PL_PROTO_TCP;

	r->ports[2].port = 1000; /* out of order (a duplicate): the lookup bisects */
	encode(r, &b);
	assert_int_equal(decode(&b, &t), PL_EFORMAT);
	r->ports[2].port = 1002;

	r->ports[0].first = NAN; /* not a time */
	encode(r, &b);
	assert_int_equal(decode(&b, &t), PL_EFORMAT);
	r->ports[0].first = 1796000000;

	r->ports[0].scanner_family[0] = 5; /* an address of no family */
	encode(r, &b);
	assert_int_equal(decode(&b, &t), PL_EFORMAT);
	r->ports[0].scanner_family[0] = 4;

	r->scanners[1].family = 0;
	encode(r, &b);
	assert_int_equal(decode(&b, &t), PL_EFORMAT);
	r->scanners[1].family = 4;

	r->scanners[0].kinds = 0x100; /* kinds no scanner has */
	encode(r, &b);
	assert_int_equal(decode(&b, &t), PL_EFORMAT);
	r->scanners[0].kinds = PL_SCAN_TCP_SYN;

	/* without scanners, the byte before the map of ports seen is the last protocol's `by` code: one no
	 * word has */
	r->nscanners = 0;
	encode(r, &b);
	assert_int_equal(decode(&b, &t), 0);
	assert_true(pl_web_traffic_seen(t, 1002, PL_PROTO_TCP));
	assert_false(pl_web_traffic_seen(t, 1003, PL_PROTO_TCP));
	pl_web_traffic_unref(t);
	b.data[b.len - PL_TRAFFIC_SEEN_BYTES - 1] = 9;
	assert_int_equal(decode(&b, &t), PL_EFORMAT);

	/* a detailed port the map of ports seen does not have */
	encode(r, &b);
	memset(b.data + b.len - PL_TRAFFIC_SEEN_BYTES, 0, PL_TRAFFIC_SEEN_BYTES);
	assert_int_equal(decode(&b, &t), PL_EFORMAT);

	/* a count of ports beyond the frame, and one beyond the ports seen: both read from the frame's
	 * fixed part, found by the count it was written with */
	encode(r, &b);
	uint32_t three = 3, big = 0x7fffffff;
	uint8_t *at = memmem(b.data + HEAD, b.len - HEAD, (uint32_t[]){3, 3}, 8); /* ports_seen, nports */
	assert_non_null(at);
	memcpy(at + 4, &big, 4);
	assert_int_equal(decode(&b, &t), PL_EFORMAT);
	memcpy(at + 4, &three, 4);
	memcpy(at, (uint32_t[]){2}, 4); /* fewer seen than detailed */
	assert_int_equal(decode(&b, &t), PL_EFORMAT);

	/* a strings' end past its buffer is cut, not read on: the decoded string ends inside */
	r->nscanners = 2;
	memset(r->scanners[0].swept, 'x', sizeof r->scanners[0].swept);
	encode(r, &b);
	assert_int_equal(decode(&b, &t), 0);
	assert_int_equal(strlen(t->scanners[0].swept), sizeof t->scanners[0].swept - 1);
	pl_web_traffic_unref(t);

	pl_buf_free(&b);
	pl_traffic_result_free(r);
}

/* More ports than a frame details: the busiest are kept, the rest summed as "other". */
static void test_traffic_frame_keeps_the_busiest_ports(void **state)
{
	(void)state;
	size_t n = PL_WEB_TRAFFIC_PORTS + 500;
	pl_traffic_result *r = sample(n);
	pl_buf b;
	pl_buf_init(&b, PL_WEB_TRAFFIC_MAX);
	encode(r, &b);
	pl_web_traffic *t;
	assert_int_equal(decode(&b, &t), 0);
	assert_int_equal(t->ports_seen, n);
	assert_int_equal(t->nports, PL_WEB_TRAFFIC_PORTS);
	/* packets grow with the port number: the 500 lowest are the ones summed */
	assert_null(pl_web_traffic_port(t, 1000, PL_PROTO_TCP));
	assert_non_null(pl_web_traffic_port(t, (uint16_t)(1000 + n - 1), PL_PROTO_TCP));
	assert_int_equal(t->other.packets[0], 500 * 10 + 499 * 500 / 2);
	pl_web_traffic_unref(t);
	pl_buf_free(&b);
	pl_traffic_result_free(r);
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/* However many ports and protocols: at most 16 ports and "other", protocol labels from the fixed set. */
static void test_traffic_metrics_stay_bounded(void **state)
{
	(void)state;
	size_t n = PL_WEB_TRAFFIC_PORTS;
	pl_traffic_result *r = sample(n);
	static const char *const keys[] = {"http", "tls", "ssh", "dns", "redis", "x\"evil\nlabel", "mysql", "unheard-of"};
	for (size_t i = 0; i < n; i++) {
		r->ports[i].nprotocols = PL_TRAFFIC_MAX_PROTOCOLS;
		for (int k = 0; k < PL_TRAFFIC_MAX_PROTOCOLS; k++)
			set_proto(&r->ports[i].protocols[k], keys[k], "ndpi", 1);
		r->ports[i].flows = 20;
	}
	pl_buf b;
	pl_buf_init(&b, PL_WEB_TRAFFIC_MAX);
	encode(r, &b);
	pl_web_traffic *t;
	assert_int_equal(decode(&b, &t), 0);
	pl_buf m;
	pl_buf_init(&m, PL_WEB_METRICS_MAX);
	assert_int_equal(pl_web_traffic_metrics_of(t, false, &m), 0);
	const char *s = pl_buf_str(&m);
	/* 16 ports and "other", two directions each */
	assert_int_equal(count(s, "portlore_traffic_packets_total{"), 2 * (PL_WEB_TRAFFIC_SERIES_PORTS + 1));
	assert_int_equal(count(s, "portlore_traffic_packets_total{port=\"other\""), 2);
	assert_int_equal(count(s, "portlore_traffic_scanners{"), PL_WEB_TRAFFIC_SERIES_PORTS);
	/* 6 known keys + "other" + "unidentified" a port, and the "other" port's one */
	assert_int_equal(count(s, "portlore_traffic_flows_total{"), PL_WEB_TRAFFIC_SERIES_PORTS * 8 + 1);
	assert_null(strstr(s, "evil"));
	assert_null(strstr(s, "unheard-of"));
	assert_true(m.len < 32 * 1024);
	/* the busiest (highest) port is there, the quietest not */
	assert_non_null(strstr(s, "port=\"2023\""));
	assert_null(strstr(s, "port=\"1000\""));
	pl_buf_free(&m);
	pl_web_traffic_unref(t);
	/* no capture: one series saying so */
	pl_buf_init(&m, PL_WEB_METRICS_MAX);
	assert_int_equal(pl_web_traffic_metrics_of(NULL, false, &m), 0);
	assert_non_null(strstr(pl_buf_str(&m), "portlore_traffic_capturing 0\n"));
	assert_null(strstr(pl_buf_str(&m), "portlore_traffic_packets_total"));
	pl_buf_free(&m);
	pl_buf_free(&b);
	pl_traffic_result_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_traffic_frame_round_trip),
		cmocka_unit_test(test_traffic_frame_cut_or_padded_is_refused),
		cmocka_unit_test(test_traffic_frame_malformed_fields_are_refused),
		cmocka_unit_test(test_traffic_frame_keeps_the_busiest_ports),
		cmocka_unit_test(test_traffic_metrics_stay_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The scanner rules on flows built by hand: thresholds per epoch, what counts as an attempt, and how the
 * kind of scan is read from the packets. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "traffic/internal.h"

static pl_scan_opts defaults(void)
{
	pl_traffic_opts o = {0};
	pl_traffic_opts_defaults(&o);
	return o.scan;
}

/* A TCP flow from 10.0.0.<src> to 10.0.1.<host>:<port> at time t. */
static pl_flow tcp_flow(uint8_t src, uint8_t host, uint16_t port, double t)
{
	pl_flow f;
	memset(&f, 0, sizeof f);
	f.family = 4;
	f.ipproto = 6;
	memcpy(f.caddr, (uint8_t[]){10, 0, 0, src}, 4);
	memcpy(f.saddr, (uint8_t[]){10, 0, 1, host}, 4);
	f.cport = 40000;
	f.sport = port;
	f.first = f.last = t;
	f.syn = true;
	f.pkts[DIR_C2S] = 1;
	return f;
}

static size_t scanners_of(pl_flow *flows, size_t n, const pl_scan_opts *o, pl_traffic_result *r)
{
	pl_sources s = {0};
	pl_portmap m = {0};
	memset(r, 0, sizeof *r);
	for (size_t i = 0; i < n; i++) {
		pl_tcp_outcome oc = pl_flow_outcome(&flows[i]);
		assert_int_equal(pl_ports_add(&m, &flows[i], oc), 0);
		assert_int_equal(pl_sources_add(&s, &flows[i], oc, o), 0);
	}
	assert_int_equal(pl_sources_collect(&s, o, &m, r), 0);
	pl_sources_free(&s);
	pl_ports_free(&m);
	return r->nscanners;
}

static void test_refused_syns_to_many_ports_make_a_scanner(void **state)
{
	(void)state;
	pl_scan_opts o = defaults();
	pl_flow f[20];
	for (int i = 0; i < 20; i++) {
		f[i] = tcp_flow(5, 1, (uint16_t)(100 + i), 1000.0 + i * 0.01);
		f[i].rst[DIR_S2C] = true;
		f[i].pkts[DIR_S2C] = 1;
		f[i].crafted_syn = true;
	}
	pl_traffic_result r;
	assert_int_equal(scanners_of(f, 20, &o, &r), 1);
	assert_int_equal(r.scanners[0].ports, 20);
	assert_int_equal(r.scanners[0].outcome[PL_TCP_REFUSED], 20);
	assert_int_equal(r.scanners[0].kinds, PL_SCAN_TCP_SYN);
	assert_string_equal(r.scanners[0].swept, "tcp 100-119");
	free(r.scanners);
}

static void test_many_connections_to_one_service_are_no_scan(void **state)
{
	(void)state;
	pl_scan_opts o = defaults();
	pl_flow f[200];
	for (int i = 0; i < 200; i++) {
		f[i] = tcp_flow(8, 1, i < 100 ? 2908 : 2907, 1000.0 + i * 0.01);
		f[i].cport = (uint16_t)(40000 + i);
		if (i < 100) { /* real: handshake, the client speaks */
			f[i].synack = f[i].handshake = true;
			f[i].payload_pkts[DIR_C2S] = 1;
			f[i].pkts[DIR_C2S] = 5;
			f[i].pkts[DIR_S2C] = 4;
		} else { /* refused, again and again, on one port */
			f[i].rst[DIR_S2C] = true;
			f[i].pkts[DIR_S2C] = 1;
		}
	}
	pl_traffic_result r;
	assert_int_equal(scanners_of(f, 200, &o, &r), 0);
	free(r.scanners);
}

static void test_threshold_counts_within_one_epoch(void **state)
{
	(void)state;
	pl_scan_opts o = defaults();
	/* 10 ports now and 10 more ports ten minutes later: never 15 in one 300 s epoch. */
	pl_flow f[20];
	for (int i = 0; i < 20; i++)
		f[i] = tcp_flow(6, 1, (uint16_t)(200 + i), 1000.0 + (i < 10 ? 0 : 600) + i);
	pl_traffic_result r;
	assert_int_equal(scanners_of(f, 20, &o, &r), 0);
	free(r.scanners);
	o.window = 3600;
	assert_int_equal(scanners_of(f, 20, &o, &r), 1);
	assert_int_equal(r.scanners[0].outcome[PL_TCP_UNANSWERED], 20);
	assert_int_equal(r.scanners[0].kinds, PL_SCAN_TCP_CONNECT); /* kernel SYNs */
	free(r.scanners);
}

static void test_one_port_on_many_hosts_is_an_address_scan(void **state)
{
	(void)state;
	pl_scan_opts o = defaults();
	pl_flow f[30];
	for (int i = 0; i < 30; i++) {
		f[i] = tcp_flow(7, (uint8_t)(i + 1), 22, 1000.0 + i);
		f[i].synack = true; /* open, then left half-open */
		f[i].rst[DIR_C2S] = true;
		f[i].pkts[DIR_S2C] = 1;
	}
	pl_traffic_result r;
	assert_int_equal(scanners_of(f, 30, &o, &r), 1);
	assert_int_equal(r.scanners[0].hosts, 30);
	assert_int_equal(r.scanners[0].max_hosts_per_port, 30);
	assert_int_equal(r.scanners[0].open_ports, 30);
	assert_int_equal(r.scanners[0].outcome[PL_TCP_HALF_OPEN], 30);
	assert_int_equal(r.scanners[0].kinds, PL_SCAN_TCP_SYN);
	free(r.scanners);
}

static void test_probes_without_a_syn_are_tcp_other(void **state)
{
	(void)state;
	pl_scan_opts o = defaults();
	/* A FIN scan: closed ports answer RST, open ones stay silent; no SYN anywhere. */
	pl_flow f[20];
	for (int i = 0; i < 20; i++) {
		f[i] = tcp_flow(9, 1, (uint16_t)(1 + i), 1000.0 + i);
		f[i].syn = false;
		f[i].midstream = true;
		f[i].rst[DIR_S2C] = i % 2;
		f[i].pkts[DIR_S2C] = (uint64_t)(i % 2);
	}
	pl_traffic_result r;
	assert_int_equal(scanners_of(f, 20, &o, &r), 1);
	assert_int_equal(r.scanners[0].kinds, PL_SCAN_TCP);
	char kinds[32];
	assert_string_equal(pl_scan_kinds_name(r.scanners[0].kinds, kinds, sizeof kinds), "tcp-other");
	free(r.scanners);
}

static void test_flow_outcomes(void **state)
{
	(void)state;
	pl_flow f = tcp_flow(1, 1, 80, 1);
	assert_int_equal(pl_flow_outcome(&f), PL_TCP_UNANSWERED);
	f.pkts[DIR_S2C] = 1;
	f.rst[DIR_S2C] = true;
	assert_int_equal(pl_flow_outcome(&f), PL_TCP_REFUSED);
	f.rst[DIR_S2C] = false;
	f.synack = true;
	assert_int_equal(pl_flow_outcome(&f), PL_TCP_HALF_OPEN);
	f.handshake = true;
	assert_int_equal(pl_flow_outcome(&f), PL_TCP_ESTABLISHED);
	f.ipproto = 17;
	f.pkts[DIR_S2C] = 0;
	f.icmp_refused = true;
	assert_int_equal(pl_flow_outcome(&f), PL_TCP_REFUSED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_syns_to_many_ports_make_a_scanner),
		cmocka_unit_test(test_many_connections_to_one_service_are_no_scan),
		cmocka_unit_test(test_threshold_counts_within_one_epoch),
		cmocka_unit_test(test_one_port_on_many_hosts_is_an_address_scan),
		cmocka_unit_test(test_probes_without_a_syn_are_tcp_other),
		cmocka_unit_test(test_flow_outcomes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The local verdict: a listener against the registered service and the port's known uses. A generic
 * runtime is judged by its command line, a container runtime's publisher is named, a daemon's name on an
 * unpackaged binary is pointed out, and "not it" needs owners that match nothing. */
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "portlore/explain.h"

#define E "\t\t\t\t\t\t\t\t"
static const char rows[] = "amqp\t5672\ttcp\tAMQP" E "\n"
			   "mao\t2908\ttcp\tmao" E "\n"
			   "hbci\t3000\ttcp\tHBCI" E "\n";

struct one {
	pl_socket_set set;
	pl_socket sock;
	pl_process proc;
	uint32_t link;
};

/* A set holding one listener on port owned by one process. */
static void one_listener(struct one *o, uint16_t port, const char *comm, const char *exe, char *cmdline)
{
	memset(o, 0, sizeof *o);
	o->proc.pid = 4242;
	snprintf(o->proc.comm, sizeof o->proc.comm, "%s", comm);
	o->proc.exe = (char *)exe;
	o->proc.cmdline = cmdline;
	o->sock.proto = PL_PROTO_TCP;
	o->sock.listening = true;
	o->sock.local_port = port;
	o->sock.owner_status = PL_OWNER_FOUND;
	o->sock.owners_first = 0;
	o->sock.owners_count = 1;
	o->link = 0;
	o->set = (pl_socket_set){.socks = &o->sock, .n = 1, .procs = &o->proc, .nprocs = 1, .owner_links = &o->link,
				 .nlinks = 1};
}

static pl_match_verdict judge(pl_registry *reg, struct one *o, char *text, size_t size)
{
	uint32_t idx[8], rec = 0;
	bool has = false;
	size_t n = pl_registry_lookup_port(reg, o->sock.local_port, PL_PROTO_NONE, idx, 8);
	pl_match_verdict v = pl_verdict_judge(reg, &o->set, &o->sock, idx, n, &rec, &has);
	pl_verdict_explain(reg, &o->set, &o->sock, v, rec, has, text, size);
	return v;
}

static void test_verdict_generic_runtime_is_judged_by_its_command_line(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry(rows);
	struct one o;
	char text[512], cmd1[] = "java -Drabbitmq.config=/etc/rabbitmq/rabbitmq.conf -jar broker.jar",
			cmd2[] = "java -jar app.jar", cmd3[] = "python3 -m http.server 2908";
	one_listener(&o, 5672, "java", "/usr/lib/jvm/java-17/bin/java", cmd1);
	assert_int_equal(judge(reg, &o, text, sizeof text), PL_VERDICT_MATCH);
	assert_non_null(strstr(text, "its command line names RabbitMQ AMQP listener"));
	one_listener(&o, 5672, "java", "/usr/lib/jvm/java-17/bin/java", cmd2);
	assert_int_equal(judge(reg, &o, text, sizeof text), PL_VERDICT_UNKNOWN);
	assert_non_null(strstr(text, "generic runtime"));
	one_listener(&o, 2908, "python3", "/usr/bin/python3.11", cmd3);
	assert_int_equal(judge(reg, &o, text, sizeof text), PL_VERDICT_UNKNOWN);
	pl_registry_close(reg);
}

static void test_verdict_known_use_matches_and_strangers_do_not(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry(rows);
	struct one o;
	char text[512], cmd[] = "/usr/share/grafana/bin/grafana server", other[] = "/usr/local/bin/mydaemon";
	/* 3000 is registered as hbci, but Grafana is a known use of it: no "not it". */
	one_listener(&o, 3000, "grafana", "/usr/share/grafana/bin/grafana", cmd);
	assert_int_equal(judge(reg, &o, text, sizeof text), PL_VERDICT_MATCH);
	assert_non_null(strstr(text, "a known use of this port"));
	assert_non_null(strstr(text, "grafana.com"));
	one_listener(&o, 3000, "mydaemon", "/usr/local/bin/mydaemon", other);
	assert_int_equal(judge(reg, &o, text, sizeof text), PL_VERDICT_MISMATCH);
	assert_non_null(strstr(text, "this is not it"));
	pl_registry_close(reg);
}

static void test_verdict_names_container_proxies_and_odd_places(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry(rows);
	struct one o;
	char text[512], cmd[] = "/usr/bin/docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 2908",
			rabbit[] = "/tmp/x/rabbitmq-server";
	one_listener(&o, 2908, "docker-proxy", "/usr/bin/docker-proxy", cmd);
	assert_int_equal(judge(reg, &o, text, sizeof text), PL_VERDICT_PROXY);
	assert_non_null(strstr(text, "container runtime's port publisher"));
	assert_string_equal(pl_verdict_name(PL_VERDICT_PROXY), "proxy");
	one_listener(&o, 5672, "rabbitmq-server", "/tmp/x/rabbitmq-server", rabbit);
	assert_int_equal(judge(reg, &o, text, sizeof text), PL_VERDICT_MATCH);
	assert_non_null(strstr(text, "outside the system's directories"));
	/* The same from /usr/lib is nothing to point out. */
	one_listener(&o, 5672, "rabbitmq-server", "/usr/lib/rabbitmq/bin/rabbitmq-server", rabbit);
	assert_int_equal(judge(reg, &o, text, sizeof text), PL_VERDICT_MATCH);
	assert_null(strstr(text, "outside"));
	pl_registry_close(reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_generic_runtime_is_judged_by_its_command_line),
		cmocka_unit_test(test_verdict_known_use_matches_and_strangers_do_not),
		cmocka_unit_test(test_verdict_names_container_proxies_and_odd_places),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

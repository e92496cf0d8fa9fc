/* Reports: spec resolution (port, range, name), host facts from a fake /proc, and the ghost verdict. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"
#include "portlore/explain.h"

#define E "\t\t\t\t\t\t\t\t"
static const char rows[] =
	"mao\t2908\ttcp\tmao\tMarc_Baudoin\tMarc_Baudoin\t\t\t\t\t\t\n"
	"mao\t2908\tudp\tmao\tMarc_Baudoin\tMarc_Baudoin\t\t\t\t\t\t\n"
	"ssh\t22\ttcp\tThe Secure Shell (SSH) Protocol\t\t\t\t\trfc:rfc4251\t\t\t\n"
	"x11\t6000-6063\ttcp\tX Window System" E "\n"
	"lonely\t\ttcp\tname only" E "\n";

static char *fake_proc(const char *unpriv, const char *range, const char *reserved)
{
	char *dir = tu_tmpdir(), path[4200];
	snprintf(path, sizeof path, "%s/sys", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/sys/net", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/sys/net/ipv4", dir);
	mkdir(path, 0700);
	if (unpriv)
		tu_write(path, "ip_unprivileged_port_start", unpriv, strlen(unpriv));
	if (range)
		tu_write(path, "ip_local_port_range", range, strlen(range));
	if (reserved)
		tu_write(path, "ip_local_reserved_ports", reserved, strlen(reserved));
	return dir;
}

static pl_report *build(pl_registry *reg, const char *text, const char *proc, int expect)
{
	pl_spec spec;
	pl_error err = {0};
	assert_int_equal(pl_spec_parse(text, &spec, &err), 0);
	pl_report_opts o = {.proc_root = proc};
	pl_report *rep = NULL;
	int rc = pl_report_build(reg, &spec, &o, &rep, &err);
	if (rc != expect)
		fail_msg("%s: rc %d (%s)", text, rc, err.msg);
	return rep;
}

static void test_report_port_with_host_facts(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry(rows);
	char *proc = fake_proc("1024\n", "32768\t60999\n", "2908,5000-5010\n");
	pl_report *rep = build(reg, "2908", proc, 0);
	assert_int_equal(rep->nports, 1);
	pl_port_report *p = &rep->ports[0];
	assert_int_equal(p->port, 2908);
	assert_int_equal(p->range, PL_RANGE_USER);
	assert_true(p->bind_known);
	assert_true(p->unpriv_bind);
	assert_false(p->ephemeral);
	assert_true(p->reserved_local);
	assert_int_equal(p->nrecords, 2);
	assert_int_equal(p->missing, (1u << PL_PROTO_SCTP) | (1u << PL_PROTO_DCCP));
	assert_int_equal(p->ghost, PL_GHOST_YES); /* this registry has references, so the rule is sure */
	assert_int_equal(rep->host.eph_lo, 32768);
	assert_int_equal(rep->host.eph_hi, 60999);
	assert_int_equal(rep->host.nreserved, 2);
	pl_report_free(rep);

	rep = build(reg, "22/tcp", proc, 0);
	p = &rep->ports[0];
	assert_int_equal(p->range, PL_RANGE_SYSTEM);
	assert_false(p->unpriv_bind);
	assert_int_equal(p->ghost, PL_GHOST_NO);
	assert_int_equal(p->missing, 0);
	pl_report_free(rep);

	rep = build(reg, "50000", proc, 0);
	p = &rep->ports[0];
	assert_int_equal(p->range, PL_RANGE_DYNAMIC);
	assert_true(p->ephemeral);
	assert_int_equal(p->nrecords, 0);
	pl_report_free(rep);
	tu_rmtree(proc);
	free(proc);
	pl_registry_close(reg);
}

static void test_report_unreadable_sysctls_are_unknown_not_false(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry(rows);
	char *proc = fake_proc(NULL, "garbage", NULL);
	pl_report *rep = build(reg, "2908", proc, 0);
	assert_false(rep->ports[0].bind_known);
	assert_int_equal(rep->host.unpriv_start, -1);
	assert_int_equal(rep->host.eph_lo, -1);
	assert_int_equal(rep->host.nreserved, -1);
	pl_report_free(rep);
	tu_rmtree(proc);
	free(proc);
	pl_registry_close(reg);
}

static void test_report_range_and_name(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry(rows);
	char *proc = fake_proc("1024", "32768 60999", "");
	pl_report *rep = build(reg, "2900-2910", proc, 0);
	assert_int_equal(rep->nports, 11);
	assert_int_equal(rep->ports[8].port, 2908);
	assert_int_equal(rep->ports[8].nrecords, 2);
	assert_int_equal(rep->ports[0].nrecords, 0);
	pl_report_free(rep);
	rep = build(reg, "x11", proc, 0);
	assert_int_equal(rep->nports, 1);
	assert_int_equal(rep->ports[0].port, 6000);
	pl_report_free(rep);
	rep = build(reg, "lonely", proc, 0);
	assert_int_equal(rep->nports, 1);
	assert_false(rep->ports[0].has_port);
	pl_report_free(rep);
	assert_null(build(reg, "nosuch", proc, PL_ENOTFOUND));
	assert_null(build(reg, "29o8", proc, PL_EINVAL));
	assert_null(build(reg, "ssh/udp", proc, PL_ENOTFOUND));
	tu_rmtree(proc);
	free(proc);
	pl_registry_close(reg);
}

static void test_report_ghost_is_likely_without_references(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry("mao\t2908\ttcp\tmao" E "\n");
	pl_report *rep = build(reg, "2908", "/proc", 0);
	assert_int_equal(rep->ports[0].ghost, PL_GHOST_LIKELY);
	pl_report_free(rep);
	pl_registry_close(reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_port_with_host_facts),
		cmocka_unit_test(test_report_unreadable_sysctls_are_unknown_not_false),
		cmocka_unit_test(test_report_range_and_name),
		cmocka_unit_test(test_report_ghost_is_likely_without_references),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

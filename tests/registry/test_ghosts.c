/* Services and ghosts: a service is a name at a port range whatever its transports; it is a ghost when
 * every record of it is; the ghosts document counts both and resolves contacts through the people table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "portlore/render.h"

#define E "\t\t\t\t\t\t\t\t"
static const char rows[] =
	"mao\t2908\ttcp\tmao\tMarc_Baudoin\t\t\t\t\t\t\t\n"
	"mao\t2908\tudp\tmao\tMarc_Baudoin\t\t\t\t\t\t\t\n"
	"mao\t2908\tudp\tMAO.\tMarc_Baudoin\t\t\t\t\t\t\t\n" /* IANA repeats a row now and then */
	"ssh\t22\ttcp\tThe Secure Shell (SSH) Protocol\t\t\t\t\trfc:rfc4251\t\t\t\n"
	"ssh\t22\tsctp\tSSH" E "\n"
	"quiet\t2911-2912\ttcp\t" E "\n" /* a range no source of evidence knows */
	"quiet\t2911-2912\tdccp\tquiet\tQ_Person\tQ_Contact\t\t\t\t\t\t\n"
	"lonely\t\t\tLonely" E "\n"
	"foo\t5000\tudp\tFoo service" E "\n"
	"\t4000-4100\t\tUnassigned" E "\n"
	"\t6\ttcp\tReserved" E "\n";

/* rows plus a people table, as the official XML import fills it. */
static pl_registry *with_people(const char *tsv)
{
	static const char head[] = "# portlore registry table\n#date\t2025-12-15\n#source\tunit test\n";
	char *buf = malloc(strlen(head) + strlen(tsv) + 1);
	assert_non_null(buf);
	strcpy(buf, head);
	strcat(buf, tsv);
	pl_builder *b = pl_builder_new();
	pl_error err = {0};
	assert_int_equal(pl_import_tsv(buf, strlen(buf), b, &err), 0);
	pl_person marc = {"Marc_Baudoin", "Marc Baudoin", "", "babafou@babafou.eu.org", "", ""};
	pl_person q = {"Q_Contact", "Quentin Contact", "", "", "", ""};
	assert_int_equal(pl_builder_add_person(b, &marc, &err), 0);
	assert_int_equal(pl_builder_add_person(b, &q, &err), 0);
	pl_registry *reg;
	assert_int_equal(pl_builder_open(b, &reg, &err), 0);
	free(buf);
	return reg;
}

/* The TSV importer refuses a table without records, but an empty registry must still work here. */
static pl_registry *registry_of(const char *rows)
{
	if (*rows)
		return tu_registry(rows);
	pl_builder *b = pl_builder_new();
	pl_registry *reg;
	pl_error err = {0};
	assert_non_null(b);
	assert_int_equal(pl_builder_set_meta(b, "2001-02-03", "empty", &err), 0);
	assert_int_equal(pl_builder_open(b, &reg, &err), 0);
	return reg;
}

typedef struct census {
	int services, ghosts;
	char names[16][32];
	size_t nrecords[16];
	bool ghost[16];
} census;

static int count(const pl_service *s, void *ctx)
{
	census *c = ctx;
	assert_true(c->services < 16);
	snprintf(c->names[c->services], sizeof c->names[0], "%s%s", s->name, s->has_port ? "" : "@none");
	c->nrecords[c->services] = s->nrecords;
	c->ghost[c->services] = s->ghost;
	c->ghosts += s->ghost;
	c->services++;
	return 0;
}

static void test_services_gather_transports_and_judge_ghosts(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry(rows);
	census c = {0};
	pl_error err = {0};
	assert_int_equal(pl_registry_services(reg, PL_PROTO_NONE, count, &c, &err), 0);
	/* Port order, name-only last; unassigned and reserved rows are no services. */
	assert_int_equal(c.services, 5);
	assert_string_equal(c.names[0], "ssh");
	assert_false(c.ghost[0]); /* its terse sctp row does not make ssh a ghost */
	assert_int_equal(c.nrecords[0], 2);
	assert_string_equal(c.names[1], "mao");
	assert_true(c.ghost[1]);
	assert_int_equal(c.nrecords[1], 3);
	assert_string_equal(c.names[2], "quiet");
	assert_true(c.ghost[2]);
	assert_string_equal(c.names[3], "foo");
	assert_false(c.ghost[3]);
	assert_string_equal(c.names[4], "lonely@none");
	assert_true(c.ghost[4]);
	assert_int_equal(c.ghosts, 3);

	census u = {0};
	assert_int_equal(pl_registry_services(reg, PL_PROTO_UDP, count, &u, &err), 0);
	assert_int_equal(u.services, 2); /* mao and foo */
	assert_int_equal(u.ghosts, 1);
	assert_int_equal(u.nrecords[0], 3); /* a selected service comes with all its records */
	pl_registry_close(reg);
}

static int stop(const pl_service *s, void *ctx)
{
	(void)s;
	return ++*(int *)ctx == 2 ? 5 : 0;
}

static void test_services_stop_when_the_callback_says_so(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry(rows);
	int n = 0;
	pl_error err = {0};
	assert_int_equal(pl_registry_services(reg, PL_PROTO_NONE, stop, &n, &err), 5);
	assert_int_equal(n, 2);
	pl_registry_close(reg);
	reg = registry_of("");
	census c = {0};
	assert_int_equal(pl_registry_services(reg, PL_PROTO_NONE, count, &c, &err), 0);
	assert_int_equal(c.services, 0);
	pl_registry_close(reg);
}

static char *text_of(const json_t *doc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	pl_text_opts o = {false};
	assert_int_equal(pl_render_text(f, doc, &o), 0);
	fclose(f);
	return buf;
}

static void test_ghosts_document_resolves_contacts_and_counts(void **state)
{
	(void)state;
	pl_registry *reg = with_people(rows);
	pl_render_meta meta = {"9.9", "file", "/x/r.tsv"};
	json_t *doc = pl_render_ghosts_json(reg, PL_PROTO_NONE, 0, &meta);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "kind")), "ghosts");
	assert_string_equal(json_string_value(json_object_get(doc, "verdict")), "ghost");
	json_t *counts = json_object_get(doc, "counts");
	assert_int_equal(json_integer_value(json_object_get(counts, "ghosts")), 3);
	assert_int_equal(json_integer_value(json_object_get(counts, "services")), 5);
	assert_int_equal(json_integer_value(json_object_get(counts, "listed")), 3);
	assert_true(json_is_null(json_object_get(json_object_get(doc, "query"), "limit")));
	json_t *mao = json_array_get(json_object_get(doc, "ghosts"), 0);
	assert_string_equal(json_string_value(json_object_get(mao, "service")), "mao");
	assert_int_equal(json_integer_value(json_object_get(mao, "port")), 2908);
	assert_int_equal(json_array_size(json_object_get(mao, "transports")), 2);
	assert_int_equal(json_array_size(json_object_get(mao, "records")), 3);
	/* No contact named: its assignee, once, resolved through the people table. */
	json_t *people = json_object_get(mao, "contacts");
	assert_int_equal(json_array_size(people), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(people, 0), "name")), "Marc Baudoin");
	json_t *quiet = json_array_get(json_object_get(doc, "ghosts"), 1);
	assert_int_equal(json_integer_value(json_object_get(quiet, "port_last")), 2912);
	people = json_object_get(quiet, "contacts");
	assert_int_equal(json_array_size(people), 1); /* the contact, not the assignee */
	assert_string_equal(json_string_value(json_object_get(json_array_get(people, 0), "id")), "Q_Contact");
	json_t *lonely = json_array_get(json_object_get(doc, "ghosts"), 2);
	assert_true(json_is_null(json_object_get(lonely, "port")));

	char *text = text_of(doc);
	assert_non_null(
		strstr(text, "2908        tcp,udp           mao                  Marc Baudoin <babafou@babafou.eu.org>\n"));
	assert_non_null(strstr(text, "2911-2912   tcp,dccp          quiet                Quentin Contact\n"));
	assert_non_null(strstr(text, "3 ghosts among 5 assigned services\n"));
	assert_null(strstr(text, "likely"));
	free(text);
	json_decref(doc);

	doc = pl_render_ghosts_json(reg, PL_PROTO_TCP, 1, &meta);
	counts = json_object_get(doc, "counts");
	assert_int_equal(json_integer_value(json_object_get(counts, "ghosts")), 2);
	assert_int_equal(json_integer_value(json_object_get(counts, "services")), 3);
	assert_int_equal(json_integer_value(json_object_get(counts, "listed")), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "query"), "transport")), "tcp");
	text = text_of(doc);
	assert_non_null(strstr(text, "2 ghosts among 3 assigned services registered for tcp\n"));
	assert_non_null(strstr(text, "the first 1 are listed"));
	free(text);
	json_decref(doc);
	pl_registry_close(reg);
}

/* A registration that says no more than its name, at a port the world uses, is thin, not a ghost: listed
 * apart, with its evidence, when asked for. */
static void test_thin_registration_at_a_used_port_is_no_ghost(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry("mysql\t3306\ttcp\tmysql" E "\n"
				       "mao\t2908\ttcp\tmao" E "\n");
	census c = {0};
	pl_error err = {0};
	assert_int_equal(pl_registry_services(reg, PL_PROTO_NONE, count, &c, &err), 0);
	assert_int_equal(c.services, 2);
	assert_int_equal(c.ghosts, 1);
	assert_string_equal(c.names[0], "mao");
	assert_true(c.ghost[0]);
	assert_false(c.ghost[1]);
	json_t *doc = pl_render_ghosts_json_ex(reg, PL_PROTO_NONE, 0, true, NULL);
	assert_non_null(doc);
	json_t *counts = json_object_get(doc, "counts");
	assert_int_equal(json_integer_value(json_object_get(counts, "ghosts")), 1);
	assert_int_equal(json_integer_value(json_object_get(counts, "thin_in_use")), 1);
	json_t *thin = json_array_get(json_object_get(doc, "thin_in_use"), 0);
	assert_string_equal(json_string_value(json_object_get(thin, "service")), "mysql");
	assert_string_equal(json_string_value(json_object_get(thin, "use")), "wide");
	char *text = text_of(doc);
	assert_non_null(strstr(text, "Wireshark dissects it as MySQL"));
	assert_non_null(strstr(text, "ghost among 2 assigned services\n"));
	free(text);
	json_decref(doc);
	/* Without --in-use, only counted. */
	doc = pl_render_ghosts_json(reg, PL_PROTO_NONE, 0, NULL);
	assert_null(json_object_get(doc, "thin_in_use"));
	text = text_of(doc);
	assert_non_null(strstr(text, "1 more say no more than their name but their port is in use"));
	free(text);
	json_decref(doc);
	pl_registry_close(reg);
}

static void test_ghosts_without_references_are_likely(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry("mao\t2908\ttcp\tmao\tMarc_Baudoin\t\t\t\t\t\t\t\n"
				       "x\t1\ttcp\tDescribed" E "\n");
	json_t *doc = pl_render_ghosts_json(reg, PL_PROTO_NONE, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(doc, "verdict")), "likely_ghost");
	char *text = text_of(doc);
	assert_non_null(strstr(text, "1 likely ghost among 2 assigned services\n"));
	assert_non_null(strstr(text, "Marc_Baudoin\n")); /* no people table: the id */
	free(text);
	json_decref(doc);
	pl_registry_close(reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_services_gather_transports_and_judge_ghosts),
		cmocka_unit_test(test_services_stop_when_the_callback_says_so),
		cmocka_unit_test(test_ghosts_document_resolves_contacts_and_counts),
		cmocka_unit_test(test_thin_registration_at_a_used_port_is_no_ghost),
		cmocka_unit_test(test_ghosts_without_references_are_likely),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

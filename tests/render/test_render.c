/* Rendering: the JSON document's fields and types, and text drawn from the same document. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "portlore/render.h"

#define E "\t\t\t\t\t\t\t\t"
static const char rows[] =
	"mao\t2908\ttcp\tmao\tMarc_Baudoin\tMarc_Baudoin\t\t\t\t\t\t\n"
	"ssh\t22\ttcp\tThe Secure Shell (SSH) Protocol\t\t\t2001-01-01\t\trfc:rfc4251\t\t\tline1\\nline2\n";

static json_t *report_doc(pl_registry *reg, const char *text)
{
	pl_spec spec;
	pl_error err = {0};
	assert_int_equal(pl_spec_parse(text, &spec, &err), 0);
	pl_report_opts o = {.proc_root = "/proc"};
	pl_report *rep;
	assert_int_equal(pl_report_build(reg, &spec, &o, &rep, &err), 0);
	pl_render_meta meta = {"9.9", "file", "/x/reg.tsv"};
	json_t *doc = pl_render_report_json(rep, &meta);
	pl_report_free(rep);
	assert_non_null(doc);
	return doc;
}

static void test_render_json_report_fields(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry(rows);
	json_t *doc = report_doc(reg, "2908");
	assert_string_equal(json_string_value(json_object_get(doc, "kind")), "port_report");
	assert_int_equal(json_integer_value(json_object_get(doc, "schema")), 1);
	json_t *r = json_object_get(doc, "registry");
	assert_string_equal(json_string_value(json_object_get(r, "date")), "2001-02-03");
	assert_string_equal(json_string_value(json_object_get(r, "origin")), "file");
	json_t *p = json_array_get(json_object_get(doc, "ports"), 0);
	assert_int_equal(json_integer_value(json_object_get(p, "port")), 2908);
	assert_string_equal(json_string_value(json_object_get(json_object_get(p, "range"), "class")), "user");
	json_t *rec = json_array_get(json_object_get(p, "records"), 0);
	assert_string_equal(json_string_value(json_object_get(rec, "service")), "mao");
	assert_string_equal(json_string_value(json_object_get(rec, "transport")), "tcp");
	assert_true(json_is_true(json_object_get(rec, "ghost")));
	assert_true(json_is_null(json_object_get(rec, "registered")));
	json_t *who = json_array_get(json_object_get(rec, "contacts"), 0);
	assert_string_equal(json_string_value(json_object_get(who, "id")), "Marc_Baudoin");
	assert_true(json_is_null(json_object_get(who, "email")));
	json_t *g = json_object_get(p, "ghost");
	assert_string_equal(json_string_value(json_object_get(g, "verdict")), "ghost");
	assert_non_null(strstr(json_string_value(json_object_get(g, "explanation")), "Marc_Baudoin"));
	json_decref(doc);
	pl_registry_close(reg);
}

static char *render_text(json_t *doc, bool colour)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	pl_text_opts o = {colour};
	assert_int_equal(pl_render_text(f, doc, &o), 0);
	fclose(f);
	return buf;
}

static void test_render_text_from_the_same_document(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry(rows);
	json_t *doc = report_doc(reg, "22");
	char *text = render_text(doc, false);
	assert_non_null(strstr(text, "Port 22"));
	assert_non_null(strstr(text, "system range (0-1023)"));
	assert_non_null(strstr(text, "The Secure Shell (SSH) Protocol"));
	assert_non_null(strstr(text, "rfc:rfc4251"));
	assert_non_null(strstr(text, "line1\n"));
	assert_non_null(strstr(text, "registry: IANA as of 2001-02-03, file /x/reg.tsv (unit test)"));
	assert_null(strchr(text, '\033'));
	free(text);
	text = render_text(doc, true);
	assert_non_null(strchr(text, '\033'));
	free(text);
	json_decref(doc);
	pl_registry_close(reg);
}

static void test_render_search_document(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry(rows);
	pl_hit hits[4];
	pl_error err = {0};
	int n = pl_registry_search(reg, "ssh", hits, 4, &err);
	assert_int_equal(n, 1);
	json_t *doc = pl_render_search_json(reg, "ssh", hits, (size_t)n, NULL);
	json_t *res = json_array_get(json_object_get(doc, "results"), 0);
	assert_string_equal(json_string_value(json_object_get(res, "match")), "exact");
	assert_int_equal(json_integer_value(json_object_get(res, "port")), 22);
	char *text = render_text(doc, false);
	assert_non_null(strstr(text, "exact"));
	free(text);
	json_decref(doc);
	pl_registry_close(reg);
}

static void test_render_json_survives_invalid_utf8(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry("bad\t7\ttcp\tcaf\xe9 \xff end\tId_\xc3\t\t\t\ttext:\xed\xa0\x80\t\t\t\n");
	json_t *doc = report_doc(reg, "7");
	json_t *rec = json_array_get(json_object_get(json_array_get(json_object_get(doc, "ports"), 0), "records"), 0);
	assert_string_equal(json_string_value(json_object_get(rec, "description")), "caf\xef\xbf\xbd \xef\xbf\xbd end");
	char *dump = json_dumps(doc, 0);
	assert_non_null(dump);
	free(dump);
	json_decref(doc);
	pl_registry_close(reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_json_report_fields),
		cmocka_unit_test(test_render_text_from_the_same_document),
		cmocka_unit_test(test_render_search_document),
		cmocka_unit_test(test_render_json_survives_invalid_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

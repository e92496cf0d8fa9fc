/* Registry diff: records matched by key across two releases, reported as added, removed or changed with
 * the fields that changed; duplicates and unnamed range rows; the diff document and its text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "portlore/render.h"

#define E "\t\t\t\t\t\t\t\t"

typedef struct seen {
	int n, stop_after;
	pl_diff_kind kind[16];
	char name[16][32], desc[16][64];
	uint32_t fields[16];
} seen;

static int collect(const pl_diff *d, void *ctx)
{
	seen *s = ctx;
	const pl_record *r = d->after ? d->after : d->before;
	assert_true(s->n < 16);
	s->kind[s->n] = d->kind;
	snprintf(s->name[s->n], sizeof s->name[0], "%s", r->name);
	snprintf(s->desc[s->n], sizeof s->desc[0], "%s", r->description);
	s->fields[s->n] = d->fields;
	assert_true(d->kind == PL_DIFF_ADDED ? !d->before : d->before != NULL);
	assert_true(d->kind == PL_DIFF_REMOVED ? !d->after : d->after != NULL);
	s->n++;
	return s->stop_after && s->n >= s->stop_after ? 7 : 0;
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

static seen diff_of(const char *old_rows, const char *new_rows)
{
	pl_registry *a = registry_of(old_rows), *b = registry_of(new_rows);
	seen s = {0};
	pl_error err = {0};
	assert_int_equal(pl_registry_diff(a, b, collect, &s, &err), 0);
	pl_registry_close(a);
	pl_registry_close(b);
	return s;
}

static const char old_rows[] =
	"keep\t100\ttcp\tKept as is" E "\n"
	"tacacss\t300\ttcp\tTLS Secure Login\tIESG\tIETF_Chair\t2024-01-01\t\tdraft:draft-ietf-opsawg-tacacs-tls13\t\t\t\n"
	"gone\t400\tudp\tRemoved later" E "\n"
	"neted\t\t\tNetwork Standard Text Editor" E "\n";
static const char new_rows[] =
	"keep\t100\ttcp\tKept as is" E "\n"
	"tacacss\t300\ttcp\tTLS Secure Login\tIESG\tIETF_Chair\t2024-01-01\t\tperson:IETF_Chair|rfc:rfc9887\t\t\t\n"
	"fresh\t5543\ttcp\tA new service" E "\n"
	"neted\t\t\tNetwork Standard Text Editor" E "\n";

static void test_diff_reports_added_removed_and_changed_references(void **state)
{
	(void)state;
	seen s = diff_of(old_rows, new_rows);
	assert_int_equal(s.n, 3);
	/* Key order: by port. */
	assert_int_equal(s.kind[0], PL_DIFF_CHANGED);
	assert_string_equal(s.name[0], "tacacss");
	assert_int_equal(s.fields[0], 1u << PL_DIFF_REFERENCES);
	assert_int_equal(s.kind[1], PL_DIFF_REMOVED);
	assert_string_equal(s.name[1], "gone");
	assert_int_equal(s.kind[2], PL_DIFF_ADDED);
	assert_string_equal(s.name[2], "fresh");
}

static void test_diff_names_every_changed_field(void **state)
{
	(void)state;
	seen s = diff_of("svc\t7\ttcp\tOld words\tA\tB\t2001-01-01\t2002-02-02\trfc:rfc1\tS1\tyes\tnote one\n",
			 "svc\t7\ttcp\tNew words\tA C\tD\t2001-01-02\t2003-03-03\trfc:rfc2\tS2\tno\tnote two\n");
	assert_int_equal(s.n, 1);
	assert_int_equal(s.kind[0], PL_DIFF_CHANGED);
	assert_int_equal(s.fields[0], (1u << PL_DIFF_PORT) - 1); /* every field but where it is */
	for (int f = 0; f < PL_DIFF_FIELD_COUNT; f++)
		assert_true(*pl_diff_field_name((pl_diff_field)f));
	assert_string_equal(pl_diff_field_name(PL_DIFF_UNAUTHORIZED_USE), "unauthorized_use");
	/* Only the order of a list changing is a change too; a transport is part of the key, not a field. */
	s = diff_of("svc\t7\ttcp\tx\tA B\t\t\t\t\t\t\t\n", "svc\t7\ttcp\tx\tB A\t\t\t\t\t\t\t\n");
	assert_int_equal(s.n, 1);
	assert_int_equal(s.fields[0], 1u << PL_DIFF_ASSIGNEES);
	/* Another transport under the same name: paired by name, once, as a change of transport. */
	s = diff_of("svc\t7\ttcp\tx" E "\n", "svc\t7\tudp\tx" E "\n");
	assert_int_equal(s.n, 1);
	assert_int_equal(s.kind[0], PL_DIFF_CHANGED);
	assert_int_equal(s.fields[0], 1u << PL_DIFF_TRANSPORT);
}

static void test_diff_follows_a_service_that_moved(void **state)
{
	(void)state;
	/* Same transport, another port: one change of port. */
	seen s = diff_of("svc\t10\ttcp\tx" E "\n", "svc\t20\ttcp\tx" E "\n");
	assert_int_equal(s.n, 1);
	assert_int_equal(s.kind[0], PL_DIFF_CHANGED);
	assert_int_equal(s.fields[0], 1u << PL_DIFF_PORT);
	/* Ports taken back, a name-only record left (netconf-beep in 2025): the first old transport pairs with
	 * it (one change), the other is removed, and the totals balance. */
	s = diff_of("nb\t831\ttcp\tNETCONF\t\t\t\t\trfc:rfc4744\t\t\t\n"
		    "nb\t831\tudp\tNETCONF\t\t\t\t\trfc:rfc4744\t\t\t\n",
		    "nb\t\t\tNETCONF\t\t\t\t\trfc:rfc4744|rfc:rfc9900\t\t\t\n");
	assert_int_equal(s.n, 2);
	int changed = 0, removed = 0;
	for (int i = 0; i < 2; i++) {
		changed += s.kind[i] == PL_DIFF_CHANGED;
		removed += s.kind[i] == PL_DIFF_REMOVED;
		if (s.kind[i] == PL_DIFF_CHANGED)
			assert_int_equal(s.fields[i], 1u << PL_DIFF_PORT | 1u << PL_DIFF_TRANSPORT | 1u << PL_DIFF_REFERENCES);
	}
	assert_int_equal(changed, 1);
	assert_int_equal(removed, 1);
	/* Unnamed rows never move: a Reserved row elsewhere is one removed and one added. */
	s = diff_of("\t5\ttcp\tReserved" E "\n", "\t6\ttcp\tReserved" E "\n");
	assert_int_equal(s.n, 2);
}

static void test_diff_pairs_duplicate_keys_in_order(void **state)
{
	(void)state;
	seen s = diff_of("dup\t9\ttcp\ta" E "\ndup\t9\ttcp\tb" E "\n",
			 "dup\t9\ttcp\ta" E "\ndup\t9\ttcp\tb" E "\ndup\t9\ttcp\tc" E "\n");
	assert_int_equal(s.n, 1);
	assert_int_equal(s.kind[0], PL_DIFF_ADDED);
	assert_string_equal(s.desc[0], "c");
	s = diff_of("dup\t9\ttcp\tsame" E "\ndup\t9\ttcp\tsame" E "\ndup\t9\ttcp\tsame" E "\n",
		    "dup\t9\ttcp\tsame" E "\n");
	assert_int_equal(s.n, 2);
	assert_int_equal(s.kind[0], PL_DIFF_REMOVED);
	assert_int_equal(s.kind[1], PL_DIFF_REMOVED);
}

static void test_diff_matches_unnamed_rows_by_range_transport_and_status(void **state)
{
	(void)state;
	seen s = diff_of("\t301-307\t\tUnassigned" E "\n"
			 "\t2-3\ttcp\tReserved" E "\n"
			 "\t14-16\tudp\tUnassigned" E "\n",
			 "\t301-307\t\tUnassigned\t\t\t\t\t\t\t\tnow with a note\n"
			 "\t2-3\ttcp\tUnassigned" E "\n"
			 "\t14-15\tudp\tUnassigned" E "\n");
	/* 2-3/tcp: Reserved went, Unassigned came; 14-16 shrank to 14-15; 301-307 gained a note. */
	assert_int_equal(s.n, 5);
	int added = 0, removed = 0, changed = 0;
	for (int i = 0; i < s.n; i++) {
		added += s.kind[i] == PL_DIFF_ADDED;
		removed += s.kind[i] == PL_DIFF_REMOVED;
		if (s.kind[i] == PL_DIFF_CHANGED) {
			changed++;
			assert_int_equal(s.fields[i], 1u << PL_DIFF_NOTES);
		}
	}
	assert_int_equal(added, 2);
	assert_int_equal(removed, 2);
	assert_int_equal(changed, 1);
}

static void test_diff_of_identical_registries_is_empty(void **state)
{
	(void)state;
	seen s = diff_of(old_rows, old_rows);
	assert_int_equal(s.n, 0);
	s = diff_of("", "");
	assert_int_equal(s.n, 0);
	s = diff_of("", "x\t1\ttcp\tx" E "\n");
	assert_int_equal(s.n, 1);
	assert_int_equal(s.kind[0], PL_DIFF_ADDED);

	pl_registry *a, *b;
	pl_error err = {0};
	assert_int_equal(pl_registry_open_embedded(&a, &err), 0);
	assert_int_equal(pl_registry_open_embedded(&b, &err), 0);
	seen e = {0};
	assert_int_equal(pl_registry_diff(a, b, collect, &e, &err), 0);
	assert_int_equal(e.n, 0);
	pl_registry_close(a);
	pl_registry_close(b);
}

static void test_diff_stops_when_the_callback_says_so(void **state)
{
	(void)state;
	pl_registry *a = tu_registry(old_rows), *b = tu_registry(new_rows);
	seen s = {.stop_after = 2};
	pl_error err = {0};
	assert_int_equal(pl_registry_diff(a, b, collect, &s, &err), 7);
	assert_int_equal(s.n, 2);
	pl_registry_close(a);
	pl_registry_close(b);
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

static void test_diff_document_and_text(void **state)
{
	(void)state;
	pl_registry *a = tu_registry(old_rows), *b = tu_registry(new_rows);
	pl_render_meta ma = {"9.9", "file", "/x/old.tsv"}, mb = {"9.9", "embedded", NULL};
	json_t *doc = pl_render_diff_json(a, &ma, b, &mb);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "kind")), "diff");
	assert_int_equal(json_integer_value(json_object_get(doc, "schema")), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "old"), "path")), "/x/old.tsv");
	assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "new"), "origin")), "embedded");
	json_t *counts = json_object_get(doc, "counts");
	assert_int_equal(json_integer_value(json_object_get(counts, "added")), 1);
	assert_int_equal(json_integer_value(json_object_get(counts, "removed")), 1);
	assert_int_equal(json_integer_value(json_object_get(counts, "changed")), 1);
	json_t *added = json_array_get(json_object_get(doc, "added"), 0);
	assert_string_equal(json_string_value(json_object_get(added, "service")), "fresh");
	assert_int_equal(json_integer_value(json_object_get(added, "port")), 5543);
	json_t *ch = json_array_get(json_object_get(doc, "changed"), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(ch, "record"), "service")), "tacacss");
	json_t *c = json_array_get(json_object_get(ch, "changes"), 0);
	assert_string_equal(json_string_value(json_object_get(c, "field")), "references");
	assert_string_equal(json_string_value(json_array_get(json_object_get(c, "old"), 0)),
			    "draft:draft-ietf-opsawg-tacacs-tls13");
	assert_int_equal(json_array_size(json_object_get(c, "new")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(c, "new"), 1)), "rfc:rfc9887");

	char *text = text_of(doc);
	assert_non_null(strstr(text, "+ 5543/tcp     fresh  A new service\n"));
	assert_non_null(strstr(text, "- 400/udp      gone  Removed later\n"));
	assert_non_null(strstr(text, "~ 300/tcp      tacacss: references draft:draft-ietf-opsawg-tacacs-tls13 -> "
				     "person:IETF_Chair, rfc:rfc9887\n"));
	assert_non_null(strstr(text, "1 added, 1 removed, 1 changed\n"));
	assert_non_null(strstr(text, "old: IANA as of 2001-02-03, file /x/old.tsv (unit test)\n"));
	free(text);
	json_decref(doc);

	doc = pl_render_diff_json(a, &ma, a, &ma);
	text = text_of(doc);
	assert_non_null(strstr(text, "no differences\n"));
	assert_int_equal(json_array_size(json_object_get(doc, "changed")), 0);
	free(text);
	json_decref(doc);
	pl_registry_close(a);
	pl_registry_close(b);
}

static int collect_people(const pl_person_diff *d, void *ctx)
{
	char *out = ctx;
	const pl_person *p = d->after ? d->after : d->before;
	size_t n = strlen(out);
	snprintf(out + n, 256 - n, "%c%s ", d->kind == PL_DIFF_ADDED ? '+' : d->kind == PL_DIFF_REMOVED ? '-' : '~', p->id);
	return 0;
}

/* A contact's new e-mail address is a change; a new "updated" date alone is not. */
static void test_diff_lists_people_changes(void **state)
{
	(void)state;
	pl_registry *a = tu_registry("svc\t7\ttcp\tx" E "\n"
				     "#person\tKen\tKen\t\tmailto:kenj&internode.on.net\t2001-01-01\n"
				     "#person\tGone\tGone\t\t\t\n"
				     "#person\tSame\tSame\t\tmailto:s&x.org\t2001-01-01\n");
	pl_registry *b = tu_registry("svc\t7\ttcp\tx" E "\n"
				     "#person\tKen\tKen\t\tmailto:kenj&kenj.id.au\t2024-01-01\n"
				     "#person\tNew\tNew\t\t\t\n"
				     "#person\tSame\tSame\t\tmailto:s&x.org\t2025-01-01\n");
	char out[256] = "";
	pl_error err = {0};
	assert_int_equal(pl_registry_diff_people(a, b, collect_people, out, &err), 0);
	assert_string_equal(out, "-Gone ~Ken +New ");
	pl_registry_close(a);
	pl_registry_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_reports_added_removed_and_changed_references),
		cmocka_unit_test(test_diff_names_every_changed_field),
		cmocka_unit_test(test_diff_follows_a_service_that_moved),
		cmocka_unit_test(test_diff_lists_people_changes),
		cmocka_unit_test(test_diff_pairs_duplicate_keys_in_order),
		cmocka_unit_test(test_diff_matches_unnamed_rows_by_range_transport_and_status),
		cmocka_unit_test(test_diff_of_identical_registries_is_empty),
		cmocka_unit_test(test_diff_stops_when_the_callback_says_so),
		cmocka_unit_test(test_diff_document_and_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The snapshot compiled into the binary against the IANA XML it was converted from (the fixture of the
 * snapshot's own date), record by record and field by field, person by person, footnote by footnote.
 * Everything must be identical except what the merge of newer assignments changed, which is listed:
 * the merged records themselves (each with its source), the Unassigned/Reserved rows cut around them,
 * and a name the merge replaced. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util/util.h"

static void add_people(pl_buf *b, const pl_record *r, pl_role role)
{
	for (size_t i = 0; i < pl_record_people_count(r, role); i++)
		pl_buf_printf(b, "%s%s", i ? "," : "", pl_record_person_id(r, role, i));
	pl_buf_addc(b, '\x1f');
}

/* Every field of a record as one string (fields separated by U+001F, which IANA's text never holds). */
static char *signature(const pl_record *r)
{
	pl_buf b;
	pl_buf_init(&b, 1u << 22);
	pl_buf_printf(&b, "%s\x1f%d:%u-%u\x1f%s\x1f%s\x1f%s\x1f", r->name, r->has_port, r->port_lo, r->port_hi,
		      pl_proto_name(r->proto), pl_status_name(r->status), r->description);
	add_people(&b, r, PL_ROLE_ASSIGNEE);
	add_people(&b, r, PL_ROLE_CONTACT);
	add_people(&b, r, PL_ROLE_MENTIONED);
	pl_buf_printf(&b, "%s\x1f%s\x1f", r->registered, r->modified);
	for (size_t i = 0; i < pl_record_ref_count(r); i++) {
		pl_xref x;
		pl_record_ref(r, i, &x);
		pl_buf_printf(&b, "%s:%s|", pl_xref_type_name(x.type), x.data);
	}
	pl_buf_printf(&b, "\x1f%s\x1f%s\x1f%s\x1f%s", r->service_code, r->unauthorized_use, r->notes, r->source);
	char *s = strdup(pl_buf_str(&b));
	pl_buf_free(&b);
	return s;
}

struct sig {
	char *s;
	uint32_t index;
};

static int cmp_sig(const void *a, const void *b)
{
	return strcmp(((const struct sig *)a)->s, ((const struct sig *)b)->s);
}

static struct sig *signatures(const pl_registry *reg)
{
	size_t n = pl_registry_count(reg);
	struct sig *s = calloc(n + 1, sizeof *s);
	for (size_t i = 0; i < n; i++) {
		pl_record r;
		pl_registry_record(reg, i, &r);
		s[i] = (struct sig){signature(&r), (uint32_t)i};
	}
	qsort(s, n, sizeof *s, cmp_sig);
	return s;
}

/* Does a merged record of emb lie on r's ports, with r's transport (or r has none)? */
static bool touched_by_merge(const pl_registry *emb, const pl_record *r)
{
	if (!r->has_port)
		return false;
	for (size_t i = 0; i < pl_registry_count(emb); i++) {
		pl_record m;
		pl_registry_record(emb, i, &m);
		if (*m.source && m.port_lo >= r->port_lo && m.port_lo <= r->port_hi &&
		    (r->proto == PL_PROTO_NONE || r->proto == m.proto))
			return true;
	}
	return false;
}

static void test_embedded_equals_iana_xml_record_by_record(void **state)
{
	(void)state;
	pl_error err = {0};
	pl_registry *emb, *xml;
	assert_int_equal(pl_registry_open_embedded(&emb, &err), 0);
	char rel[128], path[4096];
	snprintf(rel, sizeof rel, "iana/service-names-port-numbers-%s.xml", pl_registry_date(emb));
	if (!tu_fixture(rel, path, sizeof path)) {
		pl_registry_close(emb);
		skip();
		return;
	}
	if (pl_registry_open_file(path, &xml, &err))
		fail_msg("%s: %s", path, err.msg);
	size_t na = pl_registry_count(xml), nb = pl_registry_count(emb);
	struct sig *a = signatures(xml), *b = signatures(emb);
	size_t i = 0, j = 0, same = 0, only_xml = 0, only_emb = 0, unexplained = 0, merged = 0;
	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(a[i].s, b[j].s);
		pl_record r;
		if (c == 0) {
			same++;
			i++;
			j++;
			continue;
		}
		if (c < 0) {
			pl_registry_record(xml, a[i++].index, &r);
			only_xml++;
			bool ok = touched_by_merge(emb, &r);
			unexplained += !ok;
			fprintf(stderr, "# %s XML record %s %u-%u/%s '%s'%s\n", ok ? "changed by the merge:" : "MISSING:",
				*r.name ? r.name : "-", r.port_lo, r.port_hi, pl_proto_name(r.proto), r.description,
				ok ? "" : " (not explained by a merged record)");
			continue;
		}
		pl_registry_record(emb, b[j++].index, &r);
		only_emb++;
		if (*r.source) {
			merged++;
			fprintf(stderr, "# merged: %s %u/%s '%s' from %s\n", *r.name ? r.name : "-", r.port_lo,
				pl_proto_name(r.proto), r.description, r.source);
			continue;
		}
		/* a piece of an XML row cut around a merged port: unnamed, vacant, next to a merged record */
		bool piece = !*r.name && (r.status == PL_STATUS_UNASSIGNED || r.status == PL_STATUS_RESERVED);
		bool near = false;
		for (size_t k = 0; piece && k < nb && !near; k++) {
			pl_record m;
			pl_registry_record(emb, k, &m);
			near = *m.source && (m.port_lo + 1 == r.port_lo || m.port_lo == r.port_hi + 1 ||
					     (m.port_lo == r.port_lo && r.port_lo == r.port_hi));
		}
		unexplained += !(piece && near);
		fprintf(stderr, "# %s %s %u-%u/%s '%s'\n", piece && near ? "cut row:" : "EXTRA record:",
			*r.name ? r.name : "-", r.port_lo, r.port_hi, pl_proto_name(r.proto), r.description);
	}
	size_t untouched = na - only_xml;
	fprintf(stderr, "# records: %zu of %zu XML records identical in every field (%.1f %% of those the merge did "
			"not touch: %zu of %zu); %zu merged from newer sources, %zu XML rows changed by the merge\n",
		same, na, untouched ? 100.0 * (double)same / (double)untouched : 0.0, same, untouched, merged, only_xml);
	assert_int_equal(unexplained, 0);
	assert_int_equal(same, untouched);
	assert_int_equal(merged, pl_registry_merged_count(emb));
	assert_true(merged > 0 && merged < 100);
	assert_true(na > 14000);

	/* people: every field of every person */
	assert_int_equal(pl_registry_people_count(emb), pl_registry_people_count(xml));
	size_t multi = 0;
	for (size_t k = 0; k < pl_registry_people_count(xml); k++) {
		pl_person p, q;
		pl_registry_person_at(xml, k, &p);
		if (pl_registry_person(emb, p.id, &q))
			fail_msg("person %s missing", p.id);
		const char *f1[] = {p.name, p.org, p.email, p.emails, p.uri, p.updated};
		const char *f2[] = {q.name, q.org, q.email, q.emails, q.uri, q.updated};
		for (size_t f = 0; f < 6; f++)
			if (strcmp(f1[f], f2[f]))
				fail_msg("person %s: field %zu '%s' != '%s'", p.id, f, f1[f], f2[f]);
		multi += strchr(p.emails, ' ') != NULL;
	}
	fprintf(stderr, "# people: %zu of %zu identical, %zu with several e-mail addresses\n",
		pl_registry_people_count(xml), pl_registry_people_count(xml), multi);
	assert_true(multi > 0);
	/* footnotes */
	assert_int_equal(pl_registry_footnote_count(emb), pl_registry_footnote_count(xml));
	assert_true(pl_registry_footnote_count(xml) >= 1);
	for (size_t k = 0; k < pl_registry_footnote_count(xml); k++) {
		const char *an, *tx;
		pl_registry_footnote_at(xml, k, &an, &tx);
		const char *t2 = pl_registry_footnote(emb, an);
		assert_non_null(t2);
		assert_string_equal(tx, t2);
	}
	assert_string_equal(pl_registry_date(emb), pl_registry_date(xml));
	for (size_t k = 0; k < na; k++)
		free(a[k].s);
	for (size_t k = 0; k < nb; k++)
		free(b[k].s);
	free(a);
	free(b);
	pl_registry_close(xml);
	pl_registry_close(emb);
}

/* The ports issue 9 names, from the embedded snapshot alone. */
static void test_embedded_has_no_holes(void **state)
{
	(void)state;
	pl_error err = {0};
	pl_registry *reg;
	assert_int_equal(pl_registry_open_embedded(&reg, &err), 0);
	struct {
		uint16_t port;
		const char *name;
	} ranged[] = {{27001, "flex-lm"}, {4250, "vrml-multi-use"}, {3323, "active-net"}};
	for (size_t k = 0; k < 3; k++) {
		uint32_t idx[16];
		size_t n = pl_registry_lookup_port(reg, ranged[k].port, PL_PROTO_TCP, idx, 16);
		bool found = false;
		for (size_t i = 0; i < n && i < 16; i++) {
			pl_record r;
			pl_registry_record(reg, idx[i], &r);
			found |= strcmp(r.name, ranged[k].name) == 0 && r.proto == PL_PROTO_NONE;
		}
		if (!found)
			fail_msg("%u/tcp: %s (a record of every transport) not found", ranged[k].port, ranged[k].name);
	}
	/* Reserved stays Reserved: 51, 225-241, 1011-1020, 49151 */
	uint16_t reserved[] = {51, 225, 241, 1011, 1020, 49151};
	for (size_t k = 0; k < sizeof reserved / sizeof reserved[0]; k++) {
		uint32_t idx[16];
		size_t n = pl_registry_lookup_port(reg, reserved[k], PL_PROTO_UDP, idx, 16);
		assert_true(n >= 1);
		for (size_t i = 0; i < n && i < 16; i++) {
			pl_record r;
			pl_registry_record(reg, idx[i], &r);
			if (r.status == PL_STATUS_UNASSIGNED)
				fail_msg("%u/udp reads as unassigned", reserved[k]);
		}
	}
	/* name-only records are found by name */
	uint32_t idx[8];
	pl_record r;
	assert_int_equal(pl_registry_lookup_name(reg, "netconf-beep", idx, 8), 1);
	pl_registry_record(reg, idx[0], &r);
	assert_false(r.has_port);
	/* own statuses */
	assert_true(pl_registry_lookup_port(reg, 9006, PL_PROTO_TCP, idx, 8) >= 1);
	bool decom = false;
	for (size_t i = 0; i < pl_registry_lookup_port(reg, 9006, PL_PROTO_TCP, idx, 8) && i < 8; i++) {
		pl_registry_record(reg, idx[i], &r);
		decom |= r.status == PL_STATUS_DECOMMISSIONED;
	}
	assert_true(decom);
	/* footnotes shown with their records, people named in notes resolved */
	assert_non_null(pl_registry_footnote(reg, "1"));
	assert_non_null(strstr(pl_registry_footnote(reg, "1"), "RFC 3692"));
	size_t n = pl_registry_lookup_port(reg, 3, PL_PROTO_TCP, idx, 8);
	bool mentioned = false;
	for (size_t i = 0; i < n && i < 8; i++) {
		pl_registry_record(reg, idx[i], &r);
		for (size_t k = 0; k < pl_record_people_count(&r, PL_ROLE_MENTIONED); k++)
			mentioned |= strcmp(pl_record_person_id(&r, PL_ROLE_MENTIONED, k), "Bernie_Volz") == 0;
	}
	assert_true(mentioned);
	/* 2908: the person behind mao */
	pl_person p;
	assert_int_equal(pl_registry_person(reg, "Marc_Baudoin", &p), 0);
	assert_string_equal(p.email, "babafou@babafou.eu.org");
	/* the newer assignment, with its source */
	n = pl_registry_lookup_port(reg, 11434, PL_PROTO_TCP, idx, 8);
	bool ollama = false;
	for (size_t i = 0; i < n && i < 8; i++) {
		pl_registry_record(reg, idx[i], &r);
		if (strcmp(r.name, "ollama") == 0)
			ollama = strstr(r.source, "port-numbers") != NULL;
		assert_int_not_equal(r.status, PL_STATUS_UNASSIGNED); /* the Unassigned row was cut around it */
	}
	assert_true(ollama);
	pl_registry_close(reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_embedded_equals_iana_xml_record_by_record),
		cmocka_unit_test(test_embedded_has_no_holes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

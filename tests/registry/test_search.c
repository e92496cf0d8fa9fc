/* Search ranking: exact name, then prefix, then whole word, then substring; case-insensitive. */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#define E "\t\t\t\t\t\t\t\t"
static const char rows[] =
	"sshell\t614\ttcp\tSSLshell" E "\n"
	"ssh\t22\ttcp\tThe Secure Shell (SSH) Protocol" E "\n"
	"ssh\t22\tudp\tThe Secure Shell (SSH) Protocol" E "\n"
	"netconf-ssh\t830\ttcp\tNETCONF over SSH" E "\n"
	"sshmux\t4000\ttcp\tmultiplexer\tTatu_Ylonen\t\t\t\t\t\t\t\n"
	"misc\t5000\ttcp\tuses sshd internally" E "\n"
	"\t6\ttcp\tReserved for ssh" E "\n";

static const char *name_of(pl_registry *reg, const pl_hit *h)
{
	static pl_record r;
	pl_registry_record(reg, h->index, &r);
	return r.name;
}

static void test_search_ranks_exact_prefix_word_substring(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry(rows);
	pl_hit hits[16];
	pl_error err = {0};
	int n = pl_registry_search(reg, "SSH", hits, 16, &err);
	assert_int_equal(n, 6); /* the Reserved row is not a service */
	assert_string_equal(name_of(reg, &hits[0]), "ssh");
	assert_int_equal(hits[0].match, PL_MATCH_EXACT);
	assert_string_equal(name_of(reg, &hits[1]), "ssh");
	assert_int_equal(hits[2].match, PL_MATCH_PREFIX);
	assert_string_equal(name_of(reg, &hits[2]), "sshell");
	assert_string_equal(name_of(reg, &hits[3]), "sshmux");
	assert_int_equal(hits[4].match, PL_MATCH_WORD);
	assert_string_equal(name_of(reg, &hits[4]), "netconf-ssh");
	assert_int_equal(hits[5].match, PL_MATCH_SUBSTRING);
	assert_string_equal(name_of(reg, &hits[5]), "misc");
	pl_registry_close(reg);
}

static void test_search_matches_assignee_and_honours_limit(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry(rows);
	pl_hit hits[16];
	pl_error err = {0};
	assert_int_equal(pl_registry_search(reg, "ylonen", hits, 16, &err), 1);
	assert_string_equal(name_of(reg, &hits[0]), "sshmux");
	assert_int_equal(hits[0].match, PL_MATCH_WORD);
	assert_int_equal(pl_registry_search(reg, "ssh", hits, 2, &err), 2);
	assert_int_equal(pl_registry_search(reg, "nothing-like-this", hits, 16, &err), 0);
	assert_int_equal(pl_registry_search(reg, "", hits, 16, &err), PL_EINVAL);
	char big[400];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = 0;
	assert_int_equal(pl_registry_search(reg, big, hits, 16, &err), PL_ELIMIT);
	pl_registry_close(reg);
}


/* What people type finds the record they mean, first: common names from the evidence tables, and several
 * words all of which must match. On the embedded registry and on IANA's XML (when the fixture is there). */
static void check_people_type(pl_registry *reg)
{
	static const struct {
		const char *q, *name;
		unsigned port;
	} want[] = {
		{"dns", "domain", 53}, {"rdp", "ms-wbt-server", 3389}, {"remote desktop", "ms-wbt-server", 3389},
		{"vnc", "rfb", 5900},  {"smb", "microsoft-ds", 445},   {"dhcp", "bootps", 67},
		{"web", "http", 80},   {"ssh", "ssh", 22},
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		pl_hit hits[4];
		pl_error err = {0};
		size_t total = 0;
		int n = pl_registry_search_ex(reg, want[i].q, hits, 4, &total, &err);
		assert_true(n >= 1);
		pl_record r;
		assert_int_equal(pl_registry_record(reg, hits[0].index, &r), 0);
		if (strcmp(r.name, want[i].name) || r.port_lo != want[i].port)
			fail_msg("'%s' found %s %u first, not %s %u", want[i].q, r.name, r.port_lo, want[i].name, want[i].port);
		assert_true(total >= (size_t)n);
	}
}

static void test_search_finds_what_people_type(void **state)
{
	(void)state;
	pl_registry *reg;
	pl_error err = {0};
	assert_int_equal(pl_registry_open_embedded(&reg, &err), 0);
	check_people_type(reg);
	/* And again once the whole index is built (the second search of a registry builds it). */
	assert_int_equal(pl_registry_search_prepare(reg, &err), 0);
	check_people_type(reg);
	pl_registry_close(reg);
	char path[4096];
	if (!tu_fixture("iana/service-names-port-numbers-2025-12-15.xml", path, sizeof path))
		return;
	assert_int_equal(pl_registry_open_file(path, &reg, &err), 0);
	check_people_type(reg);
	pl_registry_close(reg);
}

static void test_search_words_must_all_match_and_totals_say_when_cut(void **state)
{
	(void)state;
	pl_registry *reg = tu_registry(rows);
	pl_hit hits[16];
	pl_error err = {0};
	size_t total = 0;
	/* "secure" and "shell" only in ssh's two records; "ssh protocol" too, "ssh multiplexer" nowhere. */
	assert_int_equal(pl_registry_search_ex(reg, "secure  shell", hits, 16, &total, &err), 2);
	assert_int_equal(total, 2);
	assert_string_equal(name_of(reg, &hits[0]), "ssh");
	assert_int_equal(hits[0].match, PL_MATCH_WORD);
	assert_int_equal(pl_registry_search_ex(reg, "shell netconf", hits, 16, &total, &err), 0);
	assert_int_equal(total, 0);
	assert_int_equal(pl_registry_search_ex(reg, "ssh over", hits, 16, &total, &err), 1);
	assert_string_equal(name_of(reg, &hits[0]), "netconf-ssh");
	/* Cut: two shown, six in all. */
	assert_int_equal(pl_registry_search_ex(reg, "ssh", hits, 2, &total, &err), 2);
	assert_int_equal(total, 6);
	assert_int_equal(pl_registry_search_ex(reg, "a\001b", hits, 2, &total, &err), PL_EINVAL);
	assert_int_equal(pl_registry_search_ex(reg, "   ", hits, 2, &total, &err), PL_EINVAL);
	pl_registry_close(reg);
}

/* The index gives the answers a plain scan gives: a registry searched once (the text only, every record
 * read) against one whose postings are built, over terms short and long, common and rare. */
static void test_search_index_agrees_with_a_scan(void **state)
{
	(void)state;
	static const char *const terms[] = {"a", "e", "z", "ss", "ht", "ssh", "http", "dns", "tcp", "mysql", "7", "12",
					    "ms-wbt", "remote desktop", "secure shell", "xyzzy", "web", "server", "the",
					    "a b", "baudoin", "-", "(", "sql server"};
	pl_registry *indexed;
	pl_error err = {0};
	assert_int_equal(pl_registry_open_embedded(&indexed, &err), 0);
	assert_int_equal(pl_registry_search_prepare(indexed, &err), 0);
	static pl_hit a[20000], b[20000];
	for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++) {
		pl_registry *scanned;
		assert_int_equal(pl_registry_open_embedded(&scanned, &err), 0);
		size_t ta = 0, tb = 0;
		int na = pl_registry_search_ex(scanned, terms[i], a, 20000, &ta, &err);
		int nb = pl_registry_search_ex(indexed, terms[i], b, 20000, &tb, &err);
		if (na != nb || ta != tb)
			fail_msg("'%s': scan %d (%zu in all), index %d (%zu in all)", terms[i], na, ta, nb, tb);
		for (int k = 0; k < na; k++)
			if (a[k].index != b[k].index || a[k].match != b[k].match)
				fail_msg("'%s': hit %d differs (record %u/%d against %u/%d)", terms[i], k, a[k].index, a[k].match,
					 b[k].index, b[k].match);
		/* And a short list is the start of the long one. */
		size_t tc = 0;
		pl_hit c[5];
		int nc = pl_registry_search_ex(indexed, terms[i], c, 5, &tc, &err);
		assert_int_equal(tc, tb);
		for (int k = 0; k < nc; k++)
			assert_int_equal(c[k].index, b[k].index);
		pl_registry_close(scanned);
	}
	pl_registry_close(indexed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_search_ranks_exact_prefix_word_substring),
		cmocka_unit_test(test_search_matches_assignee_and_honours_limit),
		cmocka_unit_test(test_search_finds_what_people_type),
		cmocka_unit_test(test_search_words_must_all_match_and_totals_say_when_cut),
		cmocka_unit_test(test_search_index_agrees_with_a_scan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

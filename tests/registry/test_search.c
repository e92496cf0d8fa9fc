/* Search ranking: exact name, then prefix, then whole word, then substring; case-insensitive. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_search_ranks_exact_prefix_word_substring),
		cmocka_unit_test(test_search_matches_assignee_and_honours_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

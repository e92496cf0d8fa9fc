/* Placeholder until the xml importer's tests land (issue 4). */
#include "testutil.h"

static void test_import_xml_pending(void **state)
{
	(void)state;
	skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_import_xml_pending),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

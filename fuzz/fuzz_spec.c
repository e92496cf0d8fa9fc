/* libFuzzer target for the port spec parser and the list parser ("22 80 443", "80,443"), and for the
 * terminal escaper whose output must hold no control byte (NUL-terminated copies of the input). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/spec.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	pl_spec spec;
	pl_error err;
	pl_spec_parse(s, &spec, &err);
	static pl_spec items[64];
	size_t n = 0;
	if (pl_spec_parse_list(s, items, 64, &n, &err) == 0 && (n == 0 || n > 64))
		abort();
	char *e = pl_term_escape((const char *)data, size, 0);
	if (e) {
		if (strlen(e) != pl_term_escape_len((const char *)data, size, 0))
			abort();
		for (const unsigned char *p = (const unsigned char *)e; *p; p++)
			if (*p < 0x20 || *p == 0x7f)
				abort();
		free(e);
	}
	free(s);
	return 0;
}

/* libFuzzer target for the port spec parser (NUL-terminated copies of the input). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/spec.h"

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
	free(s);
	return 0;
}

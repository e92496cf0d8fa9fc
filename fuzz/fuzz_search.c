/* libFuzzer target for search terms: the embedded registry searched through its index (built on the
 * first two calls, as in portlore serve), the input as the term. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static pl_registry *reg;
	pl_error err;
	if (!reg && pl_registry_open_embedded(&reg, &err))
		return 0;
	char *term = malloc(size + 1);
	if (!term)
		return 0;
	memcpy(term, data, size);
	term[size] = '\0';
	static pl_hit hits[64];
	size_t total;
	int n = pl_registry_search_ex(reg, term, hits, 64, &total, &err);
	if (n > 0 && total < (size_t)n)
		abort(); /* the total counts every hit returned */
	free(term);
	return 0;
}

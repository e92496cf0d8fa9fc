/* libFuzzer target for the xml importer: any bytes must give a registry or a clean error. */
#include <stddef.h>
#include <stdint.h>

#include "portlore/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pl_builder *b = pl_builder_new();
	pl_error err;
	if (pl_import_xml((const char *)data, size, b, &err) == 0) {
		pl_registry *reg;
		if (pl_builder_open(b, &reg, &err) == 0)
			pl_registry_close(reg);
		return 0;
	}
	pl_builder_free(b);
	return 0;
}

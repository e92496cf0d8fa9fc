/* libFuzzer target for portlore's own table format: records, #person and #footnote lines. What imports
 * must also be written back (pl_registry_write_tsv) and read again. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "portlore/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pl_builder *b = pl_builder_new();
	pl_error err;
	if (pl_import_tsv((const char *)data, size, b, &err) == 0) {
		pl_registry *reg;
		if (pl_builder_open(b, &reg, &err) == 0) {
			uint32_t idx[16];
			size_t n = pl_registry_lookup_port(reg, 22, PL_PROTO_NONE, idx, 16);
			for (size_t i = 0; i < n && i < 16; i++) {
				pl_record r;
				if (pl_registry_record(reg, idx[i], &r) == 0)
					(void)pl_record_people_count(&r, PL_ROLE_MENTIONED);
			}
			(void)pl_registry_footnote(reg, "1");
			char *text = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&text, &len);
			if (f) {
				int rc = pl_registry_write_tsv(reg, f, "fuzz", &err);
				fclose(f);
				pl_registry *again;
				if (rc == 0 && pl_registry_open_buffer(text, len, "again", &again, &err) == 0) {
					if (pl_registry_count(again) != pl_registry_count(reg))
						abort(); /* a table written by us must read back whole */
					pl_registry_close(again);
				}
				free(text);
			}
			pl_registry_close(reg);
		}
		return 0;
	}
	pl_builder_free(b);
	return 0;
}

/* The registry snapshot compiled into the binary (registry_blob.c is generated at build time by
 * tools/mkindex from data/registry.tsv), so that `portlore PORT` answers offline with no file at all. */
#include "index.h"
#include "internal.h"

extern const unsigned char pl_embedded_index[];
extern const size_t pl_embedded_index_len;

int pl_registry_open_embedded(pl_registry **out, pl_error *err)
{
	/* Verified by tools/mkindex when it was generated, and read-only in the binary: no checksum pass. */
	return pl_registry_open_trusted(pl_embedded_index, pl_embedded_index_len, out, err);
}

/* Registry internals shared between its files (not part of the public interface). */
#ifndef PL_REGISTRY_INTERNAL_H
#define PL_REGISTRY_INTERNAL_H

#include "portlore/registry.h"
#include "util/util.h"

/* Longest single field an importer may hand the builder; IANA's longest notes are a few KiB. */
#define PL_MAX_FIELD 65536u
#define PL_MAX_RECORDS 1000000u
#define PL_MAX_LIST 4096u

/* Takes ownership of a malloc'd blob made by pl_builder_finish. */
int pl_registry_adopt_blob(void *blob, size_t len, pl_registry **out, pl_error *err);

/* Attaches without the checksum pass: for the blob compiled into the binary. */
int pl_registry_open_trusted(const void *buf, size_t len, pl_registry **out, pl_error *err);

/* Every mailto: address among the space-separated URIs: the first into first (when it is empty), all
 * into all, space-separated. 0 or PL_ENOMEM. */
int pl_people_emails(const char *uris, pl_buf *first, pl_buf *all);
/* Calls fn for each "[Person_Id]" in text, in order; counts the calls that returned > 0. */
typedef int (*pl_mention_fn)(const char *id, void *ctx);
size_t pl_people_mentions(const char *text, pl_mention_fn fn, void *ctx);

#endif

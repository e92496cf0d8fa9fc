/* The search index (search_index.c) as search.c reads it: registry internals, not a public interface. */
#ifndef PL_REGISTRY_SEARCH_INDEX_H
#define PL_REGISTRY_SEARCH_INDEX_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "portlore/registry.h"

#define PL_SEARCH_SEP '\x1f' /* between the fields of a record's text: never inside a search term */
#define PL_SEARCH_SEP_STR "\x1f"
#define PL_SEARCH_TRI_BITS 18

typedef struct pl_search_word {
	uint32_t at;   /* offset of the word in text */
	uint16_t len;
	uint32_t slot;
} pl_search_word;

typedef struct pl_search_index {
	size_t n;          /* slots: the assigned records, in rank order */
	size_t nrecords;   /* the registry's record count (slot_of's length) */
	uint32_t *rec;     /* slot -> registry index */
	uint32_t *slot_of; /* registry index -> slot, UINT32_MAX when not searchable */
	uint32_t *off;     /* slot -> offset of its text; n + 1 entries */
	char *text;        /* "name SEP description SEP person-id SEP person-name ..." lower-case, NUL a slot */
	bool full;         /* what follows is built */
	uint32_t *by_name; /* slots by name, then slot */
	pl_search_word *words;
	size_t nwords;
	uint32_t *uni_off, *uni; /* postings: slots holding a byte (256 keys), */
	uint32_t *bi_off, *bi;   /* a pair of bytes (65,536 keys), */
	uint32_t *tri_off, *tri; /* three bytes, hashed into 2^PL_SEARCH_TRI_BITS buckets (verify) */
} pl_search_index;

int pl_search_index_build(const pl_registry *reg, bool full, pl_search_index **out);
void pl_search_index_free(pl_search_index *x);
uint32_t pl_search_tri_bucket(unsigned char a, unsigned char b, unsigned char c);

#endif

/* The registry builder's state, shared by model.c (adding records, people, footnotes) and finish.c
 * (sorting, resolving and writing the compact index). Private to the registry module. */
#ifndef PL_REGISTRY_BUILDER_H
#define PL_REGISTRY_BUILDER_H

#include <stdlib.h>

#include "index.h"
#include "internal.h"
#include "util/util.h"

typedef struct u32vec {
	uint32_t *v;
	size_t n, cap;
} u32vec;

static inline int vec_push(u32vec *a, uint32_t x)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 256;
		uint32_t *v = realloc(a->v, cap * sizeof *v);
		if (!v)
			return PL_ENOMEM;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = x;
	return 0;
}

struct pl_builder {
	pl_buf strings;
	uint32_t *slots; /* open addressing: string offset + 1, 0 = empty */
	size_t nslots, nstrings;
	struct pl_idx_record *recs;
	size_t nrecs, caprecs;
	struct pl_idx_person *people;
	size_t npeople, cappeople;
	u32vec lists;
	u32vec notes; /* footnotes: (anchor, text) string offsets, in the order given */
	uint32_t date, source, nmerged;
	bool has_refs;
};


#endif

/* An allocation arena: many small allocations freed in one call, for a query's results (DESIGN.md's
 * "a query's results live in an arena freed in one call"). Not thread-safe; one owner. */
#ifndef PL_UTIL_ARENA_H
#define PL_UTIL_ARENA_H

#include <stddef.h>

typedef struct pl_arena pl_arena;

pl_arena *pl_arena_new(void);
void pl_arena_free(pl_arena *a);
/* Zeroed, 16-byte aligned; NULL when out of memory. */
void *pl_arena_alloc(pl_arena *a, size_t size);
char *pl_arena_strdup(pl_arena *a, const char *s);
char *pl_arena_strndup(pl_arena *a, const char *s, size_t n);

#endif

/* See arena.h: chunks of 64 KiB (or one of the exact size for a larger request), bump allocation. */
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define CHUNK (64u << 10)

struct chunk {
	struct chunk *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

struct pl_arena {
	struct chunk *head;
};

pl_arena *pl_arena_new(void)
{
	return calloc(1, sizeof(pl_arena));
}

void pl_arena_free(pl_arena *a)
{
	if (!a)
		return;
	for (struct chunk *c = a->head, *n; c; c = n) {
		n = c->next;
		free(c);
	}
	free(a);
}

void *pl_arena_alloc(pl_arena *a, size_t size)
{
	size = (size + 15) & ~(size_t)15;
	if (size == 0)
		size = 16;
	struct chunk *c = a->head;
	if (!c || c->size - c->used < size) {
		size_t want = size > CHUNK ? size : CHUNK;
		c = malloc(sizeof *c + want);
		if (!c)
			return NULL;
		c->size = want;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += size;
	memset(p, 0, size);
	return p;
}

char *pl_arena_strndup(pl_arena *a, const char *s, size_t n)
{
	char *d = pl_arena_alloc(a, n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

char *pl_arena_strdup(pl_arena *a, const char *s)
{
	return pl_arena_strndup(a, s, strlen(s));
}

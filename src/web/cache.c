/* A small direct-mapped cache of rendered HTML: the registry part of a port page never changes while the
 * server runs (the registry is immutable), so it is rendered once per port and language and copied out
 * for each request. A fixed number of slots bounds the memory whatever a crawler asks for; a slot's
 * mutex is held only for a copy. Entries also expire, as host facts (sysctls) can change. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

typedef struct slot {
	pthread_mutex_t lock;
	uint64_t key; /* key + 1: 0 is an empty slot */
	uint64_t expires_ms;
	char *data;
	size_t len, cuts[2];
} slot;

struct pl_web_cache {
	size_t nslots;
	unsigned ttl_ms;
	slot slots[];
};

uint64_t pl_web_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t pl_web_hash(const void *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ ((const unsigned char *)p)[i]) * 1099511628211ull;
	return h;
}

pl_web_cache *pl_web_cache_new(size_t nslots, unsigned ttl_ms)
{
	pl_web_cache *c = calloc(1, sizeof *c + nslots * sizeof(slot));
	if (!c)
		return NULL;
	c->nslots = nslots;
	c->ttl_ms = ttl_ms;
	for (size_t i = 0; i < nslots; i++)
		pthread_mutex_init(&c->slots[i].lock, NULL);
	return c;
}

void pl_web_cache_free(pl_web_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nslots; i++) {
		pthread_mutex_destroy(&c->slots[i].lock);
		free(c->slots[i].data);
	}
	free(c);
}

static slot *slot_of(pl_web_cache *c, uint64_t key)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ull; /* Fibonacci hashing spreads neighbouring ports */
	return &c->slots[(h >> 32) % c->nslots];
}

int pl_web_cache_get(pl_web_cache *c, uint64_t key, pl_buf *out, size_t cuts[2])
{
	slot *s = slot_of(c, key);
	int hit = 0;
	size_t base = out->len;
	pthread_mutex_lock(&s->lock);
	if (s->key == key + 1 && pl_buf_add(out, s->data, s->len) == 0) {
		hit = s->expires_ms > pl_web_now_ms() ? 1 : 2;
		if (cuts) {
			cuts[0] = base + s->cuts[0];
			cuts[1] = base + s->cuts[1];
		}
	}
	pthread_mutex_unlock(&s->lock);
	return hit;
}

void pl_web_cache_put(pl_web_cache *c, uint64_t key, const char *data, size_t len, const size_t cuts[2])
{
	char *copy = malloc(len ? len : 1);
	if (!copy)
		return; /* not cached: the next request renders again */
	memcpy(copy, data, len);
	slot *s = slot_of(c, key);
	pthread_mutex_lock(&s->lock);
	char *old = s->data;
	s->data = copy;
	s->len = len;
	s->key = key + 1;
	s->expires_ms = pl_web_now_ms() + c->ttl_ms;
	s->cuts[0] = cuts ? cuts[0] : 0;
	s->cuts[1] = cuts ? cuts[1] : 0;
	pthread_mutex_unlock(&s->lock);
	free(old);
}

/* SipHash-2-4 (Aumasson and Bernstein, 2012), a keyed hash for short inputs: the voter key of a feedback
 * vote is SipHash(salt, day | address), so that the database never holds an address, and one client
 * voting twice on a page in a day maps to the same key. Written from the paper's description. */
#include <string.h>

#include "internal.h"

static uint64_t rotl(uint64_t x, int b)
{
	return x << b | x >> (64 - b);
}

static uint64_t load_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

#define SIPROUND() \
	do { \
		v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); \
		v2 += v3; v3 = rotl(v3, 16); v3 ^= v2; \
		v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; \
		v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32); \
	} while (0)

uint64_t pl_web_siphash(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t k0 = load_le(key, 8), k1 = load_le(key + 8, 8);
	uint64_t v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
	size_t whole = len - len % 8;
	for (size_t i = 0; i < whole; i += 8) {
		uint64_t m = load_le(p + i, 8);
		v3 ^= m;
		SIPROUND();
		SIPROUND();
		v0 ^= m;
	}
	uint64_t last = load_le(p + whole, len % 8) | (uint64_t)(len & 0xff) << 56;
	v3 ^= last;
	SIPROUND();
	SIPROUND();
	v0 ^= last;
	v2 ^= 0xff;
	SIPROUND();
	SIPROUND();
	SIPROUND();
	SIPROUND();
	return v0 ^ v1 ^ v2 ^ v3;
}

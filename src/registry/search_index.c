/* The search index, built once per registry and kept with it: every assigned record's searchable text
 * (name, description, people) lower-cased in one buffer, in rank order (ports first, by port); then, for a
 * registry searched more than once (portlore serve), posting lists that find the records holding a term
 * without reading them all: exact ones for one and two characters, hashed trigrams for longer terms (their
 * candidates are verified), the names sorted, and every word of the text sorted. */
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "search_index.h"
#include "util/util.h"

/* A growing text written a byte at a time without a call per byte. */
struct text {
	char *data;
	size_t len, cap;
	int rc;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (t->rc)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 1 << 16;
		while (cap < t->len + n + 1)
			cap *= 2;
		char *d = realloc(t->data, cap);
		if (!d) {
			t->rc = PL_ENOMEM;
			return;
		}
		t->data = d;
		t->cap = cap;
	}
	memcpy(t->data + t->len, s, n);
	t->len += n;
}

static void put_lower(struct text *t, const char *s)
{
	size_t n = strlen(s);
	put(t, s, n);
	if (t->rc)
		return;
	for (char *c = t->data + t->len - n; c < t->data + t->len; c++) {
		*c = *c >= 'A' && *c <= 'Z' ? (char)(*c + 32) : *c;
		if (*c == PL_SEARCH_SEP || *c == '\n' || *c == '\t')
			*c = ' ';
	}
}

struct slot_sort {
	uint32_t rec;
	uint16_t port;
	uint8_t has_port;
};

static int cmp_slot(const void *pa, const void *pb)
{
	const struct slot_sort *a = pa, *b = pb;
	if (a->has_port != b->has_port)
		return a->has_port ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return a->rec < b->rec ? -1 : a->rec > b->rec;
}

void pl_search_index_free(pl_search_index *x)
{
	if (!x)
		return;
	free(x->rec);
	free(x->slot_of);
	free(x->off);
	free(x->text);
	free(x->by_name);
	free(x->words);
	free(x->uni_off);
	free(x->uni);
	free(x->bi_off);
	free(x->bi);
	free(x->tri_off);
	free(x->tri);
	free(x);
}

static int build_text(const pl_registry *reg, pl_search_index *x)
{
	size_t total = pl_registry_count(reg);
	struct slot_sort *order = malloc((total ? total : 1) * sizeof *order);
	x->slot_of = malloc((total ? total : 1) * sizeof *x->slot_of);
	if (!order || !x->slot_of) {
		free(order);
		return PL_ENOMEM;
	}
	for (size_t i = 0; i < total; i++) {
		pl_record r;
		x->slot_of[i] = UINT32_MAX;
		pl_registry_record(reg, i, &r);
		if (r.status == PL_STATUS_ASSIGNED)
			order[x->n++] = (struct slot_sort){(uint32_t)i, r.port_lo, r.has_port};
	}
	x->nrecords = total;
	/* Rank order within a match class (pl_registry_search): by port, name-only records last. */
	qsort(order, x->n, sizeof *order, cmp_slot);
	x->rec = malloc((x->n ? x->n : 1) * sizeof *x->rec);
	x->off = malloc((x->n + 1) * sizeof *x->off);
	if (!x->rec || !x->off) {
		free(order);
		return PL_ENOMEM;
	}
	struct text b = {0};
	static const char sep[] = {PL_SEARCH_SEP};
	for (size_t s = 0; s < x->n && b.rc == 0; s++) {
		pl_record r;
		x->rec[s] = order[s].rec;
		x->slot_of[order[s].rec] = (uint32_t)s;
		pl_registry_record(reg, order[s].rec, &r);
		x->off[s] = (uint32_t)b.len;
		put_lower(&b, r.name);
		put(&b, sep, 1);
		put_lower(&b, r.description);
		for (int role = PL_ROLE_ASSIGNEE; role <= PL_ROLE_CONTACT; role++)
			for (size_t i = 0; i < pl_record_people_count(&r, (pl_role)role); i++) {
				const char *id = pl_record_person_id(&r, (pl_role)role, i);
				pl_person person;
				put(&b, sep, 1);
				put_lower(&b, id);
				if (pl_registry_person(reg, id, &person) == 0 && *person.name) {
					put(&b, sep, 1);
					put_lower(&b, person.name);
				}
			}
		put(&b, "", 1);
	}
	free(order);
	if (b.rc || b.len > UINT32_MAX) {
		free(b.data);
		return b.rc ? b.rc : PL_ELIMIT;
	}
	x->off[x->n] = (uint32_t)b.len;
	x->text = b.data ? b.data : calloc(1, 1);
	return x->text ? 0 : PL_ENOMEM;
}

static const pl_search_index *sorting; /* qsort has no context argument; the build holds it for one call */

static int cmp_name(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	const char *ta = sorting->text + sorting->off[a], *tb = sorting->text + sorting->off[b];
	size_t na = strcspn(ta, PL_SEARCH_SEP_STR), nb = strcspn(tb, PL_SEARCH_SEP_STR);
	int c = memcmp(ta, tb, na < nb ? na : nb);
	if (c == 0 && na != nb)
		c = na < nb ? -1 : 1;
	return c ? c : (a < b ? -1 : a > b);
}

static int cmp_word(const void *pa, const void *pb)
{
	const pl_search_word *a = pa, *b = pb;
	int c = memcmp(sorting->text + a->at, sorting->text + b->at, a->len < b->len ? a->len : b->len);
	if (c == 0 && a->len != b->len)
		c = a->len < b->len ? -1 : 1;
	return c ? c : (a->slot < b->slot ? -1 : a->slot > b->slot);
}

uint32_t pl_search_tri_bucket(unsigned char a, unsigned char b, unsigned char c)
{
	uint32_t h = ((uint32_t)a << 16 | (uint32_t)b << 8 | c) * 2654435761u;
	return h >> (32 - PL_SEARCH_TRI_BITS);
}

/* Counting pass then filling pass: each slot counted once per key however often the key occurs in it
 * (a stamp per key remembers the last slot seen). */
static int postings(pl_search_index *x, size_t nkeys, int width, uint32_t **off_out, uint32_t **list_out)
{
	uint32_t *off = calloc(nkeys + 1, sizeof *off), *stamp = calloc(nkeys, sizeof *stamp);
	if (!off || !stamp) {
		free(off);
		free(stamp);
		return PL_ENOMEM;
	}
	for (int pass = 0; pass < 2; pass++) {
		uint32_t *list = pass ? *list_out : NULL, *fill = pass ? stamp : NULL;
		if (pass) {
			for (size_t k = 0; k < nkeys; k++)
				off[k + 1] += off[k];
			memcpy(stamp, off, nkeys * sizeof *stamp); /* now the next free position per key */
			fill = stamp;
		}
		uint32_t *seen = pass ? calloc(nkeys, sizeof *seen) : stamp;
		if (!seen) {
			free(off);
			free(stamp);
			return PL_ENOMEM;
		}
		for (size_t s = 0; s < x->n; s++) {
			const unsigned char *t = (const unsigned char *)x->text + x->off[s];
			size_t len = x->off[s + 1] - x->off[s] - 1;
			for (size_t i = 0; i + (size_t)width <= len; i++) {
				if (t[i] == PL_SEARCH_SEP || (width > 1 && t[i + 1] == PL_SEARCH_SEP) ||
				    (width > 2 && t[i + 2] == PL_SEARCH_SEP))
					continue;
				size_t k = width == 1 ? t[i] : width == 2 ? (size_t)t[i] << 8 | t[i + 1]
									 : pl_search_tri_bucket(t[i], t[i + 1], t[i + 2]);
				if (seen[k] == s + 1)
					continue;
				seen[k] = (uint32_t)s + 1;
				if (pass)
					list[fill[k]++] = (uint32_t)s;
				else
					off[k + 1]++;
			}
		}
		if (pass) {
			free(seen);
		} else {
			memset(stamp, 0, nkeys * sizeof *stamp);
			size_t all = 0;
			for (size_t k = 1; k <= nkeys; k++)
				all += off[k];
			*list_out = malloc((all ? all : 1) * sizeof **list_out);
			if (!*list_out) {
				free(off);
				free(stamp);
				return PL_ENOMEM;
			}
		}
	}
	free(stamp);
	*off_out = off;
	return 0;
}

static int build_full(pl_search_index *x)
{
	x->by_name = malloc((x->n ? x->n : 1) * sizeof *x->by_name);
	if (!x->by_name)
		return PL_ENOMEM;
	for (size_t s = 0; s < x->n; s++)
		x->by_name[s] = (uint32_t)s;
	size_t cap = 1024;
	x->words = malloc(cap * sizeof *x->words);
	if (!x->words)
		return PL_ENOMEM;
	for (size_t s = 0; s < x->n; s++) {
		const char *t = x->text + x->off[s];
		for (size_t i = 0; t[i];) {
			while (t[i] && !pl_ascii_isalnum(t[i]))
				i++;
			size_t w = i;
			while (pl_ascii_isalnum(t[i]))
				i++;
			if (i == w || i - w > UINT16_MAX)
				continue;
			if (x->nwords == cap) {
				pl_search_word *more = realloc(x->words, 2 * cap * sizeof *more);
				if (!more)
					return PL_ENOMEM;
				x->words = more;
				cap *= 2;
			}
			x->words[x->nwords++] = (pl_search_word){x->off[s] + (uint32_t)w, (uint16_t)(i - w), (uint32_t)s};
		}
	}
	sorting = x;
	qsort(x->by_name, x->n, sizeof *x->by_name, cmp_name);
	qsort(x->words, x->nwords, sizeof *x->words, cmp_word);
	sorting = NULL;
	/* One entry per (word, slot). */
	size_t k = 0;
	for (size_t i = 0; i < x->nwords; i++)
		if (k == 0 || x->words[k - 1].slot != x->words[i].slot || x->words[k - 1].len != x->words[i].len ||
		    memcmp(x->text + x->words[k - 1].at, x->text + x->words[i].at, x->words[i].len))
			x->words[k++] = x->words[i];
	x->nwords = k;
	int rc = postings(x, 256, 1, &x->uni_off, &x->uni);
	rc = rc ? rc : postings(x, 65536, 2, &x->bi_off, &x->bi);
	rc = rc ? rc : postings(x, (size_t)1 << PL_SEARCH_TRI_BITS, 3, &x->tri_off, &x->tri);
	x->full = rc == 0;
	return rc;
}

int pl_search_index_build(const pl_registry *reg, bool full, pl_search_index **out)
{
	pl_search_index *x = calloc(1, sizeof *x);
	if (!x)
		return PL_ENOMEM;
	int rc = build_text(reg, x);
	/* qsort's comparators read the index through one static pointer: builds take turns. */
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	if (rc == 0 && full) {
		pthread_mutex_lock(&lock);
		rc = build_full(x);
		pthread_mutex_unlock(&lock);
	}
	if (rc) {
		pl_search_index_free(x);
		return rc;
	}
	*out = x;
	return 0;
}

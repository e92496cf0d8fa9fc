/* Search finds what people type: the service name (exact, then its start), a whole word of a name,
 * description or person, anywhere in those; the common names the evidence tables give a port ("dns" is
 * domain 53, "remote desktop" ms-wbt-server 3389: a known use's protocol key or words of its software, a
 * Wireshark dissector's name), ranked right after an exact name with a port; several words must all match.
 * Results come from the registry's search index (search_index.c), built on first use and kept. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "portlore/evidence.h"
#include "search_index.h"
#include "util/util.h"

#define MAX_TERM 256
#define MAX_WORDS 8
#define MAX_ALIAS_PORTS 8

/* ---- the index, kept with the registry ---- */

static const pl_search_index *index_of(const pl_registry *reg, int *rc)
{
	pl_registry *r = (pl_registry *)reg; /* a cache: the registry's content never changes */
	pl_search_index *x = __atomic_load_n(&r->search, __ATOMIC_ACQUIRE);
	/* A registry searched once (the CLI) gets the text only; searched again (serve), the postings too. */
	unsigned uses = __atomic_add_fetch(&r->searches, 1, __ATOMIC_RELAXED);
	if (x && (x->full || uses < 2))
		return x;
	pl_search_index *built;
	*rc = pl_search_index_build(reg, uses >= 2, &built);
	if (*rc)
		return x;
	if (__atomic_compare_exchange_n(&r->search, &x, built, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		if (x) {
			/* Another thread may still read the old one: keep it until the registry closes. */
			__atomic_store_n(&r->search_old, x, __ATOMIC_RELEASE);
		}
		return built;
	}
	pl_search_index_free(built);
	return x;
}

int pl_registry_search_prepare(const pl_registry *reg, pl_error *err)
{
	pl_registry *r = (pl_registry *)reg;
	__atomic_store_n(&r->searches, 1, __ATOMIC_RELAXED);
	int rc = 0;
	const pl_search_index *x = index_of(reg, &rc);
	if (rc || !x || !x->full)
		return pl_error_set(err, rc ? rc : PL_ENOMEM, "cannot build the search index");
	return 0;
}

void pl_registry_search_release(pl_registry *r)
{
	pl_search_index_free(r->search);
	pl_search_index_free(r->search_old);
}

/* ---- matching one slot ---- */

static bool boundary(const char *text, const char *at, size_t n)
{
	return (at == text || !pl_ascii_isalnum(at[-1])) && !pl_ascii_isalnum(at[n]);
}

/* The class of word (lower-case) in slot's text, or -1. */
static int classify(const pl_search_index *x, uint32_t slot, const char *word, size_t n)
{
	const char *t = x->text + x->off[slot];
	size_t name = strcspn(t, PL_SEARCH_SEP_STR);
	if (name == n && !memcmp(t, word, n))
		return PL_MATCH_EXACT;
	if (name && name >= n && !memcmp(t, word, n))
		return PL_MATCH_PREFIX;
	int best = -1;
	for (const char *at = strstr(t, word); at; at = strstr(at + 1, word)) {
		if (boundary(t, at, n))
			return PL_MATCH_WORD;
		best = PL_MATCH_SUBSTRING;
	}
	return best;
}

/* ---- candidates: the slots whose text holds a word, in slot order ---- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Into out (room for x->n): exactly the slots holding word. */
static size_t candidates(const pl_search_index *x, const char *w, size_t n, uint32_t *out)
{
	const unsigned char *u = (const unsigned char *)w;
	size_t count = 0;
	if (!x->full) {
		for (uint32_t s = 0; s < x->n; s++)
			if (strstr(x->text + x->off[s], w))
				out[count++] = s;
		return count;
	}
	if (n <= 2) { /* exact postings */
		const uint32_t *off = n == 1 ? x->uni_off : x->bi_off, *list = n == 1 ? x->uni : x->bi;
		size_t k = n == 1 ? u[0] : (size_t)u[0] << 8 | u[1];
		count = off[k + 1] - off[k];
		memcpy(out, list + off[k], count * sizeof *out);
		return count;
	}
	/* The shortest trigram list, intersected with the others, then verified. */
	size_t best = 0, best_len = SIZE_MAX;
	for (size_t i = 0; i + 3 <= n; i++) {
		uint32_t b = pl_search_tri_bucket(u[i], u[i + 1], u[i + 2]);
		size_t len = x->tri_off[b + 1] - x->tri_off[b];
		if (len < best_len) {
			best = b;
			best_len = len;
		}
	}
	for (size_t j = x->tri_off[best]; j < x->tri_off[best + 1]; j++) {
		uint32_t s = x->tri[j];
		bool all = true;
		for (size_t i = 0; all && i + 3 <= n; i++) {
			uint32_t b = pl_search_tri_bucket(u[i], u[i + 1], u[i + 2]);
			if (b == best)
				continue;
			all = bsearch(&s, x->tri + x->tri_off[b], x->tri_off[b + 1] - x->tri_off[b], sizeof s, cmp_u32) != NULL;
		}
		if (all && strstr(x->text + x->off[s], w))
			out[count++] = s;
	}
	return count;
}

/* ---- aliases from the evidence tables ---- */

struct alias {
	uint16_t port;
	pl_proto proto;
	int strength; /* 2: a protocol key or dissector name; 1: words of a software's name */
	double freq;
};

static bool phrase_in(const char *text, const char *phrase, size_t n)
{
	for (const char *at = strstr(text, phrase); at; at = strstr(at + 1, phrase))
		if (boundary(text, at, n))
			return true;
	return false;
}

/* The evidence tables' names, lower-cased once for the process: they never change. */
static struct names {
	const pl_known_use **use;
	char **software; /* lower-case, one per use */
	size_t nuses;
	char **dissector; /* lower-case short names, one per registration */
	const char **filter;
	uint16_t *port;
	pl_proto *proto;
	size_t ndissectors;
} names;
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

static char *lower_dup(const char *s)
{
	char *d = strdup(s);
	for (char *c = d; c && *c; c++)
		*c = pl_ascii_lower(*c);
	return d;
}

static void names_init(void)
{
	size_t n = 0, m = 0;
	pl_dissector d;
	while (pl_evidence_known_use_at(n))
		n++;
	while (pl_evidence_dissector_at(m, &d, NULL))
		m++;
	names.use = calloc(n ? n : 1, sizeof *names.use);
	names.software = calloc(n ? n : 1, sizeof *names.software);
	names.dissector = calloc(m ? m : 1, sizeof *names.dissector);
	names.filter = calloc(m ? m : 1, sizeof *names.filter);
	names.port = calloc(m ? m : 1, sizeof *names.port);
	names.proto = calloc(m ? m : 1, sizeof *names.proto);
	if (!names.use || !names.software || !names.dissector || !names.filter || !names.port || !names.proto)
		return; /* no aliases, then: search still works */
	for (size_t i = 0; i < n; i++) {
		names.use[i] = pl_evidence_known_use_at(i);
		names.software[i] = lower_dup(names.use[i]->software);
	}
	for (size_t i = 0; i < m; i++) {
		pl_evidence_dissector_at(i, &d, &names.port[i]);
		names.dissector[i] = lower_dup(d.name);
		names.filter[i] = d.filter;
		names.proto[i] = d.proto;
	}
	names.nuses = n;
	names.ndissectors = m;
}

/* The ports seen so far, a bit each: "http" names two hundred of them, and a list scan per port would
 * cost more than the rest of the search. */
struct seen_ports {
	uint64_t bits[65536 / 64];
};

static void add_alias(struct alias *a, size_t *na, size_t cap, struct seen_ports *sp, uint16_t port, uint16_t hi,
		      pl_proto proto, int strength)
{
	if (hi != port)
		return; /* a range ("6000-6063") names no single record */
	if (sp->bits[port >> 6] & (1ull << (port & 63)))
		for (size_t i = 0; i < *na; i++)
			if (a[i].port == port && a[i].proto == proto) {
				if (strength > a[i].strength)
					a[i].strength = strength;
				return;
			}
	if (*na == cap)
		return;
	sp->bits[port >> 6] |= 1ull << (port & 63);
	double f = 0;
	for (int t = PL_PROTO_TCP; t <= PL_PROTO_UDP; t++) {
		pl_open_freq of;
		if ((proto == PL_PROTO_NONE || proto == (pl_proto)t) && pl_evidence_frequency(port, (pl_proto)t, &of) == 1 &&
		    of.frequency > f)
			f = of.frequency;
	}
	a[(*na)++] = (struct alias){port, proto, strength, f};
}

static int cmp_alias(const void *pa, const void *pb)
{
	const struct alias *a = pa, *b = pb;
	if (a->strength != b->strength)
		return b->strength - a->strength;
	if (a->freq != b->freq)
		return a->freq > b->freq ? -1 : 1;
	return a->port - b->port;
}

/* The ports the evidence tables give the phrase, best first. */
static size_t aliases(const char *phrase, size_t n, struct alias *a, size_t cap)
{
	size_t na = 0;
	struct seen_ports sp;
	memset(&sp, 0, sizeof sp);
	pthread_once(&names_once, names_init);
	for (size_t i = 0; i < names.nuses; i++) {
		const pl_known_use *u = names.use[i];
		if (u->protocol[0] == phrase[0] && !strcmp(u->protocol, phrase))
			add_alias(a, &na, cap, &sp, u->port_lo, u->port_hi, u->proto, 2);
		else if (n >= 3 && names.software[i] && phrase_in(names.software[i], phrase, n))
			add_alias(a, &na, cap, &sp, u->port_lo, u->port_hi, u->proto, 1);
	}
	/* Wireshark's dissector names: "vnc" on 5900 and 5500. */
	for (size_t i = 0; i < names.ndissectors; i++)
		if ((names.dissector[i] && names.dissector[i][0] == phrase[0] && !strcmp(names.dissector[i], phrase)) ||
		    (names.filter[i][0] == phrase[0] && !strcmp(names.filter[i], phrase)))
			add_alias(a, &na, cap, &sp, names.port[i], names.port[i], names.proto[i], 2);
	/* Only the best MAX_ALIAS_PORTS are used: select them in order rather than sort two hundred. */
	for (size_t i = 0; i < na && i < MAX_ALIAS_PORTS; i++) {
		size_t best = i;
		for (size_t j = i + 1; j < na; j++)
			if (cmp_alias(&a[j], &a[best]) < 0)
				best = j;
		struct alias t = a[i];
		a[i] = a[best];
		a[best] = t;
	}
	return na;
}

/* ---- the search ---- */

struct hitlist {
	pl_hit *hits;
	size_t max, n, total;
	unsigned char *seen; /* a bit per slot */
	const pl_search_index *x;
	const uint32_t *cand; /* the slots holding the term, sorted (one word), or NULL */
	size_t ncand, outside; /* outside: alias hits not among cand */
};

static bool seen(const struct hitlist *h, uint32_t s)
{
	return h->seen[s >> 3] & (1u << (s & 7));
}

static void mark(struct hitlist *h, uint32_t s)
{
	h->seen[s >> 3] |= (unsigned char)(1u << (s & 7));
}

/* Adds slot as a hit of class m unless already there; counts it either way. */
static void emit(struct hitlist *h, uint32_t s, pl_match m)
{
	if (seen(h, s))
		return;
	mark(h, s);
	h->total++;
	if (m == PL_MATCH_ALIAS && h->cand && !bsearch(&s, h->cand, h->ncand, sizeof s, cmp_u32))
		h->outside++;
	if (h->n < h->max)
		h->hits[h->n++] = (pl_hit){h->x->rec[s], m};
}

static bool has_port_slot(const pl_search_index *x, const pl_registry *reg, uint32_t s)
{
	pl_record r;
	return pl_registry_record(reg, x->rec[s], &r) == 0 && r.has_port;
}

static void emit_aliases(struct hitlist *h, const pl_registry *reg, const char *phrase, size_t n)
{
	struct alias a[256];
	size_t na = aliases(phrase, n, a, 256);
	for (size_t i = 0, ports = 0; i < na && ports < MAX_ALIAS_PORTS; i++, ports++) {
		uint32_t idx[16];
		size_t k = pl_registry_lookup_port(reg, a[i].port, a[i].proto, idx, 16);
		for (size_t j = 0; j < k && j < 16; j++) {
			pl_record r;
			if (idx[j] >= h->x->nrecords || h->x->slot_of[idx[j]] == UINT32_MAX ||
			    pl_registry_record(reg, idx[j], &r) || !*r.name || r.port_lo != a[i].port)
				continue;
			emit(h, h->x->slot_of[idx[j]], PL_MATCH_ALIAS);
		}
	}
}

/* One word, with the index's sorted names and words: no slot is read that does not match. */
static void one_word(struct hitlist *h, const pl_registry *reg, const char *w, size_t n, uint32_t *cand, size_t ncand,
		     bool alnum)
{
	const pl_search_index *x = h->x;
	if (!x->full) {
		/* Class by class over the candidates, which are in slot order: the same order as below. */
		signed char *cls = malloc(ncand ? ncand : 1);
		if (!cls)
			return;
		for (size_t i = 0; i < ncand; i++) {
			cls[i] = (signed char)classify(x, cand[i], w, n);
			if (cls[i] == PL_MATCH_EXACT && has_port_slot(x, reg, cand[i]))
				emit(h, cand[i], PL_MATCH_EXACT);
		}
		emit_aliases(h, reg, w, n);
		for (int m = PL_MATCH_EXACT; m <= PL_MATCH_SUBSTRING; m++)
			for (size_t i = 0; i < ncand; i++)
				if (cls[i] == m)
					emit(h, cand[i], (pl_match)m);
		free(cls);
		return;
	}
	/* Names starting with w: a range of by_name. */
	size_t lo = 0, hi = x->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *t = x->text + x->off[x->by_name[mid]];
		if (strncmp(t, w, n) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < x->n && !strncmp(x->text + x->off[x->by_name[end]], w, n))
		end++;
	/* In slot order through a bitmap: cheaper than sorting a long range ("a" starts a thousand names). */
	uint32_t *pre = malloc((end - lo + 1) * sizeof *pre);
	uint64_t *bm = calloc(x->n / 64 + 1, sizeof *bm);
	size_t npre = 0, nexact = 0;
	if (pre && bm) {
		for (size_t i = lo; i < end; i++)
			bm[x->by_name[i] >> 6] |= 1ull << (x->by_name[i] & 63);
		for (size_t wd = 0; wd <= x->n / 64; wd++)
			for (uint64_t v = bm[wd]; v; v &= v - 1)
				pre[npre++] = (uint32_t)(wd * 64 + (size_t)__builtin_ctzll(v));
		/* Exact names first (those with a port, then the aliases, then name-only ones): a name of
		 * exactly n bytes is exact, as the range holds only names starting with w. */
		for (size_t i = 0; i < npre; i++) {
			const char *t = x->text + x->off[pre[i]];
			if (t[n] == PL_SEARCH_SEP && has_port_slot(x, reg, pre[i])) {
				emit(h, pre[i], PL_MATCH_EXACT);
				nexact++;
			}
		}
		emit_aliases(h, reg, w, n);
		for (size_t i = 0; i < npre; i++)
			if (x->text[x->off[pre[i]] + n] == PL_SEARCH_SEP)
				emit(h, pre[i], PL_MATCH_EXACT);
		for (size_t i = 0; i < npre && h->n < h->max; i++)
			emit(h, pre[i], PL_MATCH_PREFIX);
	}
	free(pre);
	free(bm);
	(void)nexact;
	/* Whole words: a range of the sorted words, in slot order. */
	if (alnum) {
		lo = 0, hi = x->nwords;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			const pl_search_word *e = &x->words[mid];
			int c = memcmp(x->text + e->at, w, e->len < n ? e->len : n);
			if (c < 0 || (c == 0 && e->len < n))
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t i = lo; i < x->nwords && h->n < h->max && x->words[i].len == n &&
				    !memcmp(x->text + x->words[i].at, w, n);
		     i++)
			emit(h, x->words[i].slot, PL_MATCH_WORD);
	} else {
		for (size_t i = 0; i < ncand && h->n < h->max; i++)
			if (classify(x, cand[i], w, n) == PL_MATCH_WORD)
				emit(h, cand[i], PL_MATCH_WORD);
	}
	for (size_t i = 0; i < ncand && h->n < h->max; i++)
		emit(h, cand[i], PL_MATCH_SUBSTRING);
	/* Every class is a part of the candidates: all of them count, and the aliases outside. */
	h->total = ncand + h->outside;
}

struct classed {
	uint32_t slot;
	int m;
};

static int cmp_classed(const void *pa, const void *pb)
{
	const struct classed *a = pa, *b = pb;
	if (a->m != b->m)
		return a->m - b->m;
	return a->slot < b->slot ? -1 : a->slot > b->slot;
}

/* Several words: the records holding all of them, classed by their weakest word. */
static int many_words(struct hitlist *h, const pl_registry *reg, const char *phrase, char words[][MAX_TERM + 1],
		      size_t nwords, uint32_t *cand, uint32_t *tmp)
{
	const pl_search_index *x = h->x;
	size_t ncand = candidates(x, words[0], strlen(words[0]), cand);
	for (size_t k = 1; k < nwords && ncand; k++) {
		size_t nt = candidates(x, words[k], strlen(words[k]), tmp), a = 0, b = 0, out = 0;
		while (a < ncand && b < nt) {
			if (cand[a] < tmp[b])
				a++;
			else if (cand[a] > tmp[b])
				b++;
			else
				cand[out++] = cand[a++], b++;
		}
		ncand = out;
	}
	struct classed *c = malloc((ncand ? ncand : 1) * sizeof *c);
	if (!c)
		return PL_ENOMEM;
	for (size_t i = 0; i < ncand; i++) {
		int worst = PL_MATCH_EXACT;
		for (size_t k = 0; k < nwords; k++) {
			int m = classify(x, cand[i], words[k], strlen(words[k]));
			/* A word that is the whole name of a multi-word query is only a word of it. */
			if (m == PL_MATCH_EXACT || m == PL_MATCH_PREFIX)
				m = PL_MATCH_WORD;
			if (m > worst)
				worst = m;
		}
		c[i] = (struct classed){cand[i], worst};
	}
	qsort(c, ncand, sizeof *c, cmp_classed);
	emit_aliases(h, reg, phrase, strlen(phrase));
	for (size_t i = 0; i < ncand; i++)
		emit(h, c[i].slot, (pl_match)c[i].m);
	free(c);
	return 0;
}

int pl_registry_search_ex(const pl_registry *reg, const char *term, pl_hit *hits, size_t max, size_t *total,
			  pl_error *err)
{
	size_t n = strlen(term);
	if (total)
		*total = 0;
	if (n > MAX_TERM)
		return pl_error_set(err, PL_ELIMIT, "search term longer than %d characters", MAX_TERM);
	/* Words: split on blanks, lower-cased; control characters are refused (none is in any record). */
	char words[MAX_WORDS][MAX_TERM + 1], phrase[MAX_TERM + 1];
	size_t nwords = 0, plen = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)term[i] < 0x20 && term[i] != '\t') || term[i] == 0x7f)
			return pl_error_set(err, PL_EINVAL, "search term with a control character");
	for (size_t i = 0; i < n;) {
		if (term[i] == ' ' || term[i] == '\t') {
			i++;
			continue;
		}
		if (nwords == MAX_WORDS)
			return pl_error_set(err, PL_ELIMIT, "more than %d words in a search", MAX_WORDS);
		size_t w = 0;
		while (i < n && term[i] != ' ' && term[i] != '\t')
			words[nwords][w++] = pl_ascii_lower(term[i++]);
		words[nwords][w] = '\0';
		plen += (size_t)snprintf(phrase + plen, sizeof phrase - plen, "%s%s", plen ? " " : "", words[nwords]);
		nwords++;
	}
	if (nwords == 0)
		return pl_error_set(err, PL_EINVAL, "empty search term");
	int rc = 0;
	const pl_search_index *x = index_of(reg, &rc);
	if (!x)
		return pl_error_set(err, rc ? rc : PL_ENOMEM, "out of memory building the search index");
	uint32_t *cand = malloc((x->n + 1) * sizeof *cand), *tmp = malloc((x->n + 1) * sizeof *tmp);
	unsigned char *bits = calloc(x->n / 8 + 1, 1);
	if (!cand || !tmp || !bits) {
		free(cand);
		free(tmp);
		free(bits);
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	}
	struct hitlist h = {hits, max, 0, 0, bits, x, NULL, 0, 0};
	if (nwords == 1) {
		size_t wn = strlen(words[0]);
		bool alnum = true;
		for (size_t i = 0; i < wn; i++)
			alnum &= pl_ascii_isalnum(words[0][i]);
		size_t nc = candidates(x, words[0], wn, cand);
		h.cand = cand;
		h.ncand = nc;
		one_word(&h, reg, words[0], wn, cand, nc, alnum);
	} else {
		rc = many_words(&h, reg, phrase, words, nwords, cand, tmp);
	}
	free(cand);
	free(tmp);
	free(bits);
	if (rc)
		return pl_error_set(err, rc, "out of memory");
	if (total)
		*total = h.total;
	return (int)h.n;
}

int pl_registry_search(const pl_registry *reg, const char *term, pl_hit *hits, size_t max, pl_error *err)
{
	return pl_registry_search_ex(reg, term, hits, max, NULL, err);
}

/* Finishing a registry: records sorted by (port, transport), people by id (the last definition of an id
 * wins), footnotes by anchor, the people named in notes resolved, the port axis cut into segments for
 * O(log n) lookups, and everything written as the compact index of index.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builder.h"

static int proto_rank(uint8_t p)
{
	return p == PL_PROTO_NONE ? PL_PROTO_COUNT : p; /* a transport-less row after the specific ones */
}

static int cmp_record(const void *pa, const void *pb, void *ctx)
{
	const pl_builder *b = ctx;
	const struct pl_idx_record *a = pa, *c = pb;
	int ha = a->flags & PL_IDX_HAS_PORT, hc = c->flags & PL_IDX_HAS_PORT;
	if (ha != hc)
		return ha ? -1 : 1; /* name-only records last */
	if (a->port_lo != c->port_lo)
		return a->port_lo < c->port_lo ? -1 : 1;
	if (a->port_hi != c->port_hi)
		return a->port_hi < c->port_hi ? -1 : 1;
	if (proto_rank(a->proto) != proto_rank(c->proto))
		return proto_rank(a->proto) - proto_rank(c->proto);
	int s = strcmp(b->strings.data + a->name, b->strings.data + c->name);
	if (s)
		return s;
	return strcmp(b->strings.data + a->description, b->strings.data + c->description);
}

static int cmp_person(const void *pa, const void *pb, void *ctx)
{
	const pl_builder *b = ctx;
	const struct pl_idx_person *a = pa, *c = pb;
	return strcmp(b->strings.data + a->id, b->strings.data + c->id);
}

struct idpos {
	uint32_t id, pos;
};

static int cmp_idpos(const void *pa, const void *pb)
{
	const struct idpos *a = pa, *c = pb;
	if (a->id != c->id)
		return a->id < c->id ? -1 : 1;
	return a->pos < c->pos ? -1 : a->pos > c->pos;
}

static int cmp_name(const void *pa, const void *pb, void *ctx)
{
	const pl_builder *b = ctx;
	uint32_t a = *(const uint32_t *)pa, c = *(const uint32_t *)pb;
	int s = pl_strcasecmp(b->strings.data + b->recs[a].name, b->strings.data + b->recs[c].name);
	if (s)
		return s;
	return a < c ? -1 : a > c;
}

static int cmp_u32(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, c = *(const uint32_t *)pb;
	return a < c ? -1 : a > c;
}

static size_t seg_find(const uint32_t *starts, size_t n, uint32_t port)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (starts[mid] < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The people a record's notes name in brackets, resolved against the (sorted) people table. */
struct mention_ctx {
	pl_builder *b;
	uint32_t ids[64];
	size_t n;
};

static int add_mention(const char *id, void *vctx)
{
	struct mention_ctx *m = vctx;
	size_t lo = 0, hi = m->b->npeople;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t off = m->b->people[mid].id;
		int c = strcmp(m->b->strings.data + off, id);
		if (c == 0) {
			for (size_t i = 0; i < m->n; i++)
				if (m->ids[i] == off)
					return 0;
			if (m->n == sizeof m->ids / sizeof m->ids[0])
				return 0;
			m->ids[m->n++] = off;
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0; /* "[1]" or "[sic]": not a person */
}

static int add_mentions(pl_builder *b)
{
	for (size_t i = 0; i < b->nrecs; i++) {
		struct pl_idx_record *r = &b->recs[i];
		struct mention_ctx m = {.b = b};
		/* the strings may move as lists grow: copy nothing, they live in b->strings, which lists do not touch */
		pl_people_mentions(b->strings.data + r->notes, add_mention, &m);
		pl_people_mentions(b->strings.data + r->description, add_mention, &m);
		r->mentions = 0;
		if (!m.n)
			continue;
		r->mentions = (uint32_t)b->lists.n;
		if (vec_push(&b->lists, (uint32_t)m.n))
			return PL_ENOMEM;
		for (size_t k = 0; k < m.n; k++)
			if (vec_push(&b->lists, m.ids[k]))
				return PL_ENOMEM;
	}
	return 0;
}

/* Footnotes sorted by anchor; the last definition of an anchor wins. Pairs in b->notes, rewritten in place. */
static int cmp_note(const uint32_t *a, const uint32_t *c, const pl_builder *b)
{
	return strcmp(b->strings.data + a[0], b->strings.data + c[0]);
}

static int sort_notes(pl_builder *b)
{
	size_t n = b->notes.n / 2, k = 0;
	if (n == 0)
		return 0;
	/* triples (anchor, text, position) so that "last wins" does not hang on qsort being stable */
	uint32_t *t = malloc(n * 3 * sizeof *t);
	if (!t)
		return PL_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		t[3 * i] = b->notes.v[2 * i];
		t[3 * i + 1] = b->notes.v[2 * i + 1];
		t[3 * i + 2] = (uint32_t)i;
	}
	/* insertion by anchor then position: at most PL_MAX_LIST footnotes, IANA has one */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0; j--) {
			int c = cmp_note(&t[3 * (j - 1)], &t[3 * j], b);
			if (c < 0 || (c == 0 && t[3 * (j - 1) + 2] < t[3 * j + 2]))
				break;
			for (int w = 0; w < 3; w++) {
				uint32_t x = t[3 * j + w];
				t[3 * j + w] = t[3 * (j - 1) + w];
				t[3 * (j - 1) + w] = x;
			}
		}
	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n && t[3 * i] == t[3 * (i + 1)])
			continue; /* a later definition follows */
		b->notes.v[2 * k] = t[3 * i];
		b->notes.v[2 * k + 1] = t[3 * i + 1];
		k++;
	}
	b->notes.n = 2 * k;
	free(t);
	return 0;
}

static size_t align8(size_t x)
{
	return (x + 7) & ~(size_t)7;
}

int pl_builder_finish(pl_builder *b, void **blob, size_t *len, pl_error *err)
{
	int rc = PL_ENOMEM;
	uint32_t *starts = NULL, *seglist = NULL, *names = NULL, *count = NULL, *fill = NULL, *cover = NULL;
	if (b->nrecs)
		qsort_r(b->recs, b->nrecs, sizeof *b->recs, cmp_record, b);
	/* Keep the last definition of a person id given twice: decided by position, in a total order, so that
	 * it does not hang on qsort being stable (C does not promise it). Ids are interned: equal ids, equal
	 * offsets. Then the survivors, all distinct, are sorted by id. */
	if (b->npeople) {
		struct idpos *ip = malloc(b->npeople * sizeof *ip);
		if (!ip)
			goto out;
		for (size_t i = 0; i < b->npeople; i++)
			ip[i] = (struct idpos){b->people[i].id, (uint32_t)i};
		qsort(ip, b->npeople, sizeof *ip, cmp_idpos);
		size_t np = 0;
		for (size_t i = 0; i < b->npeople; i++)
			if (i + 1 == b->npeople || ip[i + 1].id != ip[i].id)
				ip[np++] = ip[i]; /* the last position of each id */
		struct pl_idx_person *kept = malloc(np * sizeof *kept);
		if (!kept) {
			free(ip);
			goto out;
		}
		for (size_t i = 0; i < np; i++)
			kept[i] = b->people[ip[i].pos];
		free(ip);
		free(b->people);
		b->people = kept;
		b->npeople = b->cappeople = np;
		qsort_r(b->people, b->npeople, sizeof *b->people, cmp_person, b);
	}

	if (add_mentions(b) || sort_notes(b))
		goto out;

	/* Segment boundaries: every first port and every one-past-last port. */
	size_t nb = 0;
	starts = malloc((2 * b->nrecs + 1) * sizeof *starts);
	if (!starts)
		goto out;
	for (size_t i = 0; i < b->nrecs; i++) {
		if (!(b->recs[i].flags & PL_IDX_HAS_PORT))
			continue;
		starts[nb++] = b->recs[i].port_lo;
		if (b->recs[i].port_hi < 65535)
			starts[nb++] = (uint32_t)b->recs[i].port_hi + 1;
	}
	if (nb)
		qsort(starts, nb, sizeof *starts, cmp_u32);
	size_t nsegs = 0;
	for (size_t i = 0; i < nb; i++)
		if (nsegs == 0 || starts[nsegs - 1] != starts[i])
			starts[nsegs++] = starts[i];
	count = calloc(nsegs + 1, sizeof *count);
	fill = calloc(nsegs + 1, sizeof *fill);
	seglist = calloc(nsegs + 1, sizeof *seglist);
	if (!count || !fill || !seglist)
		goto out;
	/* A record is listed in every segment its range covers. IANA's registry covers each port a few times
	 * (fewer entries than records); nested ranges in a hostile file would make it quadratic, so cap it. */
	size_t ncover = 0, max_cover = 16 * b->nrecs + (1u << 18);
	for (size_t i = 0; i < b->nrecs; i++) {
		const struct pl_idx_record *r = &b->recs[i];
		if (!(r->flags & PL_IDX_HAS_PORT))
			continue;
		for (size_t s = seg_find(starts, nsegs, r->port_lo); s < nsegs && starts[s] <= r->port_hi; s++) {
			count[s]++;
			if (++ncover > max_cover) {
				rc = pl_error_set(err, PL_ELIMIT, "too many overlapping port ranges (over %zu range entries)",
						  max_cover);
				goto fail;
			}
		}
	}

	cover = malloc((ncover + 1) * sizeof *cover);
	if (!cover)
		goto out;
	for (size_t s = 0, at = 0; s < nsegs; s++) {
		fill[s] = (uint32_t)at;
		at += count[s];
	}
	for (size_t i = 0; i < b->nrecs; i++) {
		const struct pl_idx_record *r = &b->recs[i];
		if (!(r->flags & PL_IDX_HAS_PORT))
			continue;
		for (size_t s = seg_find(starts, nsegs, r->port_lo); s < nsegs && starts[s] <= r->port_hi; s++)
			cover[fill[s]++] = (uint32_t)i;
	}
	for (size_t s = 0, at = 0; s < nsegs; s++) {
		if (count[s] == 0) {
			seglist[s] = 0;
			continue;
		}
		seglist[s] = (uint32_t)b->lists.n;
		if (vec_push(&b->lists, count[s]))
			goto out;
		for (uint32_t k = 0; k < count[s]; k++)
			if (vec_push(&b->lists, cover[at + k]))
				goto out;
		at += count[s];
	}

	size_t nnames = 0;
	names = malloc((b->nrecs + 1) * sizeof *names);
	if (!names)
		goto out;
	for (size_t i = 0; i < b->nrecs; i++)
		if (b->recs[i].name)
			names[nnames++] = (uint32_t)i;
	if (nnames)
		qsort_r(names, nnames, sizeof *names, cmp_name, b);

	struct pl_idx_header h = {0};
	memcpy(h.magic, PL_IDX_MAGIC, 8);
	h.version = PL_IDX_VERSION;
	h.header_size = sizeof h;
	h.date = b->date;
	h.source = b->source;
	h.flags = b->has_refs ? PL_IDX_F_REFERENCES : 0;
	size_t at = align8(sizeof h);
	h.nrecords = (uint32_t)b->nrecs;
	h.off_records = (uint32_t)at;
	at = align8(at + b->nrecs * sizeof *b->recs);
	h.npeople = (uint32_t)b->npeople;
	h.off_people = (uint32_t)at;
	at = align8(at + b->npeople * sizeof *b->people);
	h.nfootnotes = (uint32_t)(b->notes.n / 2);
	h.off_footnotes = (uint32_t)at;
	at = align8(at + b->notes.n * 4);
	h.nmerged = b->nmerged;
	h.nsegs = (uint32_t)nsegs;
	h.off_seg_start = (uint32_t)at;
	at = align8(at + nsegs * 4);
	h.off_seg_list = (uint32_t)at;
	at = align8(at + nsegs * 4);
	h.nnames = (uint32_t)nnames;
	h.off_names = (uint32_t)at;
	at = align8(at + nnames * 4);
	h.nlists = (uint32_t)b->lists.n;
	h.off_lists = (uint32_t)at;
	at = align8(at + b->lists.n * 4);
	h.strings_size = (uint32_t)b->strings.len;
	h.off_strings = (uint32_t)at;
	at += b->strings.len;
	if (at > UINT32_MAX) {
		rc = pl_error_set(err, PL_ELIMIT, "registry too large for the index format");
		goto fail;
	}
	h.file_size = at;
	uint8_t *out = calloc(1, at);
	if (!out)
		goto out;
	if (b->nrecs)
		memcpy(out + h.off_records, b->recs, b->nrecs * sizeof *b->recs);
	if (b->npeople)
		memcpy(out + h.off_people, b->people, b->npeople * sizeof *b->people);
	if (b->notes.n)
		memcpy(out + h.off_footnotes, b->notes.v, b->notes.n * 4);
	if (nsegs) {
		memcpy(out + h.off_seg_start, starts, nsegs * 4);
		memcpy(out + h.off_seg_list, seglist, nsegs * 4);
	}
	if (nnames)
		memcpy(out + h.off_names, names, nnames * 4);
	memcpy(out + h.off_lists, b->lists.v, b->lists.n * 4);
	memcpy(out + h.off_strings, b->strings.data, b->strings.len);
	h.crc32 = pl_index_crc(out + sizeof h, at - sizeof h);
	memcpy(out, &h, sizeof h);
	*blob = out;
	*len = at;
	rc = 0;
	goto done;
out:
	rc = pl_error_set(err, PL_ENOMEM, "out of memory building the index");
fail:
done:
	free(starts);
	free(seglist);
	free(names);
	free(count);
	free(fill);
	free(cover);
	return rc;
}

int pl_builder_open(pl_builder *b, pl_registry **out, pl_error *err)
{
	void *blob;
	size_t len;
	int rc = pl_builder_finish(b, &blob, &len, err);
	pl_builder_free(b);
	if (rc)
		return rc;
	return pl_registry_adopt_blob(blob, len, out, err);
}


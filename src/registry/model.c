/* The registry builder: importers add records and people in any order; finish() sorts them by
 * (port, transport), interns every string once, cuts the port axis into segments for O(log n)
 * lookups and writes the compact index of index.h. Also the model's small rules: status and ghost. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "internal.h"
#include "util/util.h"

typedef struct u32vec {
	uint32_t *v;
	size_t n, cap;
} u32vec;

static int vec_push(u32vec *a, uint32_t x)
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

static uint32_t hash_str(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static int rehash(pl_builder *b, size_t nslots)
{
	uint32_t *slots = calloc(nslots, sizeof *slots);
	if (!slots)
		return PL_ENOMEM;
	for (size_t i = 0; i < b->nslots; i++) {
		uint32_t off = b->slots[i];
		if (!off)
			continue;
		const char *s = b->strings.data + off - 1;
		size_t j = hash_str(s, strlen(s)) & (nslots - 1);
		while (slots[j])
			j = (j + 1) & (nslots - 1);
		slots[j] = off;
	}
	free(b->slots);
	b->slots = slots;
	b->nslots = nslots;
	return 0;
}

/* Interns s (NULL or "" is offset 0), returning its offset in the string table. */
static int intern(pl_builder *b, const char *s, uint32_t *off, pl_error *err)
{
	if (!s || !*s) {
		*off = 0;
		return 0;
	}
	size_t n = strlen(s);
	if (n > PL_MAX_FIELD)
		return pl_error_set(err, PL_ELIMIT, "a field of %zu bytes exceeds the %u-byte limit", n, PL_MAX_FIELD);
	if ((b->nstrings + 1) * 2 > b->nslots && rehash(b, b->nslots ? b->nslots * 2 : 4096))
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	size_t j = hash_str(s, n) & (b->nslots - 1);
	while (b->slots[j]) {
		const char *t = b->strings.data + b->slots[j] - 1;
		if (strcmp(t, s) == 0) {
			*off = b->slots[j] - 1;
			return 0;
		}
		j = (j + 1) & (b->nslots - 1);
	}
	size_t at = b->strings.len;
	if (at > UINT32_MAX - n - 2 || pl_buf_add(&b->strings, s, n + 1))
		return pl_error_set(err, PL_ELIMIT, "string table too large");
	b->slots[j] = (uint32_t)at + 1;
	b->nstrings++;
	*off = (uint32_t)at;
	return 0;
}

pl_builder *pl_builder_new(void)
{
	pl_builder *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	pl_buf_init(&b->strings, UINT32_MAX / 2);
	/* Offset 0 is the empty string; list word 0 is the empty list. */
	if (pl_buf_addc(&b->strings, '\0') || vec_push(&b->lists, 0)) {
		pl_builder_free(b);
		return NULL;
	}
	return b;
}

void pl_builder_free(pl_builder *b)
{
	if (!b)
		return;
	pl_buf_free(&b->strings);
	free(b->slots);
	free(b->recs);
	free(b->people);
	free(b->lists.v);
	free(b->notes.v);
	free(b);
}

int pl_builder_set_meta(pl_builder *b, const char *date, const char *source, pl_error *err)
{
	if (intern(b, date, &b->date, err) || intern(b, source, &b->source, err))
		return err ? err->code : PL_ENOMEM;
	return 0;
}

size_t pl_builder_count(const pl_builder *b)
{
	return b->nrecs;
}

/* IANA states a row's status in its description: "Unassigned", "Reserved", "De-registered" (also
 * "De-Registered" on a named row, sua 14001/udp), "Removed", "Deprecated", "De-Commissioned Port";
 * "Reserved for a future enhancement of STUN-BEHAVIOR" is a named reservation. */
static pl_status derive_status(const char *name, const char *desc)
{
	static const struct {
		const char *prefix;
		pl_status status;
	} words[] = {
		{"reserved", PL_STATUS_RESERVED},         {"de-registered", PL_STATUS_DEREGISTERED},
		{"deregistered", PL_STATUS_DEREGISTERED}, {"removed", PL_STATUS_REMOVED},
		{"deprecated", PL_STATUS_DEPRECATED},     {"de-commissioned", PL_STATUS_DECOMMISSIONED},
	};
	if (!desc)
		return PL_STATUS_ASSIGNED;
	if (!(name && *name) && pl_strncaseeq(desc, "unassigned", 10))
		return PL_STATUS_UNASSIGNED;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		size_t n = strlen(words[i].prefix);
		if (pl_strncaseeq(desc, words[i].prefix, n) && !pl_ascii_isalnum(desc[n]))
			return words[i].status;
	}
	return PL_STATUS_ASSIGNED;
}

static int add_ids(pl_builder *b, const char *const *ids, size_t n, uint32_t *list, pl_error *err)
{
	*list = 0;
	if (n == 0)
		return 0;
	if (n > PL_MAX_LIST)
		return pl_error_set(err, PL_ELIMIT, "a record names %zu people (limit %u)", n, PL_MAX_LIST);
	uint32_t offs[PL_MAX_LIST];
	for (size_t i = 0; i < n; i++)
		if (intern(b, ids[i], &offs[i], err))
			return err ? err->code : PL_ENOMEM;
	*list = (uint32_t)b->lists.n;
	if (vec_push(&b->lists, (uint32_t)n))
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (vec_push(&b->lists, offs[i]))
			return pl_error_set(err, PL_ENOMEM, "out of memory");
	return 0;
}

int pl_builder_add_record(pl_builder *b, const pl_record_in *in, pl_error *err)
{
	if (b->nrecs >= PL_MAX_RECORDS)
		return pl_error_set(err, PL_ELIMIT, "more than %u records", PL_MAX_RECORDS);
	if (in->has_port && in->port_lo > in->port_hi)
		return pl_error_set(err, PL_EFORMAT, "port range %u-%u is reversed", in->port_lo, in->port_hi);
	if ((unsigned)in->proto >= PL_PROTO_COUNT)
		return pl_error_set(err, PL_EFORMAT, "bad transport");
	if (in->nrefs > PL_MAX_LIST)
		return pl_error_set(err, PL_ELIMIT, "a record has %zu references (limit %u)", in->nrefs, PL_MAX_LIST);
	if (b->nrecs == b->caprecs) {
		size_t cap = b->caprecs ? b->caprecs * 2 : 1024;
		void *p = realloc(b->recs, cap * sizeof *b->recs);
		if (!p)
			return pl_error_set(err, PL_ENOMEM, "out of memory");
		b->recs = p;
		b->caprecs = cap;
	}
	struct pl_idx_record r = {0};
	r.port_lo = in->has_port ? in->port_lo : 0;
	r.port_hi = in->has_port ? in->port_hi : 0;
	r.proto = (uint8_t)in->proto;
	r.flags = in->has_port ? PL_IDX_HAS_PORT : 0;
	r.status = (uint8_t)derive_status(in->name, in->description);
	if (intern(b, in->name, &r.name, err) || intern(b, in->description, &r.description, err) ||
	    intern(b, in->registered, &r.registered, err) || intern(b, in->modified, &r.modified, err) ||
	    intern(b, in->service_code, &r.service_code, err) ||
	    intern(b, in->unauthorized_use, &r.unauthorized_use, err) || intern(b, in->notes, &r.notes, err) ||
	    intern(b, in->source, &r.source, err) ||
	    add_ids(b, in->assignees, in->nassignees, &r.assignees, err) ||
	    add_ids(b, in->contacts, in->ncontacts, &r.contacts, err))
		return err ? err->code : PL_ENOMEM;
	if (in->nrefs) {
		b->has_refs = true;
		uint32_t offs[PL_MAX_LIST];
		for (size_t i = 0; i < in->nrefs; i++)
			if (intern(b, in->refs[i].data, &offs[i], err))
				return err ? err->code : PL_ENOMEM;
		r.refs = (uint32_t)b->lists.n;
		if (vec_push(&b->lists, (uint32_t)in->nrefs))
			return pl_error_set(err, PL_ENOMEM, "out of memory");
		for (size_t i = 0; i < in->nrefs; i++)
			if (vec_push(&b->lists, (uint32_t)in->refs[i].type) || vec_push(&b->lists, offs[i]))
				return pl_error_set(err, PL_ENOMEM, "out of memory");
	}
	b->nmerged += r.source != 0;
	b->recs[b->nrecs++] = r;
	return 0;
}

int pl_builder_add_person(pl_builder *b, const pl_person *p, pl_error *err)
{
	if (!p->id || !*p->id)
		return pl_error_set(err, PL_EFORMAT, "a person without an id");
	if (b->npeople >= PL_MAX_RECORDS)
		return pl_error_set(err, PL_ELIMIT, "more than %u people", PL_MAX_RECORDS);
	if (b->npeople == b->cappeople) {
		size_t cap = b->cappeople ? b->cappeople * 2 : 1024;
		void *q = realloc(b->people, cap * sizeof *b->people);
		if (!q)
			return pl_error_set(err, PL_ENOMEM, "out of memory");
		b->people = q;
		b->cappeople = cap;
	}
	struct pl_idx_person x = {0};
	pl_buf first, all;
	pl_buf_init(&first, PL_MAX_FIELD);
	pl_buf_init(&all, PL_MAX_FIELD);
	int rc = 0;
	if (p->email && *p->email && pl_buf_add(&first, p->email, strlen(p->email)))
		rc = PL_ENOMEM;
	if (!rc && p->emails && *p->emails && pl_buf_add(&all, p->emails, strlen(p->emails)))
		rc = PL_ENOMEM;
	if (!rc && !all.len && pl_people_emails(p->uri, &first, &all))
		rc = PL_ENOMEM;
	if (!rc && !all.len && first.len && pl_buf_add(&all, first.data, first.len))
		rc = PL_ENOMEM;
	if (rc)
		rc = pl_error_set(err, PL_ENOMEM, "out of memory");
	else if (intern(b, p->id, &x.id, err) || intern(b, p->name, &x.name, err) || intern(b, p->org, &x.org, err) ||
		 intern(b, pl_buf_str(&first), &x.email, err) || intern(b, p->uri, &x.uri, err) ||
		 intern(b, p->updated, &x.updated, err) || intern(b, pl_buf_str(&all), &x.emails, err))
		rc = err ? err->code : PL_ENOMEM;
	pl_buf_free(&first);
	pl_buf_free(&all);
	if (rc)
		return rc;
	b->people[b->npeople++] = x;
	return 0;
}

int pl_builder_add_footnote(pl_builder *b, const char *anchor, const char *text, pl_error *err)
{
	uint32_t a, t;
	if (!anchor || !*anchor)
		return pl_error_set(err, PL_EFORMAT, "a footnote without an anchor");
	if (b->notes.n >= 2 * (size_t)PL_MAX_LIST)
		return pl_error_set(err, PL_ELIMIT, "more than %u footnotes", PL_MAX_LIST);
	if (intern(b, anchor, &a, err) || intern(b, text, &t, err))
		return err ? err->code : PL_ENOMEM;
	if (vec_push(&b->notes, a) || vec_push(&b->notes, t))
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	return 0;
}

/* ---- finishing ---- */

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

/* ---- rules and names ---- */

/* Letters and digits only, lower-cased: "Mao", "MAO." and "m-a-o" all read "mao". */
static size_t fold(const char *s, char *out, size_t max)
{
	size_t n = 0;
	for (; *s && n < max; s++)
		if (pl_ascii_isalnum(*s))
			out[n++] = pl_ascii_lower(*s);
	return n;
}

bool pl_record_is_ghost(const pl_record *rec)
{
	if (rec->status != PL_STATUS_ASSIGNED || !*rec->name)
		return false;
	if (pl_record_ref_count(rec) > 0)
		return false;
	char a[256], d[256];
	size_t na = fold(rec->name, a, sizeof a), nd = fold(rec->description, d, sizeof d);
	return nd == 0 || (na == nd && memcmp(a, d, na) == 0);
}

bool pl_record_service_is_ghost(const pl_record *rec)
{
	if (!pl_record_is_ghost(rec))
		return false;
	if (!rec->has_port)
		return true;
	uint32_t idx[64];
	size_t n = pl_registry_lookup_port(rec->reg_, rec->port_lo, PL_PROTO_NONE, idx, 64);
	for (size_t i = 0; i < n && i < 64; i++) {
		pl_record other;
		if (idx[i] == rec->index || pl_registry_record(rec->reg_, idx[i], &other))
			continue;
		if (other.port_lo == rec->port_lo && strcmp(other.name, rec->name) == 0 && !pl_record_is_ghost(&other))
			return false;
	}
	return true;
}

/* the status names, also the JSON values of a record's "status" */
static const char *const status_names[PL_STATUS_COUNT] = {
	"assigned", "unassigned", "reserved", "de-registered", "removed", "deprecated", "de-commissioned",
};

const char *pl_status_name(pl_status s)
{
	return (unsigned)s < PL_STATUS_COUNT ? status_names[s] : "assigned";
}

static const char *const xref_names[] = {"text", "rfc", "draft", "person", "uri", "note"};

const char *pl_xref_type_name(pl_xref_type t)
{
	return (unsigned)t <= PL_XREF_NOTE ? xref_names[t] : "text";
}

int pl_xref_type_parse(const char *s, pl_xref_type *out)
{
	for (unsigned i = 0; i <= PL_XREF_NOTE; i++)
		if (strcmp(s, xref_names[i]) == 0) {
			*out = (pl_xref_type)i;
			return 0;
		}
	return PL_EINVAL;
}

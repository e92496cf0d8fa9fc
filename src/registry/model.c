/* The registry builder: importers add records, people and footnotes in any order; every string is interned
 * once, a record's status is derived from its description. finish.c turns the result into the compact
 * index; rules.c holds the ghost rule and the names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builder.h"

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


/* What changed between two releases of the registry. Records carry no identity of their own, so they are
 * matched by a key (name, port range, transport; or, for unnamed rows, range, transport and status):
 * both sides are sorted by key and merged, O(n log n) where a search per record would be O(n^2). */
#include <stdlib.h>
#include <string.h>

#include "portlore/registry.h"

struct key {
	const char *name;
	uint32_t index;
	uint16_t lo, hi;
	uint8_t has_port, proto, status;
};

static int cmp_key(const struct key *a, const struct key *b)
{
	if (a->has_port != b->has_port)
		return a->has_port ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	int s = strcmp(a->name, b->name);
	if (s)
		return s;
	if (!*a->name && a->status != b->status)
		return a->status < b->status ? -1 : 1;
	return 0;
}

/* Equal keys keep registry order, so duplicates pair up first with first, second with second. */
static int cmp_sorted(const void *pa, const void *pb)
{
	const struct key *a = pa, *b = pb;
	int c = cmp_key(a, b);
	if (c)
		return c;
	return a->index < b->index ? -1 : a->index > b->index;
}

static struct key *sorted_keys(const pl_registry *reg, size_t *n)
{
	*n = pl_registry_count(reg);
	struct key *k = malloc((*n ? *n : 1) * sizeof *k);
	if (!k)
		return NULL;
	for (size_t i = 0; i < *n; i++) {
		pl_record r;
		pl_registry_record(reg, i, &r);
		k[i] = (struct key){r.name, (uint32_t)i, r.has_port ? r.port_lo : 0, r.has_port ? r.port_hi : 0,
				    r.has_port, (uint8_t)r.proto, (uint8_t)r.status};
	}
	qsort(k, *n, sizeof *k, cmp_sorted);
	return k;
}

static bool same_people(const pl_record *a, const pl_record *b, pl_role role)
{
	size_t n = pl_record_people_count(a, role);
	if (n != pl_record_people_count(b, role))
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(pl_record_person_id(a, role, i), pl_record_person_id(b, role, i)) != 0)
			return false;
	return true;
}

static bool same_refs(const pl_record *a, const pl_record *b)
{
	size_t n = pl_record_ref_count(a);
	if (n != pl_record_ref_count(b))
		return false;
	for (size_t i = 0; i < n; i++) {
		pl_xref x, y;
		if (pl_record_ref(a, i, &x) || pl_record_ref(b, i, &y))
			return false;
		if (x.type != y.type || strcmp(x.data, y.data) != 0)
			return false;
	}
	return true;
}

static uint32_t changed_fields(const pl_record *a, const pl_record *b)
{
	uint32_t f = 0;
	f |= (uint32_t)(strcmp(a->description, b->description) != 0) << PL_DIFF_DESCRIPTION;
	f |= (uint32_t)!same_people(a, b, PL_ROLE_ASSIGNEE) << PL_DIFF_ASSIGNEES;
	f |= (uint32_t)!same_people(a, b, PL_ROLE_CONTACT) << PL_DIFF_CONTACTS;
	f |= (uint32_t)(strcmp(a->registered, b->registered) != 0) << PL_DIFF_REGISTERED;
	f |= (uint32_t)(strcmp(a->modified, b->modified) != 0) << PL_DIFF_MODIFIED;
	f |= (uint32_t)!same_refs(a, b) << PL_DIFF_REFERENCES;
	f |= (uint32_t)(strcmp(a->service_code, b->service_code) != 0) << PL_DIFF_SERVICE_CODE;
	f |= (uint32_t)(strcmp(a->unauthorized_use, b->unauthorized_use) != 0) << PL_DIFF_UNAUTHORIZED_USE;
	f |= (uint32_t)(strcmp(a->notes, b->notes) != 0) << PL_DIFF_NOTES;
	return f;
}

int pl_registry_diff(const pl_registry *before, const pl_registry *after, pl_diff_fn fn, void *ctx, pl_error *err)
{
	size_t na, nb;
	struct key *ka = sorted_keys(before, &na);
	struct key *kb = ka ? sorted_keys(after, &nb) : NULL;
	if (!kb) {
		free(ka);
		return pl_error_set(err, PL_ENOMEM, "out of memory comparing registries");
	}
	int rc = 0;
	size_t i = 0, j = 0;
	while (rc == 0 && (i < na || j < nb)) {
		int c = i == na ? 1 : j == nb ? -1 : cmp_key(&ka[i], &kb[j]);
		pl_record ra, rb;
		pl_diff d = {0};
		if (c <= 0) {
			pl_registry_record(before, ka[i++].index, &ra);
			d.before = &ra;
		}
		if (c >= 0) {
			pl_registry_record(after, kb[j++].index, &rb);
			d.after = &rb;
		}
		if (c < 0) {
			d.kind = PL_DIFF_REMOVED;
		} else if (c > 0) {
			d.kind = PL_DIFF_ADDED;
		} else {
			d.kind = PL_DIFF_CHANGED;
			d.fields = changed_fields(&ra, &rb);
			if (!d.fields)
				continue;
		}
		rc = fn(&d, ctx);
	}
	free(ka);
	free(kb);
	return rc;
}

static const char *const field_names[PL_DIFF_FIELD_COUNT] = {
	"description", "assignees", "contacts", "registered", "modified",
	"references", "service_code", "unauthorized_use", "notes",
};

const char *pl_diff_field_name(pl_diff_field f)
{
	return (unsigned)f < PL_DIFF_FIELD_COUNT ? field_names[f] : "";
}

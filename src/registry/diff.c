/* What changed between two releases of the registry. Records carry no identity of their own, so they are
 * matched by a key (name, port range, transport; or, for unnamed rows, range, transport and status):
 * both sides are sorted by key and merged, O(n log n) where a search per record would be O(n^2). */
#include <stdint.h>
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

/* One difference found, before it is reported: indices into each side (UINT32_MAX: absent). */
struct item {
	uint32_t before, after, fields;
	uint16_t port;
	uint8_t has_port;
};

static int cmp_item(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;
	if (a->has_port != b->has_port)
		return a->has_port ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->before != b->before) /* the old side first: a removal reads before its replacement */
		return a->before < b->before ? -1 : 1;
	return a->after < b->after ? -1 : a->after > b->after;
}

/* Unmatched named keys ordered by (name, transport, registry order), to pair a service that moved. */
static int cmp_moved(const void *pa, const void *pb)
{
	const struct key *a = pa, *b = pb;
	int s = strcmp(a->name, b->name);
	if (s)
		return s;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

static void place(struct item *it, const struct key *k)
{
	it->has_port = k->has_port;
	it->port = k->lo;
}

int pl_registry_diff(const pl_registry *before, const pl_registry *after, pl_diff_fn fn, void *ctx, pl_error *err)
{
	size_t na, nb;
	struct key *ka = sorted_keys(before, &na);
	struct key *kb = ka ? sorted_keys(after, &nb) : NULL;
	struct key *ua = kb ? malloc((na + 1) * sizeof *ua) : NULL, *ub = ua ? malloc((nb + 1) * sizeof *ub) : NULL;
	struct item *items = ub ? malloc((na + nb + 1) * sizeof *items) : NULL;
	bool *used = items ? calloc(nb + 1, sizeof *used) : NULL;  /* by unmatched new record */
	size_t *match = used ? malloc((na + 1) * sizeof *match) : NULL; /* by unmatched old record */
	if (!match) {
		free(ka);
		free(kb);
		free(ua);
		free(ub);
		free(items);
		free(used);
		return pl_error_set(err, PL_ENOMEM, "out of memory comparing registries");
	}
	size_t nu_a = 0, nu_b = 0, ni = 0, i = 0, j = 0;
	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : cmp_key(&ka[i], &kb[j]);
		if (c < 0) {
			ua[nu_a++] = ka[i++];
		} else if (c > 0) {
			ub[nu_b++] = kb[j++];
		} else {
			pl_record ra, rb;
			pl_registry_record(before, ka[i].index, &ra);
			pl_registry_record(after, kb[j].index, &rb);
			uint32_t f = changed_fields(&ra, &rb);
			if (f) {
				items[ni] = (struct item){ka[i].index, kb[j].index, f, 0, 0};
				place(&items[ni++], &kb[j]);
			}
			i++;
			j++;
		}
	}
	/* A service that moved: unmatched on both sides under the same name. Walk each name's group. */
	qsort(ua, nu_a, sizeof *ua, cmp_moved);
	qsort(ub, nu_b, sizeof *ub, cmp_moved);
	/* Two passes over each name's group: (name, transport) first, then by name alone (a new record of no
	 * transport, or of another one). A new record pairs with one old record at most, so that the totals
	 * balance: old - removed - changed = new - added - changed. */
	for (int pass = 0; pass < 2; pass++) {
		j = 0;
		for (i = 0; i < nu_a; i++) {
			if (pass == 0)
				match[i] = SIZE_MAX;
			else if (match[i] != SIZE_MAX)
				continue;
			while (j < nu_b && strcmp(ub[j].name, ua[i].name) < 0)
				j++;
			for (size_t k = j; *ua[i].name && k < nu_b && strcmp(ub[k].name, ua[i].name) == 0; k++) {
				if (used[k] || (pass == 0 && ub[k].proto != ua[i].proto))
					continue;
				match[i] = k;
				used[k] = true;
				break;
			}
		}
	}
	for (i = 0; i < nu_a; i++) {
		if (match[i] == SIZE_MAX) {
			items[ni] = (struct item){ua[i].index, UINT32_MAX, 0, 0, 0};
			place(&items[ni++], &ua[i]);
			continue;
		}
		pl_record ra, rb;
		pl_registry_record(before, ua[i].index, &ra);
		pl_registry_record(after, ub[match[i]].index, &rb);
		uint32_t f = changed_fields(&ra, &rb);
		if (ra.has_port != rb.has_port || ra.port_lo != rb.port_lo || ra.port_hi != rb.port_hi)
			f |= 1u << PL_DIFF_PORT;
		if (ra.proto != rb.proto)
			f |= 1u << PL_DIFF_TRANSPORT;
		items[ni] = (struct item){ua[i].index, ub[match[i]].index, f, 0, 0};
		place(&items[ni++], &ua[i]);
	}
	free(match);
	for (size_t k = 0; k < nu_b; k++)
		if (!used[k]) {
			items[ni] = (struct item){UINT32_MAX, ub[k].index, 0, 0, 0};
			place(&items[ni++], &ub[k]);
		}
	free(used);
	qsort(items, ni, sizeof *items, cmp_item);
	int rc = 0;
	for (size_t k = 0; k < ni && rc == 0; k++) {
		pl_record ra, rb;
		pl_diff d = {0};
		if (items[k].before != UINT32_MAX) {
			pl_registry_record(before, items[k].before, &ra);
			d.before = &ra;
		}
		if (items[k].after != UINT32_MAX) {
			pl_registry_record(after, items[k].after, &rb);
			d.after = &rb;
		}
		d.kind = !d.before ? PL_DIFF_ADDED : !d.after ? PL_DIFF_REMOVED : PL_DIFF_CHANGED;
		d.fields = items[k].fields;
		rc = fn(&d, ctx);
	}
	free(ka);
	free(kb);
	free(ua);
	free(ub);
	free(items);
	return rc;
}

static const char *const field_names[PL_DIFF_FIELD_COUNT] = {
	"description", "assignees", "contacts", "registered", "modified",
	"references", "service_code", "unauthorized_use", "notes", "port", "transport",
};

const char *pl_diff_field_name(pl_diff_field f)
{
	return (unsigned)f < PL_DIFF_FIELD_COUNT ? field_names[f] : "";
}

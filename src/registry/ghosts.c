/* The registry as services rather than rows: a service is a name at a port range, whatever its transports,
 * which is what `portlore ghosts` lists and counts. Sorting the assigned records by (range, name) gathers
 * each service's rows, however IANA ordered them. */
#include <stdlib.h>
#include <string.h>

#include "portlore/evidence.h"
#include "portlore/registry.h"

static pl_use_level port_use(bool has_port, uint16_t lo)
{
	if (!has_port)
		return PL_USE_NONE;
	pl_evidence ev;
	pl_evidence_gather(lo, PL_PROTO_NONE, NULL, &ev);
	return ev.level;
}

bool pl_record_is_true_ghost(const pl_record *rec)
{
	return pl_record_service_is_ghost(rec) && port_use(rec->has_port, rec->port_lo) == PL_USE_NONE;
}

struct row {
	const char *name;
	uint32_t index;
	uint16_t lo, hi;
	uint8_t has_port, proto;
};

static int cmp_service(const struct row *a, const struct row *b)
{
	if (a->has_port != b->has_port)
		return a->has_port ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int cmp_row(const void *pa, const void *pb)
{
	const struct row *a = pa, *b = pb;
	int c = cmp_service(a, b);
	if (c)
		return c;
	return a->index < b->index ? -1 : a->index > b->index;
}

int pl_registry_services(const pl_registry *reg, pl_proto proto, pl_service_fn fn, void *ctx, pl_error *err)
{
	size_t total = pl_registry_count(reg), n = 0;
	struct row *rows = malloc((total ? total : 1) * sizeof *rows);
	uint32_t *idx = malloc((total ? total : 1) * sizeof *idx);
	if (!rows || !idx) {
		free(rows);
		free(idx);
		return pl_error_set(err, PL_ENOMEM, "out of memory listing services");
	}
	for (size_t i = 0; i < total; i++) {
		pl_record r;
		pl_registry_record(reg, i, &r);
		if (r.status != PL_STATUS_ASSIGNED || !*r.name)
			continue;
		rows[n++] = (struct row){r.name, (uint32_t)i, r.has_port ? r.port_lo : 0, r.has_port ? r.port_hi : 0,
					 r.has_port, (uint8_t)r.proto};
	}
	qsort(rows, n, sizeof *rows, cmp_row);
	int rc = 0;
	for (size_t i = 0, end; rc == 0 && i < n; i = end) {
		bool wanted = proto == PL_PROTO_NONE, ghost = true;
		for (end = i; end < n && cmp_service(&rows[i], &rows[end]) == 0; end++) {
			pl_record r;
			pl_registry_record(reg, rows[end].index, &r);
			idx[end - i] = rows[end].index;
			wanted = wanted || rows[end].proto == (uint8_t)proto;
			ghost = ghost && pl_record_service_is_ghost(&r);
		}
		if (!wanted)
			continue;
		/* Evidence is looked up for thin services only: it costs a few lookups, and the rest are no ghosts. */
		int use = ghost ? (int)port_use(rows[i].has_port, rows[i].lo) : PL_USE_NONE;
		pl_service s = {rows[i].name, rows[i].has_port, rows[i].lo, rows[i].hi, idx, end - i,
				ghost && use == PL_USE_NONE, ghost, use};
		rc = fn(&s, ctx);
	}
	free(rows);
	free(idx);
	return rc;
}

/* libFuzzer target for the csv importer: any bytes must give a registry or a clean error, and a registry
 * made from them must answer lookups and hand out every record, person id and reference it holds. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "portlore/registry.h"

static void walk(const pl_registry *reg, uint16_t port)
{
	uint32_t idx[16];
	size_t n = pl_registry_lookup_port(reg, port, PL_PROTO_NONE, idx, 16);
	for (size_t i = 0; i < n && i < 16; i++) {
		pl_record r;
		if (pl_registry_record(reg, idx[i], &r) == 0)
			pl_registry_lookup_name(reg, r.name, idx, 1);
	}
	size_t total = pl_registry_count(reg);
	for (size_t i = 0; i < total && i < 64; i++) {
		pl_record r;
		if (pl_registry_record(reg, i, &r))
			__builtin_trap();
		size_t len = strlen(r.name) + strlen(r.description) + strlen(r.notes);
		for (size_t k = 0; k < pl_record_people_count(&r, PL_ROLE_ASSIGNEE); k++)
			len += strlen(pl_record_person_id(&r, PL_ROLE_ASSIGNEE, k));
		for (size_t k = 0; k < pl_record_people_count(&r, PL_ROLE_CONTACT); k++)
			len += strlen(pl_record_person_id(&r, PL_ROLE_CONTACT, k));
		for (size_t k = 0; k < pl_record_ref_count(&r); k++) {
			pl_xref x;
			if (pl_record_ref(&r, k, &x) == 0)
				len += strlen(x.data);
		}
		(void)pl_record_service_is_ghost(&r);
		(void)len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pl_builder *b = pl_builder_new();
	pl_error err;
	if (!b)
		return 0;
	if (pl_import_csv((const char *)data, size, b, &err) == 0) {
		pl_registry *reg;
		if (pl_builder_open(b, &reg, &err) == 0) {
			walk(reg, size >= 2 ? (uint16_t)(data[0] | data[1] << 8) : 0);
			pl_registry_close(reg);
		}
		return 0;
	}
	pl_builder_free(b);
	return 0;
}

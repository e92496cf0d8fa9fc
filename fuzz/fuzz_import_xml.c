/* libFuzzer target for the xml importer: any bytes must give a registry or a clean error with a message,
 * and a registry made from them must hand out every record, person id, reference and person it holds.
 * A good seed: tests/fixtures/iana-small.xml (e.g. fuzz_import_xml CORPUS_DIR tests/fixtures). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "portlore/registry.h"

static size_t walk_record(const pl_record *r)
{
	size_t len = strlen(r->name) + strlen(r->description) + strlen(r->notes) + strlen(r->registered) +
		     strlen(r->modified) + strlen(r->service_code) + strlen(r->unauthorized_use);
	for (int role = PL_ROLE_ASSIGNEE; role <= PL_ROLE_CONTACT; role++)
		for (size_t k = 0; k < pl_record_people_count(r, (pl_role)role); k++)
			len += strlen(pl_record_person_id(r, (pl_role)role, k));
	for (size_t k = 0; k < pl_record_ref_count(r); k++) {
		pl_xref x;
		if (pl_record_ref(r, k, &x))
			__builtin_trap();
		len += strlen(x.data);
	}
	return len;
}

static void walk(const pl_registry *reg, uint16_t port)
{
	uint32_t idx[16];
	size_t n = pl_registry_lookup_port(reg, port, PL_PROTO_NONE, idx, 16);
	for (size_t i = 0; i < n && i < 16; i++) {
		pl_record r;
		if (pl_registry_record(reg, idx[i], &r))
			__builtin_trap();
		pl_registry_lookup_name(reg, r.name, idx, 1);
		(void)pl_record_service_is_ghost(&r);
	}
	for (size_t i = 0; i < pl_registry_count(reg) && i < 64; i++) {
		pl_record r;
		if (pl_registry_record(reg, i, &r))
			__builtin_trap();
		(void)walk_record(&r);
	}
	for (size_t i = 0; i < pl_registry_people_count(reg) && i < 64; i++) {
		pl_person p, q;
		if (pl_registry_person_at(reg, i, &p) || pl_registry_person(reg, p.id, &q))
			__builtin_trap();
		(void)(strlen(p.name) + strlen(p.org) + strlen(p.email) + strlen(p.uri) + strlen(p.updated));
	}
	(void)pl_registry_date(reg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pl_builder *b = pl_builder_new();
	pl_error err = {0};
	if (!b)
		return 0;
	if (pl_import_xml((const char *)data, size, b, &err) == 0) {
		pl_registry *reg;
		if (pl_builder_open(b, &reg, &err) == 0) {
			walk(reg, size >= 2 ? (uint16_t)(data[0] | data[1] << 8) : 0);
			pl_registry_close(reg);
		}
		return 0;
	}
	/* a refusal always says why */
	if (err.code == 0 || err.msg[0] == '\0')
		__builtin_trap();
	pl_builder_free(b);
	return 0;
}

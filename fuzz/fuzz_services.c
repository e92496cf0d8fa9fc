/* libFuzzer target for the /etc/services parser (evidence module), and lookups in what it parsed. */
#include <stdint.h>
#include <stdlib.h>

#include "portlore/evidence.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pl_services_file *f;
	pl_error err;
	if (pl_services_file_parse((const char *)data, size, &f, &err))
		return 0;
	pl_service_entry e[4];
	uint16_t ports[4];
	pl_proto protos[4];
	for (unsigned p = 0; p < 65536; p += 4099)
		pl_services_file_lookup(f, (uint16_t)p, PL_PROTO_NONE, e, 4);
	pl_services_file_lookup(f, 22, PL_PROTO_TCP, e, 4);
	pl_services_file_by_name(f, "ssh", ports, protos, 4);
	pl_services_file_free(f);
	return 0;
}

/* IANA's official xml registry file: work in progress (issue 4). Until it lands, refuse clearly. */
#include "portlore/registry.h"

int pl_import_xml(const char *buf, size_t len, pl_builder *b, pl_error *err)
{
	(void)buf;
	(void)len;
	(void)b;
	return pl_error_set(err, PL_EFORMAT, "IANA xml import is not available in this build yet");
}

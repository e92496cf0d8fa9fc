/* Transport names (include/portlore/transport.h): the one table every module reads "tcp" from. */
#include "portlore/transport.h"

#include <string.h>

#include "portlore/error.h"
#include "util/util.h"

static const char *const proto_names[PL_PROTO_COUNT] = {"", "tcp", "udp", "sctp", "dccp"};

const char *pl_proto_name(pl_proto p)
{
	return (unsigned)p < PL_PROTO_COUNT ? proto_names[p] : "";
}

int pl_proto_parse(const char *s, size_t len, pl_proto *out)
{
	for (int p = 1; p < PL_PROTO_COUNT; p++)
		if (strlen(proto_names[p]) == len && pl_strncaseeq(s, proto_names[p], len)) {
			*out = (pl_proto)p;
			return 0;
		}
	return PL_EINVAL;
}

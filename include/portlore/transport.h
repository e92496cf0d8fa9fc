/* What every module shares and none owns: the transport protocols and their names. Lives below the
 * registry, sockets and util, so that none of them has to include another to speak of "tcp". */
#ifndef PORTLORE_TRANSPORT_H
#define PORTLORE_TRANSPORT_H

#include <stddef.h>

typedef enum pl_proto {
	PL_PROTO_NONE = 0, /* no particular transport (name-only records, "every transport" in a query) */
	PL_PROTO_TCP,
	PL_PROTO_UDP,
	PL_PROTO_SCTP,
	PL_PROTO_DCCP,
} pl_proto;
#define PL_PROTO_COUNT 5

const char *pl_proto_name(pl_proto p); /* "tcp", ..., "" for NONE */
int pl_proto_parse(const char *s, size_t len, pl_proto *out); /* case-insensitive; 0 or PL_EINVAL */

#endif

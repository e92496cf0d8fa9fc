/* Port specs as people type them: "2908", "2908/tcp", "tcp/2908", "2900-2910", "mao", "ssh/udp".
 * Shared by the CLI and the web front end so that both accept and refuse exactly the same things. */
#ifndef PORTLORE_SPEC_H
#define PORTLORE_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#include "portlore/error.h"
#include "portlore/transport.h"

#define PL_SPEC_MAX 128 /* longest spec accepted, in bytes */
#define PL_NAME_MAX 63  /* IANA names are at most 15 characters; legacy ones run a little longer */

typedef enum pl_spec_kind { PL_SPEC_PORTS, PL_SPEC_NAME } pl_spec_kind;

typedef struct pl_spec {
	pl_spec_kind kind;
	uint16_t lo, hi;   /* PL_SPEC_PORTS: lo == hi for one port */
	pl_proto proto;    /* PL_PROTO_NONE: every transport */
	char name[PL_NAME_MAX + 1];
	bool numeric_like; /* a name that starts with a digit ("29o8"): a typo'd port unless the registry knows it */
} pl_spec;

/* 0, or PL_EINVAL with a message naming what is wrong. */
int pl_spec_parse(const char *text, pl_spec *out, pl_error *err);

/* Several specs in one text, separated by commas and/or single spaces: "22 80 443", "80,443",
 * "ssh,2900-2910/udp". Fills at most max items and sets *n; 0, or PL_EINVAL naming the bad item. */
#define PL_SPEC_LIST_TEXT_MAX 4096
int pl_spec_parse_list(const char *text, pl_spec *out, size_t max, size_t *n, pl_error *err);

#endif

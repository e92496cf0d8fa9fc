/* The explain module: the registry's answer and the host's facts side by side, as one report per port
 * with verdicts (range class, privilege, ephemeral, ghost). The front ends render it; it never prints. */
#ifndef PORTLORE_EXPLAIN_H
#define PORTLORE_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portlore/error.h"
#include "portlore/registry.h"
#include "portlore/sockets.h"
#include "portlore/spec.h"

typedef enum pl_range_class { PL_RANGE_SYSTEM, PL_RANGE_USER, PL_RANGE_DYNAMIC } pl_range_class;

typedef enum pl_ghost {
	PL_GHOST_NO = 0,  /* every assigned service here has a description or a reference */
	PL_GHOST_YES,     /* by DESIGN.md's rule, on a registry that carries references */
	PL_GHOST_LIKELY,  /* by the rule, but this registry has no references at all (the embedded snapshot) */
} pl_ghost;

typedef struct pl_port_report {
	bool has_port;          /* false for a name-only record found by name */
	uint16_t port;
	pl_range_class range;
	bool unpriv_bind;       /* an unprivileged process may bind it on this host */
	int bind_known;         /* 0 when the sysctl could not be read */
	bool ephemeral;         /* inside the kernel's ephemeral range */
	bool reserved_local;    /* in ip_local_reserved_ports */
	size_t nrecords;
	uint32_t *records;      /* registry indices, transports in order */
	unsigned missing;       /* bit per pl_proto with no record (when the query did not fix the transport) */
	pl_ghost ghost;
	uint32_t ghost_record;  /* first ghost record, when ghost != NO */
} pl_port_report;

typedef struct pl_report {
	const pl_registry *reg;
	pl_spec spec;
	pl_host_ports host;
	size_t nports;
	pl_port_report *ports;
} pl_report;

typedef struct pl_report_opts {
	const char *proc_root; /* "/proc" */
	bool no_local;         /* skip the live sockets part (later issues) */
} pl_report_opts;

/* PL_ENOTFOUND when a name is unknown to the registry; PL_EINVAL when a digit-led name is neither
 * a known service nor a port (a typo like "29o8"). */
int pl_report_build(const pl_registry *reg, const pl_spec *spec, const pl_report_opts *opts, pl_report **out,
		    pl_error *err);
void pl_report_free(pl_report *rep);

pl_range_class pl_range_of(uint16_t port);
const char *pl_range_name(pl_range_class c);
void pl_range_bounds(pl_range_class c, uint16_t *first, uint16_t *last);
const char *pl_ghost_name(pl_ghost g);

#endif

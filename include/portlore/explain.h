/* The explain module: the registry's answer and the host's facts side by side, as one report per port
 * with verdicts (range class, privilege, ephemeral, ghost). The front ends render it; it never prints. */
#ifndef PORTLORE_EXPLAIN_H
#define PORTLORE_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portlore/error.h"
#include "portlore/evidence.h"
#include "portlore/registry.h"
#include "portlore/sockets.h"
#include "portlore/spec.h"

typedef enum pl_range_class { PL_RANGE_SYSTEM, PL_RANGE_USER, PL_RANGE_DYNAMIC } pl_range_class;

typedef enum pl_ghost {
	PL_GHOST_NO = 0,  /* every assigned service here has a description or a reference */
	PL_GHOST_YES,     /* by DESIGN.md's rule, and every source of evidence is silent (evidence.h) */
	PL_GHOST_LIKELY,  /* by the rule and no evidence of use, but this registry has no references at all */
	PL_GHOST_THIN,    /* a thin registration by the rule, but some source shows the port in use */
} pl_ghost;

/* Does what listens look like the registered service or a known use of the port (verdict.c)? */
typedef enum pl_match_verdict {
	PL_VERDICT_NONE = 0,  /* nothing listens there */
	PL_VERDICT_MATCH,     /* a process, executable or unit names the service or one of its known daemons */
	PL_VERDICT_MISMATCH,  /* owners seen, and none of their names relates to the service: "this is not it" */
	PL_VERDICT_UNKNOWN,   /* owners not visible, nothing to compare with, or a generic runtime (java, python...)
			       * whose command line names nothing known */
	PL_VERDICT_PROXY,     /* a container runtime's port publisher (docker-proxy, conmon, rootlessport...) */
} pl_match_verdict;

typedef struct pl_local {
	pl_match_verdict verdict;
	uint32_t socket;         /* the listener the verdict speaks of (index into the report's socket set) */
	uint32_t record;         /* the registered record it was compared with (when there is one) */
	bool has_record;
} pl_local;

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
	pl_use_level use;       /* what the evidence says of the port's use (pl_evidence_gather; NONE without port) */
	unsigned signals;       /* which sources spoke (PL_SIGNAL_...) */
	/* On this host (when the report was built without no_local): sockets on this port, listeners first */
	size_t nsocks;
	uint32_t *socks;        /* indices into pl_report.sockets->socks */
	pl_local local;
	/* What the listeners answered when asked (pl_report_probe): one result per transport listening. */
	size_t nprobes;
	struct pl_probe_result *probes;
} pl_port_report;

typedef struct pl_report {
	const pl_registry *reg;
	pl_spec spec;
	pl_host_ports host;
	size_t nports;
	pl_port_report *ports;
	pl_socket_set *sockets; /* NULL with no_local, or when the host could not be read (local_error says why) */
	pl_services_file *services; /* the host's /etc/services, NULL when unreadable or not asked for */
	char local_error[512];
} pl_report;

typedef struct pl_report_opts {
	const char *proc_root; /* "/proc" */
	bool no_local;         /* skip the live sockets part */
	unsigned protos;       /* which transports' sockets to look at (0: all) */
	const char *services_path; /* the host's services file: NULL for /etc/services, "" for none */
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
const char *pl_verdict_name(pl_match_verdict v); /* "none", "match", "mismatch", "unknown" */

/* The verdict for one socket against the records covering its port (verdict.c). */
pl_match_verdict pl_verdict_judge(const pl_registry *reg, const pl_socket_set *set, const pl_socket *s,
				  const uint32_t *records, size_t nrecords, uint32_t *record_out, bool *has_record);
/* A sentence for it, e.g. "python3 (pid 812) listens on 2908/tcp; the registered service is mao: this is not it". */
void pl_verdict_explain(const pl_registry *reg, const pl_socket_set *set, const pl_socket *s, pl_match_verdict v,
			uint32_t record, bool has_record, char *buf, size_t size);

/* ---- what answered, against the registry (probed.c) ---- */
struct pl_probe_result;
/* The verdict for a probe's result on its port and transport, with its sentence ("HTTP (nginx 1.22.1) on
 * 2908/tcp: not mao — probed"); *record is the registered record compared with, when *has_record. */
pl_match_verdict pl_probe_judge(const pl_registry *reg, const struct pl_probe_result *r, uint32_t *record,
				bool *has_record, char *buf, size_t size);
/* Probes this host's listeners on the report's ports (a wildcard listener on loopback, any other at its own
 * address; one per port and transport), after pl_report_build with the host part. opts may be NULL
 * (short timeouts). 0, or a negative PL_E when the prober cannot run at all (err). */
struct pl_probe_opts;
/* The protocols port is known for (protocol keys, best first), to order the probes: a pl_probe_opts
 * prefer_for. Fed by the evidence module's known uses (issue 10). */
size_t pl_probe_known_protocols(void *ctx, uint16_t port, pl_proto proto, const char **keys, size_t max);
/* The options for this host's own listeners (short loopback waits, known uses first); a caller may add
 * nmap_probes. */
struct pl_probe_opts pl_probe_local_opts(void);
int pl_report_probe(pl_report *rep, const struct pl_probe_opts *opts, pl_error *err);
/* Probes every listener of set (tcp and udp, one per port and transport; `portlore ls --probe`): *out is
 * malloc'd, n results. */
int pl_sockets_probe(const pl_socket_set *set, const struct pl_probe_opts *opts, struct pl_probe_result **out,
		     size_t *n, pl_error *err);

/* ---- safe to take? (pick.c) ---- */
enum {
	PL_UNSAFE_REGISTERED = 1u << 0, /* assigned or reserved in IANA's registry */
	PL_UNSAFE_IN_USE = 1u << 1,     /* a socket on this host has it as its local port */
	PL_UNSAFE_EPHEMERAL = 1u << 2,  /* inside the kernel's ephemeral range (and not reserved from it) */
	PL_UNSAFE_PRIVILEGED = 1u << 3, /* the current user may not bind it */
	PL_UNSAFE_BROWSER = 1u << 4,    /* browsers refuse to connect to it (the Fetch standard's bad ports) */
	PL_UNSAFE_DYNAMIC = 1u << 5,    /* in IANA's dynamic range, which anyone may use at any time */
};
/* Which of the reasons above hold for port over the transports in protos (0: tcp and udp). set may be
 * NULL (then "in use" is not judged). */
unsigned pl_check_port(const pl_registry *reg, const pl_host_ports *host, const pl_socket_set *set, uint16_t port,
		       unsigned protos);
bool pl_port_browser_blocked(uint16_t port);

#endif

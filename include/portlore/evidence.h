/* The evidence module: what the world SAYS about a port, from independent sources, each cited with its
 * version: Wireshark's dissectors, how often Nmap finds the port open on the Internet, Debian netbase's
 * /etc/services, the host's own /etc/services, and the software known to listen there by default (a table
 * the project curates, each row with its source). Tables are embedded read-only; lookups allocate nothing.
 * It knows nothing of the registry: explain/ weighs IANA's paperwork against what is gathered here. */
#ifndef PORTLORE_EVIDENCE_H
#define PORTLORE_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portlore/error.h"
#include "portlore/transport.h"

/* ---- known uses (data/known-uses.tsv) ---- */
typedef struct pl_known_use {
	const char *software;
	const char *protocol; /* a protocol key (http, tls, ssh, mysql, rfb, ...) or "" */
	const char *source;   /* the documentation URL or Debian default configuration that states the port */
	pl_proto proto;       /* PL_PROTO_NONE: any transport */
	uint16_t port_lo, port_hi;
} pl_known_use;

/* Known unofficial/default uses of port (proto NONE = any), best known first; returns the total. */
size_t pl_evidence_known_uses(uint16_t port, pl_proto proto, const pl_known_use **out, size_t max);
/* Every known use in table order (by port), for search: NULL past the end. */
const pl_known_use *pl_evidence_known_use_at(size_t i);

/* ---- Wireshark dissectors registered on a port ---- */
typedef struct pl_dissector {
	const char *filter; /* "mysql" */
	const char *name;   /* "MySQL" */
	const char *full;   /* "MySQL Protocol" */
	pl_proto proto;
} pl_dissector;
size_t pl_evidence_dissectors(uint16_t port, pl_proto proto, pl_dissector *out, size_t max);
/* Every dissector registration in table order (by port): false past the end. port may be NULL. */
bool pl_evidence_dissector_at(size_t i, pl_dissector *out, uint16_t *port);

/* ---- how often the port is found open (Nmap's nmap-services) ---- */
typedef struct pl_open_freq {
	pl_proto proto;
	double frequency;  /* fraction of scanned hosts, 0-1 */
	unsigned rank;     /* 1 = most often found open among ports of this transport */
	unsigned ranked;   /* how many ports of this transport have a frequency */
} pl_open_freq;
/* 1 and *out filled when the port was ever found open over proto, else 0. */
int pl_evidence_frequency(uint16_t port, pl_proto proto, pl_open_freq *out);

/* ---- /etc/services: Debian netbase's (embedded) and the host's (read at run time) ---- */
typedef struct pl_service_entry {
	const char *name;
	const char *aliases; /* space-separated, "" when none */
	pl_proto proto;
} pl_service_entry;
size_t pl_evidence_netbase(uint16_t port, pl_proto proto, pl_service_entry *out, size_t max);

typedef struct pl_services_file pl_services_file;
/* Reads an /etc/services file (at most 4 MiB). PL_EIO when it cannot be read; the caller may go on without. */
int pl_services_file_load(const char *path, pl_services_file **out, pl_error *err);
/* The same, keeping only the entries for ports lo-hi (a lookup of one port skips the rest of the file's
 * work: `portlore 22` runs it on every call). pl_services_file_by_name sees only what was kept. */
int pl_services_file_load_ports(const char *path, uint16_t lo, uint16_t hi, pl_services_file **out, pl_error *err);
/* The same from bytes in memory (copied). */
int pl_services_file_parse(const char *buf, size_t len, pl_services_file **out, pl_error *err);
void pl_services_file_free(pl_services_file *f);
size_t pl_services_file_lookup(const pl_services_file *f, uint16_t port, pl_proto proto, pl_service_entry *out,
			       size_t max);
/* Entries whose name or an alias equals name (case-insensitive). */
size_t pl_services_file_by_name(const pl_services_file *f, const char *name, uint16_t *ports, pl_proto *protos,
				size_t max);

/* ---- the sources themselves ---- */
typedef struct pl_evidence_source {
	const char *key;     /* "wireshark", "nmap", "netbase", "known_uses", "host_services" */
	const char *source;  /* what and which version, e.g. "... (Debian tshark 4.0.17-0+deb12u3, ...)" */
	const char *licence;
	const char *version; /* a short label: "Debian tshark 4.0.17-0+deb12u3", "459 rows", "run time" */
} pl_evidence_source;
size_t pl_evidence_sources(pl_evidence_source *out, size_t max);

/* ---- all of it for one port, and how much it weighs ---- */
#define PL_EVIDENCE_MAX_USES 16
#define PL_EVIDENCE_MAX_DISSECTORS 8
#define PL_EVIDENCE_MAX_NAMES 8

/* Thresholds (docs/evidence.md): Nmap counts as evidence of use within its top 1000 of a transport (what
 * `nmap` scans by default); within the top 100 it is wide use by itself. */
#define PL_EVIDENCE_RANK_USED 1000
#define PL_EVIDENCE_RANK_WIDE 100
/* A known use counts as evidence for its ports only when it names at most this many (a default, not a
 * pool such as Windows' dynamic RPC ports or Kubernetes' NodePort range); wider ones are shown only. */
#define PL_EVIDENCE_SPAN_COUNTED 100

typedef enum pl_use_level {
	PL_USE_NONE = 0, /* every source is silent */
	PL_USE_SOME,     /* at least one source */
	PL_USE_WIDE,     /* top-100 open frequency, or three independent sources */
} pl_use_level;

enum { /* bits of pl_evidence.signals */
	PL_SIGNAL_KNOWN_USE = 1u << 0,
	PL_SIGNAL_WIRESHARK = 1u << 1,
	PL_SIGNAL_FREQUENT = 1u << 2, /* rank <= PL_EVIDENCE_RANK_USED over some transport */
	PL_SIGNAL_NETBASE = 1u << 3,
	PL_SIGNAL_HOST = 1u << 4,     /* the host's /etc/services names it where netbase does not */
};

typedef struct pl_evidence {
	uint16_t port;
	pl_proto proto; /* NONE: every transport */
	const pl_known_use *uses[PL_EVIDENCE_MAX_USES];
	size_t nuses, uses_total;
	pl_dissector dissectors[PL_EVIDENCE_MAX_DISSECTORS];
	size_t ndissectors;
	pl_open_freq freq[2]; /* best first */
	size_t nfreq;
	pl_service_entry netbase[PL_EVIDENCE_MAX_NAMES];
	size_t nnetbase;
	pl_service_entry host[PL_EVIDENCE_MAX_NAMES];
	size_t nhost;
	unsigned signals;
	pl_use_level level;
} pl_evidence;

/* Gathers every source for port over proto (NONE: all); host may be NULL (no host file). */
void pl_evidence_gather(uint16_t port, pl_proto proto, const pl_services_file *host, pl_evidence *out);
const char *pl_use_level_name(pl_use_level l); /* "none", "some", "wide" */
/* One sentence a source: with speaking, what each source that counts says ("Wireshark dissects it as MySQL
 * (MySQL Protocol)"); without, what each silent source did not say ("Wireshark has no dissector for it").
 * Returns how many lines were written (at most max). */
size_t pl_evidence_reasons(const pl_evidence *ev, bool speaking, char (*lines)[256], size_t max);
/* "among the 30 ports most often found open" for a rank: the smallest round bucket holding it. */
unsigned pl_evidence_rank_bucket(unsigned rank);

#endif

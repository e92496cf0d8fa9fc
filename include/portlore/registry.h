/* The registry module: what a port is SUPPOSED to be, after IANA's Service Name and Transport Protocol
 * Port Number Registry. A registry is one read-only compact index (see docs/index-format.md), opened from
 * the embedded snapshot, a cache file or an imported XML/CSV/TSV file; lookups never parse text. */
#ifndef PORTLORE_REGISTRY_H
#define PORTLORE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portlore/error.h"
#include "portlore/transport.h"

#define PL_VERSION_STRING "0.1.0"


typedef enum pl_status {
	PL_STATUS_ASSIGNED = 0,
	PL_STATUS_UNASSIGNED,
	PL_STATUS_RESERVED,
} pl_status;

typedef enum pl_xref_type {
	PL_XREF_TEXT = 0,
	PL_XREF_RFC,
	PL_XREF_DRAFT,
	PL_XREF_PERSON,
	PL_XREF_URI,
	PL_XREF_NOTE,
} pl_xref_type;

typedef struct pl_xref {
	pl_xref_type type;
	const char *data;
} pl_xref;

typedef struct pl_person {
	const char *id, *name, *org, *email, *uri, *updated; /* "" when unknown; email has '@' */
} pl_person;

typedef struct pl_registry pl_registry;

/* A read-only view of one record. Strings are never NULL ("" when absent) and live as long as the registry. */
typedef struct pl_record {
	const char *name, *description, *registered, *modified, *service_code, *unauthorized_use, *notes;
	bool has_port;
	uint16_t port_lo, port_hi;
	pl_proto proto;
	pl_status status;
	uint32_t index; /* position in the registry, stable for its lifetime */
	/* private: list handles resolved by the accessors below */
	const pl_registry *reg_;
	uint32_t assignees_, contacts_, refs_;
} pl_record;

typedef enum pl_role { PL_ROLE_ASSIGNEE, PL_ROLE_CONTACT } pl_role;

/* ---- opening ---- */
/* The snapshot compiled into the binary. Never fails unless the build is broken. */
int pl_registry_open_embedded(pl_registry **out, pl_error *err);
/* A compact index in memory; the registry keeps a private copy when copy is true, else borrows buf. */
int pl_registry_open_blob(const void *buf, size_t len, bool copy, pl_registry **out, pl_error *err);
/* A file: compact index (mapped), or IANA XML / CSV, or portlore TSV (imported in memory). */
int pl_registry_open_file(const char *path, pl_registry **out, pl_error *err);
void pl_registry_close(pl_registry *reg);

/* ---- metadata ---- */
const char *pl_registry_date(const pl_registry *reg);   /* the registry's own date, YYYY-MM-DD */
const char *pl_registry_source(const pl_registry *reg); /* where it came from, human-readable */
size_t pl_registry_count(const pl_registry *reg);
size_t pl_registry_people_count(const pl_registry *reg);
/* Whether any record carries a reference (the embedded snapshot has none: its ghost verdicts are "likely"). */
bool pl_registry_has_references(const pl_registry *reg);
/* The index bytes, e.g. to write a cache file. */
const void *pl_registry_blob(const pl_registry *reg, size_t *len);

/* ---- records ---- */
int pl_registry_record(const pl_registry *reg, size_t index, pl_record *out);
/* Records covering port (ranges included), of transport proto or of every transport when PL_PROTO_NONE.
 * Writes up to max indices, in registry order, and returns how many there are in all (idx may be NULL
 * when max is 0: a count). O(log n). */
size_t pl_registry_lookup_port(const pl_registry *reg, uint16_t port, pl_proto proto, uint32_t *idx, size_t max);
/* Records whose service name equals name (case-insensitive), in registry order. O(log n). */
size_t pl_registry_lookup_name(const pl_registry *reg, const char *name, uint32_t *idx, size_t max);

size_t pl_record_people_count(const pl_record *rec, pl_role role);
const char *pl_record_person_id(const pl_record *rec, pl_role role, size_t i);
size_t pl_record_ref_count(const pl_record *rec);
int pl_record_ref(const pl_record *rec, size_t i, pl_xref *out);
/* People table (filled by the official XML import; empty in the embedded snapshot). */
int pl_registry_person(const pl_registry *reg, const char *id, pl_person *out);
int pl_registry_person_at(const pl_registry *reg, size_t i, pl_person *out);

/* A registration with no real description (empty or equal to its name, ignoring case and punctuation)
 * and no reference: DESIGN.md's "ghost". Only assigned, named records can be ghosts. */
bool pl_record_is_ghost(const pl_record *rec);
/* The rule applied to a service at its port: a ghost only when every record of that name there (each
 * transport) is one, so ssh's terse sctp row does not make ssh a ghost. Use this for verdicts. */
bool pl_record_service_is_ghost(const pl_record *rec);
/* The whole ghost rule: pl_record_service_is_ghost, and no source of evidence (evidence.h: known uses,
 * Wireshark, Nmap's top ports, netbase) shows its port in use. ghosts.c. */
bool pl_record_is_true_ghost(const pl_record *rec);

/* ---- search ---- */
typedef enum pl_match {
	PL_MATCH_EXACT = 0, /* the service name */
	PL_MATCH_PREFIX,    /* the start of the service name */
	PL_MATCH_WORD,      /* a whole word of the name, description or an assignee */
	PL_MATCH_SUBSTRING, /* anywhere in those */
	PL_MATCH_ALIAS,     /* a common name the evidence tables give its port ("dns" for domain 53); ranked right
			     * after the exact names that have a port */
} pl_match;

typedef struct pl_hit {
	uint32_t index;
	pl_match match;
} pl_hit;

/* Case-insensitive search over assigned records, best match first, then by port and transport. Words
 * separated by blanks must all match (a record's class is that of its weakest word). Returns the number
 * of hits written (<= max), or a negative PL_E code. Served from an index kept with the registry (built on
 * the first search, completed on the second: thread-safe); a search then costs microseconds. */
int pl_registry_search(const pl_registry *reg, const char *term, pl_hit *hits, size_t max, pl_error *err);
/* The same, and *total (when not NULL) how many records match in all: the list was cut when it exceeds
 * the count returned. */
int pl_registry_search_ex(const pl_registry *reg, const char *term, pl_hit *hits, size_t max, size_t *total,
			  pl_error *err);
/* Builds the whole search index now (a server calls it at start-up, before taking requests). */
int pl_registry_search_prepare(const pl_registry *reg, pl_error *err);

/* ---- diff ---- */
/* The fields a matched record may change in, old -> new; bit (1u << field) of pl_diff.fields. */
typedef enum pl_diff_field {
	PL_DIFF_DESCRIPTION = 0,
	PL_DIFF_ASSIGNEES,        /* as a list of person ids */
	PL_DIFF_CONTACTS,         /* as a list of person ids */
	PL_DIFF_REGISTERED,
	PL_DIFF_MODIFIED,
	PL_DIFF_REFERENCES,       /* as a list of "type:data" */
	PL_DIFF_SERVICE_CODE,
	PL_DIFF_UNAUTHORIZED_USE,
	PL_DIFF_NOTES,
	PL_DIFF_PORT,             /* a service that moved: its port range ("831", "6000-6063") or none */
	PL_DIFF_TRANSPORT,        /* a service that moved to a row of no particular transport */
} pl_diff_field;
#define PL_DIFF_FIELD_COUNT 11

typedef enum pl_diff_kind { PL_DIFF_ADDED, PL_DIFF_REMOVED, PL_DIFF_CHANGED } pl_diff_kind;

typedef struct pl_diff {
	pl_diff_kind kind;
	const pl_record *before; /* NULL when added */
	const pl_record *after;  /* NULL when removed */
	uint32_t fields;         /* when changed: the pl_diff_field bits that differ */
} pl_diff;

/* Called once per difference; a nonzero return stops the walk and is returned by pl_registry_diff. */
typedef int (*pl_diff_fn)(const pl_diff *d, void *ctx);

/* Matches the records of two registries by key and reports each one added, removed or changed, in key
 * order: port range (name-only records last), transport, then name. The key is (service name, port range,
 * transport) for a named record, (port range, transport, status) for an unnamed row. Records sharing a
 * key in one registry are paired in registry order. A named service left unmatched on both sides with the
 * same name has moved when the transport agrees, or when the new record has none (IANA keeps a name-only
 * record for a service whose ports it took back; each old transport's record pairs with it): one change
 * with PL_DIFF_PORT (and PL_DIFF_TRANSPORT) set. The rest count as added or removed. O(n log n).
 * Returns 0, fn's nonzero return, or a negative PL_E code. */
int pl_registry_diff(const pl_registry *before, const pl_registry *after, pl_diff_fn fn, void *ctx, pl_error *err);
const char *pl_diff_field_name(pl_diff_field f); /* "description", "assignees", ..., "notes" */

/* ---- services and ghosts ---- */
/* A service: the assigned, named records sharing a service name and a port range (or having no port). */
typedef struct pl_service {
	const char *name;
	bool has_port;
	uint16_t port_lo, port_hi;
	const uint32_t *records; /* indices of its records (one a transport, as a rule), in registry order */
	size_t nrecords;
	bool ghost; /* thin (below) and no source of evidence shows its port in use (evidence.h): a true ghost */
	bool thin;  /* pl_record_service_is_ghost holds for each of its records: IANA's paperwork says nothing */
	int use;    /* pl_use_level of its port (PL_USE_NONE for a name-only service) */
} pl_service;

typedef int (*pl_service_fn)(const pl_service *svc, void *ctx);

/* Every service once, by port range (name-only services last) then name; with proto other than
 * PL_PROTO_NONE, only the services that have a record of that transport. A name differing only in case
 * is another service, as in pl_record_service_is_ghost. Returns 0, fn's nonzero return (which stops the
 * walk), or a negative PL_E code. */
int pl_registry_services(const pl_registry *reg, pl_proto proto, pl_service_fn fn, void *ctx, pl_error *err);

/* ---- names ---- */
const char *pl_status_name(pl_status s);
const char *pl_xref_type_name(pl_xref_type t);
int pl_xref_type_parse(const char *s, pl_xref_type *out);

/* ---- update: download and cache ---- */
typedef struct pl_fetch_opts {
	long connect_timeout_s, total_timeout_s;
	size_t max_bytes;
	/* Called as bytes arrive (total 0 when unknown); return non-zero to abort. */
	int (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
} pl_fetch_opts;

bool pl_fetch_is_url(const char *s);
/* Downloads url into memory (*data NUL-terminated, free() it). PL_ELIMIT past max_bytes. */
int pl_fetch(const char *url, const pl_fetch_opts *opts, char **data, size_t *len, pl_error *err);
/* A registry from bytes in memory, in any format pl_registry_open_file reads; label names it in errors. */
int pl_registry_open_buffer(const char *buf, size_t len, const char *label, pl_registry **out, pl_error *err);
/* Writes reg's index to path atomically (temporary file, fsync, rename, fsync of the folder). */
int pl_cache_write(const char *path, const pl_registry *reg, pl_error *err);

/* ---- building (importers, tools/mkindex) ---- */
typedef struct pl_builder pl_builder;

typedef struct pl_record_in {
	const char *name, *description, *registered, *modified, *service_code, *unauthorized_use, *notes;
	bool has_port;
	uint16_t port_lo, port_hi;
	pl_proto proto;
	const char *const *assignees; /* person ids */
	size_t nassignees;
	const char *const *contacts;
	size_t ncontacts;
	const pl_xref *refs;
	size_t nrefs;
} pl_record_in;

pl_builder *pl_builder_new(void);
void pl_builder_free(pl_builder *b);
int pl_builder_set_meta(pl_builder *b, const char *date, const char *source, pl_error *err);
/* Copies everything; NULL strings count as "". Status is derived from the name and description. */
int pl_builder_add_record(pl_builder *b, const pl_record_in *rec, pl_error *err);
int pl_builder_add_person(pl_builder *b, const pl_person *p, pl_error *err);
size_t pl_builder_count(const pl_builder *b);
/* Sorts, indexes and serialises; the caller frees *blob with free(). */
int pl_builder_finish(pl_builder *b, void **blob, size_t *len, pl_error *err);
/* Finishes b into a registry that owns the blob. b is freed either way. */
int pl_builder_open(pl_builder *b, pl_registry **out, pl_error *err);

/* Importers fill a builder from a file's bytes; the format is told by the first bytes
 * (pl_registry_open_file does this). TSV is portlore's own table format (docs/tsv.md). */
int pl_import_tsv(const char *buf, size_t len, pl_builder *b, pl_error *err);
/* IANA's official XML (libxml2's streaming reader: no DTD, no entity expansion, no network). */
int pl_import_xml(const char *buf, size_t len, pl_builder *b, pl_error *err);
/* IANA's official CSV (RFC 4180; both historical spellings of the unauthorised-use column). */
int pl_import_csv(const char *buf, size_t len, pl_builder *b, pl_error *err);

#endif

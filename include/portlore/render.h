/* The render module: a report or search result becomes one JSON document (docs/json-schema.md), and the
 * text output is drawn from that same document, so that the two can never say different things. */
#ifndef PORTLORE_RENDER_H
#define PORTLORE_RENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "portlore/explain.h"
#include "portlore/probe.h"
#include "portlore/registry.h"
#include "portlore/traffic.h"

#define PL_SCHEMA_VERSION 1
/* The one spelling of a registry without a date, after "IANA as of " (text, CLI messages alike). */
#define PL_UNDATED "an unknown date (undated registry)"

typedef struct pl_render_meta {
	const char *version;         /* portlore's version */
	const char *registry_origin; /* "embedded", "cache" or "file" */
	const char *registry_path;   /* NULL for embedded */
} pl_render_meta;

/* New references; NULL only when out of memory. */
json_t *pl_render_report_json(const pl_report *rep, const pl_render_meta *meta);
/* The parts of a port report, for answers streamed port by port (render/stream.c): one element of
 * "ports" (NULL when i is out of range), the "host" object, and the "query" object of one spec. */
json_t *pl_render_port_json(const pl_report *rep, size_t i);
/* Consecutive ports of a range share records (an Unassigned stretch, the dynamic range): a sequence
 * hands the next port the previous port's record objects (shared, refcounted) instead of building them
 * again. The JSON is the same; treat shared records as read-only (pl_stream does). */
typedef struct pl_render_seq pl_render_seq;
pl_render_seq *pl_render_seq_new(void);
void pl_render_seq_free(pl_render_seq *seq);
json_t *pl_render_port_json_seq(const pl_report *rep, size_t i, pl_render_seq *seq);
/* For a range: each port's "local" lists its listeners and counts the other sockets ("connections",
 * "connections_listed": false) instead of listing them. */
void pl_render_seq_listeners_only(pl_render_seq *seq, bool on);
json_t *pl_render_host_json(const pl_host_ports *h);
json_t *pl_render_query_json(const pl_spec *s);
json_t *pl_render_search_json(const pl_registry *reg, const char *term, const pl_hit *hits, size_t nhits,
			      const pl_render_meta *meta);
/* The same with the number of matches in all (pl_registry_search_ex): "total", and "cut" when the results
 * hold fewer. */
json_t *pl_render_search_json_ex(const pl_registry *reg, const char *term, const pl_hit *hits, size_t nhits,
				 size_t total, const pl_render_meta *meta);
/* A socket with its owners, and one process: shared by the port report and `portlore ls`. */
json_t *pl_render_socket_json(const pl_socket_set *set, const pl_socket *s);
json_t *pl_render_process_json(const pl_process *p);
/* `portlore ls`: sockets annotated with the registered name for their port and the verdict. */
json_t *pl_render_sockets_json(const pl_registry *reg, const pl_socket_set *set, const pl_render_meta *meta);

/* One record as JSON, people resolved through the registry: the unit every document is made of. */
json_t *pl_render_record_json(const pl_registry *reg, const pl_record *rec);
/* The "registry" object of every document: date, source, origin, path, counts, has_references. */
json_t *pl_render_registry_json(const pl_registry *reg, const pl_render_meta *meta);
/* `portlore diff`: the records added, removed and changed from before to after (render/lists.c). */
json_t *pl_render_diff_json(const pl_registry *before, const pl_render_meta *before_meta, const pl_registry *after,
			    const pl_render_meta *after_meta);
/* `portlore ghosts`: every ghost service (of transport proto unless PL_PROTO_NONE), the first limit of
 * them when limit is not 0, with the counts of ghosts and of services (render/lists.c). */
json_t *pl_render_ghosts_json(const pl_registry *reg, pl_proto proto, size_t limit, const pl_render_meta *meta);
/* The same, and with thin, the thin registrations whose port is in use ("thin_in_use", each with its
 * evidence), listed apart from the ghosts. */
json_t *pl_render_ghosts_json_ex(const pl_registry *reg, pl_proto proto, size_t limit, bool thin,
				 const pl_render_meta *meta);

/* `portlore traffic`: the capture, each server port with its verdict, the scanners (render/traffic.c). */
json_t *pl_render_traffic_json(const pl_registry *reg, const pl_traffic_opts *opts, const pl_traffic_result *r,
			       const pl_render_meta *meta);
/* `portlore probe`: each result with its evidence, the registered service and the verdict (render/probe.c). */
json_t *pl_render_probe_json(const pl_registry *reg, const pl_probe_result *results, size_t n,
			     const pl_render_meta *meta);
json_t *pl_render_probe_result_json(const pl_registry *reg, const pl_probe_result *r);
/* Adds a port report's probe results to its "local" object ("probe": [...]) and, when one named what
 * answered, makes that the verdict (basis "probed"; the names-only one stays as "by_name"). */
void pl_render_probe_local(const pl_registry *reg, const pl_probe_result *r, size_t n, json_t *local);
/* Adds probe results to the rows of a `portlore ls` document with their port and transport ("probe"), the
 * verdict becoming the probed one when the probe named what answered. */
void pl_render_sockets_probe(const pl_registry *reg, json_t *doc, const pl_probe_result *r, size_t n);

typedef struct pl_text_opts {
	bool colour;
} pl_text_opts;

/* How a table is laid out (pl_render_text_table): kept apart from pl_text_opts so that {colour}
 * initialisers elsewhere stay complete. */
typedef struct pl_table_opts {
	int width;  /* the terminal's columns: tables cut long cells to fit; 0 means no limit */
	bool wide;  /* `ls --wide`: whole command lines, descriptors, queues and users */
} pl_table_opts;

/* A port report written as it is computed: the head (a "port_report" document without "ports", given
 * whole to pl_stream_open), then each port as it comes, then the close. text: a table with one line a
 * port (table) or full blocks; json: one document, "ports" last; jsonl: the head on the first line, then
 * one line a port ({"kind": "port", ...the element of "ports"}). Every write error is kept for the close:
 * 0, or -1 when anything could not be written. */
typedef enum pl_stream_format { PL_STREAM_TEXT, PL_STREAM_JSON, PL_STREAM_JSONL } pl_stream_format;
typedef struct pl_stream pl_stream;
pl_stream *pl_stream_open(FILE *out, pl_stream_format fmt, bool table, const pl_text_opts *opts, json_t *head);
int pl_stream_port(pl_stream *s, json_t *port); /* consumes port */
int pl_stream_close(pl_stream *s);

/* Draws a document made by the functions above as text. 0, or -1 on a write error. */
int pl_render_text(FILE *out, const json_t *doc, const pl_text_opts *opts);
/* The text of the "diff" and "ghosts" documents, which pl_render_text hands on to (render/lists.c). */
int pl_render_diff_text(FILE *out, const json_t *doc, const pl_text_opts *opts);
int pl_render_traffic_text(FILE *out, const json_t *doc, const pl_text_opts *opts);
/* One server port (with its registered services, known uses and verdict) and one scanner, as in that
 * document: `serve --capture` gives the same objects (web/traffic.c). */
json_t *pl_render_traffic_port_json(const pl_registry *reg, const pl_traffic_port *p);
json_t *pl_render_traffic_scanner_json(const pl_traffic_scanner *s);
int pl_render_ghosts_text(FILE *out, const json_t *doc, const pl_text_opts *opts);
/* `portlore check` and `pick` (render/host_text.c): their documents as text, and for pick the sentence
 * saying why fewer ports than wanted passed (e.g. "no ports in 1-100 pass the check (100 checked;
 * 100 registered in IANA's registry; ...)"). */
int pl_render_check_text(FILE *out, const json_t *doc, const pl_text_opts *opts);
/* `portlore ls` (render/ls_text.c): the sockets document as a table whose columns fit t->width
 * (doc already made terminal-safe: call it through pl_render_text_table). */
int pl_render_sockets_text(FILE *out, const json_t *doc, const pl_text_opts *opts, const pl_table_opts *t);
/* pl_render_text, with a table layout for the documents drawn as tables (t may be NULL). */
int pl_render_text_table(FILE *out, const json_t *doc, const pl_text_opts *opts, const pl_table_opts *t);
/* The same, on a document the caller gives up to it: its strings are made terminal-safe in place (the
 * document stays the caller's to free, and is no longer the data it was). */
int pl_render_text_owned(FILE *out, json_t *doc, const pl_text_opts *opts, const pl_table_opts *t);
int pl_render_pick_text(FILE *out, const json_t *doc, const pl_text_opts *opts);
void pl_render_pick_why(const json_t *doc, char *buf, size_t size);

/* The evidence sources and their versions, as a port report lists them under "evidence_sources". */
json_t *pl_render_evidence_sources_json(void);
int pl_render_probe_text(FILE *out, const json_t *doc, const pl_text_opts *opts);
/* One probe result (an element of "results", or of a port's "probe" array), indented. */
void pl_render_probe_result_text(FILE *out, const json_t *result, int indent, const pl_text_opts *opts);

#endif

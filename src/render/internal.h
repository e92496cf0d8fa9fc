/* Helpers shared by the renderers (not public). Registry text comes from files anyone can write, so it
 * reaches JSON through pl_json_text, which never fails on bad UTF-8 (jansson would refuse the string). */
#ifndef PL_RENDER_INTERNAL_H
#define PL_RENDER_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* A JSON string of s, invalid UTF-8 sequences replaced by U+FFFD; never NULL unless out of memory. */
json_t *pl_json_text(const char *s);
/* pl_json_text, or null for NULL or "". */
json_t *pl_json_text_or_null(const char *s);
/* A document's port range as text: "22", "6000-6063", or "-" for a record without a port. */
void pl_json_ports(char *buf, size_t size, const json_t *rec);
/* An object from (key, value) pairs ending with NULL: each key a string literal of the program (not
 * checked), each value a new reference that the object steals. What json_pack("{s:o, ...}") makes, without
 * parsing a format and checking every key's UTF-8 on each call: a range builds 65,536 port objects. NULL when
 * a value is NULL (out of memory): every value given is released then, as json_pack does. */
json_t *pl_jobj(const char *key, json_t *value, ...);
/* Literal strings of the program (names of statuses, transports, verdicts...): not checked either. */
json_t *pl_jlit(const char *s);
/* The string member key of obj, or "" when absent or not a string. */
const char *pl_json_member(const json_t *obj, const char *key);

/* Namespaces, containers and published ports (published.c). */
#include "portlore/sockets.h"
json_t *pl_render_container_json(const pl_socket_set *set, int idx);
json_t *pl_render_netns_json(const pl_socket_set *set, uint32_t idx);
json_t *pl_render_published_json(const pl_socket_set *set, const pl_publish *p);
void pl_render_socket_place(json_t *j, const pl_socket_set *set, const pl_socket *s);
void pl_render_sockets_places(json_t *doc, const pl_socket_set *set);

/* Text output: where it goes and whether it is coloured (the caller decides: a TTY and no NO_COLOR). */
typedef struct pl_text_out {
	FILE *f;
	bool colour;
	bool sure; /* the registry carries references, so the ghost rule is certain */
} pl_text_out;

#define PL_BOLD "\033[1m"
#define PL_DIM "\033[2m"
#define PL_RED "\033[31m"
#define PL_GREEN "\033[32m"
#define PL_YELLOW "\033[33m"
#define PL_RESET "\033[0m"

/* Pieces of the text output that the streaming writer (stream.c) shares with text.c. */
void pl_text_defang(json_t *j);               /* every string made terminal-safe, in place */
/* The same for documents whose parts are shared (a stream reuses records and processes from port to
 * port): the strings escaped so far are remembered (held), so that a shared one is never escaped twice. */
typedef struct pl_defang_memo {
	json_t **done;
	size_t n, cap;
} pl_defang_memo;
void pl_text_defang_memo(json_t *j, pl_defang_memo *memo);
/* Only the members pl_text_port_line prints (text.c). */
void pl_text_defang_line(json_t *port, pl_defang_memo *memo);
void pl_defang_memo_free(pl_defang_memo *memo);
void pl_text_table_head(const pl_text_out *o); /* the header of the one-line-a-port table */
void pl_text_port_line(const pl_text_out *o, const json_t *port);
void pl_text_port_full(const pl_text_out *o, const json_t *port);
void pl_text_registry_line(const pl_text_out *o, const json_t *doc);

/* A socket's owners as one line (ls_text.c, shared with the port report): "nginx[812]: nginx -g ...",
 * or why none is named, whose socket it is, and whether more owners are likely unseen. */
struct pl_buf;
void pl_text_owners(struct pl_buf *b, const json_t *sock, bool wide);
/* "127.0.0.1:80", "[::1]:80" */
void pl_text_endpoint(char *buf, size_t size, const char *addr, json_int_t port);

/* The escape code when colouring, else "". */
static inline const char *pl_on(const pl_text_out *o, const char *code)
{
	return o->colour ? code : "";
}

/* A port's evidence (render/evidence.c): its JSON object, the document's list of sources, and the text
 * section drawn from a port object. */
struct pl_report;
struct pl_port_report;
json_t *pl_render_evidence_json(const struct pl_report *rep, const struct pl_port_report *p);
/* The same, or NULL when no source says anything of the port and no registration is judged there: then
 * the caller may use one shared object for all such ports (a range's most common case). */
json_t *pl_render_evidence_json_or_empty(const struct pl_report *rep, const struct pl_port_report *p, bool *empty);
json_t *pl_render_evidence_sources_json(void);
void pl_render_evidence_text(const pl_text_out *o, const json_t *port);
void pl_render_evidence_sources_text(const pl_text_out *o, const json_t *doc);
void pl_render_join(char *out, size_t size, const json_t *arr, const char *sep);

#endif

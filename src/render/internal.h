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
/* The string member key of obj, or "" when absent or not a string. */
const char *pl_json_member(const json_t *obj, const char *key);

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
json_t *pl_render_evidence_sources_json(void);
void pl_render_evidence_text(const pl_text_out *o, const json_t *port);
void pl_render_evidence_sources_text(const pl_text_out *o, const json_t *doc);
void pl_render_join(char *out, size_t size, const json_t *arr, const char *sep);

#endif

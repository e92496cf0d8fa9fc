/* Helpers shared by the renderers (not public). Registry text comes from files anyone can write, so it
 * reaches JSON through pl_json_text, which never fails on bad UTF-8 (jansson would refuse the string). */
#ifndef PL_RENDER_INTERNAL_H
#define PL_RENDER_INTERNAL_H

#include <jansson.h>

/* A JSON string of s, invalid UTF-8 sequences replaced by U+FFFD; never NULL unless out of memory. */
json_t *pl_json_text(const char *s);
/* pl_json_text, or null for NULL or "". */
json_t *pl_json_text_or_null(const char *s);
/* The string member key of obj, or "" when absent or not a string. */
const char *pl_json_member(const json_t *obj, const char *key);

#endif

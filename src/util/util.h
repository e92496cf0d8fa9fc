/* Small helpers shared by the library's modules and the front ends: strict bounded parsers (no atoi,
 * no sscanf), a growable buffer with a size cap (after curl's dynbuf), whole-file reads with a limit. */
#ifndef PL_UTIL_H
#define PL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portlore/error.h"

/* Decimal digits only, no sign, no spaces, value <= max. 0 or PL_EINVAL. */
int pl_parse_uint(const char *s, size_t len, uint32_t max, uint32_t *out);
bool pl_is_digits(const char *s, size_t len);
/* "N" or "N-M" (N <= M), ports 0-65535, as registry files write them. 0 or PL_EFORMAT. */
int pl_parse_port_range(const char *s, uint16_t *lo, uint16_t *hi);

char pl_ascii_lower(char c);
bool pl_ascii_isalnum(char c);
/* Case-insensitive ASCII comparisons. */
int pl_strcasecmp(const char *a, const char *b);
bool pl_strncaseeq(const char *a, const char *b, size_t n);
/* Is word one of the space-separated words of list, ignoring ASCII case? */
bool pl_word_in(const char *list, const char *word);
/* Is needle (lower-case already) inside hay, ignoring ASCII case? */
const char *pl_strcasestr(const char *hay, const char *needle_lower);

typedef struct pl_buf {
	char *data;
	size_t len, cap, max;
} pl_buf;

void pl_buf_init(pl_buf *b, size_t max);
void pl_buf_free(pl_buf *b);
int pl_buf_add(pl_buf *b, const void *p, size_t n);   /* 0, PL_ENOMEM or PL_ELIMIT */
int pl_buf_addc(pl_buf *b, char c);
int pl_buf_printf(pl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* NUL-terminated contents ("" when empty); the buffer still owns them. */
const char *pl_buf_str(pl_buf *b);

/* Length of the valid UTF-8 sequence at p (1-4) within n bytes, or 0 when it is not one (overlongs and
 * surrogates are not). */
size_t pl_utf8_len(const unsigned char *p, size_t n);

/* Visible escapes for a terminal (escape.c): "\n", "\t", "\r", "\\", "\xHH" for other control bytes and
 * for each byte of invalid UTF-8, "\uHHHH" for C1 controls and bidirectional overrides. The result is
 * malloc'd (free it), NULL when out of memory. PL_ESC_KEEP_NEWLINE leaves line breaks (multi-line notes). */
#define PL_ESC_KEEP_NEWLINE 1u
char *pl_term_escape(const char *s, size_t len, unsigned flags);
size_t pl_term_escape_len(const char *s, size_t len, unsigned flags);
bool pl_term_needs_escape(const char *s, size_t len, unsigned flags);

/* Reads a /proc or /sys file whole, in one read from offset 0 of a buffer big enough (grown and read
 * again when filled): a sysctl reports size 0 and answers end-of-file to any read at a non-zero offset,
 * so reading it in pieces gets only its first piece (procfile.c). *data is NUL-terminated, free() it. */
int pl_read_proc(const char *path, size_t max, char **data, size_t *len, pl_error *err);

/* Reads a whole regular file of at most max bytes; *data is NUL-terminated, free() it. */
int pl_read_file(const char *path, size_t max, char **data, size_t *len, pl_error *err);
/* Reads a small text file (a sysctl) into buf, stripping the trailing newline. */
int pl_read_small(const char *path, char *buf, size_t size);

#endif

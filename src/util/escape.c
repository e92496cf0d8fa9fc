/* Text that came from anyone (a process's name or command line, a registry file, an argument) made
 * safe and unambiguous on a terminal: every control character, invalid UTF-8 byte and bidirectional
 * override is written as a visible escape, so that nothing can forge a line or recolour the output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

size_t pl_utf8_len(const unsigned char *p, size_t n)
{
	if (p[0] < 0x80)
		return 1;
	size_t k = (p[0] & 0xE0) == 0xC0 ? 2 : (p[0] & 0xF0) == 0xE0 ? 3 : (p[0] & 0xF8) == 0xF0 ? 4 : 0;
	if (k == 0 || k > n || (k == 2 && p[0] < 0xC2) || (k == 4 && p[0] > 0xF4))
		return 0;
	for (size_t i = 1; i < k; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	if (k == 3 && ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] >= 0xA0)))
		return 0; /* overlong, or a surrogate */
	if (k == 4 && ((p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] >= 0x90)))
		return 0;
	return k;
}

/* U+0080-U+009F (C1 controls), U+200E/F, U+202A-U+202E, U+2066-U+2069: they steer a terminal or reorder
 * what it shows (a right-to-left override can make "exe.txt" of "txt.exe"). */
static bool invisible(const unsigned char *p, size_t k)
{
	if (k == 2)
		return p[0] == 0xC2 && p[1] <= 0x9F;
	if (k == 3 && p[0] == 0xE2 && p[1] == 0x80)
		return p[2] == 0x8E || p[2] == 0x8F || (p[2] >= 0xAA && p[2] <= 0xAE);
	if (k == 3 && p[0] == 0xE2 && p[1] == 0x81)
		return p[2] >= 0xA6 && p[2] <= 0xA9;
	return false;
}

size_t pl_term_escape_len(const char *s, size_t len, unsigned flags)
{
	size_t out = 0;
	const unsigned char *p = (const unsigned char *)s;
	/* The common case first: printable ASCII only, nothing to escape (every string of a range's
	 * 65536 ports passes here). */
	size_t plain = 0;
	while (plain < len && p[plain] >= 0x20 && p[plain] < 0x7f && p[plain] != '\\')
		plain++;
	if (plain == len)
		return len;
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		if (c == '\n' && (flags & PL_ESC_KEEP_NEWLINE)) {
			out++, i++;
		} else if (c == '\\' || c == '\n' || c == '\t' || c == '\r') {
			out += 2, i++;
		} else if (c < 0x20 || c == 0x7f) {
			out += 4, i++;
		} else {
			size_t k = pl_utf8_len(p + i, len - i);
			if (k == 0)
				out += 4, i++;
			else if (invisible(p + i, k))
				out += 6, i += k;
			else
				out += k, i += k;
		}
	}
	return out;
}

char *pl_term_escape(const char *s, size_t len, unsigned flags)
{
	char *out = malloc(pl_term_escape_len(s, len, flags) + 1), *w = out;
	if (!out)
		return NULL;
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		if (c == '\n' && (flags & PL_ESC_KEEP_NEWLINE)) {
			*w++ = '\n';
			i++;
		} else if (c == '\\' || c == '\n' || c == '\t' || c == '\r') {
			*w++ = '\\';
			*w++ = c == '\\' ? '\\' : c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			w += sprintf(w, "\\x%02x", c);
			i++;
		} else {
			size_t k = pl_utf8_len(p + i, len - i);
			if (k == 0) {
				w += sprintf(w, "\\x%02x", c); /* invalid UTF-8: the byte itself, never raw */
				i++;
			} else if (invisible(p + i, k)) {
				unsigned cp = k == 2 ? (unsigned)(p[i] & 0x1F) << 6 | (p[i + 1] & 0x3F)
						     : (unsigned)(p[i] & 0x0F) << 12 | (unsigned)(p[i + 1] & 0x3F) << 6 | (p[i + 2] & 0x3F);
				w += sprintf(w, "\\u%04x", cp);
				i += k;
			} else {
				memcpy(w, p + i, k);
				w += k;
				i += k;
			}
		}
	}
	*w = '\0';
	return out;
}

bool pl_term_needs_escape(const char *s, size_t len, unsigned flags)
{
	return pl_term_escape_len(s, len, flags) != len;
}

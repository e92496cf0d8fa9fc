/* HTML escaping: the one function through which registry text, queries and messages reach a page.
 * Registry files are anyone's, so besides the five markup characters it also replaces bytes that are
 * not valid UTF-8 (a browser would guess an encoding otherwise) and C0 controls other than tab/newline. */
#include <string.h>

#include "internal.h"

size_t pl_web_utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	unsigned cp = c & (0x3f >> (len - 1));
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int pl_web_escn(pl_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0; /* bytes copied as they are, added in one call */
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0;) {
		const char *rep = NULL;
		size_t len = 1;
		switch (p[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n')
				rep = "\xef\xbf\xbd";
			else if (!(len = pl_web_utf8_len(p + i, n - i)))
				rep = "\xef\xbf\xbd", len = 1;
		}
		if (!rep) {
			run += len;
			i += len;
			continue;
		}
		if (run)
			rc = pl_buf_add(b, p + i - run, run);
		run = 0;
		if (rc == 0)
			rc = pl_buf_add(b, rep, strlen(rep));
		i += len;
	}
	if (rc == 0 && run)
		rc = pl_buf_add(b, p + n - run, run);
	return rc;
}

int pl_web_esc(pl_buf *b, const char *s)
{
	return s ? pl_web_escn(b, s, strlen(s)) : 0;
}

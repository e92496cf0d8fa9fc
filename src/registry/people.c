/* Small rules about IANA's people shared by the builder and the importers: the e-mail addresses hidden in
 * a person's URIs ("mailto:babafou&amp;babafou.eu.org", IANA writes '&' for '@'), and the people a note
 * names in brackets ("previously compressnet by [Bernie_Volz]", IANA's rendering of a person xref). */
#include <string.h>

#include "internal.h"
#include "util/util.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = pl_ascii_lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One mailto: URI's address appended to out (percent-decoded, '&' read as '@' when there is no '@'). */
static int one_email(const char *s, const char *end, pl_buf *out)
{
	const char *q = memchr(s, '?', (size_t)(end - s));
	if (q)
		end = q;
	size_t at = out->len;
	for (; s < end; s++) {
		char c = *s;
		if (c == '%' && end - s >= 3 && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
			c = (char)(hexval(s[1]) * 16 + hexval(s[2]));
			s += 2;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		if (pl_buf_addc(out, c))
			return PL_ENOMEM;
	}
	if (out->len > at && !memchr(out->data + at, '@', out->len - at)) {
		char *amp = memchr(out->data + at, '&', out->len - at);
		if (amp)
			*amp = '@';
	}
	return 0;
}

int pl_people_emails(const char *uris, pl_buf *first, pl_buf *all)
{
	const char *p = uris ? uris : "";
	while (*p) {
		while (*p == ' ')
			p++;
		const char *e = p;
		while (*e && *e != ' ')
			e++;
		if (e - p > 7 && pl_strncaseeq(p, "mailto:", 7)) {
			size_t before = all->len;
			if (before && pl_buf_addc(all, ' '))
				return PL_ENOMEM;
			size_t start = all->len;
			if (one_email(p + 7, e, all))
				return PL_ENOMEM;
			if (all->len == start)
				all->len = before; /* an empty mailto: */
			else if (!first->len && pl_buf_add(first, all->data + start, all->len - start))
				return PL_ENOMEM;
		}
		p = e;
	}
	return 0;
}

size_t pl_people_mentions(const char *text, pl_mention_fn fn, void *ctx)
{
	size_t n = 0;
	for (const char *p = text ? strchr(text, '[') : NULL; p; p = strchr(p + 1, '[')) {
		const char *e = p + 1;
		/* IANA's person ids: letters, digits, '_', '-', '.' (e.g. "Bernie_Volz", "_1026_Labs") */
		while (pl_ascii_isalnum(*e) || *e == '_' || *e == '-' || *e == '.')
			e++;
		if (*e == ']' && e > p + 1 && (size_t)(e - p - 1) < 256) {
			char id[256];
			memcpy(id, p + 1, (size_t)(e - p - 1));
			id[e - p - 1] = '\0';
			if (fn(id, ctx) > 0)
				n++;
		}
	}
	return n;
}

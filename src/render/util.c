/* See internal.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when it is not one. */
static size_t utf8_seq(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	size_t n = (p[0] & 0xE0) == 0xC0 ? 2 : (p[0] & 0xF0) == 0xE0 ? 3 : (p[0] & 0xF8) == 0xF0 ? 4 : 0;
	if (n == 0 || (n == 2 && p[0] < 0xC2) || (n == 4 && p[0] > 0xF4))
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	if (n == 3 && ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] >= 0xA0)))
		return 0; /* overlong, or a surrogate */
	if (n == 4 && ((p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] >= 0x90)))
		return 0;
	return n;
}

json_t *pl_json_text(const char *s)
{
	if (!s)
		s = "";
	/* Plain ASCII (nearly every string) is valid UTF-8 as it is: spare jansson's check. */
	size_t n = 0;
	while (s[n] && (unsigned char)s[n] < 0x80)
		n++;
	if (!s[n])
		return json_stringn_nocheck(s, n);
	json_t *j = json_string(s);
	if (j)
		return j;
	size_t len = strlen(s);
	char *out = malloc(len * 3 + 1), *w = out;
	if (!out)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_seq(p);
		if (n) {
			memcpy(w, p, n);
			w += n;
			p += n;
		} else {
			memcpy(w, "\xEF\xBF\xBD", 3);
			w += 3;
			p++;
		}
	}
	*w = '\0';
	j = json_string(out);
	free(out);
	return j;
}

json_t *pl_json_text_or_null(const char *s)
{
	return s && *s ? pl_json_text(s) : json_null();
}

void pl_json_ports(char *buf, size_t size, const json_t *rec)
{
	const json_t *lo = json_object_get(rec, "port"), *hi = json_object_get(rec, "port_last");
	if (!json_is_integer(lo))
		snprintf(buf, size, "-");
	else if (json_integer_value(lo) == json_integer_value(hi))
		snprintf(buf, size, "%lld", (long long)json_integer_value(lo));
	else
		snprintf(buf, size, "%lld-%lld", (long long)json_integer_value(lo), (long long)json_integer_value(hi));
}

const char *pl_json_member(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

/* See internal.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util/util.h"

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
	const unsigned char *end = (const unsigned char *)s + len;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = pl_utf8_len(p, (size_t)(end - p));
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

json_t *pl_jobj(const char *key, json_t *value, ...)
{
	json_t *o = json_object();
	bool ok = o != NULL;
	va_list ap;
	va_start(ap, value);
	for (const char *k = key; k; k = va_arg(ap, const char *)) {
		json_t *v = k == key ? value : va_arg(ap, json_t *);
		if (!v)
			ok = false;
		else if (!ok)
			json_decref(v);
		else if (json_object_set_new_nocheck(o, k, v) != 0)
			ok = false; /* jansson released v */
	}
	va_end(ap);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *pl_jlit(const char *s)
{
	return json_string_nocheck(s ? s : "");
}

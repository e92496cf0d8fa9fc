/* The port spec grammar (docs/portlore.1, "PORT SPECS"). Strict: digits only, no signs, no spaces,
 * at most PL_SPEC_MAX bytes; every refusal says which part was wrong. */
#include <string.h>

#include "portlore/spec.h"
#include "util.h"

static bool name_char(char c)
{
	return pl_ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '+' || c == '*';
}

static int parse_ports(const char *s, size_t n, pl_spec *out, const char *text, pl_error *err)
{
	const char *dash = memchr(s, '-', n);
	uint32_t lo, hi;
	if (dash) {
		size_t a = (size_t)(dash - s), b = n - a - 1;
		if (!pl_is_digits(s, a) || !pl_is_digits(dash + 1, b))
			return pl_error_set(err, PL_EINVAL, "'%s' is not a port range: write FIRST-LAST, e.g. 2900-2910", text);
		if (pl_parse_uint(s, a, 65535, &lo) || pl_parse_uint(dash + 1, b, 65535, &hi))
			return pl_error_set(err, PL_EINVAL, "range '%.*s' is out of bounds: ports are 0-65535", (int)n, s);
		if (lo > hi)
			return pl_error_set(err, PL_EINVAL, "range '%.*s' is reversed: the first port must not exceed the last",
					    (int)n, s);
	} else {
		if (pl_parse_uint(s, n, 65535, &lo))
			return pl_error_set(err, PL_EINVAL, "port '%.*s' is out of range: ports are 0-65535", (int)n, s);
		hi = lo;
	}
	out->kind = PL_SPEC_PORTS;
	out->lo = (uint16_t)lo;
	out->hi = (uint16_t)hi;
	return 0;
}

static bool portish(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((s[i] < '0' || s[i] > '9') && s[i] != '-')
			return false;
	return n > 0 && s[0] != '-';
}

int pl_spec_parse(const char *text, pl_spec *out, pl_error *err)
{
	memset(out, 0, sizeof *out);
	size_t n = strlen(text);
	if (n == 0)
		return pl_error_set(err, PL_EINVAL, "empty port spec: give a port (2908), a range (2900-2910) or a service name");
	if (n > PL_SPEC_MAX)
		return pl_error_set(err, PL_EINVAL, "port spec longer than %d characters", PL_SPEC_MAX);
	if (text[0] == '-' || text[0] == '+')
		return pl_error_set(err, PL_EINVAL, "'%s' is not a port: ports are 0-65535, without a sign", text);
	const char *slash = strchr(text, '/');
	const char *body = text;
	size_t blen = n;
	if (slash) {
		if (strchr(slash + 1, '/'))
			return pl_error_set(err, PL_EINVAL, "'%s' has more than one '/': write PORT/TRANSPORT", text);
		const char *a = text, *b = slash + 1;
		size_t an = (size_t)(slash - text), bn = n - an - 1;
		pl_proto p;
		if (pl_proto_parse(a, an, &p) == 0 && bn) { /* tcp/2908 */
			body = b;
			blen = bn;
		} else if (pl_proto_parse(b, bn, &p) == 0 && an) { /* 2908/tcp, ssh/tcp */
			body = a;
			blen = an;
		} else if (portish(a, an)) {
			return pl_error_set(err, PL_EINVAL, "unknown transport '%.*s': use tcp, udp, sctp or dccp", (int)bn, b);
		} else if (portish(b, bn)) {
			return pl_error_set(err, PL_EINVAL, "unknown transport '%.*s': use tcp, udp, sctp or dccp", (int)an, a);
		} else {
			return pl_error_set(err, PL_EINVAL, "'%s' is not a port spec: write PORT/TRANSPORT, e.g. 2908/tcp", text);
		}
		out->proto = p;
	}
	if (portish(body, blen))
		return parse_ports(body, blen, out, text, err);
	if (blen > PL_NAME_MAX)
		return pl_error_set(err, PL_EINVAL, "service name '%.*s' is longer than %d characters", (int)blen, body,
				    PL_NAME_MAX);
	for (size_t i = 0; i < blen; i++)
		if (!name_char(body[i]))
			return pl_error_set(err, PL_EINVAL,
					    "'%s' is neither a port (0-65535) nor a service name (letters, digits, '-')", text);
	out->kind = PL_SPEC_NAME;
	memcpy(out->name, body, blen);
	out->name[blen] = '\0';
	out->numeric_like = body[0] >= '0' && body[0] <= '9';
	return 0;
}

int pl_spec_parse_list(const char *text, pl_spec *out, size_t max, size_t *n, pl_error *err)
{
	*n = 0;
	size_t len = strlen(text);
	if (len > PL_SPEC_LIST_TEXT_MAX)
		return pl_error_set(err, PL_EINVAL, "port list longer than %d characters", PL_SPEC_LIST_TEXT_MAX);
	const char *p = text;
	if (!*p)
		return pl_spec_parse(text, out, err); /* the empty-spec message */
	for (;;) {
		size_t w = strcspn(p, ", ");
		if (w == 0)
			return pl_error_set(err, PL_EINVAL, "'%s' has an empty item: separate ports with one comma or space, "
					    "e.g. 22,80,443", text);
		if (*n >= max)
			return pl_error_set(err, PL_EINVAL, "more than %zu ports or ranges in one call", max);
		char item[PL_SPEC_MAX + 1];
		if (w > PL_SPEC_MAX)
			return pl_error_set(err, PL_EINVAL, "port spec '%.*s...' longer than %d characters", 20, p, PL_SPEC_MAX);
		memcpy(item, p, w);
		item[w] = '\0';
		int rc = pl_spec_parse(item, &out[*n], err);
		if (rc)
			return rc;
		(*n)++;
		p += w;
		if (!*p)
			return 0;
		p++; /* one separator; ", " counts as one too */
		if (p[-1] == ',' && *p == ' ')
			p++;
		if (!*p)
			return pl_error_set(err, PL_EINVAL, "'%s' ends with a separator: drop the trailing '%c'", text, p[-1]);
	}
}

/* "HOST[:PORT[,PORT|-RANGE...]]": what `portlore probe` is asked, parsed strictly. IPv6 takes brackets
 * when ports follow ([::1]:22); a bare address with several colons is all host. */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "util/util.h"

static int parse_ports(const char *s, pl_proto dflt, pl_probe_port *ports, size_t max, pl_error *err)
{
	size_t n = 0;
	const char *p = s;
	if (!*p)
		return pl_error_set(err, PL_EINVAL, "no port after ':'");
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char item[32];
		if (len == 0 || len >= sizeof item)
			return pl_error_set(err, PL_EINVAL, "bad port list '%s': an empty or overlong item", s);
		memcpy(item, p, len);
		item[len] = 0;
		pl_proto proto = dflt;
		char *slash = strchr(item, '/');
		if (slash) {
			*slash = 0;
			if (pl_proto_parse(slash + 1, strlen(slash + 1), &proto) ||
			    (proto != PL_PROTO_TCP && proto != PL_PROTO_UDP))
				return pl_error_set(err, PL_EINVAL, "bad transport '%s' in '%s': tcp or udp", slash + 1, s);
		}
		uint16_t lo, hi;
		if (pl_parse_port_range(item, &lo, &hi) || lo == 0)
			return pl_error_set(err, PL_EINVAL, "bad port '%s' in '%s': a port is 1-65535, a range FIRST-LAST", item, s);
		for (uint32_t port = lo; port <= hi; port++) {
			if (n >= max)
				return pl_error_set(err, PL_ELIMIT, "too many ports in '%s' (at most %zu at once)", s, max);
			ports[n].port = (uint16_t)port;
			ports[n].proto = proto;
			n++;
		}
		p += len;
		if (*p == ',') {
			p++;
			if (!*p)
				return pl_error_set(err, PL_EINVAL, "bad port list '%s': it ends with ','", s);
		}
	}
	return (int)n;
}

int pl_probe_parse_spec(const char *spec, pl_proto dflt, char *hostbuf, size_t hostsize, pl_probe_port *ports,
			size_t max, pl_error *err)
{
	const char *host = spec, *portstr = NULL;
	size_t hostlen;
	if (!spec || !*spec)
		return pl_error_set(err, PL_EINVAL, "no host given");
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (!close)
			return pl_error_set(err, PL_EINVAL, "bad host '%s': a '[' without ']'", spec);
		host = spec + 1;
		hostlen = (size_t)(close - host);
		if (close[1] == ':')
			portstr = close + 2;
		else if (close[1])
			return pl_error_set(err, PL_EINVAL, "bad host '%s': ':' expected after ']'", spec);
	} else {
		const char *first = strchr(spec, ':'), *last = strrchr(spec, ':');
		if (first && first == last) {
			hostlen = (size_t)(first - spec);
			portstr = first + 1;
		} else
			hostlen = strlen(spec); /* none, or a bare IPv6 address */
	}
	if (hostlen == 0)
		return pl_error_set(err, PL_EINVAL, "no host in '%s'", spec);
	if (hostlen >= hostsize)
		return pl_error_set(err, PL_ELIMIT, "host name too long in '%s'", spec);
	for (size_t i = 0; i < hostlen; i++) {
		unsigned char c = (unsigned char)host[i];
		if (c <= 0x20 || c >= 0x7f || c == '/' || c == '@')
			return pl_error_set(err, PL_EINVAL, "bad host '%.*s': a name, an IPv4 or an IPv6 address", (int)hostlen, host);
	}
	memcpy(hostbuf, host, hostlen);
	hostbuf[hostlen] = 0;
	if (!portstr)
		return 0;
	return parse_ports(portstr, dflt, ports, max, err);
}

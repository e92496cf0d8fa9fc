/* libFuzzer target for the reply matchers (src/probe/match.c): any bytes as a client's and a server's first
 * payload, over tcp, udp or either. The first byte picks the transport and where the input splits; what
 * comes back must be well formed: printable product and version, a confidence in 0-100, the deciding
 * length inside the payload. Also the escaper, on the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/probe.h"

static void printable(const char *s, size_t size)
{
	size_t n = strnlen(s, size);
	if (n == size)
		abort(); /* not terminated */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	pl_proto proto = data[0] % 3 == 0 ? PL_PROTO_NONE : data[0] % 3 == 1 ? PL_PROTO_TCP : PL_PROTO_UDP;
	size_t split = (size_t)data[1] * (size - 2) / 255;
	const uint8_t *client = data + 2, *server = data + 2 + split;
	size_t clen = split, slen = size - 2 - split;
	if (data[0] & 0x80) { /* the server's reply alone, as the engine sees a banner */
		client = NULL;
		clen = 0;
	}
	pl_probe_match m;
	size_t decided = 0;
	int rc = pl_probe_identify_ex(proto, client, clen, server, slen, &m, &decided);
	if (rc < 0)
		abort(); /* the matchers failed to load: a broken table */
	if (rc == 1) {
		printable(m.protocol, sizeof m.protocol);
		printable(m.product, sizeof m.product);
		printable(m.version, sizeof m.version);
		printable(m.info, sizeof m.info);
		if (m.confidence < 0 || m.confidence > 100 || !*m.protocol)
			abort();
		if (decided > (slen ? slen : clen) && decided > clen)
			abort();
	}
	char esc[4 * 64 + 1];
	pl_probe_escape(data, size < 64 ? size : 64, esc, sizeof esc);
	if (strlen(esc) >= sizeof esc)
		abort();
	return 0;
}

/* Where nDPI is silent, the probe module's matchers (issue 15) read the flow's first client and server
 * payloads: a protocol on a port not its own (DNS, SSH, Redis on 2908) is still named, with the product
 * and version its banner gives. They also add product and version beside nDPI's answer when they agree.
 * Built without the probe module, flows nDPI cannot name stay unnamed, and the output says why. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#if __has_include("portlore/probe.h")
#include "portlore/probe.h"
#define HAVE_PROBE 1
#else
#define HAVE_PROBE 0
#endif

const char *pl_identify_name(void)
{
	return HAVE_PROBE ? "portlore probe matchers" : "none (built without the probe module)";
}

void pl_identify_flow(pl_flow *f)
{
#if HAVE_PROBE
	if (!f->first_payload[DIR_C2S] && !f->first_payload[DIR_S2C])
		return;
	pl_probe_match m;
	memset(&m, 0, sizeof m);
	pl_proto proto = f->ipproto == 6 ? PL_PROTO_TCP : PL_PROTO_UDP;
	int rc = pl_probe_identify(proto, f->first_payload[DIR_C2S], f->first_len[DIR_C2S], f->first_payload[DIR_S2C],
				   f->first_len[DIR_S2C], &m);
	if (rc != 1 || !m.protocol[0])
		return;
	if (!f->proto[0]) {
		snprintf(f->proto, sizeof f->proto, "%s", m.protocol);
		f->by = "probe";
	}
	if (strcmp(f->proto, m.protocol) == 0) {
		snprintf(f->product, sizeof f->product, "%s", m.product);
		snprintf(f->version, sizeof f->version, "%s", m.version);
	}
#else
	(void)f;
#endif
}

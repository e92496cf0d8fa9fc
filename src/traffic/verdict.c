/* The verdict per port: the protocol most flows spoke (scanners' probes aside) against the services IANA
 * assigned at that port and transport, in words: "HTTP on 2908/tcp: not mao — traffic-inspected". */
#include <stdio.h>
#include <string.h>

#include "portlore/registry.h"
#include "portlore/traffic.h"

/* The evidence module's known uses (issue 10) say whether what was heard is a known unofficial use. */
#if __has_include("portlore/evidence.h")
#include "portlore/evidence.h"
static const char *known_use(uint16_t port, pl_proto proto, const char *protocol)
{
	const pl_known_use *uses[16];
	size_t n = pl_evidence_known_uses(port, proto, uses, 16);
	for (size_t i = 0; i < n && i < 16; i++)
		if (uses[i]->protocol && !strcmp(uses[i]->protocol, protocol))
			return uses[i]->software;
	return NULL;
}
#else
static const char *known_use(uint16_t port, pl_proto proto, const char *protocol)
{
	(void)port, (void)proto, (void)protocol;
	return NULL;
}
#endif

const char *pl_traffic_verdict_name(pl_traffic_verdict_kind k)
{
	static const char *const names[] = {"match", "mismatch", "unregistered", "unidentified", "no-payload",
					    "scanned-only"};
	return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

void pl_traffic_judge(const pl_registry *reg, const pl_traffic_port *p, pl_traffic_verdict *v)
{
	memset(v, 0, sizeof *v);
	const char *t = pl_proto_name(p->proto);
	/* The assigned services at this port and transport: the first named one is the one compared with,
	 * unless another of them matches what was heard. */
	uint32_t idx[16];
	size_t n = reg ? pl_registry_lookup_port(reg, p->port, p->proto, idx, 16) : 0;
	if (n > 16)
		n = 16;
	const char *proto = p->nprotocols ? p->protocols[0].protocol : "";
	bool matched = false;
	for (size_t i = 0; i < n; i++) {
		pl_record rec;
		if (pl_registry_record(reg, idx[i], &rec) || rec.status != PL_STATUS_ASSIGNED || !*rec.name)
			continue;
		bool m = *proto && pl_traffic_protocol_is_service(proto, rec.name);
		if (!v->service[0] || (m && !matched))
			snprintf(v->service, sizeof v->service, "%s", rec.name);
		matched |= m;
	}
	v->confidence = "by name";
	if (*proto) {
		const char *disp = pl_traffic_protocol_display(proto);
		v->confidence = "traffic-inspected";
		if (!v->service[0]) {
			v->kind = PL_TV_UNREGISTERED;
			snprintf(v->sentence, sizeof v->sentence, "%s on %u/%s: nothing is registered there — %s", disp,
				 p->port, t, v->confidence);
		} else if (matched) {
			v->kind = PL_TV_MATCH;
			snprintf(v->sentence, sizeof v->sentence, "%s on %u/%s: %s, as registered — %s", disp, p->port, t,
				 v->service, v->confidence);
		} else {
			v->kind = PL_TV_MISMATCH;
			const char *use = known_use(p->port, p->proto, proto);
			snprintf(v->sentence, sizeof v->sentence, "%s on %u/%s: not %s%s%s — %s", disp, p->port, t, v->service,
				 use ? "; a known use: " : "", use ? use : "", v->confidence);
		}
		return;
	}
	const char *reg_part = v->service[0] ? "registered: " : "nothing registered";
	if (p->flows && p->scan_flows >= p->flows) {
		v->kind = PL_TV_SCANNED_ONLY;
		snprintf(v->sentence, sizeof v->sentence, "%u/%s: only scanned (%llu probes), no conversation to judge (%s%s)",
			 p->port, t, (unsigned long long)p->scan_flows, reg_part, v->service);
	} else if (p->payload_flows) {
		v->kind = PL_TV_UNIDENTIFIED;
		snprintf(v->sentence, sizeof v->sentence,
			 "%u/%s: %llu flows carried payload of a protocol not identified (%s%s)", p->port, t,
			 (unsigned long long)p->payload_flows, reg_part, v->service);
	} else {
		v->kind = PL_TV_NO_PAYLOAD;
		snprintf(v->sentence, sizeof v->sentence, "%u/%s: %llu flows, none with payload (%s%s)", p->port, t,
			 (unsigned long long)p->flows, reg_part, v->service);
	}
}

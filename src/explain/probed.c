/* The verdict a probe earns: what answered on a port against what IANA registered there, by protocol
 * rather than by process name ("HTTP (nginx 1.22.1) on 2908/tcp: not mao — probed"). */
#include <stdio.h>
#include <string.h>

#include "portlore/explain.h"
#include "portlore/probe.h"

#define MAX_RECORDS 64

pl_match_verdict pl_probe_judge(const pl_registry *reg, const pl_probe_result *r, uint32_t *record, bool *has_record,
				char *buf, size_t size)
{
	uint32_t idx[MAX_RECORDS];
	size_t n = pl_registry_lookup_port(reg, r->target.port, r->target.proto, idx, MAX_RECORDS);
	if (n > MAX_RECORDS)
		n = MAX_RECORDS;
	char names[160] = "";
	size_t used = 0;
	bool same = false;
	*has_record = false;
	for (size_t i = 0; i < n; i++) {
		pl_record rec;
		if (pl_registry_record(reg, idx[i], &rec) || rec.status != PL_STATUS_ASSIGNED || !*rec.name)
			continue;
		if (!*has_record || (!same && (pl_probe_service_is(r->match.protocol, rec.name) ||
					       (r->tls_wrapped && pl_probe_service_is("tls", rec.name))))) {
			*record = rec.index;
			*has_record = true;
		}
		if (r->state == PL_PROBE_IDENTIFIED &&
		    (pl_probe_service_is(r->match.protocol, rec.name) || (r->tls_wrapped && pl_probe_service_is("tls", rec.name))))
			same = true;
		if (!strstr(names, rec.name)) {
			int w = snprintf(names + used, sizeof names - used, "%s%s", used ? " or " : "", rec.name);
			if (w > 0 && (size_t)w < sizeof names - used)
				used += (size_t)w;
		}
	}
	char where[32], label[160];
	snprintf(where, sizeof where, "%u/%s", r->target.port, pl_proto_name(r->target.proto));
	switch (r->state) {
	case PL_PROBE_IDENTIFIED:
		pl_probe_label(r, label, sizeof label);
		if (!*has_record) {
			snprintf(buf, size, "%s on %s: nothing is registered there — probed", label, where);
			return PL_VERDICT_UNKNOWN;
		}
		if (same) {
			snprintf(buf, size, "%s on %s: %s, as registered — probed", label, where, names);
			return PL_VERDICT_MATCH;
		}
		snprintf(buf, size, "%s on %s: not %s — probed", label, where, names);
		return PL_VERDICT_MISMATCH;
	case PL_PROBE_UNRECOGNISED:
		snprintf(buf, size, "an unrecognised reply on %s%s%s%s — probed", where, *names ? " (registered: " : "", names,
			 *names ? ")" : "");
		return PL_VERDICT_UNKNOWN;
	case PL_PROBE_SILENT:
		snprintf(buf, size, "%s accepts connections and says nothing%s%s%s — probed", where,
			 *names ? " (registered: " : "", names, *names ? ")" : "");
		return PL_VERDICT_UNKNOWN;
	case PL_PROBE_CLOSED:
	case PL_PROBE_NO_ANSWER:
		snprintf(buf, size, "nothing answers on %s%s — probed", where,
			 r->state == PL_PROBE_NO_ANSWER && r->target.proto == PL_PROTO_UDP ? " (open or filtered)" : "");
		return PL_VERDICT_NONE;
	case PL_PROBE_ERROR:
		break;
	}
	snprintf(buf, size, "%s could not be probed: %s", where, r->error);
	return PL_VERDICT_UNKNOWN;
}

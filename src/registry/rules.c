/* The model's small rules and names: the ghost rule (DESIGN.md), status and reference-type names. */
#include <string.h>

#include "index.h"
#include "util/util.h"

/* Letters and digits only, lower-cased: "Mao", "MAO." and "m-a-o" all read "mao". */
static size_t fold(const char *s, char *out, size_t max)
{
	size_t n = 0;
	for (; *s && n < max; s++)
		if (pl_ascii_isalnum(*s))
			out[n++] = pl_ascii_lower(*s);
	return n;
}

bool pl_record_is_ghost(const pl_record *rec)
{
	if (rec->status != PL_STATUS_ASSIGNED || !*rec->name)
		return false;
	if (pl_record_ref_count(rec) > 0)
		return false;
	char a[256], d[256];
	size_t na = fold(rec->name, a, sizeof a), nd = fold(rec->description, d, sizeof d);
	return nd == 0 || (na == nd && memcmp(a, d, na) == 0);
}

bool pl_record_service_is_ghost(const pl_record *rec)
{
	if (!pl_record_is_ghost(rec))
		return false;
	if (!rec->has_port)
		return true;
	uint32_t idx[64];
	size_t n = pl_registry_lookup_port(rec->reg_, rec->port_lo, PL_PROTO_NONE, idx, 64);
	for (size_t i = 0; i < n && i < 64; i++) {
		pl_record other;
		if (idx[i] == rec->index || pl_registry_record(rec->reg_, idx[i], &other))
			continue;
		if (other.port_lo == rec->port_lo && strcmp(other.name, rec->name) == 0 && !pl_record_is_ghost(&other))
			return false;
	}
	return true;
}

/* the status names, also the JSON values of a record's "status" */
static const char *const status_names[PL_STATUS_COUNT] = {
	"assigned", "unassigned", "reserved", "de-registered", "removed", "deprecated", "de-commissioned",
};

const char *pl_status_name(pl_status s)
{
	return (unsigned)s < PL_STATUS_COUNT ? status_names[s] : "assigned";
}

static const char *const xref_names[] = {"text", "rfc", "draft", "person", "uri", "note"};

const char *pl_xref_type_name(pl_xref_type t)
{
	return (unsigned)t <= PL_XREF_NOTE ? xref_names[t] : "text";
}

int pl_xref_type_parse(const char *s, pl_xref_type *out)
{
	for (unsigned i = 0; i <= PL_XREF_NOTE; i++)
		if (strcmp(s, xref_names[i]) == 0) {
			*out = (pl_xref_type)i;
			return 0;
		}
	return PL_EINVAL;
}


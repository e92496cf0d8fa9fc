/* The text of `portlore check` and `portlore pick`, drawn from their documents (kind "check", "pick"):
 * each verdict sentence comes from the JSON, so the two outputs cannot disagree. */
#include <string.h>

#include "internal.h"
#include "portlore/render.h"

int pl_render_check_text(FILE *f, const json_t *doc, const pl_text_opts *opts)
{
	pl_text_out o = {f, opts && opts->colour, false};
	json_int_t port = json_integer_value(json_object_get(doc, "port"));
	const json_t *reasons = json_object_get(doc, "reasons"), *r;
	size_t i;
	if (json_is_true(json_object_get(doc, "safe")))
		fprintf(f, "%sport %lld is safe to take%s: unassigned, free here, outside the ephemeral range, bindable, "
			   "and reachable from browsers\n",
			pl_on(&o, PL_GREEN), (long long)port, pl_on(&o, PL_RESET));
	else
		fprintf(f, "%sport %lld is not safe to take%s:\n", pl_on(&o, PL_YELLOW), (long long)port, pl_on(&o, PL_RESET));
	json_array_foreach(reasons, i, r) fprintf(f, "  - %s\n", pl_json_member(r, "explanation"));
	fflush(f);
	return ferror(f) ? -1 : 0;
}

/* The picked ports, one a line (what a script reads); why fewer than wanted is the caller's to say on
 * stderr (pl_render_pick_why). */
int pl_render_pick_text(FILE *f, const json_t *doc, const pl_text_opts *opts)
{
	(void)opts;
	const json_t *ports = json_object_get(doc, "ports"), *p;
	size_t i;
	json_array_foreach(ports, i, p) fprintf(f, "%lld\n", (long long)json_integer_value(p));
	fflush(f);
	return ferror(f) ? -1 : 0;
}

static const struct {
	const char *key, *text;
} why_words[] = {
	{"registered", "registered in IANA's registry"},
	{"in_use", "in use on this host"},
	{"ephemeral", "inside the ephemeral range"},
	{"privileged", "not bindable by this user"},
	{"browser_blocked", "refused by browsers"},
	{"dynamic", "in IANA's dynamic range"},
};

void pl_render_pick_why(const json_t *doc, char *buf, size_t size)
{
	const json_t *rej = json_object_get(doc, "rejected");
	size_t got = json_array_size(json_object_get(doc, "ports"));
	json_int_t want = json_integer_value(json_object_get(doc, "wanted"));
	const json_t *range = json_object_get(doc, "range");
	int n = snprintf(buf, size, "%s port%s in %lld-%lld pass%s the check (%lld checked",
			 got ? "only" : "no", got == 1 ? "" : "s", (long long)json_integer_value(json_object_get(range, "first")),
			 (long long)json_integer_value(json_object_get(range, "last")), got == 1 ? "es" : "",
			 (long long)json_integer_value(json_object_get(doc, "checked")));
	if (got)
		n = snprintf(buf, size, "only %zu of the %lld ports wanted pass the check in %lld-%lld (%lld checked", got,
			     (long long)want, (long long)json_integer_value(json_object_get(range, "first")),
			     (long long)json_integer_value(json_object_get(range, "last")),
			     (long long)json_integer_value(json_object_get(doc, "checked")));
	for (size_t i = 0; i < sizeof why_words / sizeof why_words[0] && n > 0 && (size_t)n < size; i++) {
		const json_t *v = json_object_get(rej, why_words[i].key);
		if (json_is_integer(v))
			n += snprintf(buf + n, size - (size_t)n, "; %lld %s", (long long)json_integer_value(v), why_words[i].text);
	}
	if (n > 0 && (size_t)n < size && json_is_true(json_object_get(rej, "in_use_unknown")))
		n += snprintf(buf + n, size - (size_t)n, "; whether they are in use here is unknown");
	if (n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, ")");
}

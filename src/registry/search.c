/* Ranked search over the registry: exact service name, then name prefix, then a whole word of the name,
 * description or assignees, then a substring of those. A linear pass (tens of thousands of records take
 * well under a millisecond), case-insensitive, stable order within a rank: by port, then transport. */
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "util/util.h"

#define MAX_TERM 256

static bool is_word_at(const char *hay, const char *at, size_t n)
{
	return (at == hay || !pl_ascii_isalnum(at[-1])) && !pl_ascii_isalnum(at[n]);
}

/* Best match of term (lower-case) within s, or -1. */
static int match_text(const char *s, const char *term, size_t n)
{
	int best = -1;
	for (const char *at = pl_strcasestr(s, term); at; at = pl_strcasestr(at + 1, term)) {
		if (is_word_at(s, at, n))
			return PL_MATCH_WORD;
		best = PL_MATCH_SUBSTRING;
	}
	return best;
}

static int match_record(const pl_record *rec, const char *term, size_t n)
{
	if (pl_strcasecmp(rec->name, term) == 0)
		return PL_MATCH_EXACT;
	if (*rec->name && pl_strncaseeq(rec->name, term, n))
		return PL_MATCH_PREFIX;
	int best = match_text(rec->name, term, n);
	int m = match_text(rec->description, term, n);
	if (m >= 0 && (best < 0 || m < best))
		best = m;
	for (int role = PL_ROLE_ASSIGNEE; role <= PL_ROLE_CONTACT && best != PL_MATCH_WORD; role++)
		for (size_t i = 0; i < pl_record_people_count(rec, (pl_role)role); i++) {
			const char *id = pl_record_person_id(rec, (pl_role)role, i);
			m = match_text(id, term, n);
			if (m < 0) {
				pl_person person;
				if (pl_registry_person(rec->reg_, id, &person) == 0)
					m = match_text(person.name, term, n);
			}
			if (m >= 0 && (best < 0 || m < best))
				best = m;
		}
	return best;
}

struct ranked {
	pl_hit hit;
	uint16_t port;
	uint8_t proto;
	uint8_t has_port;
};

static int cmp_ranked(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;
	if (a->hit.match != b->hit.match)
		return (int)a->hit.match - (int)b->hit.match;
	if (a->has_port != b->has_port)
		return a->has_port ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return a->hit.index < b->hit.index ? -1 : a->hit.index > b->hit.index;
}

int pl_registry_search(const pl_registry *reg, const char *term, pl_hit *hits, size_t max, pl_error *err)
{
	size_t n = strlen(term);
	if (n == 0)
		return pl_error_set(err, PL_EINVAL, "empty search term");
	if (n > MAX_TERM)
		return pl_error_set(err, PL_ELIMIT, "search term longer than %d characters", MAX_TERM);
	char lower[MAX_TERM + 1];
	for (size_t i = 0; i <= n; i++)
		lower[i] = pl_ascii_lower(term[i]);
	size_t total = pl_registry_count(reg);
	struct ranked *all = malloc((total ? total : 1) * sizeof *all);
	if (!all)
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	size_t found = 0;
	for (size_t i = 0; i < total; i++) {
		pl_record rec;
		pl_registry_record(reg, i, &rec);
		if (rec.status != PL_STATUS_ASSIGNED)
			continue;
		int m = match_record(&rec, lower, n);
		if (m < 0)
			continue;
		all[found++] = (struct ranked){{(uint32_t)i, (pl_match)m}, rec.port_lo, (uint8_t)rec.proto, rec.has_port};
	}
	qsort(all, found, sizeof *all, cmp_ranked);
	size_t out = found < max ? found : max;
	for (size_t i = 0; i < out; i++)
		hits[i] = all[i].hit;
	free(all);
	return (int)out;
}

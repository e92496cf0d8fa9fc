/* What changed in the people table between two releases: a contact's new e-mail address is news to
 * whoever tracks a registration. Both tables are sorted by id in the index, so one merge walk. */
#include <string.h>

#include "portlore/registry.h"

static bool same_person(const pl_person *a, const pl_person *b)
{
	return strcmp(a->name, b->name) == 0 && strcmp(a->org, b->org) == 0 && strcmp(a->emails, b->emails) == 0 &&
	       strcmp(a->uri, b->uri) == 0;
}

int pl_registry_diff_people(const pl_registry *before, const pl_registry *after, pl_person_diff_fn fn, void *ctx,
			    pl_error *err)
{
	(void)err;
	size_t na = pl_registry_people_count(before), nb = pl_registry_people_count(after), i = 0, j = 0;
	int rc = 0;
	while (rc == 0 && (i < na || j < nb)) {
		pl_person a, b;
		if (i < na)
			pl_registry_person_at(before, i, &a);
		if (j < nb)
			pl_registry_person_at(after, j, &b);
		int c = i == na ? 1 : j == nb ? -1 : strcmp(a.id, b.id);
		pl_person_diff d = {0};
		if (c < 0) {
			d = (pl_person_diff){PL_DIFF_REMOVED, &a, NULL};
			i++;
		} else if (c > 0) {
			d = (pl_person_diff){PL_DIFF_ADDED, NULL, &b};
			j++;
		} else {
			i++;
			j++;
			if (same_person(&a, &b))
				continue;
			d = (pl_person_diff){PL_DIFF_CHANGED, &a, &b};
		}
		rc = fn(&d, ctx);
	}
	return rc;
}

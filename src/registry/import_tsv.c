/* portlore's own registry table (docs/tsv.md): the format of data/registry.tsv, from which the embedded
 * index is built, and of the small hand-written test registries. One record a line, twelve tab-separated
 * columns in the order of IANA's CSV (and an optional thirteenth, the record's source), backslash
 * escapes, '#' lines for metadata, people and footnotes. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util/util.h"

#define NCOLS 13 /* the twelve of IANA's CSV, then the record's source (may be left out) */
#define MAX_ITEMS 64

enum { C_NAME, C_PORT, C_PROTO, C_DESC, C_ASSIGNEE, C_CONTACT, C_REG, C_MOD, C_REF, C_CODE, C_UNAUTH, C_NOTES, C_SOURCE };

/* Splits line into exactly want tab-separated columns (or want - 1 when optional_last). */
static int split(const char *line, size_t len, const char **col, size_t *clen, int want, bool optional_last)
{
	int nc = 0;
	const char *p = line, *end = line + len;
	while (nc < want) {
		const char *t = p;
		while (t < end && *t != '\t')
			t++;
		col[nc] = p;
		clen[nc++] = (size_t)(t - p);
		if (t == end)
			break;
		p = t + 1;
	}
	if (col[nc - 1] + clen[nc - 1] != end)
		return -1;
	if (nc == want - 1 && optional_last) {
		col[nc] = end;
		clen[nc] = 0;
		return 0;
	}
	return nc == want ? 0 : -1;
}

/* Unescapes src[0..n) into a new string; splits on sep (when not 0) into NUL-separated items. */
static char *unescape(const char *src, size_t n, char sep, size_t *nitems)
{
	char *out = malloc(n + 1), *w = out;
	if (!out)
		return NULL;
	size_t items = n ? 1 : 0;
	for (size_t i = 0; i < n; i++) {
		char c = src[i];
		if (c == '\\' && i + 1 < n) {
			char e = src[++i];
			*w++ = e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : e;
		} else if (sep && c == sep) {
			*w++ = '\0';
			items++;
		} else {
			*w++ = c;
		}
	}
	*w = '\0';
	if (nitems)
		*nitems = items;
	return out;
}

static int parse_port(const char *s, pl_record_in *r)
{
	r->has_port = *s != '\0';
	return r->has_port ? pl_parse_port_range(s, &r->port_lo, &r->port_hi) : 0;
}

/* Splits a NUL-separated item list of `n` items into pointers; blank items are dropped. */
static size_t items(char *s, size_t n, const char **out, char split_space)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(s);
		if (split_space) {
			char *tok, *save = NULL;
			for (tok = strtok_r(s, " ", &save); tok && k < MAX_ITEMS; tok = strtok_r(NULL, " ", &save))
				out[k++] = tok;
		} else if (len && k < MAX_ITEMS) {
			out[k++] = s;
		}
		s += len + 1;
	}
	return k;
}

static int add_line(pl_builder *b, const char *line, size_t len, size_t lineno, pl_error *err)
{
	const char *col[NCOLS];
	size_t clen[NCOLS];
	if (split(line, len, col, clen, NCOLS, true))
		return pl_error_set(err, PL_EFORMAT, "line %zu: expected %d (or %d) tab-separated columns", lineno,
				    NCOLS - 1, NCOLS);
	for (int i = 0; i < NCOLS; i++)
		if (clen[i] > PL_MAX_FIELD)
			return pl_error_set(err, PL_ELIMIT, "line %zu: column %d is longer than %u bytes", lineno, i + 1,
					    PL_MAX_FIELD);
	char *f[NCOLS] = {0};
	size_t nitems[NCOLS] = {0};
	int rc = 0;
	for (int i = 0; i < NCOLS; i++) {
		f[i] = unescape(col[i], clen[i], i == C_REF ? '|' : 0, &nitems[i]);
		if (!f[i]) {
			rc = pl_error_set(err, PL_ENOMEM, "out of memory");
			goto out;
		}
	}
	pl_record_in r = {0};
	if (parse_port(f[C_PORT], &r)) {
		rc = pl_error_set(err, PL_EFORMAT, "line %zu: bad port '%s'", lineno, f[C_PORT]);
		goto out;
	}
	if (*f[C_PROTO] && pl_proto_parse(f[C_PROTO], strlen(f[C_PROTO]), &r.proto)) {
		rc = pl_error_set(err, PL_EFORMAT, "line %zu: unknown transport '%s'", lineno, f[C_PROTO]);
		goto out;
	}
	const char *assignees[MAX_ITEMS], *contacts[MAX_ITEMS], *refstr[MAX_ITEMS];
	pl_xref refs[MAX_ITEMS];
	r.name = f[C_NAME];
	r.description = f[C_DESC];
	r.registered = f[C_REG];
	r.modified = f[C_MOD];
	r.service_code = f[C_CODE];
	r.unauthorized_use = f[C_UNAUTH];
	r.notes = f[C_NOTES];
	r.source = f[C_SOURCE];
	r.nassignees = items(f[C_ASSIGNEE], 1, assignees, ' ');
	r.assignees = assignees;
	r.ncontacts = items(f[C_CONTACT], 1, contacts, ' ');
	r.contacts = contacts;
	size_t nref = items(f[C_REF], nitems[C_REF], refstr, 0);
	for (size_t i = 0; i < nref; i++) {
		char *colon = strchr(refstr[i], ':');
		refs[i].type = PL_XREF_TEXT;
		refs[i].data = refstr[i];
		if (colon) {
			*colon = '\0';
			if (pl_xref_type_parse(refstr[i], &refs[i].type) == 0)
				refs[i].data = colon + 1;
			else
				*colon = ':';
		}
	}
	r.refs = refs;
	r.nrefs = nref;
	rc = pl_builder_add_record(b, &r, err);
	if (rc && err) {
		char inner[sizeof err->msg];
		memcpy(inner, err->msg, sizeof inner);
		pl_error_set(err, rc, "line %zu: %s", lineno, inner);
	}
out:
	for (int i = 0; i < NCOLS; i++)
		free(f[i]);
	return rc;
}

static int meta(const char *line, size_t len, const char *key, char *out, size_t size)
{
	size_t k = strlen(key);
	if (len <= k || memcmp(line, key, k) != 0 || line[k] != '\t')
		return 0;
	size_t n = len - k - 1;
	if (n >= size)
		n = size - 1;
	memcpy(out, line + k + 1, n);
	out[n] = '\0';
	return 1;
}

/* "#person<TAB>id<TAB>name<TAB>org<TAB>uris<TAB>updated" and "#footnote<TAB>anchor<TAB>text". */
static int add_meta_row(pl_builder *b, const char *line, size_t len, size_t lineno, pl_error *err)
{
	bool person = len > 8 && memcmp(line, "#person\t", 8) == 0;
	int want = person ? 6 : 3;
	const char *col[6];
	size_t clen[6];
	if (split(line, len, col, clen, want, false))
		return pl_error_set(err, PL_EFORMAT, "line %zu: expected %d tab-separated columns", lineno, want);
	char *f[6] = {0};
	int rc = 0;
	for (int i = 1; i < want; i++) {
		if (clen[i] > PL_MAX_FIELD) {
			rc = pl_error_set(err, PL_ELIMIT, "line %zu: column %d is longer than %u bytes", lineno, i + 1,
					  PL_MAX_FIELD);
			goto out;
		}
		if (!(f[i] = unescape(col[i], clen[i], 0, NULL))) {
			rc = pl_error_set(err, PL_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (person) {
		pl_person p = {.id = f[1], .name = f[2], .org = f[3], .uri = f[4], .updated = f[5]};
		rc = pl_builder_add_person(b, &p, err);
	} else {
		rc = pl_builder_add_footnote(b, f[1], f[2], err);
	}
	if (rc && err) {
		char inner[sizeof err->msg];
		memcpy(inner, err->msg, sizeof inner);
		pl_error_set(err, rc, "line %zu: %s", lineno, inner);
	}
out:
	for (int i = 0; i < want; i++)
		free(f[i]);
	return rc;
}

int pl_import_tsv(const char *buf, size_t len, pl_builder *b, pl_error *err)
{
	char date[64] = "", source[512] = "";
	size_t lineno = 0;
	const char *p = buf, *end = buf + len;
	if (len == 0)
		return pl_error_set(err, PL_EFORMAT, "empty table");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t n = (size_t)(le - p);
		lineno++;
		if (n && p[n - 1] == '\r')
			n--;
		if (n == 0) {
			/* blank line */
		} else if ((n > 8 && memcmp(p, "#person\t", 8) == 0) || (n > 10 && memcmp(p, "#footnote\t", 10) == 0)) {
			int rc = add_meta_row(b, p, n, lineno, err);
			if (rc)
				return rc;
		} else if (p[0] == '#') {
			if (!meta(p, n, "#date", date, sizeof date))
				meta(p, n, "#source", source, sizeof source);
		} else {
			int rc = add_line(b, p, n, lineno, err);
			if (rc)
				return rc;
		}
		p = nl ? nl + 1 : end;
	}
	if (pl_builder_count(b) == 0)
		return pl_error_set(err, PL_EFORMAT, "the table has no records");
	return pl_builder_set_meta(b, date, *source ? source : "portlore table", err);
}

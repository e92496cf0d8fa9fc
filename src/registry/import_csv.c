/* IANA's official CSV export of the port registry. The RFC 4180 reader is our own: Debian's one C CSV
 * library (libcsv-dev) would be another run-time dependency, with no fuzzing we can point to, for the
 * ~150 lines it saves. Columns are found by header name; at most PL_MAX_FIELD bytes of a field are copied,
 * into one reused scratch buffer, so hostile input costs a bounded scan. */
#include <string.h>

#include "internal.h"
#include "util/util.h"

#define MAX_COLS 64    /* IANA's header has 12; room for columns added later */
#define MAX_ITEMS 256  /* bracketed ids or references in one field */

enum { C_NAME, C_PORT, C_PROTO, C_DESC, C_ASSIGNEE, C_CONTACT, C_REG, C_MOD, C_REF, C_CODE, C_UNAUTH, C_NOTES, NKEYS };
#define NREQUIRED 4 /* the first four keys */

static const struct {
	int key;
	const char *name;
} columns[] = {
	{C_NAME, "Service Name"},
	{C_PORT, "Port Number"},
	{C_PROTO, "Transport Protocol"},
	{C_DESC, "Description"},
	{C_ASSIGNEE, "Assignee"},
	{C_CONTACT, "Contact"},
	{C_REG, "Registration Date"},
	{C_MOD, "Modification Date"},
	{C_REF, "Reference"},
	{C_CODE, "Service Code"},
	{C_UNAUTH, "Unauthorized Use Reported"},
	{C_UNAUTH, "Known Unauthorized Uses"}, /* the spelling of older exports */
	{C_NOTES, "Assignment Notes"},
};

typedef struct csv_reader {
	const char *p, *end;
	size_t line;     /* of r->p, from 1 */
	size_t rec_line; /* where the record being read starts */
	pl_buf scratch;  /* the current record's fields, each NUL-terminated */
	size_t off[MAX_COLS];
	size_t nfields;
} csv_reader;

static int unquoted(csv_reader *r, pl_error *err)
{
	const char *s = r->p, *lim = r->end;
	if ((size_t)(lim - s) > PL_MAX_FIELD + 1)
		lim = s + PL_MAX_FIELD + 1;
	const char *t = s;
	while (t < lim && *t != ',' && *t != '\n' && *t != '\r' && *t != '"' && *t != '\0')
		t++;
	if ((size_t)(t - s) > PL_MAX_FIELD)
		return pl_error_set(err, PL_ELIMIT, "line %zu: a field is longer than %u bytes", r->line, PL_MAX_FIELD);
	if (t < r->end && *t == '"')
		return pl_error_set(err, PL_EFORMAT, "line %zu: a quote inside an unquoted field", r->line);
	if (t < r->end && *t == '\0')
		return pl_error_set(err, PL_EFORMAT, "line %zu: a NUL byte in a field", r->line);
	if (t < r->end && *t == '\r' && t + 1 < r->end && t[1] != '\n')
		return pl_error_set(err, PL_EFORMAT, "line %zu: a carriage return not followed by a line feed", r->line);
	if (pl_buf_add(&r->scratch, s, (size_t)(t - s)))
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	r->p = t;
	return 0;
}

/* Appends raw quoted text, counting its lines. CRLF inside a field becomes LF, as an XML parser
 * normalises it, so that the CSV and the XML import give the same notes. */
static int add_quoted_chunk(csv_reader *r, const char *s, size_t n)
{
	size_t at = r->scratch.len;
	if (pl_buf_add(&r->scratch, s, n))
		return PL_ENOMEM;
	char *d = r->scratch.data + at;
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		if (d[i] == '\n')
			r->line++;
		else if (d[i] == '\r' && i + 1 < n && d[i + 1] == '\n')
			continue;
		d[w++] = d[i];
	}
	r->scratch.len = at + w;
	r->scratch.data[r->scratch.len] = '\0';
	return 0;
}

/* r->p is at the opening quote. The limit counts the field's bytes as written in the file. */
static int quoted(csv_reader *r, pl_error *err)
{
	size_t start_line = r->line;
	const char *f0 = r->p + 1, *p = f0, *lim = r->end;
	if ((size_t)(lim - f0) > PL_MAX_FIELD + 1)
		lim = f0 + PL_MAX_FIELD + 1;
	for (;;) {
		const char *q = p < lim ? memchr(p, '"', (size_t)(lim - p)) : NULL;
		if (!q) {
			if (lim < r->end)
				return pl_error_set(err, PL_ELIMIT, "line %zu: a field is longer than %u bytes", start_line,
						    PL_MAX_FIELD);
			return pl_error_set(err, PL_EFORMAT, "line %zu: a quoted field is never closed (truncated file?)",
					    start_line);
		}
		const char *nul = memchr(p, '\0', (size_t)(q - p));
		if (nul) {
			size_t line = r->line;
			for (const char *c = p; c < nul; c++)
				line += *c == '\n';
			return pl_error_set(err, PL_EFORMAT, "line %zu: a NUL byte in a field", line);
		}
		if (add_quoted_chunk(r, p, (size_t)(q - p)))
			return pl_error_set(err, PL_ENOMEM, "out of memory");
		if (q + 1 < r->end && q[1] == '"') {
			if (pl_buf_addc(&r->scratch, '"'))
				return pl_error_set(err, PL_ENOMEM, "out of memory");
			p = q + 2;
			continue;
		}
		p = q + 1;
		break;
	}
	if (p < r->end && *p != ',' && *p != '\n' && !(*p == '\r' && (p + 1 == r->end || p[1] == '\n')))
		return pl_error_set(err, PL_EFORMAT, "line %zu: text after a closing quote", r->line);
	r->p = p;
	return 0;
}

/* Consumes a line end (LF, CRLF, or a CR that ends the input) and says whether there was one. */
static bool line_end(csv_reader *r)
{
	const char *p = r->p;
	if (p < r->end && *p == '\r')
		p++;
	if (p < r->end && *p == '\n')
		p++;
	else if (p == r->p || p < r->end)
		return false; /* no line end, or a CR before more text (refused by the field readers) */
	r->p = p;
	r->line++;
	return true;
}

/* Reads one record of at most maxf fields. 1: a record; 0: end of input; < 0: an error. */
static int read_record(csv_reader *r, size_t maxf, bool header, pl_error *err)
{
	while (r->p < r->end && line_end(r))
		;
	if (r->p == r->end)
		return 0;
	r->scratch.len = 0;
	r->nfields = 0;
	r->rec_line = r->line;
	for (;;) {
		size_t at = r->scratch.len;
		int rc = r->p < r->end && *r->p == '"' ? quoted(r, err) : unquoted(r, err);
		if (rc)
			return rc;
		if (pl_buf_addc(&r->scratch, '\0'))
			return pl_error_set(err, PL_ENOMEM, "out of memory");
		r->off[r->nfields++] = at;
		if (r->p == r->end || line_end(r))
			return 1;
		/* the field readers stop only at a comma here */
		r->p++;
		if (r->nfields == maxf) {
			if (header)
				return pl_error_set(err, PL_ELIMIT, "line %zu: the header has more than %d columns",
						    r->rec_line, MAX_COLS);
			return pl_error_set(err, PL_EFORMAT, "line %zu: more fields than the header's %zu", r->rec_line,
					    maxf);
		}
	}
}

static const char *field(const csv_reader *r, size_t i)
{
	return r->scratch.data + r->off[i];
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Does s, without surrounding blanks, equal name ignoring case? */
static bool header_is(const char *s, const char *name)
{
	size_t n = strlen(s), k = strlen(name);
	while (n && is_space(*s))
		s++, n--;
	while (n && is_space(s[n - 1]))
		n--;
	return n == k && pl_strncaseeq(s, name, k);
}

static int map_header(const csv_reader *r, int col[NKEYS], pl_error *err)
{
	for (int k = 0; k < NKEYS; k++)
		col[k] = -1;
	for (size_t i = 0; i < r->nfields; i++)
		for (size_t c = 0; c < sizeof columns / sizeof columns[0]; c++) {
			if (!header_is(field(r, i), columns[c].name))
				continue;
			if (col[columns[c].key] >= 0)
				return pl_error_set(err, PL_EFORMAT, "line %zu: the header names '%s' twice", r->rec_line,
						    columns[c].name);
			col[columns[c].key] = (int)i;
		}
	for (int k = 0; k < NREQUIRED; k++)
		if (col[k] < 0)
			for (size_t c = 0; c < sizeof columns / sizeof columns[0]; c++)
				if (columns[c].key == k)
					return pl_error_set(err, PL_EFORMAT,
							    "not an IANA port registry CSV: no '%s' column", columns[c].name);
	return 0;
}

static int parse_port(const char *s, pl_record_in *rec)
{
	rec->has_port = *s != '\0';
	return rec->has_port ? pl_parse_port_range(s, &rec->port_lo, &rec->port_hi) : 0;
}

static char *trim(char *s)
{
	while (is_space(*s))
		s++;
	size_t n = strlen(s);
	while (n && is_space(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Cuts "[a][b]" into a and b, in place. Text outside brackets is an item too, so that a free-text
 * field ("Jon Postel") is one item and nothing is dropped. Blank items are skipped. */
static int split_items(char *s, char **out, size_t *n)
{
	*n = 0;
	bool bracket = false; /* a '[' just before s was overwritten to end the previous item */
	while (*s || bracket) {
		char *item;
		if (bracket || *s == '[') {
			char *open = bracket ? s : s + 1, *close = strchr(open, ']');
			bracket = false;
			item = open;
			if (close) {
				*close = '\0';
				s = close + 1;
			} else {
				s = open + strlen(open); /* unbalanced: the rest is one item */
			}
		} else {
			char *next = strchr(s, '[');
			item = s;
			if (next) {
				*next = '\0';
				s = next + 1;
				bracket = true;
			} else {
				s += strlen(s);
			}
		}
		item = trim(item);
		if (!*item)
			continue;
		if (*n == MAX_ITEMS)
			return PL_ELIMIT;
		out[(*n)++] = item;
	}
	return 0;
}

static bool starts_with(const char *s, const char *prefix)
{
	return pl_strncaseeq(s, prefix, strlen(prefix));
}

/* Letters_Letters: IANA's person ids ("Marc_Baudoin", "IETF_Chair"). */
static bool looks_like_person(const char *s)
{
	bool underscore = false;
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
		return false;
	for (; *s; s++) {
		if (*s == '_')
			underscore = s[1] != '\0' && s[1] != '_';
		else if (!pl_ascii_isalnum(*s) && *s != '-' && *s != '.')
			return false;
	}
	return underscore;
}

/* Types a reference as IANA's XML does: "RFC4251" is rfc "rfc4251"; "RFC-ietf-..." is a draft on its way
 * to an RFC; "[1]" points at a footnote. An RFC cited with a section stays text, keeping the section. */
static pl_xref classify(char *s)
{
	pl_xref x = {PL_XREF_TEXT, s};
	if (starts_with(s, "rfc") && pl_is_digits(s + 3, strlen(s + 3))) {
		s[0] = 'r', s[1] = 'f', s[2] = 'c';
		x.type = PL_XREF_RFC;
	} else if (starts_with(s, "draft-") || starts_with(s, "rfc-")) {
		x.type = PL_XREF_DRAFT;
	} else if (starts_with(s, "http://") || starts_with(s, "https://")) {
		x.type = PL_XREF_URI;
	} else if (pl_is_digits(s, strlen(s))) {
		x.type = PL_XREF_NOTE;
	} else if (looks_like_person(s)) {
		x.type = PL_XREF_PERSON;
	}
	return x;
}

static int add_row(csv_reader *r, const int col[NKEYS], pl_builder *b, pl_error *err)
{
	char none[1] = "", *f[NKEYS];
	for (int k = 0; k < NKEYS; k++)
		f[k] = col[k] >= 0 ? r->scratch.data + r->off[col[k]] : none;
	pl_record_in rec = {0};
	if (parse_port(f[C_PORT], &rec))
		return pl_error_set(err, PL_EFORMAT, "line %zu: bad port number '%.40s'", r->rec_line, f[C_PORT]);
	if (*f[C_PROTO] && pl_proto_parse(f[C_PROTO], strlen(f[C_PROTO]), &rec.proto))
		return pl_error_set(err, PL_EFORMAT, "line %zu: unknown transport '%.40s'", r->rec_line, f[C_PROTO]);
	char *assignees[MAX_ITEMS], *contacts[MAX_ITEMS], *refstr[MAX_ITEMS];
	pl_xref refs[MAX_ITEMS];
	size_t nrefs;
	if (split_items(f[C_ASSIGNEE], assignees, &rec.nassignees) ||
	    split_items(f[C_CONTACT], contacts, &rec.ncontacts) || split_items(f[C_REF], refstr, &nrefs))
		return pl_error_set(err, PL_ELIMIT, "line %zu: more than %d people or references in a field", r->rec_line,
				    MAX_ITEMS);
	for (size_t i = 0; i < nrefs; i++)
		refs[i] = classify(refstr[i]);
	rec.name = f[C_NAME];
	rec.description = f[C_DESC];
	rec.registered = f[C_REG];
	rec.modified = f[C_MOD];
	rec.service_code = f[C_CODE];
	rec.unauthorized_use = f[C_UNAUTH];
	rec.notes = f[C_NOTES];
	rec.assignees = (const char *const *)assignees;
	rec.contacts = (const char *const *)contacts;
	rec.refs = refs;
	rec.nrefs = nrefs;
	int rc = pl_builder_add_record(b, &rec, err);
	if (rc && err) {
		char inner[sizeof err->msg];
		memcpy(inner, err->msg, sizeof inner);
		pl_error_set(err, rc, "line %zu: %s", r->rec_line, inner);
	}
	return rc;
}

int pl_import_csv(const char *buf, size_t len, pl_builder *b, pl_error *err)
{
	csv_reader r = {.p = buf, .end = buf + len, .line = 1};
	int col[NKEYS];
	size_t nrows = 0;
	pl_buf_init(&r.scratch, MAX_COLS * ((size_t)PL_MAX_FIELD + 1));
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		r.p += 3;
	int rc = read_record(&r, MAX_COLS, true, err);
	if (rc == 0)
		rc = pl_error_set(err, PL_EFORMAT, "empty CSV: no header line");
	if (rc < 0 || (rc = map_header(&r, col, err)))
		goto out;
	size_t ncols = r.nfields;
	while ((rc = read_record(&r, ncols, false, err)) == 1) {
		if (r.nfields < ncols) {
			/* IANA's rows always carry every column: a short row is a damaged file */
			rc = pl_error_set(err, PL_EFORMAT, "line %zu: %zu fields where the header has %zu", r.rec_line,
					  r.nfields, ncols);
			goto out;
		}
		if ((rc = add_row(&r, col, b, err)))
			goto out;
		nrows++;
	}
	if (rc < 0)
		goto out;
	if (nrows == 0) {
		rc = pl_error_set(err, PL_EFORMAT, "the CSV has a header but no records");
		goto out;
	}
	/* The export carries no registry date, and the file name is not ours to see. */
	rc = pl_builder_set_meta(b, "", "IANA CSV", err);
out:
	pl_buf_free(&r.scratch);
	return rc;
}

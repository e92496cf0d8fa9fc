/* IANA's official service-names-port-numbers.xml, read with libxml2's streaming reader so a 4 MB file
 * never becomes a DOM, and read defensively: no DTD loading, no entity expansion, no network, nothing
 * printed. Maps each <record> to a pl_record_in and each <people>/<person> to a pl_person; the
 * element-by-element mapping (and IANA's quirks) is described at the functions below. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/hash.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlreader.h>

#include "internal.h"
#include "util/dl.h"
#include "util/util.h"

/* libxml2 is loaded on first use (util/dl.h): linking it would cost every `portlore PORT` ~0.7 ms. */
#define XML_SYMS(X) \
	X(xmlFreeDoc) \
	X(xmlFreeTextReader) \
	X(xmlGetLineNo) \
	X(xmlHashSize) \
	X(xmlInitParser) \
	X(xmlReaderForMemory) \
	X(xmlTextReaderConstLocalName) \
	X(xmlTextReaderConstName) \
	X(xmlTextReaderConstNamespaceUri) \
	X(xmlTextReaderConstValue) \
	X(xmlTextReaderCurrentDoc) \
	X(xmlTextReaderCurrentNode) \
	X(xmlTextReaderDepth) \
	X(xmlTextReaderGetParserLineNumber) \
	X(xmlTextReaderIsEmptyElement) \
	X(xmlTextReaderMoveToAttribute) \
	X(xmlTextReaderMoveToElement) \
	X(xmlTextReaderNext) \
	X(xmlTextReaderNodeType) \
	X(xmlTextReaderRead) \
	X(xmlTextReaderSetStructuredErrorHandler)

XML_SYMS(PL_DL_DECLARE)
static const pl_dl_sym xml_syms[] = {XML_SYMS(PL_DL_ENTRY){NULL, NULL}};
static const char *const xml_sonames[] = {"libxml2.so.2", NULL};
static void *xml_handle;

#define IANA_NS "http://www.iana.org/assignments"
#define REGISTRY_ID "service-names-port-numbers"
#define MAX_POOL (16u << 20) /* all people ids and reference data of one record */

/* Never XML_PARSE_NOENT (expand entities), DTDLOAD, DTDATTR or DTDVALID (read a DTD), nor HUGE (lift
 * libxml2's own size limits). Blanks are kept: whitespace between <paragraph>s is part of a note. */
#define READER_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES)

/* The per-record text fields, reused from record to record. */
enum {
	F_NAME,
	F_PROTO,
	F_NUMBER,
	F_DESC,
	F_NOTE,
	F_UNAUTH,
	F_CODE,
	F_REG,
	F_MOD,
	F_XREF,  /* text of a <xref> without a data attribute */
	F_PARTY, /* loose text inside <assignee>/<contact> */
	F_OTHER, /* text of an element this importer has no field for */
	F_EXTRA, /* those elements, as "name: text" lines, appended to the notes */
	F_TMP,
	NFIELDS
};

/* A person's fields. */
enum { P_ID, P_NAME, P_ORG, P_URI, P_UPDATED, P_ONE_URI, P_EMAIL, NPFIELDS };

/* The record's people and references: offsets into the pool. */
enum { L_ASSIGNEE, L_CONTACT, L_DIRECT, L_REF, NLISTS };

enum where { AT_TOP, IN_RECORD, IN_PEOPLE, IN_PERSON };

typedef struct xml_import {
	xmlTextReaderPtr r;
	xmlDocPtr doc; /* ours to free once sym_xmlTextReaderCurrentDoc() was called */
	pl_builder *b;
	pl_error *err;
	enum where where;
	bool have_root, have_date;
	int rc; /* the code of the last failed add() or push() */
	/* the first error libxml2 reported */
	bool xml_failed;
	int xml_line;
	char xml_msg[256];
	/* where text goes: a field and the depth of the element that owns it */
	pl_buf *text;
	int text_depth;
	bool pending_break; /* a <br/> not yet followed by whitespace */
	int party;          /* L_ASSIGNEE or L_CONTACT inside those elements, else -1 */
	pl_xref_type xref_type;
	char other_name[64];
	int record_line, number_line, proto_line;
	pl_buf f[NFIELDS], p[NPFIELDS], date, pool;
	size_t n[NLISTS];
	size_t off[NLISTS][PL_MAX_LIST];
	pl_xref_type ref_type[PL_MAX_LIST];
	/* pointers handed to the builder: contacts may hold explicit contacts and direct persons */
	const char *assignees[PL_MAX_LIST], *contacts[2 * PL_MAX_LIST];
	pl_xref refs[PL_MAX_LIST];
} xml_import;

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool eq(const xmlChar *a, const char *b)
{
	return a && strcmp((const char *)a, b) == 0;
}

static void buf_reset(pl_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* The line of the reader's current node; libxml2 keeps lines past 65535 only with XML_PARSE_BIG_LINES. */
static int node_line(xml_import *x)
{
	xmlNodePtr node = sym_xmlTextReaderCurrentNode(x->r);
	long line = node ? sym_xmlGetLineNo(node) : -1;
	if (line <= 0)
		line = sym_xmlTextReaderGetParserLineNumber(x->r);
	return line > 0 && line < 1000000000 ? (int)line : 0;
}

#if LIBXML_VERSION >= 21200
static void on_xml_error(void *ctx, const xmlError *e)
#else
static void on_xml_error(void *ctx, xmlErrorPtr e)
#endif
{
	xml_import *x = ctx;
	if (x->xml_failed || !e || e->level < XML_ERR_ERROR)
		return;
	x->xml_failed = true;
	x->xml_line = e->line;
	snprintf(x->xml_msg, sizeof x->xml_msg, "%s", e->message ? e->message : "malformed XML");
	size_t n = strlen(x->xml_msg);
	while (n && is_space(x->xml_msg[n - 1]))
		x->xml_msg[--n] = '\0';
}

static int xml_error(xml_import *x)
{
	if (x->xml_line > 0)
		return pl_error_set(x->err, PL_EFORMAT, "malformed or truncated XML, line %d: %s", x->xml_line,
				    x->xml_msg);
	return pl_error_set(x->err, PL_EFORMAT, "malformed or truncated XML: %s", x->xml_msg);
}

static int add(xml_import *x, pl_buf *b, const char *s, size_t n)
{
	int rc = pl_buf_add(b, s, n);
	if (rc == PL_ELIMIT)
		x->rc = pl_error_set(x->err, PL_ELIMIT, "line %d: a field is longer than %u bytes", node_line(x),
				     PL_MAX_FIELD);
	else if (rc)
		x->rc = pl_error_set(x->err, PL_ENOMEM, "out of memory");
	return rc ? x->rc : 0;
}

static int add_str(xml_import *x, pl_buf *b, const xmlChar *s)
{
	return s ? add(x, b, (const char *)s, strlen((const char *)s)) : 0;
}

/* Strips leading and trailing whitespace in place. */
static void trim(pl_buf *b)
{
	if (!b->len)
		return;
	size_t lo = 0, hi = b->len;
	while (lo < hi && is_space(b->data[lo]))
		lo++;
	while (hi > lo && is_space(b->data[hi - 1]))
		hi--;
	memmove(b->data, b->data + lo, hi - lo);
	b->len = hi - lo;
	b->data[b->len] = '\0';
}

/* Every run of whitespace becomes one space, as XPath's normalize-space(): descriptions are printed on
 * one line, and IANA wraps long ones in the XML (its CSV export joins them the same way). */
static void collapse(pl_buf *b)
{
	size_t w = 0;
	bool space = false;
	for (size_t i = 0; i < b->len; i++) {
		char c = b->data[i];
		if (is_space(c)) {
			space = w > 0;
			continue;
		}
		if (space)
			b->data[w++] = ' ';
		space = false;
		b->data[w++] = c;
	}
	b->len = w;
	if (b->data)
		b->data[w] = '\0';
}

/* The value of attribute name of the current element, or NULL; the reader is left on the element. */
static const xmlChar *attr(xml_import *x, const char *name)
{
	const xmlChar *v = NULL;
	if (sym_xmlTextReaderMoveToAttribute(x->r, BAD_CAST name) == 1) {
		v = sym_xmlTextReaderConstValue(x->r);
		sym_xmlTextReaderMoveToElement(x->r);
	}
	return v;
}

/* attr() copied into buf: a second attr() call may reuse the reader's buffer (a value built from several
 * nodes lives there), so the first value must not point into it. Long values are cut: types are words. */
static const xmlChar *attr_into(xml_import *x, const char *name, char *buf, size_t size)
{
	const xmlChar *v = attr(x, name);
	if (!v)
		return NULL;
	snprintf(buf, size, "%s", (const char *)v);
	return (const xmlChar *)buf;
}

static int copy_attr(xml_import *x, const char *name, pl_buf *to)
{
	buf_reset(to);
	int rc = add_str(x, to, attr(x, name));
	trim(to);
	return rc;
}

/* ---- the record's lists ---- */

static int push(xml_import *x, int list, const char *s, size_t n, pl_xref_type type)
{
	if (x->n[list] >= PL_MAX_LIST)
		return x->rc = pl_error_set(x->err, PL_ELIMIT, "line %d: a record has more than %u %s",
					    node_line(x), PL_MAX_LIST, list == L_REF ? "references" : "people");
	if (n > PL_MAX_FIELD)
		return x->rc = pl_error_set(x->err, PL_ELIMIT, "line %d: a field is longer than %u bytes",
					    node_line(x), PL_MAX_FIELD);
	size_t at = x->pool.len;
	int rc = pl_buf_add(&x->pool, s, n);
	if (!rc)
		rc = pl_buf_addc(&x->pool, '\0');
	if (rc == PL_ELIMIT)
		return x->rc = pl_error_set(x->err, PL_ELIMIT,
					    "line %d: a record's people and references pass %u bytes", node_line(x),
					    MAX_POOL);
	if (rc)
		return x->rc = pl_error_set(x->err, PL_ENOMEM, "out of memory");
	if (list == L_REF)
		x->ref_type[x->n[list]] = type;
	x->off[list][x->n[list]++] = at;
	return 0;
}

/* A reference of a type this build does not know (IANA's other registries use e.g. "rfc-errata")
 * is kept as text "type:data" rather than refused or dropped. */
static int push_xref(xml_import *x, int list, const xmlChar *type, const char *data, size_t n)
{
	pl_xref_type t = PL_XREF_TEXT;
	if (!type || pl_xref_type_parse((const char *)type, &t) == 0)
		return push(x, list, data, n, t);
	pl_buf *tmp = &x->f[F_TMP];
	buf_reset(tmp);
	if (add_str(x, tmp, type) || add(x, tmp, ":", 1) || add(x, tmp, data, n))
		return x->rc;
	return push(x, list, tmp->data, tmp->len, PL_XREF_TEXT);
}

static const char *pooled(xml_import *x, int list, size_t i)
{
	return x->pool.data + x->off[list][i];
}

/* ---- records ---- */

static void record_begin(xml_import *x)
{
	for (int i = 0; i < NFIELDS; i++)
		buf_reset(&x->f[i]);
	buf_reset(&x->pool);
	memset(x->n, 0, sizeof x->n);
	x->party = -1;
	x->record_line = node_line(x);
	x->number_line = x->proto_line = x->record_line;
}

static int parse_number(xml_import *x, pl_record_in *r)
{
	const char *s = x->f[F_NUMBER].data;
	if (!x->f[F_NUMBER].len)
		return 0;
	if (pl_parse_port_range(s, &r->port_lo, &r->port_hi) == 0) {
		r->has_port = true;
		return 0;
	}
	return pl_error_set(x->err, PL_EFORMAT, "line %d: bad port number '%.40s'", x->number_line, s);
}

/* IANA names a registrant in two ways. Newer records have <assignee> (and, in the schema, <contact>)
 * holding person xrefs; a person xref directly in the record is the contact then. Older records have
 * only the direct person xref, which IANA's CSV export shows as both assignee and contact (2908 mao:
 * [Marc_Baudoin] twice). So a direct person is the assignee when no <assignee> is given, and always a
 * contact, after any explicit <contact>. */
static int record_end(xml_import *x)
{
	pl_record_in r = {0};
	collapse(&x->f[F_NAME]);
	collapse(&x->f[F_PROTO]);
	collapse(&x->f[F_NUMBER]);
	collapse(&x->f[F_DESC]);
	collapse(&x->f[F_CODE]);
	trim(&x->f[F_UNAUTH]);
	trim(&x->f[F_NOTE]);
	if (x->f[F_EXTRA].len) {
		trim(&x->f[F_EXTRA]);
		if ((x->f[F_NOTE].len && add(x, &x->f[F_NOTE], "\n", 1)) ||
		    add(x, &x->f[F_NOTE], x->f[F_EXTRA].data, x->f[F_EXTRA].len))
			return x->rc;
	}
	if (x->f[F_PROTO].len && pl_proto_parse(x->f[F_PROTO].data, x->f[F_PROTO].len, &r.proto))
		return pl_error_set(x->err, PL_EFORMAT, "line %d: unknown transport '%.40s'", x->proto_line,
				    x->f[F_PROTO].data);
	int rc = parse_number(x, &r);
	if (rc)
		return rc;
	r.name = pl_buf_str(&x->f[F_NAME]);
	r.description = pl_buf_str(&x->f[F_DESC]);
	r.registered = pl_buf_str(&x->f[F_REG]);
	r.modified = pl_buf_str(&x->f[F_MOD]);
	r.service_code = pl_buf_str(&x->f[F_CODE]);
	r.unauthorized_use = pl_buf_str(&x->f[F_UNAUTH]);
	r.notes = pl_buf_str(&x->f[F_NOTE]);

	int from = x->n[L_ASSIGNEE] ? L_ASSIGNEE : L_DIRECT;
	for (size_t i = 0; i < x->n[from]; i++)
		x->assignees[r.nassignees++] = pooled(x, from, i);
	for (size_t i = 0; i < x->n[L_CONTACT]; i++)
		x->contacts[r.ncontacts++] = pooled(x, L_CONTACT, i);
	for (size_t i = 0; i < x->n[L_DIRECT]; i++)
		x->contacts[r.ncontacts++] = pooled(x, L_DIRECT, i);
	for (size_t i = 0; i < x->n[L_REF]; i++) {
		x->refs[i].type = x->ref_type[i];
		x->refs[i].data = pooled(x, L_REF, i);
	}
	r.assignees = x->assignees;
	r.contacts = x->contacts;
	r.refs = x->refs;
	r.nrefs = x->n[L_REF];
	rc = pl_builder_add_record(x->b, &r, x->err);
	if (rc && x->err) {
		char inner[sizeof x->err->msg];
		memcpy(inner, x->err->msg, sizeof inner);
		pl_error_set(x->err, rc, "line %d: %s", x->record_line, inner);
	}
	return rc;
}

/* A direct child of <record>. Returns 1 when the reader should skip the element's subtree. */
static int record_child(xml_import *x, const xmlChar *name, int depth)
{
	static const struct {
		const char *name;
		int field;
	} text_fields[] = {
		{"name", F_NAME}, {"protocol", F_PROTO}, {"number", F_NUMBER}, {"description", F_DESC},
		{"note", F_NOTE}, {"unauthorized", F_UNAUTH}, {"sc", F_CODE},
	};
	for (size_t i = 0; i < sizeof text_fields / sizeof *text_fields; i++)
		if (eq(name, text_fields[i].name)) {
			x->text = &x->f[text_fields[i].field];
			x->text_depth = depth;
			x->pending_break = false;
			/* A record has one of each; should one repeat, its texts run on. */
			if (x->text->len && add(x, x->text, "\n", 1))
				return x->rc;
			if (text_fields[i].field == F_NUMBER)
				x->number_line = node_line(x);
			else if (text_fields[i].field == F_PROTO)
				x->proto_line = node_line(x);
			return 0;
		}
	if (eq(name, "xref")) {
		char type_buf[64];
		const xmlChar *type = attr_into(x, "type", type_buf, sizeof type_buf), *data = attr(x, "data");
		/* data points into the reader's buffer only while it stays on this element */
		if (data && *data) {
			int list = eq(type, "person") ? L_DIRECT : L_REF;
			int rc = push_xref(x, list, type, (const char *)data, strlen((const char *)data));
			return rc ? rc : 1;
		}
		/* <xref type="text">ISO/IEC 13818-6 MPEG-2 DSM-CC</xref>: the text is the reference */
		x->xref_type = PL_XREF_TEXT;
		if (type && pl_xref_type_parse((const char *)type, &x->xref_type))
			x->xref_type = PL_XREF_TEXT;
		x->text = &x->f[F_XREF];
		buf_reset(x->text);
		x->text_depth = depth;
		return 0;
	}
	if (eq(name, "assignee") || eq(name, "contact")) {
		x->party = eq(name, "assignee") ? L_ASSIGNEE : L_CONTACT;
		x->text = &x->f[F_PARTY];
		buf_reset(x->text);
		x->text_depth = depth;
		return 0;
	}
	/* An element IANA may add one day: its text is kept at the end of the notes, labelled. */
	snprintf(x->other_name, sizeof x->other_name, "%s", (const char *)name);
	x->text = &x->f[F_OTHER];
	buf_reset(x->text);
	x->text_depth = depth;
	return 0;
}

static int record_child_end(xml_import *x)
{
	pl_buf *t = x->text;
	x->text = NULL;
	x->pending_break = false;
	if (t == &x->f[F_XREF]) {
		collapse(t);
		return t->len ? push(x, L_REF, t->data, t->len, x->xref_type) : 0;
	}
	if (t == &x->f[F_PARTY]) {
		/* loose text naming a party, should IANA ever write one without an xref */
		int list = x->party;
		x->party = -1;
		collapse(t);
		return t->len ? push(x, list, t->data, t->len, PL_XREF_PERSON) : 0;
	}
	if (t == &x->f[F_OTHER]) {
		collapse(t);
		pl_buf *e = &x->f[F_EXTRA];
		if ((e->len && add(x, e, "\n", 1)) || add(x, e, x->other_name, strlen(x->other_name)) ||
		    (t->len && (add(x, e, ": ", 2) || add(x, e, t->data, t->len))))
			return x->rc;
	}
	return 0;
}

/* An element inside a record's child: markup within a description or note, or the person xrefs of
 * <assignee>/<contact>. Returns 1 to skip its subtree. */
static int record_inner(xml_import *x, const xmlChar *name)
{
	if (eq(name, "xref")) {
		char type_buf[64];
		const xmlChar *type = attr_into(x, "type", type_buf, sizeof type_buf), *data = attr(x, "data");
		if (!data || !*data)
			return 0; /* its text, if any, is read in place */
		size_t n = strlen((const char *)data);
		if (x->party >= 0) {
			int rc = push_xref(x, eq(type, "person") ? x->party : L_REF, type, (const char *)data, n);
			return rc ? rc : 1;
		}
		/* "previously compressnet by <xref type="person" data="Bernie_Volz"/>": written in place as
		 * "[Bernie_Volz]", as IANA's CSV export does. */
		if (add(x, x->text, "[", 1) || add(x, x->text, (const char *)data, n) || add(x, x->text, "]", 1))
			return x->rc;
		x->pending_break = false;
		return 1;
	}
	if (eq(name, "br")) {
		x->pending_break = true;
		return 0;
	}
	if (eq(name, "paragraph") && x->text->len && !is_space(x->text->data[x->text->len - 1]))
		return add(x, x->text, "\n", 1);
	return 0;
}

/* ---- people ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = pl_ascii_lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "mailto:babafou&amp;babafou.eu.org" (IANA writes '&' for '@') -> "babafou@babafou.eu.org". */
static int email_of(xml_import *x, const pl_buf *uri, pl_buf *out)
{
	if (uri->len < 7 || !pl_strncaseeq(uri->data, "mailto:", 7))
		return 0;
	const char *s = uri->data + 7, *end = uri->data + uri->len;
	const char *q = memchr(s, '?', (size_t)(end - s));
	if (q)
		end = q;
	for (; s < end; s++) {
		char c = *s;
		if (c == '%' && end - s >= 3 && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
			c = (char)(hexval(s[1]) * 16 + hexval(s[2]));
			s += 2;
		}
		if (add(x, out, &c, 1))
			return x->rc;
	}
	if (out->len && !memchr(out->data, '@', out->len)) {
		char *amp = memchr(out->data, '&', out->len);
		if (amp)
			*amp = '@';
	}
	return 0;
}

static void person_begin(xml_import *x)
{
	for (int i = 0; i < NPFIELDS; i++)
		buf_reset(&x->p[i]);
	x->record_line = node_line(x);
}

/* A person may have several <uri>s (two mailto:s, a tel:): uri keeps them all, space-separated (a URI
 * has no spaces); email is the first mailto:'s address. */
static int person_uri_end(xml_import *x)
{
	pl_buf *one = &x->p[P_ONE_URI];
	collapse(one);
	if (!one->len)
		return 0;
	if ((x->p[P_URI].len && add(x, &x->p[P_URI], " ", 1)) || add(x, &x->p[P_URI], one->data, one->len))
		return x->rc;
	return x->p[P_EMAIL].len ? 0 : email_of(x, one, &x->p[P_EMAIL]);
}

static int person_end(xml_import *x)
{
	for (int i = P_NAME; i <= P_UPDATED; i++)
		collapse(&x->p[i]);
	if (!x->p[P_ID].len)
		return pl_error_set(x->err, PL_EFORMAT, "line %d: a <person> without an id", x->record_line);
	pl_person p = {
		.id = pl_buf_str(&x->p[P_ID]),
		.name = pl_buf_str(&x->p[P_NAME]),
		.org = pl_buf_str(&x->p[P_ORG]),
		.email = pl_buf_str(&x->p[P_EMAIL]),
		.uri = pl_buf_str(&x->p[P_URI]),
		.updated = pl_buf_str(&x->p[P_UPDATED]),
	};
	return pl_builder_add_person(x->b, &p, x->err);
}

/* A child of <person>: name, org, uri, updated. Anything else has no field in pl_person and is skipped. */
static int person_child(xml_import *x, const xmlChar *name, int depth)
{
	int field = eq(name, "name") ? P_NAME : eq(name, "org") ? P_ORG : eq(name, "uri") ? P_ONE_URI
		  : eq(name, "updated") ? P_UPDATED : -1;
	if (field < 0)
		return 1;
	x->text = &x->p[field];
	if (field == P_ONE_URI)
		buf_reset(x->text);
	else if (x->text->len && add(x, x->text, " ", 1))
		return x->rc;
	x->text_depth = depth;
	return 0;
}

/* ---- the document ---- */

static int check_root(xml_import *x, const xmlChar *name)
{
	const xmlChar *ns = sym_xmlTextReaderConstNamespaceUri(x->r);
	if (!eq(name, "registry") || !eq(ns, IANA_NS) || !eq(attr(x, "id"), REGISTRY_ID))
		return pl_error_set(x->err, PL_EFORMAT,
				    "not an IANA port registry: the root is <%.40s>, not <registry id=\"" REGISTRY_ID
				    "\"> in IANA's namespace",
				    (const char *)name);
	x->have_root = true;
	return 0;
}

/* Entities are never expanded (no XML_PARSE_NOENT), but a document declaring any is not IANA's and
 * may be an attack (billion laughs, external entities): refuse it outright. */
static int check_doctype(xml_import *x)
{
	/* The DTD through the current node: sym_xmlTextReaderCurrentDoc() would make the reader keep every
	 * node from then on. Only when there is no node (a failure at the first read) is it called. */
	xmlNodePtr node = sym_xmlTextReaderCurrentNode(x->r);
	xmlDtdPtr dtd = NULL;
	if (node && node->type == XML_DTD_NODE)
		dtd = (xmlDtdPtr)node;
	else if (node && node->doc)
		dtd = node->doc->intSubset;
	else if (!node && !x->doc) {
		x->doc = sym_xmlTextReaderCurrentDoc(x->r);
		dtd = x->doc ? x->doc->intSubset : NULL;
	}
	if (dtd && ((dtd->entities && sym_xmlHashSize(dtd->entities) > 0) ||
		    (dtd->pentities && sym_xmlHashSize(dtd->pentities) > 0)))
		return pl_error_set(x->err, PL_EFORMAT, "refused: the document's DOCTYPE declares entities (IANA's "
				    "registry has none, and entities are never expanded)");
	return 0;
}

/* Returns 1 to skip the element's subtree, 0 to read on, or a negative PL_E code. */
static int on_element(xml_import *x, int depth)
{
	const xmlChar *name = sym_xmlTextReaderConstLocalName(x->r);
	if (depth == 0)
		return check_root(x, name);
	switch (x->where) {
	case AT_TOP:
		if (depth != 1)
			return 1;
		if (eq(name, "record")) {
			x->where = IN_RECORD;
			record_begin(x);
			int rc = copy_attr(x, "date", &x->f[F_REG]);
			return rc ? rc : copy_attr(x, "updated", &x->f[F_MOD]);
		}
		if (eq(name, "people")) {
			x->where = IN_PEOPLE;
			return 0;
		}
		if (eq(name, "updated") && !x->have_date) {
			x->text = &x->date;
			x->text_depth = depth;
			return 0;
		}
		return 1; /* title, category, expert, the registry's own note and xref, footnote */
	case IN_RECORD:
		if (depth == 2)
			return record_child(x, name, depth);
		return x->text ? record_inner(x, name) : 1;
	case IN_PEOPLE:
		if (depth == 2 && eq(name, "person")) {
			x->where = IN_PERSON;
			person_begin(x);
			return copy_attr(x, "id", &x->p[P_ID]);
		}
		return 1;
	case IN_PERSON:
		if (depth == 3)
			return person_child(x, name, depth);
		return 0;
	}
	return 1;
}

static int on_end(xml_import *x, int depth)
{
	if (x->text && depth == x->text_depth) {
		if (x->where == IN_RECORD)
			return record_child_end(x);
		if (x->text == &x->p[P_ONE_URI]) {
			x->text = NULL;
			return person_uri_end(x);
		}
		if (x->text == &x->date) {
			collapse(&x->date);
			x->have_date = true;
		}
		x->text = NULL;
		return 0;
	}
	if (x->where == IN_RECORD && depth == 1) {
		x->where = AT_TOP;
		return record_end(x);
	}
	if (x->where == IN_PERSON && depth == 2) {
		x->where = IN_PEOPLE;
		return person_end(x);
	}
	if (x->where == IN_PEOPLE && depth == 1)
		x->where = AT_TOP;
	return 0;
}

static int on_text(xml_import *x)
{
	if (!x->text)
		return 0;
	const xmlChar *v = sym_xmlTextReaderConstValue(x->r);
	if (!v)
		return 0;
	/* "whois++<br/><br/>\nIANA assigned...": a break is only added where the text does not already
	 * start on a new line, so the result equals the element's XPath string() in IANA's file. */
	if (x->pending_break) {
		x->pending_break = false;
		if (*v && !is_space((char)*v) && add(x, x->text, "\n", 1))
			return x->rc;
	}
	return add_str(x, x->text, v);
}

static int run(xml_import *x)
{
	int ret = sym_xmlTextReaderRead(x->r);
	while (ret == 1) {
		int type = sym_xmlTextReaderNodeType(x->r), depth = sym_xmlTextReaderDepth(x->r), rc = 0;
		bool skip = false;
		switch (type) {
		case XML_READER_TYPE_ELEMENT:
			rc = on_element(x, depth);
			if (rc == 1) {
				skip = !sym_xmlTextReaderIsEmptyElement(x->r);
				rc = 0;
			}
			if (rc == 0 && !skip && sym_xmlTextReaderIsEmptyElement(x->r))
				rc = on_end(x, depth);
			break;
		case XML_READER_TYPE_END_ELEMENT:
			rc = on_end(x, depth);
			break;
		case XML_READER_TYPE_TEXT:
		case XML_READER_TYPE_CDATA:
		case XML_READER_TYPE_WHITESPACE:
		case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
			rc = on_text(x);
			break;
		case XML_READER_TYPE_DOCUMENT_TYPE:
			rc = check_doctype(x);
			break;
		case XML_READER_TYPE_ENTITY_REFERENCE:
			rc = pl_error_set(x->err, PL_EFORMAT, "line %d: entity reference &%.40s; (entities are not "
					  "expanded)", node_line(x), (const char *)sym_xmlTextReaderConstName(x->r));
			break;
		default:
			break;
		}
		if (rc < 0)
			return rc;
		if (x->xml_failed)
			break;
		ret = skip ? sym_xmlTextReaderNext(x->r) : sym_xmlTextReaderRead(x->r);
	}
	if (ret < 0 || x->xml_failed) {
		if (!x->xml_failed)
			snprintf(x->xml_msg, sizeof x->xml_msg, "the XML reader failed");
		/* libxml2 parses ahead of the node it hands out, so an entity bomb can trip its own loop
		 * detector before the DOCTYPE reaches check_doctype(): name the real cause. */
		int rc = check_doctype(x);
		return rc ? rc : xml_error(x);
	}
	return 0;
}

int pl_import_xml(const char *buf, size_t len, pl_builder *b, pl_error *err)
{
	if (len == 0)
		return pl_error_set(err, PL_EFORMAT, "empty document: expected IANA's XML registry");
	if (len > INT_MAX)
		return pl_error_set(err, PL_ELIMIT, "a document of %zu bytes is too large for the XML reader", len);
	int rc = pl_dl_load(&xml_handle, xml_sonames, xml_syms, "libxml2", err);
	if (rc)
		return rc;
	xml_import *x = calloc(1, sizeof *x);
	if (!x)
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	x->b = b;
	x->err = err;
	x->party = -1;
	for (int i = 0; i < NFIELDS; i++)
		pl_buf_init(&x->f[i], PL_MAX_FIELD);
	for (int i = 0; i < NPFIELDS; i++)
		pl_buf_init(&x->p[i], PL_MAX_FIELD);
	pl_buf_init(&x->date, PL_MAX_FIELD);
	pl_buf_init(&x->pool, MAX_POOL);

	sym_xmlInitParser();
	x->r = sym_xmlReaderForMemory(buf, (int)len, NULL, NULL, READER_OPTIONS);
	if (!x->r) {
		rc = pl_error_set(err, PL_ENOMEM, "cannot create the XML reader");
		goto out;
	}
	sym_xmlTextReaderSetStructuredErrorHandler(x->r, on_xml_error, x);
	rc = run(x);
	if (rc)
		goto out;
	if (!x->have_root) {
		rc = pl_error_set(err, PL_EFORMAT, "not an IANA port registry: no root element");
		goto out;
	}
	if (pl_builder_count(b) == 0) {
		rc = pl_error_set(err, PL_EFORMAT, "the registry has no <record>");
		goto out;
	}
	rc = pl_builder_set_meta(b, pl_buf_str(&x->date), "IANA XML", err);
out:
	if (x->r)
		sym_xmlFreeTextReader(x->r);
	if (x->doc)
		sym_xmlFreeDoc(x->doc);
	for (int i = 0; i < NFIELDS; i++)
		pl_buf_free(&x->f[i]);
	for (int i = 0; i < NPFIELDS; i++)
		pl_buf_free(&x->p[i]);
	pl_buf_free(&x->date);
	pl_buf_free(&x->pool);
	free(x);
	return rc;
}

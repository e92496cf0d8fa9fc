/* IANA's official service-names-port-numbers.xml, read with libxml2's streaming reader so a 4 MB file
 * never becomes a DOM, and read defensively: no DTD loading, no entity expansion, no network, nothing
 * printed. This file is the document (reader, dispatch, safety checks, shared text helpers); records,
 * people and footnotes each have their own file (xml_import.h). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/dl.h"
#include "xml_import.h"

/* libxml2 is loaded on first use (util/dl.h): linking it would cost every `portlore PORT` ~0.7 ms. */
#define PL_XML_DEFINE(f) __typeof__(f) *pl_xsym_##f;
XML_SYMS(PL_XML_DEFINE)
#define PL_XML_ENTRY(f) {#f, (void **)&pl_xsym_##f},
static const pl_dl_sym xml_syms[] = {XML_SYMS(PL_XML_ENTRY){NULL, NULL}};
static const char *const xml_sonames[] = {"libxml2.so.2", NULL};
static void *xml_handle;

#define IANA_NS "http://www.iana.org/assignments"
#define REGISTRY_ID "service-names-port-numbers"

/* Never XML_PARSE_NOENT (expand entities), DTDLOAD, DTDATTR or DTDVALID (read a DTD), nor HUGE (lift
 * libxml2's own size limits). Blanks are kept: whitespace between <paragraph>s is part of a note. */
#define READER_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES)


void pl_xml_buf_reset(pl_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* The line of the reader's current node; libxml2 keeps lines past 65535 only with XML_PARSE_BIG_LINES. */
int pl_xml_node_line(xml_import *x)
{
	xmlNodePtr node = pl_xsym_xmlTextReaderCurrentNode(x->r);
	long line = node ? pl_xsym_xmlGetLineNo(node) : -1;
	if (line <= 0)
		line = pl_xsym_xmlTextReaderGetParserLineNumber(x->r);
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

int pl_xml_add(xml_import *x, pl_buf *b, const char *s, size_t n)
{
	int rc = pl_buf_add(b, s, n);
	if (rc == PL_ELIMIT)
		x->rc = pl_error_set(x->err, PL_ELIMIT, "line %d: a field is longer than %u bytes", pl_xml_node_line(x),
				     PL_MAX_FIELD);
	else if (rc)
		x->rc = pl_error_set(x->err, PL_ENOMEM, "out of memory");
	return rc ? x->rc : 0;
}

int pl_xml_add_str(xml_import *x, pl_buf *b, const xmlChar *s)
{
	return s ? pl_xml_add(x, b, (const char *)s, strlen((const char *)s)) : 0;
}

/* Strips leading and trailing whitespace in place. */
void pl_xml_trim(pl_buf *b)
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
void pl_xml_collapse(pl_buf *b)
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
const xmlChar *pl_xml_attr(xml_import *x, const char *name)
{
	const xmlChar *v = NULL;
	if (pl_xsym_xmlTextReaderMoveToAttribute(x->r, BAD_CAST name) == 1) {
		v = pl_xsym_xmlTextReaderConstValue(x->r);
		pl_xsym_xmlTextReaderMoveToElement(x->r);
	}
	return v;
}

/* pl_xml_attr() copied into buf: a second pl_xml_attr() call may reuse the reader's buffer (a value built from several
 * nodes lives there), so the first value must not point into it. Long values are cut: types are words. */
const xmlChar *pl_xml_attr_into(xml_import *x, const char *name, char *buf, size_t size)
{
	const xmlChar *v = pl_xml_attr(x, name);
	if (!v)
		return NULL;
	snprintf(buf, size, "%s", (const char *)v);
	return (const xmlChar *)buf;
}

int pl_xml_copy_attr(xml_import *x, const char *name, pl_buf *to)
{
	pl_xml_buf_reset(to);
	int rc = pl_xml_add_str(x, to, pl_xml_attr(x, name));
	pl_xml_trim(to);
	return rc;
}

/* ---- the document ---- */

static int check_root(xml_import *x, const xmlChar *name)
{
	const xmlChar *ns = pl_xsym_xmlTextReaderConstNamespaceUri(x->r);
	if (!eq(name, "registry") || !eq(ns, IANA_NS) || !eq(pl_xml_attr(x, "id"), REGISTRY_ID))
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
	/* The DTD through the current node: pl_xsym_xmlTextReaderCurrentDoc() would make the reader keep every
	 * node from then on. Only when there is no node (a failure at the first read) is it called. */
	xmlNodePtr node = pl_xsym_xmlTextReaderCurrentNode(x->r);
	xmlDtdPtr dtd = NULL;
	if (node && node->type == XML_DTD_NODE)
		dtd = (xmlDtdPtr)node;
	else if (node && node->doc)
		dtd = node->doc->intSubset;
	else if (!node && !x->doc) {
		x->doc = pl_xsym_xmlTextReaderCurrentDoc(x->r);
		dtd = x->doc ? x->doc->intSubset : NULL;
	}
	if (dtd && ((dtd->entities && pl_xsym_xmlHashSize(dtd->entities) > 0) ||
		    (dtd->pentities && pl_xsym_xmlHashSize(dtd->pentities) > 0)))
		return pl_error_set(x->err, PL_EFORMAT, "refused: the document's DOCTYPE declares entities (IANA's "
				    "registry has none, and entities are never expanded)");
	return 0;
}

/* Returns 1 to skip the element's subtree, 0 to read on, or a negative PL_E code. */
static int on_element(xml_import *x, int depth)
{
	const xmlChar *name = pl_xsym_xmlTextReaderConstLocalName(x->r);
	if (depth == 0)
		return check_root(x, name);
	switch (x->where) {
	case AT_TOP:
		if (depth != 1)
			return 1;
		if (eq(name, "record")) {
			x->where = IN_RECORD;
			pl_xml_record_begin(x);
			int rc = pl_xml_copy_attr(x, "date", &x->f[F_REG]);
			return rc ? rc : pl_xml_copy_attr(x, "updated", &x->f[F_MOD]);
		}
		if (eq(name, "people")) {
			x->where = IN_PEOPLE;
			return 0;
		}
		if (eq(name, "footnote"))
			return pl_xml_footnote_begin(x, depth);
		if (eq(name, "updated") && !x->have_date) {
			x->text = &x->date;
			x->text_depth = depth;
			return 0;
		}
		return 1; /* title, category, expert, the registry's own note and xref */
	case IN_RECORD:
		if (depth == 2)
			return pl_xml_record_child(x, name, depth);
		return x->text ? pl_xml_record_inner(x, name) : 1;
	case IN_PEOPLE:
		if (depth == 2 && eq(name, "person")) {
			x->where = IN_PERSON;
			pl_xml_person_begin(x);
			return pl_xml_copy_attr(x, "id", &x->p[P_ID]);
		}
		return 1;
	case IN_PERSON:
		if (depth == 3)
			return pl_xml_person_child(x, name, depth);
		return 0;
	}
	return 1;
}

static int on_end(xml_import *x, int depth)
{
	if (x->text && depth == x->text_depth) {
		if (x->where == IN_RECORD)
			return pl_xml_record_child_end(x);
		if (x->text == &x->p[P_ONE_URI]) {
			x->text = NULL;
			return pl_xml_person_uri_end(x);
		}
		if (x->text == &x->note_text) {
			x->text = NULL;
			return pl_xml_footnote_end(x);
		}
		if (x->text == &x->date) {
			pl_xml_collapse(&x->date);
			x->have_date = true;
		}
		x->text = NULL;
		return 0;
	}
	if (x->where == IN_RECORD && depth == 1) {
		x->where = AT_TOP;
		return pl_xml_record_end(x);
	}
	if (x->where == IN_PERSON && depth == 2) {
		x->where = IN_PEOPLE;
		return pl_xml_person_end(x);
	}
	if (x->where == IN_PEOPLE && depth == 1)
		x->where = AT_TOP;
	return 0;
}

static int on_text(xml_import *x)
{
	if (!x->text)
		return 0;
	const xmlChar *v = pl_xsym_xmlTextReaderConstValue(x->r);
	if (!v)
		return 0;
	/* "whois++<br/><br/>\nIANA assigned...": a break is only added where the text does not already
	 * start on a new line, so the result equals the element's XPath string() in IANA's file. */
	if (x->pending_break) {
		x->pending_break = false;
		if (*v && !is_space((char)*v) && pl_xml_add(x, x->text, "\n", 1))
			return x->rc;
	}
	return pl_xml_add_str(x, x->text, v);
}

static int run(xml_import *x)
{
	int ret = pl_xsym_xmlTextReaderRead(x->r);
	while (ret == 1) {
		int type = pl_xsym_xmlTextReaderNodeType(x->r), depth = pl_xsym_xmlTextReaderDepth(x->r), rc = 0;
		bool skip = false;
		switch (type) {
		case XML_READER_TYPE_ELEMENT:
			rc = on_element(x, depth);
			if (rc == 1) {
				skip = !pl_xsym_xmlTextReaderIsEmptyElement(x->r);
				rc = 0;
			}
			if (rc == 0 && !skip && pl_xsym_xmlTextReaderIsEmptyElement(x->r))
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
					  "expanded)", pl_xml_node_line(x), (const char *)pl_xsym_xmlTextReaderConstName(x->r));
			break;
		default:
			break;
		}
		if (rc < 0)
			return rc;
		if (x->xml_failed)
			break;
		ret = skip ? pl_xsym_xmlTextReaderNext(x->r) : pl_xsym_xmlTextReaderRead(x->r);
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
	pl_buf_init(&x->note_anchor, PL_MAX_FIELD);
	pl_buf_init(&x->note_text, PL_MAX_FIELD);
	pl_buf_init(&x->pool, MAX_POOL);

	pl_xsym_xmlInitParser();
	x->r = pl_xsym_xmlReaderForMemory(buf, (int)len, NULL, NULL, READER_OPTIONS);
	if (!x->r) {
		rc = pl_error_set(err, PL_ENOMEM, "cannot create the XML reader");
		goto out;
	}
	pl_xsym_xmlTextReaderSetStructuredErrorHandler(x->r, on_xml_error, x);
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
		pl_xsym_xmlFreeTextReader(x->r);
	if (x->doc)
		pl_xsym_xmlFreeDoc(x->doc);
	for (int i = 0; i < NFIELDS; i++)
		pl_buf_free(&x->f[i]);
	for (int i = 0; i < NPFIELDS; i++)
		pl_buf_free(&x->p[i]);
	pl_buf_free(&x->date);
	pl_buf_free(&x->note_anchor);
	pl_buf_free(&x->note_text);
	pl_buf_free(&x->pool);
	free(x);
	return rc;
}

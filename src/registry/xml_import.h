/* Internals of the IANA XML importer shared by its files: import_xml.c (the document: reader, dispatch,
 * safety checks), import_xml_records.c (<record>), import_xml_people.c (<people>/<person>) and
 * import_xml_footnotes.c (<footnote>). libxml2 is loaded on first use (util/dl.h): linking it would cost
 * every `portlore PORT` ~0.7 ms, so its functions are called through the pointers declared here. */
#ifndef PL_REGISTRY_XML_IMPORT_H
#define PL_REGISTRY_XML_IMPORT_H

#include <stdbool.h>
#include <string.h>

#include <libxml/hash.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlreader.h>

#include "internal.h"
#include "util/util.h"

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


#define PL_XML_EXTERN(f) extern __typeof__(f) *pl_xsym_##f;
XML_SYMS(PL_XML_EXTERN)

#define MAX_POOL (16u << 20) /* all people ids and reference data of one record */

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
enum { P_ID, P_NAME, P_ORG, P_URI, P_UPDATED, P_ONE_URI, NPFIELDS };

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
	pl_buf note_anchor, note_text; /* the <footnote> being read */
	size_t n[NLISTS];
	size_t off[NLISTS][PL_MAX_LIST];
	pl_xref_type ref_type[PL_MAX_LIST];
	/* pointers handed to the builder: contacts may hold explicit contacts and direct persons */
	const char *assignees[PL_MAX_LIST], *contacts[2 * PL_MAX_LIST];
	pl_xref refs[PL_MAX_LIST];
} xml_import;

static inline bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline bool eq(const xmlChar *a, const char *b)
{
	return a && strcmp((const char *)a, b) == 0;
}

void pl_xml_buf_reset(pl_buf *b);
int pl_xml_node_line(xml_import *x);
int pl_xml_add(xml_import *x, pl_buf *b, const char *s, size_t n);
int pl_xml_add_str(xml_import *x, pl_buf *b, const xmlChar *s);
void pl_xml_trim(pl_buf *b);
void pl_xml_collapse(pl_buf *b);
const xmlChar *pl_xml_attr(xml_import *x, const char *name);
const xmlChar *pl_xml_attr_into(xml_import *x, const char *name, char *buf, size_t size);
int pl_xml_copy_attr(xml_import *x, const char *name, pl_buf *to);

/* import_xml_records.c */
void pl_xml_record_begin(xml_import *x);
int pl_xml_record_end(xml_import *x);
int pl_xml_record_child(xml_import *x, const xmlChar *name, int depth);
int pl_xml_record_child_end(xml_import *x);
int pl_xml_record_inner(xml_import *x, const xmlChar *name);
/* import_xml_people.c */
void pl_xml_person_begin(xml_import *x);
int pl_xml_person_end(xml_import *x);
int pl_xml_person_child(xml_import *x, const xmlChar *name, int depth);
int pl_xml_person_uri_end(xml_import *x);
/* import_xml_footnotes.c */
int pl_xml_footnote_begin(xml_import *x, int depth);
int pl_xml_footnote_end(xml_import *x);

#endif

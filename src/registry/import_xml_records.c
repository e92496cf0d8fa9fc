/* IANA's <record>s: each becomes a pl_record_in. The element-by-element mapping, and IANA's quirks (a
 * person xref written straight into the record, markup inside notes), are described at the functions. */
#include <stdio.h>
#include <string.h>

#include "xml_import.h"

/* ---- the record's lists ---- */

static int push(xml_import *x, int list, const char *s, size_t n, pl_xref_type type)
{
	if (x->n[list] >= PL_MAX_LIST)
		return x->rc = pl_error_set(x->err, PL_ELIMIT, "line %d: a record has more than %u %s",
					    pl_xml_node_line(x), PL_MAX_LIST, list == L_REF ? "references" : "people");
	if (n > PL_MAX_FIELD)
		return x->rc = pl_error_set(x->err, PL_ELIMIT, "line %d: a field is longer than %u bytes",
					    pl_xml_node_line(x), PL_MAX_FIELD);
	size_t at = x->pool.len;
	int rc = pl_buf_add(&x->pool, s, n);
	if (!rc)
		rc = pl_buf_addc(&x->pool, '\0');
	if (rc == PL_ELIMIT)
		return x->rc = pl_error_set(x->err, PL_ELIMIT,
					    "line %d: a record's people and references pass %u bytes", pl_xml_node_line(x),
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
	pl_xml_buf_reset(tmp);
	if (pl_xml_add_str(x, tmp, type) || pl_xml_add(x, tmp, ":", 1) || pl_xml_add(x, tmp, data, n))
		return x->rc;
	return push(x, list, tmp->data, tmp->len, PL_XREF_TEXT);
}

static const char *pooled(xml_import *x, int list, size_t i)
{
	return x->pool.data + x->off[list][i];
}

/* ---- records ---- */

void pl_xml_record_begin(xml_import *x)
{
	for (int i = 0; i < NFIELDS; i++)
		pl_xml_buf_reset(&x->f[i]);
	pl_xml_buf_reset(&x->pool);
	memset(x->n, 0, sizeof x->n);
	x->party = -1;
	x->record_line = pl_xml_node_line(x);
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
int pl_xml_record_end(xml_import *x)
{
	pl_record_in r = {0};
	pl_xml_collapse(&x->f[F_NAME]);
	pl_xml_collapse(&x->f[F_PROTO]);
	pl_xml_collapse(&x->f[F_NUMBER]);
	pl_xml_collapse(&x->f[F_DESC]);
	pl_xml_collapse(&x->f[F_CODE]);
	pl_xml_trim(&x->f[F_UNAUTH]);
	pl_xml_trim(&x->f[F_NOTE]);
	if (x->f[F_EXTRA].len) {
		pl_xml_trim(&x->f[F_EXTRA]);
		if ((x->f[F_NOTE].len && pl_xml_add(x, &x->f[F_NOTE], "\n", 1)) ||
		    pl_xml_add(x, &x->f[F_NOTE], x->f[F_EXTRA].data, x->f[F_EXTRA].len))
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
int pl_xml_record_child(xml_import *x, const xmlChar *name, int depth)
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
			if (x->text->len && pl_xml_add(x, x->text, "\n", 1))
				return x->rc;
			if (text_fields[i].field == F_NUMBER)
				x->number_line = pl_xml_node_line(x);
			else if (text_fields[i].field == F_PROTO)
				x->proto_line = pl_xml_node_line(x);
			return 0;
		}
	if (eq(name, "xref")) {
		char type_buf[64];
		const xmlChar *type = pl_xml_attr_into(x, "type", type_buf, sizeof type_buf), *data = pl_xml_attr(x, "data");
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
		pl_xml_buf_reset(x->text);
		x->text_depth = depth;
		return 0;
	}
	if (eq(name, "assignee") || eq(name, "contact")) {
		x->party = eq(name, "assignee") ? L_ASSIGNEE : L_CONTACT;
		x->text = &x->f[F_PARTY];
		pl_xml_buf_reset(x->text);
		x->text_depth = depth;
		return 0;
	}
	/* An element IANA may add one day: its text is kept at the end of the notes, labelled. */
	snprintf(x->other_name, sizeof x->other_name, "%s", (const char *)name);
	x->text = &x->f[F_OTHER];
	pl_xml_buf_reset(x->text);
	x->text_depth = depth;
	return 0;
}

int pl_xml_record_child_end(xml_import *x)
{
	pl_buf *t = x->text;
	x->text = NULL;
	x->pending_break = false;
	if (t == &x->f[F_XREF]) {
		pl_xml_collapse(t);
		return t->len ? push(x, L_REF, t->data, t->len, x->xref_type) : 0;
	}
	if (t == &x->f[F_PARTY]) {
		/* loose text naming a party, should IANA ever write one without an xref */
		int list = x->party;
		x->party = -1;
		pl_xml_collapse(t);
		return t->len ? push(x, list, t->data, t->len, PL_XREF_PERSON) : 0;
	}
	if (t == &x->f[F_OTHER]) {
		pl_xml_collapse(t);
		pl_buf *e = &x->f[F_EXTRA];
		if ((e->len && pl_xml_add(x, e, "\n", 1)) || pl_xml_add(x, e, x->other_name, strlen(x->other_name)) ||
		    (t->len && (pl_xml_add(x, e, ": ", 2) || pl_xml_add(x, e, t->data, t->len))))
			return x->rc;
	}
	return 0;
}

/* An element inside a record's child: markup within a description or note, or the person xrefs of
 * <assignee>/<contact>. Returns 1 to skip its subtree. */
int pl_xml_record_inner(xml_import *x, const xmlChar *name)
{
	if (eq(name, "xref")) {
		char type_buf[64];
		const xmlChar *type = pl_xml_attr_into(x, "type", type_buf, sizeof type_buf), *data = pl_xml_attr(x, "data");
		if (!data || !*data)
			return 0; /* its text, if any, is read in place */
		size_t n = strlen((const char *)data);
		if (x->party >= 0) {
			int rc = push_xref(x, eq(type, "person") ? x->party : L_REF, type, (const char *)data, n);
			return rc ? rc : 1;
		}
		/* "previously compressnet by <xref type="person" data="Bernie_Volz"/>": written in place as
		 * "[Bernie_Volz]", as IANA's CSV export does. */
		if (pl_xml_add(x, x->text, "[", 1) || pl_xml_add(x, x->text, (const char *)data, n) || pl_xml_add(x, x->text, "]", 1))
			return x->rc;
		x->pending_break = false;
		return 1;
	}
	if (eq(name, "br")) {
		x->pending_break = true;
		return 0;
	}
	if (eq(name, "paragraph") && x->text->len && !is_space(x->text->data[x->text->len - 1]))
		return pl_xml_add(x, x->text, "\n", 1);
	return 0;
}

/* IANA's <people>: each <person> becomes a pl_person. Every <uri> is kept (some people have two mailto:
 * addresses and a tel:); the builder reads the e-mail addresses out of them (people.c). */
#include <string.h>

#include "xml_import.h"

void pl_xml_person_begin(xml_import *x)
{
	for (int i = 0; i < NPFIELDS; i++)
		pl_xml_buf_reset(&x->p[i]);
	x->record_line = pl_xml_node_line(x);
}

/* A person may have several <uri>s (two mailto:s, a tel:): uri keeps them all, space-separated (a URI
 * has no spaces); the builder takes the e-mail addresses from them. */
int pl_xml_person_uri_end(xml_import *x)
{
	pl_buf *one = &x->p[P_ONE_URI];
	pl_xml_collapse(one);
	if (!one->len)
		return 0;
	if ((x->p[P_URI].len && pl_xml_add(x, &x->p[P_URI], " ", 1)) || pl_xml_add(x, &x->p[P_URI], one->data, one->len))
		return x->rc;
	return 0;
}

int pl_xml_person_end(xml_import *x)
{
	for (int i = P_NAME; i <= P_UPDATED; i++)
		pl_xml_collapse(&x->p[i]);
	if (!x->p[P_ID].len)
		return pl_error_set(x->err, PL_EFORMAT, "line %d: a <person> without an id", x->record_line);
	pl_person p = {
		.id = pl_buf_str(&x->p[P_ID]),
		.name = pl_buf_str(&x->p[P_NAME]),
		.org = pl_buf_str(&x->p[P_ORG]),
		.uri = pl_buf_str(&x->p[P_URI]),
		.updated = pl_buf_str(&x->p[P_UPDATED]),
	};
	return pl_builder_add_person(x->b, &p, x->err);
}

/* A child of <person>: name, org, uri, updated. Anything else has no field in pl_person and is skipped. */
int pl_xml_person_child(xml_import *x, const xmlChar *name, int depth)
{
	int field = eq(name, "name") ? P_NAME : eq(name, "org") ? P_ORG : eq(name, "uri") ? P_ONE_URI
		  : eq(name, "updated") ? P_UPDATED : -1;
	if (field < 0)
		return 1;
	x->text = &x->p[field];
	if (field == P_ONE_URI)
		pl_xml_buf_reset(x->text);
	else if (x->text->len && pl_xml_add(x, x->text, " ", 1))
		return x->rc;
	x->text_depth = depth;
	return 0;
}

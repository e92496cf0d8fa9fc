/* IANA's <footnote anchor="1">: the registry's footnotes, which records cite with <xref type="note"
 * data="1"/> (exp1/exp2 on 1021/1022 carry RFC 3692's warning this way). The text keeps its line breaks
 * trimmed at both ends, as a record's note does; markup inside it is read for its text only. */
#include "xml_import.h"

int pl_xml_footnote_begin(xml_import *x, int depth)
{
	int rc = pl_xml_copy_attr(x, "anchor", &x->note_anchor);
	if (rc)
		return rc;
	pl_xml_buf_reset(&x->note_text);
	x->text = &x->note_text;
	x->text_depth = depth;
	x->pending_break = false;
	x->record_line = pl_xml_node_line(x);
	return 0;
}

int pl_xml_footnote_end(xml_import *x)
{
	pl_xml_trim(&x->note_text);
	if (!x->note_anchor.len)
		return pl_error_set(x->err, PL_EFORMAT, "line %d: a <footnote> without an anchor", x->record_line);
	return pl_builder_add_footnote(x->b, pl_buf_str(&x->note_anchor), pl_buf_str(&x->note_text), x->err);
}

/* A port report written port by port as it is computed (see pl_stream_open in render.h), so that
 * `portlore 0-65535 | head` answers at once and the whole range never sits in memory. The text is still
 * drawn from each port's JSON, the same object that --json prints. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "portlore/render.h"

struct pl_stream {
	FILE *f;
	pl_stream_format fmt;
	bool table;
	pl_text_out o;
	json_t *head;
	size_t nports;
	bool failed;
	pl_defang_memo memo; /* strings escaped so far: parts shared between ports are escaped once */
};

#define DUMP_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER)

pl_stream *pl_stream_open(FILE *out, pl_stream_format fmt, bool table, const pl_text_opts *opts, json_t *head)
{
	pl_stream *s = head ? calloc(1, sizeof *s) : NULL;
	if (!s) {
		json_decref(head);
		return NULL;
	}
	s->f = out;
	s->fmt = fmt;
	s->table = table;
	s->head = head;
	s->o = (pl_text_out){out, opts && opts->colour,
			     json_is_true(json_object_get(json_object_get(head, "registry"), "has_references"))};
	if (fmt == PL_STREAM_TEXT) {
		pl_text_defang(head);
		if (table)
			pl_text_table_head(&s->o);
	} else if (fmt == PL_STREAM_JSONL) {
		s->failed |= json_dumpf(head, out, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0;
		fputc('\n', out);
	} else {
		/* The head as an indented object whose last member, "ports", is left open for the ports. */
		char *text = json_dumps(head, DUMP_FLAGS);
		if (!text) {
			s->failed = true;
		} else {
			size_t n = strlen(text);
			while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
				n--;
			if (n && text[n - 1] == '}') /* the head's own closing brace, and only that */
				n--;
			while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
				n--;
			fwrite(text, 1, n, out);
			fputs(n > 1 ? ",\n  \"ports\": [" : "\"ports\": [", out);
			json_free_t jfree; /* json_dumps allocates with jansson's functions, which the CLI sets */
			json_get_alloc_funcs(NULL, &jfree);
			jfree(text);
		}
	}
	return s;
}

int pl_stream_port(pl_stream *s, json_t *port)
{
	if (!port) {
		s->failed = true;
		return -1;
	}
	if (s->fmt == PL_STREAM_TEXT) {
		if (s->table) {
			pl_text_defang_line(port, &s->memo);
			pl_text_port_line(&s->o, port);
		} else {
			pl_text_defang_memo(port, &s->memo);
			if (s->nports)
				fputc('\n', s->f);
			pl_text_port_full(&s->o, port);
		}
	} else if (s->fmt == PL_STREAM_JSONL) {
		json_t *line = json_pack("{s:s}", "kind", "port");
		json_object_update(line, port);
		s->failed |= !line || json_dumpf(line, s->f, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0;
		fputc('\n', s->f);
		json_decref(line);
	} else {
		/* One port a line inside the document: still one JSON document, readable line by line. */
		fputs(s->nports ? ",\n    " : "\n    ", s->f);
		s->failed |= json_dumpf(port, s->f, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0;
	}
	s->nports++;
	json_decref(port);
	if (ferror(s->f))
		s->failed = true;
	return s->failed ? -1 : 0;
}

int pl_stream_close(pl_stream *s)
{
	if (!s)
		return -1;
	if (s->fmt == PL_STREAM_TEXT) {
		fputc('\n', s->f);
		pl_text_registry_line(&s->o, s->head);
	} else if (s->fmt == PL_STREAM_JSON) {
		fputs(s->nports ? "\n  ]\n}\n" : "]\n}\n", s->f);
	}
	fflush(s->f);
	bool failed = s->failed || ferror(s->f);
	pl_defang_memo_free(&s->memo);
	json_decref(s->head);
	free(s);
	return failed ? -1 : 0;
}

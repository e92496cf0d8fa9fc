/* `portlore ls` as a table drawn from the sockets document: headers aligned over their columns, widths
 * taken from the data, and the last column (the processes) cut so that each row fits the terminal;
 * --wide adds the user, descriptors and queues and never cuts. Cells were escaped by pl_text_defang. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "portlore/render.h"
#include "util/util.h"

void pl_text_endpoint(char *buf, size_t size, const char *addr, json_int_t port)
{
	if (!addr[0]) /* any address (a DNAT rule without one) */
		snprintf(buf, size, "*:%lld", (long long)port);
	else if (strchr(addr, ':'))
		snprintf(buf, size, "[%s]:%lld", addr, (long long)port);
	else
		snprintf(buf, size, "%s:%lld", addr, (long long)port);
}

/* Display width of UTF-8 text, one column a code point (escapes made everything else printable). */
static size_t cols(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* The byte length of s's first max columns. */
static size_t cut_at(const char *s, size_t max)
{
	size_t n = 0, i = 0;
	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (n == max)
				break;
			n++;
		}
	}
	return i;
}

void pl_text_owners(pl_buf *b, const json_t *s, bool wide)
{
	const char *status = pl_json_member(s, "owner_status"), *user = pl_json_member(s, "user");
	const char *hint = pl_json_member(s, "owner_hint");
	const json_t *owners = json_object_get(s, "owners"), *p;
	size_t i;
	if (!strcmp(status, "hidden")) {
		/* whose it is, from the socket's own uid, even when its process cannot be seen */
		pl_buf_printf(b, "owner not visible: socket owned by %s (%s)", *user ? user : "?",
			      !strcmp(hint, "run as root") ? "run as root to see it" : "hidden even from root");
		return;
	}
	if (!strcmp(status, "none")) {
		pl_buf_printf(b, "no process (kernel)");
		return;
	}
	if (!strcmp(status, "unknown")) {
		pl_buf_printf(b, "owner not looked up");
		return;
	}
	json_array_foreach(owners, i, p) {
		pl_buf_printf(b, "%s%s[%lld]", i ? "; " : "", pl_json_member(p, "name"),
			      (long long)json_integer_value(json_object_get(p, "pid")));
		if (strcmp(pl_json_member(p, "user"), user))
			pl_buf_printf(b, " as %s", pl_json_member(p, "user"));
		if (wide && json_is_integer(json_object_get(p, "fd")))
			pl_buf_printf(b, " fd=%lld", (long long)json_integer_value(json_object_get(p, "fd")));
		if (json_is_integer(json_object_get(p, "pid_in_container")))
			pl_buf_printf(b, " [pid %lld in the container]",
				      (long long)json_integer_value(json_object_get(p, "pid_in_container")));
		const json_t *ct = json_object_get(p, "container");
		if (json_is_object(ct) && *pl_json_member(ct, "name"))
			pl_buf_printf(b, " [container %s]", pl_json_member(ct, "name"));
		else if (*pl_json_member(p, "container_id"))
			pl_buf_printf(b, " [container %.12s]", pl_json_member(p, "container_id"));
		else if (*pl_json_member(p, "unit"))
			pl_buf_printf(b, " [%s]", pl_json_member(p, "unit"));
		if (json_is_true(json_object_get(p, "other_netns")))
			pl_buf_printf(b, " [other network namespace]");
		/* A command line can be kilobytes: cut at 60 columns unless --wide (JSON has it whole). */
		const char *cmd = pl_json_member(p, "cmdline");
		size_t cut = wide ? strlen(cmd) : cut_at(cmd, 57);
		if (*cmd)
			pl_buf_printf(b, ": %.*s%s", (int)cut, cmd, cmd[cut] ? "..." : "");
	}
	if (json_is_false(json_object_get(s, "owners_complete")))
		pl_buf_printf(b, "; and likely more not visible: the socket is owned by %s (%s)", *user ? user : "?",
			      !strcmp(hint, "run as root") ? "run as root to see them" : "hidden even from root");
}

enum { C_STATE, C_PROTO, C_LOCAL, C_PEER, C_SERVICE, C_NETNS, C_CONTAINER, C_USER, C_FD, C_RECVQ, C_SENDQ,
       C_PROCESS, NCOLS };
static const char *const heads[NCOLS] = {"STATE", "PROTO", "LOCAL", "PEER", "SERVICE", "NETNS", "CONTAINER", "USER",
					 "FD", "RECV-Q", "SEND-Q", "PROCESS"};

/* The namespace as a user names it: "host" for portlore's own, its /run/netns (or Docker sandbox) name,
 * else the kernel's "net:[inode]"; the container by its name, else its short id. */
static void place_cells(char *ns, size_t nsize, char *ct, size_t csize, const json_t *s)
{
	const json_t *n = json_object_get(s, "netns"), *c = json_object_get(s, "container");
	snprintf(ns, nsize, "-");
	snprintf(ct, csize, "-");
	if (json_is_object(n)) {
		if (json_is_true(json_object_get(n, "self")))
			snprintf(ns, nsize, "host");
		else if (*pl_json_member(n, "name"))
			snprintf(ns, nsize, "%.39s", pl_json_member(n, "name"));
		else
			snprintf(ns, nsize, "net:[%lld]", (long long)json_integer_value(json_object_get(n, "inode")));
	}
	if (json_is_object(c))
		snprintf(ct, csize, "%.39s", *pl_json_member(c, "name") ? pl_json_member(c, "name") : pl_json_member(c, "id"));
}

static void service_cell(char *buf, size_t size, const json_t *s)
{
	const json_t *names = json_object_get(s, "registered"), *n;
	size_t k;
	int w = 0;
	json_array_foreach(names, k, n) {
		if (k == 2) {
			w += snprintf(buf + w, size - (size_t)w, ",+%zu", json_array_size(names) - 2);
			break;
		}
		w += snprintf(buf + w, size - (size_t)w, "%s%s", k ? "," : "", json_string_value(n));
		if ((size_t)w >= size)
			return;
	}
	if (!w)
		snprintf(buf, size, "-");
	const char *verdict = pl_json_member(json_object_get(s, "verdict"), "verdict");
	if (w && (size_t)w < size && *verdict)
		snprintf(buf + w, size - (size_t)w, "%s", !strcmp(verdict, "match") ? " (looks like it)"
						  : !strcmp(verdict, "mismatch") ? " (not it)"
						  : !strcmp(verdict, "unknown") ? " (unknown)" : "");
}

int pl_render_sockets_text(FILE *f, const json_t *doc, const pl_text_opts *opts, const pl_table_opts *t)
{
	pl_text_out o = {f, opts && opts->colour, false};
	bool wide = t && t->wide;
	int width = t ? t->width : 0;
	const json_t *socks = json_object_get(doc, "sockets"), *s;
	size_t n = json_array_size(socks), i;
	char **cell = calloc((n + 1) * NCOLS, sizeof *cell);
	size_t w[NCOLS] = {0};
	bool many_ns = false, any_ct = false; /* the columns show only when they say something */
	if (!cell)
		return -1;
	for (int c = 0; c < NCOLS; c++)
		w[c] = strlen(heads[c]);
	json_array_foreach(socks, i, s) {
		char **row = cell + i * NCOLS, tmp[256];
		row[C_STATE] = strdup(pl_json_member(s, "state"));
		row[C_PROTO] = strdup(pl_json_member(s, "transport"));
		pl_text_endpoint(tmp, sizeof tmp, pl_json_member(s, "local_address"),
				 json_integer_value(json_object_get(s, "local_port")));
		row[C_LOCAL] = strdup(tmp);
		if (json_is_string(json_object_get(s, "remote_address")))
			pl_text_endpoint(tmp, sizeof tmp, pl_json_member(s, "remote_address"),
					 json_integer_value(json_object_get(s, "remote_port")));
		else
			snprintf(tmp, sizeof tmp, "*");
		row[C_PEER] = strdup(tmp);
		char ctname[48];
		place_cells(tmp, sizeof tmp, ctname, sizeof ctname, s);
		row[C_NETNS] = strdup(tmp);
		row[C_CONTAINER] = strdup(ctname);
		if (strcmp(tmp, "host"))
			many_ns = true;
		if (strcmp(ctname, "-"))
			any_ct = true;
		service_cell(tmp, sizeof tmp, s);
		row[C_SERVICE] = strdup(tmp);
		row[C_USER] = strdup(pl_json_member(s, "user"));
		tmp[0] = '\0';
		const json_t *owners = json_object_get(s, "owners"), *p;
		size_t k;
		json_array_foreach(owners, k, p) {
			size_t len = strlen(tmp);
			if (json_is_integer(json_object_get(p, "fd")) && len + 24 < sizeof tmp)
				snprintf(tmp + len, sizeof tmp - len, "%s%lld", k ? "," : "",
					 (long long)json_integer_value(json_object_get(p, "fd")));
		}
		row[C_FD] = strdup(*tmp ? tmp : "-");
		snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(json_object_get(s, "recv_q")));
		row[C_RECVQ] = strdup(tmp);
		snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(json_object_get(s, "send_q")));
		row[C_SENDQ] = strdup(tmp);
		pl_buf b;
		pl_buf_init(&b, 1u << 20);
		pl_text_owners(&b, s, wide);
		if (*pl_json_member(s, "reservation")) /* docker-proxy, conmon...: not the service, a runtime's stand-in */
			pl_buf_printf(&b, " -- %s", pl_json_member(s, "reservation"));
		row[C_PROCESS] = strdup(pl_buf_str(&b));
		pl_buf_free(&b);
		for (int c = 0; c < NCOLS; c++) {
			if (!row[c]) {
				for (size_t x = 0; x < (n + 1) * NCOLS; x++)
					free(cell[x]);
				free(cell);
				return -1;
			}
			if (c != C_PROCESS && cols(row[c]) > w[c])
				w[c] = cols(row[c]);
		}
	}
	bool show[NCOLS];
	for (int c = 0; c < NCOLS; c++)
		show[c] = wide || (c != C_USER && c != C_FD && c != C_RECVQ && c != C_SENDQ);
	show[C_NETNS] = many_ns;
	show[C_CONTAINER] = any_ct;
	/* What is left of the width for the processes (at least 12 columns: on a terminal too narrow even for
	 * that, a row wraps rather than say nothing of its owner). */
	size_t used = 0;
	for (int c = 0; c < C_PROCESS; c++)
		if (show[c])
			used += w[c] + 2;
	size_t room = width > 0 && !wide ? ((size_t)width > used + 12 ? (size_t)width - used : 12) : 0;
	fputs(pl_on(&o, PL_BOLD), f);
	for (int c = 0; c < NCOLS; c++)
		if (show[c])
			fprintf(f, "%-*s%s", c == C_PROCESS ? 0 : (int)w[c], heads[c], c == C_PROCESS ? "" : "  ");
	fprintf(f, "%s\n", pl_on(&o, PL_RESET));
	for (i = 0; i < n; i++) {
		char **row = cell + i * NCOLS;
		for (int c = 0; c < C_PROCESS; c++)
			if (show[c]) /* pad by columns, not bytes: a name may be UTF-8 */
				fprintf(f, "%s%*s  ", row[c], (int)(w[c] - cols(row[c])), "");
		const char *proc = row[C_PROCESS];
		if (room && cols(proc) > room)
			fprintf(f, "%.*s...\n", (int)cut_at(proc, room - 3), proc);
		else
			fprintf(f, "%s\n", proc);
		/* ls --probe: what the listener answered, under its row */
		const json_t *pr = json_object_get(json_array_get(socks, i), "probe");
		if (json_is_object(pr))
			fprintf(f, "  asked: %s\n", pl_json_member(json_object_get(pr, "verdict"), "text"));
	}
	for (size_t x = 0; x < (n + 1) * NCOLS; x++)
		free(cell[x]);
	free(cell);
	const json_t *pubs = json_object_get(doc, "published"), *pj;
	if (json_array_size(pubs)) {
		fprintf(f, "%sPublished ports (DNAT)%s\n", pl_on(&o, PL_BOLD), pl_on(&o, PL_RESET));
		json_array_foreach(pubs, i, pj) {
			fprintf(f, "  %s\n", pl_json_member(pj, "explanation"));
			const json_t *l = json_object_get(pj, "listener");
			if (json_is_object(l)) {
				pl_buf b;
				pl_buf_init(&b, 1u << 20);
				pl_text_owners(&b, l, wide);
				fprintf(f, "    listener: %s\n", pl_buf_str(&b));
				pl_buf_free(&b);
			}
		}
	}
	if (*pl_json_member(doc, "nat_error"))
		fprintf(f, "%s%s%s\n", pl_on(&o, PL_DIM), pl_json_member(doc, "nat_error"), pl_on(&o, PL_RESET));
	const json_t *src = json_object_get(doc, "source");
	if (*pl_json_member(src, "note"))
		fprintf(f, "%s%s%s\n", pl_on(&o, PL_DIM), pl_json_member(src, "note"), pl_on(&o, PL_RESET));
	fprintf(f, "%zu socket%s\n", n, n == 1 ? "" : "s");
	fflush(f);
	return ferror(f) ? -1 : 0;
}

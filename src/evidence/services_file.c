/* The host's own /etc/services, read at run time: what this machine's administrators (or its distribution)
 * call a port. Parsed strictly and boundedly into entries sorted by port; the text stays in one buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/evidence.h"
#include "util/util.h"

#define MAX_FILE (4u << 20)

struct entry {
	uint16_t port;
	uint8_t proto;
	const char *name, *aliases;
};

struct pl_services_file {
	char *text;
	struct entry *e;
	size_t n, cap;
	uint16_t lo, hi; /* the ports kept: entries for others are skipped while parsing */
};

static int cmp_entry(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return (int)a->proto - (int)b->proto;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* "name port/proto alias... # comment", fields separated by blanks; anything else is skipped. One pass
 * over the line's bytes (a strtok-based parse cost ten times as much: this runs on every `portlore PORT`);
 * the name and the aliases are cut out in place, the aliases joined by single spaces. */
static void parse_line(pl_services_file *f, char *p, char *end)
{
	char *hash = memchr(p, '#', (size_t)(end - p));
	if (hash)
		end = hash;
	while (p < end && blank(*p))
		p++;
	char *name = p;
	while (p < end && !blank(*p))
		p++;
	if (p == name || p == end)
		return;
	*p++ = '\0';
	while (p < end && blank(*p))
		p++;
	uint32_t port = 0;
	size_t digits = 0;
	while (p < end && *p >= '0' && *p <= '9' && digits < 6) {
		port = port * 10 + (uint32_t)(*p++ - '0');
		digits++;
	}
	if (!digits || port > 65535 || p == end || *p != '/' || port < f->lo || port > f->hi)
		return;
	char *proto_s = ++p;
	while (p < end && !blank(*p))
		p++;
	pl_proto proto;
	if (pl_proto_parse(proto_s, (size_t)(p - proto_s), &proto) || proto == PL_PROTO_NONE)
		return;
	/* The aliases, rejoined with single spaces in place (the text only shrinks). */
	char *aliases = p, *out = p;
	while (p < end) {
		while (p < end && blank(*p))
			p++;
		if (p == end)
			break;
		if (out != aliases)
			*out++ = ' ';
		while (p < end && !blank(*p))
			*out++ = *p++;
	}
	*out = '\0';
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct entry *e = realloc(f->e, cap * sizeof *e);
		if (!e) {
			f->cap = SIZE_MAX; /* out of memory: parse_owned fails the whole load */
			return;
		}
		f->e = e;
		f->cap = cap;
	}
	f->e[f->n++] = (struct entry){(uint16_t)port, (uint8_t)proto, name, aliases};
}

/* Sorted by port and transport. A distribution's file is nearly in order already (Debian's: 7 lines out of
 * place in 361), and this runs on every `portlore PORT`: an insertion sort does it without the merge sort's
 * allocation, and a file far from order (moves past a bound) goes to qsort instead. */
static void sort_entries(struct entry *e, size_t n)
{
	size_t moves = 0, budget = 16 * n + 64;
	for (size_t i = 1; i < n; i++) {
		struct entry x = e[i];
		size_t j = i;
		while (j > 0 && cmp_entry(&e[j - 1], &x) > 0) {
			e[j] = e[j - 1];
			j--;
			if (++moves > budget) {
				e[j] = x;
				qsort(e, n, sizeof *e, cmp_entry);
				return;
			}
		}
		e[j] = x;
	}
}

/* Takes text (malloc'd, NUL-terminated, len bytes) and parses it in place. */
static int parse_owned(char *text, size_t len, uint16_t lo, uint16_t hi, pl_services_file **out, pl_error *err)
{
	pl_services_file *f = calloc(1, sizeof *f);
	if (!f) {
		free(text);
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	}
	f->text = text;
	f->lo = lo;
	f->hi = hi;
	if (lo == hi) {
		/* One port: only a line with "PORT/" after a blank can hold it. Every '/' is found at memory
		 * speed (one a line, about), the digits before it read back; such a line is parsed as any other,
		 * comments and all. parse_line writes in the lines it parses (their newline too): nothing before
		 * floor is read again. */
		char *floor = text;
		for (char *at = text, *stop = text + len; at < stop && f->cap != SIZE_MAX;) {
			char *slash = memchr(at, '/', (size_t)(stop - at));
			if (!slash)
				break;
			char *d = slash;
			uint32_t port = 0, scale = 1;
			while (d > floor && d[-1] >= '0' && d[-1] <= '9' && slash - d < 6) {
				d--;
				port += (uint32_t)(*d - '0') * scale;
				scale *= 10;
			}
			if (d == slash || d == floor || !blank(d[-1]) || port != lo) {
				at = slash + 1;
				continue;
			}
			char *line = d;
			while (line > floor && line[-1] != '\n')
				line--;
			char *nl = memchr(slash, '\n', (size_t)(stop - slash));
			char *eol = nl ? nl : stop;
			parse_line(f, line, eol);
			at = floor = eol + 1; /* a line is parsed once, whatever else it holds */
		}
	} else {
		for (char *line = f->text, *stop = f->text + len; line < stop && f->cap != SIZE_MAX;) {
			char *nl = memchr(line, '\n', (size_t)(stop - line));
			char *eol = nl ? nl : stop;
			parse_line(f, line, eol);
			line = eol + 1;
		}
	}
	if (f->cap == SIZE_MAX) {
		f->cap = 0;
		pl_services_file_free(f);
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	}
	sort_entries(f->e, f->n);
	*out = f;
	return 0;
}

int pl_services_file_load(const char *path, pl_services_file **out, pl_error *err)
{
	return pl_services_file_load_ports(path, 0, 65535, out, err);
}

int pl_services_file_load_ports(const char *path, uint16_t lo, uint16_t hi, pl_services_file **out, pl_error *err)
{
	char *text;
	size_t len;
	int rc = pl_read_file(path, MAX_FILE, &text, &len, err);
	return rc ? rc : parse_owned(text, len, lo, hi, out, err);
}

int pl_services_file_parse(const char *buf, size_t len, pl_services_file **out, pl_error *err)
{
	if (len > MAX_FILE)
		return pl_error_set(err, PL_ELIMIT, "services file larger than %u bytes", MAX_FILE);
	char *text = malloc(len + 1);
	if (!text)
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	memcpy(text, buf, len);
	text[len] = '\0';
	return parse_owned(text, len, 0, 65535, out, err);
}

void pl_services_file_free(pl_services_file *f)
{
	if (!f)
		return;
	free(f->text);
	free(f->e);
	free(f);
}

size_t pl_services_file_lookup(const pl_services_file *f, uint16_t port, pl_proto proto, pl_service_entry *out,
			       size_t max)
{
	if (!f)
		return 0;
	size_t lo = 0, hi = f->n, n = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->e[mid].port < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < f->n && f->e[i].port == port; i++) {
		if (proto != PL_PROTO_NONE && f->e[i].proto != proto)
			continue;
		if (out && n < max)
			out[n] = (pl_service_entry){f->e[i].name, f->e[i].aliases, (pl_proto)f->e[i].proto};
		n++;
	}
	return n;
}


size_t pl_services_file_by_name(const pl_services_file *f, const char *name, uint16_t *ports, pl_proto *protos,
				size_t max)
{
	size_t n = 0;
	for (size_t i = 0; f && i < f->n; i++)
		if (pl_strcasecmp(f->e[i].name, name) == 0 || pl_word_in(f->e[i].aliases, name)) {
			if (n < max) {
				ports[n] = f->e[i].port;
				protos[n] = (pl_proto)f->e[i].proto;
			}
			n++;
		}
	return n;
}

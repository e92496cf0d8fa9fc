/* What every subcommand shares: the common options, choosing the registry in use, and printing a
 * document as JSON or text. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "util/util.h"

static const struct {
	unsigned bit;
	const char *name;
} globals[] = {{G_JSON, "--json"}, {G_JSONL, "--jsonl"}, {G_NOLOCAL, "--no-local"}, {G_REGISTRY, "--registry"},
	       {G_COLOR, "--color"}};

bool cli_global_allowed(const cli_ctx *ctx, unsigned g)
{
	if (!ctx->cmd || (ctx->cmd->globals & g))
		return true;
	for (size_t i = 0; i < sizeof globals / sizeof globals[0]; i++)
		if (globals[i].bit == g)
			cli_usage_error(ctx, ctx->cmd->name, "%s does not apply to '%s'", globals[i].name, ctx->cmd->name);
	return false;
}

int cli_common_option(int opt, const char *arg, cli_ctx *ctx)
{
	unsigned g = opt == 'j' ? G_JSON : opt == 'J' ? G_JSONL : opt == 'L' ? G_NOLOCAL : opt == 'r' ? G_REGISTRY
		   : opt == 'c' ? G_COLOR : 0;
	if (g && !cli_global_allowed(ctx, g))
		return EXIT_USAGE + 100;
	switch (opt) {
	case 'j':
		ctx->json = true;
		return 1;
	case 'J':
		ctx->jsonl = true;
		return 1;
	case 'L':
		ctx->no_local = true;
		return 1;
	case 'Q':
		ctx->no_probe = true;
		return 1;
	case 'r':
		if (!*arg) {
			cli_usage_error(ctx, NULL, "--registry needs a file name");
			return EXIT_USAGE + 100;
		}
		ctx->registry_path = arg;
		return 1;
	case 'c':
		if (!strcmp(arg, "auto"))
			ctx->colour = -1;
		else if (!strcmp(arg, "always"))
			ctx->colour = 1;
		else if (!strcmp(arg, "never"))
			ctx->colour = 0;
		else {
			cli_usage_error(ctx, NULL, "--color takes auto, always or never, not '%s'", arg);
			return EXIT_USAGE + 100;
		}
		return 1;
	}
	return 0;
}

int cli_cache_path(char *buf, size_t size)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	int n;
	if (xdg && *xdg == '/')
		n = snprintf(buf, size, "%s/portlore/registry.idx", xdg);
	else if (home && *home)
		n = snprintf(buf, size, "%s/.cache/portlore/registry.idx", home);
	else
		return -1;
	return n > 0 && (size_t)n < size ? 0 : -1;
}

int cli_open_registry(const cli_ctx *ctx, pl_registry **reg, pl_render_meta *meta)
{
	static char cache[4096];
	pl_error err = {0};
	meta->version = PORTLORE_VERSION;
	meta->registry_path = NULL;
	if (ctx->registry_path) {
		if (pl_registry_open_file(ctx->registry_path, reg, &err)) {
			cli_error(ctx, "%s", err.msg);
			return EXIT_RUNTIME;
		}
		meta->registry_origin = "file";
		meta->registry_path = ctx->registry_path;
		return 0;
	}
	struct stat st;
	if (cli_cache_path(cache, sizeof cache) == 0 && stat(cache, &st) == 0) {
		if (pl_registry_open_file(cache, reg, &err) == 0) {
			meta->registry_origin = "cache";
			meta->registry_path = cache;
			return 0;
		}
		/* A damaged cache must not stop a lookup: say so, move it aside so that it is said once (and kept
		 * for a look), and fall back to the snapshot. An unreadable one (EIO) is left where it is. */
		char aside[4200];
		/* a cache another portlore wrote in another index format (version 2 came with issue 9) is not
		 * corrupt: it is kept aside under a name that says so */
		bool old_format = strstr(err.msg, "index format version") != NULL;
		snprintf(aside, sizeof aside, "%s.%s", cache, old_format ? "old-format" : "corrupt");
		bool moved = err.code == PL_EFORMAT && rename(cache, aside) == 0;
		cli_error(ctx, "warning: ignoring the registry cache: %s; using the embedded snapshot%s%s "
				"(run 'portlore update' to refresh it)",
			err.msg, moved ? "; moved it to " : "", moved ? aside : "");
	}
	if (pl_registry_open_embedded(reg, &err)) {
		cli_error(ctx, "the embedded registry is unusable: %s", err.msg);
		return EXIT_RUNTIME;
	}
	meta->registry_origin = "embedded";
	return 0;
}

void cli_error(const cli_ctx *ctx, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	char *safe = pl_term_escape(msg, strlen(msg), 0);
	fprintf(stderr, "%s: %s\n", ctx->prog, safe ? safe : "(an error whose text could not be shown)");
	free(safe);
}

void cli_printf(const char *fmt, ...)
{
	char small[1024], *buf = small;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof small) {
		buf = malloc((size_t)n + 1);
		if (!buf)
			return;
		va_start(ap, fmt);
		vsnprintf(buf, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	char *safe = pl_term_escape(buf, (size_t)n, 0);
	if (safe) {
		fputs(safe, stdout);
		fputc('\n', stdout);
	}
	free(safe);
	if (buf != small)
		free(buf);
}

int cli_flush(const cli_ctx *ctx)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	fprintf(stderr, "%s: cannot write the output: %s\n", ctx->prog, strerror(errno));
	return EXIT_RUNTIME;
}

int cli_term_width(void)
{
	/* COLUMNS first (a user's choice, and how tests ask), then the terminal itself; a pipe has no width. */
	const char *c = getenv("COLUMNS");
	uint32_t v;
	if (c && *c && pl_parse_uint(c, strlen(c), 10000, &v) == 0 && v > 0)
		return (int)v;
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 0;
}

bool cli_want_colour(const cli_ctx *ctx)
{
	if (ctx->colour >= 0)
		return ctx->colour == 1;
	const char *nc = getenv("NO_COLOR");
	return isatty(STDOUT_FILENO) && !(nc && *nc);
}

/* jansson's allocations in the CLI: free lists by size class. A port report is ~230 small nodes (objects,
 * their tables, keys, strings) and a range makes and frees 65,536 of them: glibc's malloc and free were a
 * third of `portlore 0-65535`. Blocks up to 512 bytes come from 64 KiB chunks, carved once, and go back to
 * the list of their class when freed (an 8-byte header names the class: jansson's values need no more
 * alignment than a pointer or a double, and a port report is ~1,500 small blocks); larger
 * ones go to malloc. The lists are per thread (the probe's and /proc walk's threads never share a list),
 * chunks are kept until exit: memory is bounded by the most that was ever live at once. */
#define JA_HEAD 8u
#define JA_STEP 8u
#define JA_CLASSES 64u /* up to 512 bytes of payload */
#define JA_CHUNK (64u << 10)
#define JA_LARGE 0xffffffffu

typedef union ja_block {
	union ja_block *next; /* while free */
	unsigned char head[JA_HEAD]; /* while used: the class, or JA_LARGE */
} ja_block;

static _Thread_local ja_block *ja_free[JA_CLASSES];
static _Thread_local unsigned char *ja_chunk;
static _Thread_local size_t ja_left;

static void *ja_malloc(size_t n)
{
	if (n > JA_CLASSES * JA_STEP || n == 0) {
		if (n > SIZE_MAX - JA_HEAD)
			return NULL;
		unsigned char *p = malloc(n + JA_HEAD);
		if (!p)
			return NULL;
		*(uint32_t *)p = JA_LARGE;
		return p + JA_HEAD;
	}
	uint32_t c = (uint32_t)((n - 1) / JA_STEP);
	ja_block *b = ja_free[c];
	if (b) {
		ja_free[c] = b->next;
	} else {
		size_t size = JA_HEAD + (c + 1) * JA_STEP;
		if (ja_left < size) {
			ja_chunk = malloc(JA_CHUNK); /* the rest of the last chunk is left unused */
			if (!ja_chunk) {
				ja_left = 0;
				return NULL;
			}
			ja_left = JA_CHUNK;
		}
		b = (ja_block *)ja_chunk;
		ja_chunk += size;
		ja_left -= size;
	}
	*(uint32_t *)b->head = c;
	return b->head + JA_HEAD;
}

static void ja_free_block(void *p)
{
	if (!p)
		return;
	ja_block *b = (ja_block *)((unsigned char *)p - JA_HEAD);
	uint32_t c = *(uint32_t *)b->head;
	if (c == JA_LARGE) {
		free(b);
		return;
	}
	b->next = ja_free[c];
	ja_free[c] = b;
}

void cli_json_arena(void)
{
	json_set_alloc_funcs(ja_malloc, ja_free_block);
}

/* The last document written is kept until the process exits rather than torn down node by node: the
 * CLI exits right after its output, and freeing a port report's ~2,000 nodes cost a fifth of `portlore
 * 22`. A command that writes several documents frees each as the next one comes; what is parked stays
 * reachable, so leak checkers do not count it (git's UNLEAK does the same). */
static json_t *parked;

static void park(json_t *doc)
{
	json_decref(parked);
	parked = doc;
}

int cli_emit(const cli_ctx *ctx, json_t *doc)
{
	if (!doc) {
		fprintf(stderr, "%s: out of memory\n", ctx->prog);
		return EXIT_RUNTIME;
	}
	int rc = 0;
	if (ctx->jsonl) {
		rc = json_dumpf(doc, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		fflush(stdout);
		rc = rc || ferror(stdout);
	} else if (ctx->json) {
		rc = json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		fflush(stdout);
		rc = rc || ferror(stdout);
	} else {
		pl_text_opts o = {cli_want_colour(ctx)};
		pl_table_opts t = {cli_term_width(), ctx->wide};
		rc = pl_render_text_owned(stdout, doc, &o, &t);
	}
	park(doc);
	if (rc) {
		fprintf(stderr, "%s: cannot write the output: %s\n", ctx->prog, strerror(errno));
		return EXIT_RUNTIME;
	}
	return 0;
}

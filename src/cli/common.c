/* What every subcommand shares: the common options, choosing the registry in use, and printing a
 * document as JSON or text. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "util/util.h"

int cli_common_option(int opt, const char *arg, cli_ctx *ctx)
{
	switch (opt) {
	case 'j':
		ctx->json = true;
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
			fprintf(stderr, "%s: %s\n", ctx->prog, err.msg);
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
		snprintf(aside, sizeof aside, "%s.corrupt", cache);
		bool moved = err.code == PL_EFORMAT && rename(cache, aside) == 0;
		fprintf(stderr, "%s: warning: ignoring the registry cache: %s; using the embedded snapshot%s%s "
				"(run 'portlore update' to refresh it)\n",
			ctx->prog, err.msg, moved ? "; moved it to " : "", moved ? aside : "");
	}
	if (pl_registry_open_embedded(reg, &err)) {
		fprintf(stderr, "%s: the embedded registry is unusable: %s\n", ctx->prog, err.msg);
		return EXIT_RUNTIME;
	}
	meta->registry_origin = "embedded";
	return 0;
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
	pl_term_clean(buf, (size_t)n);
	fwrite(buf, 1, (size_t)n, stdout);
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

static bool want_colour(const cli_ctx *ctx)
{
	if (ctx->colour >= 0)
		return ctx->colour == 1;
	const char *nc = getenv("NO_COLOR");
	return isatty(STDOUT_FILENO) && !(nc && *nc);
}

int cli_emit(const cli_ctx *ctx, json_t *doc)
{
	if (!doc) {
		fprintf(stderr, "%s: out of memory\n", ctx->prog);
		return EXIT_RUNTIME;
	}
	int rc = 0;
	if (ctx->json) {
		rc = json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		fflush(stdout);
		rc = rc || ferror(stdout);
	} else {
		pl_text_opts o = {want_colour(ctx)};
		rc = pl_render_text(stdout, doc, &o);
	}
	json_decref(doc);
	if (rc) {
		fprintf(stderr, "%s: cannot write the output: %s\n", ctx->prog, strerror(errno));
		return EXIT_RUNTIME;
	}
	return 0;
}

/* portlore diff OLD NEW: the records IANA added, removed and changed between two releases of the registry.
 * Each side is a file in any format the registry reads, or the word `embedded` (the snapshot in the
 * binary) or `cache` (what `portlore update` fetched); `./embedded` names a file of that name. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const struct option opts[] = {
	CLI_GLOBAL_OPTIONS, {NULL, 0, NULL, 0},
};

typedef struct side {
	pl_registry *reg;
	pl_render_meta meta;
	char cache[4096];
} side;

static int open_side(const cli_ctx *ctx, const char *arg, side *s)
{
	pl_error err = {0};
	s->meta = (pl_render_meta){PORTLORE_VERSION, "file", arg};
	if (!strcmp(arg, "embedded")) {
		s->meta = (pl_render_meta){PORTLORE_VERSION, "embedded", NULL};
		if (pl_registry_open_embedded(&s->reg, &err)) {
			cli_error(ctx, "the embedded registry is unusable: %s", err.msg);
			return EXIT_RUNTIME;
		}
		return 0;
	}
	if (!strcmp(arg, "cache")) {
		struct stat st;
		if (cli_cache_path(s->cache, sizeof s->cache) || stat(s->cache, &st) != 0) {
			fprintf(stderr, "%s: no update cache yet: run 'portlore update'\n", ctx->prog);
			return EXIT_RUNTIME;
		}
		s->meta = (pl_render_meta){PORTLORE_VERSION, "cache", s->cache};
		arg = s->cache;
	}
	if (pl_registry_open_file(arg, &s->reg, &err)) {
		cli_error(ctx, "%s", err.msg);
		return EXIT_RUNTIME;
	}
	return 0;
}

int cmd_diff(int argc, char **argv, cli_ctx *ctx)
{
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			return cli_print_help("diff");
		}
		if (c == '?' || c == ':')
			return cli_usage_error(ctx, "diff", "%s '%s'", c == '?' ? "unknown option" : "missing value for",
					       argv[optind - 1]);
		if (cli_common_option(c, optarg, ctx) > 1)
			return EXIT_USAGE;
	}
	if (argc - optind != 2)
		return cli_usage_error(ctx, "diff", "diff takes two registries, OLD and NEW (got %d)", argc - optind);
	if (ctx->registry_path)
		return cli_usage_error(ctx, "diff", "diff compares the two registries it is given: drop --registry and "
						    "name '%s' as OLD or NEW",
				       ctx->registry_path);
	side before = {0}, after = {0};
	int rc = open_side(ctx, argv[optind], &before);
	if (rc)
		return rc;
	rc = open_side(ctx, argv[optind + 1], &after);
	if (rc) {
		pl_registry_close(before.reg);
		return rc;
	}
	json_t *doc = pl_render_diff_json(before.reg, &before.meta, after.reg, &after.meta);
	json_int_t total = 0;
	const char *const kinds[] = {"added", "removed", "changed"};
	for (int i = 0; doc && i < 3; i++)
		total += json_integer_value(json_object_get(json_object_get(doc, "counts"), kinds[i]));
	rc = cli_emit(ctx, doc);
	pl_registry_close(before.reg);
	pl_registry_close(after.reg);
	if (rc)
		return rc;
	return total > 0 ? EXIT_FOUND : EXIT_NOTHING;
}

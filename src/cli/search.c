/* portlore search TERM: ranked matches over service names, descriptions and assignees. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util/util.h"

#define DEFAULT_LIMIT 25
#define MAX_LIMIT 100000

static const struct option opts[] = {
	{"limit", required_argument, NULL, 'n'},
	CLI_GLOBAL_OPTIONS, {NULL, 0, NULL, 0},
};

int cmd_search(int argc, char **argv, cli_ctx *ctx)
{
	uint32_t limit = DEFAULT_LIMIT;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":hn:", opts, NULL)) != -1) {
		if (c == 'h') {
			return cli_print_help("search");
		}
		if (c == 'n') {
			if (pl_parse_uint(optarg, strlen(optarg), MAX_LIMIT, &limit) || limit == 0)
				return cli_usage_error(ctx, "search", "--limit takes a number from 1 to %d, not '%s'", MAX_LIMIT,
						       optarg);
			continue;
		}
		if (c == '?' || c == ':')
			return cli_usage_error(ctx, "search", "%s '%s'", c == '?' ? "unknown option" : "missing value for",
					       argv[optind - 1]);
		if (cli_common_option(c, optarg, ctx) > 1)
			return EXIT_USAGE;
	}
	if (optind >= argc)
		return cli_usage_error(ctx, "search", "no search term given");
	/* Several operands are several words, all of which must match: "remote desktop". */
	char term[1024];
	size_t at = 0;
	for (int i = optind; i < argc; i++) {
		int w = snprintf(term + at, sizeof term - at, "%s%s", at ? " " : "", argv[i]);
		if (w < 0 || (size_t)w >= sizeof term - at)
			return cli_usage_error(ctx, "search", "search words longer than %zu characters", sizeof term - 1);
		at += (size_t)w;
	}
	pl_registry *reg;
	pl_render_meta meta;
	int rc = cli_open_registry(ctx, &reg, &meta);
	if (rc)
		return rc;
	pl_hit *hits = malloc(limit * sizeof *hits);
	if (!hits) {
		pl_registry_close(reg);
		fprintf(stderr, "%s: out of memory\n", ctx->prog);
		return EXIT_RUNTIME;
	}
	pl_error err = {0};
	size_t total = 0;
	int n = pl_registry_search_ex(reg, term, hits, limit, &total, &err);
	if (n < 0) {
		cli_error(ctx, "%s", err.msg);
		free(hits);
		pl_registry_close(reg);
		return n == PL_ENOMEM ? EXIT_RUNTIME : EXIT_USAGE;
	}
	rc = cli_emit(ctx, pl_render_search_json_ex(reg, term, hits, (size_t)n, total, &meta));
	free(hits);
	pl_registry_close(reg);
	if (rc)
		return rc;
	return n > 0 ? EXIT_FOUND : EXIT_NOTHING;
}

/* portlore ghosts: every ghost registration in the registry in use, each with the person to ask about it,
 * and how many there are among the assigned services. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "util/util.h"

#define MAX_LIMIT 1000000

static const struct option opts[] = {
	{"limit", required_argument, NULL, 'n'},
	{"transport", required_argument, NULL, 't'}, {"in-use", no_argument, NULL, 'u'}, CLI_GLOBAL_OPTIONS,
	{NULL, 0, NULL, 0},
};

int cmd_ghosts(int argc, char **argv, cli_ctx *ctx)
{
	uint32_t limit = 0;
	pl_proto proto = PL_PROTO_NONE;
	bool thin = false;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":hn:t:", opts, NULL)) != -1) {
		if (c == 'h') {
			return cli_print_help("ghosts");
		}
		if (c == 'n') {
			if (pl_parse_uint(optarg, strlen(optarg), MAX_LIMIT, &limit) || limit == 0)
				return cli_usage_error(ctx, "ghosts", "--limit takes a number from 1 to %d, not '%s'", MAX_LIMIT,
						       optarg);
			continue;
		}
		if (c == 'u') {
			thin = true;
			continue;
		}
		if (c == 't') {
			if (pl_proto_parse(optarg, strlen(optarg), &proto))
				return cli_usage_error(ctx, "ghosts", "--transport takes tcp, udp, sctp or dccp, not '%s'", optarg);
			continue;
		}
		if (c == '?' || c == ':')
			return cli_usage_error(ctx, "ghosts", "%s '%s'", c == '?' ? "unknown option" : "missing value for",
					       argv[optind - 1]);
		if (cli_common_option(c, optarg, ctx) > 1)
			return EXIT_USAGE;
	}
	if (optind < argc)
		return cli_usage_error(ctx, "ghosts", "ghosts takes no operand ('%s'); try --transport", argv[optind]);
	pl_registry *reg;
	pl_render_meta meta;
	int rc = cli_open_registry(ctx, &reg, &meta);
	if (rc)
		return rc;
	json_t *doc = pl_render_ghosts_json_ex(reg, proto, limit, thin, &meta);
	json_int_t found = doc ? json_integer_value(json_object_get(json_object_get(doc, "counts"), "ghosts")) : 0;
	rc = cli_emit(ctx, doc);
	pl_registry_close(reg);
	if (rc)
		return rc;
	return found > 0 ? EXIT_FOUND : EXIT_NOTHING;
}

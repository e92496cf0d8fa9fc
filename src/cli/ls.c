/* portlore ls [--tcp|--udp|--sctp] [--all] [--netns NS]: every listening socket on this host (every socket
 * with --all), in every network namespace it may enter, sorted by port, each with its owners, namespace,
 * container, the service registered for its port and the verdict; then the ports published through DNAT. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static const struct option opts[] = {
	{"tcp", no_argument, NULL, 't'},  {"udp", no_argument, NULL, 'u'},   {"sctp", no_argument, NULL, 'S'},
	{"all", no_argument, NULL, 'a'},  {"json", no_argument, NULL, 'j'},  {"registry", required_argument, NULL, 'r'},
	{"color", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'},
	{"netns", required_argument, NULL, 'N'}, {NULL, 0, NULL, 0},
};

int cmd_ls(int argc, char **argv, cli_ctx *ctx)
{
	pl_socket_query q = {.proc_root = "/proc", .listening_only = true, .owners = true, .all_netns = true,
			     .containers = true, .published = true};
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "htuSa", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			cli_print_usage(stdout, "ls");
			return EXIT_FOUND;
		case 't':
			q.protos |= 1u << PL_PROTO_TCP;
			break;
		case 'u':
			q.protos |= 1u << PL_PROTO_UDP;
			break;
		case 'S':
			q.protos |= 1u << PL_PROTO_SCTP;
			break;
		case 'a':
			q.listening_only = false;
			break;
		case 'N':
			q.netns = optarg;
			break;
		case '?':
		case ':':
			return cli_usage_error(ctx, "ls", "%s '%s'", c == '?' ? "unknown option" : "missing value for",
					       argv[optind - 1]);
		default:
			if (cli_common_option(c, optarg, ctx) > 1)
				return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(ctx, "ls", "unexpected argument '%s' (to look at one port: portlore PORT)",
				       argv[optind]);
	pl_registry *reg;
	pl_render_meta meta;
	int rc = cli_open_registry(ctx, &reg, &meta);
	if (rc)
		return rc;
	pl_socket_set *set;
	pl_error err = {0};
	if (pl_sockets_query(&q, &set, &err)) {
		fprintf(stderr, "%s: %s\n", ctx->prog, err.msg);
		pl_registry_close(reg);
		return q.netns && err.code == PL_ENOTFOUND ? EXIT_NOTHING : EXIT_RUNTIME;
	}
	rc = cli_emit(ctx, pl_render_sockets_json(reg, set, &meta));
	size_t n = set->n + set->npublished;
	pl_socket_set_free(set);
	pl_registry_close(reg);
	if (rc)
		return rc;
	return n ? EXIT_FOUND : EXIT_NOTHING;
}

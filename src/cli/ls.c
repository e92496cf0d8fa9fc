/* portlore ls [--tcp|--udp|--sctp] [--all]: every listening socket on this host (every socket with --all),
 * sorted by port, each with its owners, the service registered for its port and the verdict. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "portlore/explain.h"
#include "portlore/probe.h"

static const struct option opts[] = {
	{"tcp", no_argument, NULL, 't'},  {"udp", no_argument, NULL, 'u'},   {"sctp", no_argument, NULL, 'S'},
	{"all", no_argument, NULL, 'a'},  {"json", no_argument, NULL, 'j'},  {"registry", required_argument, NULL, 'r'},
	{"color", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'}, {"probe", no_argument, NULL, 'P'},
	{NULL, 0, NULL, 0},
};

int cmd_ls(int argc, char **argv, cli_ctx *ctx)
{
	pl_socket_query q = {.proc_root = "/proc", .listening_only = true, .owners = true};
	bool probe = false;
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
		case 'P':
			probe = true;
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
		return EXIT_RUNTIME;
	}
	json_t *doc = pl_render_sockets_json(reg, set, &meta);
	if (probe && doc) {
		/* --probe: every listener asked what it speaks, on its own loopback */
		pl_probe_result *res;
		size_t nres;
		pl_probe_opts po = pl_probe_local_opts();
		po.nmap_probes = access(PL_NMAP_SERVICE_PROBES, R_OK) == 0 ? PL_NMAP_SERVICE_PROBES : NULL;
		if (pl_sockets_probe(set, &po, &res, &nres, &err) == 0) {
			pl_render_sockets_probe(reg, doc, res, nres);
			free(res);
		} else
			fprintf(stderr, "%s: warning: listeners not probed: %s\n", ctx->prog, err.msg);
	}
	rc = cli_emit(ctx, doc);
	size_t n = set->n;
	pl_socket_set_free(set);
	pl_registry_close(reg);
	if (rc)
		return rc;
	return n ? EXIT_FOUND : EXIT_NOTHING;
}

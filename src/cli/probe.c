/* portlore probe HOST[:PORT[,PORT|-RANGE...]]...: asks the ports themselves what they speak. Only the
 * hosts and ports named are touched; a concurrency cap, a rate limit and a deadline per port keep it
 * polite and bounded (the engine: src/probe/engine.c). */
#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "portlore/explain.h"
#include "portlore/probe.h"
#include "util/util.h"

#define MAX_TARGETS 4096

static const struct option opts[] = {
	{"udp", no_argument, NULL, 'u'},
	{"tcp", no_argument, NULL, 't'},
	{"timeout", required_argument, NULL, 'T'},
	{"connect-timeout", required_argument, NULL, 'C'},
	{"wait", required_argument, NULL, 'W'},
	{"concurrency", required_argument, NULL, 'P'},
	{"rate", required_argument, NULL, 'R'},
	{"no-tls", no_argument, NULL, 'N'},
	{"nmap-probes", required_argument, NULL, 'M'},
	{"no-nmap", no_argument, NULL, 'X'},
	CLI_GLOBAL_OPTIONS,
	{NULL, 0, NULL, 0},
};

static int number(const cli_ctx *ctx, const char *opt, const char *arg, uint32_t max, unsigned *out)
{
	uint32_t v;
	if (pl_parse_uint(arg, strlen(arg), max, &v) || v == 0)
		return cli_usage_error(ctx, "probe", "%s takes a number from 1 to %u, not '%s'", opt, max, arg);
	*out = v;
	return 0;
}

static int resolve(const cli_ctx *ctx, const char *host, int family, pl_probe_target *t)
{
	/* A name that has both: IPv4 first, as nmap does (a service bound to 127.0.0.1 only is common; one
	 * bound to ::1 only is rare), unless -6 says otherwise. */
	struct addrinfo hints = {.ai_family = family == AF_UNSPEC ? AF_INET : family, .ai_socktype = SOCK_STREAM},
			*res = NULL;
	int rc = getaddrinfo(host, NULL, &hints, &res);
	if ((rc || !res) && family == AF_UNSPEC) {
		hints.ai_family = AF_UNSPEC;
		rc = getaddrinfo(host, NULL, &hints, &res);
	}
	if (rc || !res) {
		fprintf(stderr, "%s: cannot resolve '%s': %s\n", ctx->prog, host, gai_strerror(rc));
		return rc == EAI_NONAME ? EXIT_USAGE : EXIT_RUNTIME;
	}
	memcpy(&t->addr, res->ai_addr, res->ai_addrlen);
	t->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	snprintf(t->host, sizeof t->host, "%s", host);
	return 0;
}

int cmd_probe(int argc, char **argv, cli_ctx *ctx)
{
	pl_probe_opts po = {.prefer_for = pl_probe_known_protocols};
	/* nmap's service probes, for replies none of ours names: Debian's nmap-common, when installed. */
	const char *nmap = access(PL_NMAP_SERVICE_PROBES, R_OK) == 0 ? PL_NMAP_SERVICE_PROBES : NULL;
	pl_proto default_proto = PL_PROTO_TCP;
	int family = AF_UNSPEC;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":h46", opts, NULL)) != -1) {
		int rc = 0;
		switch (c) {
		case 'h':
			return cli_print_help("probe");
		case '4':
			family = AF_INET;
			break;
		case '6':
			family = AF_INET6;
			break;
		case 'u':
			default_proto = PL_PROTO_UDP;
			break;
		case 't':
			default_proto = PL_PROTO_TCP;
			break;
		case 'T':
			rc = number(ctx, "--timeout", optarg, 600000, &po.timeout_ms);
			break;
		case 'C':
			rc = number(ctx, "--connect-timeout", optarg, 60000, &po.connect_timeout_ms);
			break;
		case 'W':
			rc = number(ctx, "--wait", optarg, 60000, &po.banner_ms);
			break;
		case 'P':
			rc = number(ctx, "--concurrency", optarg, 256, &po.concurrency);
			break;
		case 'R':
			rc = number(ctx, "--rate", optarg, 100000, &po.rate);
			break;
		case 'N':
			po.no_tls = true;
			break;
		case 'M':
			if (!*optarg)
				return cli_usage_error(ctx, "probe", "--nmap-probes needs a file name");
			nmap = optarg;
			break;
		case 'X':
			nmap = NULL;
			break;
		case '?':
			return cli_usage_error(ctx, "probe", "unknown option '%s'", argv[optind - 1]);
		case ':':
			return cli_usage_error(ctx, "probe", "option '%s' needs a value", argv[optind - 1]);
		default:
			rc = cli_common_option(c, optarg, ctx);
			if (rc > 1)
				return EXIT_USAGE;
			rc = 0;
		}
		if (rc)
			return rc;
	}
	if (optind >= argc)
		return cli_usage_error(ctx, "probe", "no host given: try 'portlore probe localhost:22,80'");

	pl_probe_target *targets = calloc(MAX_TARGETS, sizeof *targets);
	pl_probe_port *ports = calloc(MAX_TARGETS, sizeof *ports);
	pl_probe_result *results = NULL;
	size_t n = 0;
	int rc = 0;
	if (!targets || !ports) {
		fprintf(stderr, "%s: out of memory\n", ctx->prog);
		rc = EXIT_RUNTIME;
		goto out;
	}
	for (int a = optind; a < argc; a++) {
		char host[256];
		pl_error err = {0};
		int np = pl_probe_parse_spec(argv[a], default_proto, host, sizeof host, ports, MAX_TARGETS, &err);
		if (np < 0) {
			rc = cli_usage_error(ctx, "probe", "%s", err.msg);
			goto out;
		}
		if (np == 0) {
			static const uint16_t udp_default[] = {53, 123, 161, 443};
			if (default_proto == PL_PROTO_UDP) {
				for (size_t k = 0; k < sizeof udp_default / sizeof udp_default[0]; k++)
					ports[k] = (pl_probe_port){udp_default[k], PL_PROTO_UDP};
				np = sizeof udp_default / sizeof udp_default[0];
			} else
				np = (int)pl_probe_default_ports(ports, MAX_TARGETS);
		}
		pl_probe_target base = {0};
		if ((rc = resolve(ctx, host, family, &base)))
			goto out;
		for (int k = 0; k < np; k++) {
			if (n >= MAX_TARGETS) {
				rc = cli_usage_error(ctx, "probe", "too many ports at once (at most %d)", MAX_TARGETS);
				goto out;
			}
			targets[n] = base;
			targets[n].port = ports[k].port;
			targets[n].proto = ports[k].proto;
			n++;
		}
	}
	results = calloc(n, sizeof *results);
	if (!results) {
		fprintf(stderr, "%s: out of memory\n", ctx->prog);
		rc = EXIT_RUNTIME;
		goto out;
	}
	pl_registry *reg;
	pl_render_meta meta;
	if ((rc = cli_open_registry(ctx, &reg, &meta)))
		goto out;
	pl_error err = {0};
	po.nmap_probes = nmap;
	if (nmap && pl_nmap_probes_check(nmap, &err)) {
		fprintf(stderr, "%s: %s\n", ctx->prog, err.msg);
		pl_registry_close(reg);
		rc = EXIT_USAGE;
		goto out;
	}
	if (pl_probe_run(targets, n, &po, results, &err)) {
		fprintf(stderr, "%s: %s\n", ctx->prog, err.msg);
		pl_registry_close(reg);
		rc = EXIT_RUNTIME;
		goto out;
	}
	bool any = false;
	for (size_t i = 0; i < n; i++)
		any |= results[i].state <= PL_PROBE_SILENT;
	rc = cli_emit(ctx, pl_render_probe_json(reg, results, n, &meta));
	pl_registry_close(reg);
	if (!rc)
		rc = any ? EXIT_FOUND : EXIT_NOTHING;
out:
	free(targets);
	free(ports);
	free(results);
	return rc;
}

/* portlore's entry point: global options, then dispatch through the subcommand table. A first operand
 * that names no subcommand is a port spec: `portlore 2908` is `portlore show 2908`. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const cli_cmd commands[] = {
	{"check", "[--tcp|--udp] [--json] PORT", "is the port safe to take for a new service? (exit 0 yes, 1 no)",
	 cmd_check},
	{"diff", "[--json] OLD NEW", "what changed between two registries (a file, 'embedded' or 'cache')", cmd_diff},
	{"ghosts", "[--transport T] [--in-use] [--json] [--limit N]", "list every ghost registration, with its contact",
	 cmd_ghosts},
	{"ls", "[--tcp|--udp|--sctp] [--all] [--probe] [--json]", "every listening socket here, with owners and verdicts",
	 cmd_ls},
	{"pick", "[--count N] [--tcp|--udp] [--range A-B] [--json]", "random ports that pass check", cmd_pick},
	{"probe", "[--udp] [--timeout MS] [--wait MS] [--concurrency N] [--rate N] [--no-tls] [--nmap-probes FILE|--no-nmap] [-4|-6] [--json] "
		  "HOST[:PORT[,PORT|FIRST-LAST][/udp]...]...",
	 "ask ports what they speak: banner, TLS, HTTP and other probes, with the verdict", cmd_probe},
	{"search", "[--limit N] [--json] TERM...", "search service names, descriptions, assignees and common names",
	 cmd_search},
	{"serve", "[--listen ADDR:PORT] [--db FILE] [--expose-processes]",
	 "serve port pages, a JSON API, feedback and /metrics over HTTP", cmd_serve},
	{"show", "[--json] [--no-local] [--no-probe] PORT|PORT/PROTO|FIRST-LAST|NAME", "explain a port, a range or a service",
	 cmd_show},
	{"traffic", "(--pcap FILE | --iface IF) [--port N] [--seconds S] [--json] [--flows N] [--max-flows N] [--idle S] "
		    "[--scan-ports N] [--scan-hosts N] [--scan-window S] [--no-dpi]",
	 "what crosses a port: flows, protocols by payload, scanners, verdicts", cmd_traffic},
	{"update", "[--from FILE|URL] [--force]", "fetch IANA's registry into the cache (default: IANA's XML)",
	 cmd_update},
};

static const cli_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

void cli_print_usage(FILE *f, const char *cmd)
{
	const cli_cmd *c = cmd ? find_cmd(cmd) : NULL;
	if (c) {
		fprintf(f, "usage: portlore %s %s\n", c->name, c->usage);
		return;
	}
	fprintf(f, "usage: portlore [OPTIONS] PORT|PORT/PROTO|FIRST-LAST|NAME\n"
		   "       portlore [OPTIONS] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-8s %s\n           portlore %s %s\n", commands[i].name, commands[i].summary,
			commands[i].name, commands[i].usage);
	fprintf(f, "\noptions:\n"
		   "  --json              print one JSON document (docs/json-schema.md)\n"
		   "  --registry FILE     use this registry: IANA XML or CSV, a portlore index or table\n"
		   "  --no-local          registry answer only: skip what is on this host\n"
		   "  --no-probe          do not ask this host's listeners what they speak\n"
		   "  --color WHEN        auto (default: when stdout is a terminal and NO_COLOR is unset), always, never\n"
		   "  -h, --help          this help\n"
		   "  -V, --version       version and the registry in use\n"
		   "\nexit status: 0 found, 1 nothing found, 2 usage error, 3 runtime failure\n");
}

int cli_usage_error(const cli_ctx *ctx, const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", ctx->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cmd)
		cli_print_usage(stderr, cmd);
	else
		fprintf(stderr, "Try 'portlore --help'.\n");
	return EXIT_USAGE;
}

static int version(const cli_ctx *ctx)
{
	pl_registry *reg;
	pl_render_meta meta;
	int rc = cli_open_registry(ctx, &reg, &meta);
	if (rc)
		return rc;
	cli_printf("portlore %s\nregistry: IANA as of %s, %s%s%s (%s), %zu records\n", PORTLORE_VERSION,
	       *pl_registry_date(reg) ? pl_registry_date(reg) : "an unknown date (undated file)", meta.registry_origin, meta.registry_path ? " " : "",
	       meta.registry_path ? meta.registry_path : "", pl_registry_source(reg), pl_registry_count(reg));
	pl_registry_close(reg);
	return cli_flush(ctx) ? EXIT_RUNTIME : EXIT_FOUND;
}

int main(int argc, char **argv)
{
	cli_ctx ctx = {.colour = -1, .prog = "portlore"};
	if (argc < 2)
		return cli_usage_error(&ctx, NULL, "no port given: try 'portlore 2908'");
	/* Global options before the subcommand; the subcommand parses the rest (and takes these too). */
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--"))
			break;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			cli_print_usage(stdout, NULL);
			return EXIT_FOUND;
		}
		if (!strcmp(a, "-V") || !strcmp(a, "--version"))
			return version(&ctx);
		if (a[1] >= '0' && a[1] <= '9')
			break; /* "-1": a (bad) port spec, reported as such by show */
		if (!strcmp(a, "--json"))
			ctx.json = true;
		else if (!strcmp(a, "--no-local"))
			ctx.no_local = true;
		else if (!strcmp(a, "--no-probe"))
			ctx.no_probe = true;
		else if (!strcmp(a, "--registry") || !strcmp(a, "--color")) {
			if (i + 1 >= argc)
				return cli_usage_error(&ctx, NULL, "option '%s' needs a value", a);
			int rc = cli_common_option(a[2] == 'r' ? 'r' : 'c', argv[++i], &ctx);
			if (rc > 1)
				return EXIT_USAGE;
		} else if (!strncmp(a, "--registry=", 11) || !strncmp(a, "--color=", 8)) {
			int rc = cli_common_option(a[2] == 'r' ? 'r' : 'c', strchr(a, '=') + 1, &ctx);
			if (rc > 1)
				return EXIT_USAGE;
		} else
			return cli_usage_error(&ctx, NULL, "unknown option '%s'", a);
	}
	if (i >= argc)
		return cli_usage_error(&ctx, NULL, "no port given: try 'portlore 2908'");
	if (!strcmp(argv[i], "--")) /* show sees "--" as its first argument, and takes what follows as operands */
		return cmd_show(argc - i + 1, argv + i - 1, &ctx);
	const cli_cmd *c = find_cmd(argv[i]);
	if (c)
		return c->run(argc - i, argv + i, &ctx);
	/* Not a command: the operands are show's, with argv[i-1] standing in as its name. */
	return cmd_show(argc - i + 1, argv + i - 1, &ctx);
}

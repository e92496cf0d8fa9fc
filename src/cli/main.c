/* portlore's entry point: global options, then dispatch through the subcommand table. A first operand
 * that names no subcommand is a port spec: `portlore 2908` is `portlore show 2908`. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define G_OUT (G_JSON | G_REGISTRY | G_COLOR)

static const cli_cmd commands[] = {
	{"check", "[--tcp|--udp] [--json] PORT", "is the port safe to take for a new service? (exit 0 yes, 1 no)",
	 cmd_check, G_OUT,
	 "  -t, --tcp           judge TCP only (default: TCP and UDP)\n"
	 "  -u, --udp           judge UDP only\n"},
	{"diff", "[--json] OLD NEW", "what changed between two registries (a file, 'embedded' or 'cache')", cmd_diff,
	 G_JSON | G_COLOR | G_REGISTRY, ""},
	{"ghosts", "[--transport T] [--in-use] [--json] [--limit N]", "list every ghost registration, with its contact",
	 cmd_ghosts, G_OUT,
	 "  --transport T       tcp, udp, sctp or dccp only\n"
	 "  --in-use            also the thin registrations that the evidence shows in use\n"
	 "  --limit N           the first N ghosts\n"},
	{"ls", "[FILTER...] [-4|-6] [--tcp|--udp|--sctp] [--all] [--netns NS] [--probe] [--wide] [--json|--jsonl]",
	 "every listening socket in every network namespace, with owners, containers and verdicts", cmd_ls,
	 G_OUT | G_JSONL,
	 "  -t, --tcp  -u, --udp  -S, --sctp   these transports only (default: all three)\n"
	 "  -4, -6              IPv4 or IPv6 sockets only\n"
	 "  -a, --all           every socket, not only listeners\n"
	 "  --port P[-Q]        local port P (or P to Q); a bare number as FILTER means the same\n"
	 "  --address A         local address A (e.g. 127.0.0.1, ::, 0.0.0.0)\n"
	 "  --state S           state S (LISTEN, ESTAB, UNCONN, TIME-WAIT...)\n"
	 "  --user U            owned by user U (name or uid)\n"
	 "  --pid N             held by process N\n"
	 "  --command C         held by a process whose name or command line contains C\n"
	 "  -w, --wide          whole command lines, file descriptors and queues\n"
	 "  --netns NS          one network namespace: self, a /run/netns name, an inode, a container\n"
	 "  --probe             ask every listener what it speaks (on its own loopback)\n"},
	{"pick", "[--count N] [--tcp|--udp] [--range A-B] [--json]", "random ports that pass check", cmd_pick, G_OUT,
	 "  -n, --count N       how many ports (1-1000, default 1)\n"
	 "  --range A-B         pick inside A-B (default 1024-49151)\n"
	 "  -t, --tcp  -u, --udp  judge this transport only (default: both)\n"},
	{"probe", "[--udp] [--timeout MS] [--wait MS] [--concurrency N] [--rate N] [--no-tls] [--nmap-probes FILE|--no-nmap] [-4|-6] [--json] "
		  "HOST[:PORT[,PORT|FIRST-LAST][/udp]...]...",
	 "ask ports what they speak: banner, TLS, HTTP and other probes, with the verdict", cmd_probe, G_JSON | G_COLOR | G_REGISTRY,
	 "  -t, --tcp  -u, --udp  the transport of ports given without /udp (default: tcp)\n"
	 "  --timeout MS        the deadline for one port (all its probes)\n"
	 "  --connect-timeout MS  the deadline for a TCP connect\n"
	 "  --wait MS           how long to wait for a banner before probing\n"
	 "  --concurrency N     at most N ports at once\n"
	 "  --rate N            at most N new connections or datagrams a second\n"
	 "  --no-tls            no TLS handshake\n"
	 "  --nmap-probes FILE  nmap's service-probes file for more matches (default: nmap-common's, when installed)\n"
	 "  --no-nmap           our own matchers only\n"
	 "  -4, -6              IPv4 or IPv6 addresses only\n"},
	{"search", "[--limit N] [--json] TERM...", "search service names, descriptions, assignees and common names",
	 cmd_search, G_OUT,
	 "  -n, --limit N       at most N results\n"},
	{"serve", "[--listen ADDR:PORT] [--db FILE] [--expose-processes] [--capture IFACE [--capture-port N[,A-B...]] "
		  "[--capture-flows N] [--capture-window S]]",
	 "serve port pages, a JSON API, feedback and /metrics over HTTP", cmd_serve, G_REGISTRY,
	 "  --listen ADDR:PORT  where to listen (default 127.0.0.1:8080; port 0 picks one)\n"
	 "  --db FILE           the feedback database (SQLite)\n"
	 "  --expose-processes  show process names to every client, not only loopback ones\n"
	 "  --capture IFACE     capture on IFACE (one interface; \"any\" for all; root or CAP_NET_RAW) and show\n"
	 "                      what crosses each port: page section, /api/ports/N \"traffic\", /metrics\n"
	 "  --capture-port LIST only these ports: N, A-B, comma-separated (at most 16; default every port)\n"
	 "  --capture-flows N   flows held at once by the capture (default 16384; the idlest are finished)\n"
	 "  --capture-window S  start the capture's summary afresh every S seconds (default: never)\n"},
	{"show", "[--json|--jsonl] [--no-local] [--no-probe] [--netns NS] PORT|PORT/PROTO|FIRST-LAST|NAME...",
	 "explain ports, ranges or services (\"22 80 443\", \"80,443\", \"0-65535\")", cmd_show,
	 G_OUT | G_JSONL | G_NOLOCAL,
	 "  --netns NS          sockets of one network namespace only: self, a /run/netns name, an inode, a container\n"
	 "  --no-probe          do not ask this host's listeners what they speak\n"},
	{"traffic", "(--pcap FILE | --iface IF) [--port N] [--seconds S] [--json] [--flows N] [--max-flows N] [--idle S] "
		    "[--scan-ports N] [--scan-hosts N] [--scan-window S] [--no-dpi]",
	 "what crosses a port: flows, protocols by payload, scanners, verdicts", cmd_traffic, G_JSON | G_COLOR | G_REGISTRY,
	 "  --pcap FILE         read a capture (pcap or pcapng)\n"
	 "  --iface IF          capture live on IF (root), with a filter for --port\n"
	 "  --port N            only traffic to or from port N\n"
	 "  --seconds S         capture for S seconds (live)\n"
	 "  --flows N           list the N busiest flows too\n"
	 "  --max-packets N     stop after N packets\n"
	 "  --max-flows N       keep at most N flows (the idlest are evicted)\n"
	 "  --idle S            a flow idle for S seconds is done\n"
	 "  --scan-ports N      a source touching N ports of one host is a scanner\n"
	 "  --scan-hosts N      a source touching one port on N hosts is a scanner\n"
	 "  --scan-window S     the window the scan thresholds count in, seconds\n"
	 "  --scan-packets N    an attempt of at most N packets counts as a probe\n"
	 "  --no-dpi            no nDPI: the probe matchers alone name protocols\n"},
	{"update", "[--from FILE|URL] [--force]", "fetch IANA's registry into the cache (default: IANA's XML)",
	 cmd_update, G_COLOR,
	 "  --from FILE|URL     read this registry instead of IANA's XML\n"
	 "  --force             replace the cache even with an older registry\n"},
};

static const cli_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static const struct {
	unsigned bit;
	const char *help;
} global_help[] = {
	{G_JSON, "  --json              print one JSON document (docs/json-schema.md)\n"},
	{G_JSONL, "  --jsonl             JSON Lines: one document a line, written as it is computed\n"},
	{G_REGISTRY, "  --registry FILE     use this registry: IANA XML or CSV, a portlore index or table\n"},
	{G_NOLOCAL, "  --no-local          registry answer only: skip what is on this host\n"},
	{G_COLOR, "  --color WHEN        auto (default: when stdout is a terminal and NO_COLOR is unset), always, never\n"},
};

void cli_print_usage(FILE *f, const char *cmd)
{
	const cli_cmd *c = cmd ? find_cmd(cmd) : NULL;
	if (c) {
		fprintf(f, "usage: portlore %s %s\n", c->name, c->usage);
		return;
	}
	fprintf(f, "usage: portlore [OPTIONS] PORT|PORT/PROTO|FIRST-LAST|NAME...\n"
		   "       portlore [OPTIONS] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-8s %s\n           portlore %s %s\n", commands[i].name, commands[i].summary,
			commands[i].name, commands[i].usage);
	fprintf(f, "\noptions (before or after the command; 'portlore COMMAND --help' lists which it takes):\n");
	for (size_t i = 0; i < sizeof global_help / sizeof global_help[0]; i++)
		fputs(global_help[i].help, f);
	fprintf(f, "  -h, --help          this help\n"
		   "  -V, --version       version and the registry in use\n"
		   "\nexit status: 0 found, 1 nothing found, 2 usage error, 3 runtime failure\n");
}

/* portlore COMMAND --help: what it does, its usage, and every option it takes. */
int cli_print_help(const char *cmd)
{
	const cli_cmd *c = find_cmd(cmd);
	if (!c)
		return EXIT_USAGE;
	printf("usage: portlore %s %s\n\n%s\n\noptions:\n%s", c->name, c->usage, c->summary, c->options);
	for (size_t i = 0; i < sizeof global_help / sizeof global_help[0]; i++)
		if (c->globals & global_help[i].bit)
			fputs(global_help[i].help, stdout);
	printf("  -h, --help          this help\n");
	return cli_flush(&(cli_ctx){.prog = "portlore"}) ? EXIT_RUNTIME : EXIT_FOUND;
}

int cli_usage_error(const cli_ctx *ctx, const char *cmd, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cli_error(ctx, "%s", msg); /* escaped: it may quote the bad argument */
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
	cli_printf("portlore %s", PORTLORE_VERSION);
	cli_printf("registry: IANA as of %s, %s%s%s (%s), %zu records",
	       *pl_registry_date(reg) ? pl_registry_date(reg) : PL_UNDATED, meta.registry_origin, meta.registry_path ? " " : "",
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
	unsigned given = 0;
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
			ctx.json = true, given |= G_JSON;
		else if (!strcmp(a, "--jsonl"))
			ctx.jsonl = true, given |= G_JSONL;
		else if (!strcmp(a, "--no-local"))
			ctx.no_local = true, given |= G_NOLOCAL;
		else if (!strcmp(a, "--no-probe"))
			ctx.no_probe = true;
		else if (!strcmp(a, "--registry") || !strcmp(a, "--color")) {
			if (i + 1 >= argc)
				return cli_usage_error(&ctx, NULL, "option '%s' needs a value", a);
			int rc = cli_common_option(a[2] == 'r' ? 'r' : 'c', argv[++i], &ctx);
			if (rc > 1)
				return EXIT_USAGE;
			given |= a[2] == 'r' ? G_REGISTRY : G_COLOR;
		} else if (!strncmp(a, "--registry=", 11) || !strncmp(a, "--color=", 8)) {
			int rc = cli_common_option(a[2] == 'r' ? 'r' : 'c', strchr(a, '=') + 1, &ctx);
			if (rc > 1)
				return EXIT_USAGE;
			given |= a[2] == 'r' ? G_REGISTRY : G_COLOR;
		} else
			return cli_usage_error(&ctx, NULL, "unknown option '%s'", a);
	}
	if (i >= argc)
		return cli_usage_error(&ctx, NULL, "no port given: try 'portlore 2908'");
	const cli_cmd *c = strcmp(argv[i], "--") ? find_cmd(argv[i]) : NULL;
	ctx.cmd = c ? c : find_cmd("show");
	/* jansson seeds its hash tables from /dev/urandom, against collisions crafted into JSON it parses. The
	 * CLI only builds documents from its own data (and trusted files): a fixed seed spares every
	 * `portlore PORT` that read. serve keeps the random one. */
	if (ctx.cmd->run != cmd_serve) {
		json_object_seed(0x706c6f72u);
		cli_json_arena();
	}
	/* A global option before the subcommand is taken or refused exactly as after it. */
	for (unsigned g = 1; g <= G_COLOR; g <<= 1)
		if ((given & g) && !cli_global_allowed(&ctx, g))
			return EXIT_USAGE;
	if (!strcmp(argv[i], "--")) /* show sees "--" as its first argument, and takes what follows as operands */
		return cmd_show(argc - i + 1, argv + i - 1, &ctx);
	if (c)
		return c->run(argc - i, argv + i, &ctx);
	/* Not a command: the operands are show's, with argv[i-1] standing in as its name. */
	return cmd_show(argc - i + 1, argv + i - 1, &ctx);
}

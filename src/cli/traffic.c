/* portlore traffic (--pcap FILE | --iface IF) [--port N] [--seconds S]: what crosses a port, read from a
 * capture file or the wire. Ctrl-C ends a live capture and still prints what was seen. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "portlore/traffic.h"
#include "util/util.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void on_ready(void *ctx, const char *filter)
{
	const pl_traffic_opts *o = ctx;
	if (o->iface)
		fprintf(stderr, "portlore: capturing on %s (filter: %s)%s\n", o->iface, filter,
			o->seconds > 0 ? "" : "; Ctrl-C to stop");
}

enum { O_PCAP = 256, O_IFACE, O_PORT, O_SECONDS, O_MAXPKT, O_MAXFLOWS, O_IDLE, O_SPORTS, O_SHOSTS, O_SWINDOW,
       O_SFEW, O_NODPI, O_FLOWS };

static const struct option opts[] = {
	{"pcap", required_argument, NULL, O_PCAP},
	{"iface", required_argument, NULL, O_IFACE},
	{"port", required_argument, NULL, O_PORT},
	{"seconds", required_argument, NULL, O_SECONDS},
	{"max-packets", required_argument, NULL, O_MAXPKT},
	{"max-flows", required_argument, NULL, O_MAXFLOWS},
	{"idle", required_argument, NULL, O_IDLE},
	{"scan-ports", required_argument, NULL, O_SPORTS},
	{"scan-hosts", required_argument, NULL, O_SHOSTS},
	{"scan-window", required_argument, NULL, O_SWINDOW},
	{"scan-packets", required_argument, NULL, O_SFEW},
	{"no-dpi", no_argument, NULL, O_NODPI},
	{"flows", required_argument, NULL, O_FLOWS},
	CLI_GLOBAL_OPTIONS,
	{NULL, 0, NULL, 0},
};

/* A whole number within [min, max]; 0, or -1 after saying what was wrong. */
static int number(const cli_ctx *ctx, const char *opt, const char *arg, uint32_t min, uint32_t max, uint32_t *out)
{
	if (pl_parse_uint(arg, strlen(arg), max, out) == 0 && *out >= min)
		return 0;
	cli_usage_error(ctx, "traffic", "--%s takes a whole number from %u to %u, not '%s'", opt, min, max, arg);
	return -1;
}

int cmd_traffic(int argc, char **argv, cli_ctx *ctx)
{
	pl_traffic_opts o = {.port = -1};
	uint32_t v;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return cli_print_help("traffic");
		case O_PCAP:
			o.pcap_path = optarg;
			break;
		case O_IFACE:
			o.iface = optarg;
			break;
		case O_PORT:
			if (number(ctx, "port", optarg, 0, 65535, &v))
				return EXIT_USAGE;
			o.port = (int)v;
			break;
		case O_SECONDS:
			if (number(ctx, "seconds", optarg, 1, 86400, &v))
				return EXIT_USAGE;
			o.seconds = v;
			break;
		case O_MAXPKT:
			if (number(ctx, "max-packets", optarg, 1, UINT32_MAX, &v))
				return EXIT_USAGE;
			o.max_packets = v;
			break;
		case O_MAXFLOWS:
			if (number(ctx, "max-flows", optarg, 16, 1u << 24, &v))
				return EXIT_USAGE;
			o.max_flows = v;
			break;
		case O_IDLE:
			if (number(ctx, "idle", optarg, 1, 86400, &v))
				return EXIT_USAGE;
			o.idle = v;
			break;
		case O_SPORTS:
			if (number(ctx, "scan-ports", optarg, 2, 65535, &v))
				return EXIT_USAGE;
			o.scan.ports = v;
			break;
		case O_SHOSTS:
			if (number(ctx, "scan-hosts", optarg, 2, 1u << 24, &v))
				return EXIT_USAGE;
			o.scan.hosts = v;
			break;
		case O_SWINDOW:
			if (number(ctx, "scan-window", optarg, 1, 86400 * 7, &v))
				return EXIT_USAGE;
			o.scan.window = v;
			break;
		case O_SFEW:
			if (number(ctx, "scan-packets", optarg, 1, 1000, &v))
				return EXIT_USAGE;
			o.scan.few_packets = v;
			break;
		case O_FLOWS:
			if (number(ctx, "flows", optarg, 1, 1000000, &v))
				return EXIT_USAGE;
			o.list_flows = v;
			break;
		case O_NODPI:
			o.no_dpi = true;
			break;
		case '?':
		case ':':
			return cli_usage_error(ctx, "traffic", "%s '%s'", c == '?' ? "unknown option" : "missing value for",
					       argv[optind - 1]);
		default:
			if (cli_common_option(c, optarg, ctx) > 1)
				return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(ctx, "traffic", "unexpected argument '%s'", argv[optind]);
	if (!o.pcap_path == !o.iface)
		return cli_usage_error(ctx, "traffic", "give --pcap FILE or --iface IF (%s)",
				       o.pcap_path ? "not both" : "one of them");
	if (o.seconds > 0 && !o.iface)
		return cli_usage_error(ctx, "traffic", "--seconds is for a live capture (--iface)");
	pl_traffic_opts_defaults(&o);
	o.ready = on_ready;
	o.ready_ctx = &o;
	pl_registry *reg;
	pl_render_meta meta;
	int rc = cli_open_registry(ctx, &reg, &meta);
	if (rc)
		return rc;
	struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
	if (o.iface) {
		o.stop = &stop;
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
	}
	pl_traffic_result *r;
	pl_error err = {0};
	rc = pl_traffic_run(&o, &r, &err);
	if (o.iface) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	if (rc) {
		fprintf(stderr, "%s: %s\n", ctx->prog, err.msg);
		pl_registry_close(reg);
		return rc == PL_EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
	}
	if (r->stats.truncated_file)
		fprintf(stderr, "%s: warning: %s: %s\n", ctx->prog, o.pcap_path, r->stats.file_error);
	size_t n = r->nports;
	rc = cli_emit(ctx, pl_render_traffic_json(reg, &o, r, &meta));
	pl_traffic_result_free(r);
	pl_registry_close(reg);
	if (rc)
		return rc;
	return n ? EXIT_FOUND : EXIT_NOTHING;
}

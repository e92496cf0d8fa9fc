/* portlore [show] SPEC: the registry's answer for a port, a range or a service name, with what the
 * port means on this host and the ghost verdict. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "portlore/explain.h"
#include "portlore/probe.h"
#include "portlore/spec.h"

static const struct option opts[] = {
	{"json", no_argument, NULL, 'j'},         {"no-local", no_argument, NULL, 'L'},
	{"no-probe", no_argument, NULL, 'Q'},
	{"registry", required_argument, NULL, 'r'}, {"color", required_argument, NULL, 'c'},
	{"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
};

int cmd_show(int argc, char **argv, cli_ctx *ctx)
{
	pl_error err = {0};
	pl_spec spec;
	/* "-1" would read as an option: treat a dash and a digit as the bad port it is. */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (argv[i][0] == '-' && argv[i][1] >= '0' && argv[i][1] <= '9') {
			pl_spec_parse(argv[i], &spec, &err);
			return cli_usage_error(ctx, NULL, "%s", err.msg);
		}
	}
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			cli_print_usage(stdout, "show");
			return EXIT_FOUND;
		}
		if (c == '?')
			return cli_usage_error(ctx, "show", "unknown option '%s'", argv[optind - 1]);
		if (c == ':')
			return cli_usage_error(ctx, "show", "option '%s' needs a value", argv[optind - 1]);
		int rc = cli_common_option(c, optarg, ctx);
		if (rc > 1)
			return EXIT_USAGE;
	}
	if (optind >= argc)
		return cli_usage_error(ctx, "show", "no port given");
	if (argc - optind > 1)
		return cli_usage_error(ctx, "show", "one port spec at a time (got '%s' and '%s'); a range is FIRST-LAST",
				       argv[optind], argv[optind + 1]);
	if (pl_spec_parse(argv[optind], &spec, &err))
		return cli_usage_error(ctx, NULL, "%s", err.msg);

	pl_registry *reg;
	pl_render_meta meta;
	int rc = cli_open_registry(ctx, &reg, &meta);
	if (rc)
		return rc;
	pl_report *rep;
	pl_report_opts ropts = {.proc_root = "/proc", .no_local = ctx->no_local};
	rc = pl_report_build(reg, &spec, &ropts, &rep, &err);
	if (rc) {
		fprintf(stderr, "%s: %s\n", ctx->prog, err.msg);
		pl_registry_close(reg);
		return rc == PL_ENOTFOUND ? EXIT_NOTHING : rc == PL_EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
	}
	/* What this host's listeners answer (their own loopback): the verdict then rests on it. */
	pl_probe_opts po = pl_probe_local_opts();
	po.nmap_probes = access(PL_NMAP_SERVICE_PROBES, R_OK) == 0 ? PL_NMAP_SERVICE_PROBES : NULL;
	if (!ctx->no_local && !ctx->no_probe && pl_report_probe(rep, &po, &err))
		fprintf(stderr, "%s: warning: listeners not probed: %s\n", ctx->prog, err.msg);
	rc = cli_emit(ctx, pl_render_report_json(rep, &meta));
	pl_report_free(rep);
	pl_registry_close(reg);
	return rc ? rc : EXIT_FOUND;
}

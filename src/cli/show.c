/* portlore [show] SPEC...: the registry's answer for ports, ranges or service names, with what each port
 * means on this host and the ghost verdict. One port or name is one report; several ("22 80 443",
 * "80,443") or a range are streamed port by port over ONE reading of the host's sockets, so that
 * `portlore 0-65535` starts answering at once and never holds the whole range in memory. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "portlore/explain.h"
#include "portlore/evidence.h"
#include "portlore/probe.h"
#include "portlore/spec.h"

#define MAX_ITEMS 256

static const struct option opts[] = {
	CLI_GLOBAL_OPTIONS, {"netns", required_argument, NULL, 'N'}, {"no-probe", no_argument, NULL, 'Q'},
	{NULL, 0, NULL, 0},
};

static int report_error(const cli_ctx *ctx, int rc, const pl_error *err)
{
	if (rc == PL_EINVAL)
		return cli_usage_error(ctx, NULL, "%s", err->msg);
	cli_error(ctx, "%s", err->msg);
	return rc == PL_ENOTFOUND ? EXIT_NOTHING : EXIT_RUNTIME;
}

/* One port or one name: one report, one document (as before streaming existed). */
static int show_one(cli_ctx *ctx, const pl_spec *spec, const char *netns)
{
	pl_registry *reg;
	pl_render_meta meta;
	int rc = cli_open_registry(ctx, &reg, &meta);
	if (rc)
		return rc;
	pl_report *rep;
	pl_error err = {0};
	pl_report_opts ropts = {.proc_root = "/proc", .no_local = ctx->no_local, .netns = netns};
	rc = pl_report_build(reg, spec, &ropts, &rep, &err);
	if (rc == PL_ENOTFOUND && (ctx->json || ctx->jsonl)) {
		/* Nothing found is still an answer: a document with no ports, and why (the message on stderr too). */
		pl_host_ports host;
		pl_host_ports_read("/proc", &host);
		json_t *doc = json_pack("{s:i, s:s, s:s, s:o, s:o, s:o, s:[], s:o}", "schema", PL_SCHEMA_VERSION, "kind",
					"port_report", "portlore", PORTLORE_VERSION, "registry",
					pl_render_registry_json(reg, &meta), "query", pl_render_query_json(spec), "host",
					pl_render_host_json(&host), "ports", "error", json_string(err.msg));
		int erc = cli_emit(ctx, doc);
		pl_registry_close(reg);
		cli_error(ctx, "%s", err.msg);
		return erc ? erc : EXIT_NOTHING;
	}
	if (rc) {
		pl_registry_close(reg);
		return report_error(ctx, rc, &err);
	}
	/* What this host's listeners answer (their own loopback): the verdict then rests on it. */
	pl_probe_opts po = pl_probe_local_opts();
	po.nmap_probes = access(PL_NMAP_SERVICE_PROBES, R_OK) == 0 ? PL_NMAP_SERVICE_PROBES : NULL;
	if (!ctx->no_local && !ctx->no_probe && pl_report_probe(rep, &po, &err))
		cli_error(ctx, "warning: listeners not probed: %s", err.msg);
	rc = cli_emit(ctx, pl_render_report_json(rep, &meta));
	pl_report_free(rep);
	pl_registry_close(reg);
	return rc ? rc : EXIT_FOUND;
}

/* Several items, or a range: read the host once, then build, print and free one port at a time. */
static int show_stream(cli_ctx *ctx, const pl_spec *items, size_t n, const char *netns)
{
	bool table = false;
	unsigned protos = 0;
	bool any_proto = false;
	for (size_t i = 0; i < n; i++) {
		table |= items[i].kind == PL_SPEC_PORTS && items[i].lo != items[i].hi;
		if (items[i].proto)
			protos |= 1u << items[i].proto;
		else
			any_proto = true;
	}
	pl_registry *reg;
	pl_render_meta meta;
	int rc = cli_open_registry(ctx, &reg, &meta);
	if (rc)
		return rc;
	pl_host_ports host;
	pl_host_ports_read("/proc", &host);
	pl_socket_set *set = NULL;
	pl_error err = {0};
	char local_error[512] = "";
	if (!ctx->no_local) {
		/* as pl_report_build asks: every namespace, containers and published ports */
		pl_socket_query q = {.proc_root = "/proc", .protos = any_proto ? 0 : protos, .owners = true,
				     .all_netns = true, .netns = netns, .containers = true, .published = true};
		if (n == 1 && items[0].kind == PL_SPEC_PORTS && items[0].lo == items[0].hi) {
			q.has_port = true; /* one port (with --jsonl): the kernel filters */
			q.port = items[0].lo;
		}
		if (pl_sockets_query(&q, &set, &err))
			snprintf(local_error, sizeof local_error, "%s", err.msg);
	}
	json_t *query;
	if (n == 1) {
		query = pl_render_query_json(&items[0]);
	} else {
		json_t *list = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(list, pl_render_query_json(&items[i]));
		query = json_pack("{s:s, s:o}", "kind", "list", "items", list);
	}
	json_t *head = json_pack("{s:i, s:s, s:s, s:o, s:o, s:o}", "schema", PL_SCHEMA_VERSION, "kind", "port_report",
				 "portlore", PORTLORE_VERSION, "registry", pl_render_registry_json(reg, &meta), "query",
				 query, "host", pl_render_host_json(&host));
	if (head)
		json_object_set_new(head, "evidence_sources", pl_render_evidence_sources_json());
	pl_text_opts to = {cli_want_colour(ctx)};
	pl_stream *st = pl_stream_open(stdout, ctx->jsonl ? PL_STREAM_JSONL : ctx->json ? PL_STREAM_JSON : PL_STREAM_TEXT,
				       table, &to, head);
	int worst = 0;
	size_t shown = 0;
	pl_render_seq *seq = pl_render_seq_new(); /* NULL (out of memory) only costs speed */
	pl_render_seq_listeners_only(seq, table); /* a range lists listeners, counts connections */
	bool write_failed = !st;
	/* The host's /etc/services, like its sockets, is read once for the whole range. */
	pl_services_file *services = NULL;
	if (pl_services_file_load("/etc/services", &services, NULL) != 0)
		services = NULL;
	pl_report_opts ropts = {.proc_root = "/proc", .no_local = ctx->no_local || !set, .sockets = set, .host = &host,
				.services_path = "", .services = services};
	for (size_t i = 0; i < n && !write_failed; i++) {
		/* A range is built one port at a time; a name is one (small) report of its ports. */
		uint32_t first = items[i].kind == PL_SPEC_PORTS ? items[i].lo : 0;
		uint32_t last = items[i].kind == PL_SPEC_PORTS ? items[i].hi : 0;
		for (uint32_t port = first; port <= last && !write_failed; port++) {
			pl_spec one = items[i];
			if (one.kind == PL_SPEC_PORTS)
				one.lo = one.hi = (uint16_t)port;
			pl_report *rep;
			pl_error e = {0};
			rc = pl_report_build(reg, &one, &ropts, &rep, &e);
			if (rc) {
				int code = rc == PL_EINVAL ? EXIT_USAGE : rc == PL_ENOTFOUND ? EXIT_NOTHING : EXIT_RUNTIME;
				cli_error(ctx, "%s", e.msg);
				worst = code > worst ? code : worst;
				if (code == EXIT_RUNTIME)
					write_failed = true;
				break;
			}
			if (!set && local_error[0])
				snprintf(rep->local_error, sizeof rep->local_error, "%s", local_error);
			for (size_t k = 0; k < rep->nports && !write_failed; k++, shown++)
				write_failed = pl_stream_port(st, pl_render_port_json_seq(rep, k, seq)) != 0;
			pl_report_free(rep);
		}
	}
	rc = pl_stream_close(st) != 0 || write_failed;
	pl_render_seq_free(seq);
	pl_services_file_free(services);
	pl_socket_set_free(set);
	pl_registry_close(reg);
	if (rc && worst != EXIT_RUNTIME) {
		cli_error(ctx, "cannot write the output: %s", strerror(errno));
		return EXIT_RUNTIME;
	}
	if (worst)
		return shown && worst == EXIT_NOTHING ? EXIT_FOUND : worst;
	return EXIT_FOUND;
}

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
	const char *netns = NULL;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'N') {
			netns = optarg;
			continue;
		}
		if (c == 'Q') {
			ctx->no_probe = true;
			continue;
		}
		if (c == 'h')
			return cli_print_help("show");
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
	if (ctx->json && ctx->jsonl)
		return cli_usage_error(ctx, "show", "--json and --jsonl are two formats: choose one");
	static pl_spec items[MAX_ITEMS + 1];
	size_t n = 0;
	for (int i = optind; i < argc; i++) {
		/* Room for one more than allowed, so that too many is told apart from a bad item. */
		size_t room = MAX_ITEMS + 1 - n, got = 0;
		int rc = pl_spec_parse_list(argv[i], items + n, room, &got, &err);
		n += got;
		if (n > MAX_ITEMS || (rc && got == room))
			return cli_usage_error(ctx, NULL, "at most %d ports, ranges or names in one call", MAX_ITEMS);
		if (rc)
			return cli_usage_error(ctx, NULL, "%s", err.msg);
	}
	if (n == 1 && !ctx->jsonl && (items[0].kind == PL_SPEC_NAME || items[0].lo == items[0].hi))
		return show_one(ctx, &items[0], netns);
	return show_stream(ctx, items, n, netns);
}

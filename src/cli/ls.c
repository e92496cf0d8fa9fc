/* portlore ls [FILTER...] [-4|-6] [--tcp|--udp|--sctp] [--all] [--netns NS] [--wide]: every listening socket
 * on this host (every socket with --all), in every network namespace it may enter, sorted by port, each with
 * its owners, namespace, container, the service registered for its port and the verdict; then the ports
 * published through DNAT. Filtered the way ss and lsof users filter (port, address, state, user, pid,
 * command); filters apply to the sockets document, so text and JSON list the same sockets. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "portlore/explain.h"
#include "portlore/probe.h"
#include "util/util.h"

static const struct option opts[] = {
	{"tcp", no_argument, NULL, 't'},   {"udp", no_argument, NULL, 'u'},  {"sctp", no_argument, NULL, 'S'},
	{"all", no_argument, NULL, 'a'},   {"wide", no_argument, NULL, 'w'}, {"port", required_argument, NULL, 'p'},
	{"address", required_argument, NULL, 'A'}, {"state", required_argument, NULL, 's'},
	{"user", required_argument, NULL, 'U'}, {"pid", required_argument, NULL, 'P'},
	{"command", required_argument, NULL, 'C'}, {"netns", required_argument, NULL, 'N'}, {"probe", no_argument, NULL, 'B'},
	CLI_GLOBAL_OPTIONS,
	{NULL, 0, NULL, 0},
};

typedef struct filter {
	bool has_port;
	uint16_t port_lo, port_hi;
	int family; /* 0, 4 or 6 */
	const char *address, *state, *user, *command;
	bool has_pid;
	uint32_t pid;
} filter;

static bool port_filter(const char *arg, filter *f)
{
	uint16_t lo, hi;
	if (pl_parse_port_range(arg, &lo, &hi))
		return false;
	f->has_port = true;
	f->port_lo = lo;
	f->port_hi = hi;
	return true;
}

/* States as ss names them, with the spellings people type ("established", "time_wait"). */
static bool state_is(const char *have, const char *want)
{
	if (!strcmp(want, "established") || !strcmp(want, "ESTABLISHED"))
		want = "ESTAB";
	size_t n = strlen(have);
	if (strlen(want) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char a = pl_ascii_lower(have[i]), b = pl_ascii_lower(want[i]);
		if (a == '_')
			a = '-';
		if (b == '_')
			b = '-';
		if (a != b)
			return false;
	}
	return true;
}

static bool keep(const json_t *s, const filter *f)
{
	json_int_t port = json_integer_value(json_object_get(s, "local_port"));
	if (f->has_port && (port < f->port_lo || port > f->port_hi))
		return false;
	const char *fam = json_string_value(json_object_get(s, "family"));
	if (f->family && (!fam || strcmp(fam, f->family == 4 ? "ipv4" : "ipv6")))
		return false;
	if (f->address && strcmp(json_string_value(json_object_get(s, "local_address")), f->address))
		return false;
	if (f->state && !state_is(json_string_value(json_object_get(s, "state")), f->state))
		return false;
	const json_t *owners = json_object_get(s, "owners"), *p;
	size_t i;
	if (f->user) {
		/* the socket's own user, or any owner's (a daemon that bound as root and runs as www-data) */
		char uid[16];
		snprintf(uid, sizeof uid, "%lld", (long long)json_integer_value(json_object_get(s, "uid")));
		bool hit = !strcmp(f->user, uid) || !strcmp(f->user, json_string_value(json_object_get(s, "user")));
		json_array_foreach(owners, i, p) {
			snprintf(uid, sizeof uid, "%lld", (long long)json_integer_value(json_object_get(p, "uid")));
			hit |= !strcmp(f->user, uid) || !strcmp(f->user, json_string_value(json_object_get(p, "user")));
		}
		if (!hit)
			return false;
	}
	if (f->has_pid || f->command) {
		bool hit = false;
		json_array_foreach(owners, i, p) {
			bool ok = !f->has_pid || json_integer_value(json_object_get(p, "pid")) == (json_int_t)f->pid;
			if (f->command) {
				const char *name = json_string_value(json_object_get(p, "name"));
				const char *cmd = json_string_value(json_object_get(p, "cmdline"));
				ok = ok && ((name && strstr(name, f->command)) || (cmd && strstr(cmd, f->command)));
			}
			hit |= ok;
		}
		if (!hit)
			return false;
	}
	return true;
}

int cmd_ls(int argc, char **argv, cli_ctx *ctx)
{
	pl_socket_query q = {.proc_root = "/proc", .listening_only = true, .owners = true, .all_netns = true,
			     .containers = true, .published = true};
	filter f = {0};
	bool probe = false;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":htuSaw46", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return cli_print_help("ls");
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
		case 'B':
			probe = true;
			break;
		case 'N':
			q.netns = optarg;
			break;
		case 'w':
			ctx->wide = true;
			break;
		case '4':
		case '6':
			if (f.family && f.family != c - '0')
				return cli_usage_error(ctx, "ls", "-4 and -6 together: leave both out for both families");
			f.family = c - '0';
			break;
		case 'p':
			if (!port_filter(optarg, &f))
				return cli_usage_error(ctx, "ls", "--port takes a port or FIRST-LAST (0-65535), not '%s'", optarg);
			break;
		case 'A':
			f.address = optarg;
			break;
		case 's':
			f.state = optarg;
			break;
		case 'U':
			f.user = optarg;
			break;
		case 'C':
			f.command = optarg;
			break;
		case 'P':
			if (pl_parse_uint(optarg, strlen(optarg), 0x7fffffff, &f.pid))
				return cli_usage_error(ctx, "ls", "--pid takes a process id, not '%s'", optarg);
			f.has_pid = true;
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
	/* A bare port (or FIRST-LAST) is a port filter, as in `lsof -i :80`; anything else is refused. */
	for (; optind < argc; optind++) {
		const char *a = argv[optind][0] == ':' ? argv[optind] + 1 : argv[optind];
		if (!port_filter(a, &f))
			return cli_usage_error(ctx, "ls", "unexpected argument '%s' (a port filter is PORT or FIRST-LAST; "
					       "to explain one port: portlore PORT)", argv[optind]);
	}
	if (ctx->json && ctx->jsonl)
		return cli_usage_error(ctx, "ls", "--json and --jsonl are two formats: choose one");
	/* A state other than LISTEN/UNCONN only exists among all sockets. */
	if (f.state && !state_is("LISTEN", f.state) && !state_is("UNCONN", f.state))
		q.listening_only = false;
	if (f.has_port && f.port_lo == f.port_hi) {
		q.has_port = true; /* the kernel filters one port */
		q.port = f.port_lo;
	}
	pl_registry *reg;
	pl_render_meta meta;
	int rc = cli_open_registry(ctx, &reg, &meta);
	if (rc)
		return rc;
	pl_socket_set *set;
	pl_error err = {0};
	if (pl_sockets_query(&q, &set, &err)) {
		cli_error(ctx, "%s", err.msg);
		pl_registry_close(reg);
		return q.netns && err.code == PL_ENOTFOUND ? EXIT_NOTHING : EXIT_RUNTIME;
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
	pl_socket_set_free(set);
	pl_registry_close(reg);
	json_t *socks = json_object_get(doc, "sockets");
	for (size_t i = json_array_size(socks); i-- > 0;)
		if (!keep(json_array_get(socks, i), &f))
			json_array_remove(socks, i);
	size_t n = json_array_size(socks) + json_array_size(json_object_get(doc, "published"));
	if (ctx->jsonl && doc) {
		/* JSON Lines: one socket a line, each with the document's kind, for grep and jq -c. */
		json_t *s;
		size_t i;
		json_array_foreach(socks, i, s) {
			json_object_set_new(s, "kind", json_string("socket"));
			json_dumpf(s, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
			fputc('\n', stdout);
		}
		json_decref(doc);
		rc = cli_flush(ctx);
	} else {
		rc = cli_emit(ctx, doc);
	}
	if (rc)
		return rc;
	return n ? EXIT_FOUND : EXIT_NOTHING;
}

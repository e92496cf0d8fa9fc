/* portlore check PORT: is it safe to take for a new service? exit 0 if so, 1 naming every reason if not.
 * portlore pick [--count N] [--tcp|--udp] [--range A-B]: random ports that pass the same check. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cli.h"
#include "portlore/explain.h"
#include "portlore/spec.h"
#include "render/internal.h"
#include "util/util.h"

static const struct option opts[] = {
	{"tcp", no_argument, NULL, 't'},   {"udp", no_argument, NULL, 'u'},
	{"count", required_argument, NULL, 'n'}, {"range", required_argument, NULL, 'R'},
	{"json", no_argument, NULL, 'j'},  {"registry", required_argument, NULL, 'r'},
	{"color", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
};

/* The reasons as sentences, and their JSON names. */
static const struct {
	unsigned bit;
	const char *name;
} reasons[] = {
	{PL_UNSAFE_REGISTERED, "registered"}, {PL_UNSAFE_IN_USE, "in_use"},   {PL_UNSAFE_EPHEMERAL, "ephemeral"},
	{PL_UNSAFE_PRIVILEGED, "privileged"}, {PL_UNSAFE_BROWSER, "browser_blocked"}, {PL_UNSAFE_DYNAMIC, "dynamic"},
};

/* Is item one of the ", "-separated items of list? */
static bool has_item(const char *list, const char *item)
{
	size_t n = strlen(item);
	for (const char *p = list; *p;) {
		size_t w = strcspn(p, ",");
		if (w == n && strncmp(p, item, n) == 0)
			return true;
		p += w;
		while (*p == ',' || *p == ' ')
			p++;
	}
	return false;
}

static void sentence(const pl_registry *reg, const pl_host_ports *h, const pl_socket_set *set, uint16_t port,
		     unsigned protos, unsigned bit, char *buf, size_t size)
{
	switch (bit) {
	case PL_UNSAFE_REGISTERED: {
		char names[256] = "";
		uint32_t idx[64];
		size_t n = pl_registry_lookup_port(reg, port, PL_PROTO_NONE, idx, 64);
		for (size_t i = 0; i < n && i < 64; i++) {
			pl_record r;
			pl_registry_record(reg, idx[i], &r);
			if (r.status == PL_STATUS_UNASSIGNED || (r.proto && !(protos & (1u << r.proto))))
				continue;
			const char *what = *r.name ? r.name : pl_status_name(r.status);
			if (!has_item(names, what) && strlen(names) + strlen(what) + 3 < sizeof names) {
				if (*names)
					strcat(names, ", ");
				strcat(names, what);
			}
		}
		snprintf(buf, size, "registered in IANA's registry: %s", names);
		break;
	}
	case PL_UNSAFE_IN_USE: {
		size_t n = 0;
		const pl_socket *first = NULL;
		for (size_t i = 0; set && i < set->n; i++)
			if (set->socks[i].local_port == port && (protos & (1u << set->socks[i].proto))) {
				if (!first || (set->socks[i].listening && !first->listening))
					first = &set->socks[i];
				n++;
			}
		char who[96] = "";
		if (first && first->owner_status == PL_OWNER_FOUND && first->owners_count)
			snprintf(who, sizeof who, ", e.g. %s (pid %d)", set->procs[set->owner_links[first->owners_first]].comm,
				 set->procs[set->owner_links[first->owners_first]].pid);
		uint32_t pub[1];
		size_t npub = pl_published_find(set, port, PL_PROTO_NONE, pub, 1);
		if (n == 0 && npub) {
			const pl_publish *p = &set->published[pub[0]];
			snprintf(buf, size, "in use on this host: published through DNAT (%s) to %s port %u%s%s",
				 p->source, p->to_addr[0] ? p->to_addr : "this host", p->to_port ? p->to_port : port,
				 p->container >= 0 ? ", container " : "", p->container >= 0 ? set->containers[p->container].name : "");
			break;
		}
		snprintf(buf, size, "in use on this host: %zu socket%s%s%s", n, n == 1 ? "" : "s", who,
			 npub ? ", and published through DNAT" : "");
		break;
	}
	case PL_UNSAFE_EPHEMERAL:
		snprintf(buf, size, "inside the kernel's ephemeral range %d-%d: outgoing connections may take it", h->eph_lo,
			 h->eph_hi);
		break;
	case PL_UNSAFE_PRIVILEGED:
		snprintf(buf, size, "the current user may not bind it (unprivileged ports start at %d)",
			 h->unpriv_start >= 0 ? h->unpriv_start : 1024);
		break;
	case PL_UNSAFE_BROWSER:
		snprintf(buf, size, "browsers refuse to connect to it (a bad port of the Fetch standard)");
		break;
	default:
		snprintf(buf, size, "in IANA's dynamic range 49152-65535, which any program may use at any time");
	}
}

static int parse_common(int argc, char **argv, cli_ctx *ctx, const char *cmd, unsigned *protos, uint32_t *count,
			pl_spec *range)
{
	optind = 1;
	opterr = 0;
	int c;
	pl_error err = {0};
	while ((c = getopt_long(argc, argv, "htu", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			cli_print_usage(stdout, cmd);
			return -1;
		case 't':
			*protos |= 1u << PL_PROTO_TCP;
			break;
		case 'u':
			*protos |= 1u << PL_PROTO_UDP;
			break;
		case 'n':
			if (!count || pl_parse_uint(optarg, strlen(optarg), 1000, count) || *count == 0)
				return cli_usage_error(ctx, cmd, "--count takes a number from 1 to 1000, not '%s'", optarg);
			break;
		case 'R':
			if (!range || pl_spec_parse(optarg, range, &err) || range->kind != PL_SPEC_PORTS || range->proto)
				return cli_usage_error(ctx, cmd, "--range takes FIRST-LAST, e.g. 20000-30000, not '%s'", optarg);
			break;
		case '?':
		case ':':
			return cli_usage_error(ctx, cmd, "%s '%s'", c == '?' ? "unknown option" : "missing value for",
					       argv[optind - 1]);
		default:
			if (cli_common_option(c, optarg, ctx) > 1)
				return EXIT_USAGE;
		}
	}
	return 0;
}

/* Every socket on the host; owners only when they will be named (check, not pick). */
static pl_socket_set *host_sockets(const cli_ctx *ctx, bool owners)
{
	pl_socket_set *set = NULL;
	pl_socket_query q = {.proc_root = "/proc", .owners = owners, .published = true, .containers = owners};
	pl_error err = {0};
	if (pl_sockets_query(&q, &set, &err)) {
		fprintf(stderr, "%s: warning: cannot see this host's sockets (%s): 'in use' is not judged\n", ctx->prog,
			err.msg);
		return NULL;
	}
	return set;
}

int cmd_check(int argc, char **argv, cli_ctx *ctx)
{
	unsigned protos = 0;
	int rc = parse_common(argc, argv, ctx, "check", &protos, NULL, NULL);
	if (rc)
		return rc < 0 ? EXIT_FOUND : rc;
	if (optind >= argc)
		return cli_usage_error(ctx, "check", "no port given");
	if (argc - optind > 1)
		return cli_usage_error(ctx, "check", "one port at a time");
	pl_spec spec;
	pl_error err = {0};
	if (pl_spec_parse(argv[optind], &spec, &err))
		return cli_usage_error(ctx, NULL, "%s", err.msg);
	if (spec.kind != PL_SPEC_PORTS || spec.lo != spec.hi)
		return cli_usage_error(ctx, "check", "check takes one port number (optionally PORT/TRANSPORT)");
	if (spec.proto)
		protos |= 1u << spec.proto;
	pl_registry *reg;
	pl_render_meta meta;
	if ((rc = cli_open_registry(ctx, &reg, &meta)))
		return rc;
	pl_host_ports host;
	pl_host_ports_read("/proc", &host);
	pl_socket_set *set = host_sockets(ctx, true);
	unsigned why = pl_check_port(reg, &host, set, spec.lo, protos);
	json_t *list = json_array();
	if (!set) {
		/* Safe means free here too: when that cannot be seen, the answer is not "safe". */
		json_array_append_new(list, json_pack("{s:s, s:s}", "reason", "in_use_unknown", "explanation",
						      "whether it is in use on this host is unknown: its sockets could not be "
						      "read"));
		why |= 1u << 31;
	}
	for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
		if (!(why & reasons[i].bit))
			continue;
		char text[512];
		sentence(reg, &host, set, spec.lo, protos ? protos : 1u << PL_PROTO_TCP | 1u << PL_PROTO_UDP,
			 reasons[i].bit, text, sizeof text);
		json_array_append_new(list, json_pack("{s:s, s:o}", "reason", reasons[i].name, "explanation",
						      pl_json_text(text)));
	}
	if (ctx->json) {
		json_t *doc = json_pack("{s:i, s:s, s:s, s:o, s:i, s:b, s:o}", "schema", PL_SCHEMA_VERSION, "kind", "check",
					"portlore", PORTLORE_VERSION, "registry", pl_render_registry_json(reg, &meta),
					"port", spec.lo, "safe", why == 0, "reasons", list);
		rc = cli_emit(ctx, doc);
	} else {
		size_t i;
		json_t *r;
		if (why == 0)
			printf("port %u is safe to take: unassigned, free here, outside the ephemeral range, bindable, "
			       "and reachable from browsers\n",
			       spec.lo);
		else
			printf("port %u is not safe to take:\n", spec.lo);
		json_array_foreach(list, i, r) cli_printf("  - %s\n", json_string_value(json_object_get(r, "explanation")));
		json_decref(list);
		rc = cli_flush(ctx);
	}
	pl_socket_set_free(set);
	pl_registry_close(reg);
	if (rc)
		return rc;
	return why ? EXIT_NOTHING : EXIT_FOUND;
}

int cmd_pick(int argc, char **argv, cli_ctx *ctx)
{
	unsigned protos = 0;
	uint32_t count = 1;
	pl_spec range = {.kind = PL_SPEC_PORTS, .lo = 1024, .hi = 49151};
	int rc = parse_common(argc, argv, ctx, "pick", &protos, &count, &range);
	if (rc)
		return rc < 0 ? EXIT_FOUND : rc;
	if (optind < argc)
		return cli_usage_error(ctx, "pick", "unexpected argument '%s'", argv[optind]);
	pl_registry *reg;
	pl_render_meta meta;
	if ((rc = cli_open_registry(ctx, &reg, &meta)))
		return rc;
	pl_host_ports host;
	pl_host_ports_read("/proc", &host);
	pl_socket_set *set = host_sockets(ctx, false);
	/* Candidates in random order: a Fisher-Yates shuffle of the range, stopping at count. */
	uint32_t span = (uint32_t)range.hi - range.lo + 1;
	uint16_t *ports = malloc(span * sizeof *ports);
	json_t *picked = json_array();
	if (!ports || !picked) {
		fprintf(stderr, "%s: out of memory\n", ctx->prog);
		rc = EXIT_RUNTIME;
		goto out;
	}
	for (uint32_t i = 0; i < span; i++)
		ports[i] = (uint16_t)(range.lo + i);
	for (uint32_t i = 0; i < span && json_array_size(picked) < count; i++) {
		uint32_t r;
		if (getrandom(&r, sizeof r, 0) != sizeof r)
			r = (uint32_t)rand();
		uint32_t j = i + r % (span - i);
		uint16_t t = ports[i];
		ports[i] = ports[j];
		ports[j] = t;
		if (pl_check_port(reg, &host, set, ports[i], protos) == 0)
			json_array_append_new(picked, json_integer(ports[i]));
	}
	if (json_array_size(picked) == 0) {
		fprintf(stderr, "%s: no port in %u-%u passes the check\n", ctx->prog, range.lo, range.hi);
		rc = EXIT_NOTHING;
		goto out;
	}
	if (ctx->json) {
		rc = cli_emit(ctx, json_pack("{s:i, s:s, s:s, s:o, s:O}", "schema", PL_SCHEMA_VERSION, "kind", "pick",
					     "portlore", PORTLORE_VERSION, "registry", pl_render_registry_json(reg, &meta),
					     "ports", picked));
	} else {
		size_t i;
		json_t *p;
		json_array_foreach(picked, i, p) printf("%lld\n", (long long)json_integer_value(p));
		rc = cli_flush(ctx);
	}
	if (!rc && json_array_size(picked) < count)
		fprintf(stderr, "%s: only %zu port%s in %u-%u pass the check\n", ctx->prog, json_array_size(picked),
			json_array_size(picked) == 1 ? "" : "s", range.lo, range.hi);
out:
	json_decref(picked);
	free(ports);
	pl_socket_set_free(set);
	pl_registry_close(reg);
	return rc;
}

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
	CLI_GLOBAL_OPTIONS, {NULL, 0, NULL, 0},
};

/* The reasons as sentences, and their JSON names. */
static const struct {
	unsigned bit;
	const char *name;
} reasons[] = {
	{PL_UNSAFE_REGISTERED, "registered"}, {PL_UNSAFE_IN_USE, "in_use"},   {PL_UNSAFE_EPHEMERAL, "ephemeral"},
	{PL_UNSAFE_PRIVILEGED, "privileged"}, {PL_UNSAFE_BROWSER, "browser_blocked"}, {PL_UNSAFE_DYNAMIC, "dynamic"},
};

static void sentence(const pl_registry *reg, const pl_host_ports *h, const pl_socket_set *set, uint16_t port,
		     unsigned protos, unsigned bit, char *buf, size_t size)
{
	switch (bit) {
	case PL_UNSAFE_REGISTERED: {
		/* Which records block it, each as "flex-lm 27000-27009 (every transport)" */
		uint32_t idx[16];
		size_t n = pl_check_blockers(reg, port, protos, idx, 16), at = 0;
		at += (size_t)snprintf(buf, size, "IANA's registry does not leave it free: ");
		for (size_t i = 0; i < n && i < 16 && at < size; i++) {
			pl_record r;
			pl_registry_record(reg, idx[i], &r);
			char range[24] = "";
			if (r.port_lo != r.port_hi)
				snprintf(range, sizeof range, " %u-%u", r.port_lo, r.port_hi);
			const char *what = *r.name ? r.name : r.status == PL_STATUS_RESERVED ? "reserved by IANA" : r.description;
			/* a named record that is not plainly assigned says so: "sua (de-registered, udp)" */
			bool status = *r.name && r.status != PL_STATUS_ASSIGNED;
			at += (size_t)snprintf(buf + at, size - at, "%s%s%s (%s%s%s%s%s)", i ? "; " : "", what, range,
					       status ? pl_status_name(r.status) : "", status ? ", " : "",
					       r.proto == PL_PROTO_NONE ? "every transport" : pl_proto_name(r.proto),
					       *r.source ? ", from " : "", r.source);
		}
		if (n > 16 && at < size)
			snprintf(buf + at, size - at, "; and %zu more", n - 16);
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
		char who[160] = "";
		if (first && first->owner_status == PL_OWNER_FOUND && first->owners_count) {
			snprintf(who, sizeof who, ", e.g. %s (pid %d)", set->procs[set->owner_links[first->owners_first]].comm,
				 set->procs[set->owner_links[first->owners_first]].pid);
		} else if (first && first->owner_status == PL_OWNER_HIDDEN) {
			char user[64]; /* whose it is, from the socket itself, when its process cannot be seen */
			pl_sockets_user_name(set, first->uid, user, sizeof user);
			snprintf(who, sizeof who, ", owned by %s (%s)", user,
				 set->caller_root ? "its process is hidden even from root" : "run as root to see its process");
		}
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
	while ((c = getopt_long(argc, argv, ":htu", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			cli_print_help(cmd);
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
	if (spec.lo == 0) {
		/* Port 0 is not a port anyone takes: it is the kernel's "any port" (bind gives a free ephemeral one). */
		json_array_append_new(list, json_pack("{s:s, s:s}", "reason", "port_zero", "explanation",
						      "port 0 means 'any port': a program that binds it gets a free port the "
						      "kernel picks, so no service can be found at port 0"));
		why |= 1u << 30;
	}
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
		const char *name = reasons[i].bit == PL_UNSAFE_REGISTERED && !strncmp(text, "reserved", 8) ? "reserved"
												      : reasons[i].name;
		json_t *reason = json_pack("{s:s, s:o}", "reason", name, "explanation", pl_json_text(text));
		if (reasons[i].bit == PL_UNSAFE_REGISTERED) {
			/* the blocking records themselves, in the schema of a report's records */
			json_t *recs = json_array();
			uint32_t idx[64];
			size_t n = pl_check_blockers(reg, spec.lo, protos, idx, 64);
			for (size_t k = 0; k < n && k < 64; k++) {
				pl_record r;
				if (pl_registry_record(reg, idx[k], &r) == 0)
					json_array_append_new(recs, pl_render_record_json(reg, &r));
			}
			json_object_set_new(reason, "records", recs);
		}
		json_array_append_new(list, reason);
	}
	/* One document; the text is drawn from it (render/host_text.c). */
	json_t *doc = json_pack("{s:i, s:s, s:s, s:o, s:i, s:b, s:o}", "schema", PL_SCHEMA_VERSION, "kind", "check",
				"portlore", PORTLORE_VERSION, "registry", pl_render_registry_json(reg, &meta), "port",
				spec.lo, "safe", why == 0, "reasons", list);
	rc = cli_emit(ctx, doc);
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
	size_t tally[sizeof reasons / sizeof reasons[0]] = {0}, checked = 0;
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
		unsigned why = pl_check_port(reg, &host, set, ports[i], protos);
		if (ports[i] == 0)
			why |= 1u << 30; /* "any port", never a pick */
		if (why == 0)
			json_array_append_new(picked, json_integer(ports[i]));
		checked++;
		for (size_t k = 0; k < sizeof reasons / sizeof reasons[0]; k++)
			tally[k] += (why & reasons[k].bit) != 0;
	}
	/* Why the others did not pass: how many ports each reason ruled out (a port may have several). */
	json_t *rejected = json_object();
	for (size_t k = 0; k < sizeof reasons / sizeof reasons[0]; k++)
		if (tally[k])
			json_object_set_new(rejected, reasons[k].name, json_integer(tally[k]));
	if (!set)
		json_object_set_new(rejected, "in_use_unknown", json_true());
	json_t *doc = json_pack("{s:i, s:s, s:s, s:o, s:{s:i, s:i}, s:O, s:i, s:I, s:o}", "schema", PL_SCHEMA_VERSION,
				"kind", "pick", "portlore", PORTLORE_VERSION, "registry",
				pl_render_registry_json(reg, &meta), "range", "first", range.lo, "last", range.hi, "ports",
				picked, "wanted", (int)count, "checked", (json_int_t)checked, "rejected", rejected);
	char why_text[512] = "";
	if (json_array_size(picked) < count)
		pl_render_pick_why(doc, why_text, sizeof why_text);
	rc = cli_emit(ctx, doc);
	if (!rc && *why_text)
		cli_error(ctx, "%s", why_text);
	if (!rc && json_array_size(picked) == 0)
		rc = EXIT_NOTHING;
out:
	json_decref(picked);
	free(ports);
	pl_socket_set_free(set);
	pl_registry_close(reg);
	return rc;
}

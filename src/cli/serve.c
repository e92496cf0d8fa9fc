/* portlore serve: the port pages, JSON API, feedback and /metrics over HTTP (src/web). This file owns the
 * processes: options, the database's default place, the reader process (forked first, before anything is
 * opened, so that it holds nothing but its pipe: web/reader.c), the descriptor limit, signals, the
 * sandbox of the HTTP process (after binding, before the server's threads) and stderr. The registry is
 * opened once, as the CLI does (--registry, cache, embedded), and shared read-only. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "util/util.h"
#include "web/web.h"

#define DEFAULT_LISTEN "127.0.0.1:8080" /* not 2908: that one is mao's */
#define SNAPSHOT_INTERVAL_MS 500u /* so that the newest snapshot is at most about a second old */

static const struct option opts[] = {
	{"listen", required_argument, NULL, 'l'},   {"db", required_argument, NULL, 'd'},
	{"expose-processes", no_argument, NULL, 'x'}, {"capture", required_argument, NULL, 'c'},
	{"capture-port", required_argument, NULL, 'P'}, {"capture-flows", required_argument, NULL, 'F'},
	{"capture-window", required_argument, NULL, 'W'},
	CLI_GLOBAL_OPTIONS, {NULL, 0, NULL, 0},
};

static void log_stderr(void *ctx, const char *msg)
{
	char *safe = pl_term_escape(msg, strlen(msg), 0); /* log lines quote clients' requests */
	fprintf(stderr, "%s: %s\n", (const char *)ctx, safe ? safe : "(unprintable log line)");
	free(safe);
}

static void stop_capture(int pid, int fd)
{
	if (fd >= 0)
		close(fd);
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

/* mkdir -p for the default database folder (private: votes are nobody else's business). */
static int make_dirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		int rc = mkdir(path, 0700);
		*p = '/';
		if (rc && errno != EEXIST)
			return -1;
	}
	return mkdir(path, 0700) && errno != EEXIST ? -1 : 0;
}

/* $STATE_DIRECTORY (systemd's StateDirectory=), else $XDG_STATE_HOME/portlore, else ~/.local/state/portlore. */
static int default_db(char *buf, size_t size, const char *prog)
{
	const char *sd = getenv("STATE_DIRECTORY"), *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char dir[4096];
	int n;
	if (sd && *sd == '/') {
		/* systemd may list several folders, separated by colons: the first is ours */
		n = snprintf(dir, sizeof dir, "%.*s", (int)strcspn(sd, ":"), sd);
	} else if (xdg && *xdg == '/')
		n = snprintf(dir, sizeof dir, "%s/portlore", xdg);
	else if (home && *home)
		n = snprintf(dir, sizeof dir, "%s/.local/state/portlore", home);
	else {
		fprintf(stderr, "%s: no place for the feedback database: give --db FILE\n", prog);
		return -1;
	}
	if (n < 0 || (size_t)n >= sizeof dir || make_dirs(dir)) {
		fprintf(stderr, "%s: cannot create %s: %s\n", prog, dir, strerror(errno));
		return -1;
	}
	n = snprintf(buf, size, "%s/feedback.db", dir);
	return n > 0 && (size_t)n < size ? 0 : -1;
}

/* "2908", "2900-2910", "22,80,443-445": at most PL_TRAFFIC_MAX_RANGES ranges. 0, or -1. */
static int parse_ranges(const char *s, pl_traffic_range *r, size_t *n)
{
	*n = 0;
	for (const char *p = s;; p++) {
		size_t len = strcspn(p, ",");
		const char *dash = memchr(p, '-', len);
		uint32_t lo, hi;
		if (*n == PL_TRAFFIC_MAX_RANGES || !len ||
		    pl_parse_uint(p, dash ? (size_t)(dash - p) : len, 65535, &lo) ||
		    pl_parse_uint(dash ? dash + 1 : p, dash ? len - (size_t)(dash - p) - 1 : len, 65535, &hi) || hi < lo)
			return -1;
		r[(*n)++] = (pl_traffic_range){(uint16_t)lo, (uint16_t)hi};
		p += len;
		if (!*p)
			return 0;
	}
}

int cmd_serve(int argc, char **argv, cli_ctx *ctx)
{
	const char *listen = DEFAULT_LISTEN, *db = NULL;
	bool expose = false;
	pl_traffic_range ranges[PL_TRAFFIC_MAX_RANGES];
	pl_web_capture_opts co = {.ranges = ranges};
	uint32_t flows;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return cli_print_help("serve");
		case 'l':
			listen = optarg;
			break;
		case 'd':
			if (!*optarg)
				return cli_usage_error(ctx, "serve", "--db needs a file name");
			db = optarg;
			break;
		case 'x':
			expose = true;
			break;
		case 'c':
			/* a Linux interface name: at most 15 bytes, no '/' nor blank; printable ASCII here, as it
			 * travels in frames and pages (docs/web.md) */
			if (!*optarg || strlen(optarg) >= 16 || optarg[strspn(optarg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:@+-")])
				return cli_usage_error(ctx, "serve", "--capture needs an interface name (\"lo\", \"eth0\", \"any\")");
			if (co.iface)
				return cli_usage_error(ctx, "serve", "--capture takes one interface (\"any\" captures on all)");
			co.iface = optarg;
			break;
		case 'P':
			if (parse_ranges(optarg, ranges, &co.nranges))
				return cli_usage_error(ctx, "serve", "--capture-port wants ports or ranges, comma-separated, at most %d: '%s'",
						       PL_TRAFFIC_MAX_RANGES, optarg);
			break;
		case 'F':
			if (pl_parse_uint(optarg, strlen(optarg), 4u << 20, &flows) || flows < 16)
				return cli_usage_error(ctx, "serve", "--capture-flows wants a number from 16 to 4194304: '%s'", optarg);
			co.max_flows = flows;
			break;
		case 'W':
			if (pl_parse_uint(optarg, strlen(optarg), 31u * 86400, &flows) || flows < 10)
				return cli_usage_error(ctx, "serve", "--capture-window wants seconds, from 10 to 2678400: '%s'", optarg);
			co.window_s = flows;
			break;
		case '?':
			return cli_usage_error(ctx, "serve", "unknown option '%s'", argv[optind - 1]);
		case ':':
			return cli_usage_error(ctx, "serve", "option '%s' needs a value", argv[optind - 1]);
		default:
			if (cli_common_option(c, optarg, ctx) > 1)
				return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(ctx, "serve", "unexpected argument '%s'", argv[optind]);
	if (!co.iface && (co.nranges || co.max_flows || co.window_s))
		return cli_usage_error(ctx, "serve", "--capture-port, --capture-flows and --capture-window go with --capture IFACE");
	char dbbuf[4200];
	if (!db) {
		if (default_db(dbbuf, sizeof dbbuf, ctx->prog))
			return EXIT_RUNTIME;
		db = dbbuf;
	}
	/* Connections are descriptors: as many as the hard limit allows (web/guard.c sizes its limits on it). */
	struct rlimit nofile;
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	/* the reader: forked before the registry, database or listening socket exist */
	int reader_pid = -1;
	int snap_fd = pl_web_reader_spawn("/proc", SNAPSHOT_INTERVAL_MS, &reader_pid);
	if (snap_fd < 0) {
		fprintf(stderr, "%s: cannot start the reader process: %s\n", ctx->prog, strerror(errno));
		return EXIT_RUNTIME;
	}
	/* the capture process (web/capture.c): forked as early, for the same reason */
	int capture_pid = -1, traffic_fd = -1;
	if (co.iface && (traffic_fd = pl_web_capture_spawn(&co, &capture_pid)) < 0) {
		fprintf(stderr, "%s: cannot start the capture process: %s\n", ctx->prog, strerror(errno));
		close(snap_fd);
		kill(reader_pid, SIGTERM);
		waitpid(reader_pid, NULL, 0);
		return EXIT_RUNTIME;
	}
	pl_registry *reg;
	pl_render_meta meta;
	int rc = cli_open_registry(ctx, &reg, &meta);
	if (rc) {
		close(snap_fd);
		kill(reader_pid, SIGTERM);
		waitpid(reader_pid, NULL, 0);
		stop_capture(capture_pid, traffic_fd);
		return rc;
	}
	/* The server's threads inherit this mask, so that these signals reach sigwait below. SIGHUP stops the
	 * server too (a terminal that closes), as cleanly as the other two. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	pl_web_opts wo = {.listen = listen, .db_path = db, .expose_processes = expose, .reg = reg, .meta = &meta,
			  .proc_root = "/proc", .log = log_stderr, .log_ctx = (void *)ctx->prog, .snapshot_fd = snap_fd,
			  .capture = co.iface != NULL, .traffic_fd = traffic_fd};
	pl_web *w;
	pl_error err = {0};
	if ((rc = pl_web_open(&wo, &w, &err))) {
		cli_error(ctx, "%s", err.msg);
		pl_registry_close(reg);
		kill(reader_pid, SIGTERM);
		waitpid(reader_pid, NULL, 0);
		stop_capture(capture_pid, -1);
		return rc == PL_EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
	}
	/* Bound, and no thread started yet: no-new-privileges and Landlock hold for the calling thread and the
	 * threads it creates afterwards only, so they go on before pl_web_start makes the server's threads. */
	char dropped[512];
	pl_web_sandbox(pl_web_state_dir(w), dropped, sizeof dropped);
	if ((rc = pl_web_start(w, &err))) {
		cli_error(ctx, "%s", err.msg);
		pl_web_stop(w);
		pl_registry_close(reg);
		kill(reader_pid, SIGTERM);
		waitpid(reader_pid, NULL, 0);
		stop_capture(capture_pid, -1);
		return EXIT_RUNTIME;
	}
	/* One line tests and scripts can read the bound port from (with --listen ADDR:0). */
	/* Start-up news, not a failure: said as such (stderr stays for logs; scripts read the address here). */
	fprintf(stderr, "%s serve: serving http://%s/ (registry: IANA as of %s, %s; feedback: %s; processes shown to %s)\n",
		ctx->prog, pl_web_address(w), *pl_registry_date(reg) ? pl_registry_date(reg) : PL_UNDATED,
		meta.registry_origin, db, expose ? "every client" : "loopback clients only");
	fprintf(stderr, "%s serve: restrictions in force: %s\n", ctx->prog, dropped);
	fprintf(stderr, "%s serve: the host is read by process %d (netlink and /proc only), every %u ms\n", ctx->prog,
		reader_pid, SNAPSHOT_INTERVAL_MS);
	if (co.iface)
		fprintf(stderr, "%s serve: traffic on %s is captured by process %d (its packet socket only), a summary every second\n",
			ctx->prog, co.iface, capture_pid);
	int sig = 0;
	sigwait(&stop, &sig);
	fprintf(stderr, "%s: %s: stopping\n", ctx->prog, strsignal(sig));
	pl_web_stop(w); /* closes the pipe: the reader's next write fails and it exits */
	kill(reader_pid, SIGTERM);
	waitpid(reader_pid, NULL, 0);
	stop_capture(capture_pid, -1);
	pl_registry_close(reg);
	return EXIT_FOUND;
}

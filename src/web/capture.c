/* The capture process of `portlore serve --capture IFACE`: the third process, after OpenBSD relayd's split
 * of one privileged job per process. It opens the capture (CAP_NET_RAW, when run as root) and loads nDPI,
 * then gives up everything else: no capability at all (the open packet socket keeps working), no file
 * anywhere (Landlock), and a system-call allow-list with no socket(), open() or exec. It reads nothing from
 * its socketpair and sends down it, every second, the summary of what crossed the ports (web/tframe.c).
 * Why not in the reader: the reader keeps CAP_SYS_PTRACE, CAP_SYS_ADMIN and friends to read the host; the
 * capture parses packets anyone on the network can craft (nDPI's dissectors among them), and a flaw there
 * must not land in a process with those rights. Nor in the HTTP process, which must never open a capture. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define IDLE_S 30 /* a flow with no packet for this long is finished (the CLI's default is 120 s) */
/* Ports summarised one by one (~2 kB each: a scan of all 131,070 would take 250 MB); the flows of others
 * are summed as "other". Twice what a frame details, so that the busiest are among them. */
#define MAX_PORTS (2 * PL_WEB_TRAFFIC_PORTS)

static uint64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A frame saying why there is no capture, then the end of this process. */
static void fail(int fd, const pl_web_capture_opts *co, double started, const char *why, pl_buf *b)
{
	/* the server's log too: the pages say it to those who may see the host, this says it to its operator */
	fprintf(stderr, "portlore-capture: %s\n", why);
	b->len = 0;
	if (pl_web_traffic_encode(NULL, co->iface, "", started, 0, why, wall_ms(), b) == 0)
		pl_web_snapshot_write_frame(fd, b);
	_exit(0);
}

void pl_web_capture_main(int fd, const pl_web_capture_opts *co)
{
	pid_t parent = pl_web_child_setup(&fd, "portlore-capt");
	pl_buf b;
	pl_buf_init(&b, PL_WEB_TRAFFIC_MAX);
	double started = (double)wall_ms() / 1000;
	pl_traffic_opts o = {.iface = co->iface, .port = -1, .ranges = co->ranges, .nranges = co->nranges,
			     .max_flows = co->max_flows ? co->max_flows : 16384, .idle = IDLE_S, .max_ports = MAX_PORTS};
	pl_traffic_live *l;
	pl_error err = {0};
	if (pl_traffic_live_open(&o, &l, &err))
		fail(fd, co, started, err.msg, &b);
	char what[256];
	if (pl_web_sandbox_capture(what, sizeof what))
		fprintf(stderr, "portlore-capture: %s\n", what);
	/* A summary every interval, unless making one costs more than a quarter of that in CPU (a scan of
	 * every port fills the scanner lists): then four times its cost, as the reader paces itself. */
	uint64_t interval = co->interval_ms ? co->interval_ms : 1000, step = interval;
	uint64_t window_end = co->window_s ? pl_web_now_ms() + (uint64_t)co->window_s * 1000 : 0;
	for (uint64_t next = pl_web_now_ms() + step; getppid() == parent; next += step) {
		if (window_end && pl_web_now_ms() >= window_end) {
			pl_traffic_live_restart(l);
			started = (double)wall_ms() / 1000;
			window_end += (uint64_t)co->window_s * 1000;
		}
		for (uint64_t now = pl_web_now_ms(); now < next; now = pl_web_now_ms()) {
			uint64_t wait = next - now;
			if (pl_traffic_live_read(l, (unsigned)(wait > 200 ? 200 : wait), &err))
				fail(fd, co, started, err.msg, &b);
		}
		next = pl_web_now_ms() > next + step ? pl_web_now_ms() : next; /* no burst to catch up after a slow one */
		uint64_t cpu0 = pl_web_cpu_ms();
		pl_traffic_result *r;
		if (pl_traffic_live_summary(l, &r, &err))
			continue; /* out of memory: the flows go on, the next summary may fit */
		b.len = 0;
		int rc = pl_web_traffic_encode(r, co->iface, pl_traffic_live_filter(l), started,
					       pl_traffic_live_open_flows(l), NULL, wall_ms(), &b);
		pl_traffic_result_free(r);
		if (rc == 0 && pl_web_snapshot_write_frame(fd, &b))
			break;
		uint64_t cost = pl_web_cpu_ms() - cpu0;
		step = cost * 4 > interval ? cost * 4 : interval;
	}
	_exit(0);
}

static void capture_child(int fd, const void *arg)
{
	pl_web_capture_main(fd, arg);
}

int pl_web_capture_spawn(const pl_web_capture_opts *co, int *pid)
{
	return pl_web_spawn(capture_child, co, pid);
}

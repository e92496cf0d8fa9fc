/* The reader: the small process of `portlore serve` that keeps the right to look at the host (netlink
 * sock_diag, /proc) and nothing else, in the manner of OpenBSD httpd's and relayd's privileged parts. It
 * is forked before the server opens anything, keeps only its end of a socketpair, and writes a snapshot
 * of the host down it every interval: every socket with its owners, and the kernel's port policy. It
 * reads nothing from the socketpair, so the HTTP process, which faces the network, cannot ask it for
 * anything. It runs as the user who started `serve`, so the page names the owners `portlore PORT` names
 * to that user; Landlock is not applied here, as it would hide other processes' /proc/PID/fd from it
 * (the kernel refuses ptrace-mode access across Landlock domains). It has a system-call allow-list. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

int pl_web_snapshot_read(const char *proc_root, pl_web_snapshot **out)
{
	pl_web_snapshot *s = calloc(1, sizeof *s);
	if (!s)
		return PL_ENOMEM;
	atomic_init(&s->refs, 1);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	s->taken_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	pl_host_ports_read(proc_root, &s->host);
	/* what `portlore PORT` reads: every namespace, containers, published ports */
	pl_socket_query q = {.proc_root = proc_root, .owners = true, .all_netns = true, .containers = true,
			     .published = true};
	pl_error err = {0};
	if (pl_sockets_query(&q, &s->set, &err)) {
		s->set = NULL;
		snprintf(s->error, sizeof s->error, "%s", err.msg);
	}
	if (pl_web_snapshot_finish(s)) {
		pl_web_snapshot_unref(s);
		return PL_ENOMEM;
	}
	*out = s;
	return 0;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t pl_web_cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One reading, framed and written. 0, or -1 when the HTTP process is gone. */
static int send_one(int fd, const char *proc_root, pl_buf *b)
{
	pl_web_snapshot *s;
	if (pl_web_snapshot_read(proc_root, &s))
		return 0; /* out of memory: try again next time */
	b->len = 0;
	int rc = pl_web_snapshot_encode(s->set, &s->host, s->error, s->taken_ms, b);
	if (rc) {
		/* too big to send (a host with millions of sockets): say so rather than nothing */
		b->len = 0;
		rc = pl_web_snapshot_encode(NULL, &s->host, "too many sockets on this host for one snapshot",
					    s->taken_ms, b);
	}
	pl_web_snapshot_unref(s);
	return rc ? 0 : pl_web_snapshot_write_frame(fd, b);
}

pid_t pl_web_child_setup(int *fd, const char *name)
{
	/* gone with the server, whatever kills it (kill -9 included) */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	pid_t parent = getppid();
	if (parent == 1)
		_exit(0);
	prctl(PR_SET_NAME, name);
	/* nothing of the server's but the socketpair: not its terminal input, not any other descriptor */
	if (*fd != 3 && (dup2(*fd, 3) < 0 || close(*fd)))
		_exit(3);
	*fd = 3;
	close_range(4, ~0u, 0);
	signal(SIGPIPE, SIG_IGN);
	return parent;
}

void pl_web_reader_main(int fd, const char *proc_root, unsigned interval_ms)
{
	/* normal priority: a reading that waits behind other work makes every page older */
	pid_t parent = pl_web_child_setup(&fd, "portlore-reader");
	pl_buf b;
	pl_buf_init(&b, PL_WEB_SNAPSHOT_MAX);
	/* The first reading loads what later ones need (libmnl, the user database's modules) before the
	 * system-call filter goes on. */
	if (send_one(fd, proc_root, &b))
		_exit(0);
	char what[256];
	if (pl_web_sandbox_reader(what, sizeof what))
		fprintf(stderr, "portlore-reader: %s\n", what);
	/* A reading every interval_ms from the start of the last one, so that the newest is never older than
	 * the interval plus one reading's time; but never more than a quarter of a CPU: on a host where one
	 * reading costs more than interval_ms / 4 of CPU (tens of thousands of sockets), the next one waits
	 * four times that. */
	uint64_t step = interval_ms;
	for (uint64_t next = mono_ms() + step; getppid() == parent; next += step) {
		uint64_t now = mono_ms();
		if (now < next) {
			struct timespec d = {.tv_sec = (time_t)((next - now) / 1000),
					     .tv_nsec = (long)((next - now) % 1000) * 1000000};
			nanosleep(&d, NULL);
		} else
			next = now; /* a reading took longer than the interval: no burst to catch up */
		uint64_t cpu0 = pl_web_cpu_ms();
		if (send_one(fd, proc_root, &b))
			break;
		uint64_t cost = pl_web_cpu_ms() - cpu0;
		step = cost * 4 > interval_ms ? cost * 4 : interval_ms;
	}
	_exit(0);
}

int pl_web_spawn(void (*child)(int fd, const void *arg), const void *arg, int *pid)
{
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp))
		return -1;
	pid_t p = fork();
	if (p < 0) {
		int e = errno;
		close(sp[0]);
		close(sp[1]);
		errno = e;
		return -1;
	}
	if (p == 0) {
		close(sp[0]);
		child(sp[1], arg);
		_exit(0);
	}
	close(sp[1]);
	*pid = p;
	return sp[0];
}

typedef struct reader_args {
	const char *proc_root;
	unsigned interval_ms;
} reader_args;

static void reader_child(int fd, const void *arg)
{
	const reader_args *a = arg;
	pl_web_reader_main(fd, a->proc_root, a->interval_ms);
}

int pl_web_reader_spawn(const char *proc_root, unsigned interval_ms, int *pid)
{
	reader_args a = {proc_root, interval_ms};
	return pl_web_spawn(reader_child, &a, pid);
}

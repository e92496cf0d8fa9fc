/* The server's threads: one accepts, and each of the others drives a libmicrohttpd daemon of its own in
 * libmicrohttpd's external epoll mode (MHD_run from our loop). Why not libmicrohttpd's own thread pool:
 * - balance: its workers raced for the listening socket, and the first awake took a burst: one held 194
 *   of 256 keep-alive connections and the other 62, and the crowded one's clients waited three times as
 *   long; here the acceptor hands each connection to the worker that holds the fewest;
 * - a stall in libmicrohttpd 0.9.75's own loop: after an epoll_wait that returns its whole array (128
 *   events) it waits again with the full timeout (up to the 15 s idle limit) before handling any, so a
 *   thread whose 128 (or 256) connections all had a request waiting stopped until one of them gave up.
 *   A pool of one thread (every 1-CPU host) served 256 wrk connections at 250 requests a second. MHD_run
 *   never waits, and this loop waits only when libmicrohttpd has nothing pending;
 * - size: as many workers as CPUs this process may run on (its affinity mask, not the host's count).
 * A connection is handed over as a fixed-size message on the worker's pipe (a write of at most PIPE_BUF
 * is atomic), and added by the worker itself: libmicrohttpd's structures are touched by one thread only.
 * Another thread that changed a daemon (the vote writer resuming a connection) sends a message with no
 * connection, which wakes the worker. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "util/dl.h"

#define WORKER_SYMS(X) X(MHD_run) X(MHD_get_timeout) X(MHD_get_daemon_info) X(MHD_add_connection) X(MHD_stop_daemon)
WORKER_SYMS(PL_DL_DECLARE)
static const pl_dl_sym worker_syms[] = {WORKER_SYMS(PL_DL_ENTRY){NULL, NULL}};
static const char *const worker_sonames[] = {"libmicrohttpd.so.12", NULL};
static void *worker_handle;

#define MAX_WORKERS PL_WEB_MAX_WORKERS
#define TAKE_BATCH 32u
#define ACCEPT_LOG_PERIOD_MS 10000u

typedef struct handoff {
	int fd; /* -1: no connection, look at the daemon again */
	socklen_t len;
	struct sockaddr_storage addr;
} handoff;
_Static_assert(sizeof(handoff) <= PIPE_BUF, "a handoff is written at once");

typedef struct worker {
	pl_web *w;
	struct MHD_Daemon *d;
	int epfd;    /* libmicrohttpd's epoll set */
	int pipe[2]; /* handoffs */
	pthread_t thread;
	bool thread_on;
	_Atomic bool stop;
	_Atomic unsigned conns;   /* connections it holds */
	_Atomic unsigned pending; /* handed to it, not yet added */
} worker;

struct pl_web_workers {
	unsigned n, next;
	worker wk[MAX_WORKERS];
	int listen_fd;
	pthread_t acceptor;
	bool acceptor_on;
	_Atomic bool quiescing;
};

static _Thread_local worker *self;

unsigned pl_web_workers_cpus(void)
{
	cpu_set_t set;
	long n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > (long)MAX_WORKERS ? MAX_WORKERS : (unsigned)n;
}

unsigned pl_web_workers_conns(const pl_web_workers *ws, unsigned *conns, unsigned max)
{
	unsigned n = ws ? ws->n : 0;
	for (unsigned i = 0; i < n && i < max; i++)
		conns[i] = ws->wk[i].conns;
	return n < max ? n : max;
}

void *pl_web_worker_self(void)
{
	return self;
}

void pl_web_worker_count(int delta)
{
	if (self)
		self->conns += (unsigned)delta;
}

static bool send_handoff(worker *k, const handoff *h)
{
	ssize_t n;
	do
		n = write(k->pipe[1], h, sizeof *h);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof *h;
}

/* Also from the worker's own thread: libmicrohttpd's timeout does not count a connection being resumed,
 * so the worker would otherwise wait on poll before answering it. */
void pl_web_worker_wake(void *worker_ptr)
{
	worker *k = worker_ptr;
	if (k)
		send_handoff(k, &(handoff){.fd = -1}); /* a full pipe wakes it as well */
}

/* Adds what the acceptor handed over. In the worker's thread. */
static void take_handoffs(worker *k)
{
	handoff h[TAKE_BATCH];
	for (;;) {
		ssize_t n = read(k->pipe[0], h, sizeof h);
		if (n <= 0)
			return;
		for (size_t i = 0; i < (size_t)n / sizeof *h; i++)
			if (h[i].fd >= 0) {
				/* refused (web/guard.c's admission) or failed: libmicrohttpd closes the socket */
				sym_MHD_add_connection(k->d, h[i].fd, (struct sockaddr *)&h[i].addr, h[i].len);
				k->pending--;
			}
		if ((size_t)n < sizeof h)
			return;
	}
}

static void *worker_main(void *arg)
{
	worker *k = arg;
	self = k;
	prctl(PR_SET_NAME, "http-worker");
	struct pollfd p[2] = {{.fd = k->epfd, .events = POLLIN}, {.fd = k->pipe[0], .events = POLLIN}};
	while (!k->stop) {
		MHD_UNSIGNED_LONG_LONG t;
		int ms = sym_MHD_get_timeout(k->d, &t) == MHD_YES ? (t > INT_MAX ? INT_MAX : (int)t) : -1;
		if (poll(p, 2, ms) < 0 && errno != EINTR) {
			/* ENOMEM: a worker that stopped would leave its connections and handoffs unread; it
			 * tries again a moment later instead */
			nanosleep(&(struct timespec){.tv_nsec = 1000 * 1000}, NULL);
			continue;
		}
		if (p[1].revents)
			take_handoffs(k);
		sym_MHD_run(k->d); /* epoll_wait without waiting, then every connection with something to do */
	}
	self = NULL;
	return NULL;
}

/* The worker holding the fewest connections (those handed over and not yet added count), from a
 * rotating start so that ties take turns. */
static worker *least_busy(pl_web_workers *ws)
{
	worker *best = NULL;
	unsigned best_load = UINT_MAX, start = ws->next++;
	for (unsigned i = 0; i < ws->n; i++) {
		worker *k = &ws->wk[(start + i) % ws->n];
		unsigned load = k->conns + k->pending;
		if (load < best_load)
			best = k, best_load = load;
	}
	return best;
}

static void *acceptor_main(void *arg)
{
	pl_web_workers *ws = arg;
	pl_web *w = ws->wk[0].w;
	prctl(PR_SET_NAME, "http-accept");
	uint64_t last_log = 0;
	for (;;) {
		handoff h = {.len = sizeof h.addr};
		h.fd = accept4(ws->listen_fd, (struct sockaddr *)&h.addr, &h.len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (h.fd >= 0) {
			worker *k = least_busy(ws);
			k->pending++;
			if (!send_handoff(k, &h)) {
				/* its pipe is full (hundreds waiting): the worker is stuck, and a client waits less
				 * for a refusal than for a connection nobody reads */
				k->pending--;
				close(h.fd);
				w->refused[PL_REFUSED_FULL]++;
			}
			continue;
		}
		int e = errno;
		if (e == EINTR || e == ECONNABORTED || e == EAGAIN || e == EPROTO || e == EPERM)
			continue;
		if (e != EMFILE && e != ENFILE && e != ENOBUFS && e != ENOMEM) {
			/* EINVAL: the socket was shut down (pl_web_workers_quiesce); anything else is said */
			if (!ws->quiescing)
				pl_web_log(w, "no longer accepting connections: %s", strerror(e));
			break;
		}
		/* out of descriptors or memory: the backlog waits while connections end */
		uint64_t now = pl_web_now_ms();
		if (now - last_log >= ACCEPT_LOG_PERIOD_MS) {
			pl_web_log(w, "cannot accept a connection: %s (trying again every 10 ms)", strerror(e));
			last_log = now;
		}
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
	}
	return NULL;
}

int pl_web_workers_start(pl_web *w, int listen_fd, unsigned n, pl_web_daemon_fn make, pl_web_workers **out,
			 pl_error *err)
{
	int rc = pl_dl_load(&worker_handle, worker_sonames, worker_syms, "libmicrohttpd", err);
	if (rc)
		return rc;
	pl_web_workers *ws = calloc(1, sizeof *ws);
	if (!ws)
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	*out = ws;
	ws->listen_fd = listen_fd;
	n = n < 1 ? 1 : n > MAX_WORKERS ? MAX_WORKERS : n;
	for (unsigned i = 0; i < n; i++) {
		worker *k = &ws->wk[i];
		k->w = w;
		k->pipe[0] = k->pipe[1] = k->epfd = -1;
		ws->n++;
		if (pipe2(k->pipe, O_NONBLOCK | O_CLOEXEC))
			return pl_error_errno(err, PL_EIO, errno, "cannot start the server's workers");
		if (!(k->d = make(w)))
			return pl_error_set(err, PL_EIO, "cannot serve on %s (libmicrohttpd refused to start)", w->opts.listen);
		const union MHD_DaemonInfo *di = sym_MHD_get_daemon_info(k->d, MHD_DAEMON_INFO_EPOLL_FD);
		if (!di || di->epoll_fd < 0)
			return pl_error_set(err, PL_EIO, "libmicrohttpd has no epoll set to wait on");
		k->epfd = di->epoll_fd;
	}
	for (unsigned i = 0; i < n; i++) {
		worker *k = &ws->wk[i];
		int e = pthread_create(&k->thread, NULL, worker_main, k);
		if (e)
			return pl_error_errno(err, PL_EIO, e, "cannot start the server's workers");
		k->thread_on = true;
	}
	/* blocking accepts: the acceptor sleeps in accept(2) until a connection comes or the socket is shut */
	int fl = fcntl(listen_fd, F_GETFL);
	if (fl == -1 || fcntl(listen_fd, F_SETFL, fl & ~O_NONBLOCK) == -1)
		return pl_error_errno(err, PL_EIO, errno, "cannot serve on %s", w->opts.listen);
	int e = pthread_create(&ws->acceptor, NULL, acceptor_main, ws);
	if (e)
		return pl_error_errno(err, PL_EIO, e, "cannot start the accepting thread");
	ws->acceptor_on = true;
	return 0;
}

void pl_web_workers_quiesce(pl_web_workers *ws)
{
	if (!ws || !ws->acceptor_on)
		return;
	ws->quiescing = true;
	shutdown(ws->listen_fd, SHUT_RDWR); /* accept(2) fails with EINVAL */
	pthread_join(ws->acceptor, NULL);
	ws->acceptor_on = false;
}

void pl_web_workers_free(pl_web_workers *ws)
{
	if (!ws)
		return;
	pl_web_workers_quiesce(ws);
	for (unsigned i = 0; i < ws->n; i++) {
		worker *k = &ws->wk[i];
		if (k->thread_on) {
			k->stop = true;
			send_handoff(k, &(handoff){.fd = -1});
			pthread_join(k->thread, NULL);
		}
	}
	for (unsigned i = 0; i < ws->n; i++) {
		worker *k = &ws->wk[i];
		if (k->d) {
			take_handoffs(k); /* added, to be closed with the rest */
			sym_MHD_stop_daemon(k->d);
		}
		if (k->pipe[0] >= 0) {
			close(k->pipe[0]);
			close(k->pipe[1]);
		}
	}
	free(ws);
}

/* The web front end (`portlore serve`): an HTTP server over libmicrohttpd that serves the port pages,
 * the JSON API, feedback votes (SQLite) and /metrics. This header is all that src/cli/serve.c sees;
 * the front end owns the process (signals, stderr, privileges), the server owns its threads. */
#ifndef PL_WEB_H
#define PL_WEB_H

#include <stdbool.h>
#include <stdint.h>

#include "portlore/error.h"
#include "portlore/registry.h"
#include "portlore/render.h"
#include "portlore/traffic.h"

typedef struct pl_web pl_web;

typedef struct pl_web_opts {
	const char *listen;          /* "ADDR:PORT" or "[V6]:PORT"; port 0 picks a free one */
	const char *db_path;         /* the feedback database, created when missing */
	bool expose_processes;       /* show sockets and processes to every client, not only loopback */
	const pl_registry *reg;      /* opened by the caller, shared read-only by every thread */
	const pl_render_meta *meta;  /* the registry's origin, as `portlore --json` reports it */
	const char *proc_root;       /* "/proc" */
	unsigned threads;            /* worker threads; 0: one per CPU this process may run on */
	/* The reader process's end of the socketpair its host snapshots come down (web/reader.c), or -1:
	 * then pages say the host was not read. The server closes it when stopped. */
	int snapshot_fd;
	/* Where the server reports what it cannot answer a client about (a failed vote write, an MHD
	 * complaint); NULL discards. Called from the server's threads. */
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
	/* serve --capture: traffic_fd is the capture process's end of its socketpair (web/capture.c); pages,
	 * /api/ports/N and /metrics then say what crosses each port. Without capture, they say nothing is. */
	bool capture;
	int traffic_fd;
} pl_web_opts;

/* The capture process of `serve --capture` (web/capture.c): one interface ("any": all of them). */
typedef struct pl_web_capture_opts {
	const char *iface;
	const pl_traffic_range *ranges; /* only these ports (nranges 0: every port) */
	size_t nranges;
	size_t max_flows;              /* flows held at once (0: 16384) */
	unsigned interval_ms;          /* a summary this often (0: 1000) */
	unsigned window_s;             /* start afresh this often (0: never: everything since the start) */
} pl_web_capture_opts;
/* Forks the capture process, which opens the capture, gives up every right but reading it and sends a
 * summary down the returned descriptor (for pl_web_opts.traffic_fd) every interval. Like the reader, call
 * it before anything is opened. -1 on failure (errno). */
int pl_web_capture_spawn(const pl_web_capture_opts *co, int *pid);

/* Opens the database, loads libmicrohttpd and libsqlite3 and binds the listening socket; starts no
 * thread, so that a sandbox applied next (pl_web_sandbox: it binds the calling thread and the threads it
 * creates afterwards) covers every thread of the server. */
int pl_web_open(const pl_web_opts *opts, pl_web **out, pl_error *err);
/* Starts serving on the bound socket: libmicrohttpd's threads and the live sections' refresher. */
int pl_web_start(pl_web *w, pl_error *err);
/* The bound address, e.g. "127.0.0.1:8080" (with the real port when 0 was asked for). */
const char *pl_web_address(const pl_web *w);
/* The folder the server writes to (the database's): what a sandbox must leave writable. */
const char *pl_web_state_dir(const pl_web *w);
/* Gives up what serving does not need: no new privileges; Landlock: no file read, written or executed
 * outside writable; seccomp: no exec, fork, ptrace, netlink... (web/sandbox.c). what receives a sentence
 * saying what was applied. 0 when all of it was, -1 when some was not. */
int pl_web_sandbox(const char *writable, char *what, size_t size);
/* Forks the reader process (web/reader.c), which sends a snapshot of the host every interval_ms down
 * the returned descriptor (for pl_web_opts.snapshot_fd); *pid is the reader's. Call it first, before
 * anything is opened: the reader keeps nothing of its parent. -1 on failure (errno). */
int pl_web_reader_spawn(const char *proc_root, unsigned interval_ms, int *pid);
/* Stops accepting, finishes the requests in flight, closes the database (after pl_web_open or
 * pl_web_start). */
void pl_web_stop(pl_web *w);

#endif

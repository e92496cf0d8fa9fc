/* What the files of src/web share and nothing else sees: the server's state, HTML escaping, the message
 * table, feedback, metrics, the page cache and the page builders. Pages are built into pl_buf (capped),
 * and every piece of text reaches HTML through pl_web_esc, the one escaping function. */
#ifndef PL_WEB_INTERNAL_H
#define PL_WEB_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "portlore/evidence.h"
#include "portlore/explain.h"
#include "portlore/traffic.h"
#include "util/util.h"
#include "web/web.h"

#define PL_WEB_QUERY_MAX 256       /* bytes of a search query */
#define PL_WEB_BODY_MAX 4096       /* bytes of a POST body: a vote is a few dozen */
#define PL_WEB_PAGE_MAX (4u << 20) /* a page never grows past this (a search with every record is ~1 MB) */
#define PL_WEB_SNAPSHOT_MAX (64u << 20) /* a host snapshot's frame (~300 bytes a socket) */
#define PL_WEB_METRICS_MAX (64u << 10)  /* /metrics, by construction (metrics.c) */

/* ---- HTML ---- */
/* Appends s (n bytes) with & < > " ' escaped, and bytes that are not valid UTF-8 replaced by U+FFFD. */
int pl_web_escn(pl_buf *b, const char *s, size_t n);
int pl_web_esc(pl_buf *b, const char *s);
/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when there is none. */
size_t pl_web_utf8_len(const unsigned char *s, size_t n);
/* Appends a string literal or trusted markup as is. */
#define PL_ADD(b, lit) pl_buf_add((b), "" lit, sizeof(lit) - 1)

/* ---- languages ---- */
typedef enum pl_lang { PL_LANG_EN = 0, PL_LANG_FR, PL_LANG_VI, PL_LANG_COUNT } pl_lang;

/* The best supported language for an Accept-Language header (NULL: English), q-values honoured. */
pl_lang pl_web_lang_pick(const char *accept_language);
const char *pl_web_lang_tag(pl_lang l); /* "en", "fr", "vi" */

typedef enum pl_msg {
	M_SITE_TAGLINE, M_PORTS, M_PORT_N, M_PORT_N_NAME, M_SEARCH_LABEL, M_SEARCH_PLACEHOLDER, M_SEARCH_BUTTON,
	M_HOME_TITLE, M_HOME_INTRO, M_HOME_TRY, M_RANGES, M_RANGE_SYSTEM, M_RANGE_USER, M_RANGE_DYNAMIC,
	M_RANGE_SYSTEM_DESC, M_RANGE_USER_DESC, M_RANGE_DYNAMIC_DESC, M_RANGE_COUNTS, M_REGISTRY_LINE,
	M_SUMMARY_REGISTERED, M_SUMMARY_NONE,
	M_SEC_WHAT, M_WHAT_SYSTEM, M_WHAT_USER, M_WHAT_DYNAMIC,
	M_BIND_YES, M_BIND_NO, M_BIND_UNKNOWN, M_EPH_IN, M_EPH_IN_RESERVED, M_EPH_OUT, M_EPH_UNKNOWN,
	M_SEC_REG, M_F_DESCRIPTION, M_F_ASSIGNEE, M_F_CONTACT, M_F_REGISTERED, M_F_MODIFIED, M_F_REFERENCES,
	M_F_NOTES, M_F_SERVICE_CODE, M_F_UNAUTHORIZED, M_F_RANGE, M_DESC_NONE, M_DESC_SAME, M_UNASSIGNED,
	M_RESERVED, M_NO_REGISTRATION_FOR, M_SNAPSHOT_THIN,
	M_F_FOOTNOTE, M_F_SOURCE, M_F_MENTIONED,
	M_SEC_VERDICT, M_GHOST_YES, M_GHOST_LIKELY, M_GHOST_WHO, M_GHOST_NO, M_GHOST_NONE, M_GHOST_THIN,
	M_SEC_LIKELY, M_LIKELY_GHOST, M_LIKELY_REGISTERED, M_LIKELY_NONE, M_LIKELY_APP, M_LIKELY_EPHEMERAL,
	M_LIKELY_CUSTOM, M_LIKELY_SCANNERS, M_LIKELY_SYSTEM,
	M_SEC_CHECK, M_CHECK_NOTE,
	M_SEC_HOST, M_HOST_HIDDEN, M_HOST_UNAVAILABLE, M_HOST_NONE, M_HOST_AS_OF, M_COL_PROTO, M_COL_ADDR,
	M_COL_STATE, M_COL_PROCESS, M_COL_USER, M_OWNER_HIDDEN, M_OWNER_NONE, M_HOST_MORE, M_LOCAL_MATCH,
	M_LOCAL_MISMATCH, M_LOCAL_UNKNOWN,
	M_SEC_WHY, M_WHY_COLLISIONS, M_WHY_GHOSTS,
	M_SEC_NEARBY, M_NEARBY_UNASSIGNED, M_SAME_SERVICE,
	M_SEC_FEEDBACK, M_VOTE_SAD, M_VOTE_MEH, M_VOTE_HAPPY, M_VOTE_THANKS, M_VOTE_ALREADY, M_VOTE_NOTE,
	M_FOOTER_REGISTRY, M_FOOTER_JSON,
	M_SEARCH_TITLE, M_SEARCH_RESULTS, M_SEARCH_NONE, M_SEARCH_PROMPT,
	M_ERR_400, M_ERR_404, M_ERR_404_TEXT, M_ERR_405, M_ERR_405_TEXT, M_ERR_413, M_ERR_413_TEXT, M_ERR_500,
	M_ERR_500_TEXT, M_ERR_BAD_PORT, M_ERR_QUERY_LONG, M_ERR_QUERY_BAD, M_ERR_BAD_VOTE, M_BACK_HOME,
	M_SEC_TRAFFIC, M_TRAFFIC_WAIT, M_TRAFFIC_FAILED, M_TRAFFIC_HIDDEN, M_TRAFFIC_NONE, M_TRAFFIC_OTHER,
	M_TRAFFIC_COUNTS, M_TRAFFIC_SCANNERS, M_TRAFFIC_SCANNER, M_TRAFFIC_AS_OF, M_TRAFFIC_STOPPED, M_TRAFFIC_DROPPED, M_COL_PROTOCOL,
	M_COL_FLOWS, M_COL_NAMED_BY, M_COL_PRODUCT,
	M_COUNT
} pl_msg;

/* The message text (UTF-8), or NULL where English uses the report's own sentence (render/json.c). */
const char *pl_web_msg(pl_lang l, pl_msg m);
/* Appends message m escaped, "%1".."%9" replaced by args[0..] (escaped too). */
int pl_web_trv(pl_buf *b, pl_lang l, pl_msg m, const char *const *args, size_t nargs);
#define PL_TR(b, l, m, ...) \
	pl_web_trv((b), (l), (m), (const char *const[]){__VA_ARGS__}, \
		   sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))
#define PL_TR0(b, l, m) pl_web_trv((b), (l), (m), NULL, 0)
/* The same as plain text into out (truncated to size), for text that is escaped later (a <title>). */
void pl_web_fmtv(char *out, size_t size, pl_lang l, pl_msg m, const char *const *args, size_t nargs);
#define PL_FMT(out, size, l, m, ...) \
	pl_web_fmtv((out), (size), (l), (m), (const char *const[]){__VA_ARGS__}, \
		    sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/* ---- feedback (SQLite) ---- */
enum { PL_VOTE_SAD = 0, PL_VOTE_MEH, PL_VOTE_HAPPY, PL_VOTE_COUNT };
typedef struct pl_web_feedback pl_web_feedback;

int pl_web_vote_parse(const char *s, size_t n); /* PL_VOTE_*, or -1 */
const char *pl_web_vote_name(int v);           /* "sad", "meh", "happy" */
int pl_web_feedback_open(const char *path, pl_web_feedback **out, pl_error *err);
void pl_web_feedback_close(pl_web_feedback *fb);
/* Records one vote of client for port today (UTC), committed to disk before it returns: 1 when recorded,
 * 0 when this client already voted on this port today, or a negative PL_E code. */
int pl_web_feedback_vote(pl_web_feedback *fb, uint16_t port, int vote, const struct sockaddr *client,
			 pl_error *err);
/* The writer: a thread that takes the votes queued meanwhile, commits them in one transaction (one fsync
 * of the WAL for all) and then calls each one's done(). Requests never wait on the database. */
typedef struct pl_web_vote_job {
	uint16_t port;
	int vote;
	struct sockaddr_storage client;
	int result; /* as pl_web_feedback_vote */
	void (*done)(struct pl_web_vote_job *job);
	void *ctx;
	struct pl_web_vote_job *next;
} pl_web_vote_job;
int pl_web_writer_start(pl_web_feedback *fb, pl_error *err);
/* Queues job: 0 (done() will be called, from the writer's thread), or PL_ELIMIT when the queue is full or
 * the writer stopped (done() is not called). */
int pl_web_writer_submit(pl_web_feedback *fb, pl_web_vote_job *job);
/* Finishes what is queued, then stops. */
void pl_web_writer_stop(pl_web_feedback *fb);
/* Totals by vote, over every port. */
void pl_web_feedback_totals(pl_web_feedback *fb, uint64_t totals[PL_VOTE_COUNT]);
void pl_web_feedback_counts(pl_web_feedback *fb, uint16_t port, uint32_t counts[PL_VOTE_COUNT]);
/* Calls fn for every port with at least one vote, in port order. */
void pl_web_feedback_each(pl_web_feedback *fb, void (*fn)(void *ctx, uint16_t port, const uint32_t *counts),
			  void *ctx);
/* HMAC-SHA-256 of data under a 16-byte key (web/keyed.c, GnuTLS loaded on first use). */
int pl_web_keyed_hash(const uint8_t key[16], const void *data, size_t len, uint8_t out[32], pl_error *err);

/* ---- metrics ---- */
typedef enum pl_route {
	R_HOME = 0, R_PORT, R_SEARCH, R_API_PORT, R_API_SEARCH, R_FEEDBACK, R_METRICS, R_HEALTHZ, R_STATIC, R_OTHER,
	R_COUNT
} pl_route;
#define PL_WEB_NBUCKETS 12

typedef struct pl_web_metrics {
	_Atomic uint64_t requests[R_COUNT][10]; /* by status, as listed in metrics.c */
	_Atomic uint64_t buckets[R_COUNT][PL_WEB_NBUCKETS];
	_Atomic uint64_t sum_ns[R_COUNT];
	_Atomic uint64_t count[R_COUNT];
} pl_web_metrics;

const char *pl_web_route_name(pl_route r);
void pl_web_metrics_observe(pl_web_metrics *m, pl_route r, unsigned status, uint64_t ns);
/* trusted: the scraper may see processes (loopback, --expose-processes); others get no socket series. */
int pl_web_metrics_render(pl_web *w, bool trusted, pl_buf *out);
/* One listening socket as portlore_listening_sockets labels it. */
typedef struct pl_web_listener {
	uint16_t port;
	pl_proto proto;
	const char *service, *process, *registration, *verdict;
	unsigned count;
	/* labels printed only when set (NULL or "": the server's own namespace, no container) */
	const char *netns, *container;
} pl_web_listener;
/* Sorts ls by every label and appends one series per label set, the counts of equal ones summed. */
int pl_web_metrics_listeners(pl_web_listener *ls, size_t n, pl_buf *b);

/* ---- host snapshots (web/snapshot.c, web/reader.c) ---- */
typedef struct pl_web_snapshot {
	_Atomic unsigned refs;
	uint64_t seq;        /* 1, 2, ... as received */
	uint64_t taken_ms;   /* when it was read (CLOCK_REALTIME, ms) */
	pl_host_ports host;
	pl_socket_set *set;  /* every socket of the host with owners; NULL when unreadable (error says why) */
	pl_socket_set *plain; /* set, with the note a port without a hidden owner gets (snapshot.c) */
	char error[512];
} pl_web_snapshot;

/* Reads the host now (the reader does this; unit tests too). */
int pl_web_snapshot_read(const char *proc_root, pl_web_snapshot **out);
void pl_web_snapshot_unref(pl_web_snapshot *s);
int pl_web_snapshot_encode(const pl_socket_set *set, const pl_host_ports *host, const char *error,
			   uint64_t taken_ms, pl_buf *b);
int pl_web_snapshot_decode(const void *data, size_t len, pl_web_snapshot **out);
int pl_web_snapshot_read_frame(int fd, pl_buf *b);
int pl_web_snapshot_write_frame(int fd, const pl_buf *b);
/* The newest snapshot, referenced (unref when done), or NULL before the first one. */
pl_web_snapshot *pl_web_snapshot_get(pl_web *w);
/* Makes s the newest (takes the caller's reference). */
void pl_web_snapshot_set(pl_web *w, pl_web_snapshot *s);
/* Forks a child that runs child(fd, arg) with its end of a new socketpair (and exits after); the parent's
 * end is returned, -1 on failure (errno). The reader and the capture process start this way. */
int pl_web_spawn(void (*child)(int fd, const void *arg), const void *arg, int *pid);
/* A child's first steps: dies with its parent (PR_SET_PDEATHSIG), named, its end of the socketpair moved
 * to descriptor 3 and every other closed but stdio, SIGPIPE ignored. Returns the parent's pid. */
pid_t pl_web_child_setup(int *fd, const char *name);
/* This process's CPU time (ms): the reader and the capture process pace themselves on it. */
uint64_t pl_web_cpu_ms(void);
/* The reader process's life: never returns. */
void pl_web_reader_main(int fd, const char *proc_root, unsigned interval_ms) __attribute__((noreturn));
int pl_web_sandbox_reader(char *what, size_t size);
int pl_web_snapshot_finish(pl_web_snapshot *s);
/* The set a report on port uses: the note as `portlore PORT` would write it for that port. */
const pl_socket_set *pl_web_snapshot_set_for(const pl_web_snapshot *s, uint16_t port);
/* Report options reading the host from snapshot s (NULL: none yet) for a report on port. */
void pl_web_report_opts(const pl_web *w, const pl_web_snapshot *s, uint16_t port, pl_report_opts *ro);
/* "06:01:02" (UTC), the time a snapshot was taken. */
void pl_web_snapshot_time(const pl_web_snapshot *s, char *out, size_t size);

/* ---- what crosses the ports: `serve --capture` (web/capture.c, web/tframe.c, web/traffic.c) ----
 * A third process captures (the HTTP process never opens a capture, the reader never parses a packet) and
 * sends a summary every second down its own socketpair, in frames of its own ("PLT1"). */
#define PL_WEB_TRAFFIC_MAX (16u << 20)    /* a traffic frame, by construction well under this */
#define PL_WEB_TRAFFIC_PORTS 1024          /* ports detailed in a frame (most packets first); the rest: "other" */
#define PL_WEB_TRAFFIC_SCANNERS 256        /* scanners in a frame (most attempts first) */

typedef struct pl_web_traffic {
	_Atomic unsigned refs;
	uint64_t seq;               /* 1, 2, ... as received */
	uint64_t taken_ms;          /* when the summary was made (CLOCK_REALTIME, ms) */
	double started;             /* when the capture opened (seconds since the epoch) */
	char iface[32], filter[512], dpi[64];
	char error[256];            /* the capture could not run: why ("" when it runs) */
	uint64_t frames, bytes, decoded, flows, open_flows, evicted_idle, evicted_full, dropped;
	uint64_t kernel_dropped;    /* packets the kernel dropped: the counts are lower bounds when not 0 */
	uint32_t ports_seen;        /* ports with traffic, detailed or not */
	uint8_t seen[PL_TRAFFIC_SEEN_BYTES]; /* which: a bit each, TCP 0-65535 then UDP */
	size_t nports;
	pl_traffic_port *ports;     /* the detailed ones, by transport then port */
	pl_traffic_port other;      /* flows, packets and bytes of the ports left out */
	uint32_t scanners_seen;
	size_t nscanners;
	pl_traffic_scanner *scanners; /* most attempts first */
} pl_web_traffic;

/* Frames (web/tframe.c). encode: the summary r of the capture on iface (r NULL: error says why not). */
int pl_web_traffic_encode(const pl_traffic_result *r, const char *iface, const char *filter, double started,
			  size_t open_flows, const char *error, uint64_t taken_ms, pl_buf *b);
/* Every count, index, string and number checked against the frame: PL_EFORMAT for anything off. */
int pl_web_traffic_decode(const void *data, size_t len, pl_web_traffic **out);
void pl_web_traffic_unref(pl_web_traffic *t);
/* Whether anything crossed the port (detailed or not). */
bool pl_web_traffic_seen(const pl_web_traffic *t, uint16_t port, pl_proto proto);
/* The detailed port (NULL: not detailed, or not seen). */
const pl_traffic_port *pl_web_traffic_port(const pl_web_traffic *t, uint16_t port, pl_proto proto);
/* One frame of the given magic, at most max bytes: its body in b. 0, or -1. */
int pl_web_frame_read(int fd, uint32_t magic, uint32_t max, pl_buf *b);
/* Writing a frame into an empty b: _begin puts the header {magic, length}, _end the length of what came
 * after it (snapshot.c). */
int pl_web_frame_begin(pl_buf *b, uint32_t magic);
void pl_web_frame_end(pl_buf *b);
/* Reading a frame's body: no read goes past its end, and after one short read every read fails (bad). */
typedef struct pl_web_rd {
	const uint8_t *p, *end;
	bool bad;
} pl_web_rd;
const void *pl_web_take(pl_web_rd *r, size_t n);
bool pl_web_get(pl_web_rd *r, void *out, size_t n);

/* The capture process (web/capture.c); pl_web_capture_opts is in web.h. */
void pl_web_capture_main(int fd, const pl_web_capture_opts *co) __attribute__((noreturn));
int pl_web_sandbox_capture(char *what, size_t size);

/* The HTTP side (web/traffic.c): the receiving thread, the newest summary, the page section, the API's
 * "traffic" member and the /metrics series. */
typedef struct pl_web_tstate pl_web_tstate;
struct pl_page_req;
int pl_web_traffic_start(pl_web *w, pl_error *err);
void pl_web_traffic_stop(pl_web *w);
pl_web_traffic *pl_web_traffic_get(pl_web *w);
uint64_t pl_web_traffic_seq(pl_web *w);
/* The capture process is gone (its last summary stays). */
bool pl_web_traffic_stopped(pl_web *w);
/* The "traffic" member of /api/ports/N (also what the page section is drawn from). */
json_t *pl_web_traffic_json(pl_web *w, uint16_t port);
int pl_web_traffic_section(pl_web *w, uint16_t port, const struct pl_page_req *rq, pl_buf *out);
/* Per-port series: at most PL_WEB_TRAFFIC_SERIES_PORTS ports (most packets first) and "other". */
#define PL_WEB_TRAFFIC_SERIES_PORTS 16
int pl_web_traffic_metrics(pl_web *w, pl_buf *b);
/* t NULL: no summary yet; stopped: the capture process is gone (its last summary still counts). */
int pl_web_traffic_metrics_of(const pl_web_traffic *t, bool stopped, pl_buf *b);

/* ---- the server ---- */
typedef struct pl_web_cache pl_web_cache;

struct pl_web {
	pl_web_opts opts;
	const pl_registry *reg;
	pl_services_file *services; /* the host's /etc/services, read before the sandbox closes files (or NULL) */
	pl_web_feedback *fb;
	pl_web_metrics metrics;
	pl_web_cache *pages;   /* rendered registry part of a port page, by port and language */
	pl_web_cache *live;    /* the "On this host" section, by snapshot, port and language */
	pthread_mutex_t snap_lock;
	pthread_cond_t snap_cond;
	pl_web_snapshot *snap; /* the newest host snapshot */
	uint64_t snap_seq;
	int snap_fd;           /* the socketpair from the reader, -1 without one */
	pthread_t snap_thread;
	bool snap_thread_on;
	struct pl_web_guard *guard; /* connection bookkeeping and defences (web/guard.c) */
	_Atomic uint64_t refused[5]; /* connections refused or cut, by pl_web_refusal */
	pthread_mutex_t metrics_lock; /* the shared /metrics answers (web/server.c) */
	void *metrics_resp[2];        /* struct MHD_Response *, for untrusted and trusted scrapers */
	struct pl_web_shared_slot *shared; /* answers shared between requests (web/server.c) */
	uint64_t metrics_ms[2];
	_Atomic uint64_t mhd_log_window_ms, mhd_log_lines, mhd_log_dropped;
	struct range_stat {
		uint32_t ports, ghosts;
	} ranges[3]; /* counted once at start: the registry never changes while serving */
	char address[64];
	char state_dir[4096];
	int listen_fd; /* bound by pl_web_open, accepted on by web/workers.c */
	unsigned conn_limit; /* connections in all (web/guard.c), from the descriptor limit */
	struct pl_web_workers *workers; /* from pl_web_start on */
	pl_web_tstate *traffic;  /* serve --capture: the newest traffic summary (web/traffic.c), or NULL */
};

/* ---- workers (web/workers.c) ----
 * One thread accepts on the listening socket and hands each connection to the worker holding the fewest;
 * each worker runs a libmicrohttpd daemon of its own (made by make: no listening socket, no thread). */
typedef struct pl_web_workers pl_web_workers;
#define PL_WEB_MAX_WORKERS 16u
typedef void *(*pl_web_daemon_fn)(pl_web *w);
unsigned pl_web_workers_cpus(void); /* CPUs this process may run on (1-16): the default worker count */
int pl_web_workers_start(pl_web *w, int listen_fd, unsigned n, pl_web_daemon_fn make, pl_web_workers **out,
			 pl_error *err);
void pl_web_workers_quiesce(pl_web_workers *ws); /* no connection accepted once this returns */
void pl_web_workers_free(pl_web_workers *ws);    /* stops the workers, then their daemons */
/* The connections each worker holds, in conns (at most max); returns how many workers. */
unsigned pl_web_workers_conns(const pl_web_workers *ws, unsigned *conns, unsigned max);
void *pl_web_worker_self(void);                  /* the calling thread's worker, or NULL */
void pl_web_worker_count(int delta);             /* its connections: libmicrohttpd's notices */
void pl_web_worker_wake(void *worker);           /* another thread changed its daemon (a resumed connection) */

/* True for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104: the TCP peer, never a forwarded header. */
bool pl_web_is_loopback(const struct sockaddr *sa);

/* ---- cache ---- */
/* A fixed number of slots, each one rendered value keyed by an integer, valid for ttl_ms. */
pl_web_cache *pl_web_cache_new(size_t slots, unsigned ttl_ms);
void pl_web_cache_free(pl_web_cache *c);
/* Appends the value for key to out and returns 1 when it is fresh, 2 when it has expired; 0 (nothing
 * appended) when there is none. cuts (may be NULL) receives the value's cut points shifted by out's old
 * length. */
int pl_web_cache_get(pl_web_cache *c, uint64_t key, pl_buf *out, size_t cuts[2]);
void pl_web_cache_put(pl_web_cache *c, uint64_t key, const char *data, size_t len, const size_t cuts[2]);
uint64_t pl_web_now_ms(void);
/* FNV-1a of n bytes: slots of the caches and tables of src/web. */
uint64_t pl_web_hash(const void *p, size_t n);

/* ---- pages (HTML) ---- */
typedef struct pl_page_req {
	pl_lang lang;
	bool live_ok;  /* the client may see sockets and processes */
	int flash;     /* after a form vote: 1 counted, 2 already voted, 0 none */
} pl_page_req;

int pl_web_page_port(pl_web *w, uint16_t port, const pl_page_req *rq, pl_buf *out);
int pl_web_page_home(pl_web *w, const pl_page_req *rq, pl_buf *out);
int pl_web_page_search(pl_web *w, const char *q, const pl_page_req *rq, pl_buf *out);
/* A short error page; detail (may be NULL) is a message already chosen, with arg for its %1. */
int pl_web_page_error(pl_web *w, unsigned status, pl_msg detail, const char *arg, const pl_page_req *rq,
		      pl_buf *out);
/* The page's opening, to <main>, and its closing: shared by every page. */
int pl_web_page_open(pl_web *w, pl_buf *b, pl_lang l, const char *title, const char *crumb);
int pl_web_page_close(pl_web *w, pl_buf *b, pl_lang l, int port);
/* The "On this host" section (web/live.c). */
int pl_web_live_section(pl_web *w, uint16_t port, const pl_page_req *rq, pl_buf *out);
/* The thread that receives snapshots from the reader. */
int pl_web_receiver_start(pl_web *w, pl_error *err);
void pl_web_receiver_stop(pl_web *w);
/* The registry's first assigned service name at port, or NULL. */
const char *pl_web_port_name(const pl_registry *reg, uint16_t port);
/* Counts of assigned ports and ghost ports per range, for the home page. */
void pl_web_count_ranges(pl_web *w);

typedef struct pl_asset {
	const char *path, *type, *body;
	size_t len;
} pl_asset;

/* ---- routing (web/routes.c): a request as the server extracted it, and the reply to send ---- */
typedef struct pl_web_request {
	const char *method, *path;       /* path already percent-decoded by libmicrohttpd */
	const char *q;                   /* the "q" argument, NULL when absent */
	size_t q_len;                    /* its length: more than strlen(q) when it holds a NUL */
	const char *voted;               /* the "voted" argument (after a form vote) */
	const char *accept_language, *accept, *content_type, *origin, *host, *fetch_site;
	const char *body;                /* POST body, body_len bytes */
	size_t body_len;
	bool body_too_big;
	bool nul_in_path;                /* the raw path held %00 (libmicrohttpd's decoding stops there) */
	bool no_host;                    /* HTTP/1.1 without Host */
	bool vote_done;                  /* the writer has answered: vote_result is its answer */
	int vote_result;
	const struct sockaddr *client;   /* the TCP peer */
} pl_web_request;

typedef struct pl_web_reply {
	unsigned status;
	pl_route route;
	const char *type;                /* Content-Type */
	pl_buf body;                     /* owned, unless fixed is set */
	const pl_asset *fixed;           /* an embedded asset, served as is */
	char location[64];               /* a 303's Location */
	const char *allow;               /* a 405's Allow */
	bool html;
	pl_lang lang;
	bool vote_pending;               /* queue (port, vote) to the writer, answer when it is durable */
	uint16_t vote_port;
	int vote;
	uint64_t snapshot_ms;            /* the host snapshot the answer was drawn from (0: none) */
} pl_web_reply;

typedef enum pl_web_refusal {
	PL_REFUSED_CLIENT_LIMIT = 0, /* a client (IPv4 address, IPv6 /64) over its share, none of its own idle */
	PL_REFUSED_SHED,             /* an idle or slow connection closed to make room for a new one */
	PL_REFUSED_HEAD_DEADLINE,    /* no complete request head in time */
	PL_REFUSED_SLOW_BODY,        /* a body slower than the minimum rate */
	PL_REFUSED_FULL,             /* the global limit reached, and no connection idle or slow */
	PL_REFUSAL_COUNT
} pl_web_refusal;
const char *pl_web_refusal_name(pl_web_refusal r);

/* ---- connection defences (web/guard.c) ---- */
typedef struct pl_web_guard pl_web_guard;
typedef struct pl_web_conn pl_web_conn;
typedef enum pl_web_conn_phase {
	PL_CONN_HEAD = 0, /* waiting for a complete request head (a new or kept-alive connection) */
	PL_CONN_BODY,     /* receiving a request body */
	PL_CONN_BUSY,     /* being answered (a vote waiting for the disk included) */
	PL_CONN_REPLY,    /* its answer is being sent */
} pl_web_conn_phase;
int pl_web_guard_new(pl_web *w, unsigned per_client, unsigned global, pl_error *err);
int pl_web_guard_start(pl_web *w, pl_error *err);
void pl_web_guard_free(pl_web *w);
/* Whether a new connection from sa may come in (making room by cutting an idle one if need be). */
bool pl_web_guard_admit(pl_web *w, const struct sockaddr *sa);
pl_web_conn *pl_web_guard_open(pl_web *w, int fd, const struct sockaddr *sa);
void pl_web_guard_close(pl_web *w, pl_web_conn *c);
void pl_web_guard_phase(pl_web_conn *c, pl_web_conn_phase phase);
void pl_web_guard_body(pl_web_conn *c, size_t n);
size_t pl_web_guard_count(pl_web *w);
/* The client may see processes: the TCP peer on loopback asking for a local name, or --expose-processes. */
bool pl_web_live_ok(pl_web *w, const pl_web_request *rq);

/* Fills reply for request; never fails (an internal error is a 500 reply). */
void pl_web_route(pl_web *w, const pl_web_request *rq, pl_web_reply *reply);
/* Logs through opts.log, with control characters, invalid UTF-8 and backslashes of the message written as
 * \xNN and \\: a path such as "/x%0aforged" cannot forge a line. */
void pl_web_log(pl_web *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pl_web_log_escape(char *out, size_t size, const char *s);

/* ---- assets ---- */
const pl_asset *pl_web_asset(const char *path);

#endif

/* The HTTP server: libmicrohttpd (loaded on first use, see util/dl.h) in its epoll mode, one daemon per
 * worker thread of web/workers.c, with bounds on idle time, header memory and POST bodies, and
 * web/guard.c's defences hooked to its accept policy and connection notices. This file binds the
 * listening socket itself (so that the sandbox can go on before any thread exists, see web.h), takes a
 * request apart into a pl_web_request, lets web/routes.c answer it, and adds the headers every answer
 * carries (a strict Content-Security-Policy among them). A vote is queued to the writer (web/feedback.c)
 * with its connection suspended, and answered when the writer resumes it: no worker thread waits for the
 * disk. /metrics is rendered at most once a second per audience into one shared response, which every
 * scraper is sent from: a scraper that never reads costs its connection, not a copy of the body. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "util/dl.h"

#define MHD_SYMS(X) \
	X(MHD_start_daemon) X(MHD_queue_response) \
	X(MHD_create_response_from_buffer) X(MHD_create_response_from_buffer_with_free_callback) \
	X(MHD_add_response_header) X(MHD_destroy_response) X(MHD_lookup_connection_value) \
	X(MHD_lookup_connection_value_n) X(MHD_get_connection_info) X(MHD_suspend_connection) \
	X(MHD_resume_connection)

MHD_SYMS(PL_DL_DECLARE)
static const pl_dl_sym mhd_syms[] = {MHD_SYMS(PL_DL_ENTRY){NULL, NULL}};
static const char *const mhd_sonames[] = {"libmicrohttpd.so.12", NULL};
static void *mhd_handle;

/* Connections in all: at most this, and fewer when the descriptor limit is lower (web/guard.c makes room
 * by closing idle or slow ones first). */
#define CONNECTION_LIMIT 4096u
/* A client (an IPv4 address, an IPv6 /64): generous, as loopback is one address for every local client
 * (and for a reverse proxy); past it, the client's own idle connections make room first. */
#define PER_CLIENT_LIMIT 512u
#define IDLE_TIMEOUT_S 15u /* no progress at all, in either direction (a reader that stopped reading) */
#define METRICS_TTL_MS 1000u
#define DISCARD_MAX (64u * 1024) /* bytes of a too big chunked body read to answer it 413 */
/* Request line, headers and body buffer, per connection: what a connection costs in memory, as
 * libmicrohttpd touches all of it (16 KiB: 900 connections ~15 MB; nginx reads headers into 8 KiB). */
#define HEADER_MEMORY (16u * 1024)
#define LISTEN_BACKLOG 1024

static const char csp[] = "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; "
			  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

enum { VOTE_NONE, VOTE_QUEUED, VOTE_DONE };

typedef struct req {
	uint64_t t0_ns;
	pl_route route;
	unsigned status;
	bool started, too_big, nul_in_path;
	size_t body_seen;
	_Atomic int vote_state; /* VOTE_*: set by the writer's thread, read by libmicrohttpd's */
	pl_buf body;
	pl_web_vote_job job;
	struct MHD_Connection *con;
	void *worker; /* the web/workers.c thread whose daemon holds con */
} req;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void pl_web_log(pl_web *w, const char *fmt, ...)
{
	if (!w->opts.log)
		return;
	char msg[1024], safe[4 * sizeof msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	pl_web_log_escape(safe, sizeof safe, msg);
	w->opts.log(w->opts.log_ctx, safe);
}

void pl_web_log_escape(char *out, size_t size, const char *s)
{
	size_t o = 0, n = strlen(s);
	for (size_t i = 0; i < n && o + 5 < size;) {
		const unsigned char *p = (const unsigned char *)s + i;
		size_t len = pl_web_utf8_len(p, n - i);
		/* C1 controls (U+0080-U+009F) are escapes to some terminals too */
		bool c1 = len == 2 && p[0] == 0xc2 && p[1] < 0xa0;
		if (len == 1 && *p >= 0x20 && *p != 0x7f && *p != '\\')
			out[o++] = (char)*p;
		else if (*p == '\\')
			out[o++] = '\\', out[o++] = '\\';
		else if (len > 1 && !c1) {
			if (o + len >= size)
				break;
			memcpy(out + o, p, len);
			o += len;
		} else {
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", *p);
			len = 1;
		}
		i += len;
	}
	out[o] = 0;
}

/* libmicrohttpd says something for every connection it refuses: at most MHD_LOG_BURST lines per
 * MHD_LOG_PERIOD_MS, then one line counting what was left out. */
#define MHD_LOG_BURST 5u
#define MHD_LOG_PERIOD_MS 10000u

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	pl_web *w = cls;
	uint64_t now = pl_web_now_ms(), start = w->mhd_log_window_ms;
	if (now - start >= MHD_LOG_PERIOD_MS && atomic_compare_exchange_strong(&w->mhd_log_window_ms, &start, now)) {
		uint64_t dropped = atomic_exchange(&w->mhd_log_dropped, 0);
		w->mhd_log_lines = 0;
		if (dropped)
			pl_web_log(w, "libmicrohttpd: %llu more messages in the last %u s not shown",
				   (unsigned long long)dropped, MHD_LOG_PERIOD_MS / 1000);
	}
	if (atomic_fetch_add(&w->mhd_log_lines, 1) >= MHD_LOG_BURST) {
		w->mhd_log_dropped++;
		return;
	}
	char msg[1024];
	vsnprintf(msg, sizeof msg, fmt, ap);
	size_t n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = 0;
	pl_web_log(w, "libmicrohttpd: %s", msg);
}

bool pl_web_is_loopback(const struct sockaddr *sa)
{
	if (!sa)
		return false;
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

/* Called when the request line is read: the start of the latency measurement. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
	(void)cls;
	req *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->t0_ns = now_ns();
	r->con = con;
	r->worker = pl_web_worker_self();
	/* the raw request target, before libmicrohttpd decodes it into a C string that %00 would cut */
	size_t pathlen = strcspn(uri, "?");
	for (size_t i = 0; i + 3 <= pathlen; i++)
		if (uri[i] == '%' && uri[i + 1] == '0' && uri[i + 2] == '0')
			r->nul_in_path = true;
	return r;
}

static pl_web_conn *conn_of(struct MHD_Connection *con)
{
	const union MHD_ConnectionInfo *ci = sym_MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *con, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	pl_web *w = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fd = sym_MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
		const union MHD_ConnectionInfo *ad = sym_MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		*socket_context = fd ? pl_web_guard_open(w, fd->connect_fd, ad ? ad->client_addr : NULL) : NULL;
		pl_web_worker_count(1);
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		pl_web_worker_count(-1);
		pl_web_guard_close(w, *socket_context);
		*socket_context = NULL;
	}
}

static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	(void)addrlen;
	return pl_web_guard_admit(cls, addr) ? MHD_YES : MHD_NO;
}

static void on_completed(void *cls, struct MHD_Connection *con, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	pl_web *w = cls;
	req *r = *con_cls;
	if (!r)
		return;
	/* kept alive: the next request head has its own deadline from now */
	pl_web_guard_phase(conn_of(con), PL_CONN_HEAD);
	if (r->status && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		pl_web_metrics_observe(&w->metrics, r->route, r->status, now_ns() - r->t0_ns);
	pl_buf_free(&r->body);
	free(r);
	*con_cls = NULL;
}

static const char *header(struct MHD_Connection *con, const char *name)
{
	return sym_MHD_lookup_connection_value(con, MHD_HEADER_KIND, name);
}

/* The headers every answer of ours carries, each once. */
static void add_headers(struct MHD_Response *resp, const pl_web_reply *rep)
{
	sym_MHD_add_response_header(resp, "Content-Type", rep->type ? rep->type : "text/plain; charset=utf-8");
	sym_MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	/* nothing to other sites; our own form posts then carry our Origin, which votes check (web/routes.c) */
	sym_MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
	sym_MHD_add_response_header(resp, "Content-Security-Policy", csp);
	sym_MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	sym_MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
	sym_MHD_add_response_header(resp, "Cache-Control", rep->fixed ? "public, max-age=3600" : "no-cache");
	if (rep->html) {
		sym_MHD_add_response_header(resp, "Content-Language", pl_web_lang_tag(rep->lang));
		sym_MHD_add_response_header(resp, "Vary", "Accept-Language");
	}
	if (rep->status == 303 && *rep->location)
		sym_MHD_add_response_header(resp, "Location", rep->location);
	if (rep->status == 405 && rep->allow)
		sym_MHD_add_response_header(resp, "Allow", rep->allow);
	if (rep->snapshot_ms) {
		/* when the host facts of this answer were read (the reader's snapshot) */
		/* formatted once a snapshot and thread: every answer in that second carries the same time */
		static _Thread_local uint64_t last_ms;
		static _Thread_local char when[40];
		if (rep->snapshot_ms != last_ms) {
			time_t t = (time_t)(rep->snapshot_ms / 1000);
			struct tm tm;
			gmtime_r(&t, &tm);
			size_t n = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
			snprintf(when + n, sizeof when - n, ".%03uZ", (unsigned)(rep->snapshot_ms % 1000));
			last_ms = rep->snapshot_ms;
		}
		sym_MHD_add_response_header(resp, "X-Portlore-Host-Read", when);
	}
}

static struct MHD_Response *make_response(pl_web *w, pl_web_reply *rep)
{
	struct MHD_Response *resp;
	if (rep->fixed)
		resp = sym_MHD_create_response_from_buffer(rep->fixed->len, (void *)rep->fixed->body,
							   MHD_RESPMEM_PERSISTENT);
	else {
		/* the buffer goes to libmicrohttpd, which frees it once sent */
		void *data = rep->body.data ? rep->body.data : calloc(1, 1);
		resp = data ? sym_MHD_create_response_from_buffer_with_free_callback(rep->body.len, data, free) : NULL;
		if (resp)
			rep->body.data = NULL;
		else if (data != rep->body.data)
			free(data);
	}
	pl_buf_free(&rep->body);
	if (!resp) {
		pl_web_log(w, "out of memory for a response");
		return NULL;
	}
	add_headers(resp, rep);
	return resp;
}

static enum MHD_Result queue(struct MHD_Connection *con, req *r, unsigned status, pl_route route,
			     struct MHD_Response *resp)
{
	r->status = status;
	r->route = route;
	pl_web_guard_phase(conn_of(con), PL_CONN_REPLY);
	return sym_MHD_queue_response(con, status, resp);
}

static enum MHD_Result send_reply(pl_web *w, struct MHD_Connection *con, req *r, pl_web_reply *rep)
{
	struct MHD_Response *resp = make_response(w, rep);
	if (!resp)
		return MHD_NO;
	enum MHD_Result ok = queue(con, r, rep->status, rep->route, resp);
	sym_MHD_destroy_response(resp);
	return ok;
}

/* /metrics: one response per audience, rendered at most once per METRICS_TTL_MS and queued to every
 * scraper meanwhile (libmicrohttpd counts its references: the body lives until the last one is sent). */
static enum MHD_Result send_metrics(pl_web *w, struct MHD_Connection *con, req *r, const pl_web_request *rq)
{
	int trusted = pl_web_live_ok(w, rq);
	uint64_t now = pl_web_now_ms();
	pthread_mutex_lock(&w->metrics_lock);
	struct MHD_Response *resp = w->metrics_resp[trusted];
	if (!resp || now - w->metrics_ms[trusted] >= METRICS_TTL_MS) {
		pl_web_reply rep = {.status = 200, .route = R_METRICS, .type = "text/plain; version=0.0.4; charset=utf-8"};
		pl_buf_init(&rep.body, PL_WEB_METRICS_MAX);
		if (pl_web_metrics_render(w, trusted, &rep.body) == 0 && (resp = make_response(w, &rep))) {
			if (w->metrics_resp[trusted])
				sym_MHD_destroy_response(w->metrics_resp[trusted]);
			w->metrics_resp[trusted] = resp;
			w->metrics_ms[trusted] = now;
		} else {
			pl_buf_free(&rep.body);
			resp = w->metrics_resp[trusted]; /* the last one, if any */
		}
	}
	enum MHD_Result ok = MHD_NO;
	if (resp)
		ok = queue(con, r, 200, R_METRICS, resp);
	pthread_mutex_unlock(&w->metrics_lock);
	if (!resp)
		pl_web_log(w, "/metrics could not be rendered");
	return ok;
}

/* ---- answers shared between requests ----
 * A page, an API document or a search answer is the same for every request with the same key (path,
 * language, audience, host snapshot, the port's vote counts; a query): its response is made once and
 * queued to each of them, as /metrics is, so that a request costs no rendering and no copy. A slot holds
 * its key whole, so that two keys of one hash never answer for each other. */
#define SHARED_SLOTS 512u

typedef struct pl_web_shared_slot {
	pthread_mutex_t lock;
	char key[PL_WEB_QUERY_MAX + 64];
	struct MHD_Response *resp;
	pl_route route;
} shared_slot;

/* The key of a request whose answer can be shared, in key (NUL-terminated), or false. */
static bool shared_key(pl_web *w, const pl_web_request *rq, char *key, size_t size, pl_route *route)
{
	if (strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD"))
		return false;
	if (rq->nul_in_path || rq->no_host)
		return false;
	bool live = pl_web_live_ok(w, rq);
	uint64_t seq;
	pthread_mutex_lock(&w->snap_lock);
	seq = w->snap_seq;
	pthread_mutex_unlock(&w->snap_lock);
	/* a traffic summary changes pages and API documents as a host snapshot does */
	seq = seq << 24 ^ pl_web_traffic_seq(w);
	const char *p = rq->path;
	int n = -1;
	if (!strncmp(p, "/ports/", 7) && !rq->voted && pl_is_digits(p + 7, strlen(p + 7)) && strlen(p + 7) <= 5) {
		uint32_t port;
		if (pl_parse_uint(p + 7, strlen(p + 7), 65535, &port))
			return false;
		uint32_t c[PL_VOTE_COUNT];
		pl_web_feedback_counts(w->fb, (uint16_t)port, c);
		n = snprintf(key, size, "P%u|%s|%d|%llu|%u,%u,%u", port,
			     pl_web_lang_tag(pl_web_lang_pick(rq->accept_language)), live, (unsigned long long)seq,
			     c[0], c[1], c[2]);
		*route = R_PORT;
	} else if (!strncmp(p, "/api/ports/", 11) && pl_is_digits(p + 11, strlen(p + 11)) && strlen(p + 11) <= 5) {
		n = snprintf(key, size, "A%s|%d|%llu", p + 11, live, (unsigned long long)seq);
		*route = R_API_PORT;
	} else if (!strcmp(p, "/api/search") && rq->q && rq->q_len <= PL_WEB_QUERY_MAX && strlen(rq->q) == rq->q_len) {
		n = snprintf(key, size, "S%s", rq->q);
		*route = R_API_SEARCH;
	}
	return n > 0 && (size_t)n < size;
}

static shared_slot *shared_slot_of(pl_web *w, const char *key)
{
	return &w->shared[pl_web_hash(key, strlen(key)) % SHARED_SLOTS];
}

/* Queues the shared answer for key, if there is one. */
static bool send_shared(pl_web *w, struct MHD_Connection *con, req *r, const char *key, enum MHD_Result *ok)
{
	shared_slot *sl = shared_slot_of(w, key);
	pthread_mutex_lock(&sl->lock);
	bool hit = sl->resp && !strcmp(sl->key, key);
	if (hit)
		*ok = queue(con, r, 200, sl->route, sl->resp);
	pthread_mutex_unlock(&sl->lock);
	return hit;
}

/* Makes the response of rep (a 200 of a shareable request), keeps it under key and queues it. */
static enum MHD_Result send_and_share(pl_web *w, struct MHD_Connection *con, req *r, pl_web_reply *rep,
				      const char *key)
{
	struct MHD_Response *resp = make_response(w, rep);
	if (!resp)
		return MHD_NO;
	enum MHD_Result ok = queue(con, r, rep->status, rep->route, resp);
	shared_slot *sl = shared_slot_of(w, key);
	pthread_mutex_lock(&sl->lock);
	struct MHD_Response *old = sl->resp;
	sl->resp = resp; /* our reference now; the old one is dropped (connections sending it hold theirs) */
	sl->route = rep->route;
	snprintf(sl->key, sizeof sl->key, "%s", key);
	pthread_mutex_unlock(&sl->lock);
	if (old)
		sym_MHD_destroy_response(old);
	return ok;
}

/* The writer has committed (or failed) the vote: the connection goes on (on_request again). */
static void vote_done(pl_web_vote_job *job)
{
	req *r = job->ctx;
	r->vote_state = VOTE_DONE;
	sym_MHD_resume_connection(r->con);
	pl_web_worker_wake(r->worker); /* its loop looks at the daemon again */
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	pl_web *w = cls;
	req *r = *con_cls;
	if (!r)
		return MHD_NO; /* on_uri could not allocate: drop the connection */
	/* Answer on the second call, when the whole request is in: a reply queued on the first one makes
	 * libmicrohttpd close the connection after it (no keep-alive). */
	if (!r->started) {
		r->started = true;
		pl_buf_init(&r->body, PL_WEB_BODY_MAX);
		const char *cl = header(con, MHD_HTTP_HEADER_CONTENT_LENGTH);
		const char *te = header(con, MHD_HTTP_HEADER_TRANSFER_ENCODING);
		/* the head is in: from now on the body's rate counts, or the answer is being made */
		pl_web_guard_phase(conn_of(con), (cl && strcmp(cl, "0")) || te ? PL_CONN_BODY : PL_CONN_BUSY);
		/* A body announced too big is refused before it is sent (curl waits for "100 Continue") */
		uint32_t n;
		if (!cl || pl_parse_uint(cl, strlen(cl), PL_WEB_BODY_MAX, &n) == 0 || !pl_is_digits(cl, strlen(cl)))
			return MHD_YES;
		r->too_big = true;
	}
	if (*upload_size) {
		pl_web_guard_body(conn_of(con), *upload_size);
		r->body_seen += *upload_size;
		if (!r->too_big && pl_buf_add(&r->body, upload, *upload_size))
			r->too_big = true;
		*upload_size = 0;
		/* A body found too big as it comes (chunked: no Content-Length to refuse it by) is read to its
		 * end and dropped, to be answered 413 (libmicrohttpd takes no answer in the middle of a body),
		 * up to DISCARD_MAX: past that, the connection is closed without one. */
		if (r->body_seen > DISCARD_MAX)
			return MHD_NO;
		return MHD_YES;
	}
	pl_web_guard_phase(conn_of(con), PL_CONN_BUSY);
	pl_web_request rq = {.method = method, .path = url, .nul_in_path = r->nul_in_path};
	/* RFC 9112 3.2: an HTTP/1.1 request without Host is a 400, which libmicrohttpd leaves to us */
	rq.no_host = !strcmp(version, MHD_HTTP_VERSION_1_1) && !header(con, MHD_HTTP_HEADER_HOST);
	const char *q = NULL;
	size_t qlen = 0;
	if (sym_MHD_lookup_connection_value_n(con, MHD_GET_ARGUMENT_KIND, "q", 1, &q, &qlen) == MHD_YES) {
		rq.q = q ? q : "";
		rq.q_len = q ? qlen : 0;
	}
	rq.voted = sym_MHD_lookup_connection_value(con, MHD_GET_ARGUMENT_KIND, "voted");
	rq.accept_language = header(con, MHD_HTTP_HEADER_ACCEPT_LANGUAGE);
	rq.accept = header(con, MHD_HTTP_HEADER_ACCEPT);
	rq.content_type = header(con, MHD_HTTP_HEADER_CONTENT_TYPE);
	rq.origin = header(con, "Origin");
	rq.fetch_site = header(con, "Sec-Fetch-Site");
	rq.host = header(con, MHD_HTTP_HEADER_HOST);
	rq.body = r->body.data;
	rq.body_len = r->body.len;
	rq.body_too_big = r->too_big;
	rq.vote_done = r->vote_state == VOTE_DONE;
	rq.vote_result = r->job.result;
	const union MHD_ConnectionInfo *ci = sym_MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	rq.client = ci ? ci->client_addr : NULL;
	if (r->vote_state == VOTE_QUEUED)
		return MHD_YES; /* woken before the writer answered: nothing to do yet */
	if (!strcmp(url, "/metrics") && !rq.nul_in_path && !rq.no_host && (!strcmp(method, "GET") || !strcmp(method, "HEAD")))
		return send_metrics(w, con, r, &rq);
	char key[PL_WEB_QUERY_MAX + 64];
	pl_route shared_route;
	bool shareable = w->shared && shared_key(w, &rq, key, sizeof key, &shared_route);
	enum MHD_Result sent;
	if (shareable && send_shared(w, con, r, key, &sent))
		return sent;
	pl_web_reply rep = {0};
	pl_buf_init(&rep.body, PL_WEB_PAGE_MAX);
	pl_web_route(w, &rq, &rep);
	if (shareable && rep.status == 200 && rep.route == shared_route && !rep.vote_pending)
		return send_and_share(w, con, r, &rep, key);
	if (rep.vote_pending) {
		pl_buf_free(&rep.body);
		r->job = (pl_web_vote_job){.port = rep.vote_port, .vote = rep.vote, .done = vote_done, .ctx = r};
		if (rq.client)
			memcpy(&r->job.client, rq.client,
			       rq.client->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
		/* suspended first, so that the writer's resume always comes after */
		r->vote_state = VOTE_QUEUED;
		sym_MHD_suspend_connection(con);
		if (pl_web_writer_submit(w->fb, &r->job)) {
			r->job.result = PL_ELIMIT; /* the writer is full or stopped: 503 at once */
			r->vote_state = VOTE_DONE;
			sym_MHD_resume_connection(con);
			pl_web_worker_wake(r->worker);
		}
		return MHD_YES;
	}
	return send_reply(w, con, r, &rep);
}

/* "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:0" */
static int parse_listen(const char *s, struct sockaddr_storage *ss, pl_error *err)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	if (!colon || colon == s)
		return pl_error_set(err, PL_EINVAL, "--listen takes ADDR:PORT (e.g. 127.0.0.1:8080), not '%s'", s);
	size_t hl = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hl < 3 || s[hl - 1] != ']')
			return pl_error_set(err, PL_EINVAL, "--listen: an IPv6 address goes in brackets: [::1]:8080");
		s++;
		hl -= 2;
	}
	if (hl >= sizeof host)
		return pl_error_set(err, PL_EINVAL, "--listen: address too long");
	memcpy(host, s, hl);
	host[hl] = 0;
	uint32_t port;
	if (pl_parse_uint(colon + 1, strlen(colon + 1), 65535, &port))
		return pl_error_set(err, PL_EINVAL, "--listen: '%s' is not a port (0-65535)", colon + 1);
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
	} else
		return pl_error_set(err, PL_EINVAL, "--listen: '%s' is not a numeric IPv4 or IPv6 address", host);
	return 0;
}

/* socket, bind and listen in the calling thread, so that the sandbox applied between pl_web_open and
 * pl_web_start covers every thread: web/workers.c's acceptor then only accepts on this socket. */
static int bind_listen(pl_web *w, struct sockaddr_storage *ss, pl_error *err)
{
	socklen_t len = ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return pl_error_errno(err, PL_EIO, errno, "cannot listen on %s", w->opts.listen);
	/* what libmicrohttpd does with a socket of its own: a restart may bind at once, and [::] is IPv6 only */
	int on = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
	if (bind(fd, (const struct sockaddr *)ss, len) || listen(fd, LISTEN_BACKLOG) ||
	    getsockname(fd, (struct sockaddr *)ss, &len)) {
		int e = errno;
		close(fd);
		return pl_error_errno(err, PL_EIO, e, "cannot listen on %s", w->opts.listen);
	}
	w->listen_fd = fd;
	char addr[INET6_ADDRSTRLEN] = "";
	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)ss)->sin_addr, addr, sizeof addr);
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ss)->sin6_addr, addr, sizeof addr);
	snprintf(w->address, sizeof w->address, ss->ss_family == AF_INET ? "%s:%u" : "[%s]:%u", addr,
		 ntohs(ss->ss_family == AF_INET ? ((struct sockaddr_in *)ss)->sin_port
						: ((struct sockaddr_in6 *)ss)->sin6_port));
	return 0;
}

int pl_web_open(const pl_web_opts *opts, pl_web **out, pl_error *err)
{
	struct sockaddr_storage ss;
	int rc = parse_listen(opts->listen, &ss, err);
	if (rc)
		return rc;
	if ((rc = pl_dl_load(&mhd_handle, mhd_sonames, mhd_syms, "libmicrohttpd", err)))
		return rc;
	pl_web *w = calloc(1, sizeof *w);
	if (!w)
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	w->opts = *opts;
	w->reg = opts->reg;
	if (pl_services_file_load("/etc/services", &w->services, NULL) != 0)
		w->services = NULL; /* evidence from the host's file is a bonus */
	w->listen_fd = -1;
	w->snap_fd = opts->snapshot_fd;
	pthread_mutex_init(&w->snap_lock, NULL);
	pthread_cond_init(&w->snap_cond, NULL);
	pthread_mutex_init(&w->metrics_lock, NULL);
	if (!w->opts.proc_root)
		w->opts.proc_root = "/proc";
	/* the folder SQLite writes its -wal and -shm files to */
	snprintf(w->state_dir, sizeof w->state_dir, "%s", opts->db_path);
	char *slash = strrchr(w->state_dir, '/');
	if (!slash)
		snprintf(w->state_dir, sizeof w->state_dir, ".");
	else
		slash == w->state_dir ? (void)(slash[1] = 0) : (void)(*slash = 0);
	w->pages = pl_web_cache_new(1024, 60 * 1000);
	w->live = pl_web_cache_new(256, 1000);
	if (!w->pages || !w->live) {
		rc = pl_error_set(err, PL_ENOMEM, "out of memory");
		goto fail;
	}
	if ((w->shared = calloc(SHARED_SLOTS, sizeof *w->shared)))
		for (size_t i = 0; i < SHARED_SLOTS; i++)
			pthread_mutex_init(&w->shared[i].lock, NULL);
	struct rlimit nofile;
	unsigned limit = CONNECTION_LIMIT;
	/* leave room for the database, the listening socket, the reader's pipe, libmicrohttpd's epoll */
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY && nofile.rlim_cur < limit + 64)
		limit = nofile.rlim_cur > 128 ? (unsigned)nofile.rlim_cur - 64 : 64;
	w->conn_limit = limit;
	if ((rc = pl_web_guard_new(w, PER_CLIENT_LIMIT < limit ? PER_CLIENT_LIMIT : limit, limit, err)))
		goto fail;
	if ((rc = pl_web_feedback_open(opts->db_path, &w->fb, err)) || (rc = bind_listen(w, &ss, err)))
		goto fail;
	/* GnuTLS is loaded now, while files can still be read (the sandbox comes next) */
	uint8_t key[16] = {0}, mac[32];
	if ((rc = pl_web_keyed_hash(key, "", 0, mac, err)))
		goto fail;
	/* Search answers from an index built once, now, rather than on a request (registry/search_index.c). */
	if ((rc = pl_registry_search_prepare(w->reg, err)))
		goto fail;
	pl_web_count_ranges(w);
	*out = w;
	return 0;
fail:
	pl_web_stop(w);
	return rc;
}

/* One daemon of a worker (web/workers.c): no listening socket (the acceptor hands connections over), no
 * thread of its own (the worker runs it). */
static void *make_daemon(pl_web *w)
{
	unsigned flags = MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME |
			 MHD_USE_NO_LISTEN_SOCKET;
	/* libmicrohttpd's own limit stays above web/guard.c's, so that the guard decides (it closes an idle
	 * connection to let a new one in, which for a moment makes one more) */
	return sym_MHD_start_daemon(
		flags, 0, on_accept, w, on_request, w, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, w,
		MHD_OPTION_CONNECTION_LIMIT, w->conn_limit + 64, MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HEADER_MEMORY,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, w,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, w, MHD_OPTION_NOTIFY_COMPLETED, on_completed, w, MHD_OPTION_END);
}

int pl_web_start(pl_web *w, pl_error *err)
{
	unsigned threads = w->opts.threads ? w->opts.threads : pl_web_workers_cpus();
	int rc = pl_web_receiver_start(w, err);
	rc = rc ? rc : pl_web_traffic_start(w, err);
	rc = rc ? rc : pl_web_writer_start(w->fb, err);
	rc = rc ? rc : pl_web_guard_start(w, err);
	rc = rc ? rc : pl_web_workers_start(w, w->listen_fd, threads, make_daemon, &w->workers, err);
	return rc;
}

const char *pl_web_address(const pl_web *w)
{
	return w->address;
}

const char *pl_web_state_dir(const pl_web *w)
{
	return w->state_dir;
}

void pl_web_stop(pl_web *w)
{
	if (!w)
		return;
	if (w->workers) {
		/* no new connection; the votes queued are written and answered (their connections resumed,
		 * while the workers still run), as libmicrohttpd must not be stopped with a connection suspended */
		pl_web_workers_quiesce(w->workers);
		pl_web_writer_stop(w->fb);
		pl_web_workers_free(w->workers);
	}
	if (w->listen_fd >= 0)
		close(w->listen_fd);
	pl_web_guard_free(w);
	pl_web_receiver_stop(w);
	pl_web_traffic_stop(w);
	pl_services_file_free(w->services);
	pl_web_feedback_close(w->fb);
	for (int i = 0; i < 2; i++)
		if (w->metrics_resp[i])
			sym_MHD_destroy_response(w->metrics_resp[i]);
	for (size_t i = 0; w->shared && i < SHARED_SLOTS; i++) {
		if (w->shared[i].resp)
			sym_MHD_destroy_response(w->shared[i].resp);
		pthread_mutex_destroy(&w->shared[i].lock);
	}
	free(w->shared);
	pl_web_cache_free(w->pages);
	pl_web_cache_free(w->live);
	pthread_mutex_destroy(&w->snap_lock);
	pthread_cond_destroy(&w->snap_cond);
	pthread_mutex_destroy(&w->metrics_lock);
	free(w);
}

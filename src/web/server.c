/* The HTTP server: libmicrohttpd (loaded on first use, see util/dl.h) in its epoll mode with a thread
 * pool, with bounds on connections (in all and per address), idle time, header memory and POST bodies.
 * This file binds the listening socket itself (so that the sandbox can go on before any thread exists,
 * see web.h), takes a request apart into a pl_web_request, lets web/routes.c answer it, and adds the
 * headers every answer carries (a strict Content-Security-Policy among them). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "util/dl.h"

#define MHD_SYMS(X) \
	X(MHD_start_daemon) X(MHD_stop_daemon) X(MHD_get_daemon_info) X(MHD_queue_response) \
	X(MHD_create_response_from_buffer) X(MHD_create_response_from_buffer_with_free_callback) \
	X(MHD_add_response_header) X(MHD_destroy_response) X(MHD_lookup_connection_value) \
	X(MHD_lookup_connection_value_n) X(MHD_get_connection_info)

MHD_SYMS(PL_DL_DECLARE)
static const pl_dl_sym mhd_syms[] = {MHD_SYMS(PL_DL_ENTRY){NULL, NULL}};
static const char *const mhd_sonames[] = {"libmicrohttpd.so.12", NULL};
static void *mhd_handle;

#define CONNECTION_LIMIT 1024u
/* Generous, as loopback is one address for every local client (and for a reverse proxy): it stops one
 * remote host from taking every slot, not a benchmark from opening 256 connections. */
#define PER_IP_LIMIT 512u
#define IDLE_TIMEOUT_S 15u
#define HEADER_MEMORY (32u * 1024) /* request line, headers and body buffer, per connection */
#define LISTEN_BACKLOG 1024

static const char csp[] = "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; "
			  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

typedef struct req {
	uint64_t t0_ns;
	pl_route route;
	unsigned status;
	bool started, too_big;
	pl_buf body;
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

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	pl_web *w = cls;
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
	(void)uri;
	(void)con;
	req *r = calloc(1, sizeof *r);
	if (r)
		r->t0_ns = now_ns();
	return r;
}

static void on_completed(void *cls, struct MHD_Connection *con, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)con;
	pl_web *w = cls;
	req *r = *con_cls;
	if (!r)
		return;
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

static enum MHD_Result send_reply(pl_web *w, struct MHD_Connection *con, req *r, pl_web_reply *rep)
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
		return MHD_NO;
	}
	sym_MHD_add_response_header(resp, "Content-Type", rep->type ? rep->type : "text/plain; charset=utf-8");
	sym_MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	/* nothing to other sites; our own form posts then carry our Origin, which votes check (web/routes.c) */
	sym_MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
	sym_MHD_add_response_header(resp, "Content-Security-Policy", csp);
	sym_MHD_add_response_header(resp, "Cache-Control", rep->fixed ? "public, max-age=3600" : "no-cache");
	if (rep->html) {
		sym_MHD_add_response_header(resp, "Content-Language", pl_web_lang_tag(rep->lang));
		sym_MHD_add_response_header(resp, "Vary", "Accept-Language");
	}
	if (rep->status == 303 && *rep->location)
		sym_MHD_add_response_header(resp, "Location", rep->location);
	if (rep->status == 405 && rep->allow)
		sym_MHD_add_response_header(resp, "Allow", rep->allow);
	r->status = rep->status;
	r->route = rep->route;
	enum MHD_Result ok = sym_MHD_queue_response(con, rep->status, resp);
	sym_MHD_destroy_response(resp);
	return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	(void)version;
	pl_web *w = cls;
	req *r = *con_cls;
	if (!r)
		return MHD_NO; /* on_uri could not allocate: drop the connection */
	/* Answer on the second call, when the whole request is in: a reply queued on the first one makes
	 * libmicrohttpd close the connection after it (no keep-alive). */
	if (!r->started) {
		r->started = true;
		pl_buf_init(&r->body, PL_WEB_BODY_MAX);
		/* A body announced too big is refused before it is sent (curl waits for "100 Continue") */
		const char *cl = header(con, MHD_HTTP_HEADER_CONTENT_LENGTH);
		uint32_t n;
		if (!cl || pl_parse_uint(cl, strlen(cl), PL_WEB_BODY_MAX, &n) == 0 || !pl_is_digits(cl, strlen(cl)))
			return MHD_YES;
		r->too_big = true;
	}
	if (*upload_size) {
		if (!r->too_big && pl_buf_add(&r->body, upload, *upload_size))
			r->too_big = true;
		*upload_size = 0;
		if (!r->too_big)
			return MHD_YES;
		/* too big: answer now; libmicrohttpd closes the connection rather than read the rest */
	}
	pl_web_request rq = {.method = method, .path = url};
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
	const union MHD_ConnectionInfo *ci = sym_MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	rq.client = ci ? ci->client_addr : NULL;
	pl_web_reply rep = {0};
	pl_buf_init(&rep.body, PL_WEB_PAGE_MAX);
	pl_web_route(w, &rq, &rep);
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
 * pl_web_start covers every thread: libmicrohttpd then only accepts on this socket. */
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
	w->listen_fd = -1;
	pthread_mutex_init(&w->sockets_lock, NULL);
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
	w->sockets = pl_web_cache_new(1, 1000);
	if (!w->pages || !w->live || !w->sockets) {
		rc = pl_error_set(err, PL_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = pl_web_feedback_open(opts->db_path, &w->fb, err)) || (rc = bind_listen(w, &ss, err)))
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

int pl_web_start(pl_web *w, pl_error *err)
{
	unsigned threads = w->opts.threads;
	if (!threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n < 1 ? 1 : n > 16 ? 16 : (unsigned)n;
	}
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ERROR_LOG;
	struct MHD_Daemon *d = sym_MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, w, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, w,
		MHD_OPTION_LISTEN_SOCKET, w->listen_fd,
		MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT, CONNECTION_LIMIT,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, PER_IP_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HEADER_MEMORY,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, w, MHD_OPTION_NOTIFY_COMPLETED, on_completed, w, MHD_OPTION_END);
	if (!d)
		return pl_error_set(err, PL_EIO, "cannot serve on %s (libmicrohttpd refused to start)", w->opts.listen);
	/* libmicrohttpd owns the socket now, and closes it when stopped */
	w->listen_fd = -1;
	w->daemon = d;
	return pl_web_refresher_start(w, err);
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
	if (w->daemon)
		sym_MHD_stop_daemon(w->daemon);
	else if (w->listen_fd >= 0 && fcntl(w->listen_fd, F_GETFD) != -1)
		close(w->listen_fd); /* unless libmicrohttpd closed it when it failed to start */
	pl_web_refresher_stop(w);
	pl_web_feedback_close(w->fb);
	pl_web_cache_free(w->pages);
	pl_web_cache_free(w->live);
	pl_web_cache_free(w->sockets);
	pthread_mutex_destroy(&w->sockets_lock);
	free(w);
}

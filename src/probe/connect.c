/* The wire under the engine: the monotonic clock, a non-blocking connect bounded in time, and one
 * question and its answer on a socket, read until a matcher names it or the peer goes quiet. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

uint64_t pl_probe_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t pl_probe_now_ms(void)
{
	return pl_probe_now_us() / 1000u;
}

int pl_probe_tcp_connect(const pl_probe_target *t, unsigned timeout_ms, int *fd_out, uint32_t *rtt_us, char *why,
			 size_t whysize)
{
	int fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, whysize, "socket: %s", strerror(errno));
		return PL_CONN_ERROR;
	}
	uint64_t t0 = pl_probe_now_us();
	int rc = connect(fd, (const struct sockaddr *)&t->addr, t->addrlen);
	if (rc < 0 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		snprintf(why, whysize, "connect: %s", strerror(e));
		return e == ECONNREFUSED ? PL_CONN_REFUSED : PL_CONN_ERROR;
	}
	if (rc < 0) {
		struct pollfd p = {fd, POLLOUT, 0};
		int pr;
		do
			pr = poll(&p, 1, (int)timeout_ms);
		while (pr < 0 && errno == EINTR);
		if (pr == 0) {
			close(fd);
			snprintf(why, whysize, "no answer to connect within %u ms", timeout_ms);
			return PL_CONN_TIMEOUT;
		}
		int soerr = 0;
		socklen_t sl = sizeof soerr;
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (pr < 0 || soerr) {
			int e = pr < 0 ? errno : soerr;
			close(fd);
			snprintf(why, whysize, "connect: %s", strerror(e));
			return e == ECONNREFUSED ? PL_CONN_REFUSED : e == ETIMEDOUT || e == EHOSTUNREACH ? PL_CONN_TIMEOUT : PL_CONN_ERROR;
		}
	}
	*rtt_us = (uint32_t)(pl_probe_now_us() - t0);
	*fd_out = fd;
	return PL_CONN_OK;
}

void pl_probe_exchange(int fd, pl_proto proto, const void *req, size_t reqlen, unsigned wait_ms, unsigned quiet_ms,
		       pl_reply *r)
{
	memset(r, 0, sizeof *r);
	if (reqlen && send(fd, req, reqlen, MSG_NOSIGNAL) < 0) {
		r->eof = true;
		r->refused = errno == ECONNREFUSED;
		return;
	}
	uint64_t start = pl_probe_now_ms(), last = 0;
	for (;;) {
		uint64_t now = pl_probe_now_ms();
		uint64_t deadline = r->len ? last + quiet_ms : start + wait_ms;
		if (deadline > start + wait_ms + quiet_ms)
			deadline = start + wait_ms + quiet_ms;
		if (now >= deadline)
			break;
		struct pollfd p = {fd, POLLIN, 0};
		int pr = poll(&p, 1, (int)(deadline - now));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			break;
		ssize_t got = recv(fd, r->buf + r->len, sizeof r->buf - r->len, 0);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0) {
			r->eof = true;
			r->refused = got < 0 && errno == ECONNREFUSED;
			break;
		}
		r->len += (size_t)got;
		last = pl_probe_now_ms();
		pl_probe_match m;
		size_t decided = 0;
		unsigned flags = 0;
		if (pl_probe_identify_flags(proto, req, reqlen, r->buf, r->len, &m, &decided, &flags, true) == 1) {
			r->m = m;
			r->matched = true;
			r->decided = decided;
			r->flags = flags;
			if (*m.product || m.confidence >= 95)
				break;
		}
		if (r->len == sizeof r->buf || proto == PL_PROTO_UDP)
			break;
	}
}

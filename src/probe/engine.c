/* The probe engine: for each target, a non-blocking connect with a short timeout, a brief wait for a
 * server that speaks first, then the table's probes in order (the caller's preferred protocols, then the
 * probes whose ports hint at this port, then by rarity), a fresh connection each, until a matcher names
 * the reply. Waits scale with the connect's round trip, so loopback answers in milliseconds while a
 * distant host still gets its time. Workers share one rate limit; every target has a deadline. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

typedef struct run_ctx {
	const pl_probe_target *targets;
	size_t n;
	pl_probe_result *results;
	pl_probe_opts o;
	pthread_mutex_t lock;
	size_t next;
	uint64_t next_slot_us; /* the rate limit: when the next connection may start */
} run_ctx;

static void rate_wait(run_ctx *c)
{
	pthread_mutex_lock(&c->lock);
	uint64_t now = pl_probe_now_us(), slot = c->next_slot_us > now ? c->next_slot_us : now;
	c->next_slot_us = slot + 1000000u / c->o.rate;
	pthread_mutex_unlock(&c->lock);
	if (slot > now) {
		struct timespec ts = {(time_t)((slot - now) / 1000000u), (long)((slot - now) % 1000000u) * 1000};
		nanosleep(&ts, NULL);
	}
}

static int tcp_connect(run_ctx *c, const pl_probe_target *t, int *fd_out, uint32_t *rtt_us, char *why, size_t whysize)
{
	rate_wait(c);
	return pl_probe_tcp_connect(t, c->o.connect_timeout_ms, fd_out, rtt_us, why, whysize);
}

static void set_evidence(pl_probe_result *res, const unsigned char *p, size_t len, size_t decided)
{
	size_t n = decided > len ? len : decided;
	bool text = true;
	for (size_t i = 0; i < n && text; i++)
		text = (p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\r' || p[i] == '\n' || p[i] == '\t';
	/* to the end of the line that decided, when the reply is text */
	while (text && n < len && n < PL_PROBE_EVIDENCE_MAX && p[n] != '\n' && p[n] >= 0x09)
		n++;
	if (text && n < len && p[n] == '\n')
		n++;
	if (n < 48)
		n = len < 48 ? len : 48;
	if (n > PL_PROBE_EVIDENCE_MAX)
		n = PL_PROBE_EVIDENCE_MAX;
	memcpy(res->evidence, p, n);
	res->evidence_len = n;
}

/* The probes for a target, best first: preferred protocols, then port hints, then rarity. */
static size_t order_probes(const run_ctx *c, const pl_probe_target *t, const pl_probe_def **out, size_t max,
			   bool *first_hinted)
{
	const char *keys[16];
	size_t nkeys = 0;
	if (c->o.prefer_for)
		nkeys = c->o.prefer_for(c->o.prefer_ctx, t->port, t->proto, keys, 16);
	else
		for (; nkeys < c->o.nprefer && nkeys < 16; nkeys++)
			keys[nkeys] = c->o.prefer[nkeys];
	int rank[64];
	size_t n = 0;
	for (size_t i = 0; i < pl_probe_ndefs && n < max && n < 64; i++) {
		const pl_probe_def *d = &pl_probe_defs[i];
		if (d->proto != t->proto || (d->tls && c->o.no_tls))
			continue;
		int r = 200 + d->rarity * 10;
		if (pl_probe_hints_port(d, t->port))
			r = 100 + d->rarity;
		for (size_t k = 0; k < nkeys; k++)
			if (keys[k] && *d->protocol && !strcmp(keys[k], d->protocol) && r >= 100) {
				r = (int)k;
				break;
			}
		/* insertion, stable */
		size_t j = n;
		while (j > 0 && rank[j - 1] > r) {
			rank[j] = rank[j - 1];
			out[j] = out[j - 1];
			j--;
		}
		rank[j] = r;
		out[j] = d;
		n++;
	}
	*first_hinted = n && rank[0] < 200;
	return n;
}

/* A payload with {host} replaced by the target's name (or address). */
static size_t build_payload(const pl_probe_def *d, const char *host, unsigned char *buf, size_t size)
{
	size_t n = 0;
	for (size_t i = 0; i < d->len && n < size; i++) {
		if (d->payload[i] == '{' && i + 6 <= d->len && !memcmp(d->payload + i, "{host}", 6)) {
			size_t hl = strlen(host);
			if (n + hl > size)
				break;
			memcpy(buf + n, host, hl);
			n += hl;
			i += 5;
			continue;
		}
		buf[n++] = (unsigned char)d->payload[i];
	}
	while (n < d->pad_to && n < size)
		buf[n++] = 0;
	return n;
}

static unsigned clampu(uint64_t v, unsigned lo, unsigned hi)
{
	return v < lo ? lo : v > hi ? hi : (unsigned)v;
}

static void accept_match(pl_probe_result *res, const char *probe, const pl_reply *r)
{
	res->state = PL_PROBE_IDENTIFIED;
	res->match = r->m;
	snprintf(res->probe, sizeof res->probe, "%.24s%s", probe, r->nmap ? " (nmap)" : "");
	set_evidence(res, r->buf, r->len, r->decided);
}

/* A reply none of ours named: nmap's matches for the same question, when its file is in use. */
static void try_nmap(const run_ctx *c, const char *names, pl_proto proto, pl_reply *r)
{
	if (r->matched || !r->len || !c->o.nmap_probes || !names)
		return;
	if (pl_nmap_load(c->o.nmap_probes, NULL))
		return;
	if (pl_nmap_identify(proto, names, r->buf, r->len, &r->m, &r->decided) == 1) {
		r->matched = true;
		r->nmap = true;
		r->flags = 0;
	}
}

/* Believes a strong match at once; keeps a weak one (or one that may hide TLS) as the best so far and
 * asks on, moving the TLS probe up when the matcher says the reply may be a TLS server's refusal. */
typedef struct candidate {
	bool have;
	pl_probe_result best;
} candidate;

static bool consider(pl_probe_result *res, candidate *cand, const char *probe, const pl_reply *r,
		     const pl_probe_def **order, size_t i, size_t n, bool tls_possible)
{
	bool try_tls = (r->flags & PL_M_TRY_TLS) && tls_possible;
	if (r->m.confidence >= 80 && !try_tls) {
		accept_match(res, probe, r);
		return true;
	}
	if (!cand->have || r->m.confidence > cand->best.match.confidence) {
		cand->best = *res;
		accept_match(&cand->best, probe, r);
		cand->have = true;
	}
	/* Ask next the question meant for what the weak answer suggests (TLS, or the protocol itself). */
	for (size_t k = i + 1; k < n; k++)
		if (try_tls ? order[k]->tls : !strcmp(order[k]->protocol, r->m.protocol)) {
			const pl_probe_def *next = order[k];
			memmove(&order[i + 2], &order[i + 1], (k - i - 1) * sizeof order[0]);
			order[i + 1] = next;
			break;
		}
	return false;
}

static void tcp_target(run_ctx *c, const pl_probe_target *t, pl_probe_result *res, uint64_t deadline)
{
	int fd = -1;
	uint32_t rtt = 0;
	char why[160] = "";
	int rc = tcp_connect(c, t, &fd, &rtt, why, sizeof why);
	if (rc != PL_CONN_OK) {
		res->state = rc == PL_CONN_REFUSED ? PL_PROBE_CLOSED : rc == PL_CONN_TIMEOUT ? PL_PROBE_NO_ANSWER : PL_PROBE_ERROR;
		snprintf(res->error, sizeof res->error, "%s", why);
		return;
	}
	res->rtt_us = rtt;
	uint64_t rtt_ms = rtt / 1000u;
	unsigned quiet = clampu(2 * rtt_ms + 40, 40, 400);
	unsigned banner = c->o.banner_ms ? c->o.banner_ms : clampu(250 + 4 * rtt_ms, 250, 2000);
	const pl_probe_def *order[64];
	bool hinted;
	size_t n = order_probes(c, t, order, 64, &hinted);
	bool seen_data = false, tls_tried = false;
	candidate *cand = calloc(1, sizeof *cand);
	static pl_reply zero;
	pl_reply *r = malloc(sizeof *r);
	unsigned char *payload = malloc(2048);
	if (!r || !payload || !cand) {
		res->state = PL_PROBE_ERROR;
		snprintf(res->error, sizeof res->error, "out of memory");
		goto out;
	}
	*r = zero;
	/* A server that speaks first: wait for it, unless the port itself says what to ask (its banner, if
	 * any, still heads the reply to that question). */
	if (!hinted) {
		pl_probe_exchange(fd, PL_PROTO_TCP, NULL, 0, banner, quiet, r);
		try_nmap(c, "NULL", PL_PROTO_TCP, r);
		if (r->matched && consider(res, cand, "banner", r, order, (size_t)-1, n, !c->o.no_tls))
			goto out;
		if (r->len) {
			seen_data = true;
			snprintf(res->probe, sizeof res->probe, "banner");
			set_evidence(res, r->buf, r->len, r->len);
		}
		if (r->len || r->eof) {
			close(fd);
			fd = -1;
			if (r->eof && !r->len)
				snprintf(res->error, sizeof res->error, "closed the connection without a word");
		}
	}
	for (size_t i = 0; i < n; i++) {
		const pl_probe_def *d = order[i];
		if (pl_probe_now_ms() >= deadline)
			break;
		if (d->tls && tls_tried)
			continue;
		if (fd < 0) {
			rc = tcp_connect(c, t, &fd, &rtt, why, sizeof why);
			if (rc != PL_CONN_OK) {
				snprintf(res->error, sizeof res->error, "after %u probes: %.130s", res->probes_sent, why);
				break;
			}
		}
		uint64_t left = deadline - pl_probe_now_ms();
		unsigned floor = c->o.reply_ms ? c->o.reply_ms : 150;
		unsigned wait = clampu(4 * rtt_ms + floor, floor, d->wait_ms > floor ? d->wait_ms : floor);
		if (wait > left)
			wait = (unsigned)left;
		res->probes_sent++;
		if (d->tls) {
			tls_tried = true;
			pl_tls_io io = {.fd = fd, .host = t->host,
					.timeout_ms = clampu(4 * rtt_ms + 2 * floor + 100, 2 * floor + 100, d->wait_ms),
					.quiet_ms = quiet + 60, .inner = r->buf, .innersize = sizeof r->buf};
			const pl_probe_def *http = NULL;
			for (size_t k = 0; k < pl_probe_ndefs; k++)
				if (!strcmp(pl_probe_defs[k].name, "http-head"))
					http = &pl_probe_defs[k];
			if (http) {
				io.request = (const char *)payload;
				io.request_len = build_payload(http, *t->host ? t->host : res->addr, payload, 2048);
			}
			pl_error err = {0};
			int hr = pl_tls_probe(&io, &res->tls, &err);
			close(fd);
			fd = -1;
			if (hr < 0) {
				snprintf(res->error, sizeof res->error, "%.150s", err.msg);
				continue; /* GnuTLS missing: the other probes still run */
			}
			if (hr == 1) {
				pl_reply in = {0};
				memcpy(in.buf, r->buf, io.innerlen);
				in.len = io.innerlen;
				if (io.innerlen &&
				    pl_probe_identify_flags(PL_PROTO_TCP, io.request, io.request_len, in.buf, in.len, &in.m,
							    &in.decided, &in.flags, true) == 1) {
					in.matched = true;
					accept_match(res, "tls", &in);
					res->tls_wrapped = true;
				} else {
					res->state = PL_PROBE_IDENTIFIED;
					snprintf(res->probe, sizeof res->probe, "tls");
					snprintf(res->match.protocol, sizeof res->match.protocol, "tls");
					snprintf(res->match.version, sizeof res->match.version, "%s", res->tls.version);
					res->match.confidence = 100;
					snprintf(res->match.info, sizeof res->match.info, "handshake completed%s%s",
						 *res->tls.alpn ? ", ALPN " : "", res->tls.alpn);
					set_evidence(res, io.raw, io.rawlen, 11); /* record header and ServerHello's start */
				}
				goto out;
			}
			/* Refused: what came back instead may name the service (an SSH banner, an HTTP 400). */
			pl_reply raw = {0};
			memcpy(raw.buf, io.raw, io.rawlen);
			raw.len = io.rawlen;
			if (raw.len && pl_probe_identify_flags(PL_PROTO_TCP, NULL, 0, raw.buf, raw.len, &raw.m, &raw.decided,
							       &raw.flags, true) == 1 && strcmp(raw.m.protocol, "tls") != 0) {
				raw.matched = true;
				if (consider(res, cand, "tls", &raw, order, i, n, false))
					goto out;
				/* An HTTP 400 to a ClientHello: the HEAD that follows asks properly. */
				continue;
			}
			try_nmap(c, "SSLSessionReq TLSSessionReq", PL_PROTO_TCP, &raw);
			if (raw.matched && strcmp(raw.m.protocol, "tls") != 0 &&
			    consider(res, cand, "tls", &raw, order, i, n, false))
				goto out;
			if (cand->have && cand->best.match.confidence >= 80)
				break; /* TLS was tried because of that answer, and it was not TLS */
			if (raw.len && !seen_data) {
				seen_data = true;
				snprintf(res->probe, sizeof res->probe, "tls");
				set_evidence(res, raw.buf, raw.len, raw.len);
			}
			continue;
		}
		size_t plen = build_payload(d, *t->host ? t->host : res->addr, payload, 2048);
		pl_probe_exchange(fd, PL_PROTO_TCP, payload, plen, wait, quiet, r);
		close(fd);
		fd = -1;
		try_nmap(c, d->nmap, PL_PROTO_TCP, r);
		if (r->matched && consider(res, cand, d->name, r, order, i, n, !tls_tried && !c->o.no_tls))
			goto out;
		if (r->len && !seen_data) {
			seen_data = true;
			snprintf(res->probe, sizeof res->probe, "%s", d->name);
			set_evidence(res, r->buf, r->len, r->len);
		}
	}
	if (cand->have) {
		cand->best.probes_sent = res->probes_sent;
		cand->best.tls = res->tls;
		cand->best.error[0] = 0;
		*res = cand->best;
	} else if (seen_data)
		res->state = PL_PROBE_UNRECOGNISED;
	else {
		res->state = PL_PROBE_SILENT;
		if (!*res->error)
			snprintf(res->error, sizeof res->error, "accepted, and answered none of %u probes", res->probes_sent);
	}
out:
	if (fd >= 0)
		close(fd);
	free(r);
	free(payload);
	free(cand);
}

static void udp_target(run_ctx *c, const pl_probe_target *t, pl_probe_result *res, uint64_t deadline)
{
	int fd = socket(t->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)&t->addr, t->addrlen) < 0) {
		res->state = PL_PROBE_ERROR;
		snprintf(res->error, sizeof res->error, "udp socket: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	const pl_probe_def *order[64];
	bool hinted;
	size_t n = order_probes(c, t, order, 64, &hinted);
	pl_reply *r = malloc(sizeof *r);
	unsigned char *payload = malloc(2048);
	bool seen = false;
	if (!r || !payload) {
		res->state = PL_PROBE_ERROR;
		snprintf(res->error, sizeof res->error, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const pl_probe_def *d = order[i];
		uint64_t now = pl_probe_now_ms();
		if (now >= deadline)
			break;
		unsigned wait = c->o.banner_ms ? c->o.banner_ms : 400;
		if (wait > d->wait_ms)
			wait = d->wait_ms;
		if (wait > deadline - now)
			wait = (unsigned)(deadline - now);
		rate_wait(c);
		size_t plen = build_payload(d, *t->host ? t->host : res->addr, payload, 2048);
		res->probes_sent++;
		pl_probe_exchange(fd, PL_PROTO_UDP, payload, plen, wait, 0, r);
		try_nmap(c, d->nmap, PL_PROTO_UDP, r);
		if (r->refused) {
			res->state = PL_PROBE_CLOSED;
			snprintf(res->error, sizeof res->error, "port unreachable (ICMP)");
			goto out;
		}
		if (r->matched) {
			accept_match(res, d->name, r);
			goto out;
		}
		if (r->len && !seen) {
			seen = true;
			snprintf(res->probe, sizeof res->probe, "%s", d->name);
			set_evidence(res, r->buf, r->len, r->len);
		}
	}
	if (seen)
		res->state = PL_PROBE_UNRECOGNISED;
	else {
		res->state = PL_PROBE_NO_ANSWER;
		snprintf(res->error, sizeof res->error, "no reply to %u probes (open or filtered)", res->probes_sent);
	}
out:
	close(fd);
	free(r);
	free(payload);
}

static void probe_one(run_ctx *c, size_t i)
{
	const pl_probe_target *t = &c->targets[i];
	pl_probe_result *res = &c->results[i];
	memset(res, 0, sizeof *res);
	res->target = *t;
	if (t->addr.ss_family == AF_INET)
		((struct sockaddr_in *)&res->target.addr)->sin_port = htons(t->port);
	else if (t->addr.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&res->target.addr)->sin6_port = htons(t->port);
	else {
		res->state = PL_PROBE_ERROR;
		snprintf(res->error, sizeof res->error, "not an IP address");
		return;
	}
	const void *a = t->addr.ss_family == AF_INET ? (const void *)&((const struct sockaddr_in *)&t->addr)->sin_addr
						     : (const void *)&((const struct sockaddr_in6 *)&t->addr)->sin6_addr;
	inet_ntop(t->addr.ss_family, a, res->addr, sizeof res->addr);
	uint64_t start = pl_probe_now_ms();
	if (t->proto == PL_PROTO_UDP)
		udp_target(c, &res->target, res, start + c->o.timeout_ms);
	else if (t->proto == PL_PROTO_TCP)
		tcp_target(c, &res->target, res, start + c->o.timeout_ms);
	else {
		res->state = PL_PROBE_ERROR;
		snprintf(res->error, sizeof res->error, "only tcp and udp are probed");
	}
	res->elapsed_ms = (uint32_t)(pl_probe_now_ms() - start);
}

static void *worker(void *arg)
{
	run_ctx *c = arg;
	for (;;) {
		pthread_mutex_lock(&c->lock);
		size_t i = c->next++;
		pthread_mutex_unlock(&c->lock);
		if (i >= c->n)
			break;
		probe_one(c, i);
	}
	return NULL;
}

int pl_probe_run(const pl_probe_target *targets, size_t n, const pl_probe_opts *opts, pl_probe_result *results,
		 pl_error *err)
{
	run_ctx c = {.targets = targets, .n = n, .results = results};
	if (opts)
		c.o = *opts;
	if (!c.o.connect_timeout_ms)
		c.o.connect_timeout_ms = 1500;
	if (!c.o.timeout_ms)
		c.o.timeout_ms = 5000;
	if (!c.o.concurrency)
		c.o.concurrency = 32;
	if (c.o.concurrency > 256)
		c.o.concurrency = 256;
	if (!c.o.rate)
		c.o.rate = 200;
	if (c.o.rate > 1000000)
		c.o.rate = 1000000;
	/* The matchers must load before any socket opens: a missing libpcre2 is one clear error, not n. */
	pl_probe_match m;
	int rc = pl_probe_identify(PL_PROTO_NONE, NULL, 0, NULL, 0, &m);
	if (rc < 0) {
		return pl_probe_pcre_load(err) ? err->code : pl_error_set(err, rc, "the reply matchers cannot be used");
	}
	pthread_mutex_init(&c.lock, NULL);
	size_t nthreads = n < c.o.concurrency ? n : c.o.concurrency;
	pthread_t *th = calloc(nthreads ? nthreads : 1, sizeof *th);
	if (!th) {
		pthread_mutex_destroy(&c.lock);
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	}
	size_t started = 0;
	for (; started < nthreads; started++)
		if (pthread_create(&th[started], NULL, worker, &c))
			break;
	if (started == 0)
		worker(&c); /* no thread could start: do it here, one at a time */
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
	pthread_mutex_destroy(&c.lock);
	return 0;
}

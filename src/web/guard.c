/* Connection-level defences of `portlore serve`, which libmicrohttpd's own limits do not give: its idle
 * timeout restarts with every byte, so a client trickling a header a byte a second, or a body a byte every
 * two, held a slot for hours; its per-address limit counts an IPv6 /64 as 2^64 clients; its global limit
 * refuses the newcomer instead of the idle. Here:
 * - a request head must be complete within HEAD_DEADLINE_MS of the connection's start (or of the end of
 *   its previous request): bytes that trickle in do not extend it;
 * - a body must come at MIN_BODY_RATE bytes a second or faster, after BODY_GRACE_MS;
 * - a client (an IPv4 address, an IPv6 /64) has at most per_client connections: one more is refused at
 *   once (closing one of its own to let it in would let a client that reconnects without end keep the
 *   server busy accepting and closing);
 * - past the global limit, a new connection takes the place of the idlest or slowest one: waiting for a
 *   request head first, then slow to read its answer, then slow to send its body; never one whose
 *   request is being answered;
 * - refusals are counted (/metrics) and logged as one line per LOG_PERIOD_MS at most.
 * A connection is cut by shutdown(2) on its socket: libmicrohttpd sees the end and closes it. It does so
 * only after telling us (NOTIFY_CLOSED, under our lock), so a descriptor is never shut after its reuse.
 * This file does not see libmicrohttpd: web/server.c calls it from libmicrohttpd's callbacks. */
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define HEAD_DEADLINE_MS 10000u
#define BODY_GRACE_MS 2000u
#define MIN_BODY_RATE 512u    /* bytes a second, on average over the body so far */
#define SLOW_REPLY_MS 5000u   /* an answer still being sent after this: its reader is slow */
#define WARDEN_PERIOD_MS 200u
#define LOG_PERIOD_MS 10000u
#define CUT_BATCH 64u
#define CLIENT_SLOTS 16384u /* > 2 x the connection limit (4096): the table stays sparse */

struct pl_web_conn {
	struct pl_web_conn *prev, *next;
	int fd;
	uint8_t key[9]; /* 4 + IPv4 address, or 6 + an IPv6 /64 */
	_Atomic int phase;
	_Atomic uint64_t since_ms;
	_Atomic uint64_t body_bytes;
	bool cut;
};

struct pl_web_guard {
	pl_web *w;
	pthread_mutex_t lock;
	pl_web_conn head; /* a ring */
	size_t n;
	unsigned per_client, global;
	pthread_t thread;
	bool running, stop;
	pthread_cond_t wake;
	uint64_t logged[PL_REFUSAL_COUNT];
	uint64_t last_log_ms;
	size_t peak;           /* connections at most since the last trim */
	uint64_t last_trim_ms;
	/* connections not cut, in all and per client: an open-addressed table, so that admitting one costs
	 * a lookup, not a walk of every connection (a flood of connection attempts is the usual attack) */
	size_t live;
	struct client_slot {
		uint8_t key[9];
		bool used;
		uint32_t count;
	} clients[CLIENT_SLOTS];
	size_t used_slots;
};

#define TRIM_PERIOD_MS 5000u
#define TRIM_AFTER 256u /* connections closed since the peak */

static const char *const refusal_names[PL_REFUSAL_COUNT] = {
	[PL_REFUSED_CLIENT_LIMIT] = "client_limit", [PL_REFUSED_SHED] = "shed",
	[PL_REFUSED_HEAD_DEADLINE] = "head_deadline", [PL_REFUSED_SLOW_BODY] = "slow_body",
	[PL_REFUSED_FULL] = "server_full",
};

const char *pl_web_refusal_name(pl_web_refusal r)
{
	return r < PL_REFUSAL_COUNT ? refusal_names[r] : "";
}

/* The client an address belongs to: IPv4 (an IPv4-mapped IPv6 address too), or an IPv6 /64. */
static void client_key(const struct sockaddr *sa, uint8_t key[9])
{
	memset(key, 0, 9);
	if (!sa)
		return;
	if (sa->sa_family == AF_INET) {
		key[0] = 4;
		memcpy(key + 1, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const uint8_t *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)a)) {
			key[0] = 4;
			memcpy(key + 1, a + 12, 4);
		} else {
			key[0] = 6;
			memcpy(key + 1, a, 8);
		}
	}
}

static size_t slot_hash(const uint8_t key[9])
{
	return (size_t)(pl_web_hash(key, 9) % CLIENT_SLOTS);
}

/* The client's slot (created when create), or NULL. Under lock. Slots are never emptied (a count of 0
 * stays), so that probing stays correct; the table is rebuilt when too many are used. */
static struct client_slot *client_slot(pl_web_guard *g, const uint8_t key[9], bool create)
{
	for (size_t i = slot_hash(key), n = 0; n < CLIENT_SLOTS; i = (i + 1) % CLIENT_SLOTS, n++) {
		struct client_slot *c = &g->clients[i];
		if (!c->used) {
			if (!create)
				return NULL;
			memcpy(c->key, key, 9);
			c->used = true;
			c->count = 0;
			g->used_slots++;
			return c;
		}
		if (memcmp(c->key, key, 9) == 0)
			return c;
	}
	return NULL;
}

/* Rebuilds the table from the connections (when half its slots hold clients long gone). Under lock. */
static void rebuild_clients(pl_web_guard *g)
{
	memset(g->clients, 0, sizeof g->clients);
	g->used_slots = 0;
	for (pl_web_conn *c = g->head.next; c != &g->head; c = c->next) {
		struct client_slot *cs = c->cut ? NULL : client_slot(g, c->key, true);
		if (cs)
			cs->count++;
	}
}

static void client_less(pl_web_guard *g, const uint8_t key[9])
{
	struct client_slot *cs = client_slot(g, key, false);
	if (cs && cs->count)
		cs->count--;
	g->live--;
}

int pl_web_guard_new(pl_web *w, unsigned per_client, unsigned global, pl_error *err)
{
	pl_web_guard *g = calloc(1, sizeof *g);
	if (!g)
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	g->w = w;
	g->per_client = per_client;
	g->global = global;
	g->head.next = g->head.prev = &g->head;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->wake, NULL);
	w->guard = g;
	return 0;
}

/* How long c has been in its phase. The phase is read first: pl_web_guard_phase writes the time before
 * the phase, so a new phase is never paired with the previous phase's time; and a time newer than now
 * (set meanwhile by another thread) is no age at all. */
static uint64_t age_of(const pl_web_conn *c, uint64_t now)
{
	uint64_t since = c->since_ms;
	return now > since ? now - since : 0;
}

/* How sheddable c is: 0 not at all; higher first. Under lock. */
static int shed_rank(const pl_web_conn *c, uint64_t now)
{
	if (c->cut)
		return 0;
	int phase = c->phase;
	uint64_t age = age_of(c, now);
	switch (phase) {
	case PL_CONN_HEAD:
		return 3; /* idle, or sending its head */
	case PL_CONN_REPLY:
		return age > SLOW_REPLY_MS ? 2 : 0;
	case PL_CONN_BODY:
		return age > BODY_GRACE_MS ? 1 : 0;
	default:
		return 0; /* being answered */
	}
}

static void cut(pl_web_guard *g, pl_web_conn *c, pl_web_refusal why)
{
	c->cut = true;
	client_less(g, c->key);
	shutdown(c->fd, SHUT_RDWR);
	g->w->refused[why]++;
}

/* The idlest of the connections, or NULL. Under lock. */
static pl_web_conn *victim(pl_web_guard *g, uint64_t now)
{
	pl_web_conn *best = NULL;
	int best_rank = 0;
	for (pl_web_conn *c = g->head.next; c != &g->head; c = c->next) {
		int r = shed_rank(c, now);
		if (r > best_rank || (r && r == best_rank && c->since_ms < best->since_ms))
			best = c, best_rank = r;
	}
	return best;
}

bool pl_web_guard_admit(pl_web *w, const struct sockaddr *sa)
{
	pl_web_guard *g = w->guard;
	uint8_t key[9];
	client_key(sa, key);
	uint64_t now = pl_web_now_ms();
	bool ok = true;
	pthread_mutex_lock(&g->lock);
	struct client_slot *cs = client_slot(g, key, false);
	size_t mine = cs ? cs->count : 0, live = g->live;
	if (mine >= g->per_client) {
		/* refused at once: cheaper than any other answer to a client that keeps reconnecting, and what it
		 * holds already ages towards its deadlines */
		w->refused[PL_REFUSED_CLIENT_LIMIT]++;
		ok = false;
	} else if (live >= g->global) {
		pl_web_conn *v = victim(g, now);
		if (v)
			cut(g, v, PL_REFUSED_SHED);
		else {
			w->refused[PL_REFUSED_FULL]++;
			ok = false;
		}
	}
	pthread_mutex_unlock(&g->lock);
	return ok;
}

pl_web_conn *pl_web_guard_open(pl_web *w, int fd, const struct sockaddr *sa)
{
	pl_web_guard *g = w->guard;
	pl_web_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL; /* not tracked: libmicrohttpd's own timeout still holds */
	c->fd = fd;
	client_key(sa, c->key);
	c->phase = PL_CONN_HEAD;
	c->since_ms = pl_web_now_ms();
	pthread_mutex_lock(&g->lock);
	if (g->used_slots > CLIENT_SLOTS / 2)
		rebuild_clients(g);
	struct client_slot *cs = client_slot(g, c->key, true);
	if (cs)
		cs->count++;
	g->live++;
	c->next = &g->head;
	c->prev = g->head.prev;
	g->head.prev->next = c;
	g->head.prev = c;
	g->n++;
	if (g->n > g->peak)
		g->peak = g->n;
	pthread_mutex_unlock(&g->lock);
	return c;
}

void pl_web_guard_close(pl_web *w, pl_web_conn *c)
{
	if (!c)
		return;
	pl_web_guard *g = w->guard;
	pthread_mutex_lock(&g->lock);
	if (!c->cut)
		client_less(g, c->key);
	c->prev->next = c->next;
	c->next->prev = c->prev;
	g->n--;
	pthread_mutex_unlock(&g->lock);
	free(c);
}

void pl_web_guard_phase(pl_web_conn *c, pl_web_conn_phase phase)
{
	if (!c)
		return;
	c->since_ms = pl_web_now_ms();
	c->body_bytes = 0;
	c->phase = phase;
}

void pl_web_guard_body(pl_web_conn *c, size_t n)
{
	if (c)
		c->body_bytes += n;
}

/* One line for what was refused since the last one, at most one per LOG_PERIOD_MS. */
static void log_refusals(pl_web_guard *g, uint64_t now)
{
	if (now - g->last_log_ms < LOG_PERIOD_MS)
		return;
	char line[512];
	size_t o = 0;
	for (int k = 0; k < PL_REFUSAL_COUNT; k++) {
		uint64_t v = g->w->refused[k], d = v - g->logged[k];
		g->logged[k] = v;
		if (d)
			o += (size_t)snprintf(line + o, sizeof line - o, "%s%s %llu", o ? ", " : "", refusal_names[k],
					      (unsigned long long)d);
	}
	if (o) {
		pl_web_log(g->w, "connections refused or cut in the last %llu s: %s",
			   (unsigned long long)((now - g->last_log_ms) / 1000), line);
		g->last_log_ms = now;
	} else if (now - g->last_log_ms > LOG_PERIOD_MS)
		g->last_log_ms = now - LOG_PERIOD_MS; /* the next refusal is logged at once */
}

/* Deadlines that a trickle does not extend. */
static void sweep(pl_web_guard *g, uint64_t now)
{
	/* at most CUT_BATCH cuts under the lock at a time: thousands of connections reaching their deadline
	 * together must not hold up the admission of new ones for the time of thousands of shutdown(2) */
	for (bool more = true; more;) {
		size_t cuts = 0;
		pthread_mutex_lock(&g->lock);
		more = false;
		for (pl_web_conn *c = g->head.next; c != &g->head; c = c->next) {
			if (c->cut)
				continue;
			if (cuts == CUT_BATCH) {
				more = true;
				break;
			}
			int phase = c->phase;
			uint64_t age = age_of(c, now);
			if (phase == PL_CONN_HEAD && age > HEAD_DEADLINE_MS)
				cut(g, c, PL_REFUSED_HEAD_DEADLINE), cuts++;
			else if (phase == PL_CONN_BODY && age > BODY_GRACE_MS + c->body_bytes * 1000 / MIN_BODY_RATE)
				cut(g, c, PL_REFUSED_SLOW_BODY), cuts++;
		}
		pthread_mutex_unlock(&g->lock);
	}
	pthread_mutex_lock(&g->lock);
	/* A crowd that came and went leaves its connections' buffers in malloc's free lists: give them back
	 * to the system, so that the next crowd does not find the server already large. */
	bool trim = g->peak > g->n + TRIM_AFTER && now - g->last_trim_ms >= TRIM_PERIOD_MS;
	if (trim) {
		g->peak = g->n;
		g->last_trim_ms = now;
	}
	pthread_mutex_unlock(&g->lock);
	if (trim)
		malloc_trim(0);
	log_refusals(g, now);
}

static void *warden_main(void *arg)
{
	pl_web_guard *g = arg;
	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += WARDEN_PERIOD_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L)
			until.tv_sec++, until.tv_nsec -= 1000000000L;
		pthread_cond_timedwait(&g->wake, &g->lock, &until);
		if (g->stop)
			break;
		pthread_mutex_unlock(&g->lock);
		sweep(g, pl_web_now_ms());
		pthread_mutex_lock(&g->lock);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

int pl_web_guard_start(pl_web *w, pl_error *err)
{
	pl_web_guard *g = w->guard;
	g->last_log_ms = pl_web_now_ms() - LOG_PERIOD_MS;
	int e = pthread_create(&g->thread, NULL, warden_main, g);
	if (e)
		return pl_error_errno(err, PL_EIO, e, "cannot start a thread");
	g->running = true;
	return 0;
}

void pl_web_guard_free(pl_web *w)
{
	pl_web_guard *g = w->guard;
	if (!g)
		return;
	if (g->running) {
		pthread_mutex_lock(&g->lock);
		g->stop = true;
		pthread_cond_signal(&g->wake);
		pthread_mutex_unlock(&g->lock);
		pthread_join(g->thread, NULL);
	}
	/* libmicrohttpd has closed every connection by now (NOTIFY_CLOSED): the ring is empty */
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->wake);
	free(g);
	w->guard = NULL;
}

size_t pl_web_guard_count(pl_web *w)
{
	pl_web_guard *g = w->guard;
	pthread_mutex_lock(&g->lock);
	size_t n = g->n;
	pthread_mutex_unlock(&g->lock);
	return n;
}

/* A host snapshot: every socket of the host with its owners and the kernel's port policy, as the reader
 * process (web/reader.c) reads it, framed for the socketpair to the HTTP process and taken apart there.
 * Both ends are the same executable (the reader is forked from `serve`), so plain structs travel as their
 * bytes; what they point to (a process's command line, executable, cgroup) travels as counted strings.
 * The HTTP side checks every count and index against the frame before it uses one: the reader is the
 * more privileged side, but a frame is still input. A new pointer member of pl_socket or pl_process must
 * be added to put_proc/get_proc below. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "util/arena.h"

#define MAGIC 0x31534c50u /* "PLS1" */

static int put(pl_buf *b, const void *p, size_t n)
{
	return pl_buf_add(b, p, n);
}

static int put_u32(pl_buf *b, uint32_t v)
{
	return put(b, &v, sizeof v);
}

static int put_str(pl_buf *b, const char *s)
{
	if (!s)
		return put_u32(b, UINT32_MAX);
	size_t n = strlen(s);
	int rc = put_u32(b, (uint32_t)n);
	return rc ? rc : put(b, s, n);
}

int pl_web_snapshot_encode(const pl_socket_set *set, const pl_host_ports *host, const char *error,
			   uint64_t taken_ms, pl_buf *b)
{
	int rc = pl_web_frame_begin(b, MAGIC);
	rc = rc ? rc : put(b, &taken_ms, sizeof taken_ms);
	rc = rc ? rc : put(b, host, sizeof *host);
	rc = rc ? rc : put_str(b, set ? NULL : (error ? error : "?"));
	if (rc || !set)
		goto out;
	uint8_t flags[4] = {set->used_procfs, set->sctp_missing, set->owners_partial, set->caller_root};
	uint32_t counts[3] = {(uint32_t)set->n, (uint32_t)set->nprocs, (uint32_t)set->nlinks};
	rc = put(b, flags, sizeof flags);
	rc = rc ? rc : put(b, &set->self_netns, sizeof set->self_netns);
	rc = rc ? rc : put(b, set->note, sizeof set->note);
	rc = rc ? rc : put(b, counts, sizeof counts);
	rc = rc ? rc : put(b, set->socks, set->n * sizeof *set->socks);
	rc = rc ? rc : put(b, set->owner_links, set->nlinks * sizeof *set->owner_links);
	/* plain structs, no pointers: namespaces, containers, published ports, descriptor numbers */
	uint32_t more[4] = {(uint32_t)set->nnetns, (uint32_t)set->ncontainers, (uint32_t)set->npublished,
			    set->owner_fds != NULL};
	rc = rc ? rc : put(b, more, sizeof more);
	rc = rc ? rc : put(b, set->netns, set->nnetns * sizeof *set->netns);
	rc = rc ? rc : put(b, set->containers, set->ncontainers * sizeof *set->containers);
	rc = rc ? rc : put(b, set->published, set->npublished * sizeof *set->published);
	rc = rc ? rc : put(b, &set->netns_skipped, sizeof set->netns_skipped);
	rc = rc ? rc : put(b, set->nat_error, sizeof set->nat_error);
	/* the sockets' users by name: the HTTP process cannot read the user database (Landlock) */
	uint32_t nusers = (uint32_t)set->nusers_;
	rc = rc ? rc : put(b, &nusers, sizeof nusers);
	rc = rc ? rc : put(b, set->users_, set->nusers_ * sizeof *set->users_);
	rc = rc ? rc : put_str(b, set->owners_method);
	rc = rc ? rc : put(b, set->owners_why, sizeof set->owners_why);
	rc = rc ? rc : put(b, &set->owners_threads, sizeof set->owners_threads);
	if (set->owner_fds)
		rc = rc ? rc : put(b, set->owner_fds, set->nlinks * sizeof *set->owner_fds);
	for (size_t i = 0; i < set->nprocs && rc == 0; i++) {
		const pl_process *p = &set->procs[i];
		rc = put(b, p, sizeof *p);
		rc = rc ? rc : put_str(b, p->cmdline);
		rc = rc ? rc : put_str(b, p->exe);
		rc = rc ? rc : put_str(b, p->cgroup);
	}
out:
	if (rc == 0)
		pl_web_frame_end(b);
	return rc;
}

int pl_web_frame_begin(pl_buf *b, uint32_t magic)
{
	uint32_t head[2] = {magic, 0};
	return pl_buf_add(b, head, sizeof head);
}

void pl_web_frame_end(pl_buf *b)
{
	uint32_t len = (uint32_t)(b->len - 2 * sizeof(uint32_t));
	memcpy(b->data + sizeof(uint32_t), &len, sizeof len);
}

/* ---- the receiving side ---- */
const void *pl_web_take(pl_web_rd *r, size_t n)
{
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return NULL;
	}
	const void *at = r->p;
	r->p += n;
	return at;
}

bool pl_web_get(pl_web_rd *r, void *out, size_t n)
{
	const void *p = pl_web_take(r, n);
	if (p)
		memcpy(out, p, n);
	return p != NULL;
}

/* A counted string copied into the arena; *out NULL for an absent one. */
static bool get_str(pl_web_rd *r, pl_arena *a, char **out)
{
	uint32_t n;
	*out = NULL;
	if (!pl_web_get(r, &n, sizeof n))
		return false;
	if (n == UINT32_MAX)
		return true;
	const char *s = pl_web_take(r, n);
	return s && (*out = pl_arena_strndup(a, s, n)) != NULL;
}

#define TERMINATE(a) ((a)[sizeof(a) - 1] = 0)

void pl_web_snapshot_unref(pl_web_snapshot *s)
{
	if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	free(s->plain); /* its arrays are s->set's */
	pl_socket_set_free(s->set);
	free(s);
}

/* `portlore PORT` reads the sockets of one port, and says "owners: ... hidden" only when one of them has a
 * hidden owner; a snapshot holds the whole host, whose note says so when any socket has one. plain is the
 * same set with the note as a port without a hidden owner gets it. */
int pl_web_snapshot_finish(pl_web_snapshot *s)
{
	if (!s->set)
		return 0;
	s->plain = malloc(sizeof *s->plain);
	if (!s->plain)
		return PL_ENOMEM;
	*s->plain = *s->set;
	s->plain->owners_partial = false;
	char *owners = strstr(s->plain->note, "owners: ");
	if (owners && (owners == s->plain->note || (owners >= s->plain->note + 2 && owners[-2] == ';')))
		owners[owners == s->plain->note ? 0 : -2] = 0;
	return 0;
}

const pl_socket_set *pl_web_snapshot_set_for(const pl_web_snapshot *s, uint16_t port)
{
	if (!s || !s->set)
		return NULL;
	for (size_t i = 0; i < s->set->n; i++)
		if (s->set->socks[i].local_port == port && s->set->socks[i].owner_status == PL_OWNER_HIDDEN)
			return s->set;
	return s->plain;
}

int pl_web_snapshot_decode(const void *data, size_t len, pl_web_snapshot **out)
{
	pl_web_rd r = {data, (const uint8_t *)data + len, false};
	pl_web_snapshot *s = calloc(1, sizeof *s);
	if (!s)
		return PL_ENOMEM;
	atomic_init(&s->refs, 1);
	char *error = NULL;
	pl_arena *tmp = pl_arena_new();
	if (!tmp || !pl_web_get(&r, &s->taken_ms, sizeof s->taken_ms) || !pl_web_get(&r, &s->host, sizeof s->host) ||
	    !get_str(&r, tmp, &error))
		goto bad;
	if (s->host.nreserved > PL_MAX_RESERVED_RANGES)
		goto bad;
	if (error) {
		snprintf(s->error, sizeof s->error, "%s", error);
		pl_arena_free(tmp);
		*out = s;
		return r.p == r.end ? 0 : (pl_web_snapshot_unref(s), PL_EFORMAT);
	}
	pl_arena_free(tmp);
	tmp = NULL;
	pl_socket_set *set = s->set = calloc(1, sizeof *set);
	uint8_t flags[4];
	uint32_t counts[3];
	if (!set || !(set->arena_ = pl_arena_new()) || !pl_web_get(&r, flags, sizeof flags) ||
	    !pl_web_get(&r, &set->self_netns, sizeof set->self_netns) || !pl_web_get(&r, set->note, sizeof set->note) ||
	    !pl_web_get(&r, counts, sizeof counts))
		goto bad;
	TERMINATE(set->note);
	set->used_procfs = flags[0], set->sctp_missing = flags[1], set->owners_partial = flags[2];
	set->caller_root = flags[3];
	/* every count must fit in what is left of the frame before anything is allocated for it */
	size_t left = (size_t)(r.end - r.p);
	if (counts[0] > left / sizeof(pl_socket) || counts[2] > left / sizeof(uint32_t) ||
	    counts[1] > left / sizeof(pl_process))
		goto bad;
	set->n = counts[0], set->nprocs = counts[1], set->nlinks = counts[2];
	set->socks = malloc((set->n ? set->n : 1) * sizeof *set->socks);
	set->owner_links = malloc((set->nlinks ? set->nlinks : 1) * sizeof *set->owner_links);
	set->procs = calloc(set->nprocs ? set->nprocs : 1, sizeof *set->procs);
	if (!set->socks || !set->owner_links || !set->procs || !pl_web_get(&r, set->socks, set->n * sizeof *set->socks) ||
	    !pl_web_get(&r, set->owner_links, set->nlinks * sizeof *set->owner_links))
		goto bad;
	uint32_t more[4];
	if (!pl_web_get(&r, more, sizeof more))
		goto bad;
	left = (size_t)(r.end - r.p);
	if (more[0] > left / sizeof(pl_netns) || more[1] > left / sizeof(pl_container) ||
	    more[2] > left / sizeof(pl_publish))
		goto bad;
	set->nnetns = more[0], set->ncontainers = more[1], set->npublished = more[2];
	set->netns = calloc(set->nnetns ? set->nnetns : 1, sizeof *set->netns);
	set->containers = calloc(set->ncontainers ? set->ncontainers : 1, sizeof *set->containers);
	set->published = calloc(set->npublished ? set->npublished : 1, sizeof *set->published);
	if (!set->netns || !set->containers || !set->published ||
	    !pl_web_get(&r, set->netns, set->nnetns * sizeof *set->netns) ||
	    !pl_web_get(&r, set->containers, set->ncontainers * sizeof *set->containers) ||
	    !pl_web_get(&r, set->published, set->npublished * sizeof *set->published) ||
	    !pl_web_get(&r, &set->netns_skipped, sizeof set->netns_skipped) ||
	    !pl_web_get(&r, set->nat_error, sizeof set->nat_error))
		goto bad;
	TERMINATE(set->nat_error);
	uint32_t nusers;
	if (!pl_web_get(&r, &nusers, sizeof nusers) || nusers > (size_t)(r.end - r.p) / sizeof *set->users_)
		goto bad;
	set->nusers_ = nusers;
	set->users_ = calloc(nusers ? nusers : 1, sizeof *set->users_);
	if (!set->users_ || !pl_web_get(&r, set->users_, nusers * sizeof *set->users_))
		goto bad;
	for (size_t i = 0; i < nusers; i++)
		TERMINATE(set->users_[i].name);
	char *method = NULL;
	if (!get_str(&r, set->arena_, &method) || !pl_web_get(&r, set->owners_why, sizeof set->owners_why) ||
	    !pl_web_get(&r, &set->owners_threads, sizeof set->owners_threads))
		goto bad;
	TERMINATE(set->owners_why);
	/* a pointer to one of the sockets module's own words, never to frame bytes */
	set->owners_method = !method ? NULL : !strcmp(method, "bpf-iter") ? "bpf-iter" : !strcmp(method, "proc") ? "proc" : NULL;
	if (more[3]) {
		set->owner_fds = malloc((set->nlinks ? set->nlinks : 1) * sizeof *set->owner_fds);
		if (!set->owner_fds || !pl_web_get(&r, set->owner_fds, set->nlinks * sizeof *set->owner_fds))
			goto bad;
	}
	/* every index one struct holds into another must land inside it */
	for (size_t i = 0; i < set->nnetns; i++) {
		pl_netns *ns = &set->netns[i];
		TERMINATE(ns->path);
		TERMINATE(ns->name);
		TERMINATE(ns->error);
		if (ns->container >= (int)set->ncontainers)
			ns->container = -1;
	}
	for (size_t i = 0; i < set->ncontainers; i++) {
		TERMINATE(set->containers[i].id);
		TERMINATE(set->containers[i].name);
		TERMINATE(set->containers[i].image);
	}
	for (size_t i = 0; i < set->npublished; i++) {
		pl_publish *p = &set->published[i];
		TERMINATE(p->host_addr);
		TERMINATE(p->to_addr);
		TERMINATE(p->source);
		TERMINATE(p->table);
		TERMINATE(p->chain);
		TERMINATE(p->comment);
		if (p->netns >= (int)set->nnetns || p->container >= (int)set->ncontainers || p->listener >= (int)set->n ||
		    p->proto >= PL_PROTO_COUNT)
			goto bad;
	}
	for (size_t i = 0; i < set->n; i++) {
		pl_socket *k = &set->socks[i];
		TERMINATE(k->local);
		TERMINATE(k->remote);
		if (k->netns >= set->nnetns && set->nnetns)
			goto bad;
		if (k->proto >= PL_PROTO_COUNT || (uint64_t)k->owners_first + k->owners_count > set->nlinks)
			goto bad;
	}
	for (size_t i = 0; i < set->nlinks; i++)
		if (set->owner_links[i] >= set->nprocs)
			goto bad;
	for (size_t i = 0; i < set->nprocs; i++) {
		pl_process *p = &set->procs[i];
		if (!pl_web_get(&r, p, sizeof *p)) {
			memset(p, 0, sizeof *p);
			goto bad;
		}
		p->cmdline = p->exe = p->cgroup = NULL; /* the sender's pointers, meaningless here */
		if (!get_str(&r, set->arena_, &p->cmdline) || !get_str(&r, set->arena_, &p->exe) ||
		    !get_str(&r, set->arena_, &p->cgroup))
			goto bad;
		if (!p->cmdline && !(p->cmdline = pl_arena_strndup(set->arena_, "", 0)))
			goto bad;
		TERMINATE(p->comm);
		TERMINATE(p->user);
		TERMINATE(p->container_id);
		TERMINATE(p->unit);
		if (p->container >= (int)set->ncontainers)
			goto bad;
	}
	if (r.p != r.end || pl_web_snapshot_finish(s))
		goto bad;
	*out = s;
	return 0;
bad:
	/* every string points into the set's arena (or is NULL): the set frees as any other */
	pl_arena_free(tmp);
	pl_web_snapshot_unref(s);
	return PL_EFORMAT;
}

/* Reads one frame (blocking): its body in b. 0, or -1 at the end of the stream or on a bad frame. */
int pl_web_snapshot_read_frame(int fd, pl_buf *b)
{
	return pl_web_frame_read(fd, MAGIC, PL_WEB_SNAPSHOT_MAX, b);
}

int pl_web_frame_read(int fd, uint32_t magic, uint32_t max, pl_buf *b)
{
	uint32_t head[2];
	size_t got = 0;
	b->len = 0;
	while (got < sizeof head) {
		ssize_t n = read(fd, (char *)head + got, sizeof head - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	if (head[0] != magic || head[1] > max)
		return -1;
	char chunk[65536];
	for (size_t left = head[1]; left;) {
		ssize_t n = read(fd, chunk, left < sizeof chunk ? left : sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || pl_buf_add(b, chunk, (size_t)n))
			return -1;
		left -= (size_t)n;
	}
	return 0;
}

/* Writes a whole frame; 0, or -1 when the other end is gone. */
int pl_web_snapshot_write_frame(int fd, const pl_buf *b)
{
	for (size_t off = 0; off < b->len;) {
		ssize_t n = write(fd, b->data + off, b->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

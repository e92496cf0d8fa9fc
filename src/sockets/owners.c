/* Which processes hold each socket. Two methods, one per query, never merged: the kernel's task_file
 * iterator (owners_bpf.c) when BPF is allowed, else the /proc/PID/fd walk (owners_proc.c); both report
 * (socket, pid) hits against the set's inodes (sorted, binary search). Every process is looked at, even once
 * each socket has an owner: a socket may have several (a listener inherited across fork, a passed
 * descriptor) and FOUND promises them all, as ss -p lists them all. No socket with an inode, no search. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "owners.h"
#include "util/util.h"

/* The inode of the host's (initial) pid namespace, fixed by the kernel (PROC_PID_INIT_INO). */
#define INIT_PIDNS_INO 0xEFFFFFFCu

typedef struct prefill prefill;

typedef struct walk {
	pl_socket_set *set;
	prefill *pf; /* the owners' details read during the iterator's walk, or NULL */
	pl_arena *arena;
	pl_owner_want *wants;
	size_t nwants;
	pl_owner_hits hits;
	size_t unreadable; /* processes whose descriptors could not all be read */
	pl_proc_ctx ctx;
} walk;

static int want_cmp(const void *a, const void *b)
{
	const pl_owner_want *x = a, *y = b;
	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	return x->sock < y->sock ? -1 : x->sock > y->sock;
}

static int hit_cmp(const void *a, const void *b)
{
	const pl_owner_hit *x = a, *y = b;
	if (x->sock != y->sock)
		return x->sock < y->sock ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->fd < y->fd ? -1 : x->fd > y->fd; /* the lowest descriptor first: the one kept */
}

static int pid_cmp(const void *a, const void *b)
{
	const pl_owner_hit *x = a, *y = b;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

size_t pl_owner_want_find(const pl_owner_want *w, size_t n, uint64_t ino)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (w[mid].inode < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && w[lo].inode == ino ? lo : n;
}

int pl_owner_hits_add(pl_owner_hits *h, uint32_t sock, int pid, int fd)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		pl_owner_hit *v = realloc(h->v, cap * sizeof *v);
		if (!v)
			return PL_ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	bool new_pid = h->on_pid && (h->n == 0 || h->v[h->n - 1].pid != pid);
	h->v[h->n++] = (pl_owner_hit){sock, pid, fd};
	return new_pid ? h->on_pid(h->on_pid_ctx, pid) : 0;
}

int pl_owner_match(pl_owner_hits *h, const pl_owner_want *w, size_t n, uint64_t ino, int pid, int fd)
{
	for (size_t i = pl_owner_want_find(w, n, ino); i < n && w[i].inode == ino; i++) {
		int rc = pl_owner_hits_add(h, w[i].sock, pid, fd);
		if (rc)
			return rc;
	}
	return 0;
}

/* Details of the owners (pl_proc_fill: six files each) on as many threads as cores: `ls` under load has
 * a few hundred owners. Each thread has its own context and arena; the strings are copied into the set's
 * arena afterwards. */
typedef struct filler {
	walk *w;
	const int *pids;
	pl_process *out;
	size_t n;
	pl_arena *arena;
	pl_proc_ctx ctx;
	pthread_t th;
	bool started;
	int rc;
} filler;

static void *fill_some(void *arg)
{
	filler *f = arg;
	for (size_t i = 0; i < f->n && !f->rc; i++)
		f->rc = pl_proc_fill(&f->ctx, f->pids[i], f->arena, &f->out[i]);
	return NULL;
}

static char *keep(pl_arena *a, char *s, int *rc)
{
	if (!s)
		return NULL;
	char *c = pl_arena_strdup(a, s);
	if (!c)
		*rc = PL_ENOMEM;
	return c;
}

static int fill_parallel(walk *w, const int *pids, size_t n, pl_process *out)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nth = cores > 1 ? (size_t)cores : 1;
	if (nth > n / 16 + 1)
		nth = n / 16 + 1;
	if (nth > 16)
		nth = 16;
	if (nth == 1) {
		for (size_t i = 0; i < n; i++) {
			int rc = pl_proc_fill(&w->ctx, pids[i], w->arena, &out[i]);
			if (rc)
				return rc;
		}
		return 0;
	}
	filler f[16];
	memset(f, 0, sizeof f);
	int rc = 0;
	for (size_t t = 0, at = 0; t < nth; t++) {
		size_t take = n / nth + (t < n % nth);
		f[t] = (filler){.w = w, .pids = pids + at, .out = out + at, .n = take, .arena = pl_arena_new()};
		pl_proc_ctx_init(&f[t].ctx, w->ctx.proc_fd, w->ctx.self_netns);
		at += take;
		if (!f[t].arena)
			rc = PL_ENOMEM;
	}
	for (size_t t = 1; t < nth && !rc; t++)
		f[t].started = pthread_create(&f[t].th, NULL, fill_some, &f[t]) == 0;
	if (!rc)
		fill_some(&f[0]);
	for (size_t t = 1; t < nth; t++) {
		if (f[t].started)
			pthread_join(f[t].th, NULL);
		else if (!rc)
			fill_some(&f[t]); /* could not start a thread: do its share here */
	}
	for (size_t t = 0; t < nth; t++) {
		rc = rc ? rc : f[t].rc;
		for (size_t i = 0; i < f[t].n && !rc; i++) {
			pl_process *p = &f[t].out[i];
			p->cmdline = keep(w->arena, p->cmdline, &rc);
			p->exe = keep(w->arena, p->exe, &rc);
			p->cgroup = keep(w->arena, p->cgroup, &rc);
		}
		pl_arena_free(f[t].arena);
	}
	return rc;
}

/* ---- owners' details read as their hits come in ----
 * The details of the owners (pl_proc_fill, ~40 us each: a few hundred under bench/sockets.sh's load) took
 * ~8 ms after the iterator's walk. A thread reads them as their first hits come in, and the caller joins
 * in once the walk ends. One iterator over every task (one core) keeps the caller in read(2) for its
 * whole walk and reports as it goes, so the thread works meanwhile on the idle core; the walk split over
 * cores (bpf_walk.c) hands its records over at the end, and the queue then gives the reading two threads.
 * Not for the /proc walk, whose own threads already take every core. */
#define PREFILL_MAX 4096u

typedef struct prefill {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int pids[PREFILL_MAX];
	pl_process *out;  /* out[i] for pids[i], once taken and filled */
	size_t n, next;   /* queued; the next to take */
	bool closed, started, failed;
	pthread_t th;
	pl_arena *arena;  /* the thread's strings (the caller's go to its own arena) */
	pl_proc_ctx ctx;
	uint32_t order[PREFILL_MAX]; /* indexes of pids, by pid: prefill_finish sorts them */
} prefill;

/* Fills queued pids until none is left and the queue is closed (or, for the caller, until none is left). */
static int prefill_work(prefill *pf, pl_proc_ctx *ctx, pl_arena *a, bool wait)
{
	for (;;) {
		pthread_mutex_lock(&pf->mu);
		while (wait && pf->next == pf->n && !pf->closed)
			pthread_cond_wait(&pf->cv, &pf->mu);
		if (pf->next == pf->n || pf->failed) {
			pthread_mutex_unlock(&pf->mu);
			return 0;
		}
		size_t i = pf->next++;
		pthread_mutex_unlock(&pf->mu);
		if (pl_proc_fill(ctx, pf->pids[i], a, &pf->out[i])) {
			pthread_mutex_lock(&pf->mu);
			pf->failed = true;
			pthread_mutex_unlock(&pf->mu);
			return PL_ENOMEM;
		}
	}
}

static void *prefill_main(void *arg)
{
	prefill *pf = arg;
	prefill_work(pf, &pf->ctx, pf->arena, true);
	return NULL;
}

/* pl_owner_hits' on_pid: queues pid, starting the thread on the first one. Past PREFILL_MAX, the rest is
 * read afterwards, as without this. */
static int prefill_push(void *arg, int pid)
{
	prefill *pf = arg;
	pthread_mutex_lock(&pf->mu);
	if (pf->n < PREFILL_MAX) {
		pf->pids[pf->n++] = pid;
		pthread_cond_signal(&pf->cv);
	}
	bool start = !pf->started && !pf->closed;
	if (start)
		pf->started = true;
	pthread_mutex_unlock(&pf->mu);
	if (start && pthread_create(&pf->th, NULL, prefill_main, pf) != 0) {
		pthread_mutex_lock(&pf->mu);
		pf->started = false; /* the caller reads them all at the end */
		pthread_mutex_unlock(&pf->mu);
	}
	return 0;
}

static prefill *prefill_new(const walk *w)
{
	prefill *pf = calloc(1, sizeof *pf);
	if (!pf)
		return NULL;
	pf->out = calloc(PREFILL_MAX, sizeof *pf->out);
	pf->arena = pl_arena_new();
	if (!pf->out || !pf->arena) {
		free(pf->out);
		pl_arena_free(pf->arena);
		free(pf);
		return NULL;
	}
	pthread_mutex_init(&pf->mu, NULL);
	pthread_cond_init(&pf->cv, NULL);
	pl_proc_ctx_init(&pf->ctx, w->ctx.proc_fd, w->ctx.self_netns);
	return pf;
}

/* The walk is over: the caller fills what is still queued, alongside the thread, then joins it. */
static int prefill_finish(prefill *pf, walk *w)
{
	pthread_mutex_lock(&pf->mu);
	pf->closed = true;
	pthread_cond_broadcast(&pf->cv);
	pthread_mutex_unlock(&pf->mu);
	int rc = prefill_work(pf, &w->ctx, w->arena, false);
	if (pf->started)
		pthread_join(pf->th, NULL);
	pf->started = false;
	/* insertion sort: the pids came in ascending order but for a thread with a table of its own */
	for (uint32_t i = 0; i < pf->n; i++) {
		uint32_t j = i;
		for (; j > 0 && pf->pids[pf->order[j - 1]] > pf->pids[i]; j--)
			pf->order[j] = pf->order[j - 1];
		pf->order[j] = i;
	}
	return rc ? rc : pf->failed ? PL_ENOMEM : 0;
}

static void prefill_free(prefill *pf)
{
	if (!pf)
		return;
	pthread_mutex_lock(&pf->mu);
	pf->closed = true;
	pf->next = pf->n; /* nothing more to take */
	pthread_cond_broadcast(&pf->cv);
	pthread_mutex_unlock(&pf->mu);
	if (pf->started)
		pthread_join(pf->th, NULL);
	pthread_mutex_destroy(&pf->mu);
	pthread_cond_destroy(&pf->cv);
	pl_arena_free(pf->arena);
	free(pf->out);
	free(pf);
}

/* The prefilled details of pid, or NULL. */
static const pl_process *prefilled(const prefill *pf, int pid)
{
	size_t lo = 0, hi = pf ? pf->n : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pf->pids[pf->order[mid]] < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return pf && lo < pf->n && pf->pids[pf->order[lo]] == pid ? &pf->out[pf->order[lo]] : NULL;
}

/* One pl_process per pid that holds a wanted socket, filled once, in pid order. */
static int fill_procs(walk *w, const prefill *pf)
{
	pl_socket_set *set = w->set;
	if (!w->hits.n)
		return 0;
	qsort(w->hits.v, w->hits.n, sizeof *w->hits.v, pid_cmp);
	size_t npids = 0;
	for (size_t i = 0; i < w->hits.n; i++)
		npids += i == 0 || w->hits.v[i].pid != w->hits.v[i - 1].pid;
	set->procs = calloc(npids, sizeof *set->procs);
	int *pids = malloc(npids * sizeof *pids);
	if (!set->procs || !pids) {
		free(pids);
		return PL_ENOMEM;
	}
	/* the owners read during the walk are copied (their strings into the set's arena); the others read now */
	size_t k = 0, nmiss = 0;
	int rc = 0;
	for (size_t i = 0; i < w->hits.n && !rc; i++) {
		if (i && w->hits.v[i].pid == w->hits.v[i - 1].pid)
			continue;
		int pid = w->hits.v[i].pid;
		const pl_process *p = prefilled(pf, pid);
		if (p) {
			pl_process *q = &set->procs[k];
			*q = *p;
			q->cmdline = keep(w->arena, p->cmdline, &rc);
			q->exe = keep(w->arena, p->exe, &rc);
			q->cgroup = keep(w->arena, p->cgroup, &rc);
		} else
			pids[nmiss++] = pid, set->procs[k].pid = -1;
		k++;
	}
	pl_process *miss = nmiss ? calloc(nmiss, sizeof *miss) : NULL;
	if (!rc && nmiss && !miss)
		rc = PL_ENOMEM;
	rc = rc ? rc : fill_parallel(w, pids, nmiss, miss);
	for (size_t i = 0, m = 0; !rc && i < npids && m < nmiss; i++)
		if (set->procs[i].pid == -1)
			set->procs[i] = miss[m++];
	free(miss);
	free(pids);
	if (rc)
		return rc;
	set->nprocs = npids;
	return 0;
}

static uint32_t proc_index(const pl_socket_set *set, int pid)
{
	size_t lo = 0, hi = set->nprocs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (set->procs[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

/* Hits to per-socket slices of owner_links (sorted by pid, one link per process even when it holds the
 * socket through several descriptors or threads) and to each socket's owner_status. */
static int link_owners(walk *w)
{
	pl_socket_set *set = w->set;
	int rc = fill_procs(w, w->pf);
	if (rc)
		return rc;
	pl_owner_hit *hits = w->hits.v;
	if (w->hits.n)
		qsort(hits, w->hits.n, sizeof *hits, hit_cmp);
	size_t nlinks = 0;
	for (size_t i = 0; i < w->hits.n; i++)
		if (i == 0 || hits[i].sock != hits[i - 1].sock || hits[i].pid != hits[i - 1].pid)
			hits[nlinks++] = hits[i];
	if (nlinks) {
		set->owner_links = malloc(nlinks * sizeof *set->owner_links);
		set->owner_fds = malloc(nlinks * sizeof *set->owner_fds);
		if (!set->owner_links || !set->owner_fds)
			return PL_ENOMEM;
	}
	for (size_t i = 0; i < nlinks; i++) {
		set->owner_links[i] = proc_index(set, hits[i].pid);
		set->owner_fds[i] = hits[i].fd;
	}
	set->nlinks = nlinks;

	/* Without hidepid, another user's fd folder answers EACCES and is counted in unreadable; with
	 * hidepid=invisible its processes are simply not listed. So an unprivileged caller cannot tell
	 * "held by nobody" from "held by someone we cannot see" for a socket another uid created. */
	uid_t euid = geteuid();
	bool hidden = false, partial = false;
	size_t h = 0;
	for (size_t i = 0; i < set->n; i++) {
		pl_socket *s = &set->socks[i];
		s->owners_first = (uint32_t)h;
		while (h < nlinks && hits[h].sock == i)
			h++;
		s->owners_count = (uint32_t)(h - s->owners_first);
		if (s->owners_count) {
			s->owner_status = PL_OWNER_FOUND;
			/* Some processes unseen (unreadable, or another user's under hidepid) and no owner seen
			 * runs as the socket's uid: whoever created it is likely among the unseen. */
			bool uid_seen = false;
			for (uint32_t k = 0; k < s->owners_count; k++)
				uid_seen |= set->procs[set->owner_links[s->owners_first + k]].uid == s->uid;
			s->owners_partial = !uid_seen && (w->unreadable || (euid != 0 && s->uid != euid));
			partial |= s->owners_partial;
		} else if (s->inode && (w->unreadable || (euid != 0 && s->uid != euid)))
			s->owner_status = PL_OWNER_HIDDEN;
		else
			s->owner_status = PL_OWNER_NONE;
		hidden |= s->owner_status == PL_OWNER_HIDDEN;
	}
	if (hidden || partial) {
		set->owners_partial = true;
		char text[160];
		/* Root too can be refused: a process with capabilities root lacks here, an LSM, another user
		 * namespace (this is how a sandbox's own init looks from inside it). */
		if (w->unreadable)
			snprintf(text, sizeof text, "owners: %zu process%s could not be inspected, some owners are "
				 "hidden (%s)", w->unreadable, w->unreadable == 1 ? "" : "es",
				 euid == 0 ? "access denied even to root" : "run as root to see them");
		else
			snprintf(text, sizeof text, "owners: other users' processes are not visible, some owners "
				 "are hidden (run as root to see them)");
		pl_sockset_note(set, text);
	}
	return 0;
}

/* Why the iterator may not be asked, before asking it; "" when it may. */
static void bpf_precheck(int proc_fd, const char *proc_root, char *why, size_t whysize)
{
	struct stat st;
	why[0] = '\0';
	if (strcmp(proc_root, "/proc") != 0)
		snprintf(why, whysize, "owners are read from %s, not from the running kernel", proc_root);
	else if (fstatat(proc_fd, "self/ns/pid", &st, 0) != 0)
		snprintf(why, whysize, "cannot tell portlore's pid namespace (%s)", strerror(errno));
	else if (st.st_ino != INIT_PIDNS_INO)
		snprintf(why, whysize, "portlore runs in a nested pid namespace, where the iterator's pids "
			 "would be the host's");
}

static int search(walk *w, int proc_fd, const char *proc_root, pl_owner_method method, pl_error *err)
{
	pl_socket_set *set = w->set;
	char why[sizeof set->owners_why] = "";
	if (method != PL_OWNERS_PROC) {
		bpf_precheck(proc_fd, proc_root, why, sizeof why);
		if (!why[0]) {
			size_t unreadable = 0;
			long cores = sysconf(_SC_NPROCESSORS_ONLN);
			w->pf = cores > 1 ? prefill_new(w) : NULL;
			w->hits.on_pid = w->pf ? prefill_push : NULL;
			w->hits.on_pid_ctx = w->pf;
			int rc = pl_owners_bpf(proc_fd, w->wants, w->nwants, &w->hits, &unreadable, why, sizeof why);
			w->hits.on_pid = NULL;
			if (rc == 0 && w->pf && prefill_finish(w->pf, w))
				rc = PL_ENOMEM;
			if (rc == 0) {
				w->unreadable = unreadable;
				set->owners_method = "bpf-iter";
				return 0;
			}
			prefill_free(w->pf); /* never half an answer: the /proc walk starts afresh */
			w->pf = NULL;
			if (rc != PL_EIO)
				return pl_error_set(err, rc, "out of memory resolving socket owners");
		}
		snprintf(set->owners_why, sizeof set->owners_why, "%s", why);
		if (method == PL_OWNERS_BPF)
			return pl_error_set(err, PL_EIO, "%s", why);
	}
	/* The whole answer from /proc: whatever the iterator reported before failing was dropped. */
	unsigned used = 0;
	w->unreadable = 0;
	int rc = pl_owners_proc_walk(proc_fd, w->wants, w->nwants, 0, &w->hits, &w->unreadable, &used);
	if (rc)
		return pl_error_set(err, rc, "out of memory resolving socket owners");
	set->owners_method = "proc";
	if (why[0] && method == PL_OWNERS_AUTO && strcmp(proc_root, "/proc") == 0) {
		char text[sizeof set->owners_why + 48];
		snprintf(text, sizeof text, "owners: walked /proc (%s)", why);
		pl_sockset_note(set, text);
	}
	return 0;
}

int pl_sockets_resolve_owners_with(pl_socket_set *set, const char *proc_root, pl_owner_method method,
	pl_error *err)
{
	walk w = {.set = set, .arena = set->arena_};
	int rc = 0;
	if (!w.arena)
		return pl_error_set(err, PL_EINVAL, "socket set without an arena");
	free(set->procs);
	free(set->owner_links);
	free(set->owner_fds);
	set->procs = NULL;
	set->owner_links = NULL;
	set->owner_fds = NULL;
	set->nprocs = set->nlinks = 0;
	set->owners_partial = false;
	set->owners_method = NULL;
	set->owners_why[0] = '\0';
	for (size_t i = 0; i < set->n; i++) {
		set->socks[i].owner_status = PL_OWNER_UNKNOWN;
		set->socks[i].owners_partial = false;
		set->socks[i].owners_first = set->socks[i].owners_count = 0;
	}

	if (!proc_root)
		proc_root = "/proc";
	int pfd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return pl_error_errno(err, PL_EIO, errno, "cannot read %s", proc_root);
	if (!set->self_netns) {
		struct stat st;
		if (fstatat(pfd, "self/ns/net", &st, 0) == 0)
			set->self_netns = (uint64_t)st.st_ino;
	}
	pl_proc_ctx_init(&w.ctx, pfd, set->self_netns);

	/* Nothing to look for means no search: every socket is then inode 0, held by no process. */
	for (size_t i = 0; i < set->n; i++)
		w.nwants += set->socks[i].inode != 0;
	if (w.nwants) {
		w.wants = malloc(w.nwants * sizeof *w.wants);
		if (!w.wants) {
			rc = pl_error_set(err, PL_ENOMEM, "out of memory resolving socket owners");
			goto out;
		}
		size_t k = 0;
		for (size_t i = 0; i < set->n; i++)
			if (set->socks[i].inode)
				w.wants[k++] = (pl_owner_want){set->socks[i].inode, (uint32_t)i};
		qsort(w.wants, w.nwants, sizeof *w.wants, want_cmp);
		if ((rc = search(&w, pfd, proc_root, method, err)))
			goto out;
	}
	if ((rc = link_owners(&w)))
		rc = pl_error_set(err, rc, "out of memory resolving socket owners");

out:
	prefill_free(w.pf);
	close(pfd);
	free(w.wants);
	free(w.hits.v);
	if (rc) {
		free(set->procs);
		free(set->owner_links);
		free(set->owner_fds);
		set->procs = NULL;
		set->owner_links = NULL;
		set->owner_fds = NULL;
		set->nprocs = set->nlinks = 0;
		for (size_t i = 0; i < set->n; i++)
			set->socks[i].owner_status = PL_OWNER_UNKNOWN;
		return rc;
	}
	return 0;
}

int pl_sockets_resolve_owners(pl_socket_set *set, const char *proc_root, pl_error *err)
{
	return pl_sockets_resolve_owners_with(set, proc_root, PL_OWNERS_AUTO, err);
}

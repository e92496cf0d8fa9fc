/* Which processes hold each socket. Two methods, one per query, never merged: the kernel's task_file
 * iterator (owners_bpf.c) when BPF is allowed, else the /proc/PID/fd walk (owners_proc.c); both report
 * (socket, pid) hits against the set's inodes (sorted, binary search). Every process is looked at, even once
 * each socket has an owner: a socket may have several (a listener inherited across fork, a passed
 * descriptor) and FOUND promises them all, as ss -p lists them all. No socket with an inode, no search. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "bpf_load.h"
#include "owners.h"
#include "util/util.h"

/* The inode of the host's (initial) pid namespace, fixed by the kernel (PROC_PID_INIT_INO). */
#define INIT_PIDNS_INO 0xEFFFFFFCu

typedef struct walk {
	pl_socket_set *set;
	pl_owner_prefill *pf; /* the owners' details read as their hits come, or NULL */
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

/* One pl_process per pid that holds a wanted socket, filled once, in pid order. */
static int fill_procs(walk *w)
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
	size_t k = 0;
	for (size_t i = 0; i < w->hits.n; i++)
		if (i == 0 || w->hits.v[i].pid != w->hits.v[i - 1].pid)
			pids[k++] = w->hits.v[i].pid;
	int rc = pl_owner_details(&w->ctx, w->arena, w->pf, pids, npids, set->procs);
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
	int rc = fill_procs(w);
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
			w->pf = cores > 1 ? pl_owner_prefill_new(w->ctx.proc_fd, w->ctx.self_netns) : NULL;
			w->hits.on_pid = w->pf ? pl_owner_prefill_push : NULL;
			w->hits.on_pid_ctx = w->pf;
			int rc = pl_owners_bpf(proc_fd, w->wants, w->nwants, &w->hits, &unreadable, why, sizeof why);
			w->hits.on_pid = NULL;
			if (rc == 0 && w->pf && pl_owner_prefill_finish(w->pf, &w->ctx, w->arena))
				rc = PL_ENOMEM;
			if (rc == 0) {
				w->unreadable = unreadable;
				set->owners_method = "bpf-iter";
				set->owners_threads = pl_bpf_last_walkers();
				return 0;
			}
			pl_owner_prefill_free(w->pf); /* never half an answer: the /proc walk starts afresh */
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
	set->owners_threads = used;
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
	set->owners_threads = 0;
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
	pl_owner_prefill_free(w.pf);
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

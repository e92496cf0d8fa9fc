/* Which processes hold each socket: one walk over <proc_root>/PID/fd matching "socket:[INODE]" links
 * against the set's inodes (sorted, binary search). Every process is walked, even once each socket has an
 * owner: a socket may have several (a listener inherited across fork, a passed descriptor) and FOUND
 * promises them all, as ss -p lists them all. The one shortcut: no socket with an inode, no walk. */
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
#include "util/util.h"

#define DENTS_SIZE (64u << 10)

struct want {
	uint64_t inode;
	uint32_t sock;
};

struct hit {
	uint32_t sock, proc;
	int pid;
	int fd;
};

typedef struct walk {
	pl_socket_set *set;
	pl_arena *arena;
	struct want *wants;
	size_t nwants;
	struct hit *hits;
	size_t nhits, caphits;
	size_t capprocs;
	size_t unreadable; /* processes whose descriptors could not all be read */
	char *dents;
	pl_proc_ctx ctx;
} walk;

static int want_cmp(const void *a, const void *b)
{
	const struct want *x = a, *y = b;
	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	return x->sock < y->sock ? -1 : x->sock > y->sock;
}

static int hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	if (x->sock != y->sock)
		return x->sock < y->sock ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->fd < y->fd ? -1 : x->fd > y->fd; /* the lowest descriptor first: the one kept */
}

/* "socket:[12345]" exactly; anything else (a pipe, "anon_inode:[...]", a file) is not ours. */
static bool socket_inode(const char *link, size_t len, uint64_t *ino)
{
	static const char pre[] = "socket:[";
	const size_t plen = sizeof pre - 1;
	if (len < plen + 2 || memcmp(link, pre, plen) != 0 || link[len - 1] != ']')
		return false;
	const char *d = link + plen;
	size_t n = len - plen - 1;
	if (!pl_is_digits(d, n) || n > 19)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (uint64_t)(d[i] - '0');
	*ino = v;
	return true;
}

/* The first want with this inode, or nwants. */
static size_t want_find(const walk *w, uint64_t ino)
{
	size_t lo = 0, hi = w->nwants;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (w->wants[mid].inode < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < w->nwants && w->wants[lo].inode == ino ? lo : w->nwants;
}

static int add_proc(walk *w, int pid, uint32_t *index)
{
	pl_socket_set *set = w->set;
	if (set->nprocs == w->capprocs) {
		size_t cap = w->capprocs ? w->capprocs * 2 : 16;
		pl_process *p = realloc(set->procs, cap * sizeof *p);
		if (!p)
			return PL_ENOMEM;
		set->procs = p;
		w->capprocs = cap;
	}
	int rc = pl_proc_fill(&w->ctx, pid, w->arena, &set->procs[set->nprocs]);
	if (rc)
		return rc;
	*index = (uint32_t)set->nprocs++;
	return 0;
}

static int add_hit(walk *w, uint32_t sock, uint32_t proc, int pid, int fd)
{
	if (w->nhits == w->caphits) {
		size_t cap = w->caphits ? w->caphits * 2 : 64;
		struct hit *h = realloc(w->hits, cap * sizeof *h);
		if (!h)
			return PL_ENOMEM;
		w->hits = h;
		w->caphits = cap;
	}
	w->hits[w->nhits++] = (struct hit){sock, proc, pid, fd};
	return 0;
}

static bool vanished(int e)
{
	return e == ENOENT || e == ESRCH;
}

/* The descriptors of one process, from its open fd folder. A process is added to procs at its first
 * matching descriptor; /proc lists each pid once, so that is once per process. */
static int scan_fds(walk *w, int fdir, int pid)
{
	bool added = false, denied = false;
	uint32_t proc = 0;
	for (;;) {
		ssize_t n = getdents64(fdir, w->dents, DENTS_SIZE);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (!vanished(errno))
				denied = true;
			break;
		}
		if (n == 0)
			break;
		for (size_t off = 0; off < (size_t)n;) {
			const struct dirent64 *d = (const struct dirent64 *)(w->dents + off);
			off += d->d_reclen;
			if (d->d_name[0] < '0' || d->d_name[0] > '9')
				continue;
			/* Only a socket link matters, and the longest is "socket:[" + 20 digits + "]". */
			char link[40];
			ssize_t len = readlinkat(fdir, d->d_name, link, sizeof link);
			if (len < 0) {
				if (vanished(errno))
					continue;
				/* The permission check is per process (ptrace access), not per descriptor. */
				denied = true;
				if (errno == EACCES || errno == EPERM)
					goto done;
				continue;
			}
			uint64_t ino;
			if ((size_t)len >= sizeof link || !socket_inode(link, (size_t)len, &ino))
				continue;
			for (size_t i = want_find(w, ino); i < w->nwants && w->wants[i].inode == ino; i++) {
				if (!added) {
					int rc = add_proc(w, pid, &proc);
					if (rc)
						return rc;
					added = true;
				}
				uint32_t fd;
				if (pl_parse_uint(d->d_name, strlen(d->d_name), INT_MAX, &fd))
					fd = UINT32_MAX;
				int rc = add_hit(w, w->wants[i].sock, proc, pid, fd == UINT32_MAX ? -1 : (int)fd);
				if (rc)
					return rc;
			}
		}
	}
done:
	if (denied)
		w->unreadable++;
	return 0;
}

static int walk_procs(walk *w, DIR *d)
{
	int pfd = dirfd(d);
	for (;;) {
		errno = 0;
		struct dirent *e = readdir(d);
		if (!e) {
			/* Cut short: processes we never saw may hold sockets. */
			if (errno)
				w->unreadable++;
			return 0;
		}
		size_t len = strlen(e->d_name);
		uint32_t pid;
		if (pl_parse_uint(e->d_name, len, INT_MAX, &pid))
			continue;
		/* PID/task/TID is not walked: threads share the process's descriptor table (CLONE_FILES). A thread
		 * that unshared it is missed, as ss misses it. */
		char path[24];
		snprintf(path, sizeof path, "%u/fd", pid);
		int fdir = openat(pfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fdir < 0) {
			if (!vanished(errno))
				w->unreadable++;
			continue;
		}
		int rc = scan_fds(w, fdir, (int)pid);
		close(fdir);
		if (rc)
			return rc;
	}
}

/* Hits to per-socket slices of owner_links (sorted by pid, one link per process even when it holds the
 * socket through several descriptors) and to each socket's owner_status. */
static int link_owners(walk *w)
{
	pl_socket_set *set = w->set;
	if (w->nhits)
		qsort(w->hits, w->nhits, sizeof *w->hits, hit_cmp);
	size_t nlinks = 0;
	for (size_t i = 0; i < w->nhits; i++)
		if (i == 0 || w->hits[i].sock != w->hits[i - 1].sock || w->hits[i].pid != w->hits[i - 1].pid)
			w->hits[nlinks++] = w->hits[i];
	if (nlinks) {
		set->owner_links = malloc(nlinks * sizeof *set->owner_links);
		set->owner_fds = malloc(nlinks * sizeof *set->owner_fds);
		if (!set->owner_links || !set->owner_fds)
			return PL_ENOMEM;
	}
	for (size_t i = 0; i < nlinks; i++) {
		set->owner_links[i] = w->hits[i].proc;
		set->owner_fds[i] = w->hits[i].fd;
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
		while (h < nlinks && w->hits[h].sock == i)
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
		}
		else if (s->inode && (w->unreadable || (euid != 0 && s->uid != euid)))
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

int pl_sockets_resolve_owners(pl_socket_set *set, const char *proc_root, pl_error *err)
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
	for (size_t i = 0; i < set->n; i++) {
		set->socks[i].owner_status = PL_OWNER_UNKNOWN;
		set->socks[i].owners_partial = false;
		set->socks[i].owners_first = set->socks[i].owners_count = 0;
	}

	if (!proc_root)
		proc_root = "/proc";
	DIR *d = opendir(proc_root);
	if (!d)
		return pl_error_errno(err, PL_EIO, errno, "cannot read %s", proc_root);
	if (!set->self_netns) {
		struct stat st;
		if (fstatat(dirfd(d), "self/ns/net", &st, 0) == 0)
			set->self_netns = (uint64_t)st.st_ino;
	}
	pl_proc_ctx_init(&w.ctx, dirfd(d), set->self_netns);

	/* Nothing to look for means no walk: every socket is then inode 0, held by no process. */
	for (size_t i = 0; i < set->n; i++)
		w.nwants += set->socks[i].inode != 0;
	if (w.nwants) {
		w.wants = malloc(w.nwants * sizeof *w.wants);
		w.dents = malloc(DENTS_SIZE);
		if (!w.wants || !w.dents) {
			rc = PL_ENOMEM;
			goto out;
		}
		size_t k = 0;
		for (size_t i = 0; i < set->n; i++)
			if (set->socks[i].inode)
				w.wants[k++] = (struct want){set->socks[i].inode, (uint32_t)i};
		qsort(w.wants, w.nwants, sizeof *w.wants, want_cmp);
		rc = walk_procs(&w, d);
		if (rc)
			goto out;
	}
	rc = link_owners(&w);

out:
	closedir(d);
	free(w.wants);
	free(w.hits);
	free(w.dents);
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
		return pl_error_set(err, rc, "out of memory resolving socket owners");
	}
	return 0;
}

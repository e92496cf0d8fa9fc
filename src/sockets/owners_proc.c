/* The /proc owner walk, for whoever may not use the kernel iterator: every PID/fd folder, each descriptor
 * stat'ed (statx through the magic link: a socket is S_IFSOCK on sockfs, its inode the socket's) rather
 * than readlink'ed and parsed, on as many threads as cores, each taking pids from a shared counter.
 * PID/task/TID is not walked: threads share the process's descriptor table (CLONE_FILES); a thread that
 * unshared it is missed, as ss misses it (the iterator sees it). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "owners.h"
#include "portlore/error.h"
#include "util/util.h"

#define DENTS_SIZE (32u << 10)
#define CHUNK 4
#define MAX_THREADS 64

typedef struct shared {
	int proc_fd;
	const pl_owner_want *w;
	size_t nw;
	const int *pids;
	size_t npids;
	atomic_size_t next;
	bool have_sockdev;
	uint32_t sock_major, sock_minor;
} shared;

typedef struct worker {
	shared *s;
	pthread_t th;
	bool started;
	pl_owner_hits hits;
	size_t unreadable;
	int rc;
	char *dents;
} worker;

static bool vanished(int e)
{
	return e == ENOENT || e == ESRCH;
}

/* "socket:[12345]" exactly: what a fake /proc tree (tests) holds, where the link cannot be followed. */
static bool socket_link(int fdir, const char *name, uint64_t *ino)
{
	static const char pre[] = "socket:[";
	const size_t plen = sizeof pre - 1;
	char link[40];
	ssize_t len = readlinkat(fdir, name, link, sizeof link);
	if (len < 0 || (size_t)len >= sizeof link || (size_t)len < plen + 2 || memcmp(link, pre, plen) != 0 ||
	    link[len - 1] != ']')
		return false;
	const char *d = link + plen;
	size_t n = (size_t)len - plen - 1;
	if (!pl_is_digits(d, n) || n > 19)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (uint64_t)(d[i] - '0');
	*ino = v;
	return true;
}

/* The descriptors of one process. AT_STATX_DONT_SYNC: a descriptor on a network filesystem is answered
 * from the cache, never by asking its server (readlink never asked either). */
static int scan_fds(worker *wk, int fdir, int pid)
{
	shared *s = wk->s;
	bool denied = false;
	for (;;) {
		long n = getdents64(fdir, wk->dents, DENTS_SIZE);
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
			const struct dirent64 *d = (const struct dirent64 *)(wk->dents + off);
			off += d->d_reclen;
			if (d->d_name[0] < '0' || d->d_name[0] > '9')
				continue;
			struct statx st;
			uint64_t ino;
			if (statx(fdir, d->d_name, AT_STATX_DONT_SYNC, STATX_TYPE | STATX_INO, &st) == 0) {
				if (!S_ISSOCK(st.stx_mode))
					continue;
				if (s->have_sockdev) {
					if (st.stx_dev_major != s->sock_major || st.stx_dev_minor != s->sock_minor)
						continue;
					ino = st.stx_ino;
				} else if (!socket_link(fdir, d->d_name, &ino)) {
					/* sockfs's device unknown (no socket of our own: serve's reader may open netlink
					 * sockets only): the link names the socket's inode */
					continue;
				}
			} else if (errno == EACCES || errno == EPERM) {
				/* The permission check is per process (ptrace access), not per descriptor. */
				denied = true;
				goto done;
			} else if (!vanished(errno) || !socket_link(fdir, d->d_name, &ino)) {
				continue;
			}
			uint32_t fd;
			if (pl_parse_uint(d->d_name, strlen(d->d_name), INT_MAX, &fd))
				fd = UINT32_MAX;
			int rc = pl_owner_match(&wk->hits, s->w, s->nw, ino, pid, fd == UINT32_MAX ? -1 : (int)fd);
			if (rc)
				return rc;
		}
	}
done:
	if (denied)
		wk->unreadable++;
	return 0;
}

static void *work(void *arg)
{
	worker *wk = arg;
	shared *s = wk->s;
	for (;;) {
		size_t i = atomic_fetch_add(&s->next, CHUNK);
		if (i >= s->npids)
			break;
		size_t end = i + CHUNK < s->npids ? i + CHUNK : s->npids;
		for (; i < end; i++) {
			char path[24];
			snprintf(path, sizeof path, "%d/fd", s->pids[i]);
			int fdir = openat(s->proc_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fdir < 0) {
				if (!vanished(errno))
					wk->unreadable++;
				continue;
			}
			int rc = scan_fds(wk, fdir, s->pids[i]);
			close(fdir);
			if (rc) {
				wk->rc = rc;
				/* Stop the others too: the answer is lost anyway. */
				atomic_store(&s->next, s->npids);
				return NULL;
			}
		}
	}
	return NULL;
}

/* The pids under proc_fd; *unreadable grows when the listing was cut short. */
static int list_pids(int proc_fd, int **pids, size_t *n, size_t *unreadable)
{
	int fd = openat(proc_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	size_t cap = 0;
	*pids = NULL;
	*n = 0;
	if (!d) {
		if (fd >= 0)
			close(fd);
		(*unreadable)++;
		return 0;
	}
	for (;;) {
		errno = 0;
		struct dirent *e = readdir(d);
		if (!e) {
			if (errno)
				(*unreadable)++;
			break;
		}
		uint32_t pid;
		if (pl_parse_uint(e->d_name, strlen(e->d_name), INT_MAX, &pid))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			int *p = realloc(*pids, cap * sizeof *p);
			if (!p) {
				closedir(d);
				return PL_ENOMEM;
			}
			*pids = p;
		}
		(*pids)[(*n)++] = (int)pid;
	}
	closedir(d);
	return 0;
}

int pl_owners_proc_walk(int proc_fd, const pl_owner_want *w, size_t n, unsigned threads, pl_owner_hits *hits,
	size_t *unreadable, unsigned *used)
{
	shared s = {.proc_fd = proc_fd, .w = w, .nw = n};
	int *pids = NULL;
	int rc = list_pids(proc_fd, &pids, &s.npids, unreadable);
	*used = 0;
	if (rc)
		return rc;
	s.pids = pids;
	/* sockfs's device, from a socket of our own: every socket inode lives there. */
	int probe = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (probe < 0) /* a sandbox allowing netlink only (serve's reader): any socket will do */
		probe = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);
	struct statx st;
	if (probe >= 0 && statx(probe, "", AT_EMPTY_PATH, STATX_TYPE, &st) == 0) {
		s.have_sockdev = true;
		s.sock_major = st.stx_dev_major;
		s.sock_minor = st.stx_dev_minor;
	}
	if (probe >= 0)
		close(probe);

	if (threads == 0) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		threads = c > 0 ? (unsigned)c : 1;
	}
	/* A thread per core, but not more than there are chunks of work to share. */
	size_t most = s.npids / (8 * CHUNK) + 1;
	if (threads > most)
		threads = (unsigned)most;
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	worker wk[MAX_THREADS];
	memset(wk, 0, sizeof wk);
	for (unsigned i = 0; i < threads; i++) {
		wk[i].s = &s;
		wk[i].dents = malloc(DENTS_SIZE);
		if (!wk[i].dents)
			rc = PL_ENOMEM;
	}
	/* The calling thread is worker 0; a thread that cannot be started leaves its share to the others. */
	for (unsigned i = 1; i < threads && !rc; i++)
		wk[i].started = pthread_create(&wk[i].th, NULL, work, &wk[i]) == 0;
	if (!rc)
		work(&wk[0]);
	*used = rc ? 0 : 1;
	for (unsigned i = 1; i < threads; i++)
		if (wk[i].started) {
			pthread_join(wk[i].th, NULL);
			(*used)++;
		}
	for (unsigned i = 0; i < threads; i++) {
		if (!rc)
			rc = wk[i].rc;
		*unreadable += wk[i].unreadable;
		for (size_t k = 0; k < wk[i].hits.n && !rc; k++)
			rc = pl_owner_hits_add(hits, wk[i].hits.v[k].sock, wk[i].hits.v[k].pid, wk[i].hits.v[k].fd);
		free(wk[i].hits.v);
		free(wk[i].dents);
	}
	free(pids);
	return rc;
}

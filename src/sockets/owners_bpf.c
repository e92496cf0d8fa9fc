/* Owners from the kernel: the task_file iterator (bpf/owners.bpf.c, loaded by bpf_load.c) reports each
 * socket descriptor of every task that has its own descriptor table, threads that unshared theirs
 * included, and marks each process it visited. Its pids are the host's: owners.c uses it only in the
 * host's pid namespace. A process /proc lists but the iterator did not visit (this VM's pid 1 is hidden
 * from task iterators) is counted as unreadable, as the /proc walk counts a process it may not read. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpf_load.h"
#include "owners.h"
#include "portlore/error.h"
#include "util/util.h"

typedef struct run {
	const pl_owner_want *w;
	size_t nw;
	pl_owner_hits *hits;
	int *visited;
	size_t nvisited, capvisited;
	uint64_t t0; /* clock ticks since boot when the iterator started */
} run;

static uint64_t boot_ticks(void)
{
	struct timespec ts;
	long hz = sysconf(_SC_CLK_TCK);
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * (uint64_t)(hz > 0 ? hz : 100) + (uint64_t)ts.tv_nsec / (1000000000u / (hz > 0 ? hz : 100));
}

/* A process started after the iterator did (field 22 of stat, in ticks since boot) was not hidden from it,
 * only too young: not counted. */
static bool born_after(int proc_fd, int pid, uint64_t t0)
{
	char path[24], buf[1024];
	snprintf(path, sizeof path, "%d/stat", pid);
	int fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return false;
	uint64_t v = 0;
	for (p++; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	return v >= t0;
}

static int on_rec(void *arg, const pl_bpf_rec *r)
{
	run *x = arg;
	if (r->pid > INT_MAX)
		return 0;
	if (r->fd == PL_BPF_MARK) {
		if (x->nvisited == x->capvisited) {
			size_t cap = x->capvisited ? 2 * x->capvisited : 256;
			int *v = realloc(x->visited, cap * sizeof *v);
			if (!v)
				return -1;
			x->visited = v;
			x->capvisited = cap;
		}
		x->visited[x->nvisited++] = (int)r->pid;
		return 0;
	}
	return pl_owner_match(x->hits, x->w, x->nw, r->inode, (int)r->pid, (int)r->fd) ? -1 : 0;
}

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return x < y ? -1 : x > y;
}

/* Does this process have descriptors (or hide them)? A kernel thread or a zombie has an empty fd folder. */
static bool has_fds(int proc_fd, int pid, size_t *unreadable)
{
	char path[24];
	snprintf(path, sizeof path, "%d/fd", pid);
	int fd = openat(proc_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT && errno != ESRCH)
			(*unreadable)++;
		return false;
	}
	char buf[512];
	bool any = false;
	long n = getdents64(fd, buf, sizeof buf);
	for (long off = 0; n > 0 && off < n && !any;) {
		const struct dirent64 *d = (const struct dirent64 *)(buf + off);
		off += d->d_reclen;
		any = d->d_name[0] >= '0' && d->d_name[0] <= '9';
	}
	if (n < 0 && errno != ENOENT && errno != ESRCH)
		(*unreadable)++;
	close(fd);
	return any;
}

static void count_unseen(int proc_fd, run *x, size_t *unreadable)
{
	qsort(x->visited, x->nvisited, sizeof *x->visited, int_cmp);
	int fd = openat(proc_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		(*unreadable)++;
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		uint32_t pid;
		if (pl_parse_uint(e->d_name, strlen(e->d_name), INT_MAX, &pid))
			continue;
		int p = (int)pid;
		if (bsearch(&p, x->visited, x->nvisited, sizeof *x->visited, int_cmp))
			continue;
		if (has_fds(proc_fd, p, unreadable) && !born_after(proc_fd, p, x->t0))
			(*unreadable)++;
	}
	closedir(d);
}

int pl_owners_bpf(int proc_fd, const pl_owner_want *w, size_t n, pl_owner_hits *hits, size_t *unreadable,
	char *why, size_t whysize)
{
	run x = {.w = w, .nw = n, .hits = hits};
	/* A query about some ports wants a few inodes: the kernel filters them. About every socket (ls --all
	 * under load: tens of thousands), filling the map would cost more than sorting them out here. */
	uint64_t *inodes = NULL;
	size_t ninodes = 0;
	if (n <= 4096) {
		inodes = calloc(n ? n : 1, sizeof *inodes);
		if (!inodes)
			return PL_ENOMEM;
		for (size_t i = 0; i < n; i++)
			if (i == 0 || w[i].inode != w[i - 1].inode)
				inodes[ninodes++] = w[i].inode;
	}
	size_t mark = hits->n;
	x.t0 = boot_ticks();
	int rc = pl_bpf_owners_run(inodes, ninodes, on_rec, &x, why, whysize);
	free(inodes);
	if (rc) {
		hits->n = mark; /* never half an answer */
		free(x.visited);
		return rc == -2 && strcmp(why, "out of memory") == 0 ? PL_ENOMEM : PL_EIO;
	}
	/* Only a socket left without an owner makes the unseen processes matter. */
	uint32_t top = 0;
	for (size_t i = 0; i < n; i++)
		top = w[i].sock > top ? w[i].sock : top;
	bool *held = calloc((size_t)top + 1, sizeof *held), orphan = false;
	if (!held) {
		free(x.visited);
		return PL_ENOMEM;
	}
	for (size_t k = mark; k < hits->n; k++)
		if (hits->v[k].sock <= top)
			held[hits->v[k].sock] = true;
	for (size_t i = 0; i < n && !orphan; i++)
		orphan = !held[w[i].sock];
	free(held);
	if (orphan)
		count_unseen(proc_fd, &x, unreadable);
	free(x.visited);
	return 0;
}

/* The owner iterator's walk split over cores: one iterator per process (the task iterator's pid
 * parameter, Linux >= 6.1), taken in turn by a few threads from /proc's listing, their records handed to
 * the caller afterwards in /proc's order. One iterator over every task keeps one core busy for its whole
 * walk (~20 ms under bench/sockets.sh's load: the kernel's fget per descriptor and a cache miss per
 * socket inode); two threads take ~13 ms, each iterator costing a few microseconds to set up.
 * A process that ends before its turn is simply not there (as it would not be in a later walk); one that
 * starts after the listing is not seen, as a /proc walk would not see it. */
#include <dirent.h>
#include <errno.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bpf_load.h"

#define WALKERS_MAX 8u
#define READ_CHUNK (16u << 10)

typedef struct slice {
	uint32_t walker, len; /* len records of walker's buffer, from off */
	size_t off;
} slice;

typedef struct walk_ctx walk_ctx;

typedef struct walker {
	walk_ctx *ctx;
	unsigned char *buf;
	size_t len, cap;
	int err; /* an errno that stops the walk: EINVAL (no pid parameter), ENOMEM, ... */
	pthread_t th;
	bool started;
} walker;

struct walk_ctx {
	int prog;
	const int *pids;
	size_t npids;
	_Atomic size_t next;
	_Atomic bool stop;
	slice *slices;
	walker w[WALKERS_MAX];
};

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof *attr);
}

/* The records of one process into k's buffer. 0, ESRCH (gone), or an errno that stops the walk. */
static int walk_one(walker *k, int pid, uint32_t index)
{
	walk_ctx *c = k->ctx;
	union bpf_iter_link_info li;
	memset(&li, 0, sizeof li);
	li.task.pid = (uint32_t)pid;
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.link_create.prog_fd = (uint32_t)c->prog;
	a.link_create.attach_type = BPF_TRACE_ITER;
	a.link_create.iter_info = (uintptr_t)&li;
	a.link_create.iter_info_len = sizeof li;
	int link = (int)sys_bpf(BPF_LINK_CREATE, &a);
	if (link < 0)
		return errno == ESRCH || errno == ENOENT ? ESRCH : errno;
	memset(&a, 0, sizeof a);
	a.iter_create.link_fd = (uint32_t)link;
	int it = (int)sys_bpf(BPF_ITER_CREATE, &a);
	int e = it < 0 ? errno : 0;
	size_t start = k->len;
	while (!e) {
		if (k->cap - k->len < READ_CHUNK) {
			size_t cap = k->cap ? k->cap * 2 : 4 * READ_CHUNK;
			unsigned char *b = realloc(k->buf, cap);
			if (!b) {
				e = ENOMEM;
				break;
			}
			k->buf = b;
			k->cap = cap;
		}
		ssize_t r = read(it, k->buf + k->len, READ_CHUNK);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			e = errno;
		else if (r == 0)
			break;
		else
			k->len += (size_t)r;
	}
	if (it >= 0)
		close(it);
	close(link);
	if (!e && (k->len - start) % sizeof(pl_bpf_rec))
		e = EPROTO; /* the iterator ended inside a record */
	/* every record is the process's own: a kernel that ignored the pid walked every task */
	for (size_t o = start; !e && o < k->len; o += sizeof(pl_bpf_rec)) {
		pl_bpf_rec r;
		memcpy(&r, k->buf + o, sizeof r);
		if ((int)r.pid != pid)
			e = EOPNOTSUPP;
	}
	if (e) {
		k->len = start;
		return e;
	}
	c->slices[index] = (slice){(uint32_t)(k - c->w), (uint32_t)((k->len - start) / sizeof(pl_bpf_rec)), start};
	return 0;
}

static void *walker_main(void *arg)
{
	walker *k = arg;
	walk_ctx *c = k->ctx;
	while (!c->stop) {
		size_t i = atomic_fetch_add(&c->next, 1);
		if (i >= c->npids)
			break;
		int e = walk_one(k, c->pids[i], (uint32_t)i);
		/* a process gone or refused is left out, as the whole walk would leave it (its socket's owner
		 * then counts as unseen); what says the kernel cannot do this, or memory, stops the walk */
		if (e == EINVAL || e == E2BIG || e == EOPNOTSUPP || e == ENOMEM || e == EPROTO) {
			k->err = e;
			c->stop = true;
		}
	}
	return NULL;
}

/* The pids /proc lists (the iterator runs only with /proc as the root: owners.c's precheck). */
static int *list_pids(size_t *n)
{
	DIR *d = opendir("/proc");
	if (!d)
		return NULL;
	size_t cap = 512;
	int *v = malloc(cap * sizeof *v);
	*n = 0;
	struct dirent *e;
	while (v && (e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || e->d_name[0] == '0')
			continue;
		if (*n == cap) {
			int *b = realloc(v, (cap *= 2) * sizeof *v);
			if (!b) {
				free(v);
				v = NULL;
				break;
			}
			v = b;
		}
		v[(*n)++] = (int)pid;
	}
	closedir(d);
	return v;
}

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return x < y ? -1 : x > y;
}

int pl_bpf_walk_per_process(int prog, unsigned threads, unsigned *used, pl_bpf_rec_fn fn, void *arg, char *why,
			    size_t whysize)
{
	walk_ctx c = {.prog = prog};
	size_t n = 0;
	int *pids = list_pids(&n);
	if (!pids) {
		snprintf(why, whysize, "cannot list /proc: %s", strerror(errno));
		return -1;
	}
	qsort(pids, n, sizeof *pids, int_cmp);
	c.pids = pids;
	c.npids = n;
	c.slices = calloc(n ? n : 1, sizeof *c.slices);
	if (!c.slices) {
		free(pids);
		snprintf(why, whysize, "out of memory");
		return -2;
	}
	threads = threads < 1 ? 1 : threads > WALKERS_MAX ? WALKERS_MAX : threads;
	for (unsigned t = 0; t < threads; t++)
		c.w[t].ctx = &c;
	for (unsigned t = 1; t < threads; t++)
		c.w[t].started = pthread_create(&c.w[t].th, NULL, walker_main, &c.w[t]) == 0;
	walker_main(&c.w[0]);
	int err = 0;
	*used = 1;
	for (unsigned t = 0; t < threads; t++) {
		if (c.w[t].started) {
			pthread_join(c.w[t].th, NULL);
			++*used;
		}
		err = err ? err : c.w[t].err;
	}
	int rc = 0;
	if (err == EINVAL || err == E2BIG || err == EOPNOTSUPP) {
		/* a kernel before 6.1 has no pid parameter for task iterators (E2BIG: a shorter union) or
		 * ignores it: the caller walks every task at once */
		snprintf(why, whysize, "the kernel cannot iterate one process at a time (%s)", strerror(err));
		rc = -1;
	} else if (err) {
		snprintf(why, whysize, "%s", err == ENOMEM ? "out of memory" : strerror(err));
		rc = -2;
	}
	/* in /proc's order, as one walk over every task would have reported them */
	for (size_t i = 0; i < n && rc == 0; i++) {
		const slice *s = &c.slices[i];
		const unsigned char *b = c.w[s->walker].buf + s->off;
		for (uint32_t r = 0; r < s->len && rc == 0; r++) {
			pl_bpf_rec rec;
			memcpy(&rec, b + (size_t)r * sizeof rec, sizeof rec);
			if (fn(arg, &rec)) {
				snprintf(why, whysize, "out of memory");
				rc = -2;
			}
		}
	}
	for (unsigned t = 0; t < threads; t++)
		free(c.w[t].buf);
	free(c.slices);
	free(pids);
	return rc;
}

/* The two owner methods (owners_bpf.c, owners_proc.c) and what they share with owners.c, which chooses
 * one, never merges them, and turns their hits into the set's owner lists. Internal to sockets/. */
#ifndef PL_SOCKETS_OWNERS_H
#define PL_SOCKETS_OWNERS_H

#include <stddef.h>
#include <stdint.h>

/* A socket of the set we look for, sorted by inode (several sockets of a set may share one). */
typedef struct pl_owner_want {
	uint64_t inode;
	uint32_t sock;
} pl_owner_want;

typedef struct pl_owner_hit {
	uint32_t sock;
	int pid;
	int fd; /* the descriptor number the process holds it by, -1 when unknown */
} pl_owner_hit;

typedef struct pl_owner_hits {
	pl_owner_hit *v;
	size_t n, cap;
	/* when set, called with each hit's pid that differs from the previous hit's (owners.c reads the
	 * process's details meanwhile); 0 or PL_ENOMEM */
	int (*on_pid)(void *ctx, int pid);
	void *on_pid_ctx;
} pl_owner_hits;

int pl_owner_hits_add(pl_owner_hits *h, uint32_t sock, int pid, int fd); /* 0 or PL_ENOMEM */
/* The first want with this inode, or n. */
size_t pl_owner_want_find(const pl_owner_want *w, size_t n, uint64_t ino);
/* Adds a hit for every want with this inode. */
int pl_owner_match(pl_owner_hits *h, const pl_owner_want *w, size_t n, uint64_t ino, int pid, int fd);

/* The /proc walk: every PID/fd folder under proc_fd, on up to `threads` threads (0: as many as cores).
 * *unreadable counts processes whose descriptors could not all be read; *used the threads that ran.
 * 0 or PL_ENOMEM. */
int pl_owners_proc_walk(int proc_fd, const pl_owner_want *w, size_t n, unsigned threads, pl_owner_hits *hits,
	size_t *unreadable, unsigned *used);

/* The kernel's task_file iterator. 0 done; PL_EIO refused (why says why, hits untouched); PL_ENOMEM.
 * *unreadable counts processes /proc lists that the iterator did not show, looked for only when some
 * wanted socket has no owner (so that such sockets are called hidden, as the /proc walk would). */
int pl_owners_bpf(int proc_fd, const pl_owner_want *w, size_t n, pl_owner_hits *hits, size_t *unreadable,
	char *why, size_t whysize);

/* ---- the owners' details (owners_fill.c) ---- */
struct pl_proc_ctx;
struct pl_arena;
struct pl_process;
typedef struct pl_owner_prefill pl_owner_prefill;
/* A queue of pids whose details a thread reads as they come (NULL: out of memory). */
pl_owner_prefill *pl_owner_prefill_new(int proc_fd, uint64_t self_netns);
/* pl_owner_hits' on_pid: queues pid (the thread starts with the first). 0. */
int pl_owner_prefill_push(void *prefill, int pid);
/* The search is over: the caller reads what is still queued, with the thread, then joins it. 0 or
 * PL_ENOMEM. */
int pl_owner_prefill_finish(pl_owner_prefill *pf, struct pl_proc_ctx *ctx, struct pl_arena *arena);
void pl_owner_prefill_free(pl_owner_prefill *pf);
/* out[i] for pids[i] (n of them): copied from pf (may be NULL) when it read them, else read now on as
 * many threads as cores; strings in arena. 0 or PL_ENOMEM. */
int pl_owner_details(struct pl_proc_ctx *ctx, struct pl_arena *arena, const pl_owner_prefill *pf,
		     const int *pids, size_t n, struct pl_process *out);

#endif

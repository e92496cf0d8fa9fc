/* The details of the processes that hold wanted sockets (pl_proc_fill: a few /proc files each), read on
 * several threads: `ls` under load has a few hundred owners, ~40 us each. Two ways in: all at once
 * after the search (pl_owner_details, on as many threads as cores), or as the search reports them
 * (pl_owner_prefill, fed by pl_owner_hits' on_pid hook; pl_owner_details then copies what it read).
 * Each thread has its own context and arena; the strings end in the caller's arena. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "owners.h"

/* One thread's share of the reading, with its own context and arena. */
typedef struct filler {
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

static int fill_parallel(pl_proc_ctx *ctx, pl_arena *arena, const int *pids, size_t n, pl_process *out)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nth = cores > 1 ? (size_t)cores : 1;
	if (nth > n / 16 + 1)
		nth = n / 16 + 1;
	if (nth > 16)
		nth = 16;
	if (nth == 1) {
		for (size_t i = 0; i < n; i++) {
			int rc = pl_proc_fill(ctx, pids[i], arena, &out[i]);
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
		f[t] = (filler){.pids = pids + at, .out = out + at, .n = take, .arena = pl_arena_new()};
		pl_proc_ctx_init(&f[t].ctx, ctx->proc_fd, ctx->self_netns);
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
			p->cmdline = keep(arena, p->cmdline, &rc);
			p->exe = keep(arena, p->exe, &rc);
			p->cgroup = keep(arena, p->cgroup, &rc);
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

struct pl_owner_prefill {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int pids[PREFILL_MAX];
	pl_process *out;  /* out[i] for pids[i], once taken and filled */
	size_t n, next;   /* queued; the next to take */
	bool closed, started, failed;
	pthread_t th;
	pl_arena *arena;  /* the thread's strings (the caller's go to its own arena) */
	pl_proc_ctx ctx;
	uint32_t order[PREFILL_MAX]; /* indexes of pids, by pid: pl_owner_prefill_finish sorts them */
};
typedef pl_owner_prefill prefill;

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
int pl_owner_prefill_push(void *arg, int pid)
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

pl_owner_prefill *pl_owner_prefill_new(int proc_fd, uint64_t self_netns)
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
	pl_proc_ctx_init(&pf->ctx, proc_fd, self_netns);
	return pf;
}

/* The walk is over: the caller fills what is still queued, alongside the thread, then joins it. */
int pl_owner_prefill_finish(pl_owner_prefill *pf, pl_proc_ctx *ctx, pl_arena *arena)
{
	pthread_mutex_lock(&pf->mu);
	pf->closed = true;
	pthread_cond_broadcast(&pf->cv);
	pthread_mutex_unlock(&pf->mu);
	int rc = prefill_work(pf, ctx, arena, false);
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

void pl_owner_prefill_free(pl_owner_prefill *pf)
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


int pl_owner_details(pl_proc_ctx *ctx, pl_arena *arena, const pl_owner_prefill *pf, const int *pids, size_t n,
		     pl_process *out)
{
	/* those read already are copied (their strings into arena); the others are read now, in parallel */
	int *miss_pids = malloc((n ? n : 1) * sizeof *miss_pids);
	if (!miss_pids)
		return PL_ENOMEM;
	size_t nmiss = 0;
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		const pl_process *p = prefilled(pf, pids[i]);
		if (p) {
			out[i] = *p;
			out[i].cmdline = keep(arena, p->cmdline, &rc);
			out[i].exe = keep(arena, p->exe, &rc);
			out[i].cgroup = keep(arena, p->cgroup, &rc);
		} else {
			miss_pids[nmiss++] = pids[i];
			out[i].pid = -1;
		}
	}
	pl_process *miss = nmiss ? calloc(nmiss, sizeof *miss) : NULL;
	if (!rc && nmiss && !miss)
		rc = PL_ENOMEM;
	rc = rc ? rc : fill_parallel(ctx, arena, miss_pids, nmiss, miss);
	for (size_t i = 0, m = 0; !rc && i < n && m < nmiss; i++)
		if (out[i].pid == -1)
			out[i] = miss[m++];
	free(miss);
	free(miss_pids);
	return rc;
}

/* The owner iterator loaded two ways in one process, alternating: portlore's own loader
 * (src/sockets/bpf_load.c) and the system's libbpf (dlopen'ed, declared here: Debian 12 ships libbpf1
 * without libbpf-dev being needed at build time), both on the same embedded object, each run loading,
 * attaching, reading the iterator to the end for one wanted inode, closing. Also times libbpf's kernel BTF
 * parse alone (btf__load_vmlinux_btf). Prints medians in microseconds. Built by bench/bpf_loaders.sh. */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sockets/bpf_load.h"

struct bpf_object;
struct bpf_program;
struct bpf_map;
struct bpf_link;
struct btf;

static struct btf *(*load_vmlinux_btf)(void);
static void (*btf_free)(struct btf *);
static struct bpf_object *(*open_mem)(const void *, size_t, const void *);
static int (*obj_load)(struct bpf_object *);
static void (*obj_close)(struct bpf_object *);
static struct bpf_program *(*find_prog)(const struct bpf_object *, const char *);
static int (*set_autoload)(struct bpf_program *, bool);
static struct bpf_map *(*find_map)(const struct bpf_object *, const char *);
static int (*set_max_entries)(struct bpf_map *, uint32_t);
static int (*map_fd)(const struct bpf_map *);
static int (*map_update)(int, const void *, const void *, uint64_t);
static struct bpf_link *(*attach_iter)(const struct bpf_program *, const void *);
static int (*link_fd)(const struct bpf_link *);
static int (*link_destroy)(struct bpf_link *);
static int (*iter_create)(int);
static int (*print_fn)(void *);

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int count(void *arg, const pl_bpf_rec *r)
{
	(void)r;
	++*(size_t *)arg;
	return 0;
}

static size_t with_libbpf(uint64_t inode)
{
	struct bpf_object *o = open_mem(pl_owners_bpf_obj, pl_owners_bpf_obj_len, NULL);
	if (!o)
		return 0;
	set_autoload(find_prog(o, "owners_all"), false);
	set_max_entries(find_map(o, "wanted"), 1);
	size_t n = 0;
	if (obj_load(o) == 0) {
		uint8_t one = 1;
		map_update(map_fd(find_map(o, "wanted")), &inode, &one, 0);
		struct bpf_link *l = attach_iter(find_prog(o, "owners_wanted"), NULL);
		int it = l ? iter_create(link_fd(l)) : -1;
		char buf[65536];
		ssize_t r;
		while (it >= 0 && (r = read(it, buf, sizeof buf)) > 0)
			n += (size_t)r / sizeof(pl_bpf_rec);
		if (it >= 0)
			close(it);
		if (l)
			link_destroy(l);
	}
	obj_close(o);
	return n;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 20;
	if (runs < 1 || runs > 1000)
		runs = 20;
	void *h = dlopen("libbpf.so.1", RTLD_NOW);
	if (!h) {
		fprintf(stderr, "libbpf.so.1 not found (Debian: libbpf1)\n");
		return 3;
	}
#define SYM(v, name) if (!(*(void **)&v = dlsym(h, name))) { fprintf(stderr, "no %s\n", name); return 3; }
	SYM(load_vmlinux_btf, "btf__load_vmlinux_btf") SYM(btf_free, "btf__free") SYM(open_mem, "bpf_object__open_mem")
	SYM(obj_load, "bpf_object__load") SYM(obj_close, "bpf_object__close")
	SYM(find_prog, "bpf_object__find_program_by_name") SYM(set_autoload, "bpf_program__set_autoload")
	SYM(find_map, "bpf_object__find_map_by_name") SYM(set_max_entries, "bpf_map__set_max_entries")
	SYM(map_fd, "bpf_map__fd") SYM(map_update, "bpf_map_update_elem") SYM(attach_iter, "bpf_program__attach_iter")
	SYM(link_fd, "bpf_link__fd") SYM(link_destroy, "bpf_link__destroy") SYM(iter_create, "bpf_iter_create")
	SYM(print_fn, "libbpf_set_print")
	print_fn(NULL); /* quiet */

	/* Some socket inode that exists: our own. */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct stat st;
	if (s < 0 || fstat(s, &st) != 0)
		return 3;
	uint64_t inode = (uint64_t)st.st_ino;
	double *ours = calloc((size_t)runs, sizeof *ours), *theirs = calloc((size_t)runs, sizeof *theirs),
	       *btf = calloc((size_t)runs, sizeof *btf), *kbtf = calloc((size_t)runs, sizeof *kbtf);
	size_t n_ours = 0, n_theirs = 0;
	for (int i = 0; i < runs; i++) {
		char why[256];
		double t0 = now_us();
		size_t n = 0;
		if (pl_bpf_owners_run(&inode, 1, count, &n, why, sizeof why)) {
			fprintf(stderr, "own loader: %s\n", why);
			return 3;
		}
		ours[i] = now_us() - t0;
		n_ours = n;
		t0 = now_us();
		n_theirs = with_libbpf(inode);
		theirs[i] = now_us() - t0;
		t0 = now_us();
		struct btf *b = load_vmlinux_btf();
		btf[i] = now_us() - t0;
		btf_free(b);
		pl_btf k;
		t0 = now_us();
		if (pl_kbtf_open(&k, why, sizeof why) == 0)
			pl_kbtf_close(&k);
		kbtf[i] = now_us() - t0;
	}
	qsort(ours, (size_t)runs, sizeof *ours, dcmp);
	qsort(theirs, (size_t)runs, sizeof *theirs, dcmp);
	qsort(btf, (size_t)runs, sizeof *btf, dcmp);
	qsort(kbtf, (size_t)runs, sizeof *kbtf, dcmp);
	printf("own loader (load, attach, read to the end)   median %8.0f us  (%zu records)\n", ours[runs / 2], n_ours);
	printf("libbpf %-38s median %8.0f us  (%zu records)\n", "(the same)", theirs[runs / 2], n_theirs);
	printf("libbpf btf__load_vmlinux_btf alone            median %8.0f us\n", btf[runs / 2]);
	printf("own kernel BTF index (pl_kbtf_open) alone    median %8.0f us\n", kbtf[runs / 2]);
	printf("ratio own / libbpf = %.2f over %d alternating runs\n", ours[runs / 2] / theirs[runs / 2], runs);
	return 0;
}

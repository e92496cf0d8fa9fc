/* Our own small BPF loader (bpf_core.c, bpf_load.c): just enough of ELF, BTF and the bpf(2) syscall to
 * load src/sockets/bpf/owners.bpf.c and read its iterator. Why not libbpf: see bpf_core.c and the issue 14
 * note (Debian 12's libbpf 1.1 spends ~28 ms indexing the kernel's whole BTF before every load). Every
 * failure fills `why` with a sentence for the user; the caller then walks /proc. Internal to sockets/. */
#ifndef PL_SOCKETS_BPF_LOAD_H
#define PL_SOCKETS_BPF_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpf_insn;
struct btf_type;

/* A BTF blob: the kernel's (mapped or read) or the program's (inside the object). */
typedef struct pl_btf {
	const char *types, *strs;
	size_t types_len, strs_len;
	uint32_t *off; /* id -> offset of its record in types */
	uint32_t n;    /* ids 0..n-1 */
	void *map;
	size_t map_len;
	char *buf;
} pl_btf;

int pl_kbtf_open(pl_btf *k, char *why, size_t whysize);
void pl_kbtf_close(pl_btf *k);
int pl_btf_open_local(pl_btf *b, const void *data, size_t len, char *why, size_t whysize);
const struct btf_type *pl_btf_type(const pl_btf *b, uint32_t id);
/* The first type of this kind (BTF_KIND_*) and name, 0 when none. */
uint32_t pl_btf_find(const pl_btf *b, const char *name, int kind);
/* Patches the CO-RE field offsets of the instructions [first_byte, first_byte + 8 * ninsns) of section
 * secname, as recorded in the object's .BTF.ext. */
int pl_core_relocate(struct bpf_insn *insns, size_t ninsns, size_t first_byte, const pl_btf *local,
	const void *ext, size_t extlen, const char *secname, const pl_btf *k, char *why, size_t whysize);

/* One record of the iterator (owners.bpf.c's struct rec). fd PL_BPF_MARK: the process was visited. */
typedef struct pl_bpf_rec {
	uint32_t pid;
	uint32_t fd;
	uint64_t inode;
} pl_bpf_rec;
#define PL_BPF_MARK 0xffffffffu

/* Loads the owner iterator (filtered to inodes[0..n) when n > 0, every socket when n == 0), runs it and
 * calls fn for every record, in the kernel's order. 0 done; -1 refused or failed before any record (why
 * says why); -2 failed midway (why says why: the caller must discard what fn received). */
typedef int (*pl_bpf_rec_fn)(void *arg, const pl_bpf_rec *r);
/* Opens and indexes the kernel's BTF on a thread, for the next pl_bpf_owners_run to take; _drop joins that
 * thread and releases what it opened when no run took it. Both may be called any number of times. */
void pl_bpf_prefetch(void);
void pl_bpf_prefetch_drop(void);
int pl_bpf_owners_run(const uint64_t *inodes, size_t n, pl_bpf_rec_fn fn, void *arg, char *why, size_t whysize);

/* The loaded program run once per process of /proc's listing on up to `threads` threads (bpf_walk.c;
 * *used: those that ran); fn gets the records in pid order after the walk. 0; -1 when the kernel cannot
 * iterate one process (why says so, fn got nothing); -2 when fn failed or memory ran out. */
int pl_bpf_walk_per_process(int prog, unsigned threads, unsigned *used, pl_bpf_rec_fn fn, void *arg, char *why,
			    size_t whysize);

/* The threads the last pl_bpf_owners_run walked on: with more than one, one iterator per process; 0 before
 * any walk or after a failed one. */
unsigned pl_bpf_last_walkers(void);

/* The embedded object (generated from owners.bpf.c at build time; empty when built without BPF). */
extern const unsigned char pl_owners_bpf_obj[];
extern const size_t pl_owners_bpf_obj_len;

#endif

/* Loads owners.bpf.c's compiled object (embedded at build time) and runs its task_file iterator: parse
 * the ELF (ours, small: one program section, two maps, a licence, BTF), patch map references and CO-RE
 * offsets, create the maps, bpf(BPF_PROG_LOAD), attach as an iterator, read until read() returns 0.
 * The kernel UAPI headers (linux/bpf.h, linux/btf.h) are the only BPF headers needed. */
#include <elf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bpf_load.h"

#define PROG_SEC "iter/task_file"
#define READ_SIZE (64u << 10)
#define READ_SMALL 1024u
#define LOG_SIZE (64u << 10)

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof *attr);
}

typedef struct obj {
	const unsigned char *data;
	size_t len;
	const Elf64_Shdr *sh;
	size_t nsh;
	const char *shstr;
	size_t shstr_len;
} obj;

static const void *sec_data(const obj *o, size_t i, size_t *len)
{
	const Elf64_Shdr *s = &o->sh[i];
	if (s->sh_type == SHT_NOBITS || s->sh_offset > o->len || s->sh_size > o->len - s->sh_offset)
		return NULL;
	*len = s->sh_size;
	return o->data + s->sh_offset;
}

static const char *sec_name(const obj *o, size_t i)
{
	return o->sh[i].sh_name < o->shstr_len ? o->shstr + o->sh[i].sh_name : "";
}

static size_t sec_find(const obj *o, const char *name)
{
	for (size_t i = 1; i < o->nsh; i++)
		if (strcmp(sec_name(o, i), name) == 0)
			return i;
	return 0;
}

static int obj_open(obj *o, const unsigned char *data, size_t len)
{
	const Elf64_Ehdr *eh = (const void *)data;
	memset(o, 0, sizeof *o);
	o->data = data;
	o->len = len;
	if (len < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_BPF || eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    eh->e_shoff > len || (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > len - eh->e_shoff ||
	    eh->e_shstrndx >= eh->e_shnum)
		return -1;
	o->sh = (const void *)(data + eh->e_shoff);
	o->nsh = eh->e_shnum;
	const char *s = sec_data(o, eh->e_shstrndx, &o->shstr_len);
	if (!s || o->shstr_len == 0 || s[o->shstr_len - 1] != '\0')
		return -1;
	o->shstr = s;
	return 0;
}

static int map_create(unsigned type, unsigned key, unsigned value, unsigned max, const char *name)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_type = type;
	a.key_size = key;
	a.value_size = value;
	a.max_entries = max;
	snprintf(a.map_name, sizeof a.map_name, "%s", name);
	return (int)sys_bpf(BPF_MAP_CREATE, &a);
}

/* One batch call when the kernel has it (5.6), else one call per inode. */
static int map_fill(int fd, const uint64_t *inodes, size_t n)
{
	uint8_t *ones = malloc(n ? n : 1);
	if (!ones)
		return -1;
	memset(ones, 1, n);
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.batch.map_fd = (uint32_t)fd;
	a.batch.keys = (uintptr_t)inodes;
	a.batch.values = (uintptr_t)ones;
	a.batch.count = (uint32_t)n;
	int rc = 0;
	if (sys_bpf(BPF_MAP_UPDATE_BATCH, &a) < 0 || a.batch.count != n) {
		for (size_t i = 0; i < n && rc == 0; i++) {
			memset(&a, 0, sizeof a);
			a.map_fd = (uint32_t)fd;
			a.key = (uintptr_t)&inodes[i];
			a.value = (uintptr_t)ones;
			if (sys_bpf(BPF_MAP_UPDATE_ELEM, &a) < 0)
				rc = -1;
		}
	}
	free(ones);
	return rc;
}

static void refused(char *why, size_t whysize, const char *what, int e)
{
	const char *hint = e != EPERM && e != EACCES ? "" : geteuid() == 0 ?
		" (a seccomp filter, an LSM or a lockdown refuses bpf even to root here; before Linux 5.11, also "
		"RLIMIT_MEMLOCK)" :
		" (needs root, or CAP_BPF and CAP_PERFMON)";
	snprintf(why, whysize, "BPF %s refused: %s%s", what, strerror(e), hint);
}

/* The kernel's BTF, opened and indexed ahead: a query that will look for owners starts it on a thread of
 * its own (pl_bpf_prefetch) while it lists namespaces and reads sockets, and the loader takes it when it
 * gets there (~2 ms of the 20 that `portlore 2908` costs under load). Without that thread (none started,
 * or threads refused, as in serve's reader) the loader opens it itself. */
static struct {
	pthread_mutex_t lock;
	bool started;
	pthread_t th;
	pl_btf k;
	uint32_t attach_id;
	int rc;
	char why[256];
} pre = {.lock = PTHREAD_MUTEX_INITIALIZER};

static uint32_t attach_of(const pl_btf *k)
{
	return pl_btf_find(k, "bpf_iter_task_file", BTF_KIND_FUNC);
}

static void *prefetch_main(void *arg)
{
	(void)arg;
	pre.rc = pl_kbtf_open(&pre.k, pre.why, sizeof pre.why);
	if (pre.rc == 0)
		pre.attach_id = attach_of(&pre.k);
	return NULL;
}

void pl_bpf_prefetch(void)
{
	pthread_mutex_lock(&pre.lock);
	if (!pre.started && pl_owners_bpf_obj_len > 0)
		pre.started = pthread_create(&pre.th, NULL, prefetch_main, NULL) == 0;
	pthread_mutex_unlock(&pre.lock);
}

void pl_bpf_prefetch_drop(void)
{
	pthread_mutex_lock(&pre.lock);
	if (pre.started) {
		pthread_join(pre.th, NULL);
		if (pre.rc == 0)
			pl_kbtf_close(&pre.k);
		pre.started = false;
	}
	pthread_mutex_unlock(&pre.lock);
}

/* The prefetched BTF if a thread opened it, else opened now. The caller closes it. */
static int kbtf_take(pl_btf *k, uint32_t *attach_id, char *why, size_t whysize)
{
	pthread_mutex_lock(&pre.lock);
	bool had = pre.started;
	if (had) {
		pthread_join(pre.th, NULL);
		pre.started = false;
	}
	pthread_mutex_unlock(&pre.lock);
	if (had) {
		if (pre.rc) {
			snprintf(why, whysize, "%s", pre.why);
			return -1;
		}
		*k = pre.k;
		*attach_id = pre.attach_id;
		return 0;
	}
	if (pl_kbtf_open(k, why, whysize))
		return -1;
	*attach_id = attach_of(k);
	return 0;
}

/* The program's instructions, patched: map references and CO-RE offsets. */
static struct bpf_insn *prepare(const obj *o, const char *prog, int wanted_fd, int state_fd, size_t *ninsns,
	uint32_t *attach_id, char *license, size_t licsize, char *why, size_t whysize)
{
	size_t psec = sec_find(o, PROG_SEC), symsec = 0, relsec = 0, mapsec = sec_find(o, ".maps");
	size_t licsec = sec_find(o, "license"), btfsec = sec_find(o, ".BTF"), extsec = sec_find(o, ".BTF.ext");
	for (size_t i = 1; i < o->nsh; i++) {
		if (o->sh[i].sh_type == SHT_SYMTAB)
			symsec = i;
		if (o->sh[i].sh_type == SHT_REL && o->sh[i].sh_info == psec)
			relsec = i;
	}
	size_t plen = 0, symlen = 0, strlen_ = 0, btflen = 0, extlen = 0, liclen = 0;
	const unsigned char *pdata = psec ? sec_data(o, psec, &plen) : NULL;
	const Elf64_Sym *syms = symsec ? sec_data(o, symsec, &symlen) : NULL;
	const char *strs = syms && o->sh[symsec].sh_link < o->nsh ? sec_data(o, o->sh[symsec].sh_link, &strlen_) : NULL;
	const void *btf = btfsec ? sec_data(o, btfsec, &btflen) : NULL;
	const void *ext = extsec ? sec_data(o, extsec, &extlen) : NULL;
	const char *lic = licsec ? sec_data(o, licsec, &liclen) : NULL;
	if (!pdata || !syms || !strs || !strlen_ || strs[strlen_ - 1] || !btf || !ext || !mapsec || !lic ||
	    liclen == 0 || liclen >= licsize || lic[liclen - 1]) {
		snprintf(why, whysize, "BPF object: a section is missing");
		return NULL;
	}
	memcpy(license, lic, liclen);
	size_t nsyms = symlen / sizeof *syms, start = 0, size = 0;
	for (size_t i = 0; i < nsyms; i++)
		if (syms[i].st_name < strlen_ && strcmp(strs + syms[i].st_name, prog) == 0 &&
		    syms[i].st_shndx == psec && ELF64_ST_TYPE(syms[i].st_info) == STT_FUNC) {
			start = syms[i].st_value;
			size = syms[i].st_size;
		}
	if (!size || size % 8 || start > plen || size > plen - start) {
		snprintf(why, whysize, "BPF object: no program %s", prog);
		return NULL;
	}
	struct bpf_insn *insns = malloc(size);
	if (!insns) {
		snprintf(why, whysize, "out of memory");
		return NULL;
	}
	memcpy(insns, pdata + start, size);
	*ninsns = size / 8;

	/* Map references: ld_imm64 of a symbol in ".maps" becomes the map's fd. */
	size_t rellen = 0;
	const Elf64_Rel *rels = relsec ? sec_data(o, relsec, &rellen) : NULL;
	for (size_t i = 0; rels && i < rellen / sizeof *rels; i++) {
		uint64_t at = rels[i].r_offset;
		if (at < start || at >= start + size)
			continue;
		size_t si = ELF64_R_SYM(rels[i].r_info);
		struct bpf_insn *in = &insns[(at - start) / 8];
		const char *name = si < nsyms && syms[si].st_name < strlen_ ? strs + syms[si].st_name : "";
		int fd = strcmp(name, "wanted") == 0 ? wanted_fd : strcmp(name, "state") == 0 ? state_fd : -1;
		if (at % 8 || si >= nsyms || syms[si].st_shndx != mapsec || fd < 0 || in->code != (BPF_LD | BPF_IMM | BPF_DW) ||
		    (at - start) / 8 + 1 >= *ninsns) {
			snprintf(why, whysize, "BPF object: relocation to '%s' not supported", name);
			goto bad;
		}
		in->src_reg = BPF_PSEUDO_MAP_FD;
		in->imm = fd;
	}

	pl_btf local, k;
	if (pl_btf_open_local(&local, btf, btflen, why, whysize))
		goto bad;
	if (kbtf_take(&k, attach_id, why, whysize)) {
		free(local.off);
		goto bad;
	}
	int rc = pl_core_relocate(insns, *ninsns, start, &local, ext, extlen, PROG_SEC, &k, why, whysize);
	free(local.off);
	pl_kbtf_close(&k);
	if (rc)
		goto bad;
	if (!*attach_id) {
		snprintf(why, whysize, "the kernel has no task_file iterator (needs Linux 5.8 with BTF)");
		goto bad;
	}
	return insns;
bad:
	free(insns);
	return NULL;
}

static int prog_load(const struct bpf_insn *insns, size_t n, uint32_t attach_id, const char *license,
	char *why, size_t whysize)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = BPF_PROG_TYPE_TRACING;
	a.expected_attach_type = BPF_TRACE_ITER;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = (uint32_t)n;
	a.license = (uintptr_t)license;
	a.attach_btf_id = attach_id;
	snprintf(a.prog_name, sizeof a.prog_name, "pl_owners");
	int fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0 || errno != EINVAL)
		return fd < 0 ? (refused(why, whysize, "program load", errno), -1) : fd;
	/* The verifier said no: load again with its log, for a reason worth reading. */
	char *log = calloc(1, LOG_SIZE);
	if (log) {
		a.log_buf = (uintptr_t)log;
		a.log_size = LOG_SIZE;
		a.log_level = 1;
		fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
	}
	if (fd < 0) {
		size_t len = log ? strlen(log) : 0;
		while (len && log[len - 1] == '\n')
			log[--len] = '\0';
		const char *last = log && len ? strrchr(log, '\n') : NULL;
		snprintf(why, whysize, "the BPF verifier refused the owner program: %s",
			 last ? last + 1 : log && len ? log : strerror(EINVAL));
	}
	free(log);
	return fd;
}

static _Atomic unsigned last_walkers;

unsigned pl_bpf_last_walkers(void)
{
	return last_walkers;
}

int pl_bpf_owners_run(const uint64_t *inodes, size_t n, pl_bpf_rec_fn fn, void *arg, char *why, size_t whysize)
{
	int wanted = -1, state = -1, prog = -1, link = -1, it = -1, rc = -1;
	struct bpf_insn *insns = NULL;
	unsigned char *buf = NULL;
	obj o;
	if (pl_owners_bpf_obj_len == 0) {
		snprintf(why, whysize, "built without BPF (clang could not compile for the bpf target, or -Dbpf=disabled)");
		return -1;
	}
	if (obj_open(&o, pl_owners_bpf_obj, pl_owners_bpf_obj_len)) {
		snprintf(why, whysize, "BPF object: not a BPF ELF file");
		return -1;
	}
	/* per CPU: iterators running at once on several CPUs (bpf_walk.c) each keep their own state */
	state = map_create(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 16, 1, "pl_state");
	if (state < 0) {
		refused(why, whysize, "map creation", errno);
		goto out;
	}
	if (n) {
		wanted = map_create(BPF_MAP_TYPE_HASH, 8, 1, n > UINT32_MAX ? UINT32_MAX : (unsigned)n, "pl_wanted");
		if (wanted < 0 || map_fill(wanted, inodes, n)) {
			refused(why, whysize, "map creation", errno);
			goto out;
		}
	}
	size_t ninsns = 0;
	uint32_t attach_id = 0;
	char license[64];
	insns = prepare(&o, n ? "owners_wanted" : "owners_all", wanted, state, &ninsns, &attach_id, license,
		sizeof license, why, whysize);
	if (!insns)
		goto out;
	prog = prog_load(insns, ninsns, attach_id, license, why, whysize);
	if (prog < 0)
		goto out;
	/* On several cores, one iterator per process, several at a time (bpf_walk.c); else, or on a kernel
	 * without the pid parameter, one iterator over every task. */
	cpu_set_t cpus;
	unsigned ncpu = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? (unsigned)CPU_COUNT(&cpus) : 1;
	if (ncpu > 1) {
		unsigned used = 0;
		rc = pl_bpf_walk_per_process(prog, ncpu, &used, fn, arg, why, whysize);
		if (rc != -1) {
			last_walkers = rc == 0 ? used : 0;
			goto out;
		}
		why[0] = '\0';
	}
	last_walkers = 1;
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.link_create.prog_fd = (uint32_t)prog;
	a.link_create.attach_type = BPF_TRACE_ITER;
	link = (int)sys_bpf(BPF_LINK_CREATE, &a);
	if (link < 0) {
		refused(why, whysize, "iterator link", errno);
		goto out;
	}
	memset(&a, 0, sizeof a);
	a.iter_create.link_fd = (uint32_t)link;
	it = (int)sys_bpf(BPF_ITER_CREATE, &a);
	if (it < 0) {
		refused(why, whysize, "iterator creation", errno);
		goto out;
	}
	/* One read() returns at most one seq_file buffer (a few pages): read until 0. EAGAIN means the kernel
	 * stopped after a million objects without output; reading again goes on from there. A record may be
	 * cut between two reads: the tail is carried to the front. */
	buf = malloc(READ_SIZE + sizeof(pl_bpf_rec));
	if (!buf) {
		snprintf(why, whysize, "out of memory");
		goto out;
	}
	/* A read returns once it has the bytes asked for, or at the end of the walk. Filtered, the output is
	 * small (a marker a process, and the hits): asked in 1 KiB reads, the records come as the walk goes,
	 * and the caller (owners.c) reads the owners' details meanwhile, where a 64 KiB read would hand
	 * everything over at the end. */
	size_t ask = n ? READ_SMALL : READ_SIZE;
	size_t carry = 0;
	bool any = false;
	for (;;) {
		ssize_t r = read(it, buf + carry, ask);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0) {
			snprintf(why, whysize, "reading the BPF iterator failed: %s", strerror(errno));
			rc = any ? -2 : -1;
			goto out;
		}
		if (r == 0)
			break;
		carry += (size_t)r;
		size_t k = 0;
		for (; carry - k >= sizeof(pl_bpf_rec); k += sizeof(pl_bpf_rec)) {
			pl_bpf_rec rec;
			memcpy(&rec, buf + k, sizeof rec);
			any = true;
			if (fn(arg, &rec)) {
				snprintf(why, whysize, "out of memory");
				rc = -2;
				goto out;
			}
		}
		memmove(buf, buf + k, carry - k);
		carry -= k;
	}
	if (carry) {
		snprintf(why, whysize, "the BPF iterator ended inside a record");
		rc = -2;
		goto out;
	}
	rc = 0;
out:
	free(buf);
	free(insns);
	if (it >= 0)
		close(it);
	if (link >= 0)
		close(link);
	if (prog >= 0)
		close(prog);
	if (wanted >= 0)
		close(wanted);
	if (state >= 0)
		close(state);
	return rc;
}

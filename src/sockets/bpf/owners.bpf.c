/* The in-kernel owner search (iter/task_file): for every task with its own descriptor table, every open
 * file; it writes one record per socket descriptor (pid, fd, inode) and, once per task, a marker record
 * (fd = ~0) so that user space knows which processes were visited. Compiled by clang -target bpf from this
 * file alone: the few kernel structures it reads are declared here with preserve_access_index, and the
 * loader (src/sockets/bpf_load.c) relocates their field offsets against the running kernel's BTF (CO-RE).
 * Two programs: owners_all (every socket, for a query about all ports) and owners_wanted (only inodes in
 * the "wanted" hash map, filled by the loader). */

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;

#define SEC(name) __attribute__((section(name), used))

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define SOCKFS_MAGIC 0x534F434B
#define BPF_MAP_TYPE_HASH 1
#define BPF_MAP_TYPE_PERCPU_ARRAY 6

struct super_block {
	unsigned long s_magic;
} __attribute__((preserve_access_index));

struct inode {
	unsigned short i_mode;
	struct super_block *i_sb;
	unsigned long i_ino;
} __attribute__((preserve_access_index));

struct file {
	const void *f_op;
	struct inode *f_inode;
} __attribute__((preserve_access_index));

struct task_struct {
	int tgid;
} __attribute__((preserve_access_index));

/* The iterator's context: a fixed layout (every pointer is 8 bytes, __bpf_md_ptr), read without
 * relocation. */
struct bpf_iter_meta {
	void *seq;
	__u64 session_id;
	__u64 seq_num;
};

struct bpf_iter__task_file {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
	__u32 fd;
	struct file *file;
};

/* BTF-defined maps, as libbpf declares them (so that the same object loads with libbpf too: the issue 14
 * note compares both loaders on it). Our loader creates the maps itself, sized for the query, and only
 * needs the symbols to patch the instructions that name them. */
#define __uint(name, val) int (*name)[val]
#define __type(name, val) __typeof__(val) *name
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u64);
	__type(value, __u8);
	__uint(max_entries, 1);
} wanted SEC(".maps");
/* The iteration's state, per CPU (iterators of several processes run at once, src/sockets/bpf_walk.c):
 * the last process marked, and socket_file_ops's address once a first socket has been recognised by its
 * inode (every socket file has those file operations, and only socket files). */
struct state {
	__u32 last;
	__u32 pad;
	__u64 sock_ops;
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct state);
	__uint(max_entries, 1);
} state SEC(".maps");

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_seq_write)(void *m, const void *data, __u32 len) = (void *)127;

/* Shared with user space (src/sockets/owners_bpf.c): 16 bytes, little-endian host order. */
struct rec {
	__u32 pid;
	__u32 fd;
	__u64 inode;
};

#define MARK_FD 0xffffffffu

static __attribute__((always_inline)) int one(struct bpf_iter__task_file *ctx, int filtered)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	void *seq = ctx->meta->seq;
	if (!task || !file)
		return 0;
	struct rec r = {.pid = (__u32)task->tgid};
	__u32 zero = 0;
	struct state *st = bpf_map_lookup_elem(&state, &zero);
	if (!st)
		return 0;
	/* Tasks come in pid order, threads with their own table right after their leader: one marker per
	 * process is enough (+1 so that pid 0 never matches the initial 0). */
	if (st->last != r.pid + 1) {
		st->last = r.pid + 1;
		r.fd = MARK_FD;
		bpf_seq_write(seq, &r, sizeof r);
	}
	/* Once the socket operations are known, a file that has others is not a socket, and the inode, a
	 * cache miss per file, is read only for sockets. */
	__u64 ops = (__u64)file->f_op;
	if (st->sock_ops && ops != st->sock_ops)
		return 0;
	struct inode *inode = file->f_inode;
	if (!inode)
		return 0;
	if (!st->sock_ops) {
		if ((inode->i_mode & S_IFMT) != S_IFSOCK)
			return 0;
		/* A socket file on disk opened with O_PATH is S_IFSOCK too, but not on sockfs. */
		struct super_block *sb = inode->i_sb;
		if (!sb || sb->s_magic != SOCKFS_MAGIC)
			return 0;
		st->sock_ops = ops;
	}
	r.fd = ctx->fd;
	r.inode = inode->i_ino;
	if (filtered && !bpf_map_lookup_elem(&wanted, &r.inode))
		return 0;
	bpf_seq_write(seq, &r, sizeof r);
	return 0;
}

SEC("iter/task_file")
int owners_all(struct bpf_iter__task_file *ctx)
{
	return one(ctx, 0);
}

SEC("iter/task_file")
int owners_wanted(struct bpf_iter__task_file *ctx)
{
	return one(ctx, 1);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";

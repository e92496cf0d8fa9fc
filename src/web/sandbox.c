/* What the two processes of `portlore serve` give up once they are set up (after OpenBSD's pledge and
 * unveil in httpd and relayd, with what Linux has).
 * - The HTTP process, which faces the network: no new privileges ever, no capability (even run as root);
 *   Landlock: no file read, written or
 *   executed anywhere but the database's folder (it never needs the host: the reader sends snapshots);
 *   a seccomp filter (libseccomp) refusing what a web server has no use for: exec, fork (clone without
 *   CLONE_THREAD), ptrace, other
 *   processes' memory, netlink and packet sockets, outgoing connections, mounts, namespaces, BPF, kernel
 *   modules, keys, io_uring, identity changes. A deny-list: libmicrohttpd, SQLite and glibc are free to
 *   use the rest, which an allow-list could not promise across their versions.
 * - The reader (web/reader.c): no new privileges, no capability but CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH
 *   (what reading others' /proc/PID/fd takes, when run as root), and an allow-list: files may be opened and read,
 *   sockets opened only for netlink, and written only to the socketpair it holds. Anything else fails
 *   with EPERM. No Landlock: see reader.c.
 * Each step is best effort on an older kernel or without libseccomp; the caller is told what held. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <linux/landlock.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "util/dl.h"

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

#define SECCOMP_SYMS(X) X(seccomp_init) X(seccomp_rule_add) X(seccomp_load) X(seccomp_release) \
	X(seccomp_syscall_resolve_name)
SECCOMP_SYMS(PL_DL_DECLARE)
static const pl_dl_sym seccomp_syms[] = {SECCOMP_SYMS(PL_DL_ENTRY){NULL, NULL}};
static const char *const seccomp_sonames[] = {"libseccomp.so.2", NULL};
static void *seccomp_handle;

/* Every capability given up, for good: the bounding set emptied (no exec could bring one back anyway,
 * under no_new_privs), the ambient set cleared, then effective, permitted and inheritable set to none.
 * Run as root, the process keeps uid 0, which still owns what it created (its database), but loses what
 * made root more than a user: reading others' files, binding low ports, changing identity, tracing. */
static int drop_capabilities(uint64_t keep, char *why, size_t size)
{
	for (int cap = 0; cap <= 63; cap++)
		if (!(keep & (1ull << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL && errno != EPERM)
			break;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2] = {{0}};
	/* nothing to give up (an unprivileged user, systemd's DynamicUser=): no capset, which a service's
	 * own filter may refuse */
	if (syscall(SYS_capget, &hdr, data) == 0 && !data[0].permitted && !data[1].permitted &&
	    !data[0].inheritable && !data[1].inheritable)
		return 0;
	/* keep only those of keep the process has (capget above filled data), none inheritable */
	data[0].effective &= (uint32_t)keep, data[0].permitted &= (uint32_t)keep;
	data[1].effective &= (uint32_t)(keep >> 32), data[1].permitted &= (uint32_t)(keep >> 32);
	data[0].inheritable = data[1].inheritable = 0;
	if (syscall(SYS_capset, &hdr, data)) {
		snprintf(why, size, "capabilities not dropped (%s)", strerror(errno));
		return -1;
	}
	return 0;
}

static int landlock(const char *writable, char *why, size_t size)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1) {
		snprintf(why, size, "Landlock is not available (%s)", strerror(errno));
		return -1;
	}
	__u64 rights = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |
		       LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
		       LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
		       LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
		       LANDLOCK_ACCESS_FS_MAKE_SYM;
	if (abi >= 2)
		rights |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		rights |= LANDLOCK_ACCESS_FS_TRUNCATE;
	struct landlock_ruleset_attr attr = {.handled_access_fs = rights};
	int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
	if (rs < 0) {
		snprintf(why, size, "Landlock refused a ruleset (%s)", strerror(errno));
		return -1;
	}
	int rc = -1;
	/* the database's folder: SQLite reads and writes the database and its -wal there (none: no file at all) */
	struct landlock_path_beneath_attr pb = {.allowed_access = rights & ~(__u64)LANDLOCK_ACCESS_FS_EXECUTE};
	pb.parent_fd = writable ? open(writable, O_PATH | O_CLOEXEC | O_DIRECTORY) : -1;
	if (!writable) {
		if (syscall(SYS_landlock_restrict_self, rs, 0))
			snprintf(why, size, "Landlock refused to apply (%s)", strerror(errno));
		else
			rc = 0;
	} else if (pb.parent_fd < 0)
		snprintf(why, size, "cannot open %s for Landlock (%s)", writable, strerror(errno));
	else if (syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0))
		snprintf(why, size, "Landlock refused a rule (%s)", strerror(errno));
	else if (syscall(SYS_landlock_restrict_self, rs, 0))
		snprintf(why, size, "Landlock refused to apply (%s)", strerror(errno));
	else
		rc = 0;
	if (pb.parent_fd >= 0)
		close(pb.parent_fd);
	close(rs);
	return rc;
}

/* System calls by name, so that one this architecture lacks is skipped rather than a build error. */
static int rule(scmp_filter_ctx ctx, uint32_t action, const char *name)
{
	int nr = sym_seccomp_syscall_resolve_name(name);
	return nr == __NR_SCMP_ERROR ? 0 : sym_seccomp_rule_add(ctx, action, nr, 0);
}

static const char *const http_denied[] = {
	"execve", "execveat", "fork", "vfork", "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
	"connect", "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "bpf", "perf_event_open",
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "keyctl", "add_key",
	"request_key", "userfaultfd", "open_by_handle_at", "name_to_handle_at", "swapon", "swapoff", "reboot",
	"acct", "quotactl", "io_uring_setup", "io_uring_enter", "io_uring_register", "personality", "setuid",
	"setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups", "capset", "syslog",
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname", "setdomainname", "iopl",
	"ioperm", "fanotify_init", "move_mount", "fsopen", "fsmount", "open_tree", "pidfd_getfd", NULL,
};

static const char *const reader_allowed[] = {
	/* files under /proc and the user database */
	"openat", "open", "close", "read", "pread64", "readv", "lseek", "fstat", "newfstatat", "stat", "lstat",
	"statx", "getdents64", "readlink", "readlinkat", "faccessat", "faccessat2", "access", "fcntl",
	/* netlink sock_diag (socket() itself is allowed for AF_NETLINK only, below) */
	"bind", "sendto", "sendmsg", "recvfrom", "recvmsg", "setsockopt", "getsockopt", "getsockname",
	/* its one way out, and its life */
	"write", "writev", "clock_gettime", "clock_nanosleep", "nanosleep", "gettimeofday", "getpid", "getppid",
	"gettid", "getuid", "geteuid", "getgid", "getegid", "brk", "mmap", "munmap", "mremap", "mprotect",
	"madvise", "futex", "rt_sigreturn", "rt_sigprocmask", "exit", "exit_group", "restart_syscall",
	"getrandom", "sched_yield", "uname", "prlimit64", "getrlimit",
	/* every network namespace's sockets: a netlink socket opened inside each (sockets/netns.c) */
	"setns",
	/* the owners through the kernel's task_file iterator, as `portlore PORT` finds them (sockets/owners_bpf.c):
	 * a reading too, of what /proc/PID/fd shows */
	"bpf", NULL,
};

/* The capture process (web/capture.c): its packet socket is open and nDPI loaded; it reads packets (the
 * ring libpcap mapped, poll, recv), thinks, and writes summaries down its pipe. */
static const char *const capture_allowed[] = {
	"read", "recvfrom", "recvmsg", "poll", "ppoll", "getsockopt", "write", "writev", "close", "fstat",
	"newfstatat", "clock_gettime", "clock_nanosleep", "nanosleep", "gettimeofday", "getpid", "getppid",
	"gettid", "brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "futex", "rt_sigreturn",
	"rt_sigprocmask", "exit", "exit_group", "restart_syscall", "getrandom", "sched_yield", NULL,
};

static int seccomp(int mode, char *why, size_t size)
{
	bool reader = mode != 0; /* 1 the reader, 2 the capture process: allow-lists; 0 the HTTP process */
	pl_error err = {0};
	if (pl_dl_load(&seccomp_handle, seccomp_sonames, seccomp_syms, "libseccomp", &err)) {
		snprintf(why, size, "%.200s", err.msg);
		return -1;
	}
	scmp_filter_ctx ctx = sym_seccomp_init(reader ? SCMP_ACT_ERRNO(EPERM) : SCMP_ACT_ALLOW);
	if (!ctx) {
		snprintf(why, size, "libseccomp refused a filter");
		return -1;
	}
	int rc = 0;
	/* socket(family, ...) for one family: libseccomp's SCMP_A0 leaves datum_b unset, which clang refuses */
	const struct scmp_arg_cmp netlink = {.arg = 0, .op = SCMP_CMP_EQ, .datum_a = AF_NETLINK, .datum_b = 0};
	const struct scmp_arg_cmp packet = {.arg = 0, .op = SCMP_CMP_EQ, .datum_a = AF_PACKET, .datum_b = 0};
	if (mode == 2) {
		for (size_t i = 0; capture_allowed[i] && rc == 0; i++)
			rc = rule(ctx, SCMP_ACT_ALLOW, capture_allowed[i]);
	} else if (reader) {
		for (size_t i = 0; reader_allowed[i] && rc == 0; i++)
			rc = rule(ctx, SCMP_ACT_ALLOW, reader_allowed[i]);
		rc = rc ? rc : sym_seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, netlink);
	} else {
		for (size_t i = 0; http_denied[i] && rc == 0; i++)
			rc = rule(ctx, SCMP_ACT_ERRNO(EPERM), http_denied[i]);
		/* the HTTP process has no business with the kernel's socket tables or raw packets */
		rc = rc ? rc : sym_seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 1, netlink);
		rc = rc ? rc : sym_seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 1, packet);
		/* threads, but no new process: clone without CLONE_THREAD is refused; clone3, whose flags sit in
		 * memory a filter cannot read, answers ENOSYS, so that glibc falls back to clone (as under
		 * systemd's and container runtimes' filters) */
		const struct scmp_arg_cmp no_thread = {.arg = 0, .op = SCMP_CMP_MASKED_EQ, .datum_a = CLONE_THREAD,
						       .datum_b = 0};
		rc = rc ? rc : sym_seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1, no_thread);
		rc = rc ? rc : rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3");
	}
	rc = rc ? rc : sym_seccomp_load(ctx);
	sym_seccomp_release(ctx);
	if (rc) {
		snprintf(why, size, "seccomp filter not loaded (%s)", strerror(-rc));
		return -1;
	}
	return 0;
}

int pl_web_sandbox(const char *writable, char *what, size_t size)
{
	char why[256], why2[256];
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		snprintf(what, size, "nothing: PR_SET_NO_NEW_PRIVS failed (%s)", strerror(errno));
		return -1;
	}
	/* capabilities first (the filter refuses capset); libseccomp is loaded (read from disk) before
	 * Landlock forbids reading it; the filter is loaded first too, as it does not refuse what Landlock
	 * needs */
	char why3[128];
	int cp = drop_capabilities(0, why3, sizeof why3);
	int sc = seccomp(0, why2, sizeof why2), ll = landlock(writable, why, sizeof why);
	if (ll || sc || cp) {
		snprintf(what, size, "no new privileges; %s; %s; %s", cp ? why3 : "no capabilities", ll ? why : "Landlock on",
			 sc ? why2 : "seccomp on");
		return -1;
	}
	snprintf(what, size,
		 "no new privileges, no capabilities; no file read, written or run outside %s (Landlock); no exec, "
		 "new process, ptrace, netlink or outgoing connection (seccomp); the host is read by a separate "
		 "process",
		 writable);
	return 0;
}

int pl_web_sandbox_reader(char *what, size_t size)
{
	char why[256];
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		snprintf(what, size, "PR_SET_NO_NEW_PRIVS failed (%s)", strerror(errno));
		return -1;
	}
	/* Of root's powers, the reader keeps what reading other users' /proc/PID/fd takes: ptrace-mode read
	 * access (CAP_SYS_PTRACE) and passing their folders' modes (CAP_DAC_READ_SEARCH). A user's reader has
	 * none of them, and sees what that user sees. */
	char why2[128];
	/* Root's reader also keeps what `portlore PORT` uses to see the rest of the host: entering other
	 * network namespaces (CAP_SYS_ADMIN, for setns), reading the DNAT rules (CAP_NET_ADMIN, for the
	 * nf_tables dump) and the kernel's task_file iterator (CAP_BPF, CAP_PERFMON). Its system calls stay
	 * the allow-list below: it can read with them, not change anything. */
	if (drop_capabilities((1ull << CAP_SYS_PTRACE) | (1ull << CAP_DAC_READ_SEARCH) | (1ull << CAP_SYS_ADMIN) |
				      (1ull << CAP_NET_ADMIN) | (1ull << CAP_BPF) | (1ull << CAP_PERFMON),
			      why2, sizeof why2)) {
		snprintf(what, size, "no new privileges; %s", why2);
		return -1;
	}
	if (seccomp(1, why, sizeof why)) {
		snprintf(what, size, "no new privileges; %s", why);
		return -1;
	}
	snprintf(what, size, "no new privileges; system calls limited to reading files, netlink and its pipe");
	return 0;
}

int pl_web_sandbox_capture(char *what, size_t size)
{
	char why[256], why2[128], why3[256];
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		snprintf(what, size, "PR_SET_NO_NEW_PRIVS failed (%s)", strerror(errno));
		return -1;
	}
	/* the capture is open: CAP_NET_RAW is needed to open one, not to read it */
	int cp = drop_capabilities(0, why2, sizeof why2);
	/* libseccomp is read from disk before Landlock forbids every file, and Landlock goes on before the
	 * allow-list, which has no Landlock calls */
	pl_error err = {0};
	pl_dl_load(&seccomp_handle, seccomp_sonames, seccomp_syms, "libseccomp", &err);
	int ll = landlock(NULL, why3, sizeof why3);
	int sc = seccomp(2, why, sizeof why);
	if (cp || sc || ll) {
		snprintf(what, size, "no new privileges; %s; %s; %s", cp ? why2 : "no capabilities", ll ? why3 : "Landlock on",
			 sc ? why : "seccomp on");
		return -1;
	}
	snprintf(what, size, "no new privileges, no capabilities, no file (Landlock), system calls limited to reading "
			     "its capture and writing its pipe");
	return 0;
}

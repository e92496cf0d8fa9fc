/* nobpf [-n] COMMAND [ARGS...]: runs COMMAND with the bpf(2) system call refused (EPERM) by a seccomp
 * filter, as a locked-down host or a container runtime refuses it: what portlore does then is its fallback,
 * named. -n: no filter, the same exec (the control in bench/sockets.sh's comparisons). */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#endif

int main(int argc, char **argv)
{
	bool control = argc > 1 && strcmp(argv[1], "-n") == 0;
	if (control) {
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: nobpf [-n] COMMAND [ARGS...]\n");
		return 2;
	}
	if (control)
		goto run;
#ifdef ARCH
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_bpf, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		fprintf(stderr, "nobpf: seccomp: %s\n", strerror(errno));
		return 3;
	}
#else
	fprintf(stderr, "nobpf: unknown architecture\n");
	return 3;
#endif
run:
	execvp(argv[1], argv + 1);
	fprintf(stderr, "nobpf: %s: %s\n", argv[1], strerror(errno));
	return 127;
}

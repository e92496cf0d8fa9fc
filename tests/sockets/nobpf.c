/* nobpf [-n] COMMAND [ARGS...]: runs COMMAND with the bpf(2) system call refused (EPERM) by a seccomp
 * filter, as a locked-down host or a container runtime refuses it: what portlore does then is its fallback,
 * named. -n: no filter, the same exec (the control in bench/sockets.sh's comparisons). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "refuse_bpf.h"

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
	if (!control && refuse_bpf() != 0) {
		fprintf(stderr, "nobpf: seccomp: %s\n", strerror(errno));
		return 3;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "nobpf: %s: %s\n", argv[1], strerror(errno));
	return 127;
}

/* Socket owners: real listeners on 127.0.0.1 and ::1 (this process's own, one shared with a forked child,
 * a SO_REUSEPORT pair in two children, one seen by an unprivileged child) and a fake /proc tree in which
 * every field of pl_process has an exact expected value, odd comm, cgroup v1/v2 and containers included.
 * The sets are built here, as pl_sockets_query would build them, so that only the owner lookup is tested. */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "portlore/sockets.h"
#include "util/arena.h" /* the set's private arena, as pl_sockets_query makes it */

static char self_cmdline[4096], self_comm[16];

static pl_socket_set *new_set(const uint64_t *inodes, size_t n)
{
	pl_socket_set *set = calloc(1, sizeof *set);
	assert_non_null(set);
	set->arena_ = pl_arena_new();
	set->socks = calloc(n, sizeof *set->socks);
	assert_non_null(set->arena_);
	assert_non_null(set->socks);
	set->n = n;
	for (size_t i = 0; i < n; i++) {
		set->socks[i].proto = PL_PROTO_TCP;
		set->socks[i].family = AF_INET;
		set->socks[i].inode = inodes[i];
		set->socks[i].uid = (uint32_t)geteuid();
	}
	return set;
}

static void resolve(pl_socket_set *set, const char *proc_root)
{
	pl_error err = {0};
	int rc = pl_sockets_resolve_owners(set, proc_root, &err);
	if (rc)
		fail_msg("resolve owners: %d %s", rc, err.msg);
}

static const pl_process *owner(const pl_socket_set *set, size_t sock, uint32_t k)
{
	const pl_socket *s = &set->socks[sock];
	assert_true(k < s->owners_count);
	assert_true(s->owners_first + k < set->nlinks);
	uint32_t p = set->owner_links[s->owners_first + k];
	assert_true(p < set->nprocs);
	return &set->procs[p];
}

/* A TCP listener on the loopback address of family; -1 when the family is not available here. */
static int listener(int family, bool reuseport, uint16_t port, uint16_t *bound, uint64_t *inode)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
		goto bad;
	struct sockaddr_storage ss = {0};
	socklen_t len;
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		a->sin6_port = htons(port);
		len = sizeof *a;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a->sin_port = htons(port);
		len = sizeof *a;
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 4) < 0)
		goto bad;
	len = sizeof ss;
	struct stat st;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 || fstat(fd, &st) < 0)
		goto bad;
	*bound = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					  : ((struct sockaddr_in *)&ss)->sin_port);
	*inode = (uint64_t)st.st_ino;
	return fd;
bad:
	close(fd);
	return -1;
}

static void test_owners_finds_own_listener_with_process_details(void **state)
{
	(void)state;
	uint16_t port;
	uint64_t ino;
	int fd = listener(AF_INET, false, 0, &port, &ino);
	assert_true(fd >= 0);
	pl_socket_set *set = new_set(&ino, 1);
	resolve(set, "/proc");
	assert_int_equal(set->socks[0].owner_status, PL_OWNER_FOUND);
	assert_int_equal(set->socks[0].owners_count, 1);
	const pl_process *p = owner(set, 0, 0);
	assert_int_equal(p->pid, getpid());
	assert_string_equal(p->comm, self_comm);
	assert_string_equal(p->cmdline, self_cmdline);
	assert_int_equal(p->uid, geteuid());
	struct passwd *pw = getpwuid(geteuid());
	char user[64];
	snprintf(user, sizeof user, "%u", (unsigned)geteuid());
	assert_string_equal(p->user, pw ? pw->pw_name : user);
	time_t now = time(NULL);
	if (p->start_time > (uint64_t)now + 2 || p->start_time + 600 < (uint64_t)now)
		fail_msg("start time %llu is not within 10 minutes before now (%lld)",
			 (unsigned long long)p->start_time, (long long)now);
	assert_non_null(p->exe);
	assert_int_equal(p->exe[0], '/');
	struct stat st;
	assert_int_equal(stat("/proc/self/ns/net", &st), 0);
	assert_int_equal(p->netns, st.st_ino);
	assert_int_equal(set->self_netns, st.st_ino);
	assert_false(p->other_netns);
	assert_false(set->owners_partial);
	pl_socket_set_free(set);
	close(fd);
}

static void test_owners_lists_parent_and_forked_child_of_one_listener(void **state)
{
	(void)state;
	uint16_t port;
	uint64_t ino;
	int fd = listener(AF_INET, false, 0, &port, &ino), hold[2];
	assert_true(fd >= 0);
	assert_int_equal(pipe(hold), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		char c;
		close(hold[1]);
		while (read(hold[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(hold[0]);
	pl_socket_set *set = new_set(&ino, 1);
	resolve(set, "/proc");
	assert_int_equal(set->socks[0].owner_status, PL_OWNER_FOUND);
	assert_int_equal(set->socks[0].owners_count, 2);
	assert_int_equal(set->nprocs, 2);
	int a = owner(set, 0, 0)->pid, b = owner(set, 0, 1)->pid;
	assert_true(a < b);
	int me = getpid();
	assert_true((a == me && b == child) || (a == child && b == me));
	assert_string_equal(owner(set, 0, 0)->cmdline, self_cmdline);
	assert_string_equal(owner(set, 0, 1)->cmdline, self_cmdline);
	pl_socket_set_free(set);
	close(hold[1]);
	close(fd);
	assert_int_equal(waitpid(child, NULL, 0), child);
}

/* A child that binds a SO_REUSEPORT listener on port (0: any), reports (port, inode), and holds it until
 * hold_rd reaches end of file. */
static pid_t reuseport_holder(int family, uint16_t port, const int hold[2], uint16_t *bound, uint64_t *ino)
{
	int rep[2];
	assert_int_equal(pipe(rep), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(rep[0]);
		close(hold[1]);
		uint64_t msg[2] = {0, 0};
		uint16_t b = 0;
		int fd = listener(family, true, port, &b, &msg[1]);
		msg[0] = fd >= 0 ? b : 0;
		if (write(rep[1], msg, sizeof msg) != (ssize_t)sizeof msg)
			_exit(1);
		char c;
		while (read(hold[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(rep[1]);
	uint64_t msg[2];
	assert_int_equal(read(rep[0], msg, sizeof msg), sizeof msg);
	close(rep[0]);
	*bound = (uint16_t)msg[0];
	*ino = msg[1];
	return pid;
}

static void test_owners_reuseport_group_gives_each_socket_its_own_owner(void **state)
{
	(void)state;
	uint16_t probe_port;
	uint64_t probe_ino;
	int family = AF_INET6, probe = listener(AF_INET6, false, 0, &probe_port, &probe_ino);
	if (probe < 0) {
		fprintf(stderr, "# ::1 is not available here: using 127.0.0.1\n");
		family = AF_INET;
	} else {
		close(probe);
	}
	int hold[2];
	assert_int_equal(pipe(hold), 0);
	uint16_t port1, port2;
	uint64_t ino[2];
	pid_t c1 = reuseport_holder(family, 0, hold, &port1, &ino[0]);
	assert_int_not_equal(port1, 0);
	pid_t c2 = reuseport_holder(family, port1, hold, &port2, &ino[1]);
	assert_int_equal(port2, port1);
	assert_int_not_equal(ino[0], ino[1]);

	pl_socket_set *set = new_set(ino, 2);
	resolve(set, "/proc");
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(set->socks[i].owner_status, PL_OWNER_FOUND);
		assert_int_equal(set->socks[i].owners_count, 1);
	}
	assert_int_equal(owner(set, 0, 0)->pid, c1);
	assert_int_equal(owner(set, 1, 0)->pid, c2);
	assert_int_equal(set->nprocs, 2);
	pl_socket_set_free(set);
	close(hold[0]);
	close(hold[1]);
	assert_int_equal(waitpid(c1, NULL, 0), c1);
	assert_int_equal(waitpid(c2, NULL, 0), c2);
}

static void test_owners_socket_nobody_holds_is_none(void **state)
{
	(void)state;
	/* Socket inodes are 32-bit (get_next_ino): 2^40 is held by no one; inode 0 is TIME_WAIT's. */
	const uint64_t ino[2] = {(uint64_t)1 << 40, 0};
	pl_socket_set *set = new_set(ino, 2);
	resolve(set, "/proc");
	assert_int_equal(set->socks[0].owners_count, 0);
	if (set->owners_partial) {
		fprintf(stderr, "# some processes are not readable here: expect hidden, not none\n");
		assert_int_equal(set->socks[0].owner_status, PL_OWNER_HIDDEN);
	} else {
		assert_int_equal(set->socks[0].owner_status, PL_OWNER_NONE);
	}
	assert_int_equal(set->socks[1].owner_status, PL_OWNER_NONE);
	assert_int_equal(set->socks[1].owners_count, 0);
	pl_socket_set_free(set);
}

/* The whole path: pl_sockets_query (netlink, then /proc/net as asked) hands its sockets to the owner walk. */
static void test_owners_query_with_owners_names_this_process(void **state)
{
	(void)state;
	uint16_t port;
	uint64_t ino;
	int fd = listener(AF_INET, false, 0, &port, &ino);
	assert_true(fd >= 0);
	for (int procfs = 0; procfs < 2; procfs++) {
		pl_socket_query q = {.proc_root = "/proc", .protos = 1u << PL_PROTO_TCP, .has_port = true,
				     .port = port, .owners = true, .force_procfs = procfs};
		pl_socket_set *set = NULL;
		pl_error err = {0};
		int rc = pl_sockets_query(&q, &set, &err);
		if (rc)
			fail_msg("query (procfs %d): %d %s", procfs, rc, err.msg);
		size_t found = 0;
		for (size_t i = 0; i < set->n; i++) {
			const pl_socket *s = &set->socks[i];
			if (s->inode != ino)
				continue;
			found++;
			assert_int_equal(s->owner_status, PL_OWNER_FOUND);
			assert_int_equal(s->owners_count, 1);
			assert_int_equal(owner(set, i, 0)->pid, getpid());
		}
		assert_int_equal(found, 1);
		pl_socket_set_free(set);
	}
	close(fd);
}

/* ---- a fake /proc ---- */

static void mk(const char *root, const char *rel)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", path, strerror(errno));
}

static void put(const char *root, const char *rel, const char *data, size_t len)
{
	tu_write(root, rel, data, len);
}

static void lnk(const char *root, const char *rel, const char *target)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	if (symlink(target, path) < 0)
		fail_msg("symlink %s: %s", path, strerror(errno));
}

static uint64_t ino_of(const char *root, const char *rel)
{
	char path[4200];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", root, rel);
	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_ino;
}

/* A process directory with its fd folder; status, stat and cgroup only when given. */
/* A process as the kernel shows it: the name in stat is the name in comm (when comm is given). */
static void fake_pid(const char *root, int pid, const char *comm, const char *uid_line, uint64_t ticks,
		     const char *cgroup)
{
	char rel[64], buf[512];
	snprintf(rel, sizeof rel, "%d", pid);
	mk(root, rel);
	snprintf(rel, sizeof rel, "%d/fd", pid);
	mk(root, rel);
	if (uid_line) {
		int n = snprintf(buf, sizeof buf, "Name:\tx\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%d\n"
				 "Pid:\t%d\nPPid:\t1\n%s\nGid:\t0\t0\t0\t0\n", pid, pid, uid_line);
		snprintf(rel, sizeof rel, "%d/status", pid);
		put(root, rel, buf, (size_t)n);
	}
	if (ticks) {
		int n = snprintf(buf, sizeof buf, "%d (%s) S 1 %d %d 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
				 "%llu 1000 20 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n",
				 pid, comm ? comm : "", pid, pid, (unsigned long long)ticks);
		snprintf(rel, sizeof rel, "%d/stat", pid);
		put(root, rel, buf, (size_t)n);
	}
	if (comm) {
		int n = snprintf(buf, sizeof buf, "%s\n", comm);
		snprintf(rel, sizeof rel, "%d/comm", pid);
		put(root, rel, buf, (size_t)n);
	}
	if (cgroup) {
		snprintf(rel, sizeof rel, "%d/cgroup", pid);
		put(root, rel, cgroup, strlen(cgroup));
	}
}

#define HEX_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HEX_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define HEX_C "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define BTIME 1700000000ull

/* /proc/stat with an "intr" line longer than any read buffer before btime, as on a large machine. */
static void fake_stat(const char *root)
{
	size_t cap = 64 << 10, n = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	n += (size_t)snprintf(buf, cap, "cpu  1 2 3 4\ncpu0 1 2 3 4\nintr 123456");
	while (n < 20000)
		n += (size_t)snprintf(buf + n, cap - n, " 0 17");
	n += (size_t)snprintf(buf + n, cap - n, "\nctxt 99\nbtime %llu\nprocesses 5\n", BTIME);
	put(root, "stat", buf, n);
	free(buf);
}

static void test_owners_fake_proc_parses_every_field(void **state)
{
	(void)state;
	char *root = tu_tmpdir();
	long hz = sysconf(_SC_CLK_TCK);
	assert_true(hz > 0);
	fake_stat(root);
	mk(root, "self");
	mk(root, "self/ns");
	put(root, "self/ns/net", "self", 4);

	/* 123: a docker container in another network namespace, an odd comm, three arguments. */
	fake_pid(root, 123, "evil) (name ", "Uid:\t4242420\t4242421\t4242420\t4242420", 4242 * (uint64_t)hz + (uint64_t)hz / 2,
		 "0::/system.slice/docker-" HEX_A ".scope\n");
	lnk(root, "123/fd/5", "socket:[4242]");
	lnk(root, "123/fd/6", "/dev/null");
	lnk(root, "123/fd/7", "pipe:[4243]");
	lnk(root, "123/fd/8", "socket:[4242]");
	lnk(root, "123/fd/9", "socket:[42x]");
	lnk(root, "123/fd/10", "socket:[99999999999999999999999]");
	lnk(root, "123/exe", "/usr/bin/foo");
	put(root, "123/cmdline", "/usr/bin/foo\0--bar\0baz qux\0", 27);
	mk(root, "123/ns");
	put(root, "123/ns/net", "other", 5);

	/* 124: kubernetes (a v1 line before the v2 one), our namespace, no argv (a zombie), no exe. */
	fake_pid(root, 124, "kube", "Uid:\t0\t0\t0\t0", 7 * (uint64_t)hz,
		 "12:memory:/kubepods/burstable/pod1234/abc\n0::/kubepods.slice/kubepods-besteffort.slice/"
		 "kubepods-besteffort-pod0d3a_11.slice/cri-containerd-" HEX_B ".scope\n");
	lnk(root, "124/fd/0", "socket:[4242]");
	put(root, "124/cmdline", "", 0);
	mk(root, "124/ns");
	char a[4200], b[4200];
	snprintf(a, sizeof a, "%s/self/ns/net", root);
	snprintf(b, sizeof b, "%s/124/ns/net", root);
	assert_int_equal(link(a, b), 0);

	/* 125: cgroup v1 only (the first line counts), no status (uid from the directory), truncated stat. */
	fake_pid(root, 125, NULL, NULL, 0, "3:cpu,cpuacct:/system.slice/ssh.service\n2:memory:/other.slice/x.service\n");
	put(root, "125/stat", "125 (sshd) S 1 125", 18);
	lnk(root, "125/fd/3", "socket:[4243]");
	put(root, "125/comm", "sshd\n", 5);
	put(root, "125/cmdline", "sshd: /usr/sbin/sshd -D [listener]", 34);

	/* 126: docker with the cgroupfs driver. */
	fake_pid(root, 126, NULL, "Uid:\t0\t0\t0\t0", 1, "0::/docker/" HEX_C "\n");
	lnk(root, "126/fd/4", "socket:[4244]");

	/* A kernel thread (no descriptors) and a directory that is not a process. */
	fake_pid(root, 2, "kthreadd", "Uid:\t0\t0\t0\t0", 1, "0::/\n");
	mk(root, "notapid");
	mk(root, "notapid/fd");
	lnk(root, "notapid/fd/1", "socket:[4245]");

	const uint64_t ino[6] = {4242, 4243, 4244, 4245, 0, 777777};
	pl_socket_set *set = new_set(ino, 6);
	resolve(set, root);
	assert_false(set->owners_partial);
	assert_string_equal(set->note, "");
	assert_int_equal(set->nprocs, 4);
	assert_int_equal(set->nlinks, 4);
	assert_int_equal(set->self_netns, ino_of(root, "self/ns/net"));

	const pl_socket *s = set->socks;
	assert_int_equal(s[0].owner_status, PL_OWNER_FOUND);
	assert_int_equal(s[0].owners_count, 2);
	assert_int_equal(s[0].owners_first, 0);
	assert_int_equal(s[1].owner_status, PL_OWNER_FOUND);
	assert_int_equal(s[1].owners_first, 2);
	assert_int_equal(s[1].owners_count, 1);
	assert_int_equal(s[2].owner_status, PL_OWNER_FOUND);
	assert_int_equal(s[2].owners_first, 3);
	assert_int_equal(s[2].owners_count, 1);
	for (size_t i = 3; i < 6; i++) {
		assert_int_equal(s[i].owner_status, PL_OWNER_NONE);
		assert_int_equal(s[i].owners_count, 0);
	}

	const pl_process *p = owner(set, 0, 0);
	assert_int_equal(p->pid, 123);
	assert_string_equal(p->comm, "evil) (name ");
	assert_string_equal(p->cmdline, "/usr/bin/foo --bar baz qux");
	assert_string_equal(p->exe, "/usr/bin/foo");
	assert_int_equal(p->uid, 4242421);
	assert_string_equal(p->user, "4242421");
	assert_int_equal(p->start_time, BTIME + 4242);
	assert_string_equal(p->cgroup, "/system.slice/docker-" HEX_A ".scope");
	assert_string_equal(p->container_id, HEX_A);
	assert_string_equal(p->unit, "docker-" HEX_A ".scope");
	assert_int_equal(p->netns, ino_of(root, "123/ns/net"));
	assert_true(p->other_netns);

	p = owner(set, 0, 1);
	assert_int_equal(p->pid, 124);
	assert_string_equal(p->comm, "kube");
	assert_string_equal(p->cmdline, "");
	assert_null(p->exe);
	assert_int_equal(p->uid, 0);
	assert_string_equal(p->user, "root");
	assert_int_equal(p->start_time, BTIME + 7);
	assert_string_equal(p->cgroup, "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0d3a_11.slice/"
			    "cri-containerd-" HEX_B ".scope");
	assert_string_equal(p->container_id, HEX_B);
	assert_string_equal(p->unit, "cri-containerd-" HEX_B ".scope");
	assert_int_equal(p->netns, set->self_netns);
	assert_false(p->other_netns);

	p = owner(set, 1, 0);
	assert_int_equal(p->pid, 125);
	assert_string_equal(p->comm, "sshd");
	assert_string_equal(p->cmdline, "sshd: /usr/sbin/sshd -D [listener]");
	assert_int_equal(p->uid, geteuid());
	assert_int_equal(p->start_time, 0);
	assert_string_equal(p->cgroup, "/system.slice/ssh.service");
	assert_string_equal(p->container_id, "");
	assert_string_equal(p->unit, "ssh.service");
	assert_int_equal(p->netns, 0);
	assert_false(p->other_netns);

	p = owner(set, 2, 0);
	assert_int_equal(p->pid, 126);
	assert_string_equal(p->comm, "");
	assert_string_equal(p->cgroup, "/docker/" HEX_C);
	assert_string_equal(p->container_id, HEX_C);
	assert_string_equal(p->unit, "");

	pl_socket_set_free(set);
	tu_rmtree(root);
	free(root);
}

static void test_owners_process_gone_mid_walk_is_skipped_silently(void **state)
{
	(void)state;
	char *root = tu_tmpdir();
	/* Listed by readdir, gone before its fd folder is opened: what /proc shows for a process that exits. */
	mk(root, "77");
	lnk(root, "78", "/nonexistent/78");
	fake_pid(root, 79, "srv", "Uid:\t0\t0\t0\t0", 1, NULL);
	lnk(root, "79/fd/1", "socket:[5000]");
	const uint64_t ino[2] = {5000, 5001};
	pl_socket_set *set = new_set(ino, 2);
	resolve(set, root);
	assert_false(set->owners_partial);
	assert_int_equal(set->socks[0].owner_status, PL_OWNER_FOUND);
	assert_int_equal(owner(set, 0, 0)->pid, 79);
	assert_int_equal(owner(set, 0, 0)->start_time, 0); /* no /proc/stat, no boot time */
	assert_int_equal(set->socks[1].owner_status, PL_OWNER_NONE);
	pl_socket_set_free(set);
	tu_rmtree(root);
	free(root);
}

static void test_owners_unreadable_fd_folder_makes_unfound_sockets_hidden(void **state)
{
	(void)state;
	char *root = tu_tmpdir();
	/* An fd "folder" that cannot be opened as one stands for EACCES, which root never gets. */
	fake_pid(root, 80, "srv", "Uid:\t0\t0\t0\t0", 1, NULL);
	lnk(root, "80/fd/1", "socket:[6000]");
	mk(root, "81");
	put(root, "81/fd", "", 0);
	const uint64_t ino[3] = {6000, 6001, 0};
	pl_socket_set *set = new_set(ino, 3);
	strcpy(set->note, "read /proc/net as asked");
	resolve(set, root);
	assert_true(set->owners_partial);
	assert_int_equal(set->socks[0].owner_status, PL_OWNER_FOUND);
	assert_int_equal(set->socks[1].owner_status, PL_OWNER_HIDDEN);
	assert_int_equal(set->socks[2].owner_status, PL_OWNER_NONE);
	char want[256];
	snprintf(want, sizeof want, "read /proc/net as asked; owners: 1 process could not be inspected, some "
		 "owners are hidden (%s)", geteuid() == 0 ? "access denied even to root" : "run as root to see them");
	assert_string_equal(set->note, want);
	pl_socket_set_free(set);
	tu_rmtree(root);
	free(root);
}

static void test_owners_missing_proc_root_fails_and_leaves_owners_unknown(void **state)
{
	(void)state;
	const uint64_t ino[1] = {4242};
	pl_socket_set *set = new_set(ino, 1);
	pl_error err = {0};
	assert_int_equal(pl_sockets_resolve_owners(set, "/nonexistent/proc", &err), PL_EIO);
	assert_non_null(strstr(err.msg, "/nonexistent/proc"));
	assert_int_equal(set->socks[0].owner_status, PL_OWNER_UNKNOWN);
	assert_int_equal(set->nprocs, 0);
	pl_socket_set_free(set);
}

/* Run in a child that dropped root: 0 when every check holds, else the number of the failed check. */
static int unprivileged_checks(uint64_t root_ino, const char *fake_root)
{
	if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
		return 1;
	uint64_t ino = root_ino;
	pl_socket_set *set = new_set(&ino, 1);
	set->socks[0].uid = 0;
	pl_error err = {0};
	if (pl_sockets_resolve_owners(set, "/proc", &err))
		return 2;
	if (set->socks[0].owner_status != PL_OWNER_HIDDEN || !set->owners_partial)
		return 3;
	if (!strstr(set->note, "could not be inspected"))
		return 4;
	pl_socket_set_free(set);

	/* Every process readable, as under hidepid=invisible: another uid's socket is still hidden, ours is not. */
	const uint64_t two[2] = {7000, 7001};
	set = new_set(two, 2);
	set->socks[0].uid = 0;
	if (pl_sockets_resolve_owners(set, fake_root, &err))
		return 5;
	if (set->socks[0].owner_status != PL_OWNER_HIDDEN || set->socks[1].owner_status != PL_OWNER_NONE)
		return 6;
	if (!set->owners_partial || !strstr(set->note, "not visible"))
		return 7;
	pl_socket_set_free(set);
	return 0;
}

static void test_owners_unprivileged_caller_sees_root_listener_as_hidden(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "# SKIP needs root to make a listener an unprivileged child cannot inspect\n");
		skip();
	}
	uint16_t port;
	uint64_t ino;
	int fd = listener(AF_INET, false, 0, &port, &ino);
	assert_true(fd >= 0);
	char *root = tu_tmpdir();
	assert_int_equal(chmod(root, 0755), 0);
	fake_pid(root, 90, "srv", "Uid:\t0\t0\t0\t0", 1, NULL);
	lnk(root, "90/fd/1", "/dev/null");
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		close(fd); /* the child must not hold the listener itself */
		_exit(unprivileged_checks(ino, root));
	}
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) != 0)
		fail_msg("unprivileged check %d failed", WEXITSTATUS(status));
	close(fd);
	tu_rmtree(root);
	free(root);
}

int main(int argc, char **argv)
{
	tu_private_netns();
	size_t n = 0;
	for (int i = 0; i < argc; i++)
		n += (size_t)snprintf(self_cmdline + n, sizeof self_cmdline - n, "%s%s", i ? " " : "", argv[i]);
	const char *base = strrchr(argv[0], '/');
	snprintf(self_comm, sizeof self_comm, "%s", base ? base + 1 : argv[0]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owners_finds_own_listener_with_process_details),
		cmocka_unit_test(test_owners_lists_parent_and_forked_child_of_one_listener),
		cmocka_unit_test(test_owners_reuseport_group_gives_each_socket_its_own_owner),
		cmocka_unit_test(test_owners_socket_nobody_holds_is_none),
		cmocka_unit_test(test_owners_query_with_owners_names_this_process),
		cmocka_unit_test(test_owners_fake_proc_parses_every_field),
		cmocka_unit_test(test_owners_process_gone_mid_walk_is_skipped_silently),
		cmocka_unit_test(test_owners_unreadable_fd_folder_makes_unfound_sockets_hidden),
		cmocka_unit_test(test_owners_missing_proc_root_fails_and_leaves_owners_unknown),
		cmocka_unit_test(test_owners_unprivileged_caller_sees_root_listener_as_hidden),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

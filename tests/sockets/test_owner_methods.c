/* The two owner methods on the same host, against owners known by construction: a listener shared with a
 * forked child, a SO_REUSEPORT pair in two children, a listener held only by a thread that unshared its
 * descriptor table (CLONE_FILES), and a listener passed over a unix socket by a child that then closed it.
 * The kernel iterator must find every one; the /proc walk every one but the thread's, which /proc/PID/fd
 * does not show. Then, with bpf(2) refused by a seccomp filter, the automatic choice must walk /proc and
 * say why. Needs root (or CAP_BPF+CAP_PERFMON) for the iterator: skipped, visibly, without. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "refuse_bpf.h"
#include "sockets/bpf_load.h"
#include "testutil.h"
#include "portlore/sockets.h"
#include "util/arena.h"

enum { L_SHARED, L_REUSE_A, L_REUSE_B, L_THREAD, L_PASSED, NSOCKS };

static int stop[2] = {-1, -1}, ready[2] = {-1, -1};
static pid_t kids[8];
static int nkids;

static uint64_t inode_of(int fd)
{
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	return (uint64_t)st.st_ino;
}

static int listener(bool reuseport, uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	int one = 1;
	if (reuseport)
		assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one), 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

static uint16_t port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	return ntohs(a.sin_port);
}

/* In a child: wait until the parent closes the stop pipe, then exit. */
static void wait_stop(void)
{
	char c;
	while (read(stop[0], &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* In a child, once it holds what it should: tell the parent, then wait. */
static void park(void)
{
	close(stop[1]);
	if (write(ready[1], "r", 1) != 1)
		_exit(1);
	wait_stop();
}

/* In the parent: until n children are parked. */
static void wait_ready(int n)
{
	for (char c; n > 0; n--)
		while (read(ready[0], &c, 1) != 1)
			assert_int_equal(errno, EINTR);
}

static void *thread_main(void *arg)
{
	int out = *(int *)arg;
	/* From here on, this thread's descriptors are its own: the listener below is in no table that
	 * /proc/PID/fd lists. */
	if (unshare(CLONE_FILES) != 0)
		_exit(1);
	int fd = listener(false, 0);
	uint64_t ino = inode_of(fd);
	if (write(out, &ino, sizeof ino) != sizeof ino)
		_exit(1);
	/* Not park(): the main thread closed stop[1] in its own table, maybe before our copy was taken, and
	 * the number may now be this listener's. */
	wait_stop();
	return NULL;
}

static pid_t spawn(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid > 0)
		kids[nkids++] = pid;
	return pid;
}

static void read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t r = read(fd, (char *)buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		assert_true(r > 0);
		got += (size_t)r;
	}
}

/* Builds the processes; fills inodes[] and, per socket, the pids that must own it. */
static void build(uint64_t inodes[NSOCKS], int owners[NSOCKS][2])
{
	assert_int_equal(pipe(stop), 0);
	assert_int_equal(pipe(ready), 0);
	int shared = listener(false, 0);
	inodes[L_SHARED] = inode_of(shared);
	owners[L_SHARED][0] = getpid();
	if ((owners[L_SHARED][1] = spawn()) == 0)
		park();

	int ra = listener(true, 0);
	int rb = listener(true, port_of(ra));
	inodes[L_REUSE_A] = inode_of(ra);
	inodes[L_REUSE_B] = inode_of(rb);
	if ((owners[L_REUSE_A][0] = spawn()) == 0) {
		close(shared);
		close(rb);
		park();
	}
	if ((owners[L_REUSE_B][0] = spawn()) == 0) {
		close(shared);
		close(ra);
		park();
	}
	close(ra);
	close(rb);

	int ip[2];
	assert_int_equal(pipe(ip), 0);
	if ((owners[L_THREAD][0] = spawn()) == 0) {
		close(shared);
		close(ip[0]);
		pthread_t t;
		if (pthread_create(&t, NULL, thread_main, &ip[1]) != 0)
			_exit(1);
		wait_stop();
	}
	read_full(ip[0], &inodes[L_THREAD], sizeof(uint64_t));

	int u[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, u), 0);
	if ((owners[L_PASSED][0] = spawn()) == 0) { /* the receiver */
		close(shared);
		close(u[0]);
		char b;
		char ctl[CMSG_SPACE(sizeof(int))];
		struct iovec iov = {&b, 1};
		struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
		if (recvmsg(u[1], &m, 0) != 1)
			_exit(1);
		int fd;
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof fd);
		uint64_t ino = inode_of(fd);
		if (write(ip[1], &ino, sizeof ino) != sizeof ino)
			_exit(1);
		park();
	}
	if (spawn() == 0) { /* the sender: creates, passes, closes */
		close(shared);
		close(u[1]);
		int fd = listener(false, 0);
		char b = 'x';
		char ctl[CMSG_SPACE(sizeof(int))] = {0};
		struct iovec iov = {&b, 1};
		struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
		if (sendmsg(u[0], &m, 0) != 1)
			_exit(1);
		close(fd);
		park();
	}
	close(u[0]);
	close(u[1]);
	read_full(ip[0], &inodes[L_PASSED], sizeof(uint64_t));
	/* The shared owner, the pair, the receiver and the sender (after its close). */
	wait_ready(5);
	close(ip[0]);
	close(ip[1]);
	/* The parent keeps `shared` until the end (an owner by design). */
}

static void teardown_kids(void)
{
	close(stop[1]);
	close(stop[0]);
	close(ready[0]);
	close(ready[1]);
	for (int i = 0; i < nkids; i++) {
		kill(kids[i], SIGTERM);
		waitpid(kids[i], NULL, 0);
	}
	nkids = 0;
}

/* A set of the test's sockets and, when extra > 0, that many inodes nobody holds: above 4096 wanted
 * inodes the iterator reports every socket and the sorting is done here (the other program). */
static pl_socket_set *new_set(const uint64_t inodes[NSOCKS], size_t extra)
{
	pl_socket_set *set = calloc(1, sizeof *set);
	assert_non_null(set);
	set->arena_ = pl_arena_new();
	set->n = NSOCKS + extra;
	set->socks = calloc(set->n, sizeof *set->socks);
	assert_non_null(set->socks);
	for (size_t i = 0; i < set->n; i++) {
		set->socks[i].proto = PL_PROTO_TCP;
		set->socks[i].family = AF_INET;
		set->socks[i].inode = i < NSOCKS ? inodes[i] : (1ull << 40) + i;
	}
	return set;
}

static bool owned_by(const pl_socket_set *set, size_t sock, int pid)
{
	const pl_socket *s = &set->socks[sock];
	for (uint32_t k = 0; k < s->owners_count; k++)
		if (set->procs[set->owner_links[s->owners_first + k]].pid == pid)
			return true;
	return false;
}

static void expect(const pl_socket_set *set, int owners[NSOCKS][2], bool sees_thread)
{
	for (size_t i = 0; i < NSOCKS; i++) {
		const pl_socket *s = &set->socks[i];
		size_t want = owners[i][1] ? 2 : 1;
		if (i == L_THREAD && !sees_thread) {
			assert_int_equal(s->owners_count, 0);
			continue;
		}
		if (s->owners_count != want)
			fail_msg("%s: socket %zu has %u owners, expected %zu (of %zu wanted)", set->owners_method, i, s->owners_count, want, set->n);
		for (size_t k = 0; k < want; k++)
			if (!owned_by(set, i, owners[i][k]))
				fail_msg("%s: socket %zu: pid %d not among its owners", set->owners_method, i, owners[i][k]);
		assert_int_equal(s->owner_status, PL_OWNER_FOUND);
	}
}

static void test_owner_methods_find_the_same_owners(void **state)
{
	(void)state;
	uint64_t inodes[NSOCKS];
	int owners[NSOCKS][2] = {{0}};
	build(inodes, owners);
	for (size_t extra = 0; extra <= 5000; extra += 5000) {
		pl_socket_set *bpf = new_set(inodes, extra), *proc = new_set(inodes, extra);
		pl_error err = {0};
		int rc = pl_sockets_resolve_owners_with(bpf, "/proc", PL_OWNERS_BPF, &err);
		if (rc == PL_EIO) {
			pl_socket_set_free(bpf);
			pl_socket_set_free(proc);
			teardown_kids();
			fprintf(stderr, "# SKIP the BPF iterator is not available here: %s\n", err.msg);
			skip();
		}
		assert_int_equal(rc, 0);
		assert_string_equal(bpf->owners_method, "bpf-iter");
		/* On several CPUs and Linux >= 6.1 the walk is split, one iterator per process (bpf_walk.c): the
		 * answers below come from that walk, the thread with a table of its own included. */
		cpu_set_t cpus;
		struct utsname u;
		unsigned major = 0, minor = 0;
		if (uname(&u) == 0)
			sscanf(u.release, "%u.%u", &major, &minor);
		bool split = sched_getaffinity(0, sizeof cpus, &cpus) == 0 && CPU_COUNT(&cpus) > 1 &&
			     (major > 6 || (major == 6 && minor >= 1));
		if (extra == 0)
			fprintf(stderr, "# the BPF walk ran on %u thread(s)%s\n", pl_bpf_last_walkers(),
				split ? " (one iterator per process expected here)" : "");
		if (split)
			assert_true(pl_bpf_last_walkers() > 1);
		else
			assert_int_equal(pl_bpf_last_walkers(), 1);
		assert_int_equal(pl_sockets_resolve_owners_with(proc, "/proc", PL_OWNERS_PROC, &err), 0);
		assert_string_equal(proc->owners_method, "proc");
		expect(bpf, owners, true);
		expect(proc, owners, false);
		/* The sockets nobody holds: no owner either way, and the same word for it. */
		for (size_t i = NSOCKS; i < bpf->n; i++) {
			assert_int_equal(bpf->socks[i].owners_count, 0);
			assert_int_equal(proc->socks[i].owners_count, 0);
			assert_int_equal(bpf->socks[i].owner_status, proc->socks[i].owner_status);
		}
		pl_socket_set_free(bpf);
		pl_socket_set_free(proc);
	}
	teardown_kids();
}

static void test_owners_walk_proc_and_say_why_when_bpf_is_refused(void **state)
{
	(void)state;
	int fd = listener(false, 0);
	uint64_t inodes[NSOCKS] = {inode_of(fd)};
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (refuse_bpf() != 0)
			_exit(10);
		pl_socket_set *set = new_set(inodes, 0);
		set->n = 1;
		pl_error err = {0};
		if (pl_sockets_resolve_owners_with(set, "/proc", PL_OWNERS_AUTO, &err))
			_exit(11);
		if (!set->owners_method || strcmp(set->owners_method, "proc") != 0)
			_exit(12);
		if (!strstr(set->owners_why, "refused") || !strstr(set->note, "owners: walked /proc ("))
			_exit(13);
		/* Held by the parent and, inherited, by this child. */
		if (set->socks[0].owners_count != 2 || !owned_by(set, 0, getpid()) || !owned_by(set, 0, getppid()))
			_exit(14);
		/* Asked for BPF only, it fails instead of walking. */
		if (pl_sockets_resolve_owners_with(set, "/proc", PL_OWNERS_BPF, &err) != PL_EIO)
			_exit(15);
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(fd);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 10)
	{
		fprintf(stderr, "# SKIP cannot install a seccomp filter here\n");
		skip();
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("the child failed its check %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* A fake /proc tree is never answered from the running kernel. */
static void test_owners_from_a_fake_proc_root_walk_it(void **state)
{
	(void)state;
	uint64_t inodes[NSOCKS] = {1};
	pl_socket_set *set = new_set(inodes, 0);
	pl_error err = {0};
	char dir[] = "/tmp/pl-owners-XXXXXX";
	assert_non_null(mkdtemp(dir));
	assert_int_equal(pl_sockets_resolve_owners_with(set, dir, PL_OWNERS_AUTO, &err), 0);
	assert_string_equal(set->owners_method, "proc");
	assert_int_equal(pl_sockets_resolve_owners_with(set, dir, PL_OWNERS_BPF, &err), PL_EIO);
	rmdir(dir);
	pl_socket_set_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owner_methods_find_the_same_owners),
		cmocka_unit_test(test_owners_walk_proc_and_say_why_when_bpf_is_refused),
		cmocka_unit_test(test_owners_from_a_fake_proc_root_walk_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

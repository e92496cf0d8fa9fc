/* Socket enumeration against REAL sockets the tests open on 127.0.0.1 and ::1 (netlink sock_diag and the
 * /proc/net fallback must agree on them), a hand-written fake /proc/net for the parser's exact output and
 * its refusals, and netlink refused by a seccomp filter in a child process. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "portlore/sockets.h"
#include "sockets/internal.h"

#define TCP (1u << PL_PROTO_TCP)
#define UDP (1u << PL_PROTO_UDP)
#define SCTP (1u << PL_PROTO_SCTP)

/* ---- helpers ---- */

static socklen_t loopback(int family, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof *a;
	}
	struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
	a->sin6_family = AF_INET6;
	a->sin6_port = htons(port);
	a->sin6_addr = in6addr_loopback;
	return sizeof *a;
}

static uint16_t local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
					       ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static uint64_t inode_of(int fd)
{
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	return st.st_ino;
}

/* A socket bound to the loopback address of family (port 0: the kernel picks); -1 when that family has
 * no loopback here (IPv6 disabled). v6only < 0 leaves the option alone. */
static int bound(int family, int type, int proto, uint16_t port, int v6only)
{
	int fd = socket(family, type | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return -1;
	if (family == AF_INET6 && v6only >= 0)
		assert_int_equal(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only), 0);
	struct sockaddr_storage ss;
	socklen_t len = loopback(family, port, &ss);
	if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int tcp_listener(int family, uint16_t port, int v6only)
{
	int fd = bound(family, SOCK_STREAM, 0, port, v6only);
	if (fd >= 0)
		assert_int_equal(listen(fd, 4096), 0);
	return fd;
}

static int tcp_connect(int family, uint16_t port)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_storage ss;
	socklen_t len = loopback(family, port, &ss);
	assert_int_equal(connect(fd, (struct sockaddr *)&ss, len), 0);
	return fd;
}

static pl_socket_set *query(const pl_socket_query *q)
{
	pl_socket_set *set = NULL;
	pl_error err = {0};
	int rc = pl_sockets_query(q, &set, &err);
	if (rc)
		fail_msg("pl_sockets_query: %d %s", rc, err.msg);
	assert_non_null(set);
	return set;
}

static pl_socket_set *query_port(unsigned protos, uint16_t port, bool listening_only, bool procfs)
{
	pl_socket_query q = {.proc_root = "/proc", .protos = protos, .has_port = true, .port = port,
			     .listening_only = listening_only, .force_procfs = procfs};
	return query(&q);
}

static const pl_socket *find_inode(const pl_socket_set *set, uint64_t inode)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->socks[i].inode == inode)
			return &set->socks[i];
	return NULL;
}

/* On a busy host another family may use the same port number (a bind to ::1 does not conflict with a
 * connection from 127.0.0.1), so exact counts are per family. */
static size_t count_family(const pl_socket_set *set, int family)
{
	size_t n = 0;
	for (size_t i = 0; i < set->n; i++)
		n += set->socks[i].family == family;
	return n;
}

static size_t index_of(const pl_socket_set *set, uint64_t inode)
{
	const pl_socket *s = find_inode(set, inode);
	assert_non_null(s);
	return (size_t)(s - set->socks);
}

static void assert_all_on_port(const pl_socket_set *set, uint16_t port)
{
	for (size_t i = 0; i < set->n; i++)
		assert_int_equal(set->socks[i].local_port, port);
}

/* ---- netlink, real sockets ---- */

static void test_diag_finds_tcp4_listener_with_inode_and_uid(void **state)
{
	(void)state;
	int fd = tcp_listener(AF_INET, 0, -1);
	assert_true(fd >= 0);
	uint16_t port = local_port(fd);
	pl_socket_set *set = query_port(TCP, port, false, false);
	assert_false(set->used_procfs);
	assert_all_on_port(set, port);
	assert_int_equal(count_family(set, AF_INET), 1);
	const pl_socket *s = find_inode(set, inode_of(fd));
	assert_non_null(s);
	assert_int_equal(s->proto, PL_PROTO_TCP);
	assert_int_equal(s->family, AF_INET);
	assert_int_equal(s->state, PL_SS_LISTEN);
	assert_string_equal(pl_socket_state_name(s->state, s->proto), "LISTEN");
	assert_true(s->listening);
	assert_string_equal(s->local, "127.0.0.1");
	assert_int_equal(s->local_port, port);
	assert_string_equal(s->remote, "0.0.0.0");
	assert_int_equal(s->remote_port, 0);
	assert_int_equal(s->inode, inode_of(fd));
	assert_int_equal(s->uid, geteuid());
	assert_int_equal(s->ifindex, 0);
	assert_int_equal(s->owner_status, PL_OWNER_UNKNOWN);
	assert_false(s->v6only);
	assert_true(set->self_netns != 0);
	pl_socket_set_free(set);
	close(fd);
}

/* V6ONLY as the kernel has it: a socket bound to a specific IPv6 address (::1) takes no IPv4 whatever the
 * option said, and one bound to the v4-mapped ::ffff:127.0.0.1 with the option off takes only IPv4. */
static void test_diag_finds_tcp6_listeners_and_their_v6only(void **state)
{
	(void)state;
	int only = tcp_listener(AF_INET6, 0, 1);
	if (only < 0) {
		fprintf(stderr, "# SKIP no IPv6 loopback here\n");
		skip();
	}
	int implied = tcp_listener(AF_INET6, 0, 0);
	assert_true(implied >= 0);
	int mapped = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), off = 0;
	assert_int_equal(setsockopt(mapped, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off), 0);
	struct sockaddr_in6 a = {.sin6_family = AF_INET6};
	assert_int_equal(inet_pton(AF_INET6, "::ffff:127.0.0.1", &a.sin6_addr), 1);
	assert_int_equal(bind(mapped, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(mapped, 16), 0);

	pl_socket_set *set = query_port(TCP, local_port(only), false, false);
	assert_int_equal(count_family(set, AF_INET6), 1);
	const pl_socket *s = find_inode(set, inode_of(only));
	assert_non_null(s);
	assert_int_equal(s->family, AF_INET6);
	assert_int_equal(s->state, PL_SS_LISTEN);
	assert_true(s->listening);
	assert_string_equal(s->local, "::1");
	assert_string_equal(s->remote, "::");
	assert_int_equal(s->local_port, local_port(only));
	assert_int_equal(s->uid, geteuid());
	assert_true(s->v6only);
	pl_socket_set_free(set);

	set = query_port(TCP, local_port(implied), false, false);
	s = find_inode(set, inode_of(implied));
	assert_non_null(s);
	assert_true(s->v6only);
	pl_socket_set_free(set);

	set = query_port(TCP, local_port(mapped), false, false);
	s = find_inode(set, inode_of(mapped));
	assert_non_null(s);
	assert_int_equal(s->family, AF_INET6);
	assert_string_equal(s->local, "::ffff:127.0.0.1");
	assert_false(s->v6only);
	pl_socket_set_free(set);
	close(only);
	close(implied);
	close(mapped);
}

static void test_diag_bound_udp_socket_is_listening_unconn_and_connected_one_is_not(void **state)
{
	(void)state;
	int fd = bound(AF_INET, SOCK_DGRAM, 0, 0, -1);
	assert_true(fd >= 0);
	uint16_t port = local_port(fd);
	pl_socket_set *set = query_port(UDP, port, true, false);
	assert_int_equal(count_family(set, AF_INET), 1);
	const pl_socket *s = find_inode(set, inode_of(fd));
	assert_non_null(s);
	assert_int_equal(s->proto, PL_PROTO_UDP);
	assert_int_equal(s->family, AF_INET);
	assert_int_equal(s->state, PL_SS_CLOSE);
	assert_string_equal(pl_socket_state_name(s->state, s->proto), "UNCONN");
	assert_true(s->listening);
	assert_string_equal(s->local, "127.0.0.1");
	assert_int_equal(s->inode, inode_of(fd));
	pl_socket_set_free(set);

	/* A connected UDP socket is ESTABLISHED and is no listener. */
	int c = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_storage ss;
	socklen_t len = loopback(AF_INET, port, &ss);
	assert_int_equal(connect(c, (struct sockaddr *)&ss, len), 0);
	uint16_t cport = local_port(c);
	set = query_port(UDP, cport, false, false);
	s = find_inode(set, inode_of(c));
	assert_non_null(s);
	assert_int_equal(s->state, PL_SS_ESTABLISHED);
	assert_false(s->listening);
	assert_int_equal(s->remote_port, port);
	pl_socket_set_free(set);
	set = query_port(UDP, cport, true, false);
	assert_null(find_inode(set, inode_of(c)));
	pl_socket_set_free(set);
	close(c);
	close(fd);
}

static void test_diag_established_pair_appears_only_when_all_states_are_asked(void **state)
{
	(void)state;
	int l = tcp_listener(AF_INET, 0, -1);
	uint16_t port = local_port(l);
	int c = tcp_connect(AF_INET, port);
	int a = accept(l, NULL, NULL);
	assert_true(a >= 0);
	uint16_t cport = local_port(c);

	/* No filter at all: both ends, with their addresses swapped. */
	pl_socket_query q = {.proc_root = "/proc", .protos = TCP};
	pl_socket_set *set = query(&q);
	const pl_socket *server = find_inode(set, inode_of(a)), *client = find_inode(set, inode_of(c));
	assert_non_null(server);
	assert_non_null(client);
	assert_non_null(find_inode(set, inode_of(l)));
	assert_int_equal(server->state, PL_SS_ESTABLISHED);
	assert_int_equal(client->state, PL_SS_ESTABLISHED);
	assert_string_equal(pl_socket_state_name(server->state, server->proto), "ESTAB");
	assert_false(server->listening);
	assert_int_equal(server->local_port, port);
	assert_int_equal(server->remote_port, cport);
	assert_int_equal(client->local_port, cport);
	assert_int_equal(client->remote_port, port);
	assert_string_equal(server->local, client->remote);
	assert_string_equal(server->remote, client->local);
	pl_socket_set_free(set);

	set = query_port(TCP, port, false, false);
	assert_int_equal(count_family(set, AF_INET), 2);
	assert_int_equal(set->socks[0].inode, inode_of(l)); /* the listener first */
	assert_int_equal(set->socks[1].inode, inode_of(a));
	pl_socket_set_free(set);

	set = query_port(TCP, port, true, false);
	assert_int_equal(count_family(set, AF_INET), 1);
	assert_int_equal(set->socks[0].inode, inode_of(l));
	pl_socket_set_free(set);
	set = query_port(TCP, cport, true, false);
	assert_int_equal(count_family(set, AF_INET), 0);
	pl_socket_set_free(set);

	q.listening_only = true;
	set = query(&q);
	assert_non_null(find_inode(set, inode_of(l)));
	assert_null(find_inode(set, inode_of(a)));
	assert_null(find_inode(set, inode_of(c)));
	for (size_t i = 0; i < set->n; i++)
		assert_true(set->socks[i].listening);
	pl_socket_set_free(set);
	close(a);
	close(c);
	close(l);
}

/* A TCP socket that bound a port and neither listens nor connects still holds the port: Linux 6.7+ lists
 * it (TCP_BOUND_INACTIVE) in state CLOSE. /proc/net/tcp never shows it. */
static void test_diag_lists_bound_inactive_tcp_socket_as_unconn(void **state)
{
	(void)state;
	struct utsname u;
	int major = 0, minor = 0;
	assert_int_equal(uname(&u), 0);
	if (sscanf(u.release, "%d.%d", &major, &minor) != 2 || major * 100 + minor < 607) {
		fprintf(stderr, "# SKIP Linux %s lists no bound-inactive sockets (6.7+)\n", u.release);
		skip();
	}
	int fd = bound(AF_INET, SOCK_STREAM, 0, 0, -1);
	assert_true(fd >= 0);
	uint16_t port = local_port(fd);
	pl_socket_set *set = query_port(TCP, port, false, false);
	const pl_socket *s = find_inode(set, inode_of(fd));
	assert_non_null(s);
	assert_int_equal(s->state, PL_SS_CLOSE);
	assert_string_equal(pl_socket_state_name(s->state, s->proto), "UNCONN");
	assert_false(s->listening);
	assert_string_equal(s->local, "127.0.0.1");
	pl_socket_set_free(set);
	set = query_port(TCP, port, true, false);
	assert_null(find_inode(set, inode_of(fd)));
	pl_socket_set_free(set);
	close(fd);
}

static void test_diag_port_filter_returns_only_that_port(void **state)
{
	(void)state;
	int l1 = tcp_listener(AF_INET, 0, -1), l2 = tcp_listener(AF_INET, 0, -1);
	int u1 = bound(AF_INET, SOCK_DGRAM, 0, local_port(l1), -1); /* same number, other protocol */
	uint16_t p1 = local_port(l1);
	pl_socket_set *set = query_port(0, p1, false, false);
	assert_all_on_port(set, p1);
	assert_non_null(find_inode(set, inode_of(l1)));
	assert_null(find_inode(set, inode_of(l2)));
	assert_int_equal(count_family(set, AF_INET), u1 >= 0 ? 2 : 1);
	if (u1 >= 0) {
		/* one port, listeners first, then by protocol */
		assert_int_equal(find_inode(set, inode_of(u1))->proto, PL_PROTO_UDP);
		assert_true(index_of(set, inode_of(l1)) < index_of(set, inode_of(u1)));
		close(u1);
	}
	pl_socket_set_free(set);
	close(l1);
	close(l2);
}

/* diag.c keeps every socket the kernel sends (it filters nothing by port itself), so counting what a
 * port-filtered dump returns while thousands of other sockets are open shows the kernel's bytecode at work. */
static void test_diag_port_filter_runs_in_the_kernel(void **state)
{
	(void)state;
	enum { N = 2000 };
	struct rlimit rl;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < 2 * N + 64) {
		rl.rlim_cur = rl.rlim_max;
		if (rl.rlim_cur < 2 * N + 64 || setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			fprintf(stderr, "# SKIP RLIMIT_NOFILE %llu < %d\n", (unsigned long long)rl.rlim_max, 2 * N + 64);
			skip();
		}
	}
	int busy = tcp_listener(AF_INET, 0, -1), quiet = tcp_listener(AF_INET, 0, -1);
	uint16_t bport = local_port(busy), qport = local_port(quiet);
	int *fds = malloc(2 * N * sizeof *fds);
	assert_non_null(fds);
	for (int i = 0; i < N; i++) {
		fds[2 * i] = tcp_connect(AF_INET, bport);
		fds[2 * i + 1] = accept(busy, NULL, NULL);
		assert_true(fds[2 * i + 1] >= 0);
	}

	pl_socket_query q = {.proc_root = "/proc", .has_port = true, .port = qport};
	pl_socket_set set = {0};
	pl_error err = {0};
	assert_int_equal(pl_diag_dump(&set, PL_PROTO_TCP, AF_UNSPEC, &q, &err), 0);
	assert_all_on_port(&set, qport);
	assert_int_equal(count_family(&set, AF_INET), 1);
	assert_non_null(find_inode(&set, inode_of(quiet)));

	set.n = 0;
	q.port = bport;
	assert_int_equal(pl_diag_dump(&set, PL_PROTO_TCP, AF_UNSPEC, &q, &err), 0);
	assert_all_on_port(&set, bport);
	/* the listener and the accepted ends; the clients have their own ports */
	assert_int_equal(count_family(&set, AF_INET), N + 1);

	set.n = 0;
	q.listening_only = true;
	assert_int_equal(pl_diag_dump(&set, PL_PROTO_TCP, AF_INET, &q, &err), 0);
	assert_int_equal(set.n, 1);
	free(set.socks);

	for (int i = 0; i < 2 * N; i++)
		close(fds[i]);
	free(fds);
	close(busy);
	close(quiet);
}

struct tuple {
	pl_proto proto;
	int family;
	char local[46], remote[46];
	uint16_t local_port, remote_port;
	uint8_t state;
	uint64_t inode;
	uint32_t uid;
};

static size_t tuples(const pl_socket_set *set, struct tuple *t, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < set->n && n < max; i++, n++) {
		const pl_socket *s = &set->socks[i];
		memset(&t[n], 0, sizeof t[n]);
		t[n].proto = s->proto;
		t[n].family = s->family;
		strcpy(t[n].local, s->local);
		strcpy(t[n].remote, s->remote);
		t[n].local_port = s->local_port;
		t[n].remote_port = s->remote_port;
		t[n].state = s->state;
		t[n].inode = s->inode;
		t[n].uid = s->uid;
	}
	return n;
}

static void test_procfs_fallback_lists_the_same_sockets_as_netlink(void **state)
{
	(void)state;
	int fds[16], nfds = 0;
	uint16_t ports[8];
	int nports = 0;
	int l4 = tcp_listener(AF_INET, 0, -1);
	fds[nfds++] = l4;
	ports[nports++] = local_port(l4);
	int c = tcp_connect(AF_INET, local_port(l4));
	fds[nfds++] = c;
	fds[nfds++] = accept(l4, NULL, NULL);
	ports[nports++] = local_port(c);
	int u4 = bound(AF_INET, SOCK_DGRAM, 0, 0, -1);
	fds[nfds++] = u4;
	ports[nports++] = local_port(u4);
	int l6 = tcp_listener(AF_INET6, 0, 1);
	if (l6 >= 0) {
		fds[nfds++] = l6;
		ports[nports++] = local_port(l6);
		int c6 = tcp_connect(AF_INET6, local_port(l6));
		fds[nfds++] = c6;
		fds[nfds++] = accept(l6, NULL, NULL);
		int u6 = bound(AF_INET6, SOCK_DGRAM, 0, 0, 1);
		fds[nfds++] = u6;
		ports[nports++] = local_port(u6);
	}

	size_t total = 0;
	for (int i = 0; i < nports; i++) {
		pl_socket_set *nl = query_port(TCP | UDP, ports[i], false, false);
		pl_socket_set *pf = query_port(TCP | UDP, ports[i], false, true);
		assert_false(nl->used_procfs);
		assert_true(pf->used_procfs);
		struct tuple a[8], b[8];
		size_t na = tuples(nl, a, 8), nb = tuples(pf, b, 8);
		assert_true(na >= 1);
		assert_int_equal(na, nb);
		for (size_t k = 0; k < na; k++)
			assert_memory_equal(&a[k], &b[k], sizeof a[k]);
		total += na;
		pl_socket_set_free(nl);
		pl_socket_set_free(pf);
	}
	assert_true(total >= 5);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
}

static void test_query_sorts_listeners_first_within_a_port(void **state)
{
	(void)state;
	int l6 = -1, l4 = -1;
	uint16_t port = 0;
	/* the same port on ::1 and 127.0.0.1; the kernel's pick for ::1 may be taken on 127.0.0.1 */
	for (int tries = 0; tries < 20 && l4 < 0; tries++) {
		if (l6 >= 0)
			close(l6);
		l6 = tcp_listener(AF_INET6, 0, 1);
		if (l6 < 0) {
			fprintf(stderr, "# SKIP no IPv6 loopback here\n");
			skip();
		}
		port = local_port(l6);
		l4 = tcp_listener(AF_INET, port, -1);
	}
	assert_true(l4 >= 0);
	int c = tcp_connect(AF_INET, port);
	int a = accept(l4, NULL, NULL);
	assert_true(a >= 0);
	pl_socket_set *set = query_port(TCP, port, false, false);
	/* the IPv4 connection sorts after the IPv6 listener: listeners first, then family */
	assert_true(index_of(set, inode_of(l4)) < index_of(set, inode_of(l6)));
	assert_true(index_of(set, inode_of(l6)) < index_of(set, inode_of(a)));
	for (size_t i = 1; i < set->n; i++)
		assert_true(set->socks[i - 1].listening || !set->socks[i].listening);
	pl_socket_set_free(set);

	/* across ports too: ascending port, listeners first within each */
	pl_socket_query q = {.proc_root = "/proc", .protos = TCP | UDP};
	set = query(&q);
	for (size_t i = 1; i < set->n; i++) {
		const pl_socket *p = &set->socks[i - 1], *s = &set->socks[i];
		assert_true(p->local_port <= s->local_port);
		if (p->local_port == s->local_port)
			assert_true(p->listening || !s->listening);
	}
	pl_socket_set_free(set);
	close(a);
	close(c);
	close(l4);
	close(l6);
}

static void test_sctp_listener_is_found_or_reported_missing(void **state)
{
	(void)state;
	int fd = bound(AF_INET, SOCK_STREAM, IPPROTO_SCTP, 0, -1);
	if (fd >= 0) {
		assert_int_equal(listen(fd, 16), 0);
		uint16_t port = local_port(fd);
		pl_socket_set *set = query_port(SCTP, port, false, false);
		if (set->sctp_missing) { /* SCTP itself works, its diag module is not loaded */
			assert_int_equal(set->n, 0);
			assert_non_null(strstr(set->note, "sctp_diag"));
		} else {
			assert_int_equal(set->n, 1);
			assert_int_equal(set->socks[0].proto, PL_PROTO_SCTP);
			assert_int_equal(set->socks[0].state, PL_SS_LISTEN);
			assert_true(set->socks[0].listening);
			assert_string_equal(set->socks[0].local, "127.0.0.1");
			assert_int_equal(set->socks[0].inode, inode_of(fd));
		}
		pl_socket_set_free(set);
		close(fd);
		return;
	}
	/* No SCTP in this kernel: asked for, it is reported missing, not silently empty, and the note says
	 * there is no SCTP at all rather than naming a diag module that would not help. */
	pl_socket_set *set = query_port(SCTP, 9, false, false);
	assert_true(set->sctp_missing);
	assert_int_equal(set->n, 0);
	assert_string_equal(set->note, "this kernel has no SCTP, so no SCTP socket exists");
	pl_socket_set_free(set);
	/* not asked for, not mentioned */
	set = query_port(TCP, 9, false, false);
	assert_false(set->sctp_missing);
	assert_string_equal(set->note, "");
	pl_socket_set_free(set);
}

/* A child process whose socket(AF_NETLINK, ...) fails with EPERM, as under a seccomp profile. */
static int refuse_netlink(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = sizeof f / sizeof f[0], .filter = f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static void test_netlink_refused_falls_back_to_procfs_with_a_note(void **state)
{
	(void)state;
	int l = tcp_listener(AF_INET, 0, -1);
	uint16_t port = local_port(l);
	uint64_t ino = inode_of(l);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* no cmocka here: its failures would unwind into the parent's runner */
		if (refuse_netlink() != 0)
			_exit(77);
		pl_socket_query q = {.proc_root = "/proc", .has_port = true, .port = port};
		pl_socket_set *set = NULL;
		pl_error err = {0};
		if (pl_sockets_query(&q, &set, &err) != 0)
			_exit(1);
		const pl_socket *s = find_inode(set, ino);
		if (!set->used_procfs || !s || !s->listening || s->local_port != port)
			_exit(2);
		/* this host's kernel may or may not have SCTP: the note must say which */
		const char *sctp = access("/proc/net/sctp", F_OK) == 0 ? "SCTP: not listed from /proc/net"
								       : "this kernel has no SCTP, so no SCTP socket exists";
		char want[256];
		snprintf(want, sizeof want, "netlink sock_diag refused (EPERM): read /proc/net instead; %s", sctp);
		if (strcmp(set->note, want) != 0)
			_exit(3);
		if (!set->sctp_missing)
			_exit(4);
		pl_socket_set_free(set);
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		close(l);
		fprintf(stderr, "# SKIP seccomp is not available to refuse netlink\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(status), 0);
	close(l);
}

/* ---- /proc/net parser, fake tables ---- */

/* Little-endian: the kernel prints each 32-bit word of an address as a host-order integer. */
static const char fake_tcp[] =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
	/* 127.0.0.1:3004 -> 127.0.0.1:54321, ESTABLISHED, wq 16, rq 32, uid 1000, listed before the listeners */
	"   0: 0100007F:0BBC 0100007F:D431 01 00000010:00000020 00:00000000 00000000  1000        0 4343 1 "
	"0000000000000000 20 4 30 10 -1                            \n"
	/* 192.0.2.10:3004 and 192.0.2.9:3004 listening: numerically .9 sorts first */
	"   1: 0A0200C0:0BBC 00000000:0000 0A 00000000:00000005 00:00000000 00000000  1000        0 4242 1 "
	"0000000000000000 100 0 0 10 0\n"
	"   2: 090200C0:0BBC 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4141 1 "
	"0000000000000000 100 0 0 10 0\n"
	/* refused: a port that is not hex, a truncated line, words, an address one digit too long */
	"   3: 0100007F:0BZC 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n"
	"   4: 0100007F:0BBC 00000000:0000 0A 00000000:00000000\n"
	"hello world\n"
	"   5: 0100007F0:0BBC 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0\n"
	"   6: 0100007F:0BBC 00000000:0000 0A 00000000:00000000 00:00000000 00000000    -1        0 3 1 0 100 0\n"
	/* a TIME_WAIT entry: no uid, no inode, its timer as the kernel prints it */
	"   7: 0100007F:0016 0100007F:C350 06 00000000:00000000 03:00001770 00000000     0        0 0 3 "
	"0000000000000000\n";

static const char fake_tcp6[] =
	"  sl  local_address                         remote_address                        st tx_queue rx_queue tr "
	"tm->when retrnsmt   uid  timeout inode\n"
	/* [::1]:3004 listening */
	"   0: 00000000000000000000000001000000:0BBC 00000000000000000000000000000000:0000 0A 00000000:00000000 "
	"00:00000000 00000000     0        0 5555 1 0000000000000000 100 0 0 10 0\n"
	/* [2001:db8::1]:80 listening */
	"   1: B80D0120000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 "
	"00:00000000 00000000     0        0 7777 1 0000000000000000 100 0 0 10 0\n"
	/* [::ffff:127.0.0.1]:8080 -> [::ffff:127.0.0.1]:40000, and no newline at the end of the file */
	"   2: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:9C40 01 00000000:00000000 "
	"00:00000000 00000000    33        0 6666 1 0000000000000000 20 4 30 10 -1";

static char *fake_proc(void)
{
	if (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__)
		return NULL;
	char *dir = tu_tmpdir(), path[4200];
	snprintf(path, sizeof path, "%s/net", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	/* a line longer than the parser's 64 KiB buffer, then a good one */
	const char tail[] = "   8: 0100007F:270F 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "
			    "9090 1 0000000000000000 100 0 0 10 0\n";
	char file[4300];
	snprintf(file, sizeof file, "%s/tcp", path);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fputs(fake_tcp, f);
	for (int i = 0; i < 70000; i++)
		fputc('x', f);
	fputc('\n', f);
	fputs(tail, f);
	assert_int_equal(fclose(f), 0);
	tu_write(path, "tcp6", fake_tcp6, strlen(fake_tcp6));
	return dir;
}

struct want {
	int family;
	const char *local;
	uint16_t port;
	const char *remote;
	uint16_t rport;
	uint8_t state;
	uint64_t inode;
	uint32_t uid;
};

static void test_procnet_parses_fake_tables_exactly_and_skips_malformed_lines(void **state)
{
	(void)state;
	char *dir = fake_proc();
	if (!dir) {
		fprintf(stderr, "# SKIP the fake /proc/net tables are written for a little-endian host\n");
		skip();
	}
	const struct want want[] = {
		{AF_INET, "127.0.0.1", 22, "127.0.0.1", 50000, PL_SS_TIME_WAIT, 0, 0},
		{AF_INET6, "2001:db8::1", 80, "::", 0, PL_SS_LISTEN, 7777, 0},
		{AF_INET, "192.0.2.9", 3004, "0.0.0.0", 0, PL_SS_LISTEN, 4141, 1000},
		{AF_INET, "192.0.2.10", 3004, "0.0.0.0", 0, PL_SS_LISTEN, 4242, 1000},
		{AF_INET6, "::1", 3004, "::", 0, PL_SS_LISTEN, 5555, 0},
		{AF_INET, "127.0.0.1", 3004, "127.0.0.1", 54321, PL_SS_ESTABLISHED, 4343, 1000},
		{AF_INET6, "::ffff:127.0.0.1", 8080, "::ffff:127.0.0.1", 40000, PL_SS_ESTABLISHED, 6666, 33},
		{AF_INET, "127.0.0.1", 9999, "0.0.0.0", 0, PL_SS_LISTEN, 9090, 0},
	};
	pl_socket_query q = {.proc_root = dir, .protos = TCP, .force_procfs = true};
	pl_socket_set *set = query(&q);
	assert_true(set->used_procfs);
	assert_int_equal(set->self_netns, 0); /* the fake has no self/ns/net */
	assert_int_equal(set->n, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < set->n; i++) {
		const pl_socket *s = &set->socks[i];
		assert_int_equal(s->proto, PL_PROTO_TCP);
		assert_int_equal(s->family, want[i].family);
		assert_string_equal(s->local, want[i].local);
		assert_int_equal(s->local_port, want[i].port);
		assert_string_equal(s->remote, want[i].remote);
		assert_int_equal(s->remote_port, want[i].rport);
		assert_int_equal(s->state, want[i].state);
		assert_int_equal(s->listening, want[i].state == PL_SS_LISTEN);
		assert_int_equal(s->inode, want[i].inode);
		assert_int_equal(s->uid, want[i].uid);
		assert_int_equal(s->ifindex, 0);
		assert_false(s->v6only);
		assert_int_equal(s->owner_status, PL_OWNER_UNKNOWN);
	}
	const pl_socket *estab = &set->socks[5];
	assert_int_equal(estab->wqueue, 16);
	assert_int_equal(estab->rqueue, 32);
	assert_int_equal(set->socks[3].rqueue, 5);
	pl_socket_set_free(set);

	/* the filters apply while parsing */
	q.has_port = true;
	q.port = 3004;
	set = query(&q);
	assert_int_equal(set->n, 4);
	pl_socket_set_free(set);
	q.listening_only = true;
	set = query(&q);
	assert_int_equal(set->n, 3);
	for (size_t i = 0; i < set->n; i++)
		assert_true(set->socks[i].listening);
	pl_socket_set_free(set);

	/* absent tables (udp, udp6 here) are no sockets; no net/sctp in the fake tree: a kernel without SCTP */
	pl_socket_query all = {.proc_root = dir, .force_procfs = true};
	set = query(&all);
	assert_int_equal(set->n, sizeof want / sizeof want[0]);
	assert_true(set->sctp_missing);
	assert_string_equal(set->note, "read /proc/net as asked; this kernel has no SCTP, so no SCTP socket exists");
	pl_socket_set_free(set);
	tu_rmtree(dir);
	free(dir);
}

static void test_procnet_absent_table_is_not_found_and_unreadable_is_an_error(void **state)
{
	(void)state;
	char *dir = tu_tmpdir(), path[4200];
	pl_socket_set set = {0};
	pl_socket_query q = {.proc_root = dir};
	pl_error err = {0};
	assert_int_equal(pl_procnet_dump(&set, PL_PROTO_TCP, AF_INET, &q, &err), PL_ENOTFOUND);
	assert_int_equal(pl_procnet_dump(&set, PL_PROTO_SCTP, AF_INET, &q, &err), PL_ENOTFOUND);
	/* a directory where the table should be: open works, read fails */
	snprintf(path, sizeof path, "%s/net", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/net/udp", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(pl_procnet_dump(&set, PL_PROTO_UDP, AF_INET, &q, &err), PL_EIO);
	assert_non_null(strstr(err.msg, "net/udp"));
	pl_socket_set *out = NULL;
	pl_socket_query fq = {.proc_root = dir, .protos = UDP, .force_procfs = true};
	assert_int_equal(pl_sockets_query(&fq, &out, &err), PL_EIO);
	assert_null(out);
	assert_int_equal(set.n, 0);
	tu_rmtree(dir);
	free(dir);
}

/* ---- the set ---- */

static void test_sockset_push_grows_and_survives_truncation(void **state)
{
	(void)state;
	pl_socket_set *set = calloc(1, sizeof *set);
	assert_non_null(set);
	pl_socket s = {0};
	for (uint16_t i = 0; i < 100; i++) {
		s.local_port = i;
		assert_int_equal(pl_sockset_push(set, &s), 0);
	}
	set->n = 16; /* a dump that failed is dropped this way */
	for (uint16_t i = 0; i < 200; i++) {
		s.local_port = (uint16_t)(1000 + i);
		assert_int_equal(pl_sockset_push(set, &s), 0);
	}
	assert_int_equal(set->n, 216);
	assert_int_equal(set->socks[15].local_port, 15);
	assert_int_equal(set->socks[16].local_port, 1000);
	assert_int_equal(set->socks[215].local_port, 1199);
	pl_socket_set_free(set);
	pl_socket_set_free(NULL);
}

static void test_state_names_follow_ss(void **state)
{
	(void)state;
	static const char *names[] = {"UNKNOWN", "ESTAB", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1", "FIN-WAIT-2",
		"TIME-WAIT", "UNCONN", "CLOSE-WAIT", "LAST-ACK", "LISTEN", "CLOSING", "UNKNOWN"};
	for (uint8_t i = 0; i < sizeof names / sizeof names[0]; i++)
		assert_string_equal(pl_socket_state_name(i, PL_PROTO_TCP), names[i]);
	assert_string_equal(pl_socket_state_name(PL_SS_CLOSE, PL_PROTO_UDP), "UNCONN");
	assert_string_equal(pl_socket_state_name(PL_SS_ESTABLISHED, PL_PROTO_UDP), "ESTAB");
}

int main(void)
{
	tu_private_netns();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diag_finds_tcp4_listener_with_inode_and_uid),
		cmocka_unit_test(test_diag_finds_tcp6_listeners_and_their_v6only),
		cmocka_unit_test(test_diag_bound_udp_socket_is_listening_unconn_and_connected_one_is_not),
		cmocka_unit_test(test_diag_established_pair_appears_only_when_all_states_are_asked),
		cmocka_unit_test(test_diag_lists_bound_inactive_tcp_socket_as_unconn),
		cmocka_unit_test(test_diag_port_filter_returns_only_that_port),
		cmocka_unit_test(test_diag_port_filter_runs_in_the_kernel),
		cmocka_unit_test(test_procfs_fallback_lists_the_same_sockets_as_netlink),
		cmocka_unit_test(test_query_sorts_listeners_first_within_a_port),
		cmocka_unit_test(test_sctp_listener_is_found_or_reported_missing),
		cmocka_unit_test(test_netlink_refused_falls_back_to_procfs_with_a_note),
		cmocka_unit_test(test_procnet_parses_fake_tables_exactly_and_skips_malformed_lines),
		cmocka_unit_test(test_procnet_absent_table_is_not_found_and_unreadable_is_an_error),
		cmocka_unit_test(test_sockset_push_grows_and_survives_truncation),
		cmocka_unit_test(test_state_names_follow_ss),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Containers named from fake /proc/PID/cgroup files (every runtime's layout, cgroup v1 beside v2) and the
 * runtimes' state files under a fake state root; NSpid; and the published-port chain's choice of listener
 * (dual-stack wildcard, v6only, a runtime's reservation skipped, the namespace that holds the target). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "portlore/sockets.h"
#include "sockets/internal.h"
#include "util/arena.h"

#define ID_DOCKER "da005a84afe1aaaabbbbccccddddeeeeffff0000111122223333444455556666"
#define ID_DOCKER2 "1111111111111111111111111111111111111111111111111111111111111111"
#define ID_PODMAN "309a72a048d7277e03c146ba35e936696ff71877d11bc7b9e51faa7b0d57dc5b"
#define ID_IMAGE "abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd"
#define ID_K8S "2222222222222222222222222222222222222222222222222222222222222222"
#define ID_CRIO "3333333333333333333333333333333333333333333333333333333333333333"

static void mkdirs(const char *root, const char *rel)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", path, strerror(errno));
}

static void fake_cgroup(const char *root, int pid, const char *cgroup)
{
	char rel[64];
	snprintf(rel, sizeof rel, "%d", pid);
	mkdirs(root, rel);
	snprintf(rel, sizeof rel, "%d/cgroup", pid);
	tu_write(root, rel, cgroup, strlen(cgroup));
}

static const struct {
	int pid;
	const char *cgroup;
	pl_runtime runtime;
	const char *id, *name, *image;
} cases[] = {
	{101, "12:pids:/docker/" ID_DOCKER "\n0::/\n", PL_RUNTIME_DOCKER, ID_DOCKER, "web", "busybox:latest"},
	{102, "0::/\n9:pids:/docker/" ID_DOCKER "\n", PL_RUNTIME_DOCKER, ID_DOCKER, "web", "busybox:latest"},
	{103, "0::/system.slice/docker-" ID_DOCKER2 ".scope\n", PL_RUNTIME_DOCKER, ID_DOCKER2, "", ""},
	{104, "0::/machine.slice/libpod-" ID_PODMAN ".scope/container\n", PL_RUNTIME_PODMAN, ID_PODMAN, "pweb",
	 "localhost/pl13-busybox:latest"},
	{105, "3:cpu:/libpod_parent/libpod-" ID_PODMAN "\n", PL_RUNTIME_PODMAN, ID_PODMAN, "pweb",
	 "localhost/pl13-busybox:latest"},
	{106, "0::/machine.slice/libpod-conmon-" ID_PODMAN ".scope\n", PL_RUNTIME_NONE, NULL, NULL, NULL},
	{107, "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/cri-containerd-" ID_K8S
	      ".scope\n", PL_RUNTIME_KUBERNETES, ID_K8S, "default/web-7d4b9/nginx", ""},
	{108, "0::/system.slice/crio-" ID_CRIO ".scope\n", PL_RUNTIME_CRIO, ID_CRIO, "", ""},
	{109, "0::/lxc.payload.web1/init.scope\n", PL_RUNTIME_LXC, "web1", "web1", ""},
	{110, "1:name=systemd:/lxc/db2\n", PL_RUNTIME_LXC, "db2", "db2", ""},
	{111, "0::/machine.slice/systemd-nspawn@deb12.service/payload\n", PL_RUNTIME_NSPAWN, "deb12", "deb12", ""},
	{112, "0::/user.slice/user-1000.slice/session-3.scope\n", PL_RUNTIME_NONE, NULL, NULL, NULL},
	{113, "0::/kubepods/burstable/pod5/" ID_K8S "\n", PL_RUNTIME_KUBERNETES, ID_K8S, "default/web-7d4b9/nginx", ""},
	{114, "", PL_RUNTIME_NONE, NULL, NULL, NULL},
};

static void test_containers_named_from_cgroup_and_runtime_state(void **state)
{
	(void)state;
	char *proc = tu_tmpdir(), *root = tu_tmpdir();
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		fake_cgroup(proc, cases[i].pid, cases[i].cgroup);
	mkdirs(root, "var/lib/docker/containers/" ID_DOCKER);
	const char *cfg = "{\"Name\":\"/web\",\"Config\":{\"Image\":\"busybox:latest\"},\"State\":{\"Pid\":101}}";
	tu_write(root, "var/lib/docker/containers/" ID_DOCKER "/config.v2.json", cfg, strlen(cfg));
	mkdirs(root, "var/lib/containers/storage/overlay-containers");
	mkdirs(root, "var/lib/containers/storage/overlay-images");
	const char *pc = "[{\"id\":\"ffff\",\"names\":[\"other\"]},{\"id\":\"" ID_PODMAN "\",\"names\":[\"pweb\"],\"image\":\"" ID_IMAGE "\"}]";
	tu_write(root, "var/lib/containers/storage/overlay-containers/containers.json", pc, strlen(pc));
	const char *pi = "[{\"id\":\"" ID_IMAGE "\",\"names\":[\"localhost/pl13-busybox:latest\"]}]";
	tu_write(root, "var/lib/containers/storage/overlay-images/images.json", pi, strlen(pi));

	mkdirs(root, "var/log/containers");
	tu_write(root, "var/log/containers/web-7d4b9_default_nginx-" ID_K8S ".log", "", 0);
	tu_write(root, "var/log/containers/other_default_nginx-" ID_CRIO "0.log", "", 0); /* not its id */

	pl_socket_set *set = calloc(1, sizeof *set);
	assert_non_null(set);
	set->nprocs = sizeof cases / sizeof cases[0];
	set->procs = calloc(set->nprocs, sizeof *set->procs);
	assert_non_null(set->procs);
	for (size_t i = 0; i < set->nprocs; i++)
		set->procs[i].pid = cases[i].pid;
	pl_socket_query q = {.proc_root = proc, .state_root = root};
	pl_ct_ctx ctx = {0};
	assert_int_equal(pl_containers_of_procs(set, &q, &ctx), 0);
	pl_ct_ctx_free(&ctx);
	for (size_t i = 0; i < set->nprocs; i++) {
		int c = set->procs[i].container;
		if (cases[i].runtime == PL_RUNTIME_NONE) {
			if (c != -1)
				fail_msg("pid %d: container %d, wanted none", cases[i].pid, c);
			continue;
		}
		assert_true(c >= 0 && (size_t)c < set->ncontainers);
		const pl_container *ct = &set->containers[c];
		if (ct->runtime != cases[i].runtime || strcmp(ct->id, cases[i].id) || strcmp(ct->name, cases[i].name) ||
		    strcmp(ct->image, cases[i].image))
			fail_msg("pid %d: %s %s '%s' '%s'", cases[i].pid, pl_runtime_name(ct->runtime), ct->id, ct->name,
				 ct->image);
	}
	/* one entry per container, whichever of its processes named it */
	assert_int_equal(set->procs[0].container, set->procs[1].container);
	assert_int_equal(set->procs[3].container, set->procs[4].container);
	assert_int_equal(set->procs[6].container, set->procs[12].container);
	assert_int_equal(set->ncontainers, 8);
	assert_true(set->containers[set->procs[0].container].state_read);
	assert_false(set->containers[set->procs[2].container].state_read); /* no config.v2.json for it */
	pl_socket_set_free(set);
	tu_rmtree(proc);
	tu_rmtree(root);
	free(proc);
	free(root);
}

static void test_proc_fill_reads_pid_inside_the_container(void **state)
{
	(void)state;
	char *proc = tu_tmpdir();
	mkdirs(proc, "200");
	mkdirs(proc, "201");
	const char *in = "Name:\thttpd\nUid:\t0\t0\t0\t0\nNSpid:\t15393\t1\n";
	const char *out = "Name:\tsshd\nUid:\t0\t0\t0\t0\nNSpid:\t201\n";
	tu_write(proc, "200/status", in, strlen(in));
	tu_write(proc, "201/status", out, strlen(out));
	int fd = open(proc, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	pl_proc_ctx c;
	pl_proc_ctx_init(&c, fd, 0);
	pl_arena *a = pl_arena_new();
	pl_process p;
	assert_int_equal(pl_proc_fill(&c, 200, a, &p), 0);
	assert_int_equal(p.nspid, 1);
	assert_int_equal(p.container, -1);
	assert_int_equal(pl_proc_fill(&c, 201, a, &p), 0);
	assert_int_equal(p.nspid, 0);
	pl_arena_free(a);
	close(fd);
	tu_rmtree(proc);
	free(proc);
}

static pl_socket sock(uint32_t netns, int family, const char *addr, uint16_t port, bool v6only)
{
	pl_socket s;
	memset(&s, 0, sizeof s);
	s.proto = PL_PROTO_TCP;
	s.family = family;
	s.listening = true;
	s.state = PL_SS_LISTEN;
	s.v6only = v6only;
	snprintf(s.local, sizeof s.local, "%s", addr);
	s.local_port = port;
	s.netns = netns;
	return s;
}

static void add_addr(pl_addr_list *l, uint32_t ns, int family, const char *text)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
		assert_non_null(l->v);
	}
	pl_ns_addr *x = &l->v[l->n++];
	memset(x, 0, sizeof *x);
	x->netns = ns;
	x->family = family;
	assert_int_equal(inet_pton(family, text, x->addr), 1);
}

static void test_publish_follows_target_to_the_listener_in_its_namespace(void **state)
{
	(void)state;
	pl_socket_set *set = calloc(1, sizeof *set);
	assert_non_null(set);
	set->arena_ = pl_arena_new();
	set->nnetns = 3;
	set->netns = calloc(3, sizeof *set->netns);
	for (int i = 0; i < 3; i++)
		set->netns[i] = (pl_netns){.ino = 4026531840u + (unsigned)i, .self = i == 0, .entered = true, .container = -1};
	set->netns[2].container = 0;
	set->ncontainers = 1;
	set->containers = calloc(1, sizeof *set->containers);
	set->containers[0] = (pl_container){.runtime = PL_RUNTIME_DOCKER, .id = ID_DOCKER, .name = "web"};
	/* ns 1: v6only wildcard on 80 (takes no IPv4); ns 2: dual-stack wildcard on 80; ns 0: a listener on
	 * 80 too, which is not where 10.0.0.2 lives */
	pl_socket s[] = {sock(0, AF_INET, "0.0.0.0", 80, false), sock(1, AF_INET6, "::", 80, true),
			 sock(2, AF_INET6, "::", 80, false), sock(2, AF_INET, "127.0.0.1", 81, false)};
	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
		assert_int_equal(pl_sockset_push(set, &s[i]), 0);
	size_t cap = 0;
	pl_publish p = {.proto = PL_PROTO_TCP, .family = AF_INET, .host_addr = "127.0.0.1", .host_prefix = 32,
			.host_port = 8080, .host_port_last = 8080, .to_addr = "10.0.0.2", .to_port = 80};
	assert_int_equal(pl_publish_push(set, &cap, &p), 0);
	pl_publish q2 = p;
	snprintf(q2.to_addr, sizeof q2.to_addr, "10.0.0.1"); /* held by ns 1, whose only listener is v6only */
	q2.host_port = q2.host_port_last = 8081;
	assert_int_equal(pl_publish_push(set, &cap, &q2), 0);
	pl_publish q3 = p;
	snprintf(q3.to_addr, sizeof q3.to_addr, "192.0.2.9"); /* held by nobody */
	q3.host_port = q3.host_port_last = 8082;
	assert_int_equal(pl_publish_push(set, &cap, &q3), 0);
	pl_addr_list addrs = {0};
	add_addr(&addrs, 0, AF_INET, "127.0.0.1");
	add_addr(&addrs, 1, AF_INET, "10.0.0.1");
	add_addr(&addrs, 2, AF_INET, "10.0.0.2");
	pl_publish_resolve(set, &addrs);
	assert_int_equal(set->published[0].netns, 2);
	assert_int_equal(set->published[0].container, 0);
	assert_int_equal(set->published[0].listener, 2);
	assert_int_equal(set->published[1].netns, 1);
	assert_int_equal(set->published[1].listener, -1);
	assert_int_equal(set->published[2].netns, -1);
	assert_int_equal(set->published[2].listener, -1);

	uint32_t idx[4];
	assert_int_equal(pl_published_find(set, 8081, PL_PROTO_NONE, idx, 4), 1);
	assert_int_equal(idx[0], 1);
	assert_int_equal(pl_published_find(set, 8081, PL_PROTO_UDP, idx, 4), 0);
	assert_int_equal(pl_published_find(set, 9000, PL_PROTO_TCP, idx, 4), 0);
	free(addrs.v);
	pl_socket_set_free(set);
}

static void test_runtime_helpers_are_reservations(void **state)
{
	(void)state;
	pl_socket_set set;
	memset(&set, 0, sizeof set);
	pl_process procs[2];
	memset(procs, 0, sizeof procs);
	snprintf(procs[0].comm, sizeof procs[0].comm, "docker-proxy");
	snprintf(procs[1].comm, sizeof procs[1].comm, "nginx");
	uint32_t links[2] = {0, 1};
	set.procs = procs;
	set.nprocs = 2;
	set.owner_links = links;
	set.nlinks = 2;
	pl_socket s = sock(0, AF_INET, "127.0.0.1", 8080, false);
	s.owners_first = 0;
	s.owners_count = 1;
	assert_non_null(pl_socket_reservation(&set, &s));
	s.owners_first = 1;
	assert_null(pl_socket_reservation(&set, &s));
	snprintf(procs[1].comm, sizeof procs[1].comm, "conmon");
	assert_non_null(pl_socket_reservation(&set, &s));
	s.listening = false; /* a connection of the proxy's is not a hold on a port */
	assert_null(pl_socket_reservation(&set, &s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_containers_named_from_cgroup_and_runtime_state),
		cmocka_unit_test(test_proc_fill_reads_pid_inside_the_container),
		cmocka_unit_test(test_publish_follows_target_to_the_listener_in_its_namespace),
		cmocka_unit_test(test_runtime_helpers_are_reservations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

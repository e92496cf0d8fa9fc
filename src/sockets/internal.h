/* Sockets internals shared by query.c, diag.c, procnet.c, owners.c and proc.c (not public). */
#ifndef PL_SOCKETS_INTERNAL_H
#define PL_SOCKETS_INTERNAL_H

#include "portlore/sockets.h"
#include "util/arena.h"

/* What a pl_socket_set owns, all freed by pl_socket_set_free: socks, procs and owner_links are arrays
 * from malloc/realloc (socks grows only through pl_sockset_push, whose capacity is implied by n: do not
 * hand it an array allocated otherwise); every string a pl_process points to (cmdline, exe, cgroup) is
 * allocated from (pl_arena *)set->arena_, which pl_sockets_query creates with pl_arena_new. */

/* Appends a copy of *s to set->socks; 0 or PL_ENOMEM. */
int pl_sockset_push(pl_socket_set *set, const pl_socket *s);
/* A uid's user name, or its number (user.c): one getpwuid_r, no cache. */
void pl_sockets_lookup_user(uint32_t uid, char *buf, size_t size);
/* Names the uids of the set's sockets once (user.c); 0 or PL_ENOMEM. */
int pl_sockset_fill_users(pl_socket_set *set);
/* Appends a sentence to set->note ("; "-separated), cut at the note's size. */
void pl_sockset_note(pl_socket_set *set, const char *text);

/* Netlink sock_diag (diag.c): appends the sockets of one protocol and family (AF_UNSPEC: both, in one
 * walk of the kernel's tables for TCP); PL_EIO when netlink is refused, with a message that starts
 * "netlink sock_diag refused (EPERM)" (the caller falls back to procfs and quotes it), PL_ENOTFOUND when
 * the kernel has no diag handler for the protocol (SCTP without its module). On error, sockets already
 * appended stay: the caller truncates set->n. */
int pl_diag_dump(pl_socket_set *set, pl_proto proto, int family, const pl_socket_query *q, pl_error *err);
/* /proc/net/{tcp,tcp6,udp,udp6} (procnet.c): the fallback, same contract but one family at a time;
 * PL_ENOTFOUND when the table is absent (no IPv6) or for a protocol it does not read (SCTP). */
int pl_procnet_dump(pl_socket_set *set, pl_proto proto, int family, const pl_socket_query *q, pl_error *err);

/* Owner details (proc.c), for owners.c: one context per walk, so that boot time and user names are
 * looked up once. */
typedef struct pl_proc_ctx {
	int proc_fd;             /* proc_root, open */
	uint64_t hz;             /* clock ticks per second */
	uint64_t btime;          /* boot time, seconds since the epoch; 0 when unknown */
	bool btime_read;
	uint64_t self_netns;
	struct {
		uint32_t uid;
		char name[64];
	} users[16];
	int nusers;
} pl_proc_ctx;

void pl_proc_ctx_init(pl_proc_ctx *c, int proc_fd, uint64_t self_netns);
/* Fills p for pid from proc_root/PID; the strings (cmdline, exe, cgroup) are allocated from a. A file that
 * cannot be read leaves its field empty (a process may exit meanwhile): the only error is PL_ENOMEM. */
int pl_proc_fill(pl_proc_ctx *c, int pid, pl_arena *a, pl_process *p);

/* Namespaces (netns.c): every one on the host into set->netns ([0]: the caller's), from /proc/PID/ns/net
 * and the bind mounts under state_root/run/netns and /run/docker/netns; *unseen counts processes whose
 * namespace could not be seen (not root). */
int pl_netns_list(pl_socket_set *set, const char *proc_root, const char *state_root, size_t *unseen,
		  pl_error *err);
bool pl_netns_selected(const pl_socket_set *set, const pl_netns *ns, const char *sel);

/* The addresses of every entered namespace, to find which one holds a DNAT target. */
typedef struct pl_ns_addr {
	uint32_t netns;
	int family;
	unsigned char addr[16];
} pl_ns_addr;
typedef struct pl_addr_list {
	pl_ns_addr *v;
	size_t n, cap;
} pl_addr_list;
/* Appends the addresses of the current namespace (RTM_GETADDR) tagged with netns. */
int pl_netns_addrs(pl_addr_list *list, uint32_t netns, pl_error *err);
int pl_netns_holding(const pl_addr_list *list, int family, const char *addr);

/* Containers (containers.c): each namespace's and each owner's container. One context per query: the
 * capacity of set->containers, and Podman's state files parsed once however many containers they name. */
typedef struct pl_ct_ctx {
	size_t cap;
	bool podman_loaded;
	void *podman_containers, *podman_images; /* json_t * */
} pl_ct_ctx;
int pl_containers_of_netns(pl_socket_set *set, const pl_socket_query *q, pl_ct_ctx *c);
int pl_containers_of_procs(pl_socket_set *set, const pl_socket_query *q, pl_ct_ctx *c);
void pl_ct_ctx_free(pl_ct_ctx *c);
/* The container a /proc/PID/cgroup text (NUL-terminated) names, and its id (or LXC/nspawn name) in id. */
pl_runtime pl_container_classify(const char *text, char id[65]);

/* DNAT rules (nat.c, natlegacy.c) appended to set->published, *cap its capacity; then followed to their
 * namespace, container and listener (publish.c) once sockets are sorted and owners known. */
int pl_publish_push(pl_socket_set *set, size_t *cap, const pl_publish *p);
int pl_nat_nftables(pl_socket_set *set, size_t *cap, pl_error *err);
int pl_nat_legacy(pl_socket_set *set, size_t *cap, const char *proc_root, pl_error *err);
void pl_publish_resolve(pl_socket_set *set, const pl_addr_list *addrs);
/* When the rules cannot be read: what each docker-proxy's command line says it forwards. */
int pl_publish_from_proxies(pl_socket_set *set, size_t *cap, const char *proc_root);

#endif

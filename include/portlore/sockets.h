/* The sockets module: what is ACTUALLY there on this host: every socket on a port (or all of them), the
 * processes that hold them, and the kernel's port policy (who may bind what, the ephemeral range).
 * This header is the whole interface; src/sockets/ implements it for Linux (netlink sock_diag through
 * libmnl, /proc/net as a fallback, /proc/PID/fd for owners). docs/backends.md says what a macOS or
 * FreeBSD backend would use. Every path is read under an explicit proc_root (a fake /proc in tests). */
#ifndef PORTLORE_SOCKETS_H
#define PORTLORE_SOCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portlore/transport.h"

#include "portlore/error.h"

#define PL_MAX_RESERVED_RANGES 256

typedef struct pl_host_ports {
	int unpriv_start;       /* net.ipv4.ip_unprivileged_port_start, -1 when unreadable */
	int eph_lo, eph_hi;     /* net.ipv4.ip_local_port_range, -1 when unreadable */
	/* net.ipv4.ip_local_reserved_ports: kept out of the ephemeral pool for listeners */
	uint16_t reserved[PL_MAX_RESERVED_RANGES][2];
	int nreserved;          /* -1 when unreadable */
	bool root;              /* the calling user can bind any port (euid 0 or CAP_NET_BIND_SERVICE) */
} pl_host_ports;

/* Reads the sysctls under proc_root ("/proc" normally). Never fails: unknown values are -1. */
void pl_host_ports_read(const char *proc_root, pl_host_ports *out);
bool pl_host_port_reserved(const pl_host_ports *h, uint16_t port);

/* ---- sockets ---- */

/* Kernel TCP state numbers (include/net/tcp_states.h), also used for UDP/SCTP as the kernel reports them. */
enum {
	PL_SS_ESTABLISHED = 1, PL_SS_SYN_SENT, PL_SS_SYN_RECV, PL_SS_FIN_WAIT1, PL_SS_FIN_WAIT2, PL_SS_TIME_WAIT,
	PL_SS_CLOSE, PL_SS_CLOSE_WAIT, PL_SS_LAST_ACK, PL_SS_LISTEN, PL_SS_CLOSING,
};

typedef enum pl_owner_status {
	PL_OWNER_FOUND = 0, /* owners[] lists every process holding the socket */
	PL_OWNER_HIDDEN,    /* a process holds it, but we may not see which (not root, hidepid): say so */
	PL_OWNER_NONE,      /* no process holds it (TIME_WAIT, an orphan: inode 0) */
	PL_OWNER_UNKNOWN,   /* owners were not looked up (the caller did not ask) */
} pl_owner_status;

typedef struct pl_socket {
	pl_proto proto;
	int family;              /* AF_INET or AF_INET6 */
	uint8_t state;           /* PL_SS_*; UDP: PL_SS_CLOSE when unconnected ("listening"), ESTABLISHED when connected */
	bool listening;          /* TCP/SCTP LISTEN, or an unconnected UDP socket bound to a port */
	bool v6only;             /* an AF_INET6 socket that takes no IPv4 (IPV6_V6ONLY), when known */
	char local[46], remote[46]; /* numeric addresses, no brackets; "*" for the wildcard is NOT used: 0.0.0.0 / :: */
	uint16_t local_port, remote_port;
	uint64_t inode;          /* 0 when the kernel reports none */
	uint32_t uid;            /* the socket's owner uid as the kernel reports it */
	uint32_t ifindex;        /* bound device, 0 if none */
	uint32_t rqueue, wqueue;
	pl_owner_status owner_status;
	uint32_t owners_first, owners_count; /* a slice of pl_socket_set.owner_links: indices into procs[] */
	/* FOUND, but the list is likely incomplete: some processes could not be inspected and none of the
	 * owners seen runs as the socket's uid (the root nginx master missing beside its nobody workers). */
	bool owners_partial;
	uint32_t netns;          /* index into pl_socket_set.netns (0: the caller's own namespace) */
	bool extra;              /* not on the port asked for: the listener behind a published port */
} pl_socket;

typedef struct pl_process {
	int pid;
	uint32_t uid;
	char comm[32];           /* /proc/PID/comm */
	char user[64];           /* the uid's name, or the number */
	char *cmdline;           /* arguments joined by spaces ("" when unreadable, e.g. a zombie) */
	char *exe;               /* readlink of /proc/PID/exe, NULL when not visible */
	uint64_t start_time;     /* seconds since the epoch */
	char *cgroup;            /* the unified (v2) cgroup path, or the first v1 line's path */
	char container_id[65];   /* a 64-hex container id found in the cgroup path, or "" */
	char unit[128];          /* the systemd unit (.service/.scope) from the cgroup path, or "" */
	uint64_t netns;          /* inode of /proc/PID/ns/net, 0 when not visible */
	bool other_netns;        /* in another network namespace than the caller's */
	int nspid;               /* its pid inside its own pid namespace (NSpid's last), 0 when unknown */
	int container;           /* index into pl_socket_set.containers, -1 when in none */
	bool runtime_known;      /* pl_proc_fill classified its cgroup file: the pl_runtime it names and that */
	int runtime;             /* runtime's id, what containers.c matches without reading the file again */
	char runtime_id[65];
} pl_process;

/* How owners are found: AUTO tries the kernel's task_file iterator (BPF, root, Linux >= 5.8 with BTF, the
 * host's pid namespace, proc_root "/proc") and walks /proc when it is refused; BPF fails instead of walking
 * (tests); PROC always walks /proc. Never a merge of both. */
typedef enum pl_owner_method { PL_OWNERS_AUTO = 0, PL_OWNERS_BPF, PL_OWNERS_PROC } pl_owner_method;
/* ---- namespaces, containers, published ports (netns.c, containers.c, nat.c) ---- */

typedef struct pl_netns {
	uint64_t ino, dev;       /* the namespace's identity (stat of /proc/PID/ns/net) */
	int pid;                 /* a process inside it, 0 when only a bind mount holds it */
	char path[128];          /* where it was opened: /proc/PID/ns/net or a bind mount */
	char name[64];           /* the bind mount's name (/run/netns/NAME, Docker's sandbox key), or "" */
	bool self;               /* the caller's own */
	bool entered;            /* its sockets were read */
	char error[96];          /* why it could not be entered, when !entered */
	int container;           /* index into pl_socket_set.containers, -1 */
} pl_netns;

typedef enum pl_runtime {
	PL_RUNTIME_NONE = 0, PL_RUNTIME_DOCKER, PL_RUNTIME_PODMAN, PL_RUNTIME_CONTAINERD, PL_RUNTIME_KUBERNETES,
	PL_RUNTIME_CRIO, PL_RUNTIME_LXC, PL_RUNTIME_NSPAWN,
} pl_runtime;

typedef struct pl_container {
	pl_runtime runtime;
	char id[65];             /* the runtime's id (64 hex), or the LXC/nspawn machine name */
	char name[128];          /* from the runtime's state, "" when unreadable */
	char image[160];         /* from the runtime's state, "" when unreadable */
	int pid;                 /* a host pid inside it (its first process seen), 0 */
	uint64_t netns;          /* its network namespace inode, 0 */
	bool state_read;         /* name/image came from the runtime's state files */
} pl_container;

/* A published port: a DNAT rule (host address:port -> target address:port) and where it leads. */
typedef struct pl_publish {
	pl_proto proto;
	int family;              /* AF_INET or AF_INET6 */
	char host_addr[46];      /* the destination the rule matches, "" for any local address */
	uint8_t host_prefix;     /* its prefix length (32/128 for one address) */
	uint16_t host_port, host_port_last;
	char to_addr[46];        /* the DNAT target, "" when the rule keeps the address */
	uint16_t to_port;        /* 0 when the rule keeps the port */
	char source[16];         /* "nftables", "iptables-nft", "iptables-legacy" */
	char table[32], chain[64];
	char comment[128];
	int netns;               /* the namespace that holds to_addr (index into netns), -1 unknown */
	int container;           /* the container behind it (index into containers), -1 */
	int listener;            /* the socket listening on to_addr:to_port there (index into socks), -1 */
} pl_publish;

typedef struct pl_socket_set pl_socket_set;
const char *pl_runtime_name(pl_runtime r); /* "docker", "podman", ... "" */
/* The published port entries whose host side covers port/proto (proto NONE: any); fills up to max indices
 * into set->published and returns how many there are. */
size_t pl_published_find(const pl_socket_set *set, uint16_t port, pl_proto proto, uint32_t *out, size_t max);
/* A container runtime's helper holding a published port for a container (docker-proxy, dockerd's
 * reservation, conmon, rootlessport): a sentence saying so, or NULL when s is not one. */
const char *pl_socket_reservation(const pl_socket_set *set, const pl_socket *s);

typedef struct pl_socket_query {
	const char *proc_root;   /* "/proc" */
	unsigned protos;         /* bits (1u << PL_PROTO_TCP) ...; 0 means tcp|udp|sctp */
	bool listening_only;
	bool listeners_first;    /* only the listeners when there are some, else every socket (a port's report) */
	bool has_port;           /* filter on this local port, in the kernel when netlink is used */
	uint16_t port;
	bool owners;             /* also resolve the owning processes */
	bool force_procfs;       /* test hook: skip netlink, read /proc/net as when netlink is refused */
	pl_owner_method owner_method;
	bool all_netns;          /* every network namespace (those the caller may enter), not only its own */
	const char *netns;       /* only this namespace: "self", a /run/netns name, an inode, a container's name
	                          * or id, or a path; NULL for all (with all_netns) */
	bool containers;         /* name the containers of owners and namespaces (runtime state files) */
	bool published;          /* read the DNAT rules (nftables, iptables-legacy) and follow them */
	const char *state_root;  /* test hook: prefix for /var/lib/docker, /var/lib/containers, /run ("") */
} pl_socket_query;

typedef struct pl_socket_set {
	pl_socket *socks;
	size_t n;
	pl_process *procs;
	size_t nprocs;
	uint32_t *owner_links;
	int32_t *owner_fds;      /* parallel to owner_links: the descriptor number the process holds it by
				  * (the lowest, when several), -1 when unknown; NULL when no backend filled it */
	size_t nlinks;
	bool used_procfs;        /* netlink was refused: /proc/net was read instead */
	bool connections_skipped; /* listeners_first found listeners: the port's connections were not read */
	bool sctp_missing;       /* SCTP was asked for but the kernel has no SCTP diag (module not loaded) */
	bool owners_partial;     /* some /proc entries could not be read: some owners are PL_OWNER_HIDDEN */
	uint64_t self_netns;     /* the caller's network namespace inode, 0 when unknown */
	bool caller_root;        /* running as root: a hidden owner is then hidden even from root (a sandbox) */
	char note[512];          /* a sentence for the user about the above, or "" */
	const char *owners_method; /* "bpf-iter" or "proc" once owners were looked up, else NULL */
	char owners_why[256];    /* why the BPF iterator was not used ("" when it was, or not tried) */
	unsigned owners_threads; /* threads the search ran on (bpf-iter: more than one means one iterator per
				  * process; proc: the /proc walk's); 0 before a search */
	void *arena_;            /* private */
	struct pl_sock_user { uint32_t uid; char name[64]; } *users_; /* private: the sockets' uids, named */
	size_t nusers_;
	pl_netns *netns;         /* [0] is the caller's; the others when all_netns */
	size_t nnetns;
	size_t netns_skipped;    /* namespaces seen but not entered (not root): their error says why */
	pl_container *containers;
	size_t ncontainers;
	pl_publish *published;
	size_t npublished;
	char nat_error[128];     /* why DNAT rules could not be read, or "" */
} pl_socket_set;

/* Enumerates sockets (and their owners when q->owners), sorted by (local port, listeners first, proto,
 * family, state, local address). PL_EIO only when neither netlink nor /proc/net can be read. */
int pl_sockets_query(const pl_socket_query *q, pl_socket_set **out, pl_error *err);
/* Fills owner_status and owners of every socket of set by walking proc_root/[pid]/fd. */
int pl_sockets_resolve_owners(pl_socket_set *set, const char *proc_root, pl_error *err);
/* The same with a choice of method (see pl_owner_method); PL_EIO when BPF was required and refused. */
int pl_sockets_resolve_owners_with(pl_socket_set *set, const char *proc_root, pl_owner_method method,
	pl_error *err);
void pl_socket_set_free(pl_socket_set *set);
const char *pl_socket_state_name(uint8_t state, pl_proto proto); /* "LISTEN", "ESTAB", "UNCONN", ... */
/* The user name of uid ("root"), or its number when it has none (user.c): from the names the set looked
 * up once for its sockets' uids (set may be NULL: then looked up now). */
void pl_sockets_user_name(const pl_socket_set *set, uint32_t uid, char *buf, size_t size);

#endif

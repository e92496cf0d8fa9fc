/* pl_sockets_query: which sources to ask (netlink first, /proc/net when netlink is refused), the set's
 * memory (grown arrays plus one arena, all freed by pl_socket_set_free), the sort order the report relies
 * on, and the owners step. The per-source parsing lives in diag.c and procnet.c. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "internal.h"

/* The capacity is not stored: it is max(16, the power of two >= n), so the array grows when n reaches
 * it. Truncating n (query.c drops a failed dump) leaves a larger array than that, which stays correct. */
int pl_sockset_push(pl_socket_set *set, const pl_socket *s)
{
	size_t n = set->n;
	if (n == 0 || (n >= 16 && (n & (n - 1)) == 0)) {
		size_t cap = n < 16 ? 16 : n * 2;
		if (cap > SIZE_MAX / sizeof *set->socks)
			return PL_ENOMEM;
		pl_socket *p = realloc(set->socks, cap * sizeof *p);
		if (!p)
			return PL_ENOMEM;
		set->socks = p;
	}
	set->socks[n] = *s;
	set->n = n + 1;
	return 0;
}

void pl_socket_set_free(pl_socket_set *set)
{
	if (!set)
		return;
	free(set->socks);
	free(set->procs);
	free(set->owner_links);
	free(set->owner_fds);
	free(set->users_);
	pl_arena_free(set->arena_);
	free(set);
}

const char *pl_socket_state_name(uint8_t state, pl_proto proto)
{
	(void)proto; /* SCTP association states are mapped to these by diag.c */
	switch (state) {
	case PL_SS_ESTABLISHED:
		return "ESTAB";
	case PL_SS_SYN_SENT:
		return "SYN-SENT";
	case PL_SS_SYN_RECV:
		return "SYN-RECV";
	case PL_SS_FIN_WAIT1:
		return "FIN-WAIT-1";
	case PL_SS_FIN_WAIT2:
		return "FIN-WAIT-2";
	case PL_SS_TIME_WAIT:
		return "TIME-WAIT";
	case PL_SS_CLOSE:
		return "UNCONN";
	case PL_SS_CLOSE_WAIT:
		return "CLOSE-WAIT";
	case PL_SS_LAST_ACK:
		return "LAST-ACK";
	case PL_SS_LISTEN:
		return "LISTEN";
	case PL_SS_CLOSING:
		return "CLOSING";
	default:
		return "UNKNOWN";
	}
}

/* Equal text first: most neighbours share an address, and inet_pton is only needed when they differ. */
static int addr_cmp(int family, const char *a, const char *b)
{
	int c = strcmp(a, b);
	if (c == 0)
		return 0;
	unsigned char x[16], y[16];
	if (inet_pton(family, a, x) == 1 && inet_pton(family, b, y) == 1)
		return memcmp(x, y, family == AF_INET ? 4 : 16);
	return c;
}

#define CMP(a, b) do { if ((a) != (b)) return (a) < (b) ? -1 : 1; } while (0)

/* (local port, listeners first, proto, family, state, local address), then the rest for a stable order. */
static int sock_cmp(const void *pa, const void *pb)
{
	const pl_socket *a = pa, *b = pb;
	CMP(a->local_port, b->local_port);
	CMP(!a->listening, !b->listening);
	CMP(a->proto, b->proto);
	CMP(a->family, b->family);
	CMP(a->state, b->state);
	int c = addr_cmp(a->family, a->local, b->local);
	if (c)
		return c;
	CMP(a->remote_port, b->remote_port);
	c = addr_cmp(a->family, a->remote, b->remote);
	if (c)
		return c;
	CMP(a->inode, b->inode);
	return 0;
}

void pl_sockset_note(pl_socket_set *set, const char *text)
{
	size_t len = strlen(set->note);
	snprintf(set->note + len, sizeof set->note - len, "%s%s", len ? "; " : "", text);
}

/* Every socket of one (proto, family) from /proc/net; a table that is absent (no IPv6) is no socket.
 * A failure names netlink's refusal too, when there was one: then neither source could be read. */
static int from_procfs(pl_socket_set *set, pl_proto proto, int family, const pl_socket_query *q,
	const char *netlink_why, pl_error *err)
{
	pl_error e = {0};
	int rc = pl_procnet_dump(set, proto, family, q, &e);
	if (rc == PL_ENOTFOUND) {
		if (proto == PL_PROTO_SCTP)
			set->sctp_missing = true;
		return 0;
	}
	if (rc && netlink_why[0])
		return pl_error_set(err, rc, "%s; and %s", netlink_why, e.msg);
	if (rc)
		return pl_error_set(err, rc, "%s", e.msg);
	return 0;
}

#define REFUSED 1

/* Fills set from netlink (or from /proc/net when procfs); REFUSED with why filled when netlink said no. */
static int collect(pl_socket_set *set, unsigned protos, const pl_socket_query *q, bool procfs, char *why,
	size_t whysize, pl_error *err)
{
	static const pl_proto order[] = {PL_PROTO_TCP, PL_PROTO_UDP, PL_PROTO_SCTP, PL_PROTO_DCCP};
	static const int families[] = {AF_INET, AF_INET6};
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		pl_proto proto = order[i];
		if (!(protos & (1u << proto)))
			continue;
		int rc;
		if (!procfs) {
			pl_error e = {0};
			size_t mark = set->n;
			rc = pl_diag_dump(set, proto, AF_UNSPEC, q, &e);
			if (rc == 0)
				continue;
			set->n = mark;
			if (rc == PL_EIO) {
				snprintf(why, whysize, "%s", e.msg);
				return REFUSED;
			}
			if (rc != PL_ENOTFOUND)
				return pl_error_set(err, rc, "%s", e.msg);
			/* A kernel without this protocol's diag module: SCTP is then unknown; TCP and UDP still have
			 * their /proc/net tables. */
			if (proto == PL_PROTO_SCTP) {
				set->sctp_missing = true;
				continue;
			}
			if (proto == PL_PROTO_DCCP)
				continue;
			set->used_procfs = true;
		}
		for (size_t k = 0; k < 2; k++)
			if ((rc = from_procfs(set, proto, families[k], q, why, err)))
				return rc;
	}
	return 0;
}

int pl_sockets_query(const pl_socket_query *q, pl_socket_set **out, pl_error *err)
{
	*out = NULL;
	const char *proc_root = q->proc_root ? q->proc_root : "/proc";
	pl_socket_query qq = *q;
	qq.proc_root = proc_root;
	unsigned protos = q->protos ? q->protos :
		(1u << PL_PROTO_TCP) | (1u << PL_PROTO_UDP) | (1u << PL_PROTO_SCTP);

	pl_socket_set *set = calloc(1, sizeof *set);
	if (!set || !(set->arena_ = pl_arena_new())) {
		free(set);
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	}
	char path[4096];
	struct stat st;
	snprintf(path, sizeof path, "%s/self/ns/net", proc_root);
	if (stat(path, &st) == 0)
		set->self_netns = st.st_ino;
	set->caller_root = geteuid() == 0;

	char why[sizeof err->msg] = "";
	bool procfs = q->force_procfs;
	/* Listeners first: the kernel finds them in its listening hash, where the connections on a port
	 * would cost a walk of every connection on the host (40,000 under bench/sockets.sh's load). */
	bool second = q->listeners_first && !q->listening_only;
	if (second)
		qq.listening_only = true;
	int rc = collect(set, protos, &qq, procfs, why, sizeof why, err);
	if (rc == REFUSED) {
		/* Refused (a seccomp filter, an LSM, no NETLINK_SOCK_DIAG): start again from /proc/net, so that
		 * the whole answer comes from one source. */
		set->n = 0;
		set->sctp_missing = false;
		procfs = true;
		rc = collect(set, protos, &qq, procfs, why, sizeof why, err);
	}
	if (rc == 0 && second && set->n == 0) {
		/* No listener: the connections that use the port are the answer. */
		set->sctp_missing = false;
		set->used_procfs = false;
		qq.listening_only = false;
		rc = collect(set, protos, &qq, procfs, why, sizeof why, err);
	}
	if (rc)
		goto fail;

	if (procfs)
		set->used_procfs = true;
	if (why[0]) {
		char text[sizeof set->note];
		snprintf(text, sizeof text, "%.*s: read /proc/net instead", (int)strcspn(why, ":"), why);
		pl_sockset_note(set, text);
	} else if (set->used_procfs) {
		pl_sockset_note(set, q->force_procfs ? "read /proc/net as asked" :
			"netlink sock_diag has no TCP or UDP handler: read /proc/net instead");
	}
	if (set->sctp_missing) {
		/* /proc/net/sctp exists exactly when the kernel has SCTP (the module creates it): without it
		 * there is no SCTP socket to miss, and sctp_diag is worth naming only beside SCTP itself. */
		snprintf(path, sizeof path, "%s/net/sctp", proc_root);
		bool has_sctp = stat(path, &st) == 0;
		pl_sockset_note(set, !has_sctp ? "this kernel has no SCTP, so no SCTP socket exists"
			: procfs ? "SCTP: not listed from /proc/net"
			: "SCTP sockets are not listed: this kernel has SCTP but not sctp_diag (modprobe sctp_diag)");
	}

	if (set->n > 1)
		qsort(set->socks, set->n, sizeof *set->socks, sock_cmp);
	if (pl_sockset_fill_users(set)) {
		rc = pl_error_set(err, PL_ENOMEM, "out of memory");
		goto fail;
	}

	if (q->owners) {
		/* Without owners the sockets still stand (owner_status stays UNKNOWN): the report says what it
		 * could not see rather than failing. Only running out of memory fails the query. */
		pl_error e = {0};
		rc = pl_sockets_resolve_owners_with(set, proc_root, q->owner_method, &e);
		if (rc == PL_ENOMEM || (rc && q->owner_method == PL_OWNERS_BPF)) {
			pl_error_set(err, rc, "%s", e.msg);
			goto fail;
		}
	}
	*out = set;
	return 0;

fail:
	pl_socket_set_free(set);
	return rc;
}

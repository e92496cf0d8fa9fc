/* pl_sockets_query: which sources to ask (netlink first, /proc/net when netlink is refused), the set's
 * memory (grown arrays plus one arena, all freed by pl_socket_set_free), the sort order the report relies
 * on, and the owners step. The per-source parsing lives in diag.c and procnet.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "bpf_load.h"
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
	free(set->netns);
	free(set->containers);
	free(set->published);
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

/* (local port, listeners first, own namespace first, proto, family, state, local address), then the rest
 * for a stable order. */
static int sock_cmp(const void *pa, const void *pb)
{
	const pl_socket *a = pa, *b = pb;
	CMP(a->local_port, b->local_port);
	CMP(!a->listening, !b->listening);
	CMP(a->netns != 0, b->netns != 0); /* the caller's own namespace first: its listeners are the answer */
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

/* One namespace's sockets, netlink first and /proc/net when netlink is refused (then the whole of this
 * namespace's answer comes from /proc/net); procfs forces the latter. */
static int collect_one(pl_socket_set *set, unsigned protos, const pl_socket_query *q, bool *procfs, char *why,
	size_t whysize, pl_error *err)
{
	size_t mark = set->n;
	int rc = collect(set, protos, q, *procfs, why, whysize, err);
	if (rc == REFUSED) {
		/* Refused (a seccomp filter, an LSM, no NETLINK_SOCK_DIAG): start again from /proc/net, so that
		 * the whole answer comes from one source. */
		set->n = mark;
		set->sctp_missing = false;
		*procfs = true;
		rc = collect(set, protos, q, *procfs, why, whysize, err);
	}
	return rc;
}

/* The target ports of the DNAT rules that publish q->port: a port-filtered query also reads the sockets
 * on them, in every namespace, to find the listener behind the published port. */
static size_t extra_ports(const pl_socket_set *set, const pl_socket_query *q, uint16_t *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; q->has_port && i < set->npublished; i++) {
		const pl_publish *p = &set->published[i];
		if (q->port < p->host_port || q->port > p->host_port_last || !p->to_port || p->to_port == q->port)
			continue;
		bool dup = false;
		for (size_t k = 0; k < n; k++)
			dup |= out[k] == p->to_port;
		if (!dup && n < max)
			out[n++] = p->to_port;
	}
	return n;
}

struct ns_walk {
	pl_socket_set *set;
	const pl_socket_query *q;
	unsigned protos;
	pl_addr_list addrs;
	uint16_t extra[8];
	size_t nextra;
	bool want_addrs;
};

/* The sockets (and addresses) of the namespace we are in now, tagged with its index. */
static int read_here(struct ns_walk *w, size_t idx, const pl_socket_query *qq, bool *procfs, char *why,
	size_t whysize, pl_error *err)
{
	pl_socket_set *set = w->set;
	size_t mark = set->n;
	int rc = collect_one(set, w->protos, qq, procfs, why, whysize, err);
	for (size_t k = 0; rc == 0 && k < w->nextra; k++) {
		pl_socket_query qe = *qq;
		qe.port = w->extra[k];
		qe.listening_only = true;
		size_t emark = set->n;
		rc = collect_one(set, w->protos, &qe, procfs, why, whysize, err);
		for (size_t i = emark; i < set->n; i++)
			set->socks[i].extra = true;
	}
	for (size_t i = mark; i < set->n; i++)
		set->socks[i].netns = (uint32_t)idx;
	if (rc == 0 && w->want_addrs && !*procfs) {
		pl_error e = {0};
		int arc = pl_netns_addrs(&w->addrs, (uint32_t)idx, &e);
		if (arc == PL_ENOMEM)
			return pl_error_set(err, arc, "out of memory");
	}
	return rc;
}

/* Another namespace: setns into it, open the netlink sockets there (a socket keeps the namespace it was
 * created in), and come back. Without the right to enter (not root), a namespace one of our own processes
 * is in can still be read through /proc/PID/net. A failure to come back is the only fatal error: every
 * later step would see the wrong namespace. */
static int read_other(struct ns_walk *w, size_t idx, int self_fd, pl_error *err)
{
	pl_socket_set *set = w->set;
	pl_netns *ns = &set->netns[idx];
	pl_socket_query qq = *w->q;
	char why[sizeof err->msg] = "";
	bool procfs = w->q->force_procfs;
	int fd = self_fd < 0 ? -1 : open(ns->path, O_RDONLY | O_CLOEXEC);
	int e = fd < 0 ? errno : 0;
	if (fd >= 0 && setns(fd, CLONE_NEWNET) != 0)
		e = errno;
	if (fd >= 0)
		close(fd);
	if (e == 0) {
		int rc = read_here(w, idx, &qq, &procfs, why, sizeof why, err);
		if (setns(self_fd, CLONE_NEWNET) != 0)
			return pl_error_set(err, PL_EIO, "cannot return to our own network namespace: %s", strerror(errno));
		ns->entered = rc == 0;
		if (rc && rc != PL_ENOMEM) {
			snprintf(ns->error, sizeof ns->error, "%.90s", err->msg);
			set->netns_skipped++;
		}
		return rc == PL_ENOMEM ? rc : 0;
	}
	char root[64];
	if (ns->pid && snprintf(root, sizeof root, "%s/%d", w->q->proc_root, ns->pid) < (int)sizeof root) {
		char path[96];
		snprintf(path, sizeof path, "%s/net/tcp", root);
		if (access(path, R_OK) == 0) {
			qq.proc_root = root;
			procfs = true;
			size_t mark = set->n;
			pl_error pe = {0};
			struct ns_walk w2 = *w;
			w2.want_addrs = false;
			int rc = read_here(&w2, idx, &qq, &procfs, why, sizeof why, &pe);
			if (rc == PL_ENOMEM)
				return pl_error_set(err, rc, "out of memory");
			if (rc == 0) {
				ns->entered = true;
				snprintf(ns->error, sizeof ns->error, "read through %.20s/net (no right to enter: %.30s)", root,
					 strerror(e));
				return 0;
			}
			set->n = mark;
		}
	}
	set->netns_skipped++;
	snprintf(ns->error, sizeof ns->error, "cannot enter: %s", self_fd < 0 ? "our own namespace cannot be reopened"
									       : strerror(e));
	return 0;
}

static void netns_note(pl_socket_set *set, size_t unseen)
{
	char text[sizeof set->note];
	if (set->netns_skipped) {
		size_t len = (size_t)snprintf(text, sizeof text, "%zu network namespace%s not read (", set->netns_skipped,
					      set->netns_skipped == 1 ? "" : "s");
		size_t shown = 0;
		for (size_t i = 1; i < set->nnetns && shown < 3 && len < sizeof text; i++) {
			const pl_netns *ns = &set->netns[i];
			if (ns->entered || !ns->error[0])
				continue;
			if (ns->name[0])
				len += (size_t)snprintf(text + len, sizeof text - len, "%s%s", shown ? ", " : "", ns->name);
			else
				len += (size_t)snprintf(text + len, sizeof text - len, "%snet:[%llu] of pid %d", shown ? ", " : "",
							(unsigned long long)ns->ino, ns->pid);
			shown++;
		}
		if (len < sizeof text)
			snprintf(text + len, sizeof text - len, "%s): %s", set->netns_skipped > shown ? ", ..." : "",
				 geteuid() ? "run as root to enter them" : "entering was refused");
		pl_sockset_note(set, text);
	}
	if (unseen) {
		snprintf(text, sizeof text, "the network namespace of %zu process%s is not visible%s", unseen,
			 unseen == 1 ? "" : "es", geteuid() ? " (run as root)" : "");
		pl_sockset_note(set, text);
	}
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

	/* The owner search will want the kernel's BTF: it is read on another core meanwhile. */
	if (q->owners && q->owner_method != PL_OWNERS_PROC && strcmp(proc_root, "/proc") == 0 && set->caller_root)
		pl_bpf_prefetch();
	char why[sizeof err->msg] = "";
	bool procfs = q->force_procfs;
	int rc = 0;
	size_t pubcap = 0, unseen = 0;
	pl_ct_ctx ct = {0};
	struct ns_walk w = {.set = set, .q = &qq, .protos = protos};
	/* --netns self: the caller's namespace alone, without walking /proc for the others */
	bool only_self = q->netns && !strcmp(q->netns, "self");
	bool multi = !only_self && (q->all_netns || (q->netns && *q->netns));

	/* The DNAT rules of our namespace, read first so that a port-filtered query knows which target ports
	 * to read in the others. nf_tables first; the legacy tables only when the kernel has them. */
	if (q->published) {
		pl_error e = {0};
		rc = pl_nat_nftables(set, &pubcap, &e);
		if (rc == PL_ENOMEM)
			goto nomem;
		if (rc)
			snprintf(set->nat_error, sizeof set->nat_error, "published ports not read (nftables: %.60s)%s", e.msg,
				 geteuid() ? ": run as root" : "");
		e.msg[0] = '\0';
		rc = pl_nat_legacy(set, &pubcap, proc_root, &e);
		if (rc == PL_ENOMEM)
			goto nomem;
		if (rc && !set->nat_error[0])
			snprintf(set->nat_error, sizeof set->nat_error, "%.120s", e.msg);
		rc = 0;
		if (set->nat_error[0] && pl_publish_from_proxies(set, &pubcap, proc_root))
			goto nomem;
		w.nextra = extra_ports(set, q, w.extra, sizeof w.extra / sizeof w.extra[0]);
		w.want_addrs = set->npublished > 0;
	}
	if (multi) {
		rc = pl_netns_list(set, proc_root, q->state_root, &unseen, err);
		if (rc)
			goto fail;
	} else {
		set->netns = calloc(1, sizeof *set->netns);
		if (!set->netns)
			goto nomem;
		set->nnetns = 1;
		set->netns[0] = (pl_netns){.ino = set->self_netns, .self = true, .entered = true, .container = -1};
		snprintf(set->netns[0].path, sizeof set->netns[0].path, "%.120s", path);
	}
	if (q->containers && (rc = pl_containers_of_netns(set, &qq, &ct)))
		goto nomem;

	bool self_wanted = !(q->netns && *q->netns) || pl_netns_selected(set, &set->netns[0], q->netns);
	set->netns[0].entered = self_wanted;
	/* Listeners first, in every namespace: the kernel finds them in its listening hash, where the
	 * connections on a port cost a walk of every connection of the host, whichever namespace asks (the
	 * hash is shared: 40,000 under bench/sockets.sh's load). Only when no namespace has a listener on the
	 * port are its connections read, in a second pass. */
	bool second = q->listeners_first && !q->listening_only;
	if (second)
		qq.listening_only = true;
	size_t skipped = set->netns_skipped;
	for (int pass = 0; pass < (second ? 2 : 1); pass++) {
		if (pass == 1) {
			if (set->n) {
				set->connections_skipped = true;
				break;
			}
			qq.listening_only = false;
			set->netns_skipped = skipped;
			set->sctp_missing = false;
		}
		if (self_wanted && (rc = read_here(&w, 0, &qq, &procfs, why, sizeof why, err)))
			goto fail;
		if (multi) {
			/* thread-self: setns changes this thread only, and so does coming back */
			char self[4096];
			snprintf(self, sizeof self, "%s/thread-self/ns/net", proc_root);
			int self_fd = open(self, O_RDONLY | O_CLOEXEC);
			for (size_t i = 1; i < set->nnetns && rc == 0; i++) {
				if (!pl_netns_selected(set, &set->netns[i], q->netns))
					continue;
				rc = read_other(&w, i, self_fd, err);
			}
			if (self_fd >= 0)
				close(self_fd);
			if (rc)
				goto fail;
		}
	}
	if (multi) {
		if (q->netns && *q->netns) {
			bool any = false;
			for (size_t i = 0; i < set->nnetns; i++)
				any |= pl_netns_selected(set, &set->netns[i], q->netns);
			if (!any) {
				rc = pl_error_set(err, PL_ENOTFOUND, "no network namespace '%s' (self, a name in /run/netns, "
								       "an inode, or a container's name or id)", q->netns);
				goto fail;
			}
		}
		netns_note(set, unseen);
	}

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
		if (q->containers && (rc = pl_containers_of_procs(set, &qq, &ct)))
			goto nomem;
	}
	if (set->npublished)
		pl_publish_resolve(set, &w.addrs);
	free(w.addrs.v);
	pl_ct_ctx_free(&ct);
	pl_bpf_prefetch_drop();
	*out = set;
	return 0;

nomem:
	rc = pl_error_set(err, PL_ENOMEM, "out of memory");
fail:
	free(w.addrs.v);
	pl_ct_ctx_free(&ct);
	pl_bpf_prefetch_drop();
	pl_socket_set_free(set);
	return rc;
}

/* Sockets as the kernel itself lists them: NETLINK_SOCK_DIAG dumps through libmnl, one per protocol (and
 * family, but for TCP). A port filter is compiled to inet_diag bytecode so that the kernel skips unrelated
 * sockets before copying them out (what `ss sport = :N` does): the cost of `portlore PORT` does not grow
 * with the traffic on other ports. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "internal.h"
#include "util/dl.h"

/* libmnl is loaded on first use (util/dl.h) like libxml2 and libcurl: `portlore PORT --no-local` then
 * loads nothing but libc. */
#define MNL_SYMS(X) \
	X(mnl_attr_get_payload_len) \
	X(mnl_attr_get_type) \
	X(mnl_attr_get_u8) \
	X(mnl_attr_put) \
	X(mnl_cb_run2) \
	X(mnl_nlmsg_get_payload_len) \
	X(mnl_nlmsg_get_payload) \
	X(mnl_nlmsg_put_extra_header) \
	X(mnl_nlmsg_put_header) \
	X(mnl_socket_bind) \
	X(mnl_socket_close) \
	X(mnl_socket_get_portid) \
	X(mnl_socket_open) \
	X(mnl_socket_recvfrom) \
	X(mnl_socket_sendto) \
	X(mnl_nlmsg_get_payload_offset) \
	X(mnl_nlmsg_get_payload_tail) \
	X(mnl_attr_ok) \
	X(mnl_attr_next)

MNL_SYMS(PL_DL_DECLARE)
static const pl_dl_sym mnl_syms[] = {MNL_SYMS(PL_DL_ENTRY){NULL, NULL}};
static const char *const mnl_sonames[] = {"libmnl.so.0", NULL};
static void *mnl_handle;

/* The kernel builds dump skbs of at most 32 KiB (netlink_dump caps max_recvmsg_len), and one recvmsg
 * returns one skb: a larger buffer would not save a system call. */
#define RECV_SIZE 32768

#define TCPF(s) (1u << (s))
/* Every state, TCP_BOUND_INACTIVE (Linux 6.7+) included: TCP sockets bound to a port that neither listen
 * nor connect, reported as CLOSE. They hold the port, so they belong in the answer. */
#define ALL_STATES 0xffffffffu

/* SCTP associations report the SCTP state machine (enum sctp_state in the kernel's
 * include/net/sctp/constants.h), not TCP numbers; endpoints report sk_state, which is TCP's. */
enum { SCTP_COOKIE_WAIT = 1, SCTP_COOKIE_ECHOED, SCTP_ESTABLISHED, SCTP_SHUTDOWN_PENDING,
	SCTP_SHUTDOWN_SENT, SCTP_SHUTDOWN_RECEIVED, SCTP_SHUTDOWN_ACK_SENT };

struct dump {
	pl_socket_set *set;
	pl_proto proto;
	const pl_socket_query *q;
	bool sctp_assocs;        /* the second SCTP pass: keep associations, not their endpoints again */
	unsigned seq;
	int rc;                  /* PL_ENOMEM from a push */
	/* inet_ntop is the costliest step per socket, and consecutive sockets mostly share addresses */
	uint32_t last_addr[2][4];
	int last_family[2];      /* 0: nothing cached yet */
	char last_text[2][INET6_ADDRSTRLEN];
};

static const char *errname(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "unknown errno";
}

/* Messages start "netlink sock_diag refused (EPERM)": query.c quotes that part in the set's note. */
static int refused(pl_error *err, const char *step, int e)
{
	return pl_error_set(err, PL_EIO, "netlink sock_diag refused (%s): %s: %s", errname(e), step, strerror(e));
}

static void addr_text(struct dump *d, int which, int family, const uint32_t addr[4], char *out, size_t size)
{
	size_t len = family == AF_INET ? 4 : 16;
	if (d->last_family[which] != family || memcmp(d->last_addr[which], addr, len) != 0) {
		if (!inet_ntop(family, addr, d->last_text[which], sizeof d->last_text[which]))
			d->last_text[which][0] = '\0';
		memcpy(d->last_addr[which], addr, len);
		d->last_family[which] = family;
	}
	size_t n = strlen(d->last_text[which]);
	if (n >= size)
		n = size - 1;
	memcpy(out, d->last_text[which], n);
	out[n] = '\0';
}

static uint8_t sctp_assoc_state(uint8_t s)
{
	switch (s) {
	case SCTP_COOKIE_WAIT:
	case SCTP_COOKIE_ECHOED:
		return PL_SS_SYN_SENT;
	case SCTP_ESTABLISHED:
		return PL_SS_ESTABLISHED;
	case SCTP_SHUTDOWN_PENDING:
	case SCTP_SHUTDOWN_SENT:
		return PL_SS_FIN_WAIT1;
	case SCTP_SHUTDOWN_RECEIVED:
		return PL_SS_CLOSE_WAIT;
	case SCTP_SHUTDOWN_ACK_SENT:
		return PL_SS_LAST_ACK;
	default:
		return PL_SS_CLOSE;
	}
}

static int on_sock(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY && nlh->nlmsg_type != TCPDIAG_GETSOCK)
		return MNL_CB_OK;
	if (sym_mnl_nlmsg_get_payload_len(nlh) < sizeof(struct inet_diag_msg)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	const struct inet_diag_msg *m = sym_mnl_nlmsg_get_payload(nlh);
	if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6)
		return MNL_CB_OK;

	bool v6only = false, assoc = false;
	const struct nlattr *a;
	/* libmnl's mnl_attr_for_each, spelled out so that it calls the sym_ pointers */
	for (a = sym_mnl_nlmsg_get_payload_offset(nlh, sizeof *m);
	     sym_mnl_attr_ok(a, (int)((const char *)sym_mnl_nlmsg_get_payload_tail(nlh) - (const char *)a)); a = sym_mnl_attr_next(a)) {
		switch (sym_mnl_attr_get_type(a)) {
		case INET_DIAG_SKV6ONLY:
			if (sym_mnl_attr_get_payload_len(a) >= 1)
				v6only = sym_mnl_attr_get_u8(a) != 0;
			break;
		case INET_DIAG_PEERS: /* only an SCTP association carries its peers */
			assoc = true;
			break;
		}
	}

	pl_socket s;
	memset(&s, 0, sizeof s);
	s.proto = d->proto;
	s.family = m->idiag_family;
	s.state = m->idiag_state;
	if (d->proto == PL_PROTO_SCTP) {
		/* The association pass repeats each endpoint before its associations: the first pass had it.
		 * A connected endpoint (ESTABLISHED, CLOSE_WAIT) is left to its association, which says more. */
		if (d->sctp_assocs != assoc)
			return MNL_CB_OK;
		if (assoc)
			s.state = sctp_assoc_state(m->idiag_state);
		else if (s.state != PL_SS_LISTEN && s.state != PL_SS_CLOSE)
			return MNL_CB_OK;
	}
	s.local_port = ntohs(m->id.idiag_sport);
	s.remote_port = ntohs(m->id.idiag_dport);
	if (d->proto == PL_PROTO_UDP)
		s.listening = s.state == PL_SS_CLOSE && s.local_port != 0 && s.remote_port == 0;
	else
		s.listening = s.state == PL_SS_LISTEN;
	/* The SCTP endpoint pass lists bound endpoints in every state; the others filter in the kernel. */
	if (d->q->listening_only && !s.listening)
		return MNL_CB_OK;
	s.v6only = v6only;
	addr_text(d, 0, s.family, m->id.idiag_src, s.local, sizeof s.local);
	addr_text(d, 1, s.family, m->id.idiag_dst, s.remote, sizeof s.remote);
	s.inode = m->idiag_inode;
	s.uid = m->idiag_uid;
	s.ifindex = m->id.idiag_if;
	s.rqueue = m->idiag_rqueue;
	s.wqueue = m->idiag_wqueue;
	s.owner_status = PL_OWNER_UNKNOWN;
	if (pl_sockset_push(d->set, &s)) {
		d->rc = PL_ENOMEM;
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int on_error(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	const struct nlmsgerr *e = sym_mnl_nlmsg_get_payload(nlh);
	if (sym_mnl_nlmsg_get_payload_len(nlh) < sizeof *e) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP;
	errno = e->error < 0 ? -e->error : e->error;
	return MNL_CB_ERROR;
}

/* A dump that fails after it started ends with NLMSG_DONE carrying the negative errno. */
static int on_done(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	int v;
	if (sym_mnl_nlmsg_get_payload_len(nlh) >= sizeof v) {
		memcpy(&v, sym_mnl_nlmsg_get_payload(nlh), sizeof v);
		if (v < 0) {
			errno = -v;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

static int ipproto(pl_proto p)
{
	switch (p) {
	case PL_PROTO_TCP:
		return IPPROTO_TCP;
	case PL_PROTO_UDP:
		return IPPROTO_UDP;
	case PL_PROTO_SCTP:
		return IPPROTO_SCTP;
	case PL_PROTO_DCCP:
		return IPPROTO_DCCP;
	default:
		return -1;
	}
}

/* Sends a dump request and reads it to NLMSG_DONE. */
static int exchange(struct mnl_socket *nl, struct dump *d, struct nlmsghdr *nlh, pl_error *err)
{
	_Alignas(struct nlmsghdr) char buf[RECV_SIZE];
	for (;;) {
		ssize_t n = sym_mnl_socket_sendto(nl, nlh, nlh->nlmsg_len);
		if (n >= 0)
			break;
		if (errno != EINTR)
			return refused(err, "sendto", errno);
	}

	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {0};
	ctl[NLMSG_ERROR] = on_error;
	ctl[NLMSG_DONE] = on_done;
	unsigned portid = sym_mnl_socket_get_portid(nl);
	for (;;) {
		ssize_t n = sym_mnl_socket_recvfrom(nl, buf, sizeof buf);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return pl_error_set(err, PL_EIO, "netlink sock_diag failed (%s): recvmsg: %s", errname(errno),
				strerror(errno));
		}
		int rc = sym_mnl_cb_run2(buf, (size_t)n, nlh->nlmsg_seq, portid, on_sock, d, ctl, NLMSG_MIN_TYPE);
		if (rc == MNL_CB_STOP)
			return 0;
		if (rc == MNL_CB_ERROR) {
			if (d->rc)
				return pl_error_set(err, d->rc, "out of memory listing sockets");
			int e = errno;
			if (e == ENOENT)
				return pl_error_set(err, PL_ENOTFOUND, "the kernel has no sock_diag handler for %s",
					pl_proto_name(d->proto));
			return pl_error_set(err, PL_EIO, "netlink sock_diag failed (%s): %s", errname(e), strerror(e));
		}
	}
}

/* sport >= N and sport <= N rather than INET_DIAG_BC_S_EQ, which needs Linux 4.16. A jump's "no" offset
 * of (remaining length + 4) lands past the end: the socket is rejected. */
static void put_port_filter(struct nlmsghdr *nlh, uint16_t port)
{
	struct inet_diag_bc_op bc[4] = {
		{.code = INET_DIAG_BC_S_GE, .yes = 8, .no = 16 + 4},
		{.no = port},
		{.code = INET_DIAG_BC_S_LE, .yes = 8, .no = 8 + 4},
		{.no = port},
	};
	sym_mnl_attr_put(nlh, INET_DIAG_REQ_BYTECODE, sizeof bc, bc);
}

static struct nlmsghdr *put_header(char *req, uint16_t type, unsigned seq)
{
	struct nlmsghdr *nlh = sym_mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	return nlh;
}

static int dump_family(struct mnl_socket *nl, struct dump *d, int family, uint32_t states, pl_error *err)
{
	_Alignas(struct nlmsghdr) char req[MNL_NLMSG_HDRLEN + 128];
	struct nlmsghdr *nlh = put_header(req, SOCK_DIAG_BY_FAMILY, ++d->seq);
	struct inet_diag_req_v2 *r = sym_mnl_nlmsg_put_extra_header(nlh, sizeof *r);
	r->sdiag_family = (uint8_t)family;
	r->sdiag_protocol = (uint8_t)ipproto(d->proto);
	r->idiag_states = states;
	if (d->q->has_port) {
		put_port_filter(nlh, d->q->port);
		/* SCTP's dump ignores the bytecode but compares the request's source port. */
		if (d->proto == PL_PROTO_SCTP)
			r->id.idiag_sport = htons(d->q->port);
	}
	return exchange(nl, d, nlh, err);
}

/* The TCPDIAG_GETSOCK request (sock_diag's compatibility form) dumps both families in one walk of the
 * kernel's hash tables, where SOCK_DIAG_BY_FAMILY walks them once per family: with many connections
 * the walk, not the copying, is the cost of a port-filtered dump. */
static int dump_tcp_both(struct mnl_socket *nl, struct dump *d, uint32_t states, pl_error *err)
{
	_Alignas(struct nlmsghdr) char req[MNL_NLMSG_HDRLEN + 128];
	struct nlmsghdr *nlh = put_header(req, TCPDIAG_GETSOCK, ++d->seq);
	struct inet_diag_req *r = sym_mnl_nlmsg_put_extra_header(nlh, sizeof *r);
	r->idiag_family = AF_UNSPEC;
	r->idiag_states = states;
	if (d->q->has_port)
		put_port_filter(nlh, d->q->port);
	size_t mark = d->set->n;
	int rc = exchange(nl, d, nlh, err);
	if (rc == 0 || rc == PL_ENOMEM)
		return rc;
	/* A kernel without the compatibility form: one walk per family. */
	d->set->n = mark;
	rc = dump_family(nl, d, AF_INET, states, err);
	return rc ? rc : dump_family(nl, d, AF_INET6, states, err);
}

int pl_diag_dump(pl_socket_set *set, pl_proto proto, int family, const pl_socket_query *q, pl_error *err)
{
	if (ipproto(proto) < 0 || (family != AF_INET && family != AF_INET6 && family != AF_UNSPEC))
		return pl_error_set(err, PL_EINVAL, "sock_diag: no dump for protocol %d, family %d", (int)proto, family);
	if (pl_dl_load(&mnl_handle, mnl_sonames, mnl_syms, "libmnl", err))
		return PL_EIO; /* as if netlink were refused: the caller reads /proc/net instead */

	struct mnl_socket *nl = sym_mnl_socket_open(NETLINK_SOCK_DIAG);
	if (!nl)
		return refused(err, "socket", errno);
	if (sym_mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		sym_mnl_socket_close(nl);
		return refused(err, "bind", e);
	}

	struct dump d = {.set = set, .proto = proto, .q = q, .seq = (unsigned)time(NULL)};
	int families[2] = {family, AF_INET6}, nfam = 1;
	if (family == AF_UNSPEC) {
		families[0] = AF_INET;
		nfam = 2;
	}
	uint32_t states = q->listening_only ? TCPF(PL_SS_LISTEN) : ALL_STATES;
	int rc = 0;
	if (proto == PL_PROTO_TCP && family == AF_UNSPEC) {
		rc = dump_tcp_both(nl, &d, states, err);
	} else if (proto == PL_PROTO_SCTP) {
		/* With LISTEN asked, sctp_diag lists every endpoint; with other states, every association
		 * preceded by its endpoint. Two passes give each once. */
		for (int i = 0; i < nfam && rc == 0; i++) {
			d.sctp_assocs = false;
			rc = dump_family(nl, &d, families[i], TCPF(PL_SS_LISTEN), err);
			if (rc == 0 && !q->listening_only) {
				d.sctp_assocs = true;
				rc = dump_family(nl, &d, families[i], ALL_STATES & ~TCPF(PL_SS_LISTEN), err);
			}
		}
	} else {
		/* An unconnected UDP socket is in state CLOSE. */
		if (proto == PL_PROTO_UDP && q->listening_only)
			states = TCPF(PL_SS_CLOSE);
		for (int i = 0; i < nfam && rc == 0; i++)
			rc = dump_family(nl, &d, families[i], states, err);
	}
	sym_mnl_socket_close(nl);
	return rc;
}

/* One netlink dump through libmnl (loaded on first use): the request, the read loop to NLMSG_DONE and the
 * error mapping that netns.c's address dump and nat.c's rule dump share. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "nl.h"
#include "util/dl.h"

static struct pl_mnl mnl;
static void *handle;

#define E(f, field) {#f, (void **)&mnl.field},
static const pl_dl_sym syms[] = {
	E(mnl_socket_open, socket_open) E(mnl_socket_bind, socket_bind) E(mnl_socket_close, socket_close)
	E(mnl_socket_get_portid, socket_get_portid) E(mnl_socket_sendto, socket_sendto)
	E(mnl_socket_recvfrom, socket_recvfrom) E(mnl_cb_run, cb_run) E(mnl_nlmsg_put_header, nlmsg_put_header)
	E(mnl_nlmsg_put_extra_header, nlmsg_put_extra_header) E(mnl_nlmsg_get_payload, nlmsg_get_payload)
	E(mnl_nlmsg_get_payload_offset, nlmsg_get_payload_offset)
	E(mnl_nlmsg_get_payload_tail, nlmsg_get_payload_tail) E(mnl_nlmsg_get_payload_len, nlmsg_get_payload_len)
	E(mnl_attr_ok, attr_ok) E(mnl_attr_next, attr_next) E(mnl_attr_get_type, attr_get_type)
	E(mnl_attr_get_payload_len, attr_get_payload_len) E(mnl_attr_get_payload, attr_get_payload)
	{NULL, NULL}};
static const char *const sonames[] = {"libmnl.so.0", NULL};

const struct pl_mnl *pl_mnl_get(pl_error *err)
{
	return pl_dl_load(&handle, sonames, syms, "libmnl", err) ? NULL : &mnl;
}

int pl_mnl_dump(int bus, struct nlmsghdr *req, mnl_cb_t cb, void *data, pl_error *err)
{
	const struct pl_mnl *m = pl_mnl_get(err);
	if (!m)
		return PL_EIO;
	struct mnl_socket *nl = m->socket_open(bus);
	if (!nl)
		return pl_error_set(err, PL_EIO, "netlink socket: %s", strerror(errno));
	int rc = 0;
	if (m->socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = pl_error_set(err, PL_EIO, "netlink bind: %s", strerror(errno));
		goto out;
	}
	req->nlmsg_seq = (unsigned)time(NULL);
	if (m->socket_sendto(nl, req, req->nlmsg_len) < 0) {
		rc = pl_error_set(err, PL_EIO, "netlink sendto: %s", strerror(errno));
		goto out;
	}
	_Alignas(struct nlmsghdr) char buf[32768];
	unsigned portid = m->socket_get_portid(nl);
	for (;;) {
		ssize_t n = m->socket_recvfrom(nl, buf, sizeof buf);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = pl_error_set(err, PL_EIO, "netlink recvmsg: %s", strerror(errno));
			break;
		}
		int r = m->cb_run(buf, (size_t)n, req->nlmsg_seq, portid, cb, data);
		if (r == MNL_CB_STOP)
			break;
		if (r == MNL_CB_ERROR) {
			rc = pl_error_set(err, errno == ENOMEM ? PL_ENOMEM : PL_EIO, "netlink dump: %s", strerror(errno));
			break;
		}
	}
out:
	m->socket_close(nl);
	return rc;
}

/* libmnl for netns.c (rtnetlink address dumps) and nat.c (nf_tables rule dumps), loaded on first use like
 * diag.c's copy: a second small table keeps diag.c untouched and costs one dlopen reference. */
#ifndef PL_SOCKETS_NL_H
#define PL_SOCKETS_NL_H

#include <libmnl/libmnl.h>

#include "portlore/error.h"

struct pl_mnl {
	struct mnl_socket *(*socket_open)(int bus);
	int (*socket_bind)(struct mnl_socket *nl, unsigned int groups, pid_t pid);
	int (*socket_close)(struct mnl_socket *nl);
	unsigned int (*socket_get_portid)(const struct mnl_socket *nl);
	ssize_t (*socket_sendto)(const struct mnl_socket *nl, const void *req, size_t siz);
	ssize_t (*socket_recvfrom)(const struct mnl_socket *nl, void *buf, size_t siz);
	int (*cb_run)(const void *buf, size_t numbytes, unsigned int seq, unsigned int portid, mnl_cb_t cb_data,
		      void *data);
	struct nlmsghdr *(*nlmsg_put_header)(void *buf);
	void *(*nlmsg_put_extra_header)(struct nlmsghdr *nlh, size_t size);
	void *(*nlmsg_get_payload)(const struct nlmsghdr *nlh);
	void *(*nlmsg_get_payload_offset)(const struct nlmsghdr *nlh, size_t offset);
	void *(*nlmsg_get_payload_tail)(const struct nlmsghdr *nlh);
	size_t (*nlmsg_get_payload_len)(const struct nlmsghdr *nlh);
	bool (*attr_ok)(const struct nlattr *attr, int len);
	struct nlattr *(*attr_next)(const struct nlattr *attr);
	uint16_t (*attr_get_type)(const struct nlattr *attr);
	uint16_t (*attr_get_payload_len)(const struct nlattr *attr);
	void *(*attr_get_payload)(const struct nlattr *attr);
};

/* The loaded table, or NULL with err filled (libmnl missing). */
const struct pl_mnl *pl_mnl_get(pl_error *err);

/* Sends one dump request on a new socket of bus and calls cb for each message until NLMSG_DONE.
 * 0, or PL_EIO with err filled ("socket: EPERM ..."). */
int pl_mnl_dump(int bus, struct nlmsghdr *req, mnl_cb_t cb, void *data, pl_error *err);

#endif

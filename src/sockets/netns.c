/* Every network namespace on the host: each process's /proc/PID/ns/net, deduplicated by (st_dev, st_ino),
 * plus the bind mounts under /run/netns (ip netns, Podman) and /run/docker/netns (Docker's sandboxes), which
 * keep a namespace alive with no process in it. Also each namespace's addresses (RTM_GETADDR), so that a
 * DNAT target can be traced to the namespace that holds it. Entering is query.c's job. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "internal.h"
#include "nl.h"
#include "util/util.h"

/* a then b into out, cut at its size (a bind mount name longer than the field is cut, not refused) */
static void join(char *out, size_t size, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la >= size)
		la = size - 1;
	if (lb >= size - la)
		lb = size - la - 1;
	memcpy(out, a, la);
	memcpy(out + la, b, lb);
	out[la + lb] = '\0';
}

static int push_ns(pl_socket_set *set, size_t *cap, const pl_netns *ns)
{
	if (set->nnetns == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		pl_netns *v = realloc(set->netns, c * sizeof *v);
		if (!v)
			return PL_ENOMEM;
		set->netns = v;
		*cap = c;
	}
	set->netns[set->nnetns++] = *ns;
	return 0;
}

static pl_netns *find_ns(pl_socket_set *set, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < set->nnetns; i++)
		if (set->netns[i].dev == (uint64_t)dev && set->netns[i].ino == (uint64_t)ino)
			return &set->netns[i];
	return NULL;
}

/* A bind mount that still holds a namespace is an nsfs inode on the same device as our own namespace;
 * a stale mount point is an empty regular file on tmpfs. */
static int scan_mounts(pl_socket_set *set, size_t *cap, const char *dir, const char *prefix, dev_t nsdev)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[sizeof set->netns->path];
		struct stat st;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path ||
		    stat(path, &st) != 0 || st.st_dev != nsdev)
			continue;
		pl_netns *have = find_ns(set, st.st_dev, st.st_ino);
		if (have) {
			if (!have->name[0])
				join(have->name, sizeof have->name, prefix, e->d_name);
			continue;
		}
		pl_netns ns = {.ino = st.st_ino, .dev = st.st_dev, .container = -1};
		join(ns.path, sizeof ns.path, path, "");
		join(ns.name, sizeof ns.name, prefix, e->d_name);
		rc = push_ns(set, cap, &ns);
	}
	closedir(d);
	return rc;
}

int pl_netns_list(pl_socket_set *set, const char *proc_root, const char *state_root, size_t *unseen,
		  pl_error *err)
{
	size_t cap = 0;
	char path[4096];
	struct stat st;
	*unseen = 0;
	/* [0] is our own namespace: thread-self, as a setns by another thread would not show in self. */
	snprintf(path, sizeof path, "%s/thread-self/ns/net", proc_root);
	if (stat(path, &st) != 0) {
		snprintf(path, sizeof path, "%s/self/ns/net", proc_root);
		if (stat(path, &st) != 0)
			return pl_error_set(err, PL_EIO, "%s: %s", path, strerror(errno));
	}
	pl_netns self = {.ino = st.st_ino, .dev = st.st_dev, .self = true, .entered = true, .container = -1};
	join(self.path, sizeof self.path, path, "");
	if (push_ns(set, &cap, &self))
		return PL_ENOMEM;
	dev_t nsdev = st.st_dev;

	DIR *d = opendir(proc_root);
	if (!d)
		return pl_error_set(err, PL_EIO, "%s: %s", proc_root, strerror(errno));
	struct dirent *e;
	while ((e = readdir(d))) {
		uint32_t pid;
		if (pl_parse_uint(e->d_name, strlen(e->d_name), INT32_MAX, &pid) != 0 || pid == 0)
			continue;
		snprintf(path, sizeof path, "%s/%u/ns/net", proc_root, pid);
		if (stat(path, &st) != 0) {
			if (errno == EACCES || errno == EPERM)
				(*unseen)++;
			continue;
		}
		pl_netns *have = find_ns(set, st.st_dev, st.st_ino);
		if (have) {
			if (have->self && !have->pid)
				have->pid = (int)pid;
			continue;
		}
		pl_netns ns = {.ino = st.st_ino, .dev = st.st_dev, .pid = (int)pid, .container = -1};
		join(ns.path, sizeof ns.path, path, "");
		if (push_ns(set, &cap, &ns)) {
			closedir(d);
			return PL_ENOMEM;
		}
	}
	closedir(d);
	const char *root = state_root ? state_root : "";
	snprintf(path, sizeof path, "%s/run/netns", root);
	if (scan_mounts(set, &cap, path, "", nsdev))
		return PL_ENOMEM;
	snprintf(path, sizeof path, "%s/run/docker/netns", root);
	if (scan_mounts(set, &cap, path, "docker/", nsdev))
		return PL_ENOMEM;
	snprintf(path, sizeof path, "%s/var/run/docker/netns", root);
	if (scan_mounts(set, &cap, path, "docker/", nsdev))
		return PL_ENOMEM;
	return 0;
}

const char *pl_runtime_name(pl_runtime r)
{
	static const char *const names[] = {"", "docker", "podman", "containerd", "kubernetes", "cri-o", "lxc",
					     "systemd-nspawn"};
	return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "";
}

/* --netns SEL: "self" (the caller's), the bind mount's name, the inode number, "PID" of a process inside, or the container's
 * name or (a prefix of at least 4 characters of) its id. */
bool pl_netns_selected(const pl_socket_set *set, const pl_netns *ns, const char *sel)
{
	if (!sel || !*sel)
		return true;
	if (!strcmp(sel, "self"))
		return ns->self;
	if (ns->name[0] && (!strcmp(ns->name, sel) || (!strncmp(ns->name, "docker/", 7) && !strcmp(ns->name + 7, sel))))
		return true;
	if (!strcmp(ns->path, sel))
		return true;
	uint64_t v;
	size_t len = strlen(sel);
	if (pl_is_digits(sel, len) && len <= 19) {
		v = 0;
		for (size_t i = 0; i < len; i++)
			v = v * 10 + (uint64_t)(sel[i] - '0');
		if (v == ns->ino)
			return true;
	}
	if (ns->container >= 0) {
		const pl_container *c = &set->containers[ns->container];
		if (!strcmp(c->name, sel) || (len >= 4 && len <= 64 && !strncmp(c->id, sel, len)))
			return true;
	}
	return false;
}

struct addr_dump {
	pl_addr_list *list;
	uint32_t netns;
	int rc;
};

static int on_addr(const struct nlmsghdr *nlh, void *data)
{
	struct addr_dump *d = data;
	const struct pl_mnl *m = pl_mnl_get(NULL);
	if (nlh->nlmsg_type != RTM_NEWADDR || m->nlmsg_get_payload_len(nlh) < sizeof(struct ifaddrmsg))
		return MNL_CB_OK;
	const struct ifaddrmsg *ifa = m->nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return MNL_CB_OK;
	size_t len = ifa->ifa_family == AF_INET ? 4 : 16;
	const struct nlattr *a;
	for (a = m->nlmsg_get_payload_offset(nlh, sizeof *ifa);
	     m->attr_ok(a, (int)((const char *)m->nlmsg_get_payload_tail(nlh) - (const char *)a)); a = m->attr_next(a)) {
		uint16_t t = m->attr_get_type(a);
		/* IFA_LOCAL is the address itself on a point-to-point link, where IFA_ADDRESS is the peer */
		if ((t != IFA_LOCAL && t != IFA_ADDRESS) || m->attr_get_payload_len(a) < len)
			continue;
		pl_addr_list *l = d->list;
		if (l->n == l->cap) {
			size_t c = l->cap ? l->cap * 2 : 32;
			pl_ns_addr *v = realloc(l->v, c * sizeof *v);
			if (!v) {
				d->rc = PL_ENOMEM;
				errno = ENOMEM;
				return MNL_CB_ERROR;
			}
			l->v = v;
			l->cap = c;
		}
		pl_ns_addr *x = &l->v[l->n++];
		memset(x, 0, sizeof *x);
		x->netns = d->netns;
		x->family = ifa->ifa_family;
		memcpy(x->addr, m->attr_get_payload(a), len);
	}
	return MNL_CB_OK;
}

int pl_netns_addrs(pl_addr_list *list, uint32_t netns, pl_error *err)
{
	_Alignas(struct nlmsghdr) char req[MNL_NLMSG_HDRLEN + 64];
	const struct pl_mnl *m = pl_mnl_get(err);
	if (!m)
		return PL_EIO;
	struct nlmsghdr *nlh = m->nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	struct ifaddrmsg *ifa = m->nlmsg_put_extra_header(nlh, sizeof *ifa);
	ifa->ifa_family = AF_UNSPEC;
	struct addr_dump d = {list, netns, 0};
	int rc = pl_mnl_dump(NETLINK_ROUTE, nlh, on_addr, &d, err);
	return d.rc ? d.rc : rc;
}

/* The namespace that holds addr (text), or -1. An address held by several (the same private subnet in
 * two namespaces) goes to the first, ours first. */
int pl_netns_holding(const pl_addr_list *list, int family, const char *addr)
{
	unsigned char a[16];
	if (inet_pton(family, addr, a) != 1)
		return -1;
	for (size_t i = 0; i < list->n; i++)
		if (list->v[i].family == family && !memcmp(list->v[i].addr, a, family == AF_INET ? 4 : 16))
			return (int)list->v[i].netns;
	return -1;
}

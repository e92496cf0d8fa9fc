/* Published ports under iptables-legacy, whose rules nf_tables cannot see: the nat table as the kernel
 * hands it to iptables (getsockopt IPT_SO_GET_INFO, then IPT_SO_GET_ENTRIES), walked entry by entry for
 * DNAT targets and their tcp/udp port matches. Only asked when /proc/net/ip_tables_names lists "nat", so
 * that reading never loads the legacy tables into a kernel that does not use them. IPv4 only. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>

#include "internal.h"
#include "util/util.h"

#define ENTRIES_MAX (64u << 20)

static bool has_nat_table(const char *proc_root)
{
	char path[4096], buf[512];
	snprintf(path, sizeof path, "%s/net/ip_tables_names", proc_root);
	if (pl_read_small(path, buf, sizeof buf) != 0)
		return false;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (!strcmp(line, "nat"))
			return true;
	return false;
}

static void one_entry(pl_socket_set *set, size_t *cap, const struct ipt_entry *e, const char *chain, int *rc)
{
	const struct xt_entry_target *t = (const void *)((const char *)e + e->target_offset);
	size_t need = t->u.user.revision == 0 ? sizeof(struct nf_nat_ipv4_multi_range_compat) : sizeof(struct nf_nat_range);
	if (strcmp(t->u.user.name, "DNAT") != 0 || t->u.target_size < sizeof *t + need ||
	    e->target_offset + t->u.target_size > e->next_offset)
		return;
	int l4 = e->ip.proto;
	if (!l4 || (e->ip.invflags & IPT_INV_PROTO))
		return;
	uint16_t lo = 0, hi = 0;
	for (size_t off = sizeof *e; off + sizeof(struct xt_entry_match) <= e->target_offset;) {
		const struct xt_entry_match *m = (const void *)((const char *)e + off);
		if (m->u.match_size < sizeof *m || off + m->u.match_size > e->target_offset)
			break;
		if (!strcmp(m->u.user.name, "tcp") && m->u.match_size >= sizeof *m + sizeof(struct xt_tcp)) {
			const struct xt_tcp *x = (const void *)m->data;
			if (!(x->invflags & XT_TCP_INV_DSTPT))
				lo = x->dpts[0], hi = x->dpts[1];
		} else if (!strcmp(m->u.user.name, "udp") && m->u.match_size >= sizeof *m + sizeof(struct xt_udp)) {
			const struct xt_udp *x = (const void *)m->data;
			if (!(x->invflags & XT_UDP_INV_DSTPT))
				lo = x->dpts[0], hi = x->dpts[1];
		}
		off += m->u.match_size;
	}
	if (!lo)
		return;
	pl_publish p;
	memset(&p, 0, sizeof p);
	p.proto = l4 == IPPROTO_TCP ? PL_PROTO_TCP : l4 == IPPROTO_UDP ? PL_PROTO_UDP : PL_PROTO_NONE;
	p.family = AF_INET;
	if (e->ip.dmsk.s_addr && !(e->ip.invflags & IPT_INV_DSTIP)) {
		inet_ntop(AF_INET, &e->ip.dst, p.host_addr, sizeof p.host_addr);
		p.host_prefix = (uint8_t)__builtin_popcount(e->ip.dmsk.s_addr);
	}
	p.host_port = lo;
	p.host_port_last = hi >= lo ? hi : lo;
	/* Revision 0 is the IPv4 compat range list; 1 and 2 (iptables 1.8 writes 2) start as nf_nat_range. */
	if (t->u.user.revision == 0) {
		struct nf_nat_ipv4_multi_range_compat r;
		memcpy(&r, t->data, sizeof r);
		if (r.range[0].flags & NF_NAT_RANGE_MAP_IPS)
			inet_ntop(AF_INET, &r.range[0].min_ip, p.to_addr, sizeof p.to_addr);
		if (r.range[0].flags & NF_NAT_RANGE_PROTO_SPECIFIED)
			p.to_port = ntohs(r.range[0].min.all);
	} else {
		struct nf_nat_range r;
		memcpy(&r, t->data, sizeof r);
		if (r.flags & NF_NAT_RANGE_MAP_IPS)
			inet_ntop(AF_INET, &r.min_addr.in, p.to_addr, sizeof p.to_addr);
		if (r.flags & NF_NAT_RANGE_PROTO_SPECIFIED)
			p.to_port = ntohs(r.min_proto.all);
	}
	snprintf(p.source, sizeof p.source, "iptables-legacy");
	snprintf(p.table, sizeof p.table, "nat");
	snprintf(p.chain, sizeof p.chain, "%s", chain);
	p.netns = p.container = p.listener = -1;
	if (pl_publish_push(set, cap, &p))
		*rc = PL_ENOMEM;
}

int pl_nat_legacy(pl_socket_set *set, size_t *cap, const char *proc_root, pl_error *err)
{
	if (!has_nat_table(proc_root))
		return 0;
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0)
		return pl_error_set(err, PL_EIO, "iptables-legacy: %s", strerror(errno));
	struct ipt_getinfo info;
	memset(&info, 0, sizeof info);
	snprintf(info.name, sizeof info.name, "nat");
	socklen_t len = sizeof info;
	if (getsockopt(fd, IPPROTO_IP, IPT_SO_GET_INFO, &info, &len) < 0) {
		int e = errno;
		close(fd);
		return pl_error_set(err, PL_EIO, "iptables-legacy nat table: %s", strerror(e));
	}
	if (info.size > ENTRIES_MAX) {
		close(fd);
		return pl_error_set(err, PL_EIO, "iptables-legacy nat table: %u bytes, too large", info.size);
	}
	struct ipt_get_entries *g = malloc(sizeof *g + info.size);
	if (!g) {
		close(fd);
		return PL_ENOMEM;
	}
	memset(g, 0, sizeof *g);
	snprintf(g->name, sizeof g->name, "nat");
	g->size = info.size;
	len = (socklen_t)(sizeof *g + info.size);
	int rc = 0;
	if (getsockopt(fd, IPPROTO_IP, IPT_SO_GET_ENTRIES, g, &len) < 0) {
		rc = pl_error_set(err, PL_EIO, "iptables-legacy nat entries: %s", strerror(errno));
		goto out;
	}
	/* A user chain starts with an ERROR target naming it; built-in chains start at hook_entry offsets. */
	static const char *const hooks[] = {"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"};
	char chain[XT_FUNCTION_MAXNAMELEN + 1] = "";
	for (size_t off = 0; rc == 0 && off + sizeof(struct ipt_entry) <= g->size;) {
		const struct ipt_entry *e = (const void *)((const char *)g->entrytable + off);
		if (e->next_offset < sizeof *e || off + e->next_offset > g->size ||
		    e->target_offset < sizeof *e || e->target_offset + sizeof(struct xt_entry_target) > e->next_offset)
			break;
		for (int h = 0; h < NF_INET_NUMHOOKS; h++)
			if ((info.valid_hooks & (1u << h)) && info.hook_entry[h] == off)
				snprintf(chain, sizeof chain, "%s", hooks[h]);
		const struct xt_entry_target *t = (const void *)((const char *)e + e->target_offset);
		if (t->u.target_size < sizeof *t || e->target_offset + t->u.target_size > e->next_offset)
			break;
		if (!strcmp(t->u.user.name, "ERROR"))
			snprintf(chain, sizeof chain, "%.*s", (int)(t->u.target_size - sizeof *t), (const char *)t->data);
		else
			one_entry(set, cap, e, chain, &rc);
		off += e->next_offset;
	}
out:
	free(g);
	close(fd);
	return rc;
}

/* Published ports as nf_tables holds them: one NFT_MSG_GETRULE dump of every table (libnftnl, loaded on
 * first use, parses each rule), and a small register machine per rule that keeps what a DNAT rule matches
 * (layer-4 protocol, destination address and port) and where it sends it. Native `dnat to` takes its
 * target from registers loaded by `immediate`; iptables-nft's DNAT is an xt target whose address sits in
 * its info blob (struct nf_nat_ipv4_multi_range_compat, nf_nat_range or nf_nat_range2 by revision), which
 * is why `nft -j` cannot show it. Docker and Podman write the latter; natlegacy.c reads iptables-legacy. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/xt_tcpudp.h>

#include "internal.h"
#include "nl.h"
#include "util/dl.h"

#define NFTNL_SYMS(X) \
	X(nftnl_rule_alloc) X(nftnl_rule_free) X(nftnl_rule_nlmsg_parse) X(nftnl_rule_get_str) \
	X(nftnl_rule_get_u32) X(nftnl_rule_get_data) X(nftnl_rule_is_set) X(nftnl_expr_foreach) \
	X(nftnl_expr_get_str) X(nftnl_expr_get_u32) X(nftnl_expr_get) X(nftnl_expr_is_set) \
	X(nftnl_udata_parse) X(nftnl_udata_type) X(nftnl_udata_len) X(nftnl_udata_get) X(nftnl_set_alloc) \
	X(nftnl_set_free) X(nftnl_set_set_str) X(nftnl_set_set_u32) X(nftnl_set_elems_nlmsg_build_payload) \
	X(nftnl_set_elems_nlmsg_parse) X(nftnl_set_elem_foreach) X(nftnl_set_elem_get)

NFTNL_SYMS(PL_DL_DECLARE)
static const pl_dl_sym nftnl_syms[] = {NFTNL_SYMS(PL_DL_ENTRY){NULL, NULL}};
static const char *const nftnl_sonames[] = {"libnftnl.so.11", NULL};
static void *nftnl_handle;

/* What a register holds, as far as a DNAT rule's match needs to know. */
enum kind { K_NONE, K_L4PROTO, K_DADDR, K_DPORT, K_DATA, K_OTHER };

struct reg {
	enum kind kind;
	uint8_t data[16];
	uint8_t mask[16];
	bool masked;
};

struct eval {
	int family;              /* the rule's: NFPROTO_IPV4, IPV6 or INET */
	struct reg regs[16];     /* by 4-byte slot: NFT_REG_1..4 are slots 0, 4, 8, 12 */
	int l4;                  /* IPPROTO_*, 0 for any */
	int dfamily;             /* family of daddr, 0 when unmatched */
	uint8_t daddr[16];
	uint8_t prefix;
	uint16_t dport_lo, dport_hi;
	bool dnat;
	int to_family;
	uint8_t to_addr[16];
	bool has_to_addr;
	uint16_t to_port;
	bool xt;                 /* the DNAT was an iptables-nft xt target */
	char comment[128];
	char port_set[64];       /* `th dport { 80, 8000-8100 }`: the (anonymous) set the port is looked up in */
};

static struct reg *reg_of(struct eval *ev, uint32_t r)
{
	uint32_t slot;
	if (r >= NFT_REG_1 && r <= NFT_REG_4)
		slot = (r - NFT_REG_1) * 4;
	else if (r >= NFT_REG32_00 && r <= NFT_REG32_15)
		slot = r - NFT_REG32_00;
	else
		return NULL;
	return &ev->regs[slot];
}

static uint8_t prefix_of(const uint8_t *mask, size_t len)
{
	uint8_t n = 0;
	for (size_t i = 0; i < len; i++)
		for (int b = 7; b >= 0 && (mask[i] >> b) & 1; b--)
			n++;
	return n;
}

static void on_payload(struct eval *ev, struct nftnl_expr *e)
{
	if (!sym_nftnl_expr_is_set(e, NFTNL_EXPR_PAYLOAD_DREG))
		return; /* a payload write (mangling), not a load */
	struct reg *r = reg_of(ev, sym_nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_DREG));
	if (!r)
		return;
	uint32_t base = sym_nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE);
	uint32_t off = sym_nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
	uint32_t len = sym_nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);
	memset(r, 0, sizeof *r);
	r->kind = K_OTHER;
	if (base == NFT_PAYLOAD_NETWORK_HEADER) {
		/* the family is the rule's for ip/ip6 tables; in an inet table, a preceding nfproto match fixed it,
		 * and the offsets tell the two apart anyway */
		if (off == 16 && len == 4 && ev->family != NFPROTO_IPV6) {
			r->kind = K_DADDR;
			r->data[15] = AF_INET;
		} else if (off == 24 && len == 16 && ev->family != NFPROTO_IPV4) {
			r->kind = K_DADDR;
			r->data[15] = AF_INET6;
		} else if (off == 9 && len == 1 && ev->family != NFPROTO_IPV6) {
			r->kind = K_L4PROTO;
		} else if (off == 6 && len == 1 && ev->family != NFPROTO_IPV4) {
			r->kind = K_L4PROTO;
		}
	} else if (base == NFT_PAYLOAD_TRANSPORT_HEADER && off == 2 && len == 2) {
		r->kind = K_DPORT;
	}
}

static void on_cmp(struct eval *ev, struct nftnl_expr *e)
{
	struct reg *r = reg_of(ev, sym_nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_SREG));
	uint32_t op = sym_nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP), len = 0;
	const uint8_t *d = sym_nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);
	if (!r || !d)
		return;
	switch (r->kind) {
	case K_L4PROTO:
		if (op == NFT_CMP_EQ && len >= 1)
			ev->l4 = d[0];
		break;
	case K_DADDR: {
		int fam = r->data[15];
		size_t alen = fam == AF_INET ? 4 : 16;
		if (op != NFT_CMP_EQ || len < alen)
			break;
		ev->dfamily = fam;
		memcpy(ev->daddr, d, alen);
		ev->prefix = r->masked ? prefix_of(r->mask, alen) : (uint8_t)(alen * 8);
		break;
	}
	case K_DPORT:
		if (len < 2)
			break;
		uint16_t port = (uint16_t)(d[0] << 8 | d[1]);
		if (op == NFT_CMP_EQ)
			ev->dport_lo = ev->dport_hi = port;
		else if (op == NFT_CMP_GTE)
			ev->dport_lo = port;
		else if (op == NFT_CMP_LTE)
			ev->dport_hi = port;
		break;
	default:
		break;
	}
}

static void on_nat(struct eval *ev, struct nftnl_expr *e)
{
	if (sym_nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_TYPE) != NFT_NAT_DNAT)
		return;
	ev->dnat = true;
	ev->to_family = sym_nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_FAMILY) == NFPROTO_IPV6 ? AF_INET6 : AF_INET;
	if (sym_nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_ADDR_MIN)) {
		struct reg *r = reg_of(ev, sym_nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN));
		if (r && r->kind == K_DATA) {
			memcpy(ev->to_addr, r->data, ev->to_family == AF_INET ? 4 : 16);
			ev->has_to_addr = true;
		}
	}
	if (sym_nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_PROTO_MIN)) {
		struct reg *r = reg_of(ev, sym_nftnl_expr_get_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN));
		if (r && r->kind == K_DATA)
			ev->to_port = (uint16_t)(r->data[0] << 8 | r->data[1]);
	}
}

/* The xt DNAT target's info blob. Revision 0 is IPv4 only (a range list of which the first counts);
 * 1 and 2 share their leading fields (2 adds base_proto at the end). */
static void on_xt_dnat(struct eval *ev, const uint8_t *info, uint32_t len, uint32_t rev)
{
	if (rev == 0) {
		struct nf_nat_ipv4_multi_range_compat m;
		if (len < sizeof m)
			return;
		memcpy(&m, info, sizeof m);
		ev->dnat = ev->xt = true;
		ev->to_family = AF_INET;
		if (m.range[0].flags & NF_NAT_RANGE_MAP_IPS) {
			memcpy(ev->to_addr, &m.range[0].min_ip, 4);
			ev->has_to_addr = true;
		}
		if (m.range[0].flags & NF_NAT_RANGE_PROTO_SPECIFIED)
			ev->to_port = ntohs(m.range[0].min.all);
		return;
	}
	struct nf_nat_range r;
	if (len < sizeof r)
		return;
	memcpy(&r, info, sizeof r);
	ev->dnat = ev->xt = true;
	ev->to_family = ev->family == NFPROTO_IPV6 ? AF_INET6 : AF_INET;
	if (r.flags & NF_NAT_RANGE_MAP_IPS) {
		memcpy(ev->to_addr, &r.min_addr, ev->to_family == AF_INET ? 4 : 16);
		ev->has_to_addr = true;
	}
	if (r.flags & NF_NAT_RANGE_PROTO_SPECIFIED)
		ev->to_port = ntohs(r.min_proto.all);
}

static int on_expr(struct nftnl_expr *e, void *data)
{
	struct eval *ev = data;
	const char *name = sym_nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	if (!name)
		return 0;
	if (!strcmp(name, "payload")) {
		on_payload(ev, e);
	} else if (!strcmp(name, "meta")) {
		if (!sym_nftnl_expr_is_set(e, NFTNL_EXPR_META_DREG))
			return 0;
		struct reg *r = reg_of(ev, sym_nftnl_expr_get_u32(e, NFTNL_EXPR_META_DREG));
		if (r) {
			memset(r, 0, sizeof *r);
			r->kind = sym_nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY) == NFT_META_L4PROTO ? K_L4PROTO : K_OTHER;
		}
	} else if (!strcmp(name, "bitwise")) {
		struct reg *s = reg_of(ev, sym_nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_SREG));
		struct reg *d = reg_of(ev, sym_nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_DREG));
		uint32_t len = 0;
		const uint8_t *mask = sym_nftnl_expr_get(e, NFTNL_EXPR_BITWISE_MASK, &len);
		if (s && d) {
			struct reg t = *s;
			if (mask && len <= sizeof t.mask) {
				memset(t.mask, 0, sizeof t.mask);
				memcpy(t.mask, mask, len);
				t.masked = true;
			}
			*d = t;
		}
	} else if (!strcmp(name, "cmp")) {
		on_cmp(ev, e);
	} else if (!strcmp(name, "immediate")) {
		if (!sym_nftnl_expr_is_set(e, NFTNL_EXPR_IMM_DATA))
			return 0; /* a verdict */
		struct reg *r = reg_of(ev, sym_nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG));
		uint32_t len = 0;
		const uint8_t *d = sym_nftnl_expr_get(e, NFTNL_EXPR_IMM_DATA, &len);
		if (r && d) {
			memset(r, 0, sizeof *r);
			r->kind = K_DATA;
			memcpy(r->data, d, len < 16 ? len : 16);
		}
	} else if (!strcmp(name, "lookup")) {
		/* a set of ports (not a map, not negated): its elements are read after the rule dump */
		struct reg *r = reg_of(ev, sym_nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_SREG));
		const char *set = sym_nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
		bool inv = sym_nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS) &&
			   (sym_nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_FLAGS) & NFT_LOOKUP_F_INV);
		if (r && r->kind == K_DPORT && set && !inv && !sym_nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG))
			snprintf(ev->port_set, sizeof ev->port_set, "%s", set);
	} else if (!strcmp(name, "nat")) {
		on_nat(ev, e);
	} else if (!strcmp(name, "target")) {
		const char *tg = sym_nftnl_expr_get_str(e, NFTNL_EXPR_TG_NAME);
		uint32_t len = 0;
		const uint8_t *info = sym_nftnl_expr_get(e, NFTNL_EXPR_TG_INFO, &len);
		if (tg && info && !strcmp(tg, "DNAT"))
			on_xt_dnat(ev, info, len, sym_nftnl_expr_get_u32(e, NFTNL_EXPR_TG_REV));
	} else if (!strcmp(name, "match")) {
		const char *mt = sym_nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME);
		uint32_t len = 0;
		const uint8_t *info = sym_nftnl_expr_get(e, NFTNL_EXPR_MT_INFO, &len);
		if (!mt || !info)
			return 0;
		if (!strcmp(mt, "comment") && len > 0)
			snprintf(ev->comment, sizeof ev->comment, "%.*s", (int)(len < 256 ? len : 256), (const char *)info);
		else if (!strcmp(mt, "tcp") && len >= sizeof(struct xt_tcp)) {
			struct xt_tcp t;
			memcpy(&t, info, sizeof t);
			if (!(t.invflags & XT_TCP_INV_DSTPT)) {
				ev->dport_lo = t.dpts[0];
				ev->dport_hi = t.dpts[1];
			}
		} else if (!strcmp(mt, "udp") && len >= sizeof(struct xt_udp)) {
			struct xt_udp u;
			memcpy(&u, info, sizeof u);
			if (!(u.invflags & XT_UDP_INV_DSTPT)) {
				ev->dport_lo = u.dpts[0];
				ev->dport_hi = u.dpts[1];
			}
		}
	}
	return 0;
}

static int on_udata(const struct nftnl_udata *a, void *data)
{
	struct eval *ev = data;
	if (sym_nftnl_udata_type(a) == NFTNL_UDATA_RULE_COMMENT)
		snprintf(ev->comment, sizeof ev->comment, "%.*s", (int)sym_nftnl_udata_len(a),
			 (const char *)sym_nftnl_udata_get(a));
	return 0;
}

int pl_publish_push(pl_socket_set *set, size_t *cap, const pl_publish *p)
{
	if (set->npublished == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		pl_publish *v = realloc(set->published, c * sizeof *v);
		if (!v)
			return PL_ENOMEM;
		set->published = v;
		*cap = c;
	}
	set->published[set->npublished++] = *p;
	return 0;
}

/* A DNAT rule whose ports are in a set: completed once the set's elements are read. */
struct pending {
	pl_publish p;
	int family;
	char table[32], set[64];
};

struct dump {
	pl_socket_set *set;
	size_t *cap;
	int rc;
	struct pending *pend;
	size_t npend, cappend;
};

static pl_proto proto_of(int l4)
{
	return l4 == IPPROTO_TCP ? PL_PROTO_TCP : l4 == IPPROTO_UDP ? PL_PROTO_UDP : l4 == IPPROTO_SCTP ? PL_PROTO_SCTP
	       : l4 == IPPROTO_DCCP ? PL_PROTO_DCCP : PL_PROTO_NONE;
}

static int on_rule(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct nftnl_rule *r = sym_nftnl_rule_alloc();
	if (!r) {
		d->rc = PL_ENOMEM;
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	if (sym_nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		sym_nftnl_rule_free(r);
		return MNL_CB_OK;
	}
	struct eval ev;
	memset(&ev, 0, sizeof ev);
	ev.family = (int)sym_nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY);
	sym_nftnl_expr_foreach(r, on_expr, &ev);
	/* A DNAT that matches no port (a whole address forwarded) or no transport is not a published port. */
	if (ev.dnat && ev.l4 && (ev.dport_lo || ev.port_set[0])) {
		pl_publish p;
		memset(&p, 0, sizeof p);
		p.proto = proto_of(ev.l4);
		p.family = ev.dfamily ? ev.dfamily : ev.to_family;
		if (ev.dfamily) {
			inet_ntop(ev.dfamily, ev.daddr, p.host_addr, sizeof p.host_addr);
			p.host_prefix = ev.prefix;
		}
		p.host_port = ev.dport_lo;
		p.host_port_last = ev.dport_hi >= ev.dport_lo ? ev.dport_hi : ev.dport_lo;
		if (ev.has_to_addr)
			inet_ntop(ev.to_family, ev.to_addr, p.to_addr, sizeof p.to_addr);
		p.to_port = ev.to_port;
		snprintf(p.source, sizeof p.source, "%s", ev.xt ? "iptables-nft" : "nftables");
		const char *t = sym_nftnl_rule_get_str(r, NFTNL_RULE_TABLE), *c = sym_nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
		snprintf(p.table, sizeof p.table, "%s", t ? t : "");
		snprintf(p.chain, sizeof p.chain, "%s", c ? c : "");
		if (sym_nftnl_rule_is_set(r, NFTNL_RULE_USERDATA)) {
			uint32_t len = 0;
			const void *u = sym_nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
			if (u)
				sym_nftnl_udata_parse(u, len, on_udata, &ev);
		}
		snprintf(p.comment, sizeof p.comment, "%s", ev.comment);
		p.netns = p.container = p.listener = -1;
		if (!ev.dport_lo) {
			if (d->npend == d->cappend) {
				size_t c = d->cappend ? d->cappend * 2 : 4;
				struct pending *v = realloc(d->pend, c * sizeof *v);
				if (!v)
					goto nomem;
				d->pend = v;
				d->cappend = c;
			}
			struct pending *q = &d->pend[d->npend++];
			q->p = p;
			q->family = ev.family;
			snprintf(q->table, sizeof q->table, "%s", p.table);
			snprintf(q->set, sizeof q->set, "%s", ev.port_set);
		} else if (pl_publish_push(d->set, d->cap, &p)) {
nomem:
			sym_nftnl_rule_free(r);
			d->rc = PL_ENOMEM;
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
	}
	sym_nftnl_rule_free(r);
	return MNL_CB_OK;
}

struct elems {
	struct nftnl_set *s;
	uint16_t start[256], end[256];  /* interval sets: starts, and the ends (exclusive) flagged as such */
	size_t nstart, nend;
	bool interval;
};

static int on_elems(const struct nlmsghdr *nlh, void *data)
{
	struct elems *x = data;
	sym_nftnl_set_elems_nlmsg_parse(nlh, x->s);
	return MNL_CB_OK;
}

static int on_elem(struct nftnl_set_elem *e, void *data)
{
	struct elems *x = data;
	uint32_t len = 0;
	const uint8_t *k = sym_nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
	if (!k || len < 2)
		return 0;
	uint16_t port = (uint16_t)(k[0] << 8 | k[1]);
	/* nftnl_set_elem_get_u32 reads through a NULL when the element has no flags: ask for the data */
	uint32_t flags = 0, flen = 0;
	const void *f = sym_nftnl_set_elem_get(e, NFTNL_SET_ELEM_FLAGS, &flen);
	if (f && flen >= sizeof flags)
		memcpy(&flags, f, sizeof flags);
	bool end = flags & NFT_SET_ELEM_INTERVAL_END;
	if (end && x->nend < 256) {
		x->end[x->nend++] = port;
		x->interval = true;
	} else if (!end && x->nstart < 256) {
		x->start[x->nstart++] = port;
	}
	return 0;
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* The ports of a pending rule's set, each run of them one published entry. An interval set holds each
 * range as its start and the element after its end (flagged); a plain set, single ports. */
static int expand(pl_socket_set *set, size_t *cap, const struct pending *q)
{
	struct elems x = {.s = sym_nftnl_set_alloc()};
	if (!x.s)
		return PL_ENOMEM;
	sym_nftnl_set_set_str(x.s, NFTNL_SET_TABLE, q->table);
	sym_nftnl_set_set_str(x.s, NFTNL_SET_NAME, q->set);
	sym_nftnl_set_set_u32(x.s, NFTNL_SET_FAMILY, (uint32_t)q->family);
	const struct pl_mnl *m = pl_mnl_get(NULL);
	_Alignas(struct nlmsghdr) char req[MNL_NLMSG_HDRLEN + 256];
	struct nlmsghdr *nlh = m->nlmsg_put_header(req);
	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETSETELEM;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	struct nfgenmsg *g = m->nlmsg_put_extra_header(nlh, sizeof *g);
	g->nfgen_family = (uint8_t)q->family;
	g->version = NFNETLINK_V0;
	sym_nftnl_set_elems_nlmsg_build_payload(nlh, x.s);
	pl_error e = {0};
	int rc = pl_mnl_dump(NETLINK_NETFILTER, nlh, on_elems, &x, &e);
	if (rc == 0)
		sym_nftnl_set_elem_foreach(x.s, on_elem, &x);
	sym_nftnl_set_free(x.s);
	if (rc)
		return 0; /* the set went away meanwhile: the rule publishes nothing we can name */
	qsort(x.start, x.nstart, sizeof x.start[0], cmp_u16);
	qsort(x.end, x.nend, sizeof x.end[0], cmp_u16);
	for (size_t i = 0; i < x.nstart; i++) {
		pl_publish p = q->p;
		p.host_port = p.host_port_last = x.start[i];
		if (x.interval) {
			for (size_t k = 0; k < x.nend; k++)
				if (x.end[k] > x.start[i]) {
					p.host_port_last = (uint16_t)(x.end[k] - 1);
					break;
				}
		}
		if (p.host_port == 0 || pl_publish_push(set, cap, &p))
			return p.host_port == 0 ? 0 : PL_ENOMEM;
	}
	return 0;
}

int pl_nat_nftables(pl_socket_set *set, size_t *cap, pl_error *err)
{
	if (pl_dl_load(&nftnl_handle, nftnl_sonames, nftnl_syms, "libnftnl", err))
		return PL_EIO;
	const struct pl_mnl *m = pl_mnl_get(err);
	if (!m)
		return PL_EIO;
	_Alignas(struct nlmsghdr) char req[MNL_NLMSG_HDRLEN + 64];
	struct nlmsghdr *nlh = m->nlmsg_put_header(req);
	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETRULE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	struct nfgenmsg *g = m->nlmsg_put_extra_header(nlh, sizeof *g);
	g->nfgen_family = NFPROTO_UNSPEC;
	g->version = NFNETLINK_V0;
	struct dump d = {.set = set, .cap = cap};
	int rc = pl_mnl_dump(NETLINK_NETFILTER, nlh, on_rule, &d, err);
	rc = d.rc ? d.rc : rc;
	for (size_t i = 0; rc == 0 && i < d.npend; i++)
		rc = expand(set, cap, &d.pend[i]);
	free(d.pend);
	return rc;
}

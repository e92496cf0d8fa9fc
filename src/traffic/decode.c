/* One captured frame to one transport packet: link layer (Ethernet with VLAN tags, Linux cooked SLL/SLL2,
 * BSD loopback, raw IP), IPv4/IPv6 (extension headers walked), TCP/UDP ports and flags, and ICMP errors,
 * whose quoted header names the probe they answer (a UDP scan's closed ports). Every read is bounds-checked
 * against the captured length: this is the code a hostile capture reaches first (fuzz/fuzz_packet.c). */
#include <string.h>

#include "portlore/traffic.h"

/* libpcap's DLT_ values (pcap/dlt.h), spelled here so that the decoder needs no libpcap header. */
enum {
	DLT_NULL_ = 0,
	DLT_EN10MB_ = 1,
	DLT_RAW_ = 12,
	DLT_RAW_OPENBSD_ = 14,
	DLT_LOOP_ = 108,
	DLT_LINUX_SLL_ = 113,
	DLT_IPV4_ = 228,
	DLT_IPV6_ = 229,
	DLT_LINUX_SLL2_ = 276,
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

const char *pl_decode_status_name(pl_decode_status s)
{
	static const char *const names[] = {"ok", "not-ip", "other-transport", "fragment", "truncated", "malformed",
					    "unknown-link-type"};
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

/* The transport header at p (len captured bytes) of protocol ipproto; quoted = inside an ICMP error, where
 * only the first 8 bytes are promised. */
static pl_decode_status transport(const uint8_t *p, size_t len, uint8_t ipproto, bool quoted, pl_packet *out)
{
	out->ipproto = ipproto;
	if (len < 8)
		return PL_DECODE_TRUNCATED;
	out->sport = be16(p);
	out->dport = be16(p + 2);
	if (quoted)
		return PL_DECODE_OK;
	if (ipproto == 6) {
		if (len < 20)
			return PL_DECODE_TRUNCATED;
		size_t off = (size_t)(p[12] >> 4) * 4;
		if (off < 20)
			return PL_DECODE_MALFORMED;
		if (off > len)
			return PL_DECODE_TRUNCATED;
		out->tcp_flags = p[13];
		out->tcp_optlen = (uint8_t)(off - 20);
		out->payload = p + off;
		out->payload_len = len - off;
	} else {
		out->payload = p + 8;
		out->payload_len = len - 8;
	}
	return PL_DECODE_OK;
}

static pl_decode_status ip(const uint8_t *p, size_t len, bool quoted, pl_packet *out);

/* ICMP destination unreachable (v4 type 3, v6 type 1) quotes the packet that provoked it: its addresses and
 * ports become this packet's, so the error lands on the prober's flow. Other ICMP is not about ports. */
static pl_decode_status icmp_error(const uint8_t *p, size_t len, bool v6, pl_packet *out)
{
	if (len < 8)
		return PL_DECODE_TRUNCATED;
	if (p[0] != (v6 ? 1 : 3))
		return PL_DECODE_OTHER_L4;
	uint8_t code = p[1];
	pl_packet inner = {0};
	pl_decode_status st = ip(p + 8, len - 8, true, &inner);
	if (st != PL_DECODE_OK)
		return st == PL_DECODE_OTHER_L4 ? st : PL_DECODE_TRUNCATED;
	const uint8_t *l3 = out->l3;
	size_t l3_len = out->l3_len;
	uint32_t wire = out->wire_len;
	*out = inner;
	out->icmp_error = true;
	out->icmp_code = code;
	out->l3 = l3;
	out->l3_len = l3_len;
	out->wire_len = wire;
	out->payload = NULL;
	out->payload_len = 0;
	out->tcp_flags = 0;
	return PL_DECODE_OK;
}

static pl_decode_status ipv4(const uint8_t *p, size_t len, bool quoted, pl_packet *out)
{
	if (len < 20)
		return PL_DECODE_TRUNCATED;
	size_t ihl = (size_t)(p[0] & 0x0f) * 4;
	if (ihl < 20)
		return PL_DECODE_MALFORMED;
	if (ihl > len)
		return PL_DECODE_TRUNCATED;
	size_t total = be16(p + 2);
	if (!quoted) {
		/* The IP length bounds the packet (Ethernet pads short frames); a length beyond what was captured
		 * is a snaplen cut, kept as such. */
		if (total < ihl)
			return PL_DECODE_MALFORMED;
		if (total < len)
			len = total;
	}
	out->family = 4;
	memcpy(out->src, p + 12, 4);
	memcpy(out->dst, p + 16, 4);
	if ((be16(p + 6) & 0x1fff) != 0)
		return PL_DECODE_FRAGMENT;
	uint8_t proto = p[9];
	if (!quoted) {
		out->l3 = p;
		out->l3_len = len;
	}
	if (proto == 6 || proto == 17)
		return transport(p + ihl, len - ihl, proto, quoted, out);
	if (proto == 1 && !quoted)
		return icmp_error(p + ihl, len - ihl, false, out);
	return PL_DECODE_OTHER_L4;
}

static pl_decode_status ipv6(const uint8_t *p, size_t len, bool quoted, pl_packet *out)
{
	if (len < 40)
		return PL_DECODE_TRUNCATED;
	size_t total = 40 + (size_t)be16(p + 4);
	if (!quoted && total < len)
		len = total; /* a payload length of 0 (jumbogram) leaves len as captured */
	out->family = 6;
	memcpy(out->src, p + 8, 16);
	memcpy(out->dst, p + 24, 16);
	if (!quoted) {
		out->l3 = p;
		out->l3_len = len;
	}
	uint8_t next = p[6];
	size_t off = 40;
	/* Extension headers, a bounded number of them: hop-by-hop, routing, destination options, fragment. */
	for (int i = 0; i < 8; i++) {
		if (next == 0 || next == 43 || next == 60) {
			if (off + 8 > len)
				return PL_DECODE_TRUNCATED;
			next = p[off];
			off += ((size_t)p[off + 1] + 1) * 8;
		} else if (next == 44) {
			if (off + 8 > len)
				return PL_DECODE_TRUNCATED;
			if ((be16(p + off + 2) & 0xfff8) != 0)
				return PL_DECODE_FRAGMENT;
			next = p[off];
			off += 8;
		} else
			break;
	}
	if (off > len)
		return PL_DECODE_TRUNCATED;
	if (next == 6 || next == 17)
		return transport(p + off, len - off, next, quoted, out);
	if (next == 58 && !quoted)
		return icmp_error(p + off, len - off, true, out);
	return PL_DECODE_OTHER_L4;
}

static pl_decode_status ip(const uint8_t *p, size_t len, bool quoted, pl_packet *out)
{
	if (len < 1)
		return PL_DECODE_TRUNCATED;
	switch (p[0] >> 4) {
	case 4: return ipv4(p, len, quoted, out);
	case 6: return ipv6(p, len, quoted, out);
	}
	return PL_DECODE_MALFORMED;
}

/* An EtherType, after any VLAN tags, decides what follows. */
static pl_decode_status ethertype(uint16_t type, const uint8_t *p, size_t len, pl_packet *out)
{
	for (int tags = 0; (type == 0x8100 || type == 0x88a8 || type == 0x9100) && tags < 4; tags++) {
		if (len < 4)
			return PL_DECODE_TRUNCATED;
		type = be16(p + 2);
		p += 4;
		len -= 4;
	}
	if (type == 0x0800 || type == 0x86dd) {
		if (len >= 1 && (p[0] >> 4) != (type == 0x0800 ? 4 : 6))
			return PL_DECODE_MALFORMED;
		return ip(p, len, false, out);
	}
	return PL_DECODE_NOT_IP;
}

pl_decode_status pl_traffic_decode(int linktype, const uint8_t *f, size_t caplen, size_t wirelen, pl_packet *out)
{
	memset(out, 0, sizeof *out);
	out->wire_len = (uint32_t)(wirelen > UINT32_MAX ? UINT32_MAX : wirelen);
	switch (linktype) {
	case DLT_EN10MB_:
		if (caplen < 14)
			return PL_DECODE_TRUNCATED;
		return ethertype(be16(f + 12), f + 14, caplen - 14, out);
	case DLT_LINUX_SLL_:
		if (caplen < 16)
			return PL_DECODE_TRUNCATED;
		return ethertype(be16(f + 14), f + 16, caplen - 16, out);
	case DLT_LINUX_SLL2_:
		if (caplen < 20)
			return PL_DECODE_TRUNCATED;
		return ethertype(be16(f), f + 20, caplen - 20, out);
	case DLT_NULL_:
	case DLT_LOOP_: {
		/* A 4-byte address family, in the capturing host's byte order for NULL (so either), network order
		 * for LOOP. AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24, 28 or 30 (the BSDs, macOS). */
		if (caplen < 4)
			return PL_DECODE_TRUNCATED;
		uint32_t af = linktype == DLT_LOOP_ ? be32(f) : le32(f);
		if (linktype == DLT_NULL_ && af > 0xffff)
			af = be32(f);
		if (af != 2 && af != 10 && af != 24 && af != 28 && af != 30)
			return PL_DECODE_NOT_IP;
		return ip(f + 4, caplen - 4, false, out);
	}
	case DLT_RAW_:
	case DLT_RAW_OPENBSD_:
	case DLT_IPV4_:
	case DLT_IPV6_:
		return ip(f, caplen, false, out);
	}
	return PL_DECODE_LINKTYPE;
}

/* The traffic module: what CROSSES a port. A capture (a pcap/pcapng file, or live from an interface through
 * libpcap) becomes flows (both directions of each 5-tuple, TCP state), each flow gets a protocol from its
 * payload (nDPI, then the probe module's matchers where nDPI is silent), and sources that sweep many ports
 * or hosts with probes are listed as scanners. The front ends render the result; it never prints. */
#ifndef PORTLORE_TRAFFIC_H
#define PORTLORE_TRAFFIC_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portlore/error.h"
#include "portlore/transport.h"

/* ---- decoding one frame (decode.c): pure, bounded, fuzzed (fuzz/fuzz_packet.c) ---- */

typedef enum pl_decode_status {
	PL_DECODE_OK = 0,
	PL_DECODE_NOT_IP,      /* ARP, LLDP, ...: nothing to say about ports */
	PL_DECODE_OTHER_L4,    /* IP, but neither TCP, UDP nor an ICMP error */
	PL_DECODE_FRAGMENT,    /* a non-first IP fragment: no ports in it */
	PL_DECODE_TRUNCATED,   /* the capture cut the headers short (snaplen, a damaged file) */
	PL_DECODE_MALFORMED,   /* a header that contradicts itself (bad lengths, versions) */
	PL_DECODE_LINKTYPE,    /* a link type this decoder does not know */
	PL_DECODE_STATUS_COUNT
} pl_decode_status;

typedef struct pl_packet {
	uint8_t family;        /* 4 or 6 */
	uint8_t ipproto;       /* 6 TCP, 17 UDP; for an ICMP error, the transport of the packet it quotes */
	uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes */
	uint16_t sport, dport;
	uint8_t tcp_flags;     /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 */
	uint8_t tcp_optlen;    /* bytes of TCP options (a kernel's SYN carries 20 on Linux, nmap's raw SYN 4) */
	bool icmp_error;       /* an ICMP(v6) destination unreachable quoting a packet: src/dst/ports are the
	                        * quoted packet's (the prober's flow), not the ICMP sender's */
	uint8_t icmp_code;
	const uint8_t *l3;     /* the IP header, as nDPI wants it */
	size_t l3_len;         /* captured bytes from the IP header */
	const uint8_t *payload;
	size_t payload_len;    /* captured payload bytes */
	uint32_t wire_len;     /* the frame's length on the wire */
} pl_packet;

/* Link types are libpcap's DLT_ values (pcap/dlt.h): EN10MB, LINUX_SLL, LINUX_SLL2, NULL, LOOP, RAW, IPV4,
 * IPV6. VLAN (802.1Q, 802.1ad, QinQ) tags are skipped. */
pl_decode_status pl_traffic_decode(int linktype, const uint8_t *frame, size_t caplen, size_t wirelen, pl_packet *out);
const char *pl_decode_status_name(pl_decode_status s); /* "ok", "not-ip", ... */

/* ---- the analysis ---- */

/* Scanner thresholds, after Zeek's scan policy (scripts/policy/misc/scan.zeek): within one epoch of
 * `window` seconds, a source whose probe-like attempts touch at least `ports` distinct ports on one host,
 * or one port on at least `hosts` distinct hosts, is a scanner. A probe-like attempt is a flow with few
 * packets that did not become a real exchange: unanswered, refused (RST, ICMP unreachable), half-open
 * (SYN, SYN-ACK, RST) or opened and closed without a byte of payload. Real connections never count, so a
 * client making many connections to one service is never a scanner. */
typedef struct pl_scan_opts {
	unsigned ports;        /* default 15 (Zeek: port_scan_threshold) */
	unsigned hosts;        /* default 25 (Zeek: addr_scan_threshold) */
	double window;         /* seconds, default 300 (Zeek: 5 min) */
	unsigned few_packets;  /* a flow with more packets than this from the source is never probe-like; default 6 */
} pl_scan_opts;

typedef struct pl_traffic_opts {
	const char *pcap_path;   /* a capture file (pcap or pcapng; "-" is stdin) ... */
	const char *iface;       /* ... or an interface to capture from live */
	int port;                /* only flows with this port (and ICMP errors quoting it); -1 for all */
	double seconds;          /* live: stop after this long (0: until *stop) */
	uint64_t max_packets;    /* stop after this many frames (0: no limit) */
	size_t max_flows;        /* flows held at once; the idlest is evicted beyond (default 65536) */
	double idle;             /* seconds without a packet before a flow is evicted (default 120) */
	bool no_dpi;             /* skip nDPI (the probe matchers still run) */
	size_t list_flows;       /* keep the first this many finished flows for listing (0: none) */
	pl_scan_opts scan;
	volatile sig_atomic_t *stop; /* live capture ends when it becomes non-zero (the CLI's SIGINT) */
	/* Called once the capture is open and filtered, before the first packet: a live capture's front end
	 * says so (and a test knows when to start talking). filter is the BPF filter, "" for a file. */
	void (*ready)(void *ctx, const char *filter);
	void *ready_ctx;
	/* Live sessions (pl_traffic_live_open): only these port ranges, in the BPF filter and after decoding
	 * (nranges 0: port, or every port); at most PL_TRAFFIC_MAX_RANGES. */
	const struct pl_traffic_range *ranges;
	size_t nranges;
	double linger;           /* live: seconds a TCP flow that ended (RST, or FIN both ways) stays before it
	                          * is finished (default 2) */
	size_t max_ports;        /* ports summarised one by one (0: every one; each costs ~2 kB); the flows of
	                          * ports beyond are summed in the result's `other` */
} pl_traffic_opts;

typedef struct pl_traffic_range {
	uint16_t lo, hi;
} pl_traffic_range;
#define PL_TRAFFIC_MAX_RANGES 16
#define PL_TRAFFIC_SEEN_BYTES (2 * 65536 / 8)

/* Fills the defaults above into the zero fields. */
void pl_traffic_opts_defaults(pl_traffic_opts *o);

typedef enum pl_tcp_outcome {
	PL_TCP_ESTABLISHED = 0, /* handshake completed (or a flow already open when the capture began) */
	PL_TCP_HALF_OPEN,       /* SYN, SYN-ACK, then the client's RST: a SYN scan's open port */
	PL_TCP_REFUSED,         /* SYN answered by RST (closed port) or an ICMP unreachable */
	PL_TCP_UNANSWERED,      /* SYN without a reply */
	PL_TCP_OUTCOME_COUNT
} pl_tcp_outcome;

/* One protocol seen on a port and how many flows spoke it. */
typedef struct pl_traffic_protocol {
	char protocol[32];      /* the shared lower-case key: "http", "tls", "dns", ... */
	char application[32];   /* nDPI's application above it when it names one ("Google"), else "" */
	char product[64];       /* from the probe matchers, when the payload names it */
	char version[64];
	const char *by;         /* "ndpi", "probe", or "ndpi+probe" when its flows were named by either */
	uint64_t flows;
} pl_traffic_protocol;

#define PL_TRAFFIC_MAX_PROTOCOLS 8
#define PL_TRAFFIC_PORT_SCANNERS 4

/* What crossed one server port (the port that answered, or was asked). */
typedef struct pl_traffic_port {
	uint16_t port;
	pl_proto proto;
	uint64_t flows, scan_flows; /* scan_flows: flows from sources found to be scanners */
	uint64_t packets[2], bytes[2]; /* [0] client to server, [1] server to client */
	uint64_t outcome[PL_TCP_OUTCOME_COUNT]; /* TCP flows by handshake outcome; UDP: ESTABLISHED = answered,
	                                         * UNANSWERED, REFUSED (ICMP unreachable) */
	uint64_t resets;        /* flows that ended with an RST after being established */
	uint64_t payload_flows; /* flows that carried payload */
	uint32_t clients;       /* distinct client addresses (up to 65535 a port, 4 Mi across ports) */
	bool clients_capped;    /* ... and more than that: clients is a lower bound */
	double first, last;     /* seconds since the epoch */
	size_t nprotocols;
	pl_traffic_protocol protocols[PL_TRAFFIC_MAX_PROTOCOLS]; /* most flows first */
	uint32_t scanners;      /* distinct scanners whose probes touched it */
	uint8_t scanner_family[PL_TRAFFIC_PORT_SCANNERS]; /* the first PL_TRAFFIC_PORT_SCANNERS of them */
	uint8_t scanner_addr[PL_TRAFFIC_PORT_SCANNERS][16];
} pl_traffic_port;

typedef enum pl_scan_kind {
	PL_SCAN_TCP_SYN = 1u << 0,     /* half-open handshakes, crafted SYNs */
	PL_SCAN_TCP_CONNECT = 1u << 1, /* full handshakes closed at once without payload */
	PL_SCAN_TCP = 1u << 2,         /* refused or unanswered SYNs only: SYN or connect cannot be told apart */
	PL_SCAN_UDP = 1u << 3,         /* unanswered or ICMP-refused datagrams */
} pl_scan_kind;

typedef struct pl_traffic_scanner {
	uint8_t family;
	uint8_t addr[16];
	unsigned kinds;         /* pl_scan_kind bits */
	uint32_t attempts;      /* probe-like flows */
	uint32_t ports, hosts;  /* distinct ports and hosts it probed */
	uint32_t max_ports_per_host, max_hosts_per_port; /* the largest per epoch: what crossed the threshold */
	uint64_t packets;
	uint32_t outcome[PL_TCP_OUTCOME_COUNT]; /* its attempts by outcome (ESTABLISHED: opened, then closed) */
	uint32_t open_ports;    /* targets that answered (SYN-ACK, or a UDP reply) */
	double first, last;
	char swept[256];        /* the ports it probed as ranges, "tcp 1-1000, udp 53,161" (cut with "...") */
	char hosts_sample[128]; /* the first hosts it probed */
} pl_traffic_scanner;

typedef struct pl_traffic_stats {
	uint64_t frames, bytes;
	uint64_t decoded;                          /* frames that became a TCP/UDP packet or ICMP error */
	uint64_t skipped[PL_DECODE_STATUS_COUNT];  /* by reason; [0] counts frames filtered out by --port */
	uint64_t flows, evicted_idle, evicted_full;
	size_t peak_flows;
	double first, last;
	int linktype;
	char linktype_name[32];
	char format[16];          /* "pcap", "pcapng", "live" */
	char dpi[64];             /* "nDPI 4.2.0", or why it was not used */
	char identify[64];        /* the probe matchers in use, or why not */
	bool truncated_file;      /* the file ended inside a record: what came before is kept */
	uint64_t scan_attempts_dropped; /* attempts not kept for the scanner rules (2 Mi kept at most) */
	uint64_t kernel_dropped;  /* live sessions: packets the kernel dropped before we read them (pcap_stats) */
	char file_error[256];
} pl_traffic_stats;

/* One flow as listed (--flows N): the first N to finish, sorted by their first packet. */
typedef struct pl_traffic_flow {
	uint8_t family;
	uint8_t client[16], server[16];
	uint16_t cport, sport;
	pl_proto proto;
	pl_tcp_outcome outcome;
	bool reset;
	uint64_t packets[2], bytes[2];
	double first, last;
	char protocol[32], product[64];
	const char *by;            /* "ndpi", "probe" or "" */
} pl_traffic_flow;

typedef struct pl_traffic_result {
	pl_traffic_stats stats;
	size_t nports;
	pl_traffic_port *ports;       /* by transport, then port */
	size_t nscanners;
	pl_traffic_scanner *scanners; /* most attempts first */
	char filter[128];             /* the BPF filter applied to a live capture */
	size_t nflows;
	pl_traffic_flow *flows;       /* opts.list_flows of them at most */
	uint32_t ports_seen;          /* distinct (transport, port) with a flow, in `ports` or not */
	uint8_t *seen;                /* a bit each, TCP ports 0-65535 then UDP (PL_TRAFFIC_SEEN_BYTES) */
	pl_traffic_port other;        /* the flows of ports past opts.max_ports, summed (port 0, no protocol kept) */
} pl_traffic_result;

/* Reads the capture to its end (or until seconds/stop/max_packets) and fills *out. A damaged file keeps
 * what was read before the damage (stats.truncated_file, file_error). PL_EIO when libpcap cannot be
 * loaded or the file/interface cannot be opened, PL_EFORMAT when the file is not a capture. */
int pl_traffic_run(const pl_traffic_opts *opts, pl_traffic_result **out, pl_error *err);
void pl_traffic_result_free(pl_traffic_result *r);

/* ---- a live capture that runs on (capture.c, live.c): `portlore serve --capture` ----
 * The same analysis as pl_traffic_run, read a slice at a time, with a summary at any moment: the flows
 * finished so far and the open ones as they stand. Flows that ended are finished after opts.linger, idle
 * ones after opts.idle (by the clock, also when no packet comes). Memory is bounded as in pl_traffic_run. */
typedef struct pl_traffic_live pl_traffic_live;
/* Opens opts->iface with a BPF filter for opts->ranges (or opts->port); nDPI is loaded here, so that a
 * sandbox applied afterwards needs no file. */
int pl_traffic_live_open(const pl_traffic_opts *opts, pl_traffic_live **out, pl_error *err);
/* The capture's descriptor (for poll), or -1. */
int pl_traffic_live_fd(const pl_traffic_live *l);
/* Reads what has arrived (waiting up to ms for it), then finishes ended and idle flows. 0, or PL_E... */
int pl_traffic_live_read(pl_traffic_live *l, unsigned ms, pl_error *err);
/* Everything since the capture opened: ports (finished and open flows), scanners (finished flows), stats. */
int pl_traffic_live_summary(pl_traffic_live *l, pl_traffic_result **out, pl_error *err);
/* Flows open now. */
size_t pl_traffic_live_open_flows(const pl_traffic_live *l);
/* Starts afresh (a new window): flows, ports, scanners and counts forgotten; the capture stays open.
 * Connections still open go on as flows of the new window (begun before it). */
void pl_traffic_live_restart(pl_traffic_live *l);
/* The filter in force ("tcp port 2908 or ..."). */
const char *pl_traffic_live_filter(const pl_traffic_live *l);
void pl_traffic_live_close(pl_traffic_live *l);

const char *pl_tcp_outcome_name(pl_tcp_outcome o); /* "established", "half-open", "refused", "unanswered" */
/* The scanner kinds as words: "tcp-syn", "tcp-connect", "tcp", "udp"; fills buf, returns it. */
const char *pl_scan_kinds_name(unsigned kinds, char *buf, size_t size);
/* "127.0.0.5", "::1" */
void pl_traffic_addr_str(uint8_t family, const uint8_t *addr, char *buf, size_t size);

/* Does a protocol key ("http") name the IANA service ("http-alt", "www-http")? (service.c) */
bool pl_traffic_protocol_is_service(const char *protocol, const char *service);
/* The display name of a protocol key: "HTTP", "TLS", "Redis"; the key itself when not known. */
const char *pl_traffic_protocol_display(const char *protocol);
/* Whether a protocol key is one of the fixed set this module names (http, tls, dns ... syslog): what may
 * become a metrics label. */
bool pl_traffic_protocol_known(const char *protocol);

/* ---- the verdict per port (verdict.c): what crossed it against what IANA registered there ---- */

typedef enum pl_traffic_verdict_kind {
	PL_TV_MATCH = 0,     /* the protocol heard is the registered service's */
	PL_TV_MISMATCH,      /* another protocol: "HTTP on 2908/tcp: not mao" */
	PL_TV_UNREGISTERED,  /* a protocol heard where nothing is assigned */
	PL_TV_UNIDENTIFIED,  /* payload, but neither nDPI nor the matchers named it */
	PL_TV_NO_PAYLOAD,    /* connections without a byte of payload */
	PL_TV_SCANNED_ONLY,  /* only scanners' probes touched it */
} pl_traffic_verdict_kind;

struct pl_registry;
typedef struct pl_traffic_verdict {
	pl_traffic_verdict_kind kind;
	const char *confidence;   /* "traffic-inspected" when a protocol was named from payload, else "by name" */
	char service[64];         /* the registered service compared with ("" when none) */
	char sentence[256];
} pl_traffic_verdict;

void pl_traffic_judge(const struct pl_registry *reg, const pl_traffic_port *p, pl_traffic_verdict *v);
const char *pl_traffic_verdict_name(pl_traffic_verdict_kind k); /* "match", "mismatch", ... */

#endif

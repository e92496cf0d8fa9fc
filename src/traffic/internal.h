/* Inside the traffic module: the flow, the flow table, and the steps a finished flow goes through
 * (protocol, port summary, scanner attempts). One analysis holds them all; nothing is global. */
#ifndef PL_TRAFFIC_INTERNAL_H
#define PL_TRAFFIC_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "portlore/traffic.h"

/* Bytes of each direction's first payload kept for the probe matchers. */
#define PL_FIRST_MAX 512
/* Packets nDPI sees of one flow before it must give its answer (ndpiReader gives up at a similar count). */
#define PL_DPI_MAX_PACKETS 24

enum { DIR_C2S = 0, DIR_S2C = 1 };

typedef struct pl_flow {
	struct pl_flow *hnext;          /* hash chain */
	struct pl_flow *older, *newer;  /* by last packet: the idlest is evicted first */
	uint32_t hash;
	uint8_t family, ipproto;
	uint8_t caddr[16], saddr[16];   /* client (initiator) and server */
	uint16_t cport, sport;
	uint64_t pkts[2], bytes[2];
	double first, last;
	uint8_t flags[2];               /* TCP flags seen each way */
	bool syn, synack, handshake, midstream, icmp_refused, crafted_syn;
	bool rst[2], fin[2];
	uint32_t payload_pkts[2];
	uint8_t *first_payload[2];      /* NULL until a payload arrives; freed once the protocol is known */
	uint16_t first_len[2];
	void *dpi;                      /* nDPI's flow state while it still looks */
	uint16_t dpi_packets;
	bool dpi_done;
	char proto[32], app[32], product[64], version[64];
	const char *by;
} pl_flow;

typedef struct pl_dpi pl_dpi;
/* Loads libndpi on first use and prepares a detection module: 0, or PL_EIO with why filled. */
int pl_dpi_open(pl_dpi **out, char *why, size_t size);
void pl_dpi_close(pl_dpi *d);
const char *pl_dpi_version(pl_dpi *d);
/* Feeds one packet of flow f (its IP header on) to nDPI until it decides. */
void pl_dpi_packet(pl_dpi *d, pl_flow *f, const pl_packet *p, double ts);
/* nDPI's last word on a flow (its guess by port refused: a port is not evidence), its state freed. */
void pl_dpi_finish(pl_dpi *d, pl_flow *f);

/* The probe module's matchers on a flow's first payloads, when nDPI named nothing (identify.c). */
void pl_identify_flow(pl_flow *f);
const char *pl_identify_name(void); /* what is in use, or why nothing is */
/* nDPI's protocol name as the shared key: "HTTP" -> "http", "VNC" -> "rfb"; "" for Unknown. */
void pl_protocol_key(const char *ndpi_name, char *out, size_t size);


/* Ports (ports.c) and sources (scan.c): a finished flow is folded into both, then freed. */
typedef struct pl_port_acc pl_port_acc;
typedef struct pl_source pl_source;

/* Memory bounds beyond the flow table's: distinct clients counted exactly across all ports, and scanner
 * attempts kept across all sources (each ~32 bytes). Past them counts become lower bounds, flagged. */
#define PL_CLIENT_SLOTS_MAX (4u << 20)
#define PL_ATTEMPTS_MAX (2u << 20)

typedef struct pl_portmap {
	pl_port_acc **slot; /* [2 * 65536], TCP then UDP, allocated on first use */
	size_t client_slots; /* allocated across every port's client set */
	size_t n, max;       /* ports summarised one by one, and at most (0: no bound) */
	pl_traffic_port other; /* the flows of the ports past max */
	uint8_t *seen;       /* a bit per (transport, port) with a flow; nseen of them set */
	uint32_t nseen;
} pl_portmap;
/* Marks f's port as seen (kept in or out of the summary): 0, or PL_ENOMEM. */
int pl_ports_mark_seen(pl_portmap *m, const pl_flow *f);

int pl_ports_add(pl_portmap *m, const pl_flow *f, pl_tcp_outcome outcome);
/* pl_ports_add in two parts: f's counters and protocol onto p, and its client into the port's set. */
void pl_port_fold(pl_traffic_port *p, const pl_flow *f, pl_tcp_outcome outcome);
void pl_port_add_protocol(pl_traffic_port *p, const pl_flow *f);
int pl_ports_add_client(pl_portmap *m, const pl_flow *f);
int pl_ports_collect(pl_portmap *m, pl_traffic_result *r);
/* A scanner's flows on a port (source: its identity, so that each scanner is counted once a port). */
void pl_ports_add_scan_flows(pl_portmap *m, pl_proto proto, uint16_t port, uint64_t n, const void *source,
			     uint8_t family, const uint8_t *addr);
/* Forgets every scanner mark, so that pl_sources_collect can run again on the same analysis. */
void pl_ports_clear_scan_flows(pl_portmap *m);
void pl_ports_free(pl_portmap *m);

typedef struct pl_sources {
	pl_source **buckets;
	size_t nbuckets, n;
	size_t attempts;       /* kept across every source */
	uint64_t dropped;      /* attempts not kept: PL_ATTEMPTS_MAX reached */
} pl_sources;

int pl_sources_add(pl_sources *s, const pl_flow *f, pl_tcp_outcome outcome, const pl_scan_opts *o);
/* Finds the scanners among the sources, fills r->scanners and marks their flows on the ports. */
int pl_sources_collect(pl_sources *s, const pl_scan_opts *o, pl_portmap *m, pl_traffic_result *r);
void pl_sources_free(pl_sources *s);

/* The flow table (flows.c): a hash of flows keyed by their 5-tuple either way round, and a list from the
 * idlest to the busiest for eviction. */
typedef struct pl_flowtab {
	pl_flow **buckets;
	size_t mask, n;
	pl_flow *oldest, *newest;
} pl_flowtab;

int pl_flowtab_init(pl_flowtab *t, size_t max_flows);
/* The flow of packet p, made when new (server_port: the port known to be the server's, or -1); *dir is
 * the packet's direction in it. NULL when out of memory. */
pl_flow *pl_flowtab_get(pl_flowtab *t, const pl_packet *p, int server_port, double ts, int *dir, bool *created);
void pl_flowtab_remove(pl_flowtab *t, pl_flow *f);
/* Adds packet p to flow f's counters and TCP state. */
void pl_flow_update(pl_flow *f, const pl_packet *p, int dir, double ts);
/* A new connection on a finished flow's 5-tuple (a SYN after RST or FIN both ways): start a new flow. */
bool pl_flow_reused(const pl_flow *f, const pl_packet *p, int dir);
void pl_flow_free(pl_flow *f);
void pl_flowtab_free(pl_flowtab *t);

/* The flow's outcome (handshake, refusal, silence): the same rules for the port summary and the scanners. */
pl_tcp_outcome pl_flow_outcome(const pl_flow *f);

/* One analysis (capture.c): a file or an interface read to its end, or a live session read slice by slice
 * and summarised at any moment (live.c). */
typedef struct pl_analysis {
	const pl_traffic_opts *o;
	pl_dpi *dpi;
	pl_flowtab flows;
	pl_portmap ports;
	pl_sources sources;
	pl_traffic_result *r;
	int rc;
} pl_analysis;
/* A flow's last step: nDPI's answer, the probe matchers', its port and its source; then freed. */
void pl_analysis_finish(pl_analysis *a, pl_flow *f);
pl_analysis *pl_traffic_live_analysis(pl_traffic_live *l);

#endif

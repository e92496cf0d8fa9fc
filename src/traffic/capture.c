/* The analysis loop: frames from libpcap (a pcap or pcapng file, or an interface with a BPF filter compiled
 * for the port), decoded, added to their flow, shown to nDPI; flows idle for too long, or the idlest when
 * the table is full, are finished (protocol, port summary, scanner attempts) and freed. libpcap is loaded on
 * first use like nDPI: `portlore PORT` maps neither. */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "util/dl.h"

#define PCAP_SYMS(X)                                                                                          \
	X(pcap_open_offline)                                                                                  \
	X(pcap_create)                                                                                        \
	X(pcap_set_snaplen)                                                                                   \
	X(pcap_set_promisc)                                                                                   \
	X(pcap_set_timeout)                                                                                   \
	X(pcap_activate)                                                                                      \
	X(pcap_setnonblock)                                                                                   \
	X(pcap_get_selectable_fd)                                                                             \
	X(pcap_compile)                                                                                       \
	X(pcap_setfilter)                                                                                     \
	X(pcap_freecode)                                                                                      \
	X(pcap_next_ex)                                                                                       \
	X(pcap_datalink)                                                                                      \
	X(pcap_datalink_val_to_name)                                                                          \
	X(pcap_geterr)                                                                                        \
	X(pcap_statustostr)                                                                                   \
	X(pcap_stats)                                                                                         \
	X(pcap_close)

PCAP_SYMS(PL_DL_DECLARE)
static const pl_dl_sym pcap_syms[] = {PCAP_SYMS(PL_DL_ENTRY){NULL, NULL}};
static const char *const pcap_sonames[] = {"libpcap.so.0.8", "libpcap.so.1", "libpcap.so", NULL};
static void *pcap_handle;

void pl_traffic_opts_defaults(pl_traffic_opts *o)
{
	if (!o->max_flows)
		o->max_flows = 65536;
	if (o->idle <= 0)
		o->idle = 120;
	if (!o->scan.ports)
		o->scan.ports = 15;
	if (!o->scan.hosts)
		o->scan.hosts = 25;
	if (o->scan.window <= 0)
		o->scan.window = 300;
	if (!o->scan.few_packets)
		o->scan.few_packets = 6;
	if (o->linger <= 0)
		o->linger = 2;
}

static bool in_ranges(const pl_traffic_opts *o, uint16_t port)
{
	for (size_t i = 0; i < o->nranges; i++)
		if (port >= o->ranges[i].lo && port <= o->ranges[i].hi)
			return true;
	return false;
}

const char *pl_tcp_outcome_name(pl_tcp_outcome o)
{
	static const char *const names[] = {"established", "half-open", "refused", "unanswered"};
	return (unsigned)o < PL_TCP_OUTCOME_COUNT ? names[o] : "?";
}

const char *pl_scan_kinds_name(unsigned kinds, char *buf, size_t size)
{
	static const char *const names[] = {"tcp-syn", "tcp-connect", "tcp-other", "udp"};
	size_t used = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < 4; i++)
		if (kinds & (1u << i)) {
			int n = snprintf(buf + used, size - used, "%s%s", used ? " " : "", names[i]);
			if (n < 0 || (size_t)n >= size - used)
				break;
			used += (size_t)n;
		}
	return buf;
}

void pl_traffic_addr_str(uint8_t family, const uint8_t *addr, char *buf, size_t size)
{
	if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)size))
		snprintf(buf, size, "?");
}

static void list_flow(pl_traffic_result *r, const pl_flow *f, pl_tcp_outcome oc)
{
	pl_traffic_flow *l = &r->flows[r->nflows++];
	memset(l, 0, sizeof *l);
	l->family = f->family;
	memcpy(l->client, f->caddr, sizeof l->client);
	memcpy(l->server, f->saddr, sizeof l->server);
	l->cport = f->cport;
	l->sport = f->sport;
	l->proto = f->ipproto == 6 ? PL_PROTO_TCP : PL_PROTO_UDP;
	l->outcome = oc;
	l->reset = f->rst[0] || f->rst[1];
	memcpy(l->packets, f->pkts, sizeof l->packets);
	memcpy(l->bytes, f->bytes, sizeof l->bytes);
	l->first = f->first;
	l->last = f->last;
	memcpy(l->protocol, f->proto, sizeof l->protocol);
	memcpy(l->product, f->product, sizeof l->product);
	l->by = f->by ? f->by : "";
}

static int by_first(const void *x, const void *y)
{
	const pl_traffic_flow *a = x, *b = y;
	return a->first < b->first ? -1 : a->first > b->first;
}

/* A flow's last step: nDPI's answer, the probe matchers', then the port and its client's source. */
void pl_analysis_finish(pl_analysis *a, pl_flow *f)
{
	if (a->dpi)
		pl_dpi_finish(a->dpi, f);
	pl_identify_flow(f);
	pl_tcp_outcome oc = pl_flow_outcome(f);
	int rc = pl_ports_add(&a->ports, f, oc);
	if (!rc && a->r->nflows < a->o->list_flows)
		list_flow(a->r, f, oc);
	if (!rc)
		rc = pl_sources_add(&a->sources, f, oc, &a->o->scan);
	if (rc && !a->rc)
		a->rc = rc;
	pl_flowtab_remove(&a->flows, f);
	pl_flow_free(f);
}

static void packet(pl_analysis *a, const uint8_t *frame, size_t caplen, size_t wirelen, double ts, int linktype)
{
	pl_traffic_stats *st = &a->r->stats;
	st->frames++;
	st->bytes += wirelen;
	if (st->frames == 1 || ts < st->first)
		st->first = ts;
	if (ts > st->last)
		st->last = ts;
	pl_packet p;
	pl_decode_status ds = pl_traffic_decode(linktype, frame, caplen, wirelen, &p);
	if (ds != PL_DECODE_OK) {
		st->skipped[ds]++;
		return;
	}
	int port = a->o->port;
	if ((port >= 0 && p.sport != port && p.dport != port) ||
	    (a->o->nranges && !in_ranges(a->o, p.sport) && !in_ranges(a->o, p.dport))) {
		st->skipped[0]++;
		return;
	}
	/* one port asked: the server's side is known */
	if (port < 0 && a->o->nranges == 1 && a->o->ranges[0].lo == a->o->ranges[0].hi)
		port = a->o->ranges[0].lo;
	st->decoded++;
	/* Idle flows first, so that a 5-tuple reused after a long pause starts a new flow. */
	while (a->flows.oldest && a->flows.oldest->last + a->o->idle < ts) {
		st->evicted_idle++;
		pl_analysis_finish(a, a->flows.oldest);
	}
	int dir;
	bool created;
	pl_flow *f = pl_flowtab_get(&a->flows, &p, port, ts, &dir, &created);
	if (f && !created && pl_flow_reused(f, &p, dir)) {
		pl_analysis_finish(a, f);
		f = pl_flowtab_get(&a->flows, &p, port, ts, &dir, &created);
	}
	if (!f) {
		a->rc = PL_ENOMEM;
		return;
	}
	if (created) {
		st->flows++;
		if (a->flows.n > a->o->max_flows) {
			st->evicted_full++;
			pl_analysis_finish(a, a->flows.oldest);
		}
		if (a->flows.n > st->peak_flows)
			st->peak_flows = a->flows.n;
	}
	pl_flow_update(f, &p, dir, ts);
	if (a->dpi)
		pl_dpi_packet(a->dpi, f, &p, ts);
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* "-" and unreadable names are libpcap's to report; the first bytes only say which format it is. */
static void file_format(const char *path, char *out, size_t size)
{
	snprintf(out, size, "pcap");
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : NULL;
	if (!f)
		return;
	unsigned char m[4];
	if (fread(m, 1, 4, f) == 4 && m[0] == 0x0a && m[1] == 0x0d && m[2] == 0x0d && m[3] == 0x0a)
		snprintf(out, size, "pcapng");
	fclose(f);
}

/* The kernel filters, so that a busy link costs nothing beyond the ports: the ports in TCP and UDP, with or
 * without a VLAN tag, and ICMP errors (the closed ports of a UDP scan; checked again after decoding). */
static void make_filter(const pl_traffic_opts *o, char *out, size_t size)
{
	char ports[768] = "";
	size_t used = 0;
	if (o->port >= 0) {
		snprintf(out, size, "tcp port %d or udp port %d or icmp or icmp6 or (vlan and (tcp port %d or udp port %d))",
			 o->port, o->port, o->port, o->port);
		return;
	}
	for (size_t i = 0; i < o->nranges; i++) {
		int n = o->ranges[i].lo == o->ranges[i].hi
				? snprintf(ports + used, sizeof ports - used, "%sport %u", i ? " or " : "", o->ranges[i].lo)
				: snprintf(ports + used, sizeof ports - used, "%sportrange %u-%u", i ? " or " : "",
					   o->ranges[i].lo, o->ranges[i].hi);
		if (n < 0 || (size_t)n >= sizeof ports - used)
			break;
		used += (size_t)n;
	}
	if (*ports)
		snprintf(out, size, "((tcp or udp) and (%s)) or icmp or icmp6 or (vlan and (tcp or udp) and (%s))", ports,
			 ports);
	else
		snprintf(out, size, "tcp or udp or icmp or icmp6 or vlan");
}

static int open_live(const pl_traffic_opts *o, pcap_t **pc, char *filter, size_t fsize, pl_traffic_result *r,
		     pl_error *err)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	*pc = sym_pcap_create(o->iface, ebuf);
	if (!*pc)
		return pl_error_set(err, PL_EIO, "cannot capture on %s: %s", o->iface, ebuf);
	sym_pcap_set_snaplen(*pc, 65535);
	sym_pcap_set_promisc(*pc, 0);
	sym_pcap_set_timeout(*pc, 100);
	int rc = sym_pcap_activate(*pc);
	if (rc < 0) {
		pl_error_set(err, PL_EIO, "cannot capture on %s: %s%s%s", o->iface, sym_pcap_statustostr(rc),
			     rc == PCAP_ERROR ? ": " : "", rc == PCAP_ERROR ? sym_pcap_geterr(*pc) : "");
		sym_pcap_close(*pc);
		*pc = NULL;
		return PL_EIO;
	}
	make_filter(o, filter, fsize);
	if (filter != r->filter)
		snprintf(r->filter, sizeof r->filter, "%s", filter);
	struct bpf_program prog;
	if (sym_pcap_compile(*pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0 ||
	    sym_pcap_setfilter(*pc, &prog) != 0) {
		pl_error_set(err, PL_EIO, "cannot filter the capture on %s with '%s': %s", o->iface, filter,
			     sym_pcap_geterr(*pc));
		sym_pcap_close(*pc);
		*pc = NULL;
		return PL_EIO;
	}
	sym_pcap_freecode(&prog);
	/* Non-blocking, with our own poll: libpcap's TPACKET_V3 wait on Linux has no time limit on a quiet link,
	 * and the loop must wake up to honour --seconds and Ctrl-C. */
	if (sym_pcap_setnonblock(*pc, 1, ebuf) != 0) {
		pl_error_set(err, PL_EIO, "cannot capture on %s: %s", o->iface, ebuf);
		sym_pcap_close(*pc);
		*pc = NULL;
		return PL_EIO;
	}
	snprintf(r->stats.format, sizeof r->stats.format, "live");
	return 0;
}

int pl_traffic_run(const pl_traffic_opts *opts, pl_traffic_result **out, pl_error *err)
{
	*out = NULL;
	pl_traffic_opts o = *opts;
	pl_traffic_opts_defaults(&o);
	if (!o.pcap_path == !o.iface)
		return pl_error_set(err, PL_EINVAL, "give a capture file or an interface, not %s",
				    o.pcap_path ? "both" : "neither");
	if (pl_dl_load(&pcap_handle, pcap_sonames, pcap_syms, "libpcap", err))
		return PL_EIO;
	pl_traffic_result *r = calloc(1, sizeof *r);
	if (!r)
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	pcap_t *pc = NULL;
	if (o.pcap_path) {
		char ebuf[PCAP_ERRBUF_SIZE] = "";
		pc = sym_pcap_open_offline(o.pcap_path, ebuf);
		if (!pc) {
			free(r);
			/* libpcap says "unknown file format" for a file that is not a capture, and strerror otherwise. */
			bool format = strstr(ebuf, "format") || strstr(ebuf, "truncated") || strstr(ebuf, "bad dump");
			return pl_error_set(err, format ? PL_EFORMAT : PL_EIO, "cannot read the capture %s: %s",
					    o.pcap_path, ebuf);
		}
		file_format(o.pcap_path, r->stats.format, sizeof r->stats.format);
	} else if (open_live(&o, &pc, r->filter, sizeof r->filter, r, err)) {
		free(r);
		return PL_EIO;
	}
	int linktype = sym_pcap_datalink(pc);
	r->stats.linktype = linktype;
	const char *ln = sym_pcap_datalink_val_to_name(linktype);
	snprintf(r->stats.linktype_name, sizeof r->stats.linktype_name, "%s", ln ? ln : "unknown");

	if (o.list_flows) {
		if (o.list_flows > 1000000)
			o.list_flows = 1000000;
		r->flows = calloc(o.list_flows, sizeof *r->flows);
		if (!r->flows) {
			sym_pcap_close(pc);
			free(r);
			return pl_error_set(err, PL_ENOMEM, "out of memory for %zu flows", o.list_flows);
		}
	}
	pl_analysis a = {.o = &o, .r = r};
	a.ports.max = o.max_ports;
	if (o.no_dpi)
		snprintf(r->stats.dpi, sizeof r->stats.dpi, "not used (--no-dpi)");
	else if (pl_dpi_open(&a.dpi, r->stats.dpi, sizeof r->stats.dpi) == 0)
		snprintf(r->stats.dpi, sizeof r->stats.dpi, "%s", pl_dpi_version(a.dpi));
	snprintf(r->stats.identify, sizeof r->stats.identify, "%s", pl_identify_name());
	int rc = pl_flowtab_init(&a.flows, o.max_flows);
	if (!rc && o.ready)
		o.ready(o.ready_ctx, r->filter);
	double start = now();
	while (!rc && !a.rc) {
		if (o.stop && *o.stop)
			break;
		if (o.max_packets && r->stats.frames >= o.max_packets)
			break;
		if (o.iface && o.seconds > 0 && now() - start >= o.seconds)
			break;
		struct pcap_pkthdr *h;
		const u_char *data;
		int n = sym_pcap_next_ex(pc, &h, &data);
		if (n == 0) {
			/* Nothing waiting on a live capture: sleep until a packet, or 100 ms to look at the clock. */
			struct pollfd pfd = {.fd = sym_pcap_get_selectable_fd(pc), .events = POLLIN};
			if (pfd.fd >= 0)
				poll(&pfd, 1, 100);
			continue;
		}
		if (n == PCAP_ERROR_BREAK)
			break;
		if (n < 0) {
			/* A damaged or cut file: keep what came before, and say where it stopped. */
			r->stats.truncated_file = true;
			snprintf(r->stats.file_error, sizeof r->stats.file_error, "%s (after %llu frames)",
				 sym_pcap_geterr(pc), (unsigned long long)r->stats.frames);
			break;
		}
		double ts = (double)h->ts.tv_sec + (double)h->ts.tv_usec / 1e6;
		packet(&a, data, h->caplen, h->len, ts, linktype);
	}
	sym_pcap_close(pc);
	while (a.flows.oldest)
		pl_analysis_finish(&a, a.flows.oldest);
	if (!rc)
		rc = a.rc;
	r->stats.scan_attempts_dropped = a.sources.dropped;
	if (!rc)
		rc = pl_sources_collect(&a.sources, &o.scan, &a.ports, r);
	if (!rc)
		rc = pl_ports_collect(&a.ports, r);
	if (r->nflows)
		qsort(r->flows, r->nflows, sizeof *r->flows, by_first);
	pl_flowtab_free(&a.flows);
	pl_ports_free(&a.ports);
	pl_sources_free(&a.sources);
	pl_dpi_close(a.dpi);
	if (rc) {
		pl_traffic_result_free(r);
		return pl_error_set(err, rc, "out of memory while reading the capture");
	}
	*out = r;
	return 0;
}

void pl_traffic_result_free(pl_traffic_result *r)
{
	if (!r)
		return;
	free(r->ports);
	free(r->scanners);
	free(r->flows);
	free(r->seen);
	free(r);
}

/* ---- a live session: read a slice at a time, summarised at any moment (live.c) ---- */

struct pl_traffic_live {
	pl_traffic_opts o;
	pl_traffic_range ranges[PL_TRAFFIC_MAX_RANGES];
	pcap_t *pc;
	int linktype;
	pl_analysis a;
	char filter[1024];
};

int pl_traffic_live_open(const pl_traffic_opts *opts, pl_traffic_live **out, pl_error *err)
{
	*out = NULL;
	if (!opts->iface)
		return pl_error_set(err, PL_EINVAL, "a live capture needs an interface");
	if (opts->nranges > PL_TRAFFIC_MAX_RANGES)
		return pl_error_set(err, PL_EINVAL, "at most %d port ranges", PL_TRAFFIC_MAX_RANGES);
	if (pl_dl_load(&pcap_handle, pcap_sonames, pcap_syms, "libpcap", err))
		return PL_EIO;
	pl_traffic_live *l = calloc(1, sizeof *l);
	pl_traffic_result *r = calloc(1, sizeof *r);
	if (!l || !r) {
		free(l);
		free(r);
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	}
	l->o = *opts;
	pl_traffic_opts_defaults(&l->o);
	l->o.pcap_path = NULL;
	l->o.list_flows = 0;
	if (opts->nranges)
		memcpy(l->ranges, opts->ranges, opts->nranges * sizeof *l->ranges);
	l->o.ranges = l->ranges;
	if (open_live(&l->o, &l->pc, l->filter, sizeof l->filter, r, err)) {
		free(r);
		free(l);
		return PL_EIO;
	}
	l->linktype = sym_pcap_datalink(l->pc);
	r->stats.linktype = l->linktype;
	const char *ln = sym_pcap_datalink_val_to_name(l->linktype);
	snprintf(r->stats.linktype_name, sizeof r->stats.linktype_name, "%s", ln ? ln : "unknown");
	l->a = (pl_analysis){.o = &l->o, .r = r};
	l->a.ports.max = l->o.max_ports;
	if (l->o.no_dpi)
		snprintf(r->stats.dpi, sizeof r->stats.dpi, "not used (--no-dpi)");
	else if (pl_dpi_open(&l->a.dpi, r->stats.dpi, sizeof r->stats.dpi) == 0)
		snprintf(r->stats.dpi, sizeof r->stats.dpi, "%s", pl_dpi_version(l->a.dpi));
	snprintf(r->stats.identify, sizeof r->stats.identify, "%s", pl_identify_name());
	int rc = pl_flowtab_init(&l->a.flows, l->o.max_flows);
	if (rc) {
		pl_traffic_live_close(l);
		return pl_error_set(err, rc, "out of memory for %zu flows", l->o.max_flows);
	}
	*out = l;
	return 0;
}

int pl_traffic_live_fd(const pl_traffic_live *l)
{
	return l && l->pc ? sym_pcap_get_selectable_fd(l->pc) : -1;
}

size_t pl_traffic_live_open_flows(const pl_traffic_live *l)
{
	return l->a.flows.n;
}

const char *pl_traffic_live_filter(const pl_traffic_live *l)
{
	return l->filter;
}

static double wall(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A TCP flow that has ended: a reset either way, or a FIN each way. */
static bool ended(const pl_flow *f)
{
	return f->ipproto == 6 && (f->rst[0] || f->rst[1] || (f->fin[0] && f->fin[1]));
}

int pl_traffic_live_read(pl_traffic_live *l, unsigned ms, pl_error *err)
{
	pl_analysis *a = &l->a;
	bool waited = false;
	/* at most a slice's worth of frames per call, so that the caller's summaries keep their pace */
	for (unsigned n = 0; n < 65536 && !a->rc; n++) {
		struct pcap_pkthdr *h;
		const u_char *data;
		int got = sym_pcap_next_ex(l->pc, &h, &data);
		if (got == 0) {
			if (waited || !ms)
				break;
			struct pollfd pfd = {.fd = sym_pcap_get_selectable_fd(l->pc), .events = POLLIN};
			if (pfd.fd >= 0)
				poll(&pfd, 1, (int)ms);
			waited = true;
			continue;
		}
		if (got < 0)
			return pl_error_set(err, PL_EIO, "the capture on %s stopped: %s", l->o.iface,
					    got == PCAP_ERROR ? sym_pcap_geterr(l->pc) : sym_pcap_statustostr(got));
		double ts = (double)h->ts.tv_sec + (double)h->ts.tv_usec / 1e6;
		packet(a, data, h->caplen, h->len, ts, l->linktype);
	}
	/* what the kernel dropped because we were too slow (libpcap keeps the total) */
	struct pcap_stat ps;
	if (sym_pcap_stats(l->pc, &ps) == 0)
		a->r->stats.kernel_dropped = ps.ps_drop;
	/* By the clock, not by packets: on a quiet link the last flows still end. The list runs from the
	 * idlest, so idle ones are found first; ended ones anywhere in it. */
	double t = wall();
	for (pl_flow *f = a->flows.oldest, *next; f && !a->rc; f = next) {
		next = f->newer;
		if (f->last + l->o.idle < t || (ended(f) && f->last + l->o.linger < t)) {
			if (f->last + l->o.idle < t)
				a->r->stats.evicted_idle++;
			pl_analysis_finish(a, f);
		}
	}
	if (a->rc)
		return pl_error_set(err, a->rc, "out of memory in the capture on %s", l->o.iface);
	return 0;
}

void pl_traffic_live_restart(pl_traffic_live *l)
{
	pl_analysis *a = &l->a;
	/* finished into the window that ends (and so freed, nDPI's state with them) */
	while (a->flows.oldest)
		pl_analysis_finish(a, a->flows.oldest);
	size_t max = a->ports.max;
	pl_ports_free(&a->ports);
	memset(&a->ports, 0, sizeof a->ports);
	a->ports.max = max;
	pl_sources_free(&a->sources);
	pl_traffic_stats *st = &a->r->stats, keep = *st;
	memset(st, 0, sizeof *st);
	st->linktype = keep.linktype;
	memcpy(st->linktype_name, keep.linktype_name, sizeof st->linktype_name);
	memcpy(st->format, keep.format, sizeof st->format);
	memcpy(st->dpi, keep.dpi, sizeof st->dpi);
	memcpy(st->identify, keep.identify, sizeof st->identify);
	a->rc = 0;
}

void pl_traffic_live_close(pl_traffic_live *l)
{
	if (!l)
		return;
	if (l->pc)
		sym_pcap_close(l->pc);
	pl_flowtab_free(&l->a.flows);
	pl_ports_free(&l->a.ports);
	pl_sources_free(&l->a.sources);
	pl_dpi_close(l->a.dpi);
	pl_traffic_result_free(l->a.r);
	free(l);
}

pl_analysis *pl_traffic_live_analysis(pl_traffic_live *l)
{
	return &l->a;
}

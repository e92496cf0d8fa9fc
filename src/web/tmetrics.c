/* The /metrics series of `serve --capture`: what crossed the busiest ports, for a scraper that may see
 * processes (as the listening-socket series). Cardinality is bounded by construction, as issue 12's rule
 * and Prometheus' guidance ask: no label comes from a client; ports are only those the capture saw, the
 * PL_WEB_TRAFFIC_SERIES_PORTS busiest by packets, the rest summed under port="other"; the protocol label is
 * one of the traffic module's fixed keys (pl_traffic_protocol_known), "unidentified", or "other". So at most
 * (16 + 1) ports x (2 + 2 + 10 + 1) series, each line under ~120 bytes: under 32 KiB. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define K PL_WEB_TRAFFIC_SERIES_PORTS
#define PL_STR_(x) #x
#define PL_STR(x) PL_STR_(x)

static int header(pl_buf *b, const char *name, const char *type, const char *help)
{
	return pl_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int by_packets(const void *x, const void *y)
{
	const pl_traffic_port *a = *(pl_traffic_port *const *)x, *b = *(pl_traffic_port *const *)y;
	uint64_t pa = a->packets[0] + a->packets[1], pb = b->packets[0] + b->packets[1];
	if (pa != pb)
		return pa < pb ? 1 : -1;
	return a < b ? -1 : a > b;
}

static int by_address(const void *x, const void *y)
{
	const pl_traffic_port *a = *(pl_traffic_port *const *)x, *b = *(pl_traffic_port *const *)y;
	return a < b ? -1 : a > b;
}

/* The labels of a port: port="2908",transport="tcp", or the "other" bucket. */
static int labels(pl_buf *b, const pl_traffic_port *p)
{
	if (!p)
		return PL_ADD(b, "port=\"other\",transport=\"any\"");
	return pl_buf_printf(b, "port=\"%u\",transport=\"%s\"", p->port, pl_proto_name(p->proto));
}

static int flows_of(pl_buf *b, const pl_traffic_port *p)
{
	uint64_t named = 0, other = 0;
	int rc = 0;
	for (size_t i = 0; i < p->nprotocols && rc == 0; i++) {
		named += p->protocols[i].flows;
		if (!pl_traffic_protocol_known(p->protocols[i].protocol)) {
			other += p->protocols[i].flows;
			continue;
		}
		rc = PL_ADD(b, "portlore_traffic_flows_total{");
		rc = rc ? rc : labels(b, p);
		/* a known key: lower-case letters, digits and '-' only (service.c) */
		rc = rc ? rc : pl_buf_printf(b, ",protocol=\"%s\"} %llu\n", p->protocols[i].protocol,
					     (unsigned long long)p->protocols[i].flows);
	}
	if (other) {
		rc = rc ? rc : PL_ADD(b, "portlore_traffic_flows_total{");
		rc = rc ? rc : labels(b, p);
		rc = rc ? rc : pl_buf_printf(b, ",protocol=\"other\"} %llu\n", (unsigned long long)other);
	}
	if (p->flows > named) {
		rc = rc ? rc : PL_ADD(b, "portlore_traffic_flows_total{");
		rc = rc ? rc : labels(b, p);
		rc = rc ? rc : pl_buf_printf(b, ",protocol=\"unidentified\"} %llu\n", (unsigned long long)(p->flows - named));
	}
	return rc;
}

int pl_web_traffic_metrics_of(const pl_web_traffic *t, bool stopped, pl_buf *b)
{
	int rc = header(b, "portlore_traffic_capturing", "gauge",
			"Whether serve --capture is capturing (1), or not (0: the capture could not open, or its process "
			"stopped: the series below are then its last summary).");
	rc = rc ? rc : pl_buf_printf(b, "portlore_traffic_capturing %d\n", t && !t->error[0] && !stopped);
	if (rc || !t || t->error[0])
		return rc;
	rc = header(b, "portlore_traffic_capture_start_timestamp_seconds", "gauge", "When the capture began.");
	rc = rc ? rc : pl_buf_printf(b, "portlore_traffic_capture_start_timestamp_seconds %.3f\n", t->started);
	rc = rc ? rc : header(b, "portlore_traffic_summary_timestamp_seconds", "gauge",
			      "When the capture's summary the traffic series come from was made.");
	rc = rc ? rc : pl_buf_printf(b, "portlore_traffic_summary_timestamp_seconds %.3f\n", (double)t->taken_ms / 1000);
	rc = rc ? rc : header(b, "portlore_traffic_frames_total", "counter", "Frames captured.");
	rc = rc ? rc : pl_buf_printf(b, "portlore_traffic_frames_total %llu\n", (unsigned long long)t->frames);
	rc = rc ? rc : header(b, "portlore_traffic_frames_dropped_total", "counter",
			      "Frames the kernel dropped before the capture read them: when not 0, every count is a lower bound.");
	rc = rc ? rc : pl_buf_printf(b, "portlore_traffic_frames_dropped_total %llu\n", (unsigned long long)t->kernel_dropped);
	rc = rc ? rc : header(b, "portlore_traffic_flows_open", "gauge", "Flows the capture holds now.");
	rc = rc ? rc : pl_buf_printf(b, "portlore_traffic_flows_open %llu\n", (unsigned long long)t->open_flows);
	rc = rc ? rc : header(b, "portlore_traffic_flows_evicted_total", "counter",
			      "Flows finished early: idle (no packet for 30 s) or full (the flow table at --capture-flows).");
	rc = rc ? rc : pl_buf_printf(b, "portlore_traffic_flows_evicted_total{reason=\"idle\"} %llu\n"
					"portlore_traffic_flows_evicted_total{reason=\"full\"} %llu\n",
				     (unsigned long long)t->evicted_idle, (unsigned long long)t->evicted_full);
	rc = rc ? rc : header(b, "portlore_traffic_ports_seen", "gauge",
			      "Ports (by transport) with traffic since the capture began, all of them.");
	rc = rc ? rc : pl_buf_printf(b, "portlore_traffic_ports_seen %u\n", t->ports_seen);
	rc = rc ? rc : header(b, "portlore_traffic_scanners_seen", "gauge", "Sources found to be scanners.");
	rc = rc ? rc : pl_buf_printf(b, "portlore_traffic_scanners_seen %u\n", t->scanners_seen);
	if (rc)
		return rc;
	/* the K busiest ports by packets, in port order; the others (and those the frame summed) as one */
	const pl_traffic_port **top = malloc((t->nports ? t->nports : 1) * sizeof *top);
	if (!top)
		return PL_ENOMEM;
	for (size_t i = 0; i < t->nports; i++)
		top[i] = &t->ports[i];
	size_t n = t->nports;
	pl_traffic_port other = t->other;
	if (n > K) {
		qsort(top, n, sizeof *top, by_packets);
		for (size_t i = K; i < n; i++) {
			other.flows += top[i]->flows;
			for (int d = 0; d < 2; d++) {
				other.packets[d] += top[i]->packets[d];
				other.bytes[d] += top[i]->bytes[d];
			}
		}
		n = K;
		qsort(top, n, sizeof *top, by_address);
	}
	bool has_other = t->ports_seen > n;
	static const char *const dir[2] = {"to_server", "to_client"};
	rc = header(b, "portlore_traffic_packets_total", "counter",
		    "Packets by server port (the " PL_STR(K) " busiest; the rest as port=\"other\"), transport and direction.");
	for (size_t i = 0; i <= n && rc == 0; i++) {
		const pl_traffic_port *p = i < n ? top[i] : has_other ? &other : NULL;
		for (int d = 0; d < 2 && p && rc == 0; d++) {
			rc = PL_ADD(b, "portlore_traffic_packets_total{");
			rc = rc ? rc : labels(b, i < n ? p : NULL);
			rc = rc ? rc : pl_buf_printf(b, ",direction=\"%s\"} %llu\n", dir[d], (unsigned long long)p->packets[d]);
		}
	}
	rc = rc ? rc : header(b, "portlore_traffic_bytes_total", "counter", "Bytes on the wire, as the packets series.");
	for (size_t i = 0; i <= n && rc == 0; i++) {
		const pl_traffic_port *p = i < n ? top[i] : has_other ? &other : NULL;
		for (int d = 0; d < 2 && p && rc == 0; d++) {
			rc = PL_ADD(b, "portlore_traffic_bytes_total{");
			rc = rc ? rc : labels(b, i < n ? p : NULL);
			rc = rc ? rc : pl_buf_printf(b, ",direction=\"%s\"} %llu\n", dir[d], (unsigned long long)p->bytes[d]);
		}
	}
	rc = rc ? rc : header(b, "portlore_traffic_flows_total", "counter",
			      "Flows by server port and the protocol their payload spoke (a fixed set of keys; "
			      "\"unidentified\": none named; port=\"other\": protocol=\"any\").");
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = flows_of(b, top[i]);
	if (has_other && rc == 0)
		rc = pl_buf_printf(b, "portlore_traffic_flows_total{port=\"other\",transport=\"any\",protocol=\"any\"} %llu\n",
				   (unsigned long long)other.flows);
	rc = rc ? rc : header(b, "portlore_traffic_scanners", "gauge", "Distinct scanners whose probes touched the port.");
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = PL_ADD(b, "portlore_traffic_scanners{");
		rc = rc ? rc : labels(b, top[i]);
		rc = rc ? rc : pl_buf_printf(b, "} %u\n", top[i]->scanners);
	}
	free(top);
	return rc;
}

int pl_web_traffic_metrics(pl_web *w, pl_buf *b)
{
	if (!w->opts.capture)
		return 0; /* no series for what was never asked (as the page and the API) */
	pl_web_traffic *t = pl_web_traffic_get(w);
	int rc = pl_web_traffic_metrics_of(t, pl_web_traffic_stopped(w), b);
	pl_web_traffic_unref(t);
	return rc;
}

/* libFuzzer target for the traffic frames that serve's capture process sends its HTTP process
 * (src/web/tframe.c): a frame's body is decoded and, when accepted, every port is looked up, every string
 * read, and the /metrics series rendered from it (src/web/tmetrics.c), so that anything the decoder let
 * through that a reader of the summary trips on is caught here. Seeds: fuzz/seeds/web_traffic. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pl_web_traffic *t;
	if (pl_web_traffic_decode(data, size, &t))
		return 0;
	size_t sum = strlen(t->iface) + strlen(t->filter) + strlen(t->dpi) + strlen(t->error);
	for (size_t i = 0; i < t->nports; i++) {
		const pl_traffic_port *p = &t->ports[i];
		if (pl_web_traffic_port(t, p->port, p->proto) != p)
			abort(); /* the order the decoder checked is what the lookup relies on */
		for (size_t k = 0; k < p->nprotocols; k++)
			sum += strlen(p->protocols[k].protocol) + strlen(p->protocols[k].product) + strlen(p->protocols[k].by);
		char a[64];
		for (uint32_t k = 0; k < p->scanners && k < PL_TRAFFIC_PORT_SCANNERS; k++)
			pl_traffic_addr_str(p->scanner_family[k], p->scanner_addr[k], a, sizeof a), sum += strlen(a);
		pl_traffic_verdict v;
		pl_traffic_judge(NULL, p, &v);
		sum += strlen(v.sentence);
	}
	for (size_t i = 0; i < t->nscanners; i++)
		sum += strlen(t->scanners[i].swept) + strlen(t->scanners[i].hosts_sample);
	pl_buf b;
	pl_buf_init(&b, PL_WEB_METRICS_MAX);
	pl_web_traffic_metrics_of(t, size & 1, &b);
	pl_buf_free(&b);
	pl_web_traffic_unref(t);
	return sum == (size_t)-1;
}

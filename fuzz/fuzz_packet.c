/* libFuzzer target for the packet decoder and the flow state it feeds: the first input byte picks the link
 * type, the rest is a frame; frames are split on "\xff\xfe" so that one input is a little conversation. */
#include <stdint.h>
#include <string.h>

#include "portlore/traffic.h"
#include "traffic/internal.h"

static const int linktypes[] = {1, 113, 276, 0, 108, 12, 14, 101, 228, 229, 147};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int lt = linktypes[data[0] % (sizeof linktypes / sizeof linktypes[0])];
	pl_flowtab t;
	if (pl_flowtab_init(&t, 16))
		return 0;
	const uint8_t *p = data + 1, *end = data + size;
	double ts = 1.0;
	while (p < end) {
		const uint8_t *q = p;
		while (q + 1 < end && !(q[0] == 0xff && q[1] == 0xfe))
			q++;
		if (q + 1 >= end)
			q = end;
		size_t n = (size_t)(q - p);
		pl_packet pkt;
		if (pl_traffic_decode(lt, p, n, n, &pkt) == PL_DECODE_OK) {
			int dir;
			bool created;
			pl_flow *f = pl_flowtab_get(&t, &pkt, (pkt.dport & 1) ? pkt.dport : -1, ts, &dir, &created);
			if (f) {
				if (!created && pl_flow_reused(f, &pkt, dir)) {
					pl_flowtab_remove(&t, f);
					pl_flow_free(f);
				} else {
					pl_flow_update(f, &pkt, dir, ts);
					(void)pl_flow_outcome(f);
				}
			}
		}
		ts += 0.5;
		p = q + (q < end ? 2 : 0);
	}
	pl_flowtab_free(&t);
	return 0;
}

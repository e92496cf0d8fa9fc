/* libFuzzer target for the host snapshot frames that serve's reader process sends its HTTP process
 * (src/web/snapshot.c): a frame's body is decoded, and when it is accepted, every socket's owners are
 * followed as the report does, so that an index the decoder let through would be caught here. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pl_web_snapshot *s;
	if (pl_web_snapshot_decode(data, size, &s))
		return 0;
	const pl_socket_set *set = pl_web_snapshot_set_for(s, 2908);
	size_t sum = 0;
	for (size_t i = 0; set && i < set->n; i++)
		for (uint32_t k = 0; k < set->socks[i].owners_count; k++) {
			const pl_process *p = &set->procs[set->owner_links[set->socks[i].owners_first + k]];
			sum += strlen(p->cmdline) + strlen(p->comm) + strlen(p->user) + (p->exe ? strlen(p->exe) : 0);
		}
	pl_web_snapshot_unref(s);
	return sum == (size_t)-1;
}

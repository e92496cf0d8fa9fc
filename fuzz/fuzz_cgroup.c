/* libFuzzer target for naming a container from a /proc/PID/cgroup text (containers.c): any bytes give a
 * runtime and an id that is a NUL-terminated string of at most 64 characters, and the same answer twice. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockets/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	char id[65], again[65];
	memset(id, 'x', sizeof id);
	pl_runtime r = pl_container_classify(text, id);
	if (memchr(id, '\0', sizeof id) == NULL || (unsigned)r > PL_RUNTIME_NSPAWN)
		__builtin_trap();
	if (r == PL_RUNTIME_NONE ? 0 : id[0] == '\0')
		__builtin_trap();
	if (pl_container_classify(text, again) != r || strcmp(id, again))
		__builtin_trap();
	free(text);
	return 0;
}

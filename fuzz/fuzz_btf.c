/* libFuzzer target for the BTF reader of the owner iterator's loader (src/sockets/bpf_core.c): any bytes
 * as a program's BTF (also standing for the kernel's) and a .BTF.ext must index, look up and relocate a
 * program's instructions without reading outside them, or refuse with a reason. The first 4 bytes give the
 * length of the BTF part; the rest is the .BTF.ext. */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockets/bpf_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	uint32_t blen;
	memcpy(&blen, data, 4);
	data += 4;
	size -= 4;
	if (blen > size)
		blen = (uint32_t)size;
	/* Copies, so that the sanitizer sees the exact bounds (and BTF's 4-byte alignment holds). */
	uint32_t *btf = malloc(blen + 4), *ext = malloc(size - blen + 4);
	if (!btf || !ext)
		abort();
	memcpy(btf, data, blen);
	memcpy(ext, data + blen, size - blen);
	char why[160] = "";
	pl_btf b;
	if (pl_btf_open_local(&b, btf, blen, why, sizeof why) == 0) {
		for (uint32_t id = 0; id < b.n && id < 64; id++)
			(void)pl_btf_type(&b, id);
		(void)pl_btf_find(&b, "task_struct", BTF_KIND_STRUCT);
		struct bpf_insn insns[64];
		memset(insns, 0, sizeof insns);
		(void)pl_core_relocate(insns, 64, 0, &b, ext, size - blen, "iter/task_file", &b, why, sizeof why);
		(void)pl_core_relocate(insns, 64, 0, &b, ext, size - blen, "", &b, why, sizeof why);
		free(b.off);
	}
	free(btf);
	free(ext);
	return 0;
}

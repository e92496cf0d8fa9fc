/* CO-RE for our one BPF object, without parsing the kernel's whole BTF: the program's few field
 * relocations (BPF_CORE_FIELD_BYTE_OFFSET, from clang's preserve_access_index) are resolved by name
 * against /sys/kernel/btf/vmlinux in one pass over its type records (an offset per type id, names compared
 * only for the handful of structs and the one function we need). libbpf 1.1 builds a full index of the
 * same 5 MB (~28 ms here); this does ~2 ms. Anything we do not understand is refused with a reason, and
 * the caller walks /proc instead. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf_load.h"

#define KBTF_MAX (64u << 20)

/* Size of the data following a struct btf_type of this kind, or -1 for a kind we do not know. */
static long kind_extra(const struct btf_type *t)
{
	unsigned vlen = BTF_INFO_VLEN(t->info);
	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_DATASEC:
	case BTF_KIND_ENUM64:
		return 12L * vlen;
	case BTF_KIND_ENUM:
	case BTF_KIND_FUNC_PROTO:
		return 8L * vlen;
	default:
		return -1;
	}
}

/* Indexes a BTF blob: type id -> byte offset of its record. Bounds are checked once here, so that the
 * lookups below can trust every record they reach. */
static int btf_index(pl_btf *b, const void *data, size_t len, char *why, size_t whysize)
{
	const struct btf_header *h = data;
	memset(b, 0, sizeof *b);
	if (len < sizeof *h || h->magic != BTF_MAGIC || h->hdr_len > len ||
	    (uint64_t)h->hdr_len + h->type_off + h->type_len > len ||
	    (uint64_t)h->hdr_len + h->str_off + h->str_len > len || h->str_len == 0) {
		snprintf(why, whysize, "BTF is malformed");
		return -1;
	}
	b->types = (const char *)data + h->hdr_len + h->type_off;
	b->types_len = h->type_len;
	if ((uintptr_t)b->types % 4) {
		snprintf(why, whysize, "BTF types are not aligned");
		return -1;
	}
	b->strs = (const char *)data + h->hdr_len + h->str_off;
	b->strs_len = h->str_len;
	if (b->strs[b->strs_len - 1] != '\0') {
		snprintf(why, whysize, "BTF strings are not terminated");
		return -1;
	}
	size_t cap = 1024;
	b->off = malloc(cap * sizeof *b->off);
	if (!b->off)
		return -1;
	b->off[0] = UINT32_MAX; /* id 0 is void */
	b->n = 1;
	for (size_t p = 0; p < b->types_len;) {
		if (b->types_len - p < sizeof(struct btf_type))
			goto bad;
		const struct btf_type *t = (const void *)(b->types + p);
		long extra = kind_extra(t);
		if (extra < 0 || t->name_off >= b->strs_len)
			goto bad;
		if (b->n == cap) {
			uint32_t *o = realloc(b->off, 2 * cap * sizeof *o);
			if (!o)
				return -1;
			b->off = o;
			cap *= 2;
		}
		b->off[b->n++] = (uint32_t)p;
		p += sizeof *t + (size_t)extra;
		if (p > b->types_len)
			goto bad;
	}
	return 0;
bad:
	snprintf(why, whysize, "BTF has a record we do not know (kind or bounds)");
	free(b->off);
	b->off = NULL;
	return -1;
}

const struct btf_type *pl_btf_type(const pl_btf *b, uint32_t id)
{
	return id && id < b->n ? (const void *)(b->types + b->off[id]) : NULL;
}

static const char *btf_name(const pl_btf *b, uint32_t off)
{
	return off < b->strs_len ? b->strs + off : "";
}

/* Through typedefs and qualifiers to the type that has a size. */
static const struct btf_type *skip_mods(const pl_btf *b, uint32_t id, uint32_t *out_id)
{
	for (int depth = 0; depth < 32; depth++) {
		const struct btf_type *t = pl_btf_type(b, id);
		if (!t)
			return NULL;
		switch (BTF_INFO_KIND(t->info)) {
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = t->type;
			continue;
		default:
			if (out_id)
				*out_id = id;
			return t;
		}
	}
	return NULL;
}

static long type_size(const pl_btf *b, uint32_t id)
{
	const struct btf_type *t = skip_mods(b, id, NULL);
	if (!t)
		return -1;
	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_PTR:
		return 8;
	case BTF_KIND_INT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return t->size;
	default:
		return -1;
	}
}

int pl_kbtf_open(pl_btf *k, char *why, size_t whysize)
{
	memset(k, 0, sizeof *k);
	int fd = open("/sys/kernel/btf/vmlinux", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whysize, "the kernel has no BTF (/sys/kernel/btf/vmlinux: %s)", strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_size <= 0 || (size_t)st.st_size > KBTF_MAX) {
		snprintf(why, whysize, "the kernel's BTF has no usable size");
		close(fd);
		return -1;
	}
	size_t len = (size_t)st.st_size;
	/* Kernels from 6.16 map it read-only, sparing a 5 MB copy; older ones are read. */
	void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m != MAP_FAILED) {
		k->map = m;
		k->map_len = len;
	} else {
		char *buf = malloc(len);
		size_t got = 0;
		while (buf && got < len) {
			ssize_t r = read(fd, buf + got, len - got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		if (!buf || got != len) {
			snprintf(why, whysize, "cannot read the kernel's BTF");
			free(buf);
			close(fd);
			return -1;
		}
		k->buf = buf;
		m = buf;
	}
	close(fd);
	if (btf_index(k, m, len, why, whysize)) {
		pl_kbtf_close(k);
		return -1;
	}
	return 0;
}

void pl_kbtf_close(pl_btf *k)
{
	if (k->map)
		munmap(k->map, k->map_len);
	free(k->buf);
	free(k->off);
	memset(k, 0, sizeof *k);
}

int pl_btf_open_local(pl_btf *b, const void *data, size_t len, char *why, size_t whysize)
{
	return btf_index(b, data, len, why, whysize);
}

uint32_t pl_btf_find(const pl_btf *b, const char *name, int kind)
{
	for (uint32_t id = 1; id < b->n; id++) {
		const struct btf_type *t = pl_btf_type(b, id);
		if ((int)BTF_INFO_KIND(t->info) == kind && strcmp(btf_name(b, t->name_off), name) == 0)
			return id;
	}
	return 0;
}

/* The member called name in struct/union id, looking inside anonymous members as C does; its byte offset
 * from the start of id and its type. 0 found, -1 not. */
static int find_member(const pl_btf *b, uint32_t id, const char *name, int depth, uint32_t *off,
	uint32_t *type)
{
	const struct btf_type *t = skip_mods(b, id, NULL);
	if (!t || depth > 8)
		return -1;
	int kind = BTF_INFO_KIND(t->info);
	if (kind != BTF_KIND_STRUCT && kind != BTF_KIND_UNION)
		return -1;
	const struct btf_member *m = (const void *)(t + 1);
	bool kflag = BTF_INFO_KFLAG(t->info);
	for (unsigned i = 0; i < BTF_INFO_VLEN(t->info); i++) {
		uint32_t bits = kflag ? BTF_MEMBER_BIT_OFFSET(m[i].offset) : m[i].offset;
		if (kflag && BTF_MEMBER_BITFIELD_SIZE(m[i].offset))
			continue; /* a bitfield: never one of ours */
		const char *mn = btf_name(b, m[i].name_off);
		if (mn[0] == '\0') {
			uint32_t inner;
			if (find_member(b, m[i].type, name, depth + 1, &inner, type) == 0) {
				if (bits % 8)
					return -1;
				*off = bits / 8 + inner;
				return 0;
			}
			continue;
		}
		if (strcmp(mn, name) == 0) {
			if (bits % 8)
				return -1;
			*off = bits / 8;
			*type = m[i].type;
			return 0;
		}
	}
	return -1;
}

/* One relocation: the local access path "0:i:j..." walked in the program's BTF, replayed by member name
 * in the kernel's. Only the first step may be an index into the root pointer (always 0 for us). */
static int relocate_one(const pl_btf *local, const pl_btf *k, const struct bpf_core_relo *r, uint32_t *loc_off,
	uint32_t *k_off, char *why, size_t whysize)
{
	if (r->kind != 0 /* BPF_CORE_FIELD_BYTE_OFFSET */) {
		snprintf(why, whysize, "BPF object: relocation kind %u not supported", r->kind);
		return -1;
	}
	uint32_t lid;
	const struct btf_type *lt = skip_mods(local, r->type_id, &lid);
	if (!lt) {
		snprintf(why, whysize, "BPF object: bad relocation type");
		return -1;
	}
	const char *root = btf_name(local, lt->name_off);
	uint32_t kid = pl_btf_find(k, root, (int)BTF_INFO_KIND(lt->info));
	if (!kid) {
		snprintf(why, whysize, "the kernel's BTF has no struct %s", root);
		return -1;
	}
	const char *acc = btf_name(local, r->access_str_off);
	if (acc[0] != '0' || (acc[1] != ':' && acc[1] != '\0')) {
		snprintf(why, whysize, "BPF object: access '%s' not supported", acc);
		return -1;
	}
	uint32_t lo = 0, ko = 0, ltype = lid, ktype = kid;
	for (const char *p = acc + 1; *p == ':';) {
		unsigned long idx = strtoul(p + 1, (char **)&p, 10);
		const struct btf_type *st = skip_mods(local, ltype, NULL);
		if (!st || (BTF_INFO_KIND(st->info) != BTF_KIND_STRUCT && BTF_INFO_KIND(st->info) != BTF_KIND_UNION) ||
		    idx >= BTF_INFO_VLEN(st->info)) {
			snprintf(why, whysize, "BPF object: access '%s' not supported", acc);
			return -1;
		}
		const struct btf_member *m = (const struct btf_member *)(st + 1) + idx;
		const char *name = btf_name(local, m->name_off);
		uint32_t kstep, ktyp;
		if (find_member(k, ktype, name, 0, &kstep, &ktyp)) {
			snprintf(why, whysize, "the kernel's struct %s has no field %s", root, name);
			return -1;
		}
		lo += m->offset / 8;
		ko += kstep;
		long ls = type_size(local, m->type), ks = type_size(k, ktyp);
		if (ls < 0 || ls != ks) {
			snprintf(why, whysize, "the kernel's %s.%s has another size (%ld, expected %ld)", root, name,
				 ks, ls);
			return -1;
		}
		ltype = m->type;
		ktype = ktyp;
	}
	*loc_off = lo;
	*k_off = ko;
	return 0;
}

int pl_core_relocate(struct bpf_insn *insns, size_t ninsns, size_t first_byte, const pl_btf *local,
	const void *ext, size_t extlen, const char *secname, const pl_btf *k, char *why, size_t whysize)
{
	struct btf_ext_header {
		uint16_t magic;
		uint8_t version, flags;
		uint32_t hdr_len, func_info_off, func_info_len, line_info_off, line_info_len;
		uint32_t core_relo_off, core_relo_len;
	} hdr = {0}, *h = &hdr;
	if (!ext || extlen < 24) {
		snprintf(why, whysize, "BPF object: no .BTF.ext");
		return -1;
	}
	memcpy(h, ext, extlen < sizeof hdr ? extlen : sizeof hdr);
	if (h->magic != BTF_MAGIC || h->hdr_len > extlen) {
		snprintf(why, whysize, "BPF object: no .BTF.ext");
		return -1;
	}
	if (h->hdr_len < sizeof *h || h->core_relo_len == 0)
		return 0; /* nothing to relocate */
	const char *p = (const char *)ext + h->hdr_len + h->core_relo_off;
	const char *end = p + h->core_relo_len;
	if ((uint64_t)h->hdr_len + h->core_relo_off + h->core_relo_len > extlen || end - p < 4) {
		snprintf(why, whysize, "BPF object: bad .BTF.ext");
		return -1;
	}
	uint32_t recsz;
	memcpy(&recsz, p, 4);
	p += 4;
	if (recsz < sizeof(struct bpf_core_relo)) {
		snprintf(why, whysize, "BPF object: bad .BTF.ext record size");
		return -1;
	}
	while (end - p >= 8) {
		uint32_t sec, num;
		memcpy(&sec, p, 4);
		memcpy(&num, p + 4, 4);
		p += 8;
		if ((uint64_t)num * recsz > (uint64_t)(end - p)) {
			snprintf(why, whysize, "BPF object: bad .BTF.ext");
			return -1;
		}
		bool ours = strcmp(btf_name(local, sec), secname) == 0;
		for (uint32_t i = 0; ours && i < num; i++) {
			struct bpf_core_relo r;
			memcpy(&r, p + (size_t)i * recsz, sizeof r);
			if (r.insn_off % 8 || r.insn_off < first_byte || (r.insn_off - first_byte) / 8 >= ninsns)
				continue; /* another program of the same section */
			struct bpf_insn *in = &insns[(r.insn_off - first_byte) / 8];
			uint32_t lo, ko;
			if (relocate_one(local, k, &r, &lo, &ko, why, whysize))
				return -1;
			int cls = BPF_CLASS(in->code);
			if ((cls == BPF_LDX || cls == BPF_ST || cls == BPF_STX) && in->off == (int32_t)lo && ko < 32768) {
				in->off = (int16_t)ko;
			} else if ((cls == BPF_ALU || cls == BPF_ALU64) && BPF_SRC(in->code) == BPF_K && in->imm == (int32_t)lo) {
				in->imm = (int32_t)ko;
			} else {
				snprintf(why, whysize, "BPF object: relocation on an instruction we cannot patch");
				return -1;
			}
		}
		p += (size_t)num * recsz;
	}
	return 0;
}

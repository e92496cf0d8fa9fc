/* The compact index: one read-only little-endian blob shared by the embedded snapshot, the update cache
 * and in-memory imports, so that opening a registry never parses text. docs/index-format.md has the
 * picture; this header is the only definition of the layout. */
#ifndef PL_REGISTRY_INDEX_H
#define PL_REGISTRY_INDEX_H

#include <stdint.h>

#include "portlore/registry.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the compact index is read in place and assumes a little-endian host"
#endif

#define PL_IDX_MAGIC "PLIDX\r\n\x1a"
#define PL_IDX_VERSION 1u

struct pl_idx_header {
	char magic[8];
	uint32_t version, header_size;
	uint64_t file_size;
	uint32_t crc32;  /* zlib crc32 of bytes [header_size, file_size) */
	uint32_t date, source; /* string offsets */
	uint32_t nrecords, off_records;
	uint32_t npeople, off_people;
	uint32_t nsegs, off_seg_start, off_seg_list;
	uint32_t nnames, off_names;
	uint32_t nlists, off_lists; /* nlists counts uint32 words */
	uint32_t strings_size, off_strings;
	uint32_t flags; /* PL_IDX_F_* */
	uint32_t reserved[3];
};

#define PL_IDX_HAS_PORT 1u
#define PL_IDX_F_REFERENCES 1u /* some record has a reference: the ghost rule can be applied for sure */

struct pl_idx_record {
	uint16_t port_lo, port_hi;
	uint8_t proto, status, flags, pad;
	/* string offsets */
	uint32_t name, description, registered, modified, service_code, unauthorized_use, notes;
	/* list offsets (words into the lists area; 0 is the empty list): [count, item...] */
	uint32_t assignees, contacts; /* items: string offsets of person ids */
	uint32_t refs;                /* items: pairs (type, string offset) */
};

struct pl_idx_person {
	uint32_t id, name, org, email, uri, updated;
};

struct pl_registry {
	const uint8_t *base;
	size_t len;
	void *owned;   /* malloc'd blob to free, or NULL */
	size_t mapped; /* length to munmap, or 0 */
	const struct pl_idx_header *hdr;
	const struct pl_idx_record *records;
	const struct pl_idx_person *people;
	const uint32_t *seg_start, *seg_list, *names, *lists;
	const char *strings;
	/* The search index (search_index.h), built on first use; swapped atomically, freed on close. */
	struct pl_search_index *search, *search_old;
	unsigned searches;
};

/* Frees the search index of a registry being closed (search.c). */
void pl_registry_search_release(struct pl_registry *r);

/* Checks the header and that every section lies inside the blob; the CRC only when check_crc. */
int pl_index_attach(struct pl_registry *r, const void *buf, size_t len, int check_crc, pl_error *err);
const char *pl_index_str(const struct pl_registry *r, uint32_t off);
/* Bounds-checked list access: returns the item count and points *items at them (NULL when empty). */
uint32_t pl_index_list(const struct pl_registry *r, uint32_t off, uint32_t width, const uint32_t **items);
uint32_t pl_index_crc(const void *buf, size_t len);

#endif

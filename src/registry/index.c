/* Reading the compact index in place: attach (bounds-checked once), then O(log n) lookups by port
 * through the segment table and by name through the sorted name index. Every offset read from the
 * blob is checked at use, so a hostile cache file can give wrong answers but never a bad read. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "index.h"
#include "internal.h"
#include "util/util.h"

#define MAX_REGISTRY_FILE (64u << 20)

uint32_t pl_index_crc(const void *buf, size_t len)
{
	uLong c = crc32(0L, Z_NULL, 0);
	const Bytef *p = buf;
	while (len) {
		uInt n = len > 1u << 30 ? 1u << 30 : (uInt)len;
		c = crc32(c, p, n);
		p += n;
		len -= n;
	}
	return (uint32_t)c;
}

static int section_ok(size_t len, uint32_t off, uint64_t count, size_t width, size_t align)
{
	if (off % align)
		return 0;
	if (off > len)
		return 0;
	return count * width <= len - off;
}

int pl_index_attach(struct pl_registry *r, const void *buf, size_t len, int check_crc, pl_error *err)
{
	const struct pl_idx_header *h = buf;
	if ((uintptr_t)buf % 8)
		return pl_error_set(err, PL_EINVAL, "index buffer is not 8-byte aligned (copy it, or open it with copy=true)");
	if (len < sizeof *h || memcmp(h->magic, PL_IDX_MAGIC, 8) != 0)
		return pl_error_set(err, PL_EFORMAT, "not a portlore index (bad magic)");
	if (h->version != PL_IDX_VERSION)
		return pl_error_set(err, PL_EFORMAT, "index format version %u, this portlore reads version %u",
				    h->version, PL_IDX_VERSION);
	if (h->header_size != sizeof *h || h->file_size != len)
		return pl_error_set(err, PL_EFORMAT, "index truncated or padded: header says %llu bytes, have %zu",
				    (unsigned long long)h->file_size, len);
	if (check_crc && pl_index_crc((const uint8_t *)buf + sizeof *h, len - sizeof *h) != h->crc32)
		return pl_error_set(err, PL_EFORMAT, "index checksum mismatch: the file is corrupt");
	if (!section_ok(len, h->off_records, h->nrecords, sizeof(struct pl_idx_record), 4) ||
	    !section_ok(len, h->off_people, h->npeople, sizeof(struct pl_idx_person), 4) ||
	    !section_ok(len, h->off_seg_start, h->nsegs, 4, 4) || !section_ok(len, h->off_seg_list, h->nsegs, 4, 4) ||
	    !section_ok(len, h->off_names, h->nnames, 4, 4) || !section_ok(len, h->off_lists, h->nlists, 4, 4) ||
	    !section_ok(len, h->off_strings, h->strings_size, 1, 1) || h->strings_size == 0 || h->nlists == 0)
		return pl_error_set(err, PL_EFORMAT, "index sections out of bounds");
	const uint8_t *b = buf;
	if (b[h->off_strings] != 0 || b[h->off_strings + h->strings_size - 1] != 0)
		return pl_error_set(err, PL_EFORMAT, "index string table is not terminated");
	r->base = b;
	r->len = len;
	r->hdr = h;
	r->records = (const void *)(b + h->off_records);
	r->people = (const void *)(b + h->off_people);
	r->seg_start = (const void *)(b + h->off_seg_start);
	r->seg_list = (const void *)(b + h->off_seg_list);
	r->names = (const void *)(b + h->off_names);
	r->lists = (const void *)(b + h->off_lists);
	r->strings = (const char *)(b + h->off_strings);
	return 0;
}

const char *pl_index_str(const struct pl_registry *r, uint32_t off)
{
	return off < r->hdr->strings_size ? r->strings + off : "";
}

uint32_t pl_index_list(const struct pl_registry *r, uint32_t off, uint32_t width, const uint32_t **items)
{
	*items = NULL;
	if (off == 0 || off >= r->hdr->nlists)
		return 0;
	uint64_t n = r->lists[off];
	if (n * width > (uint64_t)r->hdr->nlists - off - 1)
		return 0;
	*items = r->lists + off + 1;
	return (uint32_t)n;
}

/* ---- opening ---- */

static int adopt(void *owned, size_t mapped, const void *buf, size_t len, int check_crc, pl_registry **out,
		 pl_error *err)
{
	pl_registry *r = calloc(1, sizeof *r);
	if (!r) {
		if (mapped)
			munmap(owned, mapped);
		else
			free(owned);
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	}
	int rc = pl_index_attach(r, buf, len, check_crc, err);
	r->owned = owned;
	r->mapped = mapped;
	if (rc) {
		pl_registry_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

int pl_registry_open_blob(const void *buf, size_t len, bool copy, pl_registry **out, pl_error *err)
{
	if (!copy)
		return adopt(NULL, 0, buf, len, 1, out, err);
	void *mine = malloc(len ? len : 1);
	if (!mine)
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	memcpy(mine, buf, len);
	return adopt(mine, 0, mine, len, 1, out, err);
}

int pl_registry_open_trusted(const void *buf, size_t len, pl_registry **out, pl_error *err)
{
	return adopt(NULL, 0, buf, len, 0, out, err);
}

/* Takes ownership of a malloc'd blob (from pl_builder_finish). */
int pl_registry_adopt_blob(void *blob, size_t len, pl_registry **out, pl_error *err)
{
	return adopt(blob, 0, blob, len, 0, out, err);
}

static int import_text(const char *path, pl_registry **out, pl_error *err);

int pl_registry_open_file(const char *path, pl_registry **out, pl_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pl_error_errno(err, PL_EIO, errno, "cannot open registry %s", path);
	char magic[8] = {0};
	ssize_t n = pread(fd, magic, sizeof magic, 0);
	if (n == (ssize_t)sizeof magic && memcmp(magic, PL_IDX_MAGIC, 8) == 0) {
		struct stat st;
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)MAX_REGISTRY_FILE) {
			close(fd);
			return pl_error_set(err, PL_EFORMAT, "registry %s: not a regular file of a sane size", path);
		}
		size_t len = (size_t)st.st_size;
		void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		if (m == MAP_FAILED)
			return pl_error_errno(err, PL_EIO, errno, "cannot map %s", path);
		int rc = adopt(m, len, m, len, 1, out, err);
		if (rc && err) {
			char inner[sizeof err->msg];
			memcpy(inner, err->msg, sizeof inner);
			pl_error_set(err, rc, "registry %s: %s", path, inner);
		}
		return rc;
	}
	close(fd);
	return import_text(path, out, err);
}

typedef int (*importer_fn)(const char *, size_t, pl_builder *, pl_error *);

/* Which importer: told by the first non-blank bytes, never by the file name. */
static importer_fn sniff(const char *buf, size_t len)
{
	size_t i = 0;
	if (len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB && (unsigned char)buf[2] == 0xBF)
		i = 3;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	if (i < len && buf[i] == '<')
		return pl_import_xml;
	if ((len - i >= 13 && memcmp(buf + i, "Service Name,", 13) == 0) ||
	    (len - i >= 15 && memcmp(buf + i, "\"Service Name\",", 15) == 0))
		return pl_import_csv;
	if (len - i >= 25 && memcmp(buf + i, "# portlore registry table", 25) == 0)
		return pl_import_tsv;
	return NULL;
}

int pl_registry_open_buffer(const char *buf, size_t len, const char *label, pl_registry **out, pl_error *err)
{
	if (len >= 8 && memcmp(buf, PL_IDX_MAGIC, 8) == 0) {
		int rc = pl_registry_open_blob(buf, len, true, out, err);
		if (rc && err) {
			char inner[sizeof err->msg];
			memcpy(inner, err->msg, sizeof inner);
			pl_error_set(err, rc, "registry %s: %s", label, inner);
		}
		return rc;
	}
	importer_fn fn = sniff(buf, len);
	if (!fn) {
		if (len == 0)
			return pl_error_set(err, PL_EFORMAT, "registry %s is empty", label);
		return pl_error_set(err, PL_EFORMAT,
				    "%s is not a registry: expected IANA's XML or CSV, a portlore index or table", label);
	}
	pl_builder *b = pl_builder_new();
	if (!b)
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	int rc = fn(buf, len, b, err);
	if (rc) {
		pl_builder_free(b);
		if (err) {
			char inner[sizeof err->msg];
			memcpy(inner, err->msg, sizeof inner);
			pl_error_set(err, rc, "registry %s: %s", label, inner);
		}
		return rc;
	}
	return pl_builder_open(b, out, err);
}

static int import_text(const char *path, pl_registry **out, pl_error *err)
{
	char *buf;
	size_t len;
	int rc = pl_read_file(path, MAX_REGISTRY_FILE, &buf, &len, err);
	if (rc)
		return rc;
	rc = pl_registry_open_buffer(buf, len, path, out, err);
	free(buf);
	return rc;
}

void pl_registry_close(pl_registry *r)
{
	if (!r)
		return;
	pl_registry_search_release(r);
	if (r->mapped)
		munmap(r->owned, r->mapped);
	else
		free(r->owned);
	free(r);
}

/* ---- metadata ---- */

const char *pl_registry_date(const pl_registry *r) { return pl_index_str(r, r->hdr->date); }
const char *pl_registry_source(const pl_registry *r) { return pl_index_str(r, r->hdr->source); }
size_t pl_registry_count(const pl_registry *r) { return r->hdr->nrecords; }
size_t pl_registry_people_count(const pl_registry *r) { return r->hdr->npeople; }
bool pl_registry_has_references(const pl_registry *r) { return (r->hdr->flags & PL_IDX_F_REFERENCES) != 0; }

const void *pl_registry_blob(const pl_registry *r, size_t *len)
{
	*len = r->len;
	return r->base;
}

/* ---- records ---- */

int pl_registry_record(const pl_registry *r, size_t index, pl_record *out)
{
	if (index >= r->hdr->nrecords)
		return PL_ENOTFOUND;
	const struct pl_idx_record *x = &r->records[index];
	out->name = pl_index_str(r, x->name);
	out->description = pl_index_str(r, x->description);
	out->registered = pl_index_str(r, x->registered);
	out->modified = pl_index_str(r, x->modified);
	out->service_code = pl_index_str(r, x->service_code);
	out->unauthorized_use = pl_index_str(r, x->unauthorized_use);
	out->notes = pl_index_str(r, x->notes);
	out->has_port = (x->flags & PL_IDX_HAS_PORT) != 0;
	out->port_lo = x->port_lo;
	out->port_hi = x->port_hi;
	out->proto = x->proto < PL_PROTO_COUNT ? (pl_proto)x->proto : PL_PROTO_NONE;
	out->status = x->status <= PL_STATUS_RESERVED ? (pl_status)x->status : PL_STATUS_ASSIGNED;
	out->index = (uint32_t)index;
	out->reg_ = r;
	out->assignees_ = x->assignees;
	out->contacts_ = x->contacts;
	out->refs_ = x->refs;
	return 0;
}

size_t pl_registry_lookup_port(const pl_registry *r, uint16_t port, pl_proto proto, uint32_t *idx, size_t max)
{
	/* Segments cut the port axis at every record's first port and one past its last; the segment holding
	 * `port` lists exactly the records covering it. Upper bound, then one step back. */
	size_t lo = 0, hi = r->hdr->nsegs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->seg_start[mid] <= port)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return 0;
	const uint32_t *items;
	uint32_t n = pl_index_list(r, r->seg_list[lo - 1], 1, &items);
	size_t found = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t ri = items[i];
		if (ri >= r->hdr->nrecords)
			continue;
		const struct pl_idx_record *x = &r->records[ri];
		if (port < x->port_lo || port > x->port_hi)
			continue; /* only a corrupt index gets here */
		if (proto != PL_PROTO_NONE && x->proto != proto && x->proto != PL_PROTO_NONE)
			continue;
		if (found < max)
			idx[found] = ri;
		found++;
	}
	return found;
}

static const char *name_at(const pl_registry *r, size_t i)
{
	uint32_t ri = r->names[i];
	return ri < r->hdr->nrecords ? pl_index_str(r, r->records[ri].name) : "";
}

size_t pl_registry_lookup_name(const pl_registry *r, const char *name, uint32_t *idx, size_t max)
{
	size_t lo = 0, hi = r->hdr->nnames;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pl_strcasecmp(name_at(r, mid), name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t found = 0;
	for (size_t i = lo; i < r->hdr->nnames && pl_strcasecmp(name_at(r, i), name) == 0; i++) {
		if (found < max)
			idx[found] = r->names[i];
		found++;
	}
	return found;
}

size_t pl_record_people_count(const pl_record *rec, pl_role role)
{
	const uint32_t *items;
	return pl_index_list(rec->reg_, role == PL_ROLE_ASSIGNEE ? rec->assignees_ : rec->contacts_, 1, &items);
}

const char *pl_record_person_id(const pl_record *rec, pl_role role, size_t i)
{
	const uint32_t *items;
	uint32_t n = pl_index_list(rec->reg_, role == PL_ROLE_ASSIGNEE ? rec->assignees_ : rec->contacts_, 1, &items);
	return i < n ? pl_index_str(rec->reg_, items[i]) : "";
}

size_t pl_record_ref_count(const pl_record *rec)
{
	const uint32_t *items;
	return pl_index_list(rec->reg_, rec->refs_, 2, &items);
}

int pl_record_ref(const pl_record *rec, size_t i, pl_xref *out)
{
	const uint32_t *items;
	uint32_t n = pl_index_list(rec->reg_, rec->refs_, 2, &items);
	if (i >= n)
		return PL_ENOTFOUND;
	out->type = items[2 * i] <= PL_XREF_NOTE ? (pl_xref_type)items[2 * i] : PL_XREF_TEXT;
	out->data = pl_index_str(rec->reg_, items[2 * i + 1]);
	return 0;
}

static void person_view(const pl_registry *r, const struct pl_idx_person *p, pl_person *out)
{
	out->id = pl_index_str(r, p->id);
	out->name = pl_index_str(r, p->name);
	out->org = pl_index_str(r, p->org);
	out->email = pl_index_str(r, p->email);
	out->uri = pl_index_str(r, p->uri);
	out->updated = pl_index_str(r, p->updated);
}

int pl_registry_person(const pl_registry *r, const char *id, pl_person *out)
{
	size_t lo = 0, hi = r->hdr->npeople;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(pl_index_str(r, r->people[mid].id), id);
		if (c == 0) {
			person_view(r, &r->people[mid], out);
			return 0;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return PL_ENOTFOUND;
}

int pl_registry_person_at(const pl_registry *r, size_t i, pl_person *out)
{
	if (i >= r->hdr->npeople)
		return PL_ENOTFOUND;
	person_view(r, &r->people[i], out);
	return 0;
}

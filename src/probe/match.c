/* The reply matchers: the table's PCRE2 patterns compiled once (libpcre2-8 loaded on first use, like
 * the other heavy libraries) and tried in order on a client's and/or a server's first payload. Matching
 * is bounded (match and depth limits), so a hostile reply costs little; see fuzz/fuzz_probe_match.c. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "util/dl.h"

static __typeof__(pcre2_compile) *p_compile;
static __typeof__(pcre2_match) *p_match;
static __typeof__(pcre2_match_data_create) *p_md_create;
static __typeof__(pcre2_match_data_free) *p_md_free;
static __typeof__(pcre2_get_ovector_pointer) *p_ovector;
static __typeof__(pcre2_match_context_create) *p_mctx_create;
static __typeof__(pcre2_set_match_limit) *p_set_match_limit;
static __typeof__(pcre2_set_depth_limit) *p_set_depth_limit;
static __typeof__(pcre2_get_error_message) *p_error_message;

static const pl_dl_sym pcre_syms[] = {
	{"pcre2_compile_8", (void **)&p_compile},
	{"pcre2_match_8", (void **)&p_match},
	{"pcre2_match_data_create_8", (void **)&p_md_create},
	{"pcre2_match_data_free_8", (void **)&p_md_free},
	{"pcre2_get_ovector_pointer_8", (void **)&p_ovector},
	{"pcre2_match_context_create_8", (void **)&p_mctx_create},
	{"pcre2_set_match_limit_8", (void **)&p_set_match_limit},
	{"pcre2_set_depth_limit_8", (void **)&p_set_depth_limit},
	{"pcre2_get_error_message_8", (void **)&p_error_message},
	{NULL, NULL},
};
static const char *const pcre_sonames[] = {"libpcre2-8.so.0", "libpcre2-8.so", NULL};
static void *pcre_handle;

/* Compiled once for the process and read-only afterwards (pcre2_match takes const code): the one piece
 * of mutable module state, like the dl handles. */
static pcre2_code **compiled; /* [2 * pl_nmatchers]: client, server */
static pcre2_match_context *mctx;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pl_error init_err;
static int init_rc;

int pl_probe_pcre_load(pl_error *err)
{
	return pl_dl_load(&pcre_handle, pcre_sonames, pcre_syms, "libpcre2-8 (Debian: libpcre2-8-0)", err);
}

/* A pattern for pcre2: the library's own compile, used by the nmap reader too. */
void *pl_probe_pcre_compile(const char *pattern, size_t len, unsigned flags, char *why, size_t whysize)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *re = p_compile((PCRE2_SPTR)pattern, len, flags, &code, &off, NULL);
	if (!re && why) {
		PCRE2_UCHAR msg[160];
		p_error_message(code, msg, sizeof msg);
		snprintf(why, whysize, "%s at offset %zu", (const char *)msg, (size_t)off);
	}
	return re;
}

static void init(void)
{
	init_rc = pl_probe_pcre_load(&init_err);
	if (init_rc)
		return;
	static pcre2_code *slots[2 * 256];
	if (pl_nmatchers > 256) {
		init_rc = pl_error_set(&init_err, PL_ELIMIT, "too many matchers");
		return;
	}
	mctx = p_mctx_create(NULL);
	if (!mctx) {
		init_rc = pl_error_set(&init_err, PL_ENOMEM, "out of memory");
		return;
	}
	/* A reply is at most a few KiB; these bound the worst case of a pattern against hostile bytes. */
	p_set_match_limit(mctx, 200000);
	p_set_depth_limit(mctx, 5000);
	for (size_t i = 0; i < pl_nmatchers; i++) {
		const char *pat[2] = {pl_matchers[i].client, pl_matchers[i].server};
		for (int k = 0; k < 2; k++) {
			if (!pat[k])
				continue;
			char why[200];
			slots[2 * i + k] = pl_probe_pcre_compile(pat[k], PCRE2_ZERO_TERMINATED, PCRE2_DOTALL, why, sizeof why);
			if (!slots[2 * i + k]) {
				init_rc = pl_error_set(&init_err, PL_EFORMAT, "matcher %zu (%s): %s", i, pl_matchers[i].protocol, why);
				return;
			}
		}
	}
	compiled = slots;
}

/* Runs re on s; fills ov (2 * 10 offsets, -1 for unset groups); 1 matched, 0 not. */
static int run(const pcre2_code *re, const void *s, size_t len, PCRE2_SIZE ov[20])
{
	pcre2_match_data *md = p_md_create(10, NULL);
	if (!md)
		return 0;
	int rc = p_match(re, (PCRE2_SPTR)s, len, 0, 0, md, mctx);
	if (rc > 0) {
		PCRE2_SIZE *o = p_ovector(md);
		for (int i = 0; i < 20; i++)
			ov[i] = i < 2 * rc ? o[i] : PCRE2_UNSET;
	}
	p_md_free(md);
	return rc > 0;
}

int pl_probe_pcre_match(const void *re, const void *s, size_t len, size_t ov[20])
{
	return run(re, s, len, (PCRE2_SIZE *)ov);
}

/* Expands "$1 text $2" from groups of s; group text is made printable, and the result trimmed with runs
 * of spaces collapsed (an empty group leaves no double space). */
void pl_probe_expand(const char *tmpl, const unsigned char *s, const size_t *ov, char *out, size_t size)
{
	size_t n = 0;
	for (const char *t = tmpl; *t && n + 1 < size; t++) {
		if (t[0] == '$' && t[1] >= '1' && t[1] <= '9') {
			int g = t[1] - '0';
			t++;
			if (ov[2 * g] == PCRE2_UNSET || ov[2 * g + 1] == PCRE2_UNSET)
				continue;
			for (size_t k = ov[2 * g]; k < ov[2 * g + 1] && n + 1 < size; k++) {
				unsigned char c = s[k];
				out[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
			}
			continue;
		}
		out[n++] = *t;
	}
	out[n] = 0;
	/* trim and collapse */
	size_t w = 0;
	for (size_t r = 0; r < n; r++) {
		if (out[r] == ' ' && (w == 0 || out[w - 1] == ' '))
			continue;
		out[w++] = out[r];
	}
	while (w && out[w - 1] == ' ')
		w--;
	out[w] = 0;
}

int pl_probe_identify_flags(pl_proto proto, const void *client, size_t clen, const void *server, size_t slen,
			    pl_probe_match *out, size_t *decided, unsigned *flags, bool reply_only)
{
	pthread_once(&once, init);
	if (init_rc)
		return init_rc;
	if (!client)
		clen = 0;
	if (!server)
		slen = 0;
	for (size_t i = 0; i < pl_nmatchers; i++) {
		const pl_matcher *m = &pl_matchers[i];
		if (proto != PL_PROTO_NONE && m->proto != PL_PROTO_NONE && m->proto != proto)
			continue;
		if (reply_only && !m->server)
			continue;
		size_t cov[20], sov[20];
		if (m->client && (clen == 0 || !run(compiled[2 * i], client, clen, cov)))
			continue;
		if (m->server && (slen == 0 || !run(compiled[2 * i + 1], server, slen, sov)))
			continue;
		const unsigned char *src = m->server ? server : client;
		const size_t *ov = m->server ? sov : cov;
		memset(out, 0, sizeof *out);
		snprintf(out->protocol, sizeof out->protocol, "%s", m->protocol);
		pl_probe_expand(m->product, src, ov, out->product, sizeof out->product);
		pl_probe_expand(m->version, src, ov, out->version, sizeof out->version);
		pl_probe_expand(m->info, src, ov, out->info, sizeof out->info);
		out->confidence = m->confidence;
		if (decided)
			*decided = ov[1];
		if (flags)
			*flags = m->flags;
		return 1;
	}
	return 0;
}

int pl_probe_identify_ex(pl_proto proto, const void *client, size_t clen, const void *server, size_t slen,
			 pl_probe_match *out, size_t *decided)
{
	return pl_probe_identify_flags(proto, client, clen, server, slen, out, decided, NULL, false);
}

int pl_probe_identify(pl_proto proto, const void *client, size_t clen, const void *server, size_t slen,
		      pl_probe_match *out)
{
	return pl_probe_identify_flags(proto, client, clen, server, slen, out, NULL, NULL, false);
}

void pl_probe_escape(const unsigned char *p, size_t n, char *out, size_t size)
{
	size_t w = 0;
	if (!size)
		return;
	for (size_t i = 0; i < n; i++) {
		char tmp[5];
		unsigned char c = p[i];
		if (c == '\r')
			memcpy(tmp, "\\r", 3);
		else if (c == '\n')
			memcpy(tmp, "\\n", 3);
		else if (c == '\t')
			memcpy(tmp, "\\t", 3);
		else if (c == '\\')
			memcpy(tmp, "\\\\", 3);
		else if (c >= 0x20 && c < 0x7f)
			tmp[0] = (char)c, tmp[1] = 0;
		else
			snprintf(tmp, sizeof tmp, "\\x%02x", c);
		size_t l = strlen(tmp);
		if (w + l + 1 > size)
			break;
		memcpy(out + w, tmp, l);
		w += l;
	}
	out[w] = 0;
}

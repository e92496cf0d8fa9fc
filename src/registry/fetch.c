/* Downloading a registry over HTTP(S) with libcurl (loaded on first use, see util/dl.h): connect and
 * total timeouts, a size cap enforced while receiving, TLS verification on, http/https only (redirects
 * too), and a progress callback for the front end to draw. The body lands in memory, never on disk. */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "portlore/registry.h"
#include "util/dl.h"
#include "util/util.h"

#define CURL_SYMS(X) \
	X(curl_global_init) X(curl_easy_init) X(curl_easy_setopt) X(curl_easy_perform) X(curl_easy_cleanup) \
	X(curl_easy_strerror) X(curl_easy_getinfo)

CURL_SYMS(PL_DL_DECLARE)
static const pl_dl_sym curl_syms[] = {CURL_SYMS(PL_DL_ENTRY){NULL, NULL}};
static const char *const curl_sonames[] = {"libcurl.so.4", "libcurl-gnutls.so.4", NULL};
static void *curl_handle;

struct sink {
	pl_buf buf;
	bool too_big;
	const pl_fetch_opts *opts;
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct sink *s = ctx;
	if (pl_buf_add(&s->buf, p, size * n)) {
		s->too_big = true;
		return 0; /* makes curl stop with CURLE_WRITE_ERROR */
	}
	return size * n;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)ultotal;
	(void)ulnow;
	struct sink *s = ctx;
	if (s->opts->progress)
		return s->opts->progress(s->opts->progress_ctx, (uint64_t)dlnow, (uint64_t)dltotal);
	return 0;
}

bool pl_fetch_is_url(const char *s)
{
	return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

int pl_fetch(const char *url, const pl_fetch_opts *opts, char **data, size_t *len, pl_error *err)
{
	static bool global_done;
	if (!pl_fetch_is_url(url))
		return pl_error_set(err, PL_EINVAL, "'%s' is not an http:// or https:// URL", url);
	int rc = pl_dl_load(&curl_handle, curl_sonames, curl_syms, "libcurl", err);
	if (rc)
		return rc;
	if (!global_done) {
		if (sym_curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return pl_error_set(err, PL_EIO, "libcurl failed to initialise");
		global_done = true;
	}
	CURL *c = sym_curl_easy_init();
	if (!c)
		return pl_error_set(err, PL_ENOMEM, "libcurl: cannot create a handle");
	struct sink s = {.opts = opts};
	pl_buf_init(&s.buf, opts->max_bytes);
	char curl_err[CURL_ERROR_SIZE] = "";
	sym_curl_easy_setopt(c, CURLOPT_URL, url);
	sym_curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	sym_curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	/* A redirect may not downgrade: from https, only https. */
	sym_curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, strncmp(url, "https://", 8) == 0 ? "https" : "http,https");
	sym_curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	sym_curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	sym_curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	sym_curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	sym_curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	sym_curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, opts->connect_timeout_s);
	sym_curl_easy_setopt(c, CURLOPT_TIMEOUT, opts->total_timeout_s);
	sym_curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)opts->max_bytes);
	sym_curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	sym_curl_easy_setopt(c, CURLOPT_USERAGENT, "portlore/" PL_VERSION_STRING);
	sym_curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	sym_curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	sym_curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	sym_curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	sym_curl_easy_setopt(c, CURLOPT_XFERINFODATA, &s);
	sym_curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	CURLcode cc = sym_curl_easy_perform(c);
	if (cc != CURLE_OK) {
		if (s.too_big || cc == CURLE_FILESIZE_EXCEEDED)
			rc = pl_error_set(err, PL_ELIMIT, "download of %s exceeds the %zu-byte cap", url, opts->max_bytes);
		else
			rc = pl_error_set(err, PL_EIO, "download of %s failed: %s", url,
					  *curl_err ? curl_err : sym_curl_easy_strerror(cc));
		pl_buf_free(&s.buf);
	} else {
		*len = s.buf.len;
		*data = s.buf.data ? s.buf.data : calloc(1, 1);
		if (!*data)
			rc = pl_error_set(err, PL_ENOMEM, "out of memory");
	}
	sym_curl_easy_cleanup(c);
	return rc;
}

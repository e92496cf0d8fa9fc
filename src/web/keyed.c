/* The voter key of a feedback vote is a keyed hash of (day, address) under a random salt kept in the
 * database, so that the database never holds an address and one client voting twice on a page in a day
 * maps to the same key. HMAC-SHA-256 from GnuTLS, which libmicrohttpd already brings along, loaded on
 * first use (util/dl.h) like the server's other libraries. */
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "internal.h"
#include "util/dl.h"

#define GNUTLS_SYMS(X) X(gnutls_hmac_fast)

GNUTLS_SYMS(PL_DL_DECLARE)
static const pl_dl_sym gnutls_syms[] = {GNUTLS_SYMS(PL_DL_ENTRY){NULL, NULL}};
static const char *const gnutls_sonames[] = {"libgnutls.so.30", NULL};
static void *gnutls_handle;

int pl_web_keyed_hash(const uint8_t key[16], const void *data, size_t len, uint8_t out[32], pl_error *err)
{
	int rc = pl_dl_load(&gnutls_handle, gnutls_sonames, gnutls_syms, "GnuTLS", err);
	if (rc)
		return rc;
	if (sym_gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, 16, data, len, out) < 0)
		return pl_error_set(err, PL_EIO, "GnuTLS: HMAC-SHA-256 failed");
	return 0;
}

/* The TLS probe: a real ClientHello from GnuTLS (loaded on first use, see util/dl.h), which reports the
 * version, cipher and ALPN agreed and the server's certificate (subject, issuer, SANs, expiry). The
 * certificate is read, never trusted or verified: the question is what answers, not whether to believe
 * it. Our own transport functions keep the first raw bytes, so a server that is no TLS at all (an SSH
 * banner, an HTTP 400) still names itself, and bound every wait by poll. */
#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"
#include "util/dl.h"

#define GNUTLS_SYMS(X)                                                                                             \
	X(gnutls_certificate_allocate_credentials)                                                                 \
	X(gnutls_certificate_free_credentials)                                                                     \
	X(gnutls_init)                                                                                             \
	X(gnutls_deinit)                                                                                           \
	X(gnutls_set_default_priority)                                                                             \
	X(gnutls_credentials_set)                                                                                  \
	X(gnutls_server_name_set)                                                                                  \
	X(gnutls_alpn_set_protocols)                                                                               \
	X(gnutls_alpn_get_selected_protocol)                                                                       \
	X(gnutls_transport_set_ptr)                                                                                \
	X(gnutls_transport_set_push_function)                                                                      \
	X(gnutls_transport_set_pull_function)                                                                      \
	X(gnutls_transport_set_pull_timeout_function)                                                              \
	X(gnutls_handshake)                                                                                        \
	X(gnutls_handshake_set_timeout)                                                                            \
	X(gnutls_record_set_timeout)                                                                               \
	X(gnutls_protocol_get_version)                                                                             \
	X(gnutls_protocol_get_name)                                                                                \
	X(gnutls_cipher_get)                                                                                       \
	X(gnutls_cipher_get_name)                                                                                  \
	X(gnutls_certificate_get_peers)                                                                            \
	X(gnutls_x509_crt_init)                                                                                    \
	X(gnutls_x509_crt_import)                                                                                  \
	X(gnutls_x509_crt_get_dn)                                                                                  \
	X(gnutls_x509_crt_get_issuer_dn)                                                                           \
	X(gnutls_x509_crt_get_subject_alt_name)                                                                    \
	X(gnutls_x509_crt_get_expiration_time)                                                                     \
	X(gnutls_x509_crt_check_issuer)                                                                            \
	X(gnutls_x509_crt_deinit)                                                                                  \
	X(gnutls_record_send)                                                                                      \
	X(gnutls_record_recv)                                                                                      \
	X(gnutls_error_is_fatal)                                                                                   \
	X(gnutls_strerror)

GNUTLS_SYMS(PL_DL_DECLARE)
static const pl_dl_sym gnutls_syms[] = {GNUTLS_SYMS(PL_DL_ENTRY){NULL, NULL}};
static const char *const gnutls_sonames[] = {"libgnutls.so.30", NULL};
static void *gnutls_handle;

typedef struct io_state {
	pl_tls_io *io;
	bool handshaking;
	uint64_t deadline; /* ms: no read or write past it */
} io_state;

static int wait_fd(int fd, short ev, uint64_t deadline)
{
	for (;;) {
		uint64_t now = pl_probe_now_ms();
		if (now >= deadline)
			return 0;
		struct pollfd p = {fd, ev, 0};
		int r = poll(&p, 1, (int)(deadline - now));
		if (r < 0 && errno == EINTR)
			continue;
		return r;
	}
}

static ssize_t push(gnutls_transport_ptr_t ptr, const void *data, size_t len)
{
	io_state *s = ptr;
	if (wait_fd(s->io->fd, POLLOUT, s->deadline) <= 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	return send(s->io->fd, data, len, MSG_NOSIGNAL);
}

static ssize_t pull(gnutls_transport_ptr_t ptr, void *data, size_t len)
{
	io_state *s = ptr;
	if (wait_fd(s->io->fd, POLLIN, s->deadline) <= 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	ssize_t n = recv(s->io->fd, data, len, 0);
	if (n > 0 && s->handshaking && s->io->rawlen < sizeof s->io->raw) {
		size_t k = sizeof s->io->raw - s->io->rawlen;
		if (k > (size_t)n)
			k = (size_t)n;
		memcpy(s->io->raw + s->io->rawlen, data, k);
		s->io->rawlen += k;
	}
	return n;
}

static int pull_timeout(gnutls_transport_ptr_t ptr, unsigned int ms)
{
	io_state *s = ptr;
	uint64_t d = pl_probe_now_ms() + ms;
	if (ms == GNUTLS_INDEFINITE_TIMEOUT || d > s->deadline)
		d = s->deadline;
	return wait_fd(s->io->fd, POLLIN, d);
}

static void describe_cert(gnutls_session_t ses, pl_probe_tls *tls)
{
	unsigned int n = 0;
	const gnutls_datum_t *certs = sym_gnutls_certificate_get_peers(ses, &n);
	gnutls_x509_crt_t crt;
	if (!certs || n == 0 || sym_gnutls_x509_crt_init(&crt) < 0)
		return;
	if (sym_gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) >= 0) {
		size_t sz = sizeof tls->subject;
		if (sym_gnutls_x509_crt_get_dn(crt, tls->subject, &sz) < 0)
			tls->subject[0] = 0;
		sz = sizeof tls->issuer;
		if (sym_gnutls_x509_crt_get_issuer_dn(crt, tls->issuer, &sz) < 0)
			tls->issuer[0] = 0;
		time_t exp = sym_gnutls_x509_crt_get_expiration_time(crt);
		tls->not_after = exp == (time_t)-1 ? 0 : (int64_t)exp;
		tls->self_signed = sym_gnutls_x509_crt_check_issuer(crt, crt) == 1;
		size_t used = 0;
		for (unsigned seq = 0; seq < 32; seq++) {
			char name[256];
			size_t nsz = sizeof name - 1;
			int type = sym_gnutls_x509_crt_get_subject_alt_name(crt, seq, name, &nsz, NULL);
			if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
				break;
			if (type < 0)
				continue;
			char one[300];
			one[0] = 0;
			if (type == GNUTLS_SAN_DNSNAME) {
				name[nsz < sizeof name ? nsz : sizeof name - 1] = 0;
				snprintf(one, sizeof one, "DNS:%s", name);
			} else if (type == GNUTLS_SAN_IPADDRESS && (nsz == 4 || nsz == 16)) {
				char a[64];
				inet_ntop(nsz == 4 ? AF_INET : AF_INET6, name, a, sizeof a);
				snprintf(one, sizeof one, "IP:%s", a);
			}
			if (!*one)
				continue;
			int w = snprintf(tls->san + used, sizeof tls->san - used, "%s%s", used ? ", " : "", one);
			if (w < 0 || (size_t)w >= sizeof tls->san - used)
				break;
			used += (size_t)w;
		}
	}
	sym_gnutls_x509_crt_deinit(crt);
}

int pl_tls_probe(pl_tls_io *io, pl_probe_tls *tls, pl_error *err)
{
	int rc = pl_dl_load(&gnutls_handle, gnutls_sonames, gnutls_syms, "GnuTLS (Debian: libgnutls30)", err);
	if (rc)
		return rc;
	memset(tls, 0, sizeof *tls);
	io->rawlen = io->innerlen = 0;
	gnutls_certificate_credentials_t cred;
	gnutls_session_t ses;
	if (sym_gnutls_certificate_allocate_credentials(&cred) < 0)
		return pl_error_set(err, PL_ENOMEM, "GnuTLS: out of memory");
	if (sym_gnutls_init(&ses, GNUTLS_CLIENT) < 0) {
		sym_gnutls_certificate_free_credentials(cred);
		return pl_error_set(err, PL_ENOMEM, "GnuTLS: out of memory");
	}
	io_state st = {io, true, pl_probe_now_ms() + io->timeout_ms};
	sym_gnutls_set_default_priority(ses);
	sym_gnutls_credentials_set(ses, GNUTLS_CRD_CERTIFICATE, cred);
	/* SNI only for a name: RFC 6066 forbids an address there. */
	unsigned char tmp[16];
	if (io->host && *io->host && inet_pton(AF_INET, io->host, tmp) != 1 && inet_pton(AF_INET6, io->host, tmp) != 1)
		sym_gnutls_server_name_set(ses, GNUTLS_NAME_DNS, io->host, strlen(io->host));
	/* Only http/1.1: the HEAD asked inside must be understood (h2 would need its own framing). */
	gnutls_datum_t alpn = {(unsigned char *)"http/1.1", 8};
	sym_gnutls_alpn_set_protocols(ses, &alpn, 1, 0);
	sym_gnutls_transport_set_ptr(ses, &st);
	sym_gnutls_transport_set_push_function(ses, push);
	sym_gnutls_transport_set_pull_function(ses, pull);
	sym_gnutls_transport_set_pull_timeout_function(ses, pull_timeout);
	sym_gnutls_handshake_set_timeout(ses, io->timeout_ms);
	int hr;
	do
		hr = sym_gnutls_handshake(ses);
	while (hr < 0 && !sym_gnutls_error_is_fatal(hr) && pl_probe_now_ms() < st.deadline);
	st.handshaking = false;
	if (hr < 0) {
		rc = 0;
		goto out;
	}
	tls->done = true;
	snprintf(tls->version, sizeof tls->version, "%s",
		 sym_gnutls_protocol_get_name(sym_gnutls_protocol_get_version(ses)) ?: "");
	snprintf(tls->cipher, sizeof tls->cipher, "%s", sym_gnutls_cipher_get_name(sym_gnutls_cipher_get(ses)) ?: "");
	gnutls_datum_t sel;
	if (sym_gnutls_alpn_get_selected_protocol(ses, &sel) == 0)
		snprintf(tls->alpn, sizeof tls->alpn, "%.*s", (int)sel.size, (const char *)sel.data);
	describe_cert(ses, tls);
	rc = 1;
	/* Inside: first listen (IMAPS, SMTPS and the like greet), then ask HTTP. */
	if (!io->inner || !io->innersize)
		goto out;
	st.deadline = pl_probe_now_ms() + io->timeout_ms;
	sym_gnutls_record_set_timeout(ses, io->quiet_ms);
	ssize_t got = sym_gnutls_record_recv(ses, io->inner, io->innersize);
	if (got > 0) {
		io->innerlen = (size_t)got;
		goto out;
	}
	if (!io->request || !io->request_len)
		goto out;
	if (sym_gnutls_record_send(ses, io->request, io->request_len) < 0)
		goto out;
	sym_gnutls_record_set_timeout(ses, io->timeout_ms);
	while (io->innerlen < io->innersize) {
		got = sym_gnutls_record_recv(ses, io->inner + io->innerlen, io->innersize - io->innerlen);
		if (got <= 0)
			break;
		io->innerlen += (size_t)got;
		/* The head of a reply is enough: stop at its end. */
		if (memmem(io->inner, io->innerlen, "\r\n\r\n", 4))
			break;
		sym_gnutls_record_set_timeout(ses, io->quiet_ms);
	}
out:
	sym_gnutls_deinit(ses);
	sym_gnutls_certificate_free_credentials(cred);
	return rc;
}

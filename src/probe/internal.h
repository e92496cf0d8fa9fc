/* The probe module's own types: the probe and matcher tables (table.c) and what the engine, the TLS
 * prober and the matcher share. Not public: include/portlore/probe.h is the interface. */
#ifndef PL_PROBE_INTERNAL_H
#define PL_PROBE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portlore/probe.h"

/* A probe: what to send, where it is likely to be worth sending, how rare a hit is, how long a reply may
 * take. Payloads are read-only questions (no command that changes a server's state). */
typedef struct pl_probe_def {
	const char *name;     /* "http-head": shown as the probe that decided */
	const char *protocol; /* what it is meant to find (a protocol key) */
	pl_proto proto;       /* TCP or UDP */
	const char *payload;  /* "{host}" is replaced by the target's name; NULL for a TLS handshake */
	size_t len;           /* payload bytes (binary payloads hold NULs) */
	size_t pad_to;        /* zero-pad the datagram to this size (QUIC wants 1200) */
	const char *ports;    /* ports where this protocol usually lives: "80,8000-8099" */
	int rarity;           /* 1 common ... 9 rare: the order when no port hint decides */
	unsigned wait_ms;     /* the longest a real server takes to answer it */
	bool tls;             /* a TLS handshake (GnuTLS) instead of a payload */
	const char *nmap;     /* nmap's probes asking the same (space-separated): whose matches may name a reply */
} pl_probe_def;

enum {
	PL_M_TRY_TLS = 1u << 0, /* the reply may be a TLS server refusing plaintext: try TLS before believing it */
};

/* A matcher: PCRE2 patterns on the client's and/or the server's first payload (NULL: not looked at;
 * both given: both must match), and templates for what to extract ($1..$9 are the server pattern's
 * groups, else the client's). First match in table order wins, so specific ones come first. */
typedef struct pl_matcher {
	const char *protocol;
	pl_proto proto; /* NONE: any transport */
	const char *client;
	const char *server;
	const char *product, *version, *info;
	int confidence;
	unsigned flags;
} pl_matcher;

extern const pl_probe_def pl_probe_defs[];
extern const size_t pl_probe_ndefs;
extern const pl_matcher pl_matchers[];
extern const size_t pl_nmatchers;

/* Is port inside the probe's ports hint? */
bool pl_probe_hints_port(const pl_probe_def *d, uint16_t port);
/* pl_probe_identify_ex, also giving the flags of the matcher that decided. With reply_only, only
 * matchers that look at the server's payload count (the engine wrote the client's itself). */
int pl_probe_identify_flags(pl_proto proto, const void *client, size_t clen, const void *server, size_t slen,
			    pl_probe_match *out, size_t *decided, unsigned *flags, bool reply_only);

/* nmap's service probes (nmap.c): more matches for a reply none of ours named. 1 matched, 0 not. */
int pl_nmap_load(const char *path, pl_error *err);
int pl_nmap_identify(pl_proto proto, const char *probe_protocol, const void *reply, size_t len, pl_probe_match *out,
		     size_t *decided);

/* A TLS handshake on a connected socket (tls.c): fills tls; when inner is set, asks HTTP inside and
 * leaves the decrypted reply in inner (up to innersize bytes) with its length. raw receives the first
 * bytes the server sent (encrypted), for a reply that was no TLS at all. 1 handshake done, 0 refused
 * (raw tells what came back), negative PL_E on a local failure (err). */
typedef struct pl_tls_io {
	int fd;
	const char *host;          /* SNI when a name */
	unsigned timeout_ms;
	unsigned quiet_ms;         /* how long to wait for a server that speaks first inside TLS */
	const char *request;       /* sent inside when the server said nothing (NULL: none) */
	size_t request_len;
	unsigned char *inner;      /* what the server said inside */
	size_t innersize, innerlen;
	unsigned char raw[512];
	size_t rawlen;
} pl_tls_io;
int pl_tls_probe(pl_tls_io *io, pl_probe_tls *tls, pl_error *err);

/* libpcre2-8, loaded on first use (match.c); compile (flags: PCRE2 options) and match for the nmap reader
 * as well. */
int pl_probe_pcre_load(pl_error *err);
void *pl_probe_pcre_compile(const char *pattern, size_t len, unsigned flags, char *why, size_t whysize);
int pl_probe_pcre_match(const void *re, const void *s, size_t len, size_t ov[20]);
/* "$1 text $2" from the groups in ov (offsets into s), printable, trimmed. */
void pl_probe_expand(const char *tmpl, const unsigned char *s, const size_t *ov, char *out, size_t size);

/* Milliseconds (microseconds) on the monotonic clock (connect.c). */
uint64_t pl_probe_now_ms(void);
uint64_t pl_probe_now_us(void);

enum { PL_CONN_OK = 0, PL_CONN_REFUSED, PL_CONN_TIMEOUT, PL_CONN_ERROR };
/* A non-blocking TCP connect bounded by timeout_ms: PL_CONN_OK with *fd and the round trip, else why. */
int pl_probe_tcp_connect(const pl_probe_target *t, unsigned timeout_ms, int *fd, uint32_t *rtt_us, char *why,
			 size_t whysize);

#define PL_REPLY_MAX 4096
/* What came back to one question. */
typedef struct pl_reply {
	unsigned char buf[PL_REPLY_MAX];
	size_t len;
	bool eof, refused;
	pl_probe_match m;
	bool matched;
	bool nmap; /* named by nmap's service probes file, not by our matchers */
	size_t decided;
	unsigned flags;
} pl_reply;

/* Sends req (if any) and reads what comes back: until a matcher names it with confidence, the peer
 * closes, wait_ms pass with nothing, or quiet_ms pass after the last bytes (udp: one datagram). */
void pl_probe_exchange(int fd, pl_proto proto, const void *req, size_t reqlen, unsigned wait_ms, unsigned quiet_ms,
		       pl_reply *r);

#endif

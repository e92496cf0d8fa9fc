/* The probe module: what a port SPEAKS when asked. Probes (payload, ports hint, rarity, wait) and reply
 * matchers (patterns that name a protocol and extract product and version) are data tables
 * (src/probe/table.c); the engine connects, waits for a banner, sends probes in order and matches. The
 * matchers also serve captured payloads (the traffic module): pl_probe_identify. */
#ifndef PORTLORE_PROBE_H
#define PORTLORE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "portlore/error.h"
#include "portlore/transport.h"

typedef struct pl_probe_match {
	char protocol[32]; /* a protocol key: http, tls, ssh, redis, ... (BRIEF.md's list) */
	char product[64];  /* "nginx", "OpenSSH", or "" when the reply does not say */
	char version[64];
	char info[128];    /* anything else the reply said: "protocol 2.0", "status 200" */
	int confidence;    /* 0-100 */
} pl_probe_match;

/* Identifies a protocol from a client's first payload and/or a server's first payload (either may be
 * empty). Matchers are data, not code paths. 1 matched, 0 not, negative PL_E on error (the pattern
 * library could not be loaded: libpcre2-8). Thread-safe. */
int pl_probe_identify(pl_proto proto, const void *client, size_t clen, const void *server, size_t slen,
		      pl_probe_match *out);
/* Same, also saying how many leading bytes of the server (else client) payload decided, so that the
 * caller can show them. */
int pl_probe_identify_ex(pl_proto proto, const void *client, size_t clen, const void *server, size_t slen,
			 pl_probe_match *out, size_t *decided);

/* Does a protocol key name the same thing as an IANA service name? ("http" and "www-http", "dns" and
 * "domain", "tls" and "https", "rfb" and "vnc" ...). */
bool pl_probe_service_is(const char *protocol, const char *service);
/* A display name for a protocol key: "HTTP", "PostgreSQL", "MQTT"; the key itself when unknown. */
const char *pl_probe_protocol_title(const char *protocol);

/* ---- the engine ---- */

typedef enum pl_probe_state {
	PL_PROBE_IDENTIFIED = 0, /* a matcher named what answered */
	PL_PROBE_UNRECOGNISED,   /* it answered, nothing we know */
	PL_PROBE_SILENT,         /* it accepted (tcp) and never said anything within the time */
	PL_PROBE_CLOSED,         /* refused (tcp RST, or ICMP port unreachable for udp) */
	PL_PROBE_NO_ANSWER,      /* tcp: the connect timed out (filtered or down); udp: no reply (open|filtered) */
	PL_PROBE_ERROR,          /* could not even try: see error */
} pl_probe_state;

typedef struct pl_probe_target {
	struct sockaddr_storage addr; /* the port is set by the engine from port */
	socklen_t addrlen;
	char host[256]; /* as the user wrote it: SNI and Host: header when it is a name */
	uint16_t port;
	pl_proto proto; /* TCP or UDP */
} pl_probe_target;

typedef struct pl_probe_tls {
	bool done;               /* a handshake completed */
	char version[16];        /* "TLS1.3" */
	char alpn[32];
	char cipher[64];
	char subject[256];
	char issuer[256];
	char san[256];           /* "DNS:a.example, IP:127.0.0.1" */
	int64_t not_after;       /* Unix time; 0 when unknown */
	bool self_signed;
} pl_probe_tls;

#define PL_PROBE_EVIDENCE_MAX 160

typedef struct pl_probe_result {
	pl_probe_target target;
	char addr[64];            /* the address probed, numeric */
	pl_probe_state state;
	pl_probe_match match;     /* when IDENTIFIED (and the inner protocol of TLS when tls.done) */
	char probe[32];           /* the probe whose reply decided ("banner" for what the server said first) */
	unsigned char evidence[PL_PROBE_EVIDENCE_MAX]; /* the first bytes that decided, raw */
	size_t evidence_len;
	pl_probe_tls tls;
	bool tls_wrapped;         /* match is what spoke inside the TLS session */
	unsigned probes_sent;
	uint32_t elapsed_ms;
	uint32_t rtt_us;          /* connect time (tcp) */
	char error[160];
} pl_probe_result;

typedef struct pl_probe_opts {
	unsigned connect_timeout_ms; /* 0: 1500 */
	unsigned banner_ms;          /* how long to wait for a server that speaks first; 0: adaptive (RTT) */
	unsigned reply_ms;           /* the least wait for a reply to a probe; 0: 150 (it grows with the RTT) */
	unsigned timeout_ms;         /* per target, everything included; 0: 5000 */
	unsigned concurrency;        /* targets at once; 0: 32 (max 256) */
	unsigned rate;               /* new connections or datagrams a second, all targets; 0: 200 */
	bool no_tls;                 /* do not load GnuTLS */
	/* Protocol keys to try first, best first (the known uses of the port: pl_evidence_known_uses, issue 10).
	 * The hint applies to every target; NULL: the probes' own port hints and rarity decide. */
	const char *const *prefer;
	size_t nprefer;
	/* Per-target preference instead: called for each target (may be NULL). */
	size_t (*prefer_for)(void *ctx, uint16_t port, pl_proto proto, const char **keys, size_t max);
	void *prefer_ctx;
	/* nmap's service probes file for more matches (read at run time, never copied): NULL for none. */
	const char *nmap_probes;
} pl_probe_opts;

/* Probes every target (at most opts->concurrency at once), filling results[i] for targets[i]. 0, or a
 * negative PL_E when nothing could be tried (then err says why). A target that could not be probed has
 * state ERROR and its own message. Bounded: every target ends within opts->timeout_ms (plus a TLS
 * handshake's own bound). */
int pl_probe_run(const pl_probe_target *targets, size_t n, const pl_probe_opts *opts, pl_probe_result *results,
		 pl_error *err);

const char *pl_probe_state_name(pl_probe_state s);
/* "HTTP (nginx 1.22.1)", "HTTP over TLS (nginx)", "TLS (TLS1.3)", "SSH (OpenSSH 9.2p1)": what answered. */
void pl_probe_label(const pl_probe_result *r, char *buf, size_t size); /* "identified", "unrecognised", "silent", "closed", ... */

/* Bytes as printable text: ASCII as is, \r \n \t, other bytes as \xHH; always NUL-terminated. */
void pl_probe_escape(const unsigned char *p, size_t n, char *out, size_t size);

/* Parses "HOST[:PORT[,PORT|-RANGE...]]" (IPv6 as [::1]:22 or a bare ::1; a port may end in /udp or /tcp,
 * else it is of transport dflt). Fills *host (into hostbuf) and up to max (port, proto) pairs; with no
 * ports, count 0. Returns the count or a negative PL_E (PL_ELIMIT past max). */
typedef struct pl_probe_port {
	uint16_t port;
	pl_proto proto;
} pl_probe_port;
int pl_probe_parse_spec(const char *spec, pl_proto dflt, char *hostbuf, size_t hostsize, pl_probe_port *ports,
			size_t max, pl_error *err);

/* Where Debian's nmap-common puts nmap's service probes file. */
#define PL_NMAP_SERVICE_PROBES "/usr/share/nmap/nmap-service-probes"

/* Reads nmap's service probes file now (it is otherwise read when first needed): 0, or why it cannot be used. */
int pl_nmap_probes_check(const char *path, pl_error *err);

/* The ports probed when the user names only a host: the usual homes of the probes' services and of the
 * banner protocols (59 tcp ports, ascending). */
size_t pl_probe_default_ports(pl_probe_port *ports, size_t max);

#endif

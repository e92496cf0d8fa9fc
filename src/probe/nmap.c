/* More matches from nmap's service probes file (Debian's nmap-common), read at run time and never copied:
 * when none of our matchers names a reply, the file's match and softmatch lines for the nmap probes that
 * ask the same question as ours (the table's nmap field; the NULL probe's for any banner) are tried. The
 * file is read on first need, each pattern compiled on first use (PCRE2, nmap's own dialect), a pattern
 * PCRE2 refuses is skipped. Only the templates $1..$9, $P(n) and $SUBST(n,...) are filled ($I: left out). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "util/util.h"

#define NMAP_FILE_MAX (16u << 20)

typedef struct nm_match {
	const char *service;
	const char *pattern;
	size_t patlen;
	unsigned options;
	const char *product, *version, *info; /* "" when absent */
	bool soft;
	int state; /* 0 not compiled, 1 compiled, -1 refused */
	void *re;
} nm_match;

typedef struct nm_probe {
	char name[48];
	pl_proto proto;
	size_t first, count; /* its matches */
} nm_probe;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *text;     /* the file, cut into NUL-terminated pieces in place */
static nm_match *matches;
static size_t nmatches;
static nm_probe *probes;
static size_t nprobes;
static int loaded;     /* 0 not tried, 1 loaded, <0 failed */
static char loaded_path[256];

/* "d...d" with any delimiter d: returns the body (NUL-terminated in place) and moves *p past it. */
static char *delimited(char **p, size_t *len)
{
	char d = **p;
	if (!d)
		return NULL;
	char *body = *p + 1, *end = strchr(body, d);
	if (!end)
		return NULL;
	*end = 0;
	if (len)
		*len = (size_t)(end - body);
	*p = end + 1;
	return body;
}

static void parse_versioninfo(char *p, nm_match *m)
{
	m->product = m->version = m->info = "";
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (!strncmp(p, "cpe:", 4)) {
			p += 4;
			if (!delimited(&p, NULL))
				return;
			if (*p == 'a')
				p++;
			continue;
		}
		char key = *p++;
		char *v = delimited(&p, NULL);
		if (!v)
			return;
		if (key == 'p')
			m->product = v;
		else if (key == 'v')
			m->version = v;
		else if (key == 'i')
			m->info = v;
	}
}

static int load(const char *path, pl_error *err)
{
	size_t len;
	if (pl_read_file(path, NMAP_FILE_MAX, &text, &len, err))
		return err ? err->code : PL_EIO;
	size_t cap = 16384, pcap = 256;
	matches = calloc(cap, sizeof *matches);
	probes = calloc(pcap, sizeof *probes);
	if (!matches || !probes)
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	char *line = text;
	while (line && *line) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (!strncmp(line, "Probe ", 6) && nprobes < pcap) {
			nm_probe *pr = &probes[nprobes++];
			char *p = line + 6;
			pr->proto = !strncmp(p, "UDP ", 4) ? PL_PROTO_UDP : PL_PROTO_TCP;
			p += 4;
			size_t n = strcspn(p, " ");
			snprintf(pr->name, sizeof pr->name, "%.*s", (int)(n < 47 ? n : 47), p);
			pr->first = nmatches;
		} else if ((!strncmp(line, "match ", 6) || !strncmp(line, "softmatch ", 10)) && nprobes && nmatches < cap) {
			nm_match *m = &matches[nmatches];
			m->soft = line[0] == 's';
			char *p = line + (m->soft ? 10 : 6);
			m->service = p;
			p += strcspn(p, " ");
			if (*p) {
				*p++ = 0;
				if (*p == 'm') {
					p++;
					char *re = delimited(&p, &m->patlen);
					if (re) {
						m->pattern = re;
						for (; *p && *p != ' '; p++)
							m->options |= *p == 'i' ? PCRE2_CASELESS : *p == 's' ? PCRE2_DOTALL : 0;
						parse_versioninfo(p, m);
						probes[nprobes - 1].count = ++nmatches - probes[nprobes - 1].first;
					}
				}
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return 0;
}

int pl_nmap_load(const char *path, pl_error *err)
{
	pthread_mutex_lock(&lock);
	if (!loaded) {
		snprintf(loaded_path, sizeof loaded_path, "%s", path);
		pl_error e = {0};
		int rc = pl_probe_pcre_load(&e);
		if (!rc)
			rc = load(path, &e);
		loaded = rc ? rc : 1;
		if (rc && err)
			*err = e;
	}
	int rc = loaded < 0 ? loaded : 0;
	if (rc && err && !err->msg[0])
		pl_error_set(err, rc, "%s could not be read", loaded_path);
	pthread_mutex_unlock(&lock);
	return rc;
}

/* nmap's template language, reduced to ours: $P(n) and $SUBST(n,...) become $n, $I(...) goes. */
static void simplify(const char *in, char *out, size_t size)
{
	size_t n = 0;
	while (*in && n + 3 < size) {
		if (in[0] == '$' && (!strncmp(in, "$P(", 3) || !strncmp(in, "$SUBST(", 7) || !strncmp(in, "$I(", 3))) {
			bool drop = in[1] == 'I';
			const char *open = strchr(in, '(');
			const char *close = strchr(open, ')');
			if (!drop && open[1] >= '1' && open[1] <= '9') {
				out[n++] = '$';
				out[n++] = open[1];
			}
			if (!close)
				break;
			in = close + 1;
			continue;
		}
		out[n++] = *in++;
	}
	out[n] = 0;
}

static const char *const keys[][2] = {
	{"http", "http"},       {"https", "http"},     {"http-proxy", "http"},  {"ssh", "ssh"},
	{"smtp", "smtp"},       {"ftp", "ftp"},        {"imap", "imap"},        {"pop3", "pop3"},
	{"mysql", "mysql"},     {"postgresql", "postgresql"}, {"redis", "redis"}, {"mqtt", "mqtt"},
	{"vnc", "rfb"},         {"domain", "dns"},     {"ntp", "ntp"},          {"snmp", "snmp"},
	{"amqp", "amqp"},       {"ldap", "ldap"},      {"ms-wbt-server", "rdp"}, {"microsoft-ds", "smb"},
	{"netbios-ssn", "smb"}, {"memcached", "memcached"}, {"mongodb", "mongodb"}, {"telnet", "telnet"},
	{"rtsp", "rtsp"},       {"sip", "sip"},        {"xmpp", "xmpp"},        {"jabber", "xmpp"},
	{"irc", "irc"},         {"ssl", "tls"},        {"elasticsearch", "elasticsearch"}, {"kafka", "kafka"},
	{"minecraft", "minecraft"},
};

static void protocol_key(const char *service, char *out, size_t size)
{
	const char *s = !strncmp(service, "ssl/", 4) ? service + 4 : service;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (!strcmp(keys[i][0], s)) {
			snprintf(out, size, "%s", keys[i][1]);
			return;
		}
	size_t n = 0;
	for (; s[n] && n + 1 < size; n++)
		out[n] = (s[n] >= 'A' && s[n] <= 'Z') ? (char)(s[n] + 32) : (s[n] >= 0x20 && s[n] < 0x7f ? s[n] : '?');
	out[n] = 0;
}

static bool wanted(const nm_probe *pr, pl_proto proto, const char *names)
{
	if (proto != PL_PROTO_NONE && pr->proto != proto)
		return false;
	size_t l = strlen(pr->name);
	for (const char *p = names; p && *p;) {
		size_t n = strcspn(p, " ");
		if (n == l && !strncmp(p, pr->name, n))
			return true;
		p += n;
		while (*p == ' ')
			p++;
	}
	return false;
}

int pl_nmap_identify(pl_proto proto, const char *probe_names, const void *reply, size_t len, pl_probe_match *out,
		     size_t *decided)
{
	if (!len || loaded != 1)
		return 0;
	int found = 0;
	pl_probe_match soft = {0};
	size_t soft_decided = 0;
	pthread_mutex_lock(&lock); /* patterns compile on first use: one at a time */
	/* The probes asked for, then the NULL probe's banners (nmap's own fallback). */
	for (int pass = 0; pass < 2 && !found; pass++) {
		for (size_t k = 0; k < nprobes && !found; k++) {
			const nm_probe *pr = &probes[k];
			if (!wanted(pr, pass ? PL_PROTO_TCP : proto, pass ? "NULL" : probe_names))
				continue;
			for (size_t i = pr->first; i < pr->first + pr->count; i++) {
				nm_match *m = &matches[i];
				if (m->state == 0) {
					m->re = pl_probe_pcre_compile(m->pattern, m->patlen, m->options, NULL, 0);
					m->state = m->re ? 1 : -1;
				}
				size_t ov[20];
				if (m->state != 1 || !pl_probe_pcre_match(m->re, reply, len, ov))
					continue;
				pl_probe_match r = {0};
				protocol_key(m->service, r.protocol, sizeof r.protocol);
				char t[256];
				simplify(m->product, t, sizeof t);
				pl_probe_expand(t, reply, ov, r.product, sizeof r.product);
				simplify(m->version, t, sizeof t);
				pl_probe_expand(t, reply, ov, r.version, sizeof r.version);
				simplify(m->info, t, sizeof t);
				pl_probe_expand(t, reply, ov, r.info, sizeof r.info);
				if (m->soft) {
					if (!soft.protocol[0]) {
						soft = r;
						soft.confidence = 60;
						soft_decided = ov[1];
					}
					continue;
				}
				r.confidence = 85;
				*out = r;
				if (decided)
					*decided = ov[1];
				found = 1;
				break;
			}
		}
	}
	pthread_mutex_unlock(&lock);
	if (!found && soft.protocol[0]) {
		*out = soft;
		if (decided)
			*decided = soft_decided;
		found = 1;
	}
	return found;
}

int pl_nmap_probes_check(const char *path, pl_error *err)
{
	int rc = pl_nmap_load(path, err);
	if (rc == 0 && nmatches == 0)
		return pl_error_set(err, PL_EFORMAT, "%s has no match lines: not nmap's service probes file", path);
	return rc;
}

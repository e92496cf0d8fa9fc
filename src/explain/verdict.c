/* Does the process on a port look like what belongs there? Its name, executable, unit and (for a generic
 * runtime such as java or python) its command line are compared with the service IANA registered and with
 * the software known to listen on the port (the evidence module's known uses). Honest by construction: no
 * visible owner, or a runtime whose command line names nothing known, is "unknown", never "not it"; a
 * container runtime's port publisher is named as such. */
#include <stdio.h>
#include <string.h>

#include "portlore/evidence.h"
#include "portlore/explain.h"
#include "util/util.h"

/* Daemons known to serve a registered name: facts about common software, in our own table. A service's
 * own name (and that name with a trailing 'd') always counts, so only the other names are listed. */
static const struct {
	const char *service;
	const char *daemons; /* space-separated */
} aliases[] = {
	{"domain", "named bind9 unbound dnsmasq systemd-resolved coredns pdns_server knotd nsd"},
	{"ftp", "vsftpd proftpd pure-ftpd"},
	{"http", "nginx apache2 httpd lighttpd caddy haproxy envoy traefik varnishd"},
	{"https", "nginx apache2 httpd lighttpd caddy haproxy envoy traefik"},
	{"http-alt", "nginx apache2 httpd tomcat java"},
	{"imap", "dovecot imap-login cyrus-imapd"},
	{"imaps", "dovecot imap-login"},
	{"kerberos", "krb5kdc"},
	{"ldap", "slapd"},
	{"microsoft-ds", "smbd samba"},
	{"mysql", "mysqld mariadbd"},
	{"netbios-ssn", "smbd"},
	{"ntp", "ntpd chronyd systemd-timesyncd"},
	{"pop3", "dovecot pop3-login"},
	{"postgresql", "postgres postmaster"},
	{"redis", "redis-server"},
	{"rsync", "rsync"},
	{"smtp", "master postfix exim4 exim sendmail"},
	{"submission", "master postfix exim4"},
	{"snmp", "snmpd"},
	{"ssh", "sshd dropbear"},
	{"sunrpc", "rpcbind portmap"},
	{"syslog", "rsyslogd syslog-ng"},
	{"domain-s", "unbound stubby"},
	{"mdns", "avahi-daemon systemd-resolved"},
	{"bootps", "dhcpd dnsmasq kea-dhcp4"},
	{"memcache", "memcached"},
	{"mongodb", "mongod"},
	{"amqp", "beam.smp rabbitmq-server"},
	{"xmpp-client", "prosody ejabberd"},
	{"sip", "asterisk kamailio opensips"},
	{"x11", "xorg Xorg Xwayland"},
	{"ipp", "cupsd"},
	{"nfs", "nfsd"},
	{"openvpn", "openvpn"},
	{"git", "git-daemon"},
};

/* Names compare ignoring case and a trailing 'd' ("sshd" is ssh's daemon). */
static bool same_name(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	if (na == nb)
		return pl_strcasecmp(a, b) == 0;
	if (na == nb + 1 && pl_ascii_lower(a[nb]) == 'd')
		return pl_strncaseeq(a, b, nb);
	if (nb == na + 1 && pl_ascii_lower(b[na]) == 'd')
		return pl_strncaseeq(a, b, na);
	return false;
}


static bool names_service(const char *name, const char *service)
{
	if (!name || !*name)
		return false;
	if (same_name(name, service))
		return true;
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (pl_strcasecmp(aliases[i].service, service) == 0 && pl_word_in(aliases[i].daemons, name))
			return true;
	return false;
}

static const char *base(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;
	return s ? s + 1 : path ? path : "";
}

/* The unit without its suffix: "ssh.service" -> "ssh". */
static void unit_stem(const char *unit, char *out, size_t size)
{
	snprintf(out, size, "%s", unit);
	char *dot = strrchr(out, '.');
	if (dot && (strcmp(dot, ".service") == 0 || strcmp(dot, ".scope") == 0 || strcmp(dot, ".socket") == 0))
		*dot = '\0';
	char *at = strchr(out, '@');
	if (at)
		*at = '\0';
}

static void argv0_of(const pl_process *p, char *out, size_t size)
{
	snprintf(out, size, "%s", p->cmdline ? p->cmdline : "");
	out[strcspn(out, " ")] = '\0';
}

static bool process_is(const pl_process *p, const char *service)
{
	char stem[128], argv0[256];
	unit_stem(p->unit, stem, sizeof stem);
	argv0_of(p, argv0, sizeof argv0);
	return names_service(p->comm, service) || names_service(base(p->exe), service) ||
	       names_service(base(argv0), service) || names_service(stem, service);
}

/* Interpreters and virtual machines that run whatever they are given: their name says nothing. */
static bool is_generic_runtime(const char *name)
{
	static const char *const exact[] = {"java", "node", "nodejs", "dotnet", "beam", "beam.smp", "erl", "bun",
					    "deno", "mono", "perl", "gunicorn", "uvicorn", "uwsgi"};
	static const char *const prefix[] = {"python", "ruby", "php", "pypy"};
	for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
		if (!strcmp(name, exact[i]))
			return true;
	for (size_t i = 0; i < sizeof prefix / sizeof prefix[0]; i++) {
		size_t n = strlen(prefix[i]);
		if (!strncmp(name, prefix[i], n)) {
			const char *rest = name + n; /* python3, python3.11, php-fpm8.2, ruby3.1 */
			rest += strspn(rest, "0123456789.");
			if (!*rest || !strncmp(rest, "-fpm", 4))
				return true;
		}
	}
	return false;
}

/* Processes that hold a published port on a container's behalf: the service itself is inside. */
static bool is_port_proxy(const char *name)
{
	static const char *const names[] = {"docker-proxy", "dockerd", "conmon", "rootlessport", "rootlesskit",
					    "rootlessport-child", "slirp4netns", "pasta", "pasta.avx2", "gvproxy",
					    "vpnkit", "containerd"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* Words too common in the known-use table to identify software by. */
static bool keyword_ok(const char *w, size_t n)
{
	static const char *const stop[] = {"server", "servers", "the", "and", "for", "over", "port", "ports", "web",
					   "api", "http", "https", "development", "daemon", "default", "interface", "with",
					   "client", "clients", "service", "services", "alternate", "admin", "agent",
					   "protocol", "native", "management", "console", "from", "node", "data", "tcp",
					   "udp", "tls", "its", "local", "remote", "via", "examples", "common", "older",
					   "releases", "before", "since", "apache", "microsoft", "oss", "used"};
	if (n < 3)
		return false;
	for (size_t i = 0; i < sizeof stop / sizeof stop[0]; i++)
		if (strlen(stop[i]) == n && pl_strncaseeq(w, stop[i], n))
			return false;
	return true;
}

/* Does any word of text (split on what is not a letter or digit) equal a keyword of the known use, or its
 * protocol key? */
static bool text_names_use(const char *text, const pl_known_use *u)
{
	for (const char *t = text; *t;) {
		while (*t && !pl_ascii_isalnum(*t))
			t++;
		size_t tn = 0;
		while (pl_ascii_isalnum(t[tn]))
			tn++;
		if (!tn)
			break;
		if (tn == strlen(u->protocol) && pl_strncaseeq(t, u->protocol, tn) && tn >= 3)
			return true;
		for (const char *k = u->software; *k && keyword_ok(t, tn);) {
			while (*k && !pl_ascii_isalnum(*k))
				k++;
			size_t kn = 0;
			while (pl_ascii_isalnum(k[kn]))
				kn++;
			if (kn == tn && pl_strncaseeq(k, t, tn))
				return true;
			k += kn;
		}
		t += tn;
	}
	return false;
}

/* Does any word of text name a registered service at the port (or one of its known daemons)? */
static bool text_names_record(const pl_registry *reg, const char *text, const uint32_t *records, size_t n,
			      pl_proto proto, uint32_t *which)
{
	char word[64];
	for (const char *t = text; *t;) {
		while (*t && !pl_ascii_isalnum(*t))
			t++;
		size_t tn = 0;
		while (pl_ascii_isalnum(t[tn]) || t[tn] == '-' || t[tn] == '_')
			tn++;
		if (!tn)
			break;
		if (tn >= 3 && tn < sizeof word) {
			memcpy(word, t, tn);
			word[tn] = '\0';
			for (size_t i = 0; i < n; i++) {
				pl_record r;
				if (pl_registry_record(reg, records[i], &r) || r.status != PL_STATUS_ASSIGNED ||
				    strlen(r.name) < 3 || (r.proto != proto && r.proto != PL_PROTO_NONE))
					continue;
				if (names_service(word, r.name)) {
					*which = r.index;
					return true;
				}
			}
		}
		t += tn;
	}
	return false;
}

struct why {
	pl_match_verdict v;
	const pl_process *p;      /* the owner the verdict speaks of */
	const pl_known_use *use;  /* matched a known use rather than the registration */
	bool by_cmdline, generic, proxy;
};

/* The command line without argv[0]: what a generic runtime was asked to run. */
static const char *args_of(const pl_process *p)
{
	const char *c = p->cmdline ? p->cmdline : "";
	const char *sp = strchr(c, ' ');
	return sp ? sp + 1 : "";
}

static bool known_use_of(const pl_process *p, const char *text, uint16_t port, pl_proto proto,
			 const pl_known_use **out)
{
	const pl_known_use *uses[64];
	size_t n = pl_evidence_known_uses(port, proto, uses, 64);
	for (size_t i = 0; i < n && i < 64; i++)
		if (text_names_use(text, uses[i])) {
			*out = uses[i];
			return true;
		}
	(void)p;
	return false;
}

static struct why judge_owners(const pl_registry *reg, const pl_socket_set *set, const pl_socket *s,
			       const uint32_t *records, size_t nrecords, bool has_record, uint32_t *record_out)
{
	struct why w = {PL_VERDICT_UNKNOWN, NULL, NULL, false, false, false};
	if (s->owner_status != PL_OWNER_FOUND || s->owners_count == 0)
		return w;
	bool generic_seen = false;
	for (uint32_t k = 0; k < s->owners_count; k++) {
		const pl_process *p = &set->procs[set->owner_links[s->owners_first + k]];
		if (is_port_proxy(p->comm) || is_port_proxy(base(p->exe)))
			return (struct why){PL_VERDICT_PROXY, p, NULL, false, false, true};
	}
	for (uint32_t k = 0; k < s->owners_count; k++) {
		const pl_process *p = &set->procs[set->owner_links[s->owners_first + k]];
		bool generic = is_generic_runtime(p->comm) || is_generic_runtime(base(p->exe));
		if (!generic) {
			/* Every assigned name at the port counts: 80 is http and www. */
			for (size_t i = 0; i < nrecords; i++) {
				pl_record r;
				if (pl_registry_record(reg, records[i], &r) || r.status != PL_STATUS_ASSIGNED || !*r.name ||
				    (r.proto != s->proto && r.proto != PL_PROTO_NONE))
					continue; /* a name registered for UDP says nothing of a TCP listener */
				if (process_is(p, r.name)) {
					*record_out = r.index;
					return (struct why){PL_VERDICT_MATCH, p, NULL, false, false, false};
				}
			}
			char stem[128], argv0[256], names[512];
			unit_stem(p->unit, stem, sizeof stem);
			argv0_of(p, argv0, sizeof argv0);
			snprintf(names, sizeof names, "%s %s %s %s", p->comm, base(p->exe), base(argv0), stem);
			const pl_known_use *u = NULL;
			if (known_use_of(p, names, s->local_port, s->proto, &u))
				return (struct why){PL_VERDICT_MATCH, p, u, false, false, false};
		} else {
			generic_seen = true;
			const char *args = args_of(p);
			const pl_known_use *u = NULL;
			if (text_names_record(reg, args, records, nrecords, s->proto, record_out))
				return (struct why){PL_VERDICT_MATCH, p, NULL, true, true, false};
			if (known_use_of(p, args, s->local_port, s->proto, &u))
				return (struct why){PL_VERDICT_MATCH, p, u, true, true, false};
		}
	}
	const pl_process *first = &set->procs[set->owner_links[s->owners_first]];
	if (generic_seen)
		return (struct why){PL_VERDICT_UNKNOWN, first, NULL, false, true, false};
	if (!has_record)
		return (struct why){PL_VERDICT_UNKNOWN, first, NULL, false, false, false};
	return (struct why){PL_VERDICT_MISMATCH, first, NULL, false, false, false};
}

static void pick_record(const pl_registry *reg, const pl_socket *s, const uint32_t *records, size_t nrecords,
			uint32_t *record_out, bool *has_record)
{
	*has_record = false;
	/* The assigned record of this socket's transport, else any assigned record at the port. */
	for (int pass = 0; pass < 2 && !*has_record; pass++)
		for (size_t i = 0; i < nrecords; i++) {
			pl_record r;
			if (pl_registry_record(reg, records[i], &r) || r.status != PL_STATUS_ASSIGNED || !*r.name)
				continue;
			if (pass == 0 && r.proto != s->proto)
				continue;
			*record_out = r.index;
			*has_record = true;
			break;
		}
}

pl_match_verdict pl_verdict_judge(const pl_registry *reg, const pl_socket_set *set, const pl_socket *s,
				  const uint32_t *records, size_t nrecords, uint32_t *record_out, bool *has_record)
{
	pick_record(reg, s, records, nrecords, record_out, has_record);
	return judge_owners(reg, set, s, records, nrecords, *has_record, record_out).v;
}

const char *pl_verdict_name(pl_match_verdict v)
{
	switch (v) {
	case PL_VERDICT_MATCH: return "match";
	case PL_VERDICT_MISMATCH: return "mismatch";
	case PL_VERDICT_UNKNOWN: return "unknown";
	case PL_VERDICT_PROXY: return "proxy";
	default: return "none";
	}
}

/* Directories a packaged or deliberately installed daemon lives in. */
static bool in_system_dirs(const char *exe)
{
	static const char *const dirs[] = {"/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/", "/opt/", "/snap/",
					   "/nix/store/", "/gnu/store/", "/app/", "/srv/"};
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		if (!strncmp(exe, dirs[i], strlen(dirs[i])))
			return true;
	return false;
}

void pl_verdict_explain(const pl_registry *reg, const pl_socket_set *set, const pl_socket *s, pl_match_verdict v,
			uint32_t record, bool has_record, char *buf, size_t size)
{
	char who[160] = "an unknown process";
	if (s->owner_status == PL_OWNER_FOUND && s->owners_count) {
		const pl_process *p = &set->procs[set->owner_links[s->owners_first]];
		if (s->owners_count > 1)
			snprintf(who, sizeof who, "%s (pid %d and %u more)", p->comm, p->pid, s->owners_count - 1);
		else
			snprintf(who, sizeof who, "%s (pid %d)", p->comm, p->pid);
	} else if (s->owner_status == PL_OWNER_HIDDEN) {
		snprintf(who, sizeof who, "a process this user may not see");
	} else if (s->owner_status == PL_OWNER_NONE) {
		snprintf(who, sizeof who, "the kernel (no process holds the socket)");
	}
	const char *what = s->listening ? "listens on" : "uses";
	pl_record r = {0};
	if (has_record)
		pl_registry_record(reg, record, &r);
	/* The reasons again, from the records at the port, to say why. */
	uint32_t idx[64];
	size_t n = pl_registry_lookup_port(reg, s->local_port, PL_PROTO_NONE, idx, 64);
	uint32_t again = record;
	struct why w = judge_owners(reg, set, s, idx, n < 64 ? n : 64, has_record, &again);
	if (w.v != v)
		w = (struct why){v, NULL, NULL, false, false, false};
	const char *registered = has_record ? r.name : NULL;
	switch (v) {
	case PL_VERDICT_MATCH: {
		char note[320] = "";
		if (w.p && !w.generic && w.p->exe && *w.p->exe == '/' && !in_system_dirs(w.p->exe))
			snprintf(note, sizeof note, " Note: its executable, %s, lies outside the system's directories; "
						    "a daemon's name on an unpackaged binary deserves a look.",
				 w.p->exe);
		if (w.use)
			snprintf(buf, size, "%s %s %u/%s: %s%s, a known use of this port (%s).%s", who, what,
				 s->local_port, pl_proto_name(s->proto), w.by_cmdline ? "its command line names " : "it looks like ",
				 w.use->software, w.use->source, note);
		else
			snprintf(buf, size, "%s %s %u/%s: %sthe registered service, %s.%s", who, what, s->local_port,
				 pl_proto_name(s->proto), w.by_cmdline ? "its command line names " : "it looks like ", r.name, note);
		break;
	}
	case PL_VERDICT_MISMATCH:
		snprintf(buf, size, "%s %s %u/%s; the registered service is %s and no software known to use the port "
				    "matches: this is not it.",
			 who, what, s->local_port, pl_proto_name(s->proto), r.name);
		break;
	case PL_VERDICT_PROXY:
		snprintf(buf, size, "%s %s %u/%s on a container's behalf: it is the container runtime's port publisher, "
				    "and the service itself runs inside the container%s%s.",
			 who, what, s->local_port, pl_proto_name(s->proto), registered ? " (registered here: " : "",
			 registered ? registered : "");
		if (registered && strlen(buf) + 2 < size) {
			buf[strlen(buf) - 1] = '\0';
			strcat(buf, ").");
		}
		break;
	default:
		if (w.generic)
			snprintf(buf, size, "%s %s %u/%s: a generic runtime, whose command line names neither %s%s nor "
					    "software known to use this port: what it serves is unknown.",
				 who, what, s->local_port, pl_proto_name(s->proto), registered ? "the registered service, " : "",
				 registered ? registered : "a registered service");
		else if (!has_record)
			snprintf(buf, size, "%s %s %u/%s; nothing is registered there, and no software known to use the "
					    "port matches it.",
				 who, what, s->local_port, pl_proto_name(s->proto));
		else
			snprintf(buf, size, "%s %s %u/%s; the registered service is %s: whether this is it is unknown, "
					    "as the owner cannot be seen (run as root).",
				 who, what, s->local_port, pl_proto_name(s->proto), r.name);
	}
}

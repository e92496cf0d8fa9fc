/* Does the process on a port look like the service IANA registered there? Compared by names only, for now:
 * the process name, its executable and its systemd unit against the service name and the daemons known to
 * implement it. Honest by construction: no visible owner, or nothing registered, is "unknown". */
#include <stdio.h>
#include <string.h>

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

static bool word_in(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; *p;) {
		size_t w = strcspn(p, " ");
		if (w == n && pl_strncaseeq(p, name, n))
			return true;
		p += w;
		while (*p == ' ')
			p++;
	}
	return false;
}

static bool names_service(const char *name, const char *service)
{
	if (!name || !*name)
		return false;
	if (same_name(name, service))
		return true;
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (pl_strcasecmp(aliases[i].service, service) == 0 && word_in(aliases[i].daemons, name))
			return true;
	return false;
}

static const char *base(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;
	return s ? s + 1 : path;
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

static bool process_is(const pl_process *p, const char *service)
{
	char stem[128];
	unit_stem(p->unit, stem, sizeof stem);
	char argv0[256];
	snprintf(argv0, sizeof argv0, "%s", p->cmdline ? p->cmdline : "");
	argv0[strcspn(argv0, " ")] = '\0';
	return names_service(p->comm, service) || names_service(base(p->exe), service) ||
	       names_service(base(argv0), service) || names_service(stem, service);
}

pl_match_verdict pl_verdict_judge(const pl_registry *reg, const pl_socket_set *set, const pl_socket *s,
				  const uint32_t *records, size_t nrecords, uint32_t *record_out, bool *has_record)
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
	if (!*has_record || s->owner_status != PL_OWNER_FOUND || s->owners_count == 0)
		return PL_VERDICT_UNKNOWN;
	/* Every assigned name at the port counts: 80 is http and www. */
	for (uint32_t k = 0; k < s->owners_count; k++) {
		const pl_process *p = &set->procs[set->owner_links[s->owners_first + k]];
		for (size_t i = 0; i < nrecords; i++) {
			pl_record r;
			if (pl_registry_record(reg, records[i], &r) || r.status != PL_STATUS_ASSIGNED || !*r.name ||
			    (r.proto != s->proto && r.proto != PL_PROTO_NONE))
				continue; /* a name registered for UDP says nothing of a TCP listener */
			if (process_is(p, r.name)) {
				*record_out = r.index;
				return PL_VERDICT_MATCH;
			}
		}
	}
	return PL_VERDICT_MISMATCH;
}

const char *pl_verdict_name(pl_match_verdict v)
{
	switch (v) {
	case PL_VERDICT_MATCH: return "match";
	case PL_VERDICT_MISMATCH: return "mismatch";
	case PL_VERDICT_UNKNOWN: return "unknown";
	default: return "none";
	}
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
	switch (v) {
	case PL_VERDICT_MATCH:
		snprintf(buf, size, "%s %s %u/%s: it looks like the registered service, %s.", who, what, s->local_port,
			 pl_proto_name(s->proto), r.name);
		break;
	case PL_VERDICT_MISMATCH:
		snprintf(buf, size, "%s %s %u/%s; the registered service is %s: this is not it.", who, what,
			 s->local_port, pl_proto_name(s->proto), r.name);
		break;
	default:
		if (!has_record)
			snprintf(buf, size, "%s %s %u/%s; nothing is registered there to compare it with.", who, what,
				 s->local_port, pl_proto_name(s->proto));
		else
			snprintf(buf, size, "%s %s %u/%s; the registered service is %s: whether this is it is unknown, "
					    "as the owner cannot be seen (run as root).",
				 who, what, s->local_port, pl_proto_name(s->proto), r.name);
	}
}

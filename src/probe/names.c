/* Protocol keys beside IANA's service names: which registered names mean the protocol a probe found (so
 * that "HTTP on 8080" agrees with http-alt and "TLS on 443" with https), and a title for display. The
 * names are IANA's own service names for the protocol's registered ports. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

typedef struct proto_names {
	const char *key;
	const char *title;
	const char *services; /* space-separated IANA service names */
} proto_names;

static const proto_names names[] = {
	{"http", "HTTP", "http www www-http http-alt http-mgmt http-rpc-epmap httpx webcache radan-http pda-gate "
			 "sun-answerbook tproxy http-wmap jetcmeserver"},
	{"tls", "TLS", "https ssl imaps pop3s ldaps ftps ftps-data ircs-u nntps telnets domain-s submissions "
		       "secure-mqtt https-alt sip-tls docker-s pcsync-https mqtts amqps"},
	{"ssh", "SSH", "ssh sftp netconf-ssh"},
	{"smtp", "SMTP", "smtp submission submissions urd"},
	{"ftp", "FTP", "ftp ftp-data ftps"},
	{"imap", "IMAP", "imap imap3 imaps imap4-ssl"},
	{"pop3", "POP3", "pop3 pop3s pop2"},
	{"mysql", "MySQL", "mysql mysqlx"},
	{"postgresql", "PostgreSQL", "postgresql postgres"},
	{"redis", "Redis", "redis"},
	{"mqtt", "MQTT", "mqtt secure-mqtt mqtts"},
	{"rfb", "VNC (RFB)", "rfb vnc vnc-server"},
	{"dns", "DNS", "domain dns mdns llmnr domain-s"},
	{"ntp", "NTP", "ntp"},
	{"snmp", "SNMP", "snmp snmptrap snmp-tcp-port"},
	{"quic", "QUIC", "https quic"},
	{"amqp", "AMQP", "amqp amqps"},
	{"ldap", "LDAP", "ldap ldaps"},
	{"rdp", "RDP", "ms-wbt-server rdp"},
	{"smb", "SMB", "microsoft-ds netbios-ssn cifs"},
	{"memcached", "memcached", "memcache memcached"},
	{"mongodb", "MongoDB", "mongodb"},
	{"elasticsearch", "Elasticsearch", "elasticsearch wap-wsp"},
	{"kafka", "Kafka", "kafka"},
	{"sip", "SIP", "sip sip-tls"},
	{"xmpp", "XMPP", "xmpp-client xmpp-server jabber"},
	{"irc", "IRC", "ircd irc ircu ircs-u"},
	{"telnet", "Telnet", "telnet telnets"},
	{"rtsp", "RTSP", "rtsp rtsps"},
	{"minecraft", "Minecraft", ""},
};

static const proto_names *find(const char *key)
{
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(names[i].key, key))
			return &names[i];
	return NULL;
}

const char *pl_probe_protocol_title(const char *protocol)
{
	const proto_names *n = protocol ? find(protocol) : NULL;
	return n ? n->title : protocol ? protocol : "";
}

bool pl_probe_service_is(const char *protocol, const char *service)
{
	if (!protocol || !service || !*protocol || !*service)
		return false;
	if (!strcasecmp(protocol, service))
		return true;
	const proto_names *n = find(protocol);
	if (!n)
		return false;
	size_t len = strlen(service);
	for (const char *p = n->services; *p;) {
		const char *sp = strchr(p, ' ');
		size_t l = sp ? (size_t)(sp - p) : strlen(p);
		if (l == len && !strncasecmp(p, service, len))
			return true;
		p += l;
		while (*p == ' ')
			p++;
	}
	return false;
}

const char *pl_probe_state_name(pl_probe_state s)
{
	switch (s) {
	case PL_PROBE_IDENTIFIED:
		return "identified";
	case PL_PROBE_UNRECOGNISED:
		return "unrecognised";
	case PL_PROBE_SILENT:
		return "silent";
	case PL_PROBE_CLOSED:
		return "closed";
	case PL_PROBE_NO_ANSWER:
		return "no_answer";
	case PL_PROBE_ERROR:
		break;
	}
	return "error";
}

void pl_probe_label(const pl_probe_result *r, char *buf, size_t size)
{
	const pl_probe_match *m = &r->match;
	const char *title = pl_probe_protocol_title(m->protocol);
	const char *detail = *m->product ? m->product : !strcmp(m->protocol, "tls") ? r->tls.version : "";
	const char *version = *m->product ? m->version : "";
	snprintf(buf, size, "%s%s%s%s%s%s", title, r->tls_wrapped ? " over TLS" : "", *detail ? " (" : "", detail,
		 *version ? " " : "", version);
	if (*detail) {
		size_t l = strlen(buf);
		if (l + 1 < size) {
			buf[l] = ')';
			buf[l + 1] = 0;
		}
	}
}

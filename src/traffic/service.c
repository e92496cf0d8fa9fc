/* Protocol keys (the lower-case names probe, evidence and traffic share) against nDPI's names on one side
 * and IANA's service names on the other: "is HTTP on this port the service registered for it?" */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "util/util.h"

/* The probe module keeps the shared table of keys against IANA names; this file asks it first and adds the
 * keys only nDPI produces (mdns, dhcp, netbios ...). Built without it, the table below stands alone. */
#if __has_include("portlore/probe.h")
#include "portlore/probe.h"
#define HAVE_PROBE_NAMES 1
#else
#define HAVE_PROBE_NAMES 0
#endif

/* nDPI names that are not simply the key in lower case. */
static const struct {
	const char *ndpi, *key;
} ndpi_names[] = {
	{"VNC", "rfb"},          {"HTTP_Proxy", "http"},   {"HTTP_Connect", "http"}, {"FTP_CONTROL", "ftp"},
	{"FTP_DATA", "ftp-data"}, {"SMBv1", "smb"},         {"SMBv23", "smb"},        {"PostgreSQL", "postgresql"},
	{"IMAPS", "tls"},         {"POP3S", "tls"},         {"SMTPS", "tls"},         {"DoH_DoT", "tls"},
	{"MDNS", "mdns"},         {"LLMNR", "llmnr"},       {"Redis", "redis"},       {"Memcached", "memcached"},
};

void pl_protocol_key(const char *name, char *out, size_t size)
{
	out[0] = '\0';
	if (!name || !*name || !pl_strcasecmp(name, "Unknown"))
		return;
	for (size_t i = 0; i < sizeof ndpi_names / sizeof ndpi_names[0]; i++)
		if (!strcmp(ndpi_names[i].ndpi, name)) {
			snprintf(out, size, "%s", ndpi_names[i].key);
			return;
		}
	size_t i = 0;
	for (; name[i] && i + 1 < size; i++)
		out[i] = name[i] == '_' ? '-' : pl_ascii_lower(name[i]);
	out[i] = '\0';
}

/* Each key with the IANA service names that mean it (beyond the key itself) and how it is written. */
static const struct {
	const char *key, *display, *services; /* space-separated */
} keys[] = {
	{"http", "HTTP", "www-http http-alt http-mgmt http-rpc-epmap webcache www-ldap-gw httpx pcsync-http radan-http"},
	{"tls", "TLS", "https imaps pop3s smtps submissions ldaps ftps ftps-data telnets ircs-u nntps domain-s https-alt"},
	{"dns", "DNS", "domain"},
	{"ssh", "SSH", ""},
	{"smtp", "SMTP", "submission"},
	{"ftp", "FTP", ""},
	{"imap", "IMAP", "imap3 imap4"},
	{"pop3", "POP3", "pop"},
	{"mysql", "MySQL", ""},
	{"postgresql", "PostgreSQL", ""},
	{"redis", "Redis", ""},
	{"mqtt", "MQTT", "secure-mqtt"},
	{"rfb", "VNC (RFB)", "vnc-server vnc"},
	{"ntp", "NTP", ""},
	{"snmp", "SNMP", "snmptrap"},
	{"quic", "QUIC", "https"},
	{"amqp", "AMQP", "amqps"},
	{"ldap", "LDAP", ""},
	{"rdp", "RDP", "ms-wbt-server"},
	{"smb", "SMB", "microsoft-ds netbios-ssn"},
	{"memcached", "memcached", "memcache"},
	{"mongodb", "MongoDB", "mongod"},
	{"elasticsearch", "Elasticsearch", "wap-wsp"},
	{"kafka", "Kafka", ""},
	{"sip", "SIP", "sip-tls"},
	{"xmpp", "XMPP", "xmpp-client xmpp-server"},
	{"irc", "IRC", "ircu ircs-u"},
	{"telnet", "Telnet", ""},
	{"rtsp", "RTSP", ""},
	{"minecraft", "Minecraft", ""},
	{"mdns", "mDNS", ""},
	{"dhcp", "DHCP", "bootps bootpc"},
	{"netbios", "NetBIOS", "netbios-ns netbios-dgm netbios-ssn"},
	{"syslog", "syslog", ""},
};

bool pl_traffic_protocol_is_service(const char *protocol, const char *service)
{
	if (!protocol || !*protocol || !service || !*service)
		return false;
	if (!pl_strcasecmp(protocol, service))
		return true;
#if HAVE_PROBE_NAMES
	if (pl_probe_service_is(protocol, service))
		return true;
#endif
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (!strcmp(keys[i].key, protocol))
			return pl_word_in(keys[i].services, service);
	return false;
}

const char *pl_traffic_protocol_display(const char *protocol)
{
#if HAVE_PROBE_NAMES
	const char *t = pl_probe_protocol_title(protocol);
	if (t && strcmp(t, protocol) != 0)
		return t;
#endif
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (!strcmp(keys[i].key, protocol))
			return keys[i].display;
	return protocol;
}

bool pl_traffic_protocol_known(const char *protocol)
{
	for (size_t i = 0; protocol && i < sizeof keys / sizeof keys[0]; i++)
		if (!strcmp(keys[i].key, protocol))
			return true;
	return false;
}

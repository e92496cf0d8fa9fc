/* Probes and reply matchers as data (after the model of nmap's service probes file; the entries are our
 * own, written from the protocols' specifications). Every payload is a question a server answers without
 * changing its state: a HEAD, a PING, an SSLRequest, a clean-session CONNECT, a version query. Patterns
 * are PCRE2 (binary-safe, DOTALL, no UTF); a matcher with both a client and a server pattern only counts
 * when both payloads fit, which is how a one-byte answer like PostgreSQL's 'S' can be trusted. */
#include <string.h>

#include "internal.h"
#include "util/util.h"

#define PAYLOAD(s) s, sizeof(s) - 1

const pl_probe_def pl_probe_defs[] = {
	/* TCP, client speaks first. Where no port hint decides, HTTP first, then the short binary questions,
	 * then TLS: the order that costs least, as a wrong question is refused or dropped at once by most
	 * servers (a TLS server refuses a HEAD, and nginx's 400 to it moves TLS up), while some plaintext
	 * servers (Redis) sit waiting for the rest of a line after a ClientHello. */
	{"tls", "tls", PL_PROTO_TCP, NULL, 0, 0,
	 "261,443,465,563,585,636,853,989,990,992-995,2376,3269,4443,5061,5986,6443,6514,6697,8443,8883,9443,10443",
	 3, 1500, true, NULL},
	{"http-head", "http", PL_PROTO_TCP,
	 PAYLOAD("HEAD / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: portlore/0.1\r\nAccept: */*\r\nConnection: close\r\n\r\n"),
	 0, "80-81,591,593,2375,2379,3000,3128,4000,5000,5601,5984,7001,8000-8099,8180,8443,8888,9000,9090,9200,9443", 1,
	 1000, false, "GetRequest HTTPOptions FourOhFourRequest"},
	{"redis-ping", "redis", PL_PROTO_TCP, PAYLOAD("*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n"), 0,
	 "6379-6380,7000-7005,16379,26379", 2, 800, false, "redis-server"},
	/* SSLRequest (protocol 1234.5679): answered by one byte, 'S' or 'N'. */
	{"postgresql-ssl", "postgresql", PL_PROTO_TCP, PAYLOAD("\x00\x00\x00\x08\x04\xd2\x16\x2f"), 0, "5432-5433,6432", 2,
	 800, false, NULL},
	/* MQTT 3.1.1 CONNECT, clean session, client id "portlore", then SUBSCRIBE (QoS 0) to the broker's own
	 * $SYS/broker/version, which it answers with its retained name: the session dies with the connection. */
	{"mqtt-connect", "mqtt", PL_PROTO_TCP,
	 PAYLOAD("\x10\x14\x00\x04MQTT\x04\x02\x00\x1e\x00\x08portlore"
		 "\x82\x18\x00\x01\x00\x13$SYS/broker/version\x00"),
	 0, "1883-1884,8883", 2, 800, false, NULL},
	/* version.bind TXT CH over TCP (length-prefixed): DNS servers name themselves. */
	{"dns-version-tcp", "dns", PL_PROTO_TCP,
	 PAYLOAD("\x00\x1ePL\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07version\x04" "bind\x00\x00\x10\x00\x03"), 0,
	 "53,5353", 3, 800, false, "DNSVersionBindReqTCP"},
	/* LDAP (RFC 4511): a search of the root DSE, base scope, for all user and operational attributes:
	 * servers describe themselves there (OpenLDAP's structural class, 389's vendorName). */
	{"ldap-rootdse", "ldap", PL_PROTO_TCP,
	 PAYLOAD("\x30\x2b\x02\x01\x01\x63\x26\x04\x00\x0a\x01\x00\x0a\x01\x00\x02\x01\x00\x02\x01\x00\x01\x01\x00"
		 "\x87\x0bobjectClass\x30\x06\x04\x01+\x04\x01*"),
	 0, "389,3268", 3, 800, false, "LDAPSearchReq"},
	{"memcached-version", "memcached", PL_PROTO_TCP, PAYLOAD("version\r\n"), 0, "11211", 3, 800, false, "Memcache"},
	/* AMQP 0-9-1 protocol header: the broker answers Connection.Start, naming itself. */
	{"amqp-header", "amqp", PL_PROTO_TCP, PAYLOAD("AMQP\x00\x00\x09\x01"), 0, "5671-5672", 3, 800, false, NULL},
	{"rtsp-options", "rtsp", PL_PROTO_TCP, PAYLOAD("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: portlore/0.1\r\n\r\n"), 0,
	 "554,8554", 4, 800, false, "RTSPRequest"},
	/* X.224 Connection Request, as an RDP client's first packet. */
	{"rdp-x224", "rdp", PL_PROTO_TCP, PAYLOAD("\x03\x00\x00\x0b\x06\xe0\x00\x00\x00\x00\x00"), 0, "3389", 4, 800, false, "TerminalServerCookie TerminalServer"},
	{"sip-options-tcp", "sip", PL_PROTO_TCP,
	 PAYLOAD("OPTIONS sip:nm SIP/2.0\r\nVia: SIP/2.0/TCP nm;branch=z9hG4bK-portlore\r\nFrom: <sip:nm@nm>;tag=pl\r\n"
		 "To: <sip:nm2@nm2>\r\nCall-ID: portlore\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 0\r\nContent-Length: 0\r\n\r\n"),
	 0, "5060", 5, 800, false, "SIPOptions"},
	/* Two empty lines: line-based protocols (SMTP, FTP, POP3, IMAP, IRC) that only speak when spoken to
	 * answer with an error that names them. */
	{"generic-lines", "", PL_PROTO_TCP, PAYLOAD("\r\n\r\n"), 0, "", 6, 600, false, "GenericLines Help"},

	/* UDP: a datagram each, answered or not. */
	{"dns-version", "dns", PL_PROTO_UDP,
	 PAYLOAD("PL\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07version\x04" "bind\x00\x00\x10\x00\x03"), 0,
	 "53,5300,5353,5355", 1, 1000, false, "DNSVersionBindReq"},
	/* NTP v4 client request (mode 3). */
	{"ntp-client", "ntp", PL_PROTO_UDP, PAYLOAD("\x23\x00\x06\xec\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), 48,
	 "123", 1, 1000, false, "NTPRequest"},
	/* SNMPv1 GetRequest for sysDescr.0 with the community "public". */
	{"snmp-get", "snmp", PL_PROTO_UDP,
	 PAYLOAD("\x30\x29\x02\x01\x00\x04\x06public\xa0\x1c\x02\x04PLPL\x02\x01\x00\x02\x01\x00\x30\x0e\x30\x0c\x06\x08"
		 "\x2b\x06\x01\x02\x01\x01\x01\x00\x05\x00"),
	 0, "161", 2, 1000, false, "SNMPv1public"},
	/* A QUIC Initial with a reserved version (0x?a?a?a?a, RFC 9000 section 15): a QUIC server answers
	 * with Version Negotiation. Padded to 1200 bytes as the RFC requires of a client's first datagram. */
	{"quic-vn", "quic", PL_PROTO_UDP, PAYLOAD("\xc0\x1a\x2a\x3a\x4a\x08PLPLPLPL\x08plplplpl"), 1200,
	 "443,784,853,4433,8443", 2, 1000, false, NULL},
	{"sip-options", "sip", PL_PROTO_UDP,
	 PAYLOAD("OPTIONS sip:nm SIP/2.0\r\nVia: SIP/2.0/UDP nm;branch=z9hG4bK-portlore\r\nFrom: <sip:nm@nm>;tag=pl\r\n"
		 "To: <sip:nm2@nm2>\r\nCall-ID: portlore\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 0\r\nContent-Length: 0\r\n\r\n"),
	 0, "5060", 4, 1000, false, "SIPOptions"},
};
const size_t pl_probe_ndefs = sizeof pl_probe_defs / sizeof pl_probe_defs[0];

#define TCP PL_PROTO_TCP
#define UDP PL_PROTO_UDP
#define ANY PL_PROTO_NONE

const pl_matcher pl_matchers[] = {
	/* ---- replies to our own questions (both payloads) ---- */
	{"postgresql", TCP, "^\\x00\\x00\\x00\\x08\\x04\\xd2\\x16\\x2f", "^([SN])\\z", "PostgreSQL", "",
	 "SSLRequest answered '$1'", 95, 0},
	{"mqtt", TCP, "^\\x10[\\x00-\\xff]{1,4}\\x00(?:\\x04MQTT|\\x06MQIsdp)",
	 "^\\x20[\\x02-\\x7f][\\x00\\x01]\\x00[\\x00-\\xff]*?[\\x30-\\x3f][\\x00-\\xff]{1,4}\\x00\\x13\\$SYS/broker/version"
	 "(mosquitto) version ([\\w.+-]+)",
	 "$1", "$2", "", 100, 0},
	{"mqtt", TCP, "^\\x10[\\x00-\\xff]{1,4}\\x00(?:\\x04MQTT|\\x06MQIsdp)",
	 "^\\x20[\\x02-\\x7f][\\x00\\x01]\\x00[\\x00-\\xff]*?[\\x30-\\x3f][\\x00-\\xff]{1,4}\\x00\\x13\\$SYS/broker/version"
	 "([\\x20-\\x7e]+)",
	 "", "", "$1", 100, 0},
	/* 90: a CONNACK alone keeps the engine listening a moment for the version that follows. */
	{"mqtt", TCP, "^\\x10[\\x00-\\xff]{1,4}\\x00(?:\\x04MQTT|\\x06MQIsdp)",
	 "^\\x20[\\x02-\\x7f][\\x00\\x01][\\x00-\\x05\\x80-\\x9f]", "", "", "CONNACK", 90, 0},
	{"memcached", TCP, "^version\\r\\n", "^VERSION ([\\w.+-]+)\\r\\n", "memcached", "$1", "", 95, 0},
	{"dns", ANY, "\\x07version\\x04bind\\x00\\x00\\x10\\x00\\x03",
	 "^(?:[\\x00-\\xff]{2})?PL[\\x80-\\x87][\\x00-\\xff]\\x00\\x01[\\x00-\\xff]*?\\xc0\\x0c\\x00\\x10\\x00\\x03"
	 "[\\x00-\\xff]{6}[\\x00-\\xff]dnsmasq-([\\w.]+)",
	 "dnsmasq", "$1", "", 100, 0},
	{"dns", ANY, "\\x07version\\x04bind\\x00\\x00\\x10\\x00\\x03",
	 "^(?:[\\x00-\\xff]{2})?PL[\\x80-\\x87][\\x00-\\xff]\\x00\\x01[\\x00-\\xff]*?\\xc0\\x0c\\x00\\x10\\x00\\x03"
	 "[\\x00-\\xff]{6}[\\x00-\\xff](9\\.[\\w.+-]+)",
	 "ISC BIND", "$1", "", 100, 0},
	{"dns", ANY, "\\x07version\\x04bind\\x00\\x00\\x10\\x00\\x03",
	 "^(?:[\\x00-\\xff]{2})?PL[\\x80-\\x87][\\x00-\\xff]\\x00\\x01[\\x00-\\xff]*?\\xc0\\x0c\\x00\\x10\\x00\\x03"
	 "[\\x00-\\xff]{6}[\\x00-\\xff]([\\x20-\\x7e]+)",
	 "", "", "version.bind: $1", 95, 0},
	{"dns", ANY, "\\x07version\\x04bind\\x00\\x00\\x10\\x00\\x03", "^(?:[\\x00-\\xff]{2})?PL[\\x80-\\x87]", "", "",
	 "answers queries", 95, 0},
	{"ldap", TCP, "^\\x30[\\x00-\\xff]{1,5}\\x02\\x01\\x01\\x63",
	 "^\\x30[\\x00-\\xff]{1,5}\\x02\\x01\\x01\\x64[\\x00-\\xff]*?\\x04\\x0avendorName\\x31[\\x00-\\xff]{1,5}\\x04"
	 "[\\x01-\\x7f]([\\x20-\\x7e]+)",
	 "$1", "", "root DSE", 100, 0},
	{"ldap", TCP, "^\\x30[\\x00-\\xff]{1,5}\\x02\\x01\\x01\\x63",
	 "^\\x30[\\x00-\\xff]{1,5}\\x02\\x01\\x01\\x64[\\x00-\\xff]*?OpenLDAProotDSE", "OpenLDAP", "", "root DSE", 100, 0},
	{"ldap", TCP, "^\\x30[\\x00-\\xff]{1,5}\\x02\\x01\\x01\\x63", "^\\x30[\\x00-\\xff]{1,5}\\x02\\x01\\x01[\\x64\\x65]", "",
	 "", "search answered", 95, 0},
	{"quic", UDP, "^[\\xc0-\\xff]\\x1a\\x2a\\x3a\\x4a", "^[\\x80-\\xff]\\x00\\x00\\x00\\x00\\x08plplplpl", "", "",
	 "Version Negotiation", 95, 0},
	{"snmp", UDP, NULL,
	 "^\\x30[\\x00-\\xff]{1,3}\\x02\\x01([\\x00\\x01])\\x04[\\x01-\\x40][\\x20-\\x7e]+\\xa2[\\x00-\\xff]*?"
	 "\\x2b\\x06\\x01\\x02\\x01\\x01\\x01\\x00\\x04[\\x00-\\x7f]([\\x20-\\x7e]+)",
	 "", "", "sysDescr: $2", 95, 0},

	/* ---- servers that speak first, and replies that name themselves ---- */
	{"ssh", TCP, NULL, "^SSH-([\\d.]+)-OpenSSH_([\\w.]+)[ _-]?([^\\r\\n]*)\\r?\\n", "OpenSSH", "$2",
	 "protocol $1 $3", 100, 0},
	{"ssh", TCP, NULL, "^SSH-([\\d.]+)-dropbear_([\\w.]+)", "Dropbear", "$2", "protocol $1", 100, 0},
	{"ssh", TCP, NULL, "^SSH-([\\d.]+)-([^_\\s-]+)(?:[_-]([\\w.]+))?([^\\r\\n]*)", "$2", "$3", "protocol $1$4", 95, 0},
	/* A Server header anywhere in the head, case-insensitive (RFC 9110: field names are). */
	{"http", TCP, NULL,
	 "^HTTP/(1\\.[01]) (400)[^\\r\\n]*\\r\\n(?:[^\\r\\n]+\\r\\n)*?(?i:server): *([^\\r\\n/ ]+)(?:/([^\\r\\n (]+))?",
	 "$3", "$4", "HTTP/$1, status $2", 90, PL_M_TRY_TLS},
	{"http", TCP, NULL,
	 "^HTTP/(1\\.[01]) (\\d{3})[^\\r\\n]*\\r\\n(?:[^\\r\\n]+\\r\\n)*?(?i:server): *([^\\r\\n/ ]+)(?:/([^\\r\\n (]+))?",
	 "$3", "$4", "HTTP/$1, status $2", 95, 0},
	{"http", TCP, NULL, "^HTTP/(1\\.[01]) (400)", "", "", "HTTP/$1, status $2", 85, PL_M_TRY_TLS},
	{"http", TCP, NULL, "^HTTP/(1\\.[01]) (\\d{3})", "", "", "HTTP/$1, status $2", 90, 0},
	{"rtsp", TCP, NULL, "^RTSP/1\\.0 (\\d{3})[^\\r\\n]*\\r\\n(?:[^\\r\\n]+\\r\\n)*?(?i:server): *([^\\r\\n/]+)(?:/([^\\r\\n ]+))?",
	 "$2", "$3", "status $1", 95, 0},
	{"rtsp", TCP, NULL, "^RTSP/1\\.0 (\\d{3})", "", "", "status $1", 90, 0},
	{"sip", ANY, NULL, "^SIP/2\\.0 (\\d{3})[^\\r\\n]*\\r\\n(?:[^\\r\\n]+\\r\\n)*?(?i:server|user-agent): *([^\\r\\n]+)",
	 "$2", "", "status $1", 95, 0},
	{"sip", ANY, NULL, "^SIP/2\\.0 (\\d{3})", "", "", "status $1", 90, 0},
	{"redis", TCP, NULL, "^\\+PONG\\r\\n\\$\\d+\\r\\n# Server\\r\\nredis_version:([\\w.]+)\\r\\n(?:[^\\r\\n]*\\r\\n)*?redis_mode:(\\w+)",
	 "Redis", "$1", "mode $2", 100, 0},
	{"redis", TCP, NULL, "^\\+PONG\\r\\n\\$\\d+\\r\\n# Server\\r\\nredis_version:([\\w.]+)", "Redis", "$1", "", 100, 0},
	{"redis", TCP, NULL, "^-DENIED Redis is running in protected mode", "Redis", "", "protected mode", 100, 0},
	{"redis", TCP, NULL, "^-NOAUTH ([^\\r\\n]*)", "", "", "$1", 95, 0},
	{"redis", TCP, NULL, "^\\+PONG\\r\\n", "", "", "", 90, 0},
	{"redis", TCP, NULL, "^-ERR (?:unknown command|wrong number of arguments for)[^\\r\\n]*\\r\\n", "", "", "", 70, 0},
	{"smtp", TCP, NULL, "^220[ -]([^ \\r\\n]+) ESMTP Postfix", "Postfix", "", "host $1", 100, 0},
	{"smtp", TCP, NULL, "^220[ -]([^ \\r\\n]+) ESMTP Exim (\\d[\\w.]*)", "Exim", "$2", "host $1", 100, 0},
	{"smtp", TCP, NULL, "^220[ -]([^ \\r\\n]+) (?:E?SMTP|[^\\r\\n]* E?SMTP\\b)", "", "", "host $1", 90, 0},
	{"ftp", TCP, NULL, "^220 \\(vsFTPd ([\\w.]+)\\)", "vsftpd", "$1", "", 100, 0},
	{"ftp", TCP, NULL, "^220[ -]ProFTPD (?:(\\d[\\w.]*) )?Server", "ProFTPD", "$1", "", 100, 0},
	{"ftp", TCP, NULL, "^220[ -][^\\r\\n]*Pure-FTPd", "Pure-FTPd", "", "", 100, 0},
	{"ftp", TCP, NULL, "^220[ -]FileZilla Server(?: version)? ?([\\w.-]*)", "FileZilla Server", "$1", "", 100, 0},
	{"ftp", TCP, NULL, "^220[ -][^\\r\\n]*\\bFTP\\b", "", "", "", 90, 0},
	{"imap", TCP, NULL, "^\\* OK (?:\\[[^\\]]*\\] )?Dovecot", "Dovecot", "", "", 100, 0},
	{"imap", TCP, NULL, "^\\* OK (?:\\[[^\\]]*\\] )?[^\\r\\n]*IMAP", "", "", "", 95, 0},
	{"imap", TCP, NULL, "^\\* (?:OK|PREAUTH|BYE) ", "", "", "", 75, 0},
	{"pop3", TCP, NULL, "^\\+OK (?:\\[[^\\]]*\\] )?Dovecot", "Dovecot", "", "", 100, 0},
	{"pop3", TCP, NULL, "^\\+OK[^\\r\\n]*POP3", "", "", "", 95, 0},
	{"pop3", TCP, NULL, "^\\+OK[ \\r]", "", "", "", 70, 0},
	{"mysql", TCP, NULL, "^[\\x00-\\xff]{3}\\x00\\x0a5\\.5\\.5-(\\d+\\.\\d+\\.\\d+)-MariaDB([\\w.~+-]*)\\x00", "MariaDB",
	 "$1", "$2", 100, 0},
	{"mysql", TCP, NULL, "^[\\x00-\\xff]{3}\\x00\\x0a(\\d+\\.\\d+\\.\\d+)-MariaDB([\\w.~+-]*)\\x00", "MariaDB", "$1", "$2",
	 100, 0},
	{"mysql", TCP, NULL, "^[\\x00-\\xff]{3}\\x00\\x0a(\\d+\\.\\d+\\.\\d+)([\\w.~+-]*)\\x00", "MySQL", "$1", "$2", 95, 0},
	{"mysql", TCP, NULL, "^[\\x00-\\xff]{3}\\x00\\xff[\\x00-\\xff]{2}(?:#\\w{5})?Host '[^']*' is not allowed to connect to this (MySQL|MariaDB) server",
	 "$1", "", "this host is not allowed", 95, 0},
	{"rfb", TCP, NULL, "^RFB (\\d{3})\\.(\\d{3})\\n", "", "", "protocol $1.$2", 95, 0},
	{"xmpp", TCP, NULL, "^(?:<\\?xml[^>]*>\\s*)?<stream:stream[^>]*jabber:(?:client|server)", "", "", "", 95, 0},
	{"irc", TCP, NULL, "^:[^ \\r\\n]+ (?:NOTICE [^ ]+ :|\\d{3} )[^\\r\\n]*\\r?\\n", "", "", "", 80, 0},
	{"amqp", TCP, NULL,
	 "^\\x01\\x00\\x00\\x00\\x00[\\x00-\\xff]{4}\\x00\\x0a\\x00\\x0a\\x00\\x09[\\x00-\\xff]*?\\x07productS[\\x00-\\xff]{4}"
	 "([\\x20-\\x7e]+)[\\x00-\\xff]*?\\x07versionS[\\x00-\\xff]{4}([\\w.+-]+)",
	 "$1", "$2", "", 100, 0},
	{"amqp", TCP, NULL, "^\\x01\\x00\\x00\\x00\\x00[\\x00-\\xff]{4}\\x00\\x0a\\x00\\x0a", "", "", "", 95, 0},
	{"amqp", TCP, NULL, "^AMQP[\\x00-\\x03]\\x00[\\x00-\\x01]", "", "", "protocol header", 90, 0},
	{"rdp", TCP, NULL, "^\\x03\\x00\\x00[\\x0b\\x13]\\x0e\\xd0", "", "", "X.224 Connection Confirm", 90, 0},
	{"smb", TCP, NULL, "^\\x00[\\x00-\\xff]{3}[\\xff\\xfe]SMB", "", "", "", 95, 0},
	{"ldap", TCP, NULL, "^\\x30[\\x00-\\xff]{1,5}\\x02[\\x01-\\x04][\\x00-\\xff]{1,4}[\\x61\\x65]"
	 "[\\x00-\\xff]{1,5}\\x0a\\x01[\\x00-\\x7f]\\x04", "", "", "result", 60, 0},
	{"telnet", TCP, NULL, "^\\xff[\\xfb-\\xfe][\\x00-\\x2f\\xff]", "", "", "option negotiation", 75, 0},
	{"postgresql", TCP, NULL, "^E[\\x00-\\xff]{4}S(?:FATAL|ERROR)\\x00", "PostgreSQL", "", "error response", 90, 0},
	{"tls", TCP, NULL, "^\\x16\\x03[\\x00-\\x04][\\x00-\\xff]{2}\\x02[\\x00-\\xff]{3}\\x03([\\x00-\\x04])", "", "",
	 "ServerHello", 90, 0},
	{"tls", TCP, NULL, "^\\x15\\x03[\\x00-\\x04]\\x00\\x02[\\x01\\x02]", "", "", "alert", 80, 0},
	{"mqtt", TCP, NULL, "^\\x20\\x02[\\x00\\x01][\\x00-\\x05]\\z", "", "", "CONNACK", 85, 0},
	{"memcached", TCP, NULL, "^VERSION (\\d[\\w.+-]*)\\r\\n\\z", "memcached", "$1", "", 85, 0},
	/* memcached's answer to any command it does not know: weak alone, it moves the version question up. */
	{"memcached", TCP, NULL, "^ERROR\\r\\n", "", "", "", 40, 0},
	{"dns", TCP, NULL, "^[\\x00-\\xff]{4}[\\x80-\\x87][\\x00-\\x0f\\x80-\\x8f]\\x00\\x01", "", "", "", 60, 0},
	{"dns", UDP, NULL, "^[\\x00-\\xff]{2}[\\x80-\\x87][\\x00-\\x0f\\x80-\\x8f]\\x00\\x01", "", "", "", 80, 0},
	{"ntp", UDP, NULL,
	 "^[\\x0c\\x14\\x1c\\x24\\x4c\\x54\\x5c\\x64\\x8c\\x94\\x9c\\xa4\\xcc\\xd4\\xdc\\xe4][\\x00-\\x10][\\x00-\\xff]{46}",
	 "", "", "server reply", 85, 0},
	{"snmp", UDP, NULL, "^\\x30[\\x00-\\xff]{1,3}\\x02\\x01[\\x00\\x01\\x03]\\x04[\\x01-\\x40][\\x20-\\x7e]+\\xa2", "", "",
	 "GetResponse", 90, 0},
	{"quic", UDP, NULL, "^[\\x80-\\xff]\\x00\\x00\\x00\\x00[\\x00-\\x14]", "", "", "Version Negotiation", 85, 0},
	{"quic", UDP, NULL, "^[\\xc0-\\xff]\\x00\\x00\\x00\\x01[\\x00-\\x14]", "", "", "long header", 75, 0},

	/* ---- client first payloads alone (a capture that saw only one side) ---- */
	{"tls", TCP, "^\\x16\\x03[\\x00-\\x04][\\x00-\\xff]{2}\\x01[\\x00-\\xff]{3}\\x03[\\x00-\\x04]", NULL, "", "",
	 "ClientHello", 90, 0},
	{"http", TCP, "^(GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH|CONNECT|TRACE) [^ \\r\\n]+ HTTP/1\\.[01]\\r\\n", NULL, "", "",
	 "$1 request", 90, 0},
	{"ssh", TCP, "^SSH-([\\d.]+)-([^\\r\\n]*)\\r?\\n", NULL, "", "", "client $2", 95, 0},
	{"redis", TCP, "^\\*[1-9]\\d*\\r\\n\\$\\d+\\r\\n[A-Za-z]+\\r\\n", NULL, "", "", "", 85, 0},
	{"postgresql", TCP, "^\\x00\\x00\\x00\\x08\\x04\\xd2\\x16[\\x2f\\x30]", NULL, "", "", "SSL/GSS request", 85, 0},
	{"postgresql", TCP, "^[\\x00-\\xff]{4}\\x00\\x03\\x00\\x00(?:user|database|application_name)\\x00", NULL, "", "",
	 "startup", 90, 0},
	{"mqtt", TCP, "^\\x10[\\x00-\\xff]{1,4}\\x00(?:\\x04MQTT|\\x06MQIsdp)", NULL, "", "", "CONNECT", 95, 0},
	{"amqp", TCP, "^AMQP[\\x00-\\x03]\\x00[\\x00-\\x01]", NULL, "", "", "protocol header", 95, 0},
	{"rdp", TCP, "^\\x03\\x00[\\x00-\\xff]{2}[\\x00-\\xff]\\xe0\\x00\\x00", NULL, "", "", "X.224 Connection Request", 85, 0},
	{"smb", TCP, "^\\x00[\\x00-\\xff]{3}[\\xff\\xfe]SMB", NULL, "", "", "", 95, 0},
	{"ldap", TCP, "^\\x30[\\x00-\\xff]{1,5}\\x02[\\x01-\\x04][\\x00-\\xff]{0,3}[\\x60\\x63]", NULL, "", "",
	 "bind or search request", 70, 0},
	{"rtsp", TCP, "^(?:OPTIONS|DESCRIBE|SETUP|PLAY) [^ \\r\\n]+ RTSP/1\\.0\\r\\n", NULL, "", "", "", 90, 0},
	{"sip", ANY, "^(?:OPTIONS|REGISTER|INVITE|SUBSCRIBE) sips?:[^ \\r\\n]+ SIP/2\\.0\\r\\n", NULL, "", "", "", 90, 0},
	{"mysql", TCP, "^[\\x00-\\xff]{3}\\x01[\\x00-\\xff]{2}[\\x08-\\x0f\\x88-\\x8f][\\x00-\\xff]{29}[\\x00-\\x7f]", NULL, "",
	 "", "handshake response", 50, 0},
	{"dns", UDP, "^[\\x00-\\xff]{2}[\\x00-\\x07\\x20-\\x27][\\x00-\\x0f\\x10-\\x3f]\\x00\\x01\\x00\\x00\\x00\\x00", NULL, "",
	 "", "query", 80, 0},
	{"ntp", UDP, "^[\\x0b\\x13\\x1b\\x23\\xcb\\xd3\\xdb\\xe3][\\x00-\\x10][\\x00-\\xff]{46}\\z", NULL, "", "",
	 "client request", 80, 0},
	{"snmp", UDP, "^\\x30[\\x00-\\xff]{1,3}\\x02\\x01[\\x00\\x01\\x03]\\x04[\\x01-\\x40][\\x20-\\x7e]+[\\xa0\\xa1\\xa3\\xa5]",
	 NULL, "", "", "request", 85, 0},
	{"quic", UDP, "^[\\xc0-\\xcf](?:\\x00\\x00\\x00\\x01|\\x6b\\x33\\x43\\xcf)[\\x00-\\x14]", NULL, "", "", "Initial",
	 85, 0},
};
const size_t pl_nmatchers = sizeof pl_matchers / sizeof pl_matchers[0];

bool pl_probe_hints_port(const pl_probe_def *d, uint16_t port)
{
	const char *p = d->ports;
	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		unsigned lo = 0, hi = 0;
		size_t i = 0;
		while (i < len && p[i] >= '0' && p[i] <= '9')
			lo = lo * 10 + (unsigned)(p[i++] - '0');
		hi = lo;
		if (i < len && p[i] == '-') {
			hi = 0;
			for (i++; i < len && p[i] >= '0' && p[i] <= '9'; i++)
				hi = hi * 10 + (unsigned)(p[i] - '0');
		}
		if (port >= lo && port <= hi)
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

/* The ports asked when only a host is named: the usual homes of the services above and of the common
 * banner protocols, tcp. */
static const uint16_t default_ports[] = {
	21,   22,   23,   25,   53,   80,   81,   110,  143,  389,  443,  445,  465,  554,  587,  636,  853,
	873,  990,  993,  995,  1080, 1433, 1521, 1883, 2375, 2376, 3000, 3128, 3306, 3389, 4443, 5000, 5060,
	5061, 5432, 5601, 5671, 5672, 5900, 5984, 6379, 6443, 7000, 7001, 8000, 8008, 8080, 8081, 8443, 8554,
	8883, 8888, 9000, 9090, 9200, 9443, 11211, 27017,
};

size_t pl_probe_default_ports(pl_probe_port *ports, size_t max)
{
	size_t n = 0;
	for (; n < sizeof default_ports / sizeof default_ports[0] && n < max; n++) {
		ports[n].port = default_ports[n];
		ports[n].proto = PL_PROTO_TCP;
	}
	return n;
}

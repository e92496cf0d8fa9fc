/* The probe engine against small servers of this test's own on 127.0.0.1 (ports the kernel picks, so that
 * nothing collides): a banner is named without a question, a server that only answers HTTP is asked, a
 * silent one, a closed port and a UDP DNS server each get their answer within the timeout, and the
 * results are the targets' own, in order, whatever the concurrency. Runs under the sanitizers too. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"
#include "portlore/probe.h"

typedef struct server {
	int fd;
	int type; /* SOCK_STREAM or SOCK_DGRAM */
	const char *banner;  /* sent on accept */
	const char *http;    /* sent when a request arrives */
	bool dns;            /* udp: answers version.bind */
	volatile bool stop;
	pthread_t th;
	uint16_t port;
} server;

static void *serve(void *arg)
{
	server *s = arg;
	int held[64];
	size_t nheld = 0;
	while (!s->stop) {
		struct pollfd p = {s->fd, POLLIN, 0};
		if (poll(&p, 1, 50) <= 0)
			continue;
		if (s->type == SOCK_DGRAM) {
			unsigned char q[512], a[600];
			struct sockaddr_storage from;
			socklen_t fl = sizeof from;
			ssize_t n = recvfrom(s->fd, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
			if (n < 12 || !s->dns)
				continue;
			/* the question echoed, QR set, one TXT CH answer "dnsmasq-2.90" */
			memcpy(a, q, (size_t)n);
			a[2] = 0x85;
			a[3] = 0x80;
			a[7] = 1;
			static const unsigned char rr[] = "\xc0\x0c\x00\x10\x00\x03\x00\x00\x00\x00\x00\x0d\x0c" "dnsmasq-2.90";
			memcpy(a + n, rr, sizeof rr - 1);
			sendto(s->fd, a, (size_t)n + sizeof rr - 1, 0, (struct sockaddr *)&from, fl);
			continue;
		}
		int c = accept(s->fd, NULL, NULL);
		if (c < 0)
			continue;
		if (s->banner)
			send(c, s->banner, strlen(s->banner), MSG_NOSIGNAL);
		if (s->http) {
			char buf[1024];
			struct pollfd q = {c, POLLIN, 0};
			if (poll(&q, 1, 500) > 0 && recv(c, buf, sizeof buf, 0) > 0 && !strncmp(buf, "HEAD ", 5))
				send(c, s->http, strlen(s->http), MSG_NOSIGNAL);
			close(c);
			continue;
		}
		if (nheld < 64)
			held[nheld++] = c; /* silent or banner: keep it open, say nothing more */
		else
			close(c);
	}
	for (size_t i = 0; i < nheld; i++)
		close(held[i]);
	return NULL;
}

static void start(server *s, int type)
{
	s->type = type;
	s->fd = socket(AF_INET, type, 0);
	assert_true(s->fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
	socklen_t l = sizeof a;
	getsockname(s->fd, (struct sockaddr *)&a, &l);
	s->port = ntohs(a.sin_port);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(s->fd, 64), 0);
	assert_int_equal(pthread_create(&s->th, NULL, serve, s), 0);
}

static void stop(server *s)
{
	s->stop = true;
	pthread_join(s->th, NULL);
	close(s->fd);
}

static pl_probe_target target(uint16_t port, pl_proto proto)
{
	pl_probe_target t = {0};
	struct sockaddr_in *a = (struct sockaddr_in *)&t.addr;
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	t.addrlen = sizeof *a;
	t.port = port;
	t.proto = proto;
	strcpy(t.host, "127.0.0.1");
	return t;
}

static uint16_t closed_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bind(fd, (struct sockaddr *)&a, sizeof a);
	socklen_t l = sizeof a;
	getsockname(fd, (struct sockaddr *)&a, &l);
	close(fd); /* bound, never listened: refused */
	return ntohs(a.sin_port);
}

static void test_engine_names_each_server_and_bounds_the_others(void **state)
{
	(void)state;
	server ssh = {.banner = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n"};
	server http = {.http = "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Length: 0\r\n\r\n"};
	server silent = {0}, dns = {.dns = true};
	start(&ssh, SOCK_STREAM);
	start(&http, SOCK_STREAM);
	start(&silent, SOCK_STREAM);
	start(&dns, SOCK_DGRAM);
	pl_probe_target t[5] = {target(ssh.port, PL_PROTO_TCP), target(http.port, PL_PROTO_TCP),
				target(silent.port, PL_PROTO_TCP), target(closed_port(), PL_PROTO_TCP),
				target(dns.port, PL_PROTO_UDP)};
	pl_probe_result r[5];
	for (unsigned conc = 1; conc <= 8; conc += 7) {
		pl_probe_opts o = {.timeout_ms = 1500, .banner_ms = 100, .reply_ms = 60, .concurrency = conc, .no_tls = true};
		pl_error err = {0};
		assert_int_equal(pl_probe_run(t, 5, &o, r, &err), 0);
		for (int i = 0; i < 5; i++) {
			assert_int_equal(r[i].target.port, t[i].port);
			assert_true(r[i].elapsed_ms <= 1500 + 200);
		}
		assert_int_equal(r[0].state, PL_PROBE_IDENTIFIED);
		assert_string_equal(r[0].match.protocol, "ssh");
		assert_string_equal(r[0].match.version, "9.2p1");
		assert_string_equal(r[0].probe, "banner");
		assert_int_equal(r[1].state, PL_PROBE_IDENTIFIED);
		assert_string_equal(r[1].match.product, "nginx");
		assert_string_equal(r[1].probe, "http-head");
		assert_true(r[1].evidence_len > 0 && !memcmp(r[1].evidence, "HTTP/1.1 200 OK", 15));
		assert_int_equal(r[2].state, PL_PROBE_SILENT);
		assert_true(r[2].probes_sent > 3);
		assert_int_equal(r[3].state, PL_PROBE_CLOSED);
		assert_int_equal(r[4].state, PL_PROBE_IDENTIFIED);
		assert_string_equal(r[4].match.protocol, "dns");
		assert_string_equal(r[4].match.product, "dnsmasq");
		char label[160];
		pl_probe_label(&r[1], label, sizeof label);
		assert_string_equal(label, "HTTP (nginx 1.22.1)");
	}
	stop(&ssh);
	stop(&http);
	stop(&silent);
	stop(&dns);
}

static void test_engine_udp_port_unreachable_is_closed(void **state)
{
	(void)state;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bind(fd, (struct sockaddr *)&a, sizeof a);
	socklen_t l = sizeof a;
	getsockname(fd, (struct sockaddr *)&a, &l);
	close(fd);
	pl_probe_target t = target(ntohs(a.sin_port), PL_PROTO_UDP);
	pl_probe_result r;
	pl_probe_opts o = {.timeout_ms = 1500};
	assert_int_equal(pl_probe_run(&t, 1, &o, &r, NULL), 0);
	assert_int_equal(r.state, PL_PROBE_CLOSED);
	assert_non_null(strstr(r.error, "unreachable"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine_names_each_server_and_bounds_the_others),
		cmocka_unit_test(test_engine_udp_port_unreachable_is_closed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

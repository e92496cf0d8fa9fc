/* The web front end's parts that need no socket: escaping, the language choice, the message table, the
 * voter hash, the page cache, and routing (pl_web_route) against a small registry and a real SQLite
 * database, so that the sanitizer build covers them too. The HTTP side is tests/integration/web_*.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "web/internal.h"

static const char *esc(const char *s, size_t n)
{
	static pl_buf b;
	pl_buf_free(&b);
	pl_buf_init(&b, 1 << 20);
	assert_int_equal(pl_web_escn(&b, s, n), 0);
	return pl_buf_str(&b);
}

static void test_escape_markup_quotes_and_bad_utf8(void **state)
{
	(void)state;
	assert_string_equal(esc("<script>alert('x')</script>", 27), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
	assert_string_equal(esc("a & \"b\"", 7), "a &amp; &quot;b&quot;");
	assert_string_equal(esc("caf\xc3\xa9 \xe2\x80\xba", 9), "caf\xc3\xa9 \xe2\x80\xba");
	/* a lone continuation byte, an overlong '<', a surrogate, a truncated sequence, a control */
	assert_string_equal(esc("\x80", 1), "\xef\xbf\xbd");
	assert_string_equal(esc("\xc0\xbc", 2), "\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(esc("\xed\xa0\x80", 3), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(esc("ab\xe2\x80", 4), "ab\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(esc("a\x01" "b\tc", 5), "a\xef\xbf\xbd" "b\tc");
	assert_string_equal(esc("a\0b", 3), "a\xef\xbf\xbd" "b");
}

static void test_language_follows_accept_language_and_q_values(void **state)
{
	(void)state;
	assert_int_equal(pl_web_lang_pick(NULL), PL_LANG_EN);
	assert_int_equal(pl_web_lang_pick(""), PL_LANG_EN);
	assert_int_equal(pl_web_lang_pick("fr"), PL_LANG_FR);
	assert_int_equal(pl_web_lang_pick("fr-CA,fr;q=0.9,en;q=0.5"), PL_LANG_FR);
	assert_int_equal(pl_web_lang_pick("VI-vn"), PL_LANG_VI);
	assert_int_equal(pl_web_lang_pick("fr;q=0.2, vi;q=0.8, de"), PL_LANG_VI);
	assert_int_equal(pl_web_lang_pick("de, ja;q=0.5"), PL_LANG_EN);
	assert_int_equal(pl_web_lang_pick("fr;q=0, en"), PL_LANG_EN);
	assert_int_equal(pl_web_lang_pick("en;q=0.5, fr;q=0.500"), PL_LANG_EN); /* a tie: the first one */
	assert_int_equal(pl_web_lang_pick("en;q=0.4,fr;q=0.41"), PL_LANG_FR);
	assert_int_equal(pl_web_lang_pick("fr;q=2, vi"), PL_LANG_VI); /* a malformed q refuses its range */
	assert_int_equal(pl_web_lang_pick("*;q=1, vi;q=0.1"), PL_LANG_VI);
	assert_int_equal(pl_web_lang_pick("frr, fra"), PL_LANG_EN);   /* other languages, not French */
	assert_int_equal(pl_web_lang_pick(",,, ;;; q=, fr ; q = 0.3"), PL_LANG_FR);
}

static void test_every_message_exists_in_every_language(void **state)
{
	(void)state;
	for (int l = 0; l < PL_LANG_COUNT; l++)
		for (int m = 0; m < M_COUNT; m++) {
			const char *s = pl_web_msg((pl_lang)l, (pl_msg)m);
			/* English may defer to the report's sentence; the others may not */
			if (!s && l != PL_LANG_EN)
				fail_msg("message %d missing in %s", m, pl_web_lang_tag((pl_lang)l));
			if (l != PL_LANG_EN && !pl_web_msg(PL_LANG_EN, (pl_msg)m) && s == NULL)
				fail_msg("message %d has no text at all in %s", m, pl_web_lang_tag((pl_lang)l));
		}
}

static void test_translation_escapes_its_arguments(void **state)
{
	(void)state;
	pl_buf b;
	pl_buf_init(&b, 4096);
	assert_int_equal(PL_TR(&b, PL_LANG_FR, M_SEARCH_RESULTS, "3", "<b>"), 0);
	assert_string_equal(pl_buf_str(&b), "3 résultats pour « &lt;b&gt; »");
	char plain[64];
	PL_FMT(plain, sizeof plain, PL_LANG_VI, M_PORT_N_NAME, "2908", "mao");
	assert_string_equal(plain, "Cổng 2908 (mao)");
	pl_buf_free(&b);
}

static void test_keyed_hash_is_hmac_sha256(void **state)
{
	(void)state;
	/* RFC 4231 has no 16-byte key: the expected value is what another implementation says,
	 * `printf abc | openssl dgst -sha256 -mac HMAC -macopt hexkey:000102030405060708090a0b0c0d0e0f`. */
	uint8_t key[16], out[32];
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	pl_error err = {0};
	assert_int_equal(pl_web_keyed_hash(key, "abc", 3, out, &err), 0);
	char hex[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", out[i]);
	assert_string_equal(hex, "d601cc177559b0248459787f7e804ed7f27689b5995c59b661802d9682fdf8d2");
	uint8_t again[32];
	key[0] ^= 1;
	assert_int_equal(pl_web_keyed_hash(key, "abc", 3, again, &err), 0);
	assert_memory_not_equal(out, again, 32);
}

static void test_cache_returns_fresh_then_stale_values(void **state)
{
	(void)state;
	pl_web_cache *c = pl_web_cache_new(4, 0);
	pl_buf b;
	pl_buf_init(&b, 1024);
	size_t cuts[2] = {1, 2}, got[2];
	assert_int_equal(pl_web_cache_get(c, 7, &b, got), 0);
	pl_web_cache_put(c, 7, "abc", 3, cuts);
	PL_ADD(&b, "xy");
	assert_int_equal(pl_web_cache_get(c, 7, &b, got), 2); /* ttl 0: stale at once, still returned */
	assert_string_equal(pl_buf_str(&b), "xyabc");
	assert_int_equal(got[0], 3);
	assert_int_equal(got[1], 4);
	pl_web_cache_put(c, 11, "z", 1, NULL); /* may take 7's slot: then 7 is a miss, never a wrong value */
	b.len = 0;
	int hit = pl_web_cache_get(c, 7, &b, NULL);
	assert_true(hit == 0 || strcmp(pl_buf_str(&b), "abc") == 0);
	pl_buf_free(&b);
	pl_web_cache_free(c);
}

/* ---- routing, without a socket ---- */
typedef struct fixture {
	pl_web w;
	char *dir;
	pl_render_meta meta;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	f->dir = tu_tmpdir();
	f->w.reg = tu_registry("mao\t2908\ttcp\tmao\t\t\t\t\t\t\t\t\n"
			       "mao\t2908\tudp\tmao\t\t\t\t\t\t\t\t\n"
			       "evil\t4444\ttcp\t<script>alert(1)</script>\t\t\t\t\t\t\t\t\n");
	f->meta = (pl_render_meta){.version = "test", .registry_origin = "file", .registry_path = "t.tsv"};
	f->w.opts = (pl_web_opts){.proc_root = "/proc", .meta = &f->meta, .reg = f->w.reg};
	f->w.pages = pl_web_cache_new(16, 60000);
	f->w.live = pl_web_cache_new(16, 1000);
	f->w.snap_fd = -1;
	pthread_mutex_init(&f->w.snap_lock, NULL);
	pthread_cond_init(&f->w.snap_cond, NULL);
	/* what the reader process would send: a reading of this host */
	pl_web_snapshot *snap;
	assert_int_equal(pl_web_snapshot_read("/proc", &snap), 0);
	pl_web_snapshot_set(&f->w, snap);
	char db[4200];
	snprintf(db, sizeof db, "%s/fb.db", f->dir);
	pl_error err = {0};
	if (pl_web_feedback_open(db, &f->w.fb, &err))
		fail_msg("%s", err.msg);
	pl_web_count_ranges(&f->w);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	pl_web_feedback_close(f->w.fb);
	pl_web_cache_free(f->w.pages);
	pl_web_cache_free(f->w.live);
	pl_web_receiver_stop(&f->w);
	pthread_mutex_destroy(&f->w.snap_lock);
	pthread_cond_destroy(&f->w.snap_cond);
	pl_registry_close((pl_registry *)f->w.reg);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* An IPv4 or IPv6 peer address. */
static struct sockaddr_storage peer(const char *ip)
{
	struct sockaddr_storage ss = {0};
	if (strchr(ip, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, ip, &a->sin6_addr), 1);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, ip, &a->sin_addr), 1);
	}
	return ss;
}

static unsigned route_rq(fixture *f, pl_web_request *rq, const char *ip, pl_web_reply *r)
{
	struct sockaddr_storage a = peer(ip);
	rq->client = (struct sockaddr *)&a;
	if (rq->body)
		rq->body_len = strlen(rq->body);
	memset(r, 0, sizeof *r);
	pl_buf_init(&r->body, PL_WEB_PAGE_MAX);
	pl_web_route(&f->w, rq, r);
	return r->status;
}

static unsigned route(fixture *f, const char *method, const char *path, const char *q, const char *body,
		      const char *ip, pl_web_reply *r)
{
	pl_web_request rq = {.method = method, .path = path, .q = q, .q_len = q ? strlen(q) : 0, .body = body};
	return route_rq(f, &rq, ip, r);
}

static void test_routes_validate_ports_and_queries(void **state)
{
	fixture *f = *state;
	pl_web_reply r;
	static const char *const bad[] = {"/ports/70000", "/ports/-1", "/ports/29o8", "/ports/2908abc", "/ports/",
					  "/ports/000000", "/api/ports/65536"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (route(f, "GET", bad[i], NULL, NULL, "127.0.0.1", &r) != 400)
			fail_msg("%s: %u, wanted 400", bad[i], r.status);
		pl_buf_free(&r.body);
	}
	assert_int_equal(route(f, "GET", "/nope", NULL, NULL, "127.0.0.1", &r), 404);
	pl_buf_free(&r.body);
	char big[300];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = 0;
	assert_int_equal(route(f, "GET", "/api/search", big, NULL, "127.0.0.1", &r), 400);
	pl_buf_free(&r.body);
	assert_int_equal(route(f, "GET", "/ports/2908", NULL, NULL, "127.0.0.1", &r), 200);
	assert_non_null(strstr(pl_buf_str(&r.body), "<span class=\"svc\">mao</span>"));
	pl_buf_free(&r.body);
	assert_int_equal(route(f, "GET", "/ports/4444", NULL, NULL, "127.0.0.1", &r), 200);
	assert_null(strstr(pl_buf_str(&r.body), "<script>"));
	assert_non_null(strstr(pl_buf_str(&r.body), "&lt;script&gt;alert(1)&lt;/script&gt;"));
	pl_buf_free(&r.body);
}

static void test_live_section_only_for_loopback(void **state)
{
	fixture *f = *state;
	pl_web_reply r;
	assert_int_equal(route(f, "GET", "/ports/2908", NULL, NULL, "10.1.2.3", &r), 200);
	assert_non_null(strstr(pl_buf_str(&r.body), "only to visitors on this machine"));
	pl_buf_free(&r.body);
	assert_int_equal(route(f, "GET", "/ports/2908", NULL, NULL, "127.0.0.5", &r), 200);
	assert_null(strstr(pl_buf_str(&r.body), "only to visitors on this machine"));
	pl_buf_free(&r.body);
	struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
	inet_pton(AF_INET6, "::1", &v6.sin6_addr);
	assert_true(pl_web_is_loopback((struct sockaddr *)&v6));
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &v6.sin6_addr);
	assert_true(pl_web_is_loopback((struct sockaddr *)&v6));
	inet_pton(AF_INET6, "::ffff:10.0.0.1", &v6.sin6_addr);
	assert_false(pl_web_is_loopback((struct sockaddr *)&v6));
	inet_pton(AF_INET6, "fe80::1", &v6.sin6_addr);
	assert_false(pl_web_is_loopback((struct sockaddr *)&v6));
	assert_false(pl_web_is_loopback(NULL));
}

static void test_one_vote_per_client_page_and_day(void **state)
{
	fixture *f = *state;
	pl_web_reply r;
	assert_int_equal(route(f, "POST", "/api/ports/2908/feedback", NULL, "vote=happy", "127.0.0.9", &r), 303);
	assert_string_equal(r.location, "/ports/2908?voted=1#feedback");
	pl_buf_free(&r.body);
	assert_int_equal(route(f, "POST", "/api/ports/2908/feedback", NULL, "vote=sad", "127.0.0.9", &r), 303);
	assert_string_equal(r.location, "/ports/2908?voted=2#feedback");
	pl_buf_free(&r.body);
	assert_int_equal(route(f, "POST", "/api/ports/2908/feedback", NULL, "x=1&vote=meh", "127.0.0.10", &r), 303);
	pl_buf_free(&r.body);
	assert_int_equal(route(f, "POST", "/api/ports/2908/feedback", NULL, "vote=%68appy", "127.0.0.11", &r), 303);
	pl_buf_free(&r.body);
	assert_int_equal(route(f, "POST", "/api/ports/2908/feedback", NULL, "vote=angry", "127.0.0.12", &r), 400);
	pl_buf_free(&r.body);
	assert_int_equal(route(f, "POST", "/api/ports/2908/feedback", NULL, "vote=%6", "127.0.0.12", &r), 400);
	pl_buf_free(&r.body);
	uint32_t c[PL_VOTE_COUNT];
	pl_web_feedback_counts(f->w.fb, 2908, c);
	assert_int_equal(c[PL_VOTE_SAD], 0);
	assert_int_equal(c[PL_VOTE_MEH], 1);
	assert_int_equal(c[PL_VOTE_HAPPY], 2);
	assert_int_equal(route(f, "GET", "/metrics", NULL, NULL, "127.0.0.1", &r), 200);
	/* counted by kind, never by port: a port is the client's choice */
	assert_non_null(strstr(pl_buf_str(&r.body), "portlore_feedback_votes_total{vote=\"happy\"} 2\n"));
	/* (a listener on 2908 elsewhere on this host may have its own series: only the votes are checked) */
	for (const char *line = pl_buf_str(&r.body); line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (!strncmp(line, "portlore_feedback", 17)) {
			char copy[512];
			snprintf(copy, sizeof copy, "%.*s", (int)(len < sizeof copy ? len : sizeof copy - 1), line);
			assert_null(strstr(copy, "port="));
		}
		line = end ? end + 1 : NULL;
	}
	pl_buf_free(&r.body);
}

static void test_ipv6_voters_are_keyed_by_their_64(void **state)
{
	fixture *f = *state;
	pl_web_reply r;
	assert_int_equal(route(f, "POST", "/api/ports/2908/feedback", NULL, "vote=happy", "2001:db8:1:2::1", &r), 303);
	assert_string_equal(r.location, "/ports/2908?voted=1#feedback");
	pl_buf_free(&r.body);
	/* another address of the same /64 (a privacy address of the same host): already voted */
	assert_int_equal(route(f, "POST", "/api/ports/2908/feedback", NULL, "vote=sad", "2001:db8:1:2:a:b:c:d", &r),
			 303);
	assert_string_equal(r.location, "/ports/2908?voted=2#feedback");
	pl_buf_free(&r.body);
	/* the next /64 is another voter; so is another IPv4 address */
	assert_int_equal(route(f, "POST", "/api/ports/2908/feedback", NULL, "vote=sad", "2001:db8:1:3::1", &r), 303);
	assert_string_equal(r.location, "/ports/2908?voted=1#feedback");
	pl_buf_free(&r.body);
	assert_int_equal(route(f, "POST", "/api/ports/2908/feedback", NULL, "vote=meh", "192.0.2.1", &r), 303);
	assert_string_equal(r.location, "/ports/2908?voted=1#feedback");
	pl_buf_free(&r.body);
	assert_int_equal(route(f, "POST", "/api/ports/2908/feedback", NULL, "vote=meh", "192.0.2.2", &r), 303);
	assert_string_equal(r.location, "/ports/2908?voted=1#feedback");
	pl_buf_free(&r.body);
	/* an IPv4-mapped address is its IPv4 address */
	assert_int_equal(route(f, "POST", "/api/ports/2908/feedback", NULL, "vote=meh", "::ffff:192.0.2.2", &r), 303);
	assert_string_equal(r.location, "/ports/2908?voted=2#feedback");
	pl_buf_free(&r.body);
}

static void test_votes_from_other_sites_are_refused(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *origin, *fetch_site, *host;
		unsigned status;
	} cases[] = {
		{NULL, NULL, "h.example:8080", 303},                       /* curl */
		{"http://h.example:8080", NULL, "h.example:8080", 303},    /* a browser without Sec-Fetch-Site */
		{"https://H.example:8080", NULL, "h.example:8080", 303},
		{"http://evil.example", NULL, "h.example:8080", 403},
		{"http://h.example:8080.evil.example", NULL, "h.example:8080", 403},
		{"http://h.example:8080", NULL, NULL, 403},
		{"null", NULL, "h.example:8080", 403},                     /* a sandboxed frame, a no-referrer page */
		{"null", "same-origin", "h.example:8080", 303},            /* the browser's word decides */
		{"http://h.example:8080", "cross-site", "h.example:8080", 403},
		{NULL, "same-site", "h.example:8080", 403},
		{NULL, "none", "h.example:8080", 303},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char ip[32];
		snprintf(ip, sizeof ip, "198.51.100.%zu", i + 1);
		pl_web_request rq = {.method = "POST", .path = "/api/ports/2908/feedback", .body = "vote=happy",
				     .origin = cases[i].origin, .fetch_site = cases[i].fetch_site,
				     .host = cases[i].host};
		pl_web_reply r;
		if (route_rq(f, &rq, ip, &r) != cases[i].status)
			fail_msg("Origin %s, Sec-Fetch-Site %s, Host %s: %u, wanted %u",
				 cases[i].origin ? cases[i].origin : "-", cases[i].fetch_site ? cases[i].fetch_site : "-",
				 cases[i].host ? cases[i].host : "-", r.status, cases[i].status);
		pl_buf_free(&r.body);
	}
}

/* The body of r parses as JSON; returns its "error" member, or NULL. */
static json_t *json_body(const pl_web_reply *r)
{
	json_error_t je;
	json_t *doc = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, &je);
	if (!doc)
		fail_msg("not JSON (%s): '%.*s'", je.text, (int)r->body.len, r->body.data ? r->body.data : "");
	return doc;
}

static void test_api_errors_are_json_even_for_invalid_utf8(void **state)
{
	fixture *f = *state;
	static const char *const paths[] = {"/api/ports/\xff", "/api/ports/2\xe2\x80", "/api/ports/\xc0\xbc"};
	pl_web_reply r;
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		assert_int_equal(route(f, "GET", paths[i], NULL, NULL, "127.0.0.1", &r), 400);
		assert_string_equal(r.type, "application/json");
		json_t *doc = json_body(&r);
		assert_int_equal(json_integer_value(json_object_get(doc, "status")), 400);
		assert_non_null(strstr(json_string_value(json_object_get(doc, "error")), "\xef\xbf\xbd"));
		json_decref(doc);
		pl_buf_free(&r.body);
	}
	/* the search API with bytes that are not UTF-8: an answer in JSON too */
	route(f, "GET", "/api/search", "\xff\xfe", NULL, "127.0.0.1", &r);
	json_decref(json_body(&r));
	pl_buf_free(&r.body);
}

static char logged[4096];
static void capture_log(void *ctx, const char *msg)
{
	(void)ctx;
	snprintf(logged, sizeof logged, "%s", msg);
}

static void test_log_lines_cannot_be_forged(void **state)
{
	fixture *f = *state;
	f->w.opts.log = capture_log;
	pl_web_log(&f->w, "%s %s: internal error %d", "GET", "/x\nportlore: forged\r\x1b[31m\\\xc2\x9b\xff caf\xc3\xa9", 5);
	assert_string_equal(logged, "GET /x\\x0aportlore: forged\\x0d\\x1b[31m\\\\\\xc2\\x9b\\xff caf\xc3\xa9: internal error 5");
	char small[8];
	pl_web_log_escape(small, sizeof small, "ab\n\ncd");
	assert_string_equal(small, "ab\\x0a"); /* cut, never past the buffer or mid-escape */
}

/* Two listeners on one port whose owners the registry names differently: one series each, and equal label
 * sets summed, whatever order they come in; a container's label only where there is one. */
static void test_metrics_print_each_label_set_once(void **state)
{
	(void)state;
	pl_web_listener ls[] = {
		{2908, PL_PROTO_TCP, "mao", "daemon", "ghost", "mismatch", 1, NULL, NULL},
		{2908, PL_PROTO_TCP, "other", "daemon", "described", "mismatch", 1, NULL, NULL},
		{2908, PL_PROTO_TCP, "mao", "daemon", "ghost", "mismatch", 1, NULL, NULL},
		{2908, PL_PROTO_TCP, "other", "daemon", "ghost", "mismatch", 1, NULL, NULL},
		{22, PL_PROTO_TCP, "ssh", "sshd", "described", "match", 1, NULL, NULL},
		{2908, PL_PROTO_TCP, "mao", "daemon", "ghost", "mismatch", 1, NULL, NULL},
		{80, PL_PROTO_TCP, "http", "busybox", "described", "unknown", 1, NULL, "web"},
	};
	pl_buf b;
	pl_buf_init(&b, 1 << 16);
	assert_int_equal(pl_web_metrics_listeners(ls, sizeof ls / sizeof ls[0], &b), 0);
	const char *out = pl_buf_str(&b);
	const char *want =
		"portlore_listening_sockets{port=\"22\",protocol=\"tcp\",service=\"ssh\",process=\"sshd\",registration=\"described\",verdict=\"match\"} 1\n"
		"portlore_listening_sockets{port=\"80\",protocol=\"tcp\",service=\"http\",process=\"busybox\",registration=\"described\",verdict=\"unknown\",container=\"web\"} 1\n"
		"portlore_listening_sockets{port=\"2908\",protocol=\"tcp\",service=\"mao\",process=\"daemon\",registration=\"ghost\",verdict=\"mismatch\"} 3\n"
		"portlore_listening_sockets{port=\"2908\",protocol=\"tcp\",service=\"other\",process=\"daemon\",registration=\"described\",verdict=\"mismatch\"} 1\n"
		"portlore_listening_sockets{port=\"2908\",protocol=\"tcp\",service=\"other\",process=\"daemon\",registration=\"ghost\",verdict=\"mismatch\"} 1\n"
		"# HELP portlore_listening_sockets_omitted Listening sockets left out of portlore_listening_sockets, which has at most 64 series.\n"
		"# TYPE portlore_listening_sockets_omitted gauge\n"
		"portlore_listening_sockets_omitted 0\n";
	const char *series = strstr(out, "portlore_listening_sockets{");
	assert_non_null(series);
	assert_string_equal(series, want);
	pl_buf_free(&b);
}

static uint16_t listen_somewhere(int *fd)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	*fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(*fd >= 0);
	assert_int_equal(bind(*fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(*fd, 1), 0);
	assert_int_equal(getsockname(*fd, (struct sockaddr *)&a, &len), 0);
	return ntohs(a.sin_port);
}

static void test_metrics_sockets_for_trusted_scrapers_from_the_snapshot(void **state)
{
	fixture *f = *state;
	pl_web_reply r;
	/* a remote scraper learns nothing of this host's sockets */
	assert_int_equal(route(f, "GET", "/metrics", NULL, NULL, "10.1.2.3", &r), 200);
	assert_non_null(strstr(pl_buf_str(&r.body), "portlore_registry_records"));
	assert_null(strstr(pl_buf_str(&r.body), "portlore_listening_sockets"));
	assert_null(strstr(pl_buf_str(&r.body), "portlore_sockets_up"));
	pl_buf_free(&r.body);
	assert_int_equal(route(f, "GET", "/metrics", NULL, NULL, "127.0.0.1", &r), 200);
	bool up = strstr(pl_buf_str(&r.body), "portlore_sockets_up 1\n") != NULL;
	assert_true(up || strstr(pl_buf_str(&r.body), "portlore_sockets_up 0\n"));
	pl_buf_free(&r.body);
	if (!up) {
		print_message("# sockets not readable here: the snapshot is not tested\n");
		return;
	}
	int fd;
	char series[64];
	snprintf(series, sizeof series, "portlore_listening_sockets{port=\"%u\",", listen_somewhere(&fd));
	/* the request never reads the host: the new listener shows only in the next snapshot */
	assert_int_equal(route(f, "GET", "/metrics", NULL, NULL, "127.0.0.1", &r), 200);
	assert_null(strstr(pl_buf_str(&r.body), series));
	pl_buf_free(&r.body);
	pl_web_snapshot *snap;
	assert_int_equal(pl_web_snapshot_read("/proc", &snap), 0);
	pl_web_snapshot_set(&f->w, snap);
	assert_int_equal(route(f, "GET", "/metrics", NULL, NULL, "127.0.0.1", &r), 200);
	assert_non_null(strstr(pl_buf_str(&r.body), series));
	pl_buf_free(&r.body);
	close(fd);
}

/* The API's answers never mix: a query that begins like another gets its own answer, the same query the
 * same one, and /api/ports/N follows the newest snapshot as soon as it arrives. */
static void test_api_answers_follow_the_snapshot_and_never_mix(void **state)
{
	fixture *f = *state;
	pl_web_reply a, b, c;
	assert_int_equal(route(f, "GET", "/api/search", "ssh", NULL, "127.0.0.1", &a), 200);
	assert_int_equal(route(f, "GET", "/api/search", "ssh", NULL, "127.0.0.1", &b), 200);
	assert_int_equal(a.body.len, b.body.len);
	assert_memory_equal(a.body.data, b.body.data, a.body.len);
	assert_int_equal(route(f, "GET", "/api/search", "sshell", NULL, "127.0.0.1", &c), 200);
	json_t *doc = json_body(&c);
	assert_string_equal(json_string_value(json_object_get(doc, "query")), "sshell");
	json_decref(doc);
	assert_false(c.body.len == a.body.len && memcmp(c.body.data, a.body.data, a.body.len) == 0);
	pl_buf_free(&a.body);
	pl_buf_free(&b.body);
	pl_buf_free(&c.body);

	pl_web_snapshot *snap;
	if (pl_web_snapshot_read("/proc", &snap) != 0 || !snap->set) {
		if (snap)
			pl_web_snapshot_unref(snap);
		print_message("# sockets not readable here: /api/ports/N across snapshots is not tested\n");
		return;
	}
	pl_web_snapshot_set(&f->w, snap);
	int fd;
	uint16_t port = listen_somewhere(&fd);
	char path[32];
	snprintf(path, sizeof path, "/api/ports/%u", port);
	assert_int_equal(route(f, "GET", path, NULL, NULL, "127.0.0.1", &a), 200);
	doc = json_body(&a);
	json_t *socks = json_object_get(json_object_get(json_array_get(json_object_get(doc, "ports"), 0), "local"), "sockets");
	assert_int_equal(json_array_size(socks), 0); /* the snapshot was taken before the listener */
	json_decref(doc);
	pl_buf_free(&a.body);
	assert_int_equal(pl_web_snapshot_read("/proc", &snap), 0);
	pl_web_snapshot_set(&f->w, snap);
	assert_int_equal(route(f, "GET", path, NULL, NULL, "127.0.0.1", &b), 200);
	doc = json_body(&b);
	socks = json_object_get(json_object_get(json_array_get(json_object_get(doc, "ports"), 0), "local"), "sockets");
	assert_true(json_array_size(socks) >= 1);
	json_decref(doc);
	pl_buf_free(&b.body);
	close(fd);
}

/* A snapshot survives its trip through the socketpair whole, and a frame cut anywhere, or with a count
 * or an owner index pointing outside it, is refused rather than read past its end. */
static void test_snapshot_round_trip_and_damaged_frames(void **state)
{
	(void)state;
	int fd;
	listen_somewhere(&fd);
	pl_web_snapshot *s;
	assert_int_equal(pl_web_snapshot_read("/proc", &s), 0);
	if (!s->set) {
		print_message("# sockets not readable here: %s\n", s->error);
		pl_web_snapshot_unref(s);
		close(fd);
		return;
	}
	pl_buf b;
	pl_buf_init(&b, PL_WEB_SNAPSHOT_MAX);
	assert_int_equal(pl_web_snapshot_encode(s->set, &s->host, NULL, s->taken_ms, &b), 0);
	const size_t head = 8; /* magic and length: read_frame's part */
	pl_web_snapshot *t;
	assert_int_equal(pl_web_snapshot_decode(b.data + head, b.len - head, &t), 0);
	assert_int_equal(t->set->n, s->set->n);
	assert_int_equal(t->set->nprocs, s->set->nprocs);
	assert_int_equal(t->taken_ms, s->taken_ms);
	assert_memory_equal(t->set->socks, s->set->socks, s->set->n * sizeof *s->set->socks);
	for (size_t i = 0; i < s->set->nprocs; i++) {
		assert_string_equal(t->set->procs[i].cmdline, s->set->procs[i].cmdline);
		assert_string_equal(t->set->procs[i].user, s->set->procs[i].user);
		assert_int_equal(t->set->procs[i].pid, s->set->procs[i].pid);
	}
	pl_web_snapshot_unref(t);
	/* every cut short of the end is refused */
	size_t step = b.len > 4000 ? b.len / 2000 : 1;
	for (size_t n = 0; n < b.len - head; n += step)
		assert_int_equal(pl_web_snapshot_decode(b.data + head, n, &t), PL_EFORMAT);
	/* an owner link past the processes */
	if (s->set->nlinks) {
		s->set->owner_links[0] = (uint32_t)s->set->nprocs + 7;
		b.len = 0;
		assert_int_equal(pl_web_snapshot_encode(s->set, &s->host, NULL, s->taken_ms, &b), 0);
		assert_int_equal(pl_web_snapshot_decode(b.data + head, b.len - head, &t), PL_EFORMAT);
	}
	/* a host that could not be read travels as its reason */
	b.len = 0;
	assert_int_equal(pl_web_snapshot_encode(NULL, &s->host, "netlink refused", 1, &b), 0);
	assert_int_equal(pl_web_snapshot_decode(b.data + head, b.len - head, &t), 0);
	assert_null(t->set);
	assert_string_equal(t->error, "netlink refused");
	pl_web_snapshot_unref(t);
	pl_buf_free(&b);
	pl_web_snapshot_unref(s);
	close(fd);
}

static _Atomic int jobs_done;
static void job_done(pl_web_vote_job *job)
{
	(void)job;
	jobs_done++;
}

/* After votes on every one of the 65,536 ports, /metrics has no series more than before, and stays far
 * below its bound. */
static void test_metrics_size_does_not_grow_with_votes(void **state)
{
	fixture *f = *state;
	pl_web_reply r;
	assert_int_equal(route(f, "GET", "/metrics", NULL, NULL, "127.0.0.1", &r), 200);
	size_t before = r.body.len;
	pl_buf_free(&r.body);
	/* through the writer, as the server does: batches of one transaction each */
	pl_error err = {0};
	assert_int_equal(pl_web_writer_start(f->w.fb, &err), 0);
	pl_web_vote_job *jobs = calloc(65536, sizeof *jobs);
	struct sockaddr_storage client = peer("192.0.2.1");
	for (uint32_t p = 0; p < 65536; p++) {
		jobs[p] = (pl_web_vote_job){.port = (uint16_t)p, .vote = (int)(p % 3), .done = job_done, .client = client};
		while (pl_web_writer_submit(f->w.fb, &jobs[p]) == PL_ELIMIT)
			usleep(1000); /* the queue is full: the writer is behind */
	}
	pl_web_writer_stop(f->w.fb);
	assert_int_equal(jobs_done, 65536);
	for (uint32_t p = 0; p < 65536; p++)
		assert_int_equal(jobs[p].result, 1);
	free(jobs);
	uint32_t c[PL_VOTE_COUNT];
	pl_web_feedback_counts(f->w.fb, 65535, c);
	assert_int_equal(c[65535 % 3], 1);
	assert_int_equal(route(f, "GET", "/metrics", NULL, NULL, "127.0.0.1", &r), 200);
	assert_non_null(strstr(pl_buf_str(&r.body), "portlore_feedback_votes_total{vote=\"sad\"} 21846\n"));
	assert_true(r.body.len < PL_WEB_METRICS_MAX);
	assert_true(r.body.len <= before + 200); /* the vote totals' digits, and the request just counted */
	pl_buf_free(&r.body);
}

/* A client is an IPv4 address or an IPv6 /64: past its share it is refused; past the global limit, a new
 * connection takes the place of the idlest one, never of one being answered, and none is cut when all are
 * busy. */
static void test_guard_counts_a_64_as_one_client_and_sheds_the_idlest(void **state)
{
	(void)state;
	pl_web w = {0};
	pl_error err = {0};
	assert_int_equal(pl_web_guard_new(&w, 3, 4, &err), 0);
	struct sockaddr_storage a = peer("2001:db8:1:2::1"), b = peer("2001:db8:1:2:ffff::9"), c = peer("2001:db8:1:3::1"),
				d = peer("::ffff:192.0.2.7"), e = peer("192.0.2.8");
	const struct sockaddr *from[5] = {(struct sockaddr *)&a, (struct sockaddr *)&b, (struct sockaddr *)&a,
					  (struct sockaddr *)&c, (struct sockaddr *)&d};
	int sp[5][2];
	pl_web_conn *conn[5] = {0};
	for (int i = 0; i < 4; i++) {
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp[i]), 0);
		assert_true(pl_web_guard_admit(&w, from[i]));
		conn[i] = pl_web_guard_open(&w, sp[i][0], from[i]);
		assert_non_null(conn[i]);
		pl_web_guard_phase(conn[i], PL_CONN_BUSY);
	}
	/* a fourth from the same /64 (another address of it): refused */
	assert_false(pl_web_guard_admit(&w, (struct sockaddr *)&b));
	assert_int_equal(w.refused[PL_REFUSED_CLIENT_LIMIT], 1);
	/* the server is full (4) and every connection is being answered: refused, none cut */
	assert_false(pl_web_guard_admit(&w, from[4]));
	assert_int_equal(w.refused[PL_REFUSED_FULL], 1);
	/* conn[1] goes idle (kept alive, waiting for its next request): it makes room */
	pl_web_guard_phase(conn[1], PL_CONN_HEAD);
	assert_true(pl_web_guard_admit(&w, from[4]));
	assert_int_equal(w.refused[PL_REFUSED_SHED], 1);
	char byte;
	assert_int_equal(read(sp[1][1], &byte, 1), 0); /* its socket was shut down */
	/* an IPv4-mapped address is its IPv4 client: d and e are two clients, d's count is its own */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp[4]), 0);
	conn[4] = pl_web_guard_open(&w, sp[4][0], from[4]);
	pl_web_guard_phase(conn[4], PL_CONN_BUSY);
	assert_false(pl_web_guard_admit(&w, (struct sockaddr *)&e)); /* full again, nothing idle */
	for (int i = 0; i < 5; i++) {
		pl_web_guard_close(&w, conn[i]);
		close(sp[i][0]);
		close(sp[i][1]);
	}
	assert_int_equal(pl_web_guard_count(&w), 0);
	pl_web_guard_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_markup_quotes_and_bad_utf8),
		cmocka_unit_test(test_language_follows_accept_language_and_q_values),
		cmocka_unit_test(test_every_message_exists_in_every_language),
		cmocka_unit_test(test_translation_escapes_its_arguments),
		cmocka_unit_test(test_keyed_hash_is_hmac_sha256),
		cmocka_unit_test(test_cache_returns_fresh_then_stale_values),
		cmocka_unit_test_setup_teardown(test_routes_validate_ports_and_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_section_only_for_loopback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_vote_per_client_page_and_day, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_voters_are_keyed_by_their_64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_votes_from_other_sites_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_api_errors_are_json_even_for_invalid_utf8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_lines_cannot_be_forged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_api_answers_follow_the_snapshot_and_never_mix, setup, teardown),
		cmocka_unit_test(test_metrics_print_each_label_set_once),
		cmocka_unit_test_setup_teardown(test_metrics_sockets_for_trusted_scrapers_from_the_snapshot, setup,
						teardown),
		cmocka_unit_test(test_snapshot_round_trip_and_damaged_frames),
		cmocka_unit_test_setup_teardown(test_metrics_size_does_not_grow_with_votes, setup, teardown),
		cmocka_unit_test(test_guard_counts_a_64_as_one_client_and_sheds_the_idlest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

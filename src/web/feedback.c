/* Feedback votes in SQLite (libsqlite3 loaded on first use, see util/dl.h): WAL with synchronous=FULL,
 * so that a vote's INSERT has reached the disk when sqlite3_step returns and the client is answered after
 * that. One vote per client, port and UTC day: the voter key is a keyed hash of day and address (IPv6: its
 * /64) under a random salt kept in the database; the address itself is never stored. Counts are kept in
 * memory too (loaded at open, bumped after each commit), so that pages read them without touching the
 * database. */
#include <sqlite3.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <netinet/in.h>

#include "internal.h"
#include "util/dl.h"

#define SQL_SYMS(X) \
	X(sqlite3_open_v2) X(sqlite3_close) X(sqlite3_exec) X(sqlite3_prepare_v2) X(sqlite3_bind_int) \
	X(sqlite3_bind_text) X(sqlite3_bind_blob) X(sqlite3_step) X(sqlite3_reset) X(sqlite3_finalize) \
	X(sqlite3_column_int) X(sqlite3_column_text) X(sqlite3_column_blob) X(sqlite3_column_bytes) \
	X(sqlite3_errmsg) X(sqlite3_changes) X(sqlite3_busy_timeout) X(sqlite3_free) X(sqlite3_clear_bindings)

SQL_SYMS(PL_DL_DECLARE)
static const pl_dl_sym sql_syms[] = {SQL_SYMS(PL_DL_ENTRY){NULL, NULL}};
static const char *const sql_sonames[] = {"libsqlite3.so.0", NULL};
static void *sql_handle;

struct pl_web_feedback {
	sqlite3 *db;
	sqlite3_stmt *insert;
	pthread_mutex_t lock; /* one connection, used by one thread at a time */
	uint8_t salt[16];
	_Atomic uint32_t (*counts)[PL_VOTE_COUNT]; /* [65536][3] */
};

static const char *const vote_names[PL_VOTE_COUNT] = {"sad", "meh", "happy"};

int pl_web_vote_parse(const char *s, size_t n)
{
	for (int v = 0; v < PL_VOTE_COUNT; v++)
		if (strlen(vote_names[v]) == n && memcmp(s, vote_names[v], n) == 0)
			return v;
	return -1;
}

const char *pl_web_vote_name(int v)
{
	return v >= 0 && v < PL_VOTE_COUNT ? vote_names[v] : "";
}

static const char schema[] =
	"PRAGMA synchronous=FULL;"
	"PRAGMA temp_store=MEMORY;"
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS votes("
	" port INTEGER NOT NULL CHECK(port BETWEEN 0 AND 65535),"
	" vote TEXT NOT NULL CHECK(vote IN ('sad', 'meh', 'happy')),"
	" day TEXT NOT NULL,"        /* UTC, YYYY-MM-DD */
	" voter_hash TEXT NOT NULL," /* hex HMAC-SHA-256(salt, day | address or /64), 128 bits */
	" UNIQUE(port, day, voter_hash));";

static int db_fail(pl_web_feedback *fb, pl_error *err, const char *what)
{
	return pl_error_set(err, PL_EIO, "feedback database: %s: %s", what, sym_sqlite3_errmsg(fb->db));
}

/* One statement with one optional blob parameter, stepped to the end. */
static int run1(pl_web_feedback *fb, const char *sql, const void *blob, int bloblen, pl_error *err)
{
	sqlite3_stmt *st;
	if (sym_sqlite3_prepare_v2(fb->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(fb, err, sql);
	if (blob)
		sym_sqlite3_bind_blob(st, 1, blob, bloblen, SQLITE_TRANSIENT);
	int rc;
	while ((rc = sym_sqlite3_step(st)) == SQLITE_ROW)
		;
	rc = rc == SQLITE_DONE ? 0 : db_fail(fb, err, sql);
	sym_sqlite3_finalize(st);
	return rc;
}

/* The first column of the first row of sql as text, in out. */
static int query_text(pl_web_feedback *fb, const char *sql, char *out, size_t size, pl_error *err)
{
	sqlite3_stmt *st;
	if (sym_sqlite3_prepare_v2(fb->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(fb, err, sql);
	int rc = sym_sqlite3_step(st);
	const char *t = rc == SQLITE_ROW ? (const char *)sym_sqlite3_column_text(st, 0) : NULL;
	snprintf(out, size, "%s", t ? t : "");
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_fail(fb, err, sql);
	sym_sqlite3_finalize(st);
	return rc;
}

static int read_salt(pl_web_feedback *fb, pl_error *err)
{
	sqlite3_stmt *st;
	if (sym_sqlite3_prepare_v2(fb->db, "SELECT value FROM meta WHERE key = 'salt'", -1, &st, NULL) != SQLITE_OK)
		return db_fail(fb, err, "reading the salt");
	int rc = sym_sqlite3_step(st);
	const void *p = rc == SQLITE_ROW ? sym_sqlite3_column_blob(st, 0) : NULL;
	if (p && sym_sqlite3_column_bytes(st, 0) == (int)sizeof fb->salt) {
		memcpy(fb->salt, p, sizeof fb->salt);
		rc = 0;
	} else
		rc = pl_error_set(err, PL_EFORMAT, "feedback database: its salt is missing or damaged");
	sym_sqlite3_finalize(st);
	return rc;
}

static int load_counts(pl_web_feedback *fb, pl_error *err)
{
	sqlite3_stmt *st;
	const char *sql = "SELECT port, vote, COUNT(*) FROM votes GROUP BY port, vote";
	if (sym_sqlite3_prepare_v2(fb->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(fb, err, "reading the counts");
	int rc;
	while ((rc = sym_sqlite3_step(st)) == SQLITE_ROW) {
		int port = sym_sqlite3_column_int(st, 0);
		const char *v = (const char *)sym_sqlite3_column_text(st, 1);
		int vote = v ? pl_web_vote_parse(v, strlen(v)) : -1;
		if (port >= 0 && port <= 65535 && vote >= 0)
			fb->counts[port][vote] = (uint32_t)sym_sqlite3_column_int(st, 2);
	}
	sym_sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(fb, err, "reading the counts");
}

int pl_web_feedback_open(const char *path, pl_web_feedback **out, pl_error *err)
{
	int rc = pl_dl_load(&sql_handle, sql_sonames, sql_syms, "libsqlite3", err);
	if (rc)
		return rc;
	pl_web_feedback *fb = calloc(1, sizeof *fb);
	if (!fb || !(fb->counts = calloc(65536, sizeof *fb->counts))) {
		free(fb);
		return pl_error_set(err, PL_ENOMEM, "out of memory");
	}
	pthread_mutex_init(&fb->lock, NULL);
	if (sym_sqlite3_open_v2(path, &fb->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
				NULL) != SQLITE_OK) {
		rc = pl_error_set(err, PL_EIO, "cannot open the feedback database %s: %s", path,
				  fb->db ? sym_sqlite3_errmsg(fb->db) : "out of memory");
		goto fail;
	}
	sym_sqlite3_busy_timeout(fb->db, 5000);
	char mode[16];
	if ((rc = query_text(fb, "PRAGMA journal_mode=WAL", mode, sizeof mode, err)))
		goto fail;
	if (strcmp(mode, "wal") != 0) {
		rc = pl_error_set(err, PL_EIO, "feedback database %s: cannot use WAL (journal mode is '%s')", path, mode);
		goto fail;
	}
	char *msg = NULL;
	if (sym_sqlite3_exec(fb->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
		rc = pl_error_set(err, PL_EIO, "feedback database %s: %s", path, msg ? msg : "cannot create the tables");
		sym_sqlite3_free(msg);
		goto fail;
	}
	/* The salt: made at the first run; OR IGNORE keeps the first one when two servers start at once. */
	uint8_t fresh[16];
	if (getrandom(fresh, sizeof fresh, 0) != (ssize_t)sizeof fresh) {
		rc = pl_error_errno(err, PL_EIO, errno, "getrandom");
		goto fail;
	}
	if ((rc = run1(fb, "INSERT OR IGNORE INTO meta(key, value) VALUES('salt', ?)", fresh, sizeof fresh, err)) ||
	    (rc = read_salt(fb, err)))
		goto fail;
	if ((rc = load_counts(fb, err)))
		goto fail;
	const char *ins = "INSERT INTO votes(port, vote, day, voter_hash) VALUES(?, ?, ?, ?) "
			  "ON CONFLICT(port, day, voter_hash) DO NOTHING";
	if (sym_sqlite3_prepare_v2(fb->db, ins, -1, &fb->insert, NULL) != SQLITE_OK) {
		rc = db_fail(fb, err, "preparing the vote statement");
		goto fail;
	}
	*out = fb;
	return 0;
fail:
	pl_web_feedback_close(fb);
	return rc;
}

void pl_web_feedback_close(pl_web_feedback *fb)
{
	if (!fb)
		return;
	if (fb->insert)
		sym_sqlite3_finalize(fb->insert);
	if (fb->db)
		sym_sqlite3_close(fb->db);
	pthread_mutex_destroy(&fb->lock);
	free(fb->counts);
	free(fb);
}

/* The voter key: day and address (IPv4-mapped IPv6 read as IPv4, so one client is one key; IPv6 by its
 * /64), hashed. */
static int voter_key(const pl_web_feedback *fb, const char *day, const struct sockaddr *sa, char hex[33],
		     pl_error *err)
{
	uint8_t in[10 + 1 + 8];
	size_t n = 0;
	memcpy(in, day, 10);
	n = 10;
	if (sa && sa->sa_family == AF_INET) {
		in[n++] = 4;
		memcpy(in + n, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		n += 4;
	} else if (sa && sa->sa_family == AF_INET6) {
		const uint8_t *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (memcmp(a, mapped, 12) == 0) {
			in[n++] = 4;
			memcpy(in + n, a + 12, 4);
			n += 4;
		} else {
			/* an end host usually holds a whole /64 and picks addresses in it at will (privacy
			 * addresses): one voter per /64, else one host would have 2^64 votes */
			in[n++] = 6;
			memcpy(in + n, a, 8);
			n += 8;
		}
	} else
		in[n++] = 0; /* no address (a Unix socket): one shared key */
	uint8_t mac[32];
	int rc = pl_web_keyed_hash(fb->salt, in, n, mac, err);
	if (rc)
		return rc;
	for (int i = 0; i < 16; i++) /* 128 bits are plenty to tell voters apart */
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	return 0;
}

int pl_web_feedback_vote(pl_web_feedback *fb, uint16_t port, int vote, const struct sockaddr *client,
			 pl_error *err)
{
	if (vote < 0 || vote >= PL_VOTE_COUNT)
		return pl_error_set(err, PL_EINVAL, "not a vote");
	char day[32], key[33];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	int krc = voter_key(fb, day, client, key, err);
	if (krc)
		return krc;
	pthread_mutex_lock(&fb->lock);
	sqlite3_stmt *st = fb->insert;
	sym_sqlite3_bind_int(st, 1, port);
	sym_sqlite3_bind_text(st, 2, vote_names[vote], -1, SQLITE_STATIC);
	sym_sqlite3_bind_text(st, 3, day, -1, SQLITE_STATIC);
	sym_sqlite3_bind_text(st, 4, key, -1, SQLITE_STATIC);
	/* Autocommit: SQLITE_DONE means committed, and with WAL and synchronous=FULL the WAL was fsynced. */
	int rc = sym_sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		rc = sym_sqlite3_changes(fb->db) > 0;
		if (rc)
			fb->counts[port][vote]++;
	} else
		rc = db_fail(fb, err, "recording a vote");
	sym_sqlite3_reset(st);
	sym_sqlite3_clear_bindings(st);
	pthread_mutex_unlock(&fb->lock);
	return rc;
}

void pl_web_feedback_counts(pl_web_feedback *fb, uint16_t port, uint32_t counts[PL_VOTE_COUNT])
{
	for (int v = 0; v < PL_VOTE_COUNT; v++)
		counts[v] = fb->counts[port][v];
}

void pl_web_feedback_each(pl_web_feedback *fb, void (*fn)(void *ctx, uint16_t port, const uint32_t *counts),
			  void *ctx)
{
	for (uint32_t p = 0; p < 65536; p++) {
		uint32_t c[PL_VOTE_COUNT];
		pl_web_feedback_counts(fb, (uint16_t)p, c);
		if (c[0] || c[1] || c[2])
			fn(ctx, (uint16_t)p, c);
	}
}

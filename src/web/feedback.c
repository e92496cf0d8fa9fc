/* Feedback votes in SQLite (libsqlite3 loaded on first use, see util/dl.h): WAL with synchronous=FULL,
 * so that a vote's COMMIT has reached the disk when sqlite3_step returns and the client is answered after
 * that. Votes are written by one thread, the writer, which commits what was queued meanwhile in one
 * transaction (one fsync for a batch), so that requests never wait on the disk and a locked database
 * holds up votes only. The database is opened in exclusive locking mode before WAL is turned on: SQLite
 * then keeps the WAL index in heap memory and never maps a -shm file (one that cannot be written or
 * grown would be a SIGBUS), and a second server on the same file is refused. One vote per client, port and UTC day: the voter key is a keyed hash of day and address (IPv6: its
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
	_Atomic uint64_t totals[PL_VOTE_COUNT];
	/* the writer */
	pthread_t thread;
	bool running, stopping;
	pthread_mutex_t qlock; /* the queue's, never held while the database is used */
	pthread_cond_t wake;
	pl_web_vote_job *head, *tail; /* under qlock */
	size_t queued;
};

#define WRITER_QUEUE_MAX 4096 /* votes waiting for the disk; more are answered 503 at once */
#define WRITER_BATCH_MAX 512

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
		if (port >= 0 && port <= 65535 && vote >= 0) {
			fb->counts[port][vote] = (uint32_t)sym_sqlite3_column_int(st, 2);
			fb->totals[vote] += (uint32_t)sym_sqlite3_column_int(st, 2);
		}
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
	pthread_mutex_init(&fb->qlock, NULL);
	pthread_cond_init(&fb->wake, NULL);
	if (sym_sqlite3_open_v2(path, &fb->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
				NULL) != SQLITE_OK) {
		rc = pl_error_set(err, PL_EIO, "cannot open the feedback database %s: %s", path,
				  fb->db ? sym_sqlite3_errmsg(fb->db) : "out of memory");
		goto fail;
	}
	sym_sqlite3_busy_timeout(fb->db, 5000);
	char mode[16];
	/* before the first access in WAL mode: the WAL index in heap memory, no -shm file */
	if ((rc = query_text(fb, "PRAGMA locking_mode=EXCLUSIVE", mode, sizeof mode, err)) ||
	    (rc = query_text(fb, "PRAGMA journal_mode=WAL", mode, sizeof mode, err)))
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
	pl_web_writer_stop(fb);
	pthread_cond_destroy(&fb->wake);
	pthread_mutex_destroy(&fb->qlock);
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

/* Inserts one vote in the open transaction (or autocommit): 1 inserted, 0 already there, or PL_EIO. */
static int insert_vote(pl_web_feedback *fb, uint16_t port, int vote, const struct sockaddr *client, pl_error *err)
{
	if (vote < 0 || vote >= PL_VOTE_COUNT)
		return pl_error_set(err, PL_EINVAL, "not a vote");
	char day[32], key[33];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	int rc = voter_key(fb, day, client, key, err);
	if (rc)
		return rc;
	sqlite3_stmt *st = fb->insert;
	sym_sqlite3_bind_int(st, 1, port);
	sym_sqlite3_bind_text(st, 2, vote_names[vote], -1, SQLITE_STATIC);
	sym_sqlite3_bind_text(st, 3, day, -1, SQLITE_STATIC);
	sym_sqlite3_bind_text(st, 4, key, -1, SQLITE_STATIC);
	rc = sym_sqlite3_step(st);
	rc = rc == SQLITE_DONE ? sym_sqlite3_changes(fb->db) > 0 : db_fail(fb, err, "recording a vote");
	sym_sqlite3_reset(st);
	sym_sqlite3_clear_bindings(st);
	return rc;
}

static void count(pl_web_feedback *fb, uint16_t port, int vote)
{
	fb->counts[port][vote]++;
	fb->totals[vote]++;
}

int pl_web_feedback_vote(pl_web_feedback *fb, uint16_t port, int vote, const struct sockaddr *client,
			 pl_error *err)
{
	pthread_mutex_lock(&fb->lock);
	/* Autocommit: SQLITE_DONE means committed, and with WAL and synchronous=FULL the WAL was fsynced. */
	int rc = insert_vote(fb, port, vote, client, err);
	if (rc == 1)
		count(fb, port, vote);
	pthread_mutex_unlock(&fb->lock);
	return rc;
}

/* One batch in one transaction: every job gets the same fate when the COMMIT fails. */
static void write_batch(pl_web_feedback *fb, pl_web_vote_job *jobs)
{
	pl_error err = {0};
	pthread_mutex_lock(&fb->lock);
	int rc = sym_sqlite3_exec(fb->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? 0 : PL_EIO;
	for (pl_web_vote_job *j = jobs; j; j = j->next)
		j->result = rc ? rc : insert_vote(fb, j->port, j->vote, (const struct sockaddr *)&j->client, &err);
	if (rc == 0 && sym_sqlite3_exec(fb->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = PL_EIO;
	if (rc) {
		sym_sqlite3_exec(fb->db, "ROLLBACK", NULL, NULL, NULL);
		for (pl_web_vote_job *j = jobs; j; j = j->next)
			j->result = PL_EIO;
	} else
		for (pl_web_vote_job *j = jobs; j; j = j->next)
			if (j->result == 1)
				count(fb, j->port, j->vote);
	pthread_mutex_unlock(&fb->lock);
}

static void *writer_main(void *arg)
{
	pl_web_feedback *fb = arg;
	pthread_mutex_lock(&fb->qlock);
	for (;;) {
		while (!fb->head && !fb->stopping)
			pthread_cond_wait(&fb->wake, &fb->qlock);
		if (!fb->head)
			break;
		/* what came while the last batch was being written: one transaction, one fsync */
		pl_web_vote_job *batch = fb->head, *last = batch;
		size_t n = 1;
		while (last->next && n < WRITER_BATCH_MAX)
			last = last->next, n++;
		fb->head = last->next;
		if (!fb->head)
			fb->tail = NULL;
		last->next = NULL;
		fb->queued -= n;
		pthread_mutex_unlock(&fb->qlock);
		write_batch(fb, batch);
		/* durable (or failed) now: answer them; done() may free the job */
		for (pl_web_vote_job *j = batch, *next; j; j = next) {
			next = j->next;
			j->done(j);
		}
		pthread_mutex_lock(&fb->qlock);
	}
	pthread_mutex_unlock(&fb->qlock);
	return NULL;
}

int pl_web_writer_start(pl_web_feedback *fb, pl_error *err)
{
	int e = pthread_create(&fb->thread, NULL, writer_main, fb);
	if (e)
		return pl_error_errno(err, PL_EIO, e, "cannot start the vote writer");
	fb->running = true;
	return 0;
}

int pl_web_writer_submit(pl_web_feedback *fb, pl_web_vote_job *job)
{
	pthread_mutex_lock(&fb->qlock);
	int rc = 0;
	if (!fb->running || fb->stopping || fb->queued >= WRITER_QUEUE_MAX)
		rc = PL_ELIMIT;
	else {
		job->next = NULL;
		if (fb->tail)
			fb->tail->next = job;
		else
			fb->head = job;
		fb->tail = job;
		fb->queued++;
		pthread_cond_signal(&fb->wake);
	}
	pthread_mutex_unlock(&fb->qlock);
	return rc;
}

void pl_web_writer_stop(pl_web_feedback *fb)
{
	if (!fb || !fb->running)
		return;
	pthread_mutex_lock(&fb->qlock);
	fb->stopping = true;
	pthread_cond_signal(&fb->wake);
	pthread_mutex_unlock(&fb->qlock);
	pthread_join(fb->thread, NULL);
	fb->running = false;
}

void pl_web_feedback_totals(pl_web_feedback *fb, uint64_t totals[PL_VOTE_COUNT])
{
	for (int v = 0; v < PL_VOTE_COUNT; v++)
		totals[v] = fb->totals[v];
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

/* What we say about a socket's owner: name, command line, executable, user, start time, cgroup (and the
 * container id and systemd unit in it) and network namespace. owners.c finds the pids; each file here is
 * read under the pid's own directory (openat), with a bound on every read and strict parsing, because a
 * process chooses its own comm and argv and may exit while we read. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "util/util.h"

#define CMDLINE_MAX 4096
#define STATUS_MAX 4096 /* "Uid:" is on the 9th line; the whole file is ~1.5 KiB */
#define CGROUP_MAX 8192
#define PROC_STAT_MAX (4u << 20) /* /proc/stat: its "intr" line grows with the interrupt count */

/* Reads at most size-1 bytes of dirfd/name, NUL-terminated; the length, or -1 with errno. */
static ssize_t read_at(int dirfd, const char *name, char *buf, size_t size)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	size_t n = 0;
	while (n < size - 1) {
		ssize_t r = read(fd, buf + n, size - 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return (ssize_t)n;
}

static int parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	if (!pl_is_digits(s, len) || len > 20)
		return PL_EINVAL;
	for (size_t i = 0; i < len; i++) {
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return PL_EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static bool btime_line(const char *line, size_t len, uint64_t *bt)
{
	return len > 6 && memcmp(line, "btime ", 6) == 0 && parse_u64(line + 6, len - 6, bt) == 0;
}

/* The "btime" line of /proc/stat: boot time in seconds since the epoch; 0 when unknown. */
static uint64_t read_btime(int proc_fd)
{
	int fd = openat(proc_fd, "stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	/* Streamed through a fixed buffer: the "intr" line before btime holds one number per interrupt. */
	char buf[4096];
	size_t have = 0, total = 0;
	bool mid = false; /* buf starts inside a line too long to keep, which is not the btime line */
	uint64_t bt = 0;
	for (;;) {
		ssize_t r = read(fd, buf + have, sizeof buf - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r < 0 || mid || !btime_line(buf, have, &bt))
				bt = 0;
			break;
		}
		have += (size_t)r;
		total += (size_t)r;
		char *line = buf, *nl;
		while ((nl = memchr(line, '\n', have - (size_t)(line - buf)))) {
			if (!mid && btime_line(line, (size_t)(nl - line), &bt))
				goto out;
			mid = false;
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		if (have > 64) {
			have = 0;
			mid = true;
		}
		memmove(buf, line, have);
		if (total > PROC_STAT_MAX) {
			bt = 0;
			break;
		}
	}
out:
	close(fd);
	return bt;
}

void pl_proc_ctx_init(pl_proc_ctx *c, int proc_fd, uint64_t self_netns)
{
	memset(c, 0, sizeof *c);
	c->proc_fd = proc_fd;
	c->self_netns = self_netns;
	long hz = sysconf(_SC_CLK_TCK);
	c->hz = hz > 0 ? (uint64_t)hz : 100;
}

/* Field 22 of /proc/PID/stat (start time in clock ticks after boot). comm, field 2, is in parentheses
 * and may itself hold spaces and ") (": the fields start after the LAST ')'. */
static int stat_comm(const char *buf, char *comm, size_t size)
{
	const char *open = strchr(buf, '('), *close = strrchr(buf, ')');
	if (!open || !close || close < open)
		return PL_EFORMAT;
	size_t n = (size_t)(close - open - 1);
	if (n >= size)
		n = size - 1;
	memcpy(comm, open + 1, n);
	comm[n] = '\0';
	return 0;
}

static int stat_start_ticks(const char *buf, uint64_t *ticks)
{
	const char *p = strrchr(buf, ')');
	if (!p)
		return PL_EFORMAT;
	p++;
	for (int field = 3;; field++) {
		if (*p != ' ')
			return PL_EFORMAT;
		p++;
		size_t n = strcspn(p, " \n");
		if (n == 0)
			return PL_EFORMAT;
		if (field == 22)
			return parse_u64(p, n, ticks);
		p += n;
	}
}

/* The effective uid, as ps's USER column shows: the identity the kernel checks for the process now,
 * which for a daemon that switched users (setuid after bind) is the user it runs as. */
static int status_euid(const char *buf, uint32_t *uid)
{
	for (const char *line = buf; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len > 4 && memcmp(line, "Uid:", 4) == 0) {
			const char *p = line + 4, *end = line + len;
			for (int i = 0; i < 2; i++) {
				while (p < end && (*p == '\t' || *p == ' '))
					p++;
				size_t n = 0;
				while (p + n < end && p[n] >= '0' && p[n] <= '9')
					n++;
				if (i == 1)
					return pl_parse_uint(p, n, UINT32_MAX, uid);
				p += n;
			}
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	return PL_EFORMAT;
}

/* "NSpid:\t15393\t1": the last number is the pid as the innermost pid namespace (the container) sees it;
 * 0 when the line is absent (kernels before 4.1) or the process is in the caller's pid namespace. */
static int status_nspid(const char *buf)
{
	const char *line = strstr(buf, "\nNSpid:");
	if (!line)
		return 0;
	line += 7;
	const char *end = strchr(line, '\n');
	if (!end)
		end = line + strlen(line);
	uint32_t v = 0;
	int fields = 0;
	for (const char *p = line; p < end;) {
		while (p < end && (*p == '\t' || *p == ' '))
			p++;
		size_t n = 0;
		while (p + n < end && p[n] >= '0' && p[n] <= '9')
			n++;
		if (n == 0)
			break;
		if (pl_parse_uint(p, n, INT32_MAX, &v) != 0)
			return 0;
		fields++;
		p += n;
	}
	return fields > 1 ? (int)v : 0;
}

static void user_name(pl_proc_ctx *c, uint32_t uid, char *out, size_t size)
{
	for (int i = 0; i < c->nusers; i++)
		if (c->users[i].uid == uid) {
			snprintf(out, size, "%s", c->users[i].name);
			return;
		}
	pl_sockets_lookup_user(uid, out, size);
	if (c->nusers < (int)(sizeof c->users / sizeof c->users[0])) {
		c->users[c->nusers].uid = uid;
		snprintf(c->users[c->nusers].name, sizeof c->users[0].name, "%s", out);
		c->nusers++;
	}
}

/* /proc/PID/cgroup lines are "ID:controllers:path"; cgroup v2's single line is "0::path". */
static void cgroup_path(const char *buf, const char **path, size_t *len)
{
	*path = NULL;
	*len = 0;
	for (const char *line = buf; *line;) {
		const char *nl = strchr(line, '\n');
		const char *end = nl ? nl : line + strlen(line);
		const char *c1 = memchr(line, ':', (size_t)(end - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
		if (c2) {
			bool v2 = c1 == line + 1 && line[0] == '0' && c2 == c1 + 1;
			if (v2 || !*path) {
				*path = c2 + 1;
				*len = (size_t)(end - c2 - 1);
			}
			if (v2)
				return;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* The last run of exactly 64 lower-case hex digits: docker-<id>.scope, /docker/<id>,
 * cri-containerd-<id>.scope, crio-<id>.scope; the last one is the innermost container. */
static void container_id(const char *path, char out[65])
{
	out[0] = '\0';
	for (const char *p = path; *p;) {
		if (!is_hex(*p)) {
			p++;
			continue;
		}
		size_t n = 0;
		while (is_hex(p[n]))
			n++;
		if (n == 64) {
			memcpy(out, p, 64);
			out[64] = '\0';
		}
		p += n;
	}
}

/* The last path component that names a systemd unit ("ssh.service", "session-3.scope"); a name too long
 * for the field is left out rather than cut into a unit that does not exist. */
static void systemd_unit(const char *path, char *out, size_t size)
{
	out[0] = '\0';
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		bool svc = n > 8 && memcmp(p + n - 8, ".service", 8) == 0;
		bool scope = n > 6 && memcmp(p + n - 6, ".scope", 6) == 0;
		if ((svc || scope) && n < size) {
			memcpy(out, p, n);
			out[n] = '\0';
		}
		p += n;
	}
}

static int fill_cgroup(int dirfd, pl_arena *a, pl_process *p)
{
	char buf[CGROUP_MAX];
	if (read_at(dirfd, "cgroup", buf, sizeof buf) <= 0)
		return 0;
	p->runtime = (int)pl_container_classify(buf, p->runtime_id);
	p->runtime_known = true;
	const char *path;
	size_t len;
	cgroup_path(buf, &path, &len);
	if (!path)
		return 0;
	p->cgroup = pl_arena_strndup(a, path, len);
	if (!p->cgroup)
		return PL_ENOMEM;
	container_id(p->cgroup, p->container_id);
	systemd_unit(p->cgroup, p->unit, sizeof p->unit);
	return 0;
}

/* argv as NUL-separated strings; a zombie or a kernel thread has none. */
static char *read_cmdline(int dirfd, pl_arena *a)
{
	char buf[CMDLINE_MAX + 1];
	ssize_t n = read_at(dirfd, "cmdline", buf, sizeof buf);
	if (n < 0)
		n = 0;
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	return pl_arena_strndup(a, buf, (size_t)n);
}

int pl_proc_fill(pl_proc_ctx *c, int pid, pl_arena *a, pl_process *p)
{
	char name[16], buf[STATUS_MAX];
	memset(p, 0, sizeof *p);
	p->pid = pid;
	snprintf(name, sizeof name, "%d", pid);
	int dirfd = openat(c->proc_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		/* It exited after we read its descriptors: it did hold the socket, we only lack details. */
		p->cmdline = pl_arena_strdup(a, "");
		return p->cmdline ? 0 : PL_ENOMEM;
	}

	struct stat st;
	p->container = -1;
	if (read_at(dirfd, "status", buf, sizeof buf) <= 0)
		buf[0] = '\0';
	p->nspid = status_nspid(buf);
	if (buf[0] == '\0' || status_euid(buf, &p->uid) != 0) {
		/* The directory's owner is the effective uid too (root for a non-dumpable process). */
		p->uid = fstat(dirfd, &st) == 0 ? (uint32_t)st.st_uid : 0;
	}
	user_name(c, p->uid, p->user, sizeof p->user);

	/* stat holds the name as comm does ("PID (NAME) ...", NAME being anything up to the last ')'): one
	 * file less to open per owner; comm itself when stat says nothing */
	uint64_t ticks;
	bool stat_ok = read_at(dirfd, "stat", buf, sizeof buf) > 0;
	if (!stat_ok || stat_comm(buf, p->comm, sizeof p->comm) != 0) {
		char name[sizeof p->comm + 1];
		ssize_t n = read_at(dirfd, "comm", name, sizeof p->comm);
		if (n > 0) {
			if (name[n - 1] == '\n')
				n--;
			memcpy(p->comm, name, (size_t)n);
			p->comm[n] = '\0';
		}
	}
	if (stat_ok && stat_start_ticks(buf, &ticks) == 0) {
		if (!c->btime_read) {
			c->btime = read_btime(c->proc_fd);
			c->btime_read = true;
		}
		if (c->btime)
			p->start_time = c->btime + ticks / c->hz;
	}

	p->cmdline = read_cmdline(dirfd, a);
	if (!p->cmdline) {
		close(dirfd);
		return PL_ENOMEM;
	}

	char exe[PATH_MAX];
	ssize_t n = readlinkat(dirfd, "exe", exe, sizeof exe);
	if (n > 0 && (size_t)n < sizeof exe) {
		p->exe = pl_arena_strndup(a, exe, (size_t)n);
		if (!p->exe) {
			close(dirfd);
			return PL_ENOMEM;
		}
	}

	if (fill_cgroup(dirfd, a, p)) {
		close(dirfd);
		return PL_ENOMEM;
	}

	if (fstatat(dirfd, "ns/net", &st, 0) == 0)
		p->netns = (uint64_t)st.st_ino;
	p->other_netns = p->netns && c->self_netns && p->netns != c->self_netns;
	close(dirfd);
	return 0;
}

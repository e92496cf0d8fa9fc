/* The update cache: a registry's compact index written atomically (temporary file in the same folder,
 * fsync, rename, fsync of the folder), so that a reader sees the old file or the new one, never half of
 * either, even when `portlore update` is killed mid-write. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "portlore/registry.h"

static int mkdirs(char *path)
{
	/* path is a folder; create each missing component (0700: the cache is the user's own). */
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int r = mkdir(path, 0700);
		*p = '/';
		if (r < 0 && errno != EEXIST)
			return -1;
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Under the lock no other writer runs, so any temporary file left is a killed update's: remove it. */
static void remove_stale(const char *dir, const char *base)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	char prefix[512];
	snprintf(prefix, sizeof prefix, "%s.tmp-", base);
	size_t n = strlen(prefix);
	struct dirent *e;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, prefix, n) == 0)
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
}

static int write_locked(const char *path, const char *dir, const pl_registry *reg, pl_error *err);

int pl_cache_write(const char *path, const pl_registry *reg, pl_error *err)
{
	char dir[4096];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof dir)
		return pl_error_set(err, PL_EINVAL, "bad cache path");
	memcpy(dir, path, n + 1);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdirs(dir) < 0)
			return pl_error_errno(err, PL_EIO, errno, "cannot create %s", dir);
	} else {
		strcpy(dir, slash ? "/" : ".");
	}
	char lockpath[4200];
	snprintf(lockpath, sizeof lockpath, "%s.lock", path);
	int lfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lfd < 0)
		return pl_error_errno(err, PL_EIO, errno, "cannot open %s", lockpath);
	if (flock(lfd, LOCK_EX) < 0) {
		int e = errno;
		close(lfd);
		return pl_error_errno(err, PL_EIO, e, "cannot lock %s", lockpath);
	}
	const char *base = strrchr(path, '/');
	remove_stale(dir, base ? base + 1 : path);
	int rc = write_locked(path, dir, reg, err);
	close(lfd); /* releases the lock */
	return rc;
}

static int write_locked(const char *path, const char *dir, const pl_registry *reg, pl_error *err)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return pl_error_errno(err, PL_EIO, errno, "cannot create a temporary file beside %s", path);
	size_t len;
	const void *blob = pl_registry_blob(reg, &len);
	if (fchmod(fd, 0644) < 0 || write_all(fd, blob, len) < 0 || fsync(fd) < 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return pl_error_errno(err, PL_EIO, e, "cannot write %s", tmp);
	}
	if (close(fd) < 0) {
		int e = errno;
		unlink(tmp);
		return pl_error_errno(err, PL_EIO, e, "cannot write %s", tmp);
	}
	if (rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return pl_error_errno(err, PL_EIO, e, "cannot replace %s", path);
	}
	/* The rename is durable only once the folder's entry is on disk. */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

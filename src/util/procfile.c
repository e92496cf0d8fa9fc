/* Whole reads of /proc and /sys files (see pl_read_proc in util.h): the kernel generates them on each
 * read, reports their size as 0, and some (sysctls such as ip_local_reserved_ports) answer only a read
 * that starts at offset 0, so the file is read in one pread of a buffer large enough for all of it. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "util.h"

int pl_read_proc(const char *path, size_t max, char **data, size_t *len, pl_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pl_error_errno(err, PL_EIO, errno, "cannot open %s", path);
	size_t cap = max < 4096 ? max + 1 : 4096;
	for (;;) {
		char *buf = malloc(cap + 1);
		if (!buf) {
			close(fd);
			return pl_error_set(err, PL_ENOMEM, "out of memory reading %s", path);
		}
		ssize_t r;
		do
			r = pread(fd, buf, cap, 0);
		while (r < 0 && errno == EINTR);
		if (r < 0) {
			int e = errno;
			free(buf);
			close(fd);
			return pl_error_errno(err, PL_EIO, e, "cannot read %s", path);
		}
		if ((size_t)r < cap) { /* it all fitted: this is the whole file */
			close(fd);
			buf[r] = '\0';
			*data = buf;
			*len = (size_t)r;
			return 0;
		}
		free(buf);
		if (cap > max) {
			close(fd);
			return pl_error_set(err, PL_ELIMIT, "%s is larger than %zu bytes", path, max);
		}
		cap = cap * 4 > max ? max + 1 : cap * 4;
	}
}

/* Strict parsers and buffers: every input here has a maximum, every failure a return code. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

bool pl_is_digits(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int pl_parse_uint(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	if (!pl_is_digits(s, len))
		return PL_EINVAL;
	for (size_t i = 0; i < len; i++) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > max)
			return PL_EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

int pl_parse_port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	const char *dash = strchr(s, '-');
	uint32_t a, b;
	if (dash) {
		if (pl_parse_uint(s, (size_t)(dash - s), 65535, &a) || pl_parse_uint(dash + 1, strlen(dash + 1), 65535, &b))
			return PL_EFORMAT;
	} else {
		if (pl_parse_uint(s, strlen(s), 65535, &a))
			return PL_EFORMAT;
		b = a;
	}
	if (a > b)
		return PL_EFORMAT;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

char pl_ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

bool pl_ascii_isalnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int pl_strcasecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char ca = (unsigned char)pl_ascii_lower(*a), cb = (unsigned char)pl_ascii_lower(*b);
		if (ca != cb || ca == 0)
			return ca - cb;
	}
}

bool pl_strncaseeq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (pl_ascii_lower(a[i]) != pl_ascii_lower(b[i]))
			return false;
		if (a[i] == 0)
			return true;
	}
	return true;
}

bool pl_word_in(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; *p;) {
		size_t w = strcspn(p, " ");
		if (w == n && pl_strncaseeq(p, word, n))
			return true;
		p += w;
		while (*p == ' ')
			p++;
	}
	return false;
}

const char *pl_strcasestr(const char *hay, const char *needle_lower)
{
	size_t n = strlen(needle_lower);
	if (n == 0)
		return hay;
	for (; *hay; hay++)
		if (pl_ascii_lower(*hay) == needle_lower[0] && pl_strncaseeq(hay, needle_lower, n))
			return hay;
	return NULL;
}

void pl_buf_init(pl_buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

void pl_buf_free(pl_buf *b)
{
	free(b->data);
	pl_buf_init(b, b->max);
}

int pl_buf_add(pl_buf *b, const void *p, size_t n)
{
	if (n > b->max || b->len > b->max - n)
		return PL_ELIMIT;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *d = realloc(b->data, cap);
		if (!d)
			return PL_ENOMEM;
		b->data = d;
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int pl_buf_addc(pl_buf *b, char c)
{
	return pl_buf_add(b, &c, 1);
}

int pl_buf_printf(pl_buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return PL_EINVAL;
	if ((size_t)n < sizeof small)
		return pl_buf_add(b, small, (size_t)n);
	char *big = malloc((size_t)n + 1);
	if (!big)
		return PL_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	int rc = pl_buf_add(b, big, (size_t)n);
	free(big);
	return rc;
}

const char *pl_buf_str(pl_buf *b)
{
	return b->data ? b->data : "";
}

int pl_read_file(const char *path, size_t max, char **data, size_t *len, pl_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pl_error_errno(err, PL_EIO, errno, "cannot open %s", path);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return pl_error_errno(err, PL_EIO, e, "cannot stat %s", path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return pl_error_set(err, PL_EIO, "%s is not a regular file", path);
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return pl_error_set(err, PL_ELIMIT, "%s is too large (%lld bytes, limit %zu)", path,
				    (long long)st.st_size, max);
	}
	/* st_size is a hint (a /proc file says 0, a growing file lies): read until EOF, never past max. */
	size_t cap = ((size_t)st.st_size < max ? (size_t)st.st_size : max) + 2, n = 0;
	char *buf = malloc(cap);
	if (!buf) {
		close(fd);
		return pl_error_set(err, PL_ENOMEM, "out of memory reading %s", path);
	}
	for (;;) {
		if (n + 1 >= cap) {
			char *nb = cap > max + 1 ? NULL : realloc(buf, cap * 2 > max + 2 ? max + 2 : cap * 2);
			if (!nb) {
				free(buf);
				close(fd);
				if (cap > max + 1)
					return pl_error_set(err, PL_ELIMIT, "%s is larger than %zu bytes", path, max);
				return pl_error_set(err, PL_ENOMEM, "out of memory reading %s", path);
			}
			cap = cap * 2 > max + 2 ? max + 2 : cap * 2;
			buf = nb;
		}
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			close(fd);
			return pl_error_errno(err, PL_EIO, e, "cannot read %s", path);
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			free(buf);
			close(fd);
			return pl_error_set(err, PL_ELIMIT, "%s is larger than %zu bytes", path, max);
		}
	}
	close(fd);
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

int pl_read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return PL_EIO;
	ssize_t r;
	do
		r = read(fd, buf, size - 1);
	while (r < 0 && errno == EINTR);
	close(fd);
	if (r < 0)
		return PL_EIO;
	buf[r] = '\0';
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
		buf[--r] = '\0';
	return 0;
}

/* pl_error: a code and a message written into the caller's buffer (redis' anet.c style), never printed here. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "portlore/error.h"

int pl_error_set(pl_error *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
		err->code = code;
	}
	return code;
}

int pl_error_errno(pl_error *err, int code, int errnum, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < sizeof err->msg)
			snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %s", strerror(errnum));
		err->code = code;
	}
	return code;
}

void pl_error_clear(pl_error *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}

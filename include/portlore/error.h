/* Error reporting shared by every module: a result code plus a message the caller can print.
 * The library never prints; it fills a caller's pl_error and returns the (negative) code. */
#ifndef PORTLORE_ERROR_H
#define PORTLORE_ERROR_H

#include <stddef.h>

enum {
	PL_OK = 0,
	PL_EINVAL = -1,    /* bad input from the user: a port spec, an option value */
	PL_ENOTFOUND = -2, /* a well-formed question with no answer */
	PL_EFORMAT = -3,   /* a file that is not what it claims: truncated, hostile, corrupt */
	PL_EIO = -4,       /* the system refused: open, read, mmap */
	PL_ENOMEM = -5,
	PL_ELIMIT = -6,    /* input larger than a documented bound */
};

typedef struct pl_error {
	int code;
	char msg[512];
} pl_error;

/* Sets err (when not NULL) and returns code, so that `return pl_error_set(err, PL_EINVAL, "...")` reads well. */
int pl_error_set(pl_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Like pl_error_set, with ": strerror(errnum)" appended. */
int pl_error_errno(pl_error *err, int code, int errnum, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void pl_error_clear(pl_error *err);

#endif

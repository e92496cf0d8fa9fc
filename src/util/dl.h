/* Optional heavy libraries (libxml2, libcurl) are loaded on first use with dlopen, after systemd's
 * dlopen-on-demand pattern: `portlore PORT` never pays their start-up cost (linking libxml2 alone costs
 * ~0.7 ms a process, as it pulls in ICU and libstdc++), while `update` and XML imports still use them. */
#ifndef PL_UTIL_DL_H
#define PL_UTIL_DL_H

#include "portlore/error.h"

typedef struct pl_dl_sym {
	const char *name;
	void **ptr;
} pl_dl_sym;

/* Loads the first soname that opens and resolves every symbol (a NULL-name terminated list). Thread-safe;
 * once loaded, later calls return 0 at once. *handle is the caller's static slot. */
int pl_dl_load(void **handle, const char *const *sonames, const pl_dl_sym *syms, const char *what, pl_error *err);

/* Declares `static __typeof__(f) *sym_f;` and the table entry for it. */
#define PL_DL_DECLARE(f) static __typeof__(f) *sym_##f;
#define PL_DL_ENTRY(f) {#f, (void **)&sym_##f},

#endif

/* pl_dl_load: see dl.h. */
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

#include "dl.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

int pl_dl_load(void **handle, const char *const *sonames, const pl_dl_sym *syms, const char *what, pl_error *err)
{
	int rc = 0;
	pthread_mutex_lock(&lock);
	if (*handle)
		goto out;
	void *h = NULL;
	const char *why = "no library name given";
	for (const char *const *s = sonames; *s && !h; s++) {
		h = dlopen(*s, RTLD_NOW | RTLD_LOCAL);
		if (!h)
			why = dlerror();
	}
	if (!h) {
		rc = pl_error_set(err, PL_EIO, "cannot load %s (%s): install it to use this feature", what, why);
		goto out;
	}
	for (const pl_dl_sym *s = syms; s->name; s++) {
		*s->ptr = dlsym(h, s->name);
		if (!*s->ptr) {
			rc = pl_error_set(err, PL_EIO, "%s lacks %s: too old a version", what, s->name);
			dlclose(h);
			goto out;
		}
	}
	*handle = h;
out:
	pthread_mutex_unlock(&lock);
	return rc;
}

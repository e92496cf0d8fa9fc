/* Shared by the unit tests: cmocka's headers in the right order, registries built from small inline
 * tables, and the fixture folders (skipping visibly when ../shared is absent). */
#ifndef PL_TESTUTIL_H
#define PL_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <cmocka.h>

#include "portlore/registry.h"

/* A registry from TSV lines (without the header: one is added). Fails the test on error. */
pl_registry *tu_registry(const char *rows);
/* $PL_FIXTURES/rel, or NULL after a visible skip message when the file is absent. */
const char *tu_fixture(const char *rel, char *buf, size_t size);
/* $PL_TESTDATA/rel (the repo's own tests/fixtures). */
const char *tu_testdata(const char *rel, char *buf, size_t size);
/* A fresh temporary directory, removed by tu_rmtree. */
char *tu_tmpdir(void);
void tu_rmtree(const char *dir);
/* Writes len bytes to dir/name, returning the path (static buffer). */
const char *tu_write(const char *dir, const char *name, const void *data, size_t len);

/* Socket tests call this first: as root, the process moves to a network namespace of its own with lo up,
 * so that nothing on the host (a server on 2908, another test) can change what it finds; it says where it
 * runs on stderr. Returns true when in a private namespace. */
bool tu_private_netns(void);

#endif

/* Test helpers; see testutil.h. */
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"

pl_registry *tu_registry(const char *rows)
{
	static const char head[] = "# portlore registry table\n#date\t2001-02-03\n#source\tunit test\n";
	size_t n = strlen(head) + strlen(rows);
	char *buf = malloc(n + 1);
	assert_non_null(buf);
	strcpy(buf, head);
	strcat(buf, rows);
	pl_builder *b = pl_builder_new();
	pl_error err = {0};
	int rc = pl_import_tsv(buf, n, b, &err);
	if (rc)
		fail_msg("tsv: %s", err.msg);
	pl_registry *reg;
	rc = pl_builder_open(b, &reg, &err);
	if (rc)
		fail_msg("open: %s", err.msg);
	free(buf);
	return reg;
}

const char *tu_fixture(const char *rel, char *buf, size_t size)
{
	const char *root = getenv("PL_FIXTURES");
	snprintf(buf, size, "%s/%s", root ? root : "../shared/fixtures", rel);
	if (access(buf, R_OK) != 0) {
		fprintf(stderr, "# SKIP fixture %s is absent (../shared/fixtures not beside the repo)\n", buf);
		return NULL;
	}
	return buf;
}

const char *tu_testdata(const char *rel, char *buf, size_t size)
{
	const char *root = getenv("PL_TESTDATA");
	snprintf(buf, size, "%s/%s", root ? root : "tests/fixtures", rel);
	return buf;
}

char *tu_tmpdir(void)
{
	char tmpl[] = "/tmp/portlore-test-XXXXXX";
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	return strdup(d);
}

void tu_rmtree(const char *dir)
{
	char cmd[4200];
	if (!dir || strncmp(dir, "/tmp/portlore-test-", 19) != 0)
		return;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", dir);
}

const char *tu_write(const char *dir, const char *name, const void *data, size_t len)
{
	static char path[4200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

bool tu_private_netns(void)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
		fprintf(stderr, "# socket tests share the host's network namespace (not root, or unshare refused)\n");
		return false;
	}
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	bool up = fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr) == 0);
	if (fd >= 0)
		close(fd);
	fprintf(stderr, "# socket tests run in a network namespace of their own%s\n", up ? "" : " (lo could not be brought up)");
	return up;
}

/* What `portlore serve` gives up once it listens (after OpenBSD's pledge in relayd, with what Linux has):
 * no new privileges ever (no set-uid gain through exec), and with Landlock no execution of any file and
 * no writing anywhere but the database's folder. Reading stays open: /proc is the point of the page.
 * Each step is best effort on an older kernel; the caller is told what was applied. */
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

static int landlock(const char *writable, char *why, size_t size)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1) {
		snprintf(why, size, "Landlock is not available (%s)", strerror(errno));
		return -1;
	}
	__u64 write_rights = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
			     LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
			     LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
			     LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;
	if (abi >= 2)
		write_rights |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		write_rights |= LANDLOCK_ACCESS_FS_TRUNCATE;
	struct landlock_ruleset_attr attr = {.handled_access_fs = write_rights | LANDLOCK_ACCESS_FS_EXECUTE};
	int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
	if (rs < 0) {
		snprintf(why, size, "Landlock refused a ruleset (%s)", strerror(errno));
		return -1;
	}
	int rc = -1;
	struct landlock_path_beneath_attr pb = {.allowed_access = write_rights};
	pb.parent_fd = open(writable, O_PATH | O_CLOEXEC | O_DIRECTORY);
	if (pb.parent_fd < 0)
		snprintf(why, size, "cannot open %s for Landlock (%s)", writable, strerror(errno));
	else if (syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0))
		snprintf(why, size, "Landlock refused a rule (%s)", strerror(errno));
	else if (syscall(SYS_landlock_restrict_self, rs, 0))
		snprintf(why, size, "Landlock refused to apply (%s)", strerror(errno));
	else
		rc = 0;
	if (pb.parent_fd >= 0)
		close(pb.parent_fd);
	close(rs);
	return rc;
}

int pl_web_sandbox(const char *writable, char *what, size_t size)
{
	char why[256];
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		snprintf(what, size, "nothing: PR_SET_NO_NEW_PRIVS failed (%s)", strerror(errno));
		return -1;
	}
	if (landlock(writable, why, sizeof why)) {
		snprintf(what, size, "no new privileges; %s, so files stay writable and executable", why);
		return -1;
	}
	snprintf(what, size, "no new privileges, no exec, writes only under %s (Landlock)", writable);
	return 0;
}

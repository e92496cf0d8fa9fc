/* A uid's user name, for saying whose a socket is ("owned by root") when its process cannot be seen. */
#include <pwd.h>
#include <stdio.h>

#include "portlore/sockets.h"

void pl_sockets_user_name(uint32_t uid, char *buf, size_t size)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];
	if (getpwuid_r((uid_t)uid, &pw, tmp, sizeof tmp, &res) == 0 && res && res->pw_name[0])
		snprintf(buf, size, "%s", res->pw_name);
	else
		snprintf(buf, size, "%u", uid);
}

/* Whose a socket is, by name ("owned by root"), for when its process cannot be seen. The names of the
 * set's few distinct uids are looked up once, when the set is made: a lookup reads /etc/passwd (or asks
 * NSS), and a busy host has thousands of sockets of a handful of users. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void pl_sockets_lookup_user(uint32_t uid, char *buf, size_t size)
{
	struct passwd pw, *res = NULL;
	char tmp[4096];
	if (getpwuid_r((uid_t)uid, &pw, tmp, sizeof tmp, &res) == 0 && res && res->pw_name[0])
		snprintf(buf, size, "%s", res->pw_name);
	else
		snprintf(buf, size, "%u", uid);
}

int pl_sockset_fill_users(pl_socket_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		uint32_t uid = set->socks[i].uid;
		size_t k = 0;
		while (k < set->nusers_ && set->users_[k].uid != uid)
			k++;
		if (k < set->nusers_)
			continue;
		void *u = realloc(set->users_, (set->nusers_ + 1) * sizeof *set->users_);
		if (!u)
			return PL_ENOMEM;
		set->users_ = u;
		set->users_[k].uid = uid;
		pl_sockets_lookup_user(uid, set->users_[k].name, sizeof set->users_[k].name);
		set->nusers_++;
	}
	return 0;
}

void pl_sockets_user_name(const pl_socket_set *set, uint32_t uid, char *buf, size_t size)
{
	for (size_t k = 0; set && k < set->nusers_; k++)
		if (set->users_[k].uid == uid) {
			snprintf(buf, size, "%s", set->users_[k].name);
			return;
		}
	pl_sockets_lookup_user(uid, buf, size);
}

/* Naming containers: the runtime and id from a process's cgroup path (Docker, Podman, containerd and
 * Kubernetes pods, CRI-O, LXC, systemd-nspawn, after systemd's cgroup-util naming), then the name and image
 * from the runtime's own state files where they can be read: Docker's containers/<id>/config.v2.json,
 * Podman's overlay-containers/containers.json (and overlay-images/images.json for the image's name), the
 * kubelet's /var/log/containers links for a Kubernetes pod's containers. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "internal.h"
#include "util/util.h"

#define CGROUP_MAX 8192

static bool hex64(const char *p, size_t n)
{
	if (n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

static bool starts(const char *p, size_t n, const char *pre)
{
	size_t k = strlen(pre);
	return n >= k && !memcmp(p, pre, k);
}

static bool ends(const char *p, size_t n, const char *suf)
{
	size_t k = strlen(suf);
	return n >= k && !memcmp(p + n - k, suf, k);
}

/* "<prefix><64 hex>.scope" */
static bool scope_id(const char *p, size_t n, const char *prefix, char id[65])
{
	size_t k = strlen(prefix);
	if (!starts(p, n, prefix) || !ends(p, n, ".scope") || !hex64(p + k, n - k - 6))
		return false;
	memcpy(id, p + k, 64);
	id[64] = '\0';
	return true;
}

static void copy_name(char *out, size_t size, const char *p, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* One cgroup path: the innermost container named in it (later components win). */
static pl_runtime classify(const char *path, size_t len, char id[65])
{
	pl_runtime rt = PL_RUNTIME_NONE;
	bool kube = false;
	const char *prev = NULL, *end = path + len;
	size_t prevn = 0;
	for (const char *p = path; p < end;) {
		while (p < end && *p == '/')
			p++;
		const char *s = memchr(p, '/', (size_t)(end - p));
		size_t n = s ? (size_t)(s - p) : (size_t)(end - p);
		if (n == 0)
			break;
		if (starts(p, n, "kubepods"))
			kube = true;
		if (scope_id(p, n, "docker-", id))
			rt = PL_RUNTIME_DOCKER;
		else if (starts(p, n, "libpod-conmon-") || starts(p, n, "crio-conmon-"))
			rt = PL_RUNTIME_NONE; /* the runtime's monitor, beside the container, not in it */
		else if (scope_id(p, n, "libpod-", id))
			rt = PL_RUNTIME_PODMAN;
		else if (starts(p, n, "libpod-") && hex64(p + 7, n - 7)) {
			memcpy(id, p + 7, 64);
			id[64] = '\0';
			rt = PL_RUNTIME_PODMAN;
		} else if (scope_id(p, n, "cri-containerd-", id))
			rt = kube ? PL_RUNTIME_KUBERNETES : PL_RUNTIME_CONTAINERD;
		else if (scope_id(p, n, "crio-", id))
			rt = PL_RUNTIME_CRIO;
		else if (scope_id(p, n, "nerdctl-", id))
			rt = PL_RUNTIME_CONTAINERD;
		else if (hex64(p, n)) {
			memcpy(id, p, 64);
			id[64] = '\0';
			rt = prev && prevn == 6 && !memcmp(prev, "docker", 6) ? PL_RUNTIME_DOCKER
			     : kube                                           ? PL_RUNTIME_KUBERNETES
									      : PL_RUNTIME_CONTAINERD;
		} else if (starts(p, n, "lxc.payload.") && n > 12) {
			copy_name(id, 65, p + 12, n - 12);
			rt = PL_RUNTIME_LXC;
		} else if (prev && ((prevn == 11 && !memcmp(prev, "lxc.payload", 11)) || (prevn == 3 && !memcmp(prev, "lxc", 3))) &&
			   !starts(p, n, "lxc.")) {
			copy_name(id, 65, p, n);
			rt = PL_RUNTIME_LXC;
		} else if (starts(p, n, "systemd-nspawn@") && ends(p, n, ".service") && n > 23) {
			copy_name(id, 65, p + 15, n - 23);
			rt = PL_RUNTIME_NSPAWN;
		} else if (starts(p, n, "machine-") && ends(p, n, ".scope") && n > 14) {
			copy_name(id, 65, p + 8, n - 14);
			rt = PL_RUNTIME_NSPAWN;
		}
		prev = p;
		prevn = n;
		p += n;
	}
	return rt;
}

/* Every line of /proc/PID/cgroup: with cgroup v1 and v2 mounted side by side, the runtime may have placed
 * the process only in the v1 hierarchies (the "0::" line then says "/"). */
static pl_runtime cgroup_container(const char *proc_root, int pid, char id[65])
{
	char path[4096], buf[CGROUP_MAX];
	snprintf(path, sizeof path, "%s/%d/cgroup", proc_root, pid);
	if (pl_read_small(path, buf, sizeof buf) != 0) {
		id[0] = '\0';
		return PL_RUNTIME_NONE;
	}
	return pl_container_classify(buf, id);
}

pl_runtime pl_container_classify(const char *text, char id[65])
{
	id[0] = '\0';
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		const char *end = nl ? nl : line + strlen(line);
		const char *c1 = memchr(line, ':', (size_t)(end - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
		if (c2) {
			pl_runtime rt = classify(c2 + 1, (size_t)(end - c2 - 1), id);
			if (rt != PL_RUNTIME_NONE)
				return rt;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	return PL_RUNTIME_NONE;
}

static json_t *load_json(const char *path)
{
	json_error_t e;
	return json_load_file(path, 0, &e);
}

static void set_text(char *out, size_t size, const json_t *v)
{
	if (json_is_string(v))
		snprintf(out, size, "%s", json_string_value(v));
}

static void docker_state(const char *root, pl_container *c)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/var/lib/docker/containers/%s/config.v2.json", root, c->id);
	json_t *j = load_json(path);
	if (!j)
		return;
	const char *name = json_string_value(json_object_get(j, "Name"));
	if (name) {
		snprintf(c->name, sizeof c->name, "%s", name[0] == '/' ? name + 1 : name);
		c->state_read = true;
	}
	set_text(c->image, sizeof c->image, json_object_get(json_object_get(j, "Config"), "Image"));
	json_decref(j);
}

static void podman_load(const char *root, pl_ct_ctx *ctx)
{
	char path[4096];
	ctx->podman_loaded = true;
	snprintf(path, sizeof path, "%s/var/lib/containers/storage/overlay-containers/containers.json", root);
	ctx->podman_containers = load_json(path);
	snprintf(path, sizeof path, "%s/var/lib/containers/storage/overlay-images/images.json", root);
	ctx->podman_images = load_json(path);
}

static void podman_state(const char *root, pl_ct_ctx *ctx, pl_container *c)
{
	if (!ctx->podman_loaded)
		podman_load(root, ctx);
	json_t *x;
	size_t i;
	char image_id[65] = "";
	json_array_foreach((json_t *)ctx->podman_containers, i, x) {
		if (!json_is_string(json_object_get(x, "id")) || strcmp(json_string_value(json_object_get(x, "id")), c->id))
			continue;
		set_text(c->name, sizeof c->name, json_array_get(json_object_get(x, "names"), 0));
		set_text(image_id, sizeof image_id, json_object_get(x, "image"));
		c->state_read = c->name[0] != '\0';
		break;
	}
	if (!image_id[0])
		return;
	snprintf(c->image, sizeof c->image, "%.12s", image_id);
	json_array_foreach((json_t *)ctx->podman_images, i, x) {
		if (json_is_string(json_object_get(x, "id")) && !strcmp(json_string_value(json_object_get(x, "id")), image_id)) {
			set_text(c->image, sizeof c->image, json_array_get(json_object_get(x, "names"), 0));
			break;
		}
	}
}

void pl_ct_ctx_free(pl_ct_ctx *c)
{
	json_decref(c->podman_containers);
	json_decref(c->podman_images);
	c->podman_containers = c->podman_images = NULL;
	c->podman_loaded = false;
}

/* Kubernetes (containerd or CRI-O under the kubelet): the kubelet links each container's log as
 * /var/log/containers/<pod>_<namespace>_<container>-<id>.log, which names it without asking the CRI. */
static void kubelet_state(const char *root, pl_container *c)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/var/log/containers", root);
	DIR *d = opendir(path);
	if (!d)
		return;
	char suffix[72];
	snprintf(suffix, sizeof suffix, "-%s.log", c->id);
	size_t sl = strlen(suffix);
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n <= sl || strcmp(e->d_name + n - sl, suffix))
			continue;
		const char *pod = e->d_name, *u1 = memchr(pod, '_', n - sl);
		const char *u2 = u1 ? memchr(u1 + 1, '_', (size_t)(e->d_name + n - sl - u1 - 1)) : NULL;
		if (!u2)
			continue;
		/* namespace/pod/container */
		snprintf(c->name, sizeof c->name, "%.*s/%.*s/%.*s", (int)(u2 - u1 - 1), u1 + 1, (int)(u1 - pod), pod,
			 (int)(e->d_name + n - sl - u2 - 1), u2 + 1);
		c->state_read = true;
		break;
	}
	closedir(d);
}

/* The container pid is in (index into set->containers), -1 for none; PL_ENOMEM. */
/* The container of pid; p, when given, holds its cgroup file's classification already (pl_proc_fill). */
static int container_of(pl_socket_set *set, const pl_socket_query *q, int pid, const pl_process *p, pl_ct_ctx *ctx)
{
	char id[65];
	pl_runtime rt;
	if (p && p->runtime_known) {
		rt = (pl_runtime)p->runtime;
		snprintf(id, sizeof id, "%s", p->runtime_id);
	} else
		rt = cgroup_container(q->proc_root, pid, id);
	if (rt == PL_RUNTIME_NONE)
		return -1;
	for (size_t i = 0; i < set->ncontainers; i++)
		if (set->containers[i].runtime == rt && !strcmp(set->containers[i].id, id))
			return (int)i;
	if (set->ncontainers == ctx->cap) {
		size_t c = ctx->cap ? ctx->cap * 2 : 8;
		pl_container *v = realloc(set->containers, c * sizeof *v);
		if (!v)
			return PL_ENOMEM;
		set->containers = v;
		ctx->cap = c;
	}
	pl_container *c = &set->containers[set->ncontainers];
	memset(c, 0, sizeof *c);
	c->runtime = rt;
	c->pid = pid;
	snprintf(c->id, sizeof c->id, "%s", id);
	const char *root = q->state_root ? q->state_root : "";
	if (rt == PL_RUNTIME_DOCKER)
		docker_state(root, c);
	else if (rt == PL_RUNTIME_PODMAN)
		podman_state(root, ctx, c);
	else if (rt == PL_RUNTIME_KUBERNETES || rt == PL_RUNTIME_CRIO)
		kubelet_state(root, c);
	else if (rt == PL_RUNTIME_LXC || rt == PL_RUNTIME_NSPAWN)
		snprintf(c->name, sizeof c->name, "%s", id);
	return (int)set->ncontainers++;
}

int pl_containers_of_netns(pl_socket_set *set, const pl_socket_query *q, pl_ct_ctx *ctx)
{
	for (size_t i = 0; i < set->nnetns; i++) {
		pl_netns *ns = &set->netns[i];
		if (!ns->pid || ns->self)
			continue;
		int c = container_of(set, q, ns->pid, NULL, ctx);
		if (c == PL_ENOMEM)
			return c;
		ns->container = c;
		if (c >= 0 && !set->containers[c].netns)
			set->containers[c].netns = ns->ino;
	}
	return 0;
}

int pl_containers_of_procs(pl_socket_set *set, const pl_socket_query *q, pl_ct_ctx *ctx)
{
	for (size_t i = 0; i < set->nprocs; i++) {
		int c = container_of(set, q, set->procs[i].pid, &set->procs[i], ctx);
		if (c == PL_ENOMEM)
			return c;
		set->procs[i].container = c;
	}
	return 0;
}

/* The namespace, container and published-port parts of the documents (docs/json-schema.md): which network
 * namespace a socket is in, the container around it, and the chain a DNAT rule makes from a host port to
 * the listener behind it, with the sentence that says so ("published by container web (docker, da005a84afe1):
 * 127.0.0.1:8080 -> 172.17.0.2:80, where httpd (pid 15393; pid 1 in the container) listens"). */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"
#include "portlore/render.h"

json_t *pl_render_container_json(const pl_socket_set *set, int idx)
{
	if (!set || idx < 0 || (size_t)idx >= set->ncontainers)
		return json_null();
	const pl_container *c = &set->containers[idx];
	return json_pack("{s:s, s:o, s:o, s:o, s:i, s:b}", "runtime", pl_runtime_name(c->runtime), "id",
			 pl_json_text(c->id), "name", pl_json_text_or_null(c->name), "image", pl_json_text_or_null(c->image),
			 "pid", c->pid, "state_read", c->state_read);
}

json_t *pl_render_netns_json(const pl_socket_set *set, uint32_t idx)
{
	if (!set || idx >= set->nnetns)
		return json_null();
	const pl_netns *ns = &set->netns[idx];
	return json_pack("{s:I, s:o, s:o, s:o, s:b, s:b, s:o, s:o}", "inode", (json_int_t)ns->ino, "name",
			 pl_json_text_or_null(ns->name), "path", pl_json_text_or_null(ns->path), "pid",
			 ns->pid ? json_integer(ns->pid) : json_null(), "self", ns->self, "entered", ns->entered, "error",
			 pl_json_text_or_null(ns->error), "container", pl_render_container_json(set, ns->container));
}

/* "container web (docker, da005a84afe1)", "namespace blue", or "" */
static void who(const pl_socket_set *set, int container, int netns, char *buf, size_t size)
{
	buf[0] = '\0';
	if (container >= 0) {
		const pl_container *c = &set->containers[container];
		snprintf(buf, size, " by container %s (%s, %.12s)", c->name[0] ? c->name : "(unnamed)",
			 pl_runtime_name(c->runtime), c->id);
	} else if (netns > 0) {
		const pl_netns *ns = &set->netns[netns];
		if (ns->name[0])
			snprintf(buf, size, " into network namespace %s", ns->name);
		else
			snprintf(buf, size, " into network namespace net:[%llu]", (unsigned long long)ns->ino);
	}
}

json_t *pl_render_published_json(const pl_socket_set *set, const pl_publish *p)
{
	char host[80], to[80], by[256], text[768];
	pl_text_endpoint(host, sizeof host, p->host_addr, p->host_port);
	if (p->host_port_last != p->host_port)
		snprintf(host + strlen(host), sizeof host - strlen(host), "-%u", p->host_port_last);
	uint16_t port = p->to_port ? p->to_port : p->host_port;
	pl_text_endpoint(to, sizeof to, p->to_addr, port);
	who(set, p->container, p->netns, by, sizeof by);
	int len = snprintf(text, sizeof text, "Published%s: %s/%s -> %s", by, host,
			   pl_proto_name(p->proto), to);
	json_t *listener = json_null();
	if (p->listener >= 0) {
		const pl_socket *s = &set->socks[p->listener];
		listener = pl_render_socket_json(set, s);
		if (s->owners_count) {
			const pl_process *o = &set->procs[set->owner_links[s->owners_first]];
			len += snprintf(text + len, sizeof text - (size_t)len, ", where %s (pid %d", o->comm, o->pid);
			if (o->nspid && o->nspid != o->pid)
				len += snprintf(text + len, sizeof text - (size_t)len, "; pid %d in the container", o->nspid);
			snprintf(text + len, sizeof text - (size_t)len, ") listens.");
		} else {
			snprintf(text + len, sizeof text - (size_t)len, ", where a socket listens (owner not visible).");
		}
	} else if (p->netns < 0 && p->to_addr[0]) {
		snprintf(text + len, sizeof text - (size_t)len, "; no namespace here holds %s%s.", p->to_addr,
			 set->netns_skipped || !set->caller_root ? " among those that could be read (run as root)" : "");
	} else {
		snprintf(text + len, sizeof text - (size_t)len, "; nothing listens there: connections will be refused.");
	}
	return json_pack("{s:s, s:s, s:o, s:o, s:i, s:i, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "transport", pl_proto_name(p->proto), "family", p->family == AF_INET6 ? "ipv6" : "ipv4",
			 "host_address", pl_json_text_or_null(p->host_addr), "host_prefix",
			 p->host_addr[0] ? json_integer(p->host_prefix) : json_null(), "host_port", p->host_port,
			 "host_port_last", p->host_port_last, "target_address", pl_json_text_or_null(p->to_addr),
			 "target_port", p->to_port ? json_integer(p->to_port) : json_null(), "source", p->source, "table",
			 pl_json_text_or_null(p->table), "chain", pl_json_text_or_null(p->chain), "comment",
			 pl_json_text_or_null(p->comment), "netns",
			 p->netns >= 0 ? pl_render_netns_json(set, (uint32_t)p->netns) : json_null(), "container",
			 pl_render_container_json(set, p->container), "listener", listener, "explanation", pl_json_text(text));
}

/* What a socket JSON gains: its namespace, its container, and whether it is a runtime's reservation. */
void pl_render_socket_place(json_t *j, const pl_socket_set *set, const pl_socket *s)
{
	/* the owner's own container first: in a Kubernetes pod the namespace's first process is the pause
	 * container, not the one that listens */
	int container = s->owners_count ? set->procs[set->owner_links[s->owners_first]].container : -1;
	if (container < 0 && set->nnetns > s->netns)
		container = set->netns[s->netns].container;
	const char *res = pl_socket_reservation(set, s);
	json_object_set_new(j, "netns", pl_render_netns_json(set, s->netns));
	json_object_set_new(j, "container", pl_render_container_json(set, container));
	json_object_set_new(j, "reservation", res ? json_string(res) : json_null());
	json_object_set_new(j, "behind_published_port", json_boolean(s->extra));
}

/* The document-level lists of `ls`: namespaces, containers, published ports. */
void pl_render_sockets_places(json_t *doc, const pl_socket_set *set)
{
	json_t *nss = json_array(), *cts = json_array(), *pubs = json_array();
	for (size_t i = 0; i < set->nnetns; i++)
		json_array_append_new(nss, pl_render_netns_json(set, (uint32_t)i));
	for (size_t i = 0; i < set->ncontainers; i++)
		json_array_append_new(cts, pl_render_container_json(set, (int)i));
	for (size_t i = 0; i < set->npublished; i++)
		json_array_append_new(pubs, pl_render_published_json(set, &set->published[i]));
	json_object_set_new(doc, "namespaces", nss);
	json_object_set_new(doc, "namespaces_skipped", json_integer((json_int_t)set->netns_skipped));
	json_object_set_new(doc, "containers", cts);
	json_object_set_new(doc, "published", pubs);
	json_object_set_new(doc, "nat_error", pl_json_text_or_null(set->nat_error));
}

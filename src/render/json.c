/* Reports as JSON (docs/json-schema.md): the one representation every front end shares. The sentences
 * in "explanation" fields are here too, so that the text output, the API and the page say the same. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>

#include "internal.h"
#include "portlore/render.h"

static json_t *people_json(const pl_registry *reg, const pl_record *rec, pl_role role)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < pl_record_people_count(rec, role); i++) {
		const char *id = pl_record_person_id(rec, role, i);
		pl_person p = {id, "", "", "", "", "", ""};
		pl_registry_person(reg, id, &p);
		json_t *emails = json_array();
		for (const char *e = p.emails; *e;) {
			size_t n = strcspn(e, " ");
			char one[320];
			if (n && n < sizeof one) {
				snprintf(one, sizeof one, "%.*s", (int)n, e);
				json_array_append_new(emails, pl_json_text(one));
			}
			e += n;
			while (*e == ' ')
				e++;
		}
		json_array_append_new(arr, pl_jobj("id", pl_json_text(id), "name", pl_json_text_or_null(p.name),
						   "email", pl_json_text_or_null(p.email), "emails", emails,
						   "organization", pl_json_text_or_null(p.org), "uri", pl_json_text_or_null(p.uri), NULL));
	}
	return arr;
}

json_t *pl_render_record_json(const pl_registry *reg, const pl_record *rec)
{
	json_t *refs = json_array(), *notes = json_array();
	for (size_t i = 0; i < pl_record_ref_count(rec); i++) {
		pl_xref x;
		if (pl_record_ref(rec, i, &x) == 0)
			json_array_append_new(refs, pl_jobj("type", pl_jlit(pl_xref_type_name(x.type)), "data", pl_json_text(x.data), NULL));
		/* a cited footnote's text, shown with the record (IANA prints it under the table) */
		const char *text = x.type == PL_XREF_NOTE ? pl_registry_footnote(reg, x.data) : NULL;
		if (text)
			json_array_append_new(notes, pl_jobj("anchor", pl_json_text(x.data), "text", pl_json_text(text), NULL));
	}
	json_t *doc = pl_jobj(
			 "service", pl_json_text_or_null(rec->name),
			 "transport", pl_json_text_or_null(pl_proto_name(rec->proto)),
			 "port", rec->has_port ? json_integer(rec->port_lo) : json_null(),
			 "port_last", rec->has_port ? json_integer(rec->port_hi) : json_null(),
			 "status", pl_jlit(pl_status_name(rec->status)),
			 "description", pl_json_text_or_null(rec->description),
			 "assignees", people_json(reg, rec, PL_ROLE_ASSIGNEE),
			 "contacts", people_json(reg, rec, PL_ROLE_CONTACT),
			 "registered", pl_json_text_or_null(rec->registered),
			 "modified", pl_json_text_or_null(rec->modified),
			 "references", refs,
			 "service_code", pl_json_text_or_null(rec->service_code),
			 "unauthorized_use", pl_json_text_or_null(rec->unauthorized_use),
			 "notes", pl_json_text_or_null(rec->notes),
			 "ghost", json_boolean(pl_record_is_true_ghost(rec)), "thin", json_boolean(pl_record_service_is_ghost(rec)),
			 NULL);
	json_object_set_new(doc, "footnotes", notes);
	json_object_set_new(doc, "mentioned", people_json(reg, rec, PL_ROLE_MENTIONED));
	json_object_set_new(doc, "source", pl_json_text_or_null(rec->source));
	return doc;
}

static json_t *registry_json(const pl_registry *reg, const pl_render_meta *meta)
{
	return pl_jobj("date", pl_json_text_or_null(pl_registry_date(reg)), "source",
		       pl_json_text_or_null(pl_registry_source(reg)), "origin",
		       json_string(meta && meta->registry_origin ? meta->registry_origin : "embedded"), "path",
		       pl_json_text_or_null(meta ? meta->registry_path : NULL), "records",
		       json_integer((json_int_t)pl_registry_count(reg)), "people",
		       json_integer((json_int_t)pl_registry_people_count(reg)), "has_references",
		       json_boolean(pl_registry_has_references(reg)), "footnotes",
		       json_integer((json_int_t)pl_registry_footnote_count(reg)), "merged_records",
		       json_integer((json_int_t)pl_registry_merged_count(reg)), NULL);
}

json_t *pl_render_registry_json(const pl_registry *reg, const pl_render_meta *meta)
{
	return registry_json(reg, meta);
}

static json_t *int_or_null(int v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

static json_t *host_json(const pl_host_ports *h)
{
	json_t *res = json_array();
	for (int i = 0; i < h->nreserved; i++) {
		json_t *pair = json_array();
		json_array_append_new(pair, json_integer(h->reserved[i][0]));
		json_array_append_new(pair, json_integer(h->reserved[i][1]));
		json_array_append_new(res, pair);
	}
	return pl_jobj("unprivileged_port_start", int_or_null(h->unpriv_start), "ephemeral_first",
		       int_or_null(h->eph_lo), "ephemeral_last", int_or_null(h->eph_hi), "reserved_ports",
		       h->nreserved >= 0 ? res : (json_decref(res), json_null()), "caller_can_bind_privileged",
		       json_boolean(h->root), NULL);
}

/* The ghost verdict weighs IANA's paperwork (DESIGN.md's rule) against the evidence of use (ev, the port's
 * "evidence" object, or null without a port), and names that evidence either way. */
static json_t *ghost_json(const pl_registry *reg, const pl_port_report *p, const json_t *ev)
{
	char text[4096], said[1024] = "", silent[1024] = "";
	pl_render_join(said, sizeof said, json_object_get(ev, "reasons"), "; ");
	pl_render_join(silent, sizeof silent, json_object_get(ev, "silent"), "; ");
	const char *use = json_is_object(ev) ? pl_json_member(ev, "use") : "";
	/* The same array as the port's evidence.reasons: one value referenced twice, not copied. */
	json_t *evidence = json_is_object(ev) ? json_incref(json_object_get(ev, "reasons")) : json_array();
	if (p->ghost == PL_GHOST_NO) {
		size_t assigned = 0;
		for (size_t i = 0; i < p->nrecords; i++) {
			pl_record rec;
			pl_registry_record(reg, p->records[i], &rec);
			assigned += rec.status == PL_STATUS_ASSIGNED && *rec.name;
		}
		size_t at = (size_t)snprintf(text, sizeof text, "%s",
					     assigned ? "Not a ghost: the registration describes its service or cites a reference."
						      : "No registered service here, so nothing to judge.");
		if (*said)
			snprintf(text + at, sizeof text - at, " In %s use: %s.", use, said);
		else if (json_is_object(ev) && assigned)
			snprintf(text + at, sizeof text - at, " No source shows the port in use, though: %s.", silent);
		return pl_jobj("verdict", pl_jlit(pl_ghost_name(p->ghost)), "service", json_null(), "transport", json_null(),
			       "use", json_is_object(ev) ? json_string(use) : json_null(), "evidence", evidence,
			       "explanation", pl_json_text(text), NULL);
	}
	pl_record rec;
	pl_registry_record(reg, p->ghost_record, &rec);
	char who[256] = "";
	if (pl_record_people_count(&rec, PL_ROLE_CONTACT) || pl_record_people_count(&rec, PL_ROLE_ASSIGNEE)) {
		pl_role role = pl_record_people_count(&rec, PL_ROLE_CONTACT) ? PL_ROLE_CONTACT : PL_ROLE_ASSIGNEE;
		const char *id = pl_record_person_id(&rec, role, 0);
		pl_person person;
		const char *name = pl_registry_person(reg, id, &person) == 0 && *person.name ? person.name : id;
		snprintf(who, sizeof who, " Its only trace is its contact person, %s.", name);
	}
	if (p->ghost == PL_GHOST_THIN)
		snprintf(text, sizeof text,
			 "Thin registration, in %s use: '%s' says no more than its name and cites no RFC, draft or public "
			 "specification, but the port is in use: %s.",
			 use, rec.name, said);
	else if (p->ghost == PL_GHOST_YES)
		snprintf(text, sizeof text,
			 "Ghost registration: '%s' is assigned, but its description adds nothing to its name, it cites "
			 "no RFC, draft or public specification, and nothing shows it in use. Evidence of use: none (%s).%s "
			 "Software found on this port is unlikely to be it.",
			 rec.name, *silent ? silent : "the port has no entry in any source", who);
	else if (*rec.source)
		snprintf(text, sizeof text,
			 "Likely a ghost registration: '%s' is assigned, but its description adds nothing to its name, "
			 "and nothing shows it in use (%s). The record comes from %s, newer than IANA's file in use, "
			 "which carries no references, so a cited RFC or specification cannot be ruled out.%s",
			 rec.name, *silent ? silent : "no source has an entry for the port", rec.source, who);
	else
		snprintf(text, sizeof text,
			 "Likely a ghost registration: '%s' is assigned, but its description adds nothing to its name, "
			 "and nothing shows it in use (%s). This registry snapshot carries no references, so a cited RFC "
			 "or specification cannot be ruled out: 'portlore update' fetches IANA's full record.%s",
			 rec.name, *silent ? silent : "no source has an entry for the port", who);
	return pl_jobj("verdict", pl_jlit(pl_ghost_name(p->ghost)), "service", pl_json_text(rec.name),
		       "transport", pl_json_text_or_null(pl_proto_name(rec.proto)), "use",
		       json_is_object(ev) ? json_string(use) : json_null(), "evidence", evidence, "explanation",
		       pl_json_text(text), NULL);
}

static json_t *bind_json(const pl_report *rep, const pl_port_report *p)
{
	char text[256];
	const pl_host_ports *h = &rep->host;
	if (p->port == 0)
		/* bind(0) is how a program asks for any free port: it never listens on port 0 itself. */
		return json_pack("{s:b, s:s, s:b}", "unprivileged", true, "explanation",
				 "Port 0 is not a port a service can use: binding port 0 asks the kernel for any free "
				 "port (an ephemeral one), so any user may 'bind' it and nothing ever listens on it.",
				 "any_port", true);
	if (!p->bind_known)
		snprintf(text, sizeof text, "Unknown whether an unprivileged user may bind it: "
					    "net.ipv4.ip_unprivileged_port_start is unreadable.");
	else if (p->unpriv_bind)
		snprintf(text, sizeof text, "Any user may bind port %u here (unprivileged ports start at %d).", p->port,
			 h->unpriv_start);
	else
		snprintf(text, sizeof text,
			 "Binding port %u needs root or CAP_NET_BIND_SERVICE here (unprivileged ports start at %d).",
			 p->port, h->unpriv_start);
	return pl_jobj("unprivileged", p->bind_known ? json_boolean(p->unpriv_bind) : json_null(), "explanation",
		       json_string(text), NULL);
}

static json_t *ephemeral_json(const pl_report *rep, const pl_port_report *p)
{
	char text[256];
	const pl_host_ports *h = &rep->host;
	if (h->eph_lo < 0)
		snprintf(text, sizeof text, "The ephemeral range is unknown: net.ipv4.ip_local_port_range is unreadable.");
	else if (p->ephemeral && p->reserved_local)
		snprintf(text, sizeof text,
			 "Inside the ephemeral range %d-%d, but held back from it by net.ipv4.ip_local_reserved_ports.",
			 h->eph_lo, h->eph_hi);
	else if (p->ephemeral)
		snprintf(text, sizeof text,
			 "Inside the ephemeral range %d-%d: the kernel may give it to any outgoing connection, so a "
			 "server that binds it can find it taken.",
			 h->eph_lo, h->eph_hi);
	else if (p->reserved_local)
		snprintf(text, sizeof text,
			 "Outside the ephemeral range %d-%d, and listed in net.ipv4.ip_local_reserved_ports too.",
			 h->eph_lo, h->eph_hi);
	else
		snprintf(text, sizeof text, "Outside the ephemeral range %d-%d that the kernel uses for outgoing connections.",
			 h->eph_lo, h->eph_hi);
	return pl_jobj("in_range", h->eph_lo >= 0 ? json_boolean(p->ephemeral) : json_null(), "reserved",
		       json_boolean(p->reserved_local), "explanation", json_string(text), NULL);
}

/* How the owners were found: "bpf-iter" (the kernel's task_file iterator) or "proc" (the /proc walk), on
 * how many threads, and why the iterator was not used when it was not. */
static json_t *owner_search_json(const pl_socket_set *set)
{
	return json_pack("{s:o, s:o, s:o}", "method", set->owners_method ? json_string(set->owners_method) : json_null(),
			 "threads", set->owners_method && set->owners_threads ? json_integer(set->owners_threads) : json_null(),
			 "bpf_unavailable", pl_json_text_or_null(set->owners_why));
}

json_t *pl_render_process_json(const pl_process *p)
{
	return json_pack("{s:i, s:o, s:i, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:I, s:b}", "pid", p->pid, "name",
			 pl_json_text(p->comm), "uid", (int)p->uid, "user", pl_json_text(p->user), "cmdline",
			 pl_json_text(p->cmdline ? p->cmdline : ""), "exe", pl_json_text_or_null(p->exe), "start_time",
			 (json_int_t)p->start_time, "cgroup", pl_json_text_or_null(p->cgroup), "container_id",
			 pl_json_text_or_null(p->container_id), "unit", pl_json_text_or_null(p->unit), "netns",
			 (json_int_t)p->netns, "other_netns", p->other_netns);
}

static const char *owner_status_name(pl_owner_status s)
{
	switch (s) {
	case PL_OWNER_FOUND: return "found";
	case PL_OWNER_HIDDEN: return "hidden";
	case PL_OWNER_NONE: return "none";
	default: return "unknown";
	}
}

json_t *pl_render_socket_json(const pl_socket_set *set, const pl_socket *s)
{
	json_t *owners = json_array();
	for (uint32_t k = 0; k < s->owners_count; k++) {
		uint32_t link = s->owners_first + k;
		const pl_process *p = &set->procs[set->owner_links[link]];
		json_t *o = pl_render_process_json(p);
		/* the descriptor it holds the socket by (ss -p's fd=), null when the backend did not say */
		json_object_set_new(o, "fd", set->owner_fds && set->owner_fds[link] >= 0 ? json_integer(set->owner_fds[link])
											   : json_null());
		json_object_set_new(o, "pid_in_container", p->nspid && p->nspid != p->pid ? json_integer(p->nspid) : json_null());
		json_object_set_new(o, "container", pl_render_container_json(set, p->container));
		json_array_append_new(owners, o);
	}
	bool remote = s->remote_port != 0;
	/* What to do about a hidden owner: as root, nothing will help (a sandbox, another namespace's /proc). */
	const char *hint = s->owner_status != PL_OWNER_HIDDEN && !s->owners_partial ? NULL
			   : set->caller_root ? "not visible even to root"
					      : "run as root";
	char user[64];
	pl_sockets_user_name(set, s->uid, user, sizeof user);
	/* A listener's queues are its accept backlog: queued connections and the limit (ss's Recv-Q/Send-Q). */
	json_t *backlog = s->listening && s->proto != PL_PROTO_UDP
				  ? json_pack("{s:I, s:I}", "queued", (json_int_t)s->rqueue, "limit", (json_int_t)s->wqueue)
				  : json_null();
	json_t *j = json_pack("{s:s, s:s, s:s, s:b, s:b, s:s, s:i, s:o, s:o, s:I, s:i, s:s, s:o, s:o}", "transport",
			 pl_proto_name(s->proto), "family", s->family == AF_INET6 ? "ipv6" : "ipv4", "state",
			 pl_socket_state_name(s->state, s->proto), "listening", s->listening, "v6only", s->v6only,
			 "local_address", s->local, "local_port", s->local_port, "remote_address",
			 remote ? json_string(s->remote) : json_null(), "remote_port",
			 remote ? json_integer(s->remote_port) : json_null(), "inode", (json_int_t)s->inode, "uid",
			 (int)s->uid, "owner_status", owner_status_name(s->owner_status), "owner_hint",
			 hint ? json_string(hint) : json_null(), "owners", owners);
	if (j) {
		json_object_set_new(j, "user", pl_json_text(user));
		/* false when the owners listed are likely not all of them (pl_socket.owners_partial) */
		json_object_set_new(j, "owners_complete", json_boolean(s->owner_status == PL_OWNER_FOUND && !s->owners_partial));
		json_object_set_new(j, "recv_q", json_integer(s->rqueue));
		json_object_set_new(j, "send_q", json_integer(s->wqueue));
		json_object_set_new(j, "backlog", backlog);
	} else {
		json_decref(backlog);
	}
	if (j)
		pl_render_socket_place(j, set, s);
	return j;
}

#define SEQ_MAX 64

/* The previous port's records, by registry index, with their JSON (held). */
struct pl_render_seq {
	uint32_t idx[SEQ_MAX];
	json_t *json[SEQ_MAX];
	size_t n;
	bool listeners_only; /* a range: list listeners, count the rest (pl_render_seq_listeners_only) */
	/* A range's ports where nothing is: one "local" object, shared (for the socket set it speaks of). */
	json_t *empty_local;
	const pl_socket_set *empty_set;
	json_t *empty_evidence; /* the "evidence" of a port no source knows (pl_render_evidence_json_or_empty) */
	const pl_services_file *empty_services;
};

pl_render_seq *pl_render_seq_new(void)
{
	return calloc(1, sizeof(pl_render_seq));
}

void pl_render_seq_free(pl_render_seq *seq)
{
	if (!seq)
		return;
	for (size_t i = 0; i < seq->n; i++)
		json_decref(seq->json[i]);
	json_decref(seq->empty_local);
	json_decref(seq->empty_evidence);
	free(seq);
}

void pl_render_seq_listeners_only(pl_render_seq *seq, bool on)
{
	if (seq)
		seq->listeners_only = on;
}

static json_t *local_json(const pl_report *rep, const pl_port_report *p, pl_render_seq *seq);

/* Most ports of a range have nothing on them: their "local" is the same object, built once. */
static json_t *empty_local_json(const pl_report *rep, const pl_port_report *p, pl_render_seq *seq)
{
	if (seq->empty_local && seq->empty_set == rep->sockets)
		return json_incref(seq->empty_local);
	json_decref(seq->empty_local);
	seq->empty_local = NULL;
	pl_render_seq plain = *seq;
	plain.listeners_only = false;
	plain.empty_local = NULL; /* build it, do not recurse */
	json_t *j = local_json(rep, p, &plain);
	json_t *v = json_object_get(j, "verdict");
	json_object_set_new(v, "explanation", json_string("Nothing uses this port on this host right now."));
	seq->empty_local = json_incref(j);
	seq->empty_set = rep->sockets;
	return j;
}

static json_t *local_json(const pl_report *rep, const pl_port_report *p, pl_render_seq *seq)
{
	/* (a port published through DNAT is not empty: its chain is its answer) */
	if (seq && seq->listeners_only && rep->sockets && p->nsocks == 0 &&
	    !pl_published_find(rep->sockets, p->port, rep->spec.proto, NULL, 0))
		return empty_local_json(rep, p, seq);
	if (!rep->sockets)
		return json_pack("{s:b, s:o, s:n, s:o, s:n, s:i, s:b}", "checked", false, "error",
				 pl_json_text_or_null(rep->local_error), "note", "sockets", json_array(), "verdict",
				 "connections", 0, "connections_listed", true);
	const pl_socket_set *set = rep->sockets;
	json_t *socks = json_array();
	/* The sockets that do not listen (connections, TIME-WAIT) are counted; in a range they are not listed
	 * (10,000 connections would be 10,000 objects in a sweep of ports): `portlore PORT` lists them. */
	bool listed = !(seq && seq->listeners_only);
	size_t others = 0;
	for (size_t i = 0; i < p->nsocks; i++) {
		const pl_socket *s = &set->socks[p->socks[i]];
		others += !s->listening;
		if (listed || s->listening)
			json_array_append_new(socks, pl_render_socket_json(set, s));
	}
	char text[512];
	/* Published through DNAT: the chain says more than any socket here (a runtime's reservation, or none) */
	json_t *published = json_array();
	uint32_t pub[16];
	size_t npub = pl_published_find(set, p->port, rep->spec.proto, pub, 16);
	for (size_t i = 0; i < npub && i < 16; i++)
		json_array_append_new(published, pl_render_published_json(set, &set->published[pub[i]]));
	bool all_reserved = p->nsocks > 0;
	for (size_t i = 0; i < p->nsocks; i++)
		if (set->socks[p->socks[i]].listening && !pl_socket_reservation(set, &set->socks[p->socks[i]]))
			all_reserved = false;
	if (npub && (p->nsocks == 0 || all_reserved))
		snprintf(text, sizeof text, "%s",
			 pl_json_member(json_array_get(published, 0), "explanation"));
	else if (p->nsocks == 0)
		snprintf(text, sizeof text, "Nothing uses port %u on this host right now.", p->port);
	else if (p->local.verdict == PL_VERDICT_NONE)
		snprintf(text, sizeof text, "Nothing listens on port %u; %zu connection%s use%s it as a local port.", p->port,
			 p->nsocks, p->nsocks == 1 ? "" : "s", p->nsocks == 1 ? "s" : "");
	else
		pl_verdict_explain(rep->reg, set, &set->socks[p->local.socket], p->local.verdict, p->local.record,
				   p->local.has_record, text, sizeof text);
	pl_record r = {0};
	if (p->local.has_record)
		pl_registry_record(rep->reg, p->local.record, &r);
	json_t *verdict = json_pack("{s:s, s:o, s:s, s:o}", "verdict", pl_verdict_name(p->local.verdict), "service",
				    p->local.has_record ? pl_json_text(r.name) : json_null(), "confidence",
				    "names only: the process, executable, systemd unit (and a generic runtime's command line) "
				    "against the registered name, its known daemons and the port's known uses",
				    "explanation", pl_json_text(text));
	/* A lone port with a listener asks the kernel for listeners only (bench/sockets.sh): its connections are
	 * then not known, neither listed nor counted. */
	bool skipped = set->connections_skipped || rep->connections_skipped;
	json_t *local = json_pack("{s:b, s:n, s:o, s:o, s:o, s:o, s:o, s:o, s:b}", "checked", true, "error", "note",
				  pl_json_text_or_null(set->note), "sockets", socks, "verdict", verdict, "published",
				  published, "nat_error", pl_json_text_or_null(set->nat_error), "connections",
				  skipped ? json_null() : json_integer((json_int_t)others), "connections_listed",
				  listed && !skipped);
	/* how owners were found, for this port's sockets (null when it has none: nothing was looked for) */
	json_object_set_new(local, "owner_search", p->nsocks ? owner_search_json(set) : json_null());
	if (local && p->nprobes) {
		pl_render_probe_local(rep->reg, p->probes, p->nprobes, local);
		/* a published port held by a runtime's reservation: the chain first, then what answered through it */
		json_t *v = json_object_get(local, "verdict");
		if (npub && (p->nsocks == 0 || all_reserved) && json_is_object(v)) {
			char both[1024];
			snprintf(both, sizeof both, "%s %s", text, pl_json_member(v, "explanation"));
			json_object_set_new(v, "explanation", pl_json_text(both));
		}
	}
	return local;
}

static json_t *record_of(const pl_report *rep, uint32_t idx, const pl_render_seq *seq)
{
	for (size_t k = 0; seq && k < seq->n; k++)
		if (seq->idx[k] == idx)
			return json_incref(seq->json[k]);
	pl_record rec;
	return pl_registry_record(rep->reg, idx, &rec) == 0 ? pl_render_record_json(rep->reg, &rec) : NULL;
}

static json_t *port_json(const pl_report *rep, const pl_port_report *p, pl_render_seq *seq)
{
	json_t *records = json_array(), *missing = json_array();
	pl_render_seq next = {.n = 0};
	for (size_t i = 0; i < p->nrecords; i++) {
		json_t *r = record_of(rep, p->records[i], seq);
		if (!r)
			continue;
		if (seq && next.n < SEQ_MAX) {
			next.idx[next.n] = p->records[i];
			next.json[next.n++] = json_incref(r);
		}
		json_array_append_new(records, r);
	}
	if (seq) { /* this port's records become the ones the next port may share */
		for (size_t k = 0; k < seq->n; k++)
			json_decref(seq->json[k]);
		memcpy(seq->idx, next.idx, sizeof next.idx);
		memcpy(seq->json, next.json, sizeof next.json);
		seq->n = next.n;
	}
	for (int t = PL_PROTO_TCP; t < PL_PROTO_COUNT; t++)
		if (p->missing & (1u << t))
			json_array_append_new(missing, json_string(pl_proto_name((pl_proto)t)));
	json_t *ev;
	bool empty = false;
	if (seq && (ev = pl_render_evidence_json_or_empty(rep, p, &empty)) == NULL && empty) {
		/* the same object for every port nothing is known of (for the host services file it was built with) */
		if (!seq->empty_evidence || seq->empty_services != rep->services) {
			json_decref(seq->empty_evidence);
			seq->empty_evidence = pl_render_evidence_json(rep, p);
			seq->empty_services = rep->services;
		}
		ev = json_incref(seq->empty_evidence);
	} else if (!seq) {
		ev = pl_render_evidence_json(rep, p);
	}
	json_t *ghost = ghost_json(rep->reg, p, ev);
	if (!p->has_port)
		return pl_jobj("port", json_null(), "range", json_null(), "bind", json_null(), "ephemeral", json_null(),
			       "records", records, "unregistered_transports", missing, "ghost", ghost, "local", json_null(),
			       "evidence", ev, NULL);
	uint16_t first, last;
	pl_range_bounds(p->range, &first, &last);
	/* "local" is null when the caller skipped the host part (--no-local). */
	json_t *local = rep->sockets || rep->local_error[0] ? local_json(rep, p, seq) : json_null();
	return pl_jobj("port", json_integer(p->port), "range",
		       pl_jobj("class", pl_jlit(pl_range_name(p->range)), "first", json_integer(first), "last",
			       json_integer(last), NULL),
		       "bind", bind_json(rep, p), "ephemeral", ephemeral_json(rep, p), "records", records,
		       "unregistered_transports", missing, "ghost", ghost, "local", local, "evidence", ev, NULL);
}

json_t *pl_render_port_json(const pl_report *rep, size_t i)
{
	return i < rep->nports ? port_json(rep, &rep->ports[i], NULL) : NULL;
}

json_t *pl_render_port_json_seq(const pl_report *rep, size_t i, pl_render_seq *seq)
{
	return i < rep->nports ? port_json(rep, &rep->ports[i], seq) : NULL;
}

json_t *pl_render_host_json(const pl_host_ports *h)
{
	return host_json(h);
}

json_t *pl_render_query_json(const pl_spec *s)
{
	return s->kind == PL_SPEC_NAME ? pl_jobj("kind", pl_jlit("name"), "name", pl_json_text(s->name), "transport",
						 pl_json_text_or_null(pl_proto_name(s->proto)), NULL)
				       : pl_jobj("kind", pl_jlit("ports"), "first", json_integer(s->lo), "last",
						 json_integer(s->hi), "transport", pl_json_text_or_null(pl_proto_name(s->proto)),
						 NULL);
}

json_t *pl_render_report_json(const pl_report *rep, const pl_render_meta *meta)
{
	json_t *ports = json_array();
	for (size_t i = 0; i < rep->nports; i++)
		json_array_append_new(ports, port_json(rep, &rep->ports[i], NULL));
	json_t *query = pl_render_query_json(&rep->spec);
	return pl_jobj("schema", json_integer(PL_SCHEMA_VERSION), "kind", pl_jlit("port_report"), "portlore",
		       json_string(meta && meta->version ? meta->version : ""), "registry", registry_json(rep->reg, meta),
		       "query", query, "host", host_json(&rep->host), "ports", ports, "evidence_sources",
		       pl_render_evidence_sources_json(), NULL);
}

static const char *match_name(pl_match m)
{
	switch (m) {
	case PL_MATCH_EXACT: return "exact";
	case PL_MATCH_PREFIX: return "prefix";
	case PL_MATCH_WORD: return "word";
	case PL_MATCH_ALIAS: return "alias";
	default: return "substring";
	}
}

json_t *pl_render_search_json(const pl_registry *reg, const char *term, const pl_hit *hits, size_t nhits,
			      const pl_render_meta *meta)
{
	return pl_render_search_json_ex(reg, term, hits, nhits, nhits, meta);
}

json_t *pl_render_search_json_ex(const pl_registry *reg, const char *term, const pl_hit *hits, size_t nhits,
				 size_t total, const pl_render_meta *meta)
{
	json_t *results = json_array();
	for (size_t i = 0; i < nhits; i++) {
		pl_record rec;
		if (pl_registry_record(reg, hits[i].index, &rec))
			continue;
		json_t *r = pl_render_record_json(reg, &rec);
		json_object_set_new(r, "match", json_string(match_name(hits[i].match)));
		json_array_append_new(results, r);
	}
	if (total < nhits)
		total = nhits;
	return json_pack("{s:i, s:s, s:s, s:o, s:o, s:I, s:b, s:o}", "schema", PL_SCHEMA_VERSION, "kind", "search", "portlore",
			 meta && meta->version ? meta->version : "", "registry", registry_json(reg, meta), "query", pl_json_text(term),
			 "total", (json_int_t)total, "cut", total > nhits, "results", results);
}

/* `portlore ls`: each socket with the services registered for its port and transport, and the verdict. */
json_t *pl_render_sockets_json(const pl_registry *reg, const pl_socket_set *set, const pl_render_meta *meta)
{
	json_t *socks = json_array();
	for (size_t i = 0; i < set->n; i++) {
		const pl_socket *s = &set->socks[i];
		json_t *j = pl_render_socket_json(set, s);
		uint32_t idx[64];
		size_t n = pl_registry_lookup_port(reg, s->local_port, s->proto, idx, 64);
		if (n > 64)
			n = 64;
		json_t *names = json_array();
		for (size_t k = 0; k < n; k++) {
			pl_record r;
			if (pl_registry_record(reg, idx[k], &r) == 0 && r.status == PL_STATUS_ASSIGNED && *r.name)
				json_array_append_new(names, pl_json_text(r.name));
		}
		json_object_set_new(j, "registered", names);
		const char *reserved = pl_socket_reservation(set, s);
		if (reserved) {
			/* a container runtime's hold on a published port: the service is behind it, not this */
			json_object_set_new(j, "verdict", json_pack("{s:s, s:s}", "verdict", "unknown", "explanation", reserved));
		} else if (s->listening) {
			uint32_t rec = 0;
			bool has = false;
			char text[512];
			pl_match_verdict v = pl_verdict_judge(reg, set, s, idx, n, &rec, &has);
			pl_verdict_explain(reg, set, s, v, rec, has, text, sizeof text);
			json_object_set_new(j, "verdict", json_pack("{s:s, s:o}", "verdict", pl_verdict_name(v),
								    "explanation", pl_json_text(text)));
		} else {
			json_object_set_new(j, "verdict", json_null());
		}
		json_array_append_new(socks, j);
	}
	json_t *doc = json_pack("{s:i, s:s, s:s, s:o, s:{s:b, s:b, s:b, s:o}, s:o}", "schema", PL_SCHEMA_VERSION, "kind",
			 "sockets", "portlore", meta && meta->version ? meta->version : "", "registry",
			 registry_json(reg, meta), "source", "procfs_fallback", set->used_procfs, "sctp_missing",
			 set->sctp_missing, "owners_partial", set->owners_partial, "note", pl_json_text_or_null(set->note),
			 "sockets", socks);
	json_object_set_new(json_object_get(doc, "source"), "owner_search", owner_search_json(set));
	if (doc)
		pl_render_sockets_places(doc, set);
	return doc;
}

/* The sockets module: what is ACTUALLY there on this host. For now, the kernel's port policy (who may
 * bind what, which ports the kernel hands out as ephemeral); socket enumeration follows. Every path is
 * read under an explicit proc_root so that tests can hand in a fake /proc tree. */
#ifndef PORTLORE_SOCKETS_H
#define PORTLORE_SOCKETS_H

#include <stdbool.h>
#include <stdint.h>

#include "portlore/error.h"

#define PL_MAX_RESERVED_RANGES 64

typedef struct pl_host_ports {
	int unpriv_start;       /* net.ipv4.ip_unprivileged_port_start, -1 when unreadable */
	int eph_lo, eph_hi;     /* net.ipv4.ip_local_port_range, -1 when unreadable */
	/* net.ipv4.ip_local_reserved_ports: kept out of the ephemeral pool for listeners */
	uint16_t reserved[PL_MAX_RESERVED_RANGES][2];
	int nreserved;          /* -1 when unreadable */
	bool root;              /* the calling user can bind any port (euid 0 or CAP_NET_BIND_SERVICE) */
} pl_host_ports;

/* Reads the sysctls under proc_root ("/proc" normally). Never fails: unknown values are -1. */
void pl_host_ports_read(const char *proc_root, pl_host_ports *out);
bool pl_host_port_reserved(const pl_host_ports *h, uint16_t port);

#endif

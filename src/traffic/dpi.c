/* Protocol by payload with nDPI (Debian's libndpi), loaded on first use like the other heavy libraries:
 * `portlore PORT` never maps it. One detection module per analysis; each flow gets nDPI's state until nDPI
 * decides (or PL_DPI_MAX_PACKETS pass), then that state is freed, so memory follows the undecided flows
 * only. nDPI's guesses by port or address are refused: a port is the question here, not evidence. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ndpi_api.h>

#include "internal.h"
#include "util/dl.h"

#define NDPI_SYMS(X)                                                                                          \
	X(ndpi_init_detection_module)                                                                         \
	X(ndpi_set_protocol_detection_bitmask2)                                                               \
	X(ndpi_finalize_initialization)                                                                       \
	X(ndpi_exit_detection_module)                                                                         \
	X(ndpi_detection_get_sizeof_ndpi_flow_struct)                                                         \
	X(ndpi_detection_process_packet)                                                                      \
	X(ndpi_detection_giveup)                                                                              \
	X(ndpi_free_flow)                                                                                     \
	X(ndpi_get_proto_name)                                                                                \
	X(ndpi_revision)

NDPI_SYMS(PL_DL_DECLARE)
static const pl_dl_sym ndpi_syms[] = {NDPI_SYMS(PL_DL_ENTRY){NULL, NULL}};
/* The soname of Debian's libndpi4.2; later ABIs would need their own symbol checks before joining the list. */
static const char *const ndpi_sonames[] = {"libndpi.so.4.2", "libndpi.so.4", NULL};
static void *ndpi_handle;

struct pl_dpi {
	struct ndpi_detection_module_struct *mod;
	size_t flow_size;
	char version[64];
};

int pl_dpi_open(pl_dpi **out, char *why, size_t size)
{
	pl_error err = {0};
	*out = NULL;
	if (pl_dl_load(&ndpi_handle, ndpi_sonames, ndpi_syms, "libndpi", &err)) {
		snprintf(why, size, "%s", err.msg);
		return PL_EIO;
	}
	pl_dpi *d = calloc(1, sizeof *d);
	if (!d)
		return PL_ENOMEM;
	/* Tor's host list is for naming hosts, which this module does not do; libgcrypt is initialised by nDPI
	 * only for QUIC's initial packets, which it needs. */
	d->mod = sym_ndpi_init_detection_module(ndpi_dont_load_tor_hosts);
	if (!d->mod) {
		free(d);
		snprintf(why, size, "nDPI could not start a detection module");
		return PL_EIO;
	}
	NDPI_PROTOCOL_BITMASK all;
	NDPI_BITMASK_SET_ALL(all);
	sym_ndpi_set_protocol_detection_bitmask2(d->mod, &all);
	sym_ndpi_finalize_initialization(d->mod);
	d->flow_size = sym_ndpi_detection_get_sizeof_ndpi_flow_struct();
	snprintf(d->version, sizeof d->version, "nDPI %s", sym_ndpi_revision());
	*out = d;
	return 0;
}

const char *pl_dpi_version(pl_dpi *d)
{
	return d->version;
}

void pl_dpi_close(pl_dpi *d)
{
	if (!d)
		return;
	sym_ndpi_exit_detection_module(d->mod);
	free(d);
}

static void release(pl_flow *f)
{
	if (f->dpi) {
		sym_ndpi_free_flow(f->dpi);
		f->dpi = NULL;
	}
	f->dpi_done = true;
}

/* Whether nDPI read it from the payload: a match by port or by address list is not evidence here (a
 * port is the question; an address says who, not what was spoken). Read from the flow struct of the exact
 * ABI loaded (only libndpi.so.4.2, the headers compiled against). */
static bool from_payload(const pl_flow *f)
{
	ndpi_confidence_t c = ((const struct ndpi_flow_struct *)f->dpi)->confidence;
	return c == NDPI_CONFIDENCE_DPI || c == NDPI_CONFIDENCE_DPI_CACHE;
}

/* The master protocol when there is one (HTTP under "Google"), else the application itself. */
static void take(pl_dpi *d, pl_flow *f, ndpi_protocol p)
{
	if (!from_payload(f))
		return;
	uint16_t main = p.master_protocol ? p.master_protocol : p.app_protocol;
	if (main == NDPI_PROTOCOL_UNKNOWN)
		return;
	pl_protocol_key(sym_ndpi_get_proto_name(d->mod, main), f->proto, sizeof f->proto);
	if (!f->proto[0])
		return;
	f->by = "ndpi";
	f->app[0] = '\0';
	if (p.master_protocol && p.app_protocol && p.app_protocol != p.master_protocol)
		snprintf(f->app, sizeof f->app, "%s", sym_ndpi_get_proto_name(d->mod, p.app_protocol));
}

void pl_dpi_packet(pl_dpi *d, pl_flow *f, const pl_packet *p, double ts)
{
	if (f->dpi_done || !p->l3 || p->icmp_error)
		return;
	if (!f->dpi) {
		f->dpi = calloc(1, d->flow_size);
		if (!f->dpi) {
			f->dpi_done = true;
			return;
		}
	}
	size_t len = p->l3_len > 65535 ? 65535 : p->l3_len;
	ndpi_protocol r = sym_ndpi_detection_process_packet(d->mod, f->dpi, p->l3, (unsigned short)len,
							     (uint64_t)(ts * 1000.0));
	f->dpi_packets++;
	if ((r.app_protocol != NDPI_PROTOCOL_UNKNOWN || r.master_protocol != NDPI_PROTOCOL_UNKNOWN) && from_payload(f)) {
		take(d, f, r);
		release(f);
	} else if (f->dpi_packets >= PL_DPI_MAX_PACKETS)
		pl_dpi_finish(d, f);
}

void pl_dpi_finish(pl_dpi *d, pl_flow *f)
{
	if (f->dpi && !f->dpi_done) {
		uint8_t guessed = 0;
		ndpi_protocol r = sym_ndpi_detection_giveup(d->mod, f->dpi, 0, &guessed);
		if (!guessed)
			take(d, f, r);
	}
	release(f);
}

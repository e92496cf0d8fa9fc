/* The evidence tables as the build embeds them (tools/mkevidence.py writes them from data/): plain arrays
 * sorted by port, each string an offset into one pool, so that nothing needs relocating at start-up. */
#ifndef PORTLORE_EVIDENCE_TABLES_H
#define PORTLORE_EVIDENCE_TABLES_H

#include <stddef.h>
#include <stdint.h>

struct pl_ev_use { uint16_t lo, hi; uint8_t proto; uint32_t software, protocol, source; };
struct pl_ev_dissector { uint16_t port; uint8_t proto; uint32_t filter, name, full; };
struct pl_ev_freq { uint16_t port; uint8_t proto; uint16_t rank; uint32_t per_million, name; };
struct pl_ev_service { uint16_t port; uint8_t proto; uint32_t name, aliases; };
struct pl_ev_meta { uint32_t key, source, licence; };

extern const struct pl_ev_use pl_ev_uses[];
extern const size_t pl_ev_nuses;
extern const struct pl_ev_dissector pl_ev_dissectors[];
extern const size_t pl_ev_ndissectors;
extern const struct pl_ev_freq pl_ev_freqs[];
extern const size_t pl_ev_nfreqs;
extern const uint32_t pl_ev_freq_start[257]; /* first row of each block of 256 ports */
extern const uint32_t pl_ev_ranked[5]; /* how many ports of each transport have a frequency */
extern const struct pl_ev_service pl_ev_netbase[];
extern const size_t pl_ev_nnetbase;
extern const struct pl_ev_meta pl_ev_meta[];
extern const size_t pl_ev_nmeta;
extern const char pl_ev_str[];

#endif

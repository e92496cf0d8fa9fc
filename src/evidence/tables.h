/* The evidence tables as the build embeds them (tools/mkevidence.py writes them from data/): plain arrays
 * sorted by port, each string an offset into one pool, so that nothing needs relocating at start-up. */
#ifndef PORTLORE_EVIDENCE_TABLES_H
#define PORTLORE_EVIDENCE_TABLES_H

#include <stddef.h>
#include <stdint.h>

struct pl_ev_use { uint16_t lo, hi; uint8_t proto; uint32_t software, protocol, source; };
struct pl_ev_dissector { uint16_t port; uint8_t proto; uint32_t filter, name, full; };
/* 8 bytes a row: the frequency in millionths (at most 1,000,000: 20 bits) and the transport above it. */
struct pl_ev_freq { uint16_t port, rank; uint32_t packed; };
#define PL_EV_FREQ_PROTO(f) ((f)->packed >> 24)
#define PL_EV_FREQ_PER_MILLION(f) ((f)->packed & 0xffffffu)
struct pl_ev_service { uint16_t port; uint8_t proto; uint32_t name, aliases; };
struct pl_ev_meta { uint32_t key, source, licence, version; };

extern const struct pl_ev_use pl_ev_uses[];
extern const size_t pl_ev_nuses;
extern const uint32_t pl_ev_ranges[]; /* the rows of pl_ev_uses that cover more than one port, in order */
extern const size_t pl_ev_nranges;
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

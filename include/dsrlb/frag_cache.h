/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Forwarding IP fragments without reassembly (issue 15), as IPVS and
 * Maglev do: the first fragment goes with its flow (it has the ports) and
 * leaves its choice in a small per-lcore cache keyed by (source,
 * destination, protocol, identification); later fragments, which carry no
 * ports, find the choice there, or, when the first fragment has not been
 * seen (lost, reordered, on another lcore), go by a hash of (source,
 * destination, protocol).
 *
 * The cache is direct-mapped: a colliding datagram takes the slot over,
 * and an entry lives FRAG_CACHE_TTL_NS (reassembly timers are 30 s in
 * Linux, 60 s in RFC 8200; fragments of one datagram come together).
 */
#ifndef DSRLB_FRAG_CACHE_H_
#define DSRLB_FRAG_CACHE_H_

#include <stdbool.h>
#include <stdint.h>

#include "dsrlb/pkt_parse.h"
#include "dsrlb/wire_result.h"

/** Lifetime of a cache entry. */
#define FRAG_CACHE_TTL_NS   2000000000ull
/** Most extension headers crossed to find an IPv6 Fragment header. */
#define FRAG_MAX_EXT        8

/** What identifies the datagram a fragment belongs to (RFC 791, RFC
 *  8200 §4.5). Addresses: IPv4 in the first 4 bytes, rest zero. */
struct frag_id {
	uint8_t family;
	uint8_t proto;              /**< upper-layer protocol */
	uint8_t pad[2];
	uint32_t id;                /**< identification (IPv4: 16 bits) */
	uint8_t src[16];
	uint8_t dst[16];
};

struct frag_entry {
	struct frag_id key;
	uint64_t expire_ns;         /**< 0: empty */
	uint16_t vip;
	uint16_t backend;
};

struct frag_cache {
	uint32_t mask;              /**< slots - 1 */
	struct frag_entry *e;
};

/**
 * Read the datagram identity of a fragment whose frame @p m describes (as
 * far as pkt_parse() filled it: a later fragment fails the parse with
 * WIRE_ERR_IPV4_FRAGMENT / WIRE_ERR_IP6EXT_FRAGMENT but has its family,
 * l3_off and addresses). IPv6: the Fragment header is found by crossing
 * Hop-by-Hop, Routing and Destination Options headers (at most
 * FRAG_MAX_EXT).
 * @return WIRE_OK; WIRE_ERR_NOT_FOUND (not a fragment); WIRE_ERR_TRUNCATED.
 */
enum wire_result frag_read(const uint8_t *frame, uint32_t len,
			   const struct pkt_meta *m, struct frag_id *id);

/** Allocate @p slots entries (rounded up to a power of two, at least 16).
 *  @return 0 or -ENOMEM. */
int frag_cache_init(struct frag_cache *fc, uint32_t slots);
void frag_cache_fini(struct frag_cache *fc);

/** Remember that datagram @p id goes to (@p vip, @p backend). */
void frag_cache_put(struct frag_cache *fc, const struct frag_id *id,
		    uint16_t vip, uint16_t backend, uint64_t now_ns);

/** Look @p id up. @return true with @p vip and @p backend set. */
bool frag_cache_get(const struct frag_cache *fc, const struct frag_id *id,
		    uint64_t now_ns, uint16_t *vip, uint16_t *backend);

/** A 32-bit hash of (source, destination, protocol) of @p id, seeded:
 *  the choice for a later fragment whose first was not seen. */
uint32_t frag_3tuple_hash(const struct frag_id *id, uint64_t seed);

/**
 * Set the destination address of the IP packet at @p l3_off to @p addr
 * (4 or 16 bytes by @p family), keeping the IPv4 header checksum right
 * and touching nothing else: a later fragment has no transport checksum
 * to fix (the first fragment's covers the whole datagram).
 */
void frag_set_dst(uint8_t *frame, uint32_t l3_off, uint8_t family,
		  const uint8_t *addr);

#endif /* DSRLB_FRAG_CACHE_H_ */

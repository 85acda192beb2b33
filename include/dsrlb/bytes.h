/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Unaligned big-endian loads and stores. Wire fields are read through these
 * (never through a cast pointer) so that no access depends on alignment.
 *
 * Each is one unaligned access through memcpy() and a byte swap on a
 * little-endian host: the byte-by-byte form is what GCC emits for the
 * stores when it cannot merge them (issue 19: store_be16() alone was 17
 * instructions of a pinned packet's rewrite).
 */
#ifndef DSRLB_BYTES_H_
#define DSRLB_BYTES_H_

#include <stdint.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define DSRLB_BE16(v) __builtin_bswap16(v)
#define DSRLB_BE32(v) __builtin_bswap32(v)
#define DSRLB_BE64(v) __builtin_bswap64(v)
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define DSRLB_BE16(v) (v)
#define DSRLB_BE32(v) (v)
#define DSRLB_BE64(v) (v)
#else
#error "dsrlb: unknown byte order"
#endif

static inline uint16_t
load_be16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return (uint16_t)DSRLB_BE16(v);
}

static inline uint32_t
load_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return (uint32_t)DSRLB_BE32(v);
}

static inline uint64_t
load_be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return (uint64_t)DSRLB_BE64(v);
}

static inline void
store_be16(uint8_t *p, uint16_t v)
{
	v = (uint16_t)DSRLB_BE16(v);
	memcpy(p, &v, 2);
}

static inline void
store_be32(uint8_t *p, uint32_t v)
{
	v = (uint32_t)DSRLB_BE32(v);
	memcpy(p, &v, 4);
}

static inline void
store_be64(uint8_t *p, uint64_t v)
{
	v = (uint64_t)DSRLB_BE64(v);
	memcpy(p, &v, 8);
}

#endif /* DSRLB_BYTES_H_ */

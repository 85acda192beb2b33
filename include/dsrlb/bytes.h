/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Unaligned big-endian loads and stores. Wire fields are read through these
 * (never through a cast pointer) so that no access depends on alignment.
 */
#ifndef DSRLB_BYTES_H_
#define DSRLB_BYTES_H_

#include <stdint.h>

static inline uint16_t
load_be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t
load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void
store_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif /* DSRLB_BYTES_H_ */

/* SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>
#include <stdint.h>

#include "dsrlb/flow_hash.h"

uint64_t
flow_hash_bytes(uint64_t seed, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t s1 = seed ^ FH_K1;
	uint64_t h = seed ^ FH_K0;
	uint64_t a = 0, b = 0;
	size_t rem = len;

	while (rem > 16) {
		h = fh_fold(fh_le64(p) ^ s1, fh_le64(p + 8) ^ h);
		p += 16;
		rem -= 16;
	}
	/* Last block: 0..16 bytes, zero-padded; the length is mixed in by
	 * fh_finish, so padding cannot collide with real zero bytes. */
	if (rem > 8) {
		a = fh_le64(p);
		b = fh_le_partial(p + 8, rem - 8);
	} else if (rem > 0) {
		a = fh_le_partial(p, rem);
	}
	h = fh_fold(a ^ s1, b ^ h);
	return fh_finish(h, len);
}

size_t
flow_hash_serialize(uint8_t *out, const uint8_t *saddr, const uint8_t *daddr,
		    unsigned int addr_len, uint16_t sport, uint16_t dport,
		    uint8_t proto)
{
	uint8_t *p = out;
	unsigned int i;

	if (addr_len != 4 && addr_len != 16)
		return 0;
	for (i = 0; i < addr_len; i++)
		*p++ = saddr[i];
	for (i = 0; i < addr_len; i++)
		*p++ = daddr[i];
	*p++ = (uint8_t)(sport >> 8);
	*p++ = (uint8_t)sport;
	*p++ = (uint8_t)(dport >> 8);
	*p++ = (uint8_t)dport;
	*p++ = proto;
	return (size_t)(p - out);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* In-place header rewrites with incremental checksums (pkt_rewrite.h). */
#include <string.h>

#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
#include "dsrlb/pkt_rewrite.h"
#include "dsrlb/wire.h"

uint32_t
pkt_l4_csum_at(const uint8_t *frame, uint32_t len, const struct pkt_meta *m)
{
	uint32_t at;

	if (m->l4_proto == IPPROTO_NUM_TCP)
		at = m->l4_off + 16u;
	else if (m->l4_proto == IPPROTO_NUM_UDP)
		at = m->l4_off + 6u;
	else
		return 0;
	if (at + 2 > len)
		return 0;
	if (m->l4_proto == IPPROTO_NUM_UDP && m->family == 4 &&
	    load_be16(frame + at) == 0)
		return 0;
	return at;
}

/* memcmp() == 0 without the call for the addresses (4 and 16 bytes). */
static inline bool
field_same(const uint8_t *a, const uint8_t *b, unsigned int n)
{
	uint64_t a0, a1, b0, b1;
	uint32_t x, y;

	if (n == 4) {
		memcpy(&x, a, 4);
		memcpy(&y, b, 4);
		return x == y;
	}
	if (n == 16) {
		memcpy(&a0, a, 8);
		memcpy(&a1, a + 8, 8);
		memcpy(&b0, b, 8);
		memcpy(&b1, b + 8, 8);
		return ((a0 ^ b0) | (a1 ^ b1)) == 0;
	}
	return memcmp(a, b, n) == 0;
}

/* Both checksums that cover the field, by one delta, then the field. */
static inline void
rewrite_apply(uint8_t *frame, uint32_t len, const struct pkt_meta *m,
	      uint32_t at, const uint8_t *nv, unsigned int n, bool in_ip_hdr,
	      uint64_t delta)
{
	uint32_t l4c = pkt_l4_csum_at(frame, len, m);

	if (l4c != 0) {
		uint16_t c = csum_apply_delta(load_be16(frame + l4c), delta);

		if (m->l4_proto == IPPROTO_NUM_UDP && c == 0)
			c = 0xffff;
		store_be16(frame + l4c, c);
	}
	if (in_ip_hdr && m->family == 4) {
		uint32_t hc = m->l3_off + 10u;

		store_be16(frame + hc, csum_apply_delta(load_be16(frame + hc),
							delta));
	}
	memcpy(frame + at, nv, n);
}

void
pkt_rewrite_field(uint8_t *frame, uint32_t len, const struct pkt_meta *m,
		  uint32_t at, const uint8_t *nv, unsigned int n,
		  bool in_ip_hdr)
{
	if (field_same(frame + at, nv, n))
		return;
	/* One pass over the field for both checksums that cover it. */
	rewrite_apply(frame, len, m, at, nv, n, in_ip_hdr,
		      csum_delta_bytes(frame + at, nv, n));
}

void
pkt_rewrite_field_delta(uint8_t *frame, uint32_t len, const struct pkt_meta *m,
			uint32_t at, const uint8_t *nv, unsigned int n,
			bool in_ip_hdr, uint64_t delta)
{
	rewrite_apply(frame, len, m, at, nv, n, in_ip_hdr, delta);
}

void
pkt_rewrite_src_dst(uint8_t *frame, uint32_t len, const struct pkt_meta *m,
		    const uint8_t *src, const uint8_t *dst)
{
	const unsigned int n = m->family == 4 ? 4u : 16u;
	const uint32_t sa = pkt_src_at(m), da = pkt_dst_at(m);
	const bool ds = !field_same(frame + sa, src, n);
	const bool dd = !field_same(frame + da, dst, n);
	uint64_t delta = 0;

	/* Only the addresses that change: an unchanged one adds a multiple
	 * of 0xffff, which could turn a zero sum into 0xffff. */
	if (ds)
		delta += csum_delta_bytes(frame + sa, src, n);
	if (dd)
		delta += csum_delta_bytes(frame + da, dst, n);
	if (ds || dd)
		rewrite_apply(frame, len, m, sa, src, n, true, delta);
	if (dd)
		memcpy(frame + da, dst, n);
}

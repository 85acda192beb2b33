/* SPDX-License-Identifier: BSD-3-Clause */
/* In-place header rewrites with incremental checksums (pkt_rewrite.h). */
#include <string.h>

#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
#include "dsrlb/pkt_rewrite.h"
#include "dsrlb/wire.h"

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

void
pkt_rewrite_field(uint8_t *frame, uint32_t len, const struct pkt_meta *m,
		  uint32_t at, const uint8_t *nv, unsigned int n,
		  bool in_ip_hdr)
{
	if (field_same(frame + at, nv, n))
		return;
	/* One pass over the field for both checksums that cover it. */
	pkt_rewrite_apply_(frame, len, m, at, nv, n, in_ip_hdr,
			   csum_delta_fold16(csum_delta_bytes(frame + at, nv,
							      n)));
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
	if (ds && dd && field_same(src, frame + da, n)) {
		/* The source takes the old destination's value (a server
		 * message back to its client: VIP -> source): those words
		 * cancel, ~a + a = 0xffff each. One pass over the old source
		 * and the new destination, plus one 0xffff for them (issue
		 * 19): congruent to the two deltas modulo 0xffff and, like
		 * their sum, never zero, so both fold to the same 16 bits
		 * (csum_delta_fold16()). */
		delta = csum_delta_bytes(frame + sa, dst, n) + 0xFFFFu;
	} else {
		if (ds)
			delta += csum_delta_bytes(frame + sa, src, n);
		if (dd)
			delta += csum_delta_bytes(frame + da, dst, n);
	}
	if (ds || dd)
		pkt_rewrite_apply_(frame, len, m, sa, src, n, true,
				   csum_delta_fold16(delta));
	if (dd)
		memcpy(frame + da, dst, n);
}

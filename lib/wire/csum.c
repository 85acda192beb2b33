/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"

/* One's complement sum of @p len bytes in host order, 4 bytes at a time
 * into a 64-bit accumulator, folded to 16 bits. The sum is independent of
 * byte order up to a swap of its two bytes (RFC 1071 §2(B)), which
 * host_to_be16_sum() undoes; a trailing odd byte is the high byte of its
 * big-endian word. */
static inline uint32_t
host_sum16(const uint8_t *data, size_t len)
{
	uint64_t acc = 0;
	uint32_t w;
	uint16_t h;
	size_t i = 0;

	for (; i + 4 <= len; i += 4) {
		memcpy(&w, data + i, 4);
		acc += w;
	}
	if (i + 2 <= len) {
		memcpy(&h, data + i, 2);
		acc += h;
		i += 2;
	}
	if (i < len) {
		const uint8_t tail[2] = { data[i], 0 };

		memcpy(&h, tail, 2);
		acc += h;
	}
	acc = (acc & 0xFFFFFFFFu) + (acc >> 32);
	acc = (acc & 0xFFFFFFFFu) + (acc >> 32);
	acc = (acc & 0xFFFFu) + (acc >> 16);
	acc = (acc & 0xFFFFu) + (acc >> 16);
	return (uint32_t)acc;
}

static inline uint32_t
host_to_be16_sum(uint32_t s)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return s;
#else
	return (uint32_t)(uint16_t)(s << 8 | s >> 8);
#endif
}

uint32_t
csum_partial(const uint8_t *data, size_t len, uint32_t sum)
{
	uint64_t acc = (uint64_t)sum + host_to_be16_sum(host_sum16(data, len));

	return (uint32_t)((acc & 0xFFFFFFFFu) + (acc >> 32));
}

uint16_t
csum_fold(uint32_t sum)
{
	/* Two end-around folds take any 32-bit sum to 16 bits: the first
	 * leaves at most 0x1FFFE, the second at most 0xFFFF. */
	sum = (sum & 0xFFFF) + (sum >> 16);
	sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t
csum_ipv4_hdr(const uint8_t *hdr, size_t hdr_len)
{
	uint64_t acc;
	uint32_t w0, w1;
	uint16_t h;

	/* Sum around the checksum field (bytes 10-11) instead of zeroing it:
	 * the header is not modified. One host-order sum of bytes 0-9 and
	 * 12 on (all at even offsets, so the same 16-bit lanes), one fold
	 * and one swap (RFC 1071 §2(B)): every option insert and strip
	 * recomputes it (issue 19). */
	memcpy(&w0, hdr, 4);
	memcpy(&w1, hdr + 4, 4);
	memcpy(&h, hdr + 8, 2);
	acc = (uint64_t)w0 + w1 + h + host_sum16(hdr + 12, hdr_len - 12);
	acc = (acc & 0xFFFFFFFFu) + (acc >> 32);
	acc = (acc & 0xFFFFu) + (acc >> 16);
	acc = (acc & 0xFFFFu) + (acc >> 16);
	acc = (acc & 0xFFFFu) + (acc >> 16);
	return csum_fold(host_to_be16_sum((uint32_t)acc));
}

uint16_t
csum_update16(uint16_t csum, uint16_t old_word, uint16_t new_word)
{
	/* RFC 1624 eqn. 3 */
	uint32_t sum = (uint16_t)~csum;

	sum += (uint16_t)~old_word;
	sum += new_word;
	return csum_fold(sum);
}

uint16_t
csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val)
{
	csum = csum_update16(csum, (uint16_t)(old_val >> 16),
			     (uint16_t)(new_val >> 16));
	return csum_update16(csum, (uint16_t)old_val, (uint16_t)new_val);
}

/* The sum of the four big-endian 16-bit words of 8 bytes, as an exact
 * integer: two lanes of two words at once. */
static inline uint64_t
be_words_sum8(const uint8_t *p)
{
	uint64_t x = load_be64(p);
	uint64_t t = (x & 0x0000FFFF0000FFFFull) +
		     ((x >> 16) & 0x0000FFFF0000FFFFull);

	return (t & 0xFFFFFFFFu) + (t >> 32);
}

uint64_t
csum_delta_bytes(const uint8_t *old_bytes, const uint8_t *new_bytes,
		 size_t len)
{
	/* RFC 1624 eqn. 3 over every 16-bit word, HC' = ~(~HC + sum(~m +
	 * m')), with ~m = 0xFFFF - m summed as exact integers (8 bytes per
	 * step, issue 19) before one fold: the same value, +0 and -0
	 * included, as folding word by word. */
	uint64_t sum = 0;
	size_t i = 0;
	uint32_t o, n;

	for (; i + 8 <= len; i += 8)
		sum += 4u * 0xFFFFu - be_words_sum8(old_bytes + i) +
		       be_words_sum8(new_bytes + i);
	if (i + 4 <= len) {
		o = load_be32(old_bytes + i);
		n = load_be32(new_bytes + i);
		sum += 2u * 0xFFFFu - (o >> 16) - (o & 0xFFFFu) + (n >> 16) +
		       (n & 0xFFFFu);
		i += 4;
	}
	if (i + 2 <= len)
		sum += 0xFFFFu - load_be16(old_bytes + i) +
		       load_be16(new_bytes + i);
	return sum;
}

uint16_t
csum_update_bytes(uint16_t csum, const uint8_t *old_bytes,
		  const uint8_t *new_bytes, size_t len)
{
	return csum_apply_delta(csum, csum_delta_bytes(old_bytes, new_bytes,
						       len));
}

uint32_t
csum_pseudo_ipv4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4_len)
{
	uint64_t sum = 0;

	sum += src >> 16;
	sum += src & 0xFFFF;
	sum += dst >> 16;
	sum += dst & 0xFFFF;
	sum += proto;
	sum += l4_len;
	while (sum >> 32)
		sum = (sum & 0xFFFFFFFFu) + (sum >> 32);
	return (uint32_t)sum;
}

uint32_t
csum_pseudo_ipv6(const uint8_t src[16], const uint8_t final_dst[16],
		 uint8_t proto, uint32_t l4_len)
{
	uint32_t sum;

	sum = csum_partial(src, 16, 0);
	sum = csum_partial(final_dst, 16, sum);
	sum = csum_partial((const uint8_t[]){ (uint8_t)(l4_len >> 24),
					      (uint8_t)(l4_len >> 16),
					      (uint8_t)(l4_len >> 8),
					      (uint8_t)l4_len, 0, 0, 0, proto },
			   8, sum);
	return sum;
}

uint16_t
csum_l4(uint32_t pseudo_sum, const uint8_t *l4, size_t l4_len)
{
	return csum_fold(csum_partial(l4, l4_len, pseudo_sum));
}

/* SPDX-License-Identifier: BSD-3-Clause */
#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"

uint32_t
csum_partial(const uint8_t *data, size_t len, uint32_t sum)
{
	uint64_t acc = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		acc += load_be16(data + i);
	if (len & 1)
		acc += (uint32_t)data[len - 1] << 8;
	while (acc >> 32)
		acc = (acc & 0xFFFFFFFFu) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t
csum_ipv4_hdr(const uint8_t *hdr, size_t hdr_len)
{
	uint32_t sum;

	/* Sum around the checksum field (bytes 10-11) instead of zeroing it:
	 * the header is not modified. */
	sum = csum_partial(hdr, 10, 0);
	sum = csum_partial(hdr + 12, hdr_len - 12, sum);
	return csum_fold(sum);
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

uint16_t
csum_update_bytes(uint16_t csum, const uint8_t *old_bytes,
		  const uint8_t *new_bytes, size_t len)
{
	uint32_t sum = (uint16_t)~csum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		sum += (uint16_t)~load_be16(old_bytes + i);
		sum += load_be16(new_bytes + i);
		sum = (sum & 0xFFFF) + (sum >> 16);
	}
	return csum_fold(sum);
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

/* SPDX-License-Identifier: BSD-3-Clause */
/* The polling baseline's message (see poll.h). */
#include <string.h>

#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
#include "dsrlb/poll.h"

void
poll_encode(uint8_t out[POLL_LEN], const struct poll_msg *m)
{
	store_be32(out, POLL_MAGIC);
	out[4] = POLL_VERSION;
	out[5] = m->type;
	store_be16(out + 6, m->score);
	store_be32(out + 8, (uint32_t)(m->nonce >> 32));
	store_be32(out + 12, (uint32_t)m->nonce);
}

enum wire_result
poll_decode(const uint8_t *p, size_t len, struct poll_msg *m)
{
	if (p == NULL || m == NULL)
		return WIRE_ERR_INVAL;
	if (len != POLL_LEN)
		return WIRE_ERR_TRUNCATED;
	if (load_be32(p) != POLL_MAGIC || p[4] != POLL_VERSION ||
	    (p[5] != POLL_REQUEST && p[5] != POLL_ANSWER))
		return WIRE_ERR_INVAL;
	m->type = p[5];
	m->score = load_be16(p + 6);
	if (m->type == POLL_REQUEST && m->score != 0)
		return WIRE_ERR_INVAL;
	m->nonce = load_be64(p + 8);
	return WIRE_OK;
}

static void
swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t t[16];

	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

enum wire_result
poll_answer_frame(uint8_t *frame, uint32_t len, const struct pkt_meta *m,
		  uint16_t score)
{
	struct poll_msg q;
	uint8_t *ip, *udp;
	uint32_t l4_len, sum;
	uint16_t c;
	enum wire_result r;

	if (frame == NULL || m == NULL || m->l4_proto != 17 ||
	    m->dport != POLL_PORT || (m->family != 4 && m->family != 6))
		return WIRE_ERR_INVAL;
	ip = frame + m->l3_off;
	/* no options nor extension headers: a poll is a bare datagram */
	if (m->l4_off != m->l3_off + (m->family == 4 ? 20u : 40u))
		return WIRE_ERR_INVAL;
	if ((uint32_t)m->l4_off + 8u + POLL_LEN > len)
		return WIRE_ERR_TRUNCATED;
	udp = frame + m->l4_off;
	l4_len = load_be16(udp + 4);
	if (l4_len != 8u + POLL_LEN)
		return WIRE_ERR_TRUNCATED;
	r = poll_decode(udp + 8, POLL_LEN, &q);
	if (r != WIRE_OK)
		return r;
	if (q.type != POLL_REQUEST)
		return WIRE_ERR_INVAL;

	swap_bytes(frame, frame + 6, 6);
	if (m->family == 4) {
		swap_bytes(ip + 12, ip + 16, 4);
		ip[8] = 64;
		store_be16(ip + 10, 0);
		store_be16(ip + 10, csum_ipv4_hdr(ip, 20));
		sum = csum_pseudo_ipv4(load_be32(ip + 12), load_be32(ip + 16),
				       17, (uint16_t)l4_len);
	} else {
		swap_bytes(ip + 8, ip + 24, 16);
		ip[7] = 64;
		sum = csum_pseudo_ipv6(ip + 8, ip + 24, 17, l4_len);
	}
	swap_bytes(udp, udp + 2, 2);
	q.type = POLL_ANSWER;
	q.score = score;
	poll_encode(udp + 8, &q);
	store_be16(udp + 6, 0);
	c = csum_l4(sum, udp, l4_len);
	store_be16(udp + 6, c == 0 ? 0xffff : c);
	return WIRE_OK;
}

/* SPDX-License-Identifier: BSD-3-Clause */
#include "dsrlb/ip6ext.h"
#include "dsrlb/ipv4opt.h"
#include "dsrlb/pkt_strip.h"
#include "dsrlb/wire.h"

#define MSG_BIT(x) (1u << PKT_MSG_##x)
/* What a message sets in struct pkt_meta (pkt_parse.c). */
#define MSG_BITS (MSG_BIT(CLIENT_TUPLE) | MSG_BIT(METRIC_REQ) | \
		  MSG_BIT(METRIC_ANS) | MSG_BIT(NONCE) |          \
		  MSG_BIT(DSTOPT_ENC) | MSG_BIT(RECOVER))

enum wire_result
pkt_strip_msgs(struct pkt_buf *pb, struct pkt_meta *m, unsigned int *removed)
{
	uint32_t len0;
	enum wire_result r;
	unsigned int n = 0;
	const uint8_t *ip;

	if (pb == NULL || pb->base == NULL || m == NULL ||
	    (m->family != 4 && m->family != 6))
		return WIRE_ERR_INVAL;
	len0 = pb->len;
	if (m->family == 6 && m->ext6 != 0)
		/* only paper headers after the fixed one: no walk */
		r = ip6ext_strip_packed(pb, m->l3_off, m->ext6, m->l4_proto,
					&n);
	else if (m->family == 6)
		r = ip6ext_remove_all(pb, m->l3_off, &n);
	else if (m->opt4 != 0)
		/* where the parse found them: no second parse */
		r = ipv4opt_strip_packed(pb, m->l3_off, m->opt4, &n);
	else
		r = ipv4opt_strip_all(pb, m->l3_off, &n);
	if (r != WIRE_OK)
		return r;
	if (removed != NULL)
		*removed = n;
	/* An SRH's offset moves only by what lay before it; a fragment
	 * (IPv4 MF, IPv6 first fragment) kept its messages (the strip
	 * refuses to change its length) or has none: parse again. */
	if (n == 0 || (m->msgs & (MSG_BIT(SRH) | MSG_BIT(FRAGMENT))))
		return pkt_parse(pkt_buf_data(pb), pb->len, m);
	/* Everything removed lay between the IP header and the transport
	 * header, so nothing else of the parse moves: addresses, ports,
	 * flags and protocol are the transport's and the IP header's. */
	/* The messages' own fields stay as they were, now invalid, as a
	 * parse of the stripped frame leaves them (its fast path). */
	m->msgs &= ~MSG_BITS;
	m->opt4 = 0;
	m->ext6 = 0;
	if (m->family == 4) {
		ip = pkt_buf_data(pb) + m->l3_off;
		m->l4_off = (uint16_t)(m->l3_off + (ip[0] & 0x0F) * 4u);
	} else {
		m->l4_off = (uint16_t)(m->l4_off - (len0 - pb->len));
	}
	return WIRE_OK;
}

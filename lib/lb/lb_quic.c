/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "dsrlb/bytes.h"
#include "dsrlb/lb_quic.h"
#include "dsrlb/quic_lb.h"
#include "dsrlb/wire.h"

enum wire_result
lb_quic_classify(const struct lb_state *st, uint32_t vip,
		 const uint8_t *frame, uint32_t len, const struct pkt_meta *m,
		 struct lb_quic_info *qi)
{
	const struct lb_vip_conf *vc = &st->vip[vip].conf;
	uint32_t off = (uint32_t)m->l4_off + UDP_HDR_LEN, end, ulen;
	uint8_t short_len = 0, sid[16] = { 0 };
	struct quic_hdr h;
	enum wire_result r;

	qi->be = LB_QUIC_NO_SID;
	qi->new_conn = false;
	qi->sid_unknown = false;
	qi->kind = QUIC_KIND_SHORT;
	if (m->l4_proto != IPPROTO_NUM_UDP || off > len)
		return WIRE_ERR_TRUNCATED;
	/* The UDP length bounds the datagram (Ethernet padding is not). */
	ulen = load_be16(frame + m->l4_off + 4);
	if (ulen < UDP_HDR_LEN || m->l4_off + ulen > len)
		return WIRE_ERR_TRUNCATED;
	end = m->l4_off + ulen;
	if (vc->has_quic_lb)
		short_len = (uint8_t)quic_lb_cid_len(&vc->quic_lb);
	r = quic_parse(frame + off, end - off, short_len, 1, &h);
	if (r != WIRE_OK)
		return r;
	qi->kind = h.kind;
	/* RFC 9000 §7.2: a client's Initial and 0-RTT packets carry the
	 * Destination Connection ID it chose itself until it has the
	 * server's; they are a new connection's, chosen by the VIP's mode.
	 * Unknown versions go the same way: their server answers with
	 * Version Negotiation. */
	if (h.kind == QUIC_KIND_INITIAL || h.kind == QUIC_KIND_0RTT ||
	    h.kind == QUIC_KIND_LONG_OTHER) {
		qi->new_conn = h.kind != QUIC_KIND_LONG_OTHER;
		return WIRE_OK;
	}
	if (!vc->has_quic_lb ||
	    !quic_lb_decode(&vc->quic_lb, frame + off + h.dcid_off,
			    h.dcid_len, sid))
		return WIRE_OK;
	qi->be = lb_map_get(&st->quic_map, LB_MAP_QUIC_FAMILY, sid,
			    (uint16_t)vip, 0);
	if (qi->be == UINT32_MAX) {
		qi->be = LB_QUIC_NO_SID;
		qi->sid_unknown = true;
	}
	return WIRE_OK;
}

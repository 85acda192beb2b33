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
	qi->learned = false;
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
	else
		short_len = vc->quic_cid_len;
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
	if (vc->has_quic_lb &&
	    (vc->has_quic_lb_key ?
	     quic_lb_decode_crypt(&st->vip[vip].quic_crypt, &vc->quic_lb,
				  frame + off + h.dcid_off, h.dcid_len, sid) :
	     quic_lb_decode(&vc->quic_lb, frame + off + h.dcid_off,
			    h.dcid_len, sid))) {
		qi->be = lb_map_get(&st->quic_map, LB_MAP_QUIC_FAMILY, sid,
				    (uint16_t)vip, 0);
		if (qi->be != UINT32_MAX)
			return WIRE_OK;
		qi->be = LB_QUIC_NO_SID;
		qi->sid_unknown = true;
	}
	/* A connection ID the VIP's server showed in a long header
	 * (lb_quic_learn()): the lookup resolves the backend by its
	 * address in this state, so an entry of a backend that left
	 * names nobody. */
	if (vc->quic_cid_len != 0 && h.dcid_len == vc->quic_cid_len) {
		uint8_t fam, be_addr[16];
		uint32_t b;

		fam = lb_quic_cids_lookup(st->qcid, st->vip[vip].quic_vkey,
					  frame + off + h.dcid_off, h.dcid_len,
					  be_addr);
		if (fam == 0)
			return WIRE_OK;
		b = lb_map_get(&st->backend_map, fam, be_addr, (uint16_t)vip,
			       LB_MAP_BACKEND_PROTO);
		if (b != UINT32_MAX) {
			qi->be = b;
			qi->learned = true;
			qi->sid_unknown = false;
		}
	}
	return WIRE_OK;
}

int
lb_quic_learn(const struct lb_state *st, uint32_t vip, uint32_t be,
	      const uint8_t *frame, uint32_t len, const struct pkt_meta *m,
	      uint64_t now_ns)
{
	const struct lb_vip_rt *v = &st->vip[vip];
	uint32_t off = (uint32_t)m->l4_off + UDP_HDR_LEN, ulen;
	const struct lb_backend_conf *bc;
	struct quic_hdr h;

	if (v->conf.quic_cid_len == 0 || st->qcid == NULL ||
	    m->l4_proto != IPPROTO_NUM_UDP || off > len ||
	    be >= v->conf.n_backends)
		return 0;
	ulen = load_be16(frame + m->l4_off + 4);
	if (ulen < UDP_HDR_LEN || m->l4_off + ulen > len)
		return 0;
	/* A server's packet: no Initial size rule, and its short headers
	 * carry no SCID. */
	if (quic_parse(frame + off, ulen - UDP_HDR_LEN, 0, 0, &h) != WIRE_OK)
		return 0;
	/* RFC 9000 §7.2: the SCID of the server's Initial and Handshake
	 * packets is the connection ID the client sends to from then on.
	 * Not Retry (the client's next Initial gets a new one), not
	 * Version Negotiation (its SCID echoes the client's DCID). */
	if ((h.kind != QUIC_KIND_INITIAL && h.kind != QUIC_KIND_HANDSHAKE) ||
	    h.scid_len != v->conf.quic_cid_len)
		return 0;
	bc = &v->conf.backend[be];
	return lb_quic_cids_learn(st->qcid, v->quic_vkey,
				  frame + off + h.scid_off, h.scid_len,
				  bc->addr.family, bc->addr.a,
				  (uint32_t)(now_ns / 1000000000ull)) == 0 ?
		1 : -1;
}

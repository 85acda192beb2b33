/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * QUIC VIPs (proto = quic, docs/quic.md): what the appliance reads of a
 * client's QUIC packet to choose its server. Only the invariants (quic.h);
 * the server ID of a connection ID the server minted under the VIP's
 * QUIC-LB configuration (quic_lb.h) names the backend with no flow state,
 * so a connection survives client migration, an appliance restart and
 * ECMP across appliances.
 */
#ifndef DSRLB_LB_QUIC_H_
#define DSRLB_LB_QUIC_H_

#include <stdbool.h>
#include <stdint.h>

#include "dsrlb/lb_engine.h"
#include "dsrlb/pkt_parse.h"
#include "dsrlb/quic.h"

/** No backend named by the connection ID. */
#define LB_QUIC_NO_SID UINT32_MAX

struct lb_quic_info {
	uint32_t be;        /**< backend the DCID's server ID names, or
			     *   LB_QUIC_NO_SID */
	uint8_t kind;       /**< enum quic_kind */
	bool new_conn;      /**< a client Initial or 0-RTT: a new
			     *   connection's first flight (the SYN's part) */
	bool sid_unknown;   /**< the DCID carried a routable server ID that
			     *   is no backend of the VIP */
	bool learned;       /**< @c be comes from a learned connection ID
			     *   (lb_quic_cid.h) */
};

/**
 * Read the QUIC header of client packet @p m (UDP) to VIP @p vip.
 * Initial and 0-RTT packets carry a DCID of the client's choosing and go
 * by the VIP's mode; every other packet whose DCID decodes under the
 * VIP's QUIC-LB configuration names its backend; failing that, on a VIP
 * with quic_cid_len, a connection ID learned from a server's long header
 * (lb_quic_cid.h) names it.
 * @return WIRE_OK, or the reason to drop (truncated UDP, bad QUIC header,
 *         a client Initial under 1200 bytes).
 */
enum wire_result lb_quic_classify(const struct lb_state *st, uint32_t vip,
				  const uint8_t *frame, uint32_t len,
				  const struct pkt_meta *m,
				  struct lb_quic_info *qi);

/**
 * Learn the Source Connection ID of server packet @p frame (UDP, the
 * metric answer from backend @p be of VIP @p vip that the appliance has
 * just accepted) when it is a v1/v2 Initial or Handshake whose SCID has
 * the VIP's quic_cid_len (docs/quic.md).
 * @return 1 learned, 0 nothing to learn (not such a packet), -1 the
 *         table's slot was busy.
 */
int lb_quic_learn(const struct lb_state *st, uint32_t vip, uint32_t be,
		  const uint8_t *frame, uint32_t len,
		  const struct pkt_meta *m, uint64_t now_ns);

#endif /* DSRLB_LB_QUIC_H_ */

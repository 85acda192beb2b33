/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The run-time state of the appliance (lib/lb/lb_state.c): built from a
 * struct lb_config by lb_state_build(): ports, next hops, VIPs, backends
 * with their SIDs, consistent-hash tables, lookup maps. Read-only for the
 * workers except the next-hop table (appended with atomics) and a
 * latency-feedback VIP's table pointer (swapped by the control plane).
 * Replaced as a whole by the control plane, which hands it to the workers
 * (lb_worker_prepare / lb_worker_adopt in lb_engine.h, src/dsrlb/publish.c).
 */
#ifndef DSRLB_LB_STATE_H_
#define DSRLB_LB_STATE_H_

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "dsrlb/bytes.h"
#include "dsrlb/chash.h"
#include "dsrlb/lb_config.h"
#include "dsrlb/lb_quic_cid.h"
#include "dsrlb/quic_lb_crypt.h"
#include "dsrlb/srv6_func.h"

/** A next hop: an on-link neighbour, its MAC learned or static. */
struct lb_nh {
	/* What every forwarded frame reads first, in 16 bytes that never
	 * straddle two cache lines (48-byte entries). */
	_Atomic uint64_t mac;       /**< MAC in the low 48 bits, bit 63: valid */
	uint8_t src_mac[6];         /**< the MAC of @c port (ports never
				     *   change live): no load of the port's
				     *   after the entry's (issue 19) */
	uint8_t port;               /**< port index it is reached on */
	uint8_t is_static;
	struct lb_addr ip;
	_Atomic uint64_t req_ns;    /**< last time a request was sent */
};
#define LB_NH_VALID (1ull << 63)
#define LB_NH_NONE  UINT32_MAX
/** Most next hops (static, backends, gateways, learned on-link hosts). */
#define LB_NH_MAX   4096u

/** Next-hop table: entries are only appended (an index stays valid), by
 *  the control plane or by a worker learning an on-link host; a slot is
 *  published by the release store of @c n after it is filled. */
struct lb_nh_table {
	_Atomic uint32_t refs;      /**< states sharing it */
	_Atomic uint32_t n;
	_Atomic uint32_t reserved;
	struct lb_nh e[LB_NH_MAX];
};

struct lb_port_rt {
	struct lb_port_conf conf;
	uint8_t mac[6];
	uint16_t mtu;               /**< L3 MTU */
};

/** Address @p frame to resolved next hop @p e: destination := @p mac (its
 *  lb_nh.mac, read with LB_NH_VALID), source := the MAC of its port. A
 *  16-bit and a 32-bit store instead of a byte loop (per packet). */
static inline void
lb_nh_frame_macs(uint8_t *frame, uint64_t mac, const struct lb_nh *e)
{
	store_be16(frame, (uint16_t)(mac >> 32));
	store_be32(frame + 2, (uint32_t)mac);
	memcpy(frame + 6, e->src_mac, 6);
}

struct lb_backend_rt {
	struct lb_backend_conf conf;
	uint8_t state;              /**< enum select_backend_state (drained
				     *   while health_down) */
	uint8_t health_down;        /**< out of rotation by the health
				     *   monitor: trial flows only */
	uint8_t check_down;         /**< out of rotation by failed active
				     *   checks (no trial flows) */
	uint8_t port;               /**< egress port index */
	uint32_t nh;                /**< next hop index (LB_NH_NONE: none) */
	uint8_t via_router;         /**< the next hop is a router, not the
				     *   backend: recovery offers carry the
				     *   return address (issue 17) */
	uint8_t dst_delta_ok;       /**< dst_delta holds (addresses differ) */
	uint16_t dst_delta16;       /**< csum_delta_fold16() of
				     *   csum_delta_bytes(VIP address ->
				     *   backend address): the routed leg's
				     *   rewrite, summed once per state */
	uint16_t mtu;               /**< st->port[port].mtu: one dependent
				     *   load less per packet (issue 19) */
	uint8_t sid[SRV6_FUNC_MAX][16]; /**< s::f for every function */
	uint8_t loc_ok;             /**< has a locator, loc_w/loc_m hold */
	uint64_t loc_w[2];          /**< srv6_locator_words() of the
				     *   locator: a createStickiness's sender
				     *   matched by two xors (issue 19) */
	uint64_t loc_m[2];
};

struct lb_poll_scores;

struct lb_vip_rt {
	struct lb_vip_conf conf;    /**< copy; backends in conf.backend */
	struct lb_backend_rt *be;   /**< conf.n_backends */
	/** C = 1: Maglev, latency-feedback and stateless forwarding. The
	 *  latency controller swaps it (load it with acquire). */
	_Atomic(struct chash_table *) ch1;
	/** Mode polling: the latest polled scores (lb_poll.h), published
	 *  by the control side (load it with acquire); NULL: none yet. */
	_Atomic(struct lb_poll_scores *) poll;
	struct chash_table *ch2;    /**< C = 2: hunt and recovery (srv6) */
	struct chash_table *chd;    /**< C = d: candidates of new flows and
				     *   recovery (DSR, lb_recover.h);
				     *   NULL when the VIP does not recover */
	uint32_t n_active;
	uint32_t n_down;            /**< backends with health_down */
	uint8_t fail_open;          /**< every active backend is down: they
				     *   stay in rotation (lb_health.h) */
	uint64_t quic_vkey;         /**< the VIP in learned QUIC CIDs
				     *   (lb_quic_cid.h) */
	struct quic_lb_crypt quic_crypt; /**< conf.quic_lb_key expanded */
};

/** Open-addressing map of (family, address, port, proto) to a value. */
struct lb_map_slot {
	uint8_t used;
	uint8_t family;
	uint8_t proto;
	uint16_t port;
	uint8_t a[16];
	uint32_t value;
};
struct lb_map {
	uint32_t mask;              /**< size - 1 (a power of two) */
	struct lb_map_slot *slot;
};

/** The route back to clients of one family without lb_state_route()'s
 *  search (issue 19: every server message is sent on to its client):
 *  when the family has no static route, a client on none of the
 *  connected subnets goes to the gateway of the first client-facing
 *  port that has one (lb_state_client_gw()). */
struct lb_client_rt {
	bool usable;                /**< no static route of the family */
	uint8_t n_conn;             /**< connected prefixes of the family */
	uint8_t gw_port;            /**< LB_MAX_PORTS: no gateway */
	uint32_t gw_nh;             /**< its next hop (port_gw4/6_nh) */
	struct {
		uint64_t a0, a1;    /**< the prefix, two big-endian words */
		uint64_t m0, m1;    /**< its mask */
	} conn[LB_MAX_PORTS];
};

struct lb_state {
	struct lb_config cfg;       /**< copy (VIP array owned) */
	uint32_t n_ports;
	struct lb_port_rt port[LB_MAX_PORTS];
	uint32_t n_vips;
	struct lb_vip_rt *vip;
	struct lb_nh_table *nht;    /**< next hops (appended by workers) */
	struct lb_quic_cids *qcid;  /**< learned QUIC connection IDs
				     *   (written by workers, shared by the
				     *   states that follow); NULL: no VIP
				     *   learns */
	uint32_t port_gw4_nh[LB_MAX_PORTS];
	uint32_t port_gw6_nh[LB_MAX_PORTS];
	struct lb_client_rt client_rt[2]; /**< [0] IPv4, [1] IPv6 */
	struct lb_map vip_map;      /**< (vip, port, proto) -> vip index */
	struct lb_map addr_map;     /**< (addr, 0, 0) -> LB_ADDR_* | index */
	struct lb_map backend_map;  /**< (backend addr, vip index,
				     *   LB_MAP_BACKEND_PROTO) -> backend */
	struct lb_map leg_map;      /**< (backend addr, vip port, proto) of
				     *   routed DSR legs -> vip (uniqueness) */
	struct lb_map quic_map;     /**< (LB_MAP_QUIC_FAMILY, QUIC-LB server
				     *   ID, vip index) -> backend */
	uint8_t lb_sid[16];         /**< our SRv6 locator */
	bool has_lb_sid;
	struct srv6_sid_matcher lb_sid_match; /**< of lb_sid, for every
					       *   IPv6 packet */
	uint64_t seed;
	uint64_t recover_secret;    /**< cookie key of recovery offers
				     *   (kept across live changes) */
};

/** Value of (@p family, @p a, @p port, @p proto) in @p m, UINT32_MAX when
 *  absent. */
uint32_t lb_map_get(const struct lb_map *m, uint8_t family, const uint8_t *a,
		    uint16_t port, uint8_t proto);

/** Family field of quic_map keys (no address family uses it). */
#define LB_MAP_QUIC_FAMILY 0x51u

/** Protocol field of backend_map keys (no IP protocol uses it). */
#define LB_MAP_BACKEND_PROTO 255u

/** Kinds in addr_map values (high byte). */
#define LB_ADDR_PORT  0x01000000u  /**< an address of port (low bits) */
#define LB_ADDR_VIP   0x02000000u  /**< a VIP address (any port) */
#define LB_ADDR_VIP_NEIGH 0x04000000u /**< with LB_ADDR_VIP: a VIP of the
				       *   address has announce = arp */

/**
 * Build the run-time state of @p cfg (copied; the caller keeps its own).
 * @p port_mac gives each configured port's MAC (index as cfg->port).
 * @return 0, or -EINVAL / -ENOMEM with one line in @p err.
 */
int lb_state_build(struct lb_state **out, const struct lb_config *cfg,
		   const uint8_t (*port_mac)[6], char *err, unsigned int len);
void lb_state_free(struct lb_state *st);

/**
 * lb_state_build() of the state that replaces @p prev (live
 * reconfiguration): the next-hop table, with what was learned, is shared
 * with @p prev. VIP and backend indices must be stable between the two
 * configurations (the console only appends and marks removed).
 */
int lb_state_build_next(struct lb_state **out, const struct lb_config *cfg,
			const uint8_t (*port_mac)[6],
			const struct lb_state *prev, char *err,
			unsigned int len);

/**
 * The consistent-hash input of VIP @p v: one slot per backend, weight 0
 * for drained and removed ones (a removed one gets a key no live backend
 * can have); @p weights replaces the configured weights when not NULL.
 */
void lb_state_chash_input(const struct lb_vip_rt *v, const uint32_t *weights,
			  struct chash_backend *cb);

/** Find a next hop by address. @return its index or LB_NH_NONE. */
uint32_t lb_state_nh_find(const struct lb_state *st, const struct lb_addr *a);

/** Find or append the next hop @p a on port @p port.
 *  @return its index, LB_NH_NONE when the table is full. */
uint32_t lb_state_nh_add(const struct lb_state *st, const struct lb_addr *a,
			 uint8_t port);

/**
 * Route @p dst: the connected subnet of a port (longest prefix), else a
 * static route (longest prefix) whose next hop is on a connected subnet,
 * else the gateway of the first port of @p role_mask with one.
 * @param nh_ip  set to the on-link address to resolve.
 * @return 0 with @p port set, or -1 (no route).
 */
int lb_state_route(const struct lb_state *st, const struct lb_addr *dst,
		   unsigned int role_mask, uint8_t *port,
		   struct lb_addr *nh_ip);

/**
 * The next hop of lb_state_route(@p st, @p dst, LB_ROLE_CLIENT, ...) when
 * it is a gateway (a client behind the port's router, the common case):
 * the family has no static route, @p dst is on no connected subnet, and
 * a client-facing port has a gateway of the family. Inline, a few
 * compares per connected subnet (issue 19).
 * @return the gateway's next-hop index with @p port set, or LB_NH_NONE:
 *   ask lb_state_route().
 */
static inline uint32_t
lb_state_client_gw(const struct lb_state *st, const struct lb_addr *dst,
		   uint8_t *port)
{
	const struct lb_client_rt *r = &st->client_rt[dst->family == 6];
	uint64_t a0, a1;

	if (!r->usable || r->gw_port >= LB_MAX_PORTS ||
	    (dst->family != 4 && dst->family != 6))
		return LB_NH_NONE;
	a0 = load_be64(dst->a);
	a1 = load_be64(dst->a + 8);
	for (unsigned int i = 0; i < r->n_conn; i++)
		if ((((a0 ^ r->conn[i].a0) & r->conn[i].m0) |
		     ((a1 ^ r->conn[i].a1) & r->conn[i].m1)) == 0)
			return LB_NH_NONE;  /* on-link: the neighbour */
	*port = r->gw_port;
	return r->gw_nh;
}

#endif /* DSRLB_LB_STATE_H_ */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The appliance's packet logic, written once over struct pkt_buf and
 * wrapped by the DPDK driver (src/dsrlb) and by the tests (as
 * glb-director wraps its routing logic in a DPDK and a pcap driver).
 *
 * Two kinds of object:
 *  - struct lb_state: built from a struct lb_config by lb_state_build():
 *    ports, next hops, VIPs, backends with their SIDs, consistent-hash
 *    tables, lookup maps. Read-only for the workers except the next-hop
 *    MACs (atomic 64-bit words). Replaced as a whole by the control plane.
 *  - struct lb_worker: one per lcore, shared nothing: the flow table,
 *    per-VIP busyness tables, probe schedulers and round-robin state, the
 *    random generator and the counters.
 *
 * lb_worker_burst() takes a burst of frames received on one port and
 * rewrites each in place, deciding for each: transmit on a port, drop
 * (with a counted reason), or hand to the lcore that owns the flow.
 * Time always comes in as now_ns (the driver's one clock function), so
 * the tests drive every timer.
 *
 * docs/architecture.md and docs/wire-format.md ("The DSR leg") describe
 * what goes on the wire in every mode.
 */
#ifndef DSRLB_LB_ENGINE_H_
#define DSRLB_LB_ENGINE_H_

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "dsrlb/baseline_select.h"
#include "dsrlb/busy_select.h"
#include "dsrlb/chash.h"
#include "dsrlb/flow_table.h"
#include "dsrlb/latency_est.h"
#include "dsrlb/lb_config.h"
#include "dsrlb/pkt_buf.h"
#include "dsrlb/probe_sched.h"
#include "dsrlb/rng.h"

/** Largest burst lb_worker_burst() takes. */
#define LB_BURST_MAX 64u

/** Mode states of a flow (flow_table's mode slots). */
#define LB_FLOW_HUNTING  FLOW_STATE_MODE_0  /**< 6LB: offered, not pinned */
#define LB_FLOW_STEER    FLOW_STATE_MODE_1  /**< 6LB: pinned to a server */

/** Flow flags (flow_value.flags). */
#define LB_FLAG_ANSWER_DUE  FLOW_FLAG_ANSWER_DUE /**< a metric request of
						  *   this flow awaits its
						  *   answer */
#define LB_FLAG_SYN_SEEN    0x02u   /**< the flow began with a SYN here */

/**
 * Worker counters: name and meaning. Every packet ends in exactly one of
 * the tx_* / drop_* / handoff counters; the others count events.
 */
#define LB_COUNTER_LIST(X) \
	X(rx,                   "frames processed (one handed to another lcore counts on both)") \
	X(tx_backend,           "client packets sent to a backend") \
	X(tx_client,            "server packets (answers, stickiness) sent on to the client") \
	X(tx_neigh,             "ARP replies and neighbour advertisements sent") \
	X(tx_neigh_request,     "ARP requests and solicitations sent (in place of a packet that had no next hop)") \
	X(handoff,              "packets handed to the lcore that owns their flow") \
	X(drop_malformed,       "malformed frames (reason in the wire-result counters)") \
	X(drop_ipv4_csum,       "IPv4 header checksum wrong") \
	X(drop_fragment,        "fragments of a VIP's traffic") \
	X(drop_not_ip,          "neither IP nor ARP") \
	X(drop_l2_other,        "unicast frames for another MAC (promiscuous devices)") \
	X(drop_neigh_other,     "ARP/ND not for one of our addresses, or replies already used") \
	X(drop_not_for_us,      "IP traffic for no VIP and no address of ours") \
	X(drop_unknown_vip,     "for a VIP address but no VIP port/protocol") \
	X(drop_wrong_port,      "VIP traffic on a server-only port, or server messages on a client-only port") \
	X(drop_client_srh,      "client packets that already carry a Routing header") \
	X(drop_forged,          "feedback or stickiness from an address that is not a backend of the VIP") \
	X(drop_no_backend,      "VIP with no active backend") \
	X(drop_no_route,        "no route to the next hop") \
	X(drop_neigh_unresolved,"next hop not resolved yet (a request went out, rate limited)") \
	X(drop_mtu,             "the added header would pass the port MTU") \
	X(drop_no_room,         "no head or tail room in the buffer for the added header") \
	X(drop_server_plain,    "server-port traffic to a VIP without a dsrlb message") \
	X(neigh_consumed,       "ARP replies and advertisements learned from") \
	X(flow_new,             "flows created") \
	X(flow_table_full,      "new flows sent statelessly because the table was full") \
	X(flow_midstream,       "packets of an unknown flow that was not starting (recovery)") \
	X(flow_closing,         "flows that saw FIN or RST from the client") \
	X(client_msgs_stripped, "dsrlb options/headers removed from client packets") \
	X(probe_sent,           "metric requests sent") \
	X(answer_accepted,      "metric answers that updated a score") \
	X(answer_unsolicited,   "metric answers with no request outstanding (forwarded, ignored)") \
	X(answer_bad_nonce,     "metric answers whose nonce did not match (forwarded, ignored)") \
	X(hunt_offer,           "6LB SYNs sent with (lb, s1::ca, s2::cf, VIP)") \
	X(hunt_recover,         "6LB packets sent with recoverStickiness") \
	X(hunt_steer,           "6LB packets sent with (lb, s::as, VIP)") \
	X(stick_create,         "createStickiness received (flow pinned)") \
	X(stick_remove,         "removeStickiness received (10 s timer started)") \
	X(drop_sid_function,   "SRv6 packets to one of our SIDs with a function we do not serve") \
	X(lat_samples,          "latency samples taken (latency-feedback)") \
	X(quic_sid_routed,      "QUIC packets sent to the server their connection ID's QUIC-LB server ID names (no flow state needed)") \
	X(quic_sid_unknown,     "QUIC packets whose connection ID carries a server ID of no backend (routed by the 4-tuple)")

enum lb_counter {
#define LB_COUNTER_ENUM(n, d) LB_CNT_##n,
	LB_COUNTER_LIST(LB_COUNTER_ENUM)
#undef LB_COUNTER_ENUM
	LB_CNT_MAX
};

/** Per-VIP counters of a worker. */
#define LB_VIP_COUNTER_LIST(X) \
	X(packets, "client packets forwarded") \
	X(bytes,   "client bytes forwarded") \
	X(flows,   "flows created") \
	X(stateless, "packets forwarded without state (table full)")

/** Per-backend counters of a worker. */
#define LB_BE_COUNTER_LIST(X) \
	X(packets, "packets sent to the backend") \
	X(flows,   "flows assigned") \
	X(probes,  "metric requests sent") \
	X(answers, "metric answers accepted") \
	X(pinned,  "flows pinned by createStickiness")

struct lb_vip_counters {
#define LB_CNT_MEMBER(n, d) uint64_t n;
	LB_VIP_COUNTER_LIST(LB_CNT_MEMBER)
};
struct lb_be_counters {
	LB_BE_COUNTER_LIST(LB_CNT_MEMBER)
#undef LB_CNT_MEMBER
};

/** A next hop: an on-link neighbour, its MAC learned or static. */
struct lb_nh {
	struct lb_addr ip;
	uint8_t port;               /**< port index it is reached on */
	uint8_t is_static;
	_Atomic uint64_t mac;       /**< MAC in the low 48 bits, bit 63: valid */
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

struct lb_backend_rt {
	struct lb_backend_conf conf;
	uint8_t state;              /**< enum select_backend_state */
	uint8_t port;               /**< egress port index */
	uint32_t nh;                /**< next hop index (LB_NH_NONE: none) */
	uint8_t sid[SRV6_FUNC_MAX][16]; /**< s::f for every function */
};

struct lb_vip_rt {
	struct lb_vip_conf conf;    /**< copy; backends in conf.backend */
	struct lb_backend_rt *be;   /**< conf.n_backends */
	/** C = 1: Maglev, latency-feedback and stateless forwarding. The
	 *  latency controller swaps it (load it with acquire). */
	_Atomic(struct chash_table *) ch1;
	struct chash_table *ch2;    /**< C = 2: hunt and recovery (srv6) */
	uint32_t n_active;
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

struct lb_state {
	struct lb_config cfg;       /**< copy (VIP array owned) */
	uint32_t n_ports;
	struct lb_port_rt port[LB_MAX_PORTS];
	uint32_t n_vips;
	struct lb_vip_rt *vip;
	struct lb_nh_table *nht;    /**< next hops (appended by workers) */
	uint32_t port_gw4_nh[LB_MAX_PORTS];
	uint32_t port_gw6_nh[LB_MAX_PORTS];
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
	uint64_t seed;
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

/** Result of processing one frame. */
enum lb_action {
	LB_ACT_TX = 0,              /**< transmit on out_port */
	LB_ACT_DROP,                /**< free the frame */
	LB_ACT_HANDOFF,             /**< give to lcore owner */
};

struct lb_out {
	uint8_t action;             /**< enum lb_action */
	uint8_t port;               /**< LB_ACT_TX: port index */
	uint16_t owner;             /**< LB_ACT_HANDOFF: worker index */
	uint16_t counter;           /**< enum lb_counter that accounted it */
};

/** Owner of a flow (worker index), as the ports' RSS would pick it; the
 *  driver supplies it (rte_thash), tests supply their own. */
typedef uint16_t (*lb_owner_fn)(void *arg, const struct flow_key *k);

struct lb_worker_vip {
	uint8_t synced;             /**< tables follow a state */
	uint8_t probe_adaptive;
	uint32_t probe_n;           /**< current probe interval (0: none) */
	uint8_t state[LB_MAX_BACKENDS];  /**< backend states applied */
	uint16_t weight[LB_MAX_BACKENDS]; /**< baseline weights applied */
	struct busy_table *busy;
	struct probe_sched *probe;
	struct baseline_table *base;
	uint32_t *nonce;            /**< outstanding nonce per backend */
	struct lat_backend *lat;    /**< per backend (latency-feedback) */
	struct lb_vip_counters cnt;
	struct lb_be_counters *be_cnt;
};

/** Latency tracking of a sample of flows (direct-mapped). */
struct lb_lat_slot {
	uint32_t tag;               /**< flow hash; 0: empty */
	uint16_t vip;
	uint16_t be;
	struct lat_flow f;
};
#define LB_LAT_SLOTS 4096u

struct lb_worker {
	const struct lb_state *st;
	uint16_t index;             /**< this worker */
	uint16_t n_workers;
	lb_owner_fn owner;          /**< NULL: every flow is ours */
	void *owner_arg;
	struct flow_table ft;
	struct rng rng;
	struct lb_worker_vip *vip;  /**< st->n_vips */
	struct lb_lat_slot *lat;    /**< LB_LAT_SLOTS */
	uint64_t last_now_ns;       /**< now_ns of the latest burst */
	uint64_t cnt[LB_CNT_MAX];
	uint64_t wire[WIRE_RESULT_MAX]; /**< malformed reasons */
};

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
 * Create worker @p index of @p n_workers over @p st: a flow table of
 * cfg.flow_capacity entries and per-VIP tables. @p seed seeds the
 * random generator (nonces, random policy, ties).
 * @return 0, -EINVAL, -ENOMEM.
 */
int lb_worker_init(struct lb_worker *w, const struct lb_state *st,
		   uint16_t index, uint16_t n_workers, uint64_t seed);
void lb_worker_fini(struct lb_worker *w);

/**
 * Live reconfiguration, step 1 (control thread, before publishing @p st):
 * allocate the worker's tables for VIPs that @p st adds. Touches nothing
 * the worker is using. @return 0 or -ENOMEM.
 */
int lb_worker_prepare(struct lb_worker *w, const struct lb_state *st);

/**
 * Step 2 (on the worker itself, between bursts): apply @p st's backend
 * states, weights and probe intervals to the worker's tables and switch
 * to it. The flow table is kept: VIP and backend indices are stable
 * across states (removed ones stay as removed slots), so a pinned flow
 * keeps its backend. No allocation.
 */
void lb_worker_adopt(struct lb_worker *w, const struct lb_state *st);

/**
 * Process @p n (<= LB_BURST_MAX) frames received on port index
 * @p in_port at @p now_ns: bulk flow lookups first, then every frame in
 * order. Each frame is rewritten in place (its pkt_buf may move within its
 * buffer) and @p out[i] says what to do with it.
 */
void lb_worker_burst(struct lb_worker *w, struct pkt_buf *pb, uint8_t in_port,
		     uint32_t n, uint64_t now_ns, struct lb_out *out);

/**
 * Housekeeping to call between bursts: incremental GC of the flow table
 * (@p budget buckets).
 */
void lb_worker_maintain(struct lb_worker *w, uint64_t now_ns,
			uint32_t budget);

/** The 32-bit hash of a flow key the flow table and the consistent-hash
 *  tables use (seeded with [general] chash_seed). */
uint32_t lb_key_hash(const struct lb_state *st, const struct flow_key *k);

/** Name and description of a counter. */
const char *lb_counter_name(unsigned int c);
const char *lb_counter_desc(unsigned int c);

/** Latency estimate of backend @p be of VIP @p vip merged over
 *  @p n workers (control plane; reads the workers' aggregates). */
uint64_t lb_latency_estimate(struct lb_worker *const *w, unsigned int n,
			     uint32_t vip, uint32_t be, uint64_t now_ns);

#endif /* DSRLB_LB_ENGINE_H_ */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The appliance's packet logic, written once over struct pkt_buf and
 * wrapped by the DPDK driver (src/dsrlb) and by the tests (as
 * glb-director wraps its routing logic in a DPDK and a pcap driver).
 *
 * Two kinds of object:
 *  - struct lb_state (lb_state.h): what the control plane publishes.
 *  - struct lb_worker: one per lcore, shared nothing: the flow table,
 *    per-VIP busyness tables, probe schedulers and round-robin state, the
 *    random generator and the counters.
 *
 * lb_worker_burst() takes a burst of frames received on one port and
 * rewrites each in place, deciding for each: transmit on a port, drop
 * (with a counted reason), or hand to the lcore that owns the flow; a
 * server message (metric answer, stickiness) for another lcore's flow is
 * transmitted here and leaves a note for that lcore (struct lb_note,
 * lb_worker_notes()).
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
#include "dsrlb/frag_cache.h"
#include "dsrlb/icmp.h"
#include "dsrlb/latency_est.h"
#include "dsrlb/lb_config.h"
#include "dsrlb/lb_health.h"
#include "dsrlb/lb_state.h"
#include "dsrlb/pkt_buf.h"
#include "dsrlb/probe_sched.h"
#include "dsrlb/rng.h"

/** Largest burst lb_worker_burst() takes. */
#define LB_BURST_MAX 64u

/** Mode states of a flow (flow_table's mode slots). */
#define LB_FLOW_HUNTING  FLOW_STATE_MODE_0  /**< 6LB: offered, not pinned */
#define LB_FLOW_STEER    FLOW_STATE_MODE_1  /**< 6LB: pinned to a server */
#define LB_FLOW_RECOVERING FLOW_STATE_MODE_2 /**< DSR: unknown flow offered
					       *   to its candidates; backend
					       *   holds the first index to
					       *   try (lb_recover.h) */

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
	X(handoff,              "packets handed to the lcore that owns their flow") \
	X(drop_malformed,       "malformed frames (reason in the wire-result counters)") \
	X(drop_ipv4_csum,       "IPv4 header checksum wrong") \
	X(drop_fragment,        "fragments (first of a VIP's traffic, or any later one): not reassembled") \
	X(drop_not_ip,          "neither IP nor ARP") \
	X(drop_l2_other,        "unicast frames for another MAC (promiscuous devices)") \
	X(drop_neigh_other,     "ARP/ND not for one of our addresses, or replies already used") \
	X(drop_not_for_us,      "IP traffic for no VIP and no address of ours") \
	X(drop_unknown_vip,     "for a VIP address but no VIP port/protocol") \
	X(drop_wrong_port,      "VIP traffic on a server-only port, or server messages on a client-only port") \
	X(drop_client_srh,      "client packets that already carry a Routing header") \
	X(drop_martian,         "client packets from a martian source (0/8, 127/8, multicast, class E; ::, ::1, ff00::/8, v4-mapped), from the VIP itself (land) or from port 0") \
	X(drop_forged,          "feedback or stickiness from an address that is not a backend of the VIP") \
	X(drop_forged_port,     "feedback or stickiness on a port other than the one its backend is reached on") \
	X(drop_forged_mac,      "feedback or stickiness whose source MAC is not its backend's next hop (l2 leg: the backend; routed: its router)") \
	X(drop_forged_nh,       "feedback or stickiness from a backend whose next hop has no MAC yet") \
	X(drop_no_backend,      "VIP with no active backend") \
	X(drop_no_route,        "no route to the next hop") \
	X(drop_neigh_unresolved,"held packets whose next hop did not resolve within 1 s (or held when the worker stopped)") \
	X(drop_neigh_hold_full, "held packets dropped to make room for a newer one (8 per next hop, 64 per lcore)") \
	X(drop_tuple_full,      "client packets whose own IPv4 options (40 bytes) or IPv6 chain leave no room for the client tuple: refused, no flow kept") \
	X(drop_mtu,             "the added header would pass the port MTU") \
	X(drop_no_room,         "no head or tail room in the buffer for the added header") \
	X(drop_server_plain,    "server-port traffic to a VIP without a dsrlb message") \
	X(neigh_consumed,       "ARP replies and advertisements learned from") \
	X(neigh_held,           "packets held for their next hop's address (they end in their own tx_* counter once it resolves)") \
	X(neigh_request_sent,   "ARP requests and solicitations sent for a held packet (at most one per next hop per 200 ms)") \
	X(neigh_hold_sent,      "held packets sent once their next hop resolved") \
	X(flow_new,             "flows created") \
	X(flow_table_full,      "new flows sent statelessly because the table was full") \
	X(flow_midstream,       "packets of an unknown flow that was not starting (recovery)") \
	X(flow_closing,         "flows that saw FIN or RST from the client") \
	X(client_msgs_stripped, "dsrlb options/headers removed from client packets") \
	X(probe_sent,           "metric requests sent") \
	X(probe_deferred,       "due metric requests that did not fit their packet (MTU, room): sent on a later packet") \
	X(answer_accepted,      "metric answers that updated a score") \
	X(answer_unsolicited,   "metric answers with no request outstanding (forwarded, ignored)") \
	X(answer_bad_nonce,     "metric answers whose nonce did not match (forwarded, ignored)") \
	X(answer_prev_key,      "metric answers accepted with the previous auth key (a rotation is under way)") \
	X(msg_noted,            "server messages (metric answers, create/removeStickiness) for another lcore's flow, sent on to the client here: the lcore that owns the flow gets a note (struct lb_note), not the frame") \
	X(hunt_offer,           "6LB SYNs sent with (lb, s1::ca, s2::cf, VIP)") \
	X(hunt_recover,         "6LB packets sent with recoverStickiness") \
	X(hunt_steer,           "6LB packets sent with (lb, s::as, VIP)") \
	X(stick_create,         "createStickiness received (flow pinned)") \
	X(stick_remove,         "removeStickiness received (10 s timer started)") \
	X(drop_sid_function,   "SRv6 packets to one of our SIDs with a function we do not serve") \
	X(lat_samples,          "latency samples taken (latency-feedback)") \
	X(drop_recover_none,    "packets of an unknown flow that every candidate passed back (no server holds it)") \
	X(recover_offer,        "packets of an unknown flow offered to a candidate (option 158)") \
	X(recover_bounce,       "offers a candidate passed back (not its connection)") \
	X(recover_bad_cookie,   "passed-back offers whose candidate or cookie did not match (dropped as forged)") \
	X(recover_silent,       "recovering flows whose candidate neither passed back nor pinned in time: next candidate") \
	X(recover_pinned,       "recovering flows pinned to the candidate that holds them") \
	X(recover_pin_bad,      "pins (answers on a recovering flow) whose candidate or cookie did not match (ignored)") \
	X(recover_return,       "pass-backs and pins sent to this appliance's port address (option 158 with a return address, a server behind a router): the VIP restored from the marker") \
	X(quic_sid_routed,      "QUIC packets sent to the server their connection ID names (QUIC-LB server ID, or learned: no flow state needed)") \
	X(quic_cid_routed,      "QUIC packets of those routed by a connection ID learned from a server's long header (quic_cid_len)") \
	X(quic_cid_learned,     "QUIC connection IDs learned from the long header of an accepted metric answer") \
	X(quic_cid_not_learned, "accepted answers of a learning VIP that carried no SCID to learn (short header, Retry, other length)") \
	X(quic_cid_busy,        "QUIC connection IDs not learned: their slot was being written by another worker") \
	X(quic_sid_unknown,     "QUIC packets whose connection ID carries a server ID of no backend (routed by the 4-tuple)") \
	X(to_kernel,            "frames for a port's own addresses handed to its kernel interface (exception path: BGP, BFD, ICMP, ARP/ND replies)") \
	X(health_ok,            "health: answers/stickiness heard from a backend") \
	X(health_lost,          "health: requests/offers unanswered past health_timeout_ms") \
	X(health_trial,         "health: trial flows sent to a down backend") \
	X(health_resteer,       "health: retransmitted SYNs moved off a down backend") \
	X(tx_icmp_echo,         "echo replies sent (our addresses; VIPs with icmp_echo_vip)") \
	X(tx_icmp_too_big,      "fragmentation needed / packet too big sent for client packets our addition would take past the MTU") \
	X(tx_icmp_backend,      "ICMP errors quoting a VIP flow, sent on to the flow's server") \
	X(drop_icmp,            "ICMP not handled: other types, echo to a VIP without icmp_echo_vip, errors quoting no VIP flow") \
	X(icmp_rate_limited,    "ICMP errors not sent: icmp_rate reached (the packet counts as drop_mtu)") \
	X(icmp_stateless,       "ICMP errors for a flow not in the table, sent by consistent hashing") \
	X(frag_first,           "first fragments forwarded with their flow (their choice cached)") \
	X(frag_cached,          "later fragments sent where their first fragment went") \
	X(frag_3tuple,          "later fragments whose first was not seen here, sent by a (source, destination, protocol) hash") \
	X(neigh_solicit_sent,   "ARP requests / neighbour solicitations sent ahead of traffic for unresolved next hops (neigh_solicit; frames of their own, not a received frame's outcome)")

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
	X(pinned,  "flows pinned by createStickiness or by a recovery pin")

struct lb_vip_counters {
#define LB_CNT_MEMBER(n, d) uint64_t n;
	LB_VIP_COUNTER_LIST(LB_CNT_MEMBER)
};
struct lb_be_counters {
	LB_BE_COUNTER_LIST(LB_CNT_MEMBER)
#undef LB_CNT_MEMBER
};

/** Result of processing one frame. */
enum lb_action {
	LB_ACT_TX = 0,              /**< transmit on out_port */
	LB_ACT_DROP,                /**< free the frame */
	LB_ACT_HANDOFF,             /**< give to lcore owner */
	LB_ACT_KERNEL,              /**< give to the kernel interface of
				     *   the port it came in on (port's
				     *   conf.kernel; exception path) */
	LB_ACT_HOLD,                /**< next hop nh has no MAC yet: hold
				     *   the frame (lb_hold.h) and request
				     *   it (lb_worker_request()); counter
				     *   is taken when it leaves */
};

struct lb_out {
	uint8_t action;             /**< enum lb_action */
	uint8_t port;               /**< LB_ACT_TX, LB_ACT_KERNEL: port
				     *   index */
	union {
		uint16_t owner;     /**< LB_ACT_HANDOFF: worker index */
		uint16_t nh;        /**< LB_ACT_HOLD: next-hop slot
				     *   (< LB_NH_MAX) */
	};
	uint16_t counter;           /**< enum lb_counter that accounted it */
};

/** What a server message means for its client's flow (struct lb_note). */
enum lb_note_kind {
	LB_NOTE_ANSWER = 0,         /**< metric answer (125 / 29) */
	LB_NOTE_STICK_CREATE,       /**< 6LB createStickiness */
	LB_NOTE_STICK_REMOVE,       /**< 6LB removeStickiness */
};

/**
 * What a server's message (a metric answer, a createStickiness or
 * removeStickiness) tells the lcore that owns its client's flow, when
 * another lcore received it (issue 19, two workers). The receiver makes
 * every check of the frame and sends it on to the client; only this goes
 * through the owner's notes ring, and lb_worker_notes() does there what
 * the message does to the flow (an answer: the outstanding request, the
 * score, a recovery's pin; stickiness: pin or close the flow). Answers of
 * a VIP that learns QUIC connection IDs (quic_cid_len) need the frame on
 * the owner: they are handed over whole.
 */
struct lb_note {
	struct flow_key key;        /**< the client's flow */
	uint32_t hash;              /**< its flow hash */
	uint16_t vip;
	uint16_t be;                /**< the backend that sent it */
	uint16_t score;             /**< LB_NOTE_ANSWER: busyness score */
	uint8_t has_nonce;          /**< LB_NOTE_ANSWER: a nonce came */
	uint8_t kind;               /**< enum lb_note_kind */
	uint32_t nonce;             /**< LB_NOTE_ANSWER */
};

/** Owner of a flow (worker index), as the ports' RSS would pick it; the
 *  driver supplies it (rte_thash), tests supply their own. */
typedef uint16_t (*lb_owner_fn)(void *arg, const struct flow_key *k);

struct lb_worker_vip {
	uint8_t synced;             /**< tables follow a state */
	uint8_t probe_adaptive;
	uint32_t probe_n;           /**< current probe interval (0: none) */
	uint64_t poll_gen;          /**< polled scores applied (lb_poll.h) */
	uint8_t state[LB_MAX_BACKENDS];  /**< backend states applied */
	uint16_t weight[LB_MAX_BACKENDS]; /**< baseline weights applied */
	struct busy_table *busy;
	struct probe_sched *probe;
	struct baseline_table *base;
	struct lat_backend *lat;    /**< per backend (latency-feedback) */
	struct lb_vip_counters cnt;
	struct lb_be_counters *be_cnt;
	struct lb_health_obs *hobs; /**< per backend (lb_health.h) */
};

/** Latency tracking of a sample of flows (direct-mapped). */
struct lb_lat_slot {
	uint32_t tag;               /**< flow hash; 0: empty */
	uint16_t vip;
	uint16_t be;
	struct lat_flow f;
};
#define LB_LAT_SLOTS 4096u
/** Datagrams whose fragments a worker remembers (frag_cache). */
#define LB_FRAG_SLOTS 1024u

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
	uint64_t health_sweep_ns;   /**< last sweep of the health slots */
	struct icmp_ratelimit icmp_rl; /**< ICMP errors sent (icmp_rate) */
	struct frag_cache frag;     /**< where first fragments went */
	uint32_t burst_msgs;        /**< server messages of this burst whose
				     *   flow's entry is being prefetched */
	uint32_t solicit_cursor;    /**< next-hop slot lb_worker_solicit()
				     *   looks at next */
	uint64_t cnt[LB_CNT_MAX];
	uint64_t wire[WIRE_RESULT_MAX]; /**< malformed reasons */
	/** The latest burst's notes for other lcores (msg_noted): the
	 *  driver passes note[i] to worker note_owner[i] (lb_worker_notes());
	 *  emptied by every lb_worker_burst(). */
	uint32_t n_notes;
	uint16_t note_owner[LB_BURST_MAX];
	struct lb_note note[LB_BURST_MAX];
};

/**
 * Create worker @p index of @p n_workers over @p st: a flow table of
 * cfg.flow_capacity entries and per-VIP tables. @p seed seeds the
 * random generator (nonces, random policy, ties).
 * @return 0, -EINVAL, -ENOMEM.
 */
int lb_worker_init(struct lb_worker *w, const struct lb_state *st,
		   uint16_t index, uint16_t n_workers, uint64_t seed);
/**
 * Bytes of the flow table a worker over @p st needs (cfg.flow_capacity
 * entries), for lb_worker_init_mem(); 0 for an invalid capacity.
 */
size_t lb_worker_flow_mem_size(const struct lb_state *st);
/**
 * lb_worker_init() with the flow table in @p flow_mem (@p flow_mem_len
 * bytes, at least lb_worker_flow_mem_size(), FLOW_TABLE_ALIGN-aligned):
 * the driver gives memory on the worker's lcore's NUMA node, on 2 MiB
 * pages (issue 19: at a million flows every bucket is a TLB miss on
 * 4 KiB pages). The caller frees it after lb_worker_fini(). NULL: the
 * worker allocates it itself, as lb_worker_init().
 * @return 0, -EINVAL (also memory too small or misaligned), -ENOMEM.
 */
int lb_worker_init_mem(struct lb_worker *w, const struct lb_state *st,
		       uint16_t index, uint16_t n_workers, uint64_t seed,
		       void *flow_mem, size_t flow_mem_len);
void lb_worker_fini(struct lb_worker *w);

/** What a worker needs to run a new state, built aside by the control
 *  thread (lb_worker_prepare) and taken over by the worker itself
 *  (lb_worker_adopt). */
struct lb_worker_pending {
	const struct lb_state *st;  /**< the state to run */
	struct lb_worker_vip *vip;  /**< LB_MAX_VIPS; tables of the VIPs
				     *   new to the worker (busy != NULL) */
};

/**
 * Live reconfiguration, step 1 (control thread, before publishing @p st):
 * allocate in @p p the tables of the VIPs that @p st adds to @p w. Reads
 * @p w, writes nothing the worker uses. @return 0 or -ENOMEM (@p p is
 * then empty).
 */
int lb_worker_prepare(const struct lb_worker *w, const struct lb_state *st,
		      struct lb_worker_pending *p);

/**
 * Step 2 (on the worker itself, between bursts): take the new VIPs'
 * tables out of @p p, apply @p p->st's backend states, weights and probe
 * intervals to the worker's tables and switch to it. The flow table is
 * kept: VIP and backend indices are stable across states (removed ones
 * stay as removed slots), so a pinned flow keeps its backend. No
 * allocation. @p p may be adopted again (with the same state) later.
 */
void lb_worker_adopt(struct lb_worker *w, struct lb_worker_pending *p);

/** Step 3 (control thread, once the worker adopted @p p): free what the
 *  worker did not take. */
void lb_worker_pending_free(struct lb_worker_pending *p);

/**
 * Process @p n (<= LB_BURST_MAX) frames received on port index
 * @p in_port at @p now_ns: bulk flow lookups first, then every frame in
 * order. Each frame is rewritten in place (its pkt_buf may move within its
 * buffer) and @p out[i] says what to do with it.
 */
void lb_worker_burst(struct lb_worker *w, struct pkt_buf *pb, uint8_t in_port,
		     uint32_t n, uint64_t now_ns, struct lb_out *out);

/**
 * Apply the @p count notes @p n of server messages that other lcores
 * received for this worker's flows (struct lb_note), at @p now_ns: an
 * answer's outstanding request, score or recovery pin, a stickiness
 * message's pin or close, counted as the message itself would be
 * (answer_accepted, stick_create, ...). A note naming a VIP or backend
 * this worker's state does not have, or of no known kind, is ignored.
 */
void lb_worker_notes(struct lb_worker *w, const struct lb_note *n,
		     uint32_t count, uint64_t now_ns);

/**
 * Housekeeping to call between bursts: incremental GC of the flow table
 * (@p budget buckets), and the health requests that expired counted
 * lost (lb_health.h).
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

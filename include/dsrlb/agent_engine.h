/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The server agent's packet logic (dsrlb-agent), written over struct
 * pkt_buf and wrapped by the DPDK driver in src/agent (as the appliance's
 * lb_engine is wrapped by src/dsrlb). No EAL: the unit tests drive it.
 *
 * Two ports: the wire (AGENT_PORT_WIRE) and the kernel of the server
 * (AGENT_PORT_KERNEL, net_tap). The agent is the other side of
 * docs/wire-format.md "The DSR leg" and "The 6LB leg":
 *  - DSR (IPv4, IPv6): client packets to a leg address or a VIP have
 *    their dsrlb messages removed and the VIP put back as destination;
 *    a flow that carried a metric request gets its next reply turned
 *    into the metric answer (leg address -> VIP, client tuple + score);
 *    other replies go straight to the client;
 *  - hunt (6LB Table III): connectAvail / connectForce / ackStickiness /
 *    recoverStickiness to this server's SIDs, createStickiness and
 *    removeStickiness on the application's packets;
 *  - everything else passes untouched in both directions.
 * docs/agent.md has the details and every choice made where the papers
 * are silent.
 *
 * Time always comes in as now_ns. One agent_worker is owned by one
 * thread; agent_worker_set_busy() is the only entry point for another
 * thread (a relaxed atomic store).
 */
#ifndef DSRLB_AGENT_ENGINE_H_
#define DSRLB_AGENT_ENGINE_H_

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "dsrlb/agent_config.h"
#include "dsrlb/flow_table.h"
#include "dsrlb/pkt_buf.h"
#include "dsrlb/sr_accept.h"
#include "dsrlb/srv6_func.h"
#include "dsrlb/wire_result.h"

/**
 * Counters: every frame ends in exactly one tx_* or drop_* counter; the
 * others count events.
 */
#define AGENT_COUNTER_LIST(X) \
	X(rx,                  "frames received (both ports)") \
	X(rx_kernel,           "frames received from the kernel") \
	X(tx_kernel_pass,      "wire frames not for the agent, passed to the kernel untouched") \
	X(tx_kernel_dsr,       "DSR client packets given to the kernel (messages removed, VIP restored)") \
	X(tx_kernel_own,       "packets of direct connections to the server's own leg address (no client tuple on their SYN), given to the kernel unchanged") \
	X(tx_kernel_frag,      "later fragments of DSR traffic given to the kernel (destination := VIP on the routed leg)") \
	X(tx_kernel_hunt,      "6LB packets given to the kernel (SRH removed)") \
	X(tx_wire_pass,        "kernel frames not for the agent, passed to the wire untouched") \
	X(tx_wire_direct,      "replies of known VIP flows sent straight to the client") \
	X(tx_wire_answer,      "replies sent as metric answers (125/29) to the appliance") \
	X(tx_wire_hunt_pass,   "6LB packets passed on to the next segment") \
	X(tx_wire_stick_create,"application packets sent with createStickiness") \
	X(tx_wire_stick_remove,"application FIN/RST sent with removeStickiness") \
	X(tx_wire_recover_pass,"recovery offers (158) for a flow this server does not hold, passed back to the appliance") \
	X(drop_recover_no_leg, "recovery offers on a VIP without leg_address (cannot be passed back)") \
	X(drop_malformed,      "malformed frames for the agent (reason in the wire.* counters)") \
	X(drop_ipv4_csum,      "IPv4 header checksum wrong (traffic for the agent)") \
	X(drop_sid_function,   "packets to one of our SIDs with a function a server does not serve") \
	X(drop_unknown_vip,    "6LB packets whose final segment is not a VIP of ours") \
	X(drop_insert,         "a header the agent adds did not fit (MTU, room)") \
	X(drop_l2_other,       "VIP or SID traffic sent to another host's MAC (a flooded frame)") \
	X(drop_untrusted_mac,  "dsrlb messages (tuple, request, SR function) from a MAC that is no [wire] appliance_mac") \
	X(drop_untrusted_lb,   "6LB messages whose lb segment is in no [wire] appliance_locator") \
	X(drop_martian,        "client packets from a martian source (0/8, 127/8, multicast, class E; ::, ::1, ff00::/8, v4-mapped), from one of our addresses (land) or from port 0") \
	X(drop_hop_limit,      "6LB packets to pass on to the next segment that arrived with hop limit 1 (RFC 8200 §3)") \
	X(drop_fragment,       "fragments the agent cannot place (6LB leg, no VIP of that address and protocol)") \
	X(msgs_stripped,       "dsrlb options/headers removed from client packets") \
	X(tuple_restored,      "client packets whose source was restored from the client tuple") \
	X(request_seen,        "metric requests received (an answer becomes due)") \
	X(answer_deferred,     "replies with no room for a due answer (MTU, room): sent direct, the answer waits for the next reply") \
	X(answer_no_leg,       "answers due on a VIP without leg_address (sent direct)") \
	X(flow_new,            "flows remembered") \
	X(flow_table_full,     "flows not remembered: table full") \
	X(flow_expired,        "flows forgotten by the idle / closing timeout") \
	X(flow_closed,         "flows forgotten on FIN/RST") \
	X(conn_open,           "connections opened (SYN from the wire): half-open until the handshake ends") \
	X(conn_established,    "half-open connections that completed the handshake (counted as busy)") \
	X(conn_close,          "connections closed (FIN/RST, timeout)") \
	X(hunt_accept,         "connectAvail accepted by the policy") \
	X(hunt_pass,           "connectAvail passed on by the policy") \
	X(hunt_force,          "connectForce accepted") \
	X(hunt_again,          "connect* for a flow already local (WAIT, DIRECT)") \
	X(hunt_ack,            "ackStickiness received (WAIT -> DIRECT)") \
	X(hunt_ack_unknown,    "ackStickiness for a flow not known here (given to the kernel)") \
	X(hunt_recover_local,  "recoverStickiness for a local flow (-> WAIT)") \
	X(hunt_recover_pass,   "recoverStickiness for a flow not local, passed on") \
	X(hunt_recover_last,   "recoverStickiness not local at the last segment (accepted)") \
	X(recover_take,        "recovery offers (158) for a flow this server holds: delivered, pin due on the next reply") \
	X(recover_return,      "recovery offers with a return address (the appliance behind a router): the pass-back or pin goes to that address, the marker naming the VIP") \
	X(recover_stale,       "recovery offers whose TCP sequence numbers do not fit the connection this server holds on the tuple (another connection reusing it): passed back") \
	X(flows_seeded,        "DSR flows seeded from the kernel's TCP socket table (connections on a VIP the server held before the agent started, or that it had forgotten)") \
	X(flows_refreshed,     "established flows kept alive because the kernel's socket table still holds their connection (idle longer than a refresh period)") \
	X(flow_replaced,       "DSR flows replaced by a SYN on their tuple after their handshake (a new connection reusing it)") \
	X(tx_wire_poll,        "poll requests (mode polling, poll.h) answered with the busyness score") \
	X(drop_poll,           "poll datagrams refused: no request, options, bad checksum, martian source or a MAC that is no [wire] appliance_mac") \
	X(kernel_unparsed,     "kernel frames that did not parse (passed untouched)")

enum agent_counter {
#define AGENT_COUNTER_ENUM(n, d) AGENT_CNT_##n,
	AGENT_COUNTER_LIST(AGENT_COUNTER_ENUM)
#undef AGENT_COUNTER_ENUM
	AGENT_CNT_MAX
};

/** Per-flow states. */
enum agent_flow_state {
	AGENT_FLOW_FREE = 0,
	AGENT_FLOW_DSR,             /**< a DSR flow (in-band feedback) */
	AGENT_FLOW_WAIT,            /**< 6LB WAIT(lb) */
	AGENT_FLOW_DIRECT,          /**< 6LB DIRECT(lb) */
	AGENT_FLOW_CLOSING,         /**< 6LB: removeStickiness sent; gone
				     *   timeout_closing_ns later */
	AGENT_FLOW_OWN,             /**< a connection to the server's own
				     *   leg address that did not come
				     *   through the appliance (its SYN had
				     *   no client tuple): left unchanged */
};

/** Flow flags. */
#define AGENT_FF_COUNTED    0x01u  /**< opened by a SYN, counted */
#define AGENT_FF_ANSWER_DUE 0x02u  /**< next reply carries the answer */
#define AGENT_FF_NONCE      0x04u  /**< the request carried a nonce */
#define AGENT_FF_DSTOPT     0x08u  /**< IPv6 request in Dest. Options */
#define AGENT_FF_ESTAB      0x10u  /**< a packet other than a SYN seen */
#define AGENT_FF_RECOVER    0x20u  /**< the due answer is a recovery pin:
				    *   sent to the MAC in lb[0..5] */
#define AGENT_FF_SEQ        0x40u  /**< TCP: the server sent a segment,
				    *   srv_nxt and srv_ack are valid */
#define AGENT_FF_RETADDR    0x80u  /**< the pin goes to ret_addr, with
				    *   the marker naming the VIP (an
				    *   offer with a return address) */

/** How far (bytes) a recovery offer's TCP numbers may lie from what the
 *  server sent (its ACK behind srv_nxt, its sequence number either side
 *  of srv_ack) and still belong to the connection the agent holds: more
 *  than a receive window (Linux tcp_rmem max 6 MB, doubled), 1/64 of
 *  the sequence space, so that another connection on the same tuple
 *  (RFC 6528 initial sequence numbers) fits with odds of about 1/2048. */
#define AGENT_RECOVER_SEQ_WINDOW (1u << 26)

/** One remembered flow, keyed by (client, client port, VIP, VIP port,
 *  proto) in a flow_key (saddr = client, daddr = VIP). */
struct agent_flow {
	struct flow_key key;
	uint8_t state;              /**< enum agent_flow_state */
	uint8_t flags;              /**< AGENT_FF_* */
	uint16_t vip;               /**< index in the configuration */
	uint32_t nonce;             /**< of the request to answer */
	uint64_t seen_ns;           /**< last packet (or closing start) */
	uint32_t hash;              /**< of the key */
	uint8_t lb[16];             /**< 6LB: the appliance's locator;
				     *   DSR recovery: its MAC */
	uint32_t srv_nxt;           /**< TCP: end of the highest segment the
				     *   server sent (AGENT_FF_SEQ) */
	uint32_t srv_ack;           /**< TCP: the server's last ACK number */
	uint8_t rec_index;          /**< the offer taken: candidate index */
	uint8_t rec_count;          /**< and candidates (AGENT_FF_RETADDR) */
	uint8_t ret_addr[16];       /**< its return address (IPv4: 4 bytes) */
};

/** Flow table of the agent: open addressing, linear probing, backward
 *  shift deletion; expiry is seen by lookups and by the GC cursor, and
 *  every forgotten flow goes through one place (connection count). */
struct agent_flows {
	struct agent_flow *e;
	uint32_t mask;              /**< slots - 1 (a power of two) */
	uint32_t count;
	uint32_t capacity;
	uint32_t gc_cursor;
};

/** What to do with a frame. */
enum agent_action {
	AGENT_ACT_TX = 0,           /**< transmit on out_port */
	AGENT_ACT_DROP,             /**< free it */
};

struct agent_out {
	uint8_t action;             /**< enum agent_action */
	uint8_t port;               /**< AGENT_ACT_TX: AGENT_PORT_* */
	uint16_t counter;           /**< enum agent_counter that ended it */
};

struct agent_worker {
	const struct agent_config *cfg;
	uint8_t port_mac[AGENT_N_PORTS][6];
	struct agent_flows ft;
	struct sr_accept accept;
	struct srv6_sid_matcher sid_match; /**< of cfg->locator (has_locator) */
	uint32_t connections;       /**< established counted connections
				     *   (busy = connections) */
	uint32_t half_open;         /**< counted connections that have
				     *   only sent a SYN (a SYN flood) */
	_Atomic uint32_t busy_ext;  /**< external busy value (shm, socket) */
	uint64_t last_now_ns;
	uint64_t cnt[AGENT_CNT_MAX];
	uint64_t wire[WIRE_RESULT_MAX]; /**< malformed reasons */
};

/**
 * Create a worker over @p cfg (kept by pointer: it must outlive the
 * worker) with the MACs of the two ports.
 * @return 0, -EINVAL (bad configuration), -ENOMEM.
 */
int agent_worker_init(struct agent_worker *w, const struct agent_config *cfg,
		      const uint8_t (*port_mac)[6]);
void agent_worker_fini(struct agent_worker *w);

/**
 * Process one frame received on @p in_port at @p now_ns; it is rewritten
 * in place (its pkt_buf may move inside its buffer) and @p out says
 * where it goes.
 */
void agent_worker_process(struct agent_worker *w, struct pkt_buf *pb,
			  uint8_t in_port, uint64_t now_ns,
			  struct agent_out *out);

/** Housekeeping between bursts: expire up to @p budget slots. */
void agent_worker_maintain(struct agent_worker *w, uint64_t now_ns,
			   uint32_t budget);

/** Publish the external busy value (any thread). */
void agent_worker_set_busy(struct agent_worker *w, uint32_t busy);

/** The busy count the policy and the score use now: open connections,
 *  or the last external value. */
uint32_t agent_worker_busy(const struct agent_worker *w);

/** The score put in answers: the busy count, clamped to 0..65535. */
uint16_t agent_worker_score(const struct agent_worker *w);

/** Live flows. */
uint32_t agent_worker_flows(const struct agent_worker *w);

/** Find the flow (client, cport, vip, vport, proto) of @p family
 *  (tests, console). @return it, or NULL. */
const struct agent_flow *agent_worker_flow(struct agent_worker *w,
					   uint8_t family,
					   const uint8_t *client,
					   uint16_t cport, const uint8_t *vip,
					   uint16_t vport, uint8_t proto,
					   uint64_t now_ns);

/**
 * Seed the flow table with a TCP connection the server's kernel holds
 * (its socket table, read at start by src/agent/kernel_socks.c): a DSR
 * flow of (@p client, @p cport) to the VIP (@p vip, @p vport) of
 * @p family (4 or 6; IPv4 addresses in 4 bytes), so that a recovery
 * offer for it is taken by an agent that restarted. The entry has no
 * TCP sequence state (any offer on the tuple fits: the kernel holds a
 * socket on that exact tuple), counts as established for its idle
 * timeout and is not counted as busy (as a flow relearned from its next
 * packet).
 * A flow known already, past its handshake and not closing, is
 * refreshed instead: its idle timer restarts (the kernel's socket table
 * is read again every third of timeout_established_s, so an idle
 * connection is not forgotten while its socket lives).
 * @return 1 seeded (counter flows_seeded), 2 refreshed (flows_refreshed),
 * 0 nothing to do (no TCP VIP of ours at that address and port, or a
 * flow in its handshake or closing),
 * -ENOSPC the flow table is full (flow_table_full).
 */
int agent_worker_seed_flow(struct agent_worker *w, uint8_t family,
			   const uint8_t *client, uint16_t cport,
			   const uint8_t *vip, uint16_t vport, uint64_t now_ns);

/** Name and description of a counter. */
const char *agent_counter_name(unsigned int c);
const char *agent_counter_desc(unsigned int c);

#endif /* DSRLB_AGENT_ENGINE_H_ */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's packet logic over struct pkt_buf (see lb_engine.h).
 *
 * One burst goes through three stages, as VPP's lb node and Katran do:
 *  1. classify every frame (pkt_parse), and for client packets to a VIP
 *     build the flow key and its hash;
 *  2. look all those keys up at once (flow_table_lookup_bulk_ptrs, which
 *     prefetches the buckets and keys);
 *  3. act on every frame in arrival order (a slot id of stage 2 is
 *     used only while the table's epoch says it still holds).
 *
 * Every frame ends in exactly one tx_* / drop_* / handoff / neigh_consumed
 * counter, so the counters account for every packet.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dsrlb/auth_key.h"
#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
#include "dsrlb/flow_hash.h"
#include "dsrlb/icmp.h"
#include "dsrlb/ip6ext.h"
#include "dsrlb/ipv4opt.h"
#include "dsrlb/lb_engine.h"
#include "dsrlb/lb_poll.h"
#include "dsrlb/lb_quic.h"
#include "dsrlb/martian.h"
#include "dsrlb/lb_recover.h"
#include "dsrlb/neigh.h"
#include "dsrlb/pkt_parse.h"
#include "dsrlb/pkt_strip.h"
#include "dsrlb/pkt_rewrite.h"
#include "dsrlb/srh.h"
#include "dsrlb/wire.h"

static const char *const counter_names[] = {
#define LB_CN(n, d) #n,
	LB_COUNTER_LIST(LB_CN)
#undef LB_CN
};
static const char *const counter_descs[] = {
#define LB_CD(n, d) d,
	LB_COUNTER_LIST(LB_CD)
#undef LB_CD
};

const char *
lb_counter_name(unsigned int c)
{
	return c < LB_CNT_MAX ? counter_names[c] : "?";
}

const char *
lb_counter_desc(unsigned int c)
{
	return c < LB_CNT_MAX ? counter_descs[c] : "?";
}

/* What stage 1 found out about a frame. */
enum pkt_class {
	PC_DONE = 0,     /* already decided (dropped) */
	PC_NEIGH,        /* ARP, NS, NA */
	PC_CLIENT,       /* client packet to a VIP: has a key */
	PC_ANSWER,       /* metric answer from a backend */
	PC_STICKY,       /* SRv6 message to our SID */
	PC_ICMP,         /* ICMP / ICMPv6 other than ND (handle_icmp) */
	PC_FRAG,         /* a later fragment (no ports: handle_frag) */
	PC_BOUNCE,       /* recovery offer passed back by a backend */
};

/* dsrlb messages only the appliance may put on a client's packet. */
#define CLIENT_MSGS ((1u << PKT_MSG_CLIENT_TUPLE) | \
		     (1u << PKT_MSG_METRIC_REQ) | (1u << PKT_MSG_RECOVER))

struct pkt_ctx {
	struct pkt_meta m;
	struct flow_key key;    /* the flow of a client packet; of an answer
				 * with a client tuple and of a create/remove
				 * stickiness message with an SRH, its
				 * client's (server_msg_prefetch()) */
	uint32_t hash;          /* key_hash() of key */
	uint32_t slot;
	uint16_t vip;
	uint16_t be;
	uint8_t cls;
	uint8_t in_port;
	bool quic_new;      /* a QUIC client Initial/0-RTT: plays the SYN */
	uint32_t quic_be;   /* backend the QUIC-LB server ID names, or
			     * LB_QUIC_NO_SID */
	uint8_t sid_func;   /* PC_STICKY: enum srv6_func of the SID */
	bool msg_key;       /* PC_ANSWER, PC_STICKY: key and hash set, the
			     * buckets prefetched (server_msg_prefetch()) */
	uint16_t owner;     /* PC_ANSWER with a client tuple and !msg_key:
			     * the lcore that owns the client's flow, which
			     * gets a note (answer_owner()) */
};

/* ---- small helpers --------------------------------------------------- */

static inline void
finish(struct lb_worker *w, struct lb_out *o, enum lb_counter c,
       enum lb_action a, uint8_t port)
{
	w->cnt[c]++;
	o->action = (uint8_t)a;
	o->port = port;
	o->counter = (uint16_t)c;
}

static inline void
drop(struct lb_worker *w, struct lb_out *o, enum lb_counter c)
{
	finish(w, o, c, LB_ACT_DROP, 0);
}

static void
drop_wire(struct lb_worker *w, struct lb_out *o, enum wire_result r)
{
	if (r == WIRE_ERR_MTU) {
		drop(w, o, LB_CNT_drop_mtu);
		return;
	}
	if (r == WIRE_ERR_NO_ROOM) {
		drop(w, o, LB_CNT_drop_no_room);
		return;
	}
	if ((unsigned int)r < WIRE_RESULT_MAX)
		w->wire[r]++;
	/* A later fragment is not malformed: counted with the first ones,
	 * as the agent does. */
	if (r == WIRE_ERR_IPV4_FRAGMENT || r == WIRE_ERR_IP6EXT_FRAGMENT) {
		drop(w, o, LB_CNT_drop_fragment);
		return;
	}
	drop(w, o, LB_CNT_drop_malformed);
}

static inline void
addr_of(struct lb_addr *a, uint8_t family, const uint8_t *bytes)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->a, bytes, family == 4 ? 4 : 16);
}

/* The flow table's and the consistent hash's 32 bits of a 64-bit flow
 * hash. */
static inline uint32_t
hash_fold32(uint64_t h)
{
	return (uint32_t)(h ^ (h >> 32));
}

/* lb_key_hash(), inline for the data path (issue 19, round 4). */
static inline uint32_t
key_hash(const struct lb_state *st, const struct flow_key *k)
{
	return hash_fold32(k->family == FLOW_KEY_IPV4 ?
		flow_hash_ipv4(st->seed, k->saddr, k->daddr, k->sport,
			       k->dport, k->proto) :
		flow_hash_ipv6(st->seed, k->saddr, k->daddr, k->sport,
			       k->dport, k->proto));
}

uint32_t
lb_key_hash(const struct lb_state *st, const struct flow_key *k)
{
	return key_hash(st, k);
}

/* The received IPv4 header's checksum: the NIC's verdict when it gave
 * one (pkt_buf.rx_flags), else summed here (RFC 1071). @p ip and
 * @p hdr_len are those of the frame as received. */
static inline bool
ipv4_hdr_ok(const struct pkt_buf *pb, const uint8_t *ip, uint32_t hdr_len)
{
	if (pb->rx_flags & (PKT_RX_IP_CSUM_GOOD | PKT_RX_IP_CSUM_BAD))
		return (pb->rx_flags & PKT_RX_IP_CSUM_GOOD) != 0;
	if (hdr_len == IPV4_HDR_MIN_LEN)
		return ipv4_hdr20_csum_ok(ip);
	return ipv4_hdr_csum_verify(ip, hdr_len) == WIRE_OK;
}

static inline uint16_t
owner_of(const struct lb_worker *w, const struct flow_key *k)
{
	if (w->owner == NULL || w->n_workers <= 1)
		return w->index;
	return w->owner(w->owner_arg, k);
}

static inline uint64_t
mac_to_u64(const uint8_t mac[6])
{
	/* Two loads, not a byte loop (every server message's trust check,
	 * issue 19). */
	return (uint64_t)load_be16(mac) << 32 | load_be32(mac + 2);
}

/* ---- neighbours ------------------------------------------------------ */

/* fe80::/10 (RFC 4291 §2.5.6) */
static inline bool
is_link_local6(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static bool
port_has_addr(const struct lb_port_rt *p, const struct lb_addr *a)
{
	return lb_addr_eq(a->family == 4 ? &p->conf.ip4 : &p->conf.ip6, a);
}

static bool
on_link(const struct lb_port_rt *p, const struct lb_addr *a)
{
	if (a->family == 4)
		return p->conf.ip4.family == 4 &&
		       lb_addr_in_prefix(a, &p->conf.ip4, p->conf.ip4_prefix_len);
	return p->conf.ip6.family == 6 &&
	       lb_addr_in_prefix(a, &p->conf.ip6, p->conf.ip6_prefix_len);
}

/* Learn (ip, mac) seen on @p port. RFC 826's merge rule: update an entry
 * we have; add one only when @p create (the message was for us). */
static void
neigh_learn(struct lb_worker *w, uint8_t port, uint8_t family,
	    const uint8_t *ip, const uint8_t mac[6], bool create)
{
	const struct lb_state *st = w->st;
	struct lb_addr a;
	uint32_t idx;

	addr_of(&a, family, ip);
	idx = lb_state_nh_find(st, &a);
	if (idx == LB_NH_NONE) {
		if (!create || !on_link(&st->port[port], &a))
			return;
		idx = lb_state_nh_add(st, &a, port);
		if (idx == LB_NH_NONE)
			return;
	}
	if (st->nht->e[idx].is_static)
		return;
	atomic_store_explicit(&st->nht->e[idx].mac,
			      mac_to_u64(mac) | LB_NH_VALID,
			      memory_order_release);
}

static void
handle_neigh(struct lb_worker *w, struct pkt_buf *pb, uint8_t in_port,
	     struct lb_out *o)
{
	const struct lb_state *st = w->st;
	const struct lb_port_rt *p = &st->port[in_port];
	uint8_t *frame = pkt_buf_data(pb);
	struct neigh_msg m;
	struct lb_addr target;
	enum wire_result r;
	uint32_t kind;
	bool for_us;

	r = neigh_parse(frame, pb->len, &m);
	if (r != WIRE_OK) {
		drop_wire(w, o, r);
		return;
	}
	addr_of(&target, m.family, m.target_ip);
	/* Our port addresses, and every VIP with announce = arp (answered
	 * on every port: the client side routes to the VIPs, the server
	 * side sends answers to them). */
	kind = lb_map_get(&st->addr_map, target.family, target.a, 0, 0);
	for_us = port_has_addr(p, &target) ||
		 (kind != UINT32_MAX && (kind & LB_ADDR_VIP) &&
		  (kind & LB_ADDR_VIP_NEIGH));
	switch (m.kind) {
	case NEIGH_ARP_REQUEST:
	case NEIGH_ND_NS:
		if (m.has_sender_mac)
			neigh_learn(w, in_port, m.family, m.sender_ip,
				    m.sender_mac, for_us);
		if (!for_us) {
			/* The kernel behind the port answers for its
			 * link-local address (RFC 4861 §7.2.3). */
			if (p->conf.kernel[0] != '\0' && m.family == 6 &&
			    is_link_local6(m.target_ip)) {
				finish(w, o, LB_CNT_to_kernel, LB_ACT_KERNEL,
				       in_port);
				return;
			}
			drop(w, o, LB_CNT_drop_neigh_other);
			return;
		}
		r = m.kind == NEIGH_ARP_REQUEST ?
			neigh_arp_reply(frame, pb->len, &m, p->mac) :
			neigh_nd_advert(pb, &m, p->mac, false);
		if (r != WIRE_OK) {
			drop_wire(w, o, r);
			return;
		}
		finish(w, o, LB_CNT_tx_neigh, LB_ACT_TX, in_port);
		return;
	case NEIGH_ARP_REPLY:
		if (m.has_sender_mac)
			neigh_learn(w, in_port, 4, m.sender_ip, m.sender_mac,
				    false);
		/* The kernel resolves its own next hops (the BGP peer):
		 * it gets the replies too, learned from here first. */
		if (p->conf.kernel[0] != '\0') {
			finish(w, o, LB_CNT_to_kernel, LB_ACT_KERNEL, in_port);
			return;
		}
		finish(w, o, LB_CNT_neigh_consumed, LB_ACT_DROP, 0);
		return;
	case NEIGH_ND_NA:
		if (m.has_sender_mac)
			neigh_learn(w, in_port, 6, m.target_ip, m.sender_mac,
				    false);
		if (p->conf.kernel[0] != '\0') {
			finish(w, o, LB_CNT_to_kernel, LB_ACT_KERNEL, in_port);
			return;
		}
		finish(w, o, LB_CNT_neigh_consumed, LB_ACT_DROP, 0);
		return;
	default:
		drop(w, o, LB_CNT_drop_not_ip);
		return;
	}
}

/* The next hop @p nh has no MAC yet: the driver holds the frame until
 * it has one and sends the request in a buffer of its own (lb_hold.h,
 * RFC 4861 §7.2.2); @p done is counted when the frame leaves. */
static void
send_hold(struct lb_worker *w, uint32_t nh, enum lb_counter done,
	  struct lb_out *o)
{
	o->action = LB_ACT_HOLD;
	o->port = 0;
	o->nh = (uint16_t)nh;
	o->counter = (uint16_t)done;
	(void)w;
}

/* Address the frame to next hop @p nh on its port and transmit, or
 * hold it until the next hop is resolved (send_hold()). Inline: every forwarded packet
 * takes it, and the resolved case is two loads and two stores per MAC
 * (issue 19, round 4). */
static inline void
send_via(struct lb_worker *w, struct pkt_buf *pb, uint32_t nh,
	 enum lb_counter done, struct lb_out *o)
{
	struct lb_nh *e;
	uint64_t mac;

	if (nh == LB_NH_NONE) {
		drop(w, o, LB_CNT_drop_no_route);
		return;
	}
	e = &w->st->nht->e[nh];
	mac = atomic_load_explicit(&e->mac, memory_order_acquire);
	if (mac & LB_NH_VALID) {
		lb_nh_frame_macs(pkt_buf_data(pb), mac, e);
		finish(w, o, done, LB_ACT_TX, e->port);
		return;
	}
	send_hold(w, nh, done, o);
}

/* Route a packet on to a client (answers and stickiness messages). */
static void
send_to_client(struct lb_worker *w, struct pkt_buf *pb,
	       const struct lb_addr *client, struct lb_out *o)
{
	struct lb_addr nh_ip;
	uint8_t port;
	uint32_t nh;

	/* Behind a gateway: no search (issue 19). */
	nh = lb_state_client_gw(w->st, client, &port);
	if (nh != LB_NH_NONE) {
		send_via(w, pb, nh, LB_CNT_tx_client, o);
		return;
	}
	if (lb_state_route(w->st, client, LB_ROLE_CLIENT, &port,
			   &nh_ip) != 0) {
		drop(w, o, LB_CNT_drop_no_route);
		return;
	}
	/* Clients are usually behind the port's gateway, whose next hop is
	 * known by index: no search of the next-hop table per packet. */
	nh = client->family == 4 ? w->st->port_gw4_nh[port] :
				   w->st->port_gw6_nh[port];
	if (nh == LB_NH_NONE || !lb_addr_eq(&w->st->nht->e[nh].ip, &nh_ip)) {
		nh = lb_state_nh_find(w->st, &nh_ip);
		if (nh == LB_NH_NONE)
			nh = lb_state_nh_add(w->st, &nh_ip, port);
	}
	send_via(w, pb, nh, LB_CNT_tx_client, o);
}

/* ---- classification -------------------------------------------------- */

/* The last (address, port, protocol) found in the VIP map, for one burst
 * (issue 19: a burst is mostly one VIP's traffic, VPP's lb node keeps
 * the same one-entry cache). The state does not change within a burst,
 * so neither does the answer. */
struct vip_cache {
	uint8_t dst[16];
	uint32_t v;             /* UINT32_MAX: empty */
	uint16_t port;
	uint8_t family;
	uint8_t proto;
};

static inline bool
vip_cache_hit(const struct vip_cache *vc, const struct pkt_meta *m,
	      uint16_t port)
{
	uint32_t a0, a1, b0, b1;
	uint64_t a2, b2;

	if (vc->v == UINT32_MAX || vc->family != m->family ||
	    vc->port != port || vc->proto != m->l4_proto)
		return false;
	/* 16 bytes (pkt_parse zeroes the 12 after an IPv4 address), read
	 * as the parse wrote them: 4, 4 and 8 bytes. One 8-byte load over
	 * the 4-byte copy of an IPv4 address and its memset() stalled on
	 * store forwarding, a tenth of the loop's samples in perf (issue
	 * 19, round 8). */
	memcpy(&a0, vc->dst, 4);
	memcpy(&a1, vc->dst + 4, 4);
	memcpy(&a2, vc->dst + 8, 8);
	memcpy(&b0, m->dst, 4);
	memcpy(&b1, m->dst + 4, 4);
	memcpy(&b2, m->dst + 8, 8);
	return ((a0 ^ b0) | (a1 ^ b1) | (a2 ^ b2)) == 0;
}

static inline void
vip_cache_put(struct vip_cache *vc, const struct pkt_meta *m, uint16_t port,
	      uint32_t v)
{
	memcpy(vc->dst, m->dst, 16);
	vc->family = m->family;
	vc->port = port;
	vc->proto = m->l4_proto;
	vc->v = v;
}

/* Are addresses @p a and @p b the same (4 bytes when @p four, else 16)? */
static inline bool
addr_same(const uint8_t *a, const uint8_t *b, bool four)
{
	uint64_t a0, a1, b0, b1;
	uint32_t x, y;

	if (four) {
		memcpy(&x, a, 4);
		memcpy(&y, b, 4);
		return x == y;
	}
	memcpy(&a0, a, 8);
	memcpy(&a1, a + 8, 8);
	memcpy(&b0, b, 8);
	memcpy(&b1, b + 8, 8);
	return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/* Is @p src the MAC of a router on server-only port @p port (its
 * gateways, a static route's next hop)? Servers often send towards the
 * VIP through their default router even when the appliance reaches them
 * on the segment; no client sends from the server side of a two-armed
 * appliance. Only on the mismatch path: a few comparisons. */
static bool
server_side_router(const struct lb_state *st, uint8_t port, uint64_t src)
{
	uint32_t nh[2 + LB_MAX_ROUTES];
	unsigned int n = 0;

	if (st->port[port].conf.role != LB_ROLE_SERVER)
		return false;
	nh[n++] = st->port_gw4_nh[port];
	nh[n++] = st->port_gw6_nh[port];
	for (uint32_t r = 0; r < st->cfg.n_routes && n < 2 + LB_MAX_ROUTES;
	     r++)
		nh[n++] = lb_state_nh_find(st, &st->cfg.route[r].via);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t m;

		if (nh[i] == LB_NH_NONE || st->nht->e[nh[i]].port != port)
			continue;
		m = atomic_load_explicit(&st->nht->e[nh[i]].mac,
					 memory_order_acquire);
		if ((m & LB_NH_VALID) && (m & 0xffffffffffffull) == src)
			return true;
	}
	return false;
}

/* Trust rule for server messages (issue 16; docs/architecture.md
 * "Trust"): a metric answer or a stickiness message claiming to come from
 * backend @p be is taken only when it arrives on the port the backend is
 * reached on, from the MAC of the next hop it is reached through (on the
 * l2 leg the backend itself, on a routed leg its router). The source
 * address alone is forged by anyone; on a shared segment the MAC is what
 * a spoofer cannot take without also taking the backend's traffic.
 * @return LB_CNT_MAX when the message may be trusted, else the counter
 * of the drop. */
static enum lb_counter
server_msg_origin(const struct lb_state *st, const uint8_t *frame,
		  uint8_t in_port, const struct lb_backend_rt *be)
{
	uint64_t mac, src;

	if (in_port != be->port)
		return LB_CNT_drop_forged_port;
	if (be->nh == LB_NH_NONE)
		return LB_CNT_drop_forged_nh;
	mac = atomic_load_explicit(&st->nht->e[be->nh].mac,
				   memory_order_acquire);
	src = mac_to_u64(frame + 6);
	/* The common case first: from the backend's next hop (issue 19:
	 * the router search below is the mismatch path). */
	if ((mac & LB_NH_VALID) && (mac & 0xffffffffffffull) == src)
		return LB_CNT_MAX;
	/* A known server-side router is trusted even before the backend's
	 * own MAC is resolved (after a restart the first stickiness
	 * messages arrive before any neighbour answer). */
	if (server_side_router(st, in_port, src))
		return LB_CNT_MAX;
	if (!(mac & LB_NH_VALID))
		return LB_CNT_drop_forged_nh;
	return LB_CNT_drop_forged_mac;
}

static bool
is_nd(const uint8_t *frame, uint32_t len, const struct pkt_meta *m)
{
	uint8_t type;

	if (m->family != 6 || m->l4_proto != IPPROTO_NUM_ICMPV6 ||
	    m->l4_off + 1u > len)
		return false;
	type = frame[m->l4_off];
	return type == 135 || type == 136;
}

/* Segment List[0] of the SRH the parse validated (only while msgs has
 * PKT_MSG_SRH): a stickiness message's client (6LB Table II: the packet
 * is (VIP -> lb::f) with SRH (s, lb::f, client)). */
static inline const uint8_t *
srh_seg0(const uint8_t *frame, const struct pkt_meta *m)
{
	return frame + m->srh_off + SRH_FIXED_LEN;
}

/* Is @p m's destination one of our SRv6 SIDs? @return the function. */
static inline enum srv6_func
lb_sid_func(const struct lb_state *st, const struct pkt_meta *m)
{
	if (!st->has_lb_sid || m->family != 6)
		return SRV6_FUNC_NONE;
	/* Every IPv6 packet comes here: the matcher's first test is the
	 * locator's, which rejects the others (issue 19). */
	return srv6_sid_matcher_func(&st->lb_sid_match, m->dst);
}

/* A frame to VIP @p v carrying a recover marker (158): a backend passing
 * an offer back (issue 17) when it comes from a backend of the VIP on a
 * server-facing port. @return true when decided here (bounce or drop);
 * false: a client's packet, whose marker is stripped as client
 * messages are. */
static bool
classify_bounce(struct lb_worker *w, struct pkt_ctx *c, uint32_t v,
		uint8_t role, struct lb_out *o)
{
	uint32_t b = UINT32_MAX;

	if (role & LB_ROLE_SERVER)
		b = lb_map_get(&w->st->backend_map, c->m.family, c->m.src,
			       (uint16_t)v, LB_MAP_BACKEND_PROTO);
	if (b != UINT32_MAX) {
		c->vip = (uint16_t)v;
		c->be = (uint16_t)b;
		c->cls = PC_BOUNCE;
		return true;
	}
	if (!(role & LB_ROLE_CLIENT)) {
		drop(w, o, LB_CNT_drop_forged);
		return true;
	}
	return false;
}

/* A server's message (metric answer, stickiness message) names its
 * client's flow, which the act stage looks up alone: its key and hash
 * now, and the table's buckets on their way meanwhile (issue 19, round
 * 6: that lookup's wait was over a quarter of a stickiness message's
 * cycles). @p client, @p vip: the flow's addresses as the handler builds
 * its key from them. Out of line: inline, it cost the pinned path of
 * every client packet 70 instructions in the burst's layout. */
static __attribute__((noinline)) void
server_msg_prefetch(struct lb_worker *w, struct pkt_ctx *c,
		    const uint8_t *client, const uint8_t *vip,
		    uint16_t client_port, uint16_t vip_port)
{
	if (c->m.family == 4)
		flow_key_ipv4(&c->key, client, vip, client_port, vip_port,
			      c->m.l4_proto);
	else
		flow_key_ipv6(&c->key, client, vip, client_port, vip_port,
			      c->m.l4_proto);
	c->hash = key_hash(w->st, &c->key);
	c->msg_key = true;
	w->burst_msgs++;
	flow_table_prefetch(&w->ft, c->hash);
}

/* With several workers, a metric answer belongs to the lcore of its
 * client's flow, which RSS on the server's tuple picked only by chance
 * (issue 19). When that is another lcore, this one still makes every
 * check and sends the answer on to the client; the owner gets a note
 * (struct lb_note: a cache line through its ring, not the frame's
 * lines and a second parse). A VIP that learns QUIC connection IDs from
 * its answers needs the frame there: it is handed over whole.
 * @return true when another lcore owns the flow: handed over (o
 * decided), or c->owner, c->key and c->hash set for the note (msg_key
 * stays false: handle_answer() tells it by that). */
static bool
answer_owner(struct lb_worker *w, struct pkt_ctx *c, struct lb_out *o)
{
	uint16_t ow;

	if (c->m.family == 4)
		flow_key_ipv4(&c->key, c->m.client_addr, c->m.dst,
			      c->m.client_port, c->m.sport, c->m.l4_proto);
	else
		flow_key_ipv6(&c->key, c->m.client_addr, c->m.dst,
			      c->m.client_port, c->m.sport, c->m.l4_proto);
	ow = owner_of(w, &c->key);
	if (ow == w->index)
		return false;
	if (w->st->vip[c->vip].conf.quic_cid_len != 0) {
		o->owner = ow;
		finish(w, o, LB_CNT_handoff, LB_ACT_HANDOFF, 0);
		c->cls = PC_DONE;
		return true;
	}
	c->owner = ow;
	c->hash = key_hash(w->st, &c->key);
	return true;
}

/* A metric answer (backend -> VIP, VIP port -> client port) from a
 * backend of the VIP: the VIP first (the burst's VIP cache is keyed as
 * the client packets of the VIP are: address, VIP port, protocol), then
 * the backend within it.
 * @return true when decided (PC_ANSWER, or dropped by the trust rule);
 * false when no backend of a VIP sent it. */
static bool
classify_answer(struct lb_worker *w, struct pkt_ctx *c, const uint8_t *frame,
		uint8_t in_port, struct lb_out *o, struct vip_cache *vc)
{
	const struct lb_state *st = w->st;
	uint32_t vi, b;
	enum lb_counter why;

	if (vip_cache_hit(vc, &c->m, c->m.sport)) {
		vi = vc->v;
	} else {
		vi = lb_map_get(&st->vip_map, c->m.family, c->m.dst,
				c->m.sport, c->m.l4_proto);
		if (vi != UINT32_MAX)
			vip_cache_put(vc, &c->m, c->m.sport, vi);
	}
	if (vi == UINT32_MAX)
		vi = lb_map_get(&st->vip_map, c->m.family, c->m.dst, 0,
				c->m.l4_proto);
	if (vi == UINT32_MAX)
		return false;
	b = lb_map_get(&st->backend_map, c->m.family, c->m.src, (uint16_t)vi,
		       LB_MAP_BACKEND_PROTO);
	if (b == UINT32_MAX)
		return false;
	why = server_msg_origin(st, frame, in_port, &st->vip[vi].be[b]);
	if (why != LB_CNT_MAX) {
		drop(w, o, why);
		return true;
	}
	c->vip = (uint16_t)vi;
	c->be = (uint16_t)b;
	c->cls = PC_ANSWER;
	c->msg_key = false;
	if (!(c->m.msgs & (1u << PKT_MSG_CLIENT_TUPLE)))
		return true;
	if (__builtin_expect(w->n_workers > 1, 0) && w->owner != NULL &&
	    answer_owner(w, c, o))
		return true;
	server_msg_prefetch(w, c, c->m.client_addr, c->m.dst,
			    c->m.client_port, c->m.sport);
	return true;
}

/* Inline into the burst's loop, its only caller (issue 19: gcc's own
 * choice flips with a few lines more, and out of line it cost the pinned
 * path 70 instructions a packet: the context and key through memory). */
static inline __attribute__((always_inline)) void
classify(struct lb_worker *w, struct pkt_buf *pb, uint8_t in_port,
	 struct pkt_ctx *c, struct lb_out *o, struct vip_cache *vc)
{
	const struct lb_state *st = w->st;
	const uint8_t *frame = pkt_buf_data(pb);
	uint8_t role = st->port[in_port].conf.role;
	enum wire_result r;
	uint32_t v;

	c->cls = PC_DONE;
	c->in_port = in_port;
	w->cnt[LB_CNT_rx]++;
	/* Without promiscuous mode a NIC delivers only our MAC and group
	 * addresses; af_packet and tap deliver everything. */
	if (pb->len >= ETH_HDR_LEN && !(frame[0] & 1) &&
	    memcmp(frame, st->port[in_port].mac, 6) != 0) {
		drop(w, o, LB_CNT_drop_l2_other);
		return;
	}
	r = pkt_parse(frame, pb->len, &c->m);
	if (r == WIRE_ERR_IPV4_FRAGMENT || r == WIRE_ERR_IP6EXT_FRAGMENT) {
		c->cls = PC_FRAG;
		return;
	}
	if (r != WIRE_OK) {
		drop_wire(w, o, r);
		return;
	}
	if (c->m.family == 0) {
		if (c->m.ethertype == ETH_TYPE_ARP)
			c->cls = PC_NEIGH;
		else
			drop(w, o, LB_CNT_drop_not_ip);
		return;
	}
	if (c->m.family == 4 &&
	    !ipv4_hdr_ok(pb, frame + c->m.l3_off,
			 (uint32_t)(c->m.l4_off - c->m.l3_off))) {
		drop(w, o, LB_CNT_drop_ipv4_csum);
		return;
	}
	/* The protocol alone first: is_nd()'s test of the family and the
	 * protocol, merged by gcc into one 2-byte load over the parse's two
	 * 1-byte stores, stalled every packet on store forwarding (perf,
	 * issue 19 round 8). */
	if (c->m.l4_proto == IPPROTO_NUM_ICMP ||
	    c->m.l4_proto == IPPROTO_NUM_ICMPV6) {
		if (is_nd(frame, pb->len, &c->m)) {
			c->cls = PC_NEIGH;
			return;
		}
		if (!(c->m.msgs & (1u << PKT_MSG_FRAGMENT))) {
			c->cls = PC_ICMP;
			return;
		}
	}
	/* SRv6 messages of the stickiness protocol to our SID. */
	c->sid_func = (uint8_t)lb_sid_func(st, &c->m);
	if (c->sid_func != SRV6_FUNC_NONE) {
		if (!(role & LB_ROLE_SERVER)) {
			drop(w, o, LB_CNT_drop_wrong_port);
			return;
		}
		/* A create/remove message's flow is its client's: the
		 * SRH's last segment (Segment List[0], which the parse's
		 * walk validated). With several workers, when another
		 * lcore owns it, this one still makes every check and
		 * sends the message on; the owner gets a note, as for an
		 * answer (handle_sticky()). */
		c->cls = PC_STICKY;
		c->msg_key = false;
		if (!(c->m.msgs & (1u << PKT_MSG_SRH)) ||
		    (c->sid_func != SRV6_FUNC_CREATE_STICKINESS &&
		     c->sid_func != SRV6_FUNC_REMOVE_STICKINESS))
			return;
		if (__builtin_expect(w->n_workers > 1, 0) &&
		    w->owner != NULL) {
			flow_key_ipv6(&c->key, srh_seg0(frame, &c->m),
				      c->m.src, c->m.dport, c->m.sport,
				      c->m.l4_proto);
			c->owner = owner_of(w, &c->key);
			if (c->owner != w->index) {
				/* another lcore's flow: a note for it
				 * (handle_sticky()), msg_key false */
				c->hash = key_hash(st, &c->key);
				return;
			}
		}
		server_msg_prefetch(w, c, srh_seg0(frame, &c->m), c->m.src,
				    c->m.dport, c->m.sport);
		return;
	}
	/* The common case first: a client packet to a VIP's port (one map
	 * probe); answers, wildcard ports and strays take the long way. */
	if (!(c->m.msgs & ((1u << PKT_MSG_METRIC_ANS) |
			   (1u << PKT_MSG_FRAGMENT) |
			   (1u << PKT_MSG_RECOVER)))) {
		if (vip_cache_hit(vc, &c->m, c->m.dport)) {
			v = vc->v;
			goto vip_found;
		}
		v = lb_map_get(&st->vip_map, c->m.family, c->m.dst,
			       c->m.dport, c->m.l4_proto);
		if (v != UINT32_MAX) {
			vip_cache_put(vc, &c->m, c->m.dport, v);
			goto vip_found;
		}
	}
	/* A backend's metric answer: a VIP map hit says the address is a
	 * VIP's (lb_config_validate() gives no VIP a port's address), so
	 * the address map can wait for the other cases (issue 19). */
	if ((c->m.msgs & (1u << PKT_MSG_METRIC_ANS)) &&
	    (role & LB_ROLE_SERVER) &&
	    classify_answer(w, c, frame, in_port, o, vc))
		return;
	v = lb_map_get(&st->addr_map, c->m.family, c->m.dst, 0, 0);
	if (v == (LB_ADDR_PORT | in_port) && (role & LB_ROLE_SERVER) &&
	    (c->m.msgs & (1u << PKT_MSG_RECOVER)) && c->m.rec_has_addr) {
		/* A pass-back or a pin from a server behind a router, sent
		 * to this port's address: the marker names the VIP
		 * (docs/wire-format.md, "Recovery through a router"). It
		 * goes on as if sent to the VIP; all checks follow. */
		pkt_rewrite_addr(pkt_buf_data(pb), pb->len, &c->m,
				 pkt_dst_at(&c->m), c->m.rec_addr);
		memcpy(c->m.dst, c->m.rec_addr, c->m.family == 4 ? 4 : 16);
		w->cnt[LB_CNT_recover_return]++;
		v = lb_map_get(&st->addr_map, c->m.family, c->m.dst, 0, 0);
	}
	if (v == UINT32_MAX || !(v & LB_ADDR_VIP)) {
		/* Exception path (issue 18): what is for the port's own
		 * addresses (BGP, BFD, ICMP), or for a link-local address,
		 * goes to the port's kernel interface. */
		if (st->port[in_port].conf.kernel[0] != '\0' &&
		    (v == (LB_ADDR_PORT | in_port) ||
		     (c->m.family == 6 && is_link_local6(c->m.dst)))) {
			finish(w, o, LB_CNT_to_kernel, LB_ACT_KERNEL, in_port);
			return;
		}
		drop(w, o, LB_CNT_drop_not_for_us);
		return;
	}
	/* A first fragment goes on with its flow (dsr_forward caches the
	 * choice for the later ones). */
	/* A metric answer from a backend of the VIP? Keyed by the backend's
	 * address, the VIP port (its source port) and the protocol. */
	if ((c->m.msgs & (1u << PKT_MSG_METRIC_ANS)) &&
	    (role & LB_ROLE_SERVER)) {
		if (classify_answer(w, c, frame, in_port, o, vc))
			return;
		/* Only backends answer: a metric answer from anyone else
		 * is forged feedback (a forged "idle" score would pull load
		 * onto a server). */
		drop(w, o, LB_CNT_drop_forged);
		return;
	}
	if ((c->m.msgs & (1u << PKT_MSG_METRIC_ANS)) &&
	    !(role & LB_ROLE_SERVER)) {
		drop(w, o, LB_CNT_drop_forged);
		return;
	}
	v = lb_map_get(&st->vip_map, c->m.family, c->m.dst, c->m.dport,
		       c->m.l4_proto);
	if (v == UINT32_MAX)
		v = lb_map_get(&st->vip_map, c->m.family, c->m.dst, 0,
			       c->m.l4_proto);
	if (v == UINT32_MAX) {
		drop(w, o, LB_CNT_drop_unknown_vip);
		return;
	}
	if ((c->m.msgs & (1u << PKT_MSG_RECOVER)) &&
	    classify_bounce(w, c, v, role, o))
		return;
vip_found:
	if (!(role & LB_ROLE_CLIENT)) {
		/* Servers reach a VIP only with answers or SRv6 messages. */
		drop(w, o, LB_CNT_drop_server_plain);
		return;
	}
	if (c->m.msgs & (1u << PKT_MSG_SRH)) {
		drop(w, o, LB_CNT_drop_client_srh);
		return;
	}
	/* RFC 1812 §5.3.7: no router forwards these; a "land" packet
	 * (source = the VIP) and source port 0 neither. */
	if (martian_src(c->m.family, c->m.src) ||
	    addr_same(c->m.src, c->m.dst, c->m.family == 4) ||
	    (c->m.sport == 0 && (c->m.l4_proto == IPPROTO_NUM_TCP ||
				 c->m.l4_proto == IPPROTO_NUM_UDP))) {
		drop(w, o, LB_CNT_drop_martian);
		return;
	}
	c->vip = (uint16_t)v;
	c->quic_new = false;
	c->quic_be = LB_QUIC_NO_SID;
	if (st->vip[v].conf.quic) {
		struct lb_quic_info qi;

		r = lb_quic_classify(st, v, frame, pb->len, &c->m, &qi);
		if (r != WIRE_OK) {
			drop_wire(w, o, r);
			return;
		}
		c->quic_new = qi.new_conn;
		c->quic_be = qi.be;
		if (qi.sid_unknown)
			w->cnt[LB_CNT_quic_sid_unknown]++;
		if (qi.learned)
			w->cnt[LB_CNT_quic_cid_routed]++;
	}
	c->cls = PC_CLIENT;
	/* The hash from the parse's fields, inline: key_hash() of the key
	 * built beside it (issue 19: the call through the key was 44
	 * instructions of a pinned IPv4 packet). */
	if (c->m.family == 4) {
		c->hash = hash_fold32(flow_hash_ipv4(st->seed, c->m.src,
						     c->m.dst, c->m.sport,
						     c->m.dport,
						     c->m.l4_proto));
		flow_key_ipv4(&c->key, c->m.src, c->m.dst, c->m.sport,
			      c->m.dport, c->m.l4_proto);
	} else {
		/* through the key: inline here, IPv6 took 3 more */
		flow_key_ipv6(&c->key, c->m.src, c->m.dst, c->m.sport,
			      c->m.dport, c->m.l4_proto);
		c->hash = key_hash(st, &c->key);
	}
}

/* Remove dsrlb messages a client put in its packet (trust rule: only
 * backends may speak the protocol), then parse again. */
static enum wire_result
strip_client_msgs(struct lb_worker *w, struct pkt_buf *pb, struct pkt_ctx *c)
{
	const uint32_t mask = CLIENT_MSGS;
	unsigned int removed = 0;
	enum wire_result r;

	if (!(c->m.msgs & mask))
		return WIRE_OK;
	r = c->m.family == 4 ?
		ipv4opt_strip_all(pb, c->m.l3_off, &removed) :
		ip6ext_remove_all(pb, c->m.l3_off, &removed);
	if (r != WIRE_OK)
		return r;
	w->cnt[LB_CNT_client_msgs_stripped] += removed;
	return pkt_parse(pkt_buf_data(pb), pb->len, &c->m);
}

/* ---- backend choice --------------------------------------------------- */

static inline const struct chash_table *
vip_ch1(const struct lb_vip_rt *v)
{
	return atomic_load_explicit(&v->ch1, memory_order_acquire);
}

/* Polling: take the poller's newest scores into this lcore's table
 * (once per snapshot, lb_poll.h). */
static inline void
poll_scores_apply(const struct lb_vip_rt *v, struct lb_worker_vip *wv,
		  uint64_t now_ns)
{
	(void)lb_poll_apply(wv->busy, atomic_load_explicit(&v->poll,
			    memory_order_acquire), &wv->poll_gen, now_ns);
}

/* The C = 2 candidates of @p hash in table @p t, or NULL. */
static inline const uint16_t *
c_hash_cand(const struct chash_table *t, uint32_t hash)
{
	return t != NULL && t->c == 2 ? chash_lookup(t, hash) : NULL;
}

/* Of the @p n candidates @p cand (NULL: none), those a new flow may go
 * to (active: not drained, down or removed), in order, into @p act.
 * @return how many. */
static inline uint32_t
cands_active(const struct lb_worker_vip *wv, const uint16_t *cand,
	     uint32_t n, uint16_t act[CHASH_C_MAX])
{
	uint32_t k = 0;

	for (uint32_t i = 0; cand != NULL && i < n; i++)
		if (cand[i] < LB_MAX_BACKENDS &&
		    wv->state[cand[i]] == SELECT_BACKEND_ACTIVE)
			act[k++] = cand[i];
	return k;
}

/* Recovery (issue 17): a new flow chooses among the candidates of table
 * @p t (DSR: the C = d table, the power of d choices, docs/evaluation.md;
 * SRv6: the C = 2 table recoverStickiness asks), so that whoever holds
 * it later is one of them. The scores (dsr-feedback, polling): the
 * lowest score among them; random: one at random; round-robin: the next
 * turn of its rotation that lands on one (lb_recover_rr_among());
 * latency-feedback and maglev: the C = 1 table's choice conditioned on
 * them (lb_recover_table_among()); else the first active candidate.
 * When the candidates are every backend, the policy's own choice is
 * always one. */
static uint32_t
recover_pick(struct lb_worker *w, const struct lb_vip_rt *v,
	     struct lb_worker_vip *wv, const struct chash_table *t,
	     uint32_t hash, uint64_t now_ns)
{
	const uint16_t *cand;
	uint16_t act[CHASH_C_MAX];
	uint32_t k, b;

	if (t->c == 0)
		return BUSY_SELECT_NONE;
	cand = chash_lookup(t, hash);
	switch (v->conf.policy) {
	case LB_POLICY_POLL:
		poll_scores_apply(v, wv, now_ns);
		/* fall through */
	case LB_POLICY_BUSY:
		return busy_select_pick_among(wv->busy, now_ns, cand, t->c,
					      &w->rng);
	default:
		break;
	}
	k = cands_active(wv, cand, t->c, act);
	if (k == 0)
		return BUSY_SELECT_NONE;
	switch (v->conf.policy) {
	case LB_POLICY_RR:
		b = lb_recover_rr_among(wv->base, act, k,
					LB_RECOVER_PICK_TRIES);
		return b != BASELINE_NONE ? b : act[0];
	case LB_POLICY_LATENCY:
	case LB_POLICY_MAGLEV:  /* SRv6: its C = 1 entry is in the C = 2
				 * list for 99.96 % or more of the buckets */
		b = lb_recover_table_among(vip_ch1(v), hash, act, k,
					   LB_RECOVER_PICK_TRIES);
		return b != CHASH_NO_BACKEND ? b : act[0];
	default: /* random */
		return act[rng_below(&w->rng, k)];
	}
}

/* Backend of a new flow by the VIP's policy; BUSY_SELECT_NONE when none. */
static uint32_t
pick_backend(struct lb_worker *w, const struct lb_vip_rt *v,
	     struct lb_worker_vip *wv, uint32_t hash, uint64_t now_ns)
{
	const struct chash_table *t;

	/* The DSR transport's C = d table; over SRv6 the C = 2 table whose
	 * candidates recoverStickiness asks (srv6_hunt()). */
	t = v->chd != NULL ? v->chd :
	    v->conf.transport == LB_TRANSPORT_SRV6 &&
	    v->conf.policy != LB_POLICY_HUNT ? v->ch2 : NULL;
	if (t != NULL) {
		uint32_t b = recover_pick(w, v, wv, t, hash, now_ns);

		/* Every candidate drained: served by the whole set (then
		 * recoverable only if it lands on a candidate). */
		if (b != BUSY_SELECT_NONE)
			return b;
	}
	switch (v->conf.policy) {
	case LB_POLICY_POLL:
		poll_scores_apply(v, wv, now_ns);
		/* fall through */
	case LB_POLICY_BUSY:
		return busy_select_pick_cached(wv->busy, now_ns, &w->rng);
	case LB_POLICY_RR:
		return baseline_rr_pick(wv->base);
	case LB_POLICY_RANDOM:
		return baseline_random_pick(wv->base, &w->rng);
	case LB_POLICY_HUNT: {
		/* The first candidate new flows may go to (the C = 2 table
		 * keeps drained ones for recovery); none: by the C = 1
		 * table, which has none of them. */
		uint16_t act[CHASH_C_MAX];

		if (cands_active(wv, c_hash_cand(v->ch2, hash), 2, act) > 0)
			return act[0];
		t = vip_ch1(v);
		break;
	}
	default: /* Maglev, latency-feedback */
		t = vip_ch1(v);
		break;
	}
	if (t == NULL || t->c == 0)
		return BUSY_SELECT_NONE;
	return chash_lookup(t, hash)[0];
}

/* The consistent-hash entry that pick_backend() (or pick_stateless())
 * reads first for a new flow of @p v with @p hash, prefetched: the act
 * stage reads it a few hundred cycles later, and the table (128 KiB or
 * more) is rarely in L1 (issue 19, round 6: this load was 73 % of
 * pick_backend()'s samples on new flows). The table pick_backend()
 * reads first: C = d, else SRv6's C = 2, else C = 1. */
static inline const struct chash_table *
pick_table(const struct lb_vip_rt *v)
{
	return v->chd != NULL ? v->chd :
	       v->conf.transport == LB_TRANSPORT_SRV6 ? v->ch2 : vip_ch1(v);
}

/* Stateless choice (table full, unknown mid-stream flow): consistent
 * hashing, so every packet of the flow, and every appliance, agrees. */
static uint32_t
pick_stateless(const struct lb_vip_rt *v, uint32_t hash)
{
	const struct chash_table *t = vip_ch1(v);

	if (t == NULL || t->c == 0)
		return BUSY_SELECT_NONE;
	return chash_lookup(t, hash)[0];
}

/* ---- health (lb_health.h) ------------------------------------------------ */

/* A packet goes to a backend: count the requests/offers pending past the
 * timeout as lost. @return true when this packet should carry a health
 * request (@p first: it is a flow's first packet, which a live server
 * answers at once; a tracking slot is free). */
static inline bool
health_probe(struct lb_worker *w, struct lb_health_obs *h, bool first,
	     uint64_t now_ns)
{
	const struct lb_health_conf *hc = &w->st->cfg.health;
	const uint64_t before = h->fail;
	bool room;

	if (!hc->enabled)
		return false;
	room = lb_health_obs_check(h, now_ns, hc->timeout_ns);
	w->cnt[LB_CNT_health_lost] += h->fail - before;
	/* Every first packet while a slot is free: at most
	 * LB_HEALTH_PENDING requests in flight per backend (a live server
	 * frees its slot within a round trip), and a burst of new flows to
	 * a dead server counts as several losses at once. */
	return room && first;
}

static inline void
health_ok(struct lb_worker *w, struct lb_worker_vip *wv, uint32_t b)
{
	if (!w->st->cfg.health.enabled)
		return;
	lb_health_obs_ok(&wv->hobs[b]);
	w->cnt[LB_CNT_health_ok]++;
}

/* A down backend due for a trial flow (once its last trial is settled),
 * or UINT32_MAX. A VIP that recovers flows by candidates (the C = d
 * table of the DSR transport, C = 2 of SRv6) tries a down backend only
 * on a flow whose candidates (@p hash) include it: a trial that its
 * server takes is a flow like any other, and another appliance, or
 * this one restarted, must find it (issue 17; e2e-bgp lost such a flow
 * when its SIGTERM moved it). */
static __attribute__((noinline)) uint32_t
health_trial_pick(struct lb_worker *w, const struct lb_vip_rt *v,
		  struct lb_worker_vip *wv, uint32_t hash, uint64_t now_ns)
{
	const struct lb_health_conf *hc = &w->st->cfg.health;
	const struct chash_table *t;
	const uint16_t *cand = NULL;

	t = v->chd != NULL ? v->chd :
	    v->conf.transport == LB_TRANSPORT_SRV6 ? v->ch2 : NULL;
	if (t != NULL && t->c > 0)
		cand = chash_lookup(t, hash);
	for (uint32_t b = 0; b < v->conf.n_backends; b++) {
		struct lb_health_obs *h = &wv->hobs[b];
		bool among = cand == NULL;

		if (!v->be[b].health_down || v->be[b].nh == LB_NH_NONE)
			continue;
		(void)health_probe(w, h, false, now_ns);
		for (uint32_t i = 0; !among && i < t->c; i++)
			among = cand[i] == b;
		if (!among)
			continue;
		/* n workers, one trial each per n intervals: one trial per
		 * interval in all (a trial to a dead server costs its client
		 * one SYN retransmission) */
		if (lb_health_obs_trial(h, now_ns,
					hc->trial_ns * w->n_workers)) {
			w->cnt[LB_CNT_health_trial]++;
			return b;
		}
	}
	return UINT32_MAX;
}

/* The common case (no backend down) inline; the search apart, out of
 * the new-flow path's code (issue 19: keeping it inline cost the pinned
 * path 32 instructions per packet in layout). */
static inline uint32_t
health_trial(struct lb_worker *w, const struct lb_vip_rt *v,
	     struct lb_worker_vip *wv, uint32_t hash, uint64_t now_ns)
{
	if (v->n_down == 0 || !w->st->cfg.health.enabled)
		return UINT32_MAX;
	return health_trial_pick(w, v, wv, hash, now_ns);
}

/* ---- ICMP (docs/wire-format.md, "ICMP") ------------------------------- */

/* Bytes the appliance must add that a client packet cannot do without:
 * the client tuple (IPv4 option 155; IPv6 header 27 or option 0x1E, both
 * 24 bytes with their padding). */
#define LB_ICMP_NEED_TUPLE4 8u
#define LB_ICMP_NEED_TUPLE6 24u

/* Send the frame back out of its port to the neighbour it came from. */
static void
reflect(struct lb_worker *w, struct pkt_buf *pb, uint8_t port,
	enum lb_counter done, struct lb_out *o)
{
	uint8_t *f = pkt_buf_data(pb);

	memcpy(f, f + 6, 6);
	memcpy(f + 6, w->st->port[port].mac, 6);
	finish(w, o, done, LB_ACT_TX, port);
}

/* The client's packet (as it came: addresses restored) cannot take the
 * @p need bytes we must add within @p mtu: answer with a fragmentation
 * needed (IPv4 with DF) or a packet too big (IPv6) announcing the MTU
 * that leaves room for them, from the VIP, rate-limited (icmp_rate). */
static void
send_too_big(struct lb_worker *w, struct pkt_buf *pb, struct pkt_ctx *c,
	     uint32_t mtu, uint32_t need, uint64_t now_ns, struct lb_out *o)
{
	const uint8_t *ip = pkt_buf_data(pb) + c->m.l3_off;
	uint32_t adv = mtu > need ? mtu - need : 0;

	/* RFC 1191 §1: only DF packets get one; we do not fragment. */
	if (c->m.family == 4 && !(ip[6] & 0x40)) {
		drop(w, o, LB_CNT_drop_mtu);
		return;
	}
	if (c->m.family == 4 && adv < ICMP4_MTU_MIN)
		adv = ICMP4_MTU_MIN;
	if (c->m.family == 6 && adv < ICMP6_MTU_MIN)
		adv = ICMP6_MTU_MIN;
	if (!icmp_ratelimit_take(&w->icmp_rl, now_ns, w->st->cfg.icmp_rate)) {
		w->cnt[LB_CNT_icmp_rate_limited]++;
		drop(w, o, LB_CNT_drop_mtu);
		return;
	}
	if (icmp_build_too_big(pb, &c->m, c->m.dst, adv) != WIRE_OK) {
		drop(w, o, LB_CNT_drop_mtu);
		return;
	}
	reflect(w, pb, c->in_port, LB_CNT_tx_icmp_too_big, o);
}

/* The packet that was to carry the client tuple went back to the client
 * as too big, or was dropped for its size: no server saw the tuple. */
static inline bool
mtu_refused(const struct lb_out *o)
{
	return o->counter == LB_CNT_tx_icmp_too_big ||
	       o->counter == LB_CNT_drop_mtu;
}

static uint32_t pick_stateless(const struct lb_vip_rt *v, uint32_t hash);

/* ICMP / ICMPv6 to one of our addresses or a VIP: echo requests are
 * answered; an error quoting a packet a server sent for a VIP flow
 * (VIP:port -> client:port) goes to that flow's server, as Katran's
 * handle_icmp.h does, the flow key being the quote reversed. */
static void
handle_icmp(struct lb_worker *w, struct pkt_buf *pb, struct pkt_ctx *c,
	    uint64_t now_ns, struct lb_out *o)
{
	const struct lb_state *st = w->st;
	uint8_t *frame = pkt_buf_data(pb);
	const struct lb_vip_rt *v;
	const struct lb_backend_rt *be;
	struct icmp_info in;
	struct flow_key key;
	struct flow_value fv;
	enum wire_result r;
	uint32_t kind, vi, b, slot, hash;
	const unsigned int alen = c->m.family == 4 ? 4u : 16u;

	kind = lb_map_get(&st->addr_map, c->m.family, c->m.dst, 0, 0);
	if (kind == UINT32_MAX) {
		drop(w, o, LB_CNT_drop_not_for_us);
		return;
	}
	r = icmp_parse(frame, pb->len, &c->m, &in);
	if (r != WIRE_OK) {
		drop_wire(w, o, r);
		return;
	}
	if (in.cls == ICMP_CLASS_ECHO_REQUEST) {
		if (((kind & LB_ADDR_VIP) && !st->cfg.icmp_echo_vip) ||
		    icmp_echo_reply(frame, pb->len, &c->m, &in) != WIRE_OK) {
			drop(w, o, LB_CNT_drop_icmp);
			return;
		}
		reflect(w, pb, c->in_port, LB_CNT_tx_icmp_echo, o);
		return;
	}
	if (in.cls != ICMP_CLASS_ERROR || !(kind & LB_ADDR_VIP) ||
	    !in.inner_has_ports || memcmp(in.inner_src, c->m.dst, alen) != 0) {
		drop(w, o, LB_CNT_drop_icmp);
		return;
	}
	vi = lb_map_get(&st->vip_map, c->m.family, in.inner_src,
			in.inner_sport, in.inner_proto);
	if (vi == UINT32_MAX)
		vi = lb_map_get(&st->vip_map, c->m.family, in.inner_src, 0,
				in.inner_proto);
	if (vi == UINT32_MAX ||
	    st->vip[vi].conf.transport != LB_TRANSPORT_DSR) {
		drop(w, o, LB_CNT_drop_icmp);
		return;
	}
	v = &st->vip[vi];
	if (c->m.family == 4)
		flow_key_ipv4(&key, in.inner_dst, in.inner_src,
			      in.inner_dport, in.inner_sport, in.inner_proto);
	else
		flow_key_ipv6(&key, in.inner_dst, in.inner_src,
			      in.inner_dport, in.inner_sport, in.inner_proto);
	if (owner_of(w, &key) != w->index) {
		o->owner = owner_of(w, &key);
		finish(w, o, LB_CNT_handoff, LB_ACT_HANDOFF, 0);
		return;
	}
	hash = key_hash(st, &key);
	slot = flow_table_lookup(&w->ft, &key, hash, now_ns);
	if (slot != FLOW_TABLE_MISS && flow_table_get(&w->ft, slot, &fv) == 0) {
		b = fv.backend;
	} else {
		/* where a mid-stream packet of that flow would go */
		w->cnt[LB_CNT_icmp_stateless]++;
		b = pick_stateless(v, hash);
	}
	if (b == BUSY_SELECT_NONE || b >= v->conf.n_backends ||
	    v->be[b].nh == LB_NH_NONE) {
		drop(w, o, LB_CNT_drop_no_backend);
		return;
	}
	be = &v->be[b];
	/* like the flow's packets: routed leg to the backend's address,
	 * L2 leg to its MAC with the VIP kept */
	if (v->conf.leg == LB_LEG_ROUTED)
		icmp_set_dst(frame, pb->len, &c->m, &in, be->conf.addr.a);
	send_via(w, pb, be->nh, LB_CNT_tx_icmp_backend, o);
}

/* ---- fragments (docs/wire-format.md, "Fragments") --------------------- */

/* A later fragment to a VIP: where its first fragment went, else by the
 * (source, destination, protocol) hash, as IPVS and Maglev do. Out of
 * line: inlined into the burst once handle_sticky() shrank, it cost
 * every pinned packet 7 instructions of spills (issue 19, round 8). */
static __attribute__((noinline)) void
handle_frag(struct lb_worker *w, struct pkt_buf *pb, struct pkt_ctx *c,
	    uint64_t now_ns, struct lb_out *o)
{
	const struct lb_state *st = w->st;
	uint8_t *frame = pkt_buf_data(pb);
	const struct lb_vip_rt *v = NULL;
	const struct lb_backend_rt *be;
	const unsigned int alen = c->m.family == 4 ? 4u : 16u;
	struct frag_id id;
	uint16_t vi = 0, b = 0;
	uint32_t kind;

	kind = lb_map_get(&st->addr_map, c->m.family, c->m.dst, 0, 0);
	if (kind == UINT32_MAX || !(kind & LB_ADDR_VIP) ||
	    !(st->port[c->in_port].conf.role & LB_ROLE_CLIENT) ||
	    frag_read(frame, pb->len, &c->m, &id) != WIRE_OK) {
		drop(w, o, LB_CNT_drop_fragment);
		return;
	}
	if (c->m.family == 4 &&
	    !ipv4_hdr_ok(pb, frame + c->m.l3_off,
			 (uint32_t)(frame[c->m.l3_off] & 0x0f) * 4u)) {
		drop(w, o, LB_CNT_drop_ipv4_csum);
		return;
	}
	if (frag_cache_get(&w->frag, &id, now_ns, &vi, &b) &&
	    vi < st->n_vips) {
		v = &st->vip[vi];
		w->cnt[LB_CNT_frag_cached]++;
	} else {
		/* The VIP of that address and protocol (a rare path: a
		 * scan); the first one when ports tell them apart. */
		for (uint32_t i = 0; i < st->n_vips && v == NULL; i++)
			if (!st->vip[i].conf.removed &&
			    st->vip[i].conf.addr.family == c->m.family &&
			    st->vip[i].conf.proto == id.proto &&
			    memcmp(st->vip[i].conf.addr.a, id.dst, alen) == 0) {
				v = &st->vip[i];
				vi = (uint16_t)i;
			}
		if (v == NULL) {
			drop(w, o, LB_CNT_drop_fragment);
			return;
		}
		b = (uint16_t)pick_stateless(v, frag_3tuple_hash(&id,
								 st->seed));
		w->cnt[LB_CNT_frag_3tuple]++;
	}
	if (v->conf.transport != LB_TRANSPORT_DSR) {
		drop(w, o, LB_CNT_drop_fragment);
		return;
	}
	if (b >= v->conf.n_backends || v->be[b].nh == LB_NH_NONE) {
		drop(w, o, LB_CNT_drop_no_backend);
		return;
	}
	be = &v->be[b];
	if (v->conf.leg == LB_LEG_ROUTED)
		frag_set_dst(frame, c->m.l3_off, c->m.family,
			     be->conf.addr.a);
	w->vip[vi].cnt.packets++;
	w->vip[vi].cnt.bytes += pb->len;
	w->vip[vi].be_cnt[b].packets++;
	send_via(w, pb, be->nh, LB_CNT_tx_backend, o);
}

/* ---- DSR transport ----------------------------------------------------- */

/* QUIC CID learning (docs/quic.md, lb_quic_cid.h): a new connection's
 * Initial always carries a metric request, so that the server's first
 * reply, its Initial with the connection ID the client will use, comes
 * back through us as an answer. */
static bool
quic_learn_ask(const struct lb_vip_rt *v, const struct pkt_ctx *c, bool tuple,
	       const uint8_t *flags)
{
	return v->conf.quic_cid_len != 0 && c->quic_new && tuple &&
	       flags != NULL;
}

/* An accepted answer of a learning VIP: its SCID names c->be. */
static void
quic_learn(struct lb_worker *w, const struct pkt_buf *pb,
	   const struct pkt_ctx *c, uint64_t now_ns)
{
	int rc = lb_quic_learn(w->st, c->vip, c->be, pkt_buf_data(pb),
			       pb->len, &c->m, now_ns);

	w->cnt[rc > 0 ? LB_CNT_quic_cid_learned :
	       rc == 0 ? LB_CNT_quic_cid_not_learned : LB_CNT_quic_cid_busy]++;
}

/* Send a client packet on the DSR leg to backend @p b (docs/wire-format.md
 * "The DSR leg"): routed leg: destination := backend address; then the
 * client tuple when @p tuple, a metric request when the probe scheduler
 * says so. */
static inline __attribute__((always_inline)) void
dsr_forward_inline(struct lb_worker *w, struct pkt_buf *pb,
		   struct pkt_ctx *c, uint32_t b, bool tuple, uint8_t *flags,
		   uint64_t now_ns, struct lb_out *o)
{
	const struct lb_state *st = w->st;
	const struct lb_vip_rt *v = &st->vip[c->vip];
	struct lb_worker_vip *wv = &w->vip[c->vip];
	const struct lb_backend_rt *be = &v->be[b];
	const uint16_t mtu = be->mtu;
	uint8_t *frame = pkt_buf_data(pb);
	enum wire_result r = WIRE_OK;
	uint32_t l3 = c->m.l3_off;
	uint32_t frame_len = pb->len;
	struct frag_id fid;
	const bool first_frag = (c->m.msgs & (1u << PKT_MSG_FRAGMENT)) &&
		frag_read(frame, pb->len, &c->m, &fid) == WIRE_OK;

	/* A first fragment carries no tuple: in IPv6 it cannot grow (RFC
	 * 8200 §4.5: the next one's offset fixes its length), in IPv4 it is
	 * often full-size already and has no DF to ask for less. The agent
	 * restores the VIP from the leg without it. */
	if (first_frag)
		tuple = false;
	/* Larger than the backend's side takes even as it is (the path MTU
	 * shrinks inside the farm): a router's frag-needed / too-big. */
	if ((c->m.family == 4 ? load_be16(frame + l3 + 2) :
	     IPV6_HDR_LEN + load_be16(frame + l3 + 4)) > mtu) {
		send_too_big(w, pb, c, mtu, 0, now_ns, o);
		return;
	}

	if (v->conf.leg == LB_LEG_ROUTED) {
		const uint32_t at = pkt_dst_at(&c->m);

		/* The destination is the VIP's address (classify() found the
		 * VIP by it): the checksum delta to the backend's was summed
		 * when the state was built. */
		if (be->dst_delta_ok &&
		    addr_same(frame + at, v->conf.addr.a, c->m.family == 4))
			pkt_rewrite_field_delta(frame, pb->len, &c->m, at,
						be->conf.addr.a,
						c->m.family == 4 ? 4u : 16u,
						true, be->dst_delta16);
		else
			pkt_rewrite_addr(frame, pb->len, &c->m, at,
					 be->conf.addr.a);
	}
	if (tuple) {
		r = c->m.family == 4 ?
			ipv4opt_insert_client(pb, l3, mtu,
					      load_be32(c->m.src),
					      c->m.sport) :
			ip6ext_insert_client(pb, l3, mtu,
					     (enum ip6ext_encoding)v->conf.enc,
					     c->m.src, c->m.sport);
		if (r != WIRE_OK)
			goto fail;
	}
	/* The health check runs on a flow's first packet alone (the only
	 * one that may carry a health request): an established flow's
	 * packet costs nothing more, and the requests lost meanwhile are
	 * counted by health_sweep() within timeout / 8 (issue 19). */
	if ((wv->probe_n != 0 &&
	     (probe_sched_packet(wv->probe, b, now_ns) |
	      (tuple && flags != NULL &&
	       health_probe(w, &wv->hobs[b], true, now_ns)))) ||
	    quic_learn_ask(v, c, tuple, flags)) {
		uint32_t nonce = 0;

		if (v->conf.auth)
			nonce = auth_nonce(st->cfg.auth_key, &c->key, b);
		r = c->m.family == 4 ?
			ipv4opt_insert_request(pb, l3, mtu, v->conf.auth,
					       nonce) :
			ip6ext_insert_request(pb, l3, mtu,
					      (enum ip6ext_encoding)v->conf.enc,
					      nonce);
		if (r == WIRE_OK) {
			if (flags != NULL)
				*flags |= LB_FLAG_ANSWER_DUE;
			/* A request on a flow's first packet is answered at
			 * once by a live server (its SYN-ACK): the health
			 * clock starts. */
			if (tuple && flags != NULL && st->cfg.health.enabled)
				lb_health_obs_sent(&wv->hobs[b], now_ns);
			w->cnt[LB_CNT_probe_sent]++;
			wv->be_cnt[b].probes++;
		} else {
			/* No room (MTU, options area, buffer; the packet is
			 * unchanged): a probe never costs a packet, the
			 * next one with room carries it. */
			(void)probe_sched_no_room(wv->probe, b);
			w->cnt[LB_CNT_probe_deferred]++;
			r = WIRE_OK;
		}
	}
	wv->cnt.packets++;
	wv->cnt.bytes += frame_len;
	wv->be_cnt[b].packets++;
	if (first_frag) {
		frag_cache_put(&w->frag, &fid, c->vip, (uint16_t)b, now_ns);
		w->cnt[LB_CNT_frag_first]++;
	}
	send_via(w, pb, be->nh, LB_CNT_tx_backend, o);
	return;
fail:
	if (r == WIRE_ERR_MTU) {
		/* Only the client tuple is never deferred: room for it
		 * (RFC 1191 / RFC 8201 through us). */
		if (v->conf.leg == LB_LEG_ROUTED)
			pkt_rewrite_addr(frame, pb->len, &c->m,
					 pkt_dst_at(&c->m), c->m.dst);
		send_too_big(w, pb, c, mtu, c->m.family == 4 ?
			     LB_ICMP_NEED_TUPLE4 : LB_ICMP_NEED_TUPLE6,
			     now_ns, o);
		return;
	}
	if (r == WIRE_ERR_IPV4_OPT_FULL || r == WIRE_ERR_IP6EXT_TOO_MANY ||
	    r == WIRE_ERR_IP6EXT_TOO_LONG) {
		/* The client's own options leave no room for the tuple: the
		 * connection is refused, and the caller forgets the flow
		 * (never half-open). */
		w->wire[r]++;
		drop(w, o, LB_CNT_drop_tuple_full);
		return;
	}
	drop_wire(w, o, r);
}

/* Inline in a pinned packet's handler (client_hit_inline(): 34 fewer
 * instructions a packet, the call's saved registers and spilled
 * arguments, issue 19 round 8); out of line for a new flow's and a
 * recovery's. */
static __attribute__((noinline)) void
dsr_forward(struct lb_worker *w, struct pkt_buf *pb, struct pkt_ctx *c,
	    uint32_t b, bool tuple, uint8_t *flags, uint64_t now_ns,
	    struct lb_out *o)
{
	dsr_forward_inline(w, pb, c, b, tuple, flags, now_ns, o);
}

/* ---- SRv6 transport ---------------------------------------------------- */

static inline __attribute__((always_inline)) void
srv6_send_inline(struct lb_worker *w, struct pkt_buf *pb, struct pkt_ctx *c,
		 const uint8_t *const *mid, unsigned int n_mid,
		 uint32_t first_be, enum lb_counter what, uint64_t now_ns,
		 struct lb_out *o)
{
	const struct lb_state *st = w->st;
	const struct lb_vip_rt *v = &st->vip[c->vip];
	const struct lb_backend_rt *be = &v->be[first_be];
	const uint8_t *segs[4];
	enum wire_result r;
	unsigned int n = 0;
	uint32_t frame_len = pb->len;

	/* 6LB reading order (lb, s1::f1, [s2::f2,] VIP), sent to s1::f1
	 * (first = 1): §IV-B, Table II. The segments where they are (our
	 * SID, the backends', the destination the parse copied): the SRH
	 * is written from them, not from copies (issue 19, round 6). */
	segs[n++] = st->lb_sid;
	segs[n++] = mid[0];
	if (n_mid > 1)
		segs[n++] = mid[1];
	segs[n++] = c->m.dst;
	r = srh_insert_ptrs(pb, c->m.l3_off, be->mtu, segs, n, 1);
	if (r == WIRE_ERR_MTU) {
		/* the longest SRH (an offer: 4 segments) must fit */
		send_too_big(w, pb, c, be->mtu, 8u + 16u * 4u, now_ns, o);
		return;
	}
	if (r != WIRE_OK) {
		drop_wire(w, o, r);
		return;
	}
	w->cnt[what]++;
	w->vip[c->vip].cnt.packets++;
	w->vip[c->vip].cnt.bytes += frame_len;
	w->vip[c->vip].be_cnt[first_be].packets++;
	send_via(w, pb, be->nh, LB_CNT_tx_backend, o);
}

/* Out of line for the offers and recoveries. */
static __attribute__((noinline)) void
srv6_send(struct lb_worker *w, struct pkt_buf *pb, struct pkt_ctx *c,
	  const uint8_t *const *mid, unsigned int n_mid, uint32_t first_be,
	  enum lb_counter what, uint64_t now_ns, struct lb_out *o)
{
	srv6_send_inline(w, pb, c, mid, n_mid, first_be, what, now_ns, o);
}

/* The candidates recoverStickiness asks for an unknown flow of SRv6 VIP
 * @p v, in the order of its C = 2 table, into @p out. A drained one is
 * asked (its flows are what recovery is for: the table keeps it); one
 * the health monitor calls down is not (it would swallow the packet, and
 * the list has no state to skip it next time). @return how many. */
static unsigned int
srv6_recover_cands(const struct lb_vip_rt *v, uint32_t hash,
		   uint16_t out[CHASH_C_MAX])
{
	const struct chash_table *t = v->ch2;
	const uint16_t *cand;
	unsigned int n = 0;

	if (t == NULL || t->c == 0)
		return 0;
	cand = chash_lookup(t, hash);
	for (unsigned int i = 0; i < t->c && i < CHASH_C_MAX; i++)
		if (cand[i] < v->conf.n_backends &&
		    !v->be[cand[i]].health_down &&
		    v->be[cand[i]].state != SELECT_BACKEND_REMOVED)
			out[n++] = cand[i];
	return n;
}

/* Offer a new flow (SYN) or recover an unknown one (Table II, LB_LISTEN
 * and HUNTING rows). */
static void
srv6_hunt(struct lb_worker *w, struct pkt_buf *pb, struct pkt_ctx *c,
	  bool syn, uint32_t picked, uint64_t now_ns, struct lb_out *o)
{
	const struct lb_vip_rt *v = &w->st->vip[c->vip];
	const struct chash_table *t = v->ch2;
	struct lb_health_obs *ho;
	const uint8_t *mid[2];
	uint16_t act[CHASH_C_MAX];
	unsigned int n;

	if (syn) {
		unsigned int k = v->conf.policy == LB_POLICY_HUNT ?
			cands_active(&w->vip[c->vip],
				     c_hash_cand(t, c->hash), 2, act) : 0;

		if (k > 0 && picked < v->conf.n_backends &&
		    v->be[picked].health_down) {
			/* A trial: the down backend first, a live one to
			 * pass the flow on to. */
			act[1] = act[0];
			act[0] = (uint16_t)picked;
			k = 2;
		}
		/* Two candidates take new flows (a drained one stays in
		 * the table for recovery only). */
		if (k == 2) {
			uint32_t first = act[0], second = act[1];

			ho = &w->vip[c->vip].hobs[first];
			if (health_probe(w, ho, true, now_ns))
				lb_health_obs_sent(ho, now_ns);
			mid[0] = v->be[first].sid[SRV6_FUNC_CONNECT_AVAIL];
			mid[1] = v->be[second].sid[SRV6_FUNC_CONNECT_FORCE];
			srv6_send(w, pb, c, mid, 2,
				  first, LB_CNT_hunt_offer, now_ns, o);
			return;
		}
		/* One candidate (a baseline policy, or one backend left):
		 * connectForce, as the last candidate of a list. */
		ho = &w->vip[c->vip].hobs[picked];
		if (health_probe(w, ho, true, now_ns))
			lb_health_obs_sent(ho, now_ns);
		mid[0] = v->be[picked].sid[SRV6_FUNC_CONNECT_FORCE];
		srv6_send(w, pb, c, mid, 1, picked,
			  LB_CNT_hunt_offer, now_ns, o);
		return;
	}
	/* recoverStickiness to the candidates of the C = 2 table: the one
	 * that holds the flow takes it (§IV-C). */
	n = srv6_recover_cands(v, c->hash, act);
	if (n == 0) {
		drop(w, o, LB_CNT_drop_no_backend);
		return;
	}
	for (unsigned int i = 0; i < n; i++)
		mid[i] = v->be[act[i]].sid[SRV6_FUNC_RECOVER_STICKINESS];
	srv6_send(w, pb, c, mid, n, act[0],
		  LB_CNT_hunt_recover, now_ns, o);
}

/* A pinned SRv6 flow's packet (6LB §IV-B: to its server's ackStickiness
 * SID): inline, srv6_send() with it (issue 19, round 8: 35 fewer
 * instructions a packet). */
static inline __attribute__((always_inline)) void
srv6_steer(struct lb_worker *w, struct pkt_buf *pb, struct pkt_ctx *c,
	   uint32_t b, uint64_t now_ns, struct lb_out *o)
{
	const uint8_t *mid[1] = {
		w->st->vip[c->vip].be[b].sid[SRV6_FUNC_ACK_STICKINESS]
	};

	srv6_send_inline(w, pb, c, mid, 1, b, LB_CNT_hunt_steer, now_ns, o);
}

/* ---- latency sampling (latency-feedback) ------------------------------- */

static void
lat_track(struct lb_worker *w, const struct pkt_ctx *c, uint32_t b,
	  uint64_t now_ns)
{
	struct lb_lat_slot *s;
	uint32_t tag = c->hash | 1u;
	uint64_t sample;

	if (w->lat == NULL)
		return;
	s = &w->lat[c->hash & (LB_LAT_SLOTS - 1)];
	if (s->tag != tag || s->vip != c->vip || s->be != b) {
		/* Direct-mapped: a colliding flow takes the slot over, so a
		 * sample of the flows is tracked (HotNets'22 needs only a
		 * few flows per backend). */
		s->tag = tag;
		s->vip = c->vip;
		s->be = (uint16_t)b;
		lat_flow_init(&s->f, 0);
	}
	if (lat_flow_packet(&s->f, now_ns, &sample, NULL)) {
		lat_backend_sample(&w->vip[c->vip].lat[b], sample, now_ns);
		w->cnt[LB_CNT_lat_samples]++;
	}
}

/* ---- client packets ---------------------------------------------------- */

/* Is backend @p b out of rotation by the health monitor? */
static inline bool
health_is_down(const struct lb_vip_rt *v, uint32_t b)
{
	return b < v->conf.n_backends && v->be[b].health_down;
}

/* Can a pinned flow still reach backend @p b? Drained and removed
 * backends keep their pinned flows until they end (docs/console.md). */
static bool
backend_usable(const struct lb_vip_rt *v, uint32_t b)
{
	return b < v->conf.n_backends && v->be[b].nh != LB_NH_NONE;
}

/* ---- recovery of unknown flows (issue 17, lb_recover.h) ------------------ */

/* Offer a packet of a flow this appliance does not know to the first
 * usable candidate at index @p from or later of its C = d list: routed
 * leg to that backend, client tuple, and the recover marker (158, or
 * IPv6 header 253 / option 0x1E-4: index, d, cookie). The agent there
 * delivers it when its server holds the connection (and pins the flow
 * on its next reply), else passes it back (handle_bounce), which
 * offers it to the next candidate: 6LB
 * ToN'18 §IV-C recoverStickiness, one candidate at a time. None left:
 * dropped and counted, never sent to a server that does not hold it. */
static void
recover_offer(struct lb_worker *w, struct pkt_buf *pb, struct pkt_ctx *c,
	      uint32_t from, struct lb_out *o)
{
	const struct lb_state *st = w->st;
	const struct lb_vip_rt *v = &st->vip[c->vip];
	struct lb_worker_vip *wv = &w->vip[c->vip];
	const struct chash_table *t = v->chd;
	const struct lb_backend_rt *be;
	const uint16_t *cand;
	enum ip6ext_encoding enc;
	enum wire_result r;
	uint32_t i, b, mtu, cookie, frame_len = pb->len;

	if (t == NULL || t->c == 0) {
		drop(w, o, LB_CNT_drop_no_backend);
		return;
	}
	cand = chash_lookup(t, c->hash);
	/* A candidate without a route cannot answer: skip it. */
	for (i = from; i < t->c; i++)
		if (backend_usable(v, cand[i]))
			break;
	if (i >= t->c) {
		drop(w, o, LB_CNT_drop_recover_none);
		return;
	}
	b = cand[i];
	be = &v->be[b];
	mtu = be->mtu;
	if (v->conf.leg == LB_LEG_ROUTED)
		pkt_rewrite_addr(pkt_buf_data(pb), pb->len, &c->m,
				 pkt_dst_at(&c->m), be->conf.addr.a);
	cookie = lb_recover_cookie(st->recover_secret, &c->key, i);
	if (c->m.family == 4) {
		const struct lb_addr *ra = &st->port[be->port].conf.ip4;

		r = ipv4opt_insert_client(pb, c->m.l3_off, mtu,
					  load_be32(c->m.src), c->m.sport);
		/* Behind a router, the pass-back and the pin would go by
		 * its route to the VIP, maybe to another appliance: they
		 * come back to this port's address (docs/wire-format.md,
		 * "Recovery through a router"). */
		if (r == WIRE_OK && be->via_router && ra->family == 4)
			r = ipv4opt_insert_recover_addr(pb, c->m.l3_off, mtu,
							(uint8_t)i,
							(uint8_t)t->c, cookie,
							load_be32(ra->a));
		else if (r == WIRE_OK)
			r = ipv4opt_insert_recover(pb, c->m.l3_off, mtu,
						   (uint8_t)i, (uint8_t)t->c,
						   cookie);
	} else {
		/* The VIP's encoding: header 253 or option 0x1E sub-type
		 * 4 (docs/wire-format.md, "Recovery: IPv6"). */
		const struct lb_addr *ra = &st->port[be->port].conf.ip6;

		enc = (enum ip6ext_encoding)v->conf.enc;
		r = ip6ext_insert_client(pb, c->m.l3_off, mtu, enc, c->m.src,
					 c->m.sport);
		if (r == WIRE_OK && be->via_router && ra->family == 6)
			r = ip6ext_insert_recover_addr(pb, c->m.l3_off, mtu,
						       enc, (uint8_t)i,
						       (uint8_t)t->c, cookie,
						       ra->a);
		else if (r == WIRE_OK)
			r = ip6ext_insert_recover(pb, c->m.l3_off, mtu, enc,
						  (uint8_t)i, (uint8_t)t->c,
						  cookie);
	}
	if (r != WIRE_OK) {
		drop_wire(w, o, r);
		return;
	}
	w->cnt[LB_CNT_recover_offer]++;
	wv->cnt.packets++;
	wv->cnt.bytes += frame_len;
	wv->be_cnt[b].packets++;
	send_via(w, pb, be->nh, LB_CNT_tx_backend, o);
}

/* A mid-stream packet of an unknown flow of a recovering VIP: remember
 * the flow as RECOVERING (so that the pin has a place to land) and
 * offer it to its first candidate. */
static void
recover_start(struct lb_worker *w, struct pkt_buf *pb, struct pkt_ctx *c,
	      uint64_t now_ns, struct lb_out *o)
{
	struct flow_value fv = { .backend = 0, .state = LB_FLOW_RECOVERING };
	enum flow_insert_result ir;
	uint32_t slot;

	ir = flow_table_insert(&w->ft, &c->key, c->hash, &fv, now_ns, &slot);
	if (ir != FLOW_INSERT_NEW && ir != FLOW_INSERT_EXISTS) {
		/* Full: every packet walks the candidates, statelessly. */
		w->cnt[LB_CNT_flow_table_full]++;
		w->vip[c->vip].cnt.stateless++;
	}
	recover_offer(w, pb, c, 0, o);
}

/* Another packet of a RECOVERING flow: offered from the first candidate
 * not known to pass it back. The entry's last-seen time is when that
 * candidate's turn began (bounces and this step touch it, other packets
 * do not): a candidate silent for LB_RECOVER_SILENT_NS (down, or its
 * agent gone) loses its turn, so one dead server does not hide the
 * others (GLB's second chance skips an unhealthy hop the same way). */
static void
recover_again(struct lb_worker *w, struct pkt_buf *pb, struct pkt_ctx *c,
	      struct flow_value *fv, uint64_t now_ns, struct lb_out *o)
{
	const struct chash_table *t = w->st->vip[c->vip].chd;
	uint64_t age = 0;

	if (t != NULL && fv->backend < t->c &&
	    flow_table_peek(&w->ft, &c->key, c->hash, now_ns, NULL, &age) !=
	    FLOW_TABLE_MISS && age >= LB_RECOVER_SILENT_NS) {
		fv->backend++;
		w->cnt[LB_CNT_recover_silent]++;
		(void)flow_table_update(&w->ft, c->slot, fv, now_ns);
	}
	recover_offer(w, pb, c, fv->backend, o);
}

/* A metric answer (@p n, for the flow of @p key) on a RECOVERING flow:
 * the pin, when its backend is one of the flow's candidates and the
 * answer echoes the cookie of that candidate's offer. @return true when
 * pinned. */
static bool
recover_pin(struct lb_worker *w, const struct flow_key *key,
	    const struct lb_note *n, uint32_t slot,
	    struct flow_value *fv, uint64_t now_ns)
{
	const struct lb_state *st = w->st;
	const struct lb_vip_rt *v = &st->vip[n->vip];
	struct lb_worker_vip *wv = &w->vip[n->vip];
	const struct chash_table *t = v->chd;
	int i;

	if (t == NULL || t->c == 0)
		goto bad;
	i = lb_recover_index(chash_lookup(t, n->hash), t->c, n->be);
	if (i < 0 || !n->has_nonce ||
	    n->nonce != lb_recover_cookie(st->recover_secret, key,
					  (uint32_t)i))
		goto bad;
	fv->backend = n->be;
	fv->state = FLOW_STATE_ESTABLISHED;
	fv->flags = 0;
	(void)flow_table_update(&w->ft, slot, fv, now_ns);
	(void)busy_select_update(wv->busy, n->be, n->score, now_ns);
	w->cnt[LB_CNT_recover_pinned]++;
	wv->be_cnt[n->be].pinned++;
	return true;
bad:
	w->cnt[LB_CNT_recover_pin_bad]++;
	return false;
}

/* A client packet of a flow we know (slot valid: no insert since).
 * Inline into the burst's act stage, where nearly every packet comes
 * (issue 19: the call was 15 instructions of a pinned packet, and a new
 * flow's client_miss(), no longer inlined beside it, now costs 23 more);
 * client_hit() for the rare callers. */
static inline __attribute__((always_inline)) void
client_hit_inline(struct lb_worker *w, struct pkt_buf *pb,
		  struct pkt_ctx *c, uint64_t now_ns, struct lb_out *o)
{
	const struct lb_vip_rt *v = &w->st->vip[c->vip];
	struct flow_value fv;
	uint16_t backend0;
	uint8_t state0, flags0, flags;
	const uint8_t tf = c->m.tcp_flags;
	const bool syn = ((tf & TCP_FLAG_SYN) && !(tf & TCP_FLAG_ACK)) ||
			 c->quic_new;
	bool tuple = false, closing, moved = false;

	if (!flow_table_slot_occupied(&w->ft, c->slot)) {
		/* never: the slot is the lookup's at the current epoch */
		drop(w, o, LB_CNT_drop_no_backend);
		return;
	}
	/* The value as found, field by field, so that it stays in
	 * registers: filled through a pointer by flow_table_get() it lived
	 * on the stack, and gcc read its state and flags back as one
	 * 2-byte load over two 1-byte stores, a store-forwarding stall of
	 * every pinned packet (perf, issue 19 round 8). */
	backend0 = flow_table_backend_occupied(&w->ft, c->slot);
	state0 = flow_table_state_occupied(&w->ft, c->slot);
	flags0 = flow_table_flags_occupied(&w->ft, c->slot);
	fv.backend = backend0;
	fv.state = state0;
	fv.flags = flags0;
	/* A QUIC connection ID minted by a server names that server: it
	 * overrides what the 4-tuple's flow says (docs/quic.md). */
	if (c->quic_be != LB_QUIC_NO_SID && backend_usable(v, c->quic_be)) {
		w->cnt[LB_CNT_quic_sid_routed]++;
		if (c->quic_be != fv.backend) {
			fv.backend = (uint16_t)c->quic_be;
			if (fv.state == LB_FLOW_HUNTING)
				fv.state = LB_FLOW_STEER;
			moved = true;
		}
	}
	/* A SYN on a closing flow is a new connection that reuses the
	 * tuple (a client's ephemeral port comes round again): it starts
	 * over, as from LB_LISTEN (Table II), instead of following the old
	 * connection to its server, whose stickiness is about to expire. */
	/* So is a SYN retransmitted to a backend that went down since: no
	 * server answered it, so nothing is lost by choosing again. */
	if (syn && (fv.state == FLOW_STATE_CLOSING ||
		    fv.state == LB_FLOW_RECOVERING ||
		    (fv.state == FLOW_STATE_NEW &&
		     health_is_down(v, fv.backend)))) {
		uint32_t b = pick_backend(w, v, &w->vip[c->vip], c->hash,
					  now_ns);

		if (fv.state == FLOW_STATE_NEW)
			w->cnt[LB_CNT_health_resteer]++;

		if (b == BUSY_SELECT_NONE || !backend_usable(v, b)) {
			drop(w, o, LB_CNT_drop_no_backend);
			return;
		}
		fv.backend = (uint16_t)b;
		fv.flags = LB_FLAG_SYN_SEEN;
		w->cnt[LB_CNT_flow_new]++;
		w->vip[c->vip].cnt.flows++;
		w->vip[c->vip].be_cnt[b].flows++;
		if (v->conf.transport == LB_TRANSPORT_SRV6) {
			fv.state = LB_FLOW_HUNTING;
			(void)flow_table_update(&w->ft, c->slot, &fv, now_ns);
			srv6_hunt(w, pb, c, true, b, now_ns, o);
			return;
		}
		fv.state = FLOW_STATE_NEW;
		flags = fv.flags;
		dsr_forward(w, pb, c, b, true, &flags, now_ns, o);
		fv.flags = flags;
		(void)flow_table_update(&w->ft, c->slot, &fv, now_ns);
		return;
	}
	/* A closing flow's timer runs out whatever the client sends (6LB
	 * §IV-B step 5: removeStickiness starts a timer). */
	closing = fv.state == FLOW_STATE_CLOSING;
	if (fv.state == LB_FLOW_RECOVERING) {
		struct flow_value rv = fv;

		recover_again(w, pb, c, &rv, now_ns, o);
		return;
	}
	/* Expected false for the layout's sake only: with srv6_steer()
	 * inline, the DSR path as the straight line kept its instructions
	 * (issue 19, round 8). */
	if (__builtin_expect(v->conf.transport == LB_TRANSPORT_SRV6, 0)) {
		if (moved)
			(void)flow_table_update(&w->ft, c->slot, &fv, now_ns);
		else if (!closing)
			(void)flow_table_touch(&w->ft, c->slot, now_ns);
		if (fv.state == LB_FLOW_HUNTING) {
			if (syn && health_is_down(v, fv.backend)) {
				uint32_t b = pick_backend(w, v,
							  &w->vip[c->vip],
							  c->hash, now_ns);

				if (b != BUSY_SELECT_NONE &&
				    backend_usable(v, b)) {
					w->cnt[LB_CNT_health_resteer]++;
					fv.backend = (uint16_t)b;
					(void)flow_table_set(&w->ft, c->slot,
							     &fv);
				}
			}
			srv6_hunt(w, pb, c, syn, fv.backend, now_ns, o);
			return;
		}
		if (!backend_usable(v, fv.backend)) {
			drop(w, o, LB_CNT_drop_no_backend);
			return;
		}
		/* HotNets'22 §3 samples the client's packets alone, so the
		 * SRv6 transport samples as the DSR one does, once the flow
		 * is pinned to its server (a hunting flow's server is not
		 * known yet). */
		if (v->conf.policy == LB_POLICY_LATENCY)
			lat_track(w, c, fv.backend, now_ns);
		srv6_steer(w, pb, c, fv.backend, now_ns, o);
		return;
	}
	if (!backend_usable(v, fv.backend)) {
		drop(w, o, LB_CNT_drop_no_backend);
		return;
	}
	/* Every SYN carries the tuple: a retransmitted one (the first may
	 * have been lost), and one on a tuple held as ESTABLISHED since a
	 * mid-stream packet (a new connection the server must see whole).
	 * So does a flow a QUIC connection ID moved to another server: that
	 * server's agent learns the client from the tuple. */
	tuple = syn || moved;
	if (fv.state == FLOW_STATE_NEW && !syn)
		fv.state = FLOW_STATE_ESTABLISHED;
	if ((tf & (TCP_FLAG_FIN | TCP_FLAG_RST)) &&
	    fv.state != FLOW_STATE_CLOSING) {
		fv.state = FLOW_STATE_CLOSING;
		w->cnt[LB_CNT_flow_closing]++;
	}
	if (v->conf.policy == LB_POLICY_LATENCY)
		lat_track(w, c, fv.backend, now_ns);
	/* The flags through a byte of their own, and copies for the calls
	 * out of line above: with its address taken, the value lived on
	 * the stack and gcc read a byte of it back as two (a store-
	 * forwarding stall, perf, issue 19 round 8). */
	flags = fv.flags;
	dsr_forward_inline(w, pb, c, fv.backend, tuple, &flags, now_ns, o);
	fv.flags = flags;
	if (o->counter == LB_CNT_drop_tuple_full &&
	    fv.state == FLOW_STATE_NEW) {
		/* a retransmitted SYN of a connection never opened */
		(void)flow_table_delete(&w->ft, &c->key, c->hash, now_ns);
		return;
	}
	/* The move's tuple did not go (too big): not recorded, so the next
	 * packet moves the flow again, with the tuple (issue 21). */
	if (moved && mtu_refused(o))
		return;
	/* A pinned packet mostly leaves the entry as it was: then only
	 * its age moves (issue 19). */
	if (fv.backend == backend0 && fv.state == state0 &&
	    fv.flags == flags0) {
		if (!closing)
			flow_table_touch_occupied(&w->ft, c->slot, now_ns);
	} else if (closing) {
		(void)flow_table_set(&w->ft, c->slot, &fv);
	} else {
		(void)flow_table_update(&w->ft, c->slot, &fv, now_ns);
	}
}

static __attribute__((noinline)) void
client_hit(struct lb_worker *w, struct pkt_buf *pb, struct pkt_ctx *c,
	   uint64_t now_ns, struct lb_out *o)
{
	client_hit_inline(w, pb, c, now_ns, o);
}

/* A client packet of a flow we do not know. */
static void
client_miss(struct lb_worker *w, struct pkt_buf *pb, struct pkt_ctx *c,
	    uint64_t now_ns, struct lb_out *o)
{
	const struct lb_vip_rt *v = &w->st->vip[c->vip];
	struct lb_worker_vip *wv = &w->vip[c->vip];
	const uint8_t tf = c->m.tcp_flags;
	const bool tcp = c->m.l4_proto == IPPROTO_NUM_TCP;
	const bool syn = (tcp && (tf & TCP_FLAG_SYN) &&
			  !(tf & TCP_FLAG_ACK)) || c->quic_new;
	/* UDP has no SYN: an unknown flow starts; QUIC says which packets
	 * start a connection (lb_quic_classify). */
	const bool starting = syn || (!tcp && !v->conf.quic);
	const bool by_sid = c->quic_be != LB_QUIC_NO_SID &&
			    backend_usable(v, c->quic_be);
	struct flow_value fv = { 0 };
	enum flow_insert_result ir;
	uint32_t b, slot;

	/* An earlier packet of this burst may have created the flow since
	 * the bulk lookup: look again before choosing (a choice has side
	 * effects: round-robin turns, random draws), when the table's filter
	 * of keys placed since then says it may have. */
	slot = flow_table_placed_since_bulk(&w->ft, c->hash) ?
	       flow_table_lookup(&w->ft, &c->key, c->hash, now_ns) :
	       FLOW_TABLE_MISS;
	if (slot != FLOW_TABLE_MISS) {
		c->slot = slot;
		client_hit(w, pb, c, now_ns, o);
		return;
	}
	if (v->n_active == 0) {
		drop(w, o, LB_CNT_drop_no_backend);
		return;
	}
	if (by_sid) {
		/* the server named itself in the connection ID */
		b = c->quic_be;
		w->cnt[LB_CNT_quic_sid_routed]++;
	} else {
		if (!starting) {
			w->cnt[LB_CNT_flow_midstream]++;
			if (v->chd != NULL) {
				recover_start(w, pb, c, now_ns, o);
				return;
			}
		}
		/* A down backend gets a trial flow now and then, so that it
		 * can be heard from again (lb_health.h). */
		b = syn ? health_trial(w, v, wv, c->hash, now_ns) : UINT32_MAX;
		if (b == UINT32_MAX && starting) {
			b = pick_backend(w, v, wv, c->hash, now_ns);
		} else if (b == UINT32_MAX &&
			   v->conf.transport == LB_TRANSPORT_SRV6) {
			/* recoverStickiness (srv6_hunt()) asks its
			 * candidates, drained ones included */
			uint16_t rc[CHASH_C_MAX];

			b = srv6_recover_cands(v, c->hash, rc) ? rc[0] :
							     BUSY_SELECT_NONE;
		} else if (b == UINT32_MAX) {
			b = pick_stateless(v, c->hash);
		}
	}
	if (b == BUSY_SELECT_NONE || !backend_usable(v, b)) {
		drop(w, o, LB_CNT_drop_no_backend);
		return;
	}
	fv.backend = (uint16_t)b;
	if (v->conf.transport == LB_TRANSPORT_SRV6)
		fv.state = by_sid ? LB_FLOW_STEER : LB_FLOW_HUNTING;
	else
		fv.state = syn ? FLOW_STATE_NEW : FLOW_STATE_ESTABLISHED;
	fv.flags = syn ? LB_FLAG_SYN_SEEN : 0;
	/* The key is absent: this burst's bulk lookup missed it, and
	 * nothing placed it since (the filter above) or the lookup just
	 * made missed it too; client_miss() is reached from the burst's act
	 * stage alone, for keys of its bulk lookup. So the insert need not
	 * search for it (flow_table_insert_absent(); issue 19, round 4). */
	ir = flow_table_insert_absent(&w->ft, &c->key, c->hash, &fv, now_ns,
				      &slot);
	if (ir == FLOW_INSERT_EXISTS) {
		/* flow_table_insert_absent() does not search, so it never
		 * says EXISTS; the case is kept so that a switch back to
		 * flow_table_insert() stays correct. */
		c->slot = slot;
		client_hit(w, pb, c, now_ns, o);
		return;
	}
	if (ir != FLOW_INSERT_NEW) {
		/* Table full: forward without state, by consistent hashing
		 * (and with the tuple on every packet: nobody remembers
		 * which packet was first). */
		w->cnt[LB_CNT_flow_table_full]++;
		wv->cnt.stateless++;
		b = by_sid ? c->quic_be : pick_stateless(v, c->hash);
		if (b == BUSY_SELECT_NONE) {
			drop(w, o, LB_CNT_drop_no_backend);
			return;
		}
		if (by_sid && v->conf.transport == LB_TRANSPORT_SRV6)
			srv6_steer(w, pb, c, b, now_ns, o);
		else if (v->conf.transport == LB_TRANSPORT_SRV6)
			srv6_hunt(w, pb, c, syn, b, now_ns, o);
		else
			dsr_forward(w, pb, c, b, true, NULL, now_ns, o);
		return;
	}
	w->cnt[LB_CNT_flow_new]++;
	wv->cnt.flows++;
	wv->be_cnt[b].flows++;
	if (v->conf.transport == LB_TRANSPORT_SRV6) {
		if (by_sid)
			srv6_steer(w, pb, c, b, now_ns, o);
		else
			srv6_hunt(w, pb, c, syn, b, now_ns, o);
		return;
	}
	if (v->conf.policy == LB_POLICY_LATENCY)
		lat_track(w, c, b, now_ns);
	dsr_forward(w, pb, c, b, true, &fv.flags, now_ns, o);
	/* A first packet that went back as too big took the tuple with it:
	 * a SYN or QUIC Initial sends it again when retransmitted, any other
	 * packet (a migrated QUIC client's) only if the flow starts over at
	 * the next one (issue 21, docs/quic.md "Path MTU"). */
	if (o->counter == LB_CNT_drop_tuple_full ||
	    (!syn && mtu_refused(o))) {
		(void)flow_table_delete(&w->ft, &c->key, c->hash, now_ns);
		return;
	}
	if (fv.flags & LB_FLAG_ANSWER_DUE)
		(void)flow_table_update(&w->ft, slot, &fv, now_ns);
}

/* ---- server messages --------------------------------------------------- */

/* The note of server message @p c (backend c->be of VIP c->vip) for the
 * lcore that owns its flow (c->owner: answer_owner(), classify()), in this
 * burst's outbox (lb_worker.note); the caller fills the fields of its
 * kind. */
static inline struct lb_note *
note_push(struct lb_worker *w, const struct pkt_ctx *c, enum lb_note_kind k)
{
	struct lb_note *n = &w->note[w->n_notes];

	w->note_owner[w->n_notes++] = c->owner;
	w->cnt[LB_CNT_msg_noted]++;
	n->key = c->key;
	n->hash = c->hash;
	n->vip = c->vip;
	n->be = c->be;
	n->kind = (uint8_t)k;
	n->score = 0;
	n->has_nonce = 0;
	n->nonce = 0;
	return n;
}

/* Authenticated mode (auth_key.h): the answer echoes the keyed nonce of
 * its request, made with the current key or, during a rotation, with the
 * previous one. */
static bool
answer_nonce_ok(struct lb_worker *w, const struct flow_key *key,
		const struct lb_note *n)
{
	const struct lb_config *cfg = &w->st->cfg;

	if (!n->has_nonce || !cfg->has_auth_key)
		return false;
	if (n->nonce == auth_nonce(cfg->auth_key, key, n->be))
		return true;
	if (cfg->has_auth_key_prev &&
	    n->nonce == auth_nonce(cfg->auth_key_prev, key, n->be)) {
		w->cnt[LB_CNT_answer_prev_key]++;
		return true;
	}
	return false;
}

/* The fields of a metric answer answer_apply() reads: from the note @p n
 * when it has one, else from the frame's own context @p c. Inline, each
 * resolves where it is called (n is NULL or not there), and a field is
 * read from memory where it is used, not kept across the flow table's
 * calls. */
#define ANSWER_FIELD(n, c, nf, cf) ((n) != NULL ? (n)->nf : (c)->cf)

/* The answer's fields as a note, for the checks that take one (a recovery
 * pin, an authenticated nonce): @p n itself, or made from @p c. */
static inline struct lb_note
answer_note_of(const struct lb_note *n, const struct pkt_ctx *c)
{
	struct lb_note t = { .kind = LB_NOTE_ANSWER };

	if (n != NULL)
		return *n;
	t.hash = c->hash;
	t.vip = c->vip;
	t.be = c->be;
	t.score = c->m.score;
	t.has_nonce = (c->m.msgs & (1u << PKT_MSG_NONCE)) != 0;
	t.nonce = c->m.nonce;
	return t;
}

/* What a metric answer does to its client's flow, on the lcore that owns
 * it: match the flow's outstanding request, update the score; or pin a
 * recovering flow. @p n: a note from another lcore (lb_worker_notes()),
 * @p c NULL; or @p n NULL and @p c, @p pb the answer itself (its key and
 * hash from classify_answer(); the frame for a VIP that learns QUIC
 * connection IDs from it). Inline in both callers: out of line, each
 * answer took 17 instructions more. */
static inline __attribute__((always_inline)) void
answer_apply(struct lb_worker *w, const struct lb_vip_rt *v,
	     const struct lb_note *n, const struct pkt_ctx *c,
	     const struct pkt_buf *pb, uint64_t now_ns)
{
	const uint16_t vi = ANSWER_FIELD(n, c, vip, vip);
	const uint16_t be = ANSWER_FIELD(n, c, be, be);
	const struct flow_key *key = n != NULL ? &n->key : &c->key;
	struct lb_worker_vip *wv = &w->vip[vi];
	struct flow_value fv;
	uint32_t slot;

	slot = flow_table_lookup(&w->ft, key, ANSWER_FIELD(n, c, hash, hash),
				 now_ns);
	if (slot != FLOW_TABLE_MISS &&
	    flow_table_get(&w->ft, slot, &fv) == 0 &&
	    fv.state == LB_FLOW_RECOVERING) {
		const struct lb_note t = answer_note_of(n, c);

		(void)recover_pin(w, key, &t, slot, &fv, now_ns);
	} else if (slot != FLOW_TABLE_MISS &&
	    flow_table_get(&w->ft, slot, &fv) == 0 && fv.backend == be &&
	    (fv.flags & LB_FLAG_ANSWER_DUE)) {
		const uint16_t score = ANSWER_FIELD(n, c, score, m.score);
		bool refused = false;

		if (v->conf.auth) {
			const struct lb_note t = answer_note_of(n, c);

			refused = !answer_nonce_ok(w, key, &t);
		}
		if (refused) {
			w->cnt[LB_CNT_answer_bad_nonce]++;
		} else {
			/* mode polling: the polls are the only source */
			if (v->conf.policy != LB_POLICY_POLL)
				(void)busy_select_update(wv->busy, be, score,
							 now_ns);
			if (wv->probe != NULL)
				(void)probe_sched_answer(wv->probe, be, score,
							 now_ns);
			wv->be_cnt[be].answers++;
			w->cnt[LB_CNT_answer_accepted]++;
			health_ok(w, wv, be);
			if (v->conf.quic_cid_len != 0 && pb != NULL)
				quic_learn(w, pb, c, now_ns);
			fv.flags &= (uint8_t)~LB_FLAG_ANSWER_DUE;
			(void)flow_table_update(&w->ft, slot, &fv, now_ns);
		}
	} else {
		w->cnt[LB_CNT_answer_unsolicited]++;
	}
}

/* A metric answer (125 / 29) from backend c->be of VIP c->vip: what it
 * does to the flow (answer_apply(), here or, by a note, on the lcore
 * that owns the flow), then strip the messages, restore (VIP -> client)
 * and send it on to the client. */
static void
handle_answer(struct lb_worker *w, struct pkt_buf *pb, struct pkt_ctx *c,
	      uint64_t now_ns, struct lb_out *o)
{
	const struct lb_state *st = w->st;
	const struct lb_vip_rt *v = &st->vip[c->vip];
	struct lb_addr client;
	enum wire_result r;
	uint8_t *frame;
	unsigned int removed;

	if (v->conf.addr.family != c->m.family ||
	    !addr_same(v->conf.addr.a, c->m.dst, c->m.family == 4)) {
		/* A backend answering for another VIP's address. */
		drop(w, o, LB_CNT_drop_forged);
		return;
	}
	if (!(c->m.msgs & (1u << PKT_MSG_CLIENT_TUPLE))) {
		drop_wire(w, o, WIRE_ERR_NOT_FOUND);
		return;
	}
	addr_of(&client, c->m.family, c->m.client_addr);
	/* The client's flow: classify_answer() built its key and hash
	 * from these fields for every answer with a client tuple, and
	 * prefetched its bucket (msg_key) unless another lcore owns it
	 * (c->owner), which gets a note. */
	if (c->msg_key) {
		answer_apply(w, v, NULL, c, pb, now_ns);
	} else {
		struct lb_note *n = note_push(w, c, LB_NOTE_ANSWER);

		n->score = c->m.score;
		n->has_nonce = (c->m.msgs & (1u << PKT_MSG_NONCE)) != 0;
		n->nonce = c->m.nonce;
	}
	/* Strip the messages; the parse follows without a second walk. */
	r = pkt_strip_msgs(pb, &c->m, &removed);
	if (r != WIRE_OK) {
		drop_wire(w, o, r);
		return;
	}
	frame = pkt_buf_data(pb);
	pkt_rewrite_src_dst(frame, pb->len, &c->m, v->conf.addr.a, client.a);
	send_to_client(w, pb, &client, o);
}

/* A recovery offer passed back by backend c->be of VIP c->vip (issue 17):
 * (backend leg address -> VIP, client port -> VIP port) with the client
 * tuple and the marker of our offer (IPv4 or IPv6). Checked against the
 * flow's candidate list and our cookie, then offered to the next
 * candidate. */
static void
handle_bounce(struct lb_worker *w, struct pkt_buf *pb, struct pkt_ctx *c,
	      uint64_t now_ns, struct lb_out *o)
{
	const struct lb_state *st = w->st;
	const struct lb_vip_rt *v = &st->vip[c->vip];
	const struct chash_table *t = v->chd;
	struct flow_value fv;
	enum wire_result r;
	const size_t alen = c->m.family == 4 ? 4 : 16;
	unsigned int removed;
	uint8_t client[16];
	uint32_t i, slot;

	if (t == NULL || t->c == 0 || c->m.family != v->conf.addr.family ||
	    !addr_same(v->conf.addr.a, c->m.dst, c->m.family == 4)) {
		drop(w, o, LB_CNT_drop_forged);
		return;
	}
	if (!(c->m.msgs & (1u << PKT_MSG_CLIENT_TUPLE))) {
		drop_wire(w, o, WIRE_ERR_NOT_FOUND);
		return;
	}
	memcpy(client, c->m.client_addr, 16);
	if (c->m.family == 4)
		flow_key_ipv4(&c->key, client, c->m.dst, c->m.client_port,
			      c->m.dport, c->m.l4_proto);
	else
		flow_key_ipv6(&c->key, client, c->m.dst, c->m.client_port,
			      c->m.dport, c->m.l4_proto);
	if (owner_of(w, &c->key) != w->index) {
		o->owner = owner_of(w, &c->key);
		finish(w, o, LB_CNT_handoff, LB_ACT_HANDOFF, 0);
		return;
	}
	c->hash = key_hash(st, &c->key);
	i = c->m.rec_index;
	if (i >= t->c || c->m.rec_count != t->c ||
	    chash_lookup(t, c->hash)[i] != c->be ||
	    c->m.rec_cookie != lb_recover_cookie(st->recover_secret, &c->key,
						 i)) {
		w->cnt[LB_CNT_recover_bad_cookie]++;
		drop(w, o, LB_CNT_drop_forged);
		return;
	}
	w->cnt[LB_CNT_recover_bounce]++;
	slot = flow_table_lookup(&w->ft, &c->key, c->hash, now_ns);
	if (slot != FLOW_TABLE_MISS && flow_table_get(&w->ft, slot, &fv) == 0 &&
	    fv.state == LB_FLOW_RECOVERING && fv.backend <= i) {
		/* Later packets of the flow start past this candidate;
		 * the next one's turn begins now. */
		fv.backend = (uint16_t)(i + 1);
		(void)flow_table_update(&w->ft, slot, &fv, now_ns);
	}
	/* Back to the client's packet as it reached us: no messages,
	 * source the client, then on to the next candidate. */
	r = c->m.family == 4 ? ipv4opt_strip_all(pb, c->m.l3_off, &removed) :
			       ip6ext_remove_all(pb, c->m.l3_off, &removed);
	if (r == WIRE_OK)
		r = pkt_parse(pkt_buf_data(pb), pb->len, &c->m);
	if (r != WIRE_OK) {
		drop_wire(w, o, r);
		return;
	}
	pkt_rewrite_addr(pkt_buf_data(pb), pb->len, &c->m, pkt_src_at(&c->m),
			 client);
	memcpy(c->m.src, client, alen);
	recover_offer(w, pb, c, i + 1, o);
}

/* What createStickiness (@p create) or removeStickiness from backend
 * @p b of VIP @p vi does to its client's flow (@p key, @p hash), on the
 * lcore that owns it (6LB Table II): pin the flow to @p b, or let it
 * close. From handle_sticky() or from a note (lb_worker_notes()). */
static inline __attribute__((always_inline)) void
sticky_apply(struct lb_worker *w, const struct lb_vip_rt *v, uint16_t vi,
	     uint16_t b, const struct flow_key *key, uint32_t hash,
	     bool create, uint64_t now_ns)
{
	struct flow_value fv;
	uint32_t slot;

	slot = flow_table_lookup(&w->ft, key, hash, now_ns);
	if (create) {
		struct flow_value old;

		/* The sender is alive; so is the first candidate of an
		 * offer that a later one accepted: it passed the flow on. */
		health_ok(w, &w->vip[vi], b);
		if (slot != FLOW_TABLE_MISS &&
		    flow_table_get(&w->ft, slot, &old) == 0 &&
		    old.state == LB_FLOW_HUNTING && old.backend != b &&
		    old.backend < v->conf.n_backends)
			health_ok(w, &w->vip[vi], old.backend);
		w->cnt[LB_CNT_stick_create]++;
		fv.backend = b;
		fv.state = LB_FLOW_STEER;
		fv.flags = 0;
		if (slot != FLOW_TABLE_MISS)
			(void)flow_table_update(&w->ft, slot, &fv, now_ns);
		else if (flow_table_insert(&w->ft, key, hash, &fv, now_ns,
					   NULL) == FLOW_INSERT_FULL)
			w->cnt[LB_CNT_flow_table_full]++;
		w->vip[vi].be_cnt[b].pinned++;
	} else {
		w->cnt[LB_CNT_stick_remove]++;
		if (slot != FLOW_TABLE_MISS &&
		    flow_table_get(&w->ft, slot, &fv) == 0) {
			/* Keep steering while the connection closes; the
			 * closing timeout (10 s) then forgets the flow. */
			fv.state = FLOW_STATE_CLOSING;
			(void)flow_table_update(&w->ft, slot, &fv, now_ns);
		}
	}
}

/* createStickiness / removeStickiness from a server (Table II): the
 * packet is (VIP -> lb::f) with SRH (s, lb::f, client). */
static void
handle_sticky(struct lb_worker *w, struct pkt_buf *pb, struct pkt_ctx *c,
	      uint64_t now_ns, struct lb_out *o)
{
	const struct lb_state *st = w->st;
	const uint8_t *frame = pkt_buf_data(pb);
	enum srv6_func f = (enum srv6_func)c->sid_func; /* classify's */
	const struct lb_vip_rt *v;
	const uint8_t *sender, *client_b;
	struct lb_addr client;
	enum wire_result r;
	enum lb_counter why;
	uint32_t vi, b;
	uint64_t s0, s1;

	if (f != SRV6_FUNC_CREATE_STICKINESS &&
	    f != SRV6_FUNC_REMOVE_STICKINESS) {
		drop(w, o, LB_CNT_drop_sid_function);
		return;
	}
	if (!(c->m.msgs & (1u << PKT_MSG_SRH))) {
		drop_wire(w, o, WIRE_ERR_NOT_FOUND);
		return;
	}
	/* The parse validated this SRH (srh_parse() within the IPv6
	 * payload) and kept where it is: its segments straight from there,
	 * not a second srh_parse() (issue 19, round 8). 6LB §IV-A: s::f(x)
	 * takes x, the first segment of the list (Segment List[Last
	 * Entry]); the client is the last (Segment List[0]). */
	client_b = srh_seg0(frame, &c->m);
	sender = client_b + 16u * c->m.srh_last_entry;
	vi = lb_map_get(&st->vip_map, 6, c->m.src, c->m.sport, c->m.l4_proto);
	if (vi == UINT32_MAX)
		vi = lb_map_get(&st->vip_map, 6, c->m.src, 0, c->m.l4_proto);
	if (vi == UINT32_MAX) {
		drop(w, o, LB_CNT_drop_forged);
		return;
	}
	v = &st->vip[vi];
	/* The sender must be a backend of the VIP: its locator
	 * (srv6_sid_same_locator() of each, from words the state built). */
	s0 = load_be64(sender);
	s1 = load_be64(sender + 8);
	for (b = 0; b < v->conf.n_backends; b++) {
		const struct lb_backend_rt *be = &v->be[b];

		if (be->loc_ok && be->state != SELECT_BACKEND_REMOVED &&
		    (((s0 ^ be->loc_w[0]) & be->loc_m[0]) |
		     ((s1 ^ be->loc_w[1]) & be->loc_m[1])) == 0)
			break;
	}
	if (b == v->conf.n_backends) {
		drop(w, o, LB_CNT_drop_forged);
		return;
	}
	why = server_msg_origin(st, frame, c->in_port, &v->be[b]);
	if (why != LB_CNT_MAX) {
		drop(w, o, why);
		return;
	}
	addr_of(&client, 6, client_b);
	/* The client's flow: classify() built its key and hash from
	 * client_b (Segment List[0], the same bytes) for every
	 * create/remove with an SRH, and prefetched its bucket (msg_key)
	 * unless another lcore owns it (c->owner), which gets a note. */
	if (c->msg_key) {
		sticky_apply(w, v, (uint16_t)vi, (uint16_t)b, &c->key,
			     c->hash, f == SRV6_FUNC_CREATE_STICKINESS,
			     now_ns);
	} else {
		c->vip = (uint16_t)vi;
		c->be = (uint16_t)b;
		(void)note_push(w, c, f == SRV6_FUNC_CREATE_STICKINESS ?
			       LB_NOTE_STICK_CREATE : LB_NOTE_STICK_REMOVE);
	}
	/* The frame is as the parse saw it: nothing above wrote it. */
	r = srh_remove_parsed(pb, c->m.l3_off, c->m.srh_off);
	if (r != WIRE_OK) {
		drop_wire(w, o, r);
		return;
	}
	send_to_client(w, pb, &client, o);
}

void
lb_worker_notes(struct lb_worker *w, const struct lb_note *n,
		uint32_t count, uint64_t now_ns)
{
	const struct lb_state *st = w->st;

	for (uint32_t i = 0; i < count; i++) {
		/* from a lcore that may run another state generation */
		if (n[i].vip >= st->n_vips ||
		    n[i].be >= st->vip[n[i].vip].conf.n_backends)
			continue;
		if (i + 1 < count)
			flow_table_prefetch(&w->ft, n[i + 1].hash);
		switch (n[i].kind) {
		case LB_NOTE_ANSWER:
			answer_apply(w, &st->vip[n[i].vip], &n[i], NULL, NULL,
				     now_ns);
			break;
		case LB_NOTE_STICK_CREATE:
		case LB_NOTE_STICK_REMOVE:
			sticky_apply(w, &st->vip[n[i].vip], n[i].vip,
				     n[i].be, &n[i].key, n[i].hash,
				     n[i].kind == LB_NOTE_STICK_CREATE,
				     now_ns);
			break;
		default:
			break;
		}
	}
}

/* ---- the burst ----------------------------------------------------------- */

void
lb_worker_burst(struct lb_worker *w, struct pkt_buf *pb, uint8_t in_port,
		uint32_t n, uint64_t now_ns, struct lb_out *out)
{
	struct pkt_ctx ctx[LB_BURST_MAX];
	const struct flow_key *keys[LB_BURST_MAX];
	uint32_t hashes[LB_BURST_MAX], slots[LB_BURST_MAX];
	uint16_t which[LB_BURST_MAX];
	uint32_t nk = 0, hits = 0, epoch;
	const struct chash_table *pt = NULL; /* pick_table() of the VIP pv */
	struct vip_cache vc = { .v = UINT32_MAX };

	if (n > LB_BURST_MAX)
		n = LB_BURST_MAX;
	w->last_now_ns = now_ns;
	w->burst_msgs = 0;
	w->n_notes = 0;
	/* 1. classify */
	for (uint32_t i = 0; i < n; i++) {
		struct pkt_ctx *c = &ctx[i];
		uint16_t ow;

		memset(&out[i], 0, sizeof(out[i]));
		classify(w, &pb[i], in_port, c, &out[i], &vc);
		if (c->cls != PC_CLIENT)
			continue;
		ow = owner_of(w, &c->key);
		if (ow != w->index) {
			/* RSS sent it here but the flow is another
			 * lcore's (e.g. a port without RSS). */
			out[i].owner = ow;
			finish(w, &out[i], LB_CNT_handoff, LB_ACT_HANDOFF, 0);
			c->cls = PC_DONE;
			continue;
		}
		if (c->m.msgs & CLIENT_MSGS) {
			enum wire_result r = strip_client_msgs(w, &pb[i], c);

			if (r != WIRE_OK) {
				drop_wire(w, &out[i], r);
				c->cls = PC_DONE;
				continue;
			}
		}
		keys[nk] = &c->key;
		hashes[nk] = c->hash;
		which[nk] = (uint16_t)i;
		nk++;
	}
	/* 2. bulk lookup */
	if (nk > 0)
		hits = flow_table_lookup_bulk_ptrs(&w->ft, keys, hashes, nk,
						   now_ns, slots);
	if (hits == nk) {
		/* no new flow: the pinned path's loop as it was (the miss
		 * test per key cost it 2 instructions a packet) */
		for (uint32_t k = 0; k < nk; k++)
			ctx[which[k]].slot = slots[k];
	} else {
		for (uint32_t k = 0, pv = UINT32_MAX; k < nk; k++) {
			struct pkt_ctx *c = &ctx[which[k]];

			c->slot = slots[k];
			/* a new flow: its backend's table entry on its
			 * way (the table found once per run of the same
			 * VIP: a hint, a table replaced meanwhile costs
			 * a useless prefetch) */
			if (slots[k] != FLOW_TABLE_MISS)
				continue;
			if (c->vip != pv) {
				pv = c->vip;
				pt = pick_table(&w->st->vip[pv]);
			}
			if (pt != NULL)
				__builtin_prefetch(chash_lookup(pt,
								hashes[k]));
		}
	}
	/* The server messages' buckets have come meanwhile: their key
	 * entries now, for the lookup each makes alone in step 3. */
	if (w->burst_msgs != 0)
		for (uint32_t i = 0; i < n; i++)
			if ((ctx[i].cls == PC_ANSWER ||
			     ctx[i].cls == PC_STICKY) && ctx[i].msg_key)
				flow_table_prefetch_key(&w->ft, ctx[i].hash);
	epoch = w->ft.epoch;
	/* 3. act, in arrival order. A slot id from the bulk lookup holds
	 * while the table's epoch has not moved (flow_table.h); after an
	 * eviction or a move in this burst, look again. */
	for (uint32_t i = 0; i < n; i++) {
		struct pkt_ctx *c = &ctx[i];

		switch (c->cls) {
		case PC_NEIGH:
			handle_neigh(w, &pb[i], in_port, &out[i]);
			break;
		case PC_CLIENT:
			if (c->slot != FLOW_TABLE_MISS &&
			    w->ft.epoch != epoch)
				c->slot = flow_table_lookup(&w->ft, &c->key,
							    c->hash, now_ns);
			if (c->slot != FLOW_TABLE_MISS)
				client_hit_inline(w, &pb[i], c, now_ns,
						  &out[i]);
			else
				client_miss(w, &pb[i], c, now_ns, &out[i]);
			break;
		case PC_ANSWER:
			handle_answer(w, &pb[i], c, now_ns, &out[i]);
			break;
		case PC_STICKY:
			handle_sticky(w, &pb[i], c, now_ns, &out[i]);
			break;
		case PC_ICMP:
			handle_icmp(w, &pb[i], c, now_ns, &out[i]);
			break;
		case PC_FRAG:
			handle_frag(w, &pb[i], c, now_ns, &out[i]);
			break;
		case PC_BOUNCE:
			handle_bounce(w, &pb[i], c, now_ns, &out[i]);
			break;
		default:
			break;
		}
	}
}

/* Count the requests/offers that expired since the last sweep, so that
 * a loss is seen a timeout after it, not when the next flow happens to
 * reach the server (every timeout / 8; O(backends)). */
static void
health_sweep(struct lb_worker *w, uint64_t now_ns)
{
	const struct lb_state *st = w->st;
	const struct lb_health_conf *hc = &st->cfg.health;

	if (!hc->enabled || now_ns - w->health_sweep_ns < hc->timeout_ns / 8)
		return;
	w->health_sweep_ns = now_ns;
	for (uint32_t v = 0; v < st->n_vips; v++) {
		struct lb_health_obs *ho = w->vip[v].hobs;

		if (ho == NULL)
			continue;
		for (uint32_t b = 0; b < st->vip[v].conf.n_backends; b++) {
			const uint64_t before = ho[b].fail;

			(void)lb_health_obs_check(&ho[b], now_ns,
						  hc->timeout_ns);
			w->cnt[LB_CNT_health_lost] += ho[b].fail - before;
		}
	}
}

void
lb_worker_maintain(struct lb_worker *w, uint64_t now_ns, uint32_t budget)
{
	(void)flow_table_gc_step(&w->ft, now_ns, budget);
	health_sweep(w, now_ns);
}

/* ---- worker set-up ------------------------------------------------------ */

/* Per-VIP worker state is sized for LB_MAX_BACKENDS slots from the start,
 * so that backends added from the console need no allocation on the
 * worker, and a slot index (which pinned flows hold) never moves. */
/* The probe scheduler a VIP's settings ask for: interval N (0: never;
 * the SRv6 transport never probes), fixed or adaptive around N. */
static void
probe_conf_of(const struct lb_state *st, uint32_t v, struct probe_conf *pc)
{
	const struct lb_vip_conf *c = v < st->n_vips ? &st->vip[v].conf :
						       NULL;

	probe_conf_default(pc);
	pc->timeout_ns = st->cfg.probe_timeout_ns;
	pc->n = c != NULL && c->transport == LB_TRANSPORT_DSR &&
		c->policy != LB_POLICY_POLL ? c->probe_n : 0;
	if (c != NULL && c->probe_adaptive && pc->n != 0) {
		pc->adaptive = true;
		if (pc->n_max < pc->n)
			pc->n_max = pc->n;
		if (pc->n_min > pc->n)
			pc->n_min = pc->n;
	}
}

/* EWMA weight (Q16) of a fresh score: 1/window of the VIP, or the
 * [general] score_ewma. */
static uint32_t
ewma_of(const struct lb_state *st, uint32_t v)
{
	uint32_t win = v < st->n_vips ? st->vip[v].conf.score_window : 0;

	return win != 0 ? BUSY_EWMA_ONE / win : st->cfg.score_ewma_w;
}

/* Allocate and initialise the tables of VIP @p v of @p st into @p wv
 * (control thread: @p wv is not yet any worker's). */
static int
worker_vip_alloc(struct lb_worker_vip *wv, const struct lb_state *st,
		 uint32_t v)
{
	struct busy_conf bc;
	struct probe_conf pc;
	const uint32_t nb = LB_MAX_BACKENDS;

	busy_conf_default(&bc);
	bc.max_age_ns = st->cfg.score_max_age_ns;
	bc.ewma_w = ewma_of(st, v);
	bc.max_step = st->cfg.score_max_step;
	probe_conf_of(st, v, &pc);
	wv->busy = calloc(1, busy_table_memsize(nb));
	wv->base = calloc(1, baseline_table_memsize(nb));
	wv->probe = calloc(1, probe_sched_memsize(nb));
	wv->lat = calloc(nb, sizeof(*wv->lat));
	wv->be_cnt = calloc(nb, sizeof(*wv->be_cnt));
	wv->hobs = calloc(nb, sizeof(*wv->hobs));
	if (wv->busy == NULL || wv->base == NULL || wv->probe == NULL ||
	    wv->lat == NULL || wv->be_cnt == NULL || wv->hobs == NULL)
		return -ENOMEM;
	if (busy_table_init(wv->busy, nb, &bc) != 0 ||
	    baseline_table_init(wv->base, nb, 1) != 0 ||
	    probe_sched_init(wv->probe, nb, &pc) != 0)
		return -EINVAL;
	for (uint32_t b = 0; b < nb; b++) {
		(void)busy_table_set_state(wv->busy, b,
					   SELECT_BACKEND_REMOVED);
		(void)baseline_set_state(wv->base, b, SELECT_BACKEND_REMOVED);
	}
	wv->probe_n = pc.n;
	wv->probe_adaptive = pc.adaptive;
	return 0;
}

static void
worker_vip_free(struct lb_worker_vip *wv)
{
	free(wv->busy);
	free(wv->base);
	free(wv->lat);
	free(wv->be_cnt);
	free(wv->hobs);
	free(wv->probe);
	memset(wv, 0, sizeof(*wv));
}

/* Bring the worker's per-VIP tables in line with @p st: backend states
 * and weights, probe interval. Runs on the worker (lb_worker_adopt) or
 * before it starts (lb_worker_init); O(backends), no allocation. */
static void
worker_sync(struct lb_worker *w, const struct lb_state *st)
{
	for (uint32_t v = 0; v < st->n_vips; v++) {
		const struct lb_vip_rt *vr = &st->vip[v];
		struct lb_worker_vip *wv = &w->vip[v];
		uint32_t n = vr->conf.removed ? 0 : vr->conf.n_backends;
		struct probe_conf pc;

		for (uint32_t b = 0; b < LB_MAX_BACKENDS; b++) {
			uint8_t want = b < n ? vr->be[b].state :
					       SELECT_BACKEND_REMOVED;

			if (wv->state[b] != want || !wv->synced) {
				(void)busy_table_set_state(wv->busy, b,
					(enum select_backend_state)want);
				(void)baseline_set_state(wv->base, b,
					(enum select_backend_state)want);
				if (want == SELECT_BACKEND_REMOVED)
					(void)probe_sched_reset_backend(
						wv->probe, b);
				wv->state[b] = want;
			}
			if (b < n && vr->be[b].conf.weight > 0 &&
			    wv->weight[b] != vr->be[b].conf.weight) {
				(void)baseline_set_weight(wv->base, b,
						vr->be[b].conf.weight);
				wv->weight[b] = vr->be[b].conf.weight;
			}
		}
		probe_conf_of(st, v, &pc);
		if (pc.adaptive != wv->probe_adaptive ||
		    (pc.adaptive && pc.n != wv->probe_n)) {
			/* Fixed <-> adaptive, or a new centre for adaptive
			 * sampling: restart the scheduler in place (its
			 * outstanding probes are forgotten; their answers
			 * count as unsolicited). */
			(void)probe_sched_init(wv->probe, LB_MAX_BACKENDS,
					       &pc);
			wv->probe_adaptive = pc.adaptive;
			wv->probe_n = pc.n;
		} else if (!pc.adaptive &&
			   (pc.n != wv->probe_n || !wv->synced)) {
			(void)probe_sched_set_n(wv->probe, pc.n);
			wv->probe_n = pc.n;
		}
		/* the smoothing of new samples (console: vip set window) */
		wv->busy->conf.ewma_w = ewma_of(st, v);
		wv->synced = true;
	}
}

int
lb_worker_prepare(const struct lb_worker *w, const struct lb_state *st,
		  struct lb_worker_pending *p)
{
	int rc = 0;

	/* Everything is built in @p p: the worker keeps running on its own
	 * tables and state, which this function only reads (w->vip[v].busy
	 * changes only in lb_worker_adopt(), which the hand-over orders
	 * before this call). */
	memset(p, 0, sizeof(*p));
	p->st = st;
	p->vip = calloc(LB_MAX_VIPS, sizeof(*p->vip));
	if (p->vip == NULL)
		return -ENOMEM;
	for (uint32_t v = 0; v < st->n_vips && v < LB_MAX_VIPS && rc == 0; v++)
		if (w->vip[v].busy == NULL)
			rc = worker_vip_alloc(&p->vip[v], st, v);
	if (rc != 0)
		lb_worker_pending_free(p);
	return rc;
}

void
lb_worker_pending_free(struct lb_worker_pending *p)
{
	if (p == NULL)
		return;
	for (uint32_t v = 0; p->vip != NULL && v < LB_MAX_VIPS; v++)
		worker_vip_free(&p->vip[v]);
	free(p->vip);
	memset(p, 0, sizeof(*p));
}

void
lb_worker_adopt(struct lb_worker *w, struct lb_worker_pending *p)
{
	/* Take over the tables prepared for new VIPs (pointer moves, no
	 * allocation); what is left in @p p is freed by its owner. */
	for (uint32_t v = 0; p->vip != NULL && v < p->st->n_vips &&
	     v < LB_MAX_VIPS; v++)
		if (w->vip[v].busy == NULL && p->vip[v].busy != NULL) {
			w->vip[v] = p->vip[v];
			memset(&p->vip[v], 0, sizeof(p->vip[v]));
		}
	worker_sync(w, p->st);
	w->st = p->st;
}

/* The flow table of a worker over @p st. */
static void
worker_flow_config(const struct lb_state *st, struct flow_table_config *fc)
{
	memset(fc, 0, sizeof(*fc));
	fc->capacity = st->cfg.flow_capacity;
	fc->timeout_ns[FLOW_STATE_NEW] = st->cfg.timeout_new_ns;
	fc->timeout_ns[FLOW_STATE_ESTABLISHED] = st->cfg.timeout_est_ns;
	fc->timeout_ns[FLOW_STATE_CLOSING] = st->cfg.timeout_closing_ns;
	/* A flow still being offered lives as long as a SYN-only one. */
	fc->timeout_ns[LB_FLOW_HUNTING] = st->cfg.timeout_new_ns;
	fc->timeout_ns[LB_FLOW_STEER] = st->cfg.timeout_est_ns;
	/* Recovering lives as long as a SYN-only flow: the pin comes with
	 * the server's next reply. */
	fc->timeout_ns[LB_FLOW_RECOVERING] = st->cfg.timeout_new_ns;
}

size_t
lb_worker_flow_mem_size(const struct lb_state *st)
{
	struct flow_table_config fc;

	if (st == NULL)
		return 0;
	worker_flow_config(st, &fc);
	return flow_table_mem_size(&fc);
}

int
lb_worker_init(struct lb_worker *w, const struct lb_state *st, uint16_t index,
	       uint16_t n_workers, uint64_t seed)
{
	return lb_worker_init_mem(w, st, index, n_workers, seed, NULL, 0);
}

int
lb_worker_init_mem(struct lb_worker *w, const struct lb_state *st,
		   uint16_t index, uint16_t n_workers, uint64_t seed,
		   void *flow_mem, size_t flow_mem_len)
{
	struct flow_table_config fc;
	int rc;

	if (w == NULL || st == NULL || n_workers == 0 || index >= n_workers)
		return -EINVAL;
	memset(w, 0, sizeof(*w));
	w->st = st;
	w->index = index;
	w->n_workers = n_workers;
	rng_seed(&w->rng, seed);
	worker_flow_config(st, &fc);
	rc = flow_table_init(&w->ft, &fc, flow_mem, flow_mem_len);
	if (rc != 0)
		return rc;
	/* Room for every VIP the console may add: the array never moves. */
	w->vip = calloc(LB_MAX_VIPS, sizeof(*w->vip));
	w->lat = calloc(LB_LAT_SLOTS, sizeof(*w->lat));
	if (w->vip == NULL || w->lat == NULL ||
	    frag_cache_init(&w->frag, LB_FRAG_SLOTS) != 0) {
		lb_worker_fini(w);
		return -ENOMEM;
	}
	{
		struct lb_worker_pending p;

		rc = lb_worker_prepare(w, st, &p);
		if (rc != 0) {
			lb_worker_fini(w);
			return rc;
		}
		lb_worker_adopt(w, &p);
		lb_worker_pending_free(&p);
	}
	return 0;
}

void
lb_worker_fini(struct lb_worker *w)
{
	if (w == NULL)
		return;
	for (uint32_t v = 0; w->vip != NULL && v < LB_MAX_VIPS; v++)
		worker_vip_free(&w->vip[v]);
	free(w->vip);
	free(w->lat);
	frag_cache_fini(&w->frag);
	w->vip = NULL;
	w->lat = NULL;
	flow_table_fini(&w->ft);
}

uint64_t
lb_latency_estimate(struct lb_worker *const *w, unsigned int n, uint32_t vip,
		    uint32_t be, uint64_t now_ns)
{
	struct lat_backend agg[LAT_BACKEND_MERGE_MAX];
	unsigned int k = 0;

	for (unsigned int i = 0; i < n && k < LAT_BACKEND_MERGE_MAX; i++) {
			if (w[i] == NULL || w[i]->vip == NULL || vip >= LB_MAX_VIPS ||
		    w[i]->vip[vip].lat == NULL || be >= LB_MAX_BACKENDS)
			continue;
		/* A copy: the worker keeps writing its own (a torn sample
		 * only moves the median by one position). */
		memcpy(&agg[k++], &w[i]->vip[vip].lat[be], sizeof(agg[0]));
	}
	return lat_backend_estimate(agg, k, now_ns, 0);
}

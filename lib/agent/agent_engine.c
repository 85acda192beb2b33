/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The server agent's packet logic: docs/agent.md, docs/wire-format.md
 * ("The DSR leg", "The 6LB leg"), 6LB ToN'18 Table III, dynamic-DSR §3.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dsrlb/agent_engine.h"
#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
#include "dsrlb/flow_hash.h"
#include "dsrlb/frag_cache.h"
#include "dsrlb/ip6ext.h"
#include "dsrlb/ipv4opt.h"
#include "dsrlb/martian.h"
#include "dsrlb/pkt_parse.h"
#include "dsrlb/pkt_rewrite.h"
#include "dsrlb/poll.h"
#include "dsrlb/srh.h"
#include "dsrlb/srv6_func.h"
#include "dsrlb/wire.h"

#define MSG_BIT(n) (1u << PKT_MSG_##n)
#define DSRLB_MSGS (MSG_BIT(CLIENT_TUPLE) | MSG_BIT(METRIC_REQ) | \
		    MSG_BIT(METRIC_ANS) | MSG_BIT(RECOVER))
#define FT_SEED 0x6167656e74ull     /* "agent" */

static const char *const counter_names[] = {
#define AGENT_COUNTER_NAME(n, d) #n,
	AGENT_COUNTER_LIST(AGENT_COUNTER_NAME)
#undef AGENT_COUNTER_NAME
};
static const char *const counter_descs[] = {
#define AGENT_COUNTER_DESC(n, d) d,
	AGENT_COUNTER_LIST(AGENT_COUNTER_DESC)
#undef AGENT_COUNTER_DESC
};

const char *
agent_counter_name(unsigned int c)
{
	return c < AGENT_CNT_MAX ? counter_names[c] : "?";
}

const char *
agent_counter_desc(unsigned int c)
{
	return c < AGENT_CNT_MAX ? counter_descs[c] : "?";
}

/* ---- flow table --------------------------------------------------------- */

static uint64_t
flow_timeout(const struct agent_config *cfg, const struct agent_flow *f)
{
	if (f->state == AGENT_FLOW_CLOSING)
		return cfg->timeout_closing_ns;
	if (!(f->flags & AGENT_FF_ESTAB))
		return cfg->timeout_new_ns;
	return cfg->timeout_established_ns;
}

static bool
flow_expired(const struct agent_config *cfg, const struct agent_flow *f,
	     uint64_t now_ns)
{
	return now_ns > f->seen_ns && now_ns - f->seen_ns > flow_timeout(cfg, f);
}

static void
uncount(struct agent_worker *w, struct agent_flow *f)
{
	if (f->flags & AGENT_FF_COUNTED) {
		f->flags &= (uint8_t)~AGENT_FF_COUNTED;
		if (!(f->flags & AGENT_FF_ESTAB)) {
			if (w->half_open > 0)
				w->half_open--;
		} else if (w->connections > 0) {
			w->connections--;
		}
		w->cnt[AGENT_CNT_conn_close]++;
	}
}

/* Forget the flow in slot @p i (backward-shift deletion keeps every
 * probe sequence unbroken). */
static void
ft_remove_slot(struct agent_worker *w, uint32_t i, enum agent_counter why)
{
	struct agent_flows *t = &w->ft;
	uint32_t j = i;

	uncount(w, &t->e[i]);
	w->cnt[why]++;
	for (;;) {
		uint32_t home;

		j = (j + 1) & t->mask;
		if (t->e[j].state == AGENT_FLOW_FREE)
			break;
		home = t->e[j].hash & t->mask;
		/* Move e[j] into the hole at i when its home is not in the
		 * cyclic range (i, j]. */
		if ((i <= j) ? (home <= i || home > j) :
			       (home <= i && home > j)) {
			t->e[i] = t->e[j];
			i = j;
		}
	}
	memset(&t->e[i], 0, sizeof(t->e[i]));
	t->count--;
}

static void
make_key(struct flow_key *k, uint8_t family, const uint8_t *client,
	 uint16_t cport, const uint8_t *vip, uint16_t vport, uint8_t proto)
{
	memset(k, 0, sizeof(*k));
	if (family == 4)
		flow_key_ipv4(k, client, vip, cport, vport, proto);
	else
		flow_key_ipv6(k, client, vip, cport, vport, proto);
}

static uint32_t
key_hash(const struct flow_key *k)
{
	return (uint32_t)flow_hash_bytes(FT_SEED, k, sizeof(*k));
}

/* The live flow of @p k or NULL; an expired one is forgotten here. */
static struct agent_flow *
ft_lookup(struct agent_worker *w, const struct flow_key *k, uint64_t now_ns)
{
	struct agent_flows *t = &w->ft;
	uint32_t h = key_hash(k);

	for (uint32_t i = h & t->mask;; i = (i + 1) & t->mask) {
		struct agent_flow *f = &t->e[i];

		if (f->state == AGENT_FLOW_FREE)
			return NULL;
		if (f->hash == h && memcmp(&f->key, k, sizeof(*k)) == 0) {
			if (flow_expired(w->cfg, f, now_ns)) {
				ft_remove_slot(w, i, AGENT_CNT_flow_expired);
				return NULL;
			}
			return f;
		}
	}
}

/* A new flow of @p k (absent), or NULL when the table is full. */
static struct agent_flow *
ft_insert(struct agent_worker *w, const struct flow_key *k, uint8_t state,
	  uint16_t vip, uint64_t now_ns)
{
	struct agent_flows *t = &w->ft;
	uint32_t h = key_hash(k);
	uint32_t i;

	if (t->count >= t->capacity) {
		w->cnt[AGENT_CNT_flow_table_full]++;
		return NULL;
	}
	for (i = h & t->mask; t->e[i].state != AGENT_FLOW_FREE;
	     i = (i + 1) & t->mask)
		;
	memset(&t->e[i], 0, sizeof(t->e[i]));
	t->e[i].key = *k;
	t->e[i].hash = h;
	t->e[i].state = state;
	t->e[i].vip = vip;
	t->e[i].seen_ns = now_ns;
	t->count++;
	w->cnt[AGENT_CNT_flow_new]++;
	return &t->e[i];
}

static void
ft_remove(struct agent_worker *w, struct agent_flow *f, enum agent_counter why)
{
	ft_remove_slot(w, (uint32_t)(f - w->ft.e), why);
}

void
agent_worker_maintain(struct agent_worker *w, uint64_t now_ns,
		      uint32_t budget)
{
	struct agent_flows *t = &w->ft;

	w->last_now_ns = now_ns;
	while (budget-- > 0) {
		uint32_t i = t->gc_cursor;
		struct agent_flow *f = &t->e[i];

		if (f->state != AGENT_FLOW_FREE &&
		    flow_expired(w->cfg, f, now_ns)) {
			/* Another entry may shift into slot i: look at it
			 * again next time. */
			ft_remove_slot(w, i, AGENT_CNT_flow_expired);
			continue;
		}
		t->gc_cursor = (i + 1) & t->mask;
	}
}

/* ---- worker ----------------------------------------------------------------- */

int
agent_worker_init(struct agent_worker *w, const struct agent_config *cfg,
		  const uint8_t (*port_mac)[6])
{
	uint32_t slots = 16;

	if (w == NULL || cfg == NULL || cfg->flow_capacity == 0 ||
	    cfg->flow_capacity > (1u << 24))
		return -EINVAL;
	memset(w, 0, sizeof(*w));
	w->cfg = cfg;
	if (port_mac != NULL)
		memcpy(w->port_mac, port_mac, sizeof(w->port_mac));
	if (sr_accept_init(&w->accept, &cfg->accept) != 0)
		return -EINVAL;
	/* A bad geometry leaves a matcher that matches nothing, as
	 * srv6_sid_match() then does. */
	if (cfg->has_locator)
		(void)srv6_sid_matcher_init(&w->sid_match, &cfg->srv6,
					    cfg->locator);
	/* At most half full: short probe sequences. */
	while (slots < 2 * cfg->flow_capacity)
		slots <<= 1;
	w->ft.e = calloc(slots, sizeof(*w->ft.e));
	if (w->ft.e == NULL)
		return -ENOMEM;
	w->ft.mask = slots - 1;
	w->ft.capacity = cfg->flow_capacity;
	return 0;
}

void
agent_worker_fini(struct agent_worker *w)
{
	if (w == NULL)
		return;
	free(w->ft.e);
	w->ft.e = NULL;
}

void
agent_worker_set_busy(struct agent_worker *w, uint32_t busy)
{
	atomic_store_explicit(&w->busy_ext, busy, memory_order_relaxed);
}

uint32_t
agent_worker_busy(const struct agent_worker *w)
{
	if (w->cfg->busy_source == AGENT_BUSY_CONNECTIONS)
		return w->connections;
	return atomic_load_explicit(&w->busy_ext, memory_order_relaxed);
}

uint16_t
agent_worker_score(const struct agent_worker *w)
{
	uint32_t b = agent_worker_busy(w);

	return b > 0xffffu ? 0xffffu : (uint16_t)b;
}

uint32_t
agent_worker_flows(const struct agent_worker *w)
{
	return w->ft.count;
}

const struct agent_flow *
agent_worker_flow(struct agent_worker *w, uint8_t family, const uint8_t *client,
		  uint16_t cport, const uint8_t *vip, uint16_t vport,
		  uint8_t proto, uint64_t now_ns)
{
	struct flow_key k;

	make_key(&k, family, client, cport, vip, vport, proto);
	return ft_lookup(w, &k, now_ns);
}

/* ---- helpers ---------------------------------------------------------------- */

static inline void
finish(struct agent_worker *w, struct agent_out *o, enum agent_counter c,
       enum agent_action a, uint8_t port)
{
	w->cnt[c]++;
	o->action = (uint8_t)a;
	o->port = port;
	o->counter = (uint16_t)c;
}

static void
drop_wire(struct agent_worker *w, struct agent_out *o, enum wire_result r)
{
	if (r < WIRE_RESULT_MAX)
		w->wire[r]++;
	finish(w, o, AGENT_CNT_drop_malformed, AGENT_ACT_DROP, 0);
}

static inline unsigned int
alen(uint8_t family)
{
	return family == 4 ? 4u : 16u;
}

/* VIP index of (@p addr, @p port, @p proto) as a VIP address (@p leg
 * false) or as a leg address (@p leg true); -1 when none. */
static int
vip_find(const struct agent_config *cfg, uint8_t family, const uint8_t *addr,
	 uint16_t port, uint8_t proto, bool leg)
{
	for (uint32_t i = 0; i < cfg->n_vips; i++) {
		const struct agent_vip_conf *v = &cfg->vip[i];

		if (v->family != family || v->port != port || v->proto != proto)
			continue;
		if (leg ? (v->has_leg &&
			   memcmp(v->leg, addr, alen(family)) == 0) :
			  memcmp(v->addr, addr, alen(family)) == 0)
			return (int)i;
	}
	return -1;
}

/* Is @p addr one the agent handles traffic for (a VIP, a leg address,
 * or inside our SRv6 locator), whatever the port? */
static bool
addr_is_ours(const struct agent_config *cfg, uint8_t family,
	     const uint8_t *addr)
{
	for (uint32_t i = 0; i < cfg->n_vips; i++) {
		const struct agent_vip_conf *v = &cfg->vip[i];

		if (v->family != family)
			continue;
		if (memcmp(v->addr, addr, alen(family)) == 0 ||
		    (v->has_leg && memcmp(v->leg, addr, alen(family)) == 0))
			return true;
	}
	return family == 6 && cfg->has_locator &&
	       srv6_sid_match(&cfg->srv6, cfg->locator, addr, NULL) !=
	       SRV6_FUNC_NONE;
}

/* RFC 1812 §5.3.7: a client no router would forward (the tuple's, when
 * the leg carries one), one of our own addresses (land), or port 0. */
static bool
client_martian(const struct agent_config *cfg, const struct pkt_meta *m)
{
	const bool t = (m->msgs & MSG_BIT(CLIENT_TUPLE)) != 0;
	const uint8_t *c = t ? m->client_addr : m->src;
	const uint16_t port = t ? m->client_port : m->sport;

	return martian_src(m->family, c) || addr_is_ours(cfg, m->family, c) ||
	       (port == 0 && (m->l4_proto == IPPROTO_NUM_TCP ||
			      m->l4_proto == IPPROTO_NUM_UDP));
}

static uint16_t
port_mtu(const struct agent_worker *w, unsigned int p)
{
	return w->cfg->port[p].mtu ? w->cfg->port[p].mtu : 1500;
}

/* To the kernel: Ethernet destination := the kernel port's MAC. */
static void
to_kernel(struct agent_worker *w, struct pkt_buf *pb, enum agent_counter c,
	  struct agent_out *o)
{
	memcpy(pkt_buf_data(pb), w->port_mac[AGENT_PORT_KERNEL], 6);
	finish(w, o, c, AGENT_ACT_TX, AGENT_PORT_KERNEL);
}

/* Out of the wire towards the appliance / next segment: from the wire
 * port's MAC to the gateway. */
static void
to_gateway(struct agent_worker *w, struct pkt_buf *pb, enum agent_counter c,
	   struct agent_out *o)
{
	uint8_t *fr = pkt_buf_data(pb);

	memcpy(fr, w->cfg->gateway_mac, 6);
	memcpy(fr + 6, w->port_mac[AGENT_PORT_WIRE], 6);
	finish(w, o, c, AGENT_ACT_TX, AGENT_PORT_WIRE);
}

static inline bool
is_syn(const struct pkt_meta *m)
{
	return m->l4_proto == IPPROTO_NUM_TCP &&
	       (m->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN;
}

static inline bool
is_fin_rst(const struct pkt_meta *m)
{
	return m->l4_proto == IPPROTO_NUM_TCP &&
	       (m->tcp_flags & (TCP_FLAG_FIN | TCP_FLAG_RST)) != 0;
}

/* Issue 16: busy = connections counts what the server works on, the
 * established connections; a connection opened by a SYN stays half-open
 * (its own gauge, half_open) until a packet without SYN is seen (the
 * client's ACK that ends the handshake), so a SYN flood never makes the
 * server look busy: it shows as half_open and conn_open. */
static void
flow_seen(struct agent_worker *w, struct agent_flow *f,
	  const struct pkt_meta *m, uint64_t now_ns)
{
	if (f->state != AGENT_FLOW_CLOSING)
		f->seen_ns = now_ns;    /* the closing timer is not restarted */
	/* (a RST, e.g. the kernel refusing a flood, ends the handshake
	 * without establishing anything) */
	if (!(m->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_RST)) &&
	    !(f->flags & AGENT_FF_ESTAB)) {
		f->flags |= AGENT_FF_ESTAB;
		if (f->flags & AGENT_FF_COUNTED) {
			if (w->half_open > 0)
				w->half_open--;
			w->connections++;
			w->cnt[AGENT_CNT_conn_established]++;
		}
	}
}

static void
count_open(struct agent_worker *w, struct agent_flow *f)
{
	if (!(f->flags & AGENT_FF_COUNTED)) {
		f->flags |= AGENT_FF_COUNTED;
		if (f->flags & AGENT_FF_ESTAB)
			w->connections++;
		else
			w->half_open++;
		w->cnt[AGENT_CNT_conn_open]++;
	}
}

/* ---- DSR: client packets from the wire -------------------------------------- */

static void
dsr_in(struct agent_worker *w, struct pkt_buf *pb, struct pkt_meta *m,
       int vi, bool routed, uint64_t now_ns, struct agent_out *o)
{
	const struct agent_vip_conf *v = &w->cfg->vip[vi];
	const unsigned int n = alen(m->family);
	const uint32_t msgs = m->msgs;
	uint8_t client[16], tuple_addr[16];
	uint16_t cport = m->sport, tuple_port = m->client_port;
	uint32_t nonce = m->nonce;
	bool syn = is_syn(m), fin = is_fin_rst(m);
	struct flow_key k;
	struct agent_flow *f;
	enum wire_result r;
	uint8_t *frame;

	/* A connection to the leg address that did not come through the
	 * appliance (leg_address is often the server's own address): its
	 * SYN carries no client tuple. It and its later packets reach the
	 * kernel unchanged, so that a health checker or an operator who
	 * connects to the server directly sees the server as it is (issue
	 * 16). A mid-stream packet of no known connection is still a DSR
	 * one (an agent that restarted keeps its server's connections). */
	if (routed && !(msgs & (MSG_BIT(CLIENT_TUPLE) | MSG_BIT(FRAGMENT)))) {
		make_key(&k, m->family, m->src, m->sport, m->dst, m->dport,
			 m->l4_proto);
		f = ft_lookup(w, &k, now_ns);
		if (f == NULL && syn && !(msgs & DSRLB_MSGS))
			f = ft_insert(w, &k, AGENT_FLOW_OWN, (uint16_t)vi,
				      now_ns);
		if (f != NULL && f->state == AGENT_FLOW_OWN) {
			f->seen_ns = now_ns;
			/* established while it lives, short once closing */
			if (fin)
				f->flags &= (uint8_t)~AGENT_FF_ESTAB;
			else if (!syn)
				f->flags |= AGENT_FF_ESTAB;
			to_kernel(w, pb, AGENT_CNT_tx_kernel_own, o);
			return;
		}
	}
	memcpy(client, m->src, 16);
	memcpy(tuple_addr, m->client_addr, 16);
	if (msgs & DSRLB_MSGS) {
		unsigned int removed = 0;

		r = m->family == 4 ? ipv4opt_strip_all(pb, m->l3_off, &removed) :
				     ip6ext_remove_all(pb, m->l3_off, &removed);
		if (r != WIRE_OK) {
			drop_wire(w, o, r);
			return;
		}
		w->cnt[AGENT_CNT_msgs_stripped] += removed;
		r = pkt_parse(pkt_buf_data(pb), pb->len, m);
		if (r != WIRE_OK) {
			drop_wire(w, o, r);
			return;
		}
	}
	frame = pkt_buf_data(pb);
	if (routed)
		pkt_rewrite_addr(frame, pb->len, m, pkt_dst_at(m), v->addr);
	if ((msgs & MSG_BIT(CLIENT_TUPLE)) &&
	    (memcmp(tuple_addr, client, n) != 0 || tuple_port != cport)) {
		/* A leg that translated the client (the paper's NAT
		 * prototype): the client tuple is the truth. */
		uint8_t pb16[2];

		pkt_rewrite_addr(frame, pb->len, m, pkt_src_at(m), tuple_addr);
		store_be16(pb16, tuple_port);
		if (m->l4_proto == IPPROTO_NUM_TCP ||
		    m->l4_proto == IPPROTO_NUM_UDP)
			pkt_rewrite_field(frame, pb->len, m, m->l4_off, pb16, 2,
				      false);
		memcpy(client, tuple_addr, 16);
		cport = tuple_port;
		w->cnt[AGENT_CNT_tuple_restored]++;
	}
	make_key(&k, m->family, client, cport, v->addr, v->port, v->proto);
	f = ft_lookup(w, &k, now_ns);
	if (f != NULL && syn && f->state == AGENT_FLOW_DSR &&
	    (f->flags & AGENT_FF_ESTAB)) {
		/* A SYN after the handshake: a new connection on the tuple
		 * of one that ended unseen (RFC 793 §3.4, old duplicates
		 * aside); nothing of the old one may carry over. */
		ft_remove(w, f, AGENT_CNT_flow_replaced);
		f = NULL;
	}
	if (f == NULL && (syn || (msgs & MSG_BIT(METRIC_REQ))))
		f = ft_insert(w, &k, AGENT_FLOW_DSR, (uint16_t)vi, now_ns);
	if (f != NULL) {
		flow_seen(w, f, m, now_ns);
		if (syn)
			count_open(w, f);
		if (msgs & MSG_BIT(METRIC_REQ)) {
			f->flags |= AGENT_FF_ANSWER_DUE;
			f->flags &= (uint8_t)~(AGENT_FF_NONCE | AGENT_FF_DSTOPT);
			f->nonce = 0;
			/* The answer goes back to the MAC the request came
			 * from: with several appliances on the segment, the
			 * one that asked (the route to the VIP names one of
			 * them, or a router's ECMP another). */
			memcpy(f->lb, pkt_buf_data(pb) + 6, 6);
			if (msgs & MSG_BIT(NONCE)) {
				/* IPv4: 124 of 8 bytes; IPv6: nonzero. */
				f->flags |= AGENT_FF_NONCE;
				f->nonce = nonce;
			}
			if (m->family == 6 && (msgs & MSG_BIT(DSTOPT_ENC)))
				f->flags |= AGENT_FF_DSTOPT;
			w->cnt[AGENT_CNT_request_seen]++;
		}
		if (fin) {
			uncount(w, f);
			/* Keep a flow that still owes an answer: the
			 * server's FIN carries it, or the timeout ends it. */
			if (!(f->flags & AGENT_FF_ANSWER_DUE))
				ft_remove(w, f, AGENT_CNT_flow_closed);
		}
	}
	to_kernel(w, pb, AGENT_CNT_tx_kernel_dsr, o);
}

/* ---- DSR recovery (issue 17): 158 / IPv6 253 from the appliance ---------- */

/* TCP sequence space (RFC 793 §3.3): what the server sent on a DSR flow,
 * from its segments on their way out (every one passes the agent). */
static void
tcp_track_server(const uint8_t *frame, const struct pkt_meta *m,
		 struct agent_flow *f)
{
	const uint8_t *t = frame + m->l4_off;
	const uint32_t thl = (uint32_t)(t[12] >> 4) * 4u;
	uint32_t ip_end, end, seq;

	if (m->l4_proto != IPPROTO_NUM_TCP)
		return;
	ip_end = m->l3_off + (m->family == 4 ?
			      load_be16(frame + m->l3_off + 2) :
			      40u + load_be16(frame + m->l3_off + 4));
	seq = load_be32(t + 4);
	end = seq;
	if (ip_end > (uint32_t)m->l4_off + thl)
		end += ip_end - m->l4_off - thl;
	if (m->tcp_flags & TCP_FLAG_SYN)
		end++;
	if (m->tcp_flags & TCP_FLAG_FIN)
		end++;
	if (!(f->flags & AGENT_FF_SEQ) || (int32_t)(end - f->srv_nxt) > 0)
		f->srv_nxt = end;
	if (m->tcp_flags & TCP_FLAG_ACK)
		f->srv_ack = load_be32(t + 8);
	f->flags |= AGENT_FF_SEQ;
}

/* Does a client segment belong to the connection the server holds on its
 * tuple? Its ACK cannot pass what the server sent nor lag it by more than
 * a window, its sequence number lies within a window of the server's last
 * ACK. A connection that broke without the server seeing its RST leaves
 * its entry behind; a new connection on the same tuple has other initial
 * sequence numbers (RFC 6528) and must not be taken: the kernel would
 * reset it, or pin it to a socket that is not its own. */
static bool
tcp_fits(const uint8_t *frame, const struct pkt_meta *m,
	 const struct agent_flow *f)
{
	const uint8_t *t = frame + m->l4_off;
	const uint32_t win = AGENT_RECOVER_SEQ_WINDOW;

	if (m->l4_proto != IPPROTO_NUM_TCP || !(f->flags & AGENT_FF_SEQ))
		return true;
	if ((m->tcp_flags & TCP_FLAG_ACK) &&
	    f->srv_nxt - load_be32(t + 8) > win)
		return false;
	return load_be32(t + 4) - f->srv_ack + win <= 2 * win;
}

/* A recovery offer: a packet of a flow the appliance does not know,
 * offered to this server as candidate i of the flow's d (lb_recover.h).
 * When the server holds the connection (this agent remembers it), the
 * packet is delivered and the next reply carries the pin: a metric
 * answer echoing the offer's cookie, sent to the appliance that made the
 * offer. Otherwise the packet goes back to that appliance (leg address
 * -> VIP, tuple and marker kept), which offers it to candidate i + 1
 * (6LB ToN'18 Table III: recoverStickiness, "not local: forward").
 * @return true when the frame was decided here; false: deliver it as
 * any DSR client packet (dsr_in). */
static bool
recover_in(struct agent_worker *w, struct pkt_buf *pb, struct pkt_meta *m,
	   int vi, uint64_t now_ns, struct agent_out *o)
{
	const struct agent_vip_conf *v = &w->cfg->vip[vi];
	uint8_t *frame = pkt_buf_data(pb);
	struct agent_flow *f;
	struct flow_key k;

	if (!(m->msgs & MSG_BIT(CLIENT_TUPLE))) {
		drop_wire(w, o, WIRE_ERR_NOT_FOUND);
		return true;
	}
	make_key(&k, m->family, m->client_addr, m->client_port, v->addr,
		 v->port, v->proto);
	f = ft_lookup(w, &k, now_ns);
	if (f != NULL && f->state == AGENT_FLOW_DSR &&
	    !tcp_fits(frame, m, f)) {
		/* Kept: the connection may still be alive; its own packets
		 * are taken when offered. */
		w->cnt[AGENT_CNT_recover_stale]++;
		f = NULL;
	}
	if (f != NULL && f->state == AGENT_FLOW_DSR) {
		w->cnt[AGENT_CNT_recover_take]++;
		f->flags |= AGENT_FF_ANSWER_DUE | AGENT_FF_NONCE |
			    AGENT_FF_RECOVER;
		/* The pin in the encoding of the offer (IPv6). */
		f->flags &= (uint8_t)~AGENT_FF_DSTOPT;
		if (m->family == 6 && (m->msgs & MSG_BIT(DSTOPT_ENC)))
			f->flags |= AGENT_FF_DSTOPT;
		f->nonce = m->rec_cookie;
		memcpy(f->lb, frame + 6, 6);
		f->flags &= (uint8_t)~AGENT_FF_RETADDR;
		if (m->rec_has_addr) {
			w->cnt[AGENT_CNT_recover_return]++;
			f->flags |= AGENT_FF_RETADDR;
			f->rec_index = m->rec_index;
			f->rec_count = m->rec_count;
			memcpy(f->ret_addr, m->rec_addr, 16);
		}
		return false;
	}
	if (!v->has_leg) {
		finish(w, o, AGENT_CNT_drop_recover_no_leg, AGENT_ACT_DROP, 0);
		return true;
	}
	/* Back to the appliance the offer came from: its MAC, and the VIP,
	 * from our leg address (the appliance accepts it only from a
	 * backend of the VIP). With a return address (the appliance is
	 * behind a router, whose route to the VIP may name another one):
	 * to that address, the marker naming the VIP instead. */
	if (m->rec_has_addr) {
		uint8_t ret[16];
		enum wire_result r;

		memcpy(ret, m->rec_addr, 16);
		if (m->family == 4) {
			r = ipv4opt_strip(pb, m->l3_off, IPV4OPT_RECOVER);
			if (r == WIRE_OK)
				r = ipv4opt_insert_recover_addr(pb, m->l3_off,
					port_mtu(w, AGENT_PORT_WIRE),
					m->rec_index, m->rec_count,
					m->rec_cookie, load_be32(v->addr));
		} else {
			/* in the encoding of the offer */
			const enum ip6ext_encoding enc =
				(m->msgs & MSG_BIT(DSTOPT_ENC)) ?
				IP6EXT_ENC_DSTOPT : IP6EXT_ENC_PAPER;

			r = ip6ext_remove(pb, m->l3_off, IP6EXT_MSG_RECOVER);
			if (r == WIRE_OK)
				r = ip6ext_insert_recover_addr(pb, m->l3_off,
					port_mtu(w, AGENT_PORT_WIRE), enc,
					m->rec_index, m->rec_count,
					m->rec_cookie, v->addr);
		}
		if (r == WIRE_OK)
			r = pkt_parse(pkt_buf_data(pb), pb->len, m);
		if (r != WIRE_OK) {
			/* cannot happen: the marker keeps its size */
			drop_wire(w, o, r);
			return true;
		}
		frame = pkt_buf_data(pb);
		w->cnt[AGENT_CNT_recover_return]++;
		pkt_rewrite_addr(frame, pb->len, m, pkt_src_at(m), v->leg);
		pkt_rewrite_addr(frame, pb->len, m, pkt_dst_at(m), ret);
	} else {
		pkt_rewrite_addr(frame, pb->len, m, pkt_src_at(m), v->leg);
		pkt_rewrite_addr(frame, pb->len, m, pkt_dst_at(m), v->addr);
	}
	memcpy(frame, frame + 6, 6);
	memcpy(frame + 6, w->port_mac[AGENT_PORT_WIRE], 6);
	finish(w, o, AGENT_CNT_tx_wire_recover_pass, AGENT_ACT_TX,
	       AGENT_PORT_WIRE);
	return true;
}

/* ---- hunt: SR functions from the wire (Table III) --------------------------- */

static void
hunt_accept(struct agent_worker *w, struct pkt_buf *pb, struct pkt_meta *m,
	    struct agent_flow *f, const struct flow_key *k, int vi,
	    const uint8_t *lb, uint64_t now_ns, struct agent_out *o)
{
	enum wire_result r;

	if (f == NULL)
		f = ft_insert(w, k, AGENT_FLOW_WAIT, (uint16_t)vi, now_ns);
	r = srh_remove(pb, m->l3_off);
	if (r != WIRE_OK) {
		if (f != NULL)
			ft_remove(w, f, AGENT_CNT_flow_closed);
		drop_wire(w, o, r);
		return;
	}
	if (f != NULL) {
		f->state = AGENT_FLOW_WAIT;
		memcpy(f->lb, lb, 16);
		flow_seen(w, f, m, now_ns);
		if (is_syn(m))
			count_open(w, f);
		if (is_fin_rst(m))
			uncount(w, f);
	}
	to_kernel(w, pb, AGENT_CNT_tx_kernel_hunt, o);
}

/* Deliver to the kernel without a state change (SRH removed). */
static void
hunt_local(struct agent_worker *w, struct pkt_buf *pb, struct pkt_meta *m,
	   struct agent_flow *f, uint64_t now_ns, struct agent_out *o)
{
	enum wire_result r = srh_remove(pb, m->l3_off);

	if (r != WIRE_OK) {
		drop_wire(w, o, r);
		return;
	}
	if (f != NULL) {
		flow_seen(w, f, m, now_ns);
		if (is_fin_rst(m))
			uncount(w, f);
	}
	to_kernel(w, pb, AGENT_CNT_tx_kernel_hunt, o);
}

/* Pass on to the next segment. @return false when this was the last
 * segment (nothing changed). */
static bool
hunt_pass(struct agent_worker *w, struct pkt_buf *pb, struct pkt_meta *m,
	  struct srh_view *sv, struct agent_out *o)
{
	enum wire_result r;

	/* Segments Left 1: the next segment is the final destination (the
	 * VIP), no other candidate: this server is the last one (6LB
	 * Algorithm 1, "SegmentsLeft = 1"). */
	if (sv->segments_left <= 1)
		return false;
	/* Sending on to the next segment is forwarding (RFC 8200 §4.4,
	 * RFC 8754 §4.3.1.1: resubmitted to IPv6 with the new destination):
	 * the hop limit goes down by one, and a packet that arrived with 1
	 * may not leave (RFC 8200 §3, as Linux's seg6 endpoint). */
	if (m->ttl <= 1) {
		finish(w, o, AGENT_CNT_drop_hop_limit, AGENT_ACT_DROP, 0);
		return true;
	}
	r = srh_advance(pkt_buf_data(pb), pb->len, m->l3_off, sv);
	if (r != WIRE_OK) {
		drop_wire(w, o, r);
		return true;
	}
	pkt_buf_data(pb)[m->l3_off + 7] = (uint8_t)(m->ttl - 1);
	to_gateway(w, pb, AGENT_CNT_tx_wire_hunt_pass, o);
	return true;
}

static void
hunt_in(struct agent_worker *w, struct pkt_buf *pb, struct pkt_meta *m,
	enum srv6_func fn, uint64_t now_ns, struct agent_out *o)
{
	const uint8_t *frame = pkt_buf_data(pb);
	const uint8_t *lbp, *final;
	uint8_t lb[16];
	struct srh_view sv;
	struct flow_key k;
	struct agent_flow *f;
	enum wire_result r;
	bool local;
	int vi;

	if (fn != SRV6_FUNC_CONNECT_AVAIL && fn != SRV6_FUNC_CONNECT_FORCE &&
	    fn != SRV6_FUNC_ACK_STICKINESS &&
	    fn != SRV6_FUNC_RECOVER_STICKINESS) {
		finish(w, o, AGENT_CNT_drop_sid_function, AGENT_ACT_DROP, 0);
		return;
	}
	if (!(m->msgs & MSG_BIT(SRH))) {
		drop_wire(w, o, WIRE_ERR_NOT_FOUND);
		return;
	}
	r = srh_parse(frame, pb->len, m->srh_off, &sv);
	if (r != WIRE_OK) {
		drop_wire(w, o, r);
		return;
	}
	lbp = srh_func_arg(frame, &sv);
	final = srh_segment(frame, &sv, 0);
	if (lbp == NULL || final == NULL || sv.last_entry == 0) {
		drop_wire(w, o, WIRE_ERR_NOT_FOUND);
		return;
	}
	memcpy(lb, lbp, 16);
	if (w->cfg->n_appliance_locators > 0) {
		/* Issue 16: only the configured appliances hunt here (the
		 * lb segment is where createStickiness would go). */
		uint32_t i;

		for (i = 0; i < w->cfg->n_appliance_locators; i++)
			if (srv6_sid_same_locator(&w->cfg->srv6,
					w->cfg->appliance_locator[i], lb))
				break;
		if (i == w->cfg->n_appliance_locators) {
			finish(w, o, AGENT_CNT_drop_untrusted_lb,
			       AGENT_ACT_DROP, 0);
			return;
		}
	}
	vi = vip_find(w->cfg, 6, final, m->dport, m->l4_proto, false);
	if (vi < 0) {
		finish(w, o, AGENT_CNT_drop_unknown_vip, AGENT_ACT_DROP, 0);
		return;
	}
	make_key(&k, 6, m->src, m->sport, final, m->dport, m->l4_proto);
	f = ft_lookup(w, &k, now_ns);
	if (f != NULL && f->state == AGENT_FLOW_DSR) {
		/* The same tuple served by DSR before: 6LB takes over. */
		ft_remove(w, f, AGENT_CNT_flow_closed);
		f = NULL;
	}
	local = f != NULL && (f->state == AGENT_FLOW_WAIT ||
			      f->state == AGENT_FLOW_DIRECT);
	switch (fn) {
	case SRV6_FUNC_CONNECT_AVAIL:
	case SRV6_FUNC_CONNECT_FORCE: {
		enum sr_accept_verdict vd;

		if (local) {
			/* WAIT/DIRECT, connect*: SYN retransmitted. */
			w->cnt[AGENT_CNT_hunt_again]++;
			hunt_local(w, pb, m, f, now_ns, o);
			return;
		}
		if (f != NULL) {
			/* CLOSING: a new connection on the same tuple. */
			ft_remove(w, f, AGENT_CNT_flow_closed);
			f = NULL;
		}
		vd = sr_accept_decide(&w->accept,
				      fn == SRV6_FUNC_CONNECT_AVAIL ?
				      SR_ACCEPT_ROLE_AVAIL :
				      SR_ACCEPT_ROLE_FORCE,
				      agent_worker_busy(w));
		if (vd == SR_ACCEPT_PASS) {
			if (hunt_pass(w, pb, m, &sv, o)) {
				w->cnt[AGENT_CNT_hunt_pass]++;
				return;
			}
			/* connectAvail as the last segment: nobody to
			 * pass to, take it (as connectForce would). */
			vd = SR_ACCEPT_FORCED;
		}
		w->cnt[vd == SR_ACCEPT_ACCEPTED ? AGENT_CNT_hunt_accept :
						  AGENT_CNT_hunt_force]++;
		hunt_accept(w, pb, m, NULL, &k, vi, lb, now_ns, o);
		return;
	}
	case SRV6_FUNC_ACK_STICKINESS:
		if (f == NULL) {
			w->cnt[AGENT_CNT_hunt_ack_unknown]++;
		} else {
			w->cnt[AGENT_CNT_hunt_ack]++;
			if (f->state == AGENT_FLOW_WAIT) {
				f->state = AGENT_FLOW_DIRECT;
				memcpy(f->lb, lb, 16);
			}
		}
		hunt_local(w, pb, m, f, now_ns, o);
		return;
	default: /* SRV6_FUNC_RECOVER_STICKINESS */
		if (local) {
			/* DIRECT(lb) -> WAIT(lb2): announce again. */
			w->cnt[AGENT_CNT_hunt_recover_local]++;
			hunt_accept(w, pb, m, f, &k, vi, lb, now_ns, o);
			return;
		}
		if (f != NULL) {
			/* CLOSING: ours, removeStickiness already sent. */
			w->cnt[AGENT_CNT_hunt_recover_local]++;
			hunt_local(w, pb, m, f, now_ns, o);
			return;
		}
		if (hunt_pass(w, pb, m, &sv, o)) {
			w->cnt[AGENT_CNT_hunt_recover_pass]++;
			return;
		}
		w->cnt[AGENT_CNT_hunt_recover_last]++;
		hunt_accept(w, pb, m, NULL, &k, vi, lb, now_ns, o);
		return;
	}
}

/* ---- from the wire ---------------------------------------------------------- */

static bool
mac_eq(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, 6) == 0;
}

/* Trust rules of the wire side (issue 16), for a frame the agent would
 * act on: it is addressed to this server's MAC; dsrlb messages come from
 * a configured appliance MAC.
 * @return AGENT_CNT_MAX to go on, else the counter of the drop. */
static enum agent_counter
wire_trust(const struct agent_worker *w, const uint8_t *frame,
	   const struct pkt_meta *m, enum srv6_func fn)
{
	const struct agent_config *cfg = w->cfg;
	static const uint8_t zero[6];
	bool from_lb = cfg->n_appliance_macs == 0;

	/* A frame flooded by a switch (another backend's l2 leg) is not
	 * ours; group addresses (bit 0 of the first byte) are. */
	if (!(frame[0] & 1) &&
	    !(mac_eq(w->port_mac[AGENT_PORT_WIRE], zero) &&
	      mac_eq(w->port_mac[AGENT_PORT_KERNEL], zero)) &&
	    !mac_eq(frame, w->port_mac[AGENT_PORT_WIRE]) &&
	    !mac_eq(frame, w->port_mac[AGENT_PORT_KERNEL]))
		return AGENT_CNT_drop_l2_other;
	if (fn == SRV6_FUNC_NONE && !(m->msgs & DSRLB_MSGS))
		return AGENT_CNT_MAX;
	for (uint32_t i = 0; i < cfg->n_appliance_macs && !from_lb; i++)
		from_lb = mac_eq(frame + 6, cfg->appliance_mac[i]);
	/* A client's own 155/124 (27/28) or SR function never reaches the
	 * kernel's view of a flow nor makes an answer due. */
	if (!from_lb)
		return AGENT_CNT_drop_untrusted_mac;
	/* a tuple no client can have: client_martian() drops it */
	return AGENT_CNT_MAX;
}

/* A later fragment (no ports) to a leg address or a VIP: the VIP of that
 * address and the fragment's protocol is put back as destination, and the
 * kernel reassembles (docs/wire-format.md, "Fragments"). */
static void
frag_later(struct agent_worker *w, struct pkt_buf *pb,
	   const struct pkt_meta *m, struct agent_out *o)
{
	const struct agent_config *cfg = w->cfg;
	const unsigned int n = alen(m->family);
	uint8_t *frame = pkt_buf_data(pb);
	struct frag_id id;

	if (frag_read(frame, pb->len, m, &id) != WIRE_OK) {
		finish(w, o, AGENT_CNT_drop_fragment, AGENT_ACT_DROP, 0);
		return;
	}
	if (martian_src(m->family, m->src)) {
		finish(w, o, AGENT_CNT_drop_martian, AGENT_ACT_DROP, 0);
		return;
	}
	if (m->family == 4 &&
	    ipv4_hdr_csum_verify(frame + m->l3_off,
				 (uint32_t)(frame[m->l3_off] & 0x0f) * 4u) !=
	    WIRE_OK) {
		finish(w, o, AGENT_CNT_drop_ipv4_csum, AGENT_ACT_DROP, 0);
		return;
	}
	for (uint32_t i = 0; i < cfg->n_vips; i++) {
		const struct agent_vip_conf *v = &cfg->vip[i];

		if (v->family != m->family || v->proto != id.proto)
			continue;
		if (v->has_leg && memcmp(v->leg, m->dst, n) == 0) {
			frag_set_dst(frame, m->l3_off, m->family, v->addr);
			to_kernel(w, pb, AGENT_CNT_tx_kernel_frag, o);
			return;
		}
		if (memcmp(v->addr, m->dst, n) == 0) {
			to_kernel(w, pb, AGENT_CNT_tx_kernel_frag, o);
			return;
		}
	}
	finish(w, o, AGENT_CNT_drop_fragment, AGENT_ACT_DROP, 0);
}

/* A poll of the appliance's polling mode (issue 22, poll.h): answered
 * here, from the busyness the in-band answers carry, so that the poll
 * never reaches the application (the paper's baseline queries the
 * server's load out of band, dynamic-dsr-inband-feedback-ebpf §4). The
 * same trust rule as dsrlb messages: from a configured appliance MAC. */
static void
poll_in(struct agent_worker *w, struct pkt_buf *pb, const struct pkt_meta *m,
	struct agent_out *o)
{
	const struct agent_config *cfg = w->cfg;
	uint8_t *frame = pkt_buf_data(pb);
	bool from_lb = cfg->n_appliance_macs == 0;

	for (uint32_t i = 0; i < cfg->n_appliance_macs && !from_lb; i++)
		from_lb = mac_eq(frame + 6, cfg->appliance_mac[i]);
	if (!from_lb || martian_src(m->family, m->src) ||
	    (m->family == 4 &&
	     ipv4_hdr_csum_verify(frame + m->l3_off, 20) != WIRE_OK) ||
	    poll_answer_frame(frame, pb->len, m, agent_worker_score(w)) !=
	    WIRE_OK) {
		finish(w, o, AGENT_CNT_drop_poll, AGENT_ACT_DROP, 0);
		return;
	}
	to_gateway(w, pb, AGENT_CNT_tx_wire_poll, o);
}

static void
from_wire(struct agent_worker *w, struct pkt_buf *pb, uint64_t now_ns,
	  struct agent_out *o)
{
	enum agent_counter why;
	const struct agent_config *cfg = w->cfg;
	uint8_t *frame = pkt_buf_data(pb);
	struct pkt_meta m;
	enum wire_result r;
	enum srv6_func fn = SRV6_FUNC_NONE;
	bool routed = true;
	int vi = -1;

	r = pkt_parse(frame, pb->len, &m);
	if (r != WIRE_OK) {
		if (m.family != 0 && addr_is_ours(cfg, m.family, m.dst)) {
			if (r == WIRE_ERR_IPV4_FRAGMENT ||
			    r == WIRE_ERR_IP6EXT_FRAGMENT)
				frag_later(w, pb, &m, o);
			else
				drop_wire(w, o, r);
			return;
		}
		finish(w, o, AGENT_CNT_tx_kernel_pass, AGENT_ACT_TX,
		       AGENT_PORT_KERNEL);
		return;
	}
	if (m.family == 0)
		goto pass;
	if (m.l4_proto == IPPROTO_NUM_UDP && m.dport == POLL_PORT &&
	    addr_is_ours(cfg, m.family, m.dst)) {
		poll_in(w, pb, &m, o);
		return;
	}
	if (m.family == 6 && cfg->has_locator)
		fn = srv6_sid_matcher_func(&w->sid_match, m.dst);
	if (fn == SRV6_FUNC_NONE) {
		vi = vip_find(cfg, m.family, m.dst, m.dport, m.l4_proto, true);
		if (vi < 0) {
			vi = vip_find(cfg, m.family, m.dst, m.dport,
				      m.l4_proto, false);
			routed = false;
		}
		if (vi < 0)
			goto pass;
	}
	why = wire_trust(w, frame, &m, fn);
	if (why != AGENT_CNT_MAX) {
		finish(w, o, why, AGENT_ACT_DROP, 0);
		return;
	}
	/* A first fragment of a DSR flow is handled like a packet (the
	 * appliance adds nothing to it); the 6LB leg has no fragments. */
	if ((m.msgs & MSG_BIT(FRAGMENT)) && fn != SRV6_FUNC_NONE) {
		finish(w, o, AGENT_CNT_drop_fragment, AGENT_ACT_DROP, 0);
		return;
	}
	if (m.family == 4 &&
	    ipv4_hdr_csum_verify(frame + m.l3_off,
				 (uint32_t)(frame[m.l3_off] & 0x0f) * 4u) !=
	    WIRE_OK) {
		finish(w, o, AGENT_CNT_drop_ipv4_csum, AGENT_ACT_DROP, 0);
		return;
	}
	if (client_martian(cfg, &m)) {
		finish(w, o, AGENT_CNT_drop_martian, AGENT_ACT_DROP, 0);
		return;
	}
	if (fn != SRV6_FUNC_NONE)
		hunt_in(w, pb, &m, fn, now_ns, o);
	else if (!(m.msgs & MSG_BIT(RECOVER)) ||
		 !recover_in(w, pb, &m, vi, now_ns, o))
		dsr_in(w, pb, &m, vi, routed, now_ns, o);
	return;
pass:
	finish(w, o, AGENT_CNT_tx_kernel_pass, AGENT_ACT_TX, AGENT_PORT_KERNEL);
}

/* ---- from the kernel: the application's replies ------------------------------ */

/* WAIT: (s, lb::cs, client); DIRECT + FIN/RST: (s, lb::rms, client). */
static void
stick_send(struct agent_worker *w, struct pkt_buf *pb, struct pkt_meta *m,
	   const struct agent_flow *f, enum srv6_func fn, enum agent_counter c,
	   struct agent_out *o)
{
	uint8_t segs[3][16];
	enum wire_result r;

	memcpy(segs[0], w->cfg->locator, 16);
	if (srv6_sid_make(&w->cfg->srv6, f->lb, fn, 0, segs[1]) != 0) {
		finish(w, o, AGENT_CNT_drop_insert, AGENT_ACT_DROP, 0);
		return;
	}
	memcpy(segs[2], m->dst, 16);
	r = srh_insert(pb, m->l3_off, port_mtu(w, AGENT_PORT_WIRE),
		       (const uint8_t (*)[16])segs, 3, 1);
	if (r != WIRE_OK) {
		if (r < WIRE_RESULT_MAX)
			w->wire[r]++;
		finish(w, o, AGENT_CNT_drop_insert, AGENT_ACT_DROP, 0);
		return;
	}
	to_gateway(w, pb, c, o);
}

/* The metric answer (docs/wire-format.md, "Metric answer"): source :=
 * leg address, destination := VIP, + client tuple + 125/29. The messages
 * go in first (each insert changes nothing when it fails), then the
 * addresses are rewritten: when the reply has no room for them, it goes
 * straight to the client as it is and the answer stays due for the next
 * reply with room (a message never costs a packet).
 * @return true when the answer went out, false when it was deferred. */
static bool
answer_send(struct agent_worker *w, struct pkt_buf *pb, struct pkt_meta *m,
	    struct agent_flow *f, struct agent_out *o)
{
	const struct agent_vip_conf *v = &w->cfg->vip[f->vip];
	const uint16_t mtu = port_mtu(w, AGENT_PORT_WIRE);
	const uint16_t score = agent_worker_score(w);
	const bool has_nonce = (f->flags & AGENT_FF_NONCE) != 0;
	const enum ip6ext_encoding enc = (f->flags & AGENT_FF_DSTOPT) ?
		IP6EXT_ENC_DSTOPT : IP6EXT_ENC_PAPER;
	const bool ret = (f->flags & AGENT_FF_RECOVER) &&
			 (f->flags & AGENT_FF_RETADDR);
	uint8_t client[16];
	uint16_t cport = m->dport;
	enum wire_result r;

	memcpy(client, m->dst, 16);
	if (m->family == 4) {
		r = ipv4opt_insert_client(pb, m->l3_off, mtu,
					  load_be32(client), cport);
		if (r == WIRE_OK) {
			r = ipv4opt_insert_answer(pb, m->l3_off, mtu, score,
						  has_nonce, f->nonce);
			/* A pin to a return address names the VIP in
			 * the marker (docs/wire-format.md). */
			if (r == WIRE_OK && ret) {
				r = ipv4opt_insert_recover_addr(pb, m->l3_off,
					mtu, f->rec_index, f->rec_count,
					f->nonce, load_be32(v->addr));
				if (r != WIRE_OK &&
				    ipv4opt_strip(pb, m->l3_off,
						  IPV4OPT_METRIC_ANS) !=
				    WIRE_OK)
					goto broken;
			}
			if (r != WIRE_OK &&
			    ipv4opt_strip(pb, m->l3_off, IPV4OPT_CLIENT_TUPLE) !=
			    WIRE_OK)
				goto broken;
		}
	} else {
		r = ip6ext_insert_client(pb, m->l3_off, mtu, enc, client,
					 cport);
		if (r == WIRE_OK) {
			r = ip6ext_insert_answer(pb, m->l3_off, mtu, enc, score,
						 has_nonce ? f->nonce : 0);
			if (r == WIRE_OK && ret) {
				r = ip6ext_insert_recover_addr(pb, m->l3_off,
					mtu, enc, f->rec_index, f->rec_count,
					f->nonce, v->addr);
				if (r != WIRE_OK &&
				    ip6ext_remove(pb, m->l3_off,
						  IP6EXT_MSG_METRIC_ANS) !=
				    WIRE_OK)
					goto broken;
			}
			if (r != WIRE_OK &&
			    ip6ext_remove(pb, m->l3_off,
					  IP6EXT_MSG_CLIENT_TUPLE) != WIRE_OK)
				goto broken;
		}
	}
	if (r != WIRE_OK) {
		if (r < WIRE_RESULT_MAX)
			w->wire[r]++;
		w->cnt[AGENT_CNT_answer_deferred]++;
		/* the layout may differ (IPv4 padding reused, then cut) */
		if (pkt_parse(pkt_buf_data(pb), pb->len, m) != WIRE_OK)
			goto broken;
		return false;
	}
	f->flags &= (uint8_t)~AGENT_FF_ANSWER_DUE;
	if (pkt_parse(pkt_buf_data(pb), pb->len, m) != WIRE_OK)
		goto broken;
	pkt_rewrite_addr(pkt_buf_data(pb), pb->len, m, pkt_src_at(m), v->leg);
	pkt_rewrite_addr(pkt_buf_data(pb), pb->len, m, pkt_dst_at(m),
			 ret ? f->ret_addr : v->addr);
	to_gateway(w, pb, AGENT_CNT_tx_wire_answer, o);
	return true;
broken:
	/* Cannot happen with lib/wire's inserts and removes; never send a
	 * half-built packet. */
	finish(w, o, AGENT_CNT_drop_insert, AGENT_ACT_DROP, 0);
	return true;
}

static void
from_kernel(struct agent_worker *w, struct pkt_buf *pb, uint64_t now_ns,
	    struct agent_out *o)
{
	const struct agent_config *cfg = w->cfg;
	struct pkt_meta m;
	struct flow_key k;
	struct agent_flow *f;
	enum wire_result r;
	bool fin;
	int vi;

	w->cnt[AGENT_CNT_rx_kernel]++;
	r = pkt_parse(pkt_buf_data(pb), pb->len, &m);
	if (r != WIRE_OK) {
		w->cnt[AGENT_CNT_kernel_unparsed]++;
		goto pass;
	}
	if (m.family == 0)
		goto pass;
	vi = vip_find(cfg, m.family, m.src, m.sport, m.l4_proto, false);
	if (vi < 0)
		goto pass;
	make_key(&k, m.family, m.dst, m.dport, m.src, m.sport, m.l4_proto);
	f = ft_lookup(w, &k, now_ns);
	if (f == NULL) {
		finish(w, o, AGENT_CNT_tx_wire_direct, AGENT_ACT_TX,
		       AGENT_PORT_WIRE);
		return;
	}
	fin = is_fin_rst(&m);
	flow_seen(w, f, &m, now_ns);
	switch (f->state) {
	case AGENT_FLOW_WAIT:
		/* Table III: WAIT(lb), data from app: lb.createStickiness(s),
		 * FIN included (the appliance must learn the server). */
		if (fin)
			uncount(w, f);
		stick_send(w, pb, &m, f, SRV6_FUNC_CREATE_STICKINESS,
			   AGENT_CNT_tx_wire_stick_create, o);
		return;
	case AGENT_FLOW_DIRECT:
		if (fin) {
			/* FIN from app: lb.removeStickiness(s), LISTEN
			 * after 10 s. */
			uncount(w, f);
			f->state = AGENT_FLOW_CLOSING;
			f->seen_ns = now_ns;
			stick_send(w, pb, &m, f, SRV6_FUNC_REMOVE_STICKINESS,
				   AGENT_CNT_tx_wire_stick_remove, o);
			return;
		}
		break;
	case AGENT_FLOW_CLOSING:
		break;
	default: /* AGENT_FLOW_DSR */
		tcp_track_server(pkt_buf_data(pb), &m, f);
		if (f->flags & AGENT_FF_ANSWER_DUE) {
			if (!cfg->vip[f->vip].has_leg) {
				f->flags &= (uint8_t)~AGENT_FF_ANSWER_DUE;
				w->cnt[AGENT_CNT_answer_no_leg]++;
			} else if (answer_send(w, pb, &m, f, o)) {
				if (o->action == AGENT_ACT_TX) {
					/* To the MAC of the request or of the
					 * offer (a pin): the appliance that
					 * asked, or the router it came
					 * through; not the gateway, whose
					 * route to the VIP may name another
					 * appliance. */
					memcpy(pkt_buf_data(pb), f->lb, 6);
				}
				f->flags &= (uint8_t)~(AGENT_FF_RECOVER |
						       AGENT_FF_RETADDR);
				if (fin) {
					uncount(w, f);
					ft_remove(w, f, AGENT_CNT_flow_closed);
				}
				return;
			}
		}
		if (fin) {
			uncount(w, f);
			ft_remove(w, f, AGENT_CNT_flow_closed);
		}
		break;
	}
	finish(w, o, AGENT_CNT_tx_wire_direct, AGENT_ACT_TX, AGENT_PORT_WIRE);
	return;
pass:
	finish(w, o, AGENT_CNT_tx_wire_pass, AGENT_ACT_TX, AGENT_PORT_WIRE);
}

/* ---- seeding from the kernel's socket table (issue 17) -------------------- */

int
agent_worker_seed_flow(struct agent_worker *w, uint8_t family,
		       const uint8_t *client, uint16_t cport,
		       const uint8_t *vip, uint16_t vport, uint64_t now_ns)
{
	struct agent_flow *f;
	struct flow_key k;
	int vi;

	if (family != 4 && family != 6)
		return 0;
	vi = vip_find(w->cfg, family, vip, vport, IPPROTO_NUM_TCP, false);
	if (vi < 0)
		return 0;
	make_key(&k, family, client, cport, vip, vport, IPPROTO_NUM_TCP);
	f = ft_lookup(w, &k, now_ns);
	if (f != NULL) {
		/* The kernel still holds the connection: an idle one stays
		 * known (its offers taken) as long as its socket lives. A
		 * closing flow keeps its own timer; a flow still in its
		 * handshake is not past it. */
		if (f->state == AGENT_FLOW_CLOSING ||
		    !(f->flags & AGENT_FF_ESTAB))
			return 0;
		f->seen_ns = now_ns;
		w->cnt[AGENT_CNT_flows_refreshed]++;
		return 2;
	}
	f = ft_insert(w, &k, AGENT_FLOW_DSR, (uint16_t)vi, now_ns);
	if (f == NULL)
		return -ENOSPC;
	/* Past its handshake: the established idle timeout, and a SYN on
	 * the tuple replaces it (dsr_in). No AGENT_FF_SEQ: tcp_fits takes
	 * any offer until the server sends. */
	f->flags |= AGENT_FF_ESTAB;
	w->cnt[AGENT_CNT_flows_seeded]++;
	return 1;
}

void
agent_worker_process(struct agent_worker *w, struct pkt_buf *pb,
		     uint8_t in_port, uint64_t now_ns, struct agent_out *out)
{
	w->cnt[AGENT_CNT_rx]++;
	w->last_now_ns = now_ns;
	if (in_port == AGENT_PORT_KERNEL)
		from_kernel(w, pb, now_ns, out);
	else
		from_wire(w, pb, now_ns, out);
}

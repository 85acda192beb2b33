/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's engine without DPDK: what the pcap tests cannot reach
 * with a fixed capture (an authenticated answer must echo a random nonce;
 * the owner of a flow on another lcore), and a mutation run that checks
 * the engine never crashes and accounts for every frame.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/auth_key.h"
#include "dsrlb/chash.h"
#include "dsrlb/lb_hold.h"
#include "dsrlb/srh.h"
#include "dsrlb/ip6ext.h"
#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
#include "dsrlb/ipv4opt.h"
#include "dsrlb/lb_engine.h"
#include "dsrlb/lb_latency.h"
#include "dsrlb/lb_view.h"
#include "dsrlb/lb_recover.h"
#include "dsrlb/pkt_parse.h"
#include "dsrlb/rng.h"
#include "dsrlb/wire.h"

#include "lb_fixture.h"

#define HEADROOM 128
#define BUFSZ    2048

static const uint8_t lb_mac[6] = { 2, 0, 0, 0, 0, 0xaa };
static const uint8_t cl_mac[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t s1_mac[6] = { 2, 0, 0, 0, 0, 0x11 };
static const uint8_t s2_mac[6] = { 2, 0, 0, 0, 0, 0x12 };

struct fx {
	struct lb_config cfg;
	struct lb_state *st;
	struct lb_worker w;
	uint8_t buf[BUFSZ];
	struct pkt_buf pb;
};

static void
addr4(struct lb_addr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t t)
{
	memset(a, 0, sizeof(*a));
	a->family = 4;
	a->a[0] = x;
	a->a[1] = y;
	a->a[2] = z;
	a->a[3] = t;
}

/* One port (both roles), 10.0.0.1/24; VIP 10.0.0.100:80 dsr-feedback
 * with backend 10.0.0.11 (static neighbour), probing every packet. */
static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct lb_vip_conf *v;
	char err[200];

	assert_non_null(f);
	lb_config_defaults(&f->cfg);
	f->cfg.flow_capacity = 1024;
	f->cfg.n_ports = 1;
	strcpy(f->cfg.port[0].name, "wire");
	strcpy(f->cfg.port[0].dev, "net_null0");
	f->cfg.port[0].role = LB_ROLE_BOTH;
	addr4(&f->cfg.port[0].ip4, 10, 0, 0, 1);
	f->cfg.port[0].ip4_prefix_len = 24;
	f->cfg.n_neigh = 2;
	addr4(&f->cfg.neigh[0].ip, 10, 0, 0, 11);
	memcpy(f->cfg.neigh[0].mac, s1_mac, 6);
	addr4(&f->cfg.neigh[1].ip, 10, 0, 0, 2);
	memcpy(f->cfg.neigh[1].mac, cl_mac, 6);
	f->cfg.n_vips = 1;
	f->cfg.vip = v = calloc(1, sizeof(*v));
	assert_non_null(v);
	strcpy(v->name, "web4");
	addr4(&v->addr, 10, 0, 0, 100);
	v->port = 80;
	v->proto = IPPROTO_NUM_TCP;
	v->transport = LB_TRANSPORT_DSR;
	v->policy = LB_POLICY_BUSY;
	v->auth = true;
	v->probe_n = 1;
	/* the authenticated mode needs a key (issue 16) */
	for (int i = 0; i < 16; i++)
		f->cfg.auth_key[i] = (uint8_t)(0xa0 + i);
	f->cfg.has_auth_key = true;
	v->n_backends = 1;
	strcpy(v->backend[0].name, "s1");
	addr4(&v->backend[0].addr, 10, 0, 0, 11);
	v->backend[0].weight = 1;
	if (lb_state_build(&f->st, &f->cfg, &lb_mac, err, sizeof(err)) != 0)
		fail_msg("lb_state_build: %s", err);
	assert_int_equal(lb_worker_init(&f->w, f->st, 0, 1, 42), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	lb_worker_fini(&f->w);
	lb_state_free(f->st);
	lb_config_free(&f->cfg);
	free(f);
	return 0;
}

/* Write an Ethernet + IPv4 + TCP frame (no options) into f->pb. */
static void
frame4(struct fx *f, const uint8_t *smac, const uint8_t src[4],
       const uint8_t dst[4], uint16_t sport, uint16_t dport, uint8_t flags)
{
	uint32_t len;

	memset(f->buf, 0, sizeof(f->buf));
	len = lbfx_tcp4(f->buf + HEADROOM, lb_mac, smac, src, dst, sport,
			dport, flags);
	assert_int_equal(pkt_buf_init(&f->pb, f->buf, BUFSZ, HEADROOM, len),
			 WIRE_OK);
}

static const uint8_t C1[4] = { 10, 0, 0, 2 };
static const uint8_t VIP[4] = { 10, 0, 0, 100 };
static const uint8_t S1[4] = { 10, 0, 0, 11 };

static struct lb_out
run1(struct fx *f, uint64_t now)
{
	struct lb_out o;

	lb_worker_burst(&f->w, &f->pb, 0, 1, now, &o);
	return o;
}

/* The answer of s1 for the flow of C1 port @p cport carrying @p score
 * and @p nonce. */
static void
answer_for(struct fx *f, uint16_t cport, uint16_t score, uint32_t nonce)
{
	frame4(f, s1_mac, S1, VIP, 80, cport, TCP_FLAG_SYN | TCP_FLAG_ACK);
	assert_int_equal(ipv4opt_insert_client(&f->pb, ETH_HDR_LEN, 0,
					       load_be32(C1), cport), WIRE_OK);
	assert_int_equal(ipv4opt_insert_answer(&f->pb, ETH_HDR_LEN, 0, score,
					       true, nonce), WIRE_OK);
}

/* The same for C1's flow from port 40000. */
static void
answer(struct fx *f, uint16_t score, uint32_t nonce)
{
	answer_for(f, 40000, score, nonce);
}

/* C1's SYN from port @p cport through worker 0 at @p now: sent to s1 with
 * a metric request; @return the request's nonce. */
static uint32_t
syn_with_request(struct fx *f, uint16_t cport, uint64_t now)
{
	struct pkt_meta m;
	struct lb_out o;

	frame4(f, cl_mac, C1, VIP, cport, 80, TCP_FLAG_SYN);
	o = run1(f, now);
	assert_int_equal(o.action, LB_ACT_TX);
	assert_int_equal(pkt_parse(pkt_buf_data(&f->pb), f->pb.len, &m),
			 WIRE_OK);
	assert_true(m.msgs & (1u << PKT_MSG_METRIC_REQ));
	assert_true(m.msgs & (1u << PKT_MSG_NONCE));
	assert_memory_equal(m.dst, S1, 4);
	return m.nonce;
}

static void
test_auth_nonce_echoed(void **state)
{
	struct fx *f = *state;
	struct pkt_meta m;
	struct lb_out o;
	uint16_t score = 0;
	uint32_t nonce;

	nonce = syn_with_request(f, 40000, 1000000);
	assert_int_not_equal(nonce, 0);
	/* the keyed nonce of the flow (client -> VIP) and backend 0 */
	{
		struct flow_key k;

		flow_key_ipv4(&k, C1, VIP, 40000, 80, IPPROTO_NUM_TCP);
		assert_int_equal(nonce, auth_nonce(f->cfg.auth_key, &k, 0));
	}
	/* a wrong nonce is ignored (the reply still goes to the client) */
	answer(f, 3, nonce ^ 1);
	o = run1(f, 2000000);
	assert_int_equal(o.action, LB_ACT_TX);
	assert_int_equal(f->w.cnt[LB_CNT_answer_bad_nonce], 1);
	assert_int_equal(busy_select_score(f->w.vip[0].busy, 0, 2000000,
					   &score), 0);
	/* the echoed nonce updates the score */
	answer(f, 3, nonce);
	o = run1(f, 3000000);
	assert_int_equal(o.action, LB_ACT_TX);
	assert_int_equal(f->w.cnt[LB_CNT_answer_accepted], 1);
	assert_int_equal(busy_select_score(f->w.vip[0].busy, 0, 3000000,
					   &score), 1);
	assert_int_equal(score, 3);
	/* restored towards the client, messages gone, checksums right */
	assert_int_equal(pkt_parse(pkt_buf_data(&f->pb), f->pb.len, &m),
			 WIRE_OK);
	assert_int_equal(m.msgs, 0);
	assert_memory_equal(m.src, VIP, 4);
	assert_memory_equal(m.dst, C1, 4);
	assert_int_equal(ipv4_hdr_csum_verify(pkt_buf_data(&f->pb) +
					      ETH_HDR_LEN, 20), WIRE_OK);
	/* a replay of the same answer is no longer due */
	answer(f, 0, nonce);
	(void)run1(f, 4000000);
	assert_int_equal(f->w.cnt[LB_CNT_answer_unsolicited], 1);
	assert_int_equal(busy_select_score(f->w.vip[0].busy, 0, 4000000,
					   &score), 1);
	assert_int_equal(score, 3);
}

/* Issue 17: a mid-stream packet of an unknown flow is offered to its
 * candidate (option 158 with the cookie of lb_recover_cookie()); the
 * candidate passing it back leaves none: dropped and counted; a pin that
 * echoes the cookie makes the flow an ordinary established one. */
static void
test_recover_offer_bounce_pin(void **state)
{
	struct fx *f = *state;
	struct flow_key k;
	struct pkt_meta m;
	struct lb_out o;
	uint32_t cookie;

	frame4(f, cl_mac, C1, VIP, 40000, 80, TCP_FLAG_ACK);
	o = run1(f, 1000000);
	assert_int_equal(o.action, LB_ACT_TX);
	assert_int_equal(o.counter, LB_CNT_tx_backend);
	assert_int_equal(pkt_parse(pkt_buf_data(&f->pb), f->pb.len, &m),
			 WIRE_OK);
	assert_memory_equal(m.dst, S1, 4);
	assert_true(m.msgs & (1u << PKT_MSG_CLIENT_TUPLE));
	assert_true(m.msgs & (1u << PKT_MSG_RECOVER));
	assert_false(m.msgs & (1u << PKT_MSG_METRIC_REQ));
	assert_int_equal(m.rec_index, 0);
	assert_int_equal(m.rec_count, 1);   /* one active backend */
	assert_false(m.rec_has_addr);       /* on-link: no return address */
	flow_key_ipv4(&k, C1, VIP, 40000, 80, IPPROTO_NUM_TCP);
	cookie = lb_recover_cookie(f->st->recover_secret, &k, 0);
	assert_int_equal(m.rec_cookie, cookie);
	assert_int_equal(f->w.cnt[LB_CNT_recover_offer], 1);
	/* s1 passes it back: no candidate left */
	frame4(f, s1_mac, S1, VIP, 40000, 80, TCP_FLAG_ACK);
	assert_int_equal(ipv4opt_insert_client(&f->pb, ETH_HDR_LEN, 0,
					       load_be32(C1), 40000), WIRE_OK);
	assert_int_equal(ipv4opt_insert_recover(&f->pb, ETH_HDR_LEN, 0, 0, 1,
						cookie), WIRE_OK);
	o = run1(f, 2000000);
	assert_int_equal(o.action, LB_ACT_DROP);
	assert_int_equal(o.counter, LB_CNT_drop_recover_none);
	assert_int_equal(f->w.cnt[LB_CNT_recover_bounce], 1);
	/* a pass with a wrong cookie is forged */
	frame4(f, s1_mac, S1, VIP, 40000, 80, TCP_FLAG_ACK);
	assert_int_equal(ipv4opt_insert_client(&f->pb, ETH_HDR_LEN, 0,
					       load_be32(C1), 40000), WIRE_OK);
	assert_int_equal(ipv4opt_insert_recover(&f->pb, ETH_HDR_LEN, 0, 0, 1,
						cookie ^ 1), WIRE_OK);
	o = run1(f, 2500000);
	assert_int_equal(o.counter, LB_CNT_drop_forged);
	assert_int_equal(f->w.cnt[LB_CNT_recover_bad_cookie], 1);
	/* another flow: s1 holds it and pins it (answer echoing the cookie) */
	frame4(f, cl_mac, C1, VIP, 40001, 80, TCP_FLAG_ACK);
	(void)run1(f, 3000000);
	flow_key_ipv4(&k, C1, VIP, 40001, 80, IPPROTO_NUM_TCP);
	cookie = lb_recover_cookie(f->st->recover_secret, &k, 0);
	frame4(f, s1_mac, S1, VIP, 80, 40001, TCP_FLAG_ACK);
	assert_int_equal(ipv4opt_insert_client(&f->pb, ETH_HDR_LEN, 0,
					       load_be32(C1), 40001), WIRE_OK);
	assert_int_equal(ipv4opt_insert_answer(&f->pb, ETH_HDR_LEN, 0, 4,
					       true, cookie), WIRE_OK);
	o = run1(f, 4000000);
	assert_int_equal(o.counter, LB_CNT_tx_client);
	assert_int_equal(f->w.cnt[LB_CNT_recover_pinned], 1);
	/* pinned: the next packet is plain DSR to s1 (a probe, no 158) */
	frame4(f, cl_mac, C1, VIP, 40001, 80, TCP_FLAG_ACK);
	o = run1(f, 5000000);
	assert_int_equal(o.counter, LB_CNT_tx_backend);
	assert_int_equal(pkt_parse(pkt_buf_data(&f->pb), f->pb.len, &m),
			 WIRE_OK);
	assert_false(m.msgs & (1u << PKT_MSG_RECOVER));
	assert_false(m.msgs & (1u << PKT_MSG_CLIENT_TUPLE));
	assert_int_equal(f->w.cnt[LB_CNT_recover_offer], 2);
}

/* Issue 17, known limit 2: a candidate behind a router gets the offer
 * with a return address (the port's, 10.0.0.1): its pass-back and its pin
 * come to that address, the marker naming the VIP, and are handled as if
 * sent to the VIP (docs/wire-format.md, "Recovery through a router"). */
static void
test_recover_via_router(void **state)
{
	static const uint8_t rt_mac[6] = { 2, 0, 0, 0, 0, 0xfe };
	static const uint8_t S4[4] = { 10, 2, 0, 14 };
	static const uint8_t ME[4] = { 10, 0, 0, 1 };
	static const uint8_t NOVIP[4] = { 10, 0, 0, 77 };
	struct fx *f = *state;
	struct flow_key k;
	struct pkt_meta m;
	struct lb_out o;
	uint32_t cookie;
	char err[200];

	/* s1 becomes 10.2.0.14, behind the router 10.0.0.254 */
	lb_worker_fini(&f->w);
	lb_state_free(f->st);
	addr4(&f->cfg.vip[0].backend[0].addr, 10, 2, 0, 14);
	addr4(&f->cfg.neigh[0].ip, 10, 0, 0, 254);
	memcpy(f->cfg.neigh[0].mac, rt_mac, 6);
	f->cfg.n_routes = 1;
	addr4(&f->cfg.route[0].prefix, 10, 2, 0, 0);
	f->cfg.route[0].plen = 16;
	addr4(&f->cfg.route[0].via, 10, 0, 0, 254);
	if (lb_state_build(&f->st, &f->cfg, &lb_mac, err, sizeof(err)) != 0)
		fail_msg("lb_state_build: %s", err);
	assert_int_equal(lb_worker_init(&f->w, f->st, 0, 1, 42), 0);

	frame4(f, cl_mac, C1, VIP, 40000, 80, TCP_FLAG_ACK);
	o = run1(f, 1000000);
	assert_int_equal(o.counter, LB_CNT_tx_backend);
	assert_memory_equal(pkt_buf_data(&f->pb), rt_mac, 6);
	assert_int_equal(pkt_parse(pkt_buf_data(&f->pb), f->pb.len, &m),
			 WIRE_OK);
	assert_memory_equal(m.dst, S4, 4);
	assert_true(m.msgs & (1u << PKT_MSG_RECOVER));
	assert_true(m.rec_has_addr);
	assert_memory_equal(m.rec_addr, ME, 4);
	flow_key_ipv4(&k, C1, VIP, 40000, 80, IPPROTO_NUM_TCP);
	cookie = lb_recover_cookie(f->st->recover_secret, &k, 0);
	assert_int_equal(m.rec_cookie, cookie);
	/* the pass-back, to 10.0.0.1, the marker naming the VIP */
	frame4(f, rt_mac, S4, ME, 40000, 80, TCP_FLAG_ACK);
	assert_int_equal(ipv4opt_insert_client(&f->pb, ETH_HDR_LEN, 0,
					       load_be32(C1), 40000), WIRE_OK);
	assert_int_equal(ipv4opt_insert_recover_addr(&f->pb, ETH_HDR_LEN, 0,
						     0, 1, cookie,
						     load_be32(VIP)), WIRE_OK);
	o = run1(f, 2000000);
	assert_int_equal(o.counter, LB_CNT_drop_recover_none);
	assert_int_equal(f->w.cnt[LB_CNT_recover_bounce], 1);
	assert_int_equal(f->w.cnt[LB_CNT_recover_return], 1);
	/* naming an address that is no VIP: not for us */
	frame4(f, rt_mac, S4, ME, 40000, 80, TCP_FLAG_ACK);
	assert_int_equal(ipv4opt_insert_client(&f->pb, ETH_HDR_LEN, 0,
					       load_be32(C1), 40000), WIRE_OK);
	assert_int_equal(ipv4opt_insert_recover_addr(&f->pb, ETH_HDR_LEN, 0,
						     0, 1, cookie,
						     load_be32(NOVIP)),
			 WIRE_OK);
	o = run1(f, 2500000);
	assert_int_equal(o.counter, LB_CNT_drop_not_for_us);
	/* another flow pinned by a pin sent to 10.0.0.1 */
	frame4(f, cl_mac, C1, VIP, 40001, 80, TCP_FLAG_ACK);
	(void)run1(f, 3000000);
	flow_key_ipv4(&k, C1, VIP, 40001, 80, IPPROTO_NUM_TCP);
	cookie = lb_recover_cookie(f->st->recover_secret, &k, 0);
	frame4(f, rt_mac, S4, ME, 80, 40001, TCP_FLAG_ACK);
	assert_int_equal(ipv4opt_insert_client(&f->pb, ETH_HDR_LEN, 0,
					       load_be32(C1), 40001), WIRE_OK);
	assert_int_equal(ipv4opt_insert_answer(&f->pb, ETH_HDR_LEN, 0, 4,
					       true, cookie), WIRE_OK);
	assert_int_equal(ipv4opt_insert_recover_addr(&f->pb, ETH_HDR_LEN, 0,
						     0, 1, cookie,
						     load_be32(VIP)), WIRE_OK);
	o = run1(f, 4000000);
	assert_int_equal(o.counter, LB_CNT_tx_client);
	assert_int_equal(f->w.cnt[LB_CNT_recover_pinned], 1);
	assert_int_equal(f->w.cnt[LB_CNT_recover_return], 3);
	assert_int_equal(pkt_parse(pkt_buf_data(&f->pb), f->pb.len, &m),
			 WIRE_OK);
	assert_int_equal(m.msgs, 0);
	assert_memory_equal(m.src, VIP, 4);
	assert_memory_equal(m.dst, C1, 4);
	assert_int_equal(ipv4_hdr_csum_verify(pkt_buf_data(&f->pb) +
					      ETH_HDR_LEN, 20), WIRE_OK);
	/* pinned: the next packet is plain DSR to s4 */
	frame4(f, cl_mac, C1, VIP, 40001, 80, TCP_FLAG_ACK);
	o = run1(f, 5000000);
	assert_int_equal(o.counter, LB_CNT_tx_backend);
	assert_int_equal(pkt_parse(pkt_buf_data(&f->pb), f->pb.len, &m),
			 WIRE_OK);
	assert_false(m.msgs & (1u << PKT_MSG_RECOVER));
}

/* The NIC's verdict on the IPv4 header checksum (pkt_buf.rx_flags,
 * issue 19) replaces the engine's own sum: without one a corrupt header
 * is dropped and counted; GOOD is taken at its word (the engine does not
 * sum again); BAD drops a header that would have summed right. */
static void
test_rx_ip_csum_flags(void **state)
{
	struct fx *f = *state;
	struct lb_out o;
	uint8_t *ip;

	frame4(f, cl_mac, C1, VIP, 40000, 80, TCP_FLAG_SYN);
	ip = pkt_buf_data(&f->pb) + ETH_HDR_LEN;
	ip[10] ^= 0x5a;                         /* corrupt the checksum */
	o = run1(f, 1000000);
	assert_int_equal(o.counter, LB_CNT_drop_ipv4_csum);
	assert_int_equal(f->w.cnt[LB_CNT_drop_ipv4_csum], 1);

	frame4(f, cl_mac, C1, VIP, 40000, 80, TCP_FLAG_SYN);
	ip = pkt_buf_data(&f->pb) + ETH_HDR_LEN;
	ip[10] ^= 0x5a;
	f->pb.rx_flags = PKT_RX_IP_CSUM_GOOD;
	o = run1(f, 2000000);
	assert_int_equal(o.counter, LB_CNT_tx_backend);

	frame4(f, cl_mac, C1, VIP, 40001, 80, TCP_FLAG_SYN);
	f->pb.rx_flags = PKT_RX_IP_CSUM_BAD;
	o = run1(f, 3000000);
	assert_int_equal(o.counter, LB_CNT_drop_ipv4_csum);
	assert_int_equal(f->w.cnt[LB_CNT_drop_ipv4_csum], 2);

	/* pkt_buf_init() clears what a previous frame's NIC said */
	frame4(f, cl_mac, C1, VIP, 40001, 80, TCP_FLAG_SYN);
	assert_int_equal(f->pb.rx_flags, 0);
	o = run1(f, 4000000);
	assert_int_equal(o.counter, LB_CNT_tx_backend);
}

/* The driver's flow-table memory (issue 19: hugepages on the lcore's
 * node): too small or misaligned is refused and nothing is kept; the
 * right size is used in place, and the worker pins and forwards a flow
 * in it exactly as in its own; lb_worker_fini() leaves it to its owner. */
static void
test_worker_init_mem(void **state)
{
	struct fx *f = *state;
	struct lb_state *st;
	struct lb_worker w;
	struct pkt_meta m;
	struct lb_out o;
	char err[200];
	size_t len;
	uint8_t *mem;

	f->cfg.vip[0].probe_n = 0;
	if (lb_state_build(&st, &f->cfg, &lb_mac, err, sizeof(err)) != 0)
		fail_msg("lb_state_build: %s", err);
	len = lb_worker_flow_mem_size(st);
	assert_true(len >= (size_t)st->cfg.flow_capacity * 32);
	assert_int_equal(lb_worker_flow_mem_size(NULL), 0);
	mem = aligned_alloc(FLOW_TABLE_ALIGN, len + FLOW_TABLE_ALIGN);
	assert_non_null(mem);
	assert_int_equal(lb_worker_init_mem(&w, st, 0, 1, 7, mem, len - 1),
			 -EINVAL);
	assert_int_equal(lb_worker_init_mem(&w, st, 0, 1, 7, mem + 8, len),
			 -EINVAL);
	memset(mem, 0xa5, len);
	assert_int_equal(lb_worker_init_mem(&w, st, 0, 1, 7, mem, len), 0);
	assert_ptr_equal(w.ft.buckets, mem);
	assert_int_equal(mem[0], 0);            /* cleared by the init */
	frame4(f, cl_mac, C1, VIP, 40000, 80, TCP_FLAG_SYN);
	lb_worker_burst(&w, &f->pb, 0, 1, 1000000, &o);
	assert_int_equal(o.counter, LB_CNT_tx_backend);
	assert_int_equal(flow_table_count(&w.ft), 1);
	assert_int_equal(pkt_parse(pkt_buf_data(&f->pb), f->pb.len, &m),
			 WIRE_OK);
	frame4(f, cl_mac, C1, VIP, 40000, 80, TCP_FLAG_ACK);
	lb_worker_burst(&w, &f->pb, 0, 1, 2000000, &o);
	assert_int_equal(o.counter, LB_CNT_tx_backend);
	assert_int_equal(w.cnt[LB_CNT_flow_new], 1);
	lb_worker_fini(&w);
	free(mem);                              /* still the caller's */
	lb_state_free(st);
}

/* A new flow whose d candidates are all drained is still served, by the
 * whole set; one with an active candidate goes to it. */
static void
test_recover_candidates_drained(void **state)
{
	struct fx *f = *state;
	struct lb_vip_conf *v = &f->cfg.vip[0];
	struct lb_state *st;
	struct lb_worker w;
	struct flow_key k;
	struct pkt_meta m;
	struct lb_out o;
	char err[200];
	int found = 0;

	v->n_backends = 3;
	v->probe_n = 0;
	for (unsigned int b = 1; b < 3; b++) {
		snprintf(v->backend[b].name, sizeof(v->backend[b].name),
			 "s%u", b + 1);
		addr4(&v->backend[b].addr, 10, 0, 0, (uint8_t)(11 + b));
		v->backend[b].weight = 0;   /* drained */
	}
	if (lb_state_build(&st, &f->cfg, &lb_mac, err, sizeof(err)) != 0)
		fail_msg("lb_state_build: %s", err);
	assert_non_null(st->vip[0].chd);
	assert_int_equal(st->vip[0].chd->c, 2);  /* drained ones kept */
	assert_int_equal(lb_worker_init(&w, st, 0, 1, 7), 0);
	for (uint16_t p = 40000; p < 40200 && found < 2; p++) {
		const uint16_t *cand;
		bool all_drained;

		flow_key_ipv4(&k, C1, VIP, p, 80, IPPROTO_NUM_TCP);
		cand = chash_lookup(st->vip[0].chd, lb_key_hash(st, &k));
		all_drained = cand[0] != 0 && cand[1] != 0;
		frame4(f, cl_mac, C1, VIP, p, 80, TCP_FLAG_SYN);
		lb_worker_burst(&w, &f->pb, 0, 1, 1000000, &o);
		assert_int_equal(o.counter, LB_CNT_tx_backend);
		assert_int_equal(pkt_parse(pkt_buf_data(&f->pb), f->pb.len,
					   &m), WIRE_OK);
		assert_memory_equal(m.dst, S1, 4);
		if (all_drained)
			found |= 1;
		else
			found |= 2;
	}
	assert_int_equal(found, 3);
	lb_worker_fini(&w);
	lb_state_free(st);
}

/* Issue 17: with fewer candidates than backends (6 backends, d = 2),
 * every policy places a new flow on one of its candidates, so that a
 * restarted or another appliance finds it by offering it to them; the
 * load still spreads over every backend. With d covering every backend
 * (round-robin's default) round-robin keeps its exact rotation. */
static void
run_pick_policy(struct fx *f, enum lb_policy pol, uint8_t d,
		unsigned int *per_be, bool *rotation)
{
	struct lb_vip_conf *v = &f->cfg.vip[0];
	struct lb_state *st;
	struct lb_worker w;
	struct pkt_meta m;
	struct lb_out o;
	char err[200];
	unsigned int prev = 6;

	v->policy = pol;
	v->candidates = d;
	v->probe_n = 0;
	v->auth = false;
	if (lb_state_build(&st, &f->cfg, &lb_mac, err, sizeof(err)) != 0)
		fail_msg("lb_state_build: %s", err);
	assert_non_null(st->vip[0].chd);
	/* d: the key, else 8 for round-robin and latency-feedback, 2 */
	assert_int_equal(st->vip[0].chd->c, d != 0 ? d :
			 pol == LB_POLICY_RR || pol == LB_POLICY_LATENCY ?
			 6 : 2);
	assert_int_equal(lb_worker_init(&w, st, 0, 1, 9), 0);
	*rotation = true;
	for (uint16_t p = 20000; p < 20600; p++) {
		struct flow_key k;
		const uint16_t *cand;
		unsigned int be;
		bool is_cand = false;

		flow_key_ipv4(&k, C1, VIP, p, 80, IPPROTO_NUM_TCP);
		cand = chash_lookup(st->vip[0].chd, lb_key_hash(st, &k));
		frame4(f, cl_mac, C1, VIP, p, 80, TCP_FLAG_SYN);
		lb_worker_burst(&w, &f->pb, 0, 1, 1000000 + p, &o);
		assert_int_equal(o.counter, LB_CNT_tx_backend);
		assert_int_equal(pkt_parse(pkt_buf_data(&f->pb), f->pb.len,
					   &m), WIRE_OK);
		be = (unsigned int)m.dst[3] - 11u;
		assert_true(be < 6);
		for (uint32_t i = 0; i < st->vip[0].chd->c; i++)
			is_cand |= cand[i] == be;
		if (!is_cand)
			fail_msg("policy %d d %u: flow %u on backend %u, not "
				 "a candidate", (int)pol, d, p, be);
		if (be != (prev + 1) % 6 && prev != 6)
			*rotation = false;
		prev = be;
		per_be[be]++;
	}
	lb_worker_fini(&w);
	lb_state_free(st);
}

static void
test_recover_pick_candidates(void **state)
{
	static const enum lb_policy pols[] = {
		LB_POLICY_BUSY, LB_POLICY_RANDOM, LB_POLICY_RR,
		LB_POLICY_LATENCY, LB_POLICY_POLL,
	};
	struct fx *f = *state;
	struct lb_vip_conf *v = &f->cfg.vip[0];
	unsigned int per_be[6];
	bool rotation;

	v->n_backends = 6;
	f->cfg.n_neigh = 7;    /* s1 and the client, then s2..s6 */
	for (unsigned int b = 1; b < 6; b++) {
		snprintf(v->backend[b].name, sizeof(v->backend[b].name),
			 "s%u", b + 1);
		addr4(&v->backend[b].addr, 10, 0, 0, (uint8_t)(11 + b));
		v->backend[b].weight = 1;
		addr4(&f->cfg.neigh[1 + b].ip, 10, 0, 0, (uint8_t)(11 + b));
		memcpy(f->cfg.neigh[1 + b].mac, s1_mac, 6);
		f->cfg.neigh[1 + b].mac[5] = (uint8_t)(0x11 + b);
	}
	for (size_t i = 0; i < sizeof(pols) / sizeof(pols[0]); i++) {
		memset(per_be, 0, sizeof(per_be));
		run_pick_policy(f, pols[i], 2, per_be, &rotation);
		/* 600 flows over 6 backends: about 100 each */
		for (unsigned int b = 0; b < 6; b++)
			if (per_be[b] < 50)
				fail_msg("policy %d: backend %u got %u of 600",
					 (int)pols[i], b, per_be[b]);
		if (pols[i] == LB_POLICY_RR)
			assert_false(rotation);
	}
	/* round-robin's default d (8) covers the 6 backends: every
	 * backend a candidate of every flow, the exact rotation */
	memset(per_be, 0, sizeof(per_be));
	run_pick_policy(f, LB_POLICY_RR, 0, per_be, &rotation);
	assert_true(rotation);
	for (unsigned int b = 0; b < 6; b++)
		assert_int_equal(per_be[b], 100);
}

/* Every flow is worker *arg's. */
static uint16_t
owner_fixed(void *arg, const struct flow_key *k)
{
	(void)k;
	return *(const uint16_t *)arg;
}

static uint16_t worker_zero = 0, worker_one = 1;

static void
test_handoff_to_owner(void **state)
{
	struct fx *f = *state;
	struct lb_out o;

	f->w.owner = owner_fixed;
	f->w.owner_arg = &worker_one;
	f->w.n_workers = 2;
	frame4(f, cl_mac, C1, VIP, 40000, 80, TCP_FLAG_SYN);
	o = run1(f, 1000000);
	assert_int_equal(o.action, LB_ACT_HANDOFF);
	assert_int_equal(o.owner, 1);
	assert_int_equal(f->w.cnt[LB_CNT_handoff], 1);
	assert_int_equal(flow_table_count(&f->w.ft), 0);
	/* an answer for worker 1's flow: sent on to the client here, a
	 * note for worker 1 (the frame stays) */
	answer(f, 1, 5);
	o = run1(f, 2000000);
	assert_int_equal(o.action, LB_ACT_TX);
	assert_int_equal(o.counter, LB_CNT_tx_client);
	assert_int_equal(f->w.cnt[LB_CNT_handoff], 1);
	assert_int_equal(f->w.cnt[LB_CNT_msg_noted], 1);
	assert_int_equal(f->w.n_notes, 1);
	assert_int_equal(f->w.note_owner[0], 1);
	/* the next burst starts with no note */
	frame4(f, cl_mac, C1, VIP, 40001, 80, TCP_FLAG_SYN);
	(void)run1(f, 3000000);
	assert_int_equal(f->w.n_notes, 0);
}

/* Issue 19, two workers: a VIP that learns QUIC connection IDs from its
 * answers (quic_cid_len) needs the answer's frame on the lcore that owns
 * the flow: it is handed over whole, no note, nothing sent here. */
static void
test_quic_answer_handed_over(void **state)
{
	struct fx *f = *state;
	struct lb_vip_conf *v = &f->cfg.vip[0];
	uint8_t *ip;
	struct lb_out o;
	char err[200];

	lb_worker_fini(&f->w);
	lb_state_free(f->st);
	v->proto = IPPROTO_NUM_UDP;
	v->quic = true;
	v->port = 443;
	v->quic_cid_len = 8;
	if (lb_state_build(&f->st, &f->cfg, &lb_mac, err, sizeof(err)) != 0)
		fail_msg("lb_state_build: %s", err);
	assert_int_equal(lb_worker_init(&f->w, f->st, 0, 2, 42), 0);
	f->w.owner = owner_fixed;
	f->w.owner_arg = &worker_one;
	/* s1's UDP answer (443 -> client 40000), made from a TCP frame */
	frame4(f, s1_mac, S1, VIP, 443, 40000, 0);
	ip = pkt_buf_data(&f->pb) + ETH_HDR_LEN;
	ip[9] = IPPROTO_NUM_UDP;
	store_be16(ip + 2, 28);
	store_be16(ip + 10, 0);
	store_be16(ip + 10, csum_ipv4_hdr(ip, 20));
	store_be16(ip + 24, 8);
	store_be16(ip + 26, 0);
	f->pb.len = ETH_HDR_LEN + 28;
	assert_int_equal(ipv4opt_insert_client(&f->pb, ETH_HDR_LEN, 0,
					       load_be32(C1), 40000), WIRE_OK);
	assert_int_equal(ipv4opt_insert_answer(&f->pb, ETH_HDR_LEN, 0, 3,
					       true, 7), WIRE_OK);
	o = run1(f, 1000000);
	assert_int_equal(o.action, LB_ACT_HANDOFF);
	assert_int_equal(o.owner, 1);
	assert_int_equal(f->w.cnt[LB_CNT_handoff], 1);
	assert_int_equal(f->w.cnt[LB_CNT_msg_noted], 0);
	assert_int_equal(f->w.cnt[LB_CNT_tx_client], 0);
	assert_int_equal(f->w.n_notes, 0);
}

/* Issue 19, two workers: an answer that reaches worker 1 for worker 0's
 * flow is checked and sent on to the client by worker 1; worker 0 gets
 * only the note, and applies it as it would the answer: the request is
 * met, the score taken; a replay is unsolicited; a note naming a VIP or
 * backend it does not have is ignored. */
static void
test_answer_note_to_owner(void **state)
{
	struct fx *f = *state;
	struct lb_worker w1;
	struct lb_note bad;
	struct pkt_meta m;
	struct lb_out o;
	uint16_t score = 0;
	uint32_t nonce;

	f->w.owner = owner_fixed;
	f->w.owner_arg = &worker_zero;
	f->w.n_workers = 2;
	assert_int_equal(lb_worker_init(&w1, f->st, 1, 2, 43), 0);
	w1.owner = owner_fixed;
	w1.owner_arg = &worker_zero;
	/* worker 0 sends C1's SYN with a request */
	nonce = syn_with_request(f, 40000, 1000000);
	/* s1's answer reaches worker 1 */
	answer(f, 4, nonce);
	lb_worker_burst(&w1, &f->pb, 0, 1, 2000000, &o);
	assert_int_equal(o.action, LB_ACT_TX);
	assert_int_equal(o.counter, LB_CNT_tx_client);
	assert_int_equal(w1.cnt[LB_CNT_msg_noted], 1);
	assert_int_equal(w1.cnt[LB_CNT_handoff], 0);
	assert_int_equal(w1.cnt[LB_CNT_answer_accepted] +
			 w1.cnt[LB_CNT_answer_unsolicited], 0);
	assert_int_equal(w1.n_notes, 1);
	assert_int_equal(w1.note_owner[0], 0);
	assert_int_equal(w1.note[0].kind, LB_NOTE_ANSWER);
	assert_int_equal(w1.note[0].score, 4);
	assert_int_equal(w1.note[0].nonce, nonce);
	assert_true(w1.note[0].has_nonce);
	/* the frame went on restored, its messages gone */
	assert_int_equal(pkt_parse(pkt_buf_data(&f->pb), f->pb.len, &m),
			 WIRE_OK);
	assert_int_equal(m.msgs, 0);
	assert_memory_equal(m.src, VIP, 4);
	assert_memory_equal(m.dst, C1, 4);
	/* the owner applies the note: accepted, the score taken */
	lb_worker_notes(&f->w, w1.note, 1, 2000000);
	assert_int_equal(f->w.cnt[LB_CNT_answer_accepted], 1);
	assert_int_equal(busy_select_score(f->w.vip[0].busy, 0, 2000000,
					   &score), 1);
	assert_int_equal(score, 4);
	/* the same note again: no request outstanding any more */
	lb_worker_notes(&f->w, w1.note, 1, 2000001);
	assert_int_equal(f->w.cnt[LB_CNT_answer_unsolicited], 1);
	/* a note of a VIP or backend this state lacks changes nothing */
	bad = w1.note[0];
	bad.vip = 7;
	lb_worker_notes(&f->w, &bad, 1, 2000002);
	bad = w1.note[0];
	bad.be = 9;
	lb_worker_notes(&f->w, &bad, 1, 2000003);
	/* and so does one of no known kind */
	bad = w1.note[0];
	bad.kind = 9;
	lb_worker_notes(&f->w, &bad, 1, 2000003);
	assert_int_equal(f->w.cnt[LB_CNT_answer_accepted], 1);
	assert_int_equal(f->w.cnt[LB_CNT_answer_unsolicited], 1);
	/* with a wrong nonce, the note is refused as the answer would be */
	frame4(f, cl_mac, C1, VIP, 40002, 80, TCP_FLAG_SYN);
	(void)run1(f, 3000000);
	answer_for(f, 40002, 2, nonce ^ 1);
	lb_worker_burst(&w1, &f->pb, 0, 1, 4000000, &o);
	assert_int_equal(o.action, LB_ACT_TX);
	assert_int_equal(w1.n_notes, 1);
	lb_worker_notes(&f->w, w1.note, 1, 4000000);
	assert_int_equal(f->w.cnt[LB_CNT_answer_bad_nonce], 1);
	assert_int_equal(f->w.cnt[LB_CNT_answer_accepted], 1);
	lb_worker_fini(&w1);
}

static void
test_drained_backend_gets_no_flow(void **state)
{
	struct fx *f = *state;
	struct lb_out o;

	/* the VIP's only backend drained: no new flow can go anywhere */
	f->st->vip[0].n_active = 0;
	frame4(f, cl_mac, C1, VIP, 40000, 80, TCP_FLAG_SYN);
	o = run1(f, 1000000);
	assert_int_equal(o.action, LB_ACT_DROP);
	assert_int_equal(o.counter, LB_CNT_drop_no_backend);
	f->st->vip[0].n_active = 1;
}

/* Mutated frames of every kind the engine handles: it must never crash
 * (the ASan build runs this too), and every frame ends in exactly one
 * final counter. */
static void
test_mutations_accounted(void **state)
{
	struct fx *f = *state;
	struct rng r;
	uint64_t ends = 0, rx;
	struct lb_hold hold = { .n = 0 };
	void *held[LB_HOLD_MAX];

	rng_seed(&r, 7);
	for (unsigned int i = 0; i < 100000; i++) {
		struct lb_out o[4];
		struct pkt_buf pbs[4];
		static uint8_t bufs[4][BUFSZ];
		unsigned int n = 1 + rng_below(&r, 4);

		for (unsigned int k = 0; k < n; k++) {
			switch (rng_below(&r, 3)) {
			case 0:
				frame4(f, cl_mac, C1, VIP,
				       (uint16_t)(40000 + rng_below(&r, 64)),
				       80, (uint8_t)rng_below(&r, 64));
				break;
			case 1:
				answer(f, (uint16_t)rng_below(&r, 100),
				       (uint32_t)rng_next(&r));
				break;
			default:
				frame4(f, cl_mac, C1, VIP, 1, 80, 0);
				(void)ipv4opt_insert_request(&f->pb,
							     ETH_HDR_LEN, 0,
							     false, 0);
				break;
			}
			/* flip bytes and cut the frame */
			for (unsigned int j = rng_below(&r, 4); j > 0; j--)
				pkt_buf_data(&f->pb)[rng_below(&r, f->pb.len)]
					^= (uint8_t)(1u << rng_below(&r, 8));
			if (rng_below(&r, 4) == 0)
				f->pb.len = rng_below(&r, f->pb.len + 1);
			memcpy(bufs[k], f->buf, BUFSZ);
			pbs[k] = f->pb;
			pbs[k].base = bufs[k];
		}
		lb_worker_burst(&f->w, pbs, 0, n, (uint64_t)i * 1000, o);
		for (unsigned int k = 0; k < n; k++) {
			assert_true(o[k].action <= LB_ACT_HOLD);
			assert_true(pbs[k].off + pbs[k].len <= BUFSZ);
			/* held frames end in the hold queue's counters */
			if (o[k].action == LB_ACT_HOLD)
				(void)lb_hold_add(&f->w, &hold, &pbs[k],
						  pkt_buf_data(&pbs[k]), &o[k],
						  (uint64_t)i * 1000);
		}
		(void)lb_hold_flush(&f->w, &hold, held);
	}
	rx = f->w.cnt[LB_CNT_rx];
	for (unsigned int c = 0; c < LB_CNT_MAX; c++) {
		const char *nm = lb_counter_name(c);

		if (strncmp(nm, "tx_", 3) == 0 || strncmp(nm, "drop_", 5) == 0 ||
		    strcmp(nm, "handoff") == 0 ||
		    strcmp(nm, "to_kernel") == 0 ||
		    strcmp(nm, "neigh_consumed") == 0)
			ends += f->w.cnt[c];
	}
	assert_int_equal(ends, rx);
	assert_true(f->w.cnt[LB_CNT_tx_backend] > 0);
	assert_true(f->w.cnt[LB_CNT_drop_malformed] > 0);
}

/* latency-feedback: flows to one backend answer in 200 us, to the other
 * in 1.5 ms (the client's next batch waits for the answer, HotNets'22
 * §3); the estimates see it from the client's packets alone, and the
 * controller moves weight away from the slow backend: a new table. */
static void
test_latency_feedback_shifts_weight(void **state)
{
	struct fx *f = *state;
	struct lb_vip_conf *v = &f->cfg.vip[0];
	const uint8_t S2[4] = { 10, 0, 0, 12 };
	struct lat_ctl_conf lc;
	struct lb_latency lat;
	struct chash_table *t;
	uint64_t est[2];
	uint8_t be_of[64];
	char err[200];
	struct lb_worker *ws[1];

	/* rebuild the fixture as a latency-feedback VIP of two backends */
	lb_worker_fini(&f->w);
	lb_state_free(f->st);
	v->policy = LB_POLICY_LATENCY;
	v->auth = false;
	v->probe_n = 0;
	v->n_backends = 2;
	strcpy(v->backend[1].name, "s2");
	addr4(&v->backend[1].addr, 10, 0, 0, 12);
	v->backend[1].weight = 1;
	f->cfg.n_neigh = 3;
	addr4(&f->cfg.neigh[2].ip, 10, 0, 0, 12);
	memcpy(f->cfg.neigh[2].mac, s1_mac, 6);
	if (lb_state_build(&f->st, &f->cfg, &lb_mac, err, sizeof(err)) != 0)
		fail_msg("lb_state_build: %s", err);
	assert_int_equal(lb_worker_init(&f->w, f->st, 0, 1, 42), 0);
	/* 64 flows; where did each go? */
	for (unsigned int k = 0; k < 64; k++) {
		struct pkt_meta m;

		frame4(f, cl_mac, C1, VIP, (uint16_t)(30000 + k), 80,
		       TCP_FLAG_SYN);
		assert_int_equal(run1(f, 1000).action, LB_ACT_TX);
		assert_int_equal(pkt_parse(pkt_buf_data(&f->pb), f->pb.len,
					   &m), WIRE_OK);
		be_of[k] = memcmp(m.dst, S2, 4) == 0;
	}
	/* 300 ms of traffic: one packet per flow per response time */
	for (uint64_t now = 100000; now < 300000000ull; now += 100000) {
		for (unsigned int k = 0; k < 64; k++) {
			uint64_t period = be_of[k] ? 1500000 : 200000;

			if (now % period != 0)
				continue;
			frame4(f, cl_mac, C1, VIP, (uint16_t)(30000 + k), 80,
			       TCP_FLAG_ACK | TCP_FLAG_PSH);
			(void)run1(f, now);
		}
	}
	assert_true(f->w.cnt[LB_CNT_lat_samples] > 100);
	lat_ctl_conf_default(&lc);
	assert_int_equal(lb_latency_init(&lat, f->st, &lc), 0);
	assert_int_equal(lat.n, 1);
	ws[0] = &f->w;
	t = lb_latency_step(&lat, 0, f->st, ws, 1, 300000000ull, est);
	assert_true(est[0] >= 190000 && est[0] <= 210000);
	assert_true(est[1] >= 1400000 && est[1] <= 1600000);
	assert_non_null(t);
	/* the slow backend lost weight, the fast one gained it */
	assert_true(lat.v[0].ctl->weight[1] < lat.v[0].ctl->weight[0]);
	assert_true(t->members[1].owned_first < t->members[0].owned_first);
	chash_free(t);
	lb_latency_fini(&lat);
}

/* An Ethernet + IPv6 + TCP frame (no extension header) into f->pb. */
static void
frame6(struct fx *f, const uint8_t *smac, const uint8_t src[16],
       const uint8_t dst[16], uint16_t sport, uint16_t dport, uint8_t flags)
{
	uint32_t len;

	memset(f->buf, 0, sizeof(f->buf));
	len = lbfx_tcp6(f->buf + HEADROOM, lb_mac, smac, src, dst, sport,
			dport, flags);
	assert_int_equal(pkt_buf_init(&f->pb, f->buf, BUFSZ, HEADROOM, len),
			 WIRE_OK);
}

static void
addr6(struct lb_addr *a, uint16_t g0, uint16_t g1, uint16_t g2, uint16_t last)
{
	memset(a, 0, sizeof(*a));
	a->family = 6;
	store_be16(a->a, g0);
	store_be16(a->a + 2, g1);
	store_be16(a->a + 4, g2);
	store_be16(a->a + 14, last);
}


/* Replace the fixture's VIP by 2001:db8::120 over SRv6 (appliance SID
 * 2001:db8:ff::, port 2001:db8::1/64) with @p n backends 2001:db8::21..
 * (locators 2001:db8:a1::.., static neighbours); the caller sets the
 * policy and builds the state. */
static void
srv6_vip(struct fx *f, unsigned int n, struct lb_addr *c6,
	 struct lb_addr *vip6)
{
	struct lb_vip_conf *v = &f->cfg.vip[0];
	struct lb_addr s;

	lb_worker_fini(&f->w);
	lb_state_free(f->st);
	f->st = NULL;
	addr6(&f->cfg.port[0].ip6, 0x2001, 0xdb8, 0, 1);
	f->cfg.port[0].ip6_prefix_len = 64;
	addr6(&s, 0x2001, 0xdb8, 0xff, 0);
	memcpy(f->cfg.lb_sid, s.a, 16);
	f->cfg.has_lb_sid = true;
	addr6(c6, 0x2001, 0xdb8, 0, 2);
	addr6(vip6, 0x2001, 0xdb8, 0, 0x120);
	v->addr = *vip6;
	v->transport = LB_TRANSPORT_SRV6;
	v->auth = false;
	v->probe_n = 0;
	v->n_backends = n;
	f->cfg.n_neigh = n;
	for (unsigned int b = 0; b < n; b++) {
		snprintf(v->backend[b].name, sizeof(v->backend[b].name),
			 "s%u", b + 1);
		addr6(&v->backend[b].addr, 0x2001, 0xdb8, 0,
		      (uint16_t)(0x21 + b));
		addr6(&s, 0x2001, 0xdb8, (uint16_t)(0xa1 + b), 0);
		memcpy(v->backend[b].locator, s.a, 16);
		v->backend[b].has_locator = true;
		v->backend[b].weight = 1;
		addr6(&f->cfg.neigh[b].ip, 0x2001, 0xdb8, 0,
		      (uint16_t)(0x21 + b));
		memcpy(f->cfg.neigh[b].mac, s1_mac, 6);
		f->cfg.neigh[b].mac[5] = (uint8_t)(0x11 + b);
	}
}
/* latency-feedback over the SRv6 transport (issue 22): once a flow is
 * pinned (STEER), its client packets are sampled as on the DSR leg, and
 * the controller moves weight off the slow server. Pinning is done on
 * the flow table directly here; createStickiness itself is covered by
 * the pcap suite (hunt, lat6-srv6). */
static void
test_latency_feedback_srv6(void **state)
{
	struct fx *f = *state;
	struct lb_vip_conf *v = &f->cfg.vip[0];
	struct lat_ctl_conf lc;
	struct lb_latency lat;
	struct chash_table *t;
	struct lb_addr c6, vip6;
	uint64_t est[2];
	uint8_t be_of[64];
	char err[200];
	struct lb_worker *ws[1];

	srv6_vip(f, 2, &c6, &vip6);
	v->policy = LB_POLICY_LATENCY;
	if (lb_state_build(&f->st, &f->cfg, &lb_mac, err, sizeof(err)) != 0)
		fail_msg("lb_state_build: %s", err);
	assert_int_equal(lb_worker_init(&f->w, f->st, 0, 1, 42), 0);
	for (unsigned int k = 0; k < 64; k++) {
		struct flow_key key;
		struct flow_value fv;
		struct pkt_meta m;
		uint32_t slot;

		frame6(f, cl_mac, c6.a, vip6.a, (uint16_t)(30000 + k), 80,
		       TCP_FLAG_SYN);
		assert_int_equal(run1(f, 1000).action, LB_ACT_TX);
		assert_int_equal(pkt_parse(pkt_buf_data(&f->pb), f->pb.len,
					   &m), WIRE_OK);
		/* offered with connectForce to the latency table's pick */
		assert_int_equal(f->w.cnt[LB_CNT_hunt_offer], k + 1);
		memset(&key, 0, sizeof(key));
		key.family = FLOW_KEY_IPV6;
		key.proto = IPPROTO_NUM_TCP;
		memcpy(key.saddr, c6.a, 16);
		memcpy(key.daddr, vip6.a, 16);
		key.sport = (uint16_t)(30000 + k);
		key.dport = 80;
		slot = flow_table_lookup(&f->w.ft, &key,
					 lb_key_hash(f->st, &key), 1000);
		assert_int_not_equal(slot, FLOW_TABLE_MISS);
		assert_int_equal(flow_table_get(&f->w.ft, slot, &fv), 0);
		assert_int_equal(fv.state, LB_FLOW_HUNTING);
		be_of[k] = (uint8_t)fv.backend;
		fv.state = LB_FLOW_STEER;
		assert_int_equal(flow_table_set(&f->w.ft, slot, &fv), 0);
	}
	assert_int_equal(f->w.cnt[LB_CNT_lat_samples], 0);
	for (uint64_t now = 100000; now < 300000000ull; now += 100000) {
		for (unsigned int k = 0; k < 64; k++) {
			uint64_t period = be_of[k] ? 1500000 : 200000;

			if (now % period != 0)
				continue;
			frame6(f, cl_mac, c6.a, vip6.a, (uint16_t)(30000 + k),
			       80, TCP_FLAG_ACK | TCP_FLAG_PSH);
			assert_int_equal(run1(f, now).action, LB_ACT_TX);
		}
	}
	assert_true(f->w.cnt[LB_CNT_hunt_steer] > 1000);
	assert_true(f->w.cnt[LB_CNT_lat_samples] > 100);
	lat_ctl_conf_default(&lc);
	assert_int_equal(lb_latency_init(&lat, f->st, &lc), 0);
	assert_int_equal(lat.n, 1);
	ws[0] = &f->w;
	t = lb_latency_step(&lat, 0, f->st, ws, 1, 300000000ull, est);
	assert_true(est[0] >= 190000 && est[0] <= 210000);
	assert_true(est[1] >= 1400000 && est[1] <= 1600000);
	assert_non_null(t);
	assert_true(lat.v[0].ctl->weight[1] < lat.v[0].ctl->weight[0]);
	assert_true(t->members[1].owned_first < t->members[0].owned_first);
	chash_free(t);
	lb_latency_fini(&lat);
}

/* Issue 17 over SRv6: recoverStickiness asks the 2 candidates of the
 * C = 2 table, so with 5 backends round-robin, random, latency-feedback
 * and maglev place every new flow on one of them. */
static void
test_recover_pick_srv6(void **state)
{
	static const enum lb_policy pols[] = {
		LB_POLICY_RR, LB_POLICY_RANDOM, LB_POLICY_LATENCY,
		LB_POLICY_MAGLEV,
	};
	struct fx *f = *state;
	struct lb_vip_conf *v = &f->cfg.vip[0];
	struct lb_addr c6, vip6;
	char err[200];

	srv6_vip(f, 5, &c6, &vip6);
	for (size_t i = 0; i < sizeof(pols) / sizeof(pols[0]); i++) {
		unsigned int per_be[5] = { 0 };

		v->policy = pols[i];
		if (lb_state_build(&f->st, &f->cfg, &lb_mac, err,
				   sizeof(err)) != 0)
			fail_msg("lb_state_build: %s", err);
		assert_int_equal(f->st->vip[0].ch2->c, 2);
		assert_int_equal(lb_worker_init(&f->w, f->st, 0, 1, 42), 0);
		for (unsigned int k = 0; k < 300; k++) {
			struct flow_key key;
			struct flow_value fv;
			const uint16_t *cand;
			uint32_t slot, h;

			frame6(f, cl_mac, c6.a, vip6.a, (uint16_t)(30000 + k),
			       80, TCP_FLAG_SYN);
			assert_int_equal(run1(f, 1000 + k).action, LB_ACT_TX);
			flow_key_ipv6(&key, c6.a, vip6.a,
				      (uint16_t)(30000 + k), 80,
				      IPPROTO_NUM_TCP);
			h = lb_key_hash(f->st, &key);
			slot = flow_table_lookup(&f->w.ft, &key, h, 1000 + k);
			assert_int_not_equal(slot, FLOW_TABLE_MISS);
			assert_int_equal(flow_table_get(&f->w.ft, slot, &fv),
					 0);
			cand = chash_lookup(f->st->vip[0].ch2, h);
			if (fv.backend != cand[0] && fv.backend != cand[1])
				fail_msg("policy %d: flow %u on backend %u, "
					 "candidates %u %u", (int)pols[i], k,
					 fv.backend, cand[0], cand[1]);
			per_be[fv.backend]++;
		}
		/* 300 flows over 5 backends: about 60 each */
		for (unsigned int b = 0; b < 5; b++)
			assert_true(per_be[b] >= 25);
		lb_worker_fini(&f->w);
		lb_state_free(f->st);
	}
	/* teardown frees a state and a worker */
	assert_int_equal(lb_state_build(&f->st, &f->cfg, &lb_mac, err,
					sizeof(err)), 0);
	assert_int_equal(lb_worker_init(&f->w, f->st, 0, 1, 42), 0);
}

/* The backends whose SID of function @p fn is in the SRH of the frame
 * the engine sent (bit b: backend b), of @p n backends. */
static unsigned int
srh_backends(struct fx *f, unsigned int n, enum srv6_func fn)
{
	const uint8_t *frame = pkt_buf_data(&f->pb);
	struct srh_view sv;
	unsigned int bits = 0;

	assert_int_equal(srh_parse(frame, f->pb.len, ETH_HDR_LEN + 40, &sv),
			 WIRE_OK);
	for (unsigned int i = 0; i <= sv.last_entry; i++)
		for (unsigned int b = 0; b < n; b++)
			if (memcmp(srh_segment(frame, &sv, i),
				   f->st->vip[0].be[b].sid[fn], 16) == 0)
				bits |= 1u << b;
	return bits;
}

/* Issue 17 over SRv6 with a drained backend: it keeps its place in the
 * C = 2 table, so recoverStickiness still asks it for an unknown flow
 * (its connections live on), while new flows never go to it: hunt
 * offers the other candidate alone (connectForce), round-robin places
 * the flow on the other. A backend the health monitor calls down is not
 * asked (it would swallow the packet). */
static void
test_srv6_drained_recovered(void **state)
{
	static const enum lb_policy pols[] = { LB_POLICY_HUNT, LB_POLICY_RR };
	struct fx *f = *state;
	struct lb_vip_conf *v = &f->cfg.vip[0];
	struct lb_addr c6, vip6;
	char err[200];

	srv6_vip(f, 4, &c6, &vip6);
	v->backend[1].weight = 0;       /* s2 drained */
	for (size_t i = 0; i < sizeof(pols) / sizeof(pols[0]); i++) {
		unsigned int asked = 0, offered = 0;

		v->policy = pols[i];
		if (lb_state_build(&f->st, &f->cfg, &lb_mac, err,
				   sizeof(err)) != 0)
			fail_msg("lb_state_build: %s", err);
		assert_int_equal(lb_worker_init(&f->w, f->st, 0, 1, 42), 0);
		for (unsigned int k = 0; k < 200; k++) {
			struct flow_key key;
			const uint16_t *cand;
			unsigned int want = 0, got;

			/* an unknown flow: its candidates, s2 included */
			frame6(f, cl_mac, c6.a, vip6.a, (uint16_t)(20000 + k),
			       80, TCP_FLAG_ACK);
			assert_int_equal(run1(f, 1000 + k).action, LB_ACT_TX);
			flow_key_ipv6(&key, c6.a, vip6.a,
				      (uint16_t)(20000 + k), 80,
				      IPPROTO_NUM_TCP);
			cand = chash_lookup(f->st->vip[0].ch2,
					    lb_key_hash(f->st, &key));
			want = 1u << cand[0] | 1u << cand[1];
			got = srh_backends(f, 4,
					   SRV6_FUNC_RECOVER_STICKINESS);
			assert_int_equal(got, want);
			asked |= got;
			/* a new flow: never to s2 */
			frame6(f, cl_mac, c6.a, vip6.a, (uint16_t)(40000 + k),
			       80, TCP_FLAG_SYN);
			assert_int_equal(run1(f, 1000 + k).action, LB_ACT_TX);
			got = srh_backends(f, 4, SRV6_FUNC_CONNECT_AVAIL) |
			      srh_backends(f, 4, SRV6_FUNC_CONNECT_FORCE);
			assert_int_not_equal(got, 0);
			assert_false(got & 1u << 1);
			offered |= got;
		}
		assert_true(asked & 1u << 1);
		assert_int_equal(offered, 0xdu);
		/* s3 called down by the health monitor: not asked */
		((struct lb_state *)f->st)->vip[0].be[2].health_down = 1;
		for (unsigned int k = 0; k < 100; k++) {
			frame6(f, cl_mac, c6.a, vip6.a, (uint16_t)(50000 + k),
			       80, TCP_FLAG_ACK);
			if (run1(f, 5000 + k).action != LB_ACT_TX)
				continue;
			assert_false(srh_backends(f, 4,
				SRV6_FUNC_RECOVER_STICKINESS) & 1u << 2);
		}
		lb_worker_fini(&f->w);
		lb_state_free(f->st);
	}
	/* teardown frees a state and a worker */
	v->backend[1].weight = 1;
	assert_int_equal(lb_state_build(&f->st, &f->cfg, &lb_mac, err,
					sizeof(err)), 0);
	assert_int_equal(lb_worker_init(&f->w, f->st, 0, 1, 42), 0);
}

/* A backend's message for IPv6 VIP @p vip6: (@p src -> VIP) from @p mac,
 * ports @p sport -> @p dport, with the client tuple (@p c6, @p cport)
 * and either a recover marker (@p index, @p count, @p cookie; a
 * pass-back) or, with @p count 0, a metric answer echoing @p cookie
 * (a pin), in encoding @p enc. */
static void
msg6(struct fx *f, const uint8_t *mac, const uint8_t src[16],
     const uint8_t vip6[16], uint16_t sport, uint16_t dport,
     enum ip6ext_encoding enc, const uint8_t c6[16], uint16_t cport,
     uint8_t index, uint8_t count, uint32_t cookie)
{
	frame6(f, mac, src, vip6, sport, dport, TCP_FLAG_ACK);
	assert_int_equal(ip6ext_insert_client(&f->pb, ETH_HDR_LEN, 0, enc, c6,
					      cport), WIRE_OK);
	if (count != 0)
		assert_int_equal(ip6ext_insert_recover(&f->pb, ETH_HDR_LEN, 0,
						       enc, index, count,
						       cookie), WIRE_OK);
	else
		assert_int_equal(ip6ext_insert_answer(&f->pb, ETH_HDR_LEN, 0,
						      enc, 7, cookie), WIRE_OK);
}

/* Issue 17, known limit 2 over IPv6, in both encodings: a candidate behind
 * a router gets the long marker with the port's IPv6 address; the pin sent
 * to that address, the marker naming the VIP, pins the flow. */
static void
test_recover_ipv6_router(void **state)
{
	static const uint8_t rt_mac[6] = { 2, 0, 0, 0, 0, 0xfe };
	struct fx *f = *state;
	struct lb_vip_conf *v = &f->cfg.vip[0];
	struct lb_addr c6, vip6, s6, me, rt;
	struct flow_key k;
	struct pkt_meta m;
	struct lb_out o;
	uint32_t ck;
	char err[200];

	lb_worker_fini(&f->w);
	lb_state_free(f->st);
	addr6(&me, 0x2001, 0xdb8, 0, 1);
	f->cfg.port[0].ip6 = me;
	f->cfg.port[0].ip6_prefix_len = 64;
	addr6(&c6, 0x2001, 0xdb8, 0, 2);
	addr6(&vip6, 0x2001, 0xdb8, 0, 0x120);
	addr6(&s6, 0x2001, 0xdb8, 2, 0x14);
	addr6(&rt, 0x2001, 0xdb8, 0, 0xfe);
	v->addr = vip6;
	v->probe_n = 0;
	v->backend[0].addr = s6;
	f->cfg.n_neigh = 2;
	f->cfg.neigh[0].ip = rt;
	memcpy(f->cfg.neigh[0].mac, rt_mac, 6);
	f->cfg.neigh[1].ip = c6;
	memcpy(f->cfg.neigh[1].mac, cl_mac, 6);
	f->cfg.n_routes = 1;
	addr6(&f->cfg.route[0].prefix, 0x2001, 0xdb8, 2, 0);
	f->cfg.route[0].plen = 48;
	f->cfg.route[0].via = rt;
	for (unsigned int e = 0; e < 2; e++) {
		v->enc = (uint8_t)e;
		if (lb_state_build(&f->st, &f->cfg, &lb_mac, err,
				   sizeof(err)) != 0)
			fail_msg("lb_state_build: %s", err);
		assert_int_equal(lb_worker_init(&f->w, f->st, 0, 1, 42), 0);
		frame6(f, cl_mac, c6.a, vip6.a, 41000, 80, TCP_FLAG_ACK);
		o = run1(f, 1000000);
		assert_int_equal(o.counter, LB_CNT_tx_backend);
		assert_memory_equal(pkt_buf_data(&f->pb), rt_mac, 6);
		assert_int_equal(pkt_parse(pkt_buf_data(&f->pb), f->pb.len,
					   &m), WIRE_OK);
		assert_memory_equal(m.dst, s6.a, 16);
		assert_true(m.msgs & (1u << PKT_MSG_RECOVER));
		assert_int_equal(!!(m.msgs & (1u << PKT_MSG_DSTOPT_ENC)), e);
		assert_true(m.rec_has_addr);
		assert_memory_equal(m.rec_addr, me.a, 16);
		flow_key_ipv6(&k, c6.a, vip6.a, 41000, 80, IPPROTO_NUM_TCP);
		ck = lb_recover_cookie(f->st->recover_secret, &k, 0);
		assert_int_equal(m.rec_cookie, ck);
		/* the pin, to 2001:db8::1 */
		frame6(f, rt_mac, s6.a, me.a, 80, 41000, TCP_FLAG_ACK);
		assert_int_equal(ip6ext_insert_client(&f->pb, ETH_HDR_LEN, 0,
						      e, c6.a, 41000), WIRE_OK);
		assert_int_equal(ip6ext_insert_answer(&f->pb, ETH_HDR_LEN, 0,
						      e, 7, ck), WIRE_OK);
		assert_int_equal(ip6ext_insert_recover_addr(&f->pb,
							    ETH_HDR_LEN, 0, e,
							    0, 1, ck,
							    vip6.a), WIRE_OK);
		o = run1(f, 2000000);
		assert_int_equal(o.counter, LB_CNT_tx_client);
		assert_int_equal(f->w.cnt[LB_CNT_recover_pinned], 1);
		assert_int_equal(f->w.cnt[LB_CNT_recover_return], 1);
		assert_int_equal(pkt_parse(pkt_buf_data(&f->pb), f->pb.len,
					   &m), WIRE_OK);
		assert_int_equal(m.msgs, 0);
		assert_memory_equal(m.src, vip6.a, 16);
		assert_memory_equal(m.dst, c6.a, 16);
		lb_worker_fini(&f->w);
		lb_state_free(f->st);
	}
	/* teardown frees what setup built */
	if (lb_state_build(&f->st, &f->cfg, &lb_mac, err, sizeof(err)) != 0)
		fail_msg("lb_state_build: %s", err);
	assert_int_equal(lb_worker_init(&f->w, f->st, 0, 1, 42), 0);
}

/* Issue 17 over IPv6, in both encodings: an unknown mid-stream packet
 * is offered to candidate 0 with the client tuple and the recover marker
 * (header 253 or option 0x1E sub-type 4); candidate 0 passing it back
 * moves it to candidate 1; a pass-back with a wrong cookie or from the
 * wrong candidate is forged; candidate 1 passing it back leaves none
 * (dropped, counted); a pin echoing the cookie makes the flow plain DSR
 * to the pinned server. */
static void
test_recover_ipv6(void **state)
{
	struct fx *f = *state;
	struct lb_vip_conf *v = &f->cfg.vip[0];
	struct lb_addr c6, vip6, sa[2];
	const uint16_t *cand;
	struct flow_key k;
	struct pkt_meta m;
	struct lb_out o;
	uint32_t ck[2];
	char err[200];
	uint16_t port = 41000;

	lb_worker_fini(&f->w);
	lb_state_free(f->st);
	addr6(&f->cfg.port[0].ip6, 0x2001, 0xdb8, 0, 1);
	f->cfg.port[0].ip6_prefix_len = 64;
	addr6(&c6, 0x2001, 0xdb8, 0, 2);
	addr6(&vip6, 0x2001, 0xdb8, 0, 0x120);
	v->addr = vip6;
	v->probe_n = 0;
	v->n_backends = 2;
	for (unsigned int b = 0; b < 2; b++) {
		snprintf(v->backend[b].name, sizeof(v->backend[b].name),
			 "s%u", b + 1);
		addr6(&sa[b], 0x2001, 0xdb8, 0, 0x21 + b);
		v->backend[b].addr = sa[b];
		v->backend[b].weight = 1;
		f->cfg.neigh[b].ip = sa[b];
	}
	memcpy(f->cfg.neigh[0].mac, s1_mac, 6);
	memcpy(f->cfg.neigh[1].mac, s2_mac, 6);
	f->cfg.n_neigh = 3;
	f->cfg.neigh[2].ip = c6;
	memcpy(f->cfg.neigh[2].mac, cl_mac, 6);
	for (unsigned int e = 0; e < 2; e++) {
		const uint8_t *mac[2];
		uint8_t be[2];

		v->enc = (uint8_t)e;
		if (lb_state_build(&f->st, &f->cfg, &lb_mac, err,
				   sizeof(err)) != 0)
			fail_msg("lb_state_build: %s", err);
		assert_non_null(f->st->vip[0].chd);
		assert_int_equal(f->st->vip[0].chd->c, 2);
		assert_int_equal(lb_worker_init(&f->w, f->st, 0, 1, 42), 0);
		port++;
		flow_key_ipv6(&k, c6.a, vip6.a, port, 80, IPPROTO_NUM_TCP);
		cand = chash_lookup(f->st->vip[0].chd, lb_key_hash(f->st, &k));
		for (unsigned int i = 0; i < 2; i++) {
			be[i] = (uint8_t)cand[i];
			mac[i] = be[i] == 0 ? s1_mac : s2_mac;
			ck[i] = lb_recover_cookie(f->st->recover_secret, &k, i);
		}
		assert_int_not_equal(be[0], be[1]);
		/* offer to candidate 0 */
		frame6(f, cl_mac, c6.a, vip6.a, port, 80, TCP_FLAG_ACK);
		o = run1(f, 1000000);
		assert_int_equal(o.counter, LB_CNT_tx_backend);
		assert_int_equal(pkt_parse(pkt_buf_data(&f->pb), f->pb.len,
					   &m), WIRE_OK);
		assert_memory_equal(m.dst, sa[be[0]].a, 16);
		assert_memory_equal(m.src, c6.a, 16);
		assert_true(m.msgs & (1u << PKT_MSG_CLIENT_TUPLE));
		assert_true(m.msgs & (1u << PKT_MSG_RECOVER));
		assert_false(m.msgs & (1u << PKT_MSG_METRIC_REQ));
		assert_int_equal(!!(m.msgs & (1u << PKT_MSG_DSTOPT_ENC)), e);
		assert_int_equal(m.rec_index, 0);
		assert_int_equal(m.rec_count, 2);
		assert_int_equal(m.rec_cookie, ck[0]);
		assert_memory_equal(m.client_addr, c6.a, 16);
		assert_int_equal(m.client_port, port);
		/* candidate 1 cannot pass back the offer of candidate 0 */
		msg6(f, mac[1], sa[be[1]].a, vip6.a, port, 80, e, c6.a, port,
		     0, 2, ck[0]);
		o = run1(f, 1100000);
		assert_int_equal(o.counter, LB_CNT_drop_forged);
		/* nor candidate 0 with a wrong cookie */
		msg6(f, mac[0], sa[be[0]].a, vip6.a, port, 80, e, c6.a, port,
		     0, 2, ck[0] ^ 1);
		o = run1(f, 1200000);
		assert_int_equal(o.counter, LB_CNT_drop_forged);
		assert_int_equal(f->w.cnt[LB_CNT_recover_bad_cookie], 2);
		/* candidate 0 passes it back: offered to candidate 1,
		 * restored first (client source, no stale messages) */
		msg6(f, mac[0], sa[be[0]].a, vip6.a, port, 80, e, c6.a, port,
		     0, 2, ck[0]);
		o = run1(f, 1300000);
		assert_int_equal(o.counter, LB_CNT_tx_backend);
		assert_int_equal(f->w.cnt[LB_CNT_recover_bounce], 1);
		assert_int_equal(pkt_parse(pkt_buf_data(&f->pb), f->pb.len,
					   &m), WIRE_OK);
		assert_memory_equal(m.dst, sa[be[1]].a, 16);
		assert_memory_equal(m.src, c6.a, 16);
		assert_int_equal(m.rec_index, 1);
		assert_int_equal(m.rec_cookie, ck[1]);
		assert_memory_equal(m.client_addr, c6.a, 16);
		/* the next client packet starts at candidate 1 */
		frame6(f, cl_mac, c6.a, vip6.a, port, 80, TCP_FLAG_ACK);
		(void)run1(f, 1400000);
		assert_int_equal(pkt_parse(pkt_buf_data(&f->pb), f->pb.len,
					   &m), WIRE_OK);
		assert_int_equal(m.rec_index, 1);
		/* candidate 1 passes it back too: none left */
		msg6(f, mac[1], sa[be[1]].a, vip6.a, port, 80, e, c6.a, port,
		     1, 2, ck[1]);
		o = run1(f, 1500000);
		assert_int_equal(o.action, LB_ACT_DROP);
		assert_int_equal(o.counter, LB_CNT_drop_recover_none);
		/* another flow, pinned by candidate 1 (answer = cookie) */
		port++;
		flow_key_ipv6(&k, c6.a, vip6.a, port, 80, IPPROTO_NUM_TCP);
		cand = chash_lookup(f->st->vip[0].chd, lb_key_hash(f->st, &k));
		frame6(f, cl_mac, c6.a, vip6.a, port, 80, TCP_FLAG_ACK);
		(void)run1(f, 2000000);
		assert_int_equal(f->w.cnt[LB_CNT_recover_offer], 4);
		ck[1] = lb_recover_cookie(f->st->recover_secret, &k, 1);
		/* a pin echoing candidate 0's cookie is refused */
		msg6(f, cand[1] == 0 ? s1_mac : s2_mac, sa[cand[1]].a, vip6.a,
		     80, port, e, c6.a, port, 0, 0,
		     lb_recover_cookie(f->st->recover_secret, &k, 0));
		o = run1(f, 2100000);
		assert_int_equal(o.counter, LB_CNT_tx_client);
		assert_int_equal(f->w.cnt[LB_CNT_recover_pin_bad], 1);
		msg6(f, cand[1] == 0 ? s1_mac : s2_mac, sa[cand[1]].a, vip6.a,
		     80, port, e, c6.a, port, 0, 0, ck[1]);
		o = run1(f, 2200000);
		assert_int_equal(o.counter, LB_CNT_tx_client);
		assert_int_equal(f->w.cnt[LB_CNT_recover_pinned], 1);
		/* restored towards the client */
		assert_int_equal(pkt_parse(pkt_buf_data(&f->pb), f->pb.len,
					   &m), WIRE_OK);
		assert_int_equal(m.msgs & ~(1u << PKT_MSG_DSTOPT_ENC), 0);
		assert_memory_equal(m.src, vip6.a, 16);
		assert_memory_equal(m.dst, c6.a, 16);
		/* pinned: plain DSR to candidate 1, no marker */
		frame6(f, cl_mac, c6.a, vip6.a, port, 80, TCP_FLAG_ACK);
		o = run1(f, 2300000);
		assert_int_equal(o.counter, LB_CNT_tx_backend);
		assert_int_equal(pkt_parse(pkt_buf_data(&f->pb), f->pb.len,
					   &m), WIRE_OK);
		assert_memory_equal(m.dst, sa[cand[1]].a, 16);
		assert_false(m.msgs & (1u << PKT_MSG_RECOVER));
		assert_int_equal(f->w.cnt[LB_CNT_recover_offer], 4);
		lb_worker_fini(&f->w);
		lb_state_free(f->st);
	}
	/* teardown frees the last state */
	if (lb_state_build(&f->st, &f->cfg, &lb_mac, err, sizeof(err)) != 0)
		fail_msg("lb_state_build: %s", err);
	assert_int_equal(lb_worker_init(&f->w, f->st, 0, 1, 42), 0);
}

/* Live changes of a VIP's sampling: the smoothing window and adaptive
 * probing reach the worker's tables when it adopts the new state. */
static void
test_adopt_window_and_adaptive(void **state)
{
	struct fx *f = *state;
	struct lb_state *next = NULL, *old = f->st;
	char err[200];

	assert_int_equal(f->w.vip[0].busy->conf.ewma_w, BUSY_EWMA_ONE);
	assert_false(f->w.vip[0].probe->conf.adaptive);
	f->cfg.vip[0].score_window = 4;
	f->cfg.vip[0].probe_adaptive = true;
	f->cfg.vip[0].probe_n = 20;
	if (lb_state_build_next(&next, &f->cfg, &lb_mac, old, err,
				sizeof(err)) != 0)
		fail_msg("lb_state_build_next: %s", err);
	{
		struct lb_worker_pending p;

		assert_int_equal(lb_worker_prepare(&f->w, next, &p), 0);
		lb_worker_adopt(&f->w, &p);
		lb_worker_pending_free(&p);
	}
	f->st = next;
	lb_state_free(old);
	assert_int_equal(f->w.vip[0].busy->conf.ewma_w, BUSY_EWMA_ONE / 4);
	assert_true(f->w.vip[0].probe->conf.adaptive);
	assert_int_equal(probe_sched_get_n(f->w.vip[0].probe), 20);
	/* an answer now moves a known score by a quarter of the way */
	assert_int_equal(busy_select_update(f->w.vip[0].busy, 0, 100, 1000),
			 0);
	assert_int_equal(busy_select_update(f->w.vip[0].busy, 0, 0, 2000), 0);
	{
		uint16_t sc = 0;

		assert_int_equal(busy_select_score(f->w.vip[0].busy, 0, 2000,
						   &sc), 1);
		assert_int_equal(sc, 75);
	}
}

/* An ARP frame of @p op (1 request, 2 reply) from (@p smac, @p sip) for
 * @p tip, to @p dmac. */
static void
arp_frame(struct fx *f, uint16_t op, const uint8_t *dmac,
	  const uint8_t *smac, const uint8_t sip[4], const uint8_t tip[4])
{
	uint8_t *p = f->buf + HEADROOM, *a = p + ETH_HDR_LEN;

	memset(f->buf, 0, sizeof(f->buf));
	memcpy(p, dmac, 6);
	memcpy(p + 6, smac, 6);
	store_be16(p + 12, ETH_TYPE_ARP);
	store_be16(a, 1);
	store_be16(a + 2, ETH_TYPE_IPV4);
	a[4] = 6;
	a[5] = 4;
	store_be16(a + 6, op);
	memcpy(a + 8, smac, 6);
	memcpy(a + 14, sip, 4);
	if (op == 2)
		memcpy(a + 18, lb_mac, 6);
	memcpy(a + 24, tip, 4);
	assert_int_equal(pkt_buf_init(&f->pb, f->buf, BUFSZ, HEADROOM,
				      ETH_HDR_LEN + 28), WIRE_OK);
}

static const uint8_t PORT_IP[4] = { 10, 0, 0, 1 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* Issue 18, the exception path: with a kernel interface on the port,
 * BGP to the port's address and ARP replies go to the kernel (the ARP
 * reply learned first); without one they are dropped as before. */
static void
test_kernel_exception_path(void **state)
{
	struct fx *f = *state;
	static const uint8_t R[4] = { 10, 0, 0, 254 };
	static const uint8_t r_mac[6] = { 2, 0, 0, 0, 0, 0xfe };
	struct lb_addr ra;
	struct lb_out o;
	uint32_t nh;

	frame4(f, cl_mac, C1, PORT_IP, 40000, 179, TCP_FLAG_SYN);
	o = run1(f, 1000);
	assert_int_equal(o.action, LB_ACT_DROP);
	assert_int_equal(o.counter, LB_CNT_drop_not_for_us);
	strcpy(f->st->port[0].conf.kernel, "k0");
	frame4(f, cl_mac, C1, PORT_IP, 40000, 179, TCP_FLAG_SYN);
	o = run1(f, 2000);
	assert_int_equal(o.action, LB_ACT_KERNEL);
	assert_int_equal(o.port, 0);
	assert_int_equal(o.counter, LB_CNT_to_kernel);
	/* unchanged frame */
	assert_int_equal(f->pb.len, ETH_HDR_LEN + 40);
	/* traffic for another host is still not ours */
	frame4(f, cl_mac, C1, S1, 40000, 179, TCP_FLAG_SYN);
	o = run1(f, 3000);
	assert_int_equal(o.counter, LB_CNT_drop_not_for_us);
	/* VIP traffic is still the engine's */
	frame4(f, cl_mac, C1, VIP, 40000, 80, TCP_FLAG_SYN);
	o = run1(f, 4000);
	assert_int_equal(o.action, LB_ACT_TX);
	/* the router's ARP reply to the kernel's request: learned, and
	 * given to the kernel */
	arp_frame(f, 2, lb_mac, r_mac, R, PORT_IP);
	o = run1(f, 5000);
	assert_int_equal(o.action, LB_ACT_KERNEL);
	assert_int_equal(o.counter, LB_CNT_to_kernel);
	addr4(&ra, 10, 0, 0, 254);
	(void)lb_state_nh_add(f->st, &ra, 0);
	arp_frame(f, 2, lb_mac, r_mac, R, PORT_IP);
	(void)run1(f, 6000);
	nh = lb_state_nh_find(f->st, &ra);
	assert_int_not_equal(nh, LB_NH_NONE);
	assert_true(atomic_load(&f->st->nht->e[nh].mac) & LB_NH_VALID);
	/* an ARP request for the port's address is still answered here */
	arp_frame(f, 1, bcast, r_mac, R, PORT_IP);
	o = run1(f, 7000);
	assert_int_equal(o.action, LB_ACT_TX);
	assert_int_equal(o.counter, LB_CNT_tx_neigh);
}

/* announce = bgp: no ARP answer for the VIP (a router routes it to us);
 * announce = arp (the default) answers. */
static void
test_announce_bgp_no_arp(void **state)
{
	struct fx *f = *state;
	static const uint8_t R[4] = { 10, 0, 0, 254 };
	static const uint8_t r_mac[6] = { 2, 0, 0, 0, 0, 0xfe };
	struct lb_state *st2 = NULL;
	struct lb_out o;
	char err[200];

	arp_frame(f, 1, bcast, r_mac, R, VIP);
	o = run1(f, 1000);
	assert_int_equal(o.counter, LB_CNT_tx_neigh);
	strcpy(f->cfg.bird_socket, "/run/bird/bird.ctl");
	f->cfg.vip[0].announce = LB_ANNOUNCE_BGP;
	assert_int_equal(lb_config_validate(&f->cfg, err, sizeof(err)), 0);
	assert_int_equal(lb_state_build(&st2, &f->cfg, &lb_mac, err,
					sizeof(err)), 0);
	lb_worker_fini(&f->w);
	lb_state_free(f->st);
	f->st = st2;
	assert_int_equal(lb_worker_init(&f->w, f->st, 0, 1, 42), 0);
	arp_frame(f, 1, bcast, r_mac, R, VIP);
	o = run1(f, 2000);
	assert_int_equal(o.action, LB_ACT_DROP);
	assert_int_equal(o.counter, LB_CNT_drop_neigh_other);
	/* the port's own address is still resolved */
	arp_frame(f, 1, bcast, r_mac, R, PORT_IP);
	o = run1(f, 3000);
	assert_int_equal(o.counter, LB_CNT_tx_neigh);
	/* and bgp without a daemon's socket is refused */
	f->cfg.bird_socket[0] = '\0';
	assert_int_equal(lb_config_validate(&f->cfg, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "bird_socket"));
}

/* Issue 13: lb_worker_prepare() builds a new VIP's tables aside and
 * leaves the worker (its state, its tables) untouched; lb_worker_adopt()
 * moves them in. */
static void
test_prepare_touches_nothing_of_the_worker(void **state)
{
	struct fx *f = *state;
	struct lb_state *next = NULL, *old = f->st;
	struct lb_worker_pending p;
	struct lb_vip_conf *v;
	struct busy_table *nb;
	char err[200];

	v = realloc(f->cfg.vip, 2 * sizeof(*v));
	assert_non_null(v);
	f->cfg.vip = v;
	v[1] = v[0];
	strcpy(v[1].name, "web4b");
	v[1].port = 8080;
	f->cfg.n_vips = 2;
	if (lb_state_build_next(&next, &f->cfg, &lb_mac, old, err,
				sizeof(err)) != 0)
		fail_msg("lb_state_build_next: %s", err);
	assert_null(f->w.vip[1].busy);
	assert_int_equal(lb_worker_prepare(&f->w, next, &p), 0);
	/* the worker still runs its state, VIP 1 is not its yet */
	assert_ptr_equal(f->w.st, old);
	assert_null(f->w.vip[1].busy);
	assert_non_null(p.vip[1].busy);
	assert_null(p.vip[0].busy);   /* VIP 0 keeps its own tables */
	nb = p.vip[1].busy;
	lb_worker_adopt(&f->w, &p);
	assert_ptr_equal(f->w.st, next);
	assert_ptr_equal(f->w.vip[1].busy, nb);
	assert_null(p.vip[1].busy);   /* moved, not shared */
	lb_worker_pending_free(&p);
	f->st = next;
	lb_state_free(old);
	/* the new VIP works: a SYN to it gets a backend */
	frame4(f, cl_mac, C1, VIP, 40001, 8080, TCP_FLAG_SYN);
	assert_int_equal(run1(f, 1000000).action, LB_ACT_TX);
}

/* The control plane's view of a worker (lb_view.h) is a copy taken on
 * request: counters and flows as the worker had them, nothing shared. */
static void
test_view_is_a_copy(void **state)
{
	struct fx *f = *state;
	struct lb_worker view;
	struct flow_key k;
	struct flow_value fv;

	frame4(f, cl_mac, C1, VIP, 40000, 80, TCP_FLAG_SYN);
	assert_int_equal(run1(f, 1000000).action, LB_ACT_TX);
	assert_int_equal(lb_view_init(&view, &f->w), 0);
	assert_int_equal(lb_view_reserve(&view, f->st), 0);
	/* counters only: the flow count, not the flows */
	lb_view_copy(&view, &f->w, LB_VIEW_COUNTERS);
	assert_int_equal(view.cnt[LB_CNT_rx], f->w.cnt[LB_CNT_rx]);
	assert_int_equal(view.vip[0].cnt.flows, f->w.vip[0].cnt.flows);
	assert_int_equal(view.vip[0].be_cnt[0].flows, 1);
	assert_int_equal(flow_table_count(&view.ft), 1);
	flow_key_ipv4(&k, C1, VIP, 40000, 80, IPPROTO_NUM_TCP);
	assert_int_equal(flow_table_peek(&view.ft, &k, lb_key_hash(f->st, &k),
					 1000000, &fv, NULL), FLOW_TABLE_MISS);
	lb_view_copy(&view, &f->w, LB_VIEW_ALL);
	assert_int_not_equal(flow_table_peek(&view.ft, &k,
					     lb_key_hash(f->st, &k), 1000000,
					     &fv, NULL), FLOW_TABLE_MISS);
	assert_int_equal(fv.backend, 0);
	/* the worker moves on; the view does not */
	frame4(f, cl_mac, C1, VIP, 40002, 80, TCP_FLAG_SYN);
	(void)run1(f, 2000000);
	assert_int_equal(flow_table_count(&f->w.ft), 2);
	assert_int_equal(flow_table_count(&view.ft), 1);
	assert_true(view.cnt[LB_CNT_rx] < f->w.cnt[LB_CNT_rx]);
	assert_ptr_not_equal(view.vip[0].busy, f->w.vip[0].busy);
	lb_view_fini(&view);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_auth_nonce_echoed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_recover_offer_bounce_pin,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_via_router, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_recover_ipv6_router,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_ipv6, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_recover_candidates_drained,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_pick_candidates,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_ip_csum_flags, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_worker_init_mem, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_srv6_drained_recovered,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_pick_srv6,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_note_to_owner,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_quic_answer_handed_over,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_handoff_to_owner, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_drained_backend_gets_no_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mutations_accounted,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_latency_feedback_shifts_weight, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_latency_feedback_srv6, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_adopt_window_and_adaptive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_exception_path,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_announce_bgp_no_arp,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_prepare_touches_nothing_of_the_worker, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_view_is_a_copy, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

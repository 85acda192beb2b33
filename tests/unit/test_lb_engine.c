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
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
#include "dsrlb/ipv4opt.h"
#include "dsrlb/lb_engine.h"
#include "dsrlb/lb_latency.h"
#include "dsrlb/pkt_parse.h"
#include "dsrlb/rng.h"
#include "dsrlb/wire.h"

#define HEADROOM 128
#define BUFSZ    2048

static const uint8_t lb_mac[6] = { 2, 0, 0, 0, 0, 0xaa };
static const uint8_t cl_mac[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t s1_mac[6] = { 2, 0, 0, 0, 0, 0x11 };

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
	uint8_t *p = f->buf + HEADROOM;
	uint8_t *ip = p + ETH_HDR_LEN, *tcp = ip + 20;
	uint32_t ps;

	memset(f->buf, 0, sizeof(f->buf));
	memcpy(p, lb_mac, 6);
	memcpy(p + 6, smac, 6);
	store_be16(p + 12, ETH_TYPE_IPV4);
	ip[0] = 0x45;
	store_be16(ip + 2, 40);
	ip[6] = 0x40;
	ip[8] = 64;
	ip[9] = IPPROTO_NUM_TCP;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	store_be16(ip + 10, csum_ipv4_hdr(ip, 20));
	store_be16(tcp, sport);
	store_be16(tcp + 2, dport);
	store_be32(tcp + 4, 1000);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	store_be16(tcp + 14, 8192);
	ps = csum_pseudo_ipv4(load_be32(src), load_be32(dst), IPPROTO_NUM_TCP,
			      20);
	store_be16(tcp + 16, csum_l4(ps, tcp, 20));
	assert_int_equal(pkt_buf_init(&f->pb, f->buf, BUFSZ, HEADROOM,
				      ETH_HDR_LEN + 40), WIRE_OK);
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

/* The answer of s1 for C1's flow carrying @p score and @p nonce. */
static void
answer(struct fx *f, uint16_t score, uint32_t nonce)
{
	frame4(f, s1_mac, S1, VIP, 80, 40000, TCP_FLAG_SYN | TCP_FLAG_ACK);
	assert_int_equal(ipv4opt_insert_client(&f->pb, ETH_HDR_LEN, 0,
					       load_be32(C1), 40000), WIRE_OK);
	assert_int_equal(ipv4opt_insert_answer(&f->pb, ETH_HDR_LEN, 0, score,
					       true, nonce), WIRE_OK);
}

static void
test_auth_nonce_echoed(void **state)
{
	struct fx *f = *state;
	struct pkt_meta m;
	struct lb_out o;
	uint16_t score = 0;
	uint32_t nonce;

	frame4(f, cl_mac, C1, VIP, 40000, 80, TCP_FLAG_SYN);
	o = run1(f, 1000000);
	assert_int_equal(o.action, LB_ACT_TX);
	assert_int_equal(pkt_parse(pkt_buf_data(&f->pb), f->pb.len, &m),
			 WIRE_OK);
	assert_true(m.msgs & (1u << PKT_MSG_METRIC_REQ));
	assert_true(m.msgs & (1u << PKT_MSG_NONCE));
	assert_memory_equal(m.dst, S1, 4);
	nonce = m.nonce;
	assert_int_not_equal(nonce, 0);
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

static uint16_t
owner_is_one(void *arg, const struct flow_key *k)
{
	(void)arg;
	(void)k;
	return 1;
}

static void
test_handoff_to_owner(void **state)
{
	struct fx *f = *state;
	struct lb_out o;

	f->w.owner = owner_is_one;
	f->w.n_workers = 2;
	frame4(f, cl_mac, C1, VIP, 40000, 80, TCP_FLAG_SYN);
	o = run1(f, 1000000);
	assert_int_equal(o.action, LB_ACT_HANDOFF);
	assert_int_equal(o.owner, 1);
	assert_int_equal(f->w.cnt[LB_CNT_handoff], 1);
	assert_int_equal(flow_table_count(&f->w.ft), 0);
	answer(f, 1, 5);
	o = run1(f, 2000000);
	assert_int_equal(o.action, LB_ACT_HANDOFF);
	assert_int_equal(o.owner, 1);
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
			assert_true(o[k].action <= LB_ACT_HANDOFF);
			assert_true(pbs[k].off + pbs[k].len <= BUFSZ);
		}
	}
	rx = f->w.cnt[LB_CNT_rx];
	for (unsigned int c = 0; c < LB_CNT_MAX; c++) {
		const char *nm = lb_counter_name(c);

		if (strncmp(nm, "tx_", 3) == 0 || strncmp(nm, "drop_", 5) == 0 ||
		    strcmp(nm, "handoff") == 0 ||
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
	uint8_t *p = f->buf + HEADROOM;
	uint8_t *ip = p + ETH_HDR_LEN, *tcp = ip + 40;

	memset(f->buf, 0, sizeof(f->buf));
	memcpy(p, lb_mac, 6);
	memcpy(p + 6, smac, 6);
	store_be16(p + 12, ETH_TYPE_IPV6);
	ip[0] = 0x60;
	store_be16(ip + 4, 20);
	ip[6] = IPPROTO_NUM_TCP;
	ip[7] = 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	store_be16(tcp, sport);
	store_be16(tcp + 2, dport);
	store_be32(tcp + 4, 1000);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	store_be16(tcp + 14, 8192);
	store_be16(tcp + 16, csum_l4(csum_pseudo_ipv6(src, dst,
						      IPPROTO_NUM_TCP, 20),
				     tcp, 20));
	assert_int_equal(pkt_buf_init(&f->pb, f->buf, BUFSZ, HEADROOM,
				      ETH_HDR_LEN + 60), WIRE_OK);
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
	struct lb_addr c6, vip6, s;
	uint64_t est[2];
	uint8_t be_of[64];
	char err[200];
	struct lb_worker *ws[1];

	lb_worker_fini(&f->w);
	lb_state_free(f->st);
	addr6(&f->cfg.port[0].ip6, 0x2001, 0xdb8, 0, 1);
	f->cfg.port[0].ip6_prefix_len = 64;
	addr6(&s, 0x2001, 0xdb8, 0xff, 0);
	memcpy(f->cfg.lb_sid, s.a, 16);
	f->cfg.has_lb_sid = true;
	addr6(&c6, 0x2001, 0xdb8, 0, 2);
	addr6(&vip6, 0x2001, 0xdb8, 0, 0x120);
	v->addr = vip6;
	v->transport = LB_TRANSPORT_SRV6;
	v->policy = LB_POLICY_LATENCY;
	v->auth = false;
	v->probe_n = 0;
	v->n_backends = 2;
	for (unsigned int b = 0; b < 2; b++) {
		snprintf(v->backend[b].name, sizeof(v->backend[b].name),
			 "s%u", b + 1);
		addr6(&v->backend[b].addr, 0x2001, 0xdb8, 0, 0x21 + b);
		addr6(&s, 0x2001, 0xdb8, 0xa1 + b, 0);
		memcpy(v->backend[b].locator, s.a, 16);
		v->backend[b].has_locator = true;
		v->backend[b].weight = 1;
	}
	f->cfg.n_neigh = 2;
	addr6(&f->cfg.neigh[0].ip, 0x2001, 0xdb8, 0, 0x21);
	addr6(&f->cfg.neigh[1].ip, 0x2001, 0xdb8, 0, 0x22);
	memcpy(f->cfg.neigh[1].mac, s1_mac, 6);
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
	assert_int_equal(lb_worker_prepare(&f->w, next), 0);
	lb_worker_adopt(&f->w, next);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_auth_nonce_echoed, setup,
						teardown),
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Passive health (lb_health.h): the state machine on its own (dead,
 * briefly slow, flapping, rise, override), then the whole loop through
 * the engine: a dsr-feedback VIP of three servers with new flows at
 * 30/s, one server dies, the control side polls the worker's counts
 * every 10 ms and publishes new states as the appliance does; the dead
 * server must be out within 1 s, get no new flow but trials, and come
 * back once it answers again.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
#include "dsrlb/ipv4opt.h"
#include "dsrlb/lb_ctl.h"
#include "dsrlb/lb_engine.h"
#include "dsrlb/lb_health.h"
#include "dsrlb/pkt_parse.h"
#include "dsrlb/wire.h"

#include "lb_fixture.h"

#define MS 1000000ull

/* ---- the state machine ---------------------------------------------------- */

static void
test_dead_goes_down_after_fall(void **state)
{
	struct lb_health_conf c;
	struct lb_health_be h = { 0 };

	(void)state;
	lb_health_conf_default(&c);
	assert_false(lb_health_observe(&h, &c, 5, 0, 1));
	assert_int_equal(h.state, LB_HEALTH_UP);
	assert_true(lb_health_observe(&h, &c, 0, 1, 2));
	assert_int_equal(h.state, LB_HEALTH_SUSPECT);
	assert_false(lb_health_is_down(&h));
	assert_false(lb_health_observe(&h, &c, 0, 1, 3));
	assert_int_equal(h.state, LB_HEALTH_SUSPECT);
	assert_true(lb_health_observe(&h, &c, 0, 1, 4));
	assert_int_equal(h.state, LB_HEALTH_DOWN);
	assert_int_equal(h.reason, LB_HEALTH_R_LOST);
	assert_true(lb_health_is_down(&h));
	assert_true(h.since_ns == 4);
	assert_int_equal(h.n_down, 1);
	/* several losses in one poll count as several */
	memset(&h, 0, sizeof(h));
	assert_true(lb_health_observe(&h, &c, 0, 3, 5));
	assert_int_equal(h.state, LB_HEALTH_DOWN);
}

static void
test_briefly_slow_stays_up(void **state)
{
	struct lb_health_conf c;
	struct lb_health_be h = { 0 };

	(void)state;
	lb_health_conf_default(&c);
	/* fall - 1 losses, then an answer: back to up, streak restarts */
	for (int round = 0; round < 10; round++) {
		for (uint32_t i = 0; i + 1 < c.fall; i++)
			(void)lb_health_observe(&h, &c, 0, 1, 10);
		assert_false(lb_health_is_down(&h));
		(void)lb_health_observe(&h, &c, 1, 0, 11);
		assert_int_equal(h.state, LB_HEALTH_UP);
	}
	assert_int_equal(h.n_down, 0);
	/* a poll with both an answer and a loss counts as alive */
	(void)lb_health_observe(&h, &c, 0, 2, 12);
	(void)lb_health_observe(&h, &c, 1, 5, 13);
	assert_int_equal(h.state, LB_HEALTH_UP);
	assert_int_equal(h.bad, 0);
}

static void
test_flapping_and_rise(void **state)
{
	struct lb_health_conf c;
	struct lb_health_be h = { 0 };

	(void)state;
	lb_health_conf_default(&c);
	c.rise = 3;
	(void)lb_health_observe(&h, &c, 0, c.fall, 1);
	assert_int_equal(h.state, LB_HEALTH_DOWN);
	/* alternating answers and losses: never rise good in a row */
	for (int i = 0; i < 20; i++) {
		(void)lb_health_observe(&h, &c, 1, 0, 2);
		(void)lb_health_observe(&h, &c, 0, 1, 3);
		assert_int_equal(h.state, LB_HEALTH_DOWN);
	}
	/* rise - 1 answers are not enough, rise are */
	(void)lb_health_observe(&h, &c, 1, 0, 4);
	(void)lb_health_observe(&h, &c, 1, 0, 5);
	assert_int_equal(h.state, LB_HEALTH_DOWN);
	assert_true(lb_health_observe(&h, &c, 1, 0, 6));
	assert_int_equal(h.state, LB_HEALTH_UP);
	assert_int_equal(h.reason, LB_HEALTH_R_ANSWERED);
	assert_int_equal(h.n_up, 1);
	assert_int_equal(h.n_down, 1);
}

static void
test_override(void **state)
{
	struct lb_health hl;
	struct lb_health_be *h;
	struct lb_health_conf c;

	(void)state;
	lb_health_conf_default(&c);
	assert_int_equal(lb_health_init(&hl, 2), 0);
	h = lb_health_get(&hl, 1, 3);
	assert_non_null(h);
	assert_null(lb_health_get(&hl, 2, 0));
	assert_int_equal(lb_health_override(&hl, 1, 3, "down", 7), 0);
	assert_true(lb_health_is_down(h));
	assert_string_equal(lb_health_label(h), "forced-down");
	assert_int_equal(h->reason, LB_HEALTH_R_FORCED);
	(void)lb_health_observe(h, &c, 0, c.fall, 8);
	assert_int_equal(lb_health_override(&hl, 1, 3, "up", 9), 0);
	assert_false(lb_health_is_down(h));
	assert_int_equal(lb_health_override(&hl, 1, 3, "auto", 10), 0);
	assert_true(lb_health_is_down(h)); /* it really is down */
	assert_int_equal(lb_health_override(&hl, 1, 3, "maybe", 11), -1);
	lb_health_fini(&hl);
}

static void
test_conf_check(void **state)
{
	struct lb_health_conf c;
	const char *key = NULL;

	(void)state;
	lb_health_conf_default(&c);
	assert_null(lb_health_conf_check(&c, &key));
	c.fall = 0;
	assert_non_null(lb_health_conf_check(&c, &key));
	assert_string_equal(key, "health_fall");
	lb_health_conf_default(&c);
	c.timeout_ns = 0;
	assert_non_null(lb_health_conf_check(&c, &key));
	assert_string_equal(key, "health_timeout_ms");
}

/* ---- through the engine ----------------------------------------------------- */

#define HEADROOM 128
#define BUFSZ    2048
#define NSRV     3

static const uint8_t lb_mac[6] = { 2, 0, 0, 0, 0, 0xaa };
static const uint8_t cl_mac[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t C1[4] = { 10, 0, 0, 2 };
static const uint8_t VIP[4] = { 10, 0, 0, 100 };

struct fx {
	struct lb_config cfg;
	struct lb_state *st;
	struct lb_worker w;
	struct lb_health h;
	uint8_t buf[BUFSZ];
	struct pkt_buf pb;
	uint64_t per_srv[NSRV];  /* new flows (SYNs) each server got */
	uint64_t published;
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

static void
srv_mac(uint8_t mac[6], unsigned int s)
{
	static const uint8_t base[6] = { 2, 0, 0, 0, 0, 0x11 };

	memcpy(mac, base, 6);
	mac[5] = (uint8_t)(0x11 + s);
}

static void
srv_ip(uint8_t ip[4], unsigned int s)
{
	ip[0] = 10;
	ip[1] = 0;
	ip[2] = 0;
	ip[3] = (uint8_t)(11 + s);
}

/* VIP 10.0.0.100:80 dsr-feedback over s0..s2 (10.0.0.11..13), probing
 * every 100th packet (the paper's N), health at its defaults. */
static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct lb_vip_conf *v;
	char err[200];

	assert_non_null(f);
	lb_config_defaults(&f->cfg);
	f->cfg.flow_capacity = 4096;
	f->cfg.n_ports = 1;
	strcpy(f->cfg.port[0].name, "wire");
	strcpy(f->cfg.port[0].dev, "net_null0");
	f->cfg.port[0].role = LB_ROLE_BOTH;
	addr4(&f->cfg.port[0].ip4, 10, 0, 0, 1);
	f->cfg.port[0].ip4_prefix_len = 24;
	f->cfg.n_neigh = NSRV + 1;
	for (unsigned int s = 0; s < NSRV; s++) {
		addr4(&f->cfg.neigh[s].ip, 10, 0, 0, (uint8_t)(11 + s));
		srv_mac(f->cfg.neigh[s].mac, s);
	}
	addr4(&f->cfg.neigh[NSRV].ip, 10, 0, 0, 2);
	memcpy(f->cfg.neigh[NSRV].mac, cl_mac, 6);
	f->cfg.n_vips = 1;
	f->cfg.vip = v = calloc(1, sizeof(*v));
	assert_non_null(v);
	strcpy(v->name, "web4");
	addr4(&v->addr, 10, 0, 0, 100);
	v->port = 80;
	v->proto = IPPROTO_NUM_TCP;
	v->transport = LB_TRANSPORT_DSR;
	v->policy = LB_POLICY_BUSY;
	v->probe_n = 100;
	v->n_backends = NSRV;
	for (unsigned int s = 0; s < NSRV; s++) {
		snprintf(v->backend[s].name, sizeof(v->backend[s].name),
			 "s%u", s);
		addr4(&v->backend[s].addr, 10, 0, 0, (uint8_t)(11 + s));
		v->backend[s].weight = 1;
	}
	if (lb_state_build(&f->st, &f->cfg, &lb_mac, err, sizeof(err)) != 0)
		fail_msg("lb_state_build: %s", err);
	assert_int_equal(lb_worker_init(&f->w, f->st, 0, 1, 42), 0);
	assert_int_equal(lb_health_init(&f->h, 1), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	lb_health_fini(&f->h);
	lb_worker_fini(&f->w);
	lb_state_free(f->st);
	lb_config_free(&f->cfg);
	free(f);
	return 0;
}

/* Ethernet + IPv4 + TCP (no options) into f->pb. */
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

/* What the control thread does every 10 ms (src/dsrlb/console.c). */
static void
control_poll(struct fx *f, uint64_t now)
{
	struct lb_config next;
	struct lb_state *nst = NULL;
	struct lb_worker_pending p;
	char err[200];

	if (!lb_health_poll(&f->h, &f->cfg, (struct lb_worker *const[]){
				    &f->w }, 1, now, NULL, NULL))
		return;
	assert_int_equal(lb_config_copy(&next, &f->cfg), 0);
	lb_health_mark(&f->h, &next);
	if (lb_state_build_next(&nst, &next, &lb_mac, f->st, err,
				sizeof(err)) != 0)
		fail_msg("lb_state_build_next: %s", err);
	assert_int_equal(lb_worker_prepare(&f->w, nst, &p), 0);
	lb_worker_adopt(&f->w, &p);
	lb_worker_pending_free(&p);
	lb_state_free(f->st);
	f->st = nst;
	lb_config_free(&f->cfg);
	f->cfg = next;
	f->published++;
}

/* A SYN from C1:@p sport at @p now. @return the server it went to (or
 * -1), and in @p req whether it carries a metric request. */
static int
syn(struct fx *f, uint16_t sport, uint64_t now, bool *req)
{
	struct lb_out o;
	struct pkt_meta m;

	frame4(f, cl_mac, C1, VIP, sport, 80, TCP_FLAG_SYN);
	lb_worker_burst(&f->w, &f->pb, 0, 1, now, &o);
	if (o.action != LB_ACT_TX)
		return -1;
	assert_int_equal(pkt_parse(pkt_buf_data(&f->pb), f->pb.len, &m),
			 WIRE_OK);
	*req = (m.msgs & (1u << PKT_MSG_METRIC_REQ)) != 0;
	for (unsigned int s = 0; s < NSRV; s++) {
		uint8_t ip[4];

		srv_ip(ip, s);
		if (memcmp(m.dst, ip, 4) == 0)
			return (int)s;
	}
	return -1;
}

/* Whether server @p s is a recovery candidate of C1:@p sport's flow. */
static bool
candidate_of(struct fx *f, uint16_t sport, unsigned int s)
{
	const struct chash_table *t = f->st->vip[0].chd;
	struct flow_key k;
	const uint16_t *cand;

	flow_key_ipv4(&k, C1, VIP, sport, 80, IPPROTO_NUM_TCP);
	cand = chash_lookup(t, lb_key_hash(f->st, &k));
	for (uint32_t i = 0; i < t->c; i++)
		if (cand[i] == s)
			return true;
	return false;
}

/* Server @p s answers C1:@p sport's request (SYN-ACK, score 0). */
static void
answer(struct fx *f, unsigned int s, uint16_t sport, uint64_t now)
{
	uint8_t mac[6], ip[4];
	struct lb_out o;

	srv_mac(mac, s);
	srv_ip(ip, s);
	frame4(f, mac, ip, VIP, 80, sport, TCP_FLAG_SYN | TCP_FLAG_ACK);
	assert_int_equal(ipv4opt_insert_client(&f->pb, ETH_HDR_LEN, 0,
					       load_be32(C1), sport), WIRE_OK);
	assert_int_equal(ipv4opt_insert_answer(&f->pb, ETH_HDR_LEN, 0, 0,
					       false, 0), WIRE_OK);
	lb_worker_burst(&f->w, &f->pb, 0, 1, now, &o);
	assert_int_equal(o.action, LB_ACT_TX);
}

#define PEND 64

/* Run new flows at 30/s (one every 33 ms) from @p t0 to @p t1 with the
 * control poll every 10 ms; server s answers a request after @p delay[s]
 * (UINT64_MAX: dead). Returns the time s2 was first seen down, 0 if
 * never. */
static uint64_t
run(struct fx *f, uint64_t t0, uint64_t t1, const uint64_t delay[NSRV],
    uint16_t *sport)
{
	struct { uint64_t at; uint16_t sport; uint8_t s; } pend[PEND];
	unsigned int np = 0;
	uint64_t down_at = 0, next_syn = t0;

	for (uint64_t t = t0; t < t1; t += MS) {
		lb_worker_maintain(&f->w, t, 64);
		for (unsigned int i = 0; i < np;) {
			if (pend[i].at <= t) {
				answer(f, pend[i].s, pend[i].sport, t);
				pend[i] = pend[--np];
			} else {
				i++;
			}
		}
		if (t >= next_syn) {
			bool req = false;
			int s = syn(f, ++*sport, t, &req);

			assert_true(s >= 0);
			f->per_srv[s]++;
			if (req && delay[s] != UINT64_MAX && np < PEND) {
				pend[np].at = t + delay[s];
				pend[np].sport = *sport;
				pend[np].s = (uint8_t)s;
				np++;
			}
			next_syn = t + 33 * MS;
		}
		if (t % (10 * MS) == 0) {
			control_poll(f, t);
			if (down_at == 0 && f->st->vip[0].be[2].health_down)
				down_at = t;
		}
	}
	return down_at;
}

static void
test_engine_dead_out_and_back(void **state)
{
	struct fx *f = *state;
	const uint64_t alive[NSRV] = { MS, MS, 2 * MS };
	const uint64_t dead[NSRV] = { MS, MS, UINT64_MAX };
	uint64_t down_at, trials;
	uint16_t sport = 10000, tport;
	int s;
	bool req;

	/* 3 s all alive: nobody goes down */
	assert_int_equal(run(f, 1000 * MS, 4000 * MS, alive, &sport), 0);
	assert_int_equal(f->published, 0);
	assert_true(f->per_srv[2] > 15);
	/* s2 dies at t = 4 s: out within 1 s */
	down_at = run(f, 4000 * MS, 9000 * MS, dead, &sport);
	assert_true(down_at > 4000 * MS);
	print_message("# dead server down after %.0f ms\n",
		      (double)(down_at - 4000 * MS) / 1e6);
	assert_true(down_at - 4000 * MS <= 1000 * MS);
	assert_true(f->st->vip[0].be[2].health_down);
	assert_int_equal(f->st->vip[0].be[2].state, SELECT_BACKEND_DRAINED);
	assert_false(f->cfg.vip[0].backend[2].removed);
	assert_int_equal(f->cfg.vip[0].backend[2].weight, 1);
	/* while down, s2 gets trial flows only: one per second */
	trials = f->w.cnt[LB_CNT_health_trial];
	assert_true(trials >= 3 && trials <= 5);
	/* a trial goes to a flow whose candidates (the C = d table, issue
	 * 17) include s2, so that another appliance can find it: not to
	 * the first SYN whose candidates do not */
	f->w.vip[0].hobs[2].trial_ns = 0;
	memset(f->w.vip[0].hobs[2].pending_ns, 0,
	       sizeof(f->w.vip[0].hobs[2].pending_ns));
	tport = 60000;
	while (!candidate_of(f, tport, 2))
		tport++;
	for (uint16_t p = 59000; p < 59100; p++)
		if (!candidate_of(f, p, 2)) {
			assert_int_not_equal(syn(f, p, 9001 * MS, &req), 2);
			break;
		}
	/* a trial SYN retransmitted goes to a live server */
	s = syn(f, tport, 9001 * MS, &req);
	assert_int_equal(s, 2);
	assert_true(req);
	s = syn(f, tport, 10001 * MS, &req);
	assert_true(s == 0 || s == 1);
	assert_true(f->w.cnt[LB_CNT_health_resteer] >= 1);
	/* s2 answers again: back after rise trials, new flows again */
	memset(f->per_srv, 0, sizeof(f->per_srv));
	(void)run(f, 10100 * MS, 12100 * MS, alive, &sport);
	assert_false(f->st->vip[0].be[2].health_down);
	assert_int_equal(f->st->vip[0].be[2].state, SELECT_BACKEND_ACTIVE);
	assert_true(f->per_srv[2] > 5);
	assert_int_equal(lb_health_get(&f->h, 0, 2)->n_up, 1);
}

static void
test_engine_briefly_slow_stays(void **state)
{
	struct fx *f = *state;
	const uint64_t alive[NSRV] = { MS, MS, 2 * MS };
	const uint64_t slow[NSRV] = { MS, MS, 250 * MS };
	uint16_t sport = 10000;

	assert_int_equal(run(f, 1000 * MS, 2000 * MS, alive, &sport), 0);
	/* answers 250 ms late (past the 150 ms timeout) for 2 s: a late
	 * answer still proves the server alive */
	assert_int_equal(run(f, 2000 * MS, 4000 * MS, slow, &sport), 0);
	assert_int_equal(run(f, 4000 * MS, 5000 * MS, alive, &sport), 0);
	assert_int_equal(f->published, 0);
}

static void
test_engine_all_down_fails_open(void **state)
{
	struct fx *f = *state;
	const uint64_t dead[NSRV] = { UINT64_MAX, UINT64_MAX, UINT64_MAX };
	uint16_t sport = 10000;

	(void)run(f, 1000 * MS, 4000 * MS, dead, &sport);
	/* everything is down in the monitor's view, but the VIP keeps
	 * forwarding by its table */
	for (unsigned int s = 0; s < NSRV; s++)
		assert_true(lb_health_is_down(lb_health_get(&f->h, 0, s)));
	assert_true(f->st->vip[0].fail_open);
	assert_int_equal(f->st->vip[0].n_down, 0);
	assert_int_equal(f->st->vip[0].n_active, NSRV);
}

static void
test_engine_disabled(void **state)
{
	struct fx *f = *state;
	const uint64_t dead[NSRV] = { MS, MS, UINT64_MAX };
	uint16_t sport = 10000;

	f->cfg.health.enabled = false;
	f->st->cfg.health.enabled = false;
	assert_int_equal(run(f, 1000 * MS, 4000 * MS, dead, &sport), 0);
	assert_int_equal(f->published, 0);
	assert_int_equal(f->w.cnt[LB_CNT_health_lost], 0);
}

/* Active checks (lb_check.h): a backend whose checks fail is out of
 * rotation but gets no trial flow (its agent would answer it: only
 * passing checks bring it back); two passes and it gets flows again. */
static void
test_engine_check_down_no_trials(void **state)
{
	struct fx *f = *state;
	const uint64_t alive[NSRV] = { MS, MS, MS };
	struct lb_health_be *hb = lb_health_get(&f->h, 0, 1);
	uint16_t sport = 10000;

	for (int i = 0; i < 3; i++)
		(void)lb_health_check_result(hb, &f->cfg.health, false,
					     "HTTP 500", 1000 * MS);
	control_poll(f, 1000 * MS);
	assert_int_equal(f->published, 1);
	assert_true(f->cfg.vip[0].backend[1].check_down);
	assert_false(f->cfg.vip[0].backend[1].health_down);
	assert_int_equal(f->st->vip[0].n_down, 1);
	assert_int_equal(f->st->vip[0].be[1].health_down, 0);
	memset(f->per_srv, 0, sizeof(f->per_srv));
	(void)run(f, 1000 * MS, 6000 * MS, alive, &sport);
	/* 5 s at 30 new flows/s: none to s1, not even a trial */
	assert_int_equal(f->per_srv[1], 0);
	assert_true(f->per_srv[0] + f->per_srv[2] > 140);
	assert_int_equal(f->w.cnt[LB_CNT_health_trial], 0);
	assert_true(lb_health_is_down(hb));
	/* the checks pass again: back after rise (2) */
	(void)lb_health_check_result(hb, &f->cfg.health, true, "ok",
				     6000 * MS);
	(void)lb_health_check_result(hb, &f->cfg.health, true, "ok",
				     6001 * MS);
	memset(f->per_srv, 0, sizeof(f->per_srv));
	(void)run(f, 6010 * MS, 9000 * MS, alive, &sport);
	assert_false(f->cfg.vip[0].backend[1].check_down);
	assert_true(f->per_srv[1] > 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dead_goes_down_after_fall),
		cmocka_unit_test(test_briefly_slow_stays_up),
		cmocka_unit_test(test_flapping_and_rise),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_conf_check),
		cmocka_unit_test_setup_teardown(test_engine_dead_out_and_back,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_briefly_slow_stays,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_all_down_fails_open,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_disabled, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_engine_check_down_no_trials, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

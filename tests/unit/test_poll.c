/* SPDX-License-Identifier: BSD-3-Clause */
/* The polling baseline: poll codec (lib/wire/poll.c), the agent's in-place
 * answer, rounds and score snapshots (lib/lb/lb_poll.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/busy_select.h"
#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
#include "dsrlb/lb_poll.h"
#include "dsrlb/lb_state.h"
#include "dsrlb/pkt_parse.h"
#include "dsrlb/poll.h"

static void
codec(void **state)
{
	struct poll_msg m = { .type = POLL_ANSWER, .score = 0xbeef,
			      .nonce = 0x0102030405060708ull }, d;
	uint8_t b[POLL_LEN];

	(void)state;
	poll_encode(b, &m);
	assert_memory_equal(b, "DSRP\x01\x02\xbe\xef\x01\x02\x03\x04\x05\x06"
			    "\x07\x08", POLL_LEN);
	assert_int_equal(poll_decode(b, POLL_LEN, &d), WIRE_OK);
	assert_int_equal(d.type, POLL_ANSWER);
	assert_int_equal(d.score, 0xbeef);
	assert_true(d.nonce == m.nonce);
	assert_int_equal(poll_decode(b, POLL_LEN - 1, &d),
			 WIRE_ERR_TRUNCATED);
	assert_int_equal(poll_decode(b, POLL_LEN + 1, &d),
			 WIRE_ERR_TRUNCATED);
	b[0] ^= 1;
	assert_int_equal(poll_decode(b, POLL_LEN, &d), WIRE_ERR_INVAL);
	b[0] ^= 1;
	b[4] = 2;       /* version */
	assert_int_equal(poll_decode(b, POLL_LEN, &d), WIRE_ERR_INVAL);
	b[4] = 1;
	b[5] = 3;       /* type */
	assert_int_equal(poll_decode(b, POLL_LEN, &d), WIRE_ERR_INVAL);
	b[5] = POLL_REQUEST;    /* a request carries no score */
	assert_int_equal(poll_decode(b, POLL_LEN, &d), WIRE_ERR_INVAL);
	assert_int_equal(poll_decode(NULL, POLL_LEN, &d), WIRE_ERR_INVAL);
}

/* An Ethernet + IPv4 + UDP poll request frame. */
static uint32_t
request4(uint8_t *f, uint64_t nonce)
{
	struct poll_msg m = { .type = POLL_REQUEST, .nonce = nonce };
	uint8_t *ip = f + 14, *udp = ip + 20;

	memset(f, 0, 14 + 20 + 8 + POLL_LEN);
	memcpy(f, "\x02\x00\x00\x00\x00\x11", 6);     /* server */
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6); /* appliance */
	store_be16(f + 12, 0x0800);
	ip[0] = 0x45;
	store_be16(ip + 2, 20 + 8 + POLL_LEN);
	ip[8] = 63;
	ip[9] = 17;
	memcpy(ip + 12, "\x0a\x00\x00\x01", 4);
	memcpy(ip + 16, "\x0a\x00\x00\x0b", 4);
	store_be16(ip + 10, csum_ipv4_hdr(ip, 20));
	store_be16(udp, 40000);
	store_be16(udp + 2, POLL_PORT);
	store_be16(udp + 4, 8 + POLL_LEN);
	poll_encode(udp + 8, &m);
	store_be16(udp + 6, csum_l4(csum_pseudo_ipv4(0x0a000001, 0x0a00000b,
						     17, 8 + POLL_LEN),
				    udp, 8 + POLL_LEN));
	return 14 + 20 + 8 + POLL_LEN;
}

static void
answer_frame(void **state)
{
	uint8_t f[128], g[128];
	struct pkt_meta m;
	struct poll_msg d;
	uint32_t n = request4(f, 77);
	uint8_t *ip = f + 14, *udp = ip + 20;

	(void)state;
	assert_int_equal(pkt_parse(f, n, &m), WIRE_OK);
	memcpy(g, f, n);
	assert_int_equal(poll_answer_frame(f, n, &m, 42), WIRE_OK);
	/* addresses and ports swapped, TTL 64, answer with the nonce */
	assert_memory_equal(f, g + 6, 6);
	assert_memory_equal(f + 6, g, 6);
	assert_memory_equal(ip + 12, g + 14 + 16, 4);
	assert_memory_equal(ip + 16, g + 14 + 12, 4);
	assert_int_equal(ip[8], 64);
	assert_int_equal(load_be16(udp), POLL_PORT);
	assert_int_equal(load_be16(udp + 2), 40000);
	assert_int_equal(poll_decode(udp + 8, POLL_LEN, &d), WIRE_OK);
	assert_int_equal(d.type, POLL_ANSWER);
	assert_int_equal(d.score, 42);
	assert_true(d.nonce == 77);
	/* both checksums verify */
	assert_int_equal(csum_ipv4_hdr(ip, 20), load_be16(ip + 10));
	assert_int_equal(csum_fold(csum_partial(udp, 8 + POLL_LEN,
			 csum_pseudo_ipv4(load_be32(ip + 12),
					  load_be32(ip + 16), 17,
					  8 + POLL_LEN))), 0);
	/* an answer is not answered again, nothing changes */
	assert_int_equal(pkt_parse(f, n, &m), WIRE_OK);
	memcpy(g, f, n);
	assert_int_equal(poll_answer_frame(f, n, &m, 1), WIRE_ERR_INVAL);
	assert_memory_equal(f, g, n);
	/* a short datagram */
	n = request4(f, 5);
	assert_int_equal(pkt_parse(f, n, &m), WIRE_OK);
	assert_int_equal(poll_answer_frame(f, n - 1, &m, 1),
			 WIRE_ERR_TRUNCATED);
	/* another port */
	m.dport = 7400;
	assert_int_equal(poll_answer_frame(f, n, &m, 1), WIRE_ERR_INVAL);
}

/* A state with VIP 0 polling (s1, s2), VIP 1 maglev (s3), VIP 2 polling
 * (s2 again, s4 IPv6). */
static struct lb_state *
state_new(void)
{
	struct lb_state *st = calloc(1, sizeof(*st));
	static const uint8_t a4[3][4] = { { 10, 0, 0, 11 }, { 10, 0, 0, 12 },
					  { 10, 0, 0, 13 } };

	assert_non_null(st);
	st->n_vips = 3;
	st->vip = calloc(3, sizeof(*st->vip));
	assert_non_null(st->vip);
	st->vip[0].conf.policy = LB_POLICY_POLL;
	st->vip[0].conf.n_backends = 2;
	st->vip[1].conf.policy = LB_POLICY_MAGLEV;
	st->vip[1].conf.n_backends = 1;
	st->vip[2].conf.policy = LB_POLICY_POLL;
	st->vip[2].conf.n_backends = 2;
	for (int b = 0; b < 2; b++) {
		st->vip[0].conf.backend[b].addr.family = 4;
		memcpy(st->vip[0].conf.backend[b].addr.a, a4[b], 4);
	}
	st->vip[1].conf.backend[0].addr.family = 4;
	memcpy(st->vip[1].conf.backend[0].addr.a, a4[2], 4);
	st->vip[2].conf.backend[0].addr.family = 4;
	memcpy(st->vip[2].conf.backend[0].addr.a, a4[1], 4);
	st->vip[2].conf.backend[1].addr.family = 6;
	st->vip[2].conf.backend[1].addr.a[0] = 0x20;
	st->vip[2].conf.backend[1].addr.a[15] = 0x14;
	return st;
}

static void
answer(struct lb_poll *p, uint32_t i, uint16_t score, int want)
{
	struct poll_msg m = { .type = POLL_ANSWER, .score = score,
			      .nonce = p->t[i].nonce };
	uint8_t b[POLL_LEN];

	poll_encode(b, &m);
	assert_int_equal(lb_poll_answer(p, p->t[i].family, p->t[i].addr, b,
					POLL_LEN), want);
}

static void
rounds(void **state)
{
	struct lb_state *st = state_new();
	struct lb_poll p = { 0 };
	struct lb_poll_scores *s;
	struct rng r;
	uint8_t req[POLL_LEN], b[POLL_LEN];
	struct poll_msg m;
	uint64_t n1;

	(void)state;
	rng_seed(&r, 1);
	assert_true(lb_poll_wanted(st));
	assert_int_equal(lb_poll_init(&p, st), 0);
	/* s1, s2 (shared by two VIPs), s4; not the maglev VIP's s3 */
	assert_int_equal(p.n, 3);
	lb_poll_round(&p, &r);
	lb_poll_request(&p, 0, req);
	assert_int_equal(poll_decode(req, POLL_LEN, &m), WIRE_OK);
	assert_int_equal(m.type, POLL_REQUEST);
	assert_true(m.nonce == p.t[0].nonce && m.nonce != 0);
	/* nothing known yet */
	s = lb_poll_scores_build(&p, st, 0);
	assert_non_null(s);
	assert_int_equal(s->n, 2);
	assert_int_equal(s->be[0].known, 0);
	assert_int_equal(s->be[1].known, 0);
	free(s);
	assert_null(lb_poll_scores_build(&p, st, 1));  /* maglev */
	answer(&p, 0, 50, 0);
	answer(&p, 1, 5, 1);
	answer(&p, 1, 6, -1);                    /* repeated */
	assert_int_equal(p.cnt[LB_POLL_CNT_late], 1);
	/* a wrong nonce */
	m.type = POLL_ANSWER;
	m.score = 1;
	m.nonce = p.t[2].nonce ^ 1;
	poll_encode(b, &m);
	assert_int_equal(lb_poll_answer(&p, 6, p.t[2].addr, b, POLL_LEN), -1);
	assert_int_equal(p.cnt[LB_POLL_CNT_late], 2);
	/* an address nobody polled; a request instead of an answer */
	m.nonce = p.t[0].nonce;
	poll_encode(b, &m);
	assert_int_equal(lb_poll_answer(&p, 4, (const uint8_t *)"\x0a\x00"
					"\x00\x0d", b, POLL_LEN), -1);
	assert_int_equal(p.cnt[LB_POLL_CNT_unknown], 1);
	assert_int_equal(lb_poll_answer(&p, 4, p.t[0].addr, req, POLL_LEN),
			 -1);
	assert_int_equal(p.cnt[LB_POLL_CNT_bad], 1);
	s = lb_poll_scores_build(&p, st, 2);
	assert_int_equal(s->be[0].known, 1);    /* s2 */
	assert_int_equal(s->be[0].score, 5);
	assert_int_equal(s->be[1].known, 0);    /* s4 never answered */
	n1 = s->gen;
	free(s);
	s = lb_poll_scores_build(&p, st, 0);
	assert_true(s->gen > n1);
	assert_int_equal(s->be[0].score, 50);
	assert_int_equal(s->be[1].score, 5);
	free(s);
	/* s1 stays silent: it has missed k rounds at the k+1-th */
	for (uint32_t k = 0; k <= LB_POLL_MISSED_MAX; k++) {
		lb_poll_round(&p, &r);
		answer(&p, 1, 7, 1);
		s = lb_poll_scores_build(&p, st, 0);
		assert_int_equal(s->be[0].known, k < LB_POLL_MISSED_MAX);
		assert_int_equal(s->be[1].score, 7);
		free(s);
	}
	/* an answer of the previous round is late */
	n1 = p.t[0].nonce;
	lb_poll_round(&p, &r);
	assert_true(p.t[0].nonce != n1);
	m.nonce = n1;
	poll_encode(b, &m);
	assert_int_equal(lb_poll_answer(&p, 4, p.t[0].addr, b, POLL_LEN), -1);
	/* a change keeps the servers' scores */
	answer(&p, 0, 9, 0);
	st->vip[1].conf.policy = LB_POLICY_POLL;
	assert_int_equal(lb_poll_init(&p, st), 0);
	assert_int_equal(p.n, 4);
	s = lb_poll_scores_build(&p, st, 0);
	assert_int_equal(s->be[0].known, 1);
	assert_int_equal(s->be[0].score, 9);
	free(s);
	lb_poll_fini(&p);
	free(st->vip);
	free(st);
}

static void
apply(void **state)
{
	struct busy_conf c = { .max_age_ns = 0, .ewma_w = BUSY_EWMA_ONE };
	struct busy_table *t = malloc(busy_table_memsize(2));
	struct lb_poll_scores *s = calloc(1, sizeof(*s) + 2 * sizeof(s->be[0]));
	struct rng r;
	uint64_t gen = 0;
	uint16_t sc;

	(void)state;
	assert_non_null(t);
	assert_non_null(s);
	rng_seed(&r, 3);
	assert_int_equal(busy_table_init(t, 2, &c), 0);
	assert_false(lb_poll_apply(t, NULL, &gen, 1));
	s->gen = 4;
	s->n = 2;
	s->be[0].known = 1;
	s->be[0].score = 30;
	s->be[1].known = 1;
	s->be[1].score = 3;
	assert_true(lb_poll_apply(t, s, &gen, 1));
	assert_true(gen == 4);
	for (int k = 0; k < 20; k++)
		assert_int_equal(busy_select_pick_cached(t, 2, &r), 1);
	/* the same generation again changes nothing */
	s->be[1].score = 300;
	assert_false(lb_poll_apply(t, s, &gen, 3));
	assert_int_equal(busy_select_score(t, 1, 3, &sc), 1);
	assert_int_equal(sc, 3);
	s->gen = 5;
	assert_true(lb_poll_apply(t, s, &gen, 3));
	for (int k = 0; k < 20; k++)
		assert_int_equal(busy_select_pick_cached(t, 4, &r), 0);
	free(s);
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codec),
		cmocka_unit_test(answer_frame),
		cmocka_unit_test(rounds),
		cmocka_unit_test(apply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbour resolution. Ahead of traffic (issue 15, item 7; lb_solicit.h):
 * the unresolved next hops are asked for, each at most every
 * LB_SOLICIT_INTERVAL_NS, shared with the requests for held packets;
 * resolved ones and a configuration with neigh_solicit off ask nothing.
 * For a packet (lb_hold.h): the engine holds a frame whose next hop has
 * no MAC, and the hold queue sends it once the next hop resolves, in
 * order, drops the oldest past its limits and what waited too long.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dsrlb/bytes.h"
#include "dsrlb/lb_engine.h"
#include "dsrlb/lb_hold.h"
#include "dsrlb/lb_solicit.h"
#include "lb_fixture.h"

#define BUFSZ 256
#define MS 1000000ull
#define N_FRAMES 80

struct fx {
	struct lb_config cfg;
	struct lb_state *st;
	struct lb_worker w;
	uint8_t buf[BUFSZ];
	struct pkt_buf pb;
	struct lb_hold hold;
	uint8_t frames[N_FRAMES][BUFSZ];
	struct pkt_buf fpb[N_FRAMES];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[200];

	assert_non_null(f);
	lbfx_config(&f->cfg, 1);
	(void)lbfx_vip4(&f->cfg, "web", 100, 80, LB_POLICY_MAGLEV, 2);
	if (lb_state_build(&f->st, &f->cfg, &lbfx_mac, err, sizeof(err)) != 0)
		fail_msg("lb_state_build: %s", err);
	assert_int_equal(lb_worker_init(&f->w, f->st, 0, 1, 7), 0);
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

/* One call at @p now: the target address of the ARP request written, or
 * 0 when nothing was due. */
static uint8_t
ask(struct fx *f, uint64_t now)
{
	uint8_t port = 0xff;

	memset(f->buf, 0, sizeof(f->buf));
	assert_int_equal(pkt_buf_init(&f->pb, f->buf, BUFSZ, 64, 0),
			 WIRE_OK);
	if (!lb_worker_solicit(&f->w, &f->pb, now, &port))
		return 0;
	assert_int_equal(port, 0);
	assert_int_equal(f->pb.len, 60);
	/* broadcast ARP request from our MAC for 10.0.0.X */
	assert_memory_equal(pkt_buf_data(&f->pb) + 6, lbfx_mac, 6);
	assert_int_equal(load_be16(pkt_buf_data(&f->pb) + 12), ETH_TYPE_ARP);
	assert_int_equal(load_be16(pkt_buf_data(&f->pb) + 20), 1);
	return pkt_buf_data(&f->pb)[14 + 24 + 3];
}

static void
test_ahead_of_traffic(void **state)
{
	struct fx *f = *state;
	uint8_t a, b;

	/* both backends, one per call, then nothing for 200 ms */
	a = ask(f, 1000 * MS);
	b = ask(f, 1001 * MS);
	assert_true((a == 11 && b == 12) || (a == 12 && b == 11));
	assert_int_equal(ask(f, 1002 * MS), 0);
	assert_int_equal(ask(f, 1150 * MS), 0);
	assert_int_equal(f->w.cnt[LB_CNT_neigh_solicit_sent], 2);
	/* s1 answers; s2 is asked again once its interval passed */
	atomic_store(&f->st->nht->e[lb_state_nh_find(
		f->st, &f->cfg.vip[0].backend[0].addr)].mac,
		LB_NH_VALID | 0x020000000011ull);
	assert_int_equal(ask(f, 1250 * MS), 12);
	assert_int_equal(ask(f, 1260 * MS), 0);
	assert_int_equal(f->w.cnt[LB_CNT_neigh_solicit_sent], 3);
}

static void
test_off(void **state)
{
	struct fx *f = *state;
	struct lb_state *st2 = NULL;
	char err[200];

	f->cfg.neigh_solicit = false;
	assert_int_equal(lb_state_build(&st2, &f->cfg, &lbfx_mac, err,
					sizeof(err)), 0);
	lb_worker_fini(&f->w);
	lb_state_free(f->st);
	f->st = st2;
	assert_int_equal(lb_worker_init(&f->w, f->st, 0, 1, 7), 0);
	assert_int_equal(ask(f, 1000 * MS), 0);
	assert_int_equal(f->w.cnt[LB_CNT_neigh_solicit_sent], 0);
}

static const uint8_t client_mac[6] = { 2, 0, 0, 0, 0, 0x02 };

/* Client packet @p k (source port 40000 + @p k) to the VIP, through the
 * engine at @p now: its lb_out. */
static struct lb_out
client_packet(struct fx *f, unsigned int k, uint64_t now)
{
	static const uint8_t c1[4] = { 192, 0, 2, 1 }, vip[4] = { 10, 0, 0,
								  100 };
	struct lb_out o;

	lbfx_tcp4(f->frames[k] + 64, lbfx_mac, client_mac, c1, vip,
		  (uint16_t)(40000 + k), 80, 0x02);
	assert_int_equal(pkt_buf_init(&f->fpb[k], f->frames[k], BUFSZ, 64,
				      54), WIRE_OK);
	lb_worker_burst(&f->w, &f->fpb[k], 0, 1, now, &o);
	return o;
}

static uint32_t
nh_of(struct fx *f, unsigned int backend)
{
	return lb_state_nh_find(f->st, &f->cfg.vip[0].backend[backend].addr);
}

/* A frame to a backend without a MAC is held, not lost; the request for
 * it goes out in a buffer of its own, once per interval; when the MAC is
 * learned the frame leaves, addressed to it, counted as it would have
 * been (tx_backend). */
static void
test_hold_until_resolved(void **state)
{
	struct fx *f = *state;
	void *send[LB_HOLD_MAX], *gone[LB_HOLD_MAX];
	uint8_t port[LB_HOLD_MAX];
	uint32_t n_gone, nh;
	struct lb_out o;

	o = client_packet(f, 0, 1000 * MS);
	assert_int_equal(o.action, LB_ACT_HOLD);
	assert_int_equal(o.counter, LB_CNT_tx_backend);
	assert_int_equal(f->w.cnt[LB_CNT_tx_backend], 0);
	nh = o.nh;
	assert_true(nh == nh_of(f, 0) || nh == nh_of(f, 1));
	assert_null(lb_hold_add(&f->w, &f->hold, &f->fpb[0],
				pkt_buf_data(&f->fpb[0]), &o, 1000 * MS));
	/* the request: once, then not within the interval */
	assert_true(lb_worker_request_due(&f->w, (uint16_t)nh, 1000 * MS));
	memset(f->buf, 0, sizeof(f->buf));
	assert_int_equal(pkt_buf_init(&f->pb, f->buf, BUFSZ, 64, 0), WIRE_OK);
	port[0] = 0xff;
	assert_true(lb_worker_request(&f->w, &f->pb, (uint16_t)nh, 1000 * MS,
				      &port[0]));
	assert_int_equal(port[0], 0);
	assert_int_equal(load_be16(pkt_buf_data(&f->pb) + 12), ETH_TYPE_ARP);
	assert_false(lb_worker_request_due(&f->w, (uint16_t)nh, 1100 * MS));
	assert_false(lb_worker_request(&f->w, &f->pb, (uint16_t)nh,
				       1100 * MS, &port[0]));
	assert_true(lb_worker_request_due(&f->w, (uint16_t)nh, 1200 * MS));
	assert_int_equal(f->w.cnt[LB_CNT_neigh_request_sent], 1);
	/* not resolved yet: kept */
	assert_int_equal(lb_hold_sweep(&f->w, &f->hold, 1500 * MS, send, port,
				       gone, &n_gone), 0);
	assert_int_equal(n_gone, 0);
	assert_int_equal(f->hold.n, 1);
	/* resolved (by any lcore: the table is shared): sent, addressed */
	atomic_store(&f->st->nht->e[nh].mac, LB_NH_VALID | 0x020000000011ull);
	assert_int_equal(lb_hold_sweep(&f->w, &f->hold, 1600 * MS, send, port,
				       gone, &n_gone), 1);
	assert_ptr_equal(send[0], &f->fpb[0]);
	assert_int_equal(port[0], 0);
	assert_memory_equal(pkt_buf_data(&f->fpb[0]),
			    "\x02\x00\x00\x00\x00\x11", 6);
	assert_memory_equal(pkt_buf_data(&f->fpb[0]) + 6, lbfx_mac, 6);
	assert_int_equal(f->hold.n, 0);
	assert_int_equal(f->w.cnt[LB_CNT_tx_backend], 1);
	assert_int_equal(f->w.cnt[LB_CNT_neigh_held], 1);
	assert_int_equal(f->w.cnt[LB_CNT_neigh_hold_sent], 1);
	assert_false(lb_worker_request_due(&f->w, (uint16_t)nh, 2000 * MS));
	/* and the next packet to it goes at once */
	for (unsigned int k = 1; k < 40; k++) {
		o = client_packet(f, k, 1700 * MS);
		if (o.action == LB_ACT_TX) {
			assert_memory_equal(pkt_buf_data(&f->fpb[k]),
				"\x02\x00\x00\x00\x00\x11", 6);
			return;
		}
	}
	fail_msg("no flow went to the resolved backend");
}

/* Limits: LB_HOLD_PER_NH per next hop, the oldest making room (RFC 1122
 * §2.3.2.2 keeps the latest); what waits LB_HOLD_NS is dropped; the
 * rest leaves in the order it came; a flush drops all. */
static void
test_hold_limits(void **state)
{
	struct fx *f = *state;
	void *send[LB_HOLD_MAX], *gone[LB_HOLD_MAX];
	uint8_t port[LB_HOLD_MAX];
	uint32_t n_gone, n, nh0 = nh_of(f, 0), evicted = 0;
	void *first[2] = { NULL, NULL };

	for (unsigned int k = 0; k < N_FRAMES; k++) {
		struct lb_out o = client_packet(f, k, 1000 * MS + k);
		void *out;

		assert_int_equal(o.action, LB_ACT_HOLD);
		out = lb_hold_add(&f->w, &f->hold, &f->fpb[k],
				  pkt_buf_data(&f->fpb[k]), &o, 1000 * MS + k);
		if (first[o.nh != nh0] == NULL)
			first[o.nh != nh0] = &f->fpb[k];
		if (out != NULL) {
			/* the oldest of its own next hop: at first, the
			 * first frame sent to it */
			if (evicted++ == 0)
				assert_ptr_equal(out, first[o.nh != nh0]);
		}
	}
	/* two next hops, 8 frames each held, the rest made room */
	assert_int_equal(f->hold.n, 2 * LB_HOLD_PER_NH);
	assert_int_equal(evicted, N_FRAMES - 2 * LB_HOLD_PER_NH);
	assert_int_equal(f->w.cnt[LB_CNT_drop_neigh_hold_full], evicted);
	assert_int_equal(f->w.cnt[LB_CNT_neigh_held], N_FRAMES);
	/* next hop 0 resolves: its 8 latest leave, oldest first */
	atomic_store(&f->st->nht->e[nh0].mac, LB_NH_VALID | 0x020000000011ull);
	n = lb_hold_sweep(&f->w, &f->hold, 1100 * MS, send, port, gone,
			  &n_gone);
	assert_int_equal(n, LB_HOLD_PER_NH);
	assert_int_equal(n_gone, 0);
	for (uint32_t i = 1; i < n; i++)
		assert_true((struct pkt_buf *)send[i - 1] <
			    (struct pkt_buf *)send[i]);
	/* the other never resolves: dropped after LB_HOLD_NS */
	assert_int_equal(lb_hold_sweep(&f->w, &f->hold,
				       1000 * MS + LB_HOLD_NS - 1 * MS, send,
				       port, gone, &n_gone), 0);
	assert_int_equal(n_gone, 0);
	assert_int_equal(lb_hold_sweep(&f->w, &f->hold,
				       1000 * MS + N_FRAMES + LB_HOLD_NS, send,
				       port, gone, &n_gone), 0);
	assert_int_equal(n_gone, LB_HOLD_PER_NH);
	assert_int_equal(f->w.cnt[LB_CNT_drop_neigh_unresolved],
			 LB_HOLD_PER_NH);
	assert_int_equal(f->hold.n, 0);
	/* the lcore's limit, and the flush when the worker stops */
	for (unsigned int k = 0; k < LB_HOLD_MAX + 3; k++) {
		struct lb_out o = { .action = LB_ACT_HOLD,
				    .nh = (uint16_t)(100 + k),
				    .counter = LB_CNT_tx_backend };

		(void)lb_hold_add(&f->w, &f->hold, &f->fpb[k % N_FRAMES],
				  pkt_buf_data(&f->fpb[k % N_FRAMES]), &o,
				  2000 * MS);
	}
	assert_int_equal(f->hold.n, LB_HOLD_MAX);
	assert_int_equal(f->hold.e[0].nh, 103);
	assert_int_equal(lb_hold_flush(&f->w, &f->hold, gone), LB_HOLD_MAX);
	assert_int_equal(f->hold.n, 0);
	/* every frame ended in exactly one final counter */
	assert_int_equal(f->w.cnt[LB_CNT_tx_backend] +
			 f->w.cnt[LB_CNT_drop_neigh_unresolved] +
			 f->w.cnt[LB_CNT_drop_neigh_hold_full],
			 f->w.cnt[LB_CNT_neigh_held]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ahead_of_traffic, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hold_until_resolved,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_hold_limits, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("lb_solicit", tests, NULL, NULL);
}

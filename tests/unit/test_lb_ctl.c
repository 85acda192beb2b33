/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/lb/lb_ctl.c and the tables behind it: the command table (dispatch,
 * argument counts, help), the key table and the number rule from the
 * console's side, docs/console.md against lb_ctl_reference(), and a live
 * change that keeps the latency controllers' weights (lb_latency_carry).
 *
 * Run with the path of docs/console.md; "--print-reference" prints the
 * section the doc must hold (to paste it after changing a table). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/cfg_num.h"
#include "dsrlb/chash.h"
#include "dsrlb/lb_ctl.h"
#include "lb_fixture.h"
#include "dsrlb/lb_keys.h"
#include "dsrlb/lb_latency.h"
#include "dsrlb/wire.h"

#define REF_BEGIN "<!-- 8< lb_ctl_reference: generated from lib's tables, " \
		  "checked by tests/unit/test_lb_ctl.c -->\n"
#define REF_END "<!-- >8 lb_ctl_reference -->\n"

static const char *doc_path;

/* ---- output into a growing string ---------------------------------------- */

struct sbuf {
	char *s;
	size_t n;
};

static void
sbuf_write(void *arg, const char *s, size_t n)
{
	struct sbuf *b = arg;

	b->s = realloc(b->s, b->n + n + 1);
	assert_non_null(b->s);
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static void
sbuf_clear(struct sbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->n = 0;
}

/* ---- an appliance in a struct: config, state, one worker -------------------- */

struct fx {
	struct lb_config cfg;
	struct lb_state *st;
	struct lb_worker w;
	struct lb_worker *wp;
	struct lb_ctl_env env;
	struct sbuf out;
	struct lb_ctl_out o;
	unsigned int applied;
	uint32_t idle;
};

/* The driver's apply: next state aside, the worker adopts it, the old
 * one goes (src/dsrlb/console.c does the same across threads). */
static int
fx_apply(void *arg, struct lb_config *next, char *err, size_t len)
{
	struct fx *f = arg;
	struct lb_state *nst = NULL;
	struct lb_worker_pending p;

	if (lb_state_build_next(&nst, next, &lbfx_mac, f->st, err,
				(unsigned int)len) != 0)
		return -1;
	if (lb_worker_prepare(&f->w, nst, &p) != 0) {
		lb_state_free(nst);
		snprintf(err, len, "out of memory");
		return -1;
	}
	lb_worker_adopt(&f->w, &p);
	lb_worker_pending_free(&p);
	lb_state_free(f->st);
	f->st = nst;
	lb_config_free(&f->cfg);
	f->cfg = *next;
	f->env.cfg = &f->cfg;
	f->env.st = nst;
	f->applied++;
	return 0;
}

static void
fx_idle(void *arg, uint32_t us)
{
	((struct fx *)arg)->idle = us;
}

/* One port 10.0.0.1/24; VIP "lat" 10.0.0.100:80 latency-feedback with
 * backends s1 (weight 1), s2 (weight 3); VIP "mg" 10.0.0.101:8080
 * maglev with the same backends. */
static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct lb_vip_conf *v;
	char err[200];

	assert_non_null(f);
	lbfx_config(&f->cfg, LB_MAX_VIPS);
	v = lbfx_vip4(&f->cfg, "lat", 100, 80, LB_POLICY_LATENCY, 2);
	v->backend[1].weight = 3;
	v = lbfx_vip4(&f->cfg, "mg", 101, 8080, LB_POLICY_MAGLEV, 2);
	v->backend[1].weight = 3;
	if (lb_state_build(&f->st, &f->cfg, &lbfx_mac, err, sizeof(err)) != 0)
		fail_msg("lb_state_build: %s", err);
	assert_int_equal(lb_worker_init(&f->w, f->st, 0, 1, 42), 0);
	f->wp = &f->w;
	f->env.cfg = &f->cfg;
	f->env.st = f->st;
	f->env.w = &f->wp;
	f->env.n_w = 1;
	f->env.apply = fx_apply;
	f->env.set_idle_sleep = fx_idle;
	f->env.arg = f;
	f->o.write = sbuf_write;
	f->o.arg = &f->out;
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
	sbuf_clear(&f->out);
	free(f);
	return 0;
}

/* Run @p line; expect @p rc and @p want in the output. */
static void
run(struct fx *f, const char *line, int rc, const char *want)
{
	int got;

	sbuf_clear(&f->out);
	got = lb_ctl_exec(&f->env, line, &f->o);
	if (got != rc || (want != NULL &&
			  (f->out.s == NULL || strstr(f->out.s, want) == NULL)))
		fail_msg("'%s': rc %d (want %d), output:\n%s\nwanted: %s", line,
			 got, rc, f->out.s ? f->out.s : "", want ? want : "");
}

/* ---- the command table -------------------------------------------------------- */

static void
test_dispatch(void **state)
{
	struct fx *f = *state;

	run(f, "", 0, NULL);
	run(f, "# a comment", 0, NULL);
	run(f, "frobnicate", -1,
	    "error: unknown command 'frobnicate' (help lists the commands)");
	run(f, "show", -1, "error: show what? ports, lcores, vips, vip, "
	    "backends, chash, flows, flow, busy, latency, poll, health, "
	    "counters, announce\n");
	/* mode polling without a poller (tests/lb/test_poll_console.py
	 * runs the real one) */
	run(f, "show poll", 0, "  no poller here\n");
	run(f, "show frob", -1, "-- not frob");
	run(f, "vip nope x", -1, "error: vip what? add, del, set, drain, "
	    "undrain -- not nope");
	/* argument counts come from the syntax */
	run(f, "show vip", -1, "error: usage: show vip NAME\n");
	run(f, "show vip lat extra", -1, "error: usage: show vip NAME\n");
	run(f, "show flow 10.0.0.2 1 10.0.0.100", -1,
	    "usage: show flow CLIENT CPORT VIP VPORT [tcp|udp]");
	run(f, "vip set lat probe_every", -1,
	    "usage: vip set NAME KEY VALUE");
	run(f, "show vips", 0, "  lat          10.0.0.100:80");
	run(f, "show vip lat", 0, "mode latency-feedback");
	run(f, "show vip nosuch", -1, "error: no VIP named 'nosuch'");
	run(f, "quit", 1, NULL);
	run(f, "exit", 1, NULL);
	assert_int_equal(f->applied, 0);
}

static void
test_help(void **state)
{
	struct fx *f = *state;

	run(f, "help", 0, "  show ports ");
	/* the VIP keys come from the key table: none is missing */
	for (const struct lb_key *k = lb_keys; k->name != NULL; k++) {
		char want[96];

		if (k->not_live != NULL)
			continue;
		if (k->sec == LB_KEY_VIP)
			snprintf(want, sizeof(want), "  vip set NAME %s %s ",
				 k->name, k->syntax);
		else
			snprintf(want, sizeof(want), "  set %s %s ", k->name,
				 k->syntax);
		run(f, "help", 0, want);
	}
	run(f, "help vip", 0, "vip set NAME probe_adaptive on|off");
	run(f, "help vip", 0, "vip set NAME window N");
	run(f, "help nosuch", -1, "error: help: no group 'nosuch' (show, vip, "
	    "appliance, backend, auth, set, counters, capture, config, help, "
	    "quit)");
}

static void
test_completion_words(void **state)
{
	char buf[512];

	(void)state;
	assert_int_equal(lb_ctl_heads(buf, sizeof(buf)), 13);
	assert_string_equal(buf, "show#vip#appliance#backend#auth#set#clear#"
			    "capture#reload#save#help#quit#exit");
	assert_int_equal(lb_ctl_subwords("vip", buf, sizeof(buf)), 5);
	assert_string_equal(buf, "add#del#set#drain#undrain");
	assert_int_equal(lb_ctl_subwords("quit", buf, sizeof(buf)), 0);
	assert_true(lb_ctl_subwords("set", buf, sizeof(buf)) > 1);
	assert_non_null(strstr(buf, "idle_sleep_us"));
	assert_true(lb_ctl_subwords("help", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "show#vip#appliance#backend#auth#set#counters#"
			    "capture#config#help#quit");
	assert_string_equal(lb_ctl_usage("capture", buf, sizeof(buf)),
			    "capture start|stop ...");
}

/* ---- keys and numbers from the console's side ---------------------------------------- */

static void
test_keys(void **state)
{
	struct fx *f = *state;

	/* one number rule (cfg_num.h): "010" is refused, never 8 or 10 */
	run(f, "vip set lat probe_every 010", -1,
	    "error: vip set: probe_every: '010' is not a decimal number "
	    "without a leading zero in 0..65535\n");
	run(f, "vip set lat probe_every 0x10", -1,
	    "error: vip set: probe_every: '0x10' is not a number (decimal "
	    "digits only) in 0..65535\n");
	run(f, "vip set lat probe_every 70000", -1,
	    "error: vip set: probe_every: '70000' is not in 0..65535\n");
	assert_int_equal(f->cfg.vip[0].probe_n, 8);
	assert_int_equal(f->applied, 0);
	run(f, "vip set lat probe_every 10", 0, "vip lat: probe_every = 10");
	assert_int_equal(f->cfg.vip[0].probe_n, 10);
	/* keys that were the file's only are the console's too */
	run(f, "vip set lat chash_m 65535", -1,
	    "error: vip set: chash_m: 65535 is not prime");
	run(f, "vip set lat chash_m 251", 0, "vip lat: chash_m = 251");
	assert_int_equal(atomic_load(&f->st->vip[0].ch1)->m, 251);
	/* the configuration rules still judge the result */
	run(f, "vip set lat transport srv6", -1, "needs an IPv6 VIP");
	assert_int_equal(f->cfg.vip[0].transport, LB_TRANSPORT_DSR);
	run(f, "vip set lat transport udp", -1,
	    "error: vip set: transport: 'udp' is not one of dsr, srv6");
	run(f, "vip set lat window 4", 0, "vip lat: window = 4");
	run(f, "vip set lat alpha 0", -1, "alpha: '0' is not in 1..100");
	run(f, "vip set lat alpha 20", 0, NULL);
	assert_int_equal(f->cfg.vip[0].lat_alpha_ppm, 200000);
	run(f, "vip set lat address 10.0.0.9", -1,
	    "error: vip set: address is part of the VIP's identity");
	run(f, "vip set lat colour red", -1, "error: vip set: unknown setting "
	    "'colour' (mode, transport, leg, encoding, auth, probe_every, "
	    "probe_adaptive, window, c, alpha, chash_m, quic_lb_server_id_len, "
	    "quic_lb_nonce_len, quic_lb_config_id, quic_lb_encode_len, "
	    "quic_cid_len, announce, candidates, check, check_port, check_path, "
	    "check_status, check_interval_ms, check_timeout_ms)");
	run(f, "vip set lat quic_lb_nonce_len 8", -1, "error: vip set: "
	    "quic_lb_nonce_len is not settable live: the backends' server "
	    "IDs (backend.NAME quic_sid=) are given in the file only");
	run(f, "vip set lat quic_cid_len 8", -1,
	    "quic_cid_len needs proto quic");
	assert_int_equal(f->cfg.vip[0].quic_cid_len, 0);
	run(f, "vip set lat auth maybe", -1,
	    "error: vip set: auth: 'maybe' is not on or off (yes or no)");
	/* [general] */
	run(f, "set idle_sleep_us 150", 0, "idle_sleep_us = 150");
	assert_int_equal(f->idle, 150);
	assert_int_equal(f->cfg.idle_sleep_us, 150);
	run(f, "set idle_sleep_us 0150", -1, "leading zero");
	run(f, "set idle_sleep_us 100001", -1,
	    "error: set: idle_sleep_us: '100001' is not in 0..100000");
	assert_int_equal(f->cfg.idle_sleep_us, 150);
	run(f, "set flow_capacity 10", -1, "error: set: flow_capacity is not "
	    "settable live: sizes every lcore's flow table at start");
	run(f, "set chash_seed 1", -1, "6LB");
	run(f, "set nosuch 1", -1, "error: set: unknown setting 'nosuch'");
}

static void
test_cfg_num(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(cfg_num_parse("0", 0, 10, &v), CFG_NUM_OK);
	assert_int_equal(v, 0);
	assert_int_equal(cfg_num_parse("10", 0, 10, &v), CFG_NUM_OK);
	assert_int_equal(v, 10);
	assert_int_equal(cfg_num_parse("18446744073709551615", 0, UINT64_MAX,
				       &v), CFG_NUM_OK);
	assert_true(v == UINT64_MAX);
	v = 7;
	assert_int_equal(cfg_num_parse("18446744073709551616", 0, UINT64_MAX,
				       &v), CFG_NUM_RANGE);
	assert_int_equal(cfg_num_parse("010", 0, 100, &v),
			 CFG_NUM_LEADING_ZERO);
	assert_int_equal(cfg_num_parse("00", 0, 100, &v),
			 CFG_NUM_LEADING_ZERO);
	assert_int_equal(cfg_num_parse("0x10", 0, 100, &v),
			 CFG_NUM_NOT_DECIMAL);
	assert_int_equal(cfg_num_parse("-1", 0, 100, &v), CFG_NUM_NOT_DECIMAL);
	assert_int_equal(cfg_num_parse("+1", 0, 100, &v), CFG_NUM_NOT_DECIMAL);
	assert_int_equal(cfg_num_parse(" 1", 0, 100, &v), CFG_NUM_NOT_DECIMAL);
	assert_int_equal(cfg_num_parse("1k", 0, 100, &v), CFG_NUM_NOT_DECIMAL);
	assert_int_equal(cfg_num_parse("", 0, 100, &v), CFG_NUM_EMPTY);
	assert_int_equal(cfg_num_parse("101", 0, 100, &v), CFG_NUM_RANGE);
	assert_int_equal(cfg_num_parse("0", 1, 100, &v), CFG_NUM_RANGE);
	assert_int_equal(v, 7); /* a refused value changes nothing */
}

/* ---- docs/console.md holds the reference ------------------------------------------- */

static void
test_doc_matches_tables(void **state)
{
	struct sbuf ref = { NULL, 0 };
	struct lb_ctl_out o = { sbuf_write, &ref };
	char *doc, *a, *b;
	FILE *fp;
	long n;

	(void)state;
	fp = fopen(doc_path, "r");
	if (fp == NULL)
		fail_msg("%s: %s", doc_path, strerror(errno));
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	doc = calloc(1, (size_t)n + 1);
	assert_non_null(doc);
	assert_int_equal(fread(doc, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	lb_ctl_reference(&o);
	a = strstr(doc, REF_BEGIN);
	b = a != NULL ? strstr(a, REF_END) : NULL;
	if (a == NULL || b == NULL)
		fail_msg("%s: no section between '%s' and '%s'", doc_path,
			 REF_BEGIN, REF_END);
	a += strlen(REF_BEGIN);
	*b = '\0';
	if (strcmp(a, ref.s) != 0)
		fail_msg("%s disagrees with the command and key tables; the "
			 "section must read (test_lb_ctl --print-reference):"
			 "\n%s", doc_path, ref.s);
	free(doc);
	sbuf_clear(&ref);
}

/* ---- a live change applies only what changed ---------------------------------------- */

static void
test_latency_kept(void **state)
{
	struct fx *f = *state;
	struct lb_latency l0, l1, l2;
	struct lat_ctl_conf lc;
	struct lb_state *old, *st1 = NULL, *st2 = NULL;
	struct lb_config c1, c2;
	uint64_t configured, learned;
	uint32_t w0, w1;
	char err[200];

	lat_ctl_conf_default(&lc);
	assert_int_equal(lb_latency_init(&l0, f->st, &lc), 0);
	assert_int_equal(l0.n, 1);
	configured = chash_digest(atomic_load(&f->st->vip[0].ch1));
	/* what a few control steps learn: s2 is slow, s1 takes over */
	w0 = l0.v[0].ctl->weight[0] * 3;
	w1 = l0.v[0].ctl->weight[1] / 3;
	l0.v[0].ctl->weight[0] = w0;
	l0.v[0].ctl->weight[1] = w1;
	l0.v[0].ctl->changes = 5;
	old = f->st;

	/* an unrelated change: the VIP's probe interval */
	assert_int_equal(lb_config_copy(&c1, &f->cfg), 0);
	c1.vip[0].probe_n = 2;
	assert_int_equal(lb_state_build_next(&st1, &c1, &lbfx_mac, old, err,
					     sizeof(err)), 0);
	assert_int_equal(lb_latency_init(&l1, st1, &lc), 0);
	assert_int_equal(lb_latency_carry(&l1, st1, &l0, old), 1);
	assert_int_equal(l1.v[0].ctl->weight[0], w0);
	assert_int_equal(l1.v[0].ctl->weight[1], w1);
	assert_int_equal(l1.v[0].ctl->changes, 5);
	/* the new state's table follows the learned weights */
	learned = chash_digest(atomic_load(&st1->vip[0].ch1));
	assert_true(learned != configured);
	/* the other VIP's table is not built again: the new state shares
	 * it (and it outlives the old state) */
	assert_ptr_equal(atomic_load(&st1->vip[1].ch1),
			 atomic_load(&old->vip[1].ch1));

	/* a change of the VIP's backends restarts from configured weights */
	assert_int_equal(lb_config_copy(&c2, &c1), 0);
	c2.vip[0].backend[1].weight = 2;
	assert_int_equal(lb_state_build_next(&st2, &c2, &lbfx_mac, st1, err,
					     sizeof(err)), 0);
	assert_int_equal(lb_latency_init(&l2, st2, &lc), 0);
	assert_int_equal(lb_latency_carry(&l2, st2, &l1, st1), 0);
	assert_int_equal(l2.v[0].ctl->changes, 0);
	assert_true(chash_digest(atomic_load(&st2->vip[0].ch1)) != learned);
	assert_ptr_equal(atomic_load(&st2->vip[1].ch1),
			 atomic_load(&st1->vip[1].ch1));
	/* and the other way round: mg's own change builds mg's table */
	c2.vip[1].backend[1].weight = 1;
	{
		struct lb_state *st3 = NULL;
		const struct chash_table *t;

		assert_int_equal(lb_state_build_next(&st3, &c2, &lbfx_mac, st2,
						     err, sizeof(err)), 0);
		t = atomic_load(&st3->vip[1].ch1);
		assert_ptr_not_equal(t, atomic_load(&st2->vip[1].ch1));
		assert_int_equal(t->members[0].owned_first,
				 t->members[1].owned_first + 1);
		lb_state_free(st3);
		/* a backend added to mg: a new table, not a shared one */
		st3 = NULL;
		strcpy(c2.vip[1].backend[2].name, "s3");
		lbfx_addr4(&c2.vip[1].backend[2].addr, 13);
		c2.vip[1].backend[2].weight = 1;
		c2.vip[1].n_backends = 3;
		assert_int_equal(lb_state_build_next(&st3, &c2, &lbfx_mac, st2,
						     err, sizeof(err)), 0);
		t = atomic_load(&st3->vip[1].ch1);
		assert_ptr_not_equal(t, atomic_load(&st2->vip[1].ch1));
		assert_int_equal(t->n, 3);
		lb_state_free(st3);
	}
	/* the shared table stays valid while any state holds it */
	lb_state_free(st1);
	st1 = NULL;
	assert_int_equal(atomic_load(&st2->vip[1].ch1)->refs, 2);

	lb_latency_fini(&l0);
	lb_latency_fini(&l1);
	lb_latency_fini(&l2);
	lb_state_free(st1);
	lb_state_free(st2);
	lb_config_free(&c1);
	lb_config_free(&c2);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfg_num),
		cmocka_unit_test(test_completion_words),
		cmocka_unit_test(test_doc_matches_tables),
		cmocka_unit_test_setup_teardown(test_dispatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_latency_kept, setup,
						teardown),
	};

	if (argc > 1 && strcmp(argv[1], "--print-reference") == 0) {
		struct sbuf ref = { NULL, 0 };
		struct lb_ctl_out o = { sbuf_write, &ref };

		lb_ctl_reference(&o);
		fputs(REF_BEGIN, stdout);
		fputs(ref.s, stdout);
		fputs(REF_END, stdout);
		sbuf_clear(&ref);
		return 0;
	}
	doc_path = argc > 1 ? argv[1] : "docs/console.md";
	return cmocka_run_group_tests(tests, NULL, NULL);
}

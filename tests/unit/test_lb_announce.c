/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The announcer's decision (issue 18): which VIPs are announced, what is
 * sent to the routing daemon on each change, the drain commands, the
 * BIRD fragment. The daemon side is a recorder of the enable/disable
 * commands the driver would write to BIRD's socket.
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

#include "dsrlb/lb_announce.h"
#include "dsrlb/lb_ctl.h"
#include "dsrlb/wire.h"
#include "lb_fixture.h"

struct fx {
	struct lb_config cfg;
	struct lb_state *st;
	struct lb_announce a;
	char log[1024];
	bool refuse;
	char out[4096];
	size_t out_len;
};

/* Port 10.0.0.1/24; VIPs web-4 (bgp, two backends), arp4 (arp). */
static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct lb_vip_conf *v;
	char err[200];

	assert_non_null(f);
	lbfx_config(&f->cfg, 2);
	strcpy(f->cfg.bird_socket, "/run/bird/bird.ctl");
	v = lbfx_vip4(&f->cfg, "web-4", 100, 80, LB_POLICY_MAGLEV, 2);
	(void)lbfx_vip4(&f->cfg, "arp4", 101, 81, LB_POLICY_MAGLEV, 2);
	v->announce = LB_ANNOUNCE_BGP;
	if (lb_state_build(&f->st, &f->cfg, &lbfx_mac, err, sizeof(err)) != 0)
		fail_msg("lb_state_build: %s", err);
	lb_announce_init(&f->a);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	lb_state_free(f->st);
	lb_config_free(&f->cfg);
	free(f);
	return 0;
}

static int
rec_send(void *arg, const char *proto, bool up, char *err, size_t len)
{
	struct fx *f = arg;
	size_t n = strlen(f->log);

	if (f->refuse) {
		snprintf(err, len, "no daemon");
		return -1;
	}
	snprintf(f->log + n, sizeof(f->log) - n, "%s %s;", up ? "enable" :
		 "disable", proto);
	return 0;
}

static void
sync_(struct fx *f, bool refresh)
{
	f->log[0] = '\0';
	(void)lb_announce_sync(&f->a, f->st, rec_send, f, 1000, refresh);
}

static void
out_buf(void *arg, const char *s, size_t n)
{
	struct fx *f = arg;

	if (f->out_len + n >= sizeof(f->out))
		n = sizeof(f->out) - f->out_len - 1;
	memcpy(f->out + f->out_len, s, n);
	f->out_len += n;
	f->out[f->out_len] = '\0';
}

static int
cmd(struct fx *f, const char *line)
{
	struct lb_ctl_env e;
	struct lb_ctl_out o = { out_buf, f };

	memset(&e, 0, sizeof(e));
	e.cfg = &f->cfg;
	e.st = f->st;
	e.ann = &f->a;
	e.ann_daemon = f->cfg.bird_socket;
	f->out_len = 0;
	f->out[0] = '\0';
	return lb_ctl_exec(&e, line, &o);
}

static void
test_announce_and_drains(void **state)
{
	struct fx *f = *state;

	/* only the bgp VIP, named for BIRD ('-' -> '_') */
	sync_(f, false);
	assert_string_equal(f->log, "enable vip_web_4;");
	assert_int_equal(f->a.n_announce, 1);
	assert_int_equal(f->a.why[1], LB_ANN_WHY_not_bgp);
	/* nothing changed: nothing sent */
	sync_(f, false);
	assert_string_equal(f->log, "");
	/* a refresh repeats the state without counting a transition */
	sync_(f, true);
	assert_string_equal(f->log, "enable vip_web_4;");
	assert_int_equal(f->a.n_announce, 1);
	/* vip drain / undrain */
	assert_int_equal(cmd(f, "vip drain web-4"), 0);
	sync_(f, false);
	assert_string_equal(f->log, "disable vip_web_4;");
	assert_int_equal(f->a.why[0], LB_ANN_WHY_vip_drained);
	assert_int_equal(f->a.n_withdraw, 1);
	assert_int_equal(cmd(f, "vip undrain web-4"), 0);
	sync_(f, false);
	assert_string_equal(f->log, "enable vip_web_4;");
	/* appliance drain / serve */
	assert_int_equal(cmd(f, "appliance drain"), 0);
	sync_(f, false);
	assert_string_equal(f->log, "disable vip_web_4;");
	assert_int_equal(f->a.why[0], LB_ANN_WHY_appliance_drained);
	assert_true(lb_announce_all_down(&f->a, f->st));
	assert_int_equal(cmd(f, "show announce"), 0);
	assert_non_null(strstr(f->out, "appliance drained"));
	assert_non_null(strstr(f->out, "withdrawn  appliance_drained"));
	assert_int_equal(cmd(f, "appliance serve"), 0);
	sync_(f, false);
	assert_string_equal(f->log, "enable vip_web_4;");
	assert_false(lb_announce_all_down(&f->a, f->st));
	/* every backend down: withdrawn */
	f->st->vip[0].n_active = 0;
	sync_(f, false);
	assert_string_equal(f->log, "disable vip_web_4;");
	assert_int_equal(f->a.why[0], LB_ANN_WHY_no_backend);
	f->st->vip[0].n_active = 2;
	sync_(f, false);
	assert_string_equal(f->log, "enable vip_web_4;");
	/* stopping wins over everything */
	f->a.stopping = true;
	sync_(f, false);
	assert_string_equal(f->log, "disable vip_web_4;");
	assert_int_equal(f->a.why[0], LB_ANN_WHY_stopping);
	assert_int_equal(f->a.n_announce, 4);
	assert_int_equal(f->a.n_withdraw, 4);
}

static void
test_daemon_refuses(void **state)
{
	struct fx *f = *state;

	f->refuse = true;
	sync_(f, false);
	assert_int_equal(f->a.n_fail, 1);
	assert_int_equal(f->a.told[0], LB_ANN_TOLD_NOTHING);
	assert_non_null(strstr(f->a.last_err, "vip_web_4: no daemon"));
	/* retried at the next sync */
	f->refuse = false;
	sync_(f, false);
	assert_string_equal(f->log, "enable vip_web_4;");
	assert_int_equal(f->a.n_announce, 1);
}

static void
test_commands_refused(void **state)
{
	struct fx *f = *state;

	assert_int_equal(cmd(f, "vip drain nope"), -1);
	assert_non_null(strstr(f->out, "error: no VIP 'nope'"));
	assert_int_equal(cmd(f, "vip drain arp4"), -1);
	assert_non_null(strstr(f->out, "announce is not bgp"));
	assert_int_equal(cmd(f, "appliance sleep"), -1);
	assert_non_null(strstr(f->out, "appliance what? drain, serve"));
	/* nothing changed */
	assert_false(f->a.appliance_drained);
	assert_int_equal(f->a.vip_drained[0] + f->a.vip_drained[1], 0);
	/* "show announce" carries the digest of the table */
	assert_int_equal(cmd(f, "show announce"), 0);
	assert_non_null(strstr(f->out, "chash_digest"));
	{
		char hex[20];

		snprintf(hex, sizeof(hex), "%016llx",
			 (unsigned long long)chash_digest(
				 atomic_load(&f->st->vip[0].ch1)));
		assert_non_null(strstr(f->out, hex));
	}
}

static void
test_bird_conf(void **state)
{
	struct fx *f = *state;
	char buf[1024];
	int n = lb_announce_bird_conf(&f->cfg, buf, sizeof(buf));

	assert_true(n > 0 && (size_t)n < sizeof(buf));
	assert_non_null(strstr(buf, "protocol static vip_web_4 {\n\tdisabled;"
			       "\n\tipv4;\n\troute 10.0.0.100/32 blackhole;"
			       "\n}\n"));
	assert_null(strstr(buf, "arp4"));
	/* too small a buffer: the length it needs, nothing past the end */
	assert_int_equal(lb_announce_bird_conf(&f->cfg, buf, 10), n);
	assert_int_equal(strlen(buf), 9);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_announce_and_drains,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_daemon_refuses, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_commands_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bird_conf, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Active health checks (lb_check.h): the HTTP status line, the request,
 * the schedule, the keys, and the check state machine of lb_health
 * (a failing check keeps a backend out whatever the in-band signal says;
 * passing checks bring it back after rise).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/lb_check.h"
#include "dsrlb/lb_config.h"
#include "dsrlb/lb_health.h"
#include "dsrlb/lb_keys.h"

#define MS 1000000ull

static int
status_of(const char *s, unsigned int *st)
{
	return lb_check_http_status(s, strlen(s), st);
}

static void
test_status_line(void **state)
{
	unsigned int st = 0;

	(void)state;
	assert_int_equal(status_of("HTTP/1.1 200 OK\r\n", &st), 1);
	assert_int_equal(st, 200);
	assert_int_equal(status_of("HTTP/1.0 500 Internal Server Error\r\n"
				   "Server: x\r\n", &st), 1);
	assert_int_equal(st, 500);
	/* the reason phrase may be empty (RFC 9112 §4) */
	assert_int_equal(status_of("HTTP/1.1 204 \r\n", &st), 1);
	assert_int_equal(st, 204);
	assert_int_equal(status_of("HTTP/1.1 404\r\n", &st), 1);
	assert_int_equal(st, 404);
	/* incomplete: more octets needed, whatever the cut */
	{
		const char *full = "HTTP/1.1 503 Busy\r\n";

		for (size_t n = 0; n < strlen(full) - 1; n++) {
			st = 0;
			assert_int_equal(lb_check_http_status(full, n, &st), 0);
		}
	}
	/* not HTTP */
	assert_int_equal(status_of("SSH-2.0-OpenSSH\r\n", &st), -1);
	assert_int_equal(status_of("HTTP/1.1 2x0 OK\r\n", &st), -1);
	assert_int_equal(status_of("HTTP/11 200 OK\r\n", &st), -1);
	assert_int_equal(status_of("HTTP/1.1 099 X\r\n", &st), -1);
	assert_int_equal(status_of("HTTP/1.1 2000 OK\r\n", &st), -1);
	assert_int_equal(status_of("http/1.1 200 OK\r\n", &st), -1);
	assert_int_equal(status_of("HTTP/1.1  200 OK\r\n", &st), -1);
}

static void
test_outcome(void **state)
{
	struct lb_check_conf c;
	unsigned int st = 0;
	char buf[32];

	(void)state;
	lb_check_conf_default(&c);
	assert_int_equal(lb_check_http_outcome(&c, "HTTP/1.1 200 OK\r\n", 17,
					       false, &st), LB_CHECK_OK);
	assert_int_equal(lb_check_http_outcome(&c, "HTTP/1.1 500 E\r\n", 16,
					       false, &st), LB_CHECK_STATUS);
	assert_string_equal(lb_check_describe(LB_CHECK_STATUS, st, buf,
					      sizeof(buf)), "HTTP 500");
	/* incomplete: wait, unless the server closed */
	assert_int_equal(lb_check_http_outcome(&c, "HTTP/1.1 20", 11, false,
					       &st), -1);
	assert_int_equal(lb_check_http_outcome(&c, "HTTP/1.1 20", 11, true,
					       &st), LB_CHECK_BAD_REPLY);
	assert_int_equal(lb_check_http_outcome(&c, "", 0, true, &st),
			 LB_CHECK_BAD_REPLY);
	c.status = 204;
	assert_int_equal(lb_check_http_outcome(&c, "HTTP/1.1 200 OK\r\n", 17,
					       false, &st), LB_CHECK_STATUS);
	assert_string_equal(lb_check_describe(LB_CHECK_CONNECT_TIMEOUT, 0,
					      buf, sizeof(buf)),
			    "connect timeout");
}

static void
test_request(void **state)
{
	struct lb_check_conf c;
	char buf[256], small[20];
	size_t n;

	(void)state;
	lb_check_conf_default(&c);
	snprintf(c.path, sizeof(c.path), "/healthz");
	n = lb_check_http_request(&c, "10.0.0.11", buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	assert_memory_equal(buf, "GET /healthz HTTP/1.0\r\nHost: 10.0.0.11\r\n",
			    40);
	assert_non_null(strstr(buf, "Connection: close\r\n\r\n"));
	assert_int_equal(lb_check_http_request(&c, "10.0.0.11", small,
					       sizeof(small)), 0);
	assert_true(lb_check_path_ok("/"));
	assert_true(lb_check_path_ok("/health?x=1"));
	assert_false(lb_check_path_ok("health"));
	assert_false(lb_check_path_ok("/a b"));
	assert_false(lb_check_path_ok("/a\r\nX: y"));
	assert_false(lb_check_path_ok(""));
	memset(buf, 'a', sizeof(buf));
	buf[0] = '/';
	buf[LB_CHECK_PATH_LEN] = '\0';          /* 64 characters: too long */
	assert_false(lb_check_path_ok(buf));
	buf[LB_CHECK_PATH_LEN - 1] = '\0';      /* 63 and the NUL: fits */
	assert_true(lb_check_path_ok(buf));
	assert_int_equal(lb_check_port(&c, 8080), 8080);
	assert_int_equal(lb_check_port(&c, 0), 80);
	c.port = 81;
	assert_int_equal(lb_check_port(&c, 8080), 81);
}

static void
test_schedule(void **state)
{
	struct lb_check_conf c;
	struct lb_check_slot s[8];
	uint64_t t0 = 1000 * MS, first_min = UINT64_MAX, first_max = 0;
	unsigned int starts = 0;

	(void)state;
	lb_check_conf_default(&c);      /* every 1000 ms, timeout 500 ms */
	memset(s, 0, sizeof(s));
	/* the first checks spread over the interval */
	for (uint32_t b = 0; b < 8; b++) {
		(void)lb_check_due(&s[b], &c, 0, b, t0);
		assert_true(s[b].next_ns > t0);
		assert_true(s[b].next_ns <= t0 + 1000 * MS);
		first_min = s[b].next_ns < first_min ? s[b].next_ns : first_min;
		first_max = s[b].next_ns > first_max ? s[b].next_ns : first_max;
	}
	assert_true(first_max - first_min > 100 * MS);
	/* one backend over 10 s of 1 ms steps: one check per interval, none
	 * while one runs */
	memset(&s[0], 0, sizeof(s[0]));
	for (uint64_t t = t0; t < t0 + 10000 * MS; t += MS) {
		if (lb_check_expired(&s[0], t))
			s[0].running = false;
		if (lb_check_due(&s[0], &c, 3, 7, t)) {
			assert_false(s[0].running);
			lb_check_start(&s[0], &c, t);
			starts++;
		}
		assert_false(lb_check_due(&s[0], &c, 3, 7, t));
	}
	assert_in_range(starts, 9, 10);
	/* a timeout longer than the interval: never two at once */
	c.timeout_ms = 3000;
	memset(&s[0], 0, sizeof(s[0]));
	starts = 0;
	for (uint64_t t = t0; t < t0 + 10000 * MS; t += MS) {
		if (lb_check_expired(&s[0], t))
			s[0].running = false;
		if (lb_check_due(&s[0], &c, 0, 0, t)) {
			lb_check_start(&s[0], &c, t);
			starts++;
		}
	}
	assert_in_range(starts, 3, 4);
}

static void
test_keys(void **state)
{
	struct lb_vip_conf *v = test_malloc(sizeof(*v));
	const struct lb_key *k;
	char err[160], buf[80];

	(void)state;
	lb_vip_conf_defaults(v);
	assert_int_equal(v->check.type, LB_CHECK_NONE);
	assert_int_equal(v->check.interval_ms, LB_CHECK_INTERVAL_DEFAULT);
	k = lb_key_find(LB_KEY_VIP, "check");
	assert_non_null(k);
	assert_int_equal(lb_key_set(k, NULL, v, "http", err, sizeof(err)), 0);
	assert_int_equal(v->check.type, LB_CHECK_HTTP);
	assert_int_equal(lb_key_get(k, NULL, v, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "http");
	assert_int_equal(lb_key_set(k, NULL, v, "icmp", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "none, tcp, http"));
	k = lb_key_find(LB_KEY_VIP, "check_path");
	assert_non_null(k);
	assert_int_equal(lb_key_set(k, NULL, v, "/healthz", err, sizeof(err)),
			 0);
	assert_int_equal(lb_key_get(k, NULL, v, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/healthz");
	/* a wrong value changes nothing */
	assert_int_equal(lb_key_set(k, NULL, v, "/a\r\nHost: x", err,
				    sizeof(err)), -1);
	assert_non_null(strstr(err, "check_path"));
	assert_string_equal(v->check.path, "/healthz");
	k = lb_key_find(LB_KEY_VIP, "check_status");
	assert_int_equal(lb_key_set(k, NULL, v, "204", err, sizeof(err)), 0);
	assert_int_equal(v->check.status, 204);
	assert_int_equal(lb_key_set(k, NULL, v, "99", err, sizeof(err)), -1);
	k = lb_key_find(LB_KEY_VIP, "check_interval_ms");
	assert_int_equal(lb_key_set(k, NULL, v, "250", err, sizeof(err)), 0);
	assert_int_equal(v->check.interval_ms, 250);
	assert_int_equal(lb_key_set(k, NULL, v, "5", err, sizeof(err)), -1);
	k = lb_key_find(LB_KEY_VIP, "check_timeout_ms");
	assert_int_equal(lb_key_set(k, NULL, v, "100", err, sizeof(err)), 0);
	assert_int_equal(v->check.timeout_ms, 100);
	k = lb_key_find(LB_KEY_VIP, "check_port");
	assert_int_equal(lb_key_set(k, NULL, v, "8081", err, sizeof(err)), 0);
	assert_int_equal(v->check.port, 8081);
	assert_int_equal(lb_key_set(k, NULL, v, "70000", err, sizeof(err)),
			 -1);
	test_free(v);
}

static void
test_check_state_machine(void **state)
{
	struct lb_health_conf c;
	struct lb_health_be h;
	uint64_t t = 1000 * MS;

	(void)state;
	lb_health_conf_default(&c);     /* rise 2, fall 3 */
	memset(&h, 0, sizeof(h));
	/* two failures: suspect, still in */
	assert_true(lb_health_check_result(&h, &c, false, "HTTP 500", t));
	assert_false(lb_health_check_result(&h, &c, false, "HTTP 500", t));
	assert_int_equal(h.chk_state, LB_HEALTH_SUSPECT);
	assert_false(lb_health_is_down(&h));
	assert_string_equal(lb_health_label(&h), "suspect");
	/* the third: down, for the checks' reason */
	assert_true(lb_health_check_result(&h, &c, false, "HTTP 500", t + 1));
	assert_true(lb_health_is_down(&h));
	assert_true(lb_health_check_down(&h));
	assert_false(lb_health_passive_down(&h));
	assert_int_equal(h.reason, LB_HEALTH_R_CHECK);
	assert_int_equal(h.since_ns, t + 1);
	assert_int_equal(h.n_down, 1);
	assert_string_equal(lb_health_label(&h), "down");
	assert_string_equal(h.chk_why, "HTTP 500");
	/* the agent still answers for the server: the in-band signal says
	 * good, the backend stays out */
	for (int i = 0; i < 10; i++)
		(void)lb_health_observe(&h, &c, 5, 0, t + 2);
	assert_true(lb_health_is_down(&h));
	/* one pass is not enough (rise 2), a failure restarts the count */
	assert_false(lb_health_check_result(&h, &c, true, "ok", t + 3));
	assert_false(lb_health_check_result(&h, &c, false, "HTTP 500", t + 4));
	assert_false(lb_health_check_result(&h, &c, true, "ok", t + 5));
	assert_true(lb_health_is_down(&h));
	assert_true(lb_health_check_result(&h, &c, true, "ok", t + 6));
	assert_false(lb_health_is_down(&h));
	assert_int_equal(h.reason, LB_HEALTH_R_CHECK_OK);
	assert_int_equal(h.n_up, 1);
	assert_int_equal(h.chk_ok, 3);
	assert_int_equal(h.chk_fail, 4);
	/* the override wins over the checks */
	for (int i = 0; i < 3; i++)
		(void)lb_health_check_result(&h, &c, false, "connect timeout",
					     t + 7);
	assert_true(lb_health_is_down(&h));
	h.override = LB_HEALTH_FORCE_UP;
	assert_false(lb_health_is_down(&h));
	h.override = LB_HEALTH_AUTO;
	/* checks turned off: it forgets */
	lb_health_check_reset(&h);
	assert_false(lb_health_is_down(&h));
}

static void
test_mark_flags(void **state)
{
	struct lb_health h;
	struct lb_config cfg;
	struct lb_health_be *b0, *b1;
	struct lb_health_conf c;

	(void)state;
	lb_health_conf_default(&c);
	assert_int_equal(lb_health_init(&h, 1), 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.vip = test_calloc(1, sizeof(*cfg.vip));
	cfg.n_vips = 1;
	lb_vip_conf_defaults(&cfg.vip[0]);
	cfg.vip[0].n_backends = 2;
	b0 = lb_health_get(&h, 0, 0);
	b1 = lb_health_get(&h, 0, 1);
	assert_false(lb_health_differs(&h, &cfg));
	/* b0 fails its checks, b1 loses its requests */
	for (int i = 0; i < 3; i++) {
		(void)lb_health_check_result(b0, &c, false, "HTTP 500", MS);
		(void)lb_health_observe(b1, &c, 0, 1, MS);
	}
	assert_true(lb_health_differs(&h, &cfg));
	lb_health_mark(&h, &cfg);
	assert_false(lb_health_differs(&h, &cfg));
	/* trial flows for the in-band signal only */
	assert_true(cfg.vip[0].backend[0].check_down);
	assert_false(cfg.vip[0].backend[0].health_down);
	assert_false(cfg.vip[0].backend[1].check_down);
	assert_true(cfg.vip[0].backend[1].health_down);
	test_free(cfg.vip);
	lb_health_fini(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_line),
		cmocka_unit_test(test_outcome),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_schedule),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_check_state_machine),
		cmocka_unit_test(test_mark_flags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

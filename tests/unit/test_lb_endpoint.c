/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/lb/lb_endpoint.c: "ADDRESS:PORT" endpoints ([general] metrics). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/lb_endpoint.h"

static void
test_good(void **state)
{
	static const struct {
		const char *in;
		uint8_t family;
		uint16_t port;
	} t[] = {
		{ "127.0.0.1:9180", 4, 9180 },
		{ "0.0.0.0:1", 4, 1 },
		{ "[::1]:65535", 6, 65535 },
		{ "[2001:db8::5]:80", 6, 80 },
		{ "off", 0, 0 },
	};
	char buf[80];

	(void)state;
	for (unsigned int i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct lb_endpoint ep;

		assert_int_equal(lb_endpoint_parse(t[i].in, &ep), 0);
		assert_int_equal(ep.addr.family, t[i].family);
		assert_int_equal(ep.port, t[i].port);
		/* formatting gives back what was read */
		assert_string_equal(lb_endpoint_fmt(&ep, buf, sizeof(buf)),
				    t[i].in);
	}
}

static void
test_bad(void **state)
{
	static const char *const bad[] = {
		"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
		"127.0.0.1:65536", "127.0.0.1:123456", "127.0.0.1:80x",
		"::1:80", "[::1]80", "[127.0.0.1]:80", "[::1]:",
		"localhost:80", "127.0.0.1:-1", "127.0.0.1: 80", "on",
		"[]:80", "1.2.3.4.5:80",
	};
	struct lb_endpoint ep = { .port = 7 };

	(void)state;
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (lb_endpoint_parse(bad[i], &ep) == 0)
			fail_msg("'%s' was accepted", bad[i]);
		/* a refused value leaves the endpoint as it was */
		assert_int_equal(ep.port, 7);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

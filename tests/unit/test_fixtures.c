/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every described fixture through pkt_parse(): the verdict and the message
 * bits the table states, and the decoded values of the well-formed ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/bytes.h"
#include "dsrlb/pkt_parse.h"
#include "fixtures.h"

static const struct fixture *
find(const char *name)
{
	unsigned int i;

	for (i = 0; i < fixtures_count; i++)
		if (strcmp(fixtures[i].name, name) == 0)
			return &fixtures[i];
	fail_msg("no fixture %s", name);
	return NULL;
}

static void
parse_fixture(const char *name, struct pkt_meta *m)
{
	static uint8_t buf[FIXTURE_BUF_SIZE];
	const struct fixture *f = find(name);
	struct pkt_buf pb;

	assert_int_equal(fixture_build(f, buf, sizeof(buf), &pb), WIRE_OK);
	assert_int_equal(pkt_parse(pkt_buf_data(&pb), pb.len, m), f->expect);
}

static void
test_every_fixture_verdict_and_messages(void **state)
{
	static uint8_t buf[FIXTURE_BUF_SIZE];
	unsigned int i, j;

	(void)state;
	assert_true(fixtures_count > 10);
	for (i = 0; i < fixtures_count; i++) {
		const struct fixture *f = &fixtures[i];
		struct pkt_buf pb;
		struct pkt_meta m;
		enum wire_result r;

		for (j = 0; j < i; j++)
			assert_string_not_equal(fixtures[j].name, f->name);
		r = fixture_build(f, buf, sizeof(buf), &pb);
		if (r != WIRE_OK)
			fail_msg("%s: build failed: %s", f->name,
				 wire_result_str(r));
		r = pkt_parse(pkt_buf_data(&pb), pb.len, &m);
		if (r != f->expect)
			fail_msg("%s: pkt_parse says %s, table says %s",
				 f->name, wire_result_name(r),
				 wire_result_name(f->expect));
		if (r == WIRE_OK && m.msgs != f->expect_msgs)
			fail_msg("%s: msgs 0x%x, table says 0x%x", f->name,
				 m.msgs, f->expect_msgs);
		/* Every prefix of the frame parses without a crash or an
		 * over-read (ASan build) and never claims success for a
		 * frame cut inside its headers. */
		for (j = 0; j < pb.len; j++)
			(void)pkt_parse(pkt_buf_data(&pb), j, &m);
	}
}

static void
test_ipv4_decoded_values(void **state)
{
	struct pkt_meta m;
	char line[256];

	(void)state;
	parse_fixture("v4_client_tuple", &m);
	assert_int_equal(m.family, 4);
	assert_int_equal(m.l4_proto, 6);
	assert_int_equal(m.sport, 40000);
	assert_int_equal(m.dport, 80);
	assert_int_equal(m.tcp_flags, 0x02);
	assert_int_equal(load_be32(m.client_addr), 0xC0000207u);
	assert_int_equal(m.client_port, 5555);
	assert_int_equal(m.l4_off, 14 + 28);
	pkt_meta_format(&m, WIRE_OK, line, sizeof(line));
	assert_string_equal(line, "IPv4 TCP 198.51.100.1:40000 > "
			    "203.0.113.100:80 [S] client-tuple=192.0.2.7:5555");

	parse_fixture("v4_answer_nonce", &m);
	assert_int_equal(m.score, 65535);
	assert_int_equal(m.nonce, 0xA1B2C3D4u);

	parse_fixture("v4_metric_answer", &m);
	assert_int_equal(m.score, 1234);
}

static void
test_format_truncates_safely(void **state)
{
	struct pkt_meta m;
	char small[8];
	int n;

	(void)state;
	parse_fixture("v4_client_tuple", &m);
	n = pkt_meta_format(&m, WIRE_OK, small, sizeof(small));
	assert_true(n > 8);
	assert_int_equal(strlen(small), 7);
	assert_int_equal(pkt_meta_format(&m, WIRE_OK, NULL, 0), n);
}

static void
test_srh_decoded_values(void **state)
{
	struct pkt_meta m;
	char line[256];

	(void)state;
	parse_fixture("v6_srh_new_flow", &m);
	assert_int_equal(m.family, 6);
	assert_int_equal(m.l4_proto, 6);
	assert_int_equal(m.srh_off, 14 + 40);
	assert_int_equal(m.l4_off, 14 + 40 + 72);
	assert_int_equal(m.srh_segments_left, 2);
	assert_int_equal(m.srh_last_entry, 3);
	assert_int_equal(m.dport, 80);
	pkt_meta_format(&m, WIRE_OK, line, sizeof(line));
	assert_string_equal(line, "IPv6 TCP 2001:db8:0:0:0:0:0:1:40000 > "
			    "2001:db8:1:0:1:0:0:0:80 [S] srh(sl=2,le=3)");
}

/*@@IPV6_TESTS@@*/

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_fixture_verdict_and_messages),
		cmocka_unit_test(test_ipv4_decoded_values),
		cmocka_unit_test(test_format_truncates_safely),
		cmocka_unit_test(test_srh_decoded_values),
		/*@@IPV6_TEST_LIST@@*/
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

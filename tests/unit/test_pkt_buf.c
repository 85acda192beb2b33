/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/pkt_buf.h"

#define CAP 64

static void
fill(uint8_t *buf, uint32_t off, uint32_t len)
{
	uint32_t i;

	memset(buf, 0xEE, CAP);
	for (i = 0; i < len; i++)
		buf[off + i] = (uint8_t)(i + 1);
}

static void
test_init_bounds(void **state)
{
	uint8_t buf[CAP];
	struct pkt_buf pb;

	(void)state;
	assert_int_equal(pkt_buf_init(&pb, buf, CAP, 16, 48), WIRE_OK);
	assert_int_equal(pkt_buf_init(&pb, buf, CAP, 16, 49), WIRE_ERR_INVAL);
	assert_int_equal(pkt_buf_init(&pb, buf, CAP, 65, 0), WIRE_ERR_INVAL);
	assert_int_equal(pkt_buf_init(&pb, NULL, CAP, 0, 0), WIRE_ERR_INVAL);
}

static void
test_gap_uses_headroom_for_short_front(void **state)
{
	uint8_t buf[CAP];
	struct pkt_buf pb;
	uint8_t *d;

	(void)state;
	fill(buf, 16, 20);
	pkt_buf_init(&pb, buf, CAP, 16, 20);
	assert_int_equal(pkt_buf_open_gap(&pb, 4, 8), WIRE_OK);
	assert_int_equal(pb.off, 8);
	assert_int_equal(pb.len, 28);
	d = pkt_buf_data(&pb);
	assert_int_equal(d[0], 1);
	assert_int_equal(d[3], 4);
	assert_int_equal(d[12], 5);     /* payload did not move */
	assert_ptr_equal(&d[12], &buf[20]);
	assert_int_equal(d[27], 20);
}

static void
test_gap_uses_tailroom_without_headroom(void **state)
{
	uint8_t buf[CAP];
	struct pkt_buf pb;
	uint8_t *d;

	(void)state;
	fill(buf, 0, 20);
	pkt_buf_init(&pb, buf, CAP, 0, 20);
	assert_int_equal(pkt_buf_open_gap(&pb, 4, 8), WIRE_OK);
	assert_int_equal(pb.off, 0);
	d = pkt_buf_data(&pb);
	assert_int_equal(d[3], 4);
	assert_int_equal(d[12], 5);
	assert_int_equal(d[27], 20);
}

static void
test_gap_no_room_changes_nothing(void **state)
{
	uint8_t buf[CAP], copy[CAP];
	struct pkt_buf pb;

	(void)state;
	fill(buf, 4, 58);
	memcpy(copy, buf, CAP);
	pkt_buf_init(&pb, buf, CAP, 4, 58);
	assert_int_equal(pkt_buf_open_gap(&pb, 10, 8), WIRE_ERR_NO_ROOM);
	assert_int_equal(pkt_buf_open_gap(&pb, 59, 1), WIRE_ERR_INVAL);
	assert_int_equal(pb.off, 4);
	assert_int_equal(pb.len, 58);
	assert_memory_equal(buf, copy, CAP);
}

static void
test_close_gap_round_trip(void **state)
{
	uint8_t buf[CAP], orig[20];
	struct pkt_buf pb;
	uint32_t at;

	(void)state;
	for (at = 0; at <= 20; at++) {
		fill(buf, 16, 20);
		memcpy(orig, buf + 16, 20);
		pkt_buf_init(&pb, buf, CAP, 16, 20);
		assert_int_equal(pkt_buf_open_gap(&pb, at, 8), WIRE_OK);
		memset(pkt_buf_data(&pb) + at, 0xAB, 8);
		assert_int_equal(pkt_buf_close_gap(&pb, at, 8), WIRE_OK);
		assert_int_equal(pb.len, 20);
		assert_memory_equal(pkt_buf_data(&pb), orig, 20);
	}
	assert_int_equal(pkt_buf_close_gap(&pb, 15, 6), WIRE_ERR_INVAL);
}

/* pkt_buf_move() is memmove(): every length up to past its 64-byte
 * limit, every overlap either way and none (issue 19, round 6). */
static void
test_move_is_memmove(void **state)
{
	uint8_t a[320], b[320];

	(void)state;
	for (uint32_t n = 0; n <= 80; n++)
		for (int d = -90; d <= 90; d++) {
			uint32_t src = 90, dst = (uint32_t)(90 + d);

			for (uint32_t i = 0; i < sizeof(a); i++)
				a[i] = b[i] = (uint8_t)(i * 7 + 3);
			memmove(a + dst, a + src, n);
			pkt_buf_move(b + dst, b + src, n);
			assert_memory_equal(a, b, sizeof(a));
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_bounds),
		cmocka_unit_test(test_gap_uses_headroom_for_short_front),
		cmocka_unit_test(test_gap_uses_tailroom_without_headroom),
		cmocka_unit_test(test_gap_no_room_changes_nothing),
		cmocka_unit_test(test_close_gap_round_trip),
		cmocka_unit_test(test_move_is_memmove),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

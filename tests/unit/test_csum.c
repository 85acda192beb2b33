/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
#include "dsrlb/pkt_parse.h"
#include "dsrlb/pkt_rewrite.h"
#include "dsrlb/rng.h"
#include "dsrlb/wire.h"

/* A well-known IPv4 header (UDP, 192.168.0.1 -> 192.168.0.199). */
static const uint8_t ipv4_example[20] = {
	0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
};

static void
test_ipv4_hdr_known_vector(void **state)
{
	(void)state;
	assert_int_equal(csum_ipv4_hdr(ipv4_example, 20), 0xb861);
	/* A correct header sums to 0xFFFF (folds to 0 after complement). */
	assert_int_equal(csum_fold(csum_partial(ipv4_example, 20, 0)), 0);
}

static void
test_odd_length_pads_with_zero(void **state)
{
	const uint8_t odd[3] = { 0x12, 0x34, 0x56 };
	const uint8_t even[4] = { 0x12, 0x34, 0x56, 0x00 };

	(void)state;
	assert_int_equal(csum_partial(odd, 3, 0), csum_partial(even, 4, 0));
	assert_int_equal(csum_partial(odd, 3, 0), 0x1234 + 0x5600);
}

static void
test_update16_matches_recompute(void **state)
{
	uint8_t hdr[20];
	struct rng r;
	int i;

	(void)state;
	rng_seed(&r, 42);
	memcpy(hdr, ipv4_example, sizeof(hdr));
	for (i = 0; i < 10000; i++) {
		/* Change one random 16-bit word other than the checksum. */
		unsigned int w = rng_below(&r, 10);
		uint16_t old_word, new_word, inc;

		if (w == 5)
			continue;
		old_word = load_be16(hdr + 2 * w);
		new_word = (uint16_t)rng_next(&r);
		store_be16(hdr + 2 * w, new_word);
		inc = csum_update16(load_be16(hdr + 10), old_word, new_word);
		store_be16(hdr + 10, inc);
		assert_int_equal(csum_fold(csum_partial(hdr, 20, 0)), 0);
	}
}

static void
test_rfc1624_minus_zero_case(void **state)
{
	/* RFC 1624 §3: a header whose sum is all ones except the changing
	 * word; eqn. 3 must never produce the -0 (0x0000 -> 0xFFFF) flip that
	 * eqn. 2 does. Old checksum 0xDD2F, word 0x5555 -> 0x3285 (§4). */
	(void)state;
	assert_int_equal(csum_update16(0xDD2F, 0x5555, 0x3285), 0x0000);
}

static void
test_update32_and_bytes(void **state)
{
	uint8_t buf[40];
	uint8_t old_addr[16], new_addr[16];
	struct rng r;
	uint16_t c0, c1;
	int i;

	(void)state;
	rng_seed(&r, 7);
	for (i = 0; i < 40; i++)
		buf[i] = (uint8_t)rng_next(&r);
	c0 = csum_fold(csum_partial(buf, 40, 0));

	memcpy(old_addr, buf + 8, 16);
	for (i = 0; i < 16; i++)
		new_addr[i] = (uint8_t)rng_next(&r);
	memcpy(buf + 8, new_addr, 16);
	c1 = csum_update_bytes(c0, old_addr, new_addr, 16);
	assert_int_equal(c1, csum_fold(csum_partial(buf, 40, 0)));

	c0 = c1;
	{
		uint32_t o = load_be32(buf + 28), n = 0x0A000001u;

		store_be32(buf + 28, n);
		c1 = csum_update32(c0, o, n);
	}
	assert_int_equal(c1, csum_fold(csum_partial(buf, 40, 0)));
}

/* csum_delta_bytes() (8 bytes per step, issue 19) gives the exact
 * integer sum of ~m + m' over the 16-bit words, which the word-by-word
 * reference computes: every even length to 40, random and extreme
 * bytes. */
static void
test_delta_bytes_exact(void **state)
{
	uint8_t o[40], n[40];
	struct rng r;

	(void)state;
	rng_seed(&r, 1624);
	for (unsigned int it = 0; it < 20000; it++) {
		size_t len = 2 * (size_t)rng_below(&r, 21);
		uint64_t want = 0;

		for (size_t i = 0; i < len; i++) {
			unsigned int k = (unsigned int)rng_below(&r, 8);

			o[i] = k == 0 ? 0 : k == 1 ? 0xff :
			       (uint8_t)rng_next(&r);
			k = (unsigned int)rng_below(&r, 8);
			n[i] = k == 0 ? 0 : k == 1 ? 0xff :
			       (uint8_t)rng_next(&r);
		}
		for (size_t i = 0; i < len; i += 2)
			want += 0xFFFFu - load_be16(o + i) + load_be16(n + i);
		assert_int_equal(csum_delta_bytes(o, n, len), want);
	}
}

/* csum_ipv4_hdr() in one host-order pass (issue 19) equals the two
 * csum_partial() calls around the checksum field it replaced: random
 * and extreme headers of every length from 12 to 60 bytes. */
static void
test_ipv4_hdr_one_pass(void **state)
{
	uint8_t h[60];
	struct rng r;

	(void)state;
	rng_seed(&r, 1071);
	for (unsigned int it = 0; it < 100000; it++) {
		size_t len = 12 + (size_t)rng_below(&r, 49);
		unsigned int kind = (unsigned int)rng_below(&r, 4);
		uint32_t ref;

		for (size_t i = 0; i < len; i++)
			h[i] = kind == 0 ? 0 : kind == 1 ? 0xff :
			       (uint8_t)rng_next(&r);
		ref = csum_partial(h, 10, 0);
		ref = csum_partial(h + 12, len - 12, ref);
		assert_int_equal(csum_ipv4_hdr(h, len), csum_fold(ref));
	}
}

/* pkt_rewrite_field_delta() with the delta summed beforehand (the
 * routed leg's VIP -> backend, issue 19) writes the bytes
 * pkt_rewrite_field() writes: random IPv4 / IPv6, TCP / UDP frames
 * with valid checksums, the destination rewritten both ways. */
/* pkt_rewrite_src_dst() writes the bytes of pkt_rewrite_addr() of the
 * source then of the destination (issue 19), for random frames and the
 * corner cases of one's complement: checksums 0x0000 and 0xffff, UDP
 * checksum 0 (none) over IPv4, an address that does not change,
 * all-ones addresses becoming all-zero ones (a delta of 0), and the
 * source taking the old destination (a server message sent back to its
 * client: the one-pass delta), also from an all-ones source to an
 * all-zero destination. */
static void
test_rewrite_src_dst_same_bytes(void **state)
{
	static const uint16_t cs[] = { 0x0000, 0xffff, 0x0001, 0xfffe };
	struct rng r;

	(void)state;
	rng_seed(&r, 1919);
	for (unsigned int it = 0; it < 20000; it++) {
		const bool six = it & 1, udp = it & 2;
		const unsigned int l3 = ETH_HDR_LEN;
		const unsigned int ipl = six ? IPV6_HDR_LEN : IPV4_HDR_MIN_LEN;
		const unsigned int l4l = (udp ? 8u : 20u) + 6u;
		const unsigned int n = six ? 16u : 4u;
		const unsigned int mode = (it >> 2) % 14;
		uint8_t a[128], b[128], ns[16], nd[16];
		uint8_t *ip = a + l3, *t = a + l3 + ipl;
		uint32_t len = l3 + ipl + l4l;
		struct pkt_meta m;

		for (unsigned int k = 0; k < sizeof(a); k++)
			a[k] = (uint8_t)rng_next(&r);
		for (unsigned int k = 0; k < n; k++) {
			ns[k] = (uint8_t)rng_next(&r);
			nd[k] = (uint8_t)rng_next(&r);
		}
		store_be16(a + 12, six ? ETH_TYPE_IPV6 : ETH_TYPE_IPV4);
		if (six) {
			store_be32(ip, 0x60000000u);
			store_be16(ip + 4, (uint16_t)l4l);
			ip[6] = udp ? IPPROTO_NUM_UDP : IPPROTO_NUM_TCP;
		} else {
			ip[0] = 0x45;
			store_be16(ip + 2, (uint16_t)(ipl + l4l));
			store_be16(ip + 6, 0);
			ip[9] = udp ? IPPROTO_NUM_UDP : IPPROTO_NUM_TCP;
		}
		if (udp)
			store_be16(t + 4, (uint16_t)l4l);
		else
			t[12] = 5 << 4;
		/* the checksums as found: random or a corner value */
		if (mode & 1) {
			store_be16(t + (udp ? 6 : 16),
				   cs[rng_below(&r, 4)]);
			if (!six)
				store_be16(ip + 10, cs[rng_below(&r, 4)]);
		}
		switch (mode >> 1) {
		case 1: /* the source stays */
			memcpy(ns, a + l3 + (six ? 8 : 12), n);
			break;
		case 2: /* the destination stays */
			memcpy(nd, a + l3 + (six ? 24 : 16), n);
			break;
		case 3: /* all ones to all zeros: deltas of 0 */
			memset(a + l3 + (six ? 8 : 12), 0xff, 2 * n);
			memset(ns, 0, n);
			memset(nd, 0, n);
			break;
		case 4: /* the source stays, the destination's delta is 0 */
			memset(a + l3 + (six ? 24 : 16), 0xff, n);
			memcpy(ns, a + l3 + (six ? 8 : 12), n);
			memset(nd, 0, n);
			break;
		case 5: /* the source becomes the old destination */
			memcpy(ns, a + l3 + (six ? 24 : 16), n);
			break;
		case 6: /* ... from all ones, the destination to all zeros */
			memset(a + l3 + (six ? 8 : 12), 0xff, n);
			memcpy(ns, a + l3 + (six ? 24 : 16), n);
			memset(nd, 0, n);
			break;
		default:
			break;
		}
		assert_int_equal(pkt_parse(a, len, &m), WIRE_OK);
		memcpy(b, a, sizeof(a));
		pkt_rewrite_addr(a, len, &m, pkt_src_at(&m), ns);
		pkt_rewrite_addr(a, len, &m, pkt_dst_at(&m), nd);
		pkt_rewrite_src_dst(b, len, &m, ns, nd);
		assert_memory_equal(a, b, sizeof(a));
	}
}

static void
test_rewrite_delta_same_bytes(void **state)
{
	struct rng r;

	(void)state;
	rng_seed(&r, 19);
	for (unsigned int it = 0; it < 4000; it++) {
		const bool six = it & 1, udp = it & 2;
		const unsigned int l3 = ETH_HDR_LEN;
		const unsigned int ipl = six ? IPV6_HDR_LEN : IPV4_HDR_MIN_LEN;
		const unsigned int l4l = (udp ? 8u : 20u) + 6u;
		const unsigned int n = six ? 16u : 4u;
		uint8_t a[128], b[128], nv[16];
		uint8_t *ip = a + l3, *t = a + l3 + ipl;
		uint32_t len = l3 + ipl + l4l, ps, at;
		struct pkt_meta m;
		uint16_t c;

		for (unsigned int k = 0; k < sizeof(a); k++)
			a[k] = (uint8_t)rng_next(&r);
		for (unsigned int k = 0; k < n; k++)
			nv[k] = (uint8_t)rng_next(&r);
		store_be16(a + 12, six ? ETH_TYPE_IPV6 : ETH_TYPE_IPV4);
		if (six) {
			store_be32(ip, 0x60000000u);
			store_be16(ip + 4, (uint16_t)l4l);
			ip[6] = udp ? IPPROTO_NUM_UDP : IPPROTO_NUM_TCP;
			ps = csum_pseudo_ipv6(ip + 8, ip + 24, ip[6], l4l);
		} else {
			ip[0] = 0x45;
			store_be16(ip + 2, (uint16_t)(ipl + l4l));
			store_be16(ip + 6, 0);
			ip[9] = udp ? IPPROTO_NUM_UDP : IPPROTO_NUM_TCP;
			store_be16(ip + 10, 0);
			store_be16(ip + 10, csum_ipv4_hdr(ip, ipl));
			ps = csum_pseudo_ipv4(load_be32(ip + 12),
					      load_be32(ip + 16), ip[9], l4l);
		}
		if (udp) {
			store_be16(t + 4, (uint16_t)l4l);
			store_be16(t + 6, 0);
		} else {
			t[12] = 5 << 4;
			store_be16(t + 16, 0);
		}
		c = csum_l4(ps, t, l4l);
		if (udp && c == 0)
			c = 0xffff;
		store_be16(t + (udp ? 6 : 16), c);
		assert_int_equal(pkt_parse(a, len, &m), WIRE_OK);
		at = pkt_dst_at(&m);
		if (memcmp(a + at, nv, n) == 0)
			continue;
		memcpy(b, a, sizeof(a));
		pkt_rewrite_field(a, len, &m, at, nv, n, true);
		pkt_rewrite_field_delta(b, len, &m, at, nv, n, true,
					csum_delta_fold16(csum_delta_bytes(
						b + at, nv, n)));
		assert_memory_equal(a, b, sizeof(a));
		assert_memory_equal(a + at, nv, n);
	}
}

static void
test_pseudo_ipv4_tcp(void **state)
{
	/* 10.0.0.1:1234 -> 10.0.0.2:80 SYN, checksum computed by hand with
	 * the pseudo-header; verifying over the whole segment folds to 0. */
	uint8_t tcp[20] = {
		0x04, 0xd2, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0,
		0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
	};
	uint32_t ps = csum_pseudo_ipv4(0x0A000001u, 0x0A000002u, 6, 20);
	uint16_t c = csum_l4(ps, tcp, 20);

	(void)state;
	store_be16(tcp + 16, c);
	assert_int_equal(csum_l4(ps, tcp, 20), 0);
	/* Independent sum: words of the pseudo header and segment. */
	{
		uint32_t s = 0x0A00 + 0x0001 + 0x0A00 + 0x0002 + 6 + 20;

		s += 0x04d2 + 0x0050 + 0x0000 + 0x0001 + 0x5002 + 0xffff;
		while (s >> 16)
			s = (s & 0xFFFF) + (s >> 16);
		assert_int_equal(c, (uint16_t)~s);
	}
}

static void
test_pseudo_ipv6_uses_given_destination(void **state)
{
	uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	uint8_t vip[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0xff, [15] = 1 };
	uint8_t seg[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 0xca };
	uint8_t udp[8] = { 0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0, 0 };
	uint32_t a = csum_pseudo_ipv6(src, vip, 17, 8);
	uint32_t b = csum_pseudo_ipv6(src, seg, 17, 8);

	(void)state;
	assert_int_not_equal(csum_l4(a, udp, 8), csum_l4(b, udp, 8));
	store_be16(udp + 6, csum_l4(a, udp, 8));
	assert_int_equal(csum_l4(a, udp, 8), 0);
}

/* A delta folded to 16 bits once (csum_delta_fold16(), the routed leg's
 * rewrite: issue 19, round 4) updates a checksum to the value the
 * unfolded delta gives (csum_apply_delta(), the formula before): every
 * checksum 0x0000..0xffff against deltas of 0, the fold boundaries and
 * the largest csum_delta_bytes() can return for a 16-byte field, and
 * random ones. */
static void
test_delta_fold16_same_update(void **state)
{
	uint64_t deltas[64] = { 0, 1, 0xfffe, 0xffff, 0x10000, 0x1fffe,
				0xffffffffu, 0x100000000ull,
				8ull * 0x1fffeull, 0x7fffffffffull };
	unsigned int n = 10;
	struct rng r;

	(void)state;
	rng_seed(&r, 1624);
	while (n < 64) {
		/* sums of up to 16 words of 16 bits and their complements,
		 * as csum_delta_bytes() builds them */
		uint64_t d = 0;
		unsigned int k = 1 + rng_below(&r, 16);

		for (unsigned int i = 0; i < k; i++)
			d += rng_below(&r, 0x10000) +
			     (uint64_t)(0xffff - rng_below(&r, 0x10000));
		deltas[n++] = d;
	}
	for (unsigned int i = 0; i < 64; i++) {
		uint16_t d16 = csum_delta_fold16(deltas[i]);

		assert_true((deltas[i] == 0) == (d16 == 0));
		for (uint32_t c = 0; c <= 0xffff; c++)
			assert_int_equal(csum_apply_delta16((uint16_t)c, d16),
					 csum_apply_delta((uint16_t)c,
							  deltas[i]));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_hdr_known_vector),
		cmocka_unit_test(test_delta_fold16_same_update),
		cmocka_unit_test(test_odd_length_pads_with_zero),
		cmocka_unit_test(test_update16_matches_recompute),
		cmocka_unit_test(test_rfc1624_minus_zero_case),
		cmocka_unit_test(test_update32_and_bytes),
		cmocka_unit_test(test_delta_bytes_exact),
		cmocka_unit_test(test_rewrite_delta_same_bytes),
		cmocka_unit_test(test_rewrite_src_dst_same_bytes),
		cmocka_unit_test(test_ipv4_hdr_one_pass),
		cmocka_unit_test(test_pseudo_ipv4_tcp),
		cmocka_unit_test(test_pseudo_ipv6_uses_given_destination),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

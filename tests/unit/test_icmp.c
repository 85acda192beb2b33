/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/icmp.h"
#include "dsrlb/pkt_buf.h"
#include "dsrlb/pkt_parse.h"

/*
 * Frames are written field by field here; checksums are checked with
 * ref_sum(), a plain RFC 1071 sum that does not use lib/wire/csum.c.
 * Hosts: client C 192.0.2.7 / 2001:db8::7, VIP V 198.51.100.1 /
 * 2001:db8:100::1, router R 203.0.113.1 / 2001:db8:f::1.
 */
static const uint8_t c4[4] = { 192, 0, 2, 7 };
static const uint8_t v4[4] = { 198, 51, 100, 1 };
static const uint8_t r4[4] = { 203, 0, 113, 1 };
static const uint8_t c6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };
static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00,
				[15] = 1 };
static const uint8_t r6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x0f,
				[15] = 1 };
static const uint8_t s6[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0x11 };

#define HEADROOM 128
#define CAP 4096

static uint16_t
ref_sum(const uint8_t *a, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(a[i] << 8 | a[i + 1]);
	if (n & 1)
		s += (uint32_t)a[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Sum of the ICMPv6 pseudo-header (RFC 8200 §8.1). */
static uint32_t
ref_pseudo6(const uint8_t *src, const uint8_t *dst, uint32_t len)
{
	uint8_t ph[40] = { 0 };

	memcpy(ph, src, 16);
	memcpy(ph + 16, dst, 16);
	ph[32] = (uint8_t)(len >> 24);
	ph[33] = (uint8_t)(len >> 16);
	ph[34] = (uint8_t)(len >> 8);
	ph[35] = (uint8_t)len;
	ph[39] = 58;
	return ref_sum(ph, 40, 0);
}

static void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t
eth(uint8_t *f, uint16_t type)
{
	memset(f, 0, 14);
	f[0] = 0x02;
	f[5] = 0xaa;
	f[6] = 0x02;
	f[11] = 0x01;
	put16(f + 12, type);
	return 14;
}

/* IPv4 header at @p ip: 20 bytes, checksum filled. */
static void
ip4(uint8_t *ip, const uint8_t *src, const uint8_t *dst, uint8_t proto,
    uint32_t total, bool df)
{
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, total);
	put16(ip + 4, 0x1234);
	if (df)
		ip[6] = 0x40;
	ip[8] = 61;
	ip[9] = proto;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	put16(ip + 10, (uint16_t)~ref_sum(ip, 20, 0));
}

static void
ip6(uint8_t *ip, const uint8_t *src, const uint8_t *dst, uint8_t nh,
    uint32_t plen)
{
	memset(ip, 0, 40);
	ip[0] = 0x60;
	put16(ip + 4, plen);
	ip[6] = nh;
	ip[7] = 61;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
}

/* A TCP header (ports, flags ACK) of 20 bytes; checksum left 0x5555
 * (a marker: nothing here looks at it). */
static void
tcp(uint8_t *t, uint16_t sp, uint16_t dp)
{
	memset(t, 0, 20);
	put16(t, sp);
	put16(t + 2, dp);
	t[12] = 0x50;
	t[13] = 0x10;
	put16(t + 16, 0x5555);
}

/* ICMPv4 frag-needed from R to V quoting (V:80 -> C:40000, 1500 bytes)
 * cut after @p quote_len bytes. @return frame length. */
static uint32_t
frag_needed4(uint8_t *f, uint32_t quote_len, uint16_t mtu)
{
	uint32_t o = eth(f, 0x0800);
	uint8_t *ic = f + o + 20, *q = ic + 8;

	ip4(q, v4, c4, 6, 1500, true);
	tcp(q + 20, 80, 40000);
	ip4(f + o, r4, v4, 1, 20 + 8 + quote_len, false);
	ic[0] = 3;
	ic[1] = 4;
	ic[2] = ic[3] = 0;
	ic[4] = ic[5] = 0;
	put16(ic + 6, mtu);
	put16(ic + 2, (uint16_t)~ref_sum(ic, 8 + quote_len, 0));
	return o + 20 + 8 + quote_len;
}

static void
test_parse_frag_needed4(void **state)
{
	uint8_t f[256];
	struct pkt_meta m;
	struct icmp_info in;
	uint32_t n = frag_needed4(f, 28, 1400);

	(void)state;
	assert_int_equal(pkt_parse(f, n, &m), WIRE_OK);
	assert_int_equal(icmp_parse(f, n, &m, &in), WIRE_OK);
	assert_int_equal(in.cls, ICMP_CLASS_ERROR);
	assert_int_equal(in.type, 3);
	assert_int_equal(in.code, 4);
	assert_int_equal(in.mtu, 1400);
	assert_int_equal(in.icmp_off, 34);
	assert_int_equal(in.inner_off, 42);
	assert_int_equal(in.inner_proto, 6);
	assert_int_equal(in.inner_has_ports, 1);
	assert_memory_equal(in.inner_src, v4, 4);
	assert_memory_equal(in.inner_dst, c4, 4);
	assert_int_equal(in.inner_sport, 80);
	assert_int_equal(in.inner_dport, 40000);

	/* RFC 792's minimum quote: header + 8 bytes reaches the ports;
	 * 20 + 3 does not. */
	n = frag_needed4(f, 23, 1400);
	assert_int_equal(pkt_parse(f, n, &m), WIRE_OK);
	assert_int_equal(icmp_parse(f, n, &m, &in), WIRE_OK);
	assert_int_equal(in.inner_has_ports, 0);
	/* Less than the quoted IP header. */
	n = frag_needed4(f, 19, 1400);
	assert_int_equal(pkt_parse(f, n, &m), WIRE_OK);
	assert_int_equal(icmp_parse(f, n, &m, &in), WIRE_ERR_ICMP_SHORT);
	/* Quote of the wrong version. */
	n = frag_needed4(f, 28, 1400);
	f[42] = 0x65;
	assert_int_equal(pkt_parse(f, n, &m), WIRE_OK);
	assert_int_equal(icmp_parse(f, n, &m, &in), WIRE_ERR_ICMP_QUOTE);
	/* A quoted later fragment has no ports. */
	n = frag_needed4(f, 28, 1400);
	f[42 + 7] = 0x10;
	assert_int_equal(icmp_parse(f, n, &m, &in), WIRE_OK);
	assert_int_equal(in.inner_has_ports, 0);
	/* Ethernet padding past the IP packet is not quote. */
	n = frag_needed4(f, 23, 1400);
	memset(f + n, 0x77, 20);
	assert_int_equal(pkt_parse(f, n + 20, &m), WIRE_OK);
	assert_int_equal(icmp_parse(f, n + 20, &m, &in), WIRE_OK);
	assert_int_equal(in.inner_has_ports, 0);
	/* Not ICMP at all. */
	m.l4_proto = 6;
	assert_int_equal(icmp_parse(f, n, &m, &in), WIRE_ERR_INVAL);
	assert_int_equal(icmp_parse(NULL, n, &m, &in), WIRE_ERR_INVAL);
}

/* ICMPv6 PTB from R to V quoting (V:443 -> C:50000) with a Destination
 * Options header of 8 bytes before TCP. */
static uint32_t
ptb6(uint8_t *f, uint32_t mtu, uint32_t quote_len)
{
	uint32_t o = eth(f, 0x86dd);
	uint8_t *ic = f + o + 40, *q = ic + 8;

	ip6(q, v6, c6, 60, 1400);
	memset(q + 40, 0, 8);
	q[40] = 6;              /* next: TCP */
	q[42] = 1;              /* PadN of 4 */
	q[43] = 4;
	tcp(q + 48, 443, 50000);
	ip6(f + o, r6, v6, 58, 8 + quote_len);
	ic[0] = 2;
	ic[1] = 0;
	ic[2] = ic[3] = 0;
	ic[4] = (uint8_t)(mtu >> 24);
	ic[5] = (uint8_t)(mtu >> 16);
	ic[6] = (uint8_t)(mtu >> 8);
	ic[7] = (uint8_t)mtu;
	put16(ic + 2, (uint16_t)~ref_sum(ic, 8 + quote_len,
					 ref_pseudo6(r6, v6, 8 + quote_len)));
	return o + 40 + 8 + quote_len;
}

static void
test_parse_ptb6(void **state)
{
	uint8_t f[512];
	struct pkt_meta m;
	struct icmp_info in;
	uint32_t n = ptb6(f, 1380, 68);

	(void)state;
	assert_int_equal(pkt_parse(f, n, &m), WIRE_OK);
	assert_int_equal(icmp_parse(f, n, &m, &in), WIRE_OK);
	assert_int_equal(in.cls, ICMP_CLASS_ERROR);
	assert_int_equal(in.type, 2);
	assert_int_equal(in.mtu, 1380);
	assert_int_equal(in.inner_proto, 6);
	assert_int_equal(in.inner_has_ports, 1);
	assert_memory_equal(in.inner_src, v6, 16);
	assert_memory_equal(in.inner_dst, c6, 16);
	assert_int_equal(in.inner_sport, 443);
	assert_int_equal(in.inner_dport, 50000);
	/* Cut inside the Destination Options header: no ports. */
	n = ptb6(f, 1380, 41);
	assert_int_equal(pkt_parse(f, n, &m), WIRE_OK);
	assert_int_equal(icmp_parse(f, n, &m, &in), WIRE_OK);
	assert_int_equal(in.inner_has_ports, 0);
	/* Cut inside the quoted IPv6 header. */
	n = ptb6(f, 1380, 39);
	assert_int_equal(pkt_parse(f, n, &m), WIRE_OK);
	assert_int_equal(icmp_parse(f, n, &m, &in), WIRE_ERR_ICMP_SHORT);
	/* An IPv4 header quoted in ICMPv6. */
	n = ptb6(f, 1380, 68);
	f[14 + 48] = 0x45;
	assert_int_equal(pkt_parse(f, n, &m), WIRE_OK);
	assert_int_equal(icmp_parse(f, n, &m, &in), WIRE_ERR_ICMP_QUOTE);
	/* A chain of more extension headers than allowed: no ports. */
	n = ptb6(f, 1380, 68);
	f[14 + 48 + 40] = 60;   /* the options header points to itself */
	assert_int_equal(icmp_parse(f, n, &m, &in), WIRE_OK);
	assert_int_equal(in.inner_has_ports, 0);
}

static void
test_echo4(void **state)
{
	uint8_t f[128];
	struct pkt_meta m;
	struct icmp_info in;
	uint32_t o = eth(f, 0x0800);
	uint8_t *ic = f + o + 20;

	(void)state;
	ip4(f + o, c4, v4, 1, 20 + 8 + 6, false);
	memset(ic, 0, 14);
	ic[0] = 8;
	put16(ic + 4, 0x4242);
	put16(ic + 6, 1);
	memcpy(ic + 8, "abcdef", 6);
	put16(ic + 2, (uint16_t)~ref_sum(ic, 14, 0));
	assert_int_equal(pkt_parse(f, o + 34, &m), WIRE_OK);
	assert_int_equal(icmp_parse(f, o + 34, &m, &in), WIRE_OK);
	assert_int_equal(in.cls, ICMP_CLASS_ECHO_REQUEST);
	assert_int_equal(icmp_echo_reply(f, o + 34, &m, &in), WIRE_OK);
	assert_int_equal(ic[0], 0);
	assert_memory_equal(f + o + 12, v4, 4);
	assert_memory_equal(f + o + 16, c4, 4);
	assert_int_equal(f[o + 8], 64);
	assert_int_equal(ref_sum(f + o, 20, 0), 0xffff);
	assert_int_equal(ref_sum(ic, 14, 0), 0xffff);
	assert_memory_equal(ic + 8, "abcdef", 6);
	/* A reply is not a request. */
	assert_int_equal(icmp_parse(f, o + 34, &m, &in), WIRE_OK);
	assert_int_equal(in.cls, ICMP_CLASS_OTHER);
	assert_int_equal(icmp_echo_reply(f, o + 34, &m, &in), WIRE_ERR_INVAL);
}

static void
test_echo6(void **state)
{
	uint8_t f[128];
	struct pkt_meta m;
	struct icmp_info in;
	uint32_t o = eth(f, 0x86dd);
	uint8_t *ic = f + o + 40;

	(void)state;
	ip6(f + o, c6, v6, 58, 12);
	memset(ic, 0, 12);
	ic[0] = 128;
	put16(ic + 4, 7);
	memcpy(ic + 8, "ping", 4);
	put16(ic + 2, (uint16_t)~ref_sum(ic, 12, ref_pseudo6(c6, v6, 12)));
	assert_int_equal(pkt_parse(f, o + 52, &m), WIRE_OK);
	assert_int_equal(icmp_parse(f, o + 52, &m, &in), WIRE_OK);
	assert_int_equal(in.cls, ICMP_CLASS_ECHO_REQUEST);
	assert_int_equal(icmp_echo_reply(f, o + 52, &m, &in), WIRE_OK);
	assert_int_equal(ic[0], 129);
	assert_memory_equal(f + o + 8, v6, 16);
	assert_memory_equal(f + o + 24, c6, 16);
	assert_int_equal(f[o + 7], 64);
	assert_int_equal(ref_sum(ic, 12, ref_pseudo6(v6, c6, 12)), 0xffff);
}

static void
test_too_big4(void **state)
{
	uint8_t *buf = calloc(1, CAP), *f, orig[1514];
	struct pkt_buf pb;
	struct pkt_meta m;
	struct icmp_info in;
	uint32_t o;

	(void)state;
	assert_non_null(buf);
	f = buf + HEADROOM;
	o = eth(f, 0x0800);
	ip4(f + o, c4, v4, 6, 1500, true);
	tcp(f + o + 20, 40000, 80);
	for (uint32_t i = 40; i < 1500; i++)
		f[o + i] = (uint8_t)i;
	memcpy(orig, f, o + 1500);
	assert_int_equal(pkt_buf_init(&pb, buf, CAP, HEADROOM, o + 1500),
			 WIRE_OK);
	assert_int_equal(pkt_parse(f, pb.len, &m), WIRE_OK);
	assert_int_equal(icmp_build_too_big(&pb, &m, v4, 67),
			 WIRE_ERR_INVAL);
	assert_int_equal(icmp_build_too_big(&pb, &m, v4, 1492), WIRE_OK);
	f = pkt_buf_data(&pb);
	/* RFC 1812 §4.3.2.3: no more than 576 bytes. */
	assert_int_equal(pb.len, 14 + 576);
	assert_memory_equal(f, orig, 14);
	assert_int_equal(f[14], 0x45);
	assert_int_equal(f[15], 0xc0);
	assert_int_equal(f[16] << 8 | f[17], 576);
	assert_int_equal(f[23], 1);
	assert_memory_equal(f + 26, v4, 4);
	assert_memory_equal(f + 30, c4, 4);
	assert_int_equal(ref_sum(f + 14, 20, 0), 0xffff);
	assert_int_equal(f[34], 3);
	assert_int_equal(f[35], 4);
	assert_int_equal(f[40] << 8 | f[41], 1492);
	assert_int_equal(ref_sum(f + 34, 576 - 20, 0), 0xffff);
	/* The quote is the packet as it came, cut. */
	assert_memory_equal(f + 42, orig + 14, 576 - 28);
	/* ... and reads back as an error about that flow. */
	assert_int_equal(pkt_parse(f, pb.len, &m), WIRE_OK);
	assert_int_equal(icmp_parse(f, pb.len, &m, &in), WIRE_OK);
	assert_int_equal(in.mtu, 1492);
	assert_int_equal(in.inner_sport, 40000);
	free(buf);
}

static void
test_too_big6_and_set_dst(void **state)
{
	uint8_t *buf = calloc(1, CAP), *f;
	struct pkt_buf pb;
	struct pkt_meta m;
	struct icmp_info in;
	uint32_t o;

	(void)state;
	assert_non_null(buf);
	/* No headroom: the payload side moves instead. */
	f = buf;
	o = eth(f, 0x86dd);
	ip6(f + o, c6, v6, 6, 200);
	tcp(f + o + 40, 40000, 443);
	assert_int_equal(pkt_buf_init(&pb, buf, CAP, 0, o + 240), WIRE_OK);
	assert_int_equal(pkt_parse(f, pb.len, &m), WIRE_OK);
	assert_int_equal(icmp_build_too_big(&pb, &m, v6, 1279),
			 WIRE_ERR_INVAL);
	assert_int_equal(icmp_build_too_big(&pb, &m, v6, 1428), WIRE_OK);
	f = pkt_buf_data(&pb);
	/* A short packet is quoted whole. */
	assert_int_equal(pb.len, 14 + 48 + 240);
	assert_int_equal(f[14] >> 4, 6);
	assert_int_equal(f[18] << 8 | f[19], 248);
	assert_int_equal(f[20], 58);
	assert_memory_equal(f + 22, v6, 16);
	assert_memory_equal(f + 38, c6, 16);
	assert_int_equal(f[54], 2);
	assert_int_equal(f[60] << 8 | f[61], 1428);
	assert_int_equal(ref_sum(f + 54, 248, ref_pseudo6(v6, c6, 248)),
			 0xffff);
	/* Readdressed (an error about a flow sent on to its server): the
	 * ICMPv6 checksum follows the pseudo-header. */
	assert_int_equal(pkt_parse(f, pb.len, &m), WIRE_OK);
	assert_int_equal(icmp_parse(f, pb.len, &m, &in), WIRE_OK);
	icmp_set_dst(f, pb.len, &m, &in, s6);
	assert_memory_equal(f + 38, s6, 16);
	assert_int_equal(ref_sum(f + 54, 248, ref_pseudo6(v6, s6, 248)),
			 0xffff);
	free(buf);
}

static void
test_set_dst4(void **state)
{
	uint8_t f[256];
	struct pkt_meta m;
	struct icmp_info in;
	static const uint8_t s4[4] = { 10, 0, 0, 11 };
	uint32_t n = frag_needed4(f, 28, 1400);

	(void)state;
	assert_int_equal(pkt_parse(f, n, &m), WIRE_OK);
	assert_int_equal(icmp_parse(f, n, &m, &in), WIRE_OK);
	icmp_set_dst(f, n, &m, &in, s4);
	assert_memory_equal(f + 30, s4, 4);
	assert_int_equal(ref_sum(f + 14, 20, 0), 0xffff);
	assert_int_equal(ref_sum(f + 34, 36, 0), 0xffff);
}

static void
test_ratelimit(void **state)
{
	struct icmp_ratelimit rl = { 0 };
	unsigned int n = 0;

	(void)state;
	/* 100/s: a burst of 10, then one per 10 ms. */
	for (int i = 0; i < 20; i++)
		n += icmp_ratelimit_take(&rl, 1000, 100);
	assert_int_equal(n, 10);
	assert_false(icmp_ratelimit_take(&rl, 9000000, 100));
	assert_true(icmp_ratelimit_take(&rl, 10001000, 100));
	assert_false(icmp_ratelimit_take(&rl, 10002000, 100));
	/* a long pause refills to the burst, no more */
	n = 0;
	for (int i = 0; i < 20; i++)
		n += icmp_ratelimit_take(&rl, 60000000000ull, 100);
	assert_int_equal(n, 10);
	/* rate 0: never; rate 1: a burst of one */
	assert_false(icmp_ratelimit_take(&rl, 70000000000ull, 0));
	memset(&rl, 0, sizeof(rl));
	assert_true(icmp_ratelimit_take(&rl, 5, 1));
	assert_false(icmp_ratelimit_take(&rl, 500000000, 1));
	assert_true(icmp_ratelimit_take(&rl, 1000000005, 1));
	assert_false(icmp_ratelimit_take(NULL, 0, 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_frag_needed4),
		cmocka_unit_test(test_parse_ptb6),
		cmocka_unit_test(test_echo4),
		cmocka_unit_test(test_echo6),
		cmocka_unit_test(test_too_big4),
		cmocka_unit_test(test_too_big6_and_set_dst),
		cmocka_unit_test(test_set_dst4),
		cmocka_unit_test(test_ratelimit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

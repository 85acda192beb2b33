/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/neigh.h"
#include "dsrlb/pkt_buf.h"
#include "dsrlb/rng.h"
#include "dsrlb/wire_result.h"

/*
 * Hosts used throughout: the requester R = 02:00:00:00:00:01, 192.0.2.1 /
 * 2001:db8::1; "me" M = 02:00:00:00:00:aa, 192.0.2.10 / 2001:db8::10.
 * Every frame below is written out byte by byte; the ICMPv6 checksums were
 * worked out separately (RFC 1071 over the pseudo-header and the message)
 * and are checked again by ref_icmp6_sum() below, which does not use
 * lib/wire/csum.c.
 */
static const uint8_t mac_r[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t mac_m[6] = { 0x02, 0, 0, 0, 0, 0xaa };
static const uint8_t ip4_r[4] = { 192, 0, 2, 1 };
static const uint8_t ip4_m[4] = { 192, 0, 2, 10 };
static const uint8_t ip6_r[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
static const uint8_t ip6_m[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 };

/* ARP who-has 192.0.2.10 tell 192.0.2.1, untagged, not padded. */
static const uint8_t arp_req[42] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff,     /* dst: broadcast */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,     /* src: R */
	0x08, 0x06,                             /* ARP */
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04,     /* Ethernet, IPv4, 6, 4 */
	0x00, 0x01,                             /* request */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,     /* SHA R */
	0xc0, 0x00, 0x02, 0x01,                 /* SPA 192.0.2.1 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00,     /* THA */
	0xc0, 0x00, 0x02, 0x0a,                 /* TPA 192.0.2.10 */
};

static const uint8_t arp_rep_expected[42] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,     /* dst: R */
	0x02, 0x00, 0x00, 0x00, 0x00, 0xaa,     /* src: M */
	0x08, 0x06,
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04,
	0x00, 0x02,                             /* reply */
	0x02, 0x00, 0x00, 0x00, 0x00, 0xaa,     /* SHA M */
	0xc0, 0x00, 0x02, 0x0a,                 /* SPA 192.0.2.10 */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,     /* THA R */
	0xc0, 0x00, 0x02, 0x01,                 /* TPA 192.0.2.1 */
};

/* The same request in VLAN 100, padded to 64 bytes with 0x5a. */
static const uint8_t arp_req_vlan[64] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x81, 0x00, 0x00, 0x64,                 /* 802.1Q, VID 100 */
	0x08, 0x06,
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04,
	0x00, 0x01,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xc0, 0x00, 0x02, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xc0, 0x00, 0x02, 0x0a,
	0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
	0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
};

static const uint8_t arp_rep_vlan_expected[64] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x02, 0x00, 0x00, 0x00, 0x00, 0xaa,
	0x81, 0x00, 0x00, 0x64,
	0x08, 0x06,
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04,
	0x00, 0x02,
	0x02, 0x00, 0x00, 0x00, 0x00, 0xaa,
	0xc0, 0x00, 0x02, 0x0a,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xc0, 0x00, 0x02, 0x01,
	0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
	0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
};

/* Broadcast who-has 192.0.2.1 tell 192.0.2.10 from M, padded to 60. */
static const uint8_t built_arp_expected[60] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x02, 0x00, 0x00, 0x00, 0x00, 0xaa,
	0x08, 0x06,
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04,
	0x00, 0x01,
	0x02, 0x00, 0x00, 0x00, 0x00, 0xaa,
	0xc0, 0x00, 0x02, 0x0a,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xc0, 0x00, 0x02, 0x01,
	[42] = 0x00,                            /* 18 bytes of padding */
};

/*
 * IPv6 frames: Ethernet (14) | IPv6 (40: 60 00 00 00, payload length,
 * 3a, ff, src, dst) | ICMPv6 (type, code, checksum, flags/reserved,
 * target) | options.
 */

/* NS for 2001:db8::10 from 2001:db8::1 to ff02::1:ff00:10, SLLA R. */
static const uint8_t ns_frame[86] = {
	0x33, 0x33, 0xff, 0x00, 0x00, 0x10,             /* dst 33:33:ff:00:00:10 */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0xdd, /* src R, IPv6 */
	0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, /* plen 32, 58, 255 */
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, /* src 2001:db8::1 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* dst ff02::1:ff00:10 */
	0x00, 0x00, 0x00, 0x01, 0xff, 0x00, 0x00, 0x10,
	0x87, 0x00, 0x1c, 0x0b, 0x00, 0x00, 0x00, 0x00, /* NS, csum 0x1c0b */
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, /* target 2001:db8::10 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
	0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* SLLA R */
};

/* Its answer: solicited NA, S|O, TLLA M. */
static const uint8_t na_expected[86] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,             /* dst R */
	0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x86, 0xdd, /* src M */
	0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, /* src 2001:db8::10 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, /* dst 2001:db8::1 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x88, 0x00, 0x89, 0xad, 0x60, 0x00, 0x00, 0x00, /* NA, csum, S|O */
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
	0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, /* TLLA M */
};

/* As na_expected with R set: flags 0xe0, checksum 0x8000 lower. */
static const uint8_t na_router_expected[86] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x86, 0xdd,
	0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x88, 0x00, 0x09, 0xad, 0xe0, 0x00, 0x00, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
	0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0xaa,
};

/* DAD probe: NS for 2001:db8::10 from :: to ff02::1:ff00:10, no option. */
static const uint8_t dad_frame[78] = {
	0x33, 0x33, 0xff, 0x00, 0x00, 0x10,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0xdd,
	0x60, 0x00, 0x00, 0x00, 0x00, 0x18, 0x3a, 0xff, /* plen 24 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* src :: */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0xff, 0x00, 0x00, 0x10,
	0x87, 0x00, 0x4c, 0xcf, 0x00, 0x00, 0x00, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
};

/* Its answer: to all-nodes, O only (S = 0), TLLA M; 8 bytes longer. */
static const uint8_t dad_na_expected[86] = {
	0x33, 0x33, 0x00, 0x00, 0x00, 0x01,             /* dst all-nodes */
	0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x86, 0xdd,
	0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
	0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* dst ff02::1 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x88, 0x00, 0xf8, 0x63, 0x20, 0x00, 0x00, 0x00, /* O */
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
	0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0xaa,
};

/* ns_frame in VLAN 100 with a Nonce option (type 14) before the SLLA. */
static const uint8_t ns_vlan_frame[98] = {
	0x33, 0x33, 0xff, 0x00, 0x00, 0x10,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x81, 0x00, 0x00, 0x64, 0x86, 0xdd,
	0x60, 0x00, 0x00, 0x00, 0x00, 0x28, 0x3a, 0xff, /* plen 40 */
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0xff, 0x00, 0x00, 0x10,
	0x87, 0x00, 0x04, 0xf6, 0x00, 0x00, 0x00, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
	0x0e, 0x01, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, /* Nonce */
	0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* SLLA R */
};

/* Its answer keeps the tag; the Nonce is dropped (90 bytes). */
static const uint8_t na_vlan_expected[90] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x02, 0x00, 0x00, 0x00, 0x00, 0xaa,
	0x81, 0x00, 0x00, 0x64, 0x86, 0xdd,
	0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x88, 0x00, 0x89, 0xad, 0x60, 0x00, 0x00, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
	0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0xaa,
};

/* NS built by M (2001:db8::10) for 2001:db8::1. */
static const uint8_t built_ns_expected[86] = {
	0x33, 0x33, 0xff, 0x00, 0x00, 0x01,             /* 33:33:ff:00:00:01 */
	0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x86, 0xdd,
	0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
	0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* ff02::1:ff00:1 */
	0x00, 0x00, 0x00, 0x01, 0xff, 0x00, 0x00, 0x01,
	0x87, 0x00, 0x1b, 0x71, 0x00, 0x00, 0x00, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, /* SLLA M */
};

/* R's unicast NA to M: 2001:db8::1 is at R, S|O, TLLA R. */
static const uint8_t na_frame[86] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0xaa,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0xdd,
	0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
	0x88, 0x00, 0x8a, 0x65, 0x60, 0x00, 0x00, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
};

/* ---- helpers independent of the code under test ------------------------ */

/* One's-complement sum of @n bytes, folded to 16 bits (not complemented). */
static uint32_t
ref_add(const uint8_t *p, size_t n, uint32_t s)
{
	size_t i;

	for (i = 0; i < n; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/* Sum of the IPv6 pseudo-header and the ICMPv6 message of the frame whose
 * IPv6 header is at @l3: 0xffff when the checksum is right. */
static uint16_t
ref_icmp6_sum(const uint8_t *f, uint32_t l3)
{
	const uint8_t *ip = f + l3;
	uint32_t plen = (uint32_t)ip[4] << 8 | ip[5];
	uint8_t tail[8] = { 0, 0, ip[4], ip[5], 0, 0, 0, 58 };
	uint32_t s = 0;

	s = ref_add(ip + 8, 32, s);
	s = ref_add(tail, 8, s);
	return (uint16_t)ref_add(ip + 40, plen, s);
}

static void
ref_fix_csum(uint8_t *f, uint32_t l3)
{
	uint16_t c;

	f[l3 + 42] = 0;
	f[l3 + 43] = 0;
	c = (uint16_t)~ref_icmp6_sum(f, l3);
	f[l3 + 42] = (uint8_t)(c >> 8);
	f[l3 + 43] = (uint8_t)c;
}

/* Parse a copy of @f in a heap block of exactly @n bytes, so that ASan
 * reports any read past the end. */
static enum wire_result
parse_exact(const uint8_t *f, uint32_t n, struct neigh_msg *m)
{
	uint8_t *p = malloc(n ? n : 1);
	enum wire_result r;

	assert_non_null(p);
	if (n)
		memcpy(p, f, n);
	r = neigh_parse(p, n, m);
	free(p);
	return r;
}

static void
assert_ip4(const uint8_t got[16], const uint8_t want[4])
{
	static const uint8_t zero[12];

	assert_memory_equal(got, want, 4);
	assert_memory_equal(got + 4, zero, 12);
}

/* ---- the vectors themselves -------------------------------------------- */

static void
test_vectors_are_valid(void **state)
{
	(void)state;
	assert_int_equal(ref_icmp6_sum(ns_frame, 14), 0xffff);
	assert_int_equal(ref_icmp6_sum(na_expected, 14), 0xffff);
	assert_int_equal(ref_icmp6_sum(na_router_expected, 14), 0xffff);
	assert_int_equal(ref_icmp6_sum(dad_frame, 14), 0xffff);
	assert_int_equal(ref_icmp6_sum(dad_na_expected, 14), 0xffff);
	assert_int_equal(ref_icmp6_sum(ns_vlan_frame, 18), 0xffff);
	assert_int_equal(ref_icmp6_sum(na_vlan_expected, 18), 0xffff);
	assert_int_equal(ref_icmp6_sum(built_ns_expected, 14), 0xffff);
	assert_int_equal(ref_icmp6_sum(na_frame, 14), 0xffff);
}

/* ---- ARP ---------------------------------------------------------------- */

static void
test_arp_request_reply(void **state)
{
	uint8_t f[42];
	struct neigh_msg m;

	(void)state;
	memcpy(f, arp_req, sizeof(f));
	assert_int_equal(neigh_parse(f, sizeof(f), &m), WIRE_OK);
	assert_int_equal(m.kind, NEIGH_ARP_REQUEST);
	assert_int_equal(m.family, 4);
	assert_int_equal(m.l3_off, 14);
	assert_ip4(m.sender_ip, ip4_r);
	assert_ip4(m.target_ip, ip4_m);
	assert_true(m.has_sender_mac);
	assert_memory_equal(m.sender_mac, mac_r, 6);

	assert_int_equal(neigh_arp_reply(f, sizeof(f), &m, mac_m), WIRE_OK);
	assert_memory_equal(f, arp_rep_expected, sizeof(f));

	assert_int_equal(neigh_parse(f, sizeof(f), &m), WIRE_OK);
	assert_int_equal(m.kind, NEIGH_ARP_REPLY);
	assert_ip4(m.sender_ip, ip4_m);
	assert_ip4(m.target_ip, ip4_r);
	assert_memory_equal(m.sender_mac, mac_m, 6);
	/* A reply is not answered. */
	assert_int_equal(neigh_arp_reply(f, sizeof(f), &m, mac_m),
			 WIRE_ERR_INVAL);
	assert_memory_equal(f, arp_rep_expected, sizeof(f));
}

static void
test_arp_vlan_reply(void **state)
{
	uint8_t f[64];
	struct neigh_msg m;

	(void)state;
	memcpy(f, arp_req_vlan, sizeof(f));
	assert_int_equal(neigh_parse(f, sizeof(f), &m), WIRE_OK);
	assert_int_equal(m.kind, NEIGH_ARP_REQUEST);
	assert_int_equal(m.l3_off, 18);
	assert_ip4(m.sender_ip, ip4_r);
	assert_ip4(m.target_ip, ip4_m);
	assert_int_equal(neigh_arp_reply(f, sizeof(f), &m, mac_m), WIRE_OK);
	assert_memory_equal(f, arp_rep_vlan_expected, sizeof(f));
}

static void
test_arp_reply_checks_its_input(void **state)
{
	uint8_t f[42];
	struct neigh_msg m;

	(void)state;
	memcpy(f, arp_req, sizeof(f));
	assert_int_equal(neigh_parse(f, sizeof(f), &m), WIRE_OK);
	assert_int_equal(neigh_arp_reply(NULL, sizeof(f), &m, mac_m),
			 WIRE_ERR_INVAL);
	assert_int_equal(neigh_arp_reply(f, sizeof(f), NULL, mac_m),
			 WIRE_ERR_INVAL);
	assert_int_equal(neigh_arp_reply(f, sizeof(f), &m, NULL),
			 WIRE_ERR_INVAL);
	/* Too short for the l3_off it was parsed with. */
	assert_int_equal(neigh_arp_reply(f, 41, &m, mac_m), WIRE_ERR_INVAL);
	/* m describes another frame. */
	m.l3_off = 18;
	assert_int_equal(neigh_arp_reply(f, sizeof(f), &m, mac_m),
			 WIRE_ERR_INVAL);
	m.l3_off = 14;
	m.target_ip[3] = 11;
	assert_int_equal(neigh_arp_reply(f, sizeof(f), &m, mac_m),
			 WIRE_ERR_INVAL);
	assert_memory_equal(f, arp_req, sizeof(f));
}

static void
test_arp_bad_fields(void **state)
{
	static const struct {
		unsigned int off;
		uint8_t val;
	} bad[] = {
		{ 15, 6 },      /* htype 6 (IEEE 802) */
		{ 14, 1 },      /* htype 0x0101 */
		{ 16, 0x86 },   /* ptype 0x8600 */
		{ 18, 8 },      /* hlen 8 */
		{ 18, 0 },      /* hlen 0 */
		{ 19, 16 },     /* plen 16 */
		{ 21, 3 },      /* op 3 (RARP request) */
		{ 21, 0 },      /* op 0 */
		{ 20, 1 },      /* op 0x0101 */
	};
	struct neigh_msg m;
	uint8_t f[42];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(f, arp_req, sizeof(f));
		f[bad[i].off] = bad[i].val;
		assert_int_equal(parse_exact(f, sizeof(f), &m),
				 WIRE_ERR_ARP_FORMAT);
		assert_int_not_equal(m.kind, NEIGH_ARP_REQUEST);
	}
}

static void
test_build_arp_request(void **state)
{
	uint8_t buf[68];
	struct pkt_buf pb;
	struct neigh_msg m;

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(pkt_buf_init(&pb, buf, sizeof(buf), 8, 20), WIRE_OK);
	assert_int_equal(neigh_build_arp_request(&pb, mac_m, ip4_m, ip4_r),
			 WIRE_OK);
	assert_int_equal(pb.off, 8);
	assert_int_equal(pb.len, 60);
	assert_memory_equal(buf + 8, built_arp_expected, 60);
	assert_int_equal(buf[7], 0xee);

	assert_int_equal(neigh_parse(pkt_buf_data(&pb), pb.len, &m), WIRE_OK);
	assert_int_equal(m.kind, NEIGH_ARP_REQUEST);
	assert_ip4(m.sender_ip, ip4_m);
	assert_ip4(m.target_ip, ip4_r);
	assert_memory_equal(m.sender_mac, mac_m, 6);

	/* 59 bytes from off to the end: no room, nothing written. */
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(pkt_buf_init(&pb, buf, sizeof(buf), 9, 20), WIRE_OK);
	assert_int_equal(neigh_build_arp_request(&pb, mac_m, ip4_m, ip4_r),
			 WIRE_ERR_NO_ROOM);
	assert_int_equal(pb.len, 20);
	assert_int_equal(buf[9], 0xee);
	assert_int_equal(neigh_build_arp_request(NULL, mac_m, ip4_m, ip4_r),
			 WIRE_ERR_INVAL);
}

/* ---- Neighbor Discovery -------------------------------------------------- */

static void
test_ns_to_na(void **state)
{
	uint8_t buf[160];
	struct pkt_buf pb;
	struct neigh_msg m;

	(void)state;
	memset(buf, 0, sizeof(buf));
	memcpy(buf + 32, ns_frame, sizeof(ns_frame));
	assert_int_equal(pkt_buf_init(&pb, buf, sizeof(buf), 32,
				      sizeof(ns_frame)), WIRE_OK);
	assert_int_equal(neigh_parse(pkt_buf_data(&pb), pb.len, &m), WIRE_OK);
	assert_int_equal(m.kind, NEIGH_ND_NS);
	assert_int_equal(m.family, 6);
	assert_int_equal(m.l3_off, 14);
	assert_memory_equal(m.sender_ip, ip6_r, 16);
	assert_memory_equal(m.target_ip, ip6_m, 16);
	assert_true(m.has_sender_mac);
	assert_memory_equal(m.sender_mac, mac_r, 6);

	assert_int_equal(neigh_nd_advert(&pb, &m, mac_m, false), WIRE_OK);
	assert_int_equal(pb.off, 32);
	assert_int_equal(pb.len, 86);
	assert_memory_equal(pkt_buf_data(&pb), na_expected, 86);
	assert_int_equal(ref_icmp6_sum(pkt_buf_data(&pb), 14), 0xffff);

	assert_int_equal(neigh_parse(pkt_buf_data(&pb), pb.len, &m), WIRE_OK);
	assert_int_equal(m.kind, NEIGH_ND_NA);
	assert_int_equal(m.na_flags,
			 ND_NA_FLAG_SOLICITED | ND_NA_FLAG_OVERRIDE);
	assert_memory_equal(m.sender_ip, ip6_m, 16);
	assert_memory_equal(m.target_ip, ip6_m, 16);
	assert_memory_equal(m.sender_mac, mac_m, 6);
	/* An NA is not answered. */
	assert_int_equal(neigh_nd_advert(&pb, &m, mac_m, false),
			 WIRE_ERR_INVAL);
}

static void
test_ns_to_na_router(void **state)
{
	uint8_t buf[86];
	struct pkt_buf pb;
	struct neigh_msg m;

	(void)state;
	memcpy(buf, ns_frame, sizeof(buf));
	assert_int_equal(pkt_buf_init(&pb, buf, sizeof(buf), 0, 86), WIRE_OK);
	assert_int_equal(neigh_parse(buf, 86, &m), WIRE_OK);
	assert_int_equal(neigh_nd_advert(&pb, &m, mac_m, true), WIRE_OK);
	assert_memory_equal(buf, na_router_expected, 86);
	assert_int_equal(ref_icmp6_sum(buf, 14), 0xffff);
	assert_int_equal(neigh_parse(buf, 86, &m), WIRE_OK);
	assert_int_equal(m.na_flags, 0xe0);
}

static void
test_dad_ns_to_na(void **state)
{
	uint8_t buf[96];
	struct pkt_buf pb;
	struct neigh_msg m;
	static const uint8_t zero[16];

	(void)state;
	/* Exactly 8 bytes of tailroom short: refused, nothing touched. */
	memset(buf, 0x77, sizeof(buf));
	memcpy(buf + 10, dad_frame, sizeof(dad_frame));
	assert_int_equal(pkt_buf_init(&pb, buf, 10 + 85, 10, 78), WIRE_OK);
	assert_int_equal(neigh_parse(pkt_buf_data(&pb), pb.len, &m), WIRE_OK);
	assert_int_equal(m.kind, NEIGH_ND_NS);
	assert_memory_equal(m.sender_ip, zero, 16);
	assert_memory_equal(m.target_ip, ip6_m, 16);
	assert_false(m.has_sender_mac);
	assert_int_equal(neigh_nd_advert(&pb, &m, mac_m, false),
			 WIRE_ERR_NO_ROOM);
	assert_int_equal(pb.len, 78);
	assert_memory_equal(buf + 10, dad_frame, sizeof(dad_frame));
	assert_int_equal(buf[10 + 78], 0x77);

	/* Room for the 8 more bytes. */
	assert_int_equal(pkt_buf_init(&pb, buf, 10 + 86, 10, 78), WIRE_OK);
	assert_int_equal(neigh_nd_advert(&pb, &m, mac_m, false), WIRE_OK);
	assert_int_equal(pb.len, 86);
	assert_memory_equal(buf + 10, dad_na_expected, 86);
	assert_int_equal(ref_icmp6_sum(buf + 10, 14), 0xffff);
	assert_int_equal(neigh_parse(buf + 10, 86, &m), WIRE_OK);
	assert_int_equal(m.kind, NEIGH_ND_NA);
	assert_int_equal(m.na_flags, ND_NA_FLAG_OVERRIDE);
}

static void
test_vlan_ns_to_na_shrinks(void **state)
{
	uint8_t buf[98];
	struct pkt_buf pb;
	struct neigh_msg m;

	(void)state;
	memcpy(buf, ns_vlan_frame, sizeof(buf));
	assert_int_equal(pkt_buf_init(&pb, buf, sizeof(buf), 0, 98), WIRE_OK);
	assert_int_equal(neigh_parse(buf, 98, &m), WIRE_OK);
	assert_int_equal(m.kind, NEIGH_ND_NS);
	assert_int_equal(m.l3_off, 18);
	assert_memory_equal(m.sender_mac, mac_r, 6);
	assert_int_equal(neigh_nd_advert(&pb, &m, mac_m, false), WIRE_OK);
	assert_int_equal(pb.len, 90);
	assert_memory_equal(buf, na_vlan_expected, 90);
	assert_int_equal(ref_icmp6_sum(buf, 18), 0xffff);
}

static void
test_nd_advert_checks_its_input(void **state)
{
	uint8_t buf[86];
	struct pkt_buf pb;
	struct neigh_msg m;

	(void)state;
	memcpy(buf, ns_frame, sizeof(buf));
	assert_int_equal(pkt_buf_init(&pb, buf, sizeof(buf), 0, 86), WIRE_OK);
	assert_int_equal(neigh_parse(buf, 86, &m), WIRE_OK);
	assert_int_equal(neigh_nd_advert(NULL, &m, mac_m, false),
			 WIRE_ERR_INVAL);
	assert_int_equal(neigh_nd_advert(&pb, NULL, mac_m, false),
			 WIRE_ERR_INVAL);
	assert_int_equal(neigh_nd_advert(&pb, &m, NULL, false),
			 WIRE_ERR_INVAL);
	m.target_ip[15] ^= 1;
	assert_int_equal(neigh_nd_advert(&pb, &m, mac_m, false),
			 WIRE_ERR_INVAL);
	m.target_ip[15] ^= 1;
	m.l3_off = 18;
	assert_int_equal(neigh_nd_advert(&pb, &m, mac_m, false),
			 WIRE_ERR_INVAL);
	m.l3_off = 14;
	pb.len = 77;
	assert_int_equal(neigh_nd_advert(&pb, &m, mac_m, false),
			 WIRE_ERR_INVAL);
	pb.len = 86;
	assert_memory_equal(buf, ns_frame, 86);
	/* The ARP answerer refuses an NS. */
	assert_int_equal(neigh_arp_reply(buf, 86, &m, mac_m), WIRE_ERR_INVAL);
}

static void
test_parse_na(void **state)
{
	struct neigh_msg m;

	(void)state;
	assert_int_equal(parse_exact(na_frame, sizeof(na_frame), &m), WIRE_OK);
	assert_int_equal(m.kind, NEIGH_ND_NA);
	assert_int_equal(m.family, 6);
	assert_int_equal(m.na_flags, 0x60);
	assert_memory_equal(m.sender_ip, ip6_r, 16);
	assert_memory_equal(m.target_ip, ip6_r, 16);
	assert_true(m.has_sender_mac);
	assert_memory_equal(m.sender_mac, mac_r, 6);
}

static void
test_build_ns(void **state)
{
	uint8_t buf[100];
	static const uint8_t unspec[16];
	uint8_t mcast[16] = { 0xff, 0x02, [15] = 1 };
	struct pkt_buf pb;
	struct neigh_msg m;

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(pkt_buf_init(&pb, buf, 4 + 86, 4, 0), WIRE_OK);
	assert_int_equal(neigh_build_ns(&pb, mac_m, ip6_m, ip6_r), WIRE_OK);
	assert_int_equal(pb.off, 4);
	assert_int_equal(pb.len, 86);
	assert_memory_equal(buf + 4, built_ns_expected, 86);
	assert_int_equal(buf[90], 0xee);
	assert_int_equal(neigh_parse(buf + 4, 86, &m), WIRE_OK);
	assert_int_equal(m.kind, NEIGH_ND_NS);
	assert_memory_equal(m.sender_ip, ip6_m, 16);
	assert_memory_equal(m.target_ip, ip6_r, 16);
	assert_memory_equal(m.sender_mac, mac_m, 6);

	/* DAD: from ::, no SLLA; identical to the hand-written probe. */
	assert_int_equal(neigh_build_ns(&pb, mac_r, unspec, ip6_m), WIRE_OK);
	assert_int_equal(pb.len, 78);
	assert_memory_equal(buf + 4, dad_frame, 78);
	assert_int_equal(neigh_parse(buf + 4, 78, &m), WIRE_OK);
	assert_int_equal(m.kind, NEIGH_ND_NS);
	assert_false(m.has_sender_mac);

	assert_int_equal(neigh_build_ns(&pb, mac_m, ip6_m, mcast),
			 WIRE_ERR_INVAL);
	assert_int_equal(neigh_build_ns(&pb, mac_m, mcast, ip6_r),
			 WIRE_ERR_INVAL);
	assert_int_equal(neigh_build_ns(&pb, mac_m, ip6_m, unspec),
			 WIRE_ERR_INVAL);
	assert_int_equal(pkt_buf_init(&pb, buf, 4 + 85, 4, 0), WIRE_OK);
	assert_int_equal(neigh_build_ns(&pb, mac_m, ip6_m, ip6_r),
			 WIRE_ERR_NO_ROOM);
	assert_int_equal(pb.len, 0);
}

static void
test_solicited_node(void **state)
{
	uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, [12] = 0x01, 0x23, 0x45,
			  0x67 };
	static const uint8_t want[16] = { 0xff, 0x02, [11] = 0x01, 0xff,
					  0x23, 0x45, 0x67 };
	uint8_t out[16];

	(void)state;
	neigh_solicited_node(a, out);
	assert_memory_equal(out, want, 16);
	neigh_solicited_node(a, a);
	assert_memory_equal(a, want, 16);
}

static void
test_other_frames_are_none(void **state)
{
	uint8_t f[86];
	struct neigh_msg m;

	(void)state;
	/* IPv4 */
	memcpy(f, arp_req, 42);
	f[12] = 0x08;
	f[13] = 0x00;
	assert_int_equal(parse_exact(f, 42, &m), WIRE_OK);
	assert_int_equal(m.kind, NEIGH_NONE);
	/* Unknown EtherType, and a bare Ethernet header. */
	f[12] = 0x88;
	f[13] = 0xcc;
	assert_int_equal(parse_exact(f, 42, &m), WIRE_OK);
	assert_int_equal(m.kind, NEIGH_NONE);
	assert_int_equal(parse_exact(f, 14, &m), WIRE_OK);
	assert_int_equal(m.kind, NEIGH_NONE);
	/* IPv6 TCP, and ICMPv6 echo request. */
	memcpy(f, ns_frame, 86);
	f[20] = 6;
	assert_int_equal(parse_exact(f, 86, &m), WIRE_OK);
	assert_int_equal(m.kind, NEIGH_NONE);
	memcpy(f, ns_frame, 86);
	f[54] = 128;
	assert_int_equal(parse_exact(f, 86, &m), WIRE_OK);
	assert_int_equal(m.kind, NEIGH_NONE);
	/* Router Solicitation (133) is not ours either. */
	f[54] = 133;
	assert_int_equal(parse_exact(f, 86, &m), WIRE_OK);
	assert_int_equal(m.kind, NEIGH_NONE);
	/* IPv6 header with version 4. */
	memcpy(f, ns_frame, 86);
	f[14] = 0x40;
	assert_int_equal(parse_exact(f, 86, &m), WIRE_ERR_IPV6_VERSION);
	assert_int_equal(neigh_parse(NULL, 10, &m), WIRE_ERR_INVAL);
	assert_int_equal(neigh_parse(f, 86, NULL), WIRE_ERR_INVAL);
}

static void
truncate_all(const uint8_t *f, uint32_t full, uint32_t ok_from)
{
	struct neigh_msg m;
	uint32_t n;

	for (n = 0; n < ok_from; n++) {
		assert_int_not_equal(parse_exact(f, n, &m), WIRE_OK);
		assert_int_equal(m.kind, NEIGH_NONE);
	}
	for (n = ok_from; n <= full; n++) {
		assert_int_equal(parse_exact(f, n, &m), WIRE_OK);
		assert_int_not_equal(m.kind, NEIGH_NONE);
	}
}

static void
test_truncated_every_length(void **state)
{
	(void)state;
	truncate_all(arp_req, sizeof(arp_req), 42);
	/* Padding is not needed: every length from the end of the ARP body
	 * up parses. */
	truncate_all(arp_req_vlan, sizeof(arp_req_vlan), 18 + 28);
	truncate_all(ns_frame, sizeof(ns_frame), sizeof(ns_frame));
	truncate_all(dad_frame, sizeof(dad_frame), sizeof(dad_frame));
	truncate_all(ns_vlan_frame, sizeof(ns_vlan_frame),
		     sizeof(ns_vlan_frame));
	truncate_all(na_frame, sizeof(na_frame), sizeof(na_frame));
}

static void
test_hop_limit_254(void **state)
{
	uint8_t f[86];
	struct neigh_msg m;

	(void)state;
	memcpy(f, ns_frame, 86);
	f[21] = 254;
	assert_int_equal(parse_exact(f, 86, &m), WIRE_ERR_ND_HOP_LIMIT);
	assert_int_equal(m.kind, NEIGH_NONE);
	memcpy(f, na_frame, 86);
	f[21] = 254;
	assert_int_equal(parse_exact(f, 86, &m), WIRE_ERR_ND_HOP_LIMIT);
	f[21] = 1;
	assert_int_equal(parse_exact(f, 86, &m), WIRE_ERR_ND_HOP_LIMIT);
}

static void
test_bad_checksum(void **state)
{
	uint8_t f[86];
	struct neigh_msg m;

	(void)state;
	memcpy(f, ns_frame, 86);
	f[57] ^= 0x01;
	assert_int_equal(parse_exact(f, 86, &m), WIRE_ERR_CHECKSUM);
	memcpy(f, ns_frame, 86);
	f[77] ^= 0x01;          /* target changed, checksum not updated */
	assert_int_equal(parse_exact(f, 86, &m), WIRE_ERR_CHECKSUM);
	memcpy(f, ns_frame, 86);
	f[37] ^= 0x02;          /* source changed: pseudo-header */
	assert_int_equal(parse_exact(f, 86, &m), WIRE_ERR_CHECKSUM);
	memcpy(f, na_frame, 86);
	f[85] ^= 0x80;          /* option byte */
	assert_int_equal(parse_exact(f, 86, &m), WIRE_ERR_CHECKSUM);
	assert_int_equal(m.kind, NEIGH_NONE);
}

static void
test_option_length_zero(void **state)
{
	uint8_t f[98];
	struct neigh_msg m;

	(void)state;
	memcpy(f, ns_frame, 86);
	f[79] = 0;
	ref_fix_csum(f, 14);
	assert_int_equal(parse_exact(f, 86, &m), WIRE_ERR_ND_OPT);
	/* In the second option (after the Nonce). */
	memcpy(f, ns_vlan_frame, 98);
	f[18 + 40 + 32 + 1] = 0;
	ref_fix_csum(f, 18);
	assert_int_equal(parse_exact(f, 98, &m), WIRE_ERR_ND_OPT);
	assert_int_equal(m.kind, NEIGH_NONE);
}

static void
test_option_past_end(void **state)
{
	uint8_t f[86];
	struct neigh_msg m;

	(void)state;
	/* Length 2 (16 bytes) where 8 remain. */
	memcpy(f, ns_frame, 86);
	f[79] = 2;
	ref_fix_csum(f, 14);
	assert_int_equal(parse_exact(f, 86, &m), WIRE_ERR_ND_OPT);
	memcpy(f, na_frame, 86);
	f[79] = 255;
	ref_fix_csum(f, 14);
	assert_int_equal(parse_exact(f, 86, &m), WIRE_ERR_ND_OPT);
	/* A single option byte: payload length 25. */
	memcpy(f, ns_frame, 79);
	f[19] = 25;
	ref_fix_csum(f, 14);
	assert_int_equal(parse_exact(f, 79, &m), WIRE_ERR_ND_OPT);
	/* Seven bytes of a one-unit option: payload length 31. */
	memcpy(f, ns_frame, 85);
	f[19] = 31;
	ref_fix_csum(f, 14);
	assert_int_equal(parse_exact(f, 85, &m), WIRE_ERR_ND_OPT);
	/* Payload length beyond the frame. */
	memcpy(f, ns_frame, 86);
	f[19] = 33;
	assert_int_equal(parse_exact(f, 86, &m), WIRE_ERR_IPV6_PAYLOAD_LEN);
	assert_int_equal(m.kind, NEIGH_NONE);
}

static void
test_multicast_target(void **state)
{
	uint8_t f[86];
	struct neigh_msg m;

	(void)state;
	memcpy(f, ns_frame, 86);
	f[62] = 0xff;
	f[63] = 0x02;
	ref_fix_csum(f, 14);
	assert_int_equal(parse_exact(f, 86, &m), WIRE_ERR_ND_FORMAT);
	assert_int_equal(m.kind, NEIGH_NONE);
	/* Nor may it be ::. */
	memcpy(f, ns_frame, 86);
	memset(f + 62, 0, 16);
	ref_fix_csum(f, 14);
	assert_int_equal(parse_exact(f, 86, &m), WIRE_ERR_ND_FORMAT);
	memcpy(f, na_frame, 86);
	f[62] = 0xff;
	ref_fix_csum(f, 14);
	assert_int_equal(parse_exact(f, 86, &m), WIRE_ERR_ND_FORMAT);
}

static void
test_nd_format_rules(void **state)
{
	uint8_t f[86];
	struct neigh_msg m;

	(void)state;
	/* Code 1. */
	memcpy(f, ns_frame, 86);
	f[55] = 1;
	ref_fix_csum(f, 14);
	assert_int_equal(parse_exact(f, 86, &m), WIRE_ERR_ND_FORMAT);
	/* ICMPv6 length 16 < 24. */
	memcpy(f, ns_frame, 70);
	f[19] = 16;
	ref_fix_csum(f, 14);
	assert_int_equal(parse_exact(f, 70, &m), WIRE_ERR_ND_FORMAT);
	/* DAD probe to a unicast destination. */
	memcpy(f, dad_frame, 78);
	memcpy(f + 38, ip6_m, 16);
	ref_fix_csum(f, 14);
	assert_int_equal(parse_exact(f, 78, &m), WIRE_ERR_ND_FORMAT);
	/* DAD probe to all-nodes, not a solicited-node group. */
	memcpy(f, dad_frame, 78);
	f[50] = 0;
	f[51] = 0;
	f[52] = 0;
	f[53] = 1;
	ref_fix_csum(f, 14);
	assert_int_equal(parse_exact(f, 78, &m), WIRE_ERR_ND_FORMAT);
	/* DAD probe carrying an SLLA. */
	memcpy(f, ns_frame, 86);
	memset(f + 22, 0, 16);
	ref_fix_csum(f, 14);
	assert_int_equal(parse_exact(f, 86, &m), WIRE_ERR_ND_FORMAT);
	/* Multicast source. */
	memcpy(f, ns_frame, 86);
	f[22] = 0xff;
	ref_fix_csum(f, 14);
	assert_int_equal(parse_exact(f, 86, &m), WIRE_ERR_ND_FORMAT);
	/* Solicited NA to a multicast group, then the same unsolicited. */
	memcpy(f, na_frame, 86);
	memcpy(f + 38, (const uint8_t[16]){ 0xff, 0x02, [15] = 1 }, 16);
	ref_fix_csum(f, 14);
	assert_int_equal(parse_exact(f, 86, &m), WIRE_ERR_ND_FORMAT);
	f[58] = ND_NA_FLAG_OVERRIDE;
	ref_fix_csum(f, 14);
	assert_int_equal(parse_exact(f, 86, &m), WIRE_OK);
	assert_int_equal(m.kind, NEIGH_ND_NA);
	assert_int_equal(m.na_flags, ND_NA_FLAG_OVERRIDE);
	/* Reserved bits are not flags. */
	f[58] = 0x3f;
	ref_fix_csum(f, 14);
	assert_int_equal(parse_exact(f, 86, &m), WIRE_OK);
	assert_int_equal(m.na_flags, ND_NA_FLAG_OVERRIDE);
	/* Unknown option and no SLLA: still a valid NS, no MAC. */
	memcpy(f, ns_frame, 86);
	f[78] = 14;
	ref_fix_csum(f, 14);
	assert_int_equal(parse_exact(f, 86, &m), WIRE_OK);
	assert_int_equal(m.kind, NEIGH_ND_NS);
	assert_false(m.has_sender_mac);
}

/* ---- random and mutated frames ----------------------------------------- */

struct seed_frame {
	const uint8_t *f;
	uint32_t len;
};

static void
test_fuzz_parse(void **state)
{
	const struct seed_frame seeds[] = {
		{ arp_req, sizeof(arp_req) },
		{ arp_req_vlan, sizeof(arp_req_vlan) },
		{ ns_frame, sizeof(ns_frame) },
		{ dad_frame, sizeof(dad_frame) },
		{ ns_vlan_frame, sizeof(ns_vlan_frame) },
		{ na_frame, sizeof(na_frame) },
	};
	unsigned long counts[WIRE_RESULT_MAX] = { 0 };
	unsigned long kinds[5] = { 0 };
	uint8_t work[160], big[256];
	struct neigh_msg m, m2;
	struct pkt_buf pb;
	struct rng rng;
	enum wire_result r;
	uint32_t len, l3, i, k, nmut;
	uint8_t *p;

	(void)state;
	rng_seed(&rng, 0x6e656967ull);
	for (i = 0; i < 100000; i++) {
		const struct seed_frame *s =
			&seeds[rng_below(&rng, sizeof(seeds) / sizeof(seeds[0]))];

		memset(work, 0, sizeof(work));
		if (rng_below(&rng, 16) == 0) {
			/* Pure noise behind a neighbour EtherType. */
			len = rng_below(&rng, sizeof(work) + 1);
			for (k = 0; k < sizeof(work); k++)
				work[k] = (uint8_t)rng_next(&rng);
			if (len >= 14) {
				work[12] = rng_below(&rng, 2) ? 0x08 : 0x86;
				work[13] = work[12] == 0x08 ? 0x06 : 0xdd;
			}
		} else {
			memcpy(work, s->f, s->len);
			len = s->len;
			nmut = rng_below(&rng, 5);
			for (k = 0; k < nmut; k++) {
				uint32_t at = rng_below(&rng, len);

				if (rng_below(&rng, 2))
					work[at] ^= (uint8_t)(1u << rng_below(&rng, 8));
				else
					work[at] = (uint8_t)rng_next(&rng);
			}
			switch (rng_below(&rng, 4)) {
			case 0:
				len = rng_below(&rng, len + 1);
				break;
			case 1:
				len += rng_below(&rng,
						 (uint32_t)sizeof(work) - len + 1);
				break;
			default:
				break;
			}
			/* Often repair the checksum so the later checks are
			 * reached too. */
			l3 = (work[12] == 0x81 && work[13] == 0x00) ? 18 : 14;
			if (rng_below(&rng, 2) && len >= l3 + 44 &&
			    ((uint32_t)work[l3 + 4] << 8 | work[l3 + 5]) <=
				    len - l3 - 40)
				ref_fix_csum(work, l3);
		}
		p = malloc(len ? len : 1);
		assert_non_null(p);
		memcpy(p, work, len);
		r = neigh_parse(p, len, &m);
		assert_true((unsigned int)r < WIRE_RESULT_MAX);
		counts[r]++;
		if (r != WIRE_OK) {
			assert_int_equal(m.kind, NEIGH_NONE);
			free(p);
			continue;
		}
		assert_true(m.kind <= NEIGH_ND_NA);
		kinds[m.kind]++;
		/* Whatever was accepted must be answerable, and the answer
		 * must itself parse. */
		if (m.kind == NEIGH_ARP_REQUEST) {
			assert_int_equal(neigh_arp_reply(p, len, &m, mac_m),
					 WIRE_OK);
			assert_int_equal(neigh_parse(p, len, &m2), WIRE_OK);
			assert_int_equal(m2.kind, NEIGH_ARP_REPLY);
		} else if (m.kind == NEIGH_ND_NS) {
			memset(big, 0, sizeof(big));
			memcpy(big, p, len);
			assert_int_equal(pkt_buf_init(&pb, big, sizeof(big), 0,
						      len), WIRE_OK);
			assert_int_equal(neigh_nd_advert(&pb, &m, mac_m,
							 rng_below(&rng, 2)),
					 WIRE_OK);
			assert_int_equal(pb.len, m.l3_off + 72u);
			assert_int_equal(ref_icmp6_sum(big, m.l3_off), 0xffff);
			assert_int_equal(neigh_parse(big, pb.len, &m2),
					 WIRE_OK);
			assert_int_equal(m2.kind, NEIGH_ND_NA);
			assert_memory_equal(m2.target_ip, m.target_ip, 16);
		}
		free(p);
	}
	/* The mutations reach every outcome that matters. */
	assert_true(kinds[NEIGH_ARP_REQUEST] > 0);
	assert_true(kinds[NEIGH_ND_NS] > 0);
	assert_true(kinds[NEIGH_ND_NA] > 0);
	assert_true(kinds[NEIGH_NONE] > 0);
	assert_true(counts[WIRE_ERR_TRUNCATED] > 0);
	assert_true(counts[WIRE_ERR_CHECKSUM] > 0);
	assert_true(counts[WIRE_ERR_ARP_FORMAT] > 0);
	assert_true(counts[WIRE_ERR_ND_HOP_LIMIT] > 0);
	assert_true(counts[WIRE_ERR_ND_OPT] > 0);
	assert_true(counts[WIRE_ERR_ND_FORMAT] > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_are_valid),
		cmocka_unit_test(test_arp_request_reply),
		cmocka_unit_test(test_arp_vlan_reply),
		cmocka_unit_test(test_arp_reply_checks_its_input),
		cmocka_unit_test(test_arp_bad_fields),
		cmocka_unit_test(test_build_arp_request),
		cmocka_unit_test(test_ns_to_na),
		cmocka_unit_test(test_ns_to_na_router),
		cmocka_unit_test(test_dad_ns_to_na),
		cmocka_unit_test(test_vlan_ns_to_na_shrinks),
		cmocka_unit_test(test_nd_advert_checks_its_input),
		cmocka_unit_test(test_parse_na),
		cmocka_unit_test(test_build_ns),
		cmocka_unit_test(test_solicited_node),
		cmocka_unit_test(test_other_frames_are_none),
		cmocka_unit_test(test_truncated_every_length),
		cmocka_unit_test(test_hop_limit_254),
		cmocka_unit_test(test_bad_checksum),
		cmocka_unit_test(test_option_length_zero),
		cmocka_unit_test(test_option_past_end),
		cmocka_unit_test(test_multicast_target),
		cmocka_unit_test(test_nd_format_rules),
		cmocka_unit_test(test_fuzz_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

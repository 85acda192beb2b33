/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QUIC invariants (lib/wire/quic.c) and QUIC-LB plaintext connection IDs
 * (include/dsrlb/quic_lb.h), against the RFCs' layouts and the draft's
 * test vector.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/quic.h"
#include "dsrlb/quic_lb.h"
#include "dsrlb/quic_lb_cid.h"

/* A long header: first byte, version, DCID, SCID, then @p pad bytes. */
static uint32_t
long_hdr(uint8_t *b, uint8_t first, uint32_t version, uint8_t dl,
	 uint8_t sl, uint32_t pad)
{
	uint32_t n = 0;

	b[n++] = first;
	b[n++] = (uint8_t)(version >> 24);
	b[n++] = (uint8_t)(version >> 16);
	b[n++] = (uint8_t)(version >> 8);
	b[n++] = (uint8_t)version;
	b[n++] = dl;
	for (unsigned int i = 0; i < dl; i++)
		b[n++] = (uint8_t)(0xd0 + i);
	b[n++] = sl;
	for (unsigned int i = 0; i < sl; i++)
		b[n++] = (uint8_t)(0x50 + i);
	memset(b + n, 0, pad);
	return n + pad;
}

static void
test_long_header_kinds(void **state)
{
	uint8_t b[1500];
	struct quic_hdr h;
	uint32_t n;

	(void)state;
	/* v1 Initial from a client, padded to 1200 (RFC 9000 §14.1) */
	n = long_hdr(b, 0xc3, QUIC_VERSION_1, 8, 0, 1200 - 15);
	assert_int_equal(n, 1200);
	assert_int_equal(quic_parse(b, n, 8, 1, &h), WIRE_OK);
	assert_int_equal(h.kind, QUIC_KIND_INITIAL);
	assert_int_equal(h.dcid_len, 8);
	assert_int_equal(h.dcid_off, 6);
	assert_int_equal(b[h.dcid_off], 0xd0);
	assert_int_equal(h.scid_len, 0);
	/* the same Initial one byte short of 1200 is refused from a client,
	 * accepted from a server (server Initials need no padding) */
	assert_int_equal(quic_parse(b, 1199, 8, 1, &h),
			 WIRE_ERR_QUIC_INITIAL_SIZE);
	assert_int_equal(quic_parse(b, 1199, 8, 0, &h), WIRE_OK);
	/* v1 types: 0-RTT 0b01, Handshake 0b10, Retry 0b11 */
	n = long_hdr(b, 0xd0, QUIC_VERSION_1, 8, 8, 10);
	assert_int_equal(quic_parse(b, n, 8, 1, &h), WIRE_OK);
	assert_int_equal(h.kind, QUIC_KIND_0RTT);
	assert_int_equal(h.scid_off, 15);
	assert_int_equal(b[h.scid_off], 0x50);
	b[0] = 0xe0;
	assert_int_equal(quic_parse(b, n, 8, 1, &h), WIRE_OK);
	assert_int_equal(h.kind, QUIC_KIND_HANDSHAKE);
	b[0] = 0xf0;
	assert_int_equal(quic_parse(b, n, 8, 0, &h), WIRE_OK);
	assert_int_equal(h.kind, QUIC_KIND_RETRY);
	/* v2 renumbers them (RFC 9369 §3.2): 0b01 is the Initial */
	n = long_hdr(b, 0xd0, QUIC_VERSION_2, 8, 8, 1200);
	assert_int_equal(quic_parse(b, n, 8, 1, &h), WIRE_OK);
	assert_int_equal(h.kind, QUIC_KIND_INITIAL);
	b[0] = 0xc0;
	assert_int_equal(quic_parse(b, n, 8, 1, &h), WIRE_OK);
	assert_int_equal(h.kind, QUIC_KIND_RETRY);
	/* Version Negotiation and unknown versions: invariants only */
	n = long_hdr(b, 0x80, QUIC_VERSION_NEGOTIATION, 8, 8, 8);
	assert_int_equal(quic_parse(b, n, 8, 0, &h), WIRE_OK);
	assert_int_equal(h.kind, QUIC_KIND_VERSION_NEG);
	n = long_hdr(b, 0xc0, 0x1a2a3a4a, 40, 30, 0);
	assert_int_equal(quic_parse(b, n, 8, 1, &h), WIRE_OK);
	assert_int_equal(h.kind, QUIC_KIND_LONG_OTHER);
	assert_int_equal(h.dcid_len, 40);
	assert_int_equal(h.version, 0x1a2a3a4a);
}

static void
test_long_header_limits(void **state)
{
	uint8_t b[600];
	struct quic_hdr h;
	uint32_t n;

	(void)state;
	/* v1 caps connection IDs at 20 octets (RFC 9000 §17.2) */
	n = long_hdr(b, 0xe0, QUIC_VERSION_1, 21, 0, 0);
	assert_int_equal(quic_parse(b, n, 8, 1, &h), WIRE_ERR_QUIC_CID_LEN);
	n = long_hdr(b, 0xe0, QUIC_VERSION_1, 20, 21, 0);
	assert_int_equal(quic_parse(b, n, 8, 1, &h), WIRE_ERR_QUIC_CID_LEN);
	n = long_hdr(b, 0xe0, QUIC_VERSION_1, 20, 20, 0);
	assert_int_equal(quic_parse(b, n, 8, 1, &h), WIRE_OK);
	/* every truncation of a valid header is refused */
	for (uint32_t k = 0; k < n; k++)
		assert_int_equal(quic_parse(b, k, 8, 0, &h),
				 WIRE_ERR_QUIC_SHORT);
	assert_int_equal(quic_parse(NULL, 10, 8, 0, &h), WIRE_ERR_INVAL);
	assert_int_equal(quic_parse(b, n, 21, 0, &h), WIRE_ERR_INVAL);
}

static void
test_short_header(void **state)
{
	uint8_t b[32] = { 0x41, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct quic_hdr h;

	(void)state;
	assert_int_equal(quic_parse(b, 9, 8, 1, &h), WIRE_OK);
	assert_int_equal(h.kind, QUIC_KIND_SHORT);
	assert_int_equal(h.dcid_off, 1);
	assert_int_equal(h.dcid_len, 8);
	assert_int_equal(quic_parse(b, 8, 8, 1, &h), WIRE_ERR_QUIC_SHORT);
	/* fixed bit clear: greased (RFC 9287), still a short header */
	b[0] = 0x01;
	assert_int_equal(quic_parse(b, 9, 8, 1, &h), WIRE_OK);
	assert_int_equal(h.kind, QUIC_KIND_SHORT);
	assert_string_equal(quic_kind_name(h.kind), "short");
}

/* draft-ietf-quic-load-balancers-19 Appendix "Unencrypted CIDs": config
 * rotation 0, server ID c4605e, nonce 4504cc4f, length encoded. */
static void
test_quic_lb_vector(void **state)
{
	const struct quic_lb_conf c = { .config_id = 0, .server_id_len = 3,
					.nonce_len = 4, .encode_len = 1 };
	const uint8_t sid[3] = { 0xc4, 0x60, 0x5e };
	const uint8_t nonce[4] = { 0x45, 0x04, 0xcc, 0x4f };
	const uint8_t want[8] = { 0x07, 0xc4, 0x60, 0x5e,
				  0x45, 0x04, 0xcc, 0x4f };
	uint8_t cid[20], got[15];

	(void)state;
	assert_int_equal(quic_lb_encode(&c, sid, nonce, 0, cid), 8);
	assert_memory_equal(cid, want, 8);
	assert_int_equal(quic_lb_decode(&c, cid, 8, got), 1);
	assert_memory_equal(got, sid, 3);
}

static void
test_quic_lb_routing(void **state)
{
	struct quic_lb_conf c = { .config_id = 2, .server_id_len = 2,
				  .nonce_len = 6, .encode_len = 0 };
	const uint8_t sid[2] = { 0xbe, 0xef };
	const uint8_t nonce[6] = { 1, 2, 3, 4, 5, 6 };
	uint8_t cid[20], got[15];
	const char *why;

	(void)state;
	assert_int_equal(quic_lb_encode(&c, sid, nonce, 0x1f, cid), 9);
	assert_int_equal(cid[0], 2u << 5 | 0x1f);
	assert_int_equal(quic_lb_decode(&c, cid, 9, got), 1);
	assert_memory_equal(got, sid, 2);
	/* a longer DCID (other server use) still routes; a shorter does not */
	assert_int_equal(quic_lb_decode(&c, cid, 12, got), 1);
	assert_int_equal(quic_lb_decode(&c, cid, 8, got), 0);
	/* another config rotation, and the unroutable codepoint */
	cid[0] = 3u << 5;
	assert_int_equal(quic_lb_decode(&c, cid, 9, got), 0);
	cid[0] = 7u << 5;
	assert_int_equal(quic_lb_decode(&c, cid, 9, got), 0);
	/* with the length encoded, a mismatching length is not routed */
	c.encode_len = 1;
	assert_int_equal(quic_lb_encode(&c, sid, nonce, 0, cid), 9);
	assert_int_equal(quic_lb_decode(&c, cid, 9, got), 1);
	assert_int_equal(quic_lb_decode(&c, cid, 10, got), 0);
	/* configuration checks name the field */
	c.config_id = 7;
	assert_int_equal(quic_lb_conf_check(&c, &why), -1);
	assert_non_null(strstr(why, "config rotation"));
	assert_int_equal(quic_lb_encode(&c, sid, nonce, 0, cid), 0);
	c.config_id = 0;
	c.server_id_len = 16;
	assert_int_equal(quic_lb_conf_check(&c, &why), -1);
	assert_non_null(strstr(why, "server ID length"));
	c.server_id_len = 15;
	c.nonce_len = 5;
	assert_int_equal(quic_lb_conf_check(&c, &why), -1);
	assert_non_null(strstr(why, "20-octet"));
	c.nonce_len = 3;
	assert_int_equal(quic_lb_conf_check(&c, &why), -1);
	assert_non_null(strstr(why, "nonce"));
	c.nonce_len = 4;
	assert_int_equal(quic_lb_conf_check(&c, &why), 0);
	assert_null(why);
}

static int
cmp_cid9(const void *a, const void *b)
{
	return memcmp(a, b, 9);
}

/* include/dsrlb/quic_lb_cid.h: every minted ID decodes to the server's
 * ID under the VIP's configuration, and no nonce repeats (§5.2). */
static void
test_quic_lb_cid_gen(void **state)
{
	const struct quic_lb_conf c = { .config_id = 5, .server_id_len = 2,
					.nonce_len = 6, .encode_len = 0 };
	enum { N = 20000 };
	static uint8_t ids[N][9];
	struct quic_lb_cid_gen g, g2;
	uint8_t sid[2], got[QUIC_LB_CID_MAX], cid[QUIC_LB_CID_MAX], first;
	const char *why;
	unsigned int i, seq = 0;

	(void)state;
	assert_int_equal(quic_lb_sid_from_hex("bEeF", sid, 2), 0);
	assert_int_equal(sid[0], 0xbe);
	assert_int_equal(sid[1], 0xef);
	assert_int_equal(quic_lb_sid_from_hex("bee", sid, 2), -1);
	assert_int_equal(quic_lb_sid_from_hex("beeg", sid, 2), -1);
	assert_int_equal(quic_lb_cid_gen_init(&g, &c, sid, 0x1234567890abcdefull,
					      &why), 0);
	for (i = 0; i < N; i++) {
		assert_int_equal(quic_lb_cid_mint(&g, ids[i]), 9);
		assert_int_equal(ids[i][0] >> 5, 5);
		assert_int_equal(quic_lb_decode(&c, ids[i], 9, got), 1);
		assert_memory_equal(got, sid, 2);
		/* not a visible counter: consecutive nonces differ widely */
		if (i > 0 && memcmp(ids[i], ids[i - 1], 7) == 0)
			seq++;
	}
	assert_true(seq < N / 100);
	first = ids[0][0];
	for (i = 0; i < N; i++)
		assert_int_equal(ids[i][0], first); /* low 5 bits: per server */
	qsort(ids, N, sizeof(ids[0]), cmp_cid9);
	for (i = 1; i < N; i++)
		assert_true(memcmp(ids[i - 1], ids[i], 9) != 0);
	/* another seed, another sequence */
	assert_int_equal(quic_lb_cid_gen_init(&g2, &c, sid, 42, NULL), 0);
	assert_int_equal(quic_lb_cid_mint(&g2, cid), 9);
	assert_int_equal(quic_lb_cid_gen_init(&g, &c, sid, 43, NULL), 0);
	assert_int_equal(quic_lb_cid_mint(&g, got), 9);
	assert_memory_not_equal(cid + 3, got + 3, 6);

	/* a 4-octet nonce is spent after 2^32 IDs: no reuse, 0 instead */
	{
		const struct quic_lb_conf c4 = { .config_id = 0,
			.server_id_len = 1, .nonce_len = 4, .encode_len = 1 };

		assert_int_equal(quic_lb_cid_gen_init(&g, &c4, sid, 7, NULL), 0);
		g.next = g.limit - 1;
		assert_int_equal(quic_lb_cid_mint(&g, cid), 6);
		assert_int_equal(cid[0], 5); /* length 6 encoded */
		assert_int_equal(quic_lb_cid_mint(&g, cid), 0);
	}
	/* 18-octet nonce: the tail is filled and IDs still differ */
	{
		const struct quic_lb_conf c18 = { .config_id = 1,
			.server_id_len = 1, .nonce_len = 18, .encode_len = 1 };

		assert_int_equal(quic_lb_cid_gen_init(&g, &c18, sid, 9, NULL), 0);
		assert_int_equal(quic_lb_cid_mint(&g, cid), 20);
		assert_int_equal(quic_lb_cid_mint(&g, got), 20);
		assert_memory_not_equal(cid + 10, got + 10, 10);
		assert_int_equal(quic_lb_decode(&c18, got, 20, ids[0]), 1);
		assert_int_equal(ids[0][0], 0xbe);
	}
	/* a bad configuration is refused with its reason */
	{
		const struct quic_lb_conf bad = { .config_id = 7,
			.server_id_len = 2, .nonce_len = 6 };

		assert_int_equal(quic_lb_cid_gen_init(&g, &bad, sid, 1, &why),
				 -1);
		assert_non_null(strstr(why, "config rotation"));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_header_kinds),
		cmocka_unit_test(test_long_header_limits),
		cmocka_unit_test(test_short_header),
		cmocka_unit_test(test_quic_lb_vector),
		cmocka_unit_test(test_quic_lb_routing),
		cmocka_unit_test(test_quic_lb_cid_gen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

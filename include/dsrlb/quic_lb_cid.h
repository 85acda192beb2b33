/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Minting QUIC-LB connection IDs on a server: everything a QUIC server
 * (or its QUIC library's "new connection ID" callback) needs so that the
 * appliance routes its connections by server ID, in one header with no
 * dependency beyond libc (copy it into any project).
 *
 * The server is given what the VIP is configured with (quic_lb_config_id,
 * quic_lb_server_id_len, quic_lb_nonce_len, quic_lb_encode_len, and its
 * own backend's quic_sid) and one random 64-bit seed; each
 * quic_lb_cid_mint() returns a fresh connection ID
 *
 *     octet 0: config rotation (3 bits) | CID length - 1 or random (5 bits)
 *     server ID (server_id_len octets)
 *     nonce (nonce_len octets)
 *
 * draft-ietf-quic-load-balancers-19 §5.2 (plaintext mode): the server
 * must never issue the same nonce twice with one configuration. The nonce
 * is a counter passed through a keyed bijection of its first
 * min(nonce_len, 8) octets, so the IDs are unique until the counter
 * wraps (2^32 IDs for a 4-octet nonce, never for 8 or more) and an
 * observer cannot tell from two IDs that one server issued them in
 * sequence (§5.2: "SHOULD NOT be predictable"); the octets past the 8th
 * come from a second keyed mix of the counter. Like the plaintext mode
 * itself this hides nothing from a determined observer of the server ID.
 */
#ifndef DSRLB_QUIC_LB_CID_H_
#define DSRLB_QUIC_LB_CID_H_

#include <stdint.h>
#include <string.h>

#include "dsrlb/quic_lb.h"

/** A server's connection-ID generator for one QUIC-LB configuration. */
struct quic_lb_cid_gen {
	struct quic_lb_conf conf;        /**< the VIP's configuration */
	uint8_t sid[QUIC_LB_SID_MAX];    /**< this server's ID */
	uint64_t next;                   /**< counter of the next nonce */
	uint64_t limit;                  /**< counter values available, 0: 2^64 */
	uint64_t key;                    /**< the seed: keys the nonce mix */
	uint8_t low5;                    /**< octet 0's low bits (no length) */
};

/** A keyed bijection of the @p bits-bit integers (32..64): xor, odd
 *  multiplications and xor-shifts are each invertible modulo 2^bits. */
static inline uint64_t
quic_lb_cid_mix(uint64_t x, uint64_t key, unsigned int bits)
{
	const uint64_t mask = bits >= 64 ? ~(uint64_t)0 :
				((uint64_t)1 << bits) - 1;

	x = (x ^ key) & mask;
	x = (x * 0x9e3779b97f4a7c15ull) & mask;
	x ^= x >> (bits / 2);
	x = (x * 0xbf58476d1ce4e5b9ull) & mask;
	x ^= x >> (bits / 2 - 3);
	x = (x * 0x94d049bb133111ebull) & mask;
	x ^= x >> (bits / 2 + 1);
	return x;
}

/**
 * Prepare @p g for configuration @p c and server ID @p sid
 * (c->server_id_len octets), keyed by @p seed (random, e.g. from
 * getrandom(); a restarted server must take a new one, or keep its
 * counter: §5.2 forbids reusing a nonce).
 * @return 0, or -1 with @p why naming the fault (a bad configuration).
 */
static inline int
quic_lb_cid_gen_init(struct quic_lb_cid_gen *g, const struct quic_lb_conf *c,
		     const uint8_t *sid, uint64_t seed, const char **why)
{
	unsigned int bits;

	memset(g, 0, sizeof(*g));
	if (quic_lb_conf_check(c, why) != 0)
		return -1;
	g->conf = *c;
	memcpy(g->sid, sid, c->server_id_len);
	bits = 8u * (c->nonce_len < 8 ? c->nonce_len : 8u);
	g->limit = bits >= 64 ? 0 : (uint64_t)1 << bits;
	g->key = seed;
	g->low5 = (uint8_t)(seed >> 59);
	return 0;
}

/**
 * Write the next connection ID into @p cid (room for
 * quic_lb_cid_len(&g->conf) octets, at most 20).
 * @return its length, 0 when the nonces of this configuration are spent
 * (the server must then use another configuration, or the unroutable
 * config rotation 7, §3).
 */
static inline unsigned int
quic_lb_cid_mint(struct quic_lb_cid_gen *g, uint8_t *cid)
{
	uint8_t nonce[QUIC_LB_CID_MAX];
	unsigned int n = g->conf.nonce_len, head = n < 8 ? n : 8, i;
	uint64_t v, w;

	if (g->limit != 0 && g->next >= g->limit)
		return 0;
	v = quic_lb_cid_mix(g->next, g->key, 8u * head);
	w = quic_lb_cid_mix(g->next, ~g->key, 64);
	g->next++;
	for (i = 0; i < head; i++)
		nonce[i] = (uint8_t)(v >> (8 * (head - 1 - i)));
	for (; i < n; i++) {
		nonce[i] = (uint8_t)w;
		w = w >> 8 | w << 56;
	}
	return quic_lb_encode(&g->conf, g->sid, nonce, g->low5, cid);
}

/**
 * Read a server ID written in hex (as the appliance's `quic_sid=`) into
 * @p sid, which must be exactly @p len octets.
 * @return 0, or -1 (not hex, or not 2 * @p len digits).
 */
static inline int
quic_lb_sid_from_hex(const char *hex, uint8_t *sid, unsigned int len)
{
	unsigned int i, d;

	if (strlen(hex) != 2u * len)
		return -1;
	for (i = 0; i < 2u * len; i++) {
		char ch = hex[i];

		if (ch >= '0' && ch <= '9')
			d = (unsigned int)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			d = (unsigned int)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			d = (unsigned int)(ch - 'A' + 10);
		else
			return -1;
		if (i % 2 == 0)
			sid[i / 2] = (uint8_t)(d << 4);
		else
			sid[i / 2] |= (uint8_t)d;
	}
	return 0;
}

#endif /* DSRLB_QUIC_LB_CID_H_ */

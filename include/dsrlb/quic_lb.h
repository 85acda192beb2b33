/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * QUIC-LB server IDs in connection IDs, unencrypted ("plaintext") mode of
 * draft-ietf-quic-load-balancers-19 §5.2: the first octet holds the
 * config rotation bits (3, high) and either the CID length minus one or
 * bits of the server's choosing (5, low); the server ID follows, then the
 * nonce. A load balancer that knows the configuration reads the server
 * ID of any connection ID the server issued, with no flow state.
 *
 * Header-only and dependency-free on purpose: a server (or its QUIC
 * library's connection-ID callback) includes this one file to mint
 * connection IDs the appliance can route; quic_lb_cid.h wraps it in a
 * generator with unique nonces, which tests/e2e/quic_lb_server.c uses.
 * The encrypted modes of the draft (AES-128) are in quic_lb_crypt.h,
 * which needs Nettle.
 */
#ifndef DSRLB_QUIC_LB_H_
#define DSRLB_QUIC_LB_H_

#include <stdint.h>
#include <string.h>

/** Config rotation codepoint of connection IDs no configuration routes
 *  (§3: servers use it when they have no valid configuration). */
#define QUIC_LB_CR_UNROUTABLE 7u
#define QUIC_LB_SID_MAX   15u    /**< server ID length, octets (§5.2) */
#define QUIC_LB_NONCE_MIN 4u     /**< nonce length, octets */
#define QUIC_LB_CID_MAX   20u    /**< QUIC v1 connection ID limit */

struct quic_lb_conf {
	uint8_t config_id;      /**< config rotation bits, 0..6 */
	uint8_t server_id_len;  /**< 1..15 */
	uint8_t nonce_len;      /**< 4..18, server_id_len + nonce_len <= 19 */
	uint8_t encode_len;     /**< 1: low 5 bits of octet 0 = CID length - 1 */
};

/** Length of the connection IDs of @p c. */
static inline unsigned int
quic_lb_cid_len(const struct quic_lb_conf *c)
{
	return 1u + c->server_id_len + c->nonce_len;
}

/** 0 when @p c is a valid plaintext configuration, else -1 and @p why
 *  names the field at fault. */
static inline int
quic_lb_conf_check(const struct quic_lb_conf *c, const char **why)
{
	const char *w = NULL;

	if (c->config_id >= QUIC_LB_CR_UNROUTABLE)
		w = "config rotation bits must be 0..6 (7 means unroutable)";
	else if (c->server_id_len < 1 || c->server_id_len > QUIC_LB_SID_MAX)
		w = "server ID length must be 1..15 octets";
	else if (c->nonce_len < QUIC_LB_NONCE_MIN)
		w = "nonce length must be at least 4 octets";
	else if (quic_lb_cid_len(c) > QUIC_LB_CID_MAX)
		w = "server ID + nonce must fit a 20-octet connection ID";
	else if (c->encode_len > 1)
		w = "encode_len is 0 or 1";
	if (why != NULL)
		*why = w;
	return w == NULL ? 0 : -1;
}

/**
 * Mint a connection ID of quic_lb_cid_len(@p c) octets into @p cid for
 * server ID @p sid (server_id_len octets) with @p nonce (nonce_len
 * octets; the server must never reuse one with the same server ID:
 * a counter or random bytes, §5.2). @p low5 fills the first octet's low
 * bits when the configuration does not encode the length.
 * @return the length written, 0 when @p c is invalid.
 */
static inline unsigned int
quic_lb_encode(const struct quic_lb_conf *c, const uint8_t *sid,
	       const uint8_t *nonce, uint8_t low5, uint8_t *cid)
{
	unsigned int n = quic_lb_cid_len(c);

	if (quic_lb_conf_check(c, NULL) != 0)
		return 0;
	cid[0] = (uint8_t)(c->config_id << 5 |
			   (c->encode_len ? (n - 1u) : (low5 & 0x1fu)));
	memcpy(cid + 1, sid, c->server_id_len);
	memcpy(cid + 1 + c->server_id_len, nonce, c->nonce_len);
	return n;
}

/**
 * The server ID of connection ID @p cid (@p cid_len octets) under @p c,
 * copied to @p sid. @return 1 when @p cid is routable by @p c, 0 when it
 * is not (another or the unroutable config rotation, too short, or a
 * self-encoded length that disagrees): the caller falls back to its
 * other means (flow state, the 4-tuple).
 */
static inline int
quic_lb_decode(const struct quic_lb_conf *c, const uint8_t *cid,
	       unsigned int cid_len, uint8_t *sid)
{
	unsigned int n = quic_lb_cid_len(c);

	if (cid_len < n || (cid[0] >> 5) != c->config_id ||
	    c->config_id >= QUIC_LB_CR_UNROUTABLE)
		return 0;
	if (c->encode_len && (cid[0] & 0x1fu) + 1u != cid_len)
		return 0;
	memcpy(sid, cid + 1, c->server_id_len);
	return 1;
}

#endif /* DSRLB_QUIC_LB_H_ */

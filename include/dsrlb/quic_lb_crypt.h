/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Encrypted QUIC-LB connection IDs (draft-ietf-quic-load-balancers,
 * "Server ID Encoding in Connection IDs": "Special Case: Single Pass
 * Encryption" and "General Case: Four-Pass Encryption"), over AES-128
 * from Nettle (Debian nettle-dev).
 *
 * The plaintext block (server ID || nonce, quic_lb.h) is encrypted with
 * the configuration's 16-octet key: one AES-128-ECB block when server ID
 * + nonce are exactly 16 octets; otherwise a four-round Feistel network
 * whose round function is AES-ECB over expand(length, pass, half) (the
 * half, zero padding, the plaintext length, the pass number), the two
 * halves sharing the middle octet's nibbles when the length is odd.
 * The first octet (config rotation, length) stays in the clear.
 *
 * The load balancer needs only the server ID: three passes of the
 * four, or a fourth when the server ID is longer than the left half
 * (the draft's "Load Balancer Actions").
 */
#ifndef DSRLB_QUIC_LB_CRYPT_H_
#define DSRLB_QUIC_LB_CRYPT_H_

#include <stdint.h>

#include <nettle/aes.h>

#include "dsrlb/quic_lb.h"

#define QUIC_LB_KEY_LEN 16u

/** A configuration's key, expanded once (AES-128 key schedules). */
struct quic_lb_crypt {
	struct aes128_ctx enc;
	struct aes128_ctx dec;      /**< single pass only */
};

/** Expand @p key (16 octets) into @p k. */
void quic_lb_crypt_init(struct quic_lb_crypt *k, const uint8_t *key);

/**
 * Encrypt the plaintext block @p in (server_id_len + nonce_len octets of
 * @p c) into @p out (as long; may be @p in).
 */
void quic_lb_crypt_encrypt(const struct quic_lb_crypt *k,
			   const struct quic_lb_conf *c, const uint8_t *in,
			   uint8_t *out);

/**
 * Decrypt ciphertext block @p in into the plaintext @p out (server ID,
 * nonce), all four passes: what a server needs to check its own IDs.
 */
void quic_lb_crypt_decrypt(const struct quic_lb_crypt *k,
			   const struct quic_lb_conf *c, const uint8_t *in,
			   uint8_t *out);

/**
 * quic_lb_encode() with the key: connection ID of @p sid and @p nonce.
 * @return its length, 0 when @p c is invalid.
 */
unsigned int quic_lb_encode_crypt(const struct quic_lb_crypt *k,
				  const struct quic_lb_conf *c,
				  const uint8_t *sid, const uint8_t *nonce,
				  uint8_t low5, uint8_t *cid);

/**
 * quic_lb_decode() with the key: the server ID of @p cid to @p sid,
 * decrypting no more than the server ID needs (3 or 4 passes, or one
 * block). @return 1 routable, 0 not (as quic_lb_decode()).
 */
int quic_lb_decode_crypt(const struct quic_lb_crypt *k,
			 const struct quic_lb_conf *c, const uint8_t *cid,
			 unsigned int cid_len, uint8_t *sid);

#endif /* DSRLB_QUIC_LB_CRYPT_H_ */

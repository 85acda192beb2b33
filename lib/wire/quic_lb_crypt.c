/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "dsrlb/quic_lb_crypt.h"

/* Halves of a plaintext of len octets: ceil(len / 2) octets each; when
 * len is odd the middle octet is shared, its high nibble in the left
 * half and its low nibble in the right one (draft, "Algorithm
 * Description" step 2). */
#define HALF_MAX 10u

struct halves {
	unsigned int len, h;
	uint8_t l[HALF_MAX], r[HALF_MAX];
};

static void
clear_l(struct halves *x)
{
	if (x->len & 1u)
		x->l[x->h - 1] &= 0xf0u;
}

static void
clear_r(struct halves *x)
{
	if (x->len & 1u)
		x->r[0] &= 0x0fu;
}

static void
split(struct halves *x, const uint8_t *in, unsigned int len)
{
	x->len = len;
	x->h = (len + 1) / 2;
	memcpy(x->l, in, x->h);
	memcpy(x->r, in + len - x->h, x->h);
	clear_l(x);
	clear_r(x);
}

static void
join(const struct halves *x, uint8_t *out)
{
	if (x->len & 1u) {
		memcpy(out, x->l, x->h - 1);
		out[x->h - 1] = (uint8_t)(x->l[x->h - 1] | x->r[0]);
		memcpy(out + x->h, x->r + 1, x->h - 1);
	} else {
		memcpy(out, x->l, x->h);
		memcpy(out + x->h, x->r, x->h);
	}
}

/* dst ^= truncate(AES_ECB(key, expand(len, pass, src)), h): the round
 * function ("Useful functions": src, zero padding, then the plaintext
 * length and the pass number as the last two octets). */
static void
round_xor(const struct quic_lb_crypt *k, unsigned int len, uint8_t pass,
	  const uint8_t *src, unsigned int h, uint8_t *dst)
{
	uint8_t b[AES_BLOCK_SIZE] = { 0 };

	memcpy(b, src, h);
	b[14] = (uint8_t)len;
	b[15] = pass;
	aes128_encrypt(&k->enc, AES_BLOCK_SIZE, b, b);
	for (unsigned int i = 0; i < h; i++)
		dst[i] ^= b[i];
}

void
quic_lb_crypt_init(struct quic_lb_crypt *k, const uint8_t *key)
{
	aes128_set_encrypt_key(&k->enc, key);
	aes128_set_decrypt_key(&k->dec, key);
}

void
quic_lb_crypt_encrypt(const struct quic_lb_crypt *k,
		      const struct quic_lb_conf *c, const uint8_t *in,
		      uint8_t *out)
{
	const unsigned int len = c->server_id_len + c->nonce_len;
	struct halves x;

	if (len == AES_BLOCK_SIZE) {
		aes128_encrypt(&k->enc, AES_BLOCK_SIZE, out, in);
		return;
	}
	split(&x, in, len);
	round_xor(k, len, 1, x.l, x.h, x.r);
	clear_r(&x);
	round_xor(k, len, 2, x.r, x.h, x.l);
	clear_l(&x);
	round_xor(k, len, 3, x.l, x.h, x.r);
	clear_r(&x);
	round_xor(k, len, 4, x.r, x.h, x.l);
	clear_l(&x);
	join(&x, out);
}

/* Passes 4, 3 and 2 backwards: left_0 in x->l, right_1 in x->r. */
static void
decrypt3(const struct quic_lb_crypt *k, unsigned int len, const uint8_t *in,
	 struct halves *x)
{
	split(x, in, len);
	round_xor(k, len, 4, x->r, x->h, x->l);
	clear_l(x);
	round_xor(k, len, 3, x->l, x->h, x->r);
	clear_r(x);
	round_xor(k, len, 2, x->r, x->h, x->l);
	clear_l(x);
}

void
quic_lb_crypt_decrypt(const struct quic_lb_crypt *k,
		      const struct quic_lb_conf *c, const uint8_t *in,
		      uint8_t *out)
{
	const unsigned int len = c->server_id_len + c->nonce_len;
	struct halves x;

	if (len == AES_BLOCK_SIZE) {
		aes128_decrypt(&k->dec, AES_BLOCK_SIZE, out, in);
		return;
	}
	decrypt3(k, len, in, &x);
	round_xor(k, len, 1, x.l, x.h, x.r);
	clear_r(&x);
	join(&x, out);
}

unsigned int
quic_lb_encode_crypt(const struct quic_lb_crypt *k,
		     const struct quic_lb_conf *c, const uint8_t *sid,
		     const uint8_t *nonce, uint8_t low5, uint8_t *cid)
{
	unsigned int n = quic_lb_encode(c, sid, nonce, low5, cid);

	if (n != 0)
		quic_lb_crypt_encrypt(k, c, cid + 1, cid + 1);
	return n;
}

int
quic_lb_decode_crypt(const struct quic_lb_crypt *k,
		     const struct quic_lb_conf *c, const uint8_t *cid,
		     unsigned int cid_len, uint8_t *sid)
{
	const unsigned int len = c->server_id_len + c->nonce_len;
	uint8_t ct[QUIC_LB_CID_MAX], pt[QUIC_LB_CID_MAX];
	struct halves x;

	/* first octet, length: as in the clear */
	if (!quic_lb_decode(c, cid, cid_len, ct))
		return 0;
	if (len == AES_BLOCK_SIZE) {
		aes128_decrypt(&k->dec, AES_BLOCK_SIZE, pt, cid + 1);
		memcpy(sid, pt, c->server_id_len);
		return 1;
	}
	decrypt3(k, len, cid + 1, &x);
	/* The server ID lies whole in left_0 when it is no longer than
	 * its full octets: three passes suffice. */
	if (c->server_id_len <= len / 2) {
		memcpy(sid, x.l, c->server_id_len);
		return 1;
	}
	round_xor(k, len, 1, x.l, x.h, x.r);
	clear_r(&x);
	join(&x, pt);
	memcpy(sid, pt, c->server_id_len);
	return 1;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QUIC header parser and QUIC-LB decoding on hostile input. data[0] sets
 * the short-header DCID length and the direction; the rest is a UDP
 * payload. Invariants: a successful parse describes bytes inside the
 * input; a decoded server ID comes from inside the connection ID; the
 * encrypted decoder (four-pass with 3 + 4 octets, one block with 8 + 8)
 * reads no more and routes exactly what the plaintext decoder routes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsrlb/quic.h"
#include "dsrlb/quic_lb.h"
#include "dsrlb/quic_lb_crypt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct quic_lb_conf c = { 0, 3, 4, 1 };
	struct quic_hdr h;
	uint8_t sid[QUIC_LB_SID_MAX];
	const uint8_t *p;
	uint32_t len;
	uint8_t *copy;

	if (size < 1 || size > 65535)
		return 0;
	len = (uint32_t)size - 1;
	/* an exact-size heap copy, so that ASan sees any overread */
	copy = malloc(len ? len : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data + 1, len);
	p = copy;
	if (quic_parse(p, len, data[0] % 21, data[0] & 0x80, &h) == WIRE_OK) {
		if ((uint32_t)h.dcid_off + h.dcid_len > len ||
		    (h.kind != QUIC_KIND_SHORT &&
		     (uint32_t)h.scid_off + h.scid_len > len))
			abort();
		c.config_id = (uint8_t)(data[0] % 7);
		if (quic_lb_decode(&c, p + h.dcid_off, h.dcid_len, sid) &&
		    h.dcid_len < quic_lb_cid_len(&c))
			abort();
		{
			static const uint8_t key[QUIC_LB_KEY_LEN] = { 7 };
			struct quic_lb_conf c16 = c;
			struct quic_lb_crypt k;

			c16.server_id_len = 8;
			c16.nonce_len = 8;
			quic_lb_crypt_init(&k, key);
			if (quic_lb_decode_crypt(&k, &c, p + h.dcid_off,
						 h.dcid_len, sid) !=
			    quic_lb_decode(&c, p + h.dcid_off, h.dcid_len,
					   sid) ||
			    quic_lb_decode_crypt(&k, &c16, p + h.dcid_off,
						 h.dcid_len, sid) !=
			    quic_lb_decode(&c16, p + h.dcid_off, h.dcid_len,
					   sid))
				abort();
		}
	}
	free(copy);
	return 0;
}

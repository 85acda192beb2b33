/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Keyed nonces of the appliance's authenticated mode (issue 16).
 *
 * A metric request under `auth = yes` carries a 32-bit nonce the answer
 * must echo (docs/wire-format.md). The nonce is a keyed function of the
 * flow and the backend: SipHash-2-4 (Aumasson & Bernstein, 2012) with a
 * 128-bit key of the configuration, truncated to 32 bits, never 0 (0 means
 * "no nonce" in the IPv6 encoding). Nothing is stored per request, every
 * worker (and every appliance sharing the key) checks any answer, and a
 * second request to a backend does not invalidate the first.
 *
 * Rotation: two keys are accepted at once, the current one (which signs
 * every new request) and the previous one (which still verifies answers
 * to requests sent before the change), so a key changes without losing
 * a sample (docs/configuration.md "Authenticated feedback").
 */
#ifndef DSRLB_AUTH_KEY_H_
#define DSRLB_AUTH_KEY_H_

#include <stdbool.h>
#include <stdint.h>

#include "dsrlb/flow_table.h"

/** Bytes of a key (SipHash's 128 bits). */
#define AUTH_KEY_LEN 16u
/** Hex digits of a key in a file or a command. */
#define AUTH_KEY_HEX_LEN (2u * AUTH_KEY_LEN)

/** SipHash-2-4 of @p len bytes at @p data under @p key. */
uint64_t auth_siphash24(const uint8_t key[AUTH_KEY_LEN], const uint8_t *data,
			uint32_t len);

/**
 * The nonce of a metric request to backend index @p be for the flow
 * @p k (client -> VIP tuple) under @p key: never 0.
 */
uint32_t auth_nonce(const uint8_t key[AUTH_KEY_LEN], const struct flow_key *k,
		    uint32_t be);

/**
 * Parse exactly AUTH_KEY_HEX_LEN hex digits into @p key.
 * @return 0, or -1 (wrong length or a non-hex character). An all-zero key
 * is refused too (a placeholder left in a file is not a secret).
 */
int auth_key_parse(const char *s, uint8_t key[AUTH_KEY_LEN]);

#endif /* DSRLB_AUTH_KEY_H_ */

/* SPDX-License-Identifier: BSD-3-Clause */
/* Fragment forwarding without reassembly (see frag_cache.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
#include "dsrlb/flow_hash.h"
#include "dsrlb/frag_cache.h"
#include "dsrlb/wire.h"

enum wire_result
frag_read(const uint8_t *frame, uint32_t len, const struct pkt_meta *m,
	  struct frag_id *id)
{
	const uint8_t *ip;
	uint32_t at;
	uint8_t nh;

	if (frame == NULL || m == NULL || id == NULL)
		return WIRE_ERR_INVAL;
	memset(id, 0, sizeof(*id));
	ip = frame + m->l3_off;
	id->family = m->family;
	if (m->family == 4) {
		if ((uint32_t)m->l3_off + IPV4_HDR_MIN_LEN > len)
			return WIRE_ERR_TRUNCATED;
		if ((load_be16(ip + 6) & (IPV4_FRAG_OFF_MASK | IPV4_FLAG_MF)) ==
		    0)
			return WIRE_ERR_NOT_FOUND;
		id->proto = ip[9];
		id->id = load_be16(ip + 4);
		memcpy(id->src, ip + 12, 4);
		memcpy(id->dst, ip + 16, 4);
		return WIRE_OK;
	}
	if (m->family != 6)
		return WIRE_ERR_NOT_FOUND;
	if ((uint32_t)m->l3_off + IPV6_HDR_LEN > len)
		return WIRE_ERR_TRUNCATED;
	memcpy(id->src, ip + 8, 16);
	memcpy(id->dst, ip + 24, 16);
	nh = ip[6];
	at = m->l3_off + IPV6_HDR_LEN;
	for (unsigned int i = 0; i < FRAG_MAX_EXT; i++) {
		if (nh == IPPROTO_NUM_FRAGMENT) {
			if (at + 8u > len)
				return WIRE_ERR_TRUNCATED;
			id->proto = frame[at];
			id->id = load_be32(frame + at + 4);
			return WIRE_OK;
		}
		if (nh != IPPROTO_NUM_HOPOPTS && nh != IPPROTO_NUM_ROUTING &&
		    nh != IPPROTO_NUM_DSTOPTS)
			return WIRE_ERR_NOT_FOUND;
		if (at + 2u > len)
			return WIRE_ERR_TRUNCATED;
		nh = frame[at];
		at += ((uint32_t)frame[at + 1] + 1u) * 8u;
	}
	return WIRE_ERR_NOT_FOUND;
}

int
frag_cache_init(struct frag_cache *fc, uint32_t slots)
{
	uint32_t n = 16;

	while (n < slots && n < (1u << 24))
		n <<= 1;
	fc->e = calloc(n, sizeof(*fc->e));
	if (fc->e == NULL)
		return -ENOMEM;
	fc->mask = n - 1;
	return 0;
}

void
frag_cache_fini(struct frag_cache *fc)
{
	if (fc == NULL)
		return;
	free(fc->e);
	fc->e = NULL;
	fc->mask = 0;
}

static uint32_t
slot_of(const struct frag_cache *fc, const struct frag_id *id)
{
	return (uint32_t)flow_hash_bytes(0x66726167ull, id, sizeof(*id)) &
	       fc->mask;
}

void
frag_cache_put(struct frag_cache *fc, const struct frag_id *id, uint16_t vip,
	       uint16_t backend, uint64_t now_ns)
{
	struct frag_entry *e;

	if (fc == NULL || fc->e == NULL)
		return;
	e = &fc->e[slot_of(fc, id)];
	e->key = *id;
	e->vip = vip;
	e->backend = backend;
	e->expire_ns = now_ns + FRAG_CACHE_TTL_NS;
}

bool
frag_cache_get(const struct frag_cache *fc, const struct frag_id *id,
	       uint64_t now_ns, uint16_t *vip, uint16_t *backend)
{
	const struct frag_entry *e;

	if (fc == NULL || fc->e == NULL)
		return false;
	e = &fc->e[slot_of(fc, id)];
	if (e->expire_ns == 0 || now_ns > e->expire_ns ||
	    memcmp(&e->key, id, sizeof(*id)) != 0)
		return false;
	*vip = e->vip;
	*backend = e->backend;
	return true;
}

uint32_t
frag_3tuple_hash(const struct frag_id *id, uint64_t seed)
{
	struct frag_id k = *id;
	uint64_t h;

	k.id = 0;
	h = flow_hash_bytes(seed, &k, sizeof(k));
	return (uint32_t)(h ^ (h >> 32));
}

void
frag_set_dst(uint8_t *frame, uint32_t l3_off, uint8_t family,
	     const uint8_t *addr)
{
	uint8_t *ip = frame + l3_off;

	if (family == 4) {
		store_be16(ip + 10, csum_update_bytes(load_be16(ip + 10),
						      ip + 16, addr, 4));
		memcpy(ip + 16, addr, 4);
	} else {
		memcpy(ip + 24, addr, 16);
	}
}

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Learned QUIC connection IDs (docs/quic.md, "Servers that do not encode
 * server IDs"): connection ID -> backend for the servers of VIPs whose
 * CIDs carry no QUIC-LB server ID. The appliance learns a server's
 * cleartext Source Connection ID from the long-header packet that carries
 * the agent's metric answer (the client's Initial asks for one), and
 * routes later short-header packets whose DCID matches to that server,
 * whatever their 4-tuple (a client behind a NAT that rebinds).
 *
 * One table for all workers: a migrated connection's packets arrive with
 * a new 4-tuple, so at another worker than the one that learned. Fixed
 * size, allocated when a state with a learning VIP is built and shared by
 * the states that follow (like the next-hop table), never allocated per
 * packet. Workers write it; each slot is a sequence lock over atomic
 * words, so a reader never takes a half-written slot for a whole one and
 * there is no lock to wait on (a reader that meets a slot being written
 * counts it as a miss). The control thread never writes it.
 *
 * Entries name the backend by its address, not by an index, and the VIP
 * by its address and port: a live change that reorders VIPs or backends
 * leaves every learned entry meaning what it meant; an entry whose
 * backend left the VIP resolves to nothing.
 */
#ifndef DSRLB_LB_QUIC_CID_H_
#define DSRLB_LB_QUIC_CID_H_

#include <stdatomic.h>
#include <stdint.h>

/** Slots per bucket: an insert replaces the oldest of them when full. */
#define LB_QUIC_CID_WAYS 8u
/** Slots of the table (65536 x 64 bytes = 4 MiB). */
#define LB_QUIC_CID_SLOTS 65536u
/** Longest connection ID learned (QUIC v1/v2, RFC 9000 §17.2). */
#define LB_QUIC_CID_MAX 20u

struct lb_quic_cid_slot {
	_Atomic uint64_t seq;       /**< even: stable, odd: being written */
	_Atomic uint64_t vkey;      /**< lb_quic_cid_vkey(), 0: empty */
	_Atomic uint64_t cid[3];    /**< the CID, zero-padded */
	_Atomic uint64_t be[2];     /**< backend address (IPv4: 4 octets) */
	_Atomic uint64_t meta;      /**< CID length | family << 8 |
				     *   learned at (s) << 32 */
};

struct lb_quic_cids {
	_Atomic uint32_t refs;      /**< states sharing it */
	uint32_t mask;              /**< buckets - 1 */
	struct lb_quic_cid_slot slot[LB_QUIC_CID_SLOTS];
};

/** A new, empty table (refs 0), or NULL. */
struct lb_quic_cids *lb_quic_cids_new(void);

/** Identity of a VIP in entries: never 0. */
uint64_t lb_quic_cid_vkey(uint8_t family, const uint8_t *vip_addr,
			  uint16_t vip_port);

/**
 * Learn that connection ID @p cid (@p len octets, 1..20) of the VIP
 * @p vkey belongs to the backend at (@p family, @p be_addr), at time
 * @p now_s. Replaces an entry of the same CID, else an empty slot of its
 * bucket, else the bucket's oldest.
 * @return 0, -EINVAL (bad length), -EBUSY (the slot chosen was being
 *         written by another worker: not learned this time).
 */
int lb_quic_cids_learn(struct lb_quic_cids *t, uint64_t vkey,
		       const uint8_t *cid, unsigned int len, uint8_t family,
		       const uint8_t *be_addr, uint32_t now_s);

/**
 * The backend address (16 octets to @p be_addr) of connection ID
 * @p cid of VIP @p vkey.
 * @return the backend's family (4 or 6), 0 when not known.
 */
uint8_t lb_quic_cids_lookup(const struct lb_quic_cids *t, uint64_t vkey,
			    const uint8_t *cid, unsigned int len,
			    uint8_t *be_addr);

#endif /* DSRLB_LB_QUIC_CID_H_ */

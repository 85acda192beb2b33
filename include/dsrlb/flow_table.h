/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Per-lcore flow table of the appliance: 5-tuple -> (backend, state,
 * flags, last-seen tick). Plain C, no locks, no atomics, no allocation
 * after init: one table per lcore (shared nothing), used by that lcore
 * only.
 *
 * Layout (docs/flow-table.md has the figures):
 *  - Buckets of FLOW_TABLE_BUCKET_ENTRIES (8) slots. A bucket is one
 *    64-byte cache line holding, per slot, a 16-bit signature (0 = free),
 *    the state, the flags and a 32-bit last-seen tick. Everything the
 *    lookup filter, the timeouts, the garbage collector and eviction need
 *    is in that line.
 *  - A separate key array, 40 bytes per slot: the full key (38 bytes,
 *    compared exactly) and the 16-bit backend index, read only on a
 *    signature match.
 *  - Two candidate buckets per flow (cuckoo-style, non power-of-two
 *    bucket count): sig = hash & 0xffff (0 becomes 1), b1 = hash *
 *    n_buckets >> 32, b2 = (sig * n_buckets >> 16) - b1 mod n_buckets,
 *    so either bucket gives the other from the stored signature. An
 *    insert goes to the candidate with more free slots and may move one
 *    entry of a full candidate to that entry's other bucket (one cuckoo
 *    step), but only while the table is under capacity.
 *  - n_buckets = ceil(capacity * 5 / 4 / 8): 60 bytes per flow at
 *    capacity (48 bytes per slot, 1.25 slots per flow).
 *
 * Time: every call that needs it takes @p now_ns (any monotonic clock in
 * ns, per lcore). It is kept as a 32-bit tick of 2^tick_shift ns (default
 * 2^20 ns, about 1.05 ms). An entry of state s last seen at tick T is
 * live while now_tick - T <= ceil(timeout_ns[s] / tick), so it expires
 * never before its timeout and at most two ticks after it. A time before
 * the last-seen tick counts as age 0. Ages are taken modulo 2^32 ticks:
 * run flow_table_gc_step() so that a full sweep takes far less than 2^31
 * ticks (about 26 days by default).
 *
 * Expired entries are absent for every call and are reclaimed when met
 * (lookup, insert, GC). When the table holds @c capacity entries, or both
 * candidate buckets are full, an insert reclaims an expired entry of its
 * candidate buckets, else evicts the oldest FLOW_STATE_NEW entry of its
 * candidate buckets whose age is at least new_min_age_ns, else fails with
 * FLOW_INSERT_FULL (the caller counts it and forwards statelessly).
 * Entries of any other state are never evicted or moved at capacity.
 *
 * Slot ids returned by the lookups and inserts stay valid while
 * t->epoch is unchanged: it moves whenever an occupied slot is freed or
 * moved (expiry reclaim, eviction, cuckoo move, delete, GC, clear); an
 * insert into a free slot leaves it. A burst may look all its keys up at
 * once and use each slot id only if the epoch has not moved since.
 */
#ifndef DSRLB_FLOW_TABLE_H_
#define DSRLB_FLOW_TABLE_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/** Slots per bucket (one cache line of signatures and values). */
#define FLOW_TABLE_BUCKET_ENTRIES 8u
/** Alignment the memory given to flow_table_init() must have. */
#define FLOW_TABLE_ALIGN          64u
/** Largest capacity (flows). */
#define FLOW_TABLE_CAPACITY_MAX   (1u << 27)
/** Slot id meaning "no entry". */
#define FLOW_TABLE_MISS           UINT32_MAX
/** Default tick: 2^20 ns. */
#define FLOW_TABLE_TICK_SHIFT_DEFAULT 20u
/** Largest tick shift (2^40 ns, about 18 minutes). */
#define FLOW_TABLE_TICK_SHIFT_MAX 40u
/** Default idle timeout of FLOW_STATE_NEW (SYN seen, no handshake yet). */
#define FLOW_TABLE_TIMEOUT_NEW_NS         5000000000ull
/** Default idle timeout of FLOW_STATE_ESTABLISHED and the mode states. */
#define FLOW_TABLE_TIMEOUT_ESTABLISHED_NS 300000000000ull
/** Default idle timeout of FLOW_STATE_CLOSING. */
#define FLOW_TABLE_TIMEOUT_CLOSING_NS     10000000000ull
/** Default minimum age of a NEW entry before it may be evicted (1 s:
 *  the initial TCP retransmission timeout of RFC 6298 §2.1). */
#define FLOW_TABLE_NEW_MIN_AGE_NS         1000000000ull

/** Address family of a key (also the IP version). */
#define FLOW_KEY_IPV4 4u
#define FLOW_KEY_IPV6 6u

/** Flag bit example: a metric probe of this flow is waiting for its
 *  answer. Bits are the caller's; the table only stores them. */
#define FLOW_FLAG_ANSWER_DUE 0x01u

/**
 * A flow 5-tuple, compared as 38 exact bytes (no padding). An IPv4
 * address fills bytes 0..3 of its field and bytes 4..15 are zero (use
 * flow_key_ipv4(), flow_key_ipv6()).
 */
struct flow_key {
	uint8_t saddr[16]; /**< network order */
	uint8_t daddr[16]; /**< network order */
	uint16_t sport;    /**< host order */
	uint16_t dport;    /**< host order */
	uint8_t proto;     /**< IP protocol number */
	uint8_t family;    /**< FLOW_KEY_IPV4 or FLOW_KEY_IPV6 */
};

/** Flow states. 0 is a free slot; mode-specific states may use
 *  FLOW_STATE_MODE_0..FLOW_STATE_MODE_3 (each with its own timeout). */
enum flow_state {
	FLOW_STATE_FREE = 0,        /**< not a state: a free slot */
	FLOW_STATE_NEW = 1,         /**< SYN seen only; evictable when full */
	FLOW_STATE_ESTABLISHED = 2, /**< steered: never evicted */
	FLOW_STATE_CLOSING = 3,     /**< FIN or RST seen */
	FLOW_STATE_MODE_0 = 4,      /**< free for a mode */
	FLOW_STATE_MODE_1 = 5,      /**< free for a mode */
	FLOW_STATE_MODE_2 = 6,      /**< free for a mode */
	FLOW_STATE_MODE_3 = 7,      /**< free for a mode */
	FLOW_STATE_MAX = 8,         /**< number of state values */
};

/** The value of an entry, as the caller reads and writes it. */
struct flow_value {
	uint16_t backend; /**< backend index */
	uint8_t state;    /**< enum flow_state, never FLOW_STATE_FREE */
	uint8_t flags;    /**< caller's bits, e.g. FLOW_FLAG_ANSWER_DUE */
};

/** Result of flow_table_insert(). */
enum flow_insert_result {
	FLOW_INSERT_NEW = 0,     /**< inserted; *slot is the new entry */
	FLOW_INSERT_EXISTS = 1,  /**< a live entry of the key exists; *slot
				  *   is it, its value was not changed */
	FLOW_INSERT_FULL = 2,    /**< no room and nothing evictable: forward
				  *   statelessly; table unchanged */
	FLOW_INSERT_INVALID = 3, /**< bad key or value; table unchanged */
};

/** Table parameters. A zeroed struct (with a capacity) gives the
 *  defaults: tick 2^20 ns, NEW 5 s, ESTABLISHED 300 s, CLOSING 10 s,
 *  mode states 300 s, NEW minimum age 1 s. */
struct flow_table_config {
	uint32_t capacity;   /**< largest number of entries,
			      *   1..FLOW_TABLE_CAPACITY_MAX */
	uint32_t tick_shift; /**< tick = 2^tick_shift ns,
			      *   1..FLOW_TABLE_TICK_SHIFT_MAX; 0: default */
	uint64_t timeout_ns[FLOW_STATE_MAX]; /**< idle timeout per state
					      *   (index 0 unused); 0:
					      *   default */
	uint64_t new_min_age_ns; /**< minimum age of an evicted NEW entry;
				  *   0: default */
};

/** Counters of a table (X-macro: name). */
#define FLOW_TABLE_STATS(X) \
	X(inserts)           \
	X(insert_full)       \
	X(evictions_expired) \
	X(evictions_new)     \
	X(gc_reclaimed)      \
	X(lookup_reclaimed)  \
	X(displaced)         \
	X(lookups)           \
	X(hits)

/** Counters of a table, read by the owner (or summed by a reader that
 *  tolerates torn values). */
struct flow_table_stats {
#define FLOW_TABLE_STAT_MEMBER(name) uint64_t name;
	FLOW_TABLE_STATS(FLOW_TABLE_STAT_MEMBER)
#undef FLOW_TABLE_STAT_MEMBER
};

struct flow_bucket;
struct flow_kv;

/** A flow table. Members other than @c stats are private. */
struct flow_table {
	struct flow_bucket *buckets; /**< n_buckets cache lines */
	struct flow_kv *kv;          /**< n_buckets * 8 keys */
	void *owned;                 /**< memory to free, or NULL */
	uint32_t n_buckets;          /**< >= 1 */
	uint32_t capacity;           /**< largest count */
	uint32_t count;              /**< occupied slots (live or expired) */
	uint32_t gc_cursor;          /**< next bucket the GC scans */
	uint32_t tick_shift;         /**< tick = 2^tick_shift ns */
	uint32_t timeout_ticks[FLOW_STATE_MAX]; /**< per state */
	uint32_t new_min_age_ticks;  /**< NEW eviction age */
	uint32_t epoch;              /**< changes whenever an occupied slot
				      *   is freed or moved (reclaim, eviction,
				      *   cuckoo move, delete, clear): slot ids
				      *   taken at the same epoch are valid */
	uint64_t placed[4];          /**< a 256-bit filter of the hashes
				      *   inserted since the last bulk
				      *   lookup */
	struct flow_table_stats stats; /**< counters */
};

/** Fill @p k with an IPv4 5-tuple (4-byte addresses, network order).
 *  Inline: every client packet builds its key (issue 19, round 4). */
static inline void
flow_key_ipv4(struct flow_key *k, const uint8_t *saddr, const uint8_t *daddr,
	      uint16_t sport, uint16_t dport, uint8_t proto)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->saddr, saddr, 4);
	memcpy(k->daddr, daddr, 4);
	k->sport = sport;
	k->dport = dport;
	k->proto = proto;
	k->family = FLOW_KEY_IPV4;
}

/** Fill @p k with an IPv6 5-tuple (16-byte addresses, network order). */
static inline void
flow_key_ipv6(struct flow_key *k, const uint8_t *saddr, const uint8_t *daddr,
	      uint16_t sport, uint16_t dport, uint8_t proto)
{
	memcpy(k->saddr, saddr, 16);
	memcpy(k->daddr, daddr, 16);
	k->sport = sport;
	k->dport = dport;
	k->proto = proto;
	k->family = FLOW_KEY_IPV6;
}

/**
 * Bytes of memory a table of @p cfg needs (for flow_table_init()), or 0
 * when @p cfg is invalid.
 */
size_t flow_table_mem_size(const struct flow_table_config *cfg);

/**
 * Initialise @p t. With @p mem NULL, allocates its memory once (freed by
 * flow_table_fini()); else uses @p mem, FLOW_TABLE_ALIGN-aligned and at
 * least flow_table_mem_size() bytes, which it zeroes.
 * @return 0, -EINVAL (bad config or memory), -ENOMEM.
 */
int flow_table_init(struct flow_table *t, const struct flow_table_config *cfg,
		    void *mem, size_t mem_len);

/** Free the memory flow_table_init() allocated, if any. */
void flow_table_fini(struct flow_table *t);

/**
 * Initialise @p dst as an empty table of @p src's shape (buckets,
 * timeouts), with its own memory, for flow_table_copy().
 * @return 0, -EINVAL, -ENOMEM.
 */
int flow_table_init_like(struct flow_table *dst, const struct flow_table *src);

/**
 * Make @p dst (flow_table_init_like(@p src)) an exact copy of @p src:
 * entries, counters, GC position. O(capacity): a control-plane snapshot
 * taken by the table's owner between two bursts.
 * @return 0, or -EINVAL when the shapes differ.
 */
int flow_table_copy(struct flow_table *dst, const struct flow_table *src);

/** Remove every entry (counters kept). */
void flow_table_clear(struct flow_table *t);

/**
 * Look up @p key of hash @p hash. An expired entry of the key is
 * reclaimed and reported absent.
 * @return its slot id, or FLOW_TABLE_MISS.
 */
uint32_t flow_table_lookup(struct flow_table *t, const struct flow_key *key,
			   uint32_t hash, uint64_t now_ns);

/**
 * Prefetch both candidate buckets of a key of @p hash: a hint before a
 * flow_table_lookup() of it that comes later (a server's message, looked
 * up alone after the burst's classification: issue 19). Reads and
 * changes nothing of the table.
 */
void flow_table_prefetch(const struct flow_table *t, uint32_t hash);

/**
 * The second step of that hint, once the buckets have arrived: prefetch
 * the key entry of the first slot whose signature matches @p hash's, as
 * flow_table_lookup_bulk() does between its stages. Reads the buckets
 * and changes nothing.
 */
void flow_table_prefetch_key(const struct flow_table *t, uint32_t hash);

/**
 * Read-only lookup for another thread (the console): like
 * flow_table_lookup() but reclaims nothing and counts nothing, so it
 * writes no byte of the table. Run concurrently with the owner it gives a
 * best-effort snapshot (an entry being moved may be missed).
 * @param v       the entry's value when found (may be NULL)
 * @param age_ns  time since the entry was last seen (may be NULL)
 * @return its slot id, or FLOW_TABLE_MISS.
 */
uint32_t flow_table_peek(const struct flow_table *t,
			 const struct flow_key *key, uint32_t hash,
			 uint64_t now_ns, struct flow_value *v,
			 uint64_t *age_ns);

/**
 * Read-only walk over the live entries (for the console, from another
 * thread: a best-effort snapshot, no byte of the table is written).
 * @p cb (may be NULL: just count) returns non-zero to stop.
 * @return the number of live entries visited.
 */
uint64_t flow_table_foreach(const struct flow_table *t, uint64_t now_ns,
			    int (*cb)(void *arg, const struct flow_key *k,
				      const struct flow_value *v,
				      uint64_t age_ns),
			    void *arg);

/**
 * Look up @p n keys (keys[i] of hash hashes[i]): prefetches every
 * candidate bucket of a group first, then the keys whose signature
 * matches, then compares. Same results and counters as @p n calls of
 * flow_table_lookup() in order.
 * @param slots  out: n slot ids or FLOW_TABLE_MISS.
 * @return the number of hits.
 */
uint32_t flow_table_lookup_bulk(struct flow_table *t,
				const struct flow_key *keys,
				const uint32_t *hashes, uint32_t n,
				uint64_t now_ns, uint32_t *slots);

/**
 * flow_table_lookup_bulk() over pointers to the keys: the engine's keys
 * stay in its packet contexts, not copied into an array (issue 19: 40
 * bytes a packet).
 */
uint32_t flow_table_lookup_bulk_ptrs(struct flow_table *t,
				     const struct flow_key *const *keys,
				     const uint32_t *hashes, uint32_t n,
				     uint64_t now_ns, uint32_t *slots);

/**
 * May the key of @p hash have been inserted since the last
 * flow_table_lookup_bulk() or flow_table_lookup_bulk_ptrs()? false means
 * certainly not: a key that bulk
 * lookup missed is still absent, and a caller need not look again
 * (issue 19: a burst of SYNs looked each one up twice).
 */
static inline bool
flow_table_placed_since_bulk(const struct flow_table *t, uint32_t hash)
{
	return (t->placed[(hash >> 24) & 3] >> ((hash >> 26) & 63)) & 1;
}

/**
 * Insert @p key with value @p v, last seen at @p now_ns, or find its live
 * entry (see enum flow_insert_result). @p v->state must be a state
 * (1..FLOW_STATE_MAX-1); an IPv4 key must have zero address bytes 4..15.
 * @param slot  out (may be NULL): the slot id on NEW or EXISTS.
 */
enum flow_insert_result flow_table_insert(struct flow_table *t,
					  const struct flow_key *key,
					  uint32_t hash,
					  const struct flow_value *v,
					  uint64_t now_ns, uint32_t *slot);

/**
 * flow_table_insert() of a key the caller knows to have no entry, live or
 * expired: the same placement, slot, counters and result (never EXISTS),
 * without searching both buckets for the key first (issue 19, round 4:
 * a new flow's insert). The key is known absent when
 * flow_table_lookup_bulk() or flow_table_lookup() missed it (both reclaim
 * an expired entry of the key) and nothing can have placed it since:
 * flow_table_placed_since_bulk() is false for it, or the miss came from a
 * flow_table_lookup() after the last insert. Moves, deletes, updates and
 * the GC never place a key that was absent. Wrong use would store the key
 * twice; flow_table_insert() is the safe call.
 */
enum flow_insert_result flow_table_insert_absent(struct flow_table *t,
						 const struct flow_key *key,
						 uint32_t hash,
						 const struct flow_value *v,
						 uint64_t now_ns,
						 uint32_t *slot);

/**
 * Delete the live entry of @p key. An expired entry of the key is
 * reclaimed too, but reported absent.
 * @return 0, or -ENOENT when there is no live entry.
 */
int flow_table_delete(struct flow_table *t, const struct flow_key *key,
		      uint32_t hash, uint64_t now_ns);

/**
 * Read the value of occupied slot @p slot into @p v.
 * @return 0, or -EINVAL when @p slot is not an occupied slot (@p v is
 *   then all zero).
 */
static inline int flow_table_get(const struct flow_table *t, uint32_t slot,
				 struct flow_value *v);

/** Read the key of occupied slot @p slot. @return 0 or -EINVAL. */
int flow_table_get_key(const struct flow_table *t, uint32_t slot,
		       struct flow_key *key);

/**
 * Mark occupied slot @p slot seen at @p now_ns.
 * @return 0, or -EINVAL when @p slot is not an occupied slot.
 */
static inline int flow_table_touch(struct flow_table *t, uint32_t slot,
				   uint64_t now_ns);

/**
 * Write value @p v (backend, state, flags) of occupied slot @p slot and
 * mark it seen at @p now_ns.
 * @return 0, or -EINVAL (slot not occupied, or bad state: nothing
 *   written).
 */
static inline int flow_table_update(struct flow_table *t, uint32_t slot,
				    const struct flow_value *v,
				    uint64_t now_ns);

/**
 * Write value @p v of occupied slot @p slot without marking it seen: a
 * timer that must run out whatever the traffic (6LB's removeStickiness
 * timer, a closing flow) keeps its start.
 * @return 0, or -EINVAL (slot not occupied, or bad state).
 */
static inline int flow_table_set(struct flow_table *t, uint32_t slot,
				 const struct flow_value *v);

/**
 * Incremental garbage collection: scan @p budget buckets from a moving
 * cursor (wrapping) and reclaim their expired entries.
 * @return the number of entries reclaimed.
 */
uint32_t flow_table_gc_step(struct flow_table *t, uint64_t now_ns,
			    uint32_t budget);

/** Number of occupied slots (live, or expired and not yet reclaimed). */
uint32_t flow_table_count(const struct flow_table *t);

/* The per-packet slot accessors above are inline (issue 19): the slot
 * layout they read is in flow_table_slot.h. */
#include "dsrlb/flow_table_slot.h"

#endif /* DSRLB_FLOW_TABLE_H_ */

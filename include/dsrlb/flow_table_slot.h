/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The slot layout of the flow table (lib/flow/flow_table.c) and the
 * accessors of one slot that every packet of a pinned flow calls:
 * flow_table_get(), flow_table_update(), flow_table_touch() and
 * flow_table_set(). They are a few loads and stores each, so they are
 * inline here rather than calls into lib/flow (issue 19: the calls and
 * their checks were about 55 instructions per packet). Only
 * flow_table.c and these accessors read the layout; everything else goes
 * through the functions of dsrlb/flow_table.h. Included by flow_table.h,
 * not on its own.
 */
#ifndef DSRLB_FLOW_TABLE_SLOT_H_
#define DSRLB_FLOW_TABLE_SLOT_H_

#include <errno.h>
#include <stdalign.h>
#include <stdint.h>

#include "dsrlb/flow_table.h"

/* One cache line: the signature filter and every field the timeouts, GC
 * and eviction read, so none of them touches the key array. */
struct flow_bucket {
	alignas(FLOW_TABLE_ALIGN) uint16_t sig[FLOW_TABLE_BUCKET_ENTRIES];
					/* 0: free slot */
	uint8_t state[FLOW_TABLE_BUCKET_ENTRIES];
	uint8_t flags[FLOW_TABLE_BUCKET_ENTRIES];
	uint32_t tick[FLOW_TABLE_BUCKET_ENTRIES];
};

/* Read only after a signature match. */
struct flow_kv {
	struct flow_key key;
	uint16_t backend;
};

/* Is @p slot an occupied slot of @p t? */
static inline int
flow_table_slot_occupied(const struct flow_table *t, uint32_t slot)
{
	return slot / FLOW_TABLE_BUCKET_ENTRIES < t->n_buckets &&
	       t->buckets[slot / FLOW_TABLE_BUCKET_ENTRIES]
		       .sig[slot % FLOW_TABLE_BUCKET_ENTRIES] != 0;
}

static inline int
flow_table_get(const struct flow_table *t, uint32_t slot,
	       struct flow_value *v)
{
	const struct flow_bucket *b;

	if (!flow_table_slot_occupied(t, slot)) {
		/* Defined, so that a caller that knows the slot is
		 * occupied needs no check (nothing reads it otherwise). */
		*v = (struct flow_value){ 0 };
		return -EINVAL;
	}
	b = &t->buckets[slot / FLOW_TABLE_BUCKET_ENTRIES];
	v->backend = t->kv[slot].backend;
	v->state = b->state[slot % FLOW_TABLE_BUCKET_ENTRIES];
	v->flags = b->flags[slot % FLOW_TABLE_BUCKET_ENTRIES];
	return 0;
}

static inline int
flow_table_touch(struct flow_table *t, uint32_t slot, uint64_t now_ns)
{
	if (!flow_table_slot_occupied(t, slot))
		return -EINVAL;
	t->buckets[slot / FLOW_TABLE_BUCKET_ENTRIES]
		.tick[slot % FLOW_TABLE_BUCKET_ENTRIES] =
		(uint32_t)(now_ns >> t->tick_shift);
	return 0;
}

/** The fields of an occupied slot's value (flow_table_slot_occupied()
 *  checked it), each alone: flow_table_get() fills a struct through a
 *  pointer, which kept a pinned packet's value on the stack (issue 19,
 *  round 8). */
static inline uint16_t
flow_table_backend_occupied(const struct flow_table *t, uint32_t slot)
{
	return t->kv[slot].backend;
}

static inline uint8_t
flow_table_state_occupied(const struct flow_table *t, uint32_t slot)
{
	return t->buckets[slot / FLOW_TABLE_BUCKET_ENTRIES]
		.state[slot % FLOW_TABLE_BUCKET_ENTRIES];
}

static inline uint8_t
flow_table_flags_occupied(const struct flow_table *t, uint32_t slot)
{
	return t->buckets[slot / FLOW_TABLE_BUCKET_ENTRIES]
		.flags[slot % FLOW_TABLE_BUCKET_ENTRIES];
}

/** flow_table_touch() of a slot known to be occupied:
 *  flow_table_slot_occupied() held for it and the table's epoch has not
 *  moved since (no slot freed or moved). No check (issue 19: a pinned
 *  packet's second). */
static inline void
flow_table_touch_occupied(struct flow_table *t, uint32_t slot,
			  uint64_t now_ns)
{
	t->buckets[slot / FLOW_TABLE_BUCKET_ENTRIES]
		.tick[slot % FLOW_TABLE_BUCKET_ENTRIES] =
		(uint32_t)(now_ns >> t->tick_shift);
}

static inline int
flow_table_set(struct flow_table *t, uint32_t slot, const struct flow_value *v)
{
	struct flow_bucket *b;

	if (!flow_table_slot_occupied(t, slot) ||
	    v->state <= FLOW_STATE_FREE || v->state >= FLOW_STATE_MAX)
		return -EINVAL;
	b = &t->buckets[slot / FLOW_TABLE_BUCKET_ENTRIES];
	b->state[slot % FLOW_TABLE_BUCKET_ENTRIES] = v->state;
	b->flags[slot % FLOW_TABLE_BUCKET_ENTRIES] = v->flags;
	t->kv[slot].backend = v->backend;
	return 0;
}

static inline int
flow_table_update(struct flow_table *t, uint32_t slot,
		  const struct flow_value *v, uint64_t now_ns)
{
	if (flow_table_set(t, slot, v) != 0)
		return -EINVAL;
	t->buckets[slot / FLOW_TABLE_BUCKET_ENTRIES]
		.tick[slot % FLOW_TABLE_BUCKET_ENTRIES] =
		(uint32_t)(now_ns >> t->tick_shift);
	return 0;
}

#endif /* DSRLB_FLOW_TABLE_SLOT_H_ */

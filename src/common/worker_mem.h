/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker of a DPDK program (the appliance, its replay benchmark) with
 * its flow table in the EAL's memory on the NUMA node of the lcore that
 * runs it: 2 MiB pages when the EAL has hugepages, so that a lookup in a
 * table of a million flows (60 MB) does not also miss the TLB on every
 * bucket, and no remote-node access on a two-socket server (issue 19,
 * "the flow table on hugepages and on the lcore's NUMA node"). Without
 * room there (a node with no memory, --no-huge with a small -m) the
 * worker allocates the table itself, as lb_worker_init() does.
 */
#ifndef DSRLB_WORKER_MEM_H_
#define DSRLB_WORKER_MEM_H_

#include <stdint.h>
#include <stdio.h>

#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dsrlb/flow_table.h"
#include "dsrlb/lb_engine.h"

/**
 * lb_worker_init_mem() for the worker that lcore @p lcore will run;
 * @p *flow_mem gets the memory to rte_free() after lb_worker_fini()
 * (NULL when the worker allocated its own). @p who names the program
 * in the line printed when the EAL had no room.
 */
static inline int
worker_init_on_lcore(struct lb_worker *w, const struct lb_state *st,
		     uint16_t index, uint16_t n_workers, uint64_t seed,
		     unsigned int lcore, void **flow_mem, const char *who)
{
	size_t len = lb_worker_flow_mem_size(st);
	int socket = (int)rte_lcore_to_socket_id(lcore);
	void *mem = NULL;
	int rc;

	if (len > 0) {
		mem = rte_malloc_socket("dsrlb_flows", len, FLOW_TABLE_ALIGN,
					socket);
		if (mem == NULL)
			printf("%s: worker %u: no %zu bytes of EAL memory on "
			       "NUMA node %d for the flow table; it uses "
			       "ordinary pages\n", who, index, len, socket);
	}
	rc = lb_worker_init_mem(w, st, index, n_workers, seed, mem,
				mem != NULL ? len : 0);
	if (rc != 0) {
		rte_free(mem);
		mem = NULL;
	}
	*flow_mem = mem;
	return rc;
}

#endif /* DSRLB_WORKER_MEM_H_ */

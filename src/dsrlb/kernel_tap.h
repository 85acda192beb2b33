/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exception path of a port (issue 18): a DPDK net_tap whose kernel
 * interface ([port] kernel = NAME) carries the port's MAC, so that the
 * kernel owns the port's address for what the engine does not consume:
 * BGP and BFD to the router, ICMP, the ARP/ND replies it needs. The
 * engine hands such frames over (LB_ACT_KERNEL); what the kernel sends
 * goes out of the port unchanged. One queue pair per worker, as on the
 * ports. The health checks (issue 19) use the same path.
 */
#ifndef DSRLB_KERNEL_TAP_H_
#define DSRLB_KERNEL_TAP_H_

#include <stdint.h>

#include <rte_mempool.h>

#include "dsrlb/lb_config.h"

/** Descriptors per queue of a kernel interface. */
#define KTAP_DESC 256

/** ethdev of port index i's kernel interface; UINT16_MAX: none. */
extern uint16_t ktap_port_id[LB_MAX_PORTS];

/**
 * Create and start the net_tap of port index @p pi when its
 * configuration names a kernel interface: @p n_queues queue pairs, the
 * port's @p mac. @return 0 (also when there is none) or -1 (printed).
 */
int ktap_setup(uint32_t pi, const struct lb_port_conf *pc,
	       const uint8_t mac[6], uint16_t n_queues,
	       struct rte_mempool *pool);

/** Stop (@p close false) or close every kernel interface. */
void ktap_shutdown(int close);

#endif /* DSRLB_KERNEL_TAP_H_ */

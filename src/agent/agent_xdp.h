/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The wire port on DPDK's net_af_xdp PMD (issue 16, docs/agent.md "The
 * wire port on net_af_xdp"). The PMD loads the agent's XDP filter
 * (devarg xdp_prog=, xdp/agent_xdp.bpf.c) and puts its AF_XDP socket in
 * the filter's xsks_map; the agent then finds the program attached to
 * the interface and fills the filter's maps from its configuration (the
 * VIPs, the leg addresses with the VIPs' ports, the SRv6 locator). Until
 * then, and after the agent is gone, the kernel keeps the NIC.
 */
#ifndef DSRLB_AGENT_AGENT_XDP_H_
#define DSRLB_AGENT_AGENT_XDP_H_

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dsrlb/agent_config.h"
#include "xdp/agent_xdp.h"

/** mbufs DPDK 22.11's net_af_xdp puts in a queue's fill ring at setup
 *  (ETH_AF_XDP_DFLT_NUM_DESCS) and does not return at close. */
#define AGENT_XDP_PMD_FILL 2048u

struct agent_xdp {
	bool on;                    /**< the wire port is net_af_xdp */
	bool filter;                /**< the agent's filter is attached (else
				     *   the PMD's default: the whole queue) */
	char iface[IF_NAMESIZE];
	unsigned int ifindex;
	uint32_t prog_id;
	uint32_t n_dst, n_loc;      /**< entries written */
	int dst_fd, loc_fd, cnt_fd;
};

/** If port @p pid is net_af_xdp, find the XDP program on its interface
 *  and fill the filter's maps from @p cfg. @return 0 (also for another
 *  PMD: x->on false); -errno with the reason in @p err. */
int agent_xdp_setup(uint16_t pid, const struct agent_config *cfg,
		    struct agent_xdp *x, char *err, size_t errlen);

/** Before the ports start: if ethdev @p dev is net_af_xdp and its
 *  interface still holds the agent's filter from an agent that did not
 *  stop cleanly, detach it (the PMD would refuse to attach over it).
 *  @p msg says what was done ("" if nothing). @return 0 or -errno. */
int agent_xdp_clear_stale(const char *dev, char *msg, size_t msglen);

/** The filter's counters summed over the CPUs. @return 0 or -errno. */
int agent_xdp_counters(const struct agent_xdp *x,
		       uint64_t out[AGENT_XDP_CNT_MAX]);

const char *agent_xdp_counter_name(unsigned int k);

void agent_xdp_close(struct agent_xdp *x);

#endif /* DSRLB_AGENT_AGENT_XDP_H_ */

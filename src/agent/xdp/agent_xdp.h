/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the agent's XDP program (agent_xdp.bpf.c) and its loader side in
 * dsrlb-agent (src/agent/agent_xdp.c) share: the names and layouts of
 * the maps. Plain C types only: this header is compiled for the BPF
 * target and for the host.
 */
#ifndef DSRLB_AGENT_XDP_H_
#define DSRLB_AGENT_XDP_H_

/* DPDK's net_af_xdp PMD looks the XSKMAP up by this name in a program
 * given with xdp_prog= and puts its socket at the queue's index. */
#define AGENT_XDP_XSKS_MAP      "xsks_map"
#define AGENT_XDP_DST_MAP       "dsrlb_dst"
#define AGENT_XDP_LOC_MAP       "dsrlb_loc"
#define AGENT_XDP_CNT_MAP       "dsrlb_xdp_cnt"

#define AGENT_XDP_MAX_DST       256     /* 64 VIPs, each with a leg */
#define AGENT_XDP_MAX_LOC       8
#define AGENT_XDP_MAX_QUEUES    64

/** Key of dsrlb_dst: a destination the agent acts on (a VIP, or a leg
 *  address with the VIP's port and protocol). IPv4 addresses in the
 *  first 4 bytes of @c addr, the rest zero. Port in network order. */
struct agent_xdp_dst {
	unsigned char addr[16];
	unsigned short port_be;
	unsigned char proto;
	unsigned char family;           /* 4 or 6 */
};

/** Key of dsrlb_loc (LPM trie): the server's SRv6 locator. */
struct agent_xdp_loc {
	unsigned int prefixlen;
	unsigned char addr[16];
};

/* Why a frame went to the agent, or that it did not (dsrlb_xdp_cnt, a
 * per-CPU array; the agent prints the sums as xdp.<name>). */
#define AGENT_XDP_CNT_LIST(X) \
	X(pass,     "left to the kernel (XDP_PASS)") \
	X(dst,      "to a VIP or leg address:port/proto") \
	X(ip4_opt,  "IPv4 with options (dsrlb's: 155, 124, 125, 158)") \
	X(ip6_ext,  "IPv6 with a dsrlb header (27, 28, 29) or Destination Options") \
	X(sid,      "IPv6 to the server's SRv6 locator")
#define AGENT_XDP_CNT_ENUM(n, d) AGENT_XDP_CNT_##n,
enum agent_xdp_cnt { AGENT_XDP_CNT_LIST(AGENT_XDP_CNT_ENUM) AGENT_XDP_CNT_MAX };
#undef AGENT_XDP_CNT_ENUM

#endif /* DSRLB_AGENT_XDP_H_ */

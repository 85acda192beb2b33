/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The agent's XDP filter (issue 16, docs/agent.md "The wire port on
 * net_af_xdp"). Loaded by DPDK's net_af_xdp PMD (devarg xdp_prog=) on
 * the server's NIC; its only job is classification:
 *
 *   - frames the agent must see go to its AF_XDP socket
 *     (bpf_redirect_map on xsks_map, the PMD's socket at the RX queue's
 *     index): IPv4/IPv6 to a VIP or leg address with the VIP's port and
 *     protocol (dsrlb_dst, filled by dsrlb-agent from its INI), IPv6 to
 *     the server's SRv6 locator (dsrlb_loc), and any IP packet carrying
 *     a dsrlb message (IPv4 with options, among them 155/124/125/158; IPv6 headers
 *     27/28/29, or a Destination Options header, where encoding 2 carries
 *     them as option 0x1E) -- the agent, not this filter, judges those
 *     (wire_trust(): appliance MAC, martians);
 *   - everything else is XDP_PASS: the kernel handles it as if there were
 *     no agent (SSH, ARP, the server's own services).
 *
 * Fail-safe by construction: with empty maps (the agent has not filled
 * them yet) only dsrlb messages are redirected, and when the agent's
 * socket is gone (crash, SIGKILL: the kernel removes a closed socket
 * from every XSKMAP) bpf_redirect_map() finds no entry and returns its
 * flags argument, XDP_PASS.
 *
 * Every header read is bounds-checked against data_end (the verifier
 * refuses the program otherwise); every walk is bounded by a constant.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "agent_xdp.h"

#define IP6_MAX_HDRS    6       /* headers crossed before giving up */

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, AGENT_XDP_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AGENT_XDP_MAX_DST);
	__type(key, struct agent_xdp_dst);
	__type(value, __u8);
} dsrlb_dst SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, AGENT_XDP_MAX_LOC);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct agent_xdp_loc);
	__type(value, __u8);
} dsrlb_loc SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AGENT_XDP_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} dsrlb_xdp_cnt SEC(".maps");

static __always_inline int
verdict(struct xdp_md *ctx, __u32 why)
{
	__u64 *c = bpf_map_lookup_elem(&dsrlb_xdp_cnt, &why);

	if (c != NULL)
		*c += 1;
	if (why == AGENT_XDP_CNT_pass)
		return XDP_PASS;
	/* No socket at this queue (the agent is gone): XDP_PASS. */
	return bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
}

static __always_inline int
dst_known(__u8 family, const void *addr, __u8 proto, __u16 port_be)
{
	struct agent_xdp_dst k;

	__builtin_memset(&k, 0, sizeof(k));
	if (family == 4)
		__builtin_memcpy(k.addr, addr, 4);
	else
		__builtin_memcpy(k.addr, addr, 16);
	k.port_be = port_be;
	k.proto = proto;
	k.family = family;
	return bpf_map_lookup_elem(&dsrlb_dst, &k) != NULL;
}

/* The destination port of a TCP or UDP header at @p l4, 0 if absent. */
static __always_inline __u16
l4_dport(const void *l4, const void *end, __u8 proto)
{
	const __u16 *p = l4;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return 0;
	if ((const void *)(p + 2) > end)
		return 0;
	return p[1];
}

static __always_inline int
do_ipv4(struct xdp_md *ctx, const struct iphdr *ip, const void *end)
{
	__u32 hl = ip->ihl * 4u;

	if (hl < sizeof(*ip) || (const void *)ip + hl > end)
		return verdict(ctx, AGENT_XDP_CNT_pass);
	/* Any IPv4 options go to the agent, which knows dsrlb's (155 client
	 * tuple, 124 metric request, 125 answer, 158 recover;
	 * docs/wire-format.md) and passes the others to the kernel through
	 * the tap. Walking up to 40 bytes of TLVs here costs the verifier a
	 * state per option layout (it refused the walk: over a million
	 * instructions), and options are rare on today's networks
	 * (RFC 7126 §3: routers commonly drop them), so the price is one
	 * detour for packets nobody sends. */
	if (hl > sizeof(*ip))
		return verdict(ctx, AGENT_XDP_CNT_ip4_opt);
	/* Fragments after the first carry no ports: the kernel's. */
	if ((ip->frag_off & bpf_htons(0x1fff)) != 0)
		return verdict(ctx, AGENT_XDP_CNT_pass);
	if (dst_known(4, &ip->daddr, ip->protocol,
		      l4_dport((const void *)ip + hl, end, ip->protocol)))
		return verdict(ctx, AGENT_XDP_CNT_dst);
	return verdict(ctx, AGENT_XDP_CNT_pass);
}

static __always_inline int
do_ipv6(struct xdp_md *ctx, const struct ipv6hdr *ip6, const void *end)
{
	struct agent_xdp_loc lk;
	const __u8 *h = (const __u8 *)(ip6 + 1);
	__u8 nh = ip6->nexthdr;

	lk.prefixlen = 128;
	__builtin_memcpy(lk.addr, &ip6->daddr, 16);
	if (bpf_map_lookup_elem(&dsrlb_loc, &lk) != NULL)
		return verdict(ctx, AGENT_XDP_CNT_sid);
	/* RFC 8200 §4: walk Hop-by-Hop (0), Routing (43) and Fragment (44)
	 * to the upper layer; a dsrlb header (27, 28, 29) or a Destination
	 * Options header (60: encoding 2's option 0x1E, docs/wire-format.md)
	 * sends the packet to the agent. */
#pragma clang loop unroll(disable)
	for (int n = 0; n < IP6_MAX_HDRS; n++) {
		if (nh == 27 || nh == 28 || nh == 29 || nh == 60)
			return verdict(ctx, AGENT_XDP_CNT_ip6_ext);
		if (nh == 44) {
			if (h + 8 > (const __u8 *)end)
				return verdict(ctx, AGENT_XDP_CNT_pass);
			/* a later fragment: no ports, the kernel's */
			if ((((__u16)h[2] << 8 | h[3]) & 0xfff8) != 0)
				return verdict(ctx, AGENT_XDP_CNT_pass);
			nh = h[0];
			h += 8;
			continue;
		}
		if (nh != 0 && nh != 43)
			break;
		if (h + 2 > (const __u8 *)end)
			return verdict(ctx, AGENT_XDP_CNT_pass);
		nh = h[0];
		h += ((__u32)h[1] + 1) * 8;
	}
	if (dst_known(6, &ip6->daddr, nh, l4_dport(h, end, nh)))
		return verdict(ctx, AGENT_XDP_CNT_dst);
	return verdict(ctx, AGENT_XDP_CNT_pass);
}

SEC("xdp")
int
dsrlb_agent_xdp(struct xdp_md *ctx)
{
	const void *data = (const void *)(long)ctx->data;
	const void *end = (const void *)(long)ctx->data_end;
	const struct ethhdr *eth = data;
	const void *l3 = eth + 1;
	__u16 type;

	if (l3 > end)
		return verdict(ctx, AGENT_XDP_CNT_pass);
	type = eth->h_proto;
	/* one 802.1Q tag, as the agent's own parser takes */
	if (type == bpf_htons(ETH_P_8021Q)) {
		if (l3 + 4 > end)
			return verdict(ctx, AGENT_XDP_CNT_pass);
		type = *(const __u16 *)(l3 + 2);
		l3 += 4;
	}
	if (type == bpf_htons(ETH_P_IP)) {
		if (l3 + sizeof(struct iphdr) > end)
			return verdict(ctx, AGENT_XDP_CNT_pass);
		return do_ipv4(ctx, l3, end);
	}
	if (type == bpf_htons(ETH_P_IPV6)) {
		if (l3 + sizeof(struct ipv6hdr) > end)
			return verdict(ctx, AGENT_XDP_CNT_pass);
		return do_ipv6(ctx, l3, end);
	}
	return verdict(ctx, AGENT_XDP_CNT_pass);
}

char _license[] SEC("license") = "Dual BSD/GPL";

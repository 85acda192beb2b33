/* SPDX-License-Identifier: BSD-3-Clause */
/* The wire port on net_af_xdp: the agent's side of its XDP filter (see
 * agent_xdp.h and xdp/agent_xdp.bpf.c). */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "agent_xdp.h"
#include "xdp/agent_xdp.h"

#define AGENT_XDP_MAX_CPUS 1024

static const char *const cnt_names[AGENT_XDP_CNT_MAX] = {
#define AGENT_XDP_CNT_NAME(n, d) #n,
	AGENT_XDP_CNT_LIST(AGENT_XDP_CNT_NAME)
#undef AGENT_XDP_CNT_NAME
};

const char *
agent_xdp_counter_name(unsigned int k)
{
	return k < AGENT_XDP_CNT_MAX ? cnt_names[k] : "?";
}

/* The iface= devarg of a net_af_xdp port. */
static int
port_iface(uint16_t pid, char *name, size_t len)
{
	struct rte_eth_dev_info info;
	const struct rte_devargs *da;
	const char *a, *e;

	if (rte_eth_dev_info_get(pid, &info) != 0 || info.device == NULL)
		return -ENODEV;
	da = rte_dev_devargs(info.device);
	if (da == NULL || da->args == NULL)
		return -ENOENT;
	for (a = da->args; a != NULL && *a != '\0'; a = e) {
		size_t n;

		e = strchr(a, ',');
		n = e != NULL ? (size_t)(e - a) : strlen(a);
		if (n > 6 && strncmp(a, "iface=", 6) == 0) {
			if (n - 6 >= len)
				return -ENAMETOOLONG;
			memcpy(name, a + 6, n - 6);
			name[n - 6] = '\0';
			return 0;
		}
		if (e != NULL)
			e++;
	}
	return -ENOENT;
}

/* The fds of the maps of program @p prog_id named dsrlb_dst, dsrlb_loc,
 * dsrlb_xdp_cnt (-1 when absent). */
static int
find_maps(uint32_t prog_id, struct agent_xdp *x)
{
	struct bpf_prog_info pi;
	uint32_t ids[16], n, len = sizeof(pi);
	int pfd, ret;

	pfd = bpf_prog_get_fd_by_id(prog_id);
	if (pfd < 0)
		return -errno;
	memset(&pi, 0, sizeof(pi));
	pi.nr_map_ids = RTE_DIM(ids);
	pi.map_ids = (uint64_t)(uintptr_t)ids;
	ret = bpf_obj_get_info_by_fd(pfd, &pi, &len);
	close(pfd);
	if (ret != 0)
		return -errno;
	n = RTE_MIN(pi.nr_map_ids, (uint32_t)RTE_DIM(ids));
	for (uint32_t i = 0; i < n; i++) {
		struct bpf_map_info mi;
		uint32_t ml = sizeof(mi);
		int mfd = bpf_map_get_fd_by_id(ids[i]);
		int *slot = NULL;

		if (mfd < 0)
			continue;
		memset(&mi, 0, sizeof(mi));
		if (bpf_obj_get_info_by_fd(mfd, &mi, &ml) == 0) {
			if (strcmp(mi.name, AGENT_XDP_DST_MAP) == 0)
				slot = &x->dst_fd;
			else if (strcmp(mi.name, AGENT_XDP_LOC_MAP) == 0)
				slot = &x->loc_fd;
			/* map names are cut at 15 characters */
			else if (strncmp(mi.name, AGENT_XDP_CNT_MAP,
					 sizeof(mi.name) - 1) == 0)
				slot = &x->cnt_fd;
		}
		if (slot != NULL && *slot < 0)
			*slot = mfd;
		else
			close(mfd);
	}
	return 0;
}

static int
dst_add(struct agent_xdp *x, uint8_t family, const uint8_t *addr,
	uint8_t proto, uint16_t port)
{
	struct agent_xdp_dst k;
	uint8_t one = 1;

	memset(&k, 0, sizeof(k));
	memcpy(k.addr, addr, family == 4 ? 4 : 16);
	k.port_be = rte_cpu_to_be_16(port);
	k.proto = proto;
	k.family = family;
	if (bpf_map_update_elem(x->dst_fd, &k, &one, BPF_ANY) != 0)
		return -errno;
	x->n_dst++;
	return 0;
}

int
agent_xdp_clear_stale(const char *dev, char *msg, size_t msglen)
{
	struct rte_eth_dev_info info;
	struct agent_xdp x;
	char iface[IF_NAMESIZE];
	uint32_t prog_id = 0;
	unsigned int ifindex;
	uint16_t pid;
	int ret;

	msg[0] = '\0';
	if (rte_eth_dev_get_port_by_name(dev, &pid) != 0 ||
	    rte_eth_dev_info_get(pid, &info) != 0 ||
	    strcmp(info.driver_name, "net_af_xdp") != 0 ||
	    port_iface(pid, iface, sizeof(iface)) != 0)
		return 0;
	ifindex = if_nametoindex(iface);
	if (ifindex == 0 || bpf_xdp_query_id((int)ifindex, 0, &prog_id) != 0 ||
	    prog_id == 0)
		return 0;
	memset(&x, 0, sizeof(x));
	x.dst_fd = x.loc_fd = x.cnt_fd = -1;
	ret = find_maps(prog_id, &x);
	if (ret == 0 && x.dst_fd < 0) {
		snprintf(msg, msglen, "%s: XDP program %u is not the agent's: "
			 "left alone (the PMD will refuse to replace it)",
			 iface, prog_id);
		agent_xdp_close(&x);
		return 0;
	}
	agent_xdp_close(&x);
	/* The agent's own filter left by an agent that did not stop (a
	 * crash, SIGKILL: the PMD detaches it only on a clean close). It
	 * passes everything (its socket is gone), but the PMD attaches with
	 * XDP_FLAGS_UPDATE_IF_NOEXIST and would refuse to start. */
	if (bpf_xdp_detach((int)ifindex, 0, NULL) != 0) {
		snprintf(msg, msglen, "%s: stale XDP program %u not detached: "
			 "%s", iface, prog_id, strerror(errno));
		return -errno;
	}
	snprintf(msg, msglen, "%s: stale agent XDP program %u detached (an "
		 "agent that did not stop cleanly)", iface, prog_id);
	return 0;
}

int
agent_xdp_setup(uint16_t pid, const struct agent_config *cfg,
		struct agent_xdp *x, char *err, size_t errlen)
{
	struct rte_eth_dev_info info;
	uint32_t prog_id = 0;
	int ret;

	memset(x, 0, sizeof(*x));
	x->dst_fd = x->loc_fd = x->cnt_fd = -1;
	if (rte_eth_dev_info_get(pid, &info) != 0 ||
	    strcmp(info.driver_name, "net_af_xdp") != 0)
		return 0;               /* not an AF_XDP port: nothing to do */
	x->on = true;
	ret = port_iface(pid, x->iface, sizeof(x->iface));
	if (ret != 0) {
		snprintf(err, errlen, "net_af_xdp port without iface=: %s",
			 strerror(-ret));
		return ret;
	}
	x->ifindex = if_nametoindex(x->iface);
	if (x->ifindex == 0 ||
	    bpf_xdp_query_id((int)x->ifindex, 0, &prog_id) != 0 ||
	    prog_id == 0) {
		snprintf(err, errlen, "%s: no XDP program attached (%s)",
			 x->iface, strerror(errno));
		return -ENOENT;
	}
	x->prog_id = prog_id;
	ret = find_maps(prog_id, x);
	if (ret != 0) {
		snprintf(err, errlen, "%s: XDP program %u: %s", x->iface,
			 prog_id, strerror(-ret));
		return ret;
	}
	if (x->dst_fd < 0 || x->loc_fd < 0) {
		/* The PMD's default program (no xdp_prog=): every frame of
		 * the queue goes to the agent, as with af_packet. Allowed,
		 * but the kernel then reaches the NIC only through the tap. */
		x->filter = false;
		return 0;
	}
	x->filter = true;
	for (uint32_t i = 0; i < cfg->n_vips; i++) {
		const struct agent_vip_conf *v = &cfg->vip[i];

		ret = dst_add(x, v->family, v->addr, v->proto, v->port);
		if (ret == 0 && v->has_leg)
			ret = dst_add(x, v->family, v->leg, v->proto, v->port);
		if (ret != 0) {
			snprintf(err, errlen, "%s: XDP map %s, VIP %s: %s",
				 x->iface, AGENT_XDP_DST_MAP, v->name,
				 strerror(-ret));
			return ret;
		}
	}
	if (cfg->has_locator) {
		struct agent_xdp_loc k;
		uint8_t one = 1;

		memset(&k, 0, sizeof(k));
		k.prefixlen = cfg->srv6.locator_bits;
		memcpy(k.addr, cfg->locator, 16);
		if (bpf_map_update_elem(x->loc_fd, &k, &one, BPF_ANY) != 0) {
			snprintf(err, errlen, "%s: XDP map %s: %s", x->iface,
				 AGENT_XDP_LOC_MAP, strerror(errno));
			return -errno;
		}
		x->n_loc = 1;
	}
	return 0;
}

int
agent_xdp_counters(const struct agent_xdp *x, uint64_t out[AGENT_XDP_CNT_MAX])
{
	static uint64_t per_cpu[AGENT_XDP_MAX_CPUS];
	int ncpu = libbpf_num_possible_cpus();

	memset(out, 0, sizeof(uint64_t) * AGENT_XDP_CNT_MAX);
	if (x->cnt_fd < 0 || ncpu <= 0 || ncpu > AGENT_XDP_MAX_CPUS)
		return -ENOENT;
	for (uint32_t k = 0; k < AGENT_XDP_CNT_MAX; k++) {
		if (bpf_map_lookup_elem(x->cnt_fd, &k, per_cpu) != 0)
			return -errno;
		for (int c = 0; c < ncpu; c++)
			out[k] += per_cpu[c];
	}
	return 0;
}

void
agent_xdp_close(struct agent_xdp *x)
{
	if (x->dst_fd >= 0)
		close(x->dst_fd);
	if (x->loc_fd >= 0)
		close(x->loc_fd);
	if (x->cnt_fd >= 0)
		close(x->cnt_fd);
	x->dst_fd = x->loc_fd = x->cnt_fd = -1;
}

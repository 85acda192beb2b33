/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry endpoints /dsrlb/... (see telemetry.h). They run in
 * DPDK's telemetry thread, under the console's lock, and read the
 * workers' views (publish.h), never the workers.
 */
#include <stdio.h>
#include <string.h>

#include <rte_telemetry.h>

#include "announce.h"
#include "console.h"
#include "publish.h"
#include "telemetry.h"

static const struct console_driver *drv;

/* The workers' views, refreshed with @p mask (under the lock). */
static struct lb_worker *const *
views(unsigned int mask)
{
	(void)pub_views_refresh(*drv->state, mask, CONSOLE_VIEW_TIMEOUT_MS);
	return pub_views();
}

static int
tel_counters(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct lb_worker *const *vw;
	(void)cmd;
	(void)params;
	console_lock();
	vw = views(LB_VIEW_COUNTERS);
	rte_tel_data_start_dict(d);
	for (unsigned int c = 0; c < LB_CNT_MAX; c++) {
		uint64_t t = 0;

		for (unsigned int i = 0; i < drv->n_w; i++)
			t += vw[i]->cnt[c];
		rte_tel_data_add_dict_u64(d, lb_counter_name(c), t);
	}
	console_unlock();
	return 0;
}

static int
tel_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct lb_worker *const *vw;
	(void)cmd;
	(void)params;
	console_lock();
	vw = views(LB_VIEW_COUNTERS);
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < drv->n_w; i++) {
		struct rte_tel_data *l = rte_tel_data_alloc();
		char name[16];

		if (l == NULL)
			break;
		rte_tel_data_start_dict(l);
		rte_tel_data_add_dict_u64(l, "rx", vw[i]->cnt[LB_CNT_rx]);
		rte_tel_data_add_dict_u64(l, "tx_backend",
					  vw[i]->cnt[LB_CNT_tx_backend]);
		rte_tel_data_add_dict_u64(l, "tx_client",
					  vw[i]->cnt[LB_CNT_tx_client]);
		rte_tel_data_add_dict_u64(l, "handoff",
					  vw[i]->cnt[LB_CNT_handoff]);
		rte_tel_data_add_dict_u64(l, "flows",
					  flow_table_count(&vw[i]->ft));
		snprintf(name, sizeof(name), "%u", drv->w_lcore[i]);
		rte_tel_data_add_dict_container(d, name, l, 0);
	}
	console_unlock();
	return 0;
}

static int
tel_vips(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct lb_state *st;

	(void)cmd;
	(void)params;
	console_lock();
	st = *drv->state;
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	for (uint32_t v = 0; v < st->n_vips; v++)
		if (!st->vip[v].conf.removed)
			rte_tel_data_add_array_string(d, st->vip[v].conf.name);
	console_unlock();
	return 0;
}

static int
find_vip_locked(const char *name)
{
	const struct lb_state *st = *drv->state;

	for (uint32_t v = 0; name != NULL && v < st->n_vips; v++)
		if (!st->vip[v].conf.removed &&
		    strcmp(st->vip[v].conf.name, name) == 0)
			return (int)v;
	return -1;
}

static int
tel_vip(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct lb_worker *const *vw;
	const struct lb_vip_rt *vr;
	struct lb_vip_counters vc = { 0 };
	char ab[64];
	int v;

	(void)cmd;
	console_lock();
	vw = views(LB_VIEW_COUNTERS);
	v = find_vip_locked(params);
	if (v < 0) {
		console_unlock();
		return -1;
	}
	vr = &(*drv->state)->vip[v];
	for (unsigned int i = 0; i < drv->n_w; i++) {
#define ADD_V(n, dd) vc.n += vw[i]->vip[v].cnt.n;
		LB_VIP_COUNTER_LIST(ADD_V)
#undef ADD_V
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "address",
				     lb_addr_fmt(&vr->conf.addr, ab,
						 sizeof(ab)));
	rte_tel_data_add_dict_int(d, "port", vr->conf.port);
	rte_tel_data_add_dict_string(d, "mode",
				     lb_policy_name(vr->conf.policy));
	rte_tel_data_add_dict_string(d, "transport",
				     lb_transport_name(vr->conf.transport));
	rte_tel_data_add_dict_u64(d, "active_backends", vr->n_active);
	rte_tel_data_add_dict_u64(d, "chash_digest",
				  atomic_load(&vr->ch1) ?
				  chash_digest(atomic_load(&vr->ch1)) : 0);
#define TEL_V(n, dd) rte_tel_data_add_dict_u64(d, #n, vc.n);
	LB_VIP_COUNTER_LIST(TEL_V)
#undef TEL_V
	console_unlock();
	return 0;
}

static int
tel_backends(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct lb_worker *const *vw;
	const struct lb_vip_rt *vr;
	int v;

	(void)cmd;
	console_lock();
	vw = views(LB_VIEW_COUNTERS | LB_VIEW_SCORES);
	v = find_vip_locked(params);
	if (v < 0) {
		console_unlock();
		return -1;
	}
	vr = &(*drv->state)->vip[v];
	rte_tel_data_start_dict(d);
	for (uint32_t b = 0; b < vr->conf.n_backends; b++) {
		struct rte_tel_data *x;
		struct lb_be_counters bc = { 0 };
		uint16_t score = 0;
		char ab[64];

		if (vr->be[b].conf.removed)
			continue;
		x = rte_tel_data_alloc();
		if (x == NULL)
			break;
		for (unsigned int i = 0; i < drv->n_w; i++) {
#define ADD_B(n, dd) bc.n += vw[i]->vip[v].be_cnt[b].n;
			LB_BE_COUNTER_LIST(ADD_B)
#undef ADD_B
		}
		(void)busy_select_score(vw[0]->vip[v].busy, b,
					drv->now_ns(), &score);
		rte_tel_data_start_dict(x);
		rte_tel_data_add_dict_string(x, "address",
			lb_addr_fmt(&vr->be[b].conf.addr, ab, sizeof(ab)));
		rte_tel_data_add_dict_int(x, "weight", vr->be[b].conf.weight);
		rte_tel_data_add_dict_string(x, "state",
			vr->be[b].state == SELECT_BACKEND_ACTIVE ? "active" :
			vr->be[b].state == SELECT_BACKEND_DRAINED ? "drained" :
								   "removed");
		rte_tel_data_add_dict_u64(x, "score", score);
#define TEL_B(n, dd) rte_tel_data_add_dict_u64(x, #n, bc.n);
		LB_BE_COUNTER_LIST(TEL_B)
#undef TEL_B
		rte_tel_data_add_dict_container(d, vr->be[b].conf.name, x, 0);
	}
	console_unlock();
	return 0;
}

static int
tel_announce(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	console_lock();
	announce_tel(d, *drv->state);
	console_unlock();
	return 0;
}

void
telemetry_init(const struct console_driver *d)
{
	drv = d;
	(void)rte_telemetry_register_cmd("/dsrlb/counters", tel_counters,
		"Every counter of the appliance, summed over its lcores");
	(void)rte_telemetry_register_cmd("/dsrlb/lcores", tel_lcores,
		"Per worker lcore: packets in and out, hand-offs, flows");
	(void)rte_telemetry_register_cmd("/dsrlb/vips", tel_vips,
		"Names of the VIPs");
	(void)rte_telemetry_register_cmd("/dsrlb/vip", tel_vip,
		"One VIP's settings and counters. Parameters: VIP name");
	(void)rte_telemetry_register_cmd("/dsrlb/backends", tel_backends,
		"Backends of a VIP: weight, state, score, counters. "
		"Parameters: VIP name");
	(void)rte_telemetry_register_cmd("/dsrlb/announce", tel_announce,
		"BGP announcements: appliance state, counters, per VIP "
		"announced or not, why, consistent-hash digest");
}

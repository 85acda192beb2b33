/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus metrics (see metrics.h). The text exposition format 0.0.4:
 * "# HELP name text", "# TYPE name counter|gauge", then one line per
 * sample "name{label="value",...} number"; every family's samples follow
 * its TYPE line (https://prometheus.io/docs/instrumenting/exposition_formats/).
 * Counters are the workers' raw monotonic values ("clear counters" on the
 * console only moves the console's baseline), so rate() stays right.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>
#include <rte_ethdev.h>
#include <rte_log.h>

#include "dsrlb/busy_select.h"
#include "dsrlb/chash.h"
#include "dsrlb/lb_announce.h"
#include "dsrlb/lb_endpoint.h"
#include "dsrlb/lb_health.h"
#include "dsrlb/lb_view.h"
#include "dsrlb/wire_result.h"
#include "console.h"
#include "log.h"
#include "metrics.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

static struct metrics_driver drv;
/* the workers' views of the scrape in progress (under drv.lock) */
static struct lb_worker *const *vw;
static struct MHD_Daemon *daemon_h;

/* ---- a growing text buffer ------------------------------------------------ */

struct text {
	char *s;
	size_t len, cap;
	bool oom;
};

static void __attribute__((format(printf, 2, 3)))
tprintf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->oom)
		return;
	for (;;) {
		size_t room = t->cap - t->len;

		va_start(ap, fmt);
		n = vsnprintf(t->s + t->len, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->oom = true;
			return;
		}
		if ((size_t)n < room) {
			t->len += (size_t)n;
			return;
		}
		{
			size_t cap = t->cap * 2 + (size_t)n + 1;
			char *s = realloc(t->s, cap);

			if (s == NULL) {
				t->oom = true;
				return;
			}
			t->s = s;
			t->cap = cap;
		}
	}
}

/* A label value with \ " and newline escaped (the format's rule). */
static const char *
esc(const char *in, char *buf, size_t len)
{
	size_t o = 0;

	for (; *in != '\0' && o + 3 < len; in++) {
		if (*in == '\\' || *in == '"') {
			buf[o++] = '\\';
			buf[o++] = *in;
		} else if (*in == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else {
			buf[o++] = *in;
		}
	}
	buf[o] = '\0';
	return buf;
}

static void
family(struct text *t, const char *name, const char *type, const char *help)
{
	tprintf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* ---- the families ----------------------------------------------------------- */

/* Worker counters by kind: every frame ends in exactly one tx_*, drop_*
 * or handoff counter (lb_engine.h), so drops share one family with a
 * reason label and transmissions one with a kind label. */
static void
render_lcores(struct text *t)
{
	static const char *const pfx[] = { "drop_", "tx_" };
	static const char *const fam[] = { "dsrlb_drops_total",
					   "dsrlb_tx_frames_total" };
	static const char *const lbl[] = { "reason", "kind" };
	static const char *const help[] = {
		"Frames dropped, by reason (docs/operations.md)",
		"Frames transmitted, by kind (backend, client, neigh, "
		"neigh_request)",
	};

	for (unsigned int f = 0; f < 2; f++) {
		family(t, fam[f], "counter", help[f]);
		for (unsigned int c = 0; c < LB_CNT_MAX; c++) {
			const char *n = lb_counter_name(c);

			if (strncmp(n, pfx[f], strlen(pfx[f])) != 0)
				continue;
			for (unsigned int i = 0; i < drv.n_w; i++)
				tprintf(t, "%s{lcore=\"%u\",%s=\"%s\"} %" PRIu64
					"\n", fam[f], drv.w_lcore[i], lbl[f],
					n + strlen(pfx[f]), vw[i]->cnt[c]);
		}
		if (f == 0 && drv.worker_drops != NULL)
			for (unsigned int i = 0; i < drv.n_w; i++) {
				struct metrics_worker_drops d = { 0 };

				drv.worker_drops(i, &d);
				tprintf(t, "%s{lcore=\"%u\",reason=\"tx_queue_full\"} "
					"%" PRIu64 "\n%s{lcore=\"%u\",reason="
					"\"handoff_ring_full\"} %" PRIu64 "\n"
					"%s{lcore=\"%u\",reason=\"chained\"} %"
					PRIu64 "\n", fam[f], drv.w_lcore[i],
					d.tx_queue_full, fam[f], drv.w_lcore[i],
					d.handoff_ring_full, fam[f],
					drv.w_lcore[i], d.chained);
			}
	}
	/* every other worker counter: a family of its own */
	for (unsigned int c = 0; c < LB_CNT_MAX; c++) {
		const char *n = lb_counter_name(c);
		char name[96];

		if (strncmp(n, "drop_", 5) == 0 || strncmp(n, "tx_", 3) == 0)
			continue;
		snprintf(name, sizeof(name), "dsrlb_%s%s_total", n,
			 strcmp(n, "rx") == 0 ? "_frames" : "");
		family(t, name, "counter", lb_counter_desc(c));
		for (unsigned int i = 0; i < drv.n_w; i++)
			tprintf(t, "%s{lcore=\"%u\"} %" PRIu64 "\n", name,
				drv.w_lcore[i], vw[i]->cnt[c]);
	}
	family(t, "dsrlb_malformed_total", "counter",
	       "Malformed frames by parser result (drop_malformed in detail)");
	for (unsigned int r = 1; r < WIRE_RESULT_MAX; r++) {
		char lc[64];
		const char *n = wire_result_name((enum wire_result)r);
		size_t k;

		for (k = 0; n[k] != '\0' && k + 1 < sizeof(lc); k++)
			lc[k] = (char)(n[k] >= 'A' && n[k] <= 'Z' ?
				       n[k] - 'A' + 'a' : n[k]);
		lc[k] = '\0';
		for (unsigned int i = 0; i < drv.n_w; i++)
			tprintf(t, "dsrlb_malformed_total{lcore=\"%u\","
				"reason=\"%s\"} %" PRIu64 "\n", drv.w_lcore[i],
				lc, vw[i]->wire[r]);
	}
	/* flow tables */
	family(t, "dsrlb_flows", "gauge", "Flows in the lcore's flow table");
	for (unsigned int i = 0; i < drv.n_w; i++)
		tprintf(t, "dsrlb_flows{lcore=\"%u\"} %u\n", drv.w_lcore[i],
			flow_table_count(&vw[i]->ft));
	family(t, "dsrlb_flow_table_capacity", "gauge",
	       "Largest number of flows of the lcore's flow table");
	for (unsigned int i = 0; i < drv.n_w; i++)
		tprintf(t, "dsrlb_flow_table_capacity{lcore=\"%u\"} %u\n",
			drv.w_lcore[i], vw[i]->ft.capacity);
#define FT_FAMILY(n) \
	family(t, "dsrlb_flow_table_" #n "_total", "counter", \
	       "Flow table: " #n " (flow_table.h)"); \
	for (unsigned int i = 0; i < drv.n_w; i++) \
		tprintf(t, "dsrlb_flow_table_" #n "_total{lcore=\"%u\"} %" \
			PRIu64 "\n", drv.w_lcore[i], \
			(uint64_t)vw[i]->ft.stats.n);
	FLOW_TABLE_STATS(FT_FAMILY)
#undef FT_FAMILY
}

static void
render_ports(struct text *t, const struct lb_state *st)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} f[] = {
		{ "dsrlb_port_rx_packets_total", "Packets received",
		  offsetof(struct rte_eth_stats, ipackets) },
		{ "dsrlb_port_tx_packets_total", "Packets transmitted",
		  offsetof(struct rte_eth_stats, opackets) },
		{ "dsrlb_port_rx_bytes_total", "Bytes received",
		  offsetof(struct rte_eth_stats, ibytes) },
		{ "dsrlb_port_tx_bytes_total", "Bytes transmitted",
		  offsetof(struct rte_eth_stats, obytes) },
		{ "dsrlb_port_rx_missed_total",
		  "Packets the device dropped (RX queues full)",
		  offsetof(struct rte_eth_stats, imissed) },
		{ "dsrlb_port_rx_errors_total", "Erroneous received packets",
		  offsetof(struct rte_eth_stats, ierrors) },
		{ "dsrlb_port_tx_errors_total", "Failed transmissions",
		  offsetof(struct rte_eth_stats, oerrors) },
		{ "dsrlb_port_rx_nombuf_total", "RX mbuf allocation failures",
		  offsetof(struct rte_eth_stats, rx_nombuf) },
	};
	struct rte_eth_stats es[LB_MAX_PORTS];
	bool ok[LB_MAX_PORTS];
	char e1[96], e2[96];

	family(t, "dsrlb_port_info", "gauge",
	       "A configured port: its device and role (value 1)");
	for (uint32_t p = 0; p < st->n_ports; p++) {
		const struct lb_port_conf *pc = &st->port[p].conf;

		ok[p] = rte_eth_stats_get(drv.port_id[p], &es[p]) == 0;
		tprintf(t, "dsrlb_port_info{port=\"%s\",dev=\"%s\",role=\"%s\"} 1\n",
			esc(pc->name, e1, sizeof(e1)),
			esc(pc->dev, e2, sizeof(e2)),
			pc->role == LB_ROLE_CLIENT ? "client" :
			pc->role == LB_ROLE_SERVER ? "server" : "both");
	}
	for (unsigned int k = 0; k < RTE_DIM(f); k++) {
		family(t, f[k].name, "counter", f[k].help);
		for (uint32_t p = 0; p < st->n_ports; p++) {
			uint64_t v;

			if (!ok[p])
				continue;
			memcpy(&v, (const char *)&es[p] + f[k].off, sizeof(v));
			tprintf(t, "%s{port=\"%s\"} %" PRIu64 "\n", f[k].name,
				esc(st->port[p].conf.name, e1, sizeof(e1)), v);
		}
	}
}

static const char *
be_state_name(uint8_t s)
{
	return s == SELECT_BACKEND_ACTIVE ? "active" :
	       s == SELECT_BACKEND_DRAINED ? "drained" : "removed";
}

static void
render_vips(struct text *t, const struct lb_state *st, uint64_t now)
{
	static const char *const states[] = { "active", "drained", "removed" };
	char ev[96], eb[96], ab[64];

	family(t, "dsrlb_vip_info", "gauge",
	       "A VIP: address, port, protocol, policy, transport (value 1)");
	for (uint32_t v = 0; v < st->n_vips; v++) {
		const struct lb_vip_conf *vc = &st->vip[v].conf;

		tprintf(t, "dsrlb_vip_info{vip=\"%s\",address=\"%s\",port=\"%u\","
			"proto=\"%s\",policy=\"%s\",transport=\"%s\"} 1\n",
			esc(vc->name, ev, sizeof(ev)),
			lb_addr_fmt(&vc->addr, ab, sizeof(ab)), vc->port,
			vc->quic ? "quic" : vc->proto == 6 ? "tcp" : "udp",
			lb_policy_name(vc->policy),
			lb_transport_name(vc->transport));
	}
	family(t, "dsrlb_vip_backends_active", "gauge",
	       "Backends of the VIP taking new flows");
	for (uint32_t v = 0; v < st->n_vips; v++)
		tprintf(t, "dsrlb_vip_backends_active{vip=\"%s\"} %u\n",
			esc(st->vip[v].conf.name, ev, sizeof(ev)),
			st->vip[v].n_active);
#define VIP_FAMILY(n, d) \
	family(t, "dsrlb_vip_" #n "_total", "counter", "VIP: " d); \
	for (uint32_t v = 0; v < st->n_vips; v++) { \
		uint64_t sum = 0; \
		for (unsigned int i = 0; i < drv.n_w; i++) \
			sum += vw[i]->vip[v].cnt.n; \
		tprintf(t, "dsrlb_vip_" #n "_total{vip=\"%s\"} %" PRIu64 "\n", \
			esc(st->vip[v].conf.name, ev, sizeof(ev)), sum); \
	}
	LB_VIP_COUNTER_LIST(VIP_FAMILY)
#undef VIP_FAMILY
	/* backends: every slot, removed ones too (their pinned flows go on
	 * until they end) */
#define FOR_BE(body) \
	for (uint32_t v = 0; v < st->n_vips; v++) \
		for (uint32_t b = 0; b < st->vip[v].conf.n_backends; b++) { \
			const struct lb_vip_rt *vr = &st->vip[v]; \
			esc(vr->conf.name, ev, sizeof(ev)); \
			esc(vr->be[b].conf.name, eb, sizeof(eb)); \
			body \
		}
#define BE_FAMILY(n, d) \
	family(t, "dsrlb_backend_" #n "_total", "counter", "Backend: " d); \
	FOR_BE({ \
		uint64_t sum = 0; \
		for (unsigned int i = 0; i < drv.n_w; i++) \
			sum += vw[i]->vip[v].be_cnt[b].n; \
		tprintf(t, "dsrlb_backend_" #n "_total{vip=\"%s\"," \
			"backend=\"%s\"} %" PRIu64 "\n", ev, eb, sum); \
	})
	LB_BE_COUNTER_LIST(BE_FAMILY)
#undef BE_FAMILY
	family(t, "dsrlb_backend_state", "gauge",
	       "Backend state: 1 for the state it is in (active, drained, "
	       "removed)");
	FOR_BE({
		for (unsigned int s = 0; s < RTE_DIM(states); s++)
			tprintf(t, "dsrlb_backend_state{vip=\"%s\",backend=\"%s\","
				"state=\"%s\"} %d\n", ev, eb, states[s],
				strcmp(states[s],
				       be_state_name(vr->be[b].state)) == 0);
	})
	if (drv.health != NULL) {
		static const char *const hs[] = { "up", "suspect", "down" };

		family(t, "dsrlb_backend_health", "gauge",
		       "Passive health (docs/health.md): 1 for the state it "
		       "is in (up, suspect, down; an operator override "
		       "counts)");
		FOR_BE({
			const struct lb_health_be *h =
				lb_health_get(drv.health, v, b);
			unsigned int cur = h == NULL ? 0 :
				lb_health_is_down(h) ? 2u : h->state;

			for (unsigned int s = 0; s < RTE_DIM(hs); s++)
				tprintf(t, "dsrlb_backend_health{vip=\"%s\","
					"backend=\"%s\",state=\"%s\"} %d\n",
					ev, eb, hs[s], s == cur);
		})
		family(t, "dsrlb_backend_health_downs_total", "counter",
		       "Times the health monitor took the backend out of "
		       "rotation");
		FOR_BE({
			const struct lb_health_be *h =
				lb_health_get(drv.health, v, b);

			tprintf(t, "dsrlb_backend_health_downs_total{vip=\"%s\","
				"backend=\"%s\"} %u\n", ev, eb,
				h != NULL ? h->n_down : 0u);
		})
	}
	family(t, "dsrlb_backend_weight", "gauge",
	       "Configured weight of the backend");
	FOR_BE({
		tprintf(t, "dsrlb_backend_weight{vip=\"%s\",backend=\"%s\"} %u\n",
			ev, eb, vr->be[b].conf.weight);
	})
	family(t, "dsrlb_backend_table_weight", "gauge",
	       "Weight the VIP's consistent-hash table was built with (the "
	       "latency controller's output for latency-feedback VIPs)");
	FOR_BE({
		const struct chash_table *ct = atomic_load_explicit(
			&vr->ch1, memory_order_acquire);

		if (ct != NULL && b < ct->n)
			tprintf(t, "dsrlb_backend_table_weight{vip=\"%s\","
				"backend=\"%s\"} %u\n", ev, eb,
				ct->members[b].weight);
	})
	family(t, "dsrlb_backend_table_share", "gauge",
	       "Share of the consistent-hash table's buckets whose first "
	       "choice is the backend (0..1)");
	FOR_BE({
		const struct chash_table *ct = atomic_load_explicit(
			&vr->ch1, memory_order_acquire);

		if (ct != NULL && b < ct->n && ct->m > 0)
			tprintf(t, "dsrlb_backend_table_share{vip=\"%s\","
				"backend=\"%s\"} %.6f\n", ev, eb,
				(double)ct->members[b].owned_first / ct->m);
	})
	family(t, "dsrlb_backend_score", "gauge",
	       "Busyness score of the backend (dsr-feedback, hunt; 0: none "
	       "fresh), as lcore 0 sees it");
	FOR_BE({
		uint16_t score = 0;
		int fresh = vw[0]->vip[v].busy == NULL ? 0 :
			    busy_select_score(vw[0]->vip[v].busy, b, now,
					      &score);

		tprintf(t, "dsrlb_backend_score{vip=\"%s\",backend=\"%s\"} %u\n",
			ev, eb, fresh > 0 ? score : 0);
	})
	family(t, "dsrlb_backend_latency_seconds", "gauge",
	       "Latency estimate of the backend merged over the lcores "
	       "(latency-feedback VIPs; 0: no sample)");
	FOR_BE({
		if (vr->conf.policy == LB_POLICY_LATENCY)
			tprintf(t, "dsrlb_backend_latency_seconds{vip=\"%s\","
				"backend=\"%s\"} %.9f\n", ev, eb,
				(double)lb_latency_estimate(vw, drv.n_w, v, b,
							    now) / 1e9);
	})
#undef FOR_BE
}

/* BGP announcements (lb_announce.h): per VIP announced or not, the
 * appliance's drain, the changes told to the routing daemon. */
static void
render_announce(struct text *t, const struct lb_state *st)
{
	const struct lb_announce *a = drv.ann;
	char ev[96];

	if (a == NULL)
		return;
	family(t, "dsrlb_appliance_drained", "gauge",
	       "1 while the operator drained the appliance (appliance drain)");
	tprintf(t, "dsrlb_appliance_drained %d\n", a->appliance_drained);
	family(t, "dsrlb_vip_announced", "gauge",
	       "1 while the VIP's route is announced to the routing daemon "
	       "(announce = bgp)");
	for (uint32_t v = 0; v < st->n_vips && v < LB_MAX_VIPS; v++)
		if (st->vip[v].conf.announce == LB_ANNOUNCE_BGP)
			tprintf(t, "dsrlb_vip_announced{vip=\"%s\"} %d\n",
				esc(st->vip[v].conf.name, ev, sizeof(ev)),
				a->told[v] == LB_ANN_TOLD_UP);
	family(t, "dsrlb_announce_changes_total", "counter",
	       "Announcements, withdrawals and failed commands sent to the "
	       "routing daemon");
	tprintf(t, "dsrlb_announce_changes_total{change=\"announce\"} %"
		PRIu64 "\n", a->n_announce);
	tprintf(t, "dsrlb_announce_changes_total{change=\"withdraw\"} %"
		PRIu64 "\n", a->n_withdraw);
	tprintf(t, "dsrlb_announce_changes_total{change=\"fail\"} %"
		PRIu64 "\n", a->n_fail);
}

/* The whole page; the caller frees t->s. */
static void
render(struct text *t)
{
	const struct lb_state *st;
	uint64_t now = drv.now_ns();

	family(t, "dsrlb_build_info", "gauge",
	       "The running dsrlb's version (value 1)");
	tprintf(t, "dsrlb_build_info{version=\"%s\"} 1\n", DSRLB_VERSION);
	family(t, "dsrlb_workers", "gauge", "Worker lcores");
	tprintf(t, "dsrlb_workers %u\n", drv.n_w);
	family(t, "dsrlb_state_generation", "gauge",
	       "Live changes applied since start (state generation)");
	tprintf(t, "dsrlb_state_generation %" PRIu64 "\n",
		atomic_load(&console_changes));
	drv.lock();
	vw = drv.views(LB_VIEW_COUNTERS | LB_VIEW_SCORES | LB_VIEW_LATENCY);
	st = *drv.state;
	render_lcores(t);
	render_ports(t, st);
	render_vips(t, st, now);
	render_announce(t, st);
	drv.unlock();
}

/* ---- HTTP ---------------------------------------------------------------- */

static enum MHD_Result
answer(struct MHD_Connection *c, unsigned int code, const char *type,
       char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, mode);
	if (r == NULL)
		return MHD_NO;
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
	   const char *method, const char *version, const char *upload,
	   size_t *upload_len, void **con_cls)
{
	static char not_found[] = "dsrlb: metrics are at /metrics\n";
	static char bad_method[] = "dsrlb: GET only\n";
	struct text t = { 0 };

	(void)cls;
	(void)version;
	(void)upload;
	(void)upload_len;
	(void)con_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return answer(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
			      bad_method, strlen(bad_method),
			      MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics") != 0)
		return answer(c, MHD_HTTP_NOT_FOUND, "text/plain", not_found,
			      strlen(not_found), MHD_RESPMEM_PERSISTENT);
	render(&t);
	if (t.oom) {
		free(t.s);
		return MHD_NO;
	}
	return answer(c, MHD_HTTP_OK, CONTENT_TYPE, t.s, t.len,
		      MHD_RESPMEM_MUST_FREE);
}

int
metrics_start(const struct metrics_driver *d)
{
	struct sockaddr_storage ss;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD |
			     MHD_USE_ERROR_LOG;
	const struct lb_config *c = d->cfg;
	char ep[96];

	drv = *d;
	if (c->metrics_port == 0)
		return 0;
	memset(&ss, 0, sizeof(ss));
	if (c->metrics_addr.family == 6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(c->metrics_port);
		memcpy(&s6->sin6_addr, c->metrics_addr.a, 16);
		flags |= MHD_USE_IPv6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(c->metrics_port);
		memcpy(&s4->sin_addr, c->metrics_addr.a, 4);
	}
	lb_endpoint_fmt(&(struct lb_endpoint){ c->metrics_addr,
					       c->metrics_port }, ep,
			sizeof(ep));
	/* A few scrapers at a time; a stuck one is cut after 10 s. */
	daemon_h = MHD_start_daemon(flags, c->metrics_port, NULL, NULL,
				    on_request, NULL,
				    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				    MHD_OPTION_CONNECTION_LIMIT, 16u,
				    MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				    MHD_OPTION_END);
	if (daemon_h == NULL) {
		DSRLB_LOG(ERR, lb, "metrics: cannot listen on %s\n", ep);
		return -1;
	}
	DSRLB_LOG(INFO, lb, "metrics: serving http://%s/metrics\n", ep);
	return 0;
}

void
metrics_stop(void)
{
	if (daemon_h != NULL) {
		MHD_stop_daemon(daemon_h);
		daemon_h = NULL;
	}
}

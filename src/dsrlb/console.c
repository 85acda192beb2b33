/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's control plane thread (see console.h). One thread owns
 * every change: it runs the commands, builds states aside and waits until
 * each worker adopted the new one before freeing the old, steps the
 * latency controllers and writes captures. DPDK telemetry callbacks run
 * in DPDK's telemetry thread and take the same lock.
 */
/* rte_pcapng is still experimental in DPDK 22.11. */
#define ALLOW_EXPERIMENTAL_API 1

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_string.h>
#include <cmdline_rdline.h>
#include <cmdline_socket.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_pcapng.h>
#include <rte_ring.h>
#include <rte_telemetry.h>

#include "console.h"
#include "dsrlb/chash.h"
#include "dsrlb/lb_ctl.h"
#include "dsrlb/lb_latency.h"

#define MAX_CLIENTS     8
#define CLIENT_BUF      2048
#define LAT_PERIOD_NS   10000000ull   /* latency control step (HotNets'22) */
#define CAP_RING        4096
#define CAP_MBUFS       2047

_Atomic uint64_t console_gen;
struct lb_state *_Atomic console_next_state;
_Atomic int console_capture_port = -1;

static struct console_driver drv;
static struct console_opts copts;
static pthread_t thread;
static volatile bool thread_run;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct lb_ctl_base *bases;
static struct lb_latency lat;
static struct lb_ctl_env env;
static _Atomic uint64_t *acked;

/* control socket */
static int lsock = -1;
static struct client {
	int fd;
	size_t len;
	char buf[CLIENT_BUF];
} clients[MAX_CLIENTS];

/* interactive console */
static struct cmdline *term;

/* capture */
static struct rte_ring *cap_ring;
static struct rte_mempool *cap_pool;
static rte_pcapng_t *cap_w;
static uint32_t cap_snap;
static _Atomic uint64_t cap_written, cap_dropped;
static char cap_file[256];

/* ---- output sinks ------------------------------------------------------- */

static void
out_stdout(void *arg, const char *s, size_t n)
{
	(void)arg;
	fwrite(s, 1, n, stdout);
	fflush(stdout);
}

static void
out_fd(void *arg, const char *s, size_t n)
{
	int fd = *(int *)arg;

	while (n > 0) {
		ssize_t k = send(fd, s, n, MSG_NOSIGNAL);

		if (k <= 0)
			return;
		s += k;
		n -= (size_t)k;
	}
}

static void
out_cmdline(void *arg, const char *s, size_t n)
{
	cmdline_printf(arg, "%.*s", (int)n, s);
}

/* ---- live reconfiguration ------------------------------------------------ */

void
console_worker_ack(unsigned int w, uint64_t gen)
{
	atomic_store_explicit(&acked[w], gen, memory_order_release);
}

/* Publish @p st as the next state and wait until every worker adopted it
 * (each does between two bursts). */
static void
publish_and_wait(struct lb_state *st)
{
	uint64_t g;

	atomic_store_explicit(&console_next_state, st, memory_order_release);
	g = atomic_fetch_add_explicit(&console_gen, 1,
				      memory_order_acq_rel) + 1;
	for (unsigned int i = 0; i < drv.n_w; i++)
		while (atomic_load_explicit(&acked[i], memory_order_acquire) !=
		       g && !*drv.quit)
			rte_delay_us_sleep(100);
}

static int
apply(void *arg, struct lb_config *next, char *err, size_t len)
{
	struct lb_state *old = *drv.state, *nst = NULL;
	struct lat_ctl_conf lc;
	struct lb_latency nlat;

	(void)arg;
	if (lb_state_build_next(&nst, next, drv.port_mac, old, err,
				(unsigned int)len) != 0)
		return -1;
	for (unsigned int i = 0; i < drv.n_w; i++)
		if (lb_worker_prepare(drv.w[i], nst) != 0) {
			snprintf(err, len, "out of memory for the workers' "
				 "tables");
			lb_state_free(nst);
			return -1;
		}
	/* Apply only what changed: controllers whose VIP did not change go
	 * on with the weights they learned (and nst's table follows them). */
	lat_ctl_conf_default(&lc);
	if (lb_latency_init(&nlat, nst, &lc) != 0)
		memset(&nlat, 0, sizeof(nlat));
	else if (lb_latency_carry(&nlat, nst, &lat, old) < 0)
		fprintf(stderr, "dsrlb: latency controllers restarted\n");
	publish_and_wait(nst);
	/* Every worker runs nst now: the old state is nobody's. */
	*drv.state = nst;
	lb_config_free(drv.cfg);
	*drv.cfg = *next;
	env.cfg = drv.cfg;
	env.st = nst;
	lb_latency_fini(&lat);
	lat = nlat;
	if (lat.v == NULL)
		fprintf(stderr, "dsrlb: latency controllers not rebuilt\n");
	lb_state_free(old);
	return 0;
}

/* ---- ports and capture ------------------------------------------------------- */

static void
show_ports(void *arg, struct lb_ctl_out *o)
{
	(void)arg;
	lb_ctl_printf(o, "  %-10s %-6s %-18s %-6s %12s %12s %10s %10s\n",
		      "port", "ethdev", "mac", "role", "rx", "tx", "missed",
		      "errors");
	for (uint32_t p = 0; p < drv.cfg->n_ports; p++) {
		const struct lb_port_conf *pc = &drv.cfg->port[p];
		const uint8_t *m = drv.port_mac[p];
		struct rte_eth_stats es;
		char mac[24];

		memset(&es, 0, sizeof(es));
		(void)rte_eth_stats_get(drv.port_id[p], &es);
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 m[0], m[1], m[2], m[3], m[4], m[5]);
		lb_ctl_printf(o, "  %-10s %-6u %-18s %-6s %12" PRIu64 " %12"
			      PRIu64 " %10" PRIu64 " %10" PRIu64 "\n",
			      pc->name, drv.port_id[p], mac,
			      lb_role_name(pc->role), es.ipackets,
			      es.opackets, es.imissed,
			      es.ierrors + es.oerrors);
	}
}

void
console_capture(uint8_t pi, uint16_t queue, struct rte_mbuf **m, uint16_t n,
		int tx)
{
	if (likely(atomic_load_explicit(&console_capture_port,
					memory_order_relaxed) != pi))
		return;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *c = rte_pcapng_copy(drv.port_id[pi], queue,
			m[i], cap_pool, cap_snap, rte_get_tsc_cycles(),
			tx ? RTE_PCAPNG_DIRECTION_OUT :
			     RTE_PCAPNG_DIRECTION_IN);

		if (c == NULL || rte_ring_enqueue(cap_ring, c) != 0) {
			rte_pktmbuf_free(c);
			atomic_fetch_add(&cap_dropped, 1);
		}
	}
}

static void
capture_drain(void)
{
	struct rte_mbuf *m[64];
	unsigned int n;

	if (cap_ring == NULL)
		return;
	while ((n = rte_ring_dequeue_burst(cap_ring, (void **)m, 64,
					   NULL)) > 0) {
		if (cap_w != NULL &&
		    rte_pcapng_write_packets(cap_w, m, (uint16_t)n) >= 0)
			atomic_fetch_add(&cap_written, n);
		rte_pktmbuf_free_bulk(m, n);
	}
}

static void
capture_close(void)
{
	atomic_store(&console_capture_port, -1);
	/* Once every worker adopted a new generation, none is inside
	 * console_capture(): the pool and the ring can go. */
	publish_and_wait(*drv.state);
	capture_drain();
	if (cap_w != NULL)
		rte_pcapng_close(cap_w);
	cap_w = NULL;
	rte_ring_free(cap_ring);
	cap_ring = NULL;
	rte_mempool_free(cap_pool);
	cap_pool = NULL;
}

static int
capture(void *arg, int start, const char *port, const char *file,
	uint32_t snaplen, char *err, size_t len)
{
	static unsigned int seq;
	char name[32];
	int fd, pi = -1;

	(void)arg;
	if (!start) {
		if (cap_w == NULL) {
			snprintf(err, len, "capture stop: no capture runs");
			return -1;
		}
		capture_close();
		snprintf(err, len, "capture of %s stopped: %" PRIu64
			 " packets written, %" PRIu64 " dropped", cap_file,
			 atomic_load(&cap_written), atomic_load(&cap_dropped));
		return 0;
	}
	if (cap_w != NULL) {
		snprintf(err, len, "capture start: a capture to %s runs; "
			 "capture stop first", cap_file);
		return -1;
	}
	for (uint32_t p = 0; p < drv.cfg->n_ports; p++)
		if (strcmp(drv.cfg->port[p].name, port) == 0)
			pi = (int)p;
	if (pi < 0) {
		snprintf(err, len, "capture start: no port named '%s' (show "
			 "ports)", port);
		return -1;
	}
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		snprintf(err, len, "capture start: %s: %s", file,
			 strerror(errno));
		return -1;
	}
	cap_snap = snaplen ? snaplen : 2048;
	snprintf(name, sizeof(name), "dsrlb_cap_%u", seq++);
	cap_pool = rte_pktmbuf_pool_create(name, CAP_MBUFS, 0, 0,
					   (uint16_t)rte_pcapng_mbuf_size(
						   cap_snap), SOCKET_ID_ANY);
	cap_ring = rte_ring_create(name, CAP_RING, SOCKET_ID_ANY,
				   RING_F_SC_DEQ);
	cap_w = cap_pool && cap_ring ?
		rte_pcapng_fdopen(fd, NULL, NULL, "dsrlb", NULL) : NULL;
	if (cap_w == NULL) {
		snprintf(err, len, "capture start: %s", rte_strerror(rte_errno));
		close(fd);
		rte_ring_free(cap_ring);
		rte_mempool_free(cap_pool);
		cap_ring = NULL;
		cap_pool = NULL;
		return -1;
	}
	snprintf(cap_file, sizeof(cap_file), "%s", file);
	atomic_store(&cap_written, 0);
	atomic_store(&cap_dropped, 0);
	atomic_store(&console_capture_port, pi);
	snprintf(err, len, "capturing port %s to %s (snaplen %u)", port, file,
		 cap_snap);
	return 0;
}

static void
set_idle_sleep(void *arg, uint32_t us)
{
	(void)arg;
	drv.cfg->idle_sleep_us = us;
}

static void
do_quit(void *arg)
{
	(void)arg;
	*drv.quit = true;
}

/* ---- running one command ------------------------------------------------------ */

static int
run_line(const char *line, struct lb_ctl_out *o, bool session)
{
	int rc;

	pthread_mutex_lock(&lock);
	env.now_ns = drv.now_ns();
	env.quit = session ? NULL : do_quit;
	rc = lb_ctl_exec(&env, line, o);
	pthread_mutex_unlock(&lock);
	return rc;
}

/* ---- rte_cmdline grammar (completion of the keywords) ---------------------------- */

struct cmd_res {
	cmdline_fixed_string_t w0;
	cmdline_fixed_string_t w1;
	cmdline_multi_string_t rest;
};

/* Which fields of cmd_res an instance fills. */
#define HAS_W1   1u
#define HAS_REST 2u

static void
cmd_cb(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_res *r = parsed;
	struct lb_ctl_out o = { out_cmdline, cl };
	uintptr_t has = (uintptr_t)data;
	char line[sizeof(r->rest) + 2 * sizeof(r->w0) + 4];

	snprintf(line, sizeof(line), "%s %s %s", r->w0,
		 (has & HAS_W1) ? r->w1 : "", (has & HAS_REST) ? r->rest : "");
	if (run_line(line, &o, false) == 1)
		cmdline_quit(cl);
}

/*
 * The grammar, made at start from lib's command table (lb_ctl.h): for
 * each first word, "WORD SUBWORD [ARGS...]" and "WORD SUBWORD" when the
 * commands have a second keyword, else "WORD [ARGS...]" and "WORD".
 * rte_cmdline completes the keywords; lb_ctl_exec() checks the rest.
 */
#define MAX_HEADS 16

static struct {
	char head[32];
	char subs[512];
	char usage[600];
	cmdline_parse_token_string_t t0, t1, trest;
} heads[MAX_HEADS];
static cmdline_parse_inst_t *grammar_inst[2 * MAX_HEADS];
static cmdline_parse_ctx_t grammar[2 * MAX_HEADS + 1];

static cmdline_parse_inst_t *
inst_new(uintptr_t has, const char *help, cmdline_parse_token_string_t *t0,
	 cmdline_parse_token_string_t *t1, cmdline_parse_token_string_t *t2)
{
	cmdline_parse_inst_t *in = calloc(1, sizeof(*in) + 4 * sizeof(void *));
	unsigned int n = 0;

	if (in == NULL)
		return NULL;
	in->f = cmd_cb;
	in->data = (void *)has;
	in->help_str = help;
	in->tokens[n++] = &t0->hdr;
	if (t1 != NULL)
		in->tokens[n++] = &t1->hdr;
	if (t2 != NULL)
		in->tokens[n++] = &t2->hdr;
	in->tokens[n] = NULL;
	return in;
}

static void
string_token(cmdline_parse_token_string_t *t, size_t off, const char *str)
{
	t->hdr.ops = &cmdline_token_string_ops;
	t->hdr.offset = (unsigned int)off;
	t->string_data.str = str;
}

static int
grammar_build(void)
{
	char all[256], *save = NULL, *h;
	unsigned int n = 0, k = 0;

	(void)lb_ctl_heads(all, sizeof(all));
	for (h = strtok_r(all, "#", &save); h != NULL && n < MAX_HEADS;
	     h = strtok_r(NULL, "#", &save), n++) {
		bool sub;

		snprintf(heads[n].head, sizeof(heads[n].head), "%s", h);
		sub = lb_ctl_subwords(h, heads[n].subs,
				      sizeof(heads[n].subs)) > 0;
		(void)lb_ctl_usage(h, heads[n].usage, sizeof(heads[n].usage));
		string_token(&heads[n].t0, offsetof(struct cmd_res, w0),
			     heads[n].head);
		string_token(&heads[n].t1, offsetof(struct cmd_res, w1),
			     heads[n].subs);
		string_token(&heads[n].trest, offsetof(struct cmd_res, rest),
			     TOKEN_STRING_MULTI);
		grammar_inst[k++] = sub ?
			inst_new(HAS_W1 | HAS_REST, heads[n].usage,
				 &heads[n].t0, &heads[n].t1,
				 &heads[n].trest) :
			inst_new(HAS_REST, heads[n].usage, &heads[n].t0,
				 &heads[n].trest, NULL);
		grammar_inst[k++] = sub ?
			inst_new(HAS_W1, heads[n].usage, &heads[n].t0,
				 &heads[n].t1, NULL) :
			inst_new(0, heads[n].usage, &heads[n].t0, NULL, NULL);
		if (grammar_inst[k - 1] == NULL || grammar_inst[k - 2] == NULL)
			return -1;
	}
	for (unsigned int i = 0; i < k; i++)
		grammar[i] = grammar_inst[i];
	grammar[k] = NULL;
	return 0;
}

static void
grammar_free(void)
{
	for (unsigned int i = 0; i < 2 * MAX_HEADS; i++) {
		free(grammar_inst[i]);
		grammar_inst[i] = NULL;
	}
}

/* ---- control socket --------------------------------------------------------- */

static int
socket_open(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "dsrlb: control socket path too long: %s\n",
			path);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, path);
	/* Never take the socket of a running appliance away from it. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		fprintf(stderr, "dsrlb: another appliance serves %s: no "
			"control socket here (give --ctl-socket PATH)\n",
			path);
		close(fd);
		return -2;
	}
	if (fd >= 0)
		close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, 4) != 0) {
		fprintf(stderr, "dsrlb: control socket %s: %s\n", path,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* A session: each line is a command; its output ends with a line
 * "\x04 STATUS" (0 ok, 1 error) so that dsrlb-ctl knows it is complete. */
static void
client_input(struct client *c)
{
	ssize_t k = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len,
			 0);
	char *nl;

	if (k <= 0) {
		close(c->fd);
		c->fd = -1;
		return;
	}
	c->len += (size_t)k;
	c->buf[c->len] = '\0';
	while ((nl = strchr(c->buf, '\n')) != NULL) {
		struct lb_ctl_out o = { out_fd, &c->fd };
		char status[8];
		int rc;

		*nl = '\0';
		rc = run_line(c->buf, &o, true);
		snprintf(status, sizeof(status), "\x04 %d\n", rc < 0);
		out_fd(&c->fd, status, strlen(status));
		{
			size_t used = (size_t)(nl + 1 - c->buf);

			memmove(c->buf, nl + 1, c->len - used + 1);
			c->len -= used;
		}
		if (rc == 1) {  /* quit: end of the session */
			close(c->fd);
			c->fd = -1;
			return;
		}
	}
	if (c->len == sizeof(c->buf) - 1) {
		struct lb_ctl_out o = { out_fd, &c->fd };

		lb_ctl_printf(&o, "error: line too long\n\x04 1\n");
		c->len = 0;
	}
}

static void
socket_poll(int timeout_ms)
{
	struct pollfd pf[MAX_CLIENTS + 1];
	int n = 0;

	if (lsock < 0) {
		if (timeout_ms > 0)
			rte_delay_us_sleep((unsigned int)timeout_ms * 1000);
		return;
	}
	pf[n].fd = lsock;
	pf[n++].events = POLLIN;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		pf[n].fd = clients[i].fd;
		pf[n++].events = POLLIN;
	}
	if (poll(pf, (nfds_t)n, timeout_ms) <= 0)
		return;
	if (pf[0].revents & POLLIN) {
		int fd = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);

		for (int i = 0; fd >= 0 && i < MAX_CLIENTS; i++)
			if (clients[i].fd < 0) {
				clients[i].fd = fd;
				clients[i].len = 0;
				fd = -1;
			}
		if (fd >= 0) {
			struct lb_ctl_out o = { out_fd, &fd };

			lb_ctl_printf(&o, "error: too many sessions\n\x04 1\n");
			close(fd);
		}
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].fd >= 0 &&
		    (pf[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
			client_input(&clients[i]);
}

/* ---- telemetry (/dsrlb/...) ----------------------------------------------------- */

static int
tel_counters(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	pthread_mutex_lock(&lock);
	rte_tel_data_start_dict(d);
	for (unsigned int c = 0; c < LB_CNT_MAX; c++) {
		uint64_t t = 0;

		for (unsigned int i = 0; i < drv.n_w; i++)
			t += drv.w[i]->cnt[c];
		rte_tel_data_add_dict_u64(d, lb_counter_name(c), t);
	}
	pthread_mutex_unlock(&lock);
	return 0;
}

static int
tel_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	pthread_mutex_lock(&lock);
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < drv.n_w; i++) {
		struct rte_tel_data *l = rte_tel_data_alloc();
		char name[16];

		if (l == NULL)
			break;
		rte_tel_data_start_dict(l);
		rte_tel_data_add_dict_u64(l, "rx", drv.w[i]->cnt[LB_CNT_rx]);
		rte_tel_data_add_dict_u64(l, "tx_backend",
					  drv.w[i]->cnt[LB_CNT_tx_backend]);
		rte_tel_data_add_dict_u64(l, "tx_client",
					  drv.w[i]->cnt[LB_CNT_tx_client]);
		rte_tel_data_add_dict_u64(l, "handoff",
					  drv.w[i]->cnt[LB_CNT_handoff]);
		rte_tel_data_add_dict_u64(l, "flows",
					  flow_table_count(&drv.w[i]->ft));
		snprintf(name, sizeof(name), "%u", drv.w_lcore[i]);
		rte_tel_data_add_dict_container(d, name, l, 0);
	}
	pthread_mutex_unlock(&lock);
	return 0;
}

static int
tel_vips(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct lb_state *st;

	(void)cmd;
	(void)params;
	pthread_mutex_lock(&lock);
	st = *drv.state;
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	for (uint32_t v = 0; v < st->n_vips; v++)
		if (!st->vip[v].conf.removed)
			rte_tel_data_add_array_string(d, st->vip[v].conf.name);
	pthread_mutex_unlock(&lock);
	return 0;
}

static int
find_vip_locked(const char *name)
{
	const struct lb_state *st = *drv.state;

	for (uint32_t v = 0; name != NULL && v < st->n_vips; v++)
		if (!st->vip[v].conf.removed &&
		    strcmp(st->vip[v].conf.name, name) == 0)
			return (int)v;
	return -1;
}

static int
tel_vip(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct lb_vip_rt *vr;
	struct lb_vip_counters vc = { 0 };
	char ab[64];
	int v;

	(void)cmd;
	pthread_mutex_lock(&lock);
	v = find_vip_locked(params);
	if (v < 0) {
		pthread_mutex_unlock(&lock);
		return -1;
	}
	vr = &(*drv.state)->vip[v];
	for (unsigned int i = 0; i < drv.n_w; i++) {
#define ADD_V(n, dd) vc.n += drv.w[i]->vip[v].cnt.n;
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
#define TEL_V(n, dd) rte_tel_data_add_dict_u64(d, #n, vc.n);
	LB_VIP_COUNTER_LIST(TEL_V)
#undef TEL_V
	pthread_mutex_unlock(&lock);
	return 0;
}

static int
tel_backends(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct lb_vip_rt *vr;
	int v;

	(void)cmd;
	pthread_mutex_lock(&lock);
	v = find_vip_locked(params);
	if (v < 0) {
		pthread_mutex_unlock(&lock);
		return -1;
	}
	vr = &(*drv.state)->vip[v];
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
		for (unsigned int i = 0; i < drv.n_w; i++) {
#define ADD_B(n, dd) bc.n += drv.w[i]->vip[v].be_cnt[b].n;
			LB_BE_COUNTER_LIST(ADD_B)
#undef ADD_B
		}
		(void)busy_select_score(drv.w[0]->vip[v].busy, b,
					drv.now_ns(), &score);
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
	pthread_mutex_unlock(&lock);
	return 0;
}

/* ---- the thread ------------------------------------------------------------ */

static void
run_file(const char *path)
{
	struct lb_ctl_out o = { out_stdout, NULL };
	char line[1024];
	unsigned int n = 0, bad = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		fprintf(stderr, "dsrlb: --cmdline-file %s: %s\n", path,
			strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL && !*drv.quit) {
		int rc;

		line[strcspn(line, "\r\n")] = '\0';
		if (line[strspn(line, " \t")] == '\0')
			continue;
		printf("dsrlb> %s\n", line);
		rc = run_line(line, &o, false);
		n++;
		bad += rc < 0;
		if (rc == 1)
			break;
	}
	fclose(f);
	printf("cmdline-file %s: %u commands, %u errors\n", path, n, bad);
	fflush(stdout);
}

static void *
thread_main(void *arg)
{
	uint64_t last_lat = 0;

	(void)arg;
	if (copts.cmdline_file != NULL)
		run_file(copts.cmdline_file);
	if (copts.interactive) {
		term = grammar_build() == 0 ?
		       cmdline_stdin_new(grammar, "dsrlb> ") : NULL;
		if (term == NULL)
			fprintf(stderr, "dsrlb: no console on this terminal\n");
	}
	while (thread_run && !*drv.quit) {
		uint64_t now = rte_get_tsc_cycles();
		uint64_t ns = (uint64_t)((double)now * 1e9 /
					 (double)rte_get_tsc_hz());

		if (term != NULL) {
			int st = cmdline_poll(term);

			if (st < 0 || st == RDLINE_EXITED) {
				*drv.quit = true;
				break;
			}
		}
		socket_poll(term != NULL ? 1 : 5);
		if (lat.n > 0 && ns - last_lat >= LAT_PERIOD_NS) {
			struct lb_state *st;

			pthread_mutex_lock(&lock);
			st = *drv.state;
			for (uint32_t k = 0; k < lat.n; k++) {
				struct chash_table *nt, *old;

				nt = lb_latency_step(&lat, k, st, drv.w,
						     drv.n_w, drv.now_ns(),
						     NULL);
				if (nt == NULL)
					continue;
				old = atomic_exchange(
					&st->vip[lat.v[k].vip].ch1, nt);
				/* after every worker passed a burst boundary
				 * nobody reads the old table */
				publish_and_wait(st);
				chash_free(old);
			}
			pthread_mutex_unlock(&lock);
			last_lat = ns;
		}
		capture_drain();
	}
	return NULL;
}

int
console_start(const struct console_driver *d, const struct console_opts *o)
{
	struct lat_ctl_conf lc;

	drv = *d;
	copts = *o;
	for (int i = 0; i < MAX_CLIENTS; i++)
		clients[i].fd = -1;
	acked = calloc(drv.n_w, sizeof(*acked));
	bases = calloc(drv.n_w, sizeof(*bases));
	if (acked == NULL || bases == NULL)
		return -1;
	lat_ctl_conf_default(&lc);
	if (lb_latency_init(&lat, *drv.state, &lc) != 0) {
		fprintf(stderr, "dsrlb: the latency controller refused the "
			"configured weights\n");
		return -1;
	}
	memset(&env, 0, sizeof(env));
	env.cfg = drv.cfg;
	env.st = *drv.state;
	env.w = drv.w;
	env.n_w = drv.n_w;
	env.w_lcore = drv.w_lcore;
	env.base = bases;
	env.apply = apply;
	env.show_ports = show_ports;
	env.capture = capture;
	env.set_idle_sleep = set_idle_sleep;
	if (copts.socket_path != NULL) {
		lsock = socket_open(copts.socket_path);
		if (lsock == -1)
			return -1;
		if (lsock < 0)
			copts.socket_path = NULL;
	}
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
	thread_run = true;
	if (rte_ctrl_thread_create(&thread, "dsrlb-ctl", NULL, thread_main,
				   NULL) != 0) {
		fprintf(stderr, "dsrlb: cannot start the control thread\n");
		return -1;
	}
	return 0;
}

void
console_stop(void)
{
	if (!thread_run)
		return;
	thread_run = false;
	pthread_join(thread, NULL);
	if (term != NULL) {
		cmdline_stdin_exit(term);
		term = NULL;
	}
	grammar_free();
	if (cap_w != NULL)
		capture_close();
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].fd >= 0)
			close(clients[i].fd);
	if (lsock >= 0) {
		close(lsock);
		lsock = -1;
		if (copts.socket_path != NULL)
			(void)unlink(copts.socket_path);
	}
	lb_latency_fini(&lat);
	free(acked);
	free(bases);
}

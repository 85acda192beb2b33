/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's control plane thread (see console.h): the command-line
 * front end (rte_cmdline on the terminal, the --cmdline-file script) and
 * the glue from lib/lb's lb_ctl_exec() to the driver. One thread owns
 * every change; the hand-over to the workers is publish.c, the rest has
 * its own module: capture.c, telemetry.c, ctl_socket.c, latency_loop.c.
 * DPDK telemetry callbacks run in DPDK's telemetry thread and take the
 * same lock.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_string.h>
#include <cmdline_rdline.h>
#include <cmdline_socket.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "announce.h"
#include "capture.h"
#include "console.h"
#include "ctl_socket.h"
#include "dsrlb/lb_ctl.h"
#include "dsrlb/lb_health.h"
#include "latency_loop.h"
#include "log.h"
#include "publish.h"
#include "reload.h"
#include "telemetry.h"

#define HEALTH_PERIOD_NS 10000000ull  /* health poll (docs/health.md) */

static struct console_driver drv;
static struct console_opts copts;
static pthread_t thread;
static _Atomic bool thread_run;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct lb_ctl_base *bases;
static struct lb_health health;
static struct lb_ctl_env env;

_Atomic uint64_t console_changes;

/* interactive console */
static struct cmdline *term;

void
console_lock(void)
{
	pthread_mutex_lock(&lock);
}

void
console_unlock(void)
{
	pthread_mutex_unlock(&lock);
}

/* ---- output sinks ------------------------------------------------------- */

static void
out_stdout(void *arg, const char *s, size_t n)
{
	(void)arg;
	fwrite(s, 1, n, stdout);
	fflush(stdout);
}

static void
out_cmdline(void *arg, const char *s, size_t n)
{
	cmdline_printf(arg, "%.*s", (int)n, s);
}

/* ---- live reconfiguration ------------------------------------------------ */

static void
free_state(void *st)
{
	lb_state_free(st);
}

static int
apply(void *arg, struct lb_config *next, char *err, size_t len)
{
	struct lb_state *old = *drv.state, *nst = NULL;
	int rc;

	(void)arg;
	if (lb_state_build_next(&nst, next, drv.port_mac, old, err,
				(unsigned int)len) != 0)
		return -1;
	rc = pub_state(nst);
	if (rc == -ENOMEM) {
		snprintf(err, len, "out of memory for the workers' tables");
		lb_state_free(nst);
		return -1;
	}
	/* Every worker runs nst now (or the appliance is quitting): the
	 * old state is nobody's once pub_retire() says so. */
	*drv.state = nst;
	if (next->idle_sleep_us != drv.cfg->idle_sleep_us)
		pub_set_idle_sleep(next->idle_sleep_us);
	lb_config_free(drv.cfg);
	*drv.cfg = *next;
	env.cfg = drv.cfg;
	env.st = nst;
	latency_loop_reset(nst);
	pub_retire(free_state, old);
	atomic_fetch_add(&console_changes, 1);
	return 0;
}

/* ---- health (lb_health.h) --------------------------------------------------- */

static void
health_log(void *arg, uint32_t v, uint32_t b, const struct lb_health_be *h)
{
	(void)arg;
	printf("dsrlb: health: vip %s backend %s %s (%s)\n",
	       drv.cfg->vip[v].name, drv.cfg->vip[v].backend[b].name,
	       lb_health_state_name(h->state),
	       lb_health_reason_name(h->reason));
	fflush(stdout);
}

/* Sum the workers' observations; when the set of down backends changes,
 * publish a state built from a copy of the configuration that says so
 * (the same path as a console change). */
static void
health_step(void)
{
	struct lb_config next;
	char err[256];

	pthread_mutex_lock(&lock);
	/* the workers' counts, as their views (publish.h) */
	(void)pub_views_refresh(*drv.state, LB_VIEW_HEALTH,
				CONSOLE_VIEW_TIMEOUT_MS);
	if (lb_health_poll(&health, drv.cfg, pub_views(), drv.n_w,
			   drv.now_ns(),
			   health_log, NULL) &&
	    lb_config_copy(&next, drv.cfg) == 0) {
		lb_health_mark(&health, &next);
		if (apply(NULL, &next, err, sizeof(err)) != 0) {
			fprintf(stderr, "dsrlb: health: %s\n", err);
			lb_config_free(&next);
		} else {
			health.publications++;
		}
	}
	pthread_mutex_unlock(&lock);
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

static int
capture(void *arg, int start, const char *port, const char *file,
	uint32_t snaplen, char *err, size_t len)
{
	(void)arg;
	return capture_cmd(drv.cfg, start, port, file, snaplen, err, len);
}

static void
set_idle_sleep(void *arg, uint32_t us)
{
	(void)arg;
	/* the workers read a published snapshot, never drv.cfg */
	pub_set_idle_sleep(us);
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
run_line(const char *line, struct lb_ctl_out *o, bool session,
	 const char *who)
{
	struct log_change lc;
	struct lb_ctl_out to = log_change_begin(&lc, o);
	/* "show" reads the flow tables (a copy of each costs O(capacity) on
	 * its worker); every other command needs at most the counters. */
	unsigned int mask = strncmp(line + strspn(line, " \t"), "show", 4) == 0 ?
			    LB_VIEW_ALL : LB_VIEW_COUNTERS | LB_VIEW_SCORES;
	int rc, late;

	pthread_mutex_lock(&lock);
	late = pub_views_refresh(*drv.state, mask, CONSOLE_VIEW_TIMEOUT_MS);
	if (late > 0)
		lb_ctl_printf(o, "note: %d lcore(s) did not answer within %u "
			      "ms; their figures are older\n", late,
			      CONSOLE_VIEW_TIMEOUT_MS);
	env.w = pub_views();
	env.now_ns = drv.now_ns();
	env.quit = session ? NULL : do_quit;
	rc = reload_is_cmd(line) ? reload_run(&env, copts.config_path, &to) :
				   lb_ctl_exec(&env, line, &to);
	pthread_mutex_unlock(&lock);
	log_change_end(&lc, who, line, rc);
	return rc;
}

/* ---- rte_cmdline grammar (completion of the keywords) ---------------------------- */

struct cmd_res {
	cmdline_fixed_string_t w0;
	cmdline_fixed_string_t w1;
	cmdline_multi_string_t rest;
};

static void
cmd_cb(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_res *r = parsed;
	struct lb_ctl_out o = { out_cmdline, cl };
	uintptr_t ntok = (uintptr_t)data;
	char line[sizeof(r->rest) + 2 * sizeof(r->w0) + 4];

	snprintf(line, sizeof(line), "%s %s %s", r->w0,
		 ntok > 1 ? r->w1 : "", ntok > 2 ? r->rest : "");
	if (run_line(line, &o, false, "console") == 1)
		cmdline_quit(cl);
}

#define TOK0(name, str) static cmdline_parse_token_string_t name = \
	TOKEN_STRING_INITIALIZER(struct cmd_res, w0, str)
#define TOK1(name, str) static cmdline_parse_token_string_t name = \
	TOKEN_STRING_INITIALIZER(struct cmd_res, w1, str)

TOK0(t_show, "show");
TOK1(t_show_what, "ports#lcores#vips#vip#backends#chash#flows#flow#busy#"
     "latency#counters#announce");
TOK0(t_vip, "vip");
TOK1(t_vip_op, "add#del#set#drain#undrain");
TOK0(t_appliance, "appliance");
TOK1(t_appliance_op, "drain#serve");
TOK0(t_backend, "backend");
TOK1(t_backend_op, "add#del#weight#drain");
TOK0(t_set, "set");
TOK1(t_set_what, "idle_sleep_us");
TOK0(t_clear, "clear");
TOK1(t_clear_what, "counters");
TOK0(t_capture, "capture");
TOK1(t_capture_op, "start#stop");
TOK0(t_help, "help");
TOK1(t_help_group,
     "show#vip#backend#appliance#set#counters#capture#help#quit");
TOK0(t_quit, "quit");
static cmdline_parse_token_string_t t_rest =
	TOKEN_STRING_INITIALIZER(struct cmd_res, rest, TOKEN_STRING_MULTI);

#define INST(name, n, helpstr, ...) static cmdline_parse_inst_t name = { \
	.f = cmd_cb, .data = (void *)(uintptr_t)(n), .help_str = helpstr, \
	.tokens = { __VA_ARGS__, NULL } }

INST(i_show3, 3, "show ports|lcores|vips|vip|backends|chash|flows|flow|"
     "busy|latency|counters [ARGS]", (void *)&t_show, (void *)&t_show_what,
     (void *)&t_rest);
INST(i_show2, 2, "show ports|lcores|vips|flows|counters|announce",
     (void *)&t_show, (void *)&t_show_what);
INST(i_appliance, 2, "appliance drain|serve", (void *)&t_appliance,
     (void *)&t_appliance_op);
INST(i_vip, 3, "vip add|del|set|drain|undrain NAME ...", (void *)&t_vip,
     (void *)&t_vip_op, (void *)&t_rest);
INST(i_backend, 3, "backend add|del|weight|drain VIP NAME ...",
     (void *)&t_backend, (void *)&t_backend_op, (void *)&t_rest);
INST(i_set, 3, "set idle_sleep_us N", (void *)&t_set,
     (void *)&t_set_what, (void *)&t_rest);
INST(i_clear, 2, "clear counters", (void *)&t_clear,
     (void *)&t_clear_what);
INST(i_capture3, 3, "capture start PORT FILE [SNAPLEN]",
     (void *)&t_capture, (void *)&t_capture_op, (void *)&t_rest);
INST(i_capture2, 2, "capture stop", (void *)&t_capture,
     (void *)&t_capture_op);
INST(i_help2, 2, "help GROUP", (void *)&t_help, (void *)&t_help_group);
INST(i_help1, 1, "help", (void *)&t_help);
INST(i_quit, 1, "quit", (void *)&t_quit);

static cmdline_parse_ctx_t grammar[] = {
	&i_show3, &i_show2, &i_vip, &i_appliance, &i_backend, &i_set, &i_clear,
	&i_capture3, &i_capture2, &i_help2, &i_help1, &i_quit, NULL,
};

/* ---- the thread ------------------------------------------------------------ */

static void
run_file(const char *path)
{
	struct lb_ctl_out o = { out_stdout, NULL };
	char line[1024], who[300];
	unsigned int n = 0, bad = 0;
	FILE *f = fopen(path, "r");

	snprintf(who, sizeof(who), "script %s", path);

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
		rc = run_line(line, &o, false, who);
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
	uint64_t last_health = 0;

	(void)arg;
	if (copts.cmdline_file != NULL)
		run_file(copts.cmdline_file);
	if (copts.interactive) {
		term = cmdline_stdin_new(grammar, "dsrlb> ");
		if (term == NULL)
			fprintf(stderr, "dsrlb: no console on this terminal\n");
	}
	while (atomic_load(&thread_run) && !*drv.quit) {
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
		ctl_socket_poll(term != NULL ? 1 : 5);
		if (atomic_exchange(&reload_requested, false)) {
			struct lb_ctl_out o = { out_stdout, NULL };

			(void)run_line("reload", &o, false, "SIGHUP");
		}
		pthread_mutex_lock(&lock);
		latency_loop_step(*drv.state, drv.n_w, ns, drv.now_ns());
		pthread_mutex_unlock(&lock);
		if (ns - last_health >= HEALTH_PERIOD_NS) {
			health_step();
			last_health = ns;
		}
		capture_drain();
		pthread_mutex_lock(&lock);
		announce_tick(*drv.state, drv.cfg, ns, drv.quit);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int
console_start(const struct console_driver *d, const struct console_opts *o)
{
	drv = *d;
	copts = *o;
	bases = calloc(drv.n_w, sizeof(*bases));
	if (bases == NULL)
		return -1;
	if (pub_init(drv.w, drv.n_w, drv.quit, *drv.state,
		     drv.cfg->idle_sleep_us) != 0) {
		fprintf(stderr, "dsrlb: no memory for the workers' views\n");
		return -1;
	}
	capture_init(drv.port_id);
	if (latency_loop_init(*drv.state) != 0) {
		fprintf(stderr, "dsrlb: the latency controller refused the "
			"configured weights\n");
		return -1;
	}
	if (lb_health_init(&health, LB_MAX_VIPS) != 0)
		return -1;
	memset(&env, 0, sizeof(env));
	env.health = &health;
	env.cfg = drv.cfg;
	env.st = *drv.state;
	env.w = pub_views();
	env.n_w = drv.n_w;
	env.w_lcore = drv.w_lcore;
	env.base = bases;
	env.apply = apply;
	env.show_ports = show_ports;
	env.capture = capture;
	env.set_idle_sleep = set_idle_sleep;
	announce_start(drv.cfg);
	env.ann = announce_get();
	env.ann_daemon = drv.cfg->bird_socket;
	if (copts.socket_path != NULL) {
		int rc = ctl_socket_open(copts.socket_path, run_line);

		if (rc == -1)
			return -1;
		if (rc < 0)
			copts.socket_path = NULL;
	}
	telemetry_init(&drv);
	atomic_store(&thread_run, true);
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
	if (!atomic_load(&thread_run))
		return;
	atomic_store(&thread_run, false);
	pthread_join(thread, NULL);
	announce_stop(*drv.state, drv.cfg);
	if (term != NULL) {
		cmdline_stdin_exit(term);
		term = NULL;
	}
	capture_fini();
	ctl_socket_close(copts.socket_path);
	latency_loop_fini();
	lb_health_fini(&health);
	free(bases);
	/* the workers have stopped: nothing they used can be in use */
	pub_fini();
}

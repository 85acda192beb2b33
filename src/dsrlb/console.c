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
#include <stdbool.h>
#include <stddef.h>
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
#include "checker.h"
#include "console.h"
#include "ctl_socket.h"
#include "dsrlb/lb_ctl.h"
#include "dsrlb/lb_health.h"
#include "latency_loop.h"
#include "log.h"
#include "poller.h"
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

struct lb_health *
console_health(void)
{
	return &health;
}
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
	/* Apply only what changed: controllers whose VIP did not change go
	 * on with the weights they learned (and nst's table follows them). */
	latency_loop_prepare(nst, old);
	rc = pub_state(nst);
	if (rc == -ENOMEM) {
		snprintf(err, len, "out of memory for the workers' tables");
		latency_loop_abort();
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
	latency_loop_commit();
	pub_retire(free_state, old);
	atomic_fetch_add(&console_changes, 1);
	return 0;
}

/* ---- health (lb_health.h) --------------------------------------------------- */

static void
health_log(void *arg, uint32_t v, uint32_t b, const struct lb_health_be *h)
{
	(void)arg;
	DSRLB_LOG(NOTICE, lb, "health: vip %s backend %s %s (%s)\n",
		  drv.cfg->vip[v].name, drv.cfg->vip[v].backend[b].name,
		  lb_health_state_name(h->state),
		  lb_health_reason_name(h->reason));
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
	/* active checks (checker.h): their results join the poll's */
	checker_step(drv.cfg, &health, drv.now_ns());
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

static int
do_reload(void *arg, struct lb_ctl_out *o)
{
	(void)arg;
	return reload_run(&env, copts.config_path, o);
}

static int
do_save(void *arg, const char *file, struct lb_ctl_out *o)
{
	(void)arg;
	return save_run(&env, copts.config_path, file, o);
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
	rc = lb_ctl_exec(&env, line, &to);
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
	if (run_line(line, &o, false, "console") == 1)
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
		term = grammar_build() == 0 ?
		       cmdline_stdin_new(grammar, "dsrlb> ") : NULL;
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
	if (lb_health_init(&health, LB_MAX_VIPS) != 0 || checker_init() != 0)
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
	env.reload = copts.config_path != NULL ? do_reload : NULL;
	env.save = do_save;
	announce_start(drv.cfg);
	env.ann = announce_get();
	env.ann_daemon = drv.cfg->bird_socket;
	env.poll = poller_view();
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
	grammar_free();
	capture_fini();
	ctl_socket_close(copts.socket_path);
	latency_loop_fini();
	checker_fini();
	lb_health_fini(&health);
	free(bases);
	/* the workers have stopped: nothing they used can be in use */
	pub_fini();
}

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The appliance's operator commands, as one interpreter over plain
 * structs: the interactive console (rte_cmdline, with completion), the
 * control socket (dsrlb-ctl), the --cmdline-file script and the unit
 * tests all run lb_ctl_exec() on a line. docs/console.md is the
 * reference.
 *
 * Changes never touch the running state: a command edits a copy of the
 * configuration, the driver's apply hook builds the next state aside,
 * every worker adopts it between two bursts, and only then is the old
 * one freed (lb_engine.h, lb_worker_adopt()). A wrong command changes
 * nothing and prints one line "error: ..." naming the problem.
 */
#ifndef DSRLB_LB_CTL_H_
#define DSRLB_LB_CTL_H_

#include <stddef.h>
#include <stdint.h>

#include "dsrlb/lb_config.h"
#include "dsrlb/lb_engine.h"

/** Where output goes. */
struct lb_announce;
struct lb_poll;

struct lb_ctl_out {
	void (*write)(void *arg, const char *s, size_t n);
	void *arg;
};

/** printf to @p o. */
void lb_ctl_printf(struct lb_ctl_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** Counter values at the last "clear counters" (shown values are the
 *  difference, so that no worker memory is ever written by the console). */
struct lb_ctl_base {
	uint64_t cnt[LB_CNT_MAX];
	uint64_t wire[WIRE_RESULT_MAX];
	struct lb_vip_counters vip[LB_MAX_VIPS];
	struct lb_be_counters be[LB_MAX_VIPS][LB_MAX_BACKENDS];
};

/** What the commands read and change; filled by the driver. */
struct lb_ctl_env {
	struct lb_config *cfg;          /**< the live configuration */
	const struct lb_state *st;      /**< the state the workers run */
	struct lb_worker *const *w;     /**< the workers (read-only) */
	unsigned int n_w;
	const unsigned int *w_lcore;    /**< lcore id of each worker */
	struct lb_ctl_base *base;       /**< per worker, or NULL */
	uint64_t now_ns;                /**< the data path's clock */
	struct lb_health *health;       /**< passive health view, or NULL */
	/** Build and publish the state of @p next, wait until every worker
	 *  runs it; on success the driver owns @p next (and env->cfg, env->st
	 *  point to the new ones); on error nothing changed. */
	int (*apply)(void *arg, struct lb_config *next, char *err,
		     size_t len);
	/** "show ports" (ethdev statistics). */
	void (*show_ports)(void *arg, struct lb_ctl_out *o);
	/** "capture start|stop". @return 0 or -1 with @p err. */
	int (*capture)(void *arg, int start, const char *port,
		       const char *file, uint32_t snaplen, char *err,
		       size_t len);
	/** "set idle_sleep_us". */
	void (*set_idle_sleep)(void *arg, uint32_t us);
	/** "quit". */
	void (*quit)(void *arg);
	/** "reload": re-read the configuration file and apply the
	 *  difference; NULL: refused. @return 0 or -1 after one error. */
	int (*reload)(void *arg, struct lb_ctl_out *o);
	/** "save [FILE]" (@p file NULL: the configuration file); NULL:
	 *  refused. @return 0 or -1 after one error. */
	int (*save)(void *arg, const char *file, struct lb_ctl_out *o);
	/** The announcer (lb_announce.h) and its daemon's socket; NULL:
	 *  "vip drain", "appliance" and "show announce" are refused. */
	struct lb_announce *ann;
	const char *ann_daemon;
	/** The poller of mode polling (lb_poll.h), read under the lock
	 *  it takes; NULL: "show poll" says there is none. */
	const struct lb_poll *poll;
	void *arg;
};

/**
 * Run one command line.
 * @return 0 on success, -1 after writing one "error: ..." line, 1 for
 *   "quit".
 */
int lb_ctl_exec(struct lb_ctl_env *env, const char *line,
		struct lb_ctl_out *out);

/** A command's handler: @p argv[0..argc) are the words of the line,
 *  their number already checked against the syntax. Same return as
 *  lb_ctl_exec(). */
typedef int (*lb_ctl_fn)(struct lb_ctl_env *env, struct lb_ctl_out *out,
			 int argc, char **argv);

/** One command: help, dispatch, completion and docs come from it. */
struct lb_ctl_cmd {
	const char *group;      /**< show, vip, backend, set, counters, ... */
	const char *syntax;     /**< leading lower-case keywords select the
				 *   command; UPPER-CASE arguments, [...]
				 *   optional, a|b alternatives; "KEY VALUE"
				 *   stands for the key table (lb_keys.h) */
	const char *help;
	lb_ctl_fn fn;
};

/** The command table, ending with a NULL group. */
extern const struct lb_ctl_cmd lb_ctl_cmds[];

/** The distinct first words of the commands, "#"-separated (rte_cmdline's
 *  TOKEN_STRING choices) into @p buf. @return their number. */
int lb_ctl_heads(char *buf, size_t len);

/** The second keywords of the commands starting with @p head, "#"-
 *  separated (for "help": the groups; for "set": the [general] keys).
 *  @return their number (0: @p head takes arguments only). */
int lb_ctl_subwords(const char *head, char *buf, size_t len);

/** One line of usage for @p head ("show ports|lcores|... ..."). */
const char *lb_ctl_usage(const char *head, char *buf, size_t len);

/** The command reference of docs/console.md: the help listing and the
 *  key tables, in Markdown. */
void lb_ctl_reference(struct lb_ctl_out *o);

/** Deep copy of a configuration (the VIP array is duplicated).
 *  @return 0 or -ENOMEM. */
int lb_config_copy(struct lb_config *dst, const struct lb_config *src);

#endif /* DSRLB_LB_CTL_H_ */

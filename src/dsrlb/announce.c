/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The announcer's driver (see announce.h). BIRD 2's control socket speaks
 * lines: a greeting "0001 BIRD x.y ready.", then per command a reply whose
 * last line is "NNNN text" (a dash after the code continues it); codes
 * from 8000 are errors (BIRD's doc/reply_codes). birdc is a client of the
 * same socket; talking to it directly spares a fork per change.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_common.h>

#include "announce.h"
#include "dsrlb/chash.h"
#include "lb_config_load.h"
#include "log.h"

#define TICK_NS        50000000ull    /* decide every 50 ms */
#define RETRY_NS       1000000000ull  /* after a failure, retry every 1 s */
#define REFRESH_NS     5000000000ull  /* repeat the state every 5 s */
#define BIRD_TIMEOUT_MS 1000

static struct lb_announce ann;
static bool graceful;
static volatile sig_atomic_t term_req;
static char daemon_path[LB_SOCK_PATH_LEN];
static uint64_t last_tick, last_fail, last_refresh, stop_at;
static uint8_t told[LB_MAX_VIPS];   /* before the latest sync */

void
announce_start(const struct lb_config *cfg)
{
	lb_announce_init(&ann);
	snprintf(daemon_path, sizeof(daemon_path), "%s", cfg->bird_socket);
	graceful = cfg->bird_socket[0] != '\0' && lb_announce_any_bgp(cfg);
}

bool
announce_sigterm(void)
{
	if (!graceful || term_req)
		return false;
	term_req = 1;
	return true;
}

struct lb_announce *
announce_get(void)
{
	return &ann;
}

/* Read BIRD's reply up to its last line. @return its code, or -1. */
static int
bird_reply(int fd, char *last, size_t len)
{
	char buf[4096];
	size_t have = 0;

	for (;;) {
		ssize_t k = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
		char *line, *nl;

		if (k <= 0)
			return -1;
		have += (size_t)k;
		buf[have] = '\0';
		line = buf;
		while ((nl = strchr(line, '\n')) != NULL) {
			*nl = '\0';
			if (strlen(line) >= 5 && line[4] == ' ' &&
			    line[0] >= '0' && line[0] <= '9') {
				snprintf(last, len, "%s", line + 5);
				return atoi(line);
			}
			line = nl + 1;
		}
		/* keep the partial line */
		have = strlen(line);
		memmove(buf, line, have);
		if (have >= sizeof(buf) - 1)
			have = 0;
	}
}

static int
bird_send(void *arg, const char *proto, bool up, char *err, size_t len)
{
	const char *path = arg;
	struct sockaddr_un sa;
	struct timeval tv = { .tv_sec = BIRD_TIMEOUT_MS / 1000,
			      .tv_usec = (BIRD_TIMEOUT_MS % 1000) * 1000 };
	char cmd[128], last[256];
	int fd, code;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, len, "socket: %s", strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	code = bird_reply(fd, last, sizeof(last));
	if (code != 1) {
		snprintf(err, len, "%s: no greeting from BIRD", path);
		close(fd);
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "%s %s\n", up ? "enable" : "disable",
		 proto);
	if (send(fd, cmd, strlen(cmd), MSG_NOSIGNAL) != (ssize_t)strlen(cmd)) {
		snprintf(err, len, "%s: send: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	code = bird_reply(fd, last, sizeof(last));
	close(fd);
	if (code < 0 || code >= 8000) {
		snprintf(err, len, "BIRD: %s (%d)", code < 0 ? "no reply" :
			 last, code);
		return -1;
	}
	return 0;
}

void
announce_tick(const struct lb_state *st, const struct lb_config *cfg,
	      uint64_t now_ns, _Atomic bool *quit)
{
	bool refresh;

	if (cfg->bird_socket[0] == '\0')
		return;
	if (term_req && !ann.stopping) {
		ann.stopping = true;
		stop_at = now_ns + cfg->withdraw_wait_ms * 1000000ull;
		last_tick = 0;
		printf("dsrlb: SIGTERM: withdrawing the VIPs, stopping in %u "
		       "ms\n", cfg->withdraw_wait_ms);
		fflush(stdout);
	}
	if (now_ns - last_tick < TICK_NS)
		goto check_stop;
	last_tick = now_ns;
	if (last_fail != 0 && now_ns - last_fail < RETRY_NS && !ann.stopping)
		goto check_stop;
	refresh = now_ns - last_refresh >= REFRESH_NS;
	if (refresh)
		last_refresh = now_ns;
	memcpy(told, ann.told, sizeof(told));
	if (lb_announce_sync(&ann, st, bird_send, daemon_path,
			     now_ns, refresh) != 0) {
		if (last_fail == 0)
			DSRLB_LOG(WARNING, lb, "announcer: %s\n",
				  ann.last_err);
		last_fail = now_ns;
	} else {
		last_fail = 0;
	}
	/* one log line per announcement change (issue 20) */
	for (uint32_t v = 0; v < st->n_vips && v < LB_MAX_VIPS; v++)
		if (ann.told[v] != told[v] && ann.told[v] != LB_ANN_TOLD_NOTHING)
			DSRLB_LOG(NOTICE, lb, "announce: vip %s %s (%s)\n",
				  st->vip[v].conf.name,
				  ann.told[v] == LB_ANN_TOLD_UP ? "announced" :
								   "withdrawn",
				  lb_announce_why_name(ann.why[v]));
check_stop:
	if (ann.stopping && now_ns >= stop_at && !atomic_load(quit)) {
		printf("dsrlb: VIPs withdrawn %s, stopping\n",
		       lb_announce_all_down(&ann, st) ? "" : "(not all)");
		fflush(stdout);
		atomic_store(quit, true);
	}
}

void
announce_stop(const struct lb_state *st, const struct lb_config *cfg)
{
	if (cfg->bird_socket[0] == '\0' || lb_announce_all_down(&ann, st))
		return;
	ann.stopping = true;
	(void)lb_announce_sync(&ann, st, bird_send, daemon_path,
			       0, false);
}

void
announce_tel(struct rte_tel_data *d, const struct lb_state *st)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "appliance", ann.stopping ?
				     "stopping" : ann.appliance_drained ?
				     "drained" : "serving");
	rte_tel_data_add_dict_u64(d, "announce", ann.n_announce);
	rte_tel_data_add_dict_u64(d, "withdraw", ann.n_withdraw);
	rte_tel_data_add_dict_u64(d, "failures", ann.n_fail);
	for (uint32_t v = 0; v < st->n_vips && v < LB_MAX_VIPS; v++) {
		const struct lb_vip_rt *vr = &st->vip[v];
		const struct chash_table *t = atomic_load(&vr->ch1);
		struct rte_tel_data *x;

		if (vr->conf.removed)
			continue;
		x = rte_tel_data_alloc();
		if (x == NULL)
			break;
		rte_tel_data_start_dict(x);
		rte_tel_data_add_dict_string(x, "announce",
					     lb_announce_name(vr->conf.announce));
		rte_tel_data_add_dict_int(x, "announced",
					  ann.told[v] == LB_ANN_TOLD_UP);
		rte_tel_data_add_dict_string(x, "why", lb_announce_why_name(
			lb_announce_decide(&ann, st, v)));
		rte_tel_data_add_dict_u64(x, "chash_digest",
					  t ? chash_digest(t) : 0);
		rte_tel_data_add_dict_container(d, vr->conf.name, x, 0);
	}
}

int
announce_print_bird_conf(const char *path)
{
	struct lb_config c;
	char err[256], *buf;
	int n;

	if (lb_config_load(path, &c, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	n = lb_announce_bird_conf(&c, NULL, 0);
	buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (buf == NULL || lb_announce_bird_conf(&c, buf, (size_t)n + 1) != n) {
		free(buf);
		lb_config_free(&c);
		return 1;
	}
	fputs(buf, stdout);
	free(buf);
	lb_config_free(&c);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Active health checks on the control thread (see checker.h). One slot
 * per (VIP, backend): idle, connecting, or waiting for the reply; every
 * socket is non-blocking and polled with a zero timeout, so a dead
 * server never holds the control thread.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "checker.h"
#include "dsrlb/lb_check.h"
#include "dsrlb/lb_config.h"
#include "dsrlb/lb_health.h"
#include "log.h"

enum { PH_IDLE = 0, PH_CONNECTING, PH_READING };

struct job {
	struct lb_check_slot slot;
	int fd;
	uint8_t phase;
	uint16_t got;
	char buf[128];          /* the reply's start: its status line */
};

static struct job *jobs;        /* LB_MAX_VIPS x LB_MAX_BACKENDS */

int
checker_init(void)
{
	jobs = calloc((size_t)LB_MAX_VIPS * LB_MAX_BACKENDS, sizeof(*jobs));
	if (jobs == NULL)
		return -1;
	for (size_t i = 0; i < (size_t)LB_MAX_VIPS * LB_MAX_BACKENDS; i++)
		jobs[i].fd = -1;
	return 0;
}

static void
job_close(struct job *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
	j->phase = PH_IDLE;
	j->got = 0;
	j->slot.running = false;
}

void
checker_fini(void)
{
	if (jobs == NULL)
		return;
	for (size_t i = 0; i < (size_t)LB_MAX_VIPS * LB_MAX_BACKENDS; i++)
		job_close(&jobs[i]);
	free(jobs);
	jobs = NULL;
}

static void
finish(struct job *j, const struct lb_config *cfg, struct lb_health *h,
       uint32_t v, uint32_t b, enum lb_check_outcome o, unsigned int status,
       uint64_t now_ns)
{
	struct lb_health_be *hb = lb_health_get(h, v, b);
	char why[24];

	job_close(j);
	if (hb == NULL)
		return;
	lb_check_describe(o, status, why, sizeof(why));
	if (lb_health_check_result(hb, &cfg->health, o == LB_CHECK_OK, why,
				   now_ns)) {
		h->transitions++;
		DSRLB_LOG(NOTICE, lb, "health: vip %s backend %s check %s "
			  "(%s): %s\n", cfg->vip[v].name,
			  cfg->vip[v].backend[b].name,
			  lb_health_state_name(hb->chk_state), why,
			  lb_health_label(hb));
	}
}

static void
start(struct job *j, const struct lb_config *cfg, struct lb_health *h,
      uint32_t v, uint32_t b, uint64_t now_ns)
{
	const struct lb_vip_conf *vc = &cfg->vip[v];
	const struct lb_addr *a = &vc->backend[b].addr;
	const uint16_t port = lb_check_port(&vc->check, vc->port);
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (a->family == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->a, 4);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a->a, 16);
		sl = sizeof(*s6);
	}
	lb_check_start(&j->slot, &vc->check, now_ns);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0) {
		finish(j, cfg, h, v, b, LB_CHECK_ERROR, 0, now_ns);
		return;
	}
	j->fd = fd;
	j->got = 0;
	if (connect(fd, (struct sockaddr *)&ss, sl) == 0 ||
	    errno == EINPROGRESS) {
		j->phase = PH_CONNECTING;
		return;
	}
	finish(j, cfg, h, v, b, LB_CHECK_REFUSED, 0, now_ns);
}

/* The socket is writable: connected, or failed. */
static void
connected(struct job *j, const struct lb_config *cfg, struct lb_health *h,
	  uint32_t v, uint32_t b, uint64_t now_ns)
{
	const struct lb_vip_conf *vc = &cfg->vip[v];
	char req[256], host[64];
	socklen_t el = sizeof(int);
	int err = 0;
	size_t n;

	if (getsockopt(j->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 ||
	    err != 0) {
		finish(j, cfg, h, v, b, LB_CHECK_REFUSED, 0, now_ns);
		return;
	}
	if (vc->check.type == LB_CHECK_TCP) {
		finish(j, cfg, h, v, b, LB_CHECK_OK, 0, now_ns);
		return;
	}
	lb_addr_fmt(&vc->backend[b].addr, host, sizeof(host));
	n = lb_check_http_request(&vc->check, host, req, sizeof(req));
	/* a fresh connection's send buffer takes a request this small at
	 * once; anything less is a failed check */
	if (n == 0 || send(j->fd, req, n, MSG_NOSIGNAL | MSG_DONTWAIT) !=
		      (ssize_t)n) {
		finish(j, cfg, h, v, b, LB_CHECK_REFUSED, 0, now_ns);
		return;
	}
	j->phase = PH_READING;
}

static void
reading(struct job *j, const struct lb_config *cfg, struct lb_health *h,
	uint32_t v, uint32_t b, uint64_t now_ns)
{
	unsigned int status = 0;
	bool closed = false;
	int o;

	for (;;) {
		ssize_t r;

		if (j->got >= sizeof(j->buf)) {
			closed = true;  /* no status line in 128 octets */
			break;
		}
		r = recv(j->fd, j->buf + j->got, sizeof(j->buf) - j->got,
			 MSG_DONTWAIT);
		if (r > 0) {
			j->got = (uint16_t)(j->got + r);
			continue;
		}
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r < 0 && errno == EINTR)
			continue;
		closed = true;  /* end of stream or reset */
		break;
	}
	o = lb_check_http_outcome(&cfg->vip[v].check, j->buf, j->got, closed,
				  &status);
	if (o >= 0)
		finish(j, cfg, h, v, b, (enum lb_check_outcome)o, status,
		       now_ns);
}

static void
advance(struct job *j, const struct lb_config *cfg, struct lb_health *h,
	uint32_t v, uint32_t b, uint64_t now_ns)
{
	struct pollfd p = { .fd = j->fd, .events = POLLIN };

	if (j->phase == PH_CONNECTING)
		p.events = POLLOUT;
	if (poll(&p, 1, 0) > 0) {
		if (j->phase == PH_CONNECTING)
			connected(j, cfg, h, v, b, now_ns);
		else
			reading(j, cfg, h, v, b, now_ns);
	}
	if (j->phase != PH_IDLE && lb_check_expired(&j->slot, now_ns))
		finish(j, cfg, h, v, b, j->phase == PH_CONNECTING ?
		       LB_CHECK_CONNECT_TIMEOUT : LB_CHECK_REPLY_TIMEOUT, 0,
		       now_ns);
}

void
checker_step(const struct lb_config *cfg, struct lb_health *h,
	     uint64_t now_ns)
{
	if (jobs == NULL)
		return;
	for (uint32_t v = 0; v < cfg->n_vips && v < LB_MAX_VIPS; v++) {
		const struct lb_vip_conf *vc = &cfg->vip[v];
		const bool on = !vc->removed && vc->check.type != LB_CHECK_NONE;

		for (uint32_t b = 0; b < LB_MAX_BACKENDS; b++) {
			struct job *j = &jobs[(size_t)v * LB_MAX_BACKENDS + b];
			struct lb_health_be *hb = lb_health_get(h, v, b);
			const bool be_on = on && b < vc->n_backends &&
					   !vc->backend[b].removed;

			if (!be_on) {
				/* checks off: nothing runs, nothing is
				 * held against the backend */
				if (j->phase != PH_IDLE)
					job_close(j);
				j->slot.next_ns = 0;
				if (hb != NULL && (hb->chk_state !=
						   LB_HEALTH_UP ||
						   hb->chk_why[0] != '\0'))
					lb_health_check_reset(hb);
				if (b >= vc->n_backends)
					break;
				continue;
			}
			if (j->phase != PH_IDLE)
				advance(j, cfg, h, v, b, now_ns);
			else if (lb_check_due(&j->slot, &vc->check, v, b,
					      now_ns))
				start(j, cfg, h, v, b, now_ns);
		}
	}
}

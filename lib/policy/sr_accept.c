/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "dsrlb/sr_accept.h"

/*
 * 6LB (Desmouceaux et al., IEEE/ACM ToN 2018) §II-B: Algorithm 1 (SR_c)
 * and Algorithm 2 (SR_dyn), followed line by line; the choices where the
 * text is open are listed in sr_accept.h and docs/algorithms.md.
 */

void
sr_accept_conf_default(struct sr_accept_conf *conf)
{
	if (conf == NULL)
		return;
	memset(conf, 0, sizeof(*conf));
	conf->n_workers = 32;       /* §VI: mpm_prefork, 32 workers */
	conf->c_init = 1;           /* Alg. 2: "c <- 1" */
	conf->dynamic = true;
	conf->window = 50;          /* Alg. 2: "windowSize <- 50" */
	conf->epsilon_ppm = 100000; /* Alg. 2: "epsilon <- 0.1" */
}

int
sr_accept_init(struct sr_accept *s, const struct sr_accept_conf *conf)
{
	if (s == NULL || conf == NULL || conf->n_workers == 0 ||
	    conf->n_workers > SR_ACCEPT_MAX_WORKERS ||
	    conf->c_init > conf->n_workers + 1)
		return -EINVAL;
	if (conf->dynamic && (conf->window == 0 ||
			      conf->epsilon_ppm > SR_ACCEPT_EPS_MAX_PPM))
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->conf = *conf;
	s->c = conf->c_init;
	return 0;
}

/* Alg. 2, end of window: compare accepted / windowSize with 1/2 -+ eps
 * exactly, as 10^6 * accepted against windowSize * (10^6 / 2 -+ eps). */
static void
sr_accept_window_end(struct sr_accept *s)
{
	uint64_t acc = (uint64_t)s->accepted * 1000000u;
	uint64_t w = s->conf.window;
	uint64_t lo = w * (500000u - s->conf.epsilon_ppm);
	uint64_t hi = w * (500000u + s->conf.epsilon_ppm);

	if (acc < lo && s->c < s->conf.n_workers) {
		s->c++;
		s->n_c_up++;
	} else if (acc > hi && s->c > 0) {
		s->c--;
		s->n_c_down++;
	}
	s->attempt = 0;
	s->accepted = 0;
	s->n_windows++;
}

enum sr_accept_verdict
sr_accept_decide(struct sr_accept *s, enum sr_accept_role role, uint32_t busy)
{
	if (s == NULL)
		return SR_ACCEPT_FORCED;
	/* Alg. 1 "or SegmentsLeft = 1" / Alg. 2 second loop: the last
	 * candidate accepts, and is not counted in the SR_dyn window. */
	if (role != SR_ACCEPT_ROLE_AVAIL) {
		s->n_forced++;
		return SR_ACCEPT_FORCED;
	}
	if (s->conf.dynamic) {
		/* Alg. 2: attempt is counted before the decision, and the
		 * window is closed before the windowSize-th decision, which
		 * then counts in the next window. */
		if (++s->attempt == s->conf.window)
			sr_accept_window_end(s);
	}
	/* Alg. 1: "b < c", strictly fewer than c busy workers. */
	if (busy < s->c) {
		if (s->conf.dynamic)
			s->accepted++;
		s->n_accepted++;
		return SR_ACCEPT_ACCEPTED;
	}
	s->n_passed++;
	return SR_ACCEPT_PASS;
}

int
sr_accept_set_c(struct sr_accept *s, uint32_t c)
{
	if (s == NULL || c > s->conf.n_workers + 1)
		return -EINVAL;
	s->c = c;
	return 0;
}

uint32_t
sr_accept_get_c(const struct sr_accept *s)
{
	return s == NULL ? 0 : s->c;
}

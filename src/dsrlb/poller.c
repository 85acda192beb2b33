/* SPDX-License-Identifier: BSD-3-Clause */
/* The polling baseline's control side (see poller.h). */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dsrlb/lb_poll.h"
#include "dsrlb/poll.h"
#include "console.h"
#include "poller.h"
#include "publish.h"

#define FIRST_ROUND_MS 200

static struct poller_driver drv;
static struct lb_poll pl;
static uint64_t pl_changes; /* console_changes when pl was built */
static struct rng rng;
static int fd4 = -1, fd6 = -1;
static pthread_t thread;
static _Atomic bool running;

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
send_round(void)
{
	uint8_t req[POLL_LEN];

	if (pl.n == 0)
		return;
	lb_poll_round(&pl, &rng);
	pl.round_ns = mono_ns();
	for (uint32_t i = 0; i < pl.n; i++) {
		const struct lb_poll_target *t = &pl.t[i];

		lb_poll_request(&pl, i, req);
		if (t->family == 4 && fd4 >= 0) {
			struct sockaddr_in a = { .sin_family = AF_INET,
						 .sin_port = htons(POLL_PORT) };

			memcpy(&a.sin_addr, t->addr, 4);
			(void)sendto(fd4, req, sizeof(req), MSG_DONTWAIT,
				     (struct sockaddr *)&a, sizeof(a));
		} else if (t->family == 6 && fd6 >= 0) {
			struct sockaddr_in6 a = { .sin6_family = AF_INET6,
						  .sin6_port =
						  htons(POLL_PORT) };

			memcpy(&a.sin6_addr, t->addr, 16);
			(void)sendto(fd6, req, sizeof(req), MSG_DONTWAIT,
				     (struct sockaddr *)&a, sizeof(a));
		}
	}
}

/* Note when target @p i answered (show poll's age). @return 1 for an
 * accepted answer, else 0. */
static uint32_t
stamp(int i)
{
	if (i < 0)
		return 0;
	pl.t[i].answer_ns = mono_ns();
	return 1;
}

/* Read every datagram waiting. @return answers accepted. */
static uint32_t
drain(void)
{
	uint8_t buf[64];
	uint32_t got = 0;
	ssize_t n;

	for (;;) {
		struct sockaddr_in a;

		n = fd4 < 0 ? -1 : recvfrom(fd4, buf, sizeof(buf),
					    MSG_DONTWAIT,
					    (struct sockaddr *)&a,
					    &(socklen_t){ sizeof(a) });
		if (n < 0)
			break;
		got += stamp(lb_poll_answer(&pl, 4, (uint8_t *)&a.sin_addr,
					    buf, (size_t)n));
	}
	for (;;) {
		struct sockaddr_in6 a;

		n = fd6 < 0 ? -1 : recvfrom(fd6, buf, sizeof(buf),
					    MSG_DONTWAIT,
					    (struct sockaddr *)&a,
					    &(socklen_t){ sizeof(a) });
		if (n < 0)
			break;
		got += stamp(lb_poll_answer(&pl, 6, a.sin6_addr.s6_addr, buf,
					    (size_t)n));
	}
	return got;
}

/* Wait up to @p ms for an answer on either socket. */
static void
wait_answers(int ms)
{
	struct pollfd p[2] = { { .fd = fd4, .events = POLLIN },
			       { .fd = fd6, .events = POLLIN } };

	(void)poll(p, 2, ms);
}

static void
free_scores(void *s)
{
	free(s);
}

/* Publish every polling VIP's scores into @p st. @p barrier: workers
 * run (an old snapshot is retired after they passed a quiescent point);
 * false before they start. Caller holds the console's lock. */
static void
publish(struct lb_state *st, bool barrier)
{
	void *old[LB_MAX_VIPS];
	uint32_t n_old = 0;

	for (uint32_t v = 0; v < st->n_vips; v++) {
		struct lb_poll_scores *s = lb_poll_scores_build(&pl, st, v);

		if (s == NULL)
			continue;
		s = atomic_exchange_explicit(&st->vip[v].poll, s,
					     memory_order_acq_rel);
		if (s != NULL && n_old < LB_MAX_VIPS)
			old[n_old++] = s;
		else
			free(s);
	}
	if (n_old == 0)
		return;
	if (barrier)
		(void)pub_barrier();
	for (uint32_t i = 0; i < n_old; i++)
		pub_retire(free_scores, old[i]);
}

/*
 * The state changed (console command, reload): poll the servers of the
 * polling VIPs it has from now on, VIPs and backends added live
 * included. A change is recognised by the console's change counter, not
 * by the state's address: a state freed by one change may be allocated
 * again by the next (two changes between two rounds). Caller holds the
 * console's lock (the state is replaced under it).
 */
static void
follow(void)
{
	uint64_t ch = atomic_load(&console_changes);

	if (ch == pl_changes)
		return;
	if (lb_poll_init(&pl, *drv.state) != 0)
		fprintf(stderr, "dsrlb: poller: out of memory, the servers "
			"of the previous state are polled\n");
	else
		pl_changes = ch;
}

/* One poll_interval_ms (read live: "set poll_interval_ms"). */
static uint64_t
period_ns(void)
{
	return (uint64_t)drv.cfg->poll_interval_ms * 1000000ull;
}

/*
 * The poller runs for the appliance's whole life, with or without a
 * polling VIP: one added live ("vip add ... polling", "vip set NAME mode
 * polling", reload) is polled from the next round on. Without one, a
 * round sends nothing and the thread sleeps between rounds.
 */
static void *
run(void *arg)
{
	uint64_t next;

	(void)arg;
	drv.lock();
	next = mono_ns() + period_ns();
	drv.unlock();
	while (atomic_load(&running)) {
		uint64_t now = mono_ns();

		if (now < next) {
			/* at most 100 ms at a time: a shorter interval set
			 * live takes effect within 100 ms */
			uint64_t w = next - now;

			wait_answers((int)((w < 100000000ull ? w : 100000000ull)
					   + 999999) / 1000000);
			drv.lock();
			(void)drain();
			if (next > now + period_ns())
				next = now + period_ns();
			drv.unlock();
			continue;
		}
		drv.lock();
		next += period_ns();
		if (next < now)
			next = now + period_ns();
		(void)drain();
		follow();
		publish(*drv.state, true);
		send_round();
		drv.unlock();
	}
	return NULL;
}

static int
open_socket(int family)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd >= 0 && family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
				 sizeof(one));
	return fd;
}

int
poller_start(const struct poller_driver *d)
{
	uint64_t end, first;
	uint32_t n;
	struct lb_state *st = *d->state;

	drv = *d;
	rng_seed(&rng, mono_ns() ^ (uint64_t)getpid() << 32);
	fd4 = open_socket(AF_INET);
	fd6 = open_socket(AF_INET6);
	if ((fd4 < 0 && fd6 < 0) || lb_poll_init(&pl, st) != 0) {
		fprintf(stderr, "dsrlb: poller: %s\n", strerror(errno));
		poller_stop();
		return -1;
	}
	pl_changes = atomic_load(&console_changes);
	if (pl.n != 0) {
		/* a first round, so that the first flows see scores */
		send_round();
		end = mono_ns() + FIRST_ROUND_MS * 1000000ull;
		while (pl.cnt[LB_POLL_CNT_answers] < pl.n &&
		       mono_ns() < end) {
			wait_answers(10);
			(void)drain();
		}
		publish(st, false);
	}
	first = pl.cnt[LB_POLL_CNT_answers];
	n = pl.n;
	send_round();
	atomic_store(&running, true);
	if (pthread_create(&thread, NULL, run, NULL) != 0) {
		atomic_store(&running, false);
		fprintf(stderr, "dsrlb: poller: no thread\n");
		poller_stop();
		return -1;
	}
	/* from here on pl is the thread's (and the console's, under its
	 * lock) */
	if (n != 0) {
		printf("dsrlb: poller: %u servers every %u ms, %" PRIu64
		       " answered the first round\n", n,
		       d->cfg->poll_interval_ms, first);
		fflush(stdout);
	}
	return 0;
}

const struct lb_poll *
poller_view(void)
{
	return &pl;
}

void
poller_stop(void)
{
	if (atomic_exchange(&running, false))
		(void)pthread_join(thread, NULL);
	if (pl.cnt[LB_POLL_CNT_rounds] != 0) {
		printf("dsrlb: poller:");
		for (unsigned int c = 0; c < LB_POLL_CNT_MAX; c++)
			printf(" %s %" PRIu64, lb_poll_counter_name(c),
			       pl.cnt[c]);
		printf("\n");
		fflush(stdout);
	}
	if (fd4 >= 0)
		close(fd4);
	if (fd6 >= 0)
		close(fd6);
	fd4 = fd6 = -1;
	lb_poll_fini(&pl);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* The kernel's TCP socket table read again and again (kernel_refresh.h). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel_refresh.h"

/* The thread looks at its stop flag this often while it waits. */
#define STEP_NS 50000000ull

struct kernel_refresh {
	pthread_t thread;
	uint64_t period_ns;
	_Atomic bool stop;
	/* the buffer: the thread owns it while !ready, the loop while
	 * ready */
	_Atomic bool ready;
	uint32_t capacity;
	uint32_t n;                 /* sockets in the buffer */
	uint32_t next;              /* the loop's cursor */
	struct kernel_sock *socks;
	_Atomic uint64_t dumps, failures, dropped;
	char first_err[160];        /* written once, before failures > 0 */
};

static void
collect(void *arg, const struct kernel_sock *s)
{
	struct kernel_refresh *r = arg;

	if (r->n < r->capacity)
		r->socks[r->n++] = *s;
	else
		atomic_fetch_add(&r->dropped, 1);
}

static void
wait_ns(struct kernel_refresh *r, uint64_t ns)
{
	for (uint64_t t = 0; t < ns && !atomic_load(&r->stop);
	     t += STEP_NS) {
		struct timespec ts = { .tv_sec = 0, .tv_nsec = STEP_NS };

		nanosleep(&ts, NULL);
	}
}

static void *
refresh_main(void *arg)
{
	struct kernel_refresh *r = arg;

	for (;;) {
		char err[160];
		int n;

		wait_ns(r, r->period_ns);
		if (atomic_load(&r->stop))
			break;
		/* the loop has not finished the last dump: skip a turn */
		if (atomic_load_explicit(&r->ready, memory_order_acquire))
			continue;
		r->n = 0;
		n = kernel_socks_tcp(collect, r, err, sizeof(err));
		if (n < 0) {
			if (atomic_load(&r->failures) == 0)
				snprintf(r->first_err, sizeof(r->first_err),
					 "%s", err);
			atomic_fetch_add(&r->failures, 1);
			continue;
		}
		atomic_fetch_add(&r->dumps, 1);
		r->next = 0;
		if (r->n > 0)
			atomic_store_explicit(&r->ready, true,
					      memory_order_release);
	}
	return NULL;
}

int
kernel_refresh_start(struct kernel_refresh **out, uint32_t capacity,
		     uint64_t period_ns, char *err, size_t len)
{
	struct kernel_refresh *r = calloc(1, sizeof(*r));
	int ret;

	*out = NULL;
	if (r == NULL || capacity == 0 ||
	    (r->socks = calloc(capacity, sizeof(*r->socks))) == NULL) {
		free(r);
		snprintf(err, len, "kernel socket refresh: out of memory");
		return -ENOMEM;
	}
	r->capacity = capacity;
	r->period_ns = period_ns;
	ret = pthread_create(&r->thread, NULL, refresh_main, r);
	if (ret != 0) {
		free(r->socks);
		free(r);
		snprintf(err, len, "kernel socket refresh: thread: %s",
			 strerror(ret));
		return -ret;
	}
	*out = r;
	return 0;
}

uint32_t
kernel_refresh_apply(struct kernel_refresh *r, kernel_sock_fn fn, void *arg,
		     uint32_t budget)
{
	uint32_t given = 0;

	if (r == NULL ||
	    !atomic_load_explicit(&r->ready, memory_order_acquire))
		return 0;
	while (given < budget && r->next < r->n) {
		fn(arg, &r->socks[r->next++]);
		given++;
	}
	if (r->next >= r->n)
		atomic_store_explicit(&r->ready, false, memory_order_release);
	return given;
}

uint64_t
kernel_refresh_dumps(const struct kernel_refresh *r)
{
	return r != NULL ? atomic_load(&r->dumps) : 0;
}

uint64_t
kernel_refresh_failures(const struct kernel_refresh *r, char *err, size_t len)
{
	uint64_t n = r != NULL ? atomic_load(&r->failures) : 0;

	if (err != NULL && len > 0)
		snprintf(err, len, "%s", n ? r->first_err : "");
	return n;
}

void
kernel_refresh_stop(struct kernel_refresh *r)
{
	if (r == NULL)
		return;
	atomic_store(&r->stop, true);
	pthread_join(r->thread, NULL);
	free(r->socks);
	free(r);
}

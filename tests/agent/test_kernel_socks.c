/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * src/agent/kernel_socks.c against the real kernel (issue 17): loopback
 * TCP connections over IPv4, IPv6 and an IPv4 connection accepted by a
 * dual-stack IPv6 socket are found with their addresses, ports and
 * state; a listening socket and a half-closed one are told apart.
 * Needs no privilege: sock_diag dumps the namespace's TCP sockets to
 * any user, as ss(8) does. And src/agent/kernel_refresh.c: its thread
 * dumps the table every period and the loop's side takes it a budget at
 * a time, so a connection made after the start is found.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel_refresh.h"
#include "kernel_socks.h"

#define MAX_SEEN 4096

static struct kernel_sock seen[MAX_SEEN];
static unsigned int n_seen;

static void
collect(void *arg, const struct kernel_sock *s)
{
	(*(unsigned int *)arg)++;
	if (n_seen < MAX_SEEN)
		seen[n_seen++] = *s;
}

/* The socket whose local end is @p lport and remote end @p rport. */
static const struct kernel_sock *
find(uint16_t lport, uint16_t rport)
{
	for (unsigned int i = 0; i < n_seen; i++)
		if (seen[i].lport == lport && seen[i].rport == rport)
			return &seen[i];
	return NULL;
}

static void
dump(void)
{
	char err[160];
	unsigned int calls = 0;
	int n;

	n_seen = 0;
	n = kernel_socks_tcp(collect, &calls, err, sizeof(err));
	if (n < 0)
		fail_msg("kernel_socks_tcp: %s", err);
	assert_int_equal((unsigned int)n, calls);
	assert_string_equal(err, "");
}

/* A connected pair on @p family's loopback through a listener of
 * @p lfamily (AF_INET6 and @p family AF_INET: dual stack). */
static void
pair(int lfamily, int family, int fd[3], uint16_t *srv, uint16_t *cli)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int off = 0;

	fd[0] = socket(lfamily, SOCK_STREAM, 0);
	assert_true(fd[0] >= 0);
	memset(&ss, 0, sizeof(ss));
	if (lfamily == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		assert_int_equal(setsockopt(fd[0], IPPROTO_IPV6, IPV6_V6ONLY,
					    &off, sizeof(off)), 0);
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_any;
		sl = sizeof(*a);
	}
	assert_int_equal(bind(fd[0], (struct sockaddr *)&ss, sl), 0);
	assert_int_equal(listen(fd[0], 4), 0);
	sl = sizeof(ss);
	assert_int_equal(getsockname(fd[0], (struct sockaddr *)&ss, &sl), 0);
	*srv = ntohs(lfamily == AF_INET ?
		     ((struct sockaddr_in *)&ss)->sin_port :
		     ((struct sockaddr_in6 *)&ss)->sin6_port);
	fd[1] = socket(family, SOCK_STREAM, 0);
	assert_true(fd[1] >= 0);
	if (family == AF_INET) {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_port = htons(*srv) };

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_int_equal(connect(fd[1], (struct sockaddr *)&a,
					 sizeof(a)), 0);
	} else {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6,
					  .sin6_port = htons(*srv),
					  .sin6_addr = IN6ADDR_LOOPBACK_INIT };

		assert_int_equal(connect(fd[1], (struct sockaddr *)&a,
					 sizeof(a)), 0);
	}
	fd[2] = accept(fd[0], NULL, NULL);
	assert_true(fd[2] >= 0);
	sl = sizeof(ss);
	assert_int_equal(getsockname(fd[1], (struct sockaddr *)&ss, &sl), 0);
	*cli = ntohs(family == AF_INET ?
		     ((struct sockaddr_in *)&ss)->sin_port :
		     ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void
assert_lo(const struct kernel_sock *s, uint8_t family)
{
	uint8_t want[16] = { 0 };

	if (family == 4)
		assert_int_equal(inet_pton(AF_INET, "127.0.0.1", want), 1);
	else
		assert_int_equal(inet_pton(AF_INET6, "::1", want), 1);
	assert_int_equal(s->family, family);
	assert_memory_equal(s->local, want, family == 4 ? 4 : 16);
	assert_memory_equal(s->remote, want, family == 4 ? 4 : 16);
}

static void
test_connections(void **state)
{
	static const int cases[3][3] = {
		/* listener, client, family reported */
		{ AF_INET, AF_INET, 4 },
		{ AF_INET6, AF_INET6, 6 },
		{ AF_INET6, AF_INET, 4 },   /* v4-mapped on a dual stack */
	};

	(void)state;
	for (unsigned int c = 0; c < 3; c++) {
		const struct kernel_sock *s;
		uint16_t srv, cli;
		int fd[3];

		pair(cases[c][0], cases[c][1], fd, &srv, &cli);
		dump();
		/* both ends, established; the listener is not listed */
		s = find(srv, cli);
		assert_non_null(s);
		assert_int_equal(s->state, TCP_ESTABLISHED);
		assert_lo(s, (uint8_t)cases[c][2]);
		s = find(cli, srv);
		assert_non_null(s);
		assert_lo(s, (uint8_t)cases[c][2]);
		assert_null(find(srv, 0));
		/* the client closes: the server's end is in CLOSE_WAIT (it
		 * still receives), the client's in FIN_WAIT2 */
		close(fd[1]);
		usleep(20000);
		dump();
		s = find(srv, cli);
		assert_non_null(s);
		assert_int_equal(s->state, TCP_CLOSE_WAIT);
		close(fd[2]);
		close(fd[0]);
	}
}

/* collect() behind a budget: how many were given */
static uint32_t
apply_all(struct kernel_refresh *r, unsigned int *calls)
{
	uint32_t total = 0, got;

	do {
		got = kernel_refresh_apply(r, collect, calls, 3);
		assert_true(got <= 3);
		total += got;
	} while (got == 3);
	return total;
}

static void
test_refresh(void **state)
{
	struct kernel_refresh *r;
	char err[160];
	unsigned int calls = 0;
	uint16_t srv, cli;
	int fd[3];

	(void)state;
	assert_int_equal(kernel_refresh_start(&r, 4096, 50000000ull, err,
					      sizeof(err)), 0);
	/* nothing before the first period */
	n_seen = 0;
	assert_int_equal(kernel_refresh_apply(r, collect, &calls, 64), 0);
	pair(AF_INET, AF_INET, fd, &srv, &cli);
	/* a dump comes within a few periods; it holds the new connection,
	 * given three at a time until the buffer is free again */
	for (unsigned int i = 0; i < 100 && find(srv, cli) == NULL; i++) {
		usleep(20000);
		(void)apply_all(r, &calls);
	}
	assert_non_null(find(srv, cli));
	assert_int_equal(calls, n_seen);
	assert_true(kernel_refresh_dumps(r) >= 1);
	assert_int_equal(kernel_refresh_failures(r, err, sizeof(err)), 0);
	/* the next dump again (the buffer was given back) */
	n_seen = 0;
	for (unsigned int i = 0; i < 100 && find(srv, cli) == NULL; i++) {
		usleep(20000);
		(void)apply_all(r, &calls);
	}
	assert_non_null(find(srv, cli));
	assert_true(kernel_refresh_dumps(r) >= 2);
	kernel_refresh_stop(r);
	kernel_refresh_stop(NULL);
	close(fd[1]);
	close(fd[2]);
	close(fd[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connections),
		cmocka_unit_test(test_refresh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * slowserver: an HTTP/1.0 server with a fixed pool of workers and a
 * controlled service time, publishing how many workers are busy to the
 * dsrlb agent (include/dsrlb/busy_publish.h), so that load-aware policies
 * have something to see. The shape of the papers' servers: 6LB's Apache
 * with its worker pool, the dynamic-DSR paper's busyness score.
 *
 *   slowserver [-w WORKERS] [-m MEAN_MS] [-d exp|fixed|lognormal]
 *              [-s SIGMA] [-b SHM_PATH] [-n NAME] ADDRESS PORT [ADDRESS PORT]...
 *
 * Each request waits in the accept queue until a worker is free (FIFO),
 * then takes a service time drawn from the distribution (exponential by
 * default) and answers "NAME busy=B served=N client=IP:PORT local=IP:PORT".
 * A request line "GET /?ms=X" brings its own service time, X ms
 * (0 <= X < 600000), instead: the client then draws the jobs from its
 * seed, so that two policies run on the same job sizes as well as the
 * same arrivals (common random numbers, docs/evaluation.md).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
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

#include "dsrlb/busy_publish.h"
#include "dsrlb/rng.h"

#define MAX_LISTEN 8

static int lfd[MAX_LISTEN];
static int n_listen;
static double mean_ms = 10.0, sigma = 1.0;
static int dist;                        /* 0 exp, 1 fixed, 2 lognormal */
static const char *name = "slowserver";
static struct dsrlb_busy_shm *shm;
static int workers = 4;
static atomic_uint busy, served;
static pthread_mutex_t accept_lock = PTHREAD_MUTEX_INITIALIZER;

static void
publish(void)
{
	if (shm != NULL)
		dsrlb_busy_shm_publish(shm, atomic_load(&busy),
				       (uint32_t)workers);
}

static double
service_ms(struct rng *r)
{
	double u = rng_unit(r);

	if (u <= 0.0)
		u = 1e-12;
	switch (dist) {
	case 1:
		return mean_ms;
	case 2: {
		/* log-normal with the given mean: mu = ln(mean) - s^2/2 */
		double u2 = rng_unit(r), z;

		if (u2 <= 0.0)
			u2 = 1e-12;
		z = sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * u2);
		return exp(log(mean_ms) - sigma * sigma / 2.0 + sigma * z);
	}
	default:
		return -mean_ms * log(u);
	}
}

/* FNV-1a of the server's name (-n). */
static uint64_t
name_hash(void)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const char *p = name; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	return h;
}

/* The service time the request asks for ("GET /?ms=X"), or -1. */
static double
asked_ms(const char *req)
{
	const char *eol = strstr(req, "\r\n"), *q = strstr(req, "?ms=");
	char *end;
	double ms;

	if (strncmp(req, "GET /", 5) != 0 || q == NULL ||
	    (eol != NULL && q > eol))
		return -1.0;
	ms = strtod(q + 4, &end);
	if (end == q + 4 || !(ms >= 0.0 && ms < 600000.0))
		return -1.0;
	return ms;
}

static void *
worker(void *arg)
{
	struct rng r;
	char req[2048], body[256], resp[512];

	/* Every server and every start draws its own jobs: a seed of the
	 * worker's index alone gave worker k of every server the same
	 * sequence of service times, so the servers' long jobs came at the
	 * same moments (docs/evaluation.md, "SR_4 against Maglev near
	 * saturation"). */
	rng_seed(&r, ((uint64_t)(uintptr_t)arg * 0x9e3779b97f4a7c15ull) ^
		 ((uint64_t)getpid() << 20) ^ name_hash() ^
		 (uint64_t)time(NULL));
	for (;;) {
		struct pollfd pf[MAX_LISTEN];
		struct sockaddr_storage peer, local;
		socklen_t pl = sizeof(peer), ll = sizeof(local);
		char pa[64], la[64];
		struct timespec ts;
		double ms;
		int c = -1, n;

		/* one worker at a time waits for the next connection: FIFO */
		pthread_mutex_lock(&accept_lock);
		while (c < 0) {
			for (int i = 0; i < n_listen; i++) {
				pf[i].fd = lfd[i];
				pf[i].events = POLLIN;
			}
			if (poll(pf, (nfds_t)n_listen, -1) <= 0)
				continue;
			for (int i = 0; i < n_listen && c < 0; i++)
				if (pf[i].revents & POLLIN)
					c = accept(lfd[i], (struct sockaddr *)&peer,
						   &pl);
		}
		pthread_mutex_unlock(&accept_lock);
		atomic_fetch_add(&busy, 1);
		publish();
		n = (int)recv(c, req, sizeof(req) - 1, 0);
		req[n > 0 ? n : 0] = '\0';
		ms = asked_ms(req);
		if (ms < 0.0)
			ms = service_ms(&r);
		ts.tv_sec = (time_t)(ms / 1000.0);
		ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1000.0) * 1e6);
		nanosleep(&ts, NULL);
		getsockname(c, (struct sockaddr *)&local, &ll);
		if (peer.ss_family == AF_INET6) {
			inet_ntop(AF_INET6,
				  &((struct sockaddr_in6 *)&peer)->sin6_addr, pa,
				  sizeof(pa));
			inet_ntop(AF_INET6,
				  &((struct sockaddr_in6 *)&local)->sin6_addr,
				  la, sizeof(la));
		} else {
			inet_ntop(AF_INET,
				  &((struct sockaddr_in *)&peer)->sin_addr, pa,
				  sizeof(pa));
			inet_ntop(AF_INET,
				  &((struct sockaddr_in *)&local)->sin_addr, la,
				  sizeof(la));
		}
		n = snprintf(body, sizeof(body),
			     "%s busy=%u served=%u client=%s:%u local=%s:%u\n",
			     name, atomic_load(&busy),
			     atomic_fetch_add(&served, 1) + 1, pa,
			     ntohs(((struct sockaddr_in *)&peer)->sin_port), la,
			     ntohs(((struct sockaddr_in *)&local)->sin_port));
		n = snprintf(resp, sizeof(resp), "HTTP/1.0 200 OK\r\n"
			     "Content-Type: text/plain\r\nContent-Length: %d\r\n"
			     "Connection: close\r\n\r\n%s", n, body);
		(void)send(c, resp, (size_t)n, MSG_NOSIGNAL);
		close(c);
		atomic_fetch_sub(&busy, 1);
		publish();
	}
	return NULL;
}

static int
listen_on(const char *addr, const char *port)
{
	struct sockaddr_storage sa;
	socklen_t len;
	int fd, one = 1;

	memset(&sa, 0, sizeof(sa));
	if (inet_pton(AF_INET6, addr,
		      &((struct sockaddr_in6 *)&sa)->sin6_addr) == 1) {
		sa.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&sa)->sin6_port = htons((uint16_t)
								atoi(port));
		len = sizeof(struct sockaddr_in6);
	} else if (inet_pton(AF_INET, addr,
			     &((struct sockaddr_in *)&sa)->sin_addr) == 1) {
		sa.ss_family = AF_INET;
		((struct sockaddr_in *)&sa)->sin_port = htons((uint16_t)
							      atoi(port));
		len = sizeof(struct sockaddr_in);
	} else {
		fprintf(stderr, "slowserver: bad address %s\n", addr);
		return -1;
	}
	fd = socket(sa.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, len) != 0 ||
	    listen(fd, 1024) != 0) {
		fprintf(stderr, "slowserver: %s:%s: %s\n", addr, port,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
main(int argc, char **argv)
{
	const char *shm_path = NULL;
	pthread_t t;
	int c;

	while ((c = getopt(argc, argv, "w:m:d:s:b:n:")) != -1) {
		switch (c) {
		case 'w':
			workers = atoi(optarg);
			break;
		case 'm':
			mean_ms = atof(optarg);
			break;
		case 'd':
			dist = strcmp(optarg, "fixed") == 0 ? 1 :
			       strcmp(optarg, "lognormal") == 0 ? 2 : 0;
			break;
		case 's':
			sigma = atof(optarg);
			break;
		case 'b':
			shm_path = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		default:
			return 2;
		}
	}
	if (workers < 1 || workers > 1024 || mean_ms < 0 ||
	    (argc - optind) < 2 || (argc - optind) % 2 != 0) {
		fprintf(stderr, "usage: slowserver [-w WORKERS] [-m MEAN_MS] "
			"[-d exp|fixed|lognormal] [-s SIGMA] [-b SHM] "
			"[-n NAME] ADDRESS PORT [ADDRESS PORT]...\n");
		return 2;
	}
	for (int i = optind; i + 1 < argc && n_listen < MAX_LISTEN; i += 2) {
		lfd[n_listen] = listen_on(argv[i], argv[i + 1]);
		if (lfd[n_listen] < 0)
			return 1;
		n_listen++;
	}
	if (shm_path != NULL && dsrlb_busy_shm_open(shm_path, &shm) != 0) {
		fprintf(stderr, "slowserver: cannot open %s\n", shm_path);
		return 1;
	}
	publish();
	for (int i = 0; i < workers; i++)
		pthread_create(&t, NULL, worker, (void *)(uintptr_t)(i + 1));
	pause();
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Micro-benchmark of the 6LB consistent hash and of the flow hash (no
 * DPDK): table build time, lookup cost (single and bulk), flow hash cost,
 * and the failure-rate table behind figure 7 of 6LB (ToN'18).
 * Every figure is also printed as one machine-readable line:
 *   BENCH name=<figure> <param>=<value>... value=<number> unit=<unit>
 * Nothing here asserts timings.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/cli.h"

#include "dsrlb/chash.h"
#include "dsrlb/flow_hash.h"
#include "dsrlb/rng.h"

#define BENCH_HASHES (1u << 20) /* lookups per pass: 4 MiB of hashes */
#define BENCH_TUPLES 4096u      /* tuples hashed per pass (cache-hot) */
#define BENCH_BURST  32u

struct bench_opts {
	uint32_t n;     /* backends */
	uint32_t m;     /* buckets */
	uint32_t c;     /* 0: C = 1 and C = 2 */
	uint32_t reps;  /* builds per figure, runs per k */
	uint32_t kmax;  /* failure table: k = 0..kmax */
	uint32_t kstep;
	uint64_t seed;
	int skip_fail;  /* no failure table */
};

/* Sink that keeps the measured loops alive. */
static volatile uint64_t bench_sink;

static uint64_t
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* TSC on x86 (reference cycles at the nominal clock), else nanoseconds. */
static inline uint64_t
bench_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	return bench_now_ns();
#endif
}

static const char *
bench_tick_unit(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return "tsc_cycles";
#else
	return "ns";
#endif
}

static double
bench_ticks_per_ns(void)
{
	uint64_t t0 = bench_now_ns(), c0 = bench_ticks(), t1, c1;

	do {
		t1 = bench_now_ns();
	} while (t1 - t0 < 50000000u);
	c1 = bench_ticks();
	return (double)(c1 - c0) / (double)(t1 - t0);
}

static void
bench_backends(struct chash_backend *b, uint32_t n)
{
	uint32_t i;

	/* 2001:db8::i, as the unit tests use. */
	memset(b, 0, (size_t)n * sizeof(*b));
	for (i = 0; i < n; i++) {
		b[i].key[0] = 0x20;
		b[i].key[1] = 0x01;
		b[i].key[2] = 0x0d;
		b[i].key[3] = 0xb8;
		b[i].key[12] = (uint8_t)(i >> 24);
		b[i].key[13] = (uint8_t)(i >> 16);
		b[i].key[14] = (uint8_t)(i >> 8);
		b[i].key[15] = (uint8_t)i;
		b[i].key_len = 16;
		b[i].weight = 1;
	}
}

static struct chash_table *
bench_build_or_die(const struct chash_config *cfg,
		   const struct chash_backend *b, uint32_t n)
{
	struct chash_table *t = NULL;
	int rc = chash_build(&t, cfg, b, n);

	if (rc != 0) {
		fprintf(stderr, "chash_build: %s\n", strerror(-rc));
		exit(1);
	}
	return t;
}

static void
bench_build(const struct bench_opts *o, uint32_t c,
	    const struct chash_backend *b, uint32_t n, const char *label)
{
	struct chash_config cfg = { .m = o->m, .c = c, .seed = o->seed };
	uint64_t best = UINT64_MAX, sum = 0;
	uint32_t r, rounds = 0;
	uint64_t steps = 0;

	for (r = 0; r < o->reps; r++) {
		struct chash_table *t;
		uint64_t t0 = bench_now_ns(), dt;

		cfg.seed = o->seed + r;
		t = bench_build_or_die(&cfg, b, n);
		dt = bench_now_ns() - t0;
		best = dt < best ? dt : best;
		sum += dt;
		rounds = t->rounds;
		steps = t->steps;
		chash_free(t);
	}
	printf("build %-8s N=%-5u M=%-8u C=%u: min %.3f ms, mean %.3f ms"
	       " (%u rounds, %" PRIu64 " steps = %.2f M ln M)\n",
	       label, n, o->m, c, best / 1e6, sum / 1e6 / o->reps, rounds,
	       steps, (double)steps / (o->m * log(o->m)));
	printf("BENCH name=build_%s n=%u m=%u c=%u value=%.3f unit=ms\n",
	       label, n, o->m, c, best / 1e6);
}

static void
bench_lookup(const struct bench_opts *o, uint32_t c,
	     const struct chash_backend *b, double tpn)
{
	struct chash_config cfg = { .m = o->m, .c = c, .seed = o->seed };
	struct chash_table *t = bench_build_or_die(&cfg, b, o->n);
	uint32_t *h = malloc(BENCH_HASHES * sizeof(*h));
	const uint16_t *lists[BENCH_BURST];
	const char *names[4] = { "mod_plain", "bucket", "lookup", "bulk" };
	uint64_t acc = 0, best[4];
	uint32_t i, j, pass, v;
	struct rng r;

	if (h == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	rng_seed(&r, o->seed ^ 0xbe);
	for (i = 0; i < BENCH_HASHES; i++)
		h[i] = (uint32_t)rng_next(&r);
	for (v = 0; v < 4; v++) {
		best[v] = UINT64_MAX;
		for (pass = 0; pass < 5; pass++) {
			uint64_t c0 = bench_ticks(), dt;

			switch (v) {
			case 0: /* baseline: the division */
				for (i = 0; i < BENCH_HASHES; i++)
					acc += h[i] % t->m;
				break;
			case 1: /* the exact multiply reduction */
				for (i = 0; i < BENCH_HASHES; i++)
					acc += chash_bucket(t, h[i]);
				break;
			case 2: /* lookup, then read the list */
				for (i = 0; i < BENCH_HASHES; i++) {
					const uint16_t *l =
						chash_lookup(t, h[i]);

					acc += l[0] + l[t->c - 1];
				}
				break;
			default: /* bursts of 32, then read the lists */
				for (i = 0; i < BENCH_HASHES;
				     i += BENCH_BURST) {
					chash_lookup_bulk(t, h + i, lists,
							  BENCH_BURST);
					for (j = 0; j < BENCH_BURST; j++)
						acc += lists[j][0] +
						       lists[j][t->c - 1];
				}
				break;
			}
			dt = bench_ticks() - c0;
			best[v] = dt < best[v] ? dt : best[v];
		}
		printf("%-9s C=%u: %.2f ns, %.1f %s per hash\n", names[v], c,
		       best[v] / tpn / BENCH_HASHES,
		       (double)best[v] / BENCH_HASHES, bench_tick_unit());
		printf("BENCH name=%s m=%u c=%u value=%.3f unit=ns "
		       "ticks=%.2f tick_unit=%s\n", names[v], o->m, c,
		       best[v] / tpn / BENCH_HASHES,
		       (double)best[v] / BENCH_HASHES, bench_tick_unit());
	}
	bench_sink = acc;
	free(h);
	chash_free(t);
}

static void
bench_flow_hash(const struct bench_opts *o, double tpn)
{
	static uint8_t addr[BENCH_TUPLES][2][16];
	static uint16_t port[BENCH_TUPLES][2];
	static const char *names[4] = { "flow_hash_ipv4", "flow_hash_ipv6",
					"flow_hash_cid8", "flow_hash_cid20" };
	uint64_t acc = 0, best;
	uint32_t i, v, pass, rounds = 256;
	struct rng r;

	rng_seed(&r, o->seed ^ 0xf1);
	for (i = 0; i < BENCH_TUPLES; i++) {
		for (v = 0; v < 16; v++) {
			addr[i][0][v] = (uint8_t)rng_next(&r);
			addr[i][1][v] = (uint8_t)rng_next(&r);
		}
		port[i][0] = (uint16_t)rng_next(&r);
		port[i][1] = (uint16_t)rng_next(&r);
	}
	for (v = 0; v < 4; v++) {
		best = UINT64_MAX;
		for (pass = 0; pass < 5; pass++) {
			uint64_t c0 = bench_ticks(), dt;
			uint32_t k;

			for (k = 0; k < rounds; k++) {
				for (i = 0; i < BENCH_TUPLES; i++) {
					const uint8_t *s = addr[i][0];
					const uint8_t *d = addr[i][1];

					if (v == 0)
						acc += flow_hash_ipv4(o->seed,
							s, d, port[i][0],
							port[i][1], 6);
					else if (v == 1)
						acc += flow_hash_ipv6(o->seed,
							s, d, port[i][0],
							port[i][1], 6);
					else
						acc += flow_hash_bytes(o->seed,
							s, v == 2 ? 8 : 20);
				}
			}
			dt = bench_ticks() - c0;
			best = dt < best ? dt : best;
		}
		printf("%-15s: %.2f ns, %.1f %s per hash\n", names[v],
		       best / tpn / (rounds * BENCH_TUPLES),
		       (double)best / (rounds * BENCH_TUPLES),
		       bench_tick_unit());
		printf("BENCH name=%s value=%.3f unit=ns ticks=%.2f "
		       "tick_unit=%s\n", names[v],
		       best / tpn / (rounds * BENCH_TUPLES),
		       (double)best / (rounds * BENCH_TUPLES),
		       bench_tick_unit());
	}
	bench_sink = acc;
}

/* 6LB §III-B1, figure 7: remove k random backends, rebuild, count. */
static double
bench_failure_rate(const struct bench_opts *o, uint32_t c, uint32_t k,
		   struct chash_backend *b)
{
	uint64_t fail_sum = 0, ent_sum = 0;
	struct rng r;
	uint32_t rep, i;

	rng_seed(&r, o->seed * 1000003u + k);
	for (rep = 0; rep < o->reps; rep++) {
		struct chash_config cfg = { .m = o->m, .c = c };
		struct chash_table *t0, *t1;
		uint64_t fail = 0, ent = 0;

		cfg.seed = rng_next(&r);
		for (i = 0; i < o->n; i++)
			b[i].weight = 1;
		t0 = bench_build_or_die(&cfg, b, o->n);
		for (i = 0; i < k && i < o->n; ) {
			uint32_t x = rng_below(&r, o->n);

			if (b[x].weight != 0) {
				b[x].weight = 0;
				i++;
			}
		}
		t1 = bench_build_or_die(&cfg, b, o->n);
		if (chash_disruption(t0, t1, &fail, &ent) != 0)
			exit(1);
		fail_sum += fail;
		ent_sum += ent;
		chash_free(t0);
		chash_free(t1);
	}
	for (i = 0; i < o->n; i++)
		b[i].weight = 1;
	return ent_sum == 0 ? 0 : (double)fail_sum / (double)ent_sum;
}

static void
bench_failures(const struct bench_opts *o, struct chash_backend *b)
{
	uint32_t c2 = o->c > 1 ? o->c : 2, k;

	printf("failure rate (6LB fig. 7), N=%u M=%u, %u runs per k:\n",
	       o->n, o->m, o->reps);
	printf("  k    C=1 (%%)   C=%u (%%)   fewer failures\n", c2);
	for (k = 0; k <= o->kmax; k += o->kstep) {
		double f1 = bench_failure_rate(o, 1, k, b);
		double f2 = bench_failure_rate(o, c2, k, b);
		double red = f1 > 0 ? 100 * (1 - f2 / f1) : 0;

		printf("  %-3u  %8.4f   %8.4f   %5.1f %%\n", k, 100 * f1,
		       100 * f2, red);
		printf("BENCH name=failure_rate n=%u m=%u k=%u c=1 "
		       "value=%.6f unit=fraction\n", o->n, o->m, k, f1);
		printf("BENCH name=failure_rate n=%u m=%u k=%u c=%u "
		       "value=%.6f unit=fraction\n", o->n, o->m, k, c2, f2);
		fflush(stdout);
	}
}

static void
bench_usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-n backends] [-m buckets] [-c C] [-r reps]\n"
		"          [-k kmax] [-K kstep] [-s seed] [-F]\n"
		"  defaults: -n 1000 -m 65537 (C = 1 and 2) -r 10 -k 30"
		" -K 2 -s 1\n"
		"  -F: skip the failure-rate table\n", prog);
}

int
main(int argc, char **argv)
{
	struct bench_opts o = {
		.n = 1000, .m = 65537, .c = 0, .reps = 10, .kmax = 30,
		.kstep = 2, .seed = 1,
	};
	struct chash_backend *b;
	uint32_t seed32, c;
	double tpn;
	int opt;

	while ((opt = getopt(argc, argv, "n:m:c:r:k:K:s:Fh")) != -1) {
		int bad = 0;

		switch (opt) {
		case 'n':
			bad = cli_u32(optarg, &o.n);
			break;
		case 'm':
			bad = cli_u32(optarg, &o.m);
			break;
		case 'c':
			bad = cli_u32(optarg, &o.c);
			break;
		case 'r':
			bad = cli_u32(optarg, &o.reps);
			break;
		case 'k':
			bad = cli_u32(optarg, &o.kmax);
			break;
		case 'K':
			bad = cli_u32(optarg, &o.kstep);
			break;
		case 's':
			bad = cli_u32(optarg, &seed32);
			o.seed = seed32;
			break;
		case 'F':
			o.skip_fail = 1;
			break;
		default:
			bench_usage(argv[0]);
			return opt == 'h' ? 0 : 2;
		}
		if (bad) {
			bench_usage(argv[0]);
			return 2;
		}
	}
	if (o.n == 0 || o.n > CHASH_MAX_BACKENDS || o.reps == 0 ||
	    o.kstep == 0 || o.c > CHASH_C_MAX) {
		bench_usage(argv[0]);
		return 2;
	}
	b = calloc(o.n > 16384 ? o.n : 16384, sizeof(*b));
	if (b == NULL)
		return 1;
	tpn = bench_ticks_per_ns();
	printf("tick rate: %.3f %s per ns\n", tpn, bench_tick_unit());

	bench_backends(b, o.n);
	for (c = (o.c ? o.c : 1); c <= (o.c ? o.c : 2); c++)
		bench_build(&o, c, b, o.n, "equal");
	/* Weighted worst case for the credit scheme: one backend at the
	 * largest weight, the others at 1 (many rounds without a turn). */
	if (o.m > 16384 * 2) {
		bench_backends(b, 16384);
		b[0].weight = CHASH_WEIGHT_MAX;
		bench_build(&o, o.c ? o.c : 2, b, 16384, "wworst");
		bench_backends(b, o.n);
	}
	for (c = (o.c ? o.c : 1); c <= (o.c ? o.c : 2); c++)
		bench_lookup(&o, c, b, tpn);
	bench_flow_hash(&o, tpn);
	if (!o.skip_fail)
		bench_failures(&o, b);
	free(b);
	return 0;
}

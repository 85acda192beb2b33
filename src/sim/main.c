/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dsrlb-sim: discrete-event simulator of a server farm behind dsrlb, run
 * with lib/'s own policies, and the analytic models it is checked against.
 *
 *   dsrlb-sim [run] [options]      policies x loads, table (or --csv)
 *   dsrlb-sim dsr [options]        preset: dynamic DSR vs polling vs RR
 *   dsrlb-sim latency [options]    preset: HotNets'22 1 ms inflation
 *   dsrlb-sim model [options]      6LB equations (5)-(7) and SC's M/M/1
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/cli.h"

#include "sim.h"
#include "sim_model.h"
#include "sim_summary.h"

#define MAX_LIST 64
#define MAX_SEEDS 1000


/* Option values: a mistyped number is an error, never a silent 0. */
static uint32_t
arg_u32(const char *s)
{
	uint32_t v;

	if (cli_u32(s, &v) != 0) {
		fprintf(stderr, "dsrlb-sim: '%s' is not a number\n", s);
		exit(2);
	}
	return v;
}

static uint64_t
arg_u64(const char *s)
{
	uint64_t v;

	if (cli_u64(s, &v) != 0) {
		fprintf(stderr, "dsrlb-sim: '%s' is not a number\n", s);
		exit(2);
	}
	return v;
}

static double
arg_d(const char *s)
{
	double v;

	if (cli_double(s, &v) != 0) {
		fprintf(stderr, "dsrlb-sim: '%s' is not a number\n", s);
		exit(2);
	}
	return v;
}

static void
usage(FILE *f)
{
	fprintf(f,
"usage: dsrlb-sim [run|dsr|latency|model] [options]\n"
"  -p, --policy LIST     sc,rr,random,srC (sr4, sr8, ...),srdyn,dyn,\n"
"                        dynD,dyn-adapt,dyn-adaptD,jsq,jsqD,poll,lat,\n"
"                        rrD,randomD,latD\n"
"                        (default sc,sr4,sr8,sr16,srdyn); dynD: dynamic\n"
"                        DSR among the flow's D candidates of a C = D\n"
"                        consistent-hash table (D = 1..8), dyn: among all\n"
"                        servers; jsq: the same pick over exact scores;\n"
"                        rrD, randomD, latD: the policy's choice among\n"
"                        the D candidates, as the appliance recovers\n"
"                        them (issue 17)\n"
"  -r, --rho LIST        normalised loads (default 0.5,0.7,0.8,0.88,0.9)\n"
"  -N, --servers N       servers (default 16)\n"
"  -w, --workers n       workers per server (default 1)\n"
"  -j, --jobs J          measured requests per run (default 200000)\n"
"      --warmup W        requests before measuring (default J/10)\n"
"      --dist exp|lognormal  job time distribution (default exp)\n"
"      --sigma S         log-normal spread: sd of log(job) (default 1)\n"
"      --job-us US       mean job time in us (default 10000)\n"
"      --delay-us US     one-way delay of every hop (default 0)\n"
"      --seed S          seed (default 1)\n"
"      --seeds K         run seeds S..S+K-1 at every point; print the mean\n"
"                        and the sd over seeds, and rel / rel99: the mean /\n"
"                        p99 over the first policy's with the same seed\n"
"      --m M             consistent-hash table size, prime (default 65537)\n"
"      --sr-n n          sr_accept's n (cap of c; default max(workers, 32))\n"
"      --clients U       closed loop: U back-to-back clients\n"
"      --reqs-per-conn R closed loop: requests per connection (default 1)\n"
"      --think-us US     closed loop: pause between requests\n"
"      --pkts P          client packets per request (default 10)\n"
"      --probe-n N       dynamic DSR: probe every N-th packet (default 100)\n"
"      --poll-interval-us US  polling period; 0: before every request\n"
"      --poll-cost-us US server time per poll (default 1000)\n"
"      --inflate-at-ms MS, --inflate-us US, --inflate-server I\n"
"      --ctl-tick-us US  latency controller period (default 1000)\n"
"      --sample-us US    fairness sampling period (default: mean job)\n"
"      --series FILE     time series of the (last) run: t,jain,load,share\n"
"      --csv             CSV instead of the table\n"
"      --progress        progress line on stderr (default: if a tty)\n"
"  model: -c LIST (default 1,2,4,8,16), -r LIST, --delta D (hop delay in\n"
"         mean job times)\n");
}

static int
parse_list(const char *s, double *v, int max)
{
	int n = 0;
	char *dup = strdup(s), *save = NULL;

	if (dup == NULL)
		return -1;
	for (char *t = strtok_r(dup, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save)) {
		char *end;

		if (n == max) {
			n = -1;
			break;
		}
		v[n] = strtod(t, &end);
		if (*end != '\0') {
			n = -1;
			break;
		}
		n++;
	}
	free(dup);
	return n;
}

static double
model_mean(const struct sim_conf *c)
{
	double d = (double)c->delay_ns / (double)c->job_mean_ns;

	if (c->clients || c->n_workers != 1 || c->dist != SIM_DIST_EXP)
		return NAN;
	switch (c->policy) {
	case SIM_POL_SC:
	case SIM_POL_RANDOM:
		return sim_model_sc_mean(c->rho) + 2 * d;
	case SIM_POL_SR:
		if (c->sr_c == 0)
			return NAN;
		return sim_model_sr_mean_delay(c->rho, c->sr_c, d) + 2 * d;
	case SIM_POL_JSQ:
		/* the mean field needs d << N: d = all servers has none */
		if (c->dyn_d == 0)
			return NAN;
		return sim_model_jsqd_mean(c->rho, c->dyn_d) + 2 * d;
	default:
		return NAN;
	}
}

static int
cmd_model(int argc, char **argv)
{
	double cs[MAX_LIST] = { 1, 2, 4, 8, 16 };
	double rhos[MAX_LIST] = { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8,
				  0.85, 0.88, 0.9, 0.95 };
	int nc = 5, nr = 12;
	double delta = 0;
	bool csv = false;
	static const struct option opts[] = {
		{ "c", required_argument, NULL, 'c' },
		{ "rho", required_argument, NULL, 'r' },
		{ "delta", required_argument, NULL, 'd' },
		{ "csv", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	optind = 1;
	while ((o = getopt_long(argc, argv, "c:r:h", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			nc = parse_list(optarg, cs, MAX_LIST);
			break;
		case 'r':
			nr = parse_list(optarg, rhos, MAX_LIST);
			break;
		case 'd':
			delta = arg_d(optarg);
			break;
		case 'C':
			csv = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
		if (nc < 0 || nr < 0) {
			fprintf(stderr, "dsrlb-sim: bad list\n");
			return 2;
		}
	}
	if (csv) {
		printf("rho,sc_mm1");
		for (int i = 0; i < nc; i++)
			printf(",sr%d_mean,sr%d_sc", (int)cs[i], (int)cs[i]);
		printf("\n");
	} else {
		printf("# mean response time in units of the mean job (mu = 1),"
		       " n = 1 worker, N -> inf; delta = %g\n", delta);
		printf("# SC: 1/(1-rho); SR_c: 6LB eq. (6)/(7), s_c from eq. (5)"
		       "\n%5s %8s", "rho", "SC");
		for (int i = 0; i < nc; i++)
			printf("  %7s%-3d %6s", "SR_", (int)cs[i], "s_c");
		printf("\n");
	}
	for (int r = 0; r < nr; r++) {
		printf(csv ? "%g,%.6f" : "%5.2f %8.4f", rhos[r],
		       sim_model_sc_mean(rhos[r]));
		for (int i = 0; i < nc; i++) {
			unsigned int c = (unsigned int)cs[i];

			printf(csv ? ",%.6f,%.6f" : "  %10.4f %6.4f",
			       sim_model_sr_mean_delay(rhos[r], c, delta),
			       sim_model_sc(rhos[r], c));
		}
		printf("\n");
	}
	return 0;
}

enum {
	O_WARMUP = 256, O_DIST, O_SIGMA, O_JOB, O_DELAY, O_SEED, O_M, O_SRN,
	O_CLIENTS, O_RPC, O_THINK, O_PKTS, O_PROBEN, O_POLLI, O_POLLC,
	O_INFAT, O_INFUS, O_INFSRV, O_CTL, O_SAMPLE, O_SERIES, O_CSV,
	O_PROGRESS, O_SEEDS,
};

static void
print_header(bool csv, bool lat)
{
	if (csv) {
		printf("policy,rho,clients,servers,workers,mean_ms,p50_ms,"
		       "p90_ms,p99_ms,mean_norm,p50_norm,p90_norm,p99_norm,"
		       "model_norm,err_pct,jain,jain_p10,accept1,rps,"
		       "work_util,poll_util,probes_per_req,final_c,final_n,"
		       "share_before,share_end,shift_ms,half_ms,rebuilds\n");
		return;
	}
	if (lat)
		printf("%-9s %7s %8s %8s %8s %8s %7s %7s %8s %8s %5s\n",
		       "policy", "clients", "mean_ms", "p50_ms", "p90_ms",
		       "p99_ms", "share0", "share1", "shift_ms", "half_ms",
		       "rebld");
	else
		printf("%-9s %5s %8s %8s %8s %8s %8s %7s %6s %6s %6s %8s "
		       "%5s %5s %6s\n", "policy", "rho", "mean", "p50", "p90",
		       "p99", "model", "err%", "jain", "jp10", "acc1", "rps",
		       "util", "poll", "prb/rq");
}

static void
print_row(const struct sim_conf *c, const struct sim_result *r, bool csv,
	  bool lat)
{
	char name[32];
	double m = (double)c->job_mean_ns;
	double model = model_mean(c);
	double err = isnan(model) ? NAN : 100.0 * (r->mean_ns / m - model) /
					  model;

	sim_policy_name(c, name, sizeof(name));
	if (csv) {
		printf("%s,%g,%u,%u,%u,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,"
		       "%.4f,%.4f,%.2f,%.4f,%.4f,%.4f,%.2f,%.4f,%.4f,%.4f,"
		       "%.2f,%g,%.4f,%.4f,%.2f,%.2f,%llu\n",
		       name, c->clients ? 0 : c->rho, c->clients, c->n_servers,
		       c->n_workers, r->mean_ns / 1e6, r->p50_ns / 1e6,
		       r->p90_ns / 1e6, r->p99_ns / 1e6, r->mean_ns / m,
		       r->p50_ns / m, r->p90_ns / m, r->p99_ns / m, model, err,
		       r->jain_mean, r->jain_p10, r->accept_first, r->rps,
		       r->work_util, r->poll_util, r->probes_per_req,
		       r->final_c, r->final_n, r->share_before, r->share_end,
		       r->shift_ms, r->half_ms,
		       (unsigned long long)r->rebuilds);
		return;
	}
	if (lat) {
		printf("%-9s %7u %8.3f %8.3f %8.3f %8.3f %7.3f %7.3f %8.1f "
		       "%8.1f %5llu\n", name, c->clients, r->mean_ns / 1e6,
		       r->p50_ns / 1e6, r->p90_ns / 1e6, r->p99_ns / 1e6,
		       r->share_before, r->share_end, r->shift_ms, r->half_ms,
		       (unsigned long long)r->rebuilds);
		return;
	}
	printf("%-9s %5.2f %8.3f %8.3f %8.3f %8.3f ", name,
	       c->clients ? 0 : c->rho, r->mean_ns / m, r->p50_ns / m,
	       r->p90_ns / m, r->p99_ns / m);
	if (isnan(model))
		printf("%8s %7s ", "-", "-");
	else
		printf("%8.3f %+7.1f ", model, err);
	printf("%6.3f %6.3f ", r->jain_mean, r->jain_p10);
	if (isnan(r->accept_first))
		printf("%6s ", "-");
	else
		printf("%6.3f ", r->accept_first);
	printf("%8.1f %5.3f %5.3f %6.3f\n", r->rps, r->work_util,
	       r->poll_util, r->probes_per_req);
}

static void
print_summary_header(bool csv, uint32_t seeds)
{
	if (csv) {
		printf("policy,rho,clients,servers,workers,seeds,mean_ms,"
		       "mean_ms_sd,p50_ms,p50_ms_sd,p90_ms,p90_ms_sd,p99_ms,"
		       "p99_ms_sd,mean_norm,mean_norm_sd,p99_norm,p99_norm_sd,"
		       "rel_mean,rel_mean_sd,rel_p99,rel_p99_sd,jain,jain_sd,"
		       "jain_p10,accept1,rps,rps_sd,work_util,poll_util,"
		       "probes_per_req\n");
		return;
	}
	printf("# %u seeds per row: mean over seeds, '+-' its sd over seeds; "
	       "rel, rel99: mean, p99 over the first\n# policy's with the same "
	       "seed (paired)\n", seeds);
	printf("%-10s %5s %7s %6s %7s %7s %7s %6s %6s %6s %6s %6s %6s %6s "
	       "%8s %5s %5s %6s\n", "policy", "rho", "mean", "+-", "p50",
	       "p90", "p99", "+-", "rel", "+-", "rel99", "+-", "jain", "jp10",
	       "rps", "util", "poll", "prb/rq");
}

static void
print_summary_row(const struct sim_conf *c, const struct sim_summary *s,
		  bool csv)
{
	char name[32];
	double m = (double)c->job_mean_ns;

	sim_policy_name(c, name, sizeof(name));
	if (csv) {
		printf("%s,%g,%u,%u,%u,%u,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,"
		       "%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,"
		       "%.4f,%.4f,%.4f,%.2f,%.2f,%.4f,%.4f,%.4f\n",
		       name, c->clients ? 0 : c->rho, c->clients, c->n_servers,
		       c->n_workers, s->n, s->mean_ns.mean / 1e6,
		       s->mean_ns.sd / 1e6, s->p50_ns.mean / 1e6,
		       s->p50_ns.sd / 1e6, s->p90_ns.mean / 1e6,
		       s->p90_ns.sd / 1e6, s->p99_ns.mean / 1e6,
		       s->p99_ns.sd / 1e6, s->mean_ns.mean / m,
		       s->mean_ns.sd / m, s->p99_ns.mean / m, s->p99_ns.sd / m,
		       s->rel_mean.mean, s->rel_mean.sd, s->rel_p99.mean,
		       s->rel_p99.sd, s->jain_mean.mean, s->jain_mean.sd,
		       s->jain_p10.mean, s->accept_first.mean, s->rps.mean,
		       s->rps.sd, s->work_util.mean, s->poll_util.mean,
		       s->probes_per_req.mean);
		return;
	}
	printf("%-10s %5.2f %7.3f %6.3f %7.3f %7.3f %7.3f %6.3f %6.3f %6.3f "
	       "%6.3f %6.3f %6.3f %6.3f %8.1f %5.3f %5.3f %6.3f\n", name,
	       c->clients ? 0 : c->rho, s->mean_ns.mean / m, s->mean_ns.sd / m,
	       s->p50_ns.mean / m, s->p90_ns.mean / m, s->p99_ns.mean / m,
	       s->p99_ns.sd / m, s->rel_mean.mean, s->rel_mean.sd,
	       s->rel_p99.mean, s->rel_p99.sd, s->jain_mean.mean,
	       s->jain_p10.mean, s->rps.mean, s->work_util.mean,
	       s->poll_util.mean, s->probes_per_req.mean);
}

int
main(int argc, char **argv)
{
	struct sim_conf base;
	double rhos[MAX_LIST] = { 0.5, 0.7, 0.8, 0.88, 0.9 };
	int nr = 5;
	const char *pol_list = "sc,sr4,sr8,sr16,srdyn";
	const char *series = NULL;
	bool csv = false, warm_set = false;
	int progress = -1;
	uint32_t seeds = 1;
	const char *mode = "run";

	if (argc > 1 && argv[1][0] != '-') {
		mode = argv[1];
		argv++;
		argc--;
	}
	if (strcmp(mode, "model") == 0)
		return cmd_model(argc, argv);
	sim_conf_default(&base);
	if (strcmp(mode, "dsr") == 0) {
		/* dynamic DSR §4 shape: 2 servers, back-to-back clients,
		 * jobs of about 1 s with a wide spread */
		pol_list = "rr,poll,dyn,dyn-adapt";
		base.n_servers = 2;
		base.n_workers = 8;
		base.clients = 150;
		base.dist = SIM_DIST_LOGNORMAL;
		base.sigma = 1.0;
		base.job_mean_ns = 1000000000ull;
		base.delay_ns = 200000ull;
		base.poll_cost_ns = 50000000ull;
		base.n_jobs = 20000;
	} else if (strcmp(mode, "latency") == 0) {
		/* HotNets'22 §4 shape: 2 servers, persistent connections
		 * that reconnect, 1 ms added on one server's path */
		pol_list = "lat,sc";
		base.n_servers = 2;
		base.n_workers = 8;
		base.clients = 8;
		base.reqs_per_conn = 20;
		base.job_mean_ns = 100000ull;
		base.delay_ns = 25000ull;
		base.pkts_per_req = 2;
		base.inflate_at_ns = 300000000ull;
		base.inflate_ns = 1000000ull;
		base.n_jobs = 150000;
		base.sample_ns = 1000000ull;
	} else if (strcmp(mode, "run") != 0) {
		usage(stderr);
		return 2;
	}

	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "rho", required_argument, NULL, 'r' },
		{ "servers", required_argument, NULL, 'N' },
		{ "workers", required_argument, NULL, 'w' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "warmup", required_argument, NULL, O_WARMUP },
		{ "dist", required_argument, NULL, O_DIST },
		{ "sigma", required_argument, NULL, O_SIGMA },
		{ "job-us", required_argument, NULL, O_JOB },
		{ "delay-us", required_argument, NULL, O_DELAY },
		{ "seed", required_argument, NULL, O_SEED },
		{ "seeds", required_argument, NULL, O_SEEDS },
		{ "m", required_argument, NULL, O_M },
		{ "sr-n", required_argument, NULL, O_SRN },
		{ "clients", required_argument, NULL, O_CLIENTS },
		{ "reqs-per-conn", required_argument, NULL, O_RPC },
		{ "think-us", required_argument, NULL, O_THINK },
		{ "pkts", required_argument, NULL, O_PKTS },
		{ "probe-n", required_argument, NULL, O_PROBEN },
		{ "poll-interval-us", required_argument, NULL, O_POLLI },
		{ "poll-cost-us", required_argument, NULL, O_POLLC },
		{ "inflate-at-ms", required_argument, NULL, O_INFAT },
		{ "inflate-us", required_argument, NULL, O_INFUS },
		{ "inflate-server", required_argument, NULL, O_INFSRV },
		{ "ctl-tick-us", required_argument, NULL, O_CTL },
		{ "sample-us", required_argument, NULL, O_SAMPLE },
		{ "series", required_argument, NULL, O_SERIES },
		{ "csv", no_argument, NULL, O_CSV },
		{ "progress", no_argument, NULL, O_PROGRESS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	optind = 1;
	while ((o = getopt_long(argc, argv, "p:r:N:w:j:h", opts, NULL)) !=
	       -1) {
		switch (o) {
		case 'p': pol_list = optarg; break;
		case 'r':
			nr = parse_list(optarg, rhos, MAX_LIST);
			if (nr <= 0) {
				fprintf(stderr, "dsrlb-sim: bad --rho\n");
				return 2;
			}
			break;
		case 'N': base.n_servers = arg_u32(optarg); break;
		case 'w': base.n_workers = arg_u32(optarg); break;
		case 'j': base.n_jobs = arg_u64(optarg); break;
		case O_WARMUP:
			base.warmup_jobs = arg_u64(optarg);
			warm_set = true;
			break;
		case O_DIST:
			if (strcmp(optarg, "exp") == 0) {
				base.dist = SIM_DIST_EXP;
			} else if (strcmp(optarg, "lognormal") == 0) {
				base.dist = SIM_DIST_LOGNORMAL;
			} else {
				fprintf(stderr, "dsrlb-sim: bad --dist\n");
				return 2;
			}
			break;
		case O_SIGMA: base.sigma = arg_d(optarg); break;
		case O_JOB:
			base.job_mean_ns = (uint64_t)(arg_d(optarg) *
						      1e3);
			break;
		case O_DELAY:
			base.delay_ns = (uint64_t)(arg_d(optarg) * 1e3);
			break;
		case O_SEED: base.seed = arg_u64(optarg); break;
		case O_SEEDS: seeds = arg_u32(optarg); break;
		case O_M: base.chash_m = arg_u32(optarg); break;
		case O_SRN: base.sr_n = arg_u32(optarg); break;
		case O_CLIENTS: base.clients = arg_u32(optarg); break;
		case O_RPC: base.reqs_per_conn = arg_u32(optarg); break;
		case O_THINK:
			base.think_ns = (uint64_t)(arg_d(optarg) * 1e3);
			break;
		case O_PKTS: base.pkts_per_req = arg_u32(optarg); break;
		case O_PROBEN: base.probe_n = arg_u32(optarg); break;
		case O_POLLI:
			base.poll_interval_ns =
				(uint64_t)(arg_d(optarg) * 1e3);
			break;
		case O_POLLC:
			base.poll_cost_ns = (uint64_t)(arg_d(optarg) *
						       1e3);
			break;
		case O_INFAT:
			base.inflate_at_ns = (uint64_t)(arg_d(optarg) *
							1e6);
			break;
		case O_INFUS:
			base.inflate_ns = (uint64_t)(arg_d(optarg) *
						     1e3);
			break;
		case O_INFSRV:
			base.inflate_server = arg_u32(optarg);
			break;
		case O_CTL:
			base.ctl_tick_ns = (uint64_t)(arg_d(optarg) *
						      1e3);
			break;
		case O_SAMPLE:
			base.sample_ns = (uint64_t)(arg_d(optarg) *
						    1e3);
			break;
		case O_SERIES: series = optarg; break;
		case O_CSV: csv = true; break;
		case O_PROGRESS: progress = 1; break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (seeds == 0 || seeds > MAX_SEEDS) {
		fprintf(stderr, "dsrlb-sim: --seeds is 1..%u\n", MAX_SEEDS);
		return 2;
	}
	if (seeds > 1 && strcmp(mode, "latency") == 0) {
		fprintf(stderr, "dsrlb-sim: --seeds is for run and dsr\n");
		return 2;
	}
	if (!warm_set)
		base.warmup_jobs = base.n_jobs / 10;
	base.progress = progress == 1 || (progress < 0 && isatty(2));

	enum sim_policy pols[MAX_LIST];
	uint32_t pcs[MAX_LIST];
	int np = 0;
	char *dup = strdup(pol_list), *save = NULL;

	for (char *t = strtok_r(dup, ",", &save); t != NULL && np < MAX_LIST;
	     t = strtok_r(NULL, ",", &save)) {
		/* no number in the name: SR's default c, all servers (d 0) */
		pcs[np] = UINT32_MAX;
		if (sim_policy_parse(t, &pols[np], &pcs[np]) != 0) {
			fprintf(stderr, "dsrlb-sim: unknown policy %s\n", t);
			free(dup);
			return 2;
		}
		np++;
	}
	free(dup);

	FILE *sf = NULL;

	if (series != NULL) {
		sf = fopen(series, "w");
		if (sf == NULL) {
			perror(series);
			return 1;
		}
	}
	bool lat_table = strcmp(mode, "latency") == 0;

	char seed_txt[64];

	if (seeds > 1)
		snprintf(seed_txt, sizeof(seed_txt), "seeds %llu..%llu",
			 (unsigned long long)base.seed,
			 (unsigned long long)(base.seed + seeds - 1));
	else
		snprintf(seed_txt, sizeof(seed_txt), "seed %llu",
			 (unsigned long long)base.seed);
	if (!csv)
		printf("# dsrlb-sim %s: N = %u servers x %u workers, %s jobs "
		       "(mean %.3f ms%s), delay %.3f ms, %llu requests "
		       "(+%llu warm-up), %s%s\n# times in units of the "
		       "mean job (table) and ms (csv)\n", mode,
		       base.n_servers, base.n_workers,
		       base.dist == SIM_DIST_EXP ? "exponential" :
		       "log-normal", base.job_mean_ns / 1e6,
		       base.dist == SIM_DIST_EXP ? "" : ", sigma given",
		       base.delay_ns / 1e6,
		       (unsigned long long)base.n_jobs,
		       (unsigned long long)base.warmup_jobs, seed_txt,
		       base.clients ? ", closed loop" : "");
	if (seeds > 1)
		print_summary_header(csv, seeds);
	else
		print_header(csv, lat_table);
	int loads = base.clients ? 1 : nr;
	struct sim_result *res = calloc((size_t)np * seeds, sizeof(*res));

	if (res == NULL) {
		perror("dsrlb-sim");
		return 1;
	}
	for (int li = 0; li < loads; li++) {
		for (int pi = 0; pi < np; pi++) {
			struct sim_conf c = base;
			char label[80], name[32];

			c.policy = pols[pi];
			if (pcs[pi] != UINT32_MAX) {
				if (c.policy == SIM_POL_SR)
					c.sr_c = pcs[pi];
				else
					c.dyn_d = pcs[pi];
			}
			c.rho = rhos[li];
			sim_policy_name(&c, name, sizeof(name));
			for (uint32_t k = 0; k < seeds; k++) {
				struct sim_result *r = &res[pi * seeds + k];

				c.seed = base.seed + k;
				snprintf(label, sizeof(label),
					 "%s rho %.2f seed %llu", name, c.rho,
					 (unsigned long long)c.seed);
				c.label = label;
				if (sf != NULL) {
					rewind(sf);
					if (ftruncate(fileno(sf), 0) != 0)
						perror("ftruncate");
					fprintf(sf, "# %s\nt_s,jain,load,share"
						"\n", label);
					c.series = sf;
				}
				int rc = sim_run(&c, r);

				if (rc != 0) {
					fprintf(stderr, "dsrlb-sim: %s: %s\n",
						label, strerror(-rc));
					free(res);
					return 1;
				}
				if (seeds == 1)
					print_row(&c, r, csv, lat_table);
			}
			if (seeds > 1) {
				struct sim_summary sum;

				/* paired with policy 0 at this load: same
				 * seeds, hence same arrivals and jobs */
				if (sim_summarise(&res[pi * seeds], res, seeds,
						  &sum) != 0) {
					free(res);
					return 1;
				}
				print_summary_row(&c, &sum, csv);
			}
			fflush(stdout);
		}
	}
	free(res);
	if (sf != NULL)
		fclose(sf);
	return 0;
}

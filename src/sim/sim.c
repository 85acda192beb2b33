/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Discrete-event simulator of a server farm behind the appliance; see
 * sim.h and docs/evaluation.md. Time is in integer nanoseconds (what the
 * policies take); events with the same time run in scheduling order.
 */
#include "sim.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsrlb/baseline_select.h"
#include "dsrlb/busy_select.h"
#include "dsrlb/chash.h"
#include "dsrlb/flow_hash.h"
#include "dsrlb/lb_recover.h"
#include "dsrlb/latency_ctl.h"
#include "dsrlb/latency_est.h"
#include "dsrlb/probe_sched.h"
#include "dsrlb/rng.h"
#include "dsrlb/sr_accept.h"

#define NONE UINT32_MAX

enum ev_type {
	EV_ARRIVAL = 0, /* open loop: next Poisson arrival */
	EV_SEND,        /* closed loop: client a sends a request */
	EV_AT_SERVER,   /* job a reaches server b (c: sr role) */
	EV_DONE,        /* job a finishes at server b */
	EV_RESP,        /* response of job a reaches its client */
	EV_PROBE_AT,    /* in-band probe reaches server b */
	EV_ANSWER,      /* score c of server b reaches the LB (a: owner) */
	EV_POLL_TICK,   /* periodic polling round */
	EV_POLL_AT,     /* poll job a reaches server b */
	EV_SAMPLE,      /* fairness sample */
	EV_CTL,         /* latency controller tick */
};

struct ev {
	uint64_t t;
	uint64_t seq;
	uint32_t type;
	uint32_t a;
	uint32_t b;
	uint32_t c;
};

enum job_kind { JOB_REQ = 0, JOB_POLL };

struct job {
	uint64_t t_lb;      /* reached the LB (open) or was sent (closed) */
	uint64_t svc;       /* service time */
	uint32_t next;      /* FIFO link */
	uint32_t client;    /* closed loop: client; NONE: open loop */
	uint32_t cand[2];   /* SR candidates */
	uint32_t owner;     /* poll: request waiting for it, or NONE */
	uint32_t pending;   /* request: poll answers still awaited */
	uint32_t score;     /* poll: score read when served */
	uint8_t kind;
	uint8_t measured;
	uint8_t new_flow;   /* first request of its connection */
};

struct server {
	uint32_t busy;      /* workers in use (jobs and polls) */
	uint32_t conns;     /* requests present (in service + queued) */
	uint32_t head, tail;
	uint64_t work_ns;   /* worker time spent on requests (measured) */
	uint64_t poll_ns;   /* worker time spent on polls (measured) */
};

struct client {
	uint32_t server;    /* current connection's server, NONE: none */
	uint32_t left;      /* requests left on the connection */
	uint32_t bucket_b;  /* backend of the connection (for estimates) */
	struct lat_flow lat;
};

struct sim {
	const struct sim_conf *c;
	struct sim_result *r;
	uint64_t now;
	uint64_t seq;
	struct ev *heap;
	size_t heap_n, heap_cap;
	struct job *jobs;
	uint32_t jobs_n, jobs_cap, jobs_free;
	struct server *srv;
	struct client *cli;
	struct rng r_arr, r_svc, r_tuple, r_pol;
	double ln_mu;
	uint64_t issued;     /* requests issued (arrivals or sends) */
	uint64_t total;      /* warmup + measured */
	bool arrivals_done;
	uint64_t t_meas0, t_meas1; /* measurement window */
	bool meas_started;
	/* response times of measured requests */
	double *rt;
	uint64_t rt_n;
	/* fairness samples */
	double *jain;
	size_t jain_n, jain_cap;
	/* policies */
	struct chash_table *table;
	struct chash_table *cand;   /* rrD, randomD, latD: C = d (issue 17) */
	struct baseline_table *base;
	struct sr_accept *sr;
	struct busy_table *busy;
	struct probe_sched *probe;
	struct lat_ctl *ctl;
	struct lat_backend *agg;
	uint64_t *est;
	uint64_t sr_first, sr_first_acc;
	uint64_t probes;
	uint64_t measured_reqs_lb;
	/* progress */
	bool progress;
	uint64_t next_progress;
};

/* ---- event heap ---- */

static bool
ev_less(const struct ev *x, const struct ev *y)
{
	return x->t < y->t || (x->t == y->t && x->seq < y->seq);
}

static int
push(struct sim *s, uint64_t t, uint32_t type, uint32_t a, uint32_t b,
     uint32_t c)
{
	if (s->heap_n == s->heap_cap) {
		size_t cap = s->heap_cap ? s->heap_cap * 2 : 1024;
		struct ev *h = realloc(s->heap, cap * sizeof(*h));

		if (h == NULL)
			return -ENOMEM;
		s->heap = h;
		s->heap_cap = cap;
	}
	struct ev e = { t, s->seq++, type, a, b, c };
	size_t i = s->heap_n++;

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!ev_less(&e, &s->heap[p]))
			break;
		s->heap[i] = s->heap[p];
		i = p;
	}
	s->heap[i] = e;
	return 0;
}

static struct ev
pop(struct sim *s)
{
	struct ev top = s->heap[0];
	struct ev last = s->heap[--s->heap_n];
	size_t i = 0;

	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l >= s->heap_n)
			break;
		m = l;
		if (l + 1 < s->heap_n && ev_less(&s->heap[l + 1], &s->heap[l]))
			m = l + 1;
		if (!ev_less(&s->heap[m], &last))
			break;
		s->heap[i] = s->heap[m];
		i = m;
	}
	if (s->heap_n > 0)
		s->heap[i] = last;
	return top;
}

/* ---- jobs ---- */

static uint32_t
job_new(struct sim *s)
{
	uint32_t j;

	if (s->jobs_free != NONE) {
		j = s->jobs_free;
		s->jobs_free = s->jobs[j].next;
	} else {
		if (s->jobs_n == s->jobs_cap) {
			uint32_t cap = s->jobs_cap ? s->jobs_cap * 2 : 1024;
			struct job *n = realloc(s->jobs, cap * sizeof(*n));

			if (n == NULL)
				return NONE;
			s->jobs = n;
			s->jobs_cap = cap;
		}
		j = s->jobs_n++;
	}
	memset(&s->jobs[j], 0, sizeof(s->jobs[j]));
	s->jobs[j].next = NONE;
	s->jobs[j].client = NONE;
	s->jobs[j].owner = NONE;
	s->jobs[j].cand[0] = s->jobs[j].cand[1] = NONE;
	return j;
}

static void
job_free(struct sim *s, uint32_t j)
{
	s->jobs[j].next = s->jobs_free;
	s->jobs_free = j;
}

static uint64_t
draw_service(struct sim *s)
{
	const struct sim_conf *c = s->c;
	double u = rng_unit(&s->r_svc), x;

	if (c->dist == SIM_DIST_LOGNORMAL && c->sigma > 0) {
		/* Box-Muller; same mean as the exponential */
		double u2 = rng_unit(&s->r_svc);
		double z = sqrt(-2.0 * log(1.0 - u)) * cos(2.0 * M_PI * u2);

		x = exp(s->ln_mu + c->sigma * z);
	} else {
		x = -log(1.0 - u) * (double)c->job_mean_ns;
	}
	if (x < 1.0)
		x = 1.0;
	if (x > 1e18)
		x = 1e18;
	return (uint64_t)x;
}

/* ---- servers ---- */

static bool
measuring(const struct sim *s)
{
	return s->meas_started && !s->arrivals_done;
}

static int
start(struct sim *s, uint32_t b, uint32_t j)
{
	struct server *sv = &s->srv[b];
	struct job *jb = &s->jobs[j];

	sv->busy++;
	if (jb->kind == JOB_POLL) {
		jb->score = sv->conns;
		if (measuring(s))
			sv->poll_ns += jb->svc;
	} else if (measuring(s)) {
		sv->work_ns += jb->svc;
	}
	return push(s, s->now + jb->svc, EV_DONE, j, b, 0);
}

/* A request (or a poll, at the head: it is served next) joins server b. */
static int
enqueue(struct sim *s, uint32_t b, uint32_t j)
{
	struct server *sv = &s->srv[b];
	struct job *jb = &s->jobs[j];

	if (jb->kind == JOB_REQ)
		sv->conns++;
	if (sv->busy < s->c->n_workers)
		return start(s, b, j);
	if (jb->kind == JOB_POLL) {
		jb->next = sv->head;
		sv->head = j;
		if (sv->tail == NONE)
			sv->tail = j;
	} else {
		jb->next = NONE;
		if (sv->tail == NONE)
			sv->head = j;
		else
			s->jobs[sv->tail].next = j;
		sv->tail = j;
	}
	return 0;
}

/* ---- policies ---- */

static uint32_t
flow_hash32(struct sim *s)
{
	uint8_t sa[4], da[4] = { 192, 0, 2, 80 };
	uint64_t x = rng_next(&s->r_tuple);

	memcpy(sa, &x, 4);
	return (uint32_t)flow_hash_ipv4(s->c->seed, sa, da,
					(uint16_t)(x >> 32), 80, 6);
}

static int
build_table_into(struct sim *s, struct chash_table **into, uint32_t c,
		 const uint32_t *weights)
{
	uint32_t n = s->c->n_servers;
	struct chash_backend *bk = calloc(n, sizeof(*bk));
	struct chash_config cfg = { .m = s->c->chash_m, .c = c,
				    .seed = s->c->seed };
	struct chash_table *t = NULL;
	int rc;

	if (bk == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		bk[i].key[0] = 10;
		bk[i].key[1] = 1;
		bk[i].key[2] = (uint8_t)(i >> 8);
		bk[i].key[3] = (uint8_t)i;
		bk[i].key_len = 4;
		bk[i].weight = (uint16_t)(weights ? weights[i] : 1);
	}
	rc = chash_build(&t, &cfg, bk, n);
	free(bk);
	if (rc != 0)
		return rc;
	chash_free(*into);
	*into = t;
	return 0;
}

static int
build_table(struct sim *s, uint32_t c, const uint32_t *weights)
{
	return build_table_into(s, &s->table, c, weights);
}

static double
table_share(const struct sim *s, uint32_t b)
{
	return (double)s->table->members[b].owned_first / s->table->m;
}

/* Send the request's packets through the LB's per-packet hooks. */
static int
lb_packets(struct sim *s, uint32_t j, uint32_t b)
{
	const struct sim_conf *c = s->c;
	struct job *jb = &s->jobs[j];

	if (jb->client != NONE) {
		struct client *cl = &s->cli[jb->client];

		for (uint32_t p = 0; p < c->pkts_per_req; p++) {
			uint64_t smp;

			if (lat_flow_packet(&cl->lat, s->now + p * c->pkt_gap_ns,
					    &smp, NULL))
				lat_backend_sample(&s->agg[b], smp,
						   s->now + p * c->pkt_gap_ns);
		}
	}
	if (s->probe != NULL) {
		for (uint32_t p = 0; p < c->pkts_per_req; p++) {
			uint64_t t = s->now + p * c->pkt_gap_ns;

			if (probe_sched_packet(s->probe, b, t)) {
				s->probes++;
				int rc = push(s, t + c->delay_ns, EV_PROBE_AT,
					      NONE, b, 0);
				if (rc)
					return rc;
			}
		}
	}
	return 0;
}

/* Forward request j to backend b (after the LB's decision). */
static int
forward(struct sim *s, uint32_t j, uint32_t b, uint32_t role)
{
	if (s->jobs[j].client != NONE && s->jobs[j].new_flow)
		s->cli[s->jobs[j].client].server = b;
	int rc = push(s, s->now + s->c->delay_ns, EV_AT_SERVER, j, b, role);

	if (rc)
		return rc;
	return lb_packets(s, j, b);
}

static int
send_polls(struct sim *s, uint32_t owner)
{
	for (uint32_t b = 0; b < s->c->n_servers; b++) {
		uint32_t p = job_new(s);

		if (p == NONE)
			return -ENOMEM;
		s->jobs[p].kind = JOB_POLL;
		s->jobs[p].svc = s->c->poll_cost_ns ? s->c->poll_cost_ns : 1;
		s->jobs[p].owner = owner;
		s->probes++;
		int rc = push(s, s->now + s->c->delay_ns, EV_POLL_AT, p, b, 0);
		if (rc)
			return rc;
	}
	if (owner != NONE)
		s->jobs[owner].pending = s->c->n_servers;
	return 0;
}

/* JSQ bound: the score table holds the exact request count of each
 * candidate (@p l, or servers 0..n-1 when NULL) at the decision, as if
 * probes cost nothing, took no time and were never stale. */
static void
jsq_refresh(struct sim *s, const uint16_t *l, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t b = l != NULL ? l[i] : i;

		busy_select_update(s->busy, b, s->srv[b].conns, s->now);
	}
}

/* The LB decides where a new flow goes. */
static int
decide(struct sim *s, uint32_t j)
{
	const struct sim_conf *c = s->c;
	uint32_t b = NONE;

	if (s->cand != NULL) {
		/* rrD, randomD, latD: the appliance's pick among the flow's
		 * d recovery candidates (lb_engine.c recover_pick) */
		const uint32_t h = flow_hash32(s);
		const uint16_t *l = chash_lookup(s->cand, h);
		const uint32_t k = s->cand->c;

		if (c->policy == SIM_POL_RR)
			b = lb_recover_rr_among(s->base, l, k,
						LB_RECOVER_PICK_TRIES);
		else if (c->policy == SIM_POL_LAT)
			b = lb_recover_table_among(s->table, h, l, k,
						   LB_RECOVER_PICK_TRIES);
		else
			b = l[rng_below(&s->r_pol, k)];
		if (b == BASELINE_NONE || b == CHASH_NO_BACKEND)
			b = l[0];
		return forward(s, j, b, SR_ACCEPT_ROLE_FORCE);
	}
	switch (c->policy) {
	case SIM_POL_SC:
	case SIM_POL_LAT:
		b = chash_lookup(s->table, flow_hash32(s))[0];
		break;
	case SIM_POL_RR:
		b = baseline_rr_pick(s->base);
		break;
	case SIM_POL_RANDOM:
		b = baseline_random_pick(s->base, &s->r_pol);
		break;
	case SIM_POL_SR:
	case SIM_POL_SRDYN: {
		const uint16_t *l = chash_lookup(s->table, flow_hash32(s));

		s->jobs[j].cand[0] = l[0];
		s->jobs[j].cand[1] = l[1];
		return forward(s, j, l[0], SR_ACCEPT_ROLE_AVAIL);
	}
	case SIM_POL_DYN:
	case SIM_POL_DYN_ADAPT:
	case SIM_POL_JSQ:
		if (c->dyn_d != 0) {
			/* power of d: only the flow's C = d list, which any
			 * appliance can recompute from the 5-tuple (issue 17) */
			const uint16_t *l = chash_lookup(s->table,
							 flow_hash32(s));

			if (c->policy == SIM_POL_JSQ)
				jsq_refresh(s, l, s->table->c);
			b = busy_select_pick_among(s->busy, s->now, l,
						   s->table->c, &s->r_pol);
		} else {
			if (c->policy == SIM_POL_JSQ)
				jsq_refresh(s, NULL, c->n_servers);
			b = busy_select_pick(s->busy, s->now, &s->r_pol);
		}
		break;
	case SIM_POL_POLL:
		if (c->poll_interval_ns == 0)
			return send_polls(s, j); /* forwarded on the answers */
		b = busy_select_pick(s->busy, s->now, &s->r_pol);
		break;
	}
	if (b == NONE)
		return -EIO;
	return forward(s, j, b, SR_ACCEPT_ROLE_FORCE);
}

/* ---- events ---- */

static int
issue(struct sim *s, uint32_t client)
{
	uint32_t j = job_new(s);

	if (j == NONE)
		return -ENOMEM;
	struct job *jb = &s->jobs[j];

	jb->kind = JOB_REQ;
	jb->t_lb = s->now;
	jb->svc = draw_service(s);
	jb->client = client;
	jb->measured = s->issued >= s->c->warmup_jobs;
	if (jb->measured && !s->meas_started) {
		s->meas_started = true;
		s->t_meas0 = s->now;
	}
	s->issued++;
	if (s->issued >= s->total && !s->arrivals_done) {
		s->arrivals_done = true;
		s->t_meas1 = s->now;
	}
	if (client != NONE) {
		struct client *cl = &s->cli[client];

		if (cl->left == 0 || cl->server == NONE) {
			cl->left = s->c->reqs_per_conn;
			cl->server = NONE;
			lat_flow_init(&cl->lat, 0);
			jb->new_flow = 1;
		}
		cl->left--;
		if (!jb->new_flow)
			return forward(s, j, cl->server,
				       SR_ACCEPT_ROLE_FORCE);
	}
	jb->new_flow = 1;
	return decide(s, j);
}

static int
on_at_server(struct sim *s, const struct ev *e)
{
	struct job *jb = &s->jobs[e->a];
	uint32_t b = e->b;

	if ((s->c->policy == SIM_POL_SR || s->c->policy == SIM_POL_SRDYN) &&
	    jb->new_flow && jb->cand[0] != NONE) {
		/* the agent of candidate b decides (6LB Algorithms 1, 2);
		 * its b: the flows it holds (see docs/evaluation.md) */
		enum sr_accept_verdict v =
			sr_accept_decide(&s->sr[b], (enum sr_accept_role)e->c,
					 s->srv[b].conns);

		if (e->c == SR_ACCEPT_ROLE_AVAIL && jb->measured) {
			s->sr_first++;
			if (v == SR_ACCEPT_ACCEPTED)
				s->sr_first_acc++;
		}
		if (v == SR_ACCEPT_PASS) {
			if (jb->client != NONE)
				s->cli[jb->client].server = jb->cand[1];
			return push(s, s->now + s->c->delay_ns, EV_AT_SERVER,
				    e->a, jb->cand[1], SR_ACCEPT_ROLE_FORCE);
		}
		if (jb->client != NONE)
			s->cli[jb->client].server = b;
	}
	return enqueue(s, b, e->a);
}

static void
record(struct sim *s, uint32_t j, uint64_t t_resp)
{
	struct job *jb = &s->jobs[j];

	if (jb->measured)
		s->rt[s->rt_n++] = (double)(t_resp - jb->t_lb);
}

static uint64_t
inflation(const struct sim *s, uint32_t b)
{
	const struct sim_conf *c = s->c;

	if (c->inflate_at_ns && b == c->inflate_server &&
	    s->now >= c->inflate_at_ns)
		return c->inflate_ns;
	return 0;
}

static int
on_done(struct sim *s, const struct ev *e)
{
	struct server *sv = &s->srv[e->b];
	struct job *jb = &s->jobs[e->a];
	uint32_t j = e->a;
	int rc = 0;

	sv->busy--;
	if (sv->head != NONE) {
		uint32_t n = sv->head;

		sv->head = s->jobs[n].next;
		if (sv->head == NONE)
			sv->tail = NONE;
		rc = start(s, e->b, n);
		if (rc)
			return rc;
	}
	if (jb->kind == JOB_POLL) {
		rc = push(s, s->now + s->c->delay_ns, EV_ANSWER, jb->owner,
			  e->b, jb->score);
		job_free(s, j);
		return rc;
	}
	sv->conns--;
	uint64_t t_resp = s->now + s->c->delay_ns + inflation(s, e->b);

	if (jb->client == NONE) {
		record(s, j, t_resp);
		job_free(s, j);
		return 0;
	}
	return push(s, t_resp, EV_RESP, j, e->b, 0);
}

static int
on_answer(struct sim *s, const struct ev *e)
{
	if (s->c->policy == SIM_POL_DYN || s->c->policy == SIM_POL_DYN_ADAPT) {
		if (probe_sched_answer(s->probe, e->b, (uint16_t)e->c,
				       s->now) == 0)
			busy_select_update(s->busy, e->b, e->c, s->now);
		return 0;
	}
	busy_select_update(s->busy, e->b, e->c, s->now);
	if (e->a != NONE && --s->jobs[e->a].pending == 0) {
		uint32_t b = busy_select_pick(s->busy, s->now, &s->r_pol);

		if (b == NONE)
			return -EIO;
		return forward(s, e->a, b, SR_ACCEPT_ROLE_FORCE);
	}
	return 0;
}

static int
on_sample(struct sim *s)
{
	double sum = 0, sq = 0;
	uint32_t n = s->c->n_servers;

	for (uint32_t b = 0; b < n; b++) {
		double x = s->srv[b].conns;

		sum += x;
		sq += x * x;
	}
	double jn = sq > 0 ? sum * sum / (n * sq) : 1.0;

	if (measuring(s)) {
		if (s->jain_n == s->jain_cap) {
			size_t cap = s->jain_cap ? s->jain_cap * 2 : 4096;
			double *p = realloc(s->jain, cap * sizeof(*p));

			if (p == NULL)
				return -ENOMEM;
			s->jain = p;
			s->jain_cap = cap;
		}
		s->jain[s->jain_n++] = jn;
	}
	if (s->c->series != NULL) {
		double share = s->table && s->c->inflate_server < n ?
			       table_share(s, s->c->inflate_server) : 0;

		fprintf(s->c->series, "%.6f,%.4f,%.3f,%.4f\n",
			s->now / 1e9, jn, sum / n, share);
	}
	return 0;
}

static int
on_ctl(struct sim *s)
{
	uint32_t n = s->c->n_servers;

	for (uint32_t b = 0; b < n; b++)
		s->est[b] = lat_backend_estimate(&s->agg[b], 1, s->now,
						 50000000ull);
	if (lat_ctl_step(s->ctl, s->est, s->now)) {
		int rc = build_table(s, 1, s->ctl->weight);

		if (rc)
			return rc;
		s->r->rebuilds++;
		if (s->c->inflate_at_ns && s->now >= s->c->inflate_at_ns) {
			double sh = table_share(s, s->c->inflate_server);
			double dt = (s->now - s->c->inflate_at_ns) / 1e6;

			if (s->r->shift_ms < 0 && sh < 0.95 * s->r->share_before)
				s->r->shift_ms = dt;
			if (s->r->half_ms < 0 && sh < 0.5 * s->r->share_before)
				s->r->half_ms = dt;
		}
	}
	return 0;
}

static void
progress(struct sim *s, bool last)
{
	uint64_t pct = s->total ? s->issued * 100 / s->total : 100;

	if (!s->progress)
		return;
	if (!last && pct < s->next_progress)
		return;
	fprintf(stderr, "\r%-24s %3u%% %10llu requests, t = %.2f s%s",
		s->c->label ? s->c->label : "sim", (unsigned int)pct,
		(unsigned long long)s->issued, s->now / 1e9, last ? "\n" : "");
	s->next_progress = pct + 5;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
pct_of(const double *v, uint64_t n, double p)
{
	if (n == 0)
		return 0;
	uint64_t i = (uint64_t)(p * (double)(n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

/* ---- setup ---- */

void
sim_conf_default(struct sim_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->policy = SIM_POL_SC;
	c->sr_c = 4;
	c->n_servers = 16;
	c->n_workers = 1;
	c->rho = 0.8;
	c->reqs_per_conn = 1;
	c->dist = SIM_DIST_EXP;
	c->sigma = 1.0;
	c->job_mean_ns = 10000000ull;
	c->n_jobs = 200000;
	c->warmup_jobs = 20000;
	c->seed = 1;
	c->pkts_per_req = 10;
	c->pkt_gap_ns = 5000;
	c->probe_n = 100;
	c->poll_cost_ns = 1000000ull;
	c->inflate_server = 0;
	c->ctl_tick_ns = 1000000ull;
}

int
sim_policy_parse(const char *str, enum sim_policy *p, uint32_t *c)
{
	static const struct { const char *n; enum sim_policy p; } t[] = {
		{ "sc", SIM_POL_SC }, { "maglev", SIM_POL_SC },
		{ "rr", SIM_POL_RR }, { "random", SIM_POL_RANDOM },
		{ "srdyn", SIM_POL_SRDYN }, { "dyn", SIM_POL_DYN },
		{ "dyn-adapt", SIM_POL_DYN_ADAPT }, { "poll", SIM_POL_POLL },
		{ "lat", SIM_POL_LAT }, { "jsq", SIM_POL_JSQ },
	};

	static const struct {
		const char *n;
		enum sim_policy p;
		uint32_t max;
	} num[] = {
		/* the name, then its number (SR's c, or d) right after it */
		{ "dyn-adapt", SIM_POL_DYN_ADAPT, CHASH_C_MAX },
		{ "dyn", SIM_POL_DYN, CHASH_C_MAX },
		{ "jsq", SIM_POL_JSQ, CHASH_C_MAX },
		{ "rr", SIM_POL_RR, CHASH_C_MAX },
		{ "random", SIM_POL_RANDOM, CHASH_C_MAX },
		{ "lat", SIM_POL_LAT, CHASH_C_MAX },
		{ "sr", SIM_POL_SR, SR_ACCEPT_MAX_WORKERS },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(str, t[i].n) == 0) {
			*p = t[i].p;
			return 0;
		}
	for (size_t i = 0; i < sizeof(num) / sizeof(num[0]); i++) {
		size_t len = strlen(num[i].n);
		const char *d = str + len;
		char *end;
		unsigned long v;

		if (strncmp(str, num[i].n, len) != 0 || *d < '0' || *d > '9')
			continue;
		v = strtoul(d, &end, 10);
		if (*end != '\0' || v > num[i].max ||
		    (num[i].p != SIM_POL_SR && v == 0))
			return -1;
		*p = num[i].p;
		*c = (uint32_t)v;
		return 0;
	}
	return -1;
}

const char *
sim_policy_name(const struct sim_conf *c, char *buf, unsigned int len)
{
	static const char *const names[] = {
		[SIM_POL_SC] = "sc", [SIM_POL_RR] = "rr",
		[SIM_POL_RANDOM] = "random", [SIM_POL_SR] = "sr",
		[SIM_POL_SRDYN] = "srdyn", [SIM_POL_DYN] = "dyn",
		[SIM_POL_DYN_ADAPT] = "dyn-adapt", [SIM_POL_POLL] = "poll",
		[SIM_POL_LAT] = "lat", [SIM_POL_JSQ] = "jsq",
	};

	if (c->policy == SIM_POL_SR)
		snprintf(buf, len, "sr%u", c->sr_c);
	else if ((c->policy == SIM_POL_DYN ||
		  c->policy == SIM_POL_DYN_ADAPT ||
		  c->policy == SIM_POL_JSQ || c->policy == SIM_POL_RR ||
		  c->policy == SIM_POL_RANDOM || c->policy == SIM_POL_LAT) &&
		 c->dyn_d != 0)
		snprintf(buf, len, "%s%u", names[c->policy], c->dyn_d);
	else
		snprintf(buf, len, "%s", names[c->policy]);
	return buf;
}

static int
setup(struct sim *s)
{
	const struct sim_conf *c = s->c;
	uint32_t n = c->n_servers;
	int rc;

	s->srv = calloc(n, sizeof(*s->srv));
	if (s->srv == NULL)
		return -ENOMEM;
	for (uint32_t b = 0; b < n; b++)
		s->srv[b].head = s->srv[b].tail = NONE;
	if (c->clients) {
		s->cli = calloc(c->clients, sizeof(*s->cli));
		if (s->cli == NULL)
			return -ENOMEM;
		for (uint32_t i = 0; i < c->clients; i++)
			s->cli[i].server = NONE;
	}
	s->agg = calloc(n, sizeof(*s->agg));
	s->est = calloc(n, sizeof(*s->est));
	if (s->agg == NULL || s->est == NULL)
		return -ENOMEM;

	switch (c->policy) {
	case SIM_POL_SC:
		return build_table(s, 1, NULL);
	case SIM_POL_RR:
	case SIM_POL_RANDOM:
		s->base = malloc(baseline_table_memsize(n));
		if (s->base == NULL)
			return -ENOMEM;
		rc = baseline_table_init(s->base, n, 1);
		if (rc == 0 && c->dyn_d != 0)
			rc = build_table_into(s, &s->cand, c->dyn_d, NULL);
		return rc;
	case SIM_POL_SR:
	case SIM_POL_SRDYN: {
		struct sr_accept_conf sc;
		uint32_t sr_n = c->sr_n ? c->sr_n :
				(c->n_workers > 32 ? c->n_workers : 32);

		if (n < 2)
			return -EINVAL;
		sr_accept_conf_default(&sc);
		sc.n_workers = sr_n;
		sc.dynamic = c->policy == SIM_POL_SRDYN;
		sc.c_init = sc.dynamic ? 1 : c->sr_c;
		s->sr = calloc(n, sizeof(*s->sr));
		if (s->sr == NULL)
			return -ENOMEM;
		for (uint32_t b = 0; b < n; b++) {
			rc = sr_accept_init(&s->sr[b], &sc);
			if (rc)
				return rc;
		}
		return build_table(s, 2, NULL);
	}
	case SIM_POL_DYN:
	case SIM_POL_DYN_ADAPT:
	case SIM_POL_JSQ:
	case SIM_POL_POLL: {
		struct busy_conf bc;

		busy_conf_default(&bc);
		s->busy = malloc(busy_table_memsize(n));
		if (s->busy == NULL)
			return -ENOMEM;
		rc = busy_table_init(s->busy, n, &bc);
		if (rc)
			return rc;
		if (c->policy == SIM_POL_POLL)
			return 0;
		if (c->policy == SIM_POL_JSQ)
			return c->dyn_d != 0 ? build_table(s, c->dyn_d, NULL) :
			       0;
		struct probe_conf pc;

		probe_conf_default(&pc);
		pc.n = c->probe_n;
		pc.adaptive = c->policy == SIM_POL_DYN_ADAPT;
		s->probe = malloc(probe_sched_memsize(n));
		if (s->probe == NULL)
			return -ENOMEM;
		rc = probe_sched_init(s->probe, n, &pc);
		if (rc == 0 && c->dyn_d != 0)
			rc = build_table(s, c->dyn_d, NULL);
		return rc;
	}
	case SIM_POL_LAT: {
		struct lat_ctl_conf lc;
		uint32_t *w = malloc(n * sizeof(*w));

		if (w == NULL)
			return -ENOMEM;
		for (uint32_t b = 0; b < n; b++)
			w[b] = 1;
		lat_ctl_conf_default(&lc);
		s->ctl = malloc(lat_ctl_memsize(n));
		rc = s->ctl ? lat_ctl_init(s->ctl, n, w, &lc) : -ENOMEM;
		free(w);
		if (rc)
			return rc;
		rc = build_table(s, 1, s->ctl->weight);
		if (rc == 0)
			s->r->share_before = table_share(s, c->inflate_server);
		if (rc == 0 && c->dyn_d != 0)
			rc = build_table_into(s, &s->cand, c->dyn_d, NULL);
		return rc;
	}
	}
	return -EINVAL;
}

static void
teardown(struct sim *s)
{
	free(s->heap);
	free(s->jobs);
	free(s->srv);
	free(s->cli);
	free(s->rt);
	free(s->jain);
	chash_free(s->table);
	chash_free(s->cand);
	free(s->base);
	free(s->sr);
	free(s->busy);
	free(s->probe);
	free(s->ctl);
	free(s->agg);
	free(s->est);
}

static int
run(struct sim *s)
{
	const struct sim_conf *c = s->c;
	double lambda = c->rho * c->n_servers * c->n_workers /
			(double)c->job_mean_ns; /* per ns */
	uint64_t sample = c->sample_ns ? c->sample_ns : c->job_mean_ns;
	int rc;

	if (c->clients) {
		for (uint32_t i = 0; i < c->clients; i++) {
			rc = push(s, i * 1000ull, EV_SEND, i, 0, 0);
			if (rc)
				return rc;
		}
	} else {
		rc = push(s, 0, EV_ARRIVAL, 0, 0, 0);
		if (rc)
			return rc;
	}
	if ((rc = push(s, sample, EV_SAMPLE, 0, 0, 0)) != 0)
		return rc;
	if (c->policy == SIM_POL_POLL && c->poll_interval_ns &&
	    (rc = push(s, c->poll_interval_ns, EV_POLL_TICK, 0, 0, 0)) != 0)
		return rc;
	if (c->policy == SIM_POL_LAT &&
	    (rc = push(s, c->ctl_tick_ns, EV_CTL, 0, 0, 0)) != 0)
		return rc;

	while (s->heap_n > 0) {
		struct ev e = pop(s);

		s->now = e.t;
		rc = 0;
		switch (e.type) {
		case EV_ARRIVAL:
			if (s->arrivals_done)
				break;
			rc = issue(s, NONE);
			if (rc == 0 && !s->arrivals_done) {
				double u = rng_unit(&s->r_arr);
				uint64_t dt = (uint64_t)(-log(1.0 - u) / lambda);

				rc = push(s, s->now + dt, EV_ARRIVAL, 0, 0, 0);
			}
			progress(s, false);
			break;
		case EV_SEND:
			if (!s->arrivals_done)
				rc = issue(s, e.a);
			progress(s, false);
			break;
		case EV_AT_SERVER:
			rc = on_at_server(s, &e);
			break;
		case EV_DONE:
			rc = on_done(s, &e);
			break;
		case EV_RESP:
			record(s, e.a, s->now);
			rc = push(s, s->now + c->think_ns, EV_SEND,
				  s->jobs[e.a].client, 0, 0);
			job_free(s, e.a);
			break;
		case EV_PROBE_AT:
			/* the server stamps its active connection count on
			 * its next packet back to the LB, one hop later */
			rc = push(s, s->now + c->delay_ns, EV_ANSWER, NONE,
				  e.b, s->srv[e.b].conns);
			break;
		case EV_ANSWER:
			rc = on_answer(s, &e);
			break;
		case EV_POLL_TICK:
			if (s->arrivals_done)
				break;
			rc = send_polls(s, NONE);
			if (rc == 0)
				rc = push(s, s->now + c->poll_interval_ns,
					  EV_POLL_TICK, 0, 0, 0);
			break;
		case EV_POLL_AT:
			rc = enqueue(s, e.b, e.a);
			break;
		case EV_SAMPLE:
			if (s->arrivals_done)
				break;
			rc = on_sample(s);
			if (rc == 0)
				rc = push(s, s->now + sample, EV_SAMPLE, 0, 0,
					  0);
			break;
		case EV_CTL:
			if (s->arrivals_done)
				break;
			rc = on_ctl(s);
			if (rc == 0)
				rc = push(s, s->now + c->ctl_tick_ns, EV_CTL,
					  0, 0, 0);
			break;
		}
		if (rc)
			return rc;
	}
	progress(s, true);
	return 0;
}

int
sim_run(const struct sim_conf *c, struct sim_result *r)
{
	struct sim s;
	int rc;

	if (c == NULL || r == NULL || c->n_servers == 0 ||
	    c->n_workers == 0 || c->job_mean_ns == 0 || c->n_jobs == 0 ||
	    (c->clients == 0 && !(c->rho > 0 && c->rho < 10)) ||
	    c->reqs_per_conn == 0 || c->pkts_per_req == 0 ||
	    c->n_servers > CHASH_MAX_BACKENDS || c->dyn_d > CHASH_C_MAX ||
	    (c->policy == SIM_POL_LAT && c->clients == 0) ||
	    c->inflate_server >= c->n_servers)
		return -EINVAL;
	memset(&s, 0, sizeof(s));
	memset(r, 0, sizeof(*r));
	r->shift_ms = r->half_ms = -1;
	s.c = c;
	s.r = r;
	s.jobs_free = NONE;
	s.total = c->warmup_jobs + c->n_jobs;
	s.progress = c->progress;
	rng_seed(&s.r_arr, c->seed ^ 0x6172726976616c73ull);
	rng_seed(&s.r_svc, c->seed ^ 0x7365727669636573ull);
	rng_seed(&s.r_tuple, c->seed ^ 0x7475706c65737373ull);
	rng_seed(&s.r_pol, c->seed ^ 0x706f6c6963696573ull);
	if (c->dist == SIM_DIST_LOGNORMAL)
		s.ln_mu = log((double)c->job_mean_ns) -
			  c->sigma * c->sigma / 2.0;
	s.rt = malloc((c->n_jobs + c->clients + 1) * sizeof(*s.rt));
	rc = s.rt ? setup(&s) : -ENOMEM;
	if (rc == 0)
		rc = run(&s);
	if (rc == 0) {
		qsort(s.rt, s.rt_n, sizeof(*s.rt), cmp_double);
		double sum = 0;

		for (uint64_t i = 0; i < s.rt_n; i++)
			sum += s.rt[i];
		r->completed = s.rt_n;
		r->mean_ns = s.rt_n ? sum / s.rt_n : 0;
		r->p50_ns = pct_of(s.rt, s.rt_n, 0.50);
		r->p90_ns = pct_of(s.rt, s.rt_n, 0.90);
		r->p99_ns = pct_of(s.rt, s.rt_n, 0.99);
		double js = 0;

		for (size_t i = 0; i < s.jain_n; i++)
			js += s.jain[i];
		r->jain_mean = s.jain_n ? js / s.jain_n : 1.0;
		qsort(s.jain, s.jain_n, sizeof(*s.jain), cmp_double);
		r->jain_p10 = s.jain_n ? pct_of(s.jain, s.jain_n, 0.10) : 1.0;
		r->accept_first = s.sr_first ?
				  (double)s.sr_first_acc / s.sr_first : NAN;
		double span = (double)(s.t_meas1 - s.t_meas0);
		uint64_t work = 0, poll = 0;

		for (uint32_t b = 0; b < c->n_servers; b++) {
			work += s.srv[b].work_ns;
			poll += s.srv[b].poll_ns;
		}
		double cap = span * c->n_servers * c->n_workers;

		r->rps = span > 0 ? c->n_jobs / (span / 1e9) : 0;
		r->work_util = cap > 0 ? work / cap : 0;
		r->poll_util = cap > 0 ? poll / cap : 0;
		r->probes = s.probes;
		r->probes_per_req = (double)s.probes / (double)s.total;
		if (s.sr != NULL) {
			double cs = 0;

			for (uint32_t b = 0; b < c->n_servers; b++)
				cs += sr_accept_get_c(&s.sr[b]);
			r->final_c = cs / c->n_servers;
		}
		r->final_n = s.probe ? probe_sched_get_n(s.probe) : NAN;
		if (s.table && c->policy == SIM_POL_LAT)
			r->share_end = table_share(&s, c->inflate_server);
		r->sim_s = s.now / 1e9;
	}
	teardown(&s);
	return rc;
}

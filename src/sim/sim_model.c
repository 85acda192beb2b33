/* SPDX-License-Identifier: BSD-3-Clause */
#include "sim_model.h"

#include <math.h>

static double
eq5(double lambda, unsigned int c, double s)
{
	return s * (1.0 - lambda * s) -
	       (1.0 - lambda) * pow(lambda * (1.0 + s), (double)c);
}

double
sim_model_sc(double lambda, unsigned int c)
{
	if (!(lambda >= 0.0 && lambda < 1.0) || c == 0)
		return NAN;
	if (lambda == 0.0)
		return 0.0;
	/*
	 * Equation (5) always has the root s0 = (1 - lambda) / lambda, where
	 * the denominator 1 - lambda (1 + s_c) of equation (3) vanishes: it
	 * comes from clearing that denominator and is not a solution of (3).
	 * The physical s_c is the other root in (0, lambda^c] (Theorem 1:
	 * s_n <= lambda^n); with c = 1 it is lambda itself (s_1 = lambda).
	 * Scan (0, lambda^c] for sign changes, bisect each, drop s0, keep
	 * the largest remaining root; s0 itself when it is a double root.
	 */
	const int steps = 2000;
	double s0 = (1.0 - lambda) / lambda;
	double hi = pow(lambda, (double)c);
	double best = -1.0;
	double xa = 0.0, fa = eq5(lambda, c, 0.0);

	hi = hi * (1.0 + 1e-12) + 1e-300;
	for (int i = 1; i <= steps; i++) {
		double xb = hi * i / steps, fb = eq5(lambda, c, xb);
		double root = NAN;

		if (fb == 0.0) {
			root = xb;
		} else if ((fa < 0.0 && fb > 0.0) || (fa > 0.0 && fb < 0.0)) {
			double lo = xa, up = xb, flo = fa;

			for (int k = 0; k < 200 && up - lo > 1e-17; k++) {
				double mid = 0.5 * (lo + up);
				double fm = eq5(lambda, c, mid);

				if ((fm < 0.0) == (flo < 0.0)) {
					lo = mid;
					flo = fm;
				} else {
					up = mid;
				}
			}
			root = 0.5 * (lo + up);
		}
		if (!isnan(root) && fabs(root - s0) > 1e-9 * (s0 + 1e-300) &&
		    fabs(root - s0) > 1e-12 && root > best)
			best = root;
		xa = xb;
		fa = fb;
	}
	if (best < 0.0)
		best = s0 <= hi ? s0 : NAN;
	if (c == 1)
		best = lambda;
	return best;
}

/* s_n from a known s_c (equations (3) and (4)). */
static double
sn_of(double lambda, unsigned int c, unsigned int n, double sc)
{
	if (n == 0)
		return 1.0;
	if (n >= c)
		return pow(lambda * sc, (double)(n - c)) * sc;
	/* equation (3) */
	return ((1.0 - lambda) * pow(lambda * (1.0 + sc), n) - lambda * sc) /
	       (1.0 - lambda * (1.0 + sc));
}

double
sim_model_sn(double lambda, unsigned int c, unsigned int n)
{
	return sn_of(lambda, c, n, sim_model_sc(lambda, c));
}

double
sim_model_sum_sn(double lambda, unsigned int c, unsigned int n_max)
{
	double sc = sim_model_sc(lambda, c), sum = 0.0;

	for (unsigned int n = 1; n <= n_max; n++)
		sum += sn_of(lambda, c, n, sc);
	return sum;
}

double
sim_model_sr_mean(double lambda, unsigned int c)
{
	double s = sim_model_sc(lambda, c);

	/* equation (6) */
	return (1.0 - c * s * (1.0 - lambda * s) - lambda * s * (1.0 + s)) /
	       ((1.0 - lambda * s) * (1.0 - lambda * (1.0 + s)));
}

double
sim_model_sr_mean_delay(double lambda, unsigned int c, double delta)
{
	return sim_model_sr_mean(lambda, c) + delta * sim_model_sc(lambda, c);
}

double
sim_model_sr_reject(double lambda, unsigned int c)
{
	return sim_model_sc(lambda, c);
}

double
sim_model_sc_mean(double rho)
{
	if (!(rho >= 0.0 && rho < 1.0))
		return NAN;
	return 1.0 / (1.0 - rho);
}

double
sim_model_jsqd_mean(double rho, unsigned int d)
{
	double sum = 0.0, e = 0.0, di = d;

	if (!(rho >= 0.0 && rho < 1.0) || d == 0)
		return NAN;
	if (d == 1)
		return sim_model_sc_mean(rho);
	/* Mitzenmacher (TPDS 2001) §3: s_i = lambda^((d^i - 1) / (d - 1)),
	 * E(T) = sum s_i / lambda. Term i is lambda^(d + d^2 + ... +
	 * d^(i-1)): exponent 0 for i = 1, then add d^i to go from i to
	 * i + 1. Stop when a term is below double's resolution. */
	for (int i = 1; i < 64; i++) {
		double term = pow(rho, e);

		sum += term;
		if (term < 1e-17 * sum)
			break;
		e += di;
		di *= d;
	}
	return sum;
}

/* SPDX-License-Identifier: BSD-3-Clause */
#include "sim_model.h"

#include <math.h>

double
sim_model_sc(double lambda, unsigned int c)
{
	double s = 0.0;

	if (!(lambda >= 0.0 && lambda < 1.0) || c == 0)
		return NAN;
	if (lambda == 0.0)
		return 0.0;
	/*
	 * Fixed point s = g(s) = (1 - l) (l (1 + s))^c / (1 - l s), from 0:
	 * g is increasing on [0, 1/l), so the iterates increase
	 * monotonically to the smallest root of (5), the one the paper uses
	 * (its Theorem 1 bounds it by lambda^c). Newton steps polish it.
	 */
	for (unsigned long i = 0; i < 10000000ul; i++) {
		double next = (1.0 - lambda) * pow(lambda * (1.0 + s), c) /
			      (1.0 - lambda * s);

		if (fabs(next - s) <= 1e-14 * (next > 1e-300 ? next : 1e-300)) {
			s = next;
			break;
		}
		s = next;
	}
	for (int i = 0; i < 5; i++) {
		double a = lambda * (1.0 + s);
		double f = s * (1.0 - lambda * s) -
			   (1.0 - lambda) * pow(a, c);
		double df = 1.0 - 2.0 * lambda * s -
			    (1.0 - lambda) * c * lambda * pow(a, c - 1.0);

		if (df == 0.0)
			break;
		double ns = s - f / df;

		if (!(ns > 0.0) || fabs(ns - s) > 1e-6 * s)
			break; /* keep the fixed point: Newton left it */
		s = ns;
	}
	return s;
}

double
sim_model_sn(double lambda, unsigned int c, unsigned int n)
{
	double sc = sim_model_sc(lambda, c);

	if (n == 0)
		return 1.0;
	if (n >= c)
		return pow(lambda * sc, (double)(n - c)) * sc;
	/* equation (3) */
	return ((1.0 - lambda) * pow(lambda * (1.0 + sc), n) - lambda * sc) /
	       (1.0 - lambda * (1.0 + sc));
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

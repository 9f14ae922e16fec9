/* eta: a two-parameter ridge regression, solved in closed form. */
#include <math.h>

#include "eta.h"

/* The prior's weight, as if this many files and MB^2 had been seen at the
 * typical costs: small, so that a few seconds of real data outweigh it;
 * for the per-byte cost very small, so that even the spread of sizes among
 * small files (a few KB to a few hundred) is heard before any big file. */
#define PRIOR_FILES 20.0
#define PRIOR_MB2   0.05

void eta_init(struct eta *e)
{
	*e = (struct eta){.a = ETA_PRIOR_FILE_S, .b = ETA_PRIOR_MB_S};
}

/* Minimises sum w (t - a - b m)^2 + PF (a - a0)^2 + PM (b - b0)^2 with
 * a, b >= 0: a cost is never negative, however noisy the files. */
static void solve(struct eta *e)
{
	double a11 = e->s1 + PRIOR_FILES, a12 = e->sm, a22 = e->smm + PRIOR_MB2;
	double r1 = e->st + PRIOR_FILES * ETA_PRIOR_FILE_S,
	       r2 = e->smt + PRIOR_MB2 * ETA_PRIOR_MB_S;
	double det = a11 * a22 - a12 * a12; /* > 0: the prior makes it definite */
	double a = (r1 * a22 - r2 * a12) / det, b = (a11 * r2 - a12 * r1) / det;

	if (a < 0) {
		a = 0;
		b = r2 / a22;
	}
	if (b < 0) {
		b = 0;
		a = r1 / a11;
	}
	if (isfinite(a) && isfinite(b)) {
		e->a = a;
		e->b = b;
	}
}

void eta_file(struct eta *e, uint64_t bytes, double seconds)
{
	double m = (double)bytes / 1e6;

	if (!(seconds >= 0) || !isfinite(seconds))
		return;
	e->s1 += 1;
	e->sm += m;
	e->smm += m * m;
	e->st += seconds;
	e->smt += m * seconds;
	e->busy += seconds;
	solve(e);
}

void eta_tick(struct eta *e, double wall)
{
	double keep;

	if (!(wall > 0) || !isfinite(wall))
		return;
	keep = 1 / (1 + wall / ETA_MEMORY_S); /* a decay without libm */
	e->s1 *= keep;
	e->sm *= keep;
	e->smm *= keep;
	e->st *= keep;
	e->smt *= keep;
	e->busy *= keep;
	e->wall = e->wall * keep + wall;
}

static double cost(const struct eta *e, uint64_t bytes)
{
	return e->a + e->b * (double)bytes / 1e6;
}

double eta_remaining(const struct eta *e, uint64_t files_left, uint64_t bytes_left,
		     uint64_t largest, const struct eta_busy *busy, size_t nbusy)
{
	double work = e->a * (double)files_left + e->b * (double)bytes_left / 1e6;
	/* Workers busy on average; before any measure, one. A scan waiting on
	 * its walker (a slow disk) has less than one. */
	double par = e->wall > 1 && e->busy > 0 ? e->busy / e->wall : 1, wall, floor = 0;

	if (par < 0.1)
		par = 0.1;
	for (size_t i = 0; i < nbusy; i++) {
		double c = cost(e, busy[i].bytes), spent = busy[i].seconds;
		if (!(spent >= 0) || !isfinite(spent))
			continue;
		work -= spent < c ? spent : c; /* done already, as far as it can tell */
		/* A file past its guessed cost shows the guess was low: it is
		 * given at least half of what it took so far, not 00:00. */
		if (c - spent > floor)
			floor = c - spent;
		if (spent / 2 > floor)
			floor = spent / 2;
	}
	if (largest > 0 && cost(e, largest) > floor)
		floor = cost(e, largest);
	wall = work / par;
	return wall > floor ? wall : floor > 0 ? floor : 0;
}

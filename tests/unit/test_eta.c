/* Unit tests for scanner/eta: the ETA of a scan of 10,000 small files and
 * one of 600 MB, fed what a simulated scan would give (each file's worker
 * time, +-50 % noise, ticks of 0.25 s), stays within a factor of 2.5 of the
 * real remaining time at a quarter, half and three quarters of the run,
 * whatever the order of the files, the number of workers, and for an
 * engine from half to twice as fast per byte as the estimator's guess (2.5,
 * not 2: a 600 MB file under way with nothing like it finished yet has a
 * cost nobody knows); the old bytes-only estimate did not. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "eta.h"
#include "progress.h"
#include "tap.h"

#define NSMALL 10000
#define BIG    (600ull * 1000 * 1000)
#define TICK   0.25
#define COST_F 0.0015 /* the simulated engine: seconds per file */
/* and per MB: around the estimator's guess, and half and twice it */
static double COST_MB = 0.03;

struct sim {
	uint64_t *size;
	double *start, *done; /* when each file is taken, and finished */
	double *cost;         /* the time its worker spent on it */
	size_t n;
	double end;
};

/* big_at: the index the big file has in the scan order. */
static void sim_make(struct sim *s, size_t big_at, unsigned workers)
{
	double *free_at = calloc(workers, sizeof(*free_at));

	s->n = NSMALL + 1;
	s->size = calloc(s->n, sizeof(*s->size));
	s->done = calloc(s->n, sizeof(*s->done));
	s->start = calloc(s->n, sizeof(*s->start));
	s->cost = calloc(s->n, sizeof(*s->cost));
	s->end = 0;
	srand(14);
	for (size_t i = 0; i < s->n; i++)
		s->size[i] = i == big_at ? BIG : 2000 + (uint64_t)(rand() % 38000);
	for (size_t i = 0; i < s->n; i++) { /* the next free worker takes it */
		unsigned w = 0;
		for (unsigned k = 1; k < workers; k++)
			if (free_at[k] < free_at[w])
				w = k;
		s->start[i] = free_at[w];
		/* Files of one size differ: their cost varies by +-50 %. */
		s->cost[i] = (COST_F + COST_MB * (double)s->size[i] / 1e6) *
			     (0.5 + (double)(rand() % 1000) / 1000);
		free_at[w] += s->cost[i];
		s->done[i] = free_at[w];
		if (s->done[i] > s->end)
			s->end = s->done[i];
	}
	free(free_at);
}

static void sim_free(struct sim *s)
{
	free(s->size);
	free(s->done);
	free(s->start);
	free(s->cost);
}

/* Runs the ticks up to time `at`, each finished file reported with the
 * time its worker spent on it; returns the estimate then, and the old
 * bytes-only one in *old. */
static double sim_eta(const struct sim *s, double at, double *old)
{
	struct eta e;
	uint64_t files = 0, bytes = 0, total_bytes = 0;

	for (size_t i = 0; i < s->n; i++)
		total_bytes += s->size[i];
	eta_init(&e);
	for (double t = TICK; t <= at + 1e-9; t += TICK) {
		for (size_t i = 0; i < s->n; i++)
			if (s->done[i] > t - TICK && s->done[i] <= t) {
				eta_file(&e, s->size[i], s->cost[i]);
				files++;
				bytes += s->size[i];
			}
		eta_tick(&e, TICK);
	}
	*old = bytes ? (double)(total_bytes - bytes) / ((double)bytes / at) : -1;
	/* What the progress thread knows: the files under way, and the
	 * biggest file of the pre-count while it is not under way nor done. */
	struct eta_busy busy[4];
	size_t nbusy = 0;
	uint64_t largest = BIG;
	for (size_t i = 0; i < s->n; i++) {
		if (s->start[i] <= at && s->done[i] > at && nbusy < 4)
			busy[nbusy++] = (struct eta_busy){s->size[i], at - s->start[i]};
		if (s->size[i] == BIG && s->start[i] <= at)
			largest = 0;
	}
	return eta_remaining(&e, s->n - files, total_bytes - bytes, largest, busy, nbusy);
}

static void scenario(const char *what, size_t big_at, unsigned workers)
{
	struct sim s;

	sim_make(&s, big_at, workers);
	for (int q = 1; q <= 3; q++) {
		double at = s.end * q / 4, real = s.end - at, old;
		double got = sim_eta(&s, at, &old);
		ok(got >= real / 2.5 && got <= real * 2.5,
		   "%s, %d/4 through: ETA %.1f s for %.1f s left (bytes only: %.1f s)", what, q,
		   got, real, old);
	}
	sim_free(&s);
}

int main(void)
{
	struct eta e;
	double old;
	struct sim s;

	for (double c = ETA_PRIOR_MB_S / 2; c <= ETA_PRIOR_MB_S * 2; c *= 2) {
		COST_MB = c;
		printf("# engine at %.0f MB/s\n", 1 / c);
		scenario("small files first, big one last", NSMALL, 1);
		scenario("big file first", 0, 1);
		scenario("big file in the middle, two workers", NSMALL / 2, 2);
		scenario("big file last, two workers", NSMALL, 2);
	}

	/* The case of the issue: bytes alone say "nearly done" while most of
	 * the small files are still to come. */
	sim_make(&s, 0, 1);
	sim_eta(&s, s.end / 4, &old);
	ok(old < (s.end * 3 / 4) / 2, "the bytes-only estimate was off by more than 2x (%.1f s)",
	   old);
	sim_free(&s);

	eta_init(&e);
	ok(eta_remaining(&e, 0, 0, 0, NULL, 0) == 0, "nothing left: 0");
	ok(eta_remaining(&e, 1000, 0, 0, NULL, 0) == 1000 * ETA_PRIOR_FILE_S,
	   "before any tick: the typical per-file cost");
	eta_file(&e, 10, NAN);
	eta_file(&e, 10, -1);
	eta_file(&e, 10, INFINITY);
	eta_tick(&e, NAN);
	eta_tick(&e, -1);
	ok(e.a == ETA_PRIOR_FILE_S && e.b == ETA_PRIOR_MB_S && e.wall == 0,
	   "bad times are ignored");
	for (int i = 0; i < 100; i++) /* noise that would want a negative cost */
		eta_file(&e, i % 2 ? 1 : 100000000, i % 2 ? 5 : 0.001);
	ok(e.a >= 0 && e.b >= 0 && isfinite(e.a) && isfinite(e.b), "costs stay finite and >= 0");
	ok(eta_remaining(&e, UINT64_MAX, UINT64_MAX, UINT64_MAX, NULL, 0) >= 0,
	   "huge counts do not overflow");

	/* The file on the progress line and in --progress-fd JSON. */
	char *sh = progress_shorten("/mnt/sda2/Users/an/Tài liệu/báo cáo.doc", 20);
	is_str(sh, "/mnt/sda2…áo cáo.doc", "a long path loses its middle");
	free(sh);
	sh = progress_shorten("short", 20);
	is_str(sh, "short", "a short one is left alone");
	free(sh);
	sh = progress_shorten("ti\xcc\x81\xcc\x82ng vie\xcc\xa3\xcc\x82t", 10);
	is_str(sh, "ti\xcc\x81\xcc\x82ng vie\xcc\xa3\xcc\x82t", "combining marks take no column");
	free(sh);
	sh = progress_shorten("\xe1\xbb\x9f\xe1\xbb\x9f\xe1\xbb\x9f\xe1\xbb\x9f\xe1\xbb\x9f", 4);
	is_str(sh, "\xe1\xbb\x9f\xe2\x80\xa6\xe1\xbb\x9f\xe1\xbb\x9f",
	       "cuts only between characters");
	free(sh);
	sh = progress_shorten("abcdef", 2);
	is_str(sh, "", "no room: nothing");
	free(sh);
	return done_testing();
}

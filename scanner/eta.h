/* eta: the remaining time of a scan from both the files and the bytes left.
 * Scanning one file is modelled as a + b*size: a per-file cost (opening,
 * type detection, libclamav's per-file set-up: what dominates a tree of
 * many small files) and a per-byte cost (what dominates one big file).
 * Both are measured as the scan goes, by least squares over the files
 * finished (each with the time its worker spent on it), weighted to forget
 * what is older than about a minute, and pulled weakly towards typical
 * costs so that a cost the scan could not measure yet (no big file so far)
 * is a sensible guess, not zero. The work left divided by how many workers
 * were busy on average gives the wall time left. docs/raquet-scan.md
 * "Progress". Pure arithmetic, no clock, no lock: the caller serialises;
 * unit-tested with simulated scans (tests/unit/test_eta.c). */
#ifndef RAQUET_ETA_H
#define RAQUET_ETA_H

#include <stddef.h>
#include <stdint.h>

/* What a cost falls back to while the scan has not measured it. */
#define ETA_PRIOR_FILE_S 0.002 /* seconds per file */
#define ETA_PRIOR_MB_S   0.03  /* seconds per MB: 33 MB/s (docs/performance.md) */
#define ETA_MEMORY_S     60.0  /* what is older weighs half every ~60 s */

struct eta {
	/* Weighted sums of the normal equations (sizes in MB). */
	double s1, sm, smm, st, smt;
	double busy, wall; /* weighted worker seconds and wall seconds */
	double a, b;       /* current estimates: seconds per file, per MB */
};

void eta_init(struct eta *e);

/* A file of bytes finished after seconds of a worker's time. */
void eta_file(struct eta *e, uint64_t bytes, double seconds);

/* wall seconds passed since the last tick: older observations fade. */
void eta_tick(struct eta *e, double wall);

/* A file a worker is on: its size and the seconds spent on it so far. */
struct eta_busy {
	uint64_t bytes;
	double seconds;
};

/* Wall seconds left for files_left files holding bytes_left bytes (those
 * under way included), of which busy[0..nbusy) are under way and the
 * biggest not yet started has largest bytes (0: unknown). One file is
 * scanned by one worker: the time left is never less than the biggest
 * file's own. */
double eta_remaining(const struct eta *e, uint64_t files_left, uint64_t bytes_left,
		     uint64_t largest, const struct eta_busy *busy, size_t nbusy);

#endif

/*
 * gensigs: writes a large, deterministic ClamAV signature set for `make bench`.
 *
 *   gensigs OUTDIR NHASH NBODY CLAMEXE_MD5 CLAMEXE_SIZE
 *
 * OUTDIR/bench.hdb: NHASH lines `md5:size:Raquet.Bench.Hash.N` with random
 *   md5s and sizes, plus the real md5 of clam.exe (Raquet.Bench.ClamExe).
 * OUTDIR/bench.ndb: NBODY lines `Raquet.Bench.Body.N:0:*:HEX` with random
 *   12..24 byte patterns (they match no real file: the chance that a given
 *   12-byte pattern occurs in 1 GB is about 2^-66), plus the EICAR body
 *   signature (Raquet.Bench.Eicar).
 *
 * The generator is a fixed-seed xorshift64*, so every machine writes the same
 * bytes. Built by tests/bench/run.sh with cc, not by the Makefile.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x9E3779B97F4A7C15ULL ^ 42; /* fixed seed */

static uint64_t next(void)
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545F4914F6CDD1DULL;
}

static void hex(FILE *f, int nbytes)
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < nbytes; i++) {
		unsigned b = (unsigned)(next() >> 56);
		fputc(digits[b >> 4], f);
		fputc(digits[b & 15], f);
	}
}

static FILE *open_out(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	return f;
}

static void close_out(FILE *f, const char *name)
{
	if (ferror(f) || fclose(f) != 0) {
		fprintf(stderr, "gensigs: error writing %s\n", name);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: gensigs OUTDIR NHASH NBODY CLAMEXE_MD5 CLAMEXE_SIZE\n");
		return 2;
	}
	const char *dir = argv[1];
	long nhash = atol(argv[2]), nbody = atol(argv[3]);

	FILE *f = open_out(dir, "bench.hdb");
	for (long i = 0; i < nhash; i++) {
		hex(f, 16);
		/* sizes spread like real samples: 1 KiB .. 8 MiB */
		fprintf(f, ":%llu:Raquet.Bench.Hash.%07ld\n",
			(unsigned long long)(1024 + next() % (8u << 20)), i);
	}
	fprintf(f, "%s:%s:Raquet.Bench.ClamExe\n", argv[4], argv[5]);
	close_out(f, "bench.hdb");

	f = open_out(dir, "bench.ndb");
	for (long i = 0; i < nbody; i++) {
		fprintf(f, "Raquet.Bench.Body.%06ld:0:*:", i);
		hex(f, 12 + (int)(next() % 13));
		fputc('\n', f);
	}
	const char *eicar = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE";
	fputs("Raquet.Bench.Eicar:0:*:", f);
	for (const char *p = eicar; *p; p++)
		fprintf(f, "%02x", (unsigned char)*p);
	fputc('\n', f);
	close_out(f, "bench.ndb");
	return 0;
}

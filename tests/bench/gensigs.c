/*
 * gensigs: writes a large, deterministic ClamAV signature set for `make bench`
 * and for the memory measurements with a set of the official one's size.
 *
 *   gensigs OUTDIR NHASH NBODY CLAMEXE_MD5 CLAMEXE_SIZE [NHSB NMDB NMSB NWILD NLDB]
 *
 * The bench set (the first five arguments; its bytes never change, so that
 * `make bench` figures stay comparable):
 * OUTDIR/bench.hdb: NHASH lines `md5:size:Raquet.Bench.Hash.N` with random
 *   md5s and sizes, plus the real md5 of clam.exe (Raquet.Bench.ClamExe).
 * OUTDIR/bench.ndb: NBODY lines `Raquet.Bench.Body.N:0:*:HEX` with random
 *   12..24 byte patterns (they match no real file: the chance that a given
 *   12-byte pattern occurs in 1 GB is about 2^-66), plus the EICAR body
 *   signature (Raquet.Bench.Eicar).
 *
 * The other kinds of the official set (tests/bench/sigs.sh's "full"
 * profile), each written only when its count is not 0, after the bench set
 * (same random stream: the bench files stay the same), with names shaped as
 * Talos's (Platform.Category.Family-ID-Revision):
 * OUTDIR/bench.hsb: NHSB file hashes `sha256:size:name`.
 * OUTDIR/bench.mdb: NMDB PE-section hashes `size:md5:name`, sizes multiples
 *   of 512 (the usual file alignment) from 512 B to 2 MiB.
 * OUTDIR/bench.msb: NMSB PE-section hashes `size:sha256:name`.
 * OUTDIR/wild.ndb: NWILD body signatures as real ones are written: target
 *   types (any, PE, OLE2, HTML, ELF, ASCII), offsets (`*`, `0`, `EP+n`,
 *   `EOF-n`, `n,m`) and wildcards (`??`, `{n}`, `{n-m}`, `*`, nibbles,
 *   `(aa|bb)` alternatives) between random static parts of 6 bytes or more.
 * OUTDIR/bench.ldb: NLDB logical signatures, 2 to 4 subsignatures of 8 to
 *   20 static bytes (some with a wildcard or an offset) joined by & and |,
 *   with real target types.
 * Static parts are long enough that random ones match no real file (a
 * 6-byte part occurs in a given 1 MB with a chance of about 2^-28, and a
 * wildcarded signature needs all of its parts); which subsignature
 * expressions and offsets libclamav accepts is checked by sigs.sh with
 * clamscan, which must load the set and still find the planted files.
 *
 * The generator is a fixed-seed xorshift64*, so every machine writes the same
 * bytes. Built by tests/bench/sigs.sh with cc, not by the Makefile.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT_MAX 100000000L /* a typo, not a signature set */

static uint64_t state = 0x9E3779B97F4A7C15ULL ^ 42; /* fixed seed */

static uint64_t next(void)
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545F4914F6CDD1DULL;
}

/* A number in [lo, hi]. */
static unsigned long pick(unsigned long lo, unsigned long hi)
{
	return lo + (unsigned long)(next() % (hi - lo + 1));
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

static long count(const char *s, const char *what)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < 0 || n > COUNT_MAX) {
		fprintf(stderr, "gensigs: %s must be a count from 0 to %ld, not '%s'\n", what,
			COUNT_MAX, s);
		exit(2);
	}
	return n;
}

/* A name as Talos writes them, e.g. Win.Trojan.Agent-6347423-0: about the
 * length of the real ones, which libclamav keeps in memory for each
 * signature. The number goes up with SERIAL, so no two are the same. */
static void name(FILE *f, long serial)
{
	static const char *const platform[] = {"Win", "Win", "Win",   "Win",    "Win",  "Doc",
					       "Xls", "Pdf", "Html",  "Js",     "Unix", "Andr",
					       "Osx", "Txt", "Email", "Multios"};
	static const char *const category[] = {"Trojan",   "Malware",   "Adware",     "Downloader",
					       "Worm",     "Virus",     "Exploit",    "Dropper",
					       "Packed",   "Spyware",   "Ransomware", "Keylogger",
					       "Backdoor", "Coinminer", "Phishing",   "Tool"};
	static const char *const family[] = {"Agent",    "Zbot",       "Emotet", "Ursnif",
					     "Gamarue",  "Dridex",     "Razy",   "Generic",
					     "Kryptik",  "Banload",    "Qakbot", "Lokibot",
					     "Nanocore", "AgentTesla", "Remcos", "Mirai"};
	fprintf(f, "%s.%s.%s-%07ld-%u", platform[next() % 16], category[next() % 16],
		family[next() % 16], 1000000 + serial, (unsigned)(next() % 3));
}

static void write_hsb(const char *dir, long n)
{
	FILE *f = open_out(dir, "bench.hsb");
	for (long i = 0; i < n; i++) {
		hex(f, 32);
		fprintf(f, ":%lu:", pick(1024, 8ul << 20));
		name(f, i);
		fputc('\n', f);
	}
	close_out(f, "bench.hsb");
}

/* Section sizes: mostly small sections (code stubs, resources, packer
 * sections), some large. */
static unsigned long section_size(void)
{
	return 512 * (next() % 4 ? pick(1, 256) : pick(257, 4096));
}

static void write_sections(const char *dir, const char *file, long n, int hashbytes, long base)
{
	FILE *f = open_out(dir, file);
	for (long i = 0; i < n; i++) {
		fprintf(f, "%lu:", section_size());
		hex(f, hashbytes);
		fputc(':', f);
		name(f, base + i);
		fputc('\n', f);
	}
	close_out(f, file);
}

static void hexdigit(FILE *f)
{
	fputc("0123456789abcdef"[next() % 16], f);
}

/* One wildcard between two static parts of a body signature. */
static void wildcard(FILE *f)
{
	unsigned long a;

	switch (next() % 8) {
	case 0:
	case 1:
		for (a = pick(1, 4); a > 0; a--)
			fputs("??", f);
		break;
	case 2:
		fprintf(f, "{%lu}", pick(1, 32));
		break;
	case 3:
		a = pick(0, 16);
		fprintf(f, "{%lu-%lu}", a, a + pick(4, 128));
		break;
	case 4:
		fputc('*', f);
		break;
	case 5: /* a byte known by one of its nibbles */
		if (next() % 2) {
			hexdigit(f);
			fputc('?', f);
		} else {
			fputc('?', f);
			hexdigit(f);
		}
		break;
	default: /* one of two to four bytes */
		fputc('(', f);
		hex(f, 1);
		for (a = pick(1, 3); a > 0; a--) {
			fputc('|', f);
			hex(f, 1);
		}
		fputc(')', f);
		break;
	}
}

/* Static parts of MIN..MAX bytes with a wildcard between two of them. */
static void pattern(FILE *f, int parts, int min, int max)
{
	for (int i = 0; i < parts; i++) {
		if (i > 0)
			wildcard(f);
		hex(f, (int)pick((unsigned long)min, (unsigned long)max));
	}
}

/* ClamAV target types, about as often as in the official set: mostly PE. */
static int target(void)
{
	static const int types[] = {1, 1, 1, 1, 1, 1, 0, 0, 0, 2, 3, 3, 6, 7, 7, 1};
	return types[next() % 16];
}

static void write_wild(const char *dir, long n, long base)
{
	FILE *f = open_out(dir, "wild.ndb");
	for (long i = 0; i < n; i++) {
		int t = target(), parts = (int)pick(1, 4);

		name(f, base + i);
		fprintf(f, ":%d:", t);
		switch (next() % 10) {
		case 0:
			fputs("0", f);
			break;
		case 1:
			if (t == 1 || t == 6) { /* the entry point: executables only */
				fprintf(f, "EP+%lu", pick(0, 4096));
				break;
			}
			/* fall through */
		case 2:
			fprintf(f, "EOF-%lu", pick(64, 65536));
			break;
		case 3:
			fprintf(f, "%lu,%lu", pick(0, 1024), pick(16, 4096));
			break;
		default:
			fputc('*', f);
			break;
		}
		fputc(':', f);
		/* One part alone is long; parts joined by wildcards are 6+ bytes each. */
		if (parts == 1)
			hex(f, (int)pick(12, 32));
		else
			pattern(f, parts, 6, 16);
		fputc('\n', f);
	}
	close_out(f, "wild.ndb");
}

/* A logical expression over K subsignatures (2..4), as the real ones read. */
static void expression(FILE *f, int k)
{
	static const char *const two[] = {"0&1", "0&1", "0|1"};
	static const char *const three[] = {"0&1&2", "(0|1)&2", "0&(1|2)", "(0&1)|2"};
	static const char *const four[] = {"0&1&2&3", "(0|1)&(2|3)", "(0&1&2)|3", "0&1&(2|3)"};
	if (k == 2)
		fputs(two[next() % 3], f);
	else if (k == 3)
		fputs(three[next() % 4], f);
	else
		fputs(four[next() % 4], f);
}

static void write_ldb(const char *dir, long n, long base)
{
	FILE *f = open_out(dir, "bench.ldb");
	for (long i = 0; i < n; i++) {
		int t = target(), k = (int)pick(2, 4);

		name(f, base + i);
		fprintf(f, ";Engine:51-255,Target:%d;", t);
		expression(f, k);
		for (int s = 0; s < k; s++) {
			fputc(';', f);
			unsigned long r = next() % 10;
			if (r == 0 && (t == 1 || t == 6))
				fprintf(f, "EP+%lu:", pick(0, 4096));
			else if (r == 1)
				fprintf(f, "EOF-%lu:", pick(64, 65536));
			if (next() % 3 == 0)
				pattern(f, 2, 8, 12);
			else
				hex(f, (int)pick(8, 20));
		}
		fputc('\n', f);
	}
	close_out(f, "bench.ldb");
}

int main(int argc, char **argv)
{
	if (argc != 6 && argc != 11) {
		fprintf(stderr, "usage: gensigs OUTDIR NHASH NBODY CLAMEXE_MD5 CLAMEXE_SIZE "
				"[NHSB NMDB NMSB NWILD NLDB]\n");
		return 2;
	}
	const char *dir = argv[1];
	long nhash = count(argv[2], "NHASH"), nbody = count(argv[3], "NBODY");
	long nhsb = 0, nmdb = 0, nmsb = 0, nwild = 0, nldb = 0;
	if (argc == 11) {
		nhsb = count(argv[6], "NHSB");
		nmdb = count(argv[7], "NMDB");
		nmsb = count(argv[8], "NMSB");
		nwild = count(argv[9], "NWILD");
		nldb = count(argv[10], "NLDB");
	}

	/* The bench set: these two loops and their order are the bench's
	 * bytes; the kinds below come after them in the random stream. */
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

	/* Serial numbers of the names run on across the kinds. */
	long base = 0;
	if (nhsb) {
		write_hsb(dir, nhsb);
		base += nhsb;
	}
	if (nmdb) {
		write_sections(dir, "bench.mdb", nmdb, 16, base);
		base += nmdb;
	}
	if (nmsb) {
		write_sections(dir, "bench.msb", nmsb, 32, base);
		base += nmsb;
	}
	if (nwild) {
		write_wild(dir, nwild, base);
		base += nwild;
	}
	if (nldb)
		write_ldb(dir, nldb, base);
	return 0;
}

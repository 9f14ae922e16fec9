/* rq-recbench: the record figures of `make bench` (issue 3), all in memory
 * on one thread, through the same lib/ code as raquet-scan and the IOC:
 *  - seal a result record with a 1 MiB payload, and verify + open it
 *    (record_verify, record_open, payload_read): milliseconds, median;
 *  - verify + open + read 10,000 small result records (a ~2 KiB
 *    result.json and a short scan.log built with payload_build, each
 *    sealed with its own file key): records per second, median.
 * Every opened record is checked (its result.json names its own sequence
 * number), so a fast wrong answer cannot pass for a figure. Prints
 * "key value" lines for tests/bench/records.sh. Exit 0, 1 on a failure,
 * 2 on a usage error. */
#include <getopt.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "keys.h"
#include "payload.h"
#include "record.h"

#define BIG_PAYLOAD (1u << 20)
#define SMALL_JSON  2048
#define MAX_SMALL   1000000
#define MAX_RUNS    1000

static const char *prog = "rq-recbench";

struct bench_keys {
	keys_ioc_secret *ioc_sk;
	keys_ioc_public ioc_pk;
	keys_stick_secret *stick_sk;
	keys_stick_public stick_pk;
};

/* One sealed record in memory. */
struct sealed {
	unsigned char *buf;
	size_t len;
};

static void usage(const char *why)
{
	if (why)
		fprintf(stderr, "%s: %s\n", prog, why);
	fprintf(stderr,
		"usage: %s [-n SMALL] [-r RUNS]\n"
		"  -n SMALL  small records to verify and open per run (default 10000)\n"
		"  -r RUNS   timed runs, the median is reported (default 5)\n",
		prog);
	exit(2);
}

static int die(const rq_error *err)
{
	fprintf(stderr, "%s: %s\n", prog, err->msg);
	return 1;
}

static double now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A result.json of about SMALL_JSON bytes that names its record, shaped
 * like raquet.result/1 (one volume, one detection). */
static size_t small_json(char *out, size_t outsz, uint64_t stick_id, uint64_t seq)
{
	char hex[KEYS_ID_HEX_LEN + 1];
	int n;

	keys_id_hex(stick_id, hex);
	n = snprintf(
	    out, outsz,
	    "{\"format\":\"raquet.result/1\",\"record\":{\"stick\":\"%s\",\"seq\":%" PRIu64
	    ",\"type\":\"result\",\"created\":\"2025-03-14T09:26:53+07:00\"},"
	    "\"unit\":{\"code\":\"000.00.12.H57\",\"name\":\"S\\u1edf Y t\\u1ebf\"},"
	    "\"technician\":\"Nguy\\u1ec5n V\\u0103n An\",\"device\":{\"id\":\"%016" PRIx64
	    "%016" PRIx64 "\",\"vendor\":\"Dell Inc.\",\"product\":\"OptiPlex 7090\","
	    "\"computer_name\":\"KT-PC-%03" PRIu64 "\",\"windows\":\"Windows 10 Pro 22H2\"},"
	    "\"engine\":{\"clamav\":\"1.0.7\",\"signatures\":{\"main\":62,\"daily\":27570,"
	    "\"bytecode\":335}},\"mode\":\"full\",\"action\":\"quarantine\",\"volumes\":[{"
	    "\"device\":\"/dev/sda3\",\"fs\":\"ntfs\",\"label\":\"Windows\",\"size\":"
	    "255060221952,\"state\":\"scanned\",\"files\":183214,\"bytes\":61234567890,"
	    "\"errors\":3,\"skipped\":12}],\"detections\":[{\"path\":\"/Users/an/Downloads/"
	    "invoice-%" PRIu64 ".zip\",\"signature\":\"Win.Trojan.Agent-1234567\",\"sha256\":"
	    "\"%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "\",\"size\":48213,"
	    "\"action\":\"quarantine\",\"outcome\":\"quarantined\"}],\"autorun\":[],"
	    "\"status\":\"cleaned\",\"notes\":\"",
	    hex, seq, seq * 0x9e3779b97f4a7c15u, ~seq, seq % 1000, seq, seq, seq * 3, seq * 5,
	    seq * 7);
	if (n < 0 || (size_t)n >= outsz)
		return 0;
	/* Pad to the typical size with text as repetitive as a real one. */
	for (; (size_t)n + 3 < SMALL_JSON && (size_t)n + 3 < outsz; n++)
		out[n] = "scanned; "[n % 9];
	n += snprintf(out + n, outsz - (size_t)n, "\"}");
	return (size_t)n;
}

static int make_keys(struct bench_keys *k, rq_error *err)
{
	if (keys_ioc_generate(&k->ioc_sk, &k->ioc_pk, err) != 0)
		return -1;
	if (keys_stick_generate(&k->stick_sk, &k->stick_pk, err) != 0) {
		keys_ioc_free(k->ioc_sk);
		return -1;
	}
	return 0;
}

static int seal_one(const struct bench_keys *k, uint64_t seq, const payload_member *m, size_t n,
		    struct sealed *out, size_t *payload_len, rq_error *err)
{
	record_header h = {
	    .type = RECORD_TYPE_RESULT, .seq = seq, .created = 1741919213, .tz_minutes = 420};
	unsigned char *pl;
	size_t pllen;
	int rc;

	if (payload_build(m, n, &pl, &pllen, err) != 0)
		return -1;
	rc = record_seal(&h, k->stick_sk, &k->ioc_pk, pl, pllen, &out->buf, &out->len, err);
	if (payload_len)
		*payload_len = pllen;
	free(pl);
	return rc;
}

/* What the IOC does with a record: check the signature, open the payload,
 * and (when read) read the archive and check it is the record expected. */
static int open_one(const struct bench_keys *k, const struct sealed *r, uint64_t seq, bool read,
		    const char *want, size_t wantlen, rq_error *err)
{
	record_header h;
	payload_list p = {0};
	const payload_member *m;
	unsigned char *pl;
	size_t pllen;
	int rc = -1;

	if (record_verify(r->buf, r->len, &k->stick_pk, &h, err) != 0 ||
	    record_open(r->buf, r->len, k->ioc_sk, &pl, &pllen, err) != 0)
		return -1;
	if (!read) {
		rc = h.seq == seq ? 0 : rq_fail(err, "record %" PRIu64 " has another number", seq);
		goto out;
	}
	if (payload_read(pl, pllen, &p, err) != 0)
		goto out;
	m = payload_get(&p, "result.json");
	if (h.seq != seq || m == NULL || m->len != wantlen || memcmp(m->data, want, wantlen) != 0) {
		rq_fail(err, "record %" PRIu64 " opened to something else", seq);
		goto out;
	}
	rc = 0;
out:
	payload_free(&p);
	free(pl);
	return rc;
}

/* 1 MiB: a result.json and an incompressible scan.log, so the payload
 * stays about 1 MiB once compressed. */
static int bench_big(const struct bench_keys *k, int runs, rq_error *err)
{
	static char json[SMALL_JSON + 64];
	double seal_ms[MAX_RUNS], open_ms[MAX_RUNS], seal_cpu[MAX_RUNS], open_cpu[MAX_RUNS];
	unsigned char *log = malloc(BIG_PAYLOAD);
	size_t jlen = small_json(json, sizeof(json), k->stick_pk.id, 1), pllen = 0;
	payload_member m[2] = {{"result.json", (unsigned char *)json, jlen},
			       {"scan.log", log, BIG_PAYLOAD - jlen - 2048}};
	struct sealed r = {0};
	int rc = -1;

	if (log == NULL)
		return rq_fail(err, "out of memory");
	randombytes_buf(log, BIG_PAYLOAD);
	for (int i = 0; i < runs; i++) {
		unsigned char *pl;
		record_header h = {.type = RECORD_TYPE_RESULT, .seq = 1, .created = 1741919213};
		double t, c;

		/* The archive is built once per run outside the timing: sealing is
		 * what is measured, as the scanner builds the payload anyway. */
		if (payload_build(m, 2, &pl, &pllen, err) != 0)
			goto out;
		free(r.buf);
		r.buf = NULL;
		t = now(CLOCK_MONOTONIC);
		c = now(CLOCK_PROCESS_CPUTIME_ID);
		if (record_seal(&h, k->stick_sk, &k->ioc_pk, pl, pllen, &r.buf, &r.len, err) != 0) {
			free(pl);
			goto out;
		}
		seal_ms[i] = (now(CLOCK_MONOTONIC) - t) * 1e3;
		seal_cpu[i] = (now(CLOCK_PROCESS_CPUTIME_ID) - c) * 1e3;
		free(pl);
		t = now(CLOCK_MONOTONIC);
		c = now(CLOCK_PROCESS_CPUTIME_ID);
		if (open_one(k, &r, 1, true, json, jlen, err) != 0)
			goto out;
		open_ms[i] = (now(CLOCK_MONOTONIC) - t) * 1e3;
		open_cpu[i] = (now(CLOCK_PROCESS_CPUTIME_ID) - c) * 1e3;
	}
	printf("big_payload_bytes %zu\nbig_record_bytes %zu\n", pllen, r.len);
	printf("big_seal_ms %.2f\nbig_seal_cpu_ms %.2f\n", median(seal_ms, runs),
	       median(seal_cpu, runs));
	printf("big_open_ms %.2f\nbig_open_cpu_ms %.2f\n", median(open_ms, runs),
	       median(open_cpu, runs));
	rc = 0;
out:
	free(r.buf);
	free(log);
	return rc;
}

static int bench_small(const struct bench_keys *k, int count, int runs, rq_error *err)
{
	static char json[SMALL_JSON + 64];
	static const char log[] = "raquet-scan: scanned /dev/sda3 (ntfs): 183214 files, 1 found\n";
	struct sealed *r = calloc((size_t)count, sizeof(*r));
	size_t total = 0, jlen = 0, pllen = 0;
	int made = 0, rc = -1;

	if (r == NULL)
		return rq_fail(err, "out of memory");
	for (; made < count; made++) {
		payload_member m[2] = {{"result.json", (unsigned char *)json, 0},
				       {"scan.log", (unsigned char *)log, sizeof(log) - 1}};

		m[0].len = jlen =
		    small_json(json, sizeof(json), k->stick_pk.id, (uint64_t)made + 1);
		if (seal_one(k, (uint64_t)made + 1, m, 2, &r[made], &pllen, err) != 0)
			goto out;
		total += r[made].len;
	}
	printf("small_records %d\nsmall_json_bytes %zu\nsmall_payload_bytes %zu\n"
	       "small_record_bytes %zu\n",
	       count, jlen, pllen, total / (size_t)count);
	/* Pass 0: signature and decryption only; pass 1: all the IOC does. */
	for (int pass = 0; pass < 2; pass++) {
		double wall[MAX_RUNS], cpu[MAX_RUNS];

		for (int i = 0; i < runs; i++) {
			double t = now(CLOCK_MONOTONIC), c = now(CLOCK_PROCESS_CPUTIME_ID);

			for (int j = 0; j < count; j++) {
				uint64_t seq = (uint64_t)j + 1;

				if (pass == 1)
					jlen = small_json(json, sizeof(json), k->stick_pk.id, seq);
				if (open_one(k, &r[j], seq, pass == 1, json, jlen, err) != 0)
					goto out;
			}
			wall[i] = (double)count / (now(CLOCK_MONOTONIC) - t);
			cpu[i] = (double)count / (now(CLOCK_PROCESS_CPUTIME_ID) - c);
		}
		printf("small_%s_per_s %.0f\nsmall_%s_per_cpu_s %.0f\n", pass ? "read" : "crypto",
		       median(wall, runs), pass ? "read" : "crypto", median(cpu, runs));
	}
	rc = 0;
out:
	for (int j = 0; j < made; j++)
		free(r[j].buf);
	free(r);
	return rc;
}

int main(int argc, char **argv)
{
	struct bench_keys k;
	rq_error err;
	long count = 10000, runs = 5;
	char *end;
	int c, rc;

	while ((c = getopt(argc, argv, "n:r:h")) != -1) {
		switch (c) {
		case 'n':
			count = strtol(optarg, &end, 10);
			if (*end != '\0' || count < 1 || count > MAX_SMALL)
				usage("-n wants 1 to 1000000");
			break;
		case 'r':
			runs = strtol(optarg, &end, 10);
			if (*end != '\0' || runs < 1 || runs > MAX_RUNS)
				usage("-r wants 1 to 1000");
			break;
		case 'h':
			usage(NULL);
			break;
		default:
			usage("unknown option");
		}
	}
	if (optind != argc)
		usage("no arguments expected");
	if (rq_crypto_init(&err) != 0 || make_keys(&k, &err) != 0)
		return die(&err);
	printf("runs %ld\n", runs);
	rc =
	    bench_big(&k, (int)runs, &err) == 0 && bench_small(&k, (int)count, (int)runs, &err) == 0
		? 0
		: die(&err);
	keys_ioc_free(k.ioc_sk);
	keys_stick_free(k.stick_sk);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write the figures\n", prog);
		rc = 1;
	}
	return rc;
}

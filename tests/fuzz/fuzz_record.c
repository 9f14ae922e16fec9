/* fuzz_record: libFuzzer target for everything that reads a record from a
 * stick: the header parser, the signature check, the opener and the payload
 * archive reader. Keys are derived from fixed seeds so that the generated
 * seed corpus (built from this file with -DFUZZ_SEED_MAIN) holds records
 * that verify and open, and mutations start from valid inputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "payload.h"
#include "record.h"

static keys_stick_secret stick_sk;
static keys_stick_public stick_pk;
static keys_ioc_secret ioc_sk;
static keys_ioc_public ioc_pk;

static void fixed_keys(void)
{
	unsigned char seed[32];

	if (sodium_init() < 0)
		abort();
	memset(seed, 0x51, sizeof(seed));
	crypto_sign_seed_keypair(stick_pk.sign_pk, stick_sk.sign_sk, seed);
	stick_sk.id = stick_pk.id = 0x5715c4000000001ULL;
	memset(seed, 0x10, sizeof(seed));
	crypto_sign_seed_keypair(ioc_pk.sign_pk, ioc_sk.sign_sk, seed);
	memset(seed, 0xc0, sizeof(seed));
	crypto_box_seed_keypair(ioc_sk.box_pk, ioc_sk.box_sk, seed);
	memcpy(ioc_pk.box_pk, ioc_sk.box_pk, sizeof(ioc_pk.box_pk));
	ioc_sk.id = ioc_pk.id = 0x10c0000000000001ULL;
}

#ifndef FUZZ_SEED_MAIN
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static int ready;
	record_header h;
	payload_list p;
	unsigned char *pl = NULL;
	size_t pllen;
	rq_error err;

	if (!ready) {
		fixed_keys();
		ready = 1;
	}
	(void)record_read_header(data, size, &h, &err);
	(void)record_verify(data, size, &stick_pk, &h, &err);
	/* Open even when the signature fails: the opener must stand on its
	 * own against hostile bytes. */
	if (record_open(data, size, &ioc_sk, &pl, &pllen, &err) == 0) {
		if (payload_read(pl, pllen, &p, &err) == 0)
			payload_free(&p);
		free(pl);
	}
	/* Crypto stops mutations before the archive reader; feed it
	 * directly too. */
	if (payload_read(data, size, &p, &err) == 0)
		payload_free(&p);
	return 0;
}
#else
/* Writes the seed corpus into the directory argv[1]. */
static int put(const char *dir, const char *name, const void *buf, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}

static int seed_record(const char *dir, const char *name, unsigned type, payload_member *m,
		       size_t n)
{
	record_header h = {0};
	unsigned char *pl, *rec;
	size_t pllen, reclen;
	rq_error err;
	char pname[128];

	h.type = type;
	h.seq = 3;
	h.created = 1717171717;
	h.tz_minutes = 420;
	if (payload_build(m, n, &pl, &pllen, &err) != 0 ||
	    record_seal(&h, &stick_sk, &ioc_pk, pl, pllen, &rec, &reclen, &err) != 0) {
		fprintf(stderr, "seed: %s\n", err.msg);
		return -1;
	}
	snprintf(pname, sizeof(pname), "%s.tgz", name);
	if (put(dir, name, rec, reclen) != 0 || put(dir, pname, pl, pllen) != 0)
		return -1;
	free(pl);
	free(rec);
	return 0;
}

int main(int argc, char **argv)
{
	static unsigned char big[70000];
	char json[] = "{\"schema\":\"raquet.result/1\",\"detections\":[]}";
	char log[] = "scan started\nscan done\n";
	payload_member res[2] = {{"result.json", (unsigned char *)json, sizeof(json) - 1},
				 {"scan.log", (unsigned char *)log, sizeof(log) - 1}};
	payload_member smp[2] = {{"meta.json", (unsigned char *)"{}", 2},
				 {"sample.bin", big, sizeof(big)}};
	unsigned char raw[2 * RECORD_CHUNK + 10];

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	fixed_keys();
	/* An incompressible sample, so its record spans two chunks. */
	randombytes_buf_deterministic(big, sizeof(big), stick_sk.sign_sk);
	if (seed_record(argv[1], "result", RECORD_TYPE_RESULT, res, 2) != 0 ||
	    seed_record(argv[1], "sample", RECORD_TYPE_SAMPLE, smp, 2) != 0)
		return 1;
	/* A multi-chunk record whose payload is not an archive. */
	{
		record_header h = {.type = RECORD_TYPE_RESULT, .seq = 1};
		unsigned char *rec;
		size_t reclen;
		rq_error err;

		memset(raw, 'A', sizeof(raw));
		if (record_seal(&h, &stick_sk, &ioc_pk, raw, sizeof(raw), &rec, &reclen, &err) !=
			0 ||
		    put(argv[1], "chunks", rec, reclen) != 0)
			return 1;
		free(rec);
	}
	return 0;
}
#endif

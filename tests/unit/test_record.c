/* Unit tests for lib/record and lib/payload: round trips, every way a
 * record can be wrong (each with its own message), and sequence numbers
 * that survive crashes and concurrent writers. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "atomicio.h"
#include "keys.h"
#include "payload.h"
#include "record.h"
#include "tap.h"
#include "util.h"

static keys_ioc_secret *ioc_sk, *ioc2_sk;
static keys_ioc_public ioc_pk, ioc2_pk;
static keys_stick_secret *stick_sk, *stick2_sk;
static keys_stick_public stick_pk, stick2_pk;
static char dir[] = "/tmp/rq-test-record.XXXXXX";
static int dfd;

static int has(const rq_error *e, const char *s)
{
	return strstr(e->msg, s) != NULL;
}

static record_header info(unsigned type, uint64_t seq)
{
	record_header h = {0};

	h.type = type;
	h.seq = seq;
	h.created = 1717171717;
	h.tz_minutes = 420; /* Asia/Ho_Chi_Minh */
	return h;
}

static unsigned char *seal(const void *pl, size_t len, size_t *outlen)
{
	record_header h = info(RECORD_TYPE_RESULT, 7);
	unsigned char *out = NULL;
	rq_error err;

	if (record_seal(&h, stick_sk, &ioc_pk, pl, len, &out, outlen, &err) != 0) {
		printf("# seal failed: %s\n", err.msg);
		return NULL;
	}
	return out;
}

/* Re-signs a (changed) record with a stick key, as a thief holding that
 * stick could. */
static void resign(unsigned char *rec, size_t len, const keys_stick_secret *sk)
{
	crypto_sign_detached(rec + len - crypto_sign_BYTES, NULL, rec, len - crypto_sign_BYTES,
			     sk->sign_sk);
}

static void test_roundtrip(size_t len, const char *what)
{
	unsigned char *pl = malloc(len), *rec, *out = NULL;
	size_t reclen = 0, outlen = 0;
	record_header h;
	rq_error err = {{0}};

	randombytes_buf(pl, len);
	rec = seal(pl, len, &reclen);
	ok(rec != NULL, "%s: sealed", what);
	if (rec == NULL) {
		free(pl);
		return;
	}
	ok(record_read_header(rec, reclen, &h, &err) == 0 && h.record_len == reclen,
	   "%s: header read, length as expected", what);
	ok(h.version == 1 && h.type == RECORD_TYPE_RESULT && h.seq == 7 &&
	       h.stick_id == stick_pk.id && h.ioc_key_id == ioc_pk.id && h.created == 1717171717 &&
	       h.tz_minutes == 420 && h.payload_len == len,
	   "%s: header fields", what);
	ok(record_verify(rec, reclen, &stick_pk, &h, &err) == 0, "%s: verifies (%s)", what,
	   err.msg);
	ok(record_open(rec, reclen, ioc_sk, &out, &outlen, &err) == 0, "%s: opens (%s)", what,
	   err.msg);
	ok(outlen == len && out && memcmp(out, pl, len) == 0, "%s: same payload", what);
	free(out);
	free(rec);
	free(pl);
}

/* What verify and open must say about a record changed at byte i. */
static void flip_region(size_t i, size_t len, const char **v_want, const char **o_want)
{
	*v_want = NULL;
	*o_want = NULL;
	if (i < 5) {
		*v_want = *o_want = "bad magic";
	} else if (i == 5) {
		*v_want = *o_want = "unsupported record version";
	} else if (i >= 40 && i < 48) {
		*v_want = "bad signature";
		*o_want = "wrong IOC key";
	} else if (i >= 56 && i < 136) {
		*v_want = "bad signature";
		*o_want = "sealed file key cannot be opened";
	} else if (i >= 136 && i < 160) {
		*v_want = "bad signature";
		*o_want = "payload corrupt";
	} else if (i >= 160 && i < 164) {
		*v_want = *o_want = "malformed record: chunk";
	} else if (i >= 164 && i < len - 64) {
		*v_want = "bad signature";
		*o_want = "payload corrupt";
	} else if (i >= len - 64) {
		*v_want = "bad signature";
	}
}

static void test_flips(void)
{
	const char msg[] = "{\"schema\":\"raquet.result/1\"}";
	size_t len, i, vfail = 0, ofail = 0, wrongmsg = 0, sigok = 0;
	unsigned char *rec = seal(msg, sizeof(msg), &len);
	rq_error err;

	if (rec == NULL)
		return;
	for (i = 0; i < len; i++) {
		unsigned char bit = (unsigned char)(1u << (i % 8));
		unsigned char *out = NULL;
		size_t outlen;
		record_header h;
		const char *vw, *ow;
		int vr, or ;

		rec[i] ^= bit;
		flip_region(i, len, &vw, &ow);
		vr = record_verify(rec, len, &stick_pk, &h, &err);
		if (vr == 0)
			vfail++;
		else if (vw && !has(&err, vw))
			printf("# byte %zu verify: %s (want %s)\n", i, err.msg, vw), wrongmsg++;
		or = record_open(rec, len, ioc_sk, &out, &outlen, &err);
		if (i >= len - 64) {
			if (or == 0 && outlen == sizeof(msg) && memcmp(out, msg, outlen) == 0)
				sigok++;
		} else if (or == 0) {
			ofail++;
		} else if (ow && !has(&err, ow)) {
			printf("# byte %zu open: %s (want %s)\n", i, err.msg, ow), wrongmsg++;
		}
		free(out);
		rec[i] ^= bit;
	}
	ok(vfail == 0, "a flipped bit anywhere fails verification (%zu bytes)", len);
	ok(ofail == 0, "a flipped bit outside the signature fails opening");
	ok(sigok == 64, "a flipped signature bit does not change the payload opened");
	ok(wrongmsg == 0, "each region's flip gets its region's message");
	free(rec);
}

static void test_truncation(void)
{
	unsigned char *pl = malloc(3 * RECORD_CHUNK + 100), *rec, *out;
	size_t len, n, bad = 0, badmsg = 0;
	rq_error err;
	record_header h;

	randombytes_buf(pl, 3 * RECORD_CHUNK + 100);
	rec = seal(pl, 3 * RECORD_CHUNK + 100, &len);
	if (rec == NULL)
		return;
	/* Every length of the header and chunk framing, then strides. */
	for (n = 0; n < len; n += n < 512 ? 1 : n > len - 512 ? 1 : 97) {
		out = NULL;
		if (record_verify(rec, n, &stick_pk, &h, &err) == 0 ||
		    record_open(rec, n, ioc_sk, &out, &(size_t){0}, &err) == 0)
			bad++;
		else if (!has(&err, n == 0 ? "zero length" : "truncated"))
			badmsg++, printf("# at %zu: %s\n", n, err.msg);
		free(out);
	}
	ok(bad == 0, "no truncation of a 4-chunk record verifies or opens");
	ok(badmsg == 0, "every truncation is reported as truncated");
	ok(record_verify(rec, 0, &stick_pk, &h, &err) != 0 && has(&err, "zero length"),
	   "zero length (%s)", err.msg);
	free(rec);
	free(pl);
}

static void test_forgery(void)
{
	const char msg[] = "detections: 3";
	size_t len, outlen;
	unsigned char *rec = seal(msg, sizeof(msg), &len), *out = NULL;
	record_header h;
	rq_error err;

	if (rec == NULL)
		return;
	resign(rec, len, stick2_sk);
	ok(record_verify(rec, len, &stick_pk, &h, &err) != 0 && has(&err, "bad signature"),
	   "re-signed by another stick: refused (%s)", err.msg);
	/* The thief also claims the record as his stick's: the signature is
	 * then his and valid, but the header is bound into the payload. */
	for (int i = 0; i < 8; i++)
		rec[8 + i] = (unsigned char)(stick2_pk.id >> (8 * i));
	resign(rec, len, stick2_sk);
	ok(record_verify(rec, len, &stick2_pk, &h, &err) == 0,
	   "a thief's stick id + signature verifies against his own key");
	ok(record_open(rec, len, ioc_sk, &out, &outlen, &err) != 0 && has(&err, "payload corrupt"),
	   "... but the IOC cannot open it (%s)", err.msg);
	free(rec);

	rec = seal(msg, sizeof(msg), &len);
	ok(record_verify(rec, len, &stick2_pk, &h, &err) != 0 && has(&err, "is from stick"),
	   "record copied to another stick's folder (%s)", err.msg);
	/* A stick that rewrites its own record's sequence number. */
	rec[16] = 9;
	resign(rec, len, stick_sk);
	ok(record_verify(rec, len, &stick_pk, &h, &err) == 0 && h.seq == 9,
	   "renumbered record verifies (same stick)");
	ok(record_open(rec, len, ioc_sk, &out, &outlen, &err) != 0 && has(&err, "payload corrupt"),
	   "... but its payload is bound to the old number (%s)", err.msg);
	free(rec);

	rec = seal(msg, sizeof(msg), &len);
	ok(record_open(rec, len, ioc2_sk, &out, &outlen, &err) != 0 && has(&err, "wrong IOC key"),
	   "wrong IOC key (%s)", err.msg);
	ioc2_sk->id = ioc_sk->id;
	ok(record_open(rec, len, ioc2_sk, &out, &outlen, &err) != 0 &&
	       has(&err, "sealed file key cannot be opened"),
	   "wrong IOC key with the right id (%s)", err.msg);
	ioc2_sk->id = ioc2_pk.id;

	rec[5] = 2;
	ok(record_read_header(rec, len, &h, &err) != 0 && has(&err, "unsupported record version 2"),
	   "version 2 (%s)", err.msg);
	rec[5] = 1;
	rec[6] = 3;
	ok(record_read_header(rec, len, &h, &err) != 0 && has(&err, "unknown record type 3"),
	   "type 3 (%s)", err.msg);
	rec[6] = 1;
	memcpy(rec, "RQREX", 5);
	ok(record_read_header(rec, len, &h, &err) != 0 && has(&err, "bad magic"),
	   "unknown magic (%s)", err.msg);
	memcpy(rec, "RQREC", 5);
	rec[48] = 0;
	ok(record_read_header(rec, len, &h, &err) != 0 && has(&err, "zero-length payload"),
	   "zero-length payload field (%s)", err.msg);
	rec[51] = 0x10; /* 256 MiB */
	ok(record_read_header(rec, len, &h, &err) != 0 && has(&err, "oversize"),
	   "oversize payload field (%s)", err.msg);
	rec[55] = 0xff;
	ok(record_read_header(rec, len, &h, &err) != 0 && has(&err, "oversize"),
	   "huge payload field does not overflow (%s)", err.msg);
	free(rec);

	rec = seal(msg, sizeof(msg), &len);
	rec = realloc(rec, len + 10);
	memset(rec + len, 0, 10);
	ok(record_verify(rec, len + 10, &stick_pk, &h, &err) != 0 && has(&err, "trailing data"),
	   "trailing data (%s)", err.msg);
	free(rec);
}

static void test_garbage(void)
{
	size_t n = 1 << 20;
	unsigned char *g = malloc(n), *out = NULL, *buf = NULL;
	size_t outlen, len;
	record_header h;
	rq_error err;
	int fd;

	randombytes_buf(g, n);
	g[0] = 'x';
	ok(record_verify(g, n, &stick_pk, &h, &err) != 0 && has(&err, "bad magic"),
	   "1 MiB garbage (%s)", err.msg);
	memcpy(g, "RQREC\x01\x01", 7);
	ok(record_open(g, n, ioc_sk, &out, &outlen, &err) != 0, "1 MiB garbage with magic (%s)",
	   err.msg);
	ok(record_read_header(g, (size_t)RECORD_MAX_SIZE + 1, &h, &err) != 0 &&
	       has(&err, "oversize"),
	   "oversize length refused before reading (%s)", err.msg);
	free(g);
	/* A 1 GiB file is refused by its size, never read into memory. */
	fd = openat(dfd, "big.rqr", O_WRONLY | O_CREAT, 0644);
	ok(fd >= 0 && ftruncate(fd, 1L << 30) == 0, "1 GiB sparse file");
	close(fd);
	ok(record_load(dfd, "big.rqr", &buf, &len, &err) != 0 && has(&err, "too large"),
	   "1 GiB file refused (%s)", err.msg);
	unlinkat(dfd, "big.rqr", 0);
	fd = openat(dfd, "empty.rqr", O_WRONLY | O_CREAT, 0644);
	close(fd);
	ok(record_load(dfd, "empty.rqr", &buf, &len, &err) == 0 && len == 0 &&
	       record_read_header(buf, len, &h, &err) != 0 && has(&err, "zero length"),
	   "empty file (%s)", err.msg);
	free(buf);
}

static void test_seal_args(void)
{
	record_header h = info(RECORD_TYPE_RESULT, 1);
	unsigned char *out = NULL, b = 0;
	size_t len;
	rq_error err;

	h.type = 9;
	ok(record_seal(&h, stick_sk, &ioc_pk, &b, 1, &out, &len, &err) != 0 &&
	       has(&err, "unknown record type"),
	   "seal refuses an unknown type (%s)", err.msg);
	h = info(RECORD_TYPE_RESULT, 0);
	ok(record_seal(&h, stick_sk, &ioc_pk, &b, 1, &out, &len, &err) != 0,
	   "seal refuses sequence 0 (%s)", err.msg);
	h = info(RECORD_TYPE_RESULT, 1);
	h.tz_minutes = 5000;
	ok(record_seal(&h, stick_sk, &ioc_pk, &b, 1, &out, &len, &err) != 0,
	   "seal refuses a bad time zone (%s)", err.msg);
	h.tz_minutes = -600;
	ok(record_seal(&h, stick_sk, &ioc_pk, &b, 0, &out, &len, &err) != 0 &&
	       has(&err, "zero-length"),
	   "seal refuses an empty payload (%s)", err.msg);
	ok(record_seal(&h, stick_sk, &ioc_pk, &b, (size_t)RECORD_MAX_PAYLOAD + 1, &out, &len,
		       &err) != 0 &&
	       has(&err, "oversize"),
	   "seal refuses an oversize payload (%s)", err.msg);
	ok(record_seal(&h, stick_sk, &ioc_pk, &b, 1, &out, &len, &err) == 0 &&
	       record_read_header(out, len, &h, &err) == 0 && h.tz_minutes == -600,
	   "negative time zone round trip");
	free(out);
}

static void test_names(void)
{
	char name[RECORD_NAME_MAX];
	uint64_t id, seq;
	unsigned type;

	ok(record_name(0xabcULL, 12, RECORD_TYPE_RESULT, name, sizeof(name)) == 0, "name");
	is_str(name, "0000000000000abc-12.rqr", "result name");
	record_name(0xabcULL, 3, RECORD_TYPE_SAMPLE, name, sizeof(name));
	is_str(name, "0000000000000abc-3.rqs", "sample name");
	ok(record_parse_name("0000000000000ABC-12.RQR", &id, &seq, &type) == 0 && id == 0xabc &&
	       seq == 12 && type == RECORD_TYPE_RESULT,
	   "parse name, FAT upper case");
	ok(record_parse_name("0000000000000abc-012.rqr", &id, &seq, &type) != 0,
	   "leading zero refused");
	ok(record_parse_name("0000000000000abc-0.rqr", &id, &seq, &type) != 0, "seq 0 refused");
	ok(record_parse_name("0000000000000abc-99999999999999999999.rqr", &id, &seq, &type) != 0,
	   "overflowing seq refused");
	ok(record_parse_name(".0000000000000abc-1.rqr.tmp12", &id, &seq, &type) != 0,
	   "temp file is not a record");
	ok(record_parse_name("0000000000000abc-1.rqr.tmp", &id, &seq, &type) != 0,
	   "suffix refused");
	ok(record_parse_name("0000000000000abc-1.txt", &id, &seq, &type) != 0, "wrong ext");
}

/* --- payload ------------------------------------------------------------- */

static void test_payload(void)
{
	char json[] = "{\"schema\":\"raquet.result/1\"}";
	char log[] = "scan started\nscan done\n";
	payload_member m[2] = {{"result.json", (unsigned char *)json, sizeof(json) - 1},
			       {"scan.log", (unsigned char *)log, sizeof(log) - 1}};
	unsigned char *buf = NULL;
	size_t len;
	payload_list p;
	rq_error err;
	const payload_member *got;

	ok(payload_build(m, 2, &buf, &len, &err) == 0, "payload built (%s)", err.msg);
	ok(len > 0 && len < 512, "small payload is small (%zu bytes)", len);
	ok(payload_read(buf, len, &p, &err) == 0 && p.n == 2, "payload read back (%s)", err.msg);
	got = payload_get(&p, "result.json");
	ok(got && got->len == strlen(json) && memcmp(got->data, json, got->len) == 0,
	   "result.json content");
	got = payload_get(&p, "scan.log");
	ok(got && got->len == strlen(log) && memcmp(got->data, log, got->len) == 0,
	   "scan.log content");
	ok(payload_get(&p, "nope") == NULL, "absent member");
	payload_free(&p);
	for (size_t n = 0; n < len; n += 7)
		ok(payload_read(buf, n, &p, &err) != 0, "truncated payload at %zu (%s)", n,
		   err.msg);
	free(buf);

	m[0].name = "../evil";
	ok(payload_build(m, 2, &buf, &len, &err) != 0, "build refuses ../evil");
	m[0].name = "a/b";
	ok(payload_build(m, 2, &buf, &len, &err) != 0, "build refuses a/b");
	m[0].name = "scan.log";
	ok(payload_build(m, 2, &buf, &len, &err) != 0 && has(&err, "duplicate"),
	   "build refuses duplicates");
	ok(payload_read("garbage", 7, &p, &err) != 0, "garbage refused (%s)", err.msg);
	ok(payload_read("", 0, &p, &err) != 0, "empty refused (%s)", err.msg);

	/* A big, compressible sample. */
	{
		size_t n = 5u << 20;
		unsigned char *big = calloc(1, n);
		payload_member s[2] = {{"meta.json", (unsigned char *)"{}", 2},
				       {"sample.bin", big, n}};

		memcpy(big + 1000, "MZ", 2);
		ok(payload_build(s, 2, &buf, &len, &err) == 0 && len < n / 100,
		   "5 MiB sample compresses (%zu bytes)", len);
		ok(payload_read(buf, len, &p, &err) == 0 &&
		       (got = payload_get(&p, "sample.bin")) != NULL && got->len == n &&
		       memcmp(got->data, big, n) == 0,
		   "5 MiB sample round trip");
		payload_free(&p);
		free(buf);
		free(big);
	}
}

/* Builds a hostile tar.gz with one entry of the given name and type. */
static size_t hostile_archive(unsigned char *buf, size_t cap, const char *name, int type,
			      la_int64_t size)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	size_t used = 0;

	archive_write_add_filter_gzip(a);
	archive_write_set_format_pax_restricted(a);
	archive_write_open_memory(a, buf, cap, &used);
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, (unsigned)type);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, size);
	if (type == AE_IFLNK)
		archive_entry_set_symlink(e, "/etc/passwd");
	archive_write_header(a, e);
	if (type == AE_IFREG && size > 0)
		archive_write_data(a, "xxxxxxxx", size < 8 ? (size_t)size : 8);
	archive_write_close(a);
	archive_write_free(a);
	archive_entry_free(e);
	return used;
}

static void test_payload_hostile(void)
{
	static unsigned char buf[65536];
	size_t n;
	payload_list p;
	rq_error err;

	n = hostile_archive(buf, sizeof(buf), "../evil", AE_IFREG, 4);
	ok(payload_read(buf, n, &p, &err) != 0 && has(&err, "plain file name"),
	   "../evil refused (%s)", err.msg);
	n = hostile_archive(buf, sizeof(buf), "dir/evil", AE_IFREG, 4);
	ok(payload_read(buf, n, &p, &err) != 0 && has(&err, "plain file name"),
	   "dir/evil refused (%s)", err.msg);
	n = hostile_archive(buf, sizeof(buf), "/etc/passwd", AE_IFREG, 4);
	ok(payload_read(buf, n, &p, &err) != 0, "absolute name refused (%s)", err.msg);
	n = hostile_archive(buf, sizeof(buf), "link", AE_IFLNK, 0);
	ok(payload_read(buf, n, &p, &err) != 0 && has(&err, "not a regular file"),
	   "symlink refused (%s)", err.msg);
	n = hostile_archive(buf, sizeof(buf), "dev", AE_IFCHR, 0);
	ok(payload_read(buf, n, &p, &err) != 0 && has(&err, "not a regular file"),
	   "device refused (%s)", err.msg);
	n = hostile_archive(buf, sizeof(buf), "ok.txt", AE_IFREG, 4);
	ok(payload_read(buf, n, &p, &err) == 0 && p.n == 1, "plain member accepted (%s)", err.msg);
	payload_free(&p);
	/* Header claims 200 MiB but the archive ends: refused by budget. */
	n = hostile_archive(buf, sizeof(buf), "big", AE_IFREG, 200LL << 20);
	ok(payload_read(buf, n, &p, &err) != 0 && has(&err, "oversize"),
	   "member bigger than the budget refused before allocating (%s)", err.msg);
	/* libarchive pads the missing bytes; cut the stream instead. */
	n = hostile_archive(buf, sizeof(buf), "short", AE_IFREG, 1 << 20);
	ok(payload_read(buf, n / 2, &p, &err) != 0 && has(&err, "truncated"),
	   "member cut short (%s)", err.msg);
}

/* --- sequence numbers ---------------------------------------------------- */

static uint64_t write_one(int fd, unsigned type, rq_error *err)
{
	record_header h = info(type, 0);
	uint64_t seq = 0;

	if (record_write_next(fd, &h, stick_sk, &ioc_pk, "payload", 7, &seq, err) != 0)
		return 0;
	return seq;
}

static int exists(int fd, const char *name)
{
	return faccessat(fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static void test_sequence(void)
{
	char hex[17], name[128];
	rq_error err = {{0}};
	int rd;
	unsigned char *buf;
	size_t len;
	record_header h;

	mkdirat(dfd, "results", 0755);
	rd = openat(dfd, "results", O_RDONLY | O_DIRECTORY);
	keys_id_hex(stick_pk.id, hex);
	ok(write_one(rd, RECORD_TYPE_RESULT, &err) == 1, "first record is 1 (%s)", err.msg);
	ok(write_one(rd, RECORD_TYPE_RESULT, &err) == 2, "second is 2");
	ok(write_one(rd, RECORD_TYPE_SAMPLE, &err) == 1, "samples count on their own");
	ok(write_one(rd, RECORD_TYPE_RESULT, &err) == 3, "third is 3");
	snprintf(name, sizeof(name), "%s-3.rqr", hex);
	ok(exists(rd, name), "file named %s", name);
	ok(record_load(rd, name, &buf, &len, &err) == 0 &&
	       record_verify(buf, len, &stick_pk, &h, &err) == 0 && h.seq == 3,
	   "file's header says 3 and verifies");
	free(buf);

	/* A writer died after creating its temporary file. */
	{
		char t1[128], t2[128];

		snprintf(t1, sizeof(t1), ".%s-4.rqr.tmp99999", hex);
		snprintf(t2, sizeof(t2), ".%s-4.rqr.tmp99998.7", hex);
		atomic_write(rd, t1, "torn", 4, 0644, false, NULL);
		atomic_write(rd, t2, "torn", 4, 0644, false, NULL);
		ok(write_one(rd, RECORD_TYPE_RESULT, &err) == 4, "leftover temp: next is 4 (%s)",
		   err.msg);
		ok(!exists(rd, t1) && !exists(rd, t2), "leftover temp files removed");
	}
	/* A torn record under its final name (a file system that lied). */
	snprintf(name, sizeof(name), "%s-5.rqr", hex);
	atomic_write(rd, name, "RQREC", 5, 0644, false, NULL);
	ok(write_one(rd, RECORD_TYPE_RESULT, &err) == 6, "torn 5 keeps its number: next is 6");
	/* Imported records deleted from the stick: numbers still not reused. */
	for (int i = 1; i <= 6; i++) {
		snprintf(name, sizeof(name), "%s-%d.rqr", hex, i);
		unlinkat(rd, name, 0);
	}
	ok(write_one(rd, RECORD_TYPE_RESULT, &err) == 7, "after deleting all: next is 7");
	/* A damaged mark does not stop writing; the directory still counts. */
	snprintf(name, sizeof(name), ".%s.rqr.last", hex);
	atomic_write(rd, name, "garbage", 7, 0644, false, NULL);
	ok(write_one(rd, RECORD_TYPE_RESULT, &err) == 8, "damaged mark: next is 8");
	/* Another stick's records do not count. */
	snprintf(name, sizeof(name), "%016llx-500.rqr", (unsigned long long)stick2_pk.id);
	atomic_write(rd, name, "x", 1, 0644, false, NULL);
	ok(write_one(rd, RECORD_TYPE_RESULT, &err) == 9, "other stick's numbers ignored");
	close(rd);
}

/* record_write_next_build: the payload is made under the lock, knowing its
 * number, so it can repeat it inside. */
static int build_with_seq(uint64_t seq, void *ctx, unsigned char **out, size_t *len, rq_error *err)
{
	char *s = malloc(32);

	(void)ctx;
	if (s == NULL)
		return rq_fail(err, "out of memory");
	*len = (size_t)snprintf(s, 32, "seq=%llu", (unsigned long long)seq);
	*out = (unsigned char *)s;
	return 0;
}

static int build_fails(uint64_t seq, void *ctx, unsigned char **out, size_t *len, rq_error *err)
{
	return rq_fail(err, "builder refused");
}

static void test_build(void)
{
	record_header h = info(RECORD_TYPE_SAMPLE, 0);
	char hex[17], name[128];
	unsigned char *buf = NULL, *pl = NULL;
	size_t len, pllen = 0;
	uint64_t seq = 0;
	rq_error err = {{0}};
	int rd;

	mkdirat(dfd, "build", 0755);
	rd = openat(dfd, "build", O_RDONLY | O_DIRECTORY);
	keys_id_hex(stick_pk.id, hex);
	ok(record_write_next(rd, &h, stick_sk, &ioc_pk, "x", 1, &seq, &err) == 0 && seq == 1,
	   "plain write is 1");
	ok(record_write_next_build(rd, &h, stick_sk, &ioc_pk, build_with_seq, NULL, &seq, &err) ==
		   0 &&
	       seq == 2,
	   "built write is 2 (%s)", err.msg);
	snprintf(name, sizeof(name), "%s-2.rqs", hex);
	ok(record_load(rd, name, &buf, &len, &err) == 0 &&
	       record_open(buf, len, ioc_sk, &pl, &pllen, &err) == 0 && pllen == 5 &&
	       memcmp(pl, "seq=2", 5) == 0,
	   "the payload carries its own number");
	free(buf);
	free(pl);
	ok(record_write_next_build(rd, &h, stick_sk, &ioc_pk, build_fails, NULL, &seq, &err) != 0 &&
	       has(&err, "builder refused"),
	   "a failing builder writes nothing (%s)", err.msg);
	snprintf(name, sizeof(name), "%s-3.rqs", hex);
	ok(!exists(rd, name), "no record 3 after the failure");
	ok(record_write_next(rd, &h, stick_sk, &ioc_pk, "x", 1, &seq, &err) == 0 && seq == 3,
	   "the failed number is used by the next record");
	close(rd);
}

/* Several processes writing at once never share a number nor skip one. */
static void test_concurrent(void)
{
	enum { KIDS = 4, EACH = 10 };
	int rd, status, okkids = 0, seen[KIDS * EACH + 2] = {0}, dups = 0, bad = 0;
	struct dirent *de;
	DIR *d;

	mkdirat(dfd, "conc", 0755);
	rd = openat(dfd, "conc", O_RDONLY | O_DIRECTORY);
	for (int k = 0; k < KIDS; k++) {
		if (fork() == 0) {
			rq_error err;
			for (int i = 0; i < EACH; i++)
				if (write_one(rd, RECORD_TYPE_RESULT, &err) == 0)
					_exit(1);
			_exit(0);
		}
	}
	for (int k = 0; k < KIDS; k++)
		if (wait(&status) > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
			okkids++;
	ok(okkids == KIDS, "%d concurrent writers succeeded", KIDS);
	d = fdopendir(dup(rd));
	while ((de = readdir(d)) != NULL) {
		uint64_t id, seq;
		unsigned t;

		if (record_parse_name(de->d_name, &id, &seq, &t) != 0)
			continue;
		if (seq < 1 || seq > KIDS * EACH)
			bad++;
		else if (seen[seq]++)
			dups++;
	}
	closedir(d);
	for (int i = 1; i <= KIDS * EACH; i++)
		if (!seen[i])
			bad++;
	ok(dups == 0 && bad == 0, "numbers 1..%d each used once", KIDS * EACH);
	close(rd);
}

int main(void)
{
	rq_error err;

	if (mkdtemp(dir) == NULL || (dfd = open(dir, O_RDONLY | O_DIRECTORY)) < 0) {
		perror("mkdtemp");
		return 1;
	}
	if (keys_ioc_generate(&ioc_sk, &ioc_pk, &err) != 0 ||
	    keys_ioc_generate(&ioc2_sk, &ioc2_pk, &err) != 0 ||
	    keys_stick_generate(&stick_sk, &stick_pk, &err) != 0 ||
	    keys_stick_generate(&stick2_sk, &stick2_pk, &err) != 0) {
		printf("Bail out! %s\n", err.msg);
		return 1;
	}
	test_roundtrip(1, "1 byte");
	test_roundtrip(1000, "1000 bytes");
	test_roundtrip(RECORD_CHUNK, "exactly one chunk");
	test_roundtrip(RECORD_CHUNK + 1, "one chunk and a byte");
	test_roundtrip(5 * RECORD_CHUNK + 77, "six chunks");
	test_flips();
	test_truncation();
	test_forgery();
	test_garbage();
	test_seal_args();
	test_names();
	test_payload();
	test_payload_hostile();
	test_sequence();
	test_build();
	test_concurrent();
	keys_ioc_free(ioc_sk);
	keys_ioc_free(ioc2_sk);
	keys_stick_free(stick_sk);
	keys_stick_free(stick2_sk);
	remove_tree(dir);
	return done_testing();
}

/* Unit tests for the bounds on what a stick makes the IOC do (issue 11 §3):
 * lib/jsonbound's pre-pass at and past each limit, and the ways a JSON
 * text could hide work from it; lib/record's ranges for the header's
 * sequence number and creation time, on both the writing and the reading
 * side; lib/payload's per-read expansion bound. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "jsonbound.h"
#include "keys.h"
#include "le.h"
#include "payload.h"
#include "record.h"
#include "signedjson.h"
#include "tap.h"

static int has(const rq_error *e, const char *s)
{
	return strstr(e->msg, s) != NULL;
}

static int check(const char *text, const struct jsonbound *b, rq_error *err)
{
	return jsonbound_check(text, strlen(text), b, "doc", err);
}

static void test_json_limits(void)
{
	struct jsonbound b = {
	    .max_bytes = 64, .max_depth = 3, .max_values = 6, .max_containers = 3};
	rq_error err;

	/* {, "a", [, 1, {: five values, three containers, three deep */
	ok(check("{\"a\": [1, {}]}", &b, &err) == 0, "within every limit");
	ok(check("{\"a\": [1, {}], \"c\": 2}", &b, &err) != 0 &&
	       has(&err, "doc is too big to import: more than 6 values"),
	   "one value too many (%s)", err.msg);
	ok(check("[[[]]]", &b, &err) == 0, "depth 3 of 3");
	ok(check("[[[[]]]]", &b, &err) != 0 &&
	       has(&err, "doc is nested too deep to import: more than 3 levels"),
	   "depth 4 of 3 (%s)", err.msg);
	ok(check("[{},{},{}]", &b, &err) != 0 && has(&err, "more than 3 objects and arrays"),
	   "four containers of three (%s)", err.msg);
	b.max_bytes = 8;
	ok(check("{\"a\":123}", &b, &err) != 0 && has(&err, "9 bytes, at most 8"),
	   "one byte too many (%s)", err.msg);
	ok(jsonbound_check("{\"a\":123}", 8, &b, "doc", &err) == 0,
	   "the length given is what counts");
}

static void test_json_strings(void)
{
	struct jsonbound b = {
	    .max_bytes = 1 << 20, .max_depth = 2, .max_values = 5, .max_containers = 1};
	rq_error err;

	/* Brackets inside strings are text, not work. */
	ok(check("{\"k\": \"[[[{{{,,,\"}", &b, &err) == 0, "brackets inside a string");
	ok(check("{\"k\": \"a\\\"[[[{{{\"}", &b, &err) == 0, "an escaped quote does not end it");
	ok(check("{\"k\": \"a\\\\\", \"l\": [[[]]]}", &b, &err) != 0,
	   "an escaped backslash does (%s)", err.msg);
	ok(check("{\"k\": true, \"l\": -1.5e3}", &b, &err) == 0,
	   "literals and numbers: one value each");
	/* What json-c takes and a counter reading strict JSON would not see. */
	ok(check("{/* \" */ \"k\": [[[[[[]]]]]] /* \" */}", &b, &err) != 0 &&
	       has(&err, "not strict JSON: byte 0x2f"),
	   "a comment is refused (%s)", err.msg);
	ok(check("{'k': \"x\"}", &b, &err) != 0 && has(&err, "byte 0x27"),
	   "a single-quoted string is refused (%s)", err.msg);
	ok(jsonbound_check("{\"k\": 1}\0[[[[", 12, &b, "doc", &err) != 0 && has(&err, "NUL byte"),
	   "a NUL byte is refused (%s)", err.msg);
	ok(check("{\"k\": 1}\xc2\xa0", &b, &err) != 0 && has(&err, "byte 0xc2"),
	   "bytes outside strings must be ASCII (%s)", err.msg);
}

static void test_json_parse(void)
{
	const char *t = "{\"format\": \"raquet.receipt/1\"}\n";
	json_object *o;
	rq_error err;

	o = jsonbound_parse(t, strlen(t), &jsonbound_signed, "r.json", &err);
	ok(o != NULL && json_str_member(o, "format") != NULL &&
	       strcmp(json_str_member(o, "format"), "raquet.receipt/1") == 0,
	   "parses an object");
	json_object_put(o);
	ok(jsonbound_parse("[1]", 3, &jsonbound_signed, "r.json", &err) == NULL &&
	       has(&err, "r.json: not a JSON object"),
	   "an array is not an object (%s)", err.msg);
	ok(jsonbound_parse("{} x", 4, &jsonbound_signed, "r.json", &err) == NULL,
	   "trailing garbage is refused");
	ok(jsonbound_parse("{\"a\": 1", 7, &jsonbound_signed, "r.json", &err) == NULL,
	   "a cut text is refused");
	/* Exactly the text, no NUL after it (ASan sees a read past the end). */
	char *exact = malloc(8);
	memcpy(exact, "{\"a\": 1}", 8);
	o = jsonbound_parse(exact, 8, &jsonbound_signed, "r.json", &err);
	ok(o != NULL, "no NUL needed after the text");
	json_object_put(o);
	memcpy(exact, "{\"a\": 1 ", 8);
	ok(jsonbound_parse(exact, 8, &jsonbound_signed, "r.json", &err) == NULL,
	   "nor read past it");
	free(exact);
}

/* A result document of n detections as raquet-scan writes them. */
static char *detections(size_t n)
{
	const char *one = "{\"path\": \"/mnt/c/Users/an/AppData/x.exe\", \"path_escaped\": false,"
			  " \"signature\": \"Win.Trojan.Agent-123\", \"sha256\": \"275a021bbfb6489e"
			  "54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f\", \"size\": 68,"
			  " \"outcome\": \"quarantined\", \"detail\": null, \"sample\": null},\n";
	size_t l = strlen(one), off;
	char *s = malloc(n * l + 64);

	if (s == NULL)
		abort();
	off = (size_t)sprintf(s, "{\"detections\": [");
	for (size_t i = 0; i < n; i++, off += l)
		memcpy(s + off, one, l);
	strcpy(s + off - 2, "]}");
	return s;
}

static void test_json_real(void)
{
	char *doc = detections(100000);
	rq_error err;

	ok(jsonbound_check(doc, strlen(doc), &jsonbound_result, "result.json", &err) == 0,
	   "a result with 100,000 detections is within the bounds (%zu bytes)", strlen(doc));
	free(doc);
}

/* A sealed result record whose header is then changed at off. */
static unsigned char *sealed(const keys_stick_secret *sk, const keys_ioc_public *pk, size_t *len)
{
	record_header h = {
	    .type = RECORD_TYPE_RESULT, .seq = 5, .created = 1795000000, .tz_minutes = 420};
	unsigned char *out = NULL, b = 'x';
	rq_error err;

	if (record_seal(&h, sk, pk, &b, 1, &out, len, &err) != 0)
		printf("# seal: %s\n", err.msg);
	return out;
}

static void test_header_ranges(const keys_stick_secret *sk, const keys_ioc_public *pk)
{
	record_header h = {.type = RECORD_TYPE_RESULT, .seq = 5, .created = 1795000000};
	unsigned char *rec, *out = NULL, b = 'x';
	size_t len, outlen;
	rq_error err;

	h.created = INT64_MAX;
	ok(record_seal(&h, sk, pk, &b, 1, &out, &outlen, &err) != 0 &&
	       has(&err, "creation time 9223372036854775807 is outside 1970 to 9999"),
	   "seal refuses created = INT64_MAX (%s)", err.msg);
	h.created = RECORD_CREATED_MAX;
	h.tz_minutes = RECORD_TZ_MAX;
	ok(record_seal(&h, sk, pk, &b, 1, &out, &outlen, &err) == 0, "the last second allowed");
	free(out);
	h.created = RECORD_CREATED_MIN;
	h.tz_minutes = -RECORD_TZ_MAX;
	ok(record_seal(&h, sk, pk, &b, 1, &out, &outlen, &err) == 0, "the first second allowed");
	free(out);
	h.created = 1795000000;
	h.seq = RECORD_SEQ_MAX + 1;
	ok(record_seal(&h, sk, pk, &b, 1, &out, &outlen, &err) != 0 &&
	       has(&err, "sequence number 9007199254740993 (at most 9007199254740992)"),
	   "seal refuses a sequence number over 2^53 (%s)", err.msg);

	if ((rec = sealed(sk, pk, &len)) == NULL)
		return;
	store_le64(rec + 24, (uint64_t)INT64_MAX);
	ok(record_read_header(rec, len, &h, &err) != 0 && has(&err, "malformed header: creation"),
	   "a header with created = INT64_MAX is refused (%s)", err.msg);
	store_le64(rec + 24, (uint64_t)RECORD_CREATED_MAX + 1);
	ok(record_read_header(rec, len, &h, &err) != 0, "one second past the last");
	store_le64(rec + 24, (uint64_t)(int64_t)-1);
	ok(record_read_header(rec, len, &h, &err) != 0, "one second before 1970");
	store_le64(rec + 24, 1795000000);
	store_le64(rec + 16, UINT64_MAX);
	ok(record_read_header(rec, len, &h, &err) != 0 && has(&err, "sequence number"),
	   "a header with sequence 2^64 - 1 is refused (%s)", err.msg);
	store_le64(rec + 16, RECORD_SEQ_MAX);
	ok(record_read_header(rec, len, &h, &err) == 0 && h.seq == RECORD_SEQ_MAX,
	   "sequence 2^53 is read");
	free(rec);
}

static void test_payload_max(void)
{
	static unsigned char big[100000];
	payload_member m[2] = {{"result.json", (unsigned char *)"{}", 2},
			       {"scan.log", big, sizeof(big)}};
	payload_list p;
	unsigned char *pl;
	size_t pllen;
	rq_error err;

	if (payload_build(m, 2, &pl, &pllen, &err) != 0) {
		ok(0, "payload_build: %s", err.msg);
		return;
	}
	ok(payload_read_max(pl, pllen, sizeof(big) + 2, &p, &err) == 0 && p.n == 2,
	   "a payload of exactly its bound");
	payload_free(&p);
	ok(payload_read_max(pl, pllen, sizeof(big) + 1, &p, &err) != 0 &&
	       has(&err, "oversize member scan.log (more than 100001 bytes in all)"),
	   "one byte over (%s)", err.msg);
	ok(payload_read_max(pl, pllen, SIZE_MAX, &p, &err) == 0,
	   "a bound over the format's is the format's");
	payload_free(&p);
	free(pl);
}

/* A gzip'd tar whose first entry is a pax header of n bytes: nothing a
 * member size says, yet n bytes to decompress while libarchive skips it. */
static unsigned char *pax_bomb(size_t n, size_t *outlen)
{
	static unsigned char chunk[65536];
	unsigned char hdr[512] = {0};
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	unsigned char *out = malloc(n / 100 + 65536);
	unsigned sum = 0;
	size_t used = 0;

	memcpy(hdr, "PaxHeader/x", 11);
	memcpy(hdr + 100, "0000644", 7);
	snprintf((char *)hdr + 124, 12, "%011zo", n);
	hdr[156] = 'x';
	memcpy(hdr + 257, "ustar", 6);
	memcpy(hdr + 263, "00", 2);
	memset(hdr + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += hdr[i];
	snprintf((char *)hdr + 148, 8, "%06o", sum);
	memset(chunk, 'A', sizeof(chunk));
	archive_write_add_filter_gzip(a);
	archive_write_set_format_raw(a);
	archive_write_set_bytes_in_last_block(a, 1);
	archive_write_open_memory(a, out, n / 100 + 65536, &used);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_write_header(a, e);
	archive_write_data(a, hdr, sizeof(hdr));
	for (size_t off = 0; off < n; off += sizeof(chunk))
		archive_write_data(a, chunk, sizeof(chunk));
	archive_write_close(a);
	archive_write_free(a);
	archive_entry_free(e);
	*outlen = used;
	return out;
}

static void test_payload_stream(void)
{
	size_t len;
	/* libarchive refuses a pax header over 1 MiB by itself; one under it
	 * still costs decompressing beyond a small payload's bound. */
	unsigned char *bomb = pax_bomb(1000u * 1024, &len);
	payload_list p;
	rq_error err;

	ok(len < 10000, "a 1000 KiB pax header in %zu bytes", len);
	ok(payload_read_max(bomb, len, 64 * 1024, &p, &err) != 0 &&
	       has(&err, "decompresses to more than 131072 bytes"),
	   "what a payload decompresses to is bounded, headers too (%s)", err.msg);
	free(bomb);
}

int main(void)
{
	keys_ioc_secret *ioc_sk;
	keys_ioc_public ioc_pk;
	keys_stick_secret *stick_sk;
	keys_stick_public stick_pk;
	rq_error err;

	if (keys_ioc_generate(&ioc_sk, &ioc_pk, &err) != 0 ||
	    keys_stick_generate(&stick_sk, &stick_pk, &err) != 0) {
		printf("Bail out! %s\n", err.msg);
		return 1;
	}
	test_json_limits();
	test_json_strings();
	test_json_parse();
	test_json_real();
	test_header_ranges(stick_sk, &ioc_pk);
	test_payload_max();
	test_payload_stream();
	keys_stick_free(stick_sk);
	keys_ioc_free(ioc_sk);
	return done_testing();
}

/* rq-genrecords: writes N valid, sealed result records into a provisioned
 * stick, as raquet-scan would after N scans, for import benchmarks and
 * crash tests. Record i (from 0) is on device i % DEVICES; every third
 * one found and quarantined one file (signature Gen.Test.<i % 5>); device
 * d's Windows computer name is GEN-PC-<d>.
 *
 *   rq-genrecords STICK N [DEVICES [UNIT [FIRSTSEQ]]]
 *
 * UNIT defaults to the first unit of the stick's roster. Exit 0 or 1. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "atomicio.h"
#include "keys.h"
#include "payload.h"
#include "record.h"

static int die(const char *what, const char *msg)
{
	fprintf(stderr, "rq-genrecords: %s: %s\n", what, msg);
	return 1;
}

static json_object *device(long dev)
{
	unsigned char md[32];
	char buf[64], hex[65];
	json_object *d = json_object_new_object(), *dmi = json_object_new_object();

	snprintf(buf, sizeof(buf), "generated device %ld", dev);
	crypto_hash_sha256(md, (const unsigned char *)buf, strlen(buf));
	sodium_bin2hex(hex, sizeof(hex), md, sizeof(md));
	json_object_object_add(d, "id", json_object_new_string(hex));
	json_object_object_add(d, "weak", json_object_new_boolean(0));
	json_object_object_add(dmi, "sys_vendor", json_object_new_string("Generated"));
	json_object_object_add(dmi, "product_name", json_object_new_string("PC"));
	json_object_object_add(d, "dmi", dmi);
	/* Where live mode puts Windows' identity (import keeps the name). */
	json_object *win = json_object_new_array(), *w = json_object_new_object();
	snprintf(buf, sizeof(buf), "GEN-PC-%ld", dev);
	json_object_object_add(w, "computer_name", json_object_new_string(buf));
	json_object_array_add(win, w);
	json_object_object_add(d, "windows", win);
	return d;
}

static char *document(const char *stick, uint64_t seq, long i, long devices, const char *unit)
{
	json_object *doc = json_object_new_object(), *o, *a, *v;
	bool infected = i % 3 == 0;
	char when[32], sig[32];
	char *text;

	snprintf(when, sizeof(when), "2026-11-%02ldT%02ld:%02ld:%02ld+07:00", 1 + (i / 86400) % 28,
		 (i / 3600) % 24, (i / 60) % 60, i % 60);
	json_object_object_add(doc, "format", json_object_new_string("raquet.result/1"));
	o = json_object_new_object();
	json_object_object_add(o, "stick", json_object_new_string(stick));
	json_object_object_add(o, "seq", json_object_new_int64((int64_t)seq));
	json_object_object_add(o, "type", json_object_new_string("result"));
	json_object_object_add(o, "created", json_object_new_string(when));
	json_object_object_add(doc, "record", o);
	json_object_object_add(doc, "unit", json_object_new_string(unit));
	json_object_object_add(doc, "technician", json_object_new_string("Nguyễn Văn An"));
	json_object_object_add(doc, "device", device(i % devices));
	o = json_object_new_object();
	json_object_object_add(o, "libclamav", json_object_new_string("1.4.6"));
	json_object_object_add(o, "flevel", json_object_new_int(216));
	json_object_object_add(o, "signatures", json_object_new_int(2));
	json_object_object_add(o, "database_version", NULL);
	json_object_object_add(o, "database_time", NULL);
	json_object_object_add(doc, "engine", o);
	o = json_object_new_object();
	json_object_object_add(o, "scan", json_object_new_string("full"));
	json_object_object_add(o, "action", json_object_new_string("quarantine"));
	json_object_object_add(o, "jobs", json_object_new_int(2));
	json_object_object_add(o, "max_filesize", NULL);
	json_object_object_add(o, "max_scansize", NULL);
	json_object_object_add(o, "alert_exceeds_max", json_object_new_boolean(0));
	json_object_object_add(doc, "mode", o);
	a = json_object_new_array();
	v = json_object_new_object();
	json_object_object_add(v, "device", NULL);
	json_object_object_add(v, "path", json_object_new_string("/mnt/c"));
	json_object_object_add(v, "path_escaped", json_object_new_boolean(0));
	json_object_object_add(v, "filesystem", NULL);
	json_object_object_add(v, "label", NULL);
	json_object_object_add(v, "size", NULL);
	json_object_object_add(v, "state", json_object_new_string("scanned"));
	static const char *const counts[] = {"files",   "bytes",    "errors",
					     "skipped", "excluded", "changed"};
	for (int k = 0; k < 6; k++)
		json_object_object_add(v, counts[k], json_object_new_int(k < 2 ? 100 : 0));
	json_object_array_add(a, v);
	json_object_object_add(doc, "volumes", a);
	a = json_object_new_array();
	if (infected) {
		snprintf(sig, sizeof(sig), "Gen.Test.%ld", i % 5);
		v = json_object_new_object();
		json_object_object_add(v, "path", json_object_new_string("/mnt/c/Users/an/x.exe"));
		json_object_object_add(v, "path_escaped", json_object_new_boolean(0));
		json_object_object_add(v, "signature", json_object_new_string(sig));
		json_object_object_add(
		    v, "sha256",
		    json_object_new_string(
			"275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"));
		json_object_object_add(v, "size", json_object_new_int(68));
		json_object_object_add(v, "outcome", json_object_new_string("quarantined"));
		json_object_object_add(v, "detail", json_object_new_string("0123456789abcdef"));
		json_object_object_add(v, "sample", NULL);
		json_object_array_add(a, v);
	}
	json_object_object_add(doc, "detections", a);
	json_object_object_add(doc, "autoruns", json_object_new_array());
	o = json_object_new_object();
	json_object_object_add(o, "files", json_object_new_int(100));
	json_object_object_add(o, "bytes", json_object_new_int(100));
	json_object_object_add(o, "detections", json_object_new_int(infected));
	json_object_object_add(o, "errors", json_object_new_int(0));
	json_object_object_add(doc, "totals", o);
	json_object_object_add(doc, "started", json_object_new_string(when));
	json_object_object_add(doc, "finished", json_object_new_string(when));
	json_object_object_add(doc, "duration_seconds", json_object_new_double(1.5));
	json_object_object_add(doc, "status",
			       json_object_new_string(infected ? "cleaned" : "clean"));
	text = strdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(doc);
	return text;
}

static const char *first_unit(int fd)
{
	static char code[128];
	json_object *r, *u, *c;
	char *buf;
	size_t len;
	rq_error err;

	if (read_file_bounded(fd, "roster.json", 1 << 20, &buf, &len, &err) != 0)
		return NULL;
	r = json_tokener_parse(buf);
	free(buf);
	if (!json_object_object_get_ex(r, "units", &u) || json_object_array_length(u) == 0 ||
	    !json_object_object_get_ex(json_object_array_get_idx(u, 0), "code", &c)) {
		json_object_put(r);
		return NULL;
	}
	snprintf(code, sizeof(code), "%s", json_object_get_string(c));
	json_object_put(r);
	return code;
}

int main(int argc, char **argv)
{
	keys_stick_secret *sk;
	keys_ioc_public ioc;
	char path[4096], hex[KEYS_ID_HEX_LEN + 1];
	const char *unit;
	long n, devices = 100;
	uint64_t first = 1;
	rq_error err;
	int fd, out;

	if (argc < 3 || argc > 6)
		return fprintf(stderr,
			       "usage: rq-genrecords STICK N [DEVICES [UNIT [FIRSTSEQ]]]\n"),
		       2;
	n = atol(argv[2]);
	if (argc > 3)
		devices = atol(argv[3]);
	if (argc > 5)
		first = strtoull(argv[5], NULL, 10);
	if (rq_crypto_init(&err) != 0)
		return die("libsodium", err.msg);
	snprintf(path, sizeof(path), "%s/RAQUET", argv[1]);
	if ((fd = open(path, O_RDONLY | O_DIRECTORY)) < 0)
		return die(path, strerror(errno));
	if (keys_stick_read_secret(fd, "stick.key", &sk, &err) != 0 ||
	    keys_ioc_read_public(fd, "ioc.pub", &ioc, &err) != 0)
		return die(path, err.msg);
	unit = argc > 4 ? argv[4] : first_unit(fd);
	if (unit == NULL || devices < 1)
		return die(path, "no unit");
	if ((out = openat(fd, "results", O_RDONLY | O_DIRECTORY)) < 0)
		return die("results", strerror(errno));
	keys_id_hex(sk->id, hex);
	for (long i = 0; i < n; i++) {
		record_header h = {.type = RECORD_TYPE_RESULT,
				   .seq = first + (uint64_t)i,
				   .created = 1795000000 + i,
				   .tz_minutes = 420};
		char *doc = document(hex, h.seq, i, devices, unit), name[RECORD_NAME_MAX];
		const char *log = "generated\n";
		payload_member m[2] = {{"result.json", (unsigned char *)doc, strlen(doc)},
				       {"scan.log", (unsigned char *)log, strlen(log)}};
		unsigned char *pl, *rec;
		size_t pllen, reclen;
		if (payload_build(m, 2, &pl, &pllen, &err) != 0 ||
		    record_seal(&h, sk, &ioc, pl, pllen, &rec, &reclen, &err) != 0)
			return die("seal", err.msg);
		record_name(sk->id, h.seq, RECORD_TYPE_RESULT, name, sizeof(name));
		/* No fsync: a benchmark's input, not a stick's record. */
		int rfd = openat(out, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (rfd < 0 || write_all(rfd, rec, reclen) != 0 || close(rfd) != 0)
			return die(name, strerror(errno));
		free(pl);
		free(rec);
		free(doc);
	}
	keys_stick_free(sk);
	close(out);
	close(fd);
	return 0;
}

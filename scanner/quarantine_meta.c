/* quarantine_meta: an entry's <id>.meta, the JSON document that records
 * where the file came from and what it was (path, mode, owner, times,
 * sha256, signature), written at store and read back, as untrusted input,
 * by the listing and by restore. Every field that restore acts on is
 * covered by a MAC under the quarantine directory's key, so an edited
 * .meta (another path, set-id bits, another owner) is refused. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json.h>

#include "atomicio.h"
#include "escape.h"
#include "quarantine_int.h"

#define Q_FORMAT    "raquet.quarantine/2" /* /1 had no "mac" */
#define Q_FORMAT_V1 "raquet.quarantine/1"
#define Q_META_MAX  (256 * 1024)
#define Q_MAC_LEN   crypto_generichash_BYTES /* 32 */
/* The MAC key is derived from the directory's key (which also encrypts the
 * .data files), so one key file serves both without one use weakening the
 * other. */
#define Q_MAC_CTX    "rqqmeta2"
#define Q_MAC_SUBKEY 1
_Static_assert(crypto_kdf_KEYBYTES == crypto_secretstream_xchacha20poly1305_KEYBYTES,
	       "the directory's key is a KDF master key as it is");

/* --- the MAC ------------------------------------------------------------ */

static void mac_u64(crypto_generichash_state *h, uint64_t v)
{
	unsigned char b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	crypto_generichash_update(h, b, sizeof(b));
}

/* Length-prefixed, so no two different field lists hash the same bytes. */
static void mac_bytes(crypto_generichash_state *h, const void *p, size_t n)
{
	mac_u64(h, n);
	crypto_generichash_update(h, p, n);
}

/* Keyed BLAKE2b-256 over every field of m, in a fixed binary form: what is
 * written and what is read back are compared as values, never as JSON
 * text. The path is its raw bytes, the signature its stored (escaped)
 * form. */
static int meta_mac(const unsigned char *key, const struct qmeta *m, unsigned char out[Q_MAC_LEN])
{
	unsigned char sub[crypto_generichash_KEYBYTES];
	crypto_generichash_state h;

	if (crypto_kdf_derive_from_key(sub, sizeof(sub), Q_MAC_SUBKEY, Q_MAC_CTX, key) != 0)
		return -1;
	crypto_generichash_init(&h, sub, sizeof(sub), Q_MAC_LEN);
	sodium_memzero(sub, sizeof(sub));
	mac_bytes(&h, Q_FORMAT, strlen(Q_FORMAT));
	mac_bytes(&h, m->id, strlen(m->id));
	mac_bytes(&h, m->path, strlen(m->path));
	mac_bytes(&h, m->signature, strlen(m->signature));
	mac_bytes(&h, m->quarantined, strlen(m->quarantined));
	mac_bytes(&h, m->sha256, strlen(m->sha256));
	mac_u64(&h, (uint64_t)m->size);
	mac_u64(&h, m->mode);
	mac_u64(&h, (uint64_t)m->uid);
	mac_u64(&h, (uint64_t)m->gid);
	mac_u64(&h, (uint64_t)m->atime.tv_sec);
	mac_u64(&h, (uint64_t)m->atime.tv_nsec);
	mac_u64(&h, (uint64_t)m->mtime.tv_sec);
	mac_u64(&h, (uint64_t)m->mtime.tv_nsec);
	crypto_generichash_final(&h, out, Q_MAC_LEN);
	sodium_memzero(&h, sizeof(h));
	return 0;
}

/* --- writing metadata --------------------------------------------------- */

/* json-c helpers that remember the first failure, so building the metadata
 * object checks every allocation without a wall of ifs. */
static void jadd(json_object *o, const char *k, json_object *v, bool *bad)
{
	if (v == NULL || json_object_object_add(o, k, v) != 0) {
		json_object_put(v);
		*bad = true;
	}
}

static json_object *jtime(const struct timespec *ts)
{
	json_object *o = json_object_new_object();
	bool bad = false;

	if (o == NULL)
		return NULL;
	jadd(o, "sec", json_object_new_int64(ts->tv_sec), &bad);
	jadd(o, "nsec", json_object_new_int64(ts->tv_nsec), &bad);
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* Builds <id>.meta's JSON text (malloc'd). path is the raw original path:
 * kept base64-encoded so any byte survives, and escaped for display. */
char *qmeta_build(const unsigned char *key, const char *id, const char *path, const char *signature,
		  const struct stat *st, const char *sha_hex, const char *when)
{
	size_t plen = strlen(path);
	size_t b64len = sodium_base64_ENCODED_LEN(plen, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(b64len), *disp = escape_name(path), *sig = escape_name(signature);
	json_object *o = json_object_new_object();
	unsigned char mac[Q_MAC_LEN];
	char mac_hex[2 * Q_MAC_LEN + 1];
	struct qmeta m;
	const char *text;
	char *res = NULL;
	bool bad = false;

	if (b64 == NULL || disp == NULL || sig == NULL || o == NULL ||
	    strlen(id) > QUARANTINE_ID_LEN || strlen(when) >= sizeof(m.quarantined) ||
	    strlen(sha_hex) >= sizeof(m.sha256))
		goto out;
	memset(&m, 0, sizeof(m));
	strcpy(m.id, id);
	m.path = (char *)path;
	m.signature = sig;
	strcpy(m.quarantined, when);
	strcpy(m.sha256, sha_hex);
	m.size = st->st_size;
	m.mode = st->st_mode & 07777;
	m.uid = st->st_uid;
	m.gid = st->st_gid;
	m.atime = st->st_atim;
	m.mtime = st->st_mtim;
	if (meta_mac(key, &m, mac) != 0)
		goto out;
	sodium_bin2hex(mac_hex, sizeof(mac_hex), mac, sizeof(mac));
	sodium_bin2base64(b64, b64len, (const unsigned char *)path, plen,
			  sodium_base64_VARIANT_ORIGINAL);
	jadd(o, "format", json_object_new_string(Q_FORMAT), &bad);
	jadd(o, "id", json_object_new_string(id), &bad);
	jadd(o, "path_base64", json_object_new_string(b64), &bad);
	jadd(o, "path", json_object_new_string(disp), &bad);
	jadd(o, "mode", json_object_new_int64(st->st_mode & 07777), &bad);
	jadd(o, "uid", json_object_new_int64(st->st_uid), &bad);
	jadd(o, "gid", json_object_new_int64(st->st_gid), &bad);
	jadd(o, "atime", jtime(&st->st_atim), &bad);
	jadd(o, "mtime", jtime(&st->st_mtim), &bad);
	jadd(o, "size", json_object_new_int64(st->st_size), &bad);
	jadd(o, "sha256", json_object_new_string(sha_hex), &bad);
	jadd(o, "signature", json_object_new_string(sig), &bad);
	jadd(o, "quarantined", json_object_new_string(when), &bad);
	jadd(o, "cipher", json_object_new_string("xchacha20poly1305-secretstream"), &bad);
	jadd(o, "mac", json_object_new_string(mac_hex), &bad);
	if (bad)
		goto out;
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						     JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text != NULL && (res = malloc(strlen(text) + 2)) != NULL)
		sprintf(res, "%s\n", text);
out:
	json_object_put(o);
	free(b64);
	free(disp);
	free(sig);
	return res;
}

/* --- reading metadata --------------------------------------------------- */

void qmeta_free(struct qmeta *m)
{
	free(m->path);
	free(m->signature);
	m->path = m->signature = NULL;
}

static const char *jstr(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool jint(json_object *o, const char *k, long long lo, long long hi, long long *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_int))
		return false;
	errno = 0;
	*out = json_object_get_int64(v);
	return errno == 0 && *out >= lo && *out <= hi;
}

static bool jtime_get(json_object *o, const char *k, struct timespec *ts)
{
	json_object *t;
	long long s, ns;

	if (!json_object_object_get_ex(o, k, &t) || !json_object_is_type(t, json_type_object) ||
	    !jint(t, "sec", INT64_MIN / 2, INT64_MAX / 2, &s) ||
	    !jint(t, "nsec", 0, 999999999, &ns))
		return false;
	ts->tv_sec = (time_t)s;
	ts->tv_nsec = (long)ns;
	return true;
}

static bool is_sha_hex(const char *s)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return s[64] == '\0';
}

/* Parses and checks <id>.meta; a field that is missing, of the wrong type
 * or out of range makes the whole entry corrupt. */
static int meta_parse(const char *text, const char *id, struct qmeta *m,
		      unsigned char mac[Q_MAC_LEN], rq_error *err)
{
	enum json_tokener_error jerr;
	json_object *o = json_tokener_parse_verbose(text, &jerr);
	const char *s, *b64;
	long long v, g;
	size_t plen;
	int rc = -1;

	memset(m, 0, sizeof(*m));
	if (o == NULL)
		return rq_fail(err, "not JSON (%s)", json_tokener_error_desc(jerr));
	if (!json_object_is_type(o, json_type_object) || (s = jstr(o, "format")) == NULL) {
		rq_fail(err, "not a %s document", Q_FORMAT);
		goto out;
	}
	if (strcmp(s, Q_FORMAT_V1) == 0) {
		/* Not authenticated, so nothing in it can be trusted, and a
		 * forger would simply write /1: refused, with the reason. */
		rq_fail(err,
			"written by an older raquet without authentication (%s); "
			"not restorable",
			Q_FORMAT_V1);
		goto out;
	}
	if (strcmp(s, Q_FORMAT) != 0) {
		rq_fail(err, "not a %s document", Q_FORMAT);
		goto out;
	}
	if ((s = jstr(o, "mac")) == NULL || strlen(s) != 2 * Q_MAC_LEN ||
	    sodium_hex2bin(mac, Q_MAC_LEN, s, 2 * Q_MAC_LEN, NULL, NULL, NULL) != 0) {
		rq_fail(err, "bad or missing mac");
		goto out;
	}
	if ((s = jstr(o, "id")) == NULL || strcmp(s, id) != 0) {
		rq_fail(err, "id does not match the file name");
		goto out;
	}
	strcpy(m->id, id);
	b64 = jstr(o, "path_base64");
	if (b64 == NULL || (m->path = malloc(strlen(b64) + 1)) == NULL ||
	    sodium_base642bin((unsigned char *)m->path, strlen(b64), b64, strlen(b64), NULL, &plen,
			      NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    plen == 0 || plen > Q_PATH_MAX || memchr(m->path, '\0', plen) != NULL ||
	    m->path[0] != '/') {
		rq_fail(err, "bad or missing path_base64");
		goto out;
	}
	m->path[plen] = '\0';
	if ((s = jstr(o, "signature")) == NULL || (m->signature = strdup(s)) == NULL) {
		rq_fail(err, "bad or missing signature");
		goto out;
	}
	if ((s = jstr(o, "quarantined")) == NULL || strlen(s) != 30) {
		rq_fail(err, "bad or missing quarantined time");
		goto out;
	}
	strcpy(m->quarantined, s);
	if ((s = jstr(o, "sha256")) == NULL || strlen(s) != 64 || !is_sha_hex(s)) {
		rq_fail(err, "bad or missing sha256");
		goto out;
	}
	strcpy(m->sha256, s);
	if (!jint(o, "size", 0, INT64_MAX, &m->size) || !jint(o, "mode", 0, 07777, &v)) {
		rq_fail(err, "bad or missing size or mode");
		goto out;
	}
	m->mode = (unsigned)v;
	if (!jint(o, "uid", 0, UINT32_MAX - 1, &v) || !jint(o, "gid", 0, UINT32_MAX - 1, &g)) {
		rq_fail(err, "bad or missing uid or gid");
		goto out;
	}
	m->uid = (uid_t)v;
	m->gid = (gid_t)g;
	if (!jtime_get(o, "atime", &m->atime) || !jtime_get(o, "mtime", &m->mtime)) {
		rq_fail(err, "bad or missing atime or mtime");
		goto out;
	}
	rc = 0;
out:
	json_object_put(o);
	if (rc != 0)
		qmeta_free(m);
	return rc;
}

/* Reads <id>.meta. Returns 0, -1 on a damaged entry, or 1 when there is no
 * such entry. */
int qmeta_load(int qfd, const char *id, const unsigned char *key, struct qmeta *m, rq_error *err)
{
	unsigned char mac[Q_MAC_LEN], want[Q_MAC_LEN];
	char name[Q_ENTRY_NAME_LEN], *text;
	size_t len;
	rq_error perr;
	struct stat st;

	memset(m, 0, sizeof(*m));
	qentry_name(name, id, ".meta");
	if (fstatat(qfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
		return 1;
	if (read_file_bounded(qfd, name, Q_META_MAX, &text, &len, err) != 0)
		return -1;
	if (strlen(text) != len) {
		free(text);
		return rq_fail(err, "NUL byte in metadata");
	}
	if (meta_parse(text, id, m, mac, &perr) != 0) {
		free(text);
		return rq_fail(err, "%s", perr.msg);
	}
	free(text);
	if (key == NULL) {
		qmeta_free(m);
		return rq_fail(err,
			       "the quarantine key is missing or damaged, so it cannot be checked");
	}
	if (meta_mac(key, m, want) != 0 || sodium_memcmp(mac, want, Q_MAC_LEN) != 0) {
		qmeta_free(m);
		return rq_fail(err, "edited or not made with this quarantine's key "
				    "(authentication failed)");
	}
	return 0;
}

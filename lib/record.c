/* record: sealing, checking and opening records, and writing them under the
 * next free sequence number (see record.h, docs/record-format.md). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

#include "atomicio.h"
#include "le.h"
#include "record.h"

/* Header offsets (docs/record-format.md). */
#define OFF_MAGIC      0
#define OFF_VERSION    5
#define OFF_TYPE       6
#define OFF_RES1       7
#define OFF_STICK      8
#define OFF_SEQ        16
#define OFF_CREATED    24
#define OFF_TZ         32
#define OFF_RES2       34
#define OFF_IOC        40
#define OFF_PLEN       48
#define OFF_SEALED     56
#define SEALED_LEN     (crypto_box_SEALBYTES + crypto_secretstream_xchacha20poly1305_KEYBYTES)
#define OFF_SSHDR      (OFF_SEALED + SEALED_LEN)
#define SSHDR_LEN      crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define ABYTES         crypto_secretstream_xchacha20poly1305_ABYTES
#define CHUNK_OVERHEAD (4 + ABYTES)

_Static_assert(OFF_SSHDR + SSHDR_LEN == RECORD_HEADER_LEN, "header layout");

#define LOCK_NAME RECORD_LOCK_NAME

const char *record_type_name(unsigned type)
{
	switch (type) {
	case RECORD_TYPE_RESULT:
		return "result";
	case RECORD_TYPE_SAMPLE:
		return "sample";
	default:
		return "unknown";
	}
}

static const char *type_ext(unsigned type)
{
	return type == RECORD_TYPE_SAMPLE ? "rqs" : "rqr";
}

/* Number of stream chunks for a payload: all full but the last. */
static uint64_t chunk_count(uint64_t payload_len)
{
	return (payload_len + RECORD_CHUNK - 1) / RECORD_CHUNK;
}

/* The one length a record with this payload can have; payload_len is
 * already bounded by RECORD_MAX_PAYLOAD, so nothing overflows. */
static size_t expected_len(uint64_t payload_len)
{
	return RECORD_HEADER_LEN + (size_t)payload_len +
	       (size_t)chunk_count(payload_len) * CHUNK_OVERHEAD + crypto_sign_BYTES;
}

static int check_fields(const record_header *h, const char *what, rq_error *err)
{
	if (h->type != RECORD_TYPE_RESULT && h->type != RECORD_TYPE_SAMPLE)
		return rq_fail(err, "%s: unknown record type %u", what, h->type);
	if (h->seq == 0)
		return rq_fail(err, "%s: malformed header: sequence number 0", what);
	if (h->seq > RECORD_SEQ_MAX)
		return rq_fail(err, "%s: malformed header: sequence number %llu (at most %llu)",
			       what, (unsigned long long)h->seq,
			       (unsigned long long)RECORD_SEQ_MAX);
	if (h->created < RECORD_CREATED_MIN || h->created > RECORD_CREATED_MAX)
		return rq_fail(err,
			       "%s: malformed header: creation time %lld is outside 1970 to 9999",
			       what, (long long)h->created);
	if (h->tz_minutes < -RECORD_TZ_MAX || h->tz_minutes > RECORD_TZ_MAX)
		return rq_fail(err, "%s: malformed header: time zone offset %d minutes", what,
			       h->tz_minutes);
	return 0;
}

int record_read_header(const void *buf, size_t len, record_header *h, rq_error *err)
{
	const unsigned char *p = buf;
	size_t mlen = len < 5 ? len : 5;

	if (len == 0)
		return rq_fail(err, "empty file (zero length), not a record");
	if (len > RECORD_MAX_SIZE)
		return rq_fail(err, "oversize: %zu bytes, a record is at most %zu", len,
			       (size_t)RECORD_MAX_SIZE);
	if (memcmp(p, RECORD_MAGIC, mlen) != 0)
		return rq_fail(err, "not a raquet record (bad magic)");
	if (len < RECORD_HEADER_LEN)
		return rq_fail(err, "truncated record: %zu bytes, the header alone is %d", len,
			       RECORD_HEADER_LEN);
	memset(h, 0, sizeof(*h));
	h->version = p[OFF_VERSION];
	if (h->version != RECORD_VERSION)
		return rq_fail(err, "unsupported record version %u (this build reads version %d)",
			       h->version, RECORD_VERSION);
	h->type = p[OFF_TYPE];
	h->stick_id = load_le64(p + OFF_STICK);
	h->seq = load_le64(p + OFF_SEQ);
	h->created = (int64_t)load_le64(p + OFF_CREATED);
	h->tz_minutes = (int16_t)load_le16(p + OFF_TZ);
	h->ioc_key_id = load_le64(p + OFF_IOC);
	h->payload_len = load_le64(p + OFF_PLEN);
	if (check_fields(h, "record", err) != 0)
		return -1;
	if (p[OFF_RES1] != 0 || !sodium_is_zero(p + OFF_RES2, OFF_IOC - OFF_RES2))
		return rq_fail(err, "record: malformed header: reserved bytes are not zero");
	if (h->payload_len == 0)
		return rq_fail(err, "record: malformed header: zero-length payload");
	if (h->payload_len > RECORD_MAX_PAYLOAD)
		return rq_fail(err,
			       "oversize: the header claims a payload of %llu bytes, at most %u",
			       (unsigned long long)h->payload_len, RECORD_MAX_PAYLOAD);
	h->record_len = expected_len(h->payload_len);
	return 0;
}

/* Header, then the whole length and every chunk's length prefix: after
 * this, the chunks can be walked without further bounds checks. */
static int check_structure(const unsigned char *p, size_t len, record_header *h, rq_error *err)
{
	uint64_t n, i, left;
	size_t off = RECORD_HEADER_LEN;

	if (record_read_header(p, len, h, err) != 0)
		return -1;
	if (len < h->record_len)
		return rq_fail(err, "truncated record: %zu bytes, expected %zu", len,
			       h->record_len);
	if (len > h->record_len)
		return rq_fail(err,
			       "malformed record: %zu bytes of trailing data after the signature",
			       len - h->record_len);
	n = chunk_count(h->payload_len);
	left = h->payload_len;
	for (i = 0; i < n; i++) {
		uint32_t want = (uint32_t)((left < RECORD_CHUNK ? left : RECORD_CHUNK) + ABYTES);
		uint32_t got = load_le32(p + off);

		if (got != want)
			return rq_fail(
			    err, "malformed record: chunk %llu has length %lu, expected %lu",
			    (unsigned long long)i + 1, (unsigned long)got, (unsigned long)want);
		off += 4 + got;
		left -= want - ABYTES;
	}
	return 0;
}

int record_seal(const record_header *in, const keys_stick_secret *stick, const keys_ioc_public *ioc,
		const void *payload, size_t len, unsigned char **outp, size_t *outlen,
		rq_error *err)
{
	/* The file key and stream state live on the stack, wiped on return:
	 * they die with the call, and sodium_malloc's guard pages would cost
	 * more syscalls per record than the cryptography itself. */
	crypto_secretstream_xchacha20poly1305_state st[1];
	unsigned char key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	unsigned char *out = NULL, *p;
	const unsigned char *m = payload;
	size_t total, off, left;
	int rc = -1;

	if (rq_crypto_init(err) != 0)
		return -1;
	if (check_fields(in, "cannot seal", err) != 0)
		return -1;
	if (len == 0)
		return rq_fail(err, "cannot seal a zero-length payload");
	if (len > RECORD_MAX_PAYLOAD)
		return rq_fail(err, "oversize: payload of %zu bytes, at most %u", len,
			       RECORD_MAX_PAYLOAD);
	total = expected_len(len);
	out = malloc(total);
	if (out == NULL) {
		rq_fail(err, "out of memory sealing a record of %zu bytes", total);
		goto out;
	}
	p = out;
	memset(p, 0, RECORD_HEADER_LEN);
	memcpy(p + OFF_MAGIC, RECORD_MAGIC, 5);
	p[OFF_VERSION] = RECORD_VERSION;
	p[OFF_TYPE] = (unsigned char)in->type;
	store_le64(p + OFF_STICK, stick->id);
	store_le64(p + OFF_SEQ, in->seq);
	store_le64(p + OFF_CREATED, (uint64_t)in->created);
	store_le16(p + OFF_TZ, (uint16_t)in->tz_minutes);
	store_le64(p + OFF_IOC, ioc->id);
	store_le64(p + OFF_PLEN, len);
	crypto_secretstream_xchacha20poly1305_keygen(key);
	if (crypto_box_seal(p + OFF_SEALED, key, crypto_secretstream_xchacha20poly1305_KEYBYTES,
			    ioc->box_pk) != 0) {
		rq_fail(err, "cannot seal the file key to the IOC key");
		goto out;
	}
	if (crypto_secretstream_xchacha20poly1305_init_push(st, p + OFF_SSHDR, key) != 0) {
		rq_fail(err, "cannot start the payload stream");
		goto out;
	}
	/* Every chunk carries the whole header as additional data, so no
	 * header field (stick id, sequence, type, IOC key) can be changed or
	 * spliced onto another payload without the IOC noticing, even by a
	 * party who re-signs the record. */
	off = RECORD_HEADER_LEN;
	left = len;
	while (left > 0) {
		size_t n = left < RECORD_CHUNK ? left : RECORD_CHUNK;
		unsigned char tag = n == left ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
					      : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;

		store_le32(out + off, (uint32_t)(n + ABYTES));
		if (crypto_secretstream_xchacha20poly1305_push(st, out + off + 4, NULL, m, n, out,
							       RECORD_HEADER_LEN, tag) != 0) {
			rq_fail(err, "cannot encrypt the payload");
			goto out;
		}
		off += CHUNK_OVERHEAD + n;
		m += n;
		left -= n;
	}
	if (crypto_sign_detached(out + off, NULL, out, off, stick->sign_sk) != 0) {
		rq_fail(err, "cannot sign the record");
		goto out;
	}
	*outp = out;
	*outlen = total;
	out = NULL;
	rc = 0;
out:
	free(out);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(st, sizeof(st));
	return rc;
}

int record_verify(const void *buf, size_t len, const keys_stick_public *stick, record_header *hdr,
		  rq_error *err)
{
	const unsigned char *p = buf;
	char got[KEYS_ID_HEX_LEN + 1], want[KEYS_ID_HEX_LEN + 1];
	size_t signed_len;

	if (rq_crypto_init(err) != 0)
		return -1;
	if (check_structure(p, len, hdr, err) != 0)
		return -1;
	if (hdr->stick_id != stick->id) {
		keys_id_hex(hdr->stick_id, got);
		keys_id_hex(stick->id, want);
		return rq_fail(err, "record is from stick %s, not from stick %s", got, want);
	}
	signed_len = len - crypto_sign_BYTES;
	if (crypto_sign_verify_detached(p + signed_len, p, signed_len, stick->sign_pk) != 0)
		return rq_fail(err, "bad signature: the record was changed or not signed by "
				    "this stick's key");
	return 0;
}

/* Decrypts every chunk into payload (hdr->payload_len bytes). */
static int pull_chunks(const unsigned char *p, const record_header *hdr,
		       crypto_secretstream_xchacha20poly1305_state *st, unsigned char *payload,
		       rq_error *err)
{
	uint64_t n = chunk_count(hdr->payload_len), i;
	size_t off = RECORD_HEADER_LEN, out = 0;

	for (i = 0; i < n; i++) {
		size_t clen = load_le32(p + off);
		unsigned long long mlen;
		unsigned char tag;
		bool last = i + 1 == n;

		if (crypto_secretstream_xchacha20poly1305_pull(st, payload + out, &mlen, &tag,
							       p + off + 4, clen, p,
							       RECORD_HEADER_LEN) != 0)
			return rq_fail(err,
				       "payload corrupt: chunk %llu of %llu fails authentication "
				       "(changed, reordered, or the header was changed)",
				       (unsigned long long)i + 1, (unsigned long long)n);
		if (!last && tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL)
			return rq_fail(err, "payload corrupt: end of stream at chunk %llu of %llu",
				       (unsigned long long)i + 1, (unsigned long long)n);
		if (last && tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL)
			return rq_fail(err, "payload truncated: the last chunk does not end "
					    "the stream");
		off += 4 + clen;
		out += (size_t)mlen;
	}
	return 0;
}

int record_open(const void *buf, size_t len, const keys_ioc_secret *ioc, unsigned char **payloadp,
		size_t *payload_len, rq_error *err)
{
	const unsigned char *p = buf;
	crypto_secretstream_xchacha20poly1305_state st[1]; /* on the stack: see record_seal */
	unsigned char key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	unsigned char *payload = NULL;
	char got[KEYS_ID_HEX_LEN + 1], want[KEYS_ID_HEX_LEN + 1];
	record_header hdr;
	int rc = -1;

	if (rq_crypto_init(err) != 0)
		return -1;
	if (check_structure(p, len, &hdr, err) != 0)
		return -1;
	if (hdr.ioc_key_id != ioc->id) {
		keys_id_hex(hdr.ioc_key_id, got);
		keys_id_hex(ioc->id, want);
		return rq_fail(err, "wrong IOC key: the record is sealed to key %s, this is key %s",
			       got, want);
	}
	/* Bounded: check_structure proved payload_len < len. */
	payload = malloc((size_t)hdr.payload_len);
	if (payload == NULL) {
		rq_fail(err, "out of memory opening a record of %zu bytes", len);
		goto out;
	}
	if (crypto_box_seal_open(key, p + OFF_SEALED, SEALED_LEN, ioc->box_pk, ioc->box_sk) != 0) {
		rq_fail(err, "the sealed file key cannot be opened with this IOC key (damaged?)");
		goto out;
	}
	if (crypto_secretstream_xchacha20poly1305_init_pull(st, p + OFF_SSHDR, key) != 0) {
		rq_fail(err, "payload corrupt: bad stream header");
		goto out;
	}
	if (pull_chunks(p, &hdr, st, payload, err) != 0)
		goto out;
	*payloadp = payload;
	*payload_len = (size_t)hdr.payload_len;
	payload = NULL;
	rc = 0;
out:
	free(payload);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(st, sizeof(st));
	return rc;
}

int record_load(int dirfd, const char *name, unsigned char **buf, size_t *len, rq_error *err)
{
	char *b;

	if (read_file_bounded(dirfd, name, RECORD_MAX_SIZE, &b, len, err) != 0)
		return -1;
	*buf = (unsigned char *)b;
	return 0;
}

int record_name(uint64_t stick_id, uint64_t seq, unsigned type, char *out, size_t outsz)
{
	char hex[KEYS_ID_HEX_LEN + 1];

	if (type != RECORD_TYPE_RESULT && type != RECORD_TYPE_SAMPLE)
		return -1;
	keys_id_hex(stick_id, hex);
	if (snprintf(out, outsz, "%s-%llu.%s", hex, (unsigned long long)seq, type_ext(type)) >=
	    (int)outsz)
		return -1;
	return 0;
}

/* Parses a decimal sequence number: 1 or more, no leading zero, no sign. */
static int parse_seq(const char *s, size_t n, uint64_t *seq)
{
	uint64_t v = 0;

	if (n == 0 || n > 20 || s[0] == '0')
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*seq = v;
	return 0;
}

int record_parse_name(const char *name, uint64_t *stick_id, uint64_t *seq, unsigned *type)
{
	char hex[KEYS_ID_HEX_LEN + 1];
	const char *dot;

	/* FAT may hand names back in another case: compare without it. */
	if (strlen(name) < KEYS_ID_HEX_LEN + 1 || name[KEYS_ID_HEX_LEN] != '-')
		return -1;
	memcpy(hex, name, KEYS_ID_HEX_LEN);
	hex[KEYS_ID_HEX_LEN] = '\0';
	if (keys_id_parse(hex, stick_id) != 0)
		return -1;
	dot = strchr(name + KEYS_ID_HEX_LEN + 1, '.');
	if (dot == NULL)
		return -1;
	if (strcasecmp(dot, ".rqr") == 0)
		*type = RECORD_TYPE_RESULT;
	else if (strcasecmp(dot, ".rqs") == 0)
		*type = RECORD_TYPE_SAMPLE;
	else
		return -1;
	return parse_seq(name + KEYS_ID_HEX_LEN + 1, (size_t)(dot - name - KEYS_ID_HEX_LEN - 1),
			 seq);
}

/* --- next free sequence number ------------------------------------------- */

/* The high-water mark: the last number used, kept even after the records
 * themselves are deleted (e.g. once imported), so none is ever reused. */
static void mark_name(uint64_t stick_id, unsigned type, char *out, size_t outsz)
{
	char hex[KEYS_ID_HEX_LEN + 1];

	keys_id_hex(stick_id, hex);
	snprintf(out, outsz, ".%s.%s.last", hex, type_ext(type));
}

static uint64_t read_mark(int dirfd, const char *name)
{
	char *text;
	size_t len;
	uint64_t v;

	/* A missing or torn mark is not an error: the directory scan still
	 * knows every number whose record is there. */
	if (read_file_bounded(dirfd, name, 64, &text, &len, NULL) != 0)
		return 0;
	if (len < 2 || text[len - 1] != '\n' || parse_seq(text, len - 1, &v) != 0 ||
	    v > RECORD_SEQ_MAX)
		v = 0;
	free(text);
	return v;
}

/* A temporary file atomic_write left behind when a writer of this stick
 * died: ".<record name>.tmp<pid>[.<n>]" or the same for the mark. */
static bool is_leftover(const char *name, uint64_t stick_id, unsigned type, const char *mark)
{
	uint64_t id, seq;
	unsigned t;
	const char *tmp = strstr(name, ".tmp");
	char inner[RECORD_NAME_MAX];
	size_t n;

	if (name[0] != '.' || tmp == NULL || tmp == name)
		return false;
	/* ".tmp<pid>" or ".tmp<pid>.<n>": digits and dots only. */
	if (tmp[4] < '0' || tmp[4] > '9')
		return false;
	for (const char *d = tmp + 4; *d != '\0'; d++)
		if ((*d < '0' || *d > '9') && *d != '.')
			return false;
	n = (size_t)(tmp - name - 1);
	if (n >= sizeof(inner))
		return false;
	memcpy(inner, name + 1, n);
	inner[n] = '\0';
	if (strcmp(inner, mark) == 0)
		return true;
	return record_parse_name(inner, &id, &seq, &t) == 0 && id == stick_id && t == type;
}

/* The highest number in use in dirfd for this stick and type; removes
 * leftovers of dead writers when we hold the lock. */
static int scan_dir(int dirfd, uint64_t stick_id, unsigned type, const char *mark, bool locked,
		    uint64_t *max, rq_error *err)
{
	struct dirent *de;
	DIR *d;
	int fd;

	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return rq_fail_errno(err, errno, "cannot open the record directory");
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return rq_fail_errno(err, errno, "cannot read the record directory");
	}
	*max = 0;
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		uint64_t id, seq;
		unsigned t;

		if (record_parse_name(de->d_name, &id, &seq, &t) == 0) {
			if (id == stick_id && t == type && seq > *max && seq <= RECORD_SEQ_MAX)
				*max = seq;
		} else if (locked && is_leftover(de->d_name, stick_id, type, mark)) {
			unlinkat(dirfd, de->d_name, 0); /* best effort: only tidiness */
		}
		errno = 0;
	}
	if (errno != 0) {
		int e = errno;
		closedir(d);
		return rq_fail_errno(err, e, "cannot read the record directory");
	}
	closedir(d);
	return 0;
}

/* Takes the directory's writer lock. File systems without flock (some FUSE
 * drivers) still get exclusive publishing, which alone keeps numbers
 * unique; *locked says whether the lock is held. */
static int take_lock(int dirfd, bool *locked, rq_error *err)
{
	int fd = openat(dirfd, LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	*locked = false;
	if (fd < 0)
		return rq_fail_errno(err, errno, "cannot open the lock file %s", LOCK_NAME);
	while (flock(fd, LOCK_EX) != 0) {
		if (errno == EINTR)
			continue;
		if (errno == ENOLCK || errno == EOPNOTSUPP || errno == ENOSYS || errno == EINVAL)
			return fd;
		int e = errno;
		close(fd);
		return rq_fail_errno(err, e, "cannot lock %s", LOCK_NAME);
	}
	*locked = true;
	return fd;
}

int record_write_next_build(int dirfd, const record_header *in, const keys_stick_secret *stick,
			    const keys_ioc_public *ioc, record_build_fn build, void *ctx,
			    uint64_t *seq_out, rq_error *err)
{
	unsigned char *payload = NULL;
	size_t len = 0;
	char name[RECORD_NAME_MAX], mark[RECORD_NAME_MAX], text[32];
	record_header h = *in;
	unsigned char *rec = NULL;
	uint64_t max = 0, last;
	size_t reclen;
	bool locked;
	int lockfd, rc = -1;

	if (check_fields(&(record_header){.type = in->type,
					  .seq = 1,
					  .created = in->created,
					  .tz_minutes = in->tz_minutes},
			 "cannot write record", err) != 0)
		return -1;
	mark_name(stick->id, in->type, mark, sizeof(mark));
	lockfd = take_lock(dirfd, &locked, err);
	if (lockfd < 0)
		return -1;
	if (scan_dir(dirfd, stick->id, in->type, mark, locked, &max, err) != 0)
		goto out;
	last = read_mark(dirfd, mark);
	if (last > max)
		max = last;
	if (in->seq > max && in->seq <= RECORD_SEQ_MAX)
		max = in->seq;
	if (max >= RECORD_SEQ_MAX) {
		rq_fail(err, "cannot write record: sequence numbers exhausted");
		goto out;
	}
	h.seq = max + 1;
	if (record_name(stick->id, h.seq, h.type, name, sizeof(name)) != 0) {
		rq_fail(err, "cannot write record: bad name");
		goto out;
	}
	if (build(h.seq, ctx, &payload, &len, err) != 0)
		goto out;
	if (record_seal(&h, stick, ioc, payload, len, &rec, &reclen, err) != 0)
		goto out;
	if (atomic_write(dirfd, name, rec, reclen, 0644, true, err) != 0)
		goto out;
	/* The record is saved; a mark that fails to update only lags, and the
	 * directory scan covers it as long as the record is there. */
	snprintf(text, sizeof(text), "%llu\n", (unsigned long long)h.seq);
	(void)atomic_write(dirfd, mark, text, strlen(text), 0644, false, NULL);
	*seq_out = h.seq;
	rc = 0;
out:
	free(payload);
	free(rec);
	close(lockfd); /* releases the lock */
	return rc;
}

struct fixed_payload {
	const void *buf;
	size_t len;
};

static int copy_payload(uint64_t seq, void *ctx, unsigned char **out, size_t *outlen, rq_error *err)
{
	const struct fixed_payload *p = ctx;

	(void)seq;
	if ((*out = malloc(p->len ? p->len : 1)) == NULL)
		return rq_fail(err, "out of memory");
	if (p->len)
		memcpy(*out, p->buf, p->len);
	*outlen = p->len;
	return 0;
}

int record_write_next(int dirfd, const record_header *in, const keys_stick_secret *stick,
		      const keys_ioc_public *ioc, const void *payload, size_t len,
		      uint64_t *seq_out, rq_error *err)
{
	struct fixed_payload p = {payload, len};

	return record_write_next_build(dirfd, in, stick, ioc, copy_payload, &p, seq_out, err);
}

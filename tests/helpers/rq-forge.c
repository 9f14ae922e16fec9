/* rq-forge: seals a record as a person holding a stick's key could, with
 * any sequence number and creation time, even those lib/record.c refuses
 * to write (RECORD_SEQ_MAX, RECORD_CREATED_MIN/MAX). The sealing is
 * docs/record-format.md's, done here by hand: the header is the additional
 * data of every chunk, so a header changed after sealing would not open,
 * and the IOC's own checks of a forged value would never be reached.
 *
 *   rq-forge [--sample] STICKDIR OUTDIR SEQ CREATED FILE...
 *
 * STICKDIR holds stick.key and ioc.pub; the record goes to
 * OUTDIR/<stick>-<SEQ>.rqr (.rqs with --sample); FILEs are the payload's
 * members, by base name. Exit 0, 1 on failure, 2 on a usage error. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "keys.h"
#include "le.h"
#include "payload.h"
#include "record.h"

#define ABYTES crypto_secretstream_xchacha20poly1305_ABYTES

static int die(const char *what, const char *msg)
{
	fprintf(stderr, "rq-forge: %s: %s\n", what, msg);
	return 1;
}

/* The record of docs/record-format.md, every field as given. */
static unsigned char *forge(unsigned type, uint64_t seq, int64_t created,
			    const keys_stick_secret *sk, const keys_ioc_public *ioc,
			    const unsigned char *m, size_t len, size_t *outlen)
{
	crypto_secretstream_xchacha20poly1305_state st;
	unsigned char key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	size_t chunks = (len + RECORD_CHUNK - 1) / RECORD_CHUNK;
	size_t total = RECORD_HEADER_LEN + len + chunks * (4 + ABYTES) + crypto_sign_BYTES;
	size_t off = RECORD_HEADER_LEN, left = len;
	unsigned char *p = calloc(1, total);

	if (p == NULL)
		return NULL;
	memcpy(p, RECORD_MAGIC, 5);
	p[5] = RECORD_VERSION;
	p[6] = (unsigned char)type;
	store_le64(p + 8, sk->id);
	store_le64(p + 16, seq);
	store_le64(p + 24, (uint64_t)created);
	store_le16(p + 32, 420);
	store_le64(p + 40, ioc->id);
	store_le64(p + 48, len);
	crypto_secretstream_xchacha20poly1305_keygen(key);
	if (crypto_box_seal(p + 56, key, sizeof(key), ioc->box_pk) != 0 ||
	    crypto_secretstream_xchacha20poly1305_init_push(
		&st, p + 56 + crypto_box_SEALBYTES + sizeof(key), key) != 0)
		goto fail;
	while (left > 0) {
		size_t n = left < RECORD_CHUNK ? left : RECORD_CHUNK;
		unsigned char tag = n == left ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
					      : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;

		store_le32(p + off, (uint32_t)(n + ABYTES));
		if (crypto_secretstream_xchacha20poly1305_push(&st, p + off + 4, NULL, m, n, p,
							       RECORD_HEADER_LEN, tag) != 0)
			goto fail;
		off += 4 + ABYTES + n;
		m += n;
		left -= n;
	}
	if (crypto_sign_detached(p + off, NULL, p, off, sk->sign_sk) != 0)
		goto fail;
	*outlen = total;
	return p;
fail:
	free(p);
	return NULL;
}

int main(int argc, char **argv)
{
	payload_member m[PAYLOAD_MAX_MEMBERS];
	keys_stick_secret *sk;
	keys_ioc_public ioc;
	unsigned type = RECORD_TYPE_RESULT;
	unsigned char *pl, *rec;
	size_t pllen, reclen;
	char name[RECORD_NAME_MAX], hex[KEYS_ID_HEX_LEN + 1];
	unsigned long long seq;
	long long created;
	rq_error err;
	int sfd, ofd, n;

	if (argc > 1 && strcmp(argv[1], "--sample") == 0) {
		type = RECORD_TYPE_SAMPLE;
		argv++;
		argc--;
	}
	if (argc < 6 || argc - 5 > PAYLOAD_MAX_MEMBERS) {
		fprintf(stderr, "usage: rq-forge [--sample] STICKDIR OUTDIR SEQ CREATED FILE...\n");
		return 2;
	}
	seq = strtoull(argv[3], NULL, 10);
	created = strtoll(argv[4], NULL, 10);
	if (rq_crypto_init(&err) != 0)
		return die("libsodium", err.msg);
	if ((sfd = open(argv[1], O_RDONLY | O_DIRECTORY)) < 0)
		return die(argv[1], strerror(errno));
	if (keys_stick_read_secret(sfd, "stick.key", &sk, &err) != 0 ||
	    keys_ioc_read_public(sfd, "ioc.pub", &ioc, &err) != 0)
		return die(argv[1], err.msg);
	for (n = 0; n < argc - 5; n++) {
		char *path = argv[5 + n], *data, *dir = strdup(path);
		int dfd;

		if (dir == NULL || (dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY)) < 0)
			return die(path, strerror(errno));
		free(dir);
		m[n].name = basename(path);
		if (read_file_bounded(dfd, m[n].name, PAYLOAD_MAX_EXPANDED, &data, &m[n].len,
				      &err) != 0)
			return die(path, err.msg);
		m[n].data = (unsigned char *)data;
		close(dfd);
	}
	if (payload_build(m, (size_t)n, &pl, &pllen, &err) != 0)
		return die("payload", err.msg);
	if ((rec = forge(type, seq, created, sk, &ioc, pl, pllen, &reclen)) == NULL)
		return die("seal", "failed");
	keys_id_hex(sk->id, hex);
	snprintf(name, sizeof(name), "%s-%llu.%s", hex, seq,
		 type == RECORD_TYPE_SAMPLE ? "rqs" : "rqr");
	if ((ofd = open(argv[2], O_RDONLY | O_DIRECTORY)) < 0 ||
	    atomic_write(ofd, name, rec, reclen, 0644, false, &err) != 0)
		return die(name, ofd < 0 ? strerror(errno) : err.msg);
	printf("%s\n", name);
	for (int i = 0; i < n; i++)
		free(m[i].data);
	free(pl);
	free(rec);
	keys_stick_free(sk);
	close(ofd);
	close(sfd);
	return 0;
}
